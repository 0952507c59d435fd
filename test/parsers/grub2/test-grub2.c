/* Unit tests for the GRUB2 parser (discover/parsers/grub2*.c), over an
 * in-memory filesystem. Cases follow the GRUB manual ("Shell-like
 * scripting", "menuentry", "submenu", "search", "load_env", ...) and the
 * shapes distributions' grub-mkconfig writes. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/parser.h"
#include "test/parsers/grub2/memfs.h"

#define UUID1 "0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f"
#define UUID2 "11111111-2222-3333-4444-555555555555"

struct t {
	void *ctx;
	struct kb_parse_fs *fs;
	struct kb_device *dev;
	struct kb_parse_ctx pctx;
	int r;
};

static struct t *T;

static int setup(void **state)
{
	T = talloc_zero(NULL, struct t);
	T->ctx = T;
	T->fs = memfs_new(T);
	T->dev = memfs_add_device(T->fs, "sda1", UUID1, "root", "pu-1");
	memfs_add_device(T->fs, "sda2", UUID2, "data", "pu-2");
	*state = T;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(T);
	T = NULL;
	return 0;
}

/* Parse cfg as /boot/grub/grub.cfg on sda1. */
static void parse_at(const char *path, const char *cfg)
{
	memfs_add_str(T->fs, "sda1", path, cfg);
	kb_parse_ctx_init(&T->pctx, T->ctx, T->fs, T->dev, "x86_64", NULL);
	T->r = kb_parser_grub2.parse(&T->pctx, path, cfg, strlen(cfg));
}

static void parse(const char *cfg)
{
	parse_at("/boot/grub/grub.cfg", cfg);
}

static struct kb_option *opt(unsigned i)
{
	assert_true(i < T->pctx.n_options);
	return T->pctx.options[i];
}

static int default_index(void)
{
	unsigned i;
	int d = -1;

	for (i = 0; i < T->pctx.n_options; i++)
		if (T->pctx.options[i]->is_default) {
			assert_int_equal(d, -1);
			d = (int)i;
		}
	return d;
}

static bool has_error(const char *needle)
{
	unsigned i;

	for (i = 0; i < T->pctx.n_errors; i++)
		if (strstr(T->pctx.errors[i].message, needle))
			return true;
	return false;
}

static unsigned error_line(const char *needle)
{
	unsigned i;

	for (i = 0; i < T->pctx.n_errors; i++)
		if (strstr(T->pctx.errors[i].message, needle))
			return T->pctx.errors[i].line;
	return 0;
}

static void assert_res(const struct kb_resource *r, const char *dev, const char *path)
{
	assert_int_equal(r->kind, KB_RES_DEVICE);
	assert_string_equal(r->device, dev);
	assert_string_equal(r->path, path);
}

static void assert_unres(const struct kb_resource *r, const char *what, const char *path)
{
	assert_int_equal(r->kind, KB_RES_UNRESOLVED);
	assert_string_equal(r->unresolved, what);
	assert_string_equal(r->path, path);
}

/* Kernel args of the only/first entry whose body is `linux /k ARGS`. */
static const char *args_of(const char *script_before, const char *linux_args)
{
	char *cfg = talloc_asprintf(T, "%s\nmenuentry t {\n linux /k %s\n}\n", script_before,
				    linux_args);

	parse(cfg);
	assert_int_equal(T->pctx.n_options, 1);
	return opt(0)->args;
}

/* ---- lexing and words ---- */

static void test_quoting(void **state)
{
	const char *a = args_of("x=val; y='a b'",
				"s'$x'q \"d $x ${x}\" \\$x e\\ f \"q\\\"q\" b\\\\s 'it''s' \"\" end");

	assert_string_equal(a, "s$xq d val val $x e f q\"q b\\s its  end");
}

static void test_dquote_escapes_only_specials(void **state)
{
	/* inside double quotes a backslash before an ordinary char stays */
	assert_string_equal(args_of("", "\"a\\nb\" \"c\\$d\""), "a\\nb c$d");
}

static void test_comments_and_continuation(void **state)
{
	parse("# a comment\n"
	      "menuentry 'A' { # trailing comment\n"
	      "  linux /vmlinuz root=/dev/sda1 \\\n"
	      "     ro # not an argument\n"
	      "  echo a#b\n"
	      "}\n");
	assert_int_equal(T->pctx.n_options, 1);
	assert_string_equal(opt(0)->args, "root=/dev/sda1 ro");
	assert_int_equal(T->pctx.n_errors, 0);
}

static void test_semicolons_one_line(void **state)
{
	parse("set a=1; set b=2 ; menuentry 'One' { linux /k $a$b; initrd /i; }\n"
	      "menuentry Two{linux /k2;}");
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->args, "12");
	assert_res(&opt(0)->initrds[0], "sda1", "/i");
	assert_string_equal(opt(1)->name, "Two");
	assert_null(opt(1)->args);
}

static void test_field_splitting(void **state)
{
	/* unquoted variables split into words; quoted ones stay whole; args are
	 * joined with single spaces as GRUB passes them */
	assert_string_equal(args_of("o=\"  a   b  \"", "$o \"$o\" x$o"), "a b   a   b   x a b");
	assert_string_equal(args_of("e=", "a $e b $e"), "a b");
}

/* ---- menuentry ---- */

static void test_menuentry_options(void **state)
{
	parse("menuentry 'Linux' --class debian --class=os --users alice --unrestricted "
	      "--hotkey=l --id lin-1 'extra one' two {\n"
	      "  linux /vmlinuz t=$1 a=$2 b=$3 n=$#\n"
	      "}\n"
	      "menuentry --id=second 'Second' { linux /v2; }\n"
	      "set default=second\n");
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->name, "Linux");
	/* GRUB passes the entry's words, title first, as $1, $2, ... */
	assert_string_equal(opt(0)->args, "t=Linux a=extra one b=two n=3");
	assert_string_equal(opt(1)->name, "Second");
	assert_int_equal(default_index(), 1);
	assert_int_equal(T->pctx.n_errors, 0);
}

static void test_entry_without_kernel_skipped(void **state)
{
	parse("menuentry 'UEFI Firmware Settings' --id uefi { fwsetup; }\n"
	      "menuentry 'Windows' { insmod chain; chainloader /EFI/Microsoft/Boot/bootmgfw.efi; }\n"
	      "menuentry 'Linux' { linux /vmlinuz; }\n"
	      "set default=1\n");
	assert_int_equal(T->pctx.n_options, 1);
	assert_string_equal(opt(0)->name, "Linux");
	/* default index 1 is Windows: nothing kexec can boot is marked */
	assert_int_equal(default_index(), -1);
}

static void test_entries_isolated(void **state)
{
	parse("set v=global\n"
	      "menuentry A { set v=inA; set root=sda2; linux /k v=$v; }\n"
	      "menuentry B { linux /k v=$v; }\n");
	assert_string_equal(opt(0)->args, "v=inA");
	assert_res(&opt(0)->kernel, "sda2", "/k");
	assert_string_equal(opt(1)->args, "v=global");
	assert_res(&opt(1)->kernel, "sda1", "/k");
}

