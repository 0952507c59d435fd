/* syslinux / isolinux / pxelinux / extlinux parser tests, written from the
 * syslinux wiki (SYSLINUX config, Menu) and U-Boot's extlinux docs. */
#include <config.h>

#include "test/parsers/helpers.h"

/* A Debian-installer-shaped isolinux tree: isolinux.cfg includes menu.cfg,
 * which includes stdmenu.cfg and txt.cfg; DEFAULT is a COM32 module. */
static void test_debian_installer(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	struct kb_option *o;

	memfs_add_device(fs, "sda1", NULL, "Debian 12 amd64 n");
	FILE_(fs, "/isolinux/isolinux.cfg",
	      "# D-I config version 2.0\n"
	      "path \n"
	      "include menu.cfg\n"
	      "default vesamenu.c32\n"
	      "prompt 0\n"
	      "timeout 0\n");
	FILE_(fs, "/isolinux/menu.cfg",
	      "menu hshift 4\n"
	      "menu width 70\n"
	      "menu title Debian GNU/Linux installer menu (BIOS mode)\n"
	      "include stdmenu.cfg\n"
	      "include txt.cfg\n"
	      "menu begin advanced\n"
	      "    menu label ^Advanced options\n"
	      "    include adtxt.cfg\n"
	      "menu end\n"
	      "label help\n"
	      "\tmenu label ^Help\n"
	      "\ttext help\n"
	      "   Display help screens; type 'menu' at boot prompt to return to this menu\n"
	      "\tendtext\n"
	      "\tconfig prompt.cfg\n");
	FILE_(fs, "/isolinux/stdmenu.cfg", "menu background splash.png\nmenu color title * #FFFFFFFF *\n");
	FILE_(fs, "/isolinux/txt.cfg",
	      "label install\n"
	      "\tmenu label ^Install\n"
	      "\tmenu default\n"
	      "\tkernel /install.amd/vmlinuz\n"
	      "\tappend vga=788 initrd=/install.amd/initrd.gz --- quiet \n");
	FILE_(fs, "/isolinux/adtxt.cfg",
	      "label expert\n"
	      "\tmenu label E^xpert install\n"
	      "\tkernel /install.amd/vmlinuz\n"
	      "\tappend priority=low vga=788 initrd=/install.amd/initrd.gz --- \n"
	      "label rescue\n"
	      "\tmenu label ^Rescue mode\n"
	      "\tkernel /install.amd/vmlinuz\n"
	      "\tappend vga=788 initrd=/install.amd/initrd.gz rescue/enable=true --- quiet \n");

	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_errors, 0);
	assert_int_equal(p->n_options, 3); /* help has no kernel-less entry: it is a config chain */
	o = p->options[0];
	assert_string_equal(o->name, "Install");
	assert_string_equal(o->id, "sda1:syslinux:0");
	assert_true(o->is_default);
	assert_res(o->kernel, "sda1", "/install.amd/vmlinuz");
	assert_int_equal(o->n_initrds, 1);
	assert_res(o->initrds[0], "sda1", "/install.amd/initrd.gz");
	assert_string_equal(o->args, "vga=788 initrd=/install.amd/initrd.gz --- quiet");
	o = opt_named(p, "Expert install");
	assert_false(o->is_default);
	assert_string_equal(opt_named(p, "Rescue mode")->id, "sda1:syslinux:2");
	assert_int_equal(n_defaults(p), 1);
	assert_int_equal(p->timeout_s, 0);
	talloc_free(ctx);
}

