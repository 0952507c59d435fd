/* Shared bits for the parser unit tests (cmocka). */
#ifndef KB_TEST_PARSER_HELPERS_H
#define KB_TEST_PARSER_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <talloc.h>

#include "discover/parser.h"
#include "test/parsers/memfs.h"

/* Parse every config on device "sda1" of fs, as the daemon would. */
static inline struct kb_parse_ctx *run_device(void *ctx, struct kb_parse_fs *fs, const char *arch,
					      const char *compatible)
{
	struct kb_parse_ctx *p = talloc_zero(ctx, struct kb_parse_ctx);
	const struct kb_device *dev = fs->get_device(fs, "sda1");

	assert_non_null(dev);
	kb_parse_ctx_init(p, ctx, fs, dev, arch, compatible);
	assert_int_equal(kb_parse_device(p), 0);
	return p;
}

static inline struct kb_option *opt_named(struct kb_parse_ctx *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->n_options; i++)
		if (!strcmp(p->options[i]->name, name))
			return p->options[i];
	fail_msg("no option named '%s' (%u options)", name, p->n_options);
	return NULL;
}

static inline bool has_error(struct kb_parse_ctx *p, const char *needle)
{
	unsigned i;

	for (i = 0; i < p->n_errors; i++)
		if (strstr(p->errors[i].message, needle))
			return true;
	return false;
}

static inline unsigned n_defaults(struct kb_parse_ctx *p)
{
	unsigned i, n = 0;

	for (i = 0; i < p->n_options; i++)
		n += p->options[i]->is_default;
	return n;
}

#define assert_res(r, dev_, path_)                            \
	do {                                                  \
		assert_int_equal((r).kind, KB_RES_DEVICE);    \
		assert_string_equal((r).device, (dev_));      \
		assert_string_equal((r).path, (path_));       \
	} while (0)

#define FILE_(fs, path, text) memfs_add_file((fs), "sda1", (path), (text), (size_t)-1)

#endif
