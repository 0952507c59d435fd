/* An in-memory kb_parse_fs for the GRUB2 parser's tests, fuzzer and
 * benchmark: devices (id, uuid, label, ...) holding files by path. */
#ifndef KB_TEST_MEMFS_H
#define KB_TEST_MEMFS_H

#include <stddef.h>

#include "discover/parser.h"

/* A new backend, talloc child of ctx. */
struct kb_parse_fs *memfs_new(void *ctx);
/* Add a device; uuid/label/partuuid may be NULL. Returns the device (owned by fs). */
struct kb_device *memfs_add_device(struct kb_parse_fs *fs, const char *id, const char *uuid,
				   const char *label, const char *partuuid);
/* Add a file (contents copied) on device dev; directories are implied. */
int memfs_add_file(struct kb_parse_fs *fs, const char *dev, const char *path, const char *data,
		   size_t len);
/* Same with a NUL-terminated string. */
int memfs_add_str(struct kb_parse_fs *fs, const char *dev, const char *path, const char *data);

#endif
