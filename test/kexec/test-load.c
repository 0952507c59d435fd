/* Unit tests: load paths, exec and unload through the recording backend
 * (which can never reach a real kexec or reboot syscall). */
#include <errno.h>
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <cmocka.h>
#include <talloc.h>

#include "kexec-core/dtb.h"
#include "kexec-core/kexec.h"
#include "kexec-core/layout.h"
#include "kexec-core/sys.h"
#include "test/kexec/fixtures.h"

#define CFG_BOTH "CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n"
#define CFG_LOAD_ONLY "CONFIG_KEXEC=y\n# CONFIG_KEXEC_FILE is not set\n"

static char *bz, *arm, *arm_gz, *rv, *initrd, *initrd2;

static int setup(void **state)
{
	size_t len;
	uint8_t *b = fx_bzimage(&len, 0x020f, 0x3, 0x1), *c;

	bz = fx_write("bzImage", b, len);
	free(b);
	b = fx_arm64(&len, 0, 0x300000, 0xa);
	arm = fx_write("Image", b, len);
	free(b);
	b = fx_riscv(&len);
	rv = fx_write("Image.rv", b, len);
	free(b);
	c = fx_cpio(&len, 5, 1000);
	free(fx_write("i.cpio", c, len));
	free(c);
	if (fx_sh("gzip -n -c i.cpio > initrd.gz && zstd -q -c i.cpio > initrd2.zst && gzip -n -c Image > Image.gz") != 0)
		return -1;
	initrd = fx_path("initrd.gz");
	initrd2 = fx_path("initrd2.zst");
	arm_gz = fx_path("Image.gz");
	return 0;
}

static int teardown(void **state)
{
	fx_cleanup();
	return 0;
}

static bool logged(struct kx_sys *sys, const char *needle)
{
	unsigned n;
	const char *const *log = kx_sys_recorded(sys, &n);

	for (unsigned i = 0; i < n; i++)
		if (strstr(log[i], needle))
			return true;
	return false;
}

static void dump(struct kx_sys *sys)
{
	unsigned n;
	const char *const *log = kx_sys_recorded(sys, &n);

	for (unsigned i = 0; i < n; i++)
		print_message("  log: %s\n", log[i]);
}

static void test_file_load_x86(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-x86", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	const char *irds[] = { initrd };
	struct kx_spec spec = { bz, irds, 1, NULL, "root=/dev/vda1 console=ttyS0 marker=42" };
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	struct kb_check_result *r;
	unsigned n;
	char *method = NULL, want[512];

	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, &r, &n), 0);
	assert_string_equal(method, "kexec_file_load");
	assert_false(kx_results_fatal(r, n));
	snprintf(want, sizeof(want), "kexec_file_load kernel=%s initrd=%s flags=0x0 cmdline=root=/dev/vda1 console=ttyS0 marker=42", bz, initrd);
	if (!logged(sys, want))
		dump(sys);
	assert_true(logged(sys, want));
	talloc_free(ctx);
	free(root);
}

static void test_two_initrds_and_no_initrd(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-2i", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	const char *irds[] = { initrd, initrd2 };
	struct kx_spec spec = { bz, irds, 2, NULL, "console=ttyS0" };
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	char *method;

	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, NULL, NULL), 0);
	/* concatenated into one memfd */
	assert_true(logged(sys, "initrd=/memfd:kexboot-initrd"));
	spec.n_initrds = 0;
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, NULL, NULL), 0);
	assert_true(logged(sys, "initrd=- flags=0x4")); /* KEXEC_FILE_NO_INITRAMFS */
	talloc_free(ctx);
	free(root);
}

static void test_refuse_fatal_unless_forced(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-fatal", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	char *bad = fx_path("bad.gz");
	const char *irds[] = { bad };
	struct kx_spec spec = { bz, irds, 1, NULL, "console=ttyS0" };
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	struct kb_check_result *r;
	unsigned n;
	char *method = NULL;

	assert_int_equal(fx_sh("head -c 300 initrd.gz > bad.gz"), 0);
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, &r, &n), -EPERM);
	assert_true(kx_results_fatal(r, n));
	assert_false(logged(sys, "kexec_file_load kernel"));
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, &r, &n), 0);
	assert_true(logged(sys, "kexec_file_load kernel"));
	talloc_free(ctx);
	free(bad);
	free(root);
}

