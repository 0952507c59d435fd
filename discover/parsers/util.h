/* Helpers shared by the boot-config parsers: lines, words, paths, options. */
#ifndef KB_PARSERS_UTIL_H
#define KB_PARSERS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "discover/parser.h"
#include "lib/types.h"

/* Iterate over the lines of a buffer (LF or CRLF; NUL bytes end a line). */
struct kb_lines {
	const char *p, *end;
	unsigned lineno; /* number of the line last returned, 1-based */
	bool has_nul;    /* the buffer holds a NUL byte: lines are cut at it */
};

void kb_lines_init(struct kb_lines *it, const char *buf, size_t len);
static inline bool kb_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Next line without its terminator, leading/trailing blanks trimmed. false
 * at end. Inline: parsers call it once per line of multi-megabyte files. */
static inline bool kb_lines_next(struct kb_lines *it, const char **ret_line, size_t *ret_len)
{
	const char *s, *e, *nl;

	if (it->p >= it->end)
		return false;
	s = it->p;
	nl = memchr(s, '\n', (size_t)(it->end - s));
	e = nl ? nl : it->end;
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	if (it->has_nul) {
		const char *z = memchr(s, '\0', (size_t)(e - s));

		if (z)
			e = z;
	}
	/* every blank is <= ' ': one compare settles the usual case */
	while (s < e && (unsigned char)*s <= ' ' && kb_is_blank(*s))
		s++;
	while (e > s && (unsigned char)e[-1] <= ' ' && kb_is_blank(e[-1]))
		e--;
	*ret_line = s;
	*ret_len = (size_t)(e - s);
	return true;
}

/* Trimmed copy of s[0..n) under ctx. */
char *kb_strndup_trim(void *ctx, const char *s, size_t n);
/* Case-insensitive: does s[0..n) start with keyword kw followed by a blank
 * (or end)? Sets *ret_rest to the trimmed remainder. */
bool kb_keyword(const char *s, size_t n, const char *kw, const char **ret_rest, size_t *ret_rest_len);

/* Directory part of an absolute path ("/a/b" -> "/a", "/a" -> "/"). */
char *kb_path_dirname(void *ctx, const char *path);
/* dir + "/" + path normalised; an absolute path ignores dir. */
char *kb_path_join(void *ctx, const char *dir, const char *path);

/* A zeroed option, talloc child of ctx, with no kernel/dtb. */
struct kb_option *kb_option_new(void *ctx);
/* Point res at a file: a URL ("scheme://…") or a path on device dev
 * (NULL = pctx's device) relative to dir. res strings become children of owner. */
int kb_res_set(struct kb_parse_ctx *pctx, void *owner, struct kb_resource *res, const char *dev,
	       const char *dir, const char *path);
/* Append an initrd resource (see kb_res_set). -E2BIG past KB_MAX_INITRDS. */
int kb_option_add_initrd(struct kb_parse_ctx *pctx, struct kb_option *opt, const char *dev,
			 const char *dir, const char *path);

/* A resource to be laid out by kb_opt_build: slices of a config buffer
 * (or any memory that lives until kb_opt_build returns). */
struct kb_res_src {
	uint32_t kind;          /* enum kb_resource_kind; KB_RES_NONE = absent */
	const char *dev;        /* KB_RES_DEVICE: device id, NULL = pctx's device */
	const char *dir;        /* directory a relative path is taken from, NULL = "/" */
	bool dir_always;        /* prefix dir to absolute paths too (BLS on /boot) */
	bool normal;            /* path is absolute and normalised already: dir unused */
	const char *path;       /* path (KB_RES_DEVICE, KB_RES_UNRESOLVED) or URL bytes */
	size_t path_len;
	const char *unresolved; /* KB_RES_UNRESOLVED: "uuid:…" (NUL-terminated) */
};

/* An option to be laid out by kb_opt_build. */
struct kb_opt_src {
	const char *name;       /* title bytes (required) */
	size_t name_len;
	char name_drop;         /* a character left out of the title ('^' for syslinux), 0 = none */
	bool has_args;          /* false: args NULL */
	const char *args[2];    /* args = args[0] + " " + args[1] (the blank only when both are non-empty) */
	size_t args_len[2];
	struct kb_res_src kernel, dtb;
	unsigned n_initrds;
	bool is_default;
	/* the parser that will add the option (kb_parse_add_option's parser):
	 * when set, the option's id, device_id and parser strings are laid out
	 * in its chunk too, and so is what duplicate detection needs. NULL:
	 * kb_parse_add_option gives them a chunk of their own. */
	const char *parser;
	size_t parser_len;      /* strlen(parser), or 0: measured by kb_opt_build */
	/* last, so memset(src, 0, offsetof(struct kb_opt_src, initrds)) clears
	 * every other field without touching the large array */
	struct kb_res_src initrds[KB_MAX_INITRDS];
};

