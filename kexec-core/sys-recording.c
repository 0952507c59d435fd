/* kexec-core: the recording backend (tests, --sys-root).
 *
 * Reads /proc, /sys, /boot under a fake root and records every kexec,
 * reboot, mount and sync call instead of making it: nothing here can reach a
 * real kexec or reboot syscall. Knobs, one "key=value" a line, in
 * ROOT/kx-recording.conf:
 *   kexec_file_load=0|ENOSYS|EKEYREJECTED|…  result of that call (default 0)
 *   kexec_load=…, reboot=…, umount=…, remount=…, remount-rw=…, write=…
 *                                        results (default 0)
 *   umount:TARGET=…, remount:TARGET=…, remount-rw:TARGET=…, write:PATH=…
 *                                        the same for one mount point / file
 *   read_files=0                         kexec_file_load does not read its fds
 *                                        (by default it reads them whole, as the
 *                                        kernel does, so benchmarks are honest)
 *   vcache_max_age_ms=N                  verification cache lifetime
 *   mutate_during_load=PATH              append a byte to PATH inside kexec_file_load
 *                                        (a file changing while it is loaded)
 *   probe.kexec_file_load=yes|no|denied  probe answers (default: from the
 *   probe.kexec_load=…                   call results: ENOSYS=no, EPERM=denied)
 *   uname.machine=…, uname.release=…     default ROOT/proc/sys/kernel/{arch,osrelease}
 *   run=N                                exit status of an external program
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include "kexec-core/sys.h"
#include "kexec-core/util.h"

static char *fd_path(void *ctx, int fd)
{
	char link[64], target[4096];
	ssize_t n;

	if (fd < 0)
		return talloc_strdup(ctx, "-");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return talloc_asprintf(ctx, "fd%d", fd);
	target[n] = '\0';
	return talloc_strdup(ctx, target);
}

/* Result knob for one target: "key:target", else "key", else 0. */
static int target_knob(struct kx_sys *sys, const char *key, const char *target)
{
	char *k = talloc_asprintf(NULL, "%s:%s", key, target);
	long r = kx_sys_conf_long(sys, key, 0);

	if (k)
		r = kx_sys_conf_long(sys, k, r);
	talloc_free(k);
	return (int)r;
}

/* Read an fd whole into one buffer, as the kernel's kernel_read_file does. */
static int read_whole(int fd)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size > KX_RECORD_READ_MAX)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = kx_pread_full(fd, buf, (size_t)st.st_size, 0);
	free(buf);
	return n < 0 ? (int)n : 0;
}