static void test_global_append_and_dash(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	struct kb_option *o;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/syslinux/syslinux.cfg",
	      "APPEND console=ttyS0\n"
	      "DEFAULT two\n"
	      "TIMEOUT 35\n"
	      "LABEL one\n"
	      "  LINUX vmlinuz\n"
	      "  INITRD initrd.img,/firmware.cpio , extra.cpio\n"
	      "LABEL two\n"
	      "  KERNEL /boot/vmlinuz quiet\n"
	      "  APPEND root=/dev/sda2\n"
	      "LABEL three\n"
	      "  LINUX /boot/vmlinuz\n"
	      "  APPEND -\n"
	      "LABEL hidden\n"
	      "  MENU HIDE\n"
	      "  LINUX /boot/vmlinuz\n"
	      "LABEL chain\n"
	      "  KERNEL chain.c32\n"
	      "  APPEND hd0 1\n"
	      "LABEL local\n"
	      "  LOCALBOOT 0\n");
	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_options, 3);
	o = opt_named(p, "one");
	/* relative names resolve against the config's directory */
	assert_res(o->kernel, "sda1", "/syslinux/vmlinuz");
	assert_int_equal(o->n_initrds, 3);
	assert_res(o->initrds[0], "sda1", "/syslinux/initrd.img");
	assert_res(o->initrds[1], "sda1", "/firmware.cpio");
	assert_res(o->initrds[2], "sda1", "/syslinux/extra.cpio");
	assert_string_equal(o->args, "console=ttyS0"); /* global APPEND */
	assert_false(o->is_default);
	o = opt_named(p, "two");
	assert_true(o->is_default);
	assert_string_equal(o->args, "quiet root=/dev/sda2"); /* KERNEL words + own APPEND */
	o = opt_named(p, "three");
	assert_null(o->args); /* APPEND - */
	assert_int_equal(p->timeout_s, 4); /* 35 tenths, rounded up */
	talloc_free(ctx);
}

static void test_ontimeout_wins(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/boot/syslinux/syslinux.cfg",
	      "UI menu.c32\nDEFAULT a\nONTIMEOUT c\n"
	      "LABEL a\n LINUX /a\nLABEL b\n MENU DEFAULT\n LINUX /b\nLABEL c\n LINUX /c\n");
	p = run_device(ctx, fs, NULL, NULL);
	assert_true(opt_named(p, "c")->is_default);
	assert_int_equal(n_defaults(p), 1);
	talloc_free(ctx);
}

/* A RISC-V board's extlinux.conf as u-boot-menu writes it, with FDTDIR. */
static void test_extlinux_fdtdir(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	struct kb_option *o;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/boot/extlinux/extlinux.conf",
	      "## /boot/extlinux/extlinux.conf\n"
	      "##\n"
	      "## IMPORTANT WARNING\n"
	      "default l0\n"
	      "menu title U-Boot menu\n"
	      "prompt 0\n"
	      "timeout 50\n"
	      "\n"
	      "label l0\n"
	      "\tmenu label Debian GNU/Linux trixie/sid 6.12.9-riscv64\n"
	      "\tlinux /boot/vmlinux-6.12.9-riscv64\n"
	      "\tinitrd /boot/initrd.img-6.12.9-riscv64\n"
	      "\tfdtdir /usr/lib/linux-image-6.12.9-riscv64/\n"
	      "\tappend root=UUID=1c5b rw console=ttyS0,115200 earlycon\n"
	      "\n"
	      "label l0r\n"
	      "\tmenu label Debian GNU/Linux trixie/sid 6.12.9-riscv64 (rescue target)\n"
	      "\tlinux /boot/vmlinux-6.12.9-riscv64\n"
	      "\tinitrd /boot/initrd.img-6.12.9-riscv64\n"
	      "\tfdt /boot/dtbs/custom.dtb\n"
	      "\tappend root=UUID=1c5b rw single\n");
	FILE_(fs, "/usr/lib/linux-image-6.12.9-riscv64/sifive/hifive-unmatched-a00.dtb", "dtb");
	FILE_(fs, "/usr/lib/linux-image-6.12.9-riscv64/starfive/jh7110-starfive-visionfive-2-v1.3b.dtb", "dtb");

	p = run_device(ctx, fs, "riscv64", "sifive,hifive-unmatched-a00 sifive,fu740-c000 sifive,fu740");
	assert_int_equal(p->n_errors, 0);
	assert_int_equal(p->n_options, 2);
	o = p->options[0];
	assert_true(o->is_default);
	assert_string_equal(o->name, "Debian GNU/Linux trixie/sid 6.12.9-riscv64");
	assert_res(o->dtb, "sda1", "/usr/lib/linux-image-6.12.9-riscv64/sifive/hifive-unmatched-a00.dtb");
	assert_res(p->options[1]->dtb, "sda1", "/boot/dtbs/custom.dtb");
	assert_int_equal(p->timeout_s, 5);

	/* another board: the less specific compatible is tried after the first */
	p = run_device(ctx, fs, "riscv64", "unknown,board starfive,jh7110-starfive-visionfive-2-v1.3b");
	assert_res(p->options[0]->dtb, "sda1",
		   "/usr/lib/linux-image-6.12.9-riscv64/starfive/jh7110-starfive-visionfive-2-v1.3b.dtb");

	/* no compatible known: no DTB, and an error saying why */
	p = run_device(ctx, fs, "riscv64", NULL);
	assert_int_equal(p->options[0]->dtb.kind, KB_RES_NONE);
	assert_true(has_error(p, "compatible is unknown"));
	talloc_free(ctx);
}

