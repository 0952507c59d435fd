/* Unit test of discover/mount.c through a recording kb_sysops: the syscall
 * sequence of kb_mount_ro() and of freeing a mount, refusals, fallbacks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/block.h"

#define MAX_CALLS 64
#define FAKE_FD 42

/* the log of calls, one line each, and scripted failures */
static char calls[MAX_CALLS][256];
static unsigned n_calls;
static int fake_ro;            /* the device's ro flag */
static int mount_errnos[4];    /* errno for the nth mount() call, 0 = success */
static unsigned n_mounts;
static int blkroset_errno;
static int mkdir_errno;

static void record(const char *fmt, ...)
{
	va_list ap;

	assert_true(n_calls < MAX_CALLS);
	va_start(ap, fmt);
	vsnprintf(calls[n_calls++], sizeof(calls[0]), fmt, ap);
	va_end(ap);
}

static int f_open(const char *path, int flags)
{
	record("open %s %s", path, (flags & O_ACCMODE) == O_RDONLY ? "rdonly" : "WRITE");
	return FAKE_FD;
}

static int f_close(int fd)
{
	record("close %d", fd);
	return 0;
}

static int f_ioctl(int fd, unsigned long req, void *arg)
{
	if (req == BLKROGET) {
		record("BLKROGET");
		*(int *)arg = fake_ro;
		return 0;
	}
	if (req == BLKROSET) {
		record("BLKROSET %d", *(int *)arg);
		if (blkroset_errno) {
			errno = blkroset_errno;
			return -1;
		}
		fake_ro = *(int *)arg;
		return 0;
	}
	record("ioctl %lx", req);
	errno = ENOTTY;
	return -1;
}

static int f_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
		   const void *data)
{
	unsigned long want = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	record("mount %s %s %s %s %s", src, target, fstype, flags == want ? "ro,nosuid,nodev,noexec" : "BADFLAGS",
	       data ? (const char *)data : "-");
	if (n_mounts < 4 && mount_errnos[n_mounts]) {
		errno = mount_errnos[n_mounts++];
		return -1;
	}
	n_mounts++;
	return 0;
}

static int f_umount2(const char *target, int flags)
{
	record("umount2 %s %d", target, flags);
	return 0;
}

static int f_mkdir(const char *path, mode_t mode)
{
	record("mkdir %s", path);
	if (mkdir_errno && strstr(path, "/mnt/")) {
		errno = mkdir_errno;
		return -1;
	}
	return 0;
}

static int f_rmdir(const char *path)
{
	record("rmdir %s", path);
	return 0;
}

static const struct kb_sysops fake_ops = {
	.open = f_open,
	.close = f_close,
	.ioctl = f_ioctl,
	.mount = f_mount,
	.umount2 = f_umount2,
	.mkdir = f_mkdir,
	.rmdir = f_rmdir,
};

static int setup(void **state)
{
	n_calls = 0;
	n_mounts = 0;
	fake_ro = 0;
	blkroset_errno = 0;
	mkdir_errno = 0;
	memset(mount_errnos, 0, sizeof(mount_errnos));
	kb_mount_set_sysops(&fake_ops);
	return 0;
}

static int teardown(void **state)
{
	kb_mount_set_sysops(NULL);
	return 0;
}

/* A device that is nowhere in sysfs or mountinfo (so it is not in use). */
static struct kb_blockdev *fake_dev(void *ctx, const char *fstype)
{
	struct kb_blockdev *bd = talloc_zero(ctx, struct kb_blockdev);

	bd->name = talloc_strdup(bd, "kbfake0");
	bd->devnode = talloc_strdup(bd, "/dev/kbfake0");
	bd->devnum = makedev(4095, 1048575);
	bd->fstype = fstype ? talloc_strdup(bd, fstype) : NULL;
	bd->size = 1 << 20;
	return bd;
}

static void assert_calls(const char *const *want)
{
	unsigned i;

	for (i = 0; want[i]; i++) {
		assert_true(i < n_calls);
		assert_string_equal(calls[i], want[i]);
	}
	assert_int_equal(i, n_calls);
}

static void test_ext4_sequence(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "ext4"), "/rt", &m, &why), 0);
	assert_non_null(m);
	assert_true(m->ours);
	assert_string_equal(m->mount_point, "/rt/mnt/kbfake0");
	assert_string_equal(m->options, "noload");
	assert_int_equal(fake_ro, 1);
	const char *const want[] = {
		"mkdir /rt", "mkdir /rt/mnt", "mkdir /rt/mnt/kbfake0",
		"open /dev/kbfake0 rdonly", "BLKROGET", "BLKROSET 1", "close 42",
		"mount /dev/kbfake0 /rt/mnt/kbfake0 ext4 ro,nosuid,nodev,noexec noload",
		NULL,
	};
	assert_calls(want);

	n_calls = 0;
	talloc_free(m);
	const char *const want_free[] = {
		"umount2 /rt/mnt/kbfake0 0", "rmdir /rt/mnt/kbfake0",
		"open /dev/kbfake0 rdonly", "BLKROSET 0", "close 42", NULL,
	};
	assert_calls(want_free);
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