static void test_linux_variants_and_initrds(void **state)
{
	parse("menuentry a { linux16 /boot/vmlinuz quiet; initrd16 /boot/ucode.img /boot/initrd.img; }\n"
	      "menuentry b { linuxefi /vmlinuz; initrdefi /a /b /c; devicetree /dtbs/board.dtb; }\n"
	      "menuentry c { linux /v1 one; initrd /i1; linux /v2 two; }\n"
	      "menuentry d { initrd /early; linux /v; }\n"
	      "menuentry e { linux /v; initrd newc:name:/x.img; }\n");
	assert_int_equal(T->pctx.n_options, 5);
	assert_res(&opt(0)->kernel, "sda1", "/boot/vmlinuz");
	assert_int_equal(opt(0)->n_initrds, 2);
	assert_res(&opt(0)->initrds[0], "sda1", "/boot/ucode.img");
	assert_res(&opt(0)->initrds[1], "sda1", "/boot/initrd.img");
	assert_int_equal(opt(1)->n_initrds, 3);
	assert_res(&opt(1)->initrds[2], "sda1", "/c");
	assert_res(&opt(1)->dtb, "sda1", "/dtbs/board.dtb");
	assert_int_equal(opt(0)->dtb.kind, KB_RES_NONE);
	/* a second linux replaces the first and drops its initrd */
	assert_res(&opt(2)->kernel, "sda1", "/v2");
	assert_string_equal(opt(2)->args, "two");
	assert_int_equal(opt(2)->n_initrds, 0);
	/* initrd before linux: GRUB refuses it */
	assert_int_equal(opt(3)->n_initrds, 0);
	assert_true(has_error("load the kernel first"));
	assert_res(&opt(4)->initrds[0], "sda1", "/x.img");
}

static void test_path_normalised(void **state)
{
	parse("menuentry a { linux /boot//./grub/../vmlinuz; initrd boot/initrd; }\n");
	assert_res(&opt(0)->kernel, "sda1", "/boot/vmlinuz");
	assert_res(&opt(0)->initrds[0], "sda1", "/boot/initrd");
}

/* ---- submenus and defaults ---- */

static const char *submenu_cfg =
	"menuentry 'Debian' --id gnulinux-simple { linux /vmlinuz-6; }\n"
	"submenu 'Advanced options' --id adv {\n"
	"  menuentry 'Debian, 6' --id gnulinux-6 { linux /vmlinuz-6; }\n"
	"  menuentry 'Debian, 6 (recovery)' --id gnulinux-6-rec { linux /vmlinuz-6 single; }\n"
	"  menuentry 'Debian, 5' --id gnulinux-5 { linux /vmlinuz-5; }\n"
	"}\n"
	"menuentry 'Memtest' { linux16 /memtest; }\n";

static void test_submenu_flatten_titles(void **state)
{
	parse(submenu_cfg);
	assert_int_equal(T->pctx.n_options, 5);
	assert_string_equal(opt(0)->name, "Debian");
	assert_string_equal(opt(1)->name, "Debian, 6");
	assert_string_equal(opt(2)->name, "Debian, 6 (recovery)");
	assert_string_equal(opt(3)->name, "Debian, 5");
	assert_string_equal(opt(4)->name, "Memtest");
	assert_int_equal(default_index(), 0);
}

static void test_default_forms(void **state)
{
	struct {
		const char *set;
		int want;
	} cases[] = {
		{"set default=2", 4},                      /* index: the submenu counts as one */
		{"set default=\"adv>gnulinux-5\"", 3},      /* id path */
		{"set default='1>2'", 3},                   /* index path */
		{"set default='Advanced options>Debian, 6 (recovery)'", 2}, /* title path */
		{"set default='Memtest'", 4},               /* title */
		{"set default=adv", 1},                     /* submenu: its first entry */
		{"set default=gnulinux-5", 0},              /* not at top level: GRUB falls back */
		{"set saved_entry=gnulinux-simple; set default=saved", 0},
		{"set saved_entry='adv>gnulinux-6'; set default=\"${saved_entry}\"", 1},
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *cfg = talloc_asprintf(T, "%s\n%s", submenu_cfg, cases[i].set);

		parse(cfg);
		assert_int_equal(default_index(), cases[i].want);
	}
}

static void test_default_nonmatching_reports(void **state)
{
	parse("set default=nope\nmenuentry a { linux /a; }\nmenuentry b { linux /b; }\n");
	assert_int_equal(default_index(), 0);
	assert_true(has_error("'nope' matches no entry"));
}

static void test_next_entry_shape(void **state)
{
	/* grub-mkconfig's 00_header handling of next_entry, with a grubenv as
	 * grub-editenv writes it (a comment line after the header) */
	memfs_add_str(T->fs, "sda1", "/boot/grub/grubenv",
		      "# GRUB Environment Block\n"
		      "# WARNING: Do not edit this file by tools other than grub-editenv!!!\n"
		      "next_entry=b-id\nsaved_entry=a\n"
		      "################################################");
	parse("if [ -s $prefix/grubenv ]; then\n  load_env\nfi\n"
	      "if [ \"${next_entry}\" ] ; then\n"
	      "   set default=\"${next_entry}\"\n   set next_entry=\n   save_env next_entry\n"
	      "   set boot_once=true\nelse\n   set default=\"${saved_entry}\"\nfi\n"
	      "menuentry a { linux /a; }\nmenuentry b --id b-id { linux /b; }\n");
	assert_int_equal(default_index(), 1);
	assert_int_equal(T->pctx.n_errors, 0);
}

static void test_timeout(void **state)
{
	parse("set timeout=7\nmenuentry a { linux /a; }\n");
	assert_int_equal(T->pctx.timeout_s, 7);
	parse("menuentry a { linux /a; }\n");
	assert_int_equal(T->pctx.timeout_s, -1);
}

/* ---- control flow ---- */

static void test_if_elif_else(void **state)
{
	parse("x=2\n"
	      "if [ $x = 1 ]; then a=one; elif [ $x = 2 ]; then a=two; else a=other; fi\n"
	      "if false; then b=t; else b=f; fi\n"
	      "if ! false; then c=neg; fi\n"
	      "if true\nthen\n d=nl\nfi\n"
	      "menuentry t { linux /k $a $b $c $d; }\n");
	assert_string_equal(opt(0)->args, "two f neg nl");
}

static void test_for_while_until(void **state)
{
	parse("for k in 5.10 6.1 \"6.6 x\"; do\n"
	      "  menuentry \"Linux $k\" \"$k\" { linux /vmlinuz-$2; }\n"
	      "done\n"
	      "n=0\nl=\n"
	      "while [ $n -lt 3 ]; do\n"
	      "  if [ $n = 0 ]; then n=1; elif [ $n = 1 ]; then n=2; else n=3; fi\n"
	      "  l=\"${l}w$n\"\n"
	      "done\n"
	      "until [ \"$l\" = w1w2w3u ]; do l=\"${l}u\"; done\n"
	      "for i in a b c; do if [ $i = b ]; then continue; fi; l=\"$l$i\"; done\n"
	      "for i in a b c; do if [ $i = b ]; then break; fi; l=\"$l$i\"; done\n"
	      "menuentry t { linux /k $l; }\n");
	assert_int_equal(T->pctx.n_options, 4);
	assert_string_equal(opt(0)->name, "Linux 5.10");
	assert_res(&opt(1)->kernel, "sda1", "/vmlinuz-6.1");
	assert_string_equal(opt(2)->name, "Linux 6.6 x");
	assert_string_equal(opt(3)->args, "w1w2w3uaca");
}

static void test_loop_cap(void **state)
{
	parse("while true; do x=1; done\n"
	      "menuentry after { linux /k; }\n");
	assert_true(has_error("G2_MAX_LOOP_ITERATIONS"));
	assert_int_equal(T->pctx.n_options, 1); /* the config goes on */
}

static void test_functions(void **state)
{
	parse("function mk {\n"
	      "  menuentry \"$1 ($#)\" \"$2\" \"$@\" { linux /vmlinuz-$2 $3; }\n"
	      "}\n"
	      "function st { if [ \"$1\" = ok ]; then return 0; fi; return 3; }\n"
	      "mk Debian 6.1 quiet\n"
	      "st ok; a=$?\n"
	      "st bad; b=$?\n"
	      "function sh { shift; r=\"$1\"; }\n"
	      "sh x y\n"
	      "menuentry t { linux /k $a $b $r; }\n");
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->name, "Debian (3)");
	assert_res(&opt(0)->kernel, "sda1", "/vmlinuz-6.1");
	/* in the entry, $1 is its title, $2 the first extra word */
	assert_string_equal(opt(0)->args, "Debian");
	assert_string_equal(opt(1)->args, "0 3 y");
}

