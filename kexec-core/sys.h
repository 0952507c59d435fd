/* kexec-core: the syscall/filesystem backend interface (struct kx_sys).
 *
 * Everything the engine asks of the running system goes through here, so
 * that tests can substitute a recording backend that reads a fake /proc and
 * /sys tree and never reaches a real kexec, reboot or mount syscall.
 */
#ifndef KX_SYS_H
#define KX_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kexec-core/kexec.h"

/* One kexec_load segment (mirrors struct kexec_segment with fixed widths). */
struct kx_segment {
	const void *buf;
	size_t bufsz;
	uint64_t mem;
	uint64_t memsz;
};

enum kx_syscall {
	KX_SYS_KEXEC_FILE_LOAD = 0,
	KX_SYS_KEXEC_LOAD = 1,
};

/* Availability answers of probe_syscall. */
enum kx_avail {
	KX_AVAIL_UNKNOWN = 0,
	KX_AVAIL_YES = 1,
	KX_AVAIL_NO = 2,       /* ENOSYS: not built into the running kernel */
	KX_AVAIL_DENIED = 3,   /* EPERM: built, but not permitted (capability, disabled, lockdown) */
};

struct kx_sys;

struct kx_sys_ops {
	const char *name;
	/* kexec_file_load(kfd, ifd or -1, cmdline, flags): 0 or -errno. */
	int (*kexec_file_load)(struct kx_sys *sys, int kfd, int ifd, const char *cmdline,
			       unsigned long flags);
	/* kexec_load(entry, segments, flags): 0 or -errno. */
	int (*kexec_load)(struct kx_sys *sys, uint64_t entry, const struct kx_segment *segs,
			  unsigned n, unsigned long flags);
	/* reboot(LINUX_REBOOT_CMD_KEXEC): returns only on failure (-errno); recording returns 0. */
	int (*reboot_kexec)(struct kx_sys *sys);
	void (*sync)(struct kx_sys *sys);
	/* umount2(target, flags): 0 or -errno. */
	int (*umount)(struct kx_sys *sys, const char *target, int flags);
	/* Remount target read-only (MS_REMOUNT|MS_RDONLY): 0 or -errno. */
	int (*remount_ro)(struct kx_sys *sys, const char *target);
	/* Undo remount_ro: MS_REMOUNT with the mount's own per-mount flags
	 * (MS_NOSUID, MS_NODEV, MS_NOEXEC, atime flags): 0 or -errno. */
	int (*remount_rw)(struct kx_sys *sys, const char *target, unsigned long mnt_flags);
	/* Machine and release of the running kernel (uname -m, -r). 0 or -errno. */
	int (*uname)(struct kx_sys *sys, char *machine, size_t msz, char *release, size_t rsz);
	/* Is this syscall present? Must never be able to load or unload anything. */
	enum kx_avail (*probe_syscall)(struct kx_sys *sys, enum kx_syscall which);
	/* Run an external program (kexec-tools fallback), wait: exit status >= 0 or -errno. */
	int (*run)(struct kx_sys *sys, const char *const *argv);
	/* Write value to a system file (path already under the root, from
	 * kx_sys_path; e.g. KHO activation): 0 or -errno. */
	int (*write_sys)(struct kx_sys *sys, const char *path, const char *value);
};

struct kx_vcache_entry;

struct kx_sys {
	const struct kx_sys_ops *ops;
	char *root;           /* prefix for /proc, /sys, /boot reads: "" for the real system */
	bool allow_syscall_probe; /* real backend: probe with invalid-argument syscalls */
	/* recording backend state */
	char **log;           /* talloc array of recorded calls */
	unsigned n_log;
	char *log_path;       /* ROOT/kx-recording.log, appended when writable */
	char *conf;           /* contents of ROOT/kx-recording.conf, may be NULL */
	struct kx_segment *segs; /* last kexec_load segments (buffers copied when small) */
	unsigned n_segs;
	uint64_t entry;
	/* verification cache (vcache.c): initrds verified in full, by file key */
	struct kx_vcache_entry *vcache;
	unsigned n_vcache;
	unsigned n_verified;  /* full initrd verifications made (tests, bench) */
};

/* Maximum bytes of a system file (/proc, /sys) read in one go. */
#define KX_MAX_SYSFILE (8u << 20)
/* Largest file the recording backend's kexec_file_load reads. */
#define KX_RECORD_READ_MAX (4ull << 30)
/* Segment buffers up to this size are copied by the recording backend. */
#define KX_RECORD_COPY_MAX (4u << 20)

/* Path of a system file under the backend's root (talloc child of ctx). */
char *kx_sys_path(void *ctx, const struct kx_sys *sys, const char *path);
/* Read a whole system file (NUL-terminated, capped at max). 0 or -errno. */
int kx_sys_read(void *ctx, const struct kx_sys *sys, const char *path, size_t max,
		char **ret, size_t *ret_len);
/* Read a system file, trimmed of trailing whitespace; NULL when absent/unreadable. */
char *kx_sys_read_line(void *ctx, const struct kx_sys *sys, const char *path);
/* Does the system path exist? */
bool kx_sys_exists(const struct kx_sys *sys, const char *path);
/* Append a recorded call line (recording backend). */
void kx_sys_record(struct kx_sys *sys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Recording backend knob: integer value of key in kx-recording.conf, or def. */
long kx_sys_conf_long(const struct kx_sys *sys, const char *key, long def);
/* Recording backend knob: string value (talloc child of ctx) or NULL. */
char *kx_sys_conf_str(void *ctx, const struct kx_sys *sys, const char *key);
/* Allow the real backend to make invalid-argument syscall probes (see sys-real.c). */
void kx_sys_real_allow_probe(struct kx_sys *sys, bool allow);

#endif
