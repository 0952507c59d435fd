/* Boot Loader Specification Type 1 tests, written from the UAPI Boot Loader
 * Specification and the UAPI Version Format Specification. */
#include <config.h>

#include "discover/parsers/bls.h"
#include "test/parsers/helpers.h"

#define MID "6c063c8e48904f2684abde8eea303f41"

/* Examples from the Version Format Specification: each pair a < b. */
static void test_version_compare(void **state)
{
	static const char *const older_newer[][2] = {
		{"11", "102"},          {"1.1", "1.2"},           {"1.0", "1.0.1"},
		{"1.0~rc1", "1.0"},     {"1.0~rc1", "1.0~rc2"},   {"1.0-1", "1.0.1"},
		{"1.0^1", "1.0.1"},     {"1.0", "1.0^1"},         {"a", "b"},
		{"a", "1"},             {"6.5.0-300.fc40", "6.10.0-100.fc40"},
		{"122.1", "123~rc1-1"}, {"5.4.0-42", "5.4.0-100"},
		{MID "-6.9.0-1.fc40.x86_64", MID "-6.10.0-1.fc40.x86_64"},
	};
	unsigned i;

	for (i = 0; i < sizeof(older_newer) / sizeof(older_newer[0]); i++) {
		assert_true(kb_version_compare(older_newer[i][0], older_newer[i][1]) < 0);
		assert_true(kb_version_compare(older_newer[i][1], older_newer[i][0]) > 0);
	}
	assert_int_equal(kb_version_compare("1.0", "1.0"), 0);
	assert_int_equal(kb_version_compare("01.002", "1.2"), 0);
	assert_int_equal(kb_version_compare("1_0", "1.0") != 0, 1);
}

static void test_fedora_layout(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	struct kb_option *o;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/loader/entries/" MID "-6.9.5-200.fc40.x86_64.conf",
	      "title Fedora Linux (6.9.5-200.fc40.x86_64) 40 (Workstation Edition)\n"
	      "version 6.9.5-200.fc40.x86_64\n"
	      "linux /vmlinuz-6.9.5-200.fc40.x86_64\n"
	      "initrd /initramfs-6.9.5-200.fc40.x86_64.img\n"
	      "options root=UUID=1234 ro rhgb quiet\n"
	      "grub_users $grub_users\n"
	      "grub_arg --unrestricted\n"
	      "grub_class fedora\n");
	FILE_(fs, "/loader/entries/" MID "-6.10.3-200.fc40.x86_64.conf",
	      "title Fedora Linux (6.10.3-200.fc40.x86_64) 40 (Workstation Edition)\n"
	      "version 6.10.3-200.fc40.x86_64\n"
	      "linux /vmlinuz-6.10.3-200.fc40.x86_64\n"
	      "initrd /initramfs-6.10.3-200.fc40.x86_64.img\n"
	      "initrd /microcode.cpio\n"
	      "options root=UUID=1234 ro\n"
	      "options rhgb   quiet\n");
	FILE_(fs, "/loader/entries/" MID "-0-rescue.conf",
	      "title Fedora Linux (0-rescue-" MID ") 40\n"
	      "version 0-rescue-" MID "\n"
	      "linux /vmlinuz-0-rescue-" MID "\n"
	      "initrd /initramfs-0-rescue-" MID ".img\n");
	FILE_(fs, "/loader/entries/arm.conf", "title ARM only\nlinux /Image\narchitecture aa64\n");
	FILE_(fs, "/loader/entries/notes.txt", "not an entry\n");

	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_errors, 0);
	assert_int_equal(p->n_options, 3);
	/* no sort-key: by id, newest version first */
	o = p->options[0];
	assert_string_equal(o->name, "Fedora Linux (6.10.3-200.fc40.x86_64) 40 (Workstation Edition)");
	assert_string_equal(o->parser, "bls");
	assert_string_equal(o->args, "root=UUID=1234 ro rhgb   quiet");
	assert_int_equal(o->n_initrds, 2);
	assert_res(o->initrds[1], "sda1", "/microcode.cpio");
	assert_true(o->is_default); /* no loader.conf: the first entry */
	assert_string_equal(p->options[1]->name, "Fedora Linux (6.9.5-200.fc40.x86_64) 40 (Workstation Edition)");
	assert_string_equal(p->options[2]->name, "Fedora Linux (0-rescue-" MID ") 40");
	assert_null(p->options[2]->args);

	/* the aa64 entry appears on arm64 only */
	p = run_device(ctx, fs, "arm64", NULL);
	assert_non_null(opt_named(p, "ARM only"));
	talloc_free(ctx);
}

