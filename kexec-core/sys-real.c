/* kexec-core: the real system backend.
 *
 * Syscall probe safety: probe_syscall() makes each kexec syscall fail on an
 * argument check that the kernel performs before touching any image, so it
 * can only report ENOSYS (not built), EPERM (not permitted) or EINVAL/EBADF
 * (present). kexec_file_load gets kernel_fd = initrd_fd = -1 AND an
 * undefined flag bit (KX_PROBE_FILE_FLAGS): an image can neither be read nor
 * unloaded (KEXEC_FILE_UNLOAD is not set). kexec_load gets nr_segments =
 * KEXEC_SEGMENT_MAX + 1, segments = NULL AND an undefined flag bit: the kernel
 * rejects the flags and the count before reading segments; nr_segments is
 * never 0, which with valid flags would mean "unload". It is still off by
 * default (kx_sys_real_allow_probe): detection first reads the kernel config
 * and /proc/kallsyms (checks-kexec.c), so development hosts never make it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <spawn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <talloc.h>
#include <unistd.h>

#include "kexec-core/sys.h"

extern char **environ;

/* Flag bits no kernel defines for kexec_file_load / kexec_load (probe only). */
#define KX_PROBE_FILE_FLAGS (1UL << 31)
#define KX_PROBE_LOAD_FLAGS 0x00008000UL

static int real_kexec_file_load(struct kx_sys *sys, int kfd, int ifd, const char *cmdline,
				unsigned long flags)
{
#ifdef SYS_kexec_file_load
	size_t len = cmdline ? strlen(cmdline) + 1 : 0;
	if (syscall(SYS_kexec_file_load, kfd, ifd, len, len ? cmdline : NULL, flags) != 0)
		return -errno;
	return 0;
#else
	return -ENOSYS;
#endif
}

static int real_kexec_load(struct kx_sys *sys, uint64_t entry, const struct kx_segment *segs,
			   unsigned n, unsigned long flags)
{
	struct kexec_segment ks[KEXEC_SEGMENT_MAX];

	if (n > KEXEC_SEGMENT_MAX)
		return -E2BIG;
	for (unsigned i = 0; i < n; i++) {
		ks[i].buf = segs[i].buf;
		ks[i].bufsz = segs[i].bufsz;
		ks[i].mem = (const void *)(uintptr_t)segs[i].mem;
		ks[i].memsz = (size_t)segs[i].memsz;
	}
	if (syscall(SYS_kexec_load, (unsigned long)entry, (unsigned long)n, n ? ks : NULL, flags) != 0)
		return -errno;
	return 0;
}

static int real_reboot_kexec(struct kx_sys *sys)
{
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);
	return -errno;
}

static void real_sync(struct kx_sys *sys)
{
	sync();
}

static int real_umount(struct kx_sys *sys, const char *target, int flags)
{
	return umount2(target, flags) == 0 ? 0 : -errno;
}

static int real_remount_ro(struct kx_sys *sys, const char *target)
{
	return mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0 ? 0 : -errno;
}

static int real_remount_rw(struct kx_sys *sys, const char *target, unsigned long mnt_flags)
{
	return mount(NULL, target, NULL, MS_REMOUNT | mnt_flags, NULL) == 0 ? 0 : -errno;
}

static int real_write_sys(struct kx_sys *sys, const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int real_uname(struct kx_sys *sys, char *machine, size_t msz, char *release, size_t rsz)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	snprintf(machine, msz, "%s", u.machine);
	snprintf(release, rsz, "%s", u.release);
	return 0;
}

static enum kx_avail avail_from_errno(int e)
{
	switch (e) {
	case ENOSYS:
		return KX_AVAIL_NO;
	case EPERM:
		return KX_AVAIL_DENIED;
	case EINVAL:
	case EBADF:
		return KX_AVAIL_YES;
	default:
		return KX_AVAIL_UNKNOWN;
	}
}

static enum kx_avail real_probe_syscall(struct kx_sys *sys, enum kx_syscall which)
{
	long r;

	if (!sys->allow_syscall_probe)
		return KX_AVAIL_UNKNOWN;
	if (which == KX_SYS_KEXEC_FILE_LOAD) {
#ifdef SYS_kexec_file_load
		r = syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, KX_PROBE_FILE_FLAGS);
#else
		errno = ENOSYS;
		r = -1;
#endif
	} else {
		r = syscall(SYS_kexec_load, 0UL, (unsigned long)KEXEC_SEGMENT_MAX + 1, NULL,
			    KX_PROBE_LOAD_FLAGS);
	}
	return r == 0 ? KX_AVAIL_UNKNOWN : avail_from_errno(errno);
}

static int real_run(struct kx_sys *sys, const char *const *argv)
{
	pid_t pid;
	int st, r;

	r = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
	if (r != 0)
		return -r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return -ECANCELED;
}

static const struct kx_sys_ops real_ops = {
	.name = "real",
	.kexec_file_load = real_kexec_file_load,
	.kexec_load = real_kexec_load,
	.reboot_kexec = real_reboot_kexec,
	.sync = real_sync,
	.umount = real_umount,
	.remount_ro = real_remount_ro,
	.remount_rw = real_remount_rw,
	.write_sys = real_write_sys,
	.uname = real_uname,
	.probe_syscall = real_probe_syscall,
	.run = real_run,
};

/* The real system. Reads /proc and /sys; load/exec/unload make real syscalls. */
struct kx_sys *kx_sys_real(void *ctx)
{
	struct kx_sys *sys = talloc_zero(ctx, struct kx_sys);

	if (!sys)
		return NULL;
	sys->ops = &real_ops;
	sys->root = talloc_strdup(sys, "");
	return sys;
}

/* Allow the real backend to make invalid-argument syscall probes (see above). */
void kx_sys_real_allow_probe(struct kx_sys *sys, bool allow)
{
	sys->allow_syscall_probe = allow;
}

/* True for the recording backend. */
bool kx_sys_is_recording(const struct kx_sys *sys)
{
	return sys->ops != &real_ops;
}
