/* iPXE script parser (discover/parsers/ipxe.c), on scripts written from
 * iPXE's command documentation. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/parser.h"
#include "test/parsers/memfs.h"

static struct kb_parse_ctx *run(void *ctx, struct kb_parse_fs *fs, const char *path, const char *text)
{
	struct kb_parse_ctx *p = talloc_zero(ctx, struct kb_parse_ctx);
	const struct kb_device *dev = fs->get_device(fs, "eth0");

	kb_parse_ctx_init(p, ctx, fs, dev, "x86_64", NULL);
	assert_int_equal(kb_parser_ipxe.parse(p, path, text, strlen(text)), 0);
	return p;
}

static struct kb_parse_fs *new_fs(void *ctx)
{
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_device *dev = memfs_add_device(fs, "eth0", NULL, NULL);

	dev->mac = talloc_strdup(dev, "52:54:00:aa:bb:cc");
	dev->type = KB_DEVICE_NETWORK;
	return fs;
}

static bool has_error(struct kb_parse_ctx *p, const char *needle)
{
	unsigned i;

	for (i = 0; i < p->n_errors; i++)
		if (strstr(p->errors[i].message, needle))
			return true;
	return false;
}

static void test_simple(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = new_fs(ctx);
	struct kb_parse_ctx *p = run(ctx, fs, "/boot/boot.ipxe",
				     "#!ipxe\n"
				     "dhcp\n"
				     "set base http://192.0.2.1/debian\n"
				     "kernel ${base}/linux console=ttyS0 BOOTIF=${mac}\n"
				     "initrd ${base}/initrd.gz\n"
				     "initrd --name extra extra.img\n"
				     "boot || goto failed\n"
				     ":failed\n"
				     "shell\n");
	struct kb_option *o;

	assert_int_equal(p->n_options, 1);
	o = p->options[0];
	assert_string_equal(o->id, "eth0:ipxe:0");
	assert_string_equal(o->name, "linux (iPXE)");
	assert_int_equal(o->kernel.kind, KB_RES_URL);
	assert_string_equal(o->kernel.url, "http://192.0.2.1/debian/linux");
	assert_string_equal(o->args, "console=ttyS0 BOOTIF=52:54:00:aa:bb:cc");
	assert_int_equal(o->n_initrds, 2);
	assert_string_equal(o->initrds[0].url, "http://192.0.2.1/debian/initrd.gz");
	/* relative to the script, on its device */
	assert_int_equal(o->initrds[1].kind, KB_RES_DEVICE);
	assert_string_equal(o->initrds[1].path, "/boot/extra.img");
	assert_true(o->is_default);
	talloc_free(ctx);
}

static void test_imgargs_and_url_base(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = new_fs(ctx);
	/* a script fetched by URL: relative names resolve on its server */
	struct kb_parse_ctx *p = run(ctx, fs, "http://192.0.2.1/pxe/menu.ipxe",
				     "#!ipxe\n"
				     "kernel --name k images/vmlinuz\n"
				     "imgargs k root=/dev/nfs ip=dhcp\n"
				     "initrd ../initrd.img\n"
				     "imgfree\n"
				     "kernel images/vmlinuz2 quiet\n"
				     "boot\n");
	struct kb_option *o;

	assert_int_equal(p->n_options, 1);
	o = p->options[0];
	assert_string_equal(o->kernel.url, "http://192.0.2.1/pxe/images/vmlinuz2");
	assert_string_equal(o->args, "quiet");
	assert_int_equal(o->n_initrds, 0);

	p = run(ctx, fs, "http://192.0.2.1/pxe/menu.ipxe",
		"#!ipxe\nkernel --name k images/vmlinuz\nimgargs k root=/dev/nfs\ninitrd ../initrd.img\nboot\n");
	o = p->options[0];
	assert_string_equal(o->args, "root=/dev/nfs");
	assert_string_equal(o->initrds[0].url, "http://192.0.2.1/initrd.img");
	assert_string_equal(o->name, "k (iPXE)");
	talloc_free(ctx);
}

