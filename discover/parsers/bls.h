/* Boot Loader Specification Type 1 entries, shared by the BLS parser and
 * GRUB's `blscfg` command (discover/parsers/grub2*.c). */
#ifndef KB_PARSERS_BLS_H
#define KB_PARSERS_BLS_H

#include <stdbool.h>

#include "discover/parser.h"

/* Entry files read per directory. */
#define KB_BLS_MAX_ENTRIES 4096u
/* `options` lines joined per entry (the result is also capped by KB_MAX_ARGS_LEN). */
#define KB_BLS_MAX_OPTIONS_LINES 256u
/* Bytes one variable expansion may produce. */
#define KB_BLS_MAX_EXPANSION KB_MAX_ARGS_LEN

/* One entry file, as read. Strings are owned by the entry (freed with it). */
struct kb_bls_entry {
	char *id;           /* file name without ".conf": what loader.conf/GRUB default name */
	char *file;         /* absolute path of the entry file on its device */
	char *dir;          /* the entries directory it came from */
	unsigned line;      /* line of the `linux` key (for errors), 0 if none */
	char *title;        /* `title`, NULL if absent */
	char *version;
	char *machine_id;
	char *sort_key;
	char *architecture;
	char *kernel;       /* `linux` path as written, NULL if absent */
	char *efi;          /* `efi` path as written, NULL if absent */
	char **initrds;     /* `initrd` paths in order (several keys, several per key;
	                     * at most KB_MAX_INITRDS slots, inside the entry) */
	unsigned n_initrds;
	char *devicetree;
	char *options;      /* every `options` line joined by one space, expanded
	                     * when a lookup was given; NULL when there are none */
	char *grub_users;   /* Fedora's GRUB extensions, kept raw */
	char *grub_class;
	char *grub_arg;
};

/* Variable lookup for `$name` / `${name}` in options: the value, or NULL
 * (expands to nothing, as GRUB does). */
typedef const char *(*kb_bls_lookup_fn)(void *data, const char *name);

/* Read the entries of device dev (NULL = pctx's own) from dir, or, when dir
 * is NULL, from /loader/entries and /boot/loader/entries, skipping entries
 * for another architecture than pctx->arch, and return them in the
 * specification's menu order (sort-key, machine-id, version descending;
 * entries without sort-key after, by id descending in version order).
 * With lookup, $var/${var} in options are expanded through it (GRUB's
 * blscfg and $kernelopts). Marks pctx->bls_consumed when reading the own
 * device. Errors (file:line) go to pctx. Array and entries under ctx.
 * 0 or -errno. */
int kb_bls_load(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *dir,
		kb_bls_lookup_fn lookup, void *data, struct kb_bls_entry ***ret_entries,
		unsigned *ret_n);

/* Expand $name / ${name} in s through lookup (NULL: copy). Result under ctx,
 * NULL on ENOMEM or past KB_BLS_MAX_EXPANSION. */
char *kb_bls_expand(void *ctx, const char *s, kb_bls_lookup_fn lookup, void *data);

/* Make an option (under ctx; NULL = the run's option pools, see kb_opt_build)
 * from an entry found on dev (NULL = own): name
 * from title (else the id), kernel/initrds/dtb on that device, args =
 * options. -ENOENT for an entry without `linux`. The caller adds it. */
int kb_bls_entry_to_option(struct kb_parse_ctx *pctx, void *ctx, const struct kb_bls_entry *e,
			   const char *dev, struct kb_option **ret_opt);

/* Compare two version strings as the UAPI Version Format Specification
 * (systemd's strverscmp_improved) does: <0, 0, >0. */
int kb_version_compare(const char *a, const char *b);

/* Write a byte string to out (at least 8 * strlen(s) + 8 bytes) whose
 * memcmp order is kb_version_compare's order (a key is never a proper
 * prefix of another); returns its length. Sorting computes it once per
 * entry instead of comparing versions once per comparison. */
size_t kb_version_key(unsigned char *out, const char *s);

/* Does id match the loader.conf `default` glob pattern? */
bool kb_bls_default_matches(const char *pattern, const char *id);

#endif
