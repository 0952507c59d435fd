/* Parser framework tests: path normalisation, option ids/defaults/duplicates,
 * globs, the config size limit and non-regular files. */
#include <config.h>

#include "test/parsers/helpers.h"
#include "discover/parsers/util.h"

static void test_normalise(void **state)
{
	static const char *const cases[][2] = {
		{"/", "/"},           {"//", "/"},           {"/a//b", "/a/b"},
		{"/a/./b/", "/a/b"},  {"/a/../b", "/b"},     {"/../../etc/shadow", "/etc/shadow"},
		{"a/b", "/a/b"},      {"/a/b/..", "/a"},     {"/a/b/../../..", "/"},
		{"/./", "/"},         {"/a/.b/..c", "/a/.b/..c"},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = kb_path_normalise(NULL, cases[i][0]);

		assert_string_equal(n, cases[i][1]);
		talloc_free(n);
	}
}

static struct kb_option *mk(void *ctx, const char *name, bool def)
{
	struct kb_option *o = talloc_zero(ctx, struct kb_option);

	o->name = talloc_strdup(o, name);
	o->kernel.kind = KB_RES_DEVICE;
	o->kernel.device = talloc_strdup(o, "sda1");
	o->kernel.path = talloc_strdup(o, "/vmlinuz");
	o->is_default = def;
	return o;
}

static void test_add_option(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx p;
	struct kb_option *o;

	memfs_add_device(fs, "sda1", NULL, NULL);
	kb_parse_ctx_init(&p, ctx, fs, fs->get_device(fs, "sda1"), NULL, NULL);
	assert_int_equal(kb_parse_add_option(&p, "syslinux", mk(ctx, "a", false)), 0);
	assert_int_equal(kb_parse_add_option(&p, "syslinux", mk(ctx, "b", true)), 0);
	assert_int_equal(kb_parse_add_option(&p, "bls", mk(ctx, "c", true)), 0);
	/* an identical option of the same parser is dropped */
	assert_int_equal(kb_parse_add_option(&p, "syslinux", mk(ctx, "a", false)), 1);
	/* the same entry from another parser is kept */
	assert_int_equal(kb_parse_add_option(&p, "bls", mk(ctx, "a", false)), 0);
	assert_int_equal(p.n_options, 4);
	assert_string_equal(p.options[0]->id, "sda1:syslinux:0");
	assert_string_equal(p.options[1]->id, "sda1:syslinux:1");
	assert_string_equal(p.options[2]->id, "sda1:bls:0");
	assert_string_equal(p.options[3]->id, "sda1:bls:1");
	assert_string_equal(p.options[2]->device_id, "sda1");
	assert_int_equal(p.options[3]->order, 3);
	assert_true(p.options[1]->is_default);
	assert_false(p.options[2]->is_default); /* one default per device */

	o = mk(ctx, "big", false);
	o->args = talloc_zero_size(o, KB_MAX_ARGS_LEN + 2);
	memset(o->args, 'x', KB_MAX_ARGS_LEN + 1);
	assert_int_equal(kb_parse_add_option(&p, "bls", o), -E2BIG);
	assert_int_equal(p.n_options, 4);
	talloc_free(ctx);
}

/* An option laid out by kb_opt_build in the run's pools with its id packed. */
static struct kb_option *built(struct kb_parse_ctx *p, const char *parser, const char *name,
			       const char *kernel, bool def)
{
	struct kb_opt_src src;
	struct kb_option *o = NULL;

	memset(&src, 0, offsetof(struct kb_opt_src, initrds));
	src.parser = parser;
	src.name = name;
	src.name_len = strlen(name);
	kb_res_src_set(&src.kernel, NULL, "/boot", kernel, strlen(kernel));
	kb_res_src_set(&src.initrds[0], NULL, NULL, "/initrd.img", 11);
	src.n_initrds = 1;
	src.has_args = true;
	src.args[0] = "quiet";
	src.args_len[0] = 5;
	src.is_default = def;
	assert_int_equal(kb_opt_build(p, NULL, &src, &o), 0);
	return o;
}

/* Options built in the run's pools: ids written in place, duplicates found
 * by the packed hash, and each one freeable on its own after the daemon's
 * steal, in any order with the run's context. */