/* Point src at a file: a URL ("scheme://…") or path[0..len) on dev (NULL =
 * pctx's device) relative to dir (NULL = "/"). */
void kb_res_src_set(struct kb_res_src *src, const char *dev, const char *dir, const char *path,
		    size_t len);

/* Lay an option out in ONE talloc chunk under ctx: the struct, its initrd
 * array and every string (paths joined with their dir and normalised) live
 * inside it, so one allocation makes it and one free releases it. Such an
 * option is read-only in layout: its strings are not separate talloc chunks
 * (kb_option_dup it to edit). ctx NULL: the run's option pools (talloc
 * pools under pctx->ctx, see KB_OPTION_POOL_SIZE), where the option is
 * already where kb_parse_add_option would put it; free it with talloc_free
 * if it is not added. With src->parser set, kb_parse_add_option fills the
 * id in place (see struct kb_opt_packed). -ENAMETOOLONG when a path exceeds
 * KB_MAX_PATH_LEN, -E2BIG past KB_MAX_INITRDS, -ENOMEM. */
int kb_opt_build(struct kb_parse_ctx *pctx, void *ctx, const struct kb_opt_src *src,
		 struct kb_option **ret_opt);

/* Bytes of one talloc pool of the run's options (kb_opt_build with ctx NULL);
 * an option larger than that gets a pool of its own size. */
#define KB_OPTION_POOL_SIZE (256u * 1024u)

/* What kb_opt_build with src->parser set lays out right after the struct
 * kb_option, for kb_parse_add_option (parser.c): the id is written in
 * place and duplicates are found without reading the strings again. An
 * option is packed when its id points inside its own chunk (a separate
 * talloc chunk never can). */
#define KB_OPT_ID_DIGITS 10u
#define KB_OPT_HASH_SEED 0xcbf29ce484222325ull

/* Mix s[0..n) into h eight bytes at a time (all of it: a hash that saw only
 * part of a string would let a crafted config collide every option). s
 * NULL mixes a marker of its own. */
static inline uint64_t kb_opt_hash_mix(uint64_t h, const char *s, size_t n)
{
	size_t i;
	uint64_t w;

	if (!s)
		return (h ^ 0xffu) * 0x100000001b3ull;
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	w = 0;
	if (n > i)
		memcpy(&w, s + i, n - i);
	h = (h ^ w ^ ((uint64_t)n << 56)) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

/* The duplicate-detection hash of an option: its title, kernel (path or
 * URL) and initrd count; the lengths are those of the strings. */
static inline uint64_t kb_opt_hash(const char *name, size_t name_len, const char *kernel,
				   size_t kernel_len, uint32_t n_initrds)
{
	uint64_t h = kb_opt_hash_mix(KB_OPT_HASH_SEED, name, name_len);

	h = kb_opt_hash_mix(h, kernel, kernel_len);
	return (h ^ n_initrds) * 0x100000001b3ull;
}
struct kb_opt_packed {
	uint64_t hash;       /* kb_opt_hash of name and kernel (see parser.c) */
	char *id_num;        /* where the id's number goes (KB_OPT_ID_DIGITS + NUL) */
	const char *parser;  /* src->parser, compared with kb_parse_add_option's */
	uint32_t name_len, args_len;
	bool in_run;         /* allocated under pctx->ctx already: no steal needed */
};

/* size bytes for an option in the run's option pools under pctx->ctx (parser.c);
 * a talloc chunk named "struct kb_option". NULL on ENOMEM. */
void *kb_parse_opt_alloc(struct kb_parse_ctx *pctx, size_t size);

/* Normalise an absolute path in place ("//", ".", ".." collapsed, never
 * above "/", no trailing '/'); s must start with '/'. Returns the new length. */
size_t kb_path_normalise_inplace(char *s);

/* The command-line length of the last option kb_parse_add_option refused
 * with -E2BIG for its initrds or command line (parser.c). */
size_t kb_parse_refused_args_len(struct kb_parse_ctx *pctx);

/* Add opt through kb_parse_add_option, recording an error at file:line when a
 * limit refuses it. */
int kb_parse_add_checked(struct kb_parse_ctx *pctx, const char *parser, struct kb_option *opt,
			 const char *file, unsigned line);

/* Does a config/loader architecture name match pctx->arch? NULL/empty matches. */
bool kb_arch_matches(const char *want, const char *arch);

#endif
