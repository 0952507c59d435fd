/* kexboot: storage backends for the machine settings (the stored layer of
 * struct kb_config). A backend is a small ops table {load, save}; the
 * daemon holds one struct kb_config_store, talloc-owned, no global state.
 *
 * Both backends keep the same text blob: a header comment, the key = value
 * lines of doc/configuration.md, and a trailer "# end: N items, checksum
 * <fnv1a-64>" that tells a complete blob from a damaged one.
 *
 *  - file:     <state-dir>/settings.conf. Saved atomically: write
 *              settings.conf.tmp, fsync it, rename over settings.conf,
 *              fsync the directory. A power cut at any point leaves either
 *              the old or the new file. A damaged file is renamed to
 *              settings.conf.corrupt and defaults are used, with a warning.
 *  - efivarfs: one EFI variable KexbootSettings-<KB_EFI_GUID> in an efivarfs
 *              mount (4-byte little-endian attributes + the blob), written
 *              in one write() as efivarfs requires, clearing and restoring
 *              the immutable flag (FS_IOC_GETFLAGS/SETFLAGS) around it.
 *              A damaged variable is copied to KexbootSettingsCorrupt-<GUID>.
 *  - NVRAM-style platform stores (OPAL/PowerNV nvram partitions, U-Boot
 *    environment, …) implement the same two ops: see doc/configuration.md.
 */
#ifndef KB_DISCOVER_CONFIG_STORE_H
#define KB_DISCOVER_CONFIG_STORE_H

#include <stddef.h>
#include <sys/types.h>

#include "discover/config.h"
#include "lib/types.h"

#define KB_STORE_FILE_NAME "settings.conf"
#define KB_STORE_TMP_SUFFIX ".tmp"
#define KB_STORE_CORRUPT_SUFFIX ".corrupt"
#define KB_EFI_GUID "443fb327-4abf-42c7-bb8c-70ac2babcb5b" /* kexboot's own vendor GUID */
#define KB_EFI_VAR_NAME "KexbootSettings"
#define KB_EFI_CORRUPT_VAR_NAME "KexbootSettingsCorrupt"
#define KB_EFI_VAR_MAX_SIZE (32 * 1024) /* attributes + blob; firmware stores are small */
#define KB_EFI_ATTRS 0x7u /* NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS */
#define KB_EFIVARFS_DIR "/sys/firmware/efi/efivars"

/* The system calls a backend writes through (libc conventions: -1 and
 * errno on failure). Tests substitute them to inject failures; NULL for
 * kb_store_io_default(). */
struct kb_store_io {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*rename)(const char *from, const char *to);
	int (*close)(int fd);
	int (*ioctl_flags)(int fd, unsigned long request, int *flags); /* FS_IOC_[GS]ETFLAGS */
};

/* The real system calls. */
const struct kb_store_io *kb_store_io_default(void);

struct kb_config_store;

struct kb_config_store_ops {
	const char *name; /* "file", "efivarfs" */
	/* Read the stored items (talloc array, child of ctx; empty when
	 * nothing is stored). A damaged store gives 0, no items and
	 * *ret_warning (child of ctx) saying what happened. -errno on I/O
	 * errors that leave the store untouched. */
	int (*load)(struct kb_config_store *st, void *ctx, struct kb_config_item **ret_items,
		    size_t *ret_n, char **ret_warning);
	/* Replace the stored items all at once: afterwards load gives either
	 * the old or the new items, whatever happens. 0 or -errno. */
	int (*save)(struct kb_config_store *st, const struct kb_config_item *items, size_t n);
};

struct kb_config_store {
	const struct kb_config_store_ops *ops;
	const struct kb_store_io *io;
	char *dir;  /* state dir or efivarfs mount */
	char *path; /* the file or variable */
	bool is_efivarfs; /* dir really is an efivarfs mount (no O_TRUNC there) */
};

/* File backend keeping <state_dir>/settings.conf (state_dir is created,
 * one level, mode 0700, on first save). io NULL = real calls. */
struct kb_config_store *kb_config_store_file_new(void *ctx, const char *state_dir,
						 const struct kb_store_io *io);

/* efivarfs backend on the mount at efivars_dir (KB_EFIVARFS_DIR on a real
 * machine, any directory in tests). io NULL = real calls. */
struct kb_config_store *kb_config_store_efivarfs_new(void *ctx, const char *efivars_dir,
						     const struct kb_store_io *io);

/* Load the stored items into cfg's stored layer. Items that no longer
 * validate are dropped and mentioned in *ret_warning, like a damaged
 * store. 0 or -errno (cfg unchanged on error). */
int kb_config_store_load_config(struct kb_config_store *st, struct kb_config *cfg, void *ctx,
				char **ret_warning);

/* Save cfg's stored layer. 0 or -errno. */
int kb_config_store_save_config(struct kb_config_store *st, const struct kb_config *cfg);

/* The blob format, exposed for tests and kexboot-ctl: encode items with
 * header and checksum trailer (child of ctx, *ret_len bytes). */
char *kb_config_blob_encode(void *ctx, const struct kb_config_item *items, size_t n,
			    size_t *ret_len);

/* Decode a blob: 0 and items when complete and intact (bad lines are
 * reported in *ret_errs); -EBADMSG when the trailer is missing or the
 * checksum does not match, with *ret_why (static text). */
int kb_config_blob_decode(void *ctx, const char *buf, size_t len,
			  struct kb_config_item **ret_items, size_t *ret_n,
			  struct kb_config_errors *ret_errs, const char **ret_why);

#endif