static void test_include_loop_capped(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/extlinux/extlinux.conf", "include a.cfg\nlabel top\n linux /vmlinuz\n");
	FILE_(fs, "/extlinux/a.cfg", "include b.cfg\n");
	FILE_(fs, "/extlinux/b.cfg", "label b\n linux /b\ninclude a.cfg\n");
	p = run_device(ctx, fs, NULL, NULL);
	assert_true(has_error(p, "KB_PARSE_MAX_INCLUDE_DEPTH"));
	/* the entries that parsed are kept (label b appears once: duplicates dropped) */
	assert_non_null(opt_named(p, "top"));
	assert_non_null(opt_named(p, "b"));
	assert_int_equal(p->n_options, 2);
	talloc_free(ctx);
}

static void test_pxelinux_and_urls(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	struct kb_option *o;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/pxelinux.cfg/default",
	      "default net\nlabel net\n kernel http://10.0.0.1/vmlinuz\n initrd images/initrd.img\n"
	      " append ip=dhcp\n");
	p = run_device(ctx, fs, NULL, NULL);
	o = opt_named(p, "net");
	assert_int_equal(o->kernel.kind, KB_RES_URL);
	assert_string_equal(o->kernel.url, "http://10.0.0.1/vmlinuz");
	/* pxelinux paths are relative to the TFTP prefix, pxelinux.cfg's parent */
	assert_res(o->initrds[0], "sda1", "/images/initrd.img");
	talloc_free(ctx);
}

static void test_broken_config(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/extlinux/extlinux.conf",
	      "label nokernel\n append x\nlabel ok\n linux /vmlinuz\ninclude missing.cfg\ntimeout banana\n"
	      "\x01\x02\xff garbage\nlabel\n");
	p = run_device(ctx, fs, NULL, NULL);
	assert_non_null(opt_named(p, "ok"));
	assert_true(has_error(p, "no KERNEL"));
	assert_true(has_error(p, "missing.cfg"));
	assert_true(has_error(p, "TIMEOUT"));
	{
		unsigned i;
		bool found = false;

		for (i = 0; i < p->n_errors; i++)
			if (strstr(p->errors[i].message, "no KERNEL") && p->errors[i].line == 1) {
				assert_string_equal(p->errors[i].file, "/extlinux/extlinux.conf");
				found = true;
			}
		assert_true(found);
	}
	talloc_free(ctx);
}

/* An empty config, and one without DEFAULT (found by fuzz-syslinux: the
 * absent DEFAULT was scanned through a NULL pointer). */
static void test_empty_and_no_default(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	(void)state;
	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/syslinux.cfg", "");
	FILE_(fs, "/extlinux/extlinux.conf", "LABEL a\n KERNEL /a\nLABEL b\n KERNEL /b\n");
	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_errors, 0);
	assert_int_equal(p->n_options, 2);
	assert_true(p->options[0]->is_default);
	assert_false(p->options[1]->is_default);
	talloc_free(ctx);
}

/* A path longer than KB_MAX_PATH_LEN costs its own entry, with an error
 * naming the limit; the other entries stay. */
static void test_overlong_path(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	char *cfg, *big = talloc_zero_size(ctx, KB_MAX_PATH_LEN + 2);

	(void)state;
	memset(big, 'k', KB_MAX_PATH_LEN + 1);
	cfg = talloc_asprintf(ctx, "LABEL long\n KERNEL /%s\nLABEL ok\n KERNEL /vmlinuz\n", big);
	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/extlinux/extlinux.conf", cfg);
	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->name, "ok");
	assert_true(has_error(p, "KB_MAX_PATH_LEN"));
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_installer),
		cmocka_unit_test(test_global_append_and_dash),
		cmocka_unit_test(test_ontimeout_wins),
		cmocka_unit_test(test_extlinux_fdtdir),
		cmocka_unit_test(test_include_loop_capped),
		cmocka_unit_test(test_pxelinux_and_urls),
		cmocka_unit_test(test_broken_config),
		cmocka_unit_test(test_empty_and_no_default),
		cmocka_unit_test(test_overlong_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
