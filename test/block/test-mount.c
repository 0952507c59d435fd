/* Unit test of discover/mount.c through a recording kb_sysops: the syscall
 * sequence of kb_mount_ro() and of freeing a mount, refusals, fallbacks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/block.h"

#define MAX_CALLS 64
#define FAKE_FD 42
#define FAKE_PID 4242

/* the log of calls, one line each, and scripted failures */
static char calls[MAX_CALLS][256];
static unsigned n_calls;
static int fake_ro;            /* the device's ro flag */
static int mount_errnos[4];    /* errno for the nth mount() call, 0 = success */
static unsigned n_mounts;
static int blkroset_errno;
static int mkdir_errno;
/* FUSE fallback script */
static const char *installed;  /* the one helper path access() accepts */
static const char *spawn_output; /* written to the helper's out_fd */
static int spawn_errno;
static int running_polls;      /* waitpid WNOHANG calls that see it running; <0 forever */
static int exit_status;        /* wait status once it exits */
static bool reaped;
static int mounted_after;      /* mountinfo_has calls before the mount shows; <0 never */
static unsigned mountinfo_calls;
static unsigned slept_ms;

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

static pid_t f_spawn(const char *path, char *const argv[], int out_fd)
{
	char line[256];
	size_t len;

	len = (size_t)snprintf(line, sizeof(line), "spawn %s", path);
	for (unsigned i = 0; argv[i] && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", argv[i]);
	record("%s", line);
	if (spawn_errno) {
		errno = spawn_errno;
		return -1;
	}
	if (spawn_output)
		assert_int_equal(write(out_fd, spawn_output, strlen(spawn_output)),
				 (ssize_t)strlen(spawn_output));
	return FAKE_PID;
}

static pid_t f_waitpid(pid_t pid, int *status, int options)
{
	assert_int_equal(pid, FAKE_PID);
	assert_true(options & WNOHANG); /* never blocks */
	if (reaped) {
		errno = ECHILD;
		return -1;
	}
	if (running_polls < 0)
		return 0;
	if (running_polls > 0) {
		running_polls--;
		return 0;
	}
	record("reaped %d", exit_status);
	reaped = true;
	*status = exit_status;
	return pid;
}

static int f_kill(pid_t pid, int sig)
{
	record("kill %d %d", (int)pid, sig);
	running_polls = 0; /* it dies */
	exit_status = sig; /* WIFSIGNALED */
	return 0;
}

static int f_access(const char *path, int mode)
{
	record("access %s", path);
	assert_int_equal(mode, X_OK);
	if (installed && strcmp(path, installed) == 0)
		return 0;
	errno = ENOENT;
	return -1;
}

static int f_mountinfo_has(const char *target, const char *type_prefix)
{
	assert_string_equal(target, "/rt/mnt/kbfake0");
	assert_string_equal(type_prefix, "fuse");
	mountinfo_calls++;
	return mounted_after >= 0 && mountinfo_calls > (unsigned)mounted_after;
}

static void f_sleep_ms(unsigned ms)
{
	slept_ms += ms;
}

static const struct kb_sysops fake_ops = {
	.open = f_open,
	.close = f_close,
	.ioctl = f_ioctl,
	.mount = f_mount,
	.umount2 = f_umount2,
	.mkdir = f_mkdir,
	.rmdir = f_rmdir,
	.spawn = f_spawn,
	.waitpid = f_waitpid,
	.kill = f_kill,
	.access = f_access,
	.mountinfo_has = f_mountinfo_has,
	.sleep_ms = f_sleep_ms,
};

/* the same without the FUSE ops (a table written before they existed) */
static const struct kb_sysops fake_ops_no_spawn = {
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
	installed = NULL;
	spawn_output = NULL;
	spawn_errno = 0;
	running_polls = 0;
	exit_status = 0;
	reaped = false;
	mounted_after = 0;
	mountinfo_calls = 0;
	slept_ms = 0;
	unsetenv(KB_MOUNT_FUSEFAT_ENV);
	unsetenv(KB_MOUNT_FUSEISO_ENV);
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

/* No kernel driver and no FUSE program for the type (exfat). */
static void test_enodev_message(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "exfat"), "/rt", &m, &why), -ENODEV);
	assert_non_null(strstr(why, "does not support filesystem type exfat"));
	assert_int_equal(fake_ro, 0);
	for (unsigned i = 0; i < n_calls; i++)
		assert_null(strstr(calls[i], "spawn"));
	talloc_free(ctx);
}

