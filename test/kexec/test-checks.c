/* Unit tests: preflight checks against fake /proc and /sys trees (recording backend). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include "kexec-core/checks.h"
#include "kexec-core/kexec.h"
#include "kexec-core/sys.h"
#include "test/kexec/fixtures.h"

#define CFG_BOTH "CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n"
#define CFG_LOAD_ONLY "CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\n"
#define CFG_NONE "# CONFIG_KEXEC is not set\n# CONFIG_KEXEC_FILE is not set\n"

static char *bz, *arm, *rv, *initrd, *bad_initrd;

static int setup(void **state)
{
	size_t len;
	uint8_t *b = fx_bzimage(&len, 0x020f, 0x3, 0x1), *c;

	bz = fx_write("bzImage", b, len);
	free(b);
	b = fx_arm64(&len, 0, 0x200000, 0xa);
	arm = fx_write("Image", b, len);
	free(b);
	b = fx_riscv(&len);
	rv = fx_write("Image.rv", b, len);
	free(b);
	c = fx_cpio(&len, 5, 1000);
	free(fx_write("i.cpio", c, len));
	free(c);
	if (fx_sh("gzip -n -c i.cpio > initrd.gz && head -c $(( $(stat -c %%s initrd.gz) - 20 )) initrd.gz > bad.gz") != 0)
		return -1;
	initrd = fx_path("initrd.gz");
	bad_initrd = fx_path("bad.gz");
	return 0;
}

static int teardown(void **state)
{
	fx_cleanup();
	return 0;
}

/* Run kx_check on a tree; results are children of a fresh context (*ctx). */
static struct kb_check_result *run(void **ctx, const char *root, const char *kernel,
				   const char *ird, const char *dtb, const char *cmdline, unsigned *n)
{
	struct kb_check_result *r;
	const char *initrds[1] = { ird };
	struct kx_spec spec = { .kernel = kernel, .initrds = initrds, .n_initrds = ird ? 1 : 0,
				.dtb = dtb, .cmdline = cmdline };
	struct kx_sys *sys;

	*ctx = talloc_new(NULL);
	sys = kx_sys_recording(*ctx, root);
	assert_non_null(sys);
	assert_int_equal(kx_check(*ctx, sys, &spec, &r, n), 0);
	/* never a kexec, reboot or mount during checks */
	{
		unsigned nl;
		const char *const *log = kx_sys_recorded(sys, &nl);
		for (unsigned i = 0; i < nl; i++)
			assert_null(strstr(log[i], "kexec_file_load kernel"));
		(void)log;
	}
	return r;
}

static void expect(const struct kb_check_result *r, unsigned n, const char *id, uint32_t sev,
		   const char *needle)
{
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(r[i].id, id) != 0 || r[i].severity != sev)
			continue;
		if (needle && !strstr(r[i].message, needle))
			continue;
		assert_non_null(r[i].source);
		assert_non_null(r[i].remediation);
		if (sev != KB_SEV_INFO)
			assert_true(r[i].remediation[0] || r[i].source[0]);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		print_message("  [%s] %s: %s\n", kb_severity_name(r[i].severity), r[i].id, r[i].message);
	fail_msg("no %s result '%s' containing '%s'", kb_severity_name(sev), id, needle ? needle : "");
}

static void test_healthy_x86(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-ok", "x86_64", "6.1.0-9-amd64", CFG_BOTH, 8000000);
	struct kb_check_result *r = run(&ctx, root, bz, initrd, NULL, "root=/dev/vda1 console=ttyS0,115200", &n);

	assert_false(kx_results_fatal(r, n));
	expect(r, n, "kexec-syscalls", KB_SEV_INFO, "kexec_file_load present");
	expect(r, n, "load-path", KB_SEV_INFO, "kexec_file_load");
	expect(r, n, "initrd-integrity", KB_SEV_INFO, "verified");
	expect(r, n, "console", KB_SEV_INFO, "ttyS0");
	expect(r, n, "mounts", KB_SEV_INFO, "2 kexboot mount(s)");
	expect(r, n, "memory-fit", KB_SEV_INFO, NULL);
	expect(r, n, "kho", KB_SEV_INFO, "not available");
	talloc_free(ctx);
	free(root);
}

