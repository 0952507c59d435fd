/* kexboot boot-config parsers: pure modules.
 *
 * A parser gets a buffer (the config file's contents) and a parse context
 * holding injected accessors for files and devices; it produces boot options
 * and errors in the context. Parsers do no I/O of their own: every file read,
 * directory listing and device lookup goes through ctx->fs, so the daemon,
 * kexboot-probe, the unit tests and the fuzzers can all drive them.
 *
 * Parsers are listed in one explicit table (kb_parsers in parser.c) together
 * with the config locations each one reads.
 */
#ifndef KB_PARSER_H
#define KB_PARSER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

/* Named limits for untrusted configs. */
#define KB_CONFIG_MAX_SIZE (16u * 1024u * 1024u) /* one config file */
#define KB_PARSE_MAX_OPTIONS 100000u             /* options per device */
#define KB_PARSE_MAX_ERRORS 1000u                /* errors kept per device */
#define KB_PARSE_MAX_INCLUDE_DEPTH 16u           /* include/source/configfile nesting */
#define KB_PARSE_MAX_DIR_ENTRIES 65536u          /* names returned by list_dir */

enum kb_file_type {
	KB_FILE_REGULAR = 0,
	KB_FILE_DIR = 1,
	KB_FILE_OTHER = 2, /* device node, fifo, socket: never read */
};

struct kb_file_info {
	uint32_t type; /* enum kb_file_type */
	uint64_t size;
	uint64_t ino;  /* identity of the file on its device (inode), 0 if unknown */
};

/* File and device access injected into parsers. `dev` NULL means the device
 * the config being parsed sits on. Paths are absolute on that device and are
 * confined to it (symlinks included). All functions return 0 or -errno. */
struct kb_parse_fs {
	/* Read a regular file (at most max bytes, else -EFBIG) into a NUL-terminated
	 * talloc buffer under ctx. */
	int (*read_file)(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			 size_t max, char **ret_buf, size_t *ret_len);
	int (*stat)(struct kb_parse_fs *fs, const char *dev, const char *path,
		    struct kb_file_info *ret_info);
	/* Names in a directory (no "." / ".."), sorted bytewise, talloc array under ctx. */
	int (*list_dir)(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			char ***ret_names, unsigned *ret_n);
	/* Find a present device: kind is "uuid", "label", "partuuid", "partlabel"
	 * or "file" (value is a path that must exist on it). *ret_dev is the device
	 * id, valid as long as fs. -ENODEV when none matches. */
	int (*find_device)(struct kb_parse_fs *fs, const char *kind, const char *value,
			   const char **ret_dev);
	/* Describe a device by id (NULL = own); NULL if unknown. */
	const struct kb_device *(*get_device)(struct kb_parse_fs *fs, const char *dev);
	/* Optional (may be NULL): read at most len bytes at offset off of a regular
	 * file into a talloc buffer under ctx (short read at end of file). */
	int (*read_range)(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			  uint64_t off, size_t len, char **ret_buf, size_t *ret_len);
	/* The device id that dev == NULL stands for; kb_parse_ctx_init sets it. */
	const char *current;
	void *data; /* backend private */
};

struct kb_parse_error {
	char *device;
	char *file;
	uint32_t line; /* 0 when not line-specific */
	char *message;
};

/* One parse run over one device. */
struct kb_parse_ctx {
	void *ctx;                  /* talloc parent of everything produced */
	struct kb_parse_fs *fs;
	const struct kb_device *device; /* the device whose configs are parsed */
	const char *arch;           /* "x86_64", "arm64", "riscv64", "ppc64le", … */
	const char *compatible;     /* board compatible for extlinux FDTDIR, may be NULL */

	/* results */
	struct kb_option **options; /* talloc array */
	unsigned n_options;
	struct kb_parse_error *errors; /* talloc array */
	unsigned n_errors;
	int timeout_s;              /* config's timeout, -1 if none */

	/* Set when GRUB's blscfg listed this device's BLS entries, so the BLS
	 * parser does not list them a second time. */
	bool bls_consumed;
	void *priv; /* parser.c private state (duplicate detection, seen files) */
};

struct kb_parser {
	const char *name;                 /* "grub2", "bls", "syslinux", … */
	const char *const *config_paths;  /* NULL-terminated; absolute, may hold '*' globs */
	/* Parse one config file found at path. Options and errors go into pctx.
	 * Returns 0, or -errno when the file could not be used at all. */
	int (*parse)(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len);
	/* Optional: parsers whose config is a set of files (BLS entries, UKIs)
	 * find and read them through pctx->fs themselves; when set, kb_parse_device
	 * calls scan once instead of reading config_paths one by one. */
	int (*scan)(struct kb_parse_ctx *pctx);
};

/* The table of parsers, NULL-terminated, in the order they are tried. */
extern const struct kb_parser *const kb_parsers[];

/* Config locations, one NULL-terminated list per parser, all defined next to
 * kb_parsers in parser.c (the one table, mirrored in doc/config-formats.md). */
extern const char *const kb_config_paths_native[];
extern const char *const kb_config_paths_grub2[];
extern const char *const kb_config_paths_bls[];
extern const char *const kb_config_paths_uki[];
extern const char *const kb_config_paths_syslinux[];
extern const char *const kb_config_paths_yaboot[];
extern const char *const kb_config_paths_kboot[];

extern const struct kb_parser kb_parser_native;
extern const struct kb_parser kb_parser_grub2;
extern const struct kb_parser kb_parser_bls;
extern const struct kb_parser kb_parser_uki;
extern const struct kb_parser kb_parser_syslinux;
extern const struct kb_parser kb_parser_yaboot;
extern const struct kb_parser kb_parser_kboot;
extern const struct kb_parser kb_parser_ipxe;

/* Start a parse run (pctx zeroed and filled). */
void kb_parse_ctx_init(struct kb_parse_ctx *pctx, void *ctx, struct kb_parse_fs *fs,
		       const struct kb_device *device, const char *arch, const char *compatible);

/* Run every parser over every config location on pctx->device. 0 or -errno. */
int kb_parse_device(struct kb_parse_ctx *pctx);

/* For parsers: append opt (stolen into pctx->ctx); fills id ("<dev>:<parser>:<n>"),
 * device_id, parser and order. At most one option per device keeps
 * is_default. -E2BIG past KB_PARSE_MAX_OPTIONS. */
int kb_parse_add_option(struct kb_parse_ctx *pctx, const char *parser, struct kb_option *opt);

/* Read a config through pctx->fs, refusing (with an error recorded in pctx
 * naming KB_CONFIG_MAX_SIZE and the size seen) what is not a regular file or
 * is too big. dev NULL = own device. 0 or -errno (-ENOENT silently). */
int kb_parse_read_config(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *path,
			 char **ret_buf, size_t *ret_len);

/* Expand an absolute path whose components may hold '*', '?' or '[..]'
 * globs into the existing paths it matches on dev, sorted; a pattern
 * without globs gives itself. Talloc array under ctx. 0 or -errno. */
int kb_parse_glob(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *pattern,
		  char ***ret_paths, unsigned *ret_n);

/* For parsers: record an error at file:line (line 0 = whole file). */
void kb_parse_error(struct kb_parse_ctx *pctx, const char *file, unsigned line, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

/* Normalise an absolute path in place semantics: collapse "//", ".", ".."
 * (never above "/"); result under ctx. NULL on allocation failure. */
char *kb_path_normalise(void *ctx, const char *path);

#endif