static bool seen(const char *call)
{
	for (unsigned i = 0; i < n_calls; i++)
		if (strcmp(calls[i], call) == 0)
			return true;
	return false;
}

/* vfat without a kernel driver: BLKROSET, mount(2) says ENODEV, fusefat is
 * looked up in the fixed list and run with -o ro,...; success once the mount
 * shows and it has daemonised (exit 0). Freeing unmounts like a kernel mount. */
static void test_fuse_vfat_sequence(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	installed = "/bin/fusefat";
	running_polls = 2;
	mounted_after = 1;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), 0);
	assert_null(why);
	assert_string_equal(m->helper, "fusefat");
	assert_string_equal(m->helper_path, "/bin/fusefat");
	assert_string_equal(m->options, "via fusefat");
	assert_string_equal(m->mount_point, "/rt/mnt/kbfake0");
	assert_true(m->ours);
	assert_int_equal(fake_ro, 1);
	const char *const want[] = {
		"mkdir /rt", "mkdir /rt/mnt", "mkdir /rt/mnt/kbfake0",
		"open /dev/kbfake0 rdonly", "BLKROGET", "BLKROSET 1", "close 42",
		"mount /dev/kbfake0 /rt/mnt/kbfake0 vfat ro,nosuid,nodev,noexec -",
		"access /usr/bin/fusefat", "access /bin/fusefat",
		"spawn /bin/fusefat fusefat -o ro,nosuid,nodev,noexec /dev/kbfake0 /rt/mnt/kbfake0",
		"reaped 0", NULL,
	};
	assert_calls(want);
	assert_int_equal(slept_ms, 2 * KB_MOUNT_HELPER_POLL_MS);

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

static void test_fuse_iso_argv(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;

	mount_errnos[0] = ENODEV;
	installed = "/usr/bin/fuseiso";
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "iso9660"), "/rt", &m, NULL), 0);
	assert_string_equal(m->helper, "fuseiso");
	assert_string_equal(m->options, "via fuseiso");
	assert_true(seen("spawn /usr/bin/fuseiso fuseiso -n /dev/kbfake0 /rt/mnt/kbfake0 -o "
			 "ro,nosuid,nodev,noexec"));
	talloc_free(ctx);
}

static void test_fuse_not_installed(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -ENODEV);
	assert_null(m);
	assert_non_null(strstr(why, "kbfake0: kernel has no vfat support and fusefat is not installed"));
	assert_non_null(strstr(why, KB_MOUNT_FUSEFAT_ENV));
	const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
	for (unsigned i = 0; i < 4; i++) {
		char c[64];

		snprintf(c, sizeof(c), "access %s/fusefat", dirs[i]);
		assert_true(seen(c));
	}
	for (unsigned i = 0; i < n_calls; i++)
		assert_null(strstr(calls[i], "spawn"));
	assert_true(seen("rmdir /rt/mnt/kbfake0"));
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

static void test_fuse_env_override(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	installed = "/opt/kb/fusefat";
	setenv(KB_MOUNT_FUSEFAT_ENV, "/opt/kb/fusefat", 1);
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, NULL), 0);
	assert_string_equal(m->helper_path, "/opt/kb/fusefat");
	assert_false(seen("access /usr/bin/fusefat"));
	talloc_free(m);

	/* an override that is not executable: not installed, no fallback to the list */
	setup(state);
	mount_errnos[0] = ENODEV;
	installed = "/usr/bin/fusefat";
	setenv(KB_MOUNT_FUSEFAT_ENV, "/nowhere/fusefat", 1);
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -ENODEV);
	assert_non_null(strstr(why, "fusefat is not installed (KEXBOOT_FUSEFAT=/nowhere/fusefat is not executable"));
	assert_false(seen("access /usr/bin/fusefat"));
	unsetenv(KB_MOUNT_FUSEFAT_ENV);
	talloc_free(ctx);
}

