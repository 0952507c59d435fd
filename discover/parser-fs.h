/* kexboot: the real kb_parse_fs backend, over a set of mounted device roots.
 *
 * Every path is resolved inside its device's root directory (openat2 with
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS, or an equivalent component walk
 * when the kernel lacks openat2), so "..", absolute symlinks and symlinks to
 * /etc/shadow stay on the device. Only regular files are read, opened with
 * O_NONBLOCK so a FIFO never blocks, and their size is checked before reading.
 * Used by kexboot-discover and kexboot-probe.
 */
#ifndef KB_PARSER_FS_H
#define KB_PARSER_FS_H

#include "discover/parser.h"
#include "lib/types.h"

/* Symlinks followed while resolving one path (the kernel's own limit). */
#define KB_PARSE_FS_MAX_SYMLINKS 40u
/* Devices one backend holds. */
#define KB_PARSE_FS_MAX_DEVICES 1024u

/* A new backend with no devices, a talloc child of ctx (freeing it closes
 * every root fd). NULL on allocation failure. */
struct kb_parse_fs *kb_parse_fs_new(void *ctx);

/* Add a device whose filesystem root is the directory root_fd (dup'd: the
 * caller keeps its own fd). dev is deep-copied. -EEXIST if the id is taken,
 * -E2BIG past KB_PARSE_FS_MAX_DEVICES, else 0 or -errno. */
int kb_parse_fs_add(struct kb_parse_fs *fs, const struct kb_device *dev, int root_fd);

/* Forget a device by id (closing its root fd). 0, or -ENOENT. */
int kb_parse_fs_remove(struct kb_parse_fs *fs, const char *dev_id);

/* Open path (absolute or relative, taken from root) confined to root_fd's
 * tree; flags as for openat (O_NOFOLLOW is not needed: symlinks are resolved
 * inside the root). Tries openat2, falls back to kb_open_in_root_walk on
 * ENOSYS. Returns an fd or -errno (-ELOOP past KB_PARSE_FS_MAX_SYMLINKS). */
int kb_open_in_root(int root_fd, const char *path, int flags);

/* The openat2-less resolver: walks component by component with O_NOFOLLOW,
 * resolving symlinks itself and never above root_fd. Exported for tests. */
int kb_open_in_root_walk(int root_fd, const char *path, int flags);

#endif
