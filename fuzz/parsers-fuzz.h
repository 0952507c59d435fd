/* Shared by the parser fuzz targets (fuzz/fuzz-<parser>.c): the in-memory
 * device backend (test/parsers/memfs.c, built into each target), input
 * splitting and the checks every parse result must pass. */
#ifndef KB_FUZZ_PARSERS_FUZZ_H
#define KB_FUZZ_PARSERS_FUZZ_H

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parser.h"
#include "test/parsers/memfs.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Piece k of the input, pieces separated by "\n#--\n"; NULL past the last. */
static inline const char *fz_piece(const uint8_t *data, size_t size, unsigned k, size_t *ret_len)
{
	const char *p = (const char *)data, *end = p + size, *s;

	while (k--) {
		s = memmem(p, (size_t)(end - p), "\n#--\n", 5);
		if (!s)
			return NULL;
		p = s + 5;
	}
	s = memmem(p, (size_t)(end - p), "\n#--\n", 5);
	*ret_len = (size_t)((s ? s : end) - p);
	return p;
}

static inline void fz_check_res(const struct kb_resource *r)
{
	if (r->kind >= KB_RES_MAX)
		abort();
	if (r->kind == KB_RES_DEVICE || r->kind == KB_RES_UNRESOLVED) {
		if (!r->path || r->path[0] != '/' || strstr(r->path, "//") || strstr(r->path, "/./") ||
		    strstr(r->path, "/../") || strlen(r->path) > KB_MAX_PATH_LEN)
			abort();
		{
			size_t n = strlen(r->path);

			if ((n > 1 && r->path[n - 1] == '/') || (n >= 2 && !strcmp(r->path + n - 2, "/.")) ||
			    (n >= 3 && !strcmp(r->path + n - 3, "/..")))
				abort();
		}
	}
	if (r->kind == KB_RES_DEVICE && !r->device)
		abort();
	if (r->kind == KB_RES_URL && !r->url)
		abort();
}

/* Every option: a name, a kernel, sane resources and limits, an id; at most
 * one default; errors carry a message. Then free everything (LeakSanitizer
 * sees whatever the parse left outside ctx). */
static inline void fz_check(struct kb_parse_ctx *pctx)
{
	unsigned i, defaults = 0;

	if (pctx->n_options > KB_PARSE_MAX_OPTIONS)
		abort();
	for (i = 0; i < pctx->n_options; i++) {
		const struct kb_option *o = pctx->options[i];
		uint32_t k;

		defaults += o->is_default;
		if (!o->name || !o->id || !o->device_id || !o->parser || o->kernel.kind == KB_RES_NONE)
			abort();
		if (strlen(o->name) > KB_MAX_NAME_LEN || o->n_initrds > KB_MAX_INITRDS ||
		    (o->args && strlen(o->args) > KB_MAX_ARGS_LEN) || o->order != i)
			abort();
		fz_check_res(&o->kernel);
		fz_check_res(&o->dtb);
		for (k = 0; k < o->n_initrds; k++) {
			if (o->initrds[k].kind == KB_RES_NONE)
				abort();
			fz_check_res(&o->initrds[k]);
		}
		/* each option stands alone: freeing it must free all it holds */
		if (talloc_parent(o) != pctx->ctx && talloc_parent(talloc_parent(o)) != pctx->ctx)
			abort();
	}
	if (defaults > 1)
		abort();
	for (i = 0; i < pctx->n_errors; i++)
		if (!pctx->errors[i].message)
			abort();
}

/* A parse context on device "sda1" (a second device "sdb1" exists for
 * cross-device references). */
static inline struct kb_parse_fs *fz_fs(void *ctx, struct kb_device **ret_dev)
{
	struct kb_parse_fs *fs = memfs_new(ctx);

	*ret_dev = memfs_add_device(fs, "sda1", "0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f", "root");
	memfs_add_device(fs, "sdb1", "11111111-2222-3333-4444-555555555555", "data");
	memfs_add_file(fs, "sdb1", "/vmlinuz", "k", (size_t)-1);
	return fs;
}

#endif