static void test_fuse_helper_fails(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	installed = "/usr/bin/fusefat";
	spawn_output = "fat type: FAT16\nbad boot sector\n";
	exit_status = 1 << 8; /* exit(1) */
	mounted_after = -1;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -EIO);
	assert_null(m);
	assert_non_null(strstr(why, "/usr/bin/fusefat exited with status 1 without mounting: "
				    "fat type: FAT16; bad boot sector"));
	assert_false(seen("umount2 /rt/mnt/kbfake0 0"));
	assert_true(seen("rmdir /rt/mnt/kbfake0"));
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

static void test_fuse_spawn_fails(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	installed = "/usr/bin/fuseiso";
	spawn_errno = EACCES;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "iso9660"), "/rt", &m, &why), -EACCES);
	assert_non_null(strstr(why, "could not be started"));
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

/* Never mounts, never exits: killed after the named timeout, reaped without
 * blocking, nothing left mounted, the device's ro flag restored. */
static void test_fuse_timeout(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;
	char kill_call[64];

	mount_errnos[0] = ENODEV;
	installed = "/usr/bin/fusefat";
	running_polls = -1;
	mounted_after = -1;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -ETIMEDOUT);
	assert_non_null(strstr(why, "KB_MOUNT_HELPER_TIMEOUT_MS"));
	assert_true(slept_ms >= KB_MOUNT_HELPER_TIMEOUT_MS);
	assert_true(slept_ms <= KB_MOUNT_HELPER_TIMEOUT_MS + KB_MOUNT_HELPER_REAP_MS);
	snprintf(kill_call, sizeof(kill_call), "kill %d %d", FAKE_PID, SIGKILL);
	assert_true(seen(kill_call));
	assert_true(seen("reaped 9"));
	assert_true(seen("rmdir /rt/mnt/kbfake0"));
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

/* Exits 0 but no mount shows: failure after the settle time, not the full timeout. */
static void test_fuse_exit0_without_mount(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	mount_errnos[0] = ENODEV;
	installed = "/usr/bin/fusefat";
	mounted_after = -1;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -EIO);
	assert_non_null(strstr(why, "no FUSE mount appeared"));
	assert_true(slept_ms >= KB_MOUNT_HELPER_SETTLE_MS);
	assert_true(slept_ms < KB_MOUNT_HELPER_TIMEOUT_MS);
	for (unsigned i = 0; i < n_calls; i++)
		assert_null(strstr(calls[i], "kill"));
	talloc_free(ctx);
}

/* A syscall table without the FUSE ops: the fallback says so. */
static void test_fuse_no_ops(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;
	char *why = NULL;

	kb_mount_set_sysops(&fake_ops_no_spawn);
	mount_errnos[0] = ENODEV;
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, &why), -ENOSYS);
	assert_non_null(strstr(why, "FUSE fallback is not available"));
	assert_int_equal(fake_ro, 0);
	talloc_free(ctx);
}

/* Other mount(2) errors than ENODEV never start a FUSE program. */
static void test_fuse_only_on_enodev(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;

	mount_errnos[0] = EUCLEAN;
	installed = "/usr/bin/fusefat";
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, NULL), -EUCLEAN);
	for (unsigned i = 0; i < n_calls; i++) {
		assert_null(strstr(calls[i], "spawn"));
		assert_null(strstr(calls[i], "access"));
	}
	talloc_free(ctx);
}

/* A kernel mount has no helper. */
static void test_kernel_mount_no_helper(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_mount *m = NULL;

	installed = "/usr/bin/fusefat";
	assert_int_equal(kb_mount_ro(ctx, fake_dev(ctx, "vfat"), "/rt", &m, NULL), 0);
	assert_null(m->helper);
	assert_null(m->helper_path);
	assert_string_equal(m->options, "");
	assert_false(seen("access /usr/bin/fusefat"));
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
		cmocka_unit_test_setup_teardown(test_fuse_vfat_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_iso_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_not_installed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_env_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_helper_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_spawn_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_exit0_without_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_no_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuse_only_on_enodev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_mount_no_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unknown_fs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blkroset_failure_no_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_name, setup, teardown),
		cmocka_unit_test(test_fs_options_table),
		cmocka_unit_test(test_globs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