static void test_packed_options(void **state)
{
	void *ctx = talloc_new(NULL), *keep = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx p;
	struct kb_option **opts, *o;
	char name[32];
	unsigned i, n;

	memfs_add_device(fs, "sda1", NULL, NULL);
	kb_parse_ctx_init(&p, ctx, fs, fs->get_device(fs, "sda1"), NULL, NULL);
	assert_int_equal(kb_parse_add_checked(&p, "grub2", built(&p, "grub2", "A", "vmlinuz", false),
					      "/f", 1), 0);
	assert_int_equal(kb_parse_add_checked(&p, "grub2", built(&p, "grub2", "B", "vmlinuz", true),
					      "/f", 2), 0);
	/* the same as the first: dropped (its default flag is not, but one is set) */
	assert_int_equal(kb_parse_add_checked(&p, "grub2", built(&p, "grub2", "A", "/boot/vmlinuz", false),
					      "/f", 3), 1);
	/* built for one parser, added as another: ids of the adding parser */
	assert_int_equal(kb_parse_add_option(&p, "bls", built(&p, "grub2", "A", "vmlinuz", false)), 0);
	/* many: more than one pool */
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "entry %u", i);
		assert_int_equal(kb_parse_add_option(&p, "syslinux", built(&p, "syslinux", name, "k", false)), 0);
	}
	assert_int_equal(p.n_options, 3003);
	assert_string_equal(p.options[0]->id, "sda1:grub2:0");
	assert_string_equal(p.options[1]->id, "sda1:grub2:1");
	assert_string_equal(p.options[1]->parser, "grub2");
	assert_string_equal(p.options[1]->device_id, "sda1");
	assert_true(p.options[1]->is_default);
	assert_string_equal(p.options[1]->kernel.path, "/boot/vmlinuz");
	assert_string_equal(p.options[1]->initrds[0].path, "/initrd.img");
	assert_string_equal(p.options[1]->args, "quiet");
	assert_string_equal(p.options[2]->id, "sda1:bls:0");
	assert_string_equal(p.options[2]->parser, "bls");
	assert_string_equal(p.options[3002]->id, "sda1:syslinux:2999");
	assert_string_equal(p.options[3002]->name, "entry 2999");
	assert_int_equal(p.options[3002]->order, 3002);

	/* what discover/devices.c does: steal the array and every option,
	 * free the run's context, then free options one by one */
	opts = talloc_steal(keep, p.options);
	n = p.n_options;
	for (i = 0; i < n; i++)
		talloc_steal(opts, opts[i]);
	talloc_free(ctx);
	o = opts[1];
	assert_string_equal(o->id, "sda1:grub2:1");
	for (i = 0; i < n; i += 2)
		talloc_free(opts[i]);
	assert_string_equal(opts[3001]->name, "entry 2998");
	talloc_free(keep);
}

static void test_errors_capped(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_ctx p;
	struct kb_device dev = {.id = (char *)"sda1"};
	unsigned i;

	kb_parse_ctx_init(&p, ctx, NULL, &dev, NULL, NULL);
	for (i = 0; i < KB_PARSE_MAX_ERRORS + 50; i++)
		kb_parse_error(&p, "/f", i + 1, "error %u", i);
	assert_int_equal(p.n_errors, KB_PARSE_MAX_ERRORS + 1);
	assert_non_null(strstr(p.errors[KB_PARSE_MAX_ERRORS].message, "KB_PARSE_MAX_ERRORS"));
	assert_string_equal(p.errors[3].message, "error 3");
	assert_int_equal(p.errors[3].line, 4);
	talloc_free(ctx);
}

static void test_glob(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx p;
	char **paths;
	unsigned n;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/EFI/debian/grub.cfg", "x");
	FILE_(fs, "/EFI/BOOT/grub.cfg", "x");
	FILE_(fs, "/EFI/fedora/grubenv", "x");
	FILE_(fs, "/EFI/.hidden/grub.cfg", "x");
	kb_parse_ctx_init(&p, ctx, fs, fs->get_device(fs, "sda1"), NULL, NULL);
	assert_int_equal(kb_parse_glob(&p, ctx, NULL, "/EFI/*/grub.cfg", &paths, &n), 0);
	assert_int_equal(n, 3); /* fedora listed: existence is checked by the reader */
	assert_string_equal(paths[0], "/EFI/BOOT/grub.cfg");
	assert_string_equal(paths[1], "/EFI/debian/grub.cfg");
	assert_int_equal(kb_parse_glob(&p, ctx, NULL, "/nothing/*/x", &paths, &n), 0);
	assert_int_equal(n, 0);
	talloc_free(ctx);
}

/* A config over KB_CONFIG_MAX_SIZE is refused with the limit and the size. */
static void test_size_limit_and_fifo(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	char want[128];

	memfs_add_device(fs, "sda1", NULL, NULL);
	memfs_add_sized(fs, "sda1", "/extlinux/extlinux.conf", KB_CONFIG_MAX_SIZE + 1ull);
	memfs_add_special(fs, "sda1", "/kexboot.conf");
	FILE_(fs, "/boot/extlinux/extlinux.conf", "label ok\nlinux /vmlinuz\n");
	p = run_device(ctx, fs, NULL, NULL);
	snprintf(want, sizeof(want), "%llu bytes, over the config size limit of %u bytes",
		 (unsigned long long)KB_CONFIG_MAX_SIZE + 1, KB_CONFIG_MAX_SIZE);
	assert_true(has_error(p, want));
	assert_true(has_error(p, "KB_CONFIG_MAX_SIZE"));
	assert_true(has_error(p, "not a regular file"));
	assert_int_equal(p->n_options, 1); /* the other config still counts */
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_add_option),
		cmocka_unit_test(test_packed_options),
		cmocka_unit_test(test_errors_capped),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_size_limit_and_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