static void test_menu(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = new_fs(ctx);
	struct kb_parse_ctx *p = run(ctx, fs, "/menu.ipxe",
				     "#!ipxe\n"
				     "set server tftp://192.0.2.1\n"
				     ":start\n"
				     "menu Boot menu\n"
				     "item --gap -- Installers\n"
				     "item --key d debian Debian installer\n"
				     "item fedora Fedora\n"
				     "item shell Drop to shell\n"
				     "item nokernel Broken\n"
				     "choose --default fedora --timeout 5000 target && goto ${target}\n"
				     ":debian\n"
				     "kernel ${server}/d/linux priority=low\n"
				     "initrd ${server}/d/initrd.gz\n"
				     "boot\n"
				     ":fedora\n"
				     "set v 39\n"
				     "kernel ${server}/f${v}/vmlinuz inst.repo=http://x/${v}\n"
				     "goto doboot\n"
				     ":shell\n"
				     "shell\n"
				     ":nokernel\n"
				     "imgfree\n"
				     "boot\n"
				     ":doboot\n"
				     "boot\n");
	unsigned i, defaults = 0;

	assert_int_equal(p->n_options, 2);
	assert_string_equal(p->options[0]->name, "Debian installer");
	assert_string_equal(p->options[0]->kernel.url, "tftp://192.0.2.1/d/linux");
	assert_string_equal(p->options[0]->initrds[0].url, "tftp://192.0.2.1/d/initrd.gz");
	assert_string_equal(p->options[1]->name, "Fedora");
	assert_string_equal(p->options[1]->kernel.url, "tftp://192.0.2.1/f39/vmlinuz");
	assert_string_equal(p->options[1]->args, "inst.repo=http://x/39");
	for (i = 0; i < p->n_options; i++)
		defaults += p->options[i]->is_default;
	assert_int_equal(defaults, 1);
	assert_true(p->options[1]->is_default);
	assert_true(has_error(p, "boot without a kernel"));
	talloc_free(ctx);
}

static void test_chain(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = new_fs(ctx);
	struct kb_parse_ctx *p;

	memfs_add_file(fs, "eth0", "/scripts/next.ipxe",
		       "#!ipxe\nkernel vmlinuz from-chain\ninitrd initrd.img\nboot\n", (size_t)-1);
	p = run(ctx, fs, "/boot.ipxe", "#!ipxe\nchain scripts/next.ipxe\nkernel never\nboot\n");
	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->kernel.path, "/scripts/vmlinuz");
	assert_string_equal(p->options[0]->args, "from-chain");

	/* a chained image boots directly */
	p = run(ctx, fs, "/boot.ipxe", "#!ipxe\nchain http://192.0.2.1/vmlinuz a=b\n");
	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->kernel.url, "http://192.0.2.1/vmlinuz");
	assert_string_equal(p->options[0]->args, "a=b");

	/* a script that is not there: an error, no option */
	p = run(ctx, fs, "/boot.ipxe", "#!ipxe\nchain missing.ipxe\n");
	assert_int_equal(p->n_options, 0);
	assert_true(has_error(p, "script not available"));

	/* a script chaining itself stops at the depth limit */
	memfs_add_file(fs, "eth0", "/loop.ipxe", "#!ipxe\nchain loop.ipxe\n", (size_t)-1);
	p = run(ctx, fs, "/loop.ipxe", "#!ipxe\nchain loop.ipxe\n");
	assert_true(has_error(p, "KB_IPXE_MAX_CHAIN_DEPTH"));
	talloc_free(ctx);
}

