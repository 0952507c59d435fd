/* An in-memory kb_parse_fs for parser unit tests and fuzzers: a map of
 * (device, path) -> contents, plus devices with uuid/label. */
#ifndef KB_TEST_MEMFS_H
#define KB_TEST_MEMFS_H

#include "discover/parser.h"

/* A new empty filesystem set under ctx. */
struct kb_parse_fs *memfs_new(void *ctx);
/* Add a device (its id is what dev arguments and find_device use). */
struct kb_device *memfs_add_device(struct kb_parse_fs *fs, const char *id, const char *uuid,
				   const char *label);
/* Add a regular file with contents of len bytes (len (size_t)-1: strlen). */
void memfs_add_file(struct kb_parse_fs *fs, const char *dev, const char *path, const char *contents,
		    size_t len);
/* Add a non-regular file (a FIFO or device node stand-in). */
void memfs_add_special(struct kb_parse_fs *fs, const char *dev, const char *path);
/* Make path report size bytes without holding them (for limit tests). */
void memfs_add_sized(struct kb_parse_fs *fs, const char *dev, const char *path, uint64_t size);

#endif