static void test_recursion_capped(void **state)
{
	parse("function f { f; }\nf\nmenuentry after { linux /k; }\n");
	assert_true(has_error("G2_MAX_CALL_DEPTH"));
	assert_int_equal(T->pctx.n_options, 1);
}

/* ---- variables ---- */

static void test_set_unset_export(void **state)
{
	parse("set a=1\nb=2\nset c\nunset b\nexport e=exp\nne=notexported\n"
	      "submenu S {\n"
	      "  menuentry in { linux /k a=$a e=$e ne=$ne; }\n"
	      "}\n"
	      "menuentry out { linux /k a=$a b=$b c=$c e=$e ne=$ne; }\n");
	/* a submenu runs in a context holding only exported variables (GRUB) */
	assert_string_equal(opt(0)->args, "a= e=exp ne=");
	assert_string_equal(opt(1)->args, "a=1 b= c= e=exp ne=notexported");
}

/* Contexts give back exactly what they changed: values, unsets, exports,
 * new variables, and values rewritten in place before and after. */
static void test_contexts_restore(void **state)
{
	parse("set a=1\nexport x=ex\nset hidden=h\n"
	      "menuentry E1 { set a=longer-value-in-entry; unset x; export hidden; set new=n;\n"
	      "  set a=$a-again; linux /k a=$a x=$x hidden=$hidden new=$new; }\n"
	      "menuentry E2 { linux /k a=$a x=$x hidden=$hidden new=$new; }\n"
	      "set a=2\n"
	      "submenu S {\n"
	      "  set x=inS; set s=sv; export s\n"
	      "  menuentry S1 { set s=inS1; linux /k a=$a x=$x hidden=$hidden s=$s; }\n"
	      "  menuentry S2 { linux /k a=$a x=$x hidden=$hidden s=$s; }\n"
	      "}\n"
	      "set a=3$a\n"
	      "menuentry E3 { linux /k a=$a x=$x hidden=$hidden s=$s new=$new; }\n");
	assert_int_equal(T->pctx.n_options, 5);
	assert_string_equal(opt(0)->args, "a=longer-value-in-entry-again x= hidden=h new=n");
	assert_string_equal(opt(1)->args, "a=1 x=ex hidden=h new=");
	/* the submenu sees exported variables only; what it sets stays inside */
	assert_string_equal(opt(2)->args, "a= x=inS hidden= s=inS1");
	assert_string_equal(opt(3)->args, "a= x=inS hidden= s=sv");
	assert_string_equal(opt(4)->args, "a=32 x=ex hidden=h s= new=");
}

static void test_initial_variables(void **state)
{
	parse("menuentry t { linux /k $root $prefix $grub_platform $grub_cpu "
	      "$feature_menuentry_id $feature_all_video_module $feature_timeout_style "
	      "$feature_default_font_path $config_file; }\n");
	assert_string_equal(opt(0)->args,
			    "sda1 (sda1)/boot/grub efi x86_64 y y y y (sda1)/boot/grub/grub.cfg");
}

static void test_platform_per_arch(void **state)
{
	const char *cfg = "menuentry t { linux /k $grub_platform $grub_cpu; }\n";

	memfs_add_str(T->fs, "sda1", "/boot/grub/grub.cfg", cfg);
	kb_parse_ctx_init(&T->pctx, T->ctx, T->fs, T->dev, "i686", NULL);
	kb_parser_grub2.parse(&T->pctx, "/boot/grub/grub.cfg", cfg, strlen(cfg));
	assert_string_equal(opt(0)->args, "pc i386");
	kb_parse_ctx_init(&T->pctx, T->ctx, T->fs, T->dev, "ppc64le", NULL);
	kb_parser_grub2.parse(&T->pctx, "/boot/grub/grub.cfg", cfg, strlen(cfg));
	assert_string_equal(opt(0)->args, "ieee1275 powerpc");
	kb_parse_ctx_init(&T->pctx, T->ctx, T->fs, T->dev, "riscv64", NULL);
	kb_parser_grub2.parse(&T->pctx, "/boot/grub/grub.cfg", cfg, strlen(cfg));
	assert_string_equal(opt(0)->args, "efi riscv64");
}

/* ---- test / [ ---- */

static void test_test_operators(void **state)
{
	memfs_add_str(T->fs, "sda1", "/boot/full", "x");
	memfs_add_str(T->fs, "sda1", "/boot/empty", "");
	memfs_add_str(T->fs, "sda2", "/other", "y");
	parse("r=\n"
	      "function t { if \"$@\"; then r=\"${r}1\"; else r=\"${r}0\"; fi; }\n"
	      "t [ a = a ]; t [ a = b ]; t [ a != b ]; t [ a == a ]\n"
	      "t [ 10 -eq 10 ]; t [ 2 -lt 10 ]; t [ 10 -le 9 ]; t [ 3 -gt 2 ]; t [ 3 -ge 4 ]; t [ 1 -ne 1 ]\n"
	      "t [ -n x ]; t [ -n \"\" ]; t [ -z \"\" ]; t [ -z x ]; t [ x ]; t [ \"\" ]\n"
	      "t [ -e /boot/full ]; t [ -e /nope ]; t [ -f /boot ]; t [ -d /boot ]\n"
	      "t [ -s /boot/full ]; t [ -s /boot/empty ]; t [ -f (sda2)/other ]\n"
	      "t [ ! a = a ]; t [ a = a -a b = c ]; t [ a = a -o b = c ]; t test x = x\n"
	      "t [ hd10 -pgt hd9 ]\n"
	      "menuentry t { linux /k $r; }\n");
	assert_string_equal(opt(0)->args, "1011" "110100" "101010" "1001" "101" "0011" "1");
}

static void test_missing_bracket(void **state)
{
	parse("if [ a = a; then x=1; fi\nmenuentry t { linux /k $x; }\n");
	assert_true(has_error("missing ']'"));
	assert_null(opt(0)->args);
}

/* ---- devices and search ---- */

static void test_search_resolves(void **state)
{
	memfs_add_str(T->fs, "sda2", "/other", "y");
	parse("menuentry a {\n"
	      "  set root='hd0,gpt2'\n"
	      "  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 "
	      "--hint-baremetal=ahci0,gpt2 " UUID2 "\n"
	      "  linux /vmlinuz root=UUID=" UUID2 "\n"
	      "  initrd /initrd.img\n"
	      "}\n"
	      "menuentry b { linux (hd0,gpt2)/vmlinuz; }\n"
	      "menuentry c { search --label data --set=r; linux ($r)/v; }\n"
	      "menuentry d { search --file --set /other; linux /v; }\n"
	      "menuentry e { search -u " UUID1 " -s root; linux /v; }\n"
	      "menuentry f { linux (sda2)/direct; }\n");
	assert_int_equal(T->pctx.n_options, 6);
	assert_res(&opt(0)->kernel, "sda2", "/vmlinuz");
	assert_res(&opt(0)->initrds[0], "sda2", "/initrd.img");
	/* (hd0,gpt2) is known from the hints of a successful search */
	assert_res(&opt(1)->kernel, "sda2", "/vmlinuz");
	assert_res(&opt(2)->kernel, "sda2", "/v");
	assert_res(&opt(3)->kernel, "sda2", "/v");
	assert_res(&opt(4)->kernel, "sda1", "/v");
	assert_res(&opt(5)->kernel, "sda2", "/direct");
	assert_int_equal(T->pctx.n_errors, 0);
}