static void test_kexec_disabled(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-dis", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kb_check_result *r;

	free(fx_write_str("t-dis/proc/sys/kernel/kexec_load_disabled", "1\n"));
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	assert_true(kx_results_fatal(r, n));
	expect(r, n, "kexec-enabled", KB_SEV_FATAL, "disabled");
	talloc_free(ctx);
	free(root);
}

static void test_no_kexec_in_kernel(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-none", "x86_64", "6.1.0", CFG_NONE, 8000000);
	struct kb_check_result *r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);

	expect(r, n, "kexec-syscalls", KB_SEV_FATAL, "cannot kexec");
	/* the image's own results still follow */
	expect(r, n, "kernel-format", KB_SEV_INFO, "bzImage");
	expect(r, n, "initrd-integrity", KB_SEV_INFO, NULL);
	talloc_free(ctx);
	free(root);
}

/* no kernel config: /proc/kallsyms decides (T = built, W = the ENOSYS stub) */
static void test_kallsyms_detection(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-ksym", "aarch64", "6.1.0-arm64", "", 8000000);
	struct kb_check_result *r;

	fx_sh("rm -f t-ksym/boot/config-*");
	free(fx_write_str("t-ksym/proc/kallsyms",
			  "ffff800008010000 T _text\n"
			  "ffff8000080a0000 W __arm64_sys_kexec_file_load\n"
			  "ffff8000080a1000 W __arm64_compat_sys_kexec_load\n"
			  "ffff8000080a2000 T __arm64_sys_kexec_load\n"));
	r = run(&ctx, root, arm, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "kexec-syscalls", KB_SEV_INFO, "kexec_file_load absent, kexec_load present");
	expect(r, n, "load-path", KB_SEV_INFO, "kexec_load");
	talloc_free(ctx);
	free(root);
}

/* A bzImage with an EFI stub's PE header whose certificate table (data
 * directory 4 of a PE32+ optional header) is cert bytes long. */
static char *pe_bzimage(const char *name, uint32_t cert)
{
	size_t len;
	uint8_t *b = fx_bzimage(&len, 0x020f, 0x3, 0x1);
	const uint32_t pe = 0x80, opt = pe + 4 + 20;
	char *p;

	b[0x3c] = pe;
	memcpy(b + pe, "PE\0\0", 4);
	b[pe + 4] = 0x64; /* machine 0x8664 */
	b[pe + 5] = 0x86;
	b[pe + 4 + 16] = 0xf0; /* SizeOfOptionalHeader */
	b[opt] = 0x0b; /* PE32+ */
	b[opt + 1] = 0x02;
	b[opt + 112 + 4 * 8] = 0x00; /* certificate table: file offset 0x1000 */
	b[opt + 112 + 4 * 8 + 1] = 0x10;
	memcpy(b + opt + 112 + 4 * 8 + 4, &cert, 4); /* little-endian host in tests */
	p = fx_write(name, b, len);
	free(b);
	return p;
}

#define CFG_SIG CFG_BOTH "CONFIG_KEXEC_SIG=y\nCONFIG_KEXEC_BZIMAGE_VERIFY_SIG=y\nCONFIG_KEXEC_IMAGE_VERIFY_SIG=y\n"