static int rec_kexec_file_load(struct kx_sys *sys, int kfd, int ifd, const char *cmdline,
			       unsigned long flags)
{
	char *k = fd_path(NULL, kfd), *i = fd_path(NULL, ifd);
	int r = (int)kx_sys_conf_long(sys, "kexec_file_load", 0);

	if (r == 0 && !(flags & KEXEC_FILE_UNLOAD) && kx_sys_conf_long(sys, "read_files", 1)) {
		r = read_whole(kfd);
		if (r == 0)
			r = read_whole(ifd);
	}
	if (!(flags & KEXEC_FILE_UNLOAD)) {
		char *m = kx_sys_conf_str(NULL, sys, "mutate_during_load");
		int fd = m ? open(m, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
		if (fd >= 0) {
			if (write(fd, "", 1) < 0)
				r = -errno;
			close(fd);
		}
		talloc_free(m);
	}

	kx_sys_record(sys, "kexec_file_load kernel=%s initrd=%s flags=0x%lx cmdline=%s result=%s", k,
		      i, flags, cmdline ? cmdline : "", r ? kx_errno_name(r) : "0");
	talloc_free(k);
	talloc_free(i);
	return r;
}

static int rec_kexec_load(struct kx_sys *sys, uint64_t entry, const struct kx_segment *segs,
			  unsigned n, unsigned long flags)
{
	int r = (int)kx_sys_conf_long(sys, "kexec_load", 0);

	talloc_free(sys->segs);
	sys->segs = talloc_zero_array(sys, struct kx_segment, n ? n : 1);
	sys->n_segs = n;
	sys->entry = entry;
	kx_sys_record(sys, "kexec_load entry=0x%llx nr_segments=%u flags=0x%lx result=%s",
		      (unsigned long long)entry, n, flags, r ? kx_errno_name(r) : "0");
	for (unsigned i = 0; i < n; i++) {
		sys->segs[i] = segs[i];
		sys->segs[i].buf = NULL;
		if (segs[i].buf && segs[i].bufsz <= KX_RECORD_COPY_MAX)
			sys->segs[i].buf = talloc_memdup(sys->segs, segs[i].buf, segs[i].bufsz);
		kx_sys_record(sys, "  segment %u mem=0x%llx memsz=0x%llx bufsz=0x%zx", i,
			      (unsigned long long)segs[i].mem, (unsigned long long)segs[i].memsz,
			      segs[i].bufsz);
	}
	return r;
}

static int rec_reboot_kexec(struct kx_sys *sys)
{
	int r = (int)kx_sys_conf_long(sys, "reboot", 0);

	kx_sys_record(sys, "reboot LINUX_REBOOT_CMD_KEXEC result=%s", r ? kx_errno_name(r) : "0");
	return r;
}

static void rec_sync(struct kx_sys *sys)
{
	kx_sys_record(sys, "sync");
}

static int rec_umount(struct kx_sys *sys, const char *target, int flags)
{
	int r = target_knob(sys, "umount", target);

	kx_sys_record(sys, "umount %s flags=0x%x result=%s", target, flags, r ? kx_errno_name(r) : "0");
	return r;
}

static int rec_remount_ro(struct kx_sys *sys, const char *target)
{
	int r = target_knob(sys, "remount", target);

	kx_sys_record(sys, "remount-ro %s result=%s", target, r ? kx_errno_name(r) : "0");
	return r;
}

static int rec_remount_rw(struct kx_sys *sys, const char *target, unsigned long mnt_flags)
{
	int r = target_knob(sys, "remount-rw", target);

	kx_sys_record(sys, "remount-rw %s flags=0x%lx result=%s", target, mnt_flags,
		      r ? kx_errno_name(r) : "0");
	return r;
}

/* Writes land in the fake tree when they succeed (so a later read sees them). */
static int rec_write_sys(struct kx_sys *sys, const char *path, const char *value)
{
	int r = target_knob(sys, "write", path + strlen(sys->root));

	kx_sys_record(sys, "write %s %s result=%s", path + strlen(sys->root), value,
		      r ? kx_errno_name(r) : "0");
	if (r == 0) {
		int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (write(fd, value, strlen(value)) < 0)
			r = -errno;
		close(fd);
	}
	return r;
}

static int rec_uname(struct kx_sys *sys, char *machine, size_t msz, char *release, size_t rsz)
{
	char *m = kx_sys_conf_str(NULL, sys, "uname.machine");
	char *r = kx_sys_conf_str(NULL, sys, "uname.release");

	if (!m)
		m = kx_sys_read_line(NULL, sys, "/proc/sys/kernel/arch");
	if (!r)
		r = kx_sys_read_line(NULL, sys, "/proc/sys/kernel/osrelease");
	snprintf(machine, msz, "%s", m ? m : "");
	snprintf(release, rsz, "%s", r ? r : "");
	talloc_free(m);
	talloc_free(r);
	return machine[0] ? 0 : -ENOENT;
}

static enum kx_avail rec_probe_syscall(struct kx_sys *sys, enum kx_syscall which)
{
	const char *name = which == KX_SYS_KEXEC_FILE_LOAD ? "kexec_file_load" : "kexec_load";
	char key[64];
	char *v;
	enum kx_avail a = KX_AVAIL_YES;
	long r;

	snprintf(key, sizeof(key), "probe.%s", name);
	v = kx_sys_conf_str(NULL, sys, key);
	if (v) {
		if (strcmp(v, "no") == 0)
			a = KX_AVAIL_NO;
		else if (strcmp(v, "denied") == 0)
			a = KX_AVAIL_DENIED;
		else if (strcmp(v, "unknown") == 0)
			a = KX_AVAIL_UNKNOWN;
		talloc_free(v);
	} else {
		r = kx_sys_conf_long(sys, name, 0);
		if (r == -ENOSYS)
			a = KX_AVAIL_NO;
		else if (r == -EPERM)
			a = KX_AVAIL_DENIED;
	}
	kx_sys_record(sys, "probe %s", name);
	return a;
}

static int rec_run(struct kx_sys *sys, const char *const *argv)
{
	char *line = talloc_strdup(NULL, "run");

	for (unsigned i = 0; argv[i]; i++)
		line = talloc_asprintf_append(line, " %s", argv[i]);
	kx_sys_record(sys, "%s", line ? line : "run");
	talloc_free(line);
	return (int)kx_sys_conf_long(sys, "run", 0);
}

static const struct kx_sys_ops recording_ops = {
	.name = "recording",
	.kexec_file_load = rec_kexec_file_load,
	.kexec_load = rec_kexec_load,
	.reboot_kexec = rec_reboot_kexec,
	.sync = rec_sync,
	.umount = rec_umount,
	.remount_ro = rec_remount_ro,
	.remount_rw = rec_remount_rw,
	.write_sys = rec_write_sys,
	.uname = rec_uname,
	.probe_syscall = rec_probe_syscall,
	.run = rec_run,
};

/* A recording backend reading the fake tree at root (see kexec.h). */
struct kx_sys *kx_sys_recording(void *ctx, const char *root)
{
	struct kx_sys *sys = talloc_zero(ctx, struct kx_sys);
	char *conf;
	size_t len;

	if (!sys)
		return NULL;
	sys->ops = &recording_ops;
	sys->root = talloc_strdup(sys, root);
	if (!sys->root) {
		talloc_free(sys);
		return NULL;
	}
	while (strlen(sys->root) > 1 && sys->root[strlen(sys->root) - 1] == '/')
		sys->root[strlen(sys->root) - 1] = '\0';
	if (kx_sys_read(sys, sys, "/kx-recording.conf", 64 * 1024, &conf, &len) == 0)
		sys->conf = conf;
	sys->log_path = kx_sys_path(sys, sys, "/kx-recording.log");
	return sys;
}

/* Recorded calls so far; NULL for the real backend. */
const char *const *kx_sys_recorded(const struct kx_sys *sys, unsigned *ret_n)
{
	if (ret_n)
		*ret_n = sys->n_log;
	return (const char *const *)sys->log;
}