static void test_search_unresolved(void **state)
{
	parse("menuentry a {\n"
	      "  set root='hd0,gpt9'\n"
	      "  search --no-floppy --fs-uuid --set=root --hint=hd0,gpt9 dead-beef\n"
	      "  linux /vmlinuz\n"
	      "}\n"
	      "menuentry b { search --label nolabel --set=root; linux /v; }\n"
	      "menuentry c { search --file /nofile --set=root; linux /boot/../v; }\n"
	      "menuentry d { if search --set=root --fs-uuid nope; then x=found; else set root=sda2; fi; "
	      "linux /v; }\n");
	assert_unres(&opt(0)->kernel, "uuid:dead-beef", "/vmlinuz");
	assert_unres(&opt(1)->kernel, "label:nolabel", "/v");
	assert_unres(&opt(2)->kernel, "file:/nofile", "/v");
	/* a failing search has a false status */
	assert_res(&opt(3)->kernel, "sda2", "/v");
}

static void test_unmapped_grub_device(void **state)
{
	/* (hdX,...) with no known mapping: the resource stays on the current root */
	parse("menuentry a { linux (hd1,msdos1)/vmlinuz; initrd (hd3,gpt7)/i; }\n"
	      "menuentry b { set root=sda2; linux (hd1,msdos1)/vmlinuz; }\n"
	      "menuentry c { set root='(hd0,msdos1)'; linux /vmlinuz; }\n"
	      "menuentry d { set root=(sda2); linux ($root)/vmlinuz; }\n");
	assert_res(&opt(0)->kernel, "sda1", "/vmlinuz");
	assert_res(&opt(0)->initrds[0], "sda1", "/i");
	assert_res(&opt(1)->kernel, "sda2", "/vmlinuz");
	assert_res(&opt(2)->kernel, "sda1", "/vmlinuz");
	assert_res(&opt(3)->kernel, "sda2", "/vmlinuz");
}

static void test_ubuntu_search_fs_uuid(void **state)
{
	/* Ubuntu's signed-GRUB stub on the ESP */
	memfs_add_str(T->fs, "sda2", "/boot/grub/grub.cfg",
		      "set default=1\nset timeout=3\n"
		      "menuentry 'Ubuntu' --id ubuntu { linux /boot/vmlinuz root=UUID=" UUID2 " ro; "
		      "initrd /boot/initrd.img; }\n"
		      "menuentry 'Ubuntu (recovery)' { linux /boot/vmlinuz root=UUID=" UUID2
		      " ro recovery; }\n");
	parse_at("/EFI/ubuntu/grub.cfg", "search.fs_uuid " UUID2 " root hd0,gpt2 \n"
					   "set prefix=($root)'/boot/grub'\n"
					   "configfile $prefix/grub.cfg\n");
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->name, "Ubuntu");
	assert_res(&opt(0)->kernel, "sda2", "/boot/vmlinuz");
	assert_res(&opt(0)->initrds[0], "sda2", "/boot/initrd.img");
	assert_string_equal(opt(1)->args, "root=UUID=" UUID2 " ro recovery");
	/* the configfile's own default */
	assert_int_equal(default_index(), 1);
	/* the configfile's menu is the one shown: its timeout applies */
	assert_int_equal(T->pctx.timeout_s, 3);
}

/* ---- files ---- */

static void test_source_and_configfile(void **state)
{
	memfs_add_str(T->fs, "sda1", "/boot/grub/custom.cfg",
		      "kopt=fromsource\nmenuentry Custom { linux /custom $kopt; }\n");
	memfs_add_str(T->fs, "sda1", "/boot/grub/other.cfg",
		      "inner=set\nmenuentry Other { linux /other $kopt $inner; }\n");
	parse("source ${config_directory}/custom.cfg\n"
	      "configfile /boot/grub/other.cfg\n"
	      "menuentry Last { linux /last $kopt $inner; }\n"
	      "source /boot/grub/missing.cfg\n");
	assert_int_equal(T->pctx.n_options, 3);
	assert_string_equal(opt(0)->args, "fromsource");
	/* configfile: a new context (kopt not exported), changes not kept */
	assert_string_equal(opt(1)->args, "set");
	assert_string_equal(opt(2)->args, "fromsource");
	assert_true(has_error("missing.cfg"));
	assert_int_equal(error_line("missing.cfg"), 4);
}

static void test_source_depth_capped(void **state)
{
	memfs_add_str(T->fs, "sda1", "/boot/grub/loop.cfg", "source /boot/grub/loop.cfg\n");
	parse("source /boot/grub/loop.cfg\nmenuentry after { linux /k; }\n");
	assert_true(has_error("KB_PARSE_MAX_INCLUDE_DEPTH"));
	assert_int_equal(T->pctx.n_options, 1);
}

static void test_load_env(void **state)
{
	memfs_add_str(T->fs, "sda1", "/boot/grub/grubenv",
		      "# GRUB Environment Block\nkernelopts=root=/dev/sda1 ro quiet\n"
		      "saved_entry=two\nesc=a\\\\b\n"
		      "###########################################################");
	memfs_add_str(T->fs, "sda2", "/env",
		      "# GRUB Environment Block\nfrom2=yes\nkernelopts=other\n#####");
	memfs_add_str(T->fs, "sda1", "/bad", "not an env block\n");
	parse("load_env\n"
	      "load_env -f (sda2)/env from2\n"
	      "load_env --file=/bad\n"
	      "save_env kernelopts\n"
	      "set default=\"${saved_entry}\"\n"
	      "menuentry one { linux /k $kernelopts; }\n"
	      "menuentry two --id two { linux /k $from2 $esc; }\n");
	assert_string_equal(opt(0)->args, "root=/dev/sda1 ro quiet");
	assert_string_equal(opt(1)->args, "yes a\\b");
	assert_int_equal(default_index(), 1);
	assert_true(has_error("not a GRUB environment block"));
}

/* ---- robustness ---- */

static void test_noop_commands(void **state)
{
	parse("insmod part_gpt\ninsmod ext2\nset gfxmode=auto\nload_video\ninsmod gfxterm\n"
	      "terminal_output gfxterm\nloadfont unicode\nfont=unicode\nplay 480 440 1\n"
	      "sleep 1\nrecordfail\ngfxmode $linux_gfx_mode\nbackground_image /x.png\n"
	      "echo 'Loading...'\nterminal_input console\nserial --unit=0\n"
	      "menuentry a { recordfail; load_video; set gfxpayload=keep; insmod gzio; "
	      "echo 'Loading Linux'; linux /k; }\n");
	assert_int_equal(T->pctx.n_options, 1);
	assert_int_equal(T->pctx.n_errors, 0);
}

static void test_unknown_command(void **state)
{
	parse("\n\nfrobnicate now\nmenuentry a { linux /k; }\n");
	assert_int_equal(error_line("frobnicate"), 3);
	assert_string_equal(T->pctx.errors[0].file, "/boot/grub/grub.cfg");
	assert_int_equal(T->pctx.n_options, 1);
}

static void test_syntax_errors_recover(void **state)
{
	parse("menuentry a { linux /a; }\n"
	      "if true; then\n"
	      "  x=1\n"
	      "fi fi\n"
	      "echo a | cat\n"
	      "menuentry 'unterminated { linux /u; }\n"
	      "menuentry b { linux /b; }\n");
	assert_true(T->pctx.n_errors >= 1);
	assert_string_equal(opt(0)->name, "a");
}

static void test_syntax_error_lines(void **state)
{
	parse("menuentry a { linux /a; }\n"
	      "echo a | cat\n"
	      "fi\n"
	      "menuentry b { linux /b; }\n"
	      "menuentry c {\n linux /c\n");
	assert_int_equal(error_line("reserved"), 2);
	assert_int_equal(error_line("unexpected 'fi'"), 3);
	assert_true(has_error("missing '}'"));
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(1)->name, "b");
}