static void test_file_load_error_sorting(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-err", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	const char *irds[] = { initrd };
	struct kx_spec spec = { bz, irds, 1, NULL, "console=ttyS0" };
	struct kx_sys *sys;
	char *method = NULL;

	/* signature rejected */
	free(fx_write_str("l-err/kx-recording.conf", "kexec_file_load=EKEYREJECTED\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, NULL, NULL), -EKEYREJECTED);
	/* EPERM under lockdown is a signature rejection too */
	free(fx_write_str("l-err/kx-recording.conf", "kexec_file_load=EPERM\n"));
	free(fx_write_str("l-err/sys/kernel/security/lockdown", "none [integrity] confidentiality\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), -EKEYREJECTED);
	fx_sh("rm l-err/sys/kernel/security/lockdown");
	/* EPERM without lockdown: other */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, NULL, NULL), -EPERM);
	/* unsupported: fall back; no kexec-tools here, so the original error */
	free(fx_write_str("l-err/kx-recording.conf", "kexec_file_load=ENOEXEC\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, NULL, NULL), -ENOEXEC);
	assert_false(logged(sys, "run "));
	/* … and with kexec-tools installed, the fallback runs it and says so */
	assert_int_equal(fx_sh("mkdir -p l-err/sbin && printf '#!/bin/sh\\nexit 0\\n' > l-err/sbin/kexec && chmod +x l-err/sbin/kexec"), 0);
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, NULL, NULL), 0);
	assert_string_equal(method, "kexec-tools");
	if (!logged(sys, "sbin/kexec -l"))
		dump(sys);
	assert_true(logged(sys, "sbin/kexec -l"));
	assert_true(logged(sys, "--append=console=ttyS0"));
	/* KX_NO_FALLBACK keeps it from running */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_NO_FALLBACK, &method, NULL, NULL), -ENOEXEC);
	assert_false(logged(sys, "run "));
	/* kexec-tools failing */
	free(fx_write_str("l-err/kx-recording.conf", "kexec_file_load=ENOSYS\nrun=1\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), -ECANCELED);
	talloc_free(ctx);
	free(root);
}

static const char iomem_arm64[] =
	"09000000-09000fff : pl011@9000000\n"
	"40000000-bfffffff : System RAM\n"
	"  40000000-401fffff : reserved\n"
	"  40210000-4163ffff : Kernel code\n"
	"  41640000-4182ffff : reserved\n"
	"  41830000-41a7ffff : Kernel data\n";

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void test_native_arm64(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-arm", "aarch64", "6.1.0-9-arm64", CFG_LOAD_ONLY, 8000000);
	char *dts = fx_dts_cpus("psci", 2);
	const char *irds[] = { initrd, initrd2 };
	struct kx_spec spec = { arm, irds, 2, NULL, "console=ttyAMA0 marker=arm64" };
	struct kx_sys *sys;
	char *method = NULL;
	const struct kx_segment *s;
	const void *fdt;
	const uint8_t *t;
	int chosen, len;
	const void *p;
	uint64_t v;

	free(fx_write_str("l-arm/proc/iomem", iomem_arm64));
	assert_int_equal(fx_dtb("l-arm/sys/firmware/fdt", dts), 0);
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), 0);
	assert_string_equal(method, "kexec_load");
	assert_false(logged(sys, "kexec_file_load kernel"));
	assert_int_equal(sys->n_segs, 4);
	s = sys->segs;
	/* kernel: 2 MiB aligned, outside the reserved first 2 MiB, memsz = image_size */
	assert_int_equal(s[0].mem, 0x40200000);
	assert_int_equal(s[0].memsz, 0x300000);
	assert_true(s[0].mem % (2u << 20) == 0);
	/* initrd: both archives concatenated, right after the kernel */
	assert_int_equal(s[1].mem, s[0].mem + s[0].memsz);
	assert_true(s[1].bufsz > 0);
	/* trampoline: entry point, x0 = dtb, branch to the kernel */
	assert_int_equal(sys->entry, s[2].mem);
	t = s[2].buf;
	assert_non_null(t);
	assert_int_equal(s[2].bufsz, KX_ARM64_TRAMPOLINE_SIZE);
	assert_int_equal(t[0] | t[1] << 8 | t[2] << 16 | (uint32_t)t[3] << 24, 0x580000c0u);
	assert_int_equal(rd64(t + 24), s[3].mem);
	assert_int_equal(rd64(t + 32), s[0].mem);
	/* dtb: alone in its 2 MiB block, /chosen rewritten */
	assert_true(s[3].mem % (2u << 20) == 0);
	fdt = s[3].buf;
	assert_int_equal(fdt_check_full(fdt, s[3].bufsz), 0);
	chosen = fdt_path_offset(fdt, "/chosen");
	assert_true(chosen >= 0);
	assert_string_equal(fdt_getprop(fdt, chosen, "bootargs", NULL), "console=ttyAMA0 marker=arm64");
	p = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	memcpy(&v, p, 8);
	assert_int_equal(fdt64_to_cpu(v), s[1].mem);
	p = fdt_getprop(fdt, chosen, "linux,initrd-end", &len);
	memcpy(&v, p, 8);
	assert_int_equal(fdt64_to_cpu(v), s[1].mem + s[1].bufsz);
	fdt_getprop(fdt, chosen, "rng-seed", &len);
	assert_int_equal(len, KX_RNG_SEED_SIZE);
	assert_non_null(fdt_getprop(fdt, chosen, "kaslr-seed", NULL));
	assert_null(fdt_getprop(fdt, chosen, "linux,elfcorehdr", NULL)); /* stale kdump property dropped */
	/* segments never overlap */
	for (unsigned i = 0; i + 1 < sys->n_segs; i++)
		assert_true(s[i].mem + s[i].memsz <= s[i + 1].mem);

	/* a gzip-compressed Image is decompressed for the native path */
	spec.kernel = arm_gz;
	spec.n_initrds = 0;
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), 0);
	assert_int_equal(sys->n_segs, 3);
	fdt = sys->segs[2].buf;
	assert_null(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "linux,initrd-start", NULL));

	/* addresses hidden from non-root: a clear error, nothing loaded */
	free(fx_write_str("l-arm/proc/iomem", "00000000-00000000 : System RAM\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), -EACCES);
	assert_false(logged(sys, "kexec_load entry"));
	/* no room */
	free(fx_write_str("l-arm/proc/iomem", "40000000-400fffff : System RAM\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), -ENOSPC);
	talloc_free(ctx);
	free(dts);
	free(root);
}

static void test_native_riscv(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-rv", "riscv64", "6.6.0", CFG_LOAD_ONLY, 8000000);
	char *dts = fx_dts_cpus("psci", 1);
	const char *irds[] = { initrd };
	struct kx_spec spec = { rv, irds, 1, NULL, "console=ttyS0" };
	struct kx_sys *sys;
	char *method = NULL;

	free(fx_write_str("l-rv/proc/iomem", "80000000-8fffffff : System RAM\n  80000000-8003ffff : reserved\n"));
	assert_int_equal(fx_dtb("l-rv/sys/firmware/fdt", dts), 0);
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_FORCE, &method, NULL, NULL), 0);
	assert_string_equal(method, "kexec_load");
	assert_int_equal(sys->n_segs, 3); /* kernel, initrd, dtb: no trampoline */
	assert_int_equal(sys->entry, sys->segs[0].mem);
	assert_int_equal(sys->segs[0].mem, 0x80200000);
	assert_int_equal(fdt_check_full(sys->segs[2].buf, sys->segs[2].bufsz), 0);
	talloc_free(ctx);
	free(dts);
	free(root);
}

static void test_dtb_prepare_rollback(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dts = fx_dts_cpus("psci", 1), *path;
	void *fdt, *out = (void *)0x1;
	size_t len, outlen = 0;
	const char *why;
	char *huge = malloc(KX_MAX_DTB_SIZE + 10);
	struct kx_chosen ch = { .bootargs = huge };

	assert_int_equal(fx_dtb("rb.dtb", dts), 0);
	path = fx_path("rb.dtb");
	assert_int_equal(kx_dtb_read(ctx, path, &fdt, &len, &why), 0);
	memset(huge, 'a', KX_MAX_DTB_SIZE + 9);
	huge[KX_MAX_DTB_SIZE + 9] = '\0';
	{
		void *copy = talloc_memdup(ctx, fdt, len);
		assert_int_equal(kx_dtb_prepare(ctx, fdt, &ch, &out, &outlen), -EFBIG);
		/* nothing handed out, the input untouched */
		assert_ptr_equal(out, (void *)0x1);
		assert_int_equal(outlen, 0);
		assert_memory_equal(copy, fdt, len);
	}
	ch.bootargs = "ok";
	assert_int_equal(kx_dtb_prepare(ctx, fdt, &ch, &out, &outlen), 0);
	assert_string_equal(fdt_getprop(out, fdt_path_offset(out, "/chosen"), "bootargs", NULL), "ok");
	free(huge);
	free(path);
	free(dts);
	talloc_free(ctx);
}

static void test_exec(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-exec", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	char st[KX_EXEC_STATUS_SIZE];
	unsigned n;
	const char *const *log;

	/* nothing loaded: refused before touching any mount */
	assert_int_equal(kx_exec(sys, NULL, st), -ENOEXEC);
	assert_non_null(strstr(st, "no kernel is loaded"));
	assert_false(logged(sys, "reboot"));
	assert_false(logged(sys, "umount"));
	free(fx_write_str("l-exec/sys/kernel/kexec_loaded", "1\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, NULL, st), 0);
	assert_string_equal(st, "");
	log = kx_sys_recorded(sys, &n);
	assert_int_equal(n, 6);
	/* own mounts first (deepest first, escapes undone), then sync, remount ro, sync, jump */
	assert_non_null(strstr(log[0], "umount /run/kexboot/mnt/my disk"));
	assert_non_null(strstr(log[1], "umount /run/kexboot/mnt/loop0"));
	assert_string_equal(log[2], "sync");
	assert_non_null(strstr(log[3], "remount-ro / "));
	assert_string_equal(log[4], "sync");
	assert_non_null(strstr(log[5], "reboot LINUX_REBOOT_CMD_KEXEC"));
	talloc_free(ctx);
	free(root);
}

/* Failure injection at each step of exec: the system keeps running, with a status. */
static void test_exec_failures(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-exf", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	struct kx_sys *sys;
	struct kx_exec_opts force = { .ignore_remount_failure = true };
	char st[KX_EXEC_STATUS_SIZE];
	unsigned n;
	const char *const *log;

	free(fx_write_str("l-exf/sys/kernel/kexec_loaded", "1\n"));
	free(fx_write_str("l-exf/proc/self/mountinfo",
			  "30 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
			  "31 30 254:2 / /data rw,nosuid,nodev,noatime - xfs /dev/vda2 rw\n"
			  "32 30 254:3 / /srv rw,relatime - ext4 /dev/vda3 rw\n"
			  "40 30 7:0 / /run/kexboot/mnt/loop0 ro,relatime - ext4 /dev/loop0 ro\n"
			  "41 30 7:1 / /run/kexboot/mnt/rw rw,relatime - ext4 /dev/loop1 rw\n"));

	/* 1. own read-only mount will not unmount (even lazily): harmless, the jump goes on */
	free(fx_write_str("l-exf/kx-recording.conf", "umount:/run/kexboot/mnt/loop0=EINVAL\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, NULL, st), 0);
	assert_false(logged(sys, "remount-ro /run/kexboot/mnt/loop0"));
	assert_false(logged(sys, "remount-ro /run/kexboot/mnt/rw")); /* it unmounted */
	assert_true(logged(sys, "reboot"));

	/* 2. own read-write mount that will not unmount is remounted read-only instead */
	free(fx_write_str("l-exf/kx-recording.conf", "umount=EBUSY\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, NULL, st), 0);
	assert_true(logged(sys, "umount /run/kexboot/mnt/rw flags=0x2")); /* MNT_DETACH after EBUSY */
	assert_true(logged(sys, "remount-ro /run/kexboot/mnt/rw"));
	assert_true(logged(sys, "reboot"));

	/* 3. a remount fails: no jump, the ones already made read-only are made writable
	 * again with their own flags, the status names the mount and the errno */
	free(fx_write_str("l-exf/kx-recording.conf", "remount:/srv=EBUSY\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, NULL, st), -EBUSY);
	assert_false(logged(sys, "reboot"));
	assert_non_null(strstr(st, "cannot remount /srv read-only"));
	assert_non_null(strstr(st, "system keeps running"));
	assert_non_null(strstr(st, "stays loaded"));
	{
		char want[128];
		snprintf(want, sizeof(want), "remount-rw /data flags=0x%lx result=0",
			 (unsigned long)(MS_NOSUID | MS_NODEV | MS_NOATIME));
		if (!logged(sys, want))
			dump(sys);
		assert_true(logged(sys, want));
	}
	assert_false(logged(sys, "remount-rw /srv")); /* it never went read-only */
	/* … unless the user chose to jump anyway (after sync) */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, &force, st), 0);
	assert_true(logged(sys, "reboot"));
	assert_false(logged(sys, "remount-rw"));

	/* 4. the restore fails too: the status says some stay read-only */
	free(fx_write_str("l-exf/kx-recording.conf", "remount:/srv=EBUSY\nremount-rw=EIO\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, NULL, st), -EBUSY);
	assert_non_null(strstr(st, "some filesystems stay read-only"));

	/* 5. reboot itself fails: error returned, filesystems writable again, kernel still loaded */
	free(fx_write_str("l-exf/kx-recording.conf", "reboot=EPERM\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_exec(sys, NULL, st), -EPERM);
	assert_non_null(strstr(st, "reboot(LINUX_REBOOT_CMD_KEXEC) failed"));
	assert_non_null(strstr(st, "system keeps running"));
	log = kx_sys_recorded(sys, &n);
	assert_non_null(strstr(log[n - 1], "remount-rw"));
	assert_false(logged(sys, "kexec_file_load")); /* never unloaded behind the user's back */
	talloc_free(ctx);
	free(root);
}

/* The initrd is verified in full exactly once per load: by the check the load
 * runs (or the daemon ran), else by the load itself; never handed over unverified. */
static void test_verify_once(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-vc", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	char *good = fx_path("vc-good.gz"), *bad = fx_path("vc-bad.gz");
	const char *irds[] = { good };
	struct kx_spec spec = { bz, irds, 1, NULL, "console=ttyS0" };
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	struct kb_check_result *r;
	unsigned n;
	char *method;

	assert_int_equal(fx_sh("cp initrd.gz vc-good.gz && head -c -12 initrd.gz > vc-bad.gz"), 0);
	/* one-shot load (CLI): the check verifies, the load trusts it */
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, &r, &n), 0);
	assert_int_equal(sys->n_verified, 1);
	/* the daemon's way: check, then load with KX_SKIP_CHECKS: still once */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_check(ctx, sys, &spec, &r, &n), 0);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS, &method, NULL, NULL), 0);
	assert_int_equal(sys->n_verified, 1);
	/* no check before: the load verifies itself */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS, &method, NULL, NULL), 0);
	assert_int_equal(sys->n_verified, 1);
	/* … and refuses a truncated initrd before any kexec call */
	irds[0] = bad;
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS, &method, NULL, NULL), -EBADMSG);
	assert_false(logged(sys, "kexec_file_load kernel"));
	/* the native arm64 path and the multi-initrd path too */
	{
		char *aroot = fx_tree("l-vc-arm", "aarch64", "6.1.0", CFG_LOAD_ONLY, 8000000);
		const char *two[] = { initrd, bad };
		struct kx_spec as = { arm, two, 2, NULL, "console=ttyAMA0" };
		sys = kx_sys_recording(ctx, aroot);
		assert_int_equal(kx_load(ctx, sys, &as, KX_SKIP_CHECKS, &method, NULL, NULL), -EBADMSG);
		assert_false(logged(sys, "kexec_load entry"));
		free(aroot);
	}
	/* forced by the user: loaded as it is */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS | KX_FORCE, &method, NULL, NULL), 0);
	assert_int_equal(sys->n_verified, 0);
	irds[0] = good;

	/* changed after the check (same size, mtime put back; ctime moves): verified again */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_check(ctx, sys, &spec, &r, &n), 0);
	assert_false(kx_results_fatal(r, n));
	assert_int_equal(fx_sh("cp -p vc-good.gz vc-ref && printf 'XXXX' | dd of=vc-good.gz bs=1 seek=40 conv=notrunc 2>/dev/null && touch -r vc-ref vc-good.gz"), 0);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS, &method, NULL, NULL), -EBADMSG);
	assert_int_equal(sys->n_verified, 2);
	assert_false(logged(sys, "kexec_file_load kernel"));
	assert_int_equal(fx_sh("cp vc-ref vc-good.gz"), 0);

	/* a verification too old is not trusted */
	free(fx_write_str("l-vc/kx-recording.conf", "vcache_max_age_ms=-1\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_check(ctx, sys, &spec, &r, &n), 0);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS, &method, NULL, NULL), 0);
	assert_int_equal(sys->n_verified, 2);

	/* changed while the kernel read it: unloaded, -ESTALE */
	{
		char *conf = talloc_asprintf(ctx, "mutate_during_load=%s\n", good);
		free(fx_write_str("l-vc/kx-recording.conf", conf));
	}
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, 0, &method, &r, &n), -ESTALE);
	assert_true(logged(sys, "flags=0x1")); /* KEXEC_FILE_UNLOAD */
	free(fx_write_str("l-vc/kx-recording.conf", "\n"));
	/* verified files are forgotten on request */
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_check(ctx, sys, &spec, &r, &n), 0);
	kx_verify_cache_clear(sys);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_SKIP_CHECKS, &method, NULL, NULL), 0);
	assert_int_equal(sys->n_verified, 2);
	talloc_free(ctx);
	free(root);
	free(good);
	free(bad);
}