static void test_lockdown_unsigned(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-lock", "x86_64", "6.1.0", CFG_SIG, 8000000);
	char *signed_bz = pe_bzimage("signed.bz", 0x200), *unsigned_bz = pe_bzimage("unsigned.bz", 0);
	struct kb_check_result *r;

	free(fx_write_str("t-lock/sys/kernel/security/lockdown", "none [integrity] confidentiality\n"));
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "lockdown", KB_SEV_WARNING, "integrity");
	expect(r, n, "signature", KB_SEV_FATAL, "no signature");
	talloc_free(ctx);
	/* the same with an empty certificate table */
	r = run(&ctx, root, unsigned_bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "signature", KB_SEV_FATAL, "no signature");
	talloc_free(ctx);
	/* signed: the kernel decides at load time (a warning, not a block) */
	r = run(&ctx, root, signed_bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "signature", KB_SEV_WARNING, "is signed");
	assert_false(kx_results_fatal(r, n));
	talloc_free(ctx);
	free(root);

	/* CONFIG_KEXEC_SIG_FORCE without lockdown: the same rules */
	root = fx_tree("t-sigforce", "x86_64", "6.1.0", CFG_SIG "CONFIG_KEXEC_SIG_FORCE=y\n", 8000000);
	r = run(&ctx, root, unsigned_bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "signature", KB_SEV_FATAL, "CONFIG_KEXEC_SIG_FORCE");
	talloc_free(ctx);
	r = run(&ctx, root, signed_bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "signature", KB_SEV_WARNING, "is signed");
	talloc_free(ctx);
	free(root);

	/* lockdown on a kernel without CONFIG_KEXEC_SIG: kexec_file_load checks nothing */
	root = fx_tree("t-lock-nosig", "x86_64", "6.1.0", CFG_BOTH "# CONFIG_KEXEC_SIG is not set\n", 8000000);
	free(fx_write_str("t-lock-nosig/sys/kernel/security/lockdown", "none [integrity] confidentiality\n"));
	r = run(&ctx, root, unsigned_bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "signature", KB_SEV_INFO, "no CONFIG_KEXEC_SIG");
	talloc_free(ctx);
	free(root);

	/* x86 without the bzImage verifier: every image is rejected under enforcement */
	root = fx_tree("t-lock-nover", "x86_64", "6.1.0", CFG_BOTH "CONFIG_KEXEC_SIG=y\nCONFIG_KEXEC_SIG_FORCE=y\n", 8000000);
	r = run(&ctx, root, signed_bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "signature", KB_SEV_FATAL, "CONFIG_KEXEC_BZIMAGE_VERIFY_SIG not set");
	talloc_free(ctx);
	free(root);

	/* riscv64: its kexec_file_load loaders verify no signature at all */
	root = fx_tree("t-lock-rv", "riscv64", "6.8.0", CFG_SIG, 8000000);
	free(fx_write_str("t-lock-rv/sys/kernel/security/lockdown", "none [integrity] confidentiality\n"));
	r = run(&ctx, root, rv, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "load-path", KB_SEV_INFO, "kexec_file_load");
	expect(r, n, "signature", KB_SEV_FATAL, "no signature verifier");
	talloc_free(ctx);
	free(root);
	free(signed_bz);
	free(unsigned_bz);
}

/* riscv kexec_file_load: ELF from 5.19, Image from 6.8; below, the native path. */
static void test_riscv_file_load_versions(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-rv67", "riscv64", "6.7.9", CFG_BOTH, 8000000);
	struct kb_check_result *r;

	r = run(&ctx, root, rv, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "load-path", KB_SEV_INFO, "will load with kexec_load");
	expect(r, n, "riscv-file-image", KB_SEV_INFO, "6.8");
	talloc_free(ctx);
	free(root);
	root = fx_tree("t-rv68", "riscv64", "6.8.0", CFG_BOTH, 8000000);
	r = run(&ctx, root, rv, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "load-path", KB_SEV_INFO, "will load with kexec_file_load");
	talloc_free(ctx);
	free(root);
}

static void test_low_memory(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-mem", "x86_64", "6.1.0", CFG_BOTH, 20000); /* ~20 MB */
	struct kb_check_result *r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);

	expect(r, n, "memory-fit", KB_SEV_FATAL, "not enough memory");
	talloc_free(ctx);
	free(root);
}