static void test_deep_nesting_capped(void **state)
{
	char *cfg = talloc_strdup(T, "");
	unsigned i;

	for (i = 0; i < 200; i++)
		cfg = talloc_strdup_append(cfg, "if true; then ");
	for (i = 0; i < 200; i++)
		cfg = talloc_strdup_append(cfg, "fi; ");
	cfg = talloc_strdup_append(cfg, "\nmenuentry after { linux /k; }\n");
	parse(cfg);
	assert_true(has_error("G2_MAX_AST_DEPTH"));
	assert_int_equal(T->pctx.n_options, 1);
}

static void test_expansion_capped(void **state)
{
	parse("a=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	      "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do a=\"$a$a\"; done\n"
	      "menuentry after { linux /k ok; }\n");
	assert_true(has_error("G2_MAX_WORD_LEN"));
	assert_string_equal(opt(0)->args, "ok");
}

static void test_command_cap(void **state)
{
	parse("function f { for i in 1 2 3 4 5 6 7 8 9 10; do for j in 1 2 3 4 5 6 7 8 9 10; do "
	      "for k in 1 2 3 4 5 6 7 8 9 10; do x=1; y=2; done; done; done; }\n"
	      "for a in 1 2 3 4 5 6 7 8 9 10; do for b in 1 2 3 4 5 6 7 8 9 10; do "
	      "for c in 1 2 3 4 5 6 7 8 9 10; do f; done; done; done\n"
	      "menuentry never { linux /k; }\n");
	assert_true(has_error("G2_MAX_COMMANDS"));
	assert_int_equal(T->pctx.n_options, 0);
}

static void test_submenu_depth_capped(void **state)
{
	char *cfg = talloc_strdup(T, "");
	unsigned i;

	for (i = 0; i < 40; i++)
		cfg = talloc_strdup_append(cfg, "submenu s {\n");
	cfg = talloc_strdup_append(cfg, "menuentry deep { linux /k; }\n");
	for (i = 0; i < 40; i++)
		cfg = talloc_strdup_append(cfg, "}\n");
	cfg = talloc_strdup_append(cfg, "menuentry after { linux /k2; }\n");
	parse(cfg);
	assert_true(has_error("G2_MAX_MENU_DEPTH"));
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(1)->name, "after");
}

static void test_binary_garbage(void **state)
{
	static const char junk[] = "menuentry \"\x01\xff\" {\0 linux /k \x80\x81; }\n\0\0}{}{;;;$${{";

	memfs_add_file(T->fs, "sda1", "/boot/grub/grub.cfg", junk, sizeof(junk) - 1);
	kb_parse_ctx_init(&T->pctx, T->ctx, T->fs, T->dev, "x86_64", NULL);
	T->r = kb_parser_grub2.parse(&T->pctx, "/boot/grub/grub.cfg", junk, sizeof(junk) - 1);
	assert_int_equal(T->r, 0);
	assert_true(T->pctx.n_errors > 0);
}

/* ---- distribution shapes ---- */

/* What Debian 12's grub-mkconfig (00_header, 10_linux, 30_uefi-firmware,
 * 41_custom) writes, reduced to two kernels. */
static const char debian_cfg[] =
	"#\n# DO NOT EDIT THIS FILE\n#\n"
	"### BEGIN /etc/grub.d/00_header ###\n"
	"if [ -s $prefix/grubenv ]; then\n  set have_grubenv=true\n  load_env\nfi\n"
	"if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\n   set next_entry=\n"
	"   save_env next_entry\n   set boot_once=true\nelse\n   set default=\"0\"\nfi\n\n"
	"if [ x\"${feature_menuentry_id}\" = xy ]; then\n  menuentry_id_option=\"--id\"\nelse\n"
	"  menuentry_id_option=\"\"\nfi\n\nexport menuentry_id_option\n\n"
	"if [ \"${prev_saved_entry}\" ]; then\n  set saved_entry=\"${prev_saved_entry}\"\n"
	"  save_env saved_entry\n  set prev_saved_entry=\n  save_env prev_saved_entry\n"
	"  set boot_once=true\nfi\n\n"
	"function savedefault {\n  if [ -z \"${boot_once}\" ]; then\n"
	"    saved_entry=\"${chosen}\"\n    save_env saved_entry\n  fi\n}\n"
	"function load_video {\n  if [ x$feature_all_video_module = xy ]; then\n"
	"    insmod all_video\n  else\n    insmod efi_gop\n    insmod efi_uga\n"
	"    insmod ieee1275_fb\n    insmod vbe\n    insmod vga\n    insmod video_bochs\n"
	"    insmod video_cirrus\n  fi\n}\n\n"
	"if [ x$feature_default_font_path = xy ] ; then\n   font=unicode\nelse\n"
	"insmod part_gpt\ninsmod ext2\nset root='hd0,gpt2'\n"
	"if [ x$feature_platform_search_hint = xy ]; then\n"
	"  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 "
	"--hint-baremetal=ahci0,gpt2  " UUID2 "\nelse\n"
	"  search --no-floppy --fs-uuid --set=root " UUID2 "\nfi\n"
	"    font=\"/usr/share/grub/unicode.pf2\"\nfi\n\n"
	"if loadfont $font ; then\n  set gfxmode=auto\n  load_video\n  insmod gfxterm\n"
	"  set locale_dir=$prefix/locale\n  set lang=en_US\n  insmod gettext\nfi\n"
	"terminal_output gfxterm\n"
	"if [ x$feature_timeout_style = xy ] ; then\n  set timeout_style=menu\n  set timeout=5\n"
	"# Fallback normal timeout code in case the timeout_style feature is\n"
	"# unavailable.\nelse\n  set timeout=5\nfi\n"
	"### END /etc/grub.d/00_header ###\n\n"
	"### BEGIN /etc/grub.d/05_debian_theme ###\n"
	"insmod part_gpt\ninsmod ext2\nset root='hd0,gpt2'\n"
	"if [ x$feature_platform_search_hint = xy ]; then\n"
	"  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 "
	"--hint-baremetal=ahci0,gpt2  " UUID2 "\nelse\n"
	"  search --no-floppy --fs-uuid --set=root " UUID2 "\nfi\n"
	"insmod png\nif background_image /usr/share/desktop-base/emerald-theme/grub/grub-4x3.png; then\n"
	"  set color_normal=white/black\n  set color_highlight=black/white\nelse\n"
	"  set menu_color_normal=cyan/blue\n  set menu_color_highlight=white/blue\nfi\n"
	"### END /etc/grub.d/05_debian_theme ###\n\n"
	"### BEGIN /etc/grub.d/10_linux ###\n"
	"function gfxmode {\n\tset gfxpayload=\"${1}\"\n}\n"
	"set linux_gfx_mode=\nexport linux_gfx_mode\n"
	"menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os "
	"$menuentry_id_option 'gnulinux-simple-" UUID2 "' {\n"
	"\tload_video\n\tinsmod gzio\n"
	"\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi\n"
	"\tinsmod part_gpt\n\tinsmod ext2\n\tset root='hd0,gpt2'\n"
	"\tif [ x$feature_platform_search_hint = xy ]; then\n"
	"\t  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 "
	"--hint-baremetal=ahci0,gpt2  " UUID2 "\n\telse\n"
	"\t  search --no-floppy --fs-uuid --set=root " UUID2 "\n\tfi\n"
	"\techo\t'Loading Linux 6.1.0-18-amd64 ...'\n"
	"\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=" UUID2 " ro  quiet\n"
	"\techo\t'Loading initial ramdisk ...'\n"
	"\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n}\n"
	"submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option "
	"'gnulinux-advanced-" UUID2 "' {\n"
	"\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-18-amd64' --class debian --class gnu-linux "
	"--class gnu --class os $menuentry_id_option 'gnulinux-6.1.0-18-amd64-advanced-" UUID2 "' {\n"
	"\t\tload_video\n\t\tinsmod gzio\n"
	"\t\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi\n"
	"\t\tinsmod part_gpt\n\t\tinsmod ext2\n\t\tset root='hd0,gpt2'\n"
	"\t\tif [ x$feature_platform_search_hint = xy ]; then\n"
	"\t\t  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 "
	"--hint-baremetal=ahci0,gpt2  " UUID2 "\n\t\telse\n"
	"\t\t  search --no-floppy --fs-uuid --set=root " UUID2 "\n\t\tfi\n"
	"\t\techo\t'Loading Linux 6.1.0-18-amd64 ...'\n"
	"\t\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=" UUID2 " ro  quiet\n"
	"\t\techo\t'Loading initial ramdisk ...'\n"
	"\t\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n\t}\n"
	"\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-18-amd64 (recovery mode)' --class debian "
	"--class gnu-linux --class gnu --class os $menuentry_id_option "
	"'gnulinux-6.1.0-18-amd64-recovery-" UUID2 "' {\n"
	"\t\tload_video\n\t\tinsmod gzio\n"
	"\t\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi\n"
	"\t\tinsmod part_gpt\n\t\tinsmod ext2\n\t\tset root='hd0,gpt2'\n"
	"\t\tif [ x$feature_platform_search_hint = xy ]; then\n"
	"\t\t  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 "
	"--hint-baremetal=ahci0,gpt2  " UUID2 "\n\t\telse\n"
	"\t\t  search --no-floppy --fs-uuid --set=root " UUID2 "\n\t\tfi\n"
	"\t\techo\t'Loading Linux 6.1.0-17-amd64 ...'\n"
	"\t\tlinux\t/boot/vmlinuz-6.1.0-17-amd64 root=UUID=" UUID2 " ro single \n"
	"\t\techo\t'Loading initial ramdisk ...'\n"
	"\t\tinitrd\t/boot/initrd.img-6.1.0-17-amd64\n\t}\n"
	"}\n\n"
	"### END /etc/grub.d/10_linux ###\n\n"
	"### BEGIN /etc/grub.d/30_uefi-firmware ###\n"
	"if [ \"$grub_platform\" = \"efi\" ]; then\n"
	"\tfwsetup --is-supported\n\tif [ \"$?\" = 0 ]; then\n"
	"\t\tmenuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {\n"
	"\t\t\tfwsetup\n\t\t}\n\tfi\nfi\n"
	"### END /etc/grub.d/30_uefi-firmware ###\n\n"
	"### BEGIN /etc/grub.d/41_custom ###\n"
	"if [ -f  ${config_directory}/custom.cfg ]; then\n"
	"  source ${config_directory}/custom.cfg\n"
	"elif [ -z \"${config_directory}\" -a -f  $prefix/custom.cfg ]; then\n"
	"  source $prefix/custom.cfg\nfi\n"
	"### END /etc/grub.d/41_custom ###\n";