/* Loading with KX_KHO activates hand-over first, and fails when it cannot. */
static void test_load_kho(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-kho", "x86_64", "6.1.0", CFG_BOTH, 8000000);
	const char *irds[] = { initrd };
	struct kx_spec spec = { bz, irds, 1, NULL, "console=ttyS0" };
	struct kx_sys *sys = kx_sys_recording(ctx, root);
	unsigned n;
	const char *const *log;
	char *method;

	assert_int_equal(kx_load(ctx, sys, &spec, KX_KHO, &method, NULL, NULL), -ENOENT);
	assert_false(logged(sys, "kexec_file_load kernel"));
	free(fx_write_str("l-kho/sys/kernel/kho/active", "0\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_load(ctx, sys, &spec, KX_KHO, &method, NULL, NULL), 0);
	log = kx_sys_recorded(sys, &n);
	assert_true(n >= 2);
	assert_string_equal(log[n - 2], "write /sys/kernel/kho/active 1 result=0");
	assert_non_null(strstr(log[n - 1], "kexec_file_load kernel="));
	talloc_free(ctx);
	free(root);
}

static void test_unload(void **state)
{
	void *ctx = talloc_new(NULL);
	char *root = fx_tree("l-unl", "aarch64", "6.1.0", CFG_LOAD_ONLY, 8000000);
	struct kx_sys *sys = kx_sys_recording(ctx, root);

	assert_int_equal(kx_unload(sys), 0);
	assert_true(logged(sys, "kexec_file_load kernel=- initrd=- flags=0x1"));
	free(fx_write_str("l-unl/kx-recording.conf", "kexec_file_load=ENOSYS\n"));
	sys = kx_sys_recording(ctx, root);
	assert_int_equal(kx_unload(sys), 0);
	assert_true(logged(sys, "kexec_load entry=0x0 nr_segments=0"));
	talloc_free(ctx);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_load_x86),	     cmocka_unit_test(test_two_initrds_and_no_initrd),
		cmocka_unit_test(test_refuse_fatal_unless_forced), cmocka_unit_test(test_file_load_error_sorting),
		cmocka_unit_test(test_native_arm64),	     cmocka_unit_test(test_native_riscv),
		cmocka_unit_test(test_dtb_prepare_rollback), cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_failures), cmocka_unit_test(test_verify_once),
		cmocka_unit_test(test_load_kho),
		cmocka_unit_test(test_unload),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