static void test_sort_key_and_loader_conf(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/loader/loader.conf", "# systemd-boot\ntimeout 7\ndefault debian-*\nconsole-mode max\n");
	FILE_(fs, "/loader/entries/zzz.conf", "title No key\nlinux /z\n");
	FILE_(fs, "/loader/entries/fedora-a.conf",
	      "title Fedora 6.1\nsort-key fedora\nmachine-id bbb\nversion 6.1\nlinux /f61\n");
	FILE_(fs, "/loader/entries/fedora-b.conf",
	      "title Fedora 6.2\nsort-key fedora\nmachine-id bbb\nversion 6.2\nlinux /f62\n");
	FILE_(fs, "/loader/entries/fedora-c.conf",
	      "title Fedora other machine\nsort-key fedora\nmachine-id aaa\nversion 1.0\nlinux /fo\n");
	FILE_(fs, "/loader/entries/debian-1.conf",
	      "title Debian 1\nsort-key debian\nversion 6.1\nlinux /d1\ndevicetree /dtbs/board.dtb\n");
	FILE_(fs, "/loader/entries/debian-2.conf", "title Debian 2\nsort-key debian\nversion 6.2\nlinux /d2\n");

	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_options, 6);
	assert_string_equal(p->options[0]->name, "Debian 2");
	assert_string_equal(p->options[1]->name, "Debian 1");
	assert_res(p->options[1]->dtb, "sda1", "/dtbs/board.dtb");
	assert_string_equal(p->options[2]->name, "Fedora other machine"); /* machine-id aaa < bbb */
	assert_string_equal(p->options[3]->name, "Fedora 6.2");
	assert_string_equal(p->options[4]->name, "Fedora 6.1");
	assert_string_equal(p->options[5]->name, "No key"); /* without sort-key: last */
	/* default glob: the first match in menu order */
	assert_true(p->options[0]->is_default);
	assert_int_equal(n_defaults(p), 1);
	assert_int_equal(p->timeout_s, 7);
	talloc_free(ctx);
}

static const char *lookup(void *data, const char *name)
{
	if (!strcmp(name, "kernelopts"))
		return "root=/dev/mapper/rhel-root ro crashkernel=auto";
	return NULL;
}

/* The blscfg hook: $kernelopts expanded, device marked consumed so the BLS
 * parser does not list the same entries again. */
static void test_blscfg_hook(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx p;
	struct kb_bls_entry **e;
	struct kb_option *o;
	unsigned n;

	memfs_add_device(fs, "sda1", NULL, NULL);
	memfs_add_device(fs, "sda2", "1111-2222", NULL);
	memfs_add_file(fs, "sda2", "/loader/entries/rhel-4.18.0.conf",
		       "title Red Hat Enterprise Linux (4.18.0-305.el8.x86_64) 8.4 (Ootpa)\n"
		       "version 4.18.0-305.el8.x86_64\n"
		       "linux /vmlinuz-4.18.0-305.el8.x86_64\n"
		       "initrd /initramfs-4.18.0-305.el8.x86_64.img $tuned_initrd\n"
		       "options $kernelopts $tuned_params\n"
		       "id rhel-20210429130346-4.18.0-305.el8.x86_64\n",
		       (size_t)-1);
	kb_parse_ctx_init(&p, ctx, fs, fs->get_device(fs, "sda1"), "x86_64", NULL);
	assert_int_equal(kb_bls_load(&p, ctx, "sda2", NULL, lookup, NULL, &e, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0]->id, "rhel-4.18.0");
	assert_string_equal(e[0]->options, "root=/dev/mapper/rhel-root ro crashkernel=auto");
	assert_false(p.bls_consumed); /* another device's entries */
	assert_int_equal(kb_bls_entry_to_option(&p, ctx, e[0], "sda2", &o), 0);
	assert_res(o->kernel, "sda2", "/vmlinuz-4.18.0-305.el8.x86_64");

	assert_int_equal(kb_bls_load(&p, ctx, NULL, NULL, lookup, NULL, &e, &n), 0);
	assert_int_equal(n, 0);
	assert_true(p.bls_consumed);

	assert_string_equal(kb_bls_expand(ctx, "a=${kernelopts}b $x $", lookup, NULL),
			    "a=root=/dev/mapper/rhel-root ro crashkernel=autob  $");
	assert_true(kb_bls_default_matches("rhel-*", "rhel-4.18.0"));
	assert_true(kb_bls_default_matches("*.conf", "rhel-4.18.0"));
	assert_false(kb_bls_default_matches("fedora-*", "rhel-4.18.0"));
	talloc_free(ctx);
}

