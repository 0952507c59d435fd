/* Helpers shared by the boot-config parsers: lines, words, paths, options. */
#ifndef KB_PARSERS_UTIL_H
#define KB_PARSERS_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "discover/parser.h"
#include "lib/types.h"

/* Iterate over the lines of a buffer (LF or CRLF; NUL bytes end a line). */
struct kb_lines {
	const char *p, *end;
	unsigned lineno; /* number of the line last returned, 1-based */
};

void kb_lines_init(struct kb_lines *it, const char *buf, size_t len);
/* Next line without its terminator, leading/trailing blanks trimmed. false at end. */
bool kb_lines_next(struct kb_lines *it, const char **ret_line, size_t *ret_len);

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

/* Add opt through kb_parse_add_option, recording an error at file:line when a
 * limit refuses it. */
int kb_parse_add_checked(struct kb_parse_ctx *pctx, const char *parser, struct kb_option *opt,
			 const char *file, unsigned line);

/* Does a config/loader architecture name match pctx->arch? NULL/empty matches. */
bool kb_arch_matches(const char *want, const char *arch);

#endif