static void test_debian(void **state)
{
	parse(debian_cfg);
	assert_int_equal(T->pctx.n_errors, 0);
	assert_int_equal(T->pctx.n_options, 3);
	assert_string_equal(opt(0)->name, "Debian GNU/Linux");
	assert_res(&opt(0)->kernel, "sda2", "/boot/vmlinuz-6.1.0-18-amd64");
	assert_res(&opt(0)->initrds[0], "sda2", "/boot/initrd.img-6.1.0-18-amd64");
	assert_string_equal(opt(0)->args, "root=UUID=" UUID2 " ro quiet");
	assert_string_equal(opt(1)->name, "Debian GNU/Linux, with Linux 6.1.0-18-amd64");
	assert_string_equal(opt(2)->name,
			    "Debian GNU/Linux, with Linux 6.1.0-18-amd64 (recovery mode)");
	assert_string_equal(opt(2)->args, "root=UUID=" UUID2 " ro single");
	assert_int_equal(default_index(), 0);
	assert_int_equal(T->pctx.timeout_s, 5);
}

static void test_debian_saved_default_and_disk_absent(void **state)
{
	char *cfg;

	memfs_add_str(T->fs, "sda1", "/boot/grub/grubenv",
		      "# GRUB Environment Block\nnext_entry=gnulinux-advanced-" UUID2
		      ">gnulinux-6.1.0-18-amd64-recovery-" UUID2 "\n#######");
	parse(debian_cfg);
	assert_int_equal(default_index(), 2);

	/* the same config with its root disk absent: resources unresolved */
	cfg = talloc_strdup(T, debian_cfg);
	{
		char *p;

		while ((p = strstr(cfg, UUID2)))
			memcpy(p, "99999999-2222-3333-4444-555555555555", 36);
	}
	parse(cfg);
	assert_int_equal(T->pctx.n_options, 3);
	assert_unres(&opt(0)->kernel, "uuid:99999999-2222-3333-4444-555555555555",
		     "/boot/vmlinuz-6.1.0-18-amd64");
}

static void test_fedora_blscfg(void **state)
{
	memfs_add_str(T->fs, "sda1", "/grub2/grubenv",
		      "# GRUB Environment Block\n"
		      "saved_entry=6c063c8e48904f2684abde8eea303f41-6.8.5-301.fc40.x86_64\n"
		      "kernelopts=root=UUID=" UUID2 " ro rhgb quiet\nboot_success=0\n"
		      "#############################################");
	memfs_add_str(T->fs, "sda1", "/loader/entries/6c063c8e48904f2684abde8eea303f41-6.8.5-301.fc40.x86_64.conf",
		      "title Fedora Linux (6.8.5-301.fc40.x86_64) 40 (Workstation Edition)\n"
		      "version 6.8.5-301.fc40.x86_64\n"
		      "linux /vmlinuz-6.8.5-301.fc40.x86_64\n"
		      "initrd /initramfs-6.8.5-301.fc40.x86_64.img\n"
		      "options $kernelopts $tuned_params\n"
		      "grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n");
	memfs_add_str(T->fs, "sda1", "/loader/entries/6c063c8e48904f2684abde8eea303f41-6.9.7-200.fc40.x86_64.conf",
		      "title Fedora Linux (6.9.7-200.fc40.x86_64) 40 (Workstation Edition)\n"
		      "version 6.9.7-200.fc40.x86_64\n"
		      "linux /vmlinuz-6.9.7-200.fc40.x86_64\n"
		      "initrd /initramfs-6.9.7-200.fc40.x86_64.img\n"
		      "options root=UUID=" UUID2 " ro rhgb quiet\n"
		      "grub_users $grub_users\ngrub_arg --unrestricted\ngrub_class fedora\n");
	/* Fedora's /boot/grub2/grub.cfg on a separate /boot (sda1) */
	parse_at("/grub2/grub.cfg",
		 "set pager=1\n"
		 "if [ -f ${config_directory}/grubenv ]; then\n"
		 "  load_env -f ${config_directory}/grubenv\n"
		 "elif [ -s $prefix/grubenv ]; then\n  load_env\nfi\n"
		 "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\n"
		 "   set next_entry=\n   save_env next_entry\n   set boot_once=true\n"
		 "else\n   set default=\"${saved_entry}\"\nfi\n"
		 "if [ x\"${feature_menuentry_id}\" = xy ]; then\n  menuentry_id_option=\"--id\"\n"
		 "else\n  menuentry_id_option=\"\"\nfi\nexport menuentry_id_option\n"
		 "terminal_output console\n"
		 "if [ x$feature_timeout_style = xy ] ; then\n  set timeout_style=menu\n"
		 "  set timeout=5\nelse\n  set timeout=5\nfi\n"
		 "set tuned_params=\"\"\nset tuned_initrd=\"\"\n"
		 "insmod part_gpt\ninsmod ext2\nset root='hd0,gpt2'\n"
		 "if [ x$feature_platform_search_hint = xy ]; then\n"
		 "  search --no-floppy --fs-uuid --set=root --hint='hd0,gpt2'  " UUID1 "\n"
		 "else\n  search --no-floppy --fs-uuid --set=root " UUID1 "\nfi\n"
		 "insmod blscfg\nblscfg\n"
		 "menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' { fwsetup; }\n");
	assert_int_equal(T->pctx.n_options, 2);
	/* newest version first */
	assert_string_equal(opt(0)->name, "Fedora Linux (6.9.7-200.fc40.x86_64) 40 (Workstation Edition)");
	assert_res(&opt(0)->kernel, "sda1", "/vmlinuz-6.9.7-200.fc40.x86_64");
	assert_res(&opt(1)->initrds[0], "sda1", "/initramfs-6.8.5-301.fc40.x86_64.img");
	/* $kernelopts from grubenv, empty $tuned_params dropped */
	assert_string_equal(opt(1)->args, "root=UUID=" UUID2 " ro rhgb quiet");
	/* saved_entry names the older kernel by its BLS id */
	assert_int_equal(default_index(), 1);
	assert_true(T->pctx.bls_consumed);
}