static void test_arch_mismatch(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-arch", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kb_check_result *r = run(&ctx, root, arm, initrd, NULL, "console=ttyS0", &n);

	expect(r, n, "kernel-arch", KB_SEV_FATAL, "arm64 kernel");
	expect(r, n, "load-path", KB_SEV_FATAL, "no load path");
	talloc_free(ctx);
	r = run(&ctx, root, rv, NULL, NULL, "console=ttyS0", &n);
	expect(r, n, "kernel-arch", KB_SEV_FATAL, "riscv64");
	talloc_free(ctx);
	free(root);
}

static void test_enable_method_mismatch(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-em", "aarch64", "6.1.0", CFG_LOAD_ONLY, 8000000);
	char *dts = fx_dts_cpus("psci", 2), *spin = fx_dts_cpus("spin-table", 2), *dtb;
	struct kb_check_result *r;

	assert_int_equal(fx_dtb("t-em/sys/firmware/fdt", dts), 0);
	assert_int_equal(fx_dtb("spin.dtb", spin), 0);
	assert_int_equal(fx_dtb("psci.dtb", dts), 0);
	dtb = fx_path("spin.dtb");
	r = run(&ctx, root, arm, initrd, dtb, "console=ttyS0", &n);
	expect(r, n, "cpu-enable-method", KB_SEV_WARNING, "differs");
	expect(r, n, "dtb-valid", KB_SEV_INFO, "valid");
	talloc_free(ctx);
	free(dtb);
	dtb = fx_path("psci.dtb");
	r = run(&ctx, root, arm, initrd, dtb, "console=ttyS0", &n);
	expect(r, n, "cpu-enable-method", KB_SEV_INFO, "\"psci\" in both");
	talloc_free(ctx);
	/* no --dtb: the running tree is reused */
	r = run(&ctx, root, arm, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "dtb-valid", KB_SEV_INFO, "running device tree");
	talloc_free(ctx);
	free(dtb);
	free(dts);
	free(spin);
	free(root);
}

static void test_bad_dtb(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-bdtb", "aarch64", "6.1.0", CFG_LOAD_ONLY, 8000000);
	char *dts = fx_dts_cpus("psci", 1), *p;
	struct kb_check_result *r;

	assert_int_equal(fx_dtb("good.dtb", dts), 0);
	assert_int_equal(fx_sh("head -c 200 good.dtb > trunc.dtb"), 0);
	p = fx_path("trunc.dtb");
	r = run(&ctx, root, arm, initrd, p, "console=ttyS0", &n);
	expect(r, n, "dtb-valid", KB_SEV_FATAL, "invalid");
	talloc_free(ctx);
	free(p);
	free(dts);
	free(root);
}

static void test_cpu_not_offlinable(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-cpu", "aarch64", "6.1.0", CFG_LOAD_ONLY, 8000000);
	struct kb_check_result *r;

	fx_sh("rm t-cpu/sys/devices/system/cpu/cpu1/online && mkdir -p t-cpu/sys/devices/system/cpu/cpu2 "
	      "&& echo 0-2 > t-cpu/sys/devices/system/cpu/online");
	r = run(&ctx, root, arm, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "cpu-offline", KB_SEV_FATAL, "cpu1, cpu2");
	talloc_free(ctx);
	free(root);
	/* the same on x86 is information only */
	root = fx_tree("t-cpu86", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	fx_sh("rm t-cpu86/sys/devices/system/cpu/cpu1/online");
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "cpu-offline", KB_SEV_INFO, "cpu1");
	talloc_free(ctx);
	free(root);
}

