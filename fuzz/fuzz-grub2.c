/* libFuzzer target for the GRUB2 parser: the input is a grub.cfg on an
 * in-memory device (pieces after "\n#--\n" separators become its grubenv and
 * a custom.cfg it can source), with a second device to search for.
 * Checks: no crash, no leak, at most one default option, every option has a
 * kernel and normalised paths. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parser.h"
#include "test/parsers/grub2/memfs.c" /* the in-memory backend, built into the target */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *piece(const char *buf, size_t len, unsigned k, size_t *ret_len)
{
	const char *p = buf, *end = buf + len;

	while (k--) {
		const char *s = memmem(p, (size_t)(end - p), "\n#--\n", 5);

		if (!s) {
			*ret_len = 0;
			return NULL;
		}
		p = s + 5;
	}
	{
		const char *s = memmem(p, (size_t)(end - p), "\n#--\n", 5);

		*ret_len = (size_t)((s ? s : end) - p);
	}
	return p;
}

static void check_res(const struct kb_resource *r)
{
	if (r->kind == KB_RES_DEVICE || r->kind == KB_RES_UNRESOLVED) {
		if (!r->path || r->path[0] != '/' || strstr(r->path, "//") || strstr(r->path, "/./") ||
		    strstr(r->path, "/../"))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_device *dev;
	struct kb_parse_ctx pctx;
	const char *cfg, *env, *custom;
	size_t cl, el, ul;
	unsigned i, defaults = 0;

	dev = memfs_add_device(fs, "sda1", "0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f", "root", NULL);
	memfs_add_device(fs, "sda2", "11111111-2222-3333-4444-555555555555", "data", NULL);
	memfs_add_str(fs, "sda2", "/boot/vmlinuz", "k");
	memfs_add_str(fs, "sda1", "/loader/entries/a-6.1.conf",
		      "title A\nversion 6.1\nlinux /vmlinuz-6.1\ninitrd /i\noptions $kernelopts x\n");
	cfg = piece((const char *)data, size, 0, &cl);
	env = piece((const char *)data, size, 1, &el);
	custom = piece((const char *)data, size, 2, &ul);
	memfs_add_file(fs, "sda1", "/boot/grub/grub.cfg", cfg, cl);
	if (env)
		memfs_add_file(fs, "sda1", "/boot/grub/grubenv", env, el);
	if (custom)
		memfs_add_file(fs, "sda1", "/boot/grub/custom.cfg", custom, ul);
	kb_parse_ctx_init(&pctx, ctx, fs, dev, "x86_64", NULL);
	kb_parser_grub2.parse(&pctx, "/boot/grub/grub.cfg", cfg, cl);
	for (i = 0; i < pctx.n_options; i++) {
		const struct kb_option *o = pctx.options[i];
		uint32_t k;

		defaults += o->is_default;
		if (o->kernel.kind == KB_RES_NONE || !o->name)
			abort();
		check_res(&o->kernel);
		check_res(&o->dtb);
		for (k = 0; k < o->n_initrds; k++)
			check_res(&o->initrds[k]);
	}
	if (defaults > 1)
		abort();
	talloc_free(ctx);
	return 0;
}