static void test_opensuse_snapshots(void **state)
{
	memfs_add_str(T->fs, "sda1", "/.snapshots/12/snapshot/boot/grub2/grub-snapshot.cfg",
		      "menuentry 'openSUSE Tumbleweed (6.8.1-1-default)' {\n"
		      "  linux /.snapshots/12/snapshot/boot/vmlinuz-6.8.1-1-default "
		      "root=UUID=" UUID1 " ${extra_cmdline} splash=silent\n"
		      "  initrd /.snapshots/12/snapshot/boot/initrd-6.8.1-1-default\n}\n");
	parse_at("/boot/grub2/grub.cfg",
		 "set btrfs_relative_path=\"yes\"\n"
		 "menuentry 'openSUSE Tumbleweed' --class opensuse --class gnu-linux --class gnu "
		 "--class os $menuentry_id_option 'gnulinux-simple-" UUID1 "' {\n"
		 "\tload_video\n\tset gfxpayload=keep\n\tinsmod gzio\n\tinsmod part_gpt\n"
		 "\tinsmod btrfs\n\tsearch --no-floppy --fs-uuid --set=root " UUID1 "\n"
		 "\techo\t'Loading Linux 6.9.1-1-default ...'\n"
		 "\tlinux\t/boot/vmlinuz-6.9.1-1-default root=UUID=" UUID1
		 " ${extra_cmdline} splash=silent quiet mitigations=auto\n"
		 "\techo\t'Loading initial ramdisk ...'\n"
		 "\tinitrd\t/boot/initrd-6.9.1-1-default\n}\n"
		 "### BEGIN /etc/grub.d/80_suse_btrfs_snapshot ###\n"
		 "if [ -n \"$extra_cmdline\" ]; then\n"
		 "  submenu \"Bootable snapshot #$snapshot_num\" {\n"
		 "    menuentry \"If OK, run 'snapper rollback' and reboot.\" { true; }\n  }\nfi\n"
		 "if [ -z \"$extra_cmdline\" -a -n \"$snapshot_num\" ]; then x=1; fi\n"
		 "submenu \"Start bootloader from a read-only snapshot\" {\n"
		 "  if [ -z \"$extra_cmdline\" ]; then\n"
		 "    snapshot_found=true\n"
		 "    menuentry \"openSUSE Tumbleweed (6.8.1-1-default,2024-04-02T10:00,post,zypp(zypper))\" {\n"
		 "      btrfs_subvol=\"/.snapshots/12/snapshot\"\n"
		 "      extra_cmdline=\"rootflags=subvol=@/.snapshots/12/snapshot\"\n"
		 "      export extra_cmdline\n"
		 "      snapshot_num=12\n      export snapshot_num\n"
		 "      configfile \"/.snapshots/12/snapshot/boot/grub2/grub-snapshot.cfg\"\n"
		 "    }\n"
		 "  fi\n"
		 "  if [ x$snapshot_found != xtrue ]; then\n"
		 "    menuentry \"No snapshots found\" { true; }\n  fi\n"
		 "}\n"
		 "### END /etc/grub.d/80_suse_btrfs_snapshot ###\n");
	/* the snapshot entry chains to a configfile: its own entry appears with the
	 * exported extra_cmdline of the snapshot */
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->name, "openSUSE Tumbleweed");
	assert_string_equal(opt(0)->args, "root=UUID=" UUID1 " splash=silent quiet mitigations=auto");
	assert_res(&opt(0)->kernel, "sda1", "/boot/vmlinuz-6.9.1-1-default");
	assert_string_equal(opt(1)->name, "openSUSE Tumbleweed (6.8.1-1-default)");
	assert_string_equal(opt(1)->args, "root=UUID=" UUID1
			    " rootflags=subvol=@/.snapshots/12/snapshot splash=silent");
	assert_res(&opt(1)->kernel, "sda1", "/.snapshots/12/snapshot/boot/vmlinuz-6.8.1-1-default");
	assert_int_equal(default_index(), 0);
	assert_int_equal(T->pctx.n_errors, 0);
}

/* Fuzzer finds, kept as regressions. */
static void test_regress_configfile_in_entry_grows_menu(void **state)
{
	char *many = talloc_strdup(T, "");
	unsigned i;

	/* the loaded file's entries move the menu's item array while the
	 * entry that loads it is still being built */
	for (i = 0; i < 40; i++)
		many = talloc_asprintf_append(many, "menuentry m%u { linux /m%u; }\n", i, i);
	memfs_add_str(T->fs, "sda1", "/boot/grub/many.cfg", many);
	parse("menuentry loader { configfile /boot/grub/many.cfg; }\nmenuentry last { linux /l; }\n");
	assert_int_equal(T->pctx.n_options, 41);
	assert_string_equal(opt(0)->name, "m0");
	assert_string_equal(opt(40)->name, "last");
}

static void test_regress_source_fanout_bounded(void **state)
{
	/* each level sources itself twice: 2^16 loads without a budget */
	memfs_add_str(T->fs, "sda1", "/boot/grub/f.cfg",
		      "submenu s { true; }\nsource /boot/grub/f.cfg\nsource /boot/grub/f.cfg\n");
	parse("source /boot/grub/f.cfg\nmenuentry after { linux /k; }\n");
	assert_true(has_error("G2_MAX_FILE_LOADS"));
	assert_int_equal(T->pctx.n_options, 1);
}

static void test_regress_bang_without_command(void **state)
{
	parse("! ;\nif ! ; then x=1; fi\nmenuentry after { linux /k; }\n");
	assert_true(has_error("expected a command"));
	assert_int_equal(T->pctx.n_options, 1);
}

/* The lexer's fast paths (plain words, '...' words) must agree with the
 * general one: a quote glued to more text, words at the very end of the
 * buffer, line counts across quoted newlines, quoted keywords. */
static void test_lexer_fast_paths(void **state)
{
	assert_string_equal(args_of("v=V", "'a'b 'x'$v 'q'\"r\" c'd' ''e"), "ab xV qr cd e");
	parse("menuentry 'A\nB' { linux /k; }\n"
	      "menuentry C { linux /k2 'if' then; }\n"
	      "nosuchcommand\n"
	      "set timeout=7");
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->name, "A\nB");
	assert_string_equal(opt(1)->args, "if then");
	assert_int_equal(error_line("can't find command 'nosuchcommand'"), 4);
	assert_int_equal(T->pctx.timeout_s, 7);
}