/* Entries under /boot/loader/entries on a root filesystem name files under /boot. */
static void test_boot_prefix(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/boot/loader/entries/a.conf", "title A\nlinux /" MID "/6.1/linux\ninitrd /" MID "/6.1/initrd\n");
	FILE_(fs, "/boot/" MID "/6.1/linux", "k");
	FILE_(fs, "/boot/loader/entries/b.conf", "title B\nlinux /boot/vmlinuz-b\n");
	FILE_(fs, "/boot/vmlinuz-b", "k");
	p = run_device(ctx, fs, NULL, NULL);
	assert_res(opt_named(p, "A")->kernel, "sda1", "/boot/" MID "/6.1/linux");
	assert_res(opt_named(p, "A")->initrds[0], "sda1", "/boot/" MID "/6.1/initrd");
	assert_res(opt_named(p, "B")->kernel, "sda1", "/boot/vmlinuz-b");
	talloc_free(ctx);
}

static void test_efi_entry_and_garbage(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;

	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/loader/entries/efi.conf", "title Shell\nefi /shellx64.efi\n");
	memfs_add_file(fs, "sda1", "/loader/entries/bin.conf", "linux /v\0\xff\xfe title x\n", 20);
	memfs_add_special(fs, "sda1", "/loader/entries/fifo.conf");
	p = run_device(ctx, fs, NULL, NULL);
	assert_true(has_error(p, "cannot be kexec'd"));
	assert_true(has_error(p, "not a regular file"));
	assert_int_equal(p->n_options, 1);
	assert_string_equal(p->options[0]->name, "bin");
	talloc_free(ctx);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* The per-entry sort keys order versions exactly as kb_version_compare
 * does (edge cases of the UAPI version format, then pseudo-random strings
 * over its separator alphabet), and no key is a proper prefix of another. */
static void test_version_key_order(void **state)
{
	static const char *const fixed[] = {
		"", "0", "00", "1", "01", "1.0", "1.0^1", "1.0.1-2", "1.0~rc1", "1.0~", "1_0", "1.",
		"1.a", "1a", "a1", "a", "-1", ".", "^", "~", "~~", "1-", "1^", "6.1.0-9-amd64",
		"6.10", "6.1.0-10.fc40.x86_64", "6.1.0-9.fc40.x86_64", "abc", "abcd", "ABC", "1..2",
		"1.-2", "1-.2", "1^.2", "1.^2", "123456789012345678901234567890", "1_2_3", "#1",
	};
	const char alphabet[] = "01239az.-^~_";
	char rnd[200][12];
	const char *all[sizeof(fixed) / sizeof(fixed[0]) + 200];
	unsigned char ka[128], kb[128];
	unsigned n = 0, i, j, seed = 12345;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		all[n++] = fixed[i];
	for (i = 0; i < 200; i++) {
		unsigned len = i % 11, k;

		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			rnd[i][k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		rnd[i][len] = '\0';
		all[n++] = rnd[i];
	}
	for (i = 0; i < n; i++) {
		size_t la = kb_version_key(ka, all[i]);

		assert_true(la <= 8 * strlen(all[i]) + 8);
		for (j = 0; j < n; j++) {
			size_t lb = kb_version_key(kb, all[j]);
			int m = sign(memcmp(ka, kb, la < lb ? la : lb));

			if (!m)
				m = (la > lb) - (la < lb);
			if (m != sign(kb_version_compare(all[i], all[j])))
				fail_msg("'%s' vs '%s': key order %d, compare %d", all[i], all[j], m,
					 kb_version_compare(all[i], all[j]));
			if (la < lb && memcmp(ka, kb, la) == 0)
				fail_msg("key of '%s' is a prefix of the key of '%s'", all[i], all[j]);
		}
	}
}

/* Exactly one default, the loader.conf match, whatever position it has
 * (found by fuzz-bls: an option's default flag was left uninitialised). */
static void test_default_is_the_match_only(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(ctx);
	struct kb_parse_ctx *p;
	unsigned i;

	(void)state;
	memfs_add_device(fs, "sda1", NULL, NULL);
	FILE_(fs, "/loader/loader.conf", "default c-*\n");
	FILE_(fs, "/loader/entries/a-1.conf", "title A\nlinux /a\n");
	FILE_(fs, "/loader/entries/b-2.conf", "title B\nlinux /b\n");
	FILE_(fs, "/loader/entries/c-3.conf", "title C\nlinux /c\n");
	FILE_(fs, "/loader/entries/d-4.conf", "title D\nlinux /d\n");
	p = run_device(ctx, fs, "x86_64", NULL);
	assert_int_equal(p->n_options, 4);
	assert_int_equal(n_defaults(p), 1);
	for (i = 0; i < p->n_options; i++)
		assert_int_equal(p->options[i]->is_default, !strcmp(p->options[i]->name, "C"));
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_compare),
		cmocka_unit_test(test_fedora_layout),
		cmocka_unit_test(test_sort_key_and_loader_conf),
		cmocka_unit_test(test_blscfg_hook),
		cmocka_unit_test(test_boot_prefix),
		cmocka_unit_test(test_efi_entry_and_garbage),
		cmocka_unit_test(test_version_key_order),
		cmocka_unit_test(test_default_is_the_match_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