static void test_unsafe_driver(void **state)
{
	static const struct {
		const char *release;
		uint32_t sev;
	} cases[] = {
		{ "5.4.0-1009-aws", KB_SEV_WARNING }, { "5.4.29", KB_SEV_INFO },
		{ "4.19.100", KB_SEV_WARNING },	       { "5.10.0-9-amd64", KB_SEV_INFO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		void *ctx;
		unsigned n;
		char name[32], *root;
		struct kb_check_result *r;
		snprintf(name, sizeof(name), "t-drv%zu", i);
		root = fx_tree(name, "x86_64", cases[i].release, CFG_BOTH, 8000000);
		fx_sh("mkdir -p %s/sys/bus/pci/drivers/ena && ln -sf ../../../../devices/pci0000:00/0000:00:05.0 %s/sys/bus/pci/drivers/ena/0000:00:05.0 "
		      "&& touch %s/sys/bus/pci/drivers/ena/bind && mkdir -p %s/sys/bus/pci/drivers/e1000e",
		      name, name, name, name);
		r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
		expect(r, n, "unsafe-driver", cases[i].sev, "0000:00:05.0");
		talloc_free(ctx);
		free(root);
	}
	assert_true(kx_release_fixed("5.5.0", "5.5", "5.4.29"));
	assert_true(kx_release_fixed("5.4.30-foo", "5.5", "5.4.29"));
	assert_false(kx_release_fixed("5.4.28", "5.5", "5.4.29"));
	assert_false(kx_release_fixed("5.3.99", "5.5", "-"));
}

static void test_unsafe_driver_table(void **state)
{
	struct kx_unsafe_driver *t;
	unsigned n;

	/* the embedded table parses and names its sources */
	assert_int_equal(kx_unsafe_drivers_parse(NULL, NULL, &t, &n), 0);
	assert_true(n >= 3);
	for (unsigned i = 0; i < n; i++) {
		assert_true(strlen(t[i].reference) > 10);
		assert_string_equal(t[i].bus, "pci");
	}
	assert_string_equal(t[0].driver, "ena");
	assert_string_equal(t[0].backports, "5.4.29");
	talloc_free(t);
	assert_int_equal(kx_unsafe_drivers_parse(NULL, "# c\n\nfoo usb 6.0 - ref text\nbroken line\n", &t, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].reference, "ref text");
	talloc_free(t);
}

static void test_watchdog(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-wd", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kb_check_result *r;

	free(fx_write_str("t-wd/sys/class/watchdog/watchdog0/state", "active\n"));
	free(fx_write_str("t-wd/sys/class/watchdog/watchdog0/timeout", "30\n"));
	free(fx_write_str("t-wd/sys/class/watchdog/watchdog0/identity", "iTCO_wdt\n"));
	free(fx_write_str("t-wd/sys/class/watchdog/watchdog1/state", "inactive\n"));
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "watchdog", KB_SEV_WARNING, "watchdog0 (iTCO_wdt) is armed with a 30 s");
	talloc_free(ctx);
	free(root);
}

static void test_console(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-con", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kb_check_result *r = run(&ctx, root, bz, initrd, NULL, "root=/dev/vda1 quiet", &n);

	expect(r, n, "console", KB_SEV_WARNING, "no console=");
	talloc_free(ctx);
	r = run(&ctx, root, bz, initrd, NULL, "console=tty0 root=/dev/vda1", &n);
	expect(r, n, "console", KB_SEV_WARNING, "none of the consoles");
	talloc_free(ctx);
	r = run(&ctx, root, bz, initrd, NULL, "console=tty0 console=ttyS0,115200n8", &n);
	expect(r, n, "console", KB_SEV_INFO, "ttyS0 continues");
	talloc_free(ctx);
	free(root);
}

static void test_bad_files(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-files", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kb_check_result *r = run(&ctx, root, bz, bad_initrd, NULL, "console=ttyS0", &n);

	expect(r, n, "initrd-integrity", KB_SEV_FATAL, "damaged");
	talloc_free(ctx);
	r = run(&ctx, root, "/nonexistent/vmlinuz", "/nonexistent/initrd", NULL, "console=ttyS0", &n);
	expect(r, n, "kernel-file", KB_SEV_FATAL, "No such file");
	expect(r, n, "initrd-file", KB_SEV_FATAL, "No such file");
	talloc_free(ctx);
	r = run(&ctx, root, initrd, NULL, NULL, "console=ttyS0", &n);
	expect(r, n, "kernel-file", KB_SEV_FATAL, "KX_MIN_KERNEL_SIZE");
	talloc_free(ctx);
	{
		char *cpio = fx_path("i.cpio");
		r = run(&ctx, root, cpio, NULL, NULL, "console=ttyS0", &n);
		expect(r, n, "kernel-format", KB_SEV_FATAL, "not a kernel image");
		talloc_free(ctx);
		free(cpio);
	}
	free(root);
}