/* Words with only literal runs and $-references take a measured fast path;
 * anything else in them (a literal '$', quotes, an unterminated ${, a
 * newline inside ${...}) must come out as the general lexer makes it. */
static void test_lexer_dollar_words(void **state)
{
	/* "${a ${}" names the variable "a ${"; $1 is the entry's title */
	assert_string_equal(args_of("a=A; b='B C'; set 1x=no",
				    "p$a-${a}q ${b}$a x$ $ y${a ${}z $1x $#n $?s \\$a"),
			    "pA-Aq B CA x$ $ yz tx 1n 1s $a");
	/* a word cut out in place right before a '#' that is no comment */
	assert_string_equal(args_of("", "a#b c #d"), "a#b c");
	/* an unterminated ${ is a literal '$'; the '{' after it is a token */
	parse("x${ y\nmenuentry M { linux /k; }\n");
	assert_true(has_error("unexpected '{'"));
	assert_int_equal(T->pctx.n_options, 1);
}

/* Words point into the buffer they were lexed from: functions defined by a
 * sourced file or by eval outlive the command that read them. */
static void test_functions_outlive_their_text(void **state)
{
	memfs_add_str(T->fs, "sda1", "/boot/grub/fn.cfg",
		      "function from_file { linux /f1 from_file $1; }\n");
	parse("source /boot/grub/fn.cfg\n"
	      "eval 'function from_eval { linux /f2 from_eval $1; }'\n"
	      "set pad=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	      "menuentry A { from_file one; }\n"
	      "menuentry B { from_eval two; }\n");
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(opt(0)->args, "from_file one");
	assert_string_equal(opt(1)->args, "from_eval two");
}

static void test_lexer_all_word_bytes(void **state)
{
	/* no byte in the buffer ends a word: the scan runs to the end */
	parse("nosuchcommand");
	assert_true(has_error("can't find command 'nosuchcommand'"));
}

static void test_regress_trailing_backslash(void **state)
{
	/* fuzzer find: a lone backslash at the end of the buffer is an empty
	 * word built before the lexer had any scratch buffer */
	parse("menuentry A { linux /k; }\n\\");
	assert_int_equal(T->pctx.n_options, 1);
	assert_true(has_error("can't find command ''"));
}

static void test_regress_command_table_grows(void **state)
{
	/* the command table grows past its first size with many functions:
	 * names must survive the move (they were children of the old table),
	 * and lookups cached when parsed are redone after a definition */
	char *cfg = talloc_strdup(T, "function a=b { set x=fn; }\n");
	unsigned i;

	for (i = 0; i < 300; i++)
		cfg = talloc_asprintf_append(cfg, "function f%u { set v%u=1; }\n", i, i);
	cfg = talloc_strdup_append(cfg,
				   "f299\n"
				   "menuentry A { export k=ro; a=b; linux /k $k $v299 $x; }\n"
				   "function g { export e=1; }\n"
				   "g; g\n"
				   "menuentry B { insmod z; function insmod { set w=2; }; insmod z; linux /k $w; }\n");
	parse(cfg);
	assert_int_equal(T->pctx.n_errors, 0);
	assert_int_equal(T->pctx.n_options, 2);
	assert_string_equal(T->pctx.options[0]->args, "ro 1");
	assert_string_equal(T->pctx.options[1]->args, "2");
}

/* `[ A = B ]` / `[ A != B ]` run by the interpreter's shortcut must agree
 * with the test builtin, including where the shortcut has to give way:
 * values with blanks (several fields), empty expansions (no field), $1,
 * a quoted operator, and a `[` that is no longer the builtin's shape. */
static void test_test_shortcut_agrees(void **state)
{
	parse("v=y\nsp='a b'\nem=\n"
	      "function f { if [ x$1 = xq ]; then r1=t; else r1=f; fi; }\n"
	      "f q\n"
	      "if [ x$v = xy ]; then a=t; else a=f; fi\n"
	      "if [ x$v != xy ]; then b=t; else b=f; fi\n"
	      "if [ x$v == x$v ]; then c=t; else c=f; fi\n"
	      "if [ $sp = a ]; then d=t; else d=f; fi\n"      /* [ a b = a ]: 5 args */
	      "if [ $em = x ]; then e=t; else e=f; fi\n"      /* [ = x ]: -n-like */
	      "if [ \"$sp\" = 'a b' ]; then g=t; else g=f; fi\n"
	      "if [ xa \"=\" xa ]; then h=t; else h=f; fi\n"
	      "if [ x${v}z != x${v}z ]; then i=t; else i=f; fi\n"
	      "if [ $undefined = $undefined ]; then j=t; else j=f; fi\n"
	      "if [ xy = x$v ]; then k=t; else k=f; fi\n"
	      "if [ xy != x${v}$sp ]; then l=t; else l=f; fi\n"
	      "if [ x$v$em = \"x$v\" ]; then m=t; else m=f; fi\n"
	      "menuentry t { linux /k $r1 $a $b $c $d $e $g $h $i $j $k $l $m; }\n");
	assert_int_equal(T->pctx.n_errors, 0);
	/* [ a b = a ] is "a" followed by junk: GRUB's test reads `a` as true
	 * then ignores; [ = x ] is a one-argument-pair test: both as the
	 * builtin decides */
	assert_string_equal(opt(0)->args, "t t f t t t t t f t t t t");
}

/* Command names that share their first and last bytes (the command hash
 * reads those) and assignments found by the lexer's first-word scan. */
static void test_command_names_and_assignments(void **state)
{
	parse("function abcdefgh_12345678 { r=one; }\n"
	      "function abcdefgh_x2345678 { r=two; }\n"
	      "function abcdefgh_y_12345678 { q=three; }\n"
	      "function a_b { s=four; }\n"
	      "abcdefgh_x2345678\n"
	      "abcdefgh_y_12345678\n"
	      "a_b\n"
	      "k=v=w\n"
	      "9x=1\n"
	      "menuentry t { linux /k $r $q $s $k; }\n");
	assert_int_equal(T->pctx.n_options, 1);
	assert_string_equal(opt(0)->args, "two three four v=w");
	assert_true(has_error("can't find command '9x=1'"));
}

/* $-words whose parts point into the input: the text around them is cut
 * into words in place, special parameters keep working. */
static void test_dollar_parts_in_place(void **state)
{
	parse("kv=6.1\n"
	      "function f { linux /boot/vmlinuz-${kv}-$1 a$2b $#;x=$?; }\n"
	      "menuentry t { f one two; initrd /i-${kv}.img;}\n");
	assert_int_equal(T->pctx.n_errors, 0);
	assert_string_equal(opt(0)->args, "atwob 2");
	assert_res(&opt(0)->kernel, "sda1", "/boot/vmlinuz-6.1-one");
	assert_res(&opt(0)->initrds[0], "sda1", "/i-6.1.img");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dquote_escapes_only_specials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments_and_continuation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_semicolons_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_splitting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_menuentry_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_without_kernel_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_variants_and_initrds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_normalised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submenu_flatten_titles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_nonmatching_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_entry_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_if_elif_else, setup, teardown),
		cmocka_unit_test_setup_teardown(test_for_while_until, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recursion_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_unset_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contexts_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initial_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_per_arch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_test_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_bracket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_resolves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_unresolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_grub_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ubuntu_search_fs_uuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_and_configfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_depth_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noop_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expansion_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submenu_depth_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binary_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debian, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debian_saved_default_and_disk_absent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fedora_blscfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opensuse_snapshots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regress_configfile_in_entry_grows_menu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_regress_source_fanout_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regress_bang_without_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lexer_fast_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lexer_all_word_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lexer_dollar_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions_outlive_their_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regress_trailing_backslash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regress_command_table_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_test_shortcut_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_names_and_assignments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dollar_parts_in_place, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