static void test_limits(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = new_fs(ctx);
	struct kb_parse_ctx *p = run(ctx, fs, "/x.ipxe", "#!ipxe\n:a\ngoto a\n");
	char *big;
	size_t i;

	assert_true(has_error(p, "KB_IPXE_MAX_STEPS"));
	p = run(ctx, fs, "/x.ipxe", "#!ipxe\ngoto nowhere\nkernel k\nboot\n");
	assert_int_equal(p->n_options, 0);
	assert_true(has_error(p, "no such label"));
	/* exponential expansion stops at the line limit */
	big = talloc_strdup(ctx, "#!ipxe\nset a xxxxxxxxxxxxxxxx\n");
	for (i = 0; i < 12; i++)
		big = talloc_asprintf_append(big, "set a ${a}${a}\n");
	big = talloc_asprintf_append(big, "kernel k ${a}\nboot\n");
	p = run(ctx, fs, "/x.ipxe", big);
	assert_true(has_error(p, "KB_IPXE_MAX_LINE"));
	/* not a script at all */
	{
		struct kb_parse_ctx q;

		kb_parse_ctx_init(&q, ctx, fs, fs->get_device(fs, "eth0"), "x86_64", NULL);
		assert_int_equal(kb_parser_ipxe.parse(&q, "/x", "DEFAULT x\n", 10), -ENOEXEC);
	}
	talloc_free(ctx);
}

static void test_conditionals(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = new_fs(ctx);
	/* the shapes iPXE scripts commonly use */
	struct kb_parse_ctx *p = run(ctx, fs, "http://192.0.2.1/boot.ipxe",
				     "#!ipxe\n"
				     "isset ${base} || set base http://192.0.2.1/os\n"
				     "isset ${mac} && set who ${mac} || set who nobody\n"
				     "iseq ${who} nobody && goto nomac\n"
				     "iseq ${undefined} x || set args quiet\n"
				     "isset ${args} && set args ${args} splash\n"
				     "prompt --key 0x02 --timeout 2000 Press Ctrl-B for the shell && shell\n"
				     "isset ${nothing} && goto bad || goto good\n"
				     ":bad\n"
				     "kernel ${base}/bad\n"
				     "boot\n"
				     ":nomac\n"
				     "kernel ${base}/nomac\n"
				     "boot\n"
				     ":good\n"
				     "kernel ${base}/vmlinuz ${args} who=${who}\n"
				     "boot || goto failed\n"
				     ":failed\n"
				     "kernel ${base}/failed\n"
				     "boot\n");

	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->kernel.url, "http://192.0.2.1/os/vmlinuz");
	assert_string_equal(p->options[0]->args, "quiet splash who=52:54:00:aa:bb:cc");

	/* a variable already set is kept; iseq that matches takes the goto */
	p = run(ctx, fs, "/x.ipxe",
		"#!ipxe\n"
		"set base tftp://192.0.2.9\n"
		"isset ${base} || set base http://wrong\n"
		"set arch x86_64\n"
		"iseq ${arch} x86_64 && goto x64 || goto other\n"
		":other\n"
		"kernel ${base}/other\n"
		"boot\n"
		":x64\n"
		"kernel ${base}/x64\n"
		"boot\n");
	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->kernel.url, "tftp://192.0.2.9/x64");

	/* a boot that fails (no kernel) runs its || branch */
	p = run(ctx, fs, "/x.ipxe",
		"#!ipxe\n"
		"boot || goto fallback\n"
		"exit\n"
		":fallback\n"
		"kernel http://192.0.2.1/rescue\n"
		"boot\n");
	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->kernel.url, "http://192.0.2.1/rescue");

	/* a skipped command keeps the status: false && x || y runs y */
	p = run(ctx, fs, "/x.ipxe",
		"#!ipxe\n"
		"iseq a b && set k wrong || set k right\n"
		"kernel http://192.0.2.1/${k}\n"
		"boot\n");
	assert_string_equal(p->options[0]->kernel.url, "http://192.0.2.1/right");

	/* too many commands on a line: refused with the limit */
	{
		char *big = talloc_strdup(ctx, "#!ipxe\nset a b");
		unsigned i;

		for (i = 0; i < 20; i++)
			big = talloc_asprintf_append(big, " || set a b");
		big = talloc_asprintf_append(big, "\nkernel http://192.0.2.1/k\nboot\n");
		p = run(ctx, fs, "/x.ipxe", big);
		assert_true(has_error(p, "KB_IPXE_MAX_CMDS"));
		assert_int_equal(p->n_options, 1);
	}
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_imgargs_and_url_base),
		cmocka_unit_test(test_menu),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_conditionals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