static void test_kho(void **state)
{
	void *ctx;
	unsigned n;
	char *root = fx_tree("t-kho", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kb_check_result *r;
	struct kx_sys *sys;
	const char *path = NULL;
	char *v;

	/* not offered: reported, activation says so */
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "kho", KB_SEV_INFO, "not available");
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_kho_activate(sys, &path), -ENOENT);
	talloc_free(ctx);

	free(fx_write_str("t-kho/sys/kernel/kho/active", "0\n"));
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "kho", KB_SEV_INFO, "not active");
	/* activation goes through the backend, and a failing write is an error */
	free(fx_write_str("t-kho/kx-recording.conf", "write:/sys/kernel/kho/active=EBUSY\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_kho_activate(sys, &path), -EBUSY);
	free(fx_write_str("t-kho/kx-recording.conf", "\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_kho_activate(sys, &path), 0);
	assert_string_equal(path, "/sys/kernel/kho/active");
	{
		unsigned nl;
		const char *const *log = kx_sys_recorded(sys, &nl);
		assert_int_equal(nl, 1);
		assert_string_equal(log[0], "write /sys/kernel/kho/active 1 result=0");
	}
	v = fx_path("t-kho/sys/kernel/kho/active");
	assert_int_equal(fx_sh("grep -qx 1 %s", v), 0);
	free(v);
	talloc_free(ctx);
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "kho", KB_SEV_INFO, "available, active");
	/* already active: nothing written */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_kho_activate(sys, NULL), 0);
	{
		unsigned nl;
		kx_sys_recorded(sys, &nl);
		assert_int_equal(nl, 0);
	}
	talloc_free(ctx);
	free(root);

	/* the debugfs interface of the first KHO releases */
	root = fx_tree("t-kho-dbg", "x86_64", "6.16.0", CFG_BOTH, 8000000);
	free(fx_write_str("t-kho-dbg/sys/kernel/debug/kho/out/finalize", "0\n"));
	r = run(&ctx, root, bz, initrd, NULL, "console=ttyS0", &n);
	expect(r, n, "kho", KB_SEV_INFO, "debugfs interface), not finalized");
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_kho_activate(sys, &path), 0);
	assert_string_equal(path, "/sys/kernel/debug/kho/out/finalize");
	talloc_free(ctx);
	free(root);
}

static void test_info(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("t-info", "aarch64", "6.1.0", CFG_LOAD_ONLY, 8000000);
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	struct kb_check_result *r;
	unsigned n;

	assert_int_equal(kx_info(ctx, sys, &r, &n), 0);
	expect(r, n, "architecture", KB_SEV_INFO, "aarch64 (arm64)");
	expect(r, n, "kexec-syscalls", KB_SEV_INFO, "kexec_file_load absent, kexec_load present");
	expect(r, n, "kexec-loaded", KB_SEV_INFO, "no kernel loaded");
	talloc_free(ctx);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_x86),	    cmocka_unit_test(test_kexec_disabled),
		cmocka_unit_test(test_no_kexec_in_kernel),  cmocka_unit_test(test_kallsyms_detection),
		cmocka_unit_test(test_lockdown_unsigned),   cmocka_unit_test(test_low_memory),
		cmocka_unit_test(test_arch_mismatch),	    cmocka_unit_test(test_enable_method_mismatch),
		cmocka_unit_test(test_bad_dtb),		    cmocka_unit_test(test_cpu_not_offlinable),
		cmocka_unit_test(test_unsafe_driver),	    cmocka_unit_test(test_unsafe_driver_table),
		cmocka_unit_test(test_watchdog),	    cmocka_unit_test(test_console),
		cmocka_unit_test(test_bad_files),	    cmocka_unit_test(test_kho), cmocka_unit_test(test_riscv_file_load_versions),
		cmocka_unit_test(test_info),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