static void test_ro_flag_kept_when_already_ro(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;

	fake_ro = 1;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "xfs"), "/rt", &m, NULL), 0);
	assert_string_equal(m->options, "norecovery");
	assert_int_equal(m->ro_original, 1);
	talloc_free(m);
	/* restored to what it was: still read-only */
	assert_int_equal(fake_ro, 1);
	assert_string_equal(calls[n_calls - 2], "BLKROSET 1");
	talloc_free(ctx);
}

static void test_btrfs_fallback(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;

	mount_errnos[0] = EINVAL; /* kernel without rescue= */
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "btrfs"), "/rt", &m, NULL), 0);
	assert_string_equal(m->options, "nologreplay");
	assert_string_equal(calls[7], "mount /dev/kbfake0 /rt/mnt/kbfake0 btrfs ro,nosuid,nodev,noexec rescue=nologreplay");
	assert_string_equal(calls[8], "mount /dev/kbfake0 /rt/mnt/kbfake0 btrfs ro,nosuid,nodev,noexec nologreplay");
	talloc_free(ctx);
}

static void test_mount_failure_restores(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = EUCLEAN;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "xfs"), "/rt", &m, &why), -EUCLEAN);
	assert_null(m);
	assert_non_null(why);
	assert_non_null(strstr(why, "not replayed"));
	assert_int_equal(fake_ro, 0);
	assert_string_equal(calls[n_calls - 3], "open /dev/kbfake0 rdonly");
	assert_string_equal(calls[n_calls - 2], "BLKROSET 0");
	/* the directory we made is gone */
	bool rmdir_seen = false;
	for (unsigned i = 0; i < n_calls; i++)
		rmdir_seen |= strcmp(calls[i], "rmdir /rt/mnt/kbfake0") == 0;
	assert_true(rmdir_seen);
	talloc_free(ctx);
}

static void test_enodev_message(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -ENODEV);
	assert_non_null(strstr(why, "does not support"));
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

static void test_refuse_unknown_fs(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "ntfs"), "/rt", &m, &why), -EMEDIUMTYPE);
	assert_non_null(strstr(why, "ntfs"));
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, NULL), "/rt", &m, NULL), -EMEDIUMTYPE);
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "swap"), "/rt", &m, NULL), -EMEDIUMTYPE);
	assert_int_equal(n_calls, 0);
	talloc_free(ctx);
}

static void test_blkroset_failure_no_mount(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	blkroset_errno = EACCES;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "ext4"), "/rt", &m, &why), -EACCES);
	for (unsigned i = 0; i < n_calls; i++)
		assert_null(strstr(calls[i], "mount "));
	assert_non_null(strstr(why, "BLKROSET"));
	talloc_free(ctx);
}

/* A device whose major:minor is mounted (the root fs of this process) is in
 * use: refused before any syscall touches it. */
static void test_refuse_in_use(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_blockdev *bd = fake_dev(ctx, "ext4");
	struct kb_mount *m = NULL;
	char *why = NULL;
	unsigned maj, min;
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*u %*u %u:%u", &maj, &min) == 2 && maj != 0) {
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		skip();
	bd->devnum = makedev(maj, min);
	assert_int_equal(kb_mount_ro(ctx, bd, "/rt", &m, &why), -EBUSY);
	assert_non_null(strstr(why, "in use"));
	assert_int_equal(n_calls, 0);
	talloc_free(ctx);
}

static void test_bad_name(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_blockdev *bd = fake_dev(ctx, "ext4");
	struct kb_mount *m = NULL;

	bd->name = talloc_strdup(bd, "../etc");
	assert_int_equal(kb_mount_ro(ctx, bd, "/rt", &m, NULL), -EINVAL);
	assert_int_equal(n_calls, 0);
	talloc_free(ctx);
}

static void test_fs_options_table(void **state)
{
	assert_string_equal(kb_mount_fs_options("ext3"), "noload");
	assert_string_equal(kb_mount_fs_options("ext4"), "noload");
	assert_string_equal(kb_mount_fs_options("xfs"), "norecovery");
	assert_string_equal(kb_mount_fs_options("btrfs"), "rescue=nologreplay");
	assert_string_equal(kb_mount_fs_options("iso9660"), "");
	assert_null(kb_mount_fs_options("ntfs"));
	assert_null(kb_mount_fs_options(NULL));
}

static void test_globs(void **state)
{
	const char *const g[] = {"loop*", "vd[b-c]"};

	assert_true(kb_block_name_matches("loop3p1", g, 2));
	assert_true(kb_block_name_matches("vdb", g, 2));
	assert_false(kb_block_name_matches("vda", g, 2));
	assert_true(kb_block_name_matches("vda", g, 0));
	assert_true(kb_block_name_ignored("ram0"));
	assert_true(kb_block_name_ignored("zram0"));
	assert_false(kb_block_name_ignored("loop0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ext4_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ro_flag_kept_when_already_ro, setup, teardown),
		cmocka_unit_test_setup_teardown(test_btrfs_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_failure_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enodev_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unknown_fs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkroset_failure_no_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_name, setup, teardown),
		cmocka_unit_test(test_fs_options_table),
		cmocka_unit_test(test_globs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
