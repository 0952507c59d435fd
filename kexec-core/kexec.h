/* kexboot kexec-core: the embedded kexec engine (public API).
 *
 * Usable without the daemon. Every syscall and every read of the running
 * system (/proc, /sys, uname) goes through a struct kx_sys backend: the real
 * one, or a recording one that reads a fake tree and records kexec/reboot/
 * mount calls instead of making them (unit tests only ever use that one).
 *
 * Ownership: results and strings are talloc children of the ctx given.
 * Errors: functions return >= 0 or -errno; findings about the system or the
 * images are check results (struct kb_check_result), not errors.
 */
#ifndef KX_KEXEC_H
#define KX_KEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

/* What to boot. Paths are files readable by this process. */
struct kx_spec {
	const char *kernel;
	const char *const *initrds; /* n_initrds paths, concatenated in order */
	unsigned n_initrds;
	const char *dtb;     /* NULL: reuse the running tree where one is needed */
	const char *cmdline; /* NULL: empty */
};

/* Syscall/filesystem backend (opaque; see kexec-core/sys.h for the ops). */
struct kx_sys;

/* The real system. Reads /proc and /sys; load/exec/unload make real syscalls. */
struct kx_sys *kx_sys_real(void *ctx);
/* A recording backend: reads /proc, /sys etc. under root (a fake tree) and
 * records kexec/reboot/mount/sync calls instead of making them. Never
 * reaches a real kexec or reboot syscall. Behaviour knobs are read from
 * ROOT/kx-recording.conf (see sys-recording.c); calls are appended to
 * ROOT/kx-recording.log when that file can be written. */
struct kx_sys *kx_sys_recording(void *ctx, const char *root);
/* True for the recording backend. */
bool kx_sys_is_recording(const struct kx_sys *sys);
/* Recorded calls so far (one line each, e.g. "kexec_file_load kernel=… flags=0x0"),
 * a talloc array owned by sys; NULL for the real backend. */
const char *const *kx_sys_recorded(const struct kx_sys *sys, unsigned *ret_n);

/* Run every preflight check. Results are talloc'd under ctx in *ret (array
 * of *ret_n). Returns 0, or -errno only for an internal failure (ENOMEM):
 * fatal findings are results. */
int kx_check(void *ctx, struct kx_sys *sys, const struct kx_spec *spec,
	     struct kb_check_result **ret, unsigned *ret_n);
/* True when any result is fatal. */
bool kx_results_fatal(const struct kb_check_result *r, unsigned n);

enum kx_load_flags {
	KX_FORCE = 1u << 0,        /* load despite fatal preflight results */
	KX_NO_FALLBACK = 1u << 1,  /* never exec an external kexec-tools binary */
	KX_SKIP_CHECKS = 1u << 2,  /* caller already ran kx_check (implies its own decision) */
	KX_KHO = 1u << 3,          /* activate Kexec HandOver before loading (kx_kho_activate) */
};

/* Check (unless KX_SKIP_CHECKS), then load. -EPERM with fatal results and no
 * KX_FORCE (*ret_results filled when non-NULL either way); -EKEYREJECTED when
 * the kernel rejected the signature; other -errno on failure. On success
 * *ret_method is "kexec_file_load", "kexec_load" or "kexec-tools".
 * Integrity: every initrd handed over is verified in full once. The load
 * opens each initrd and trusts a verification of that same file (device,
 * inode, size, mtime, ctime, fingerprint of both ends) made by kx_check on
 * the same sys within KX_VCACHE_MAX_AGE_MS; otherwise it verifies it itself,
 * KX_SKIP_CHECKS or not: -EBADMSG for a corrupt or truncated initrd (unless
 * KX_FORCE). -ESTALE (and the kernel unloaded) when an initrd changed while
 * it was being loaded. */
int kx_load(void *ctx, struct kx_sys *sys, const struct kx_spec *spec, unsigned flags,
	    char **ret_method, struct kb_check_result **ret_results, unsigned *ret_n);

/* Forget every verification remembered by sys (see kx_load). */
void kx_verify_cache_clear(struct kx_sys *sys);

/* Activate Kexec HandOver where the running kernel offers it
 * (/sys/kernel/kho/active, or debugfs kho/out/finalize): 0 (now active;
 * *ret_path, when non-NULL, is the file written, static), -ENOENT (no KHO in
 * this kernel) or the write's -errno. Must precede the load. */
int kx_kho_activate(struct kx_sys *sys, const char **ret_path);

/* How kx_exec quiesces mounts. NULL opts: own_prefix = KX_DEFAULT_OWN_MOUNTS. */
struct kx_exec_opts {
	const char *own_prefix; /* mounts at or below this path are kexboot's: unmounted */
	bool ignore_remount_failure; /* jump even when a read-write filesystem stays writable (after sync) */
};
#define KX_DEFAULT_OWN_MOUNTS "/run/kexboot"
/* Room for kx_exec's status line. */
#define KX_EXEC_STATUS_SIZE 512

/* Unmount kexboot's mounts (deepest first; lazily when busy), sync, remount
 * the other read-write block filesystems read-only, sync, then
 * reboot(LINUX_REBOOT_CMD_KEXEC) via sys. Returns only on failure (-errno),
 * before the jump, leaving the system running: filesystems it had remounted
 * read-only are remounted read-write again, the loaded kernel stays loaded
 * (kx_unload drops it) and status (when non-NULL, KX_EXEC_STATUS_SIZE bytes)
 * says which step failed on what. -ENOEXEC: no kernel loaded; -EBUSY (or the
 * remount's error): a read-write filesystem could not be made read-only
 * (unless ignore_remount_failure); else reboot's error. The recording backend
 * returns 0 after recording. */
int kx_exec(struct kx_sys *sys, const struct kx_exec_opts *opts, char *status);

/* Unload a loaded kernel. 0 or -errno. */
int kx_unload(struct kx_sys *sys);

/* What the running kernel supports (syscalls, lockdown, KHO, architecture,
 * loaded state) as info/warning results. 0 or -ENOMEM. */
int kx_info(void *ctx, struct kx_sys *sys, struct kb_check_result **ret, unsigned *ret_n);

/* Named limits (every refusal names the limit and what was seen). */
#define KX_MAX_KERNEL_SIZE (512u << 20)      /* kernel file, compressed or not */
#define KX_MAX_DECOMPRESSED_KERNEL (512u << 20) /* decompressed kernel image */
#define KX_MAX_INITRD_TOTAL (2048ull << 20)  /* all initrds together */
#define KX_MAX_DTB_SIZE (2u << 20)           /* device tree blob */
#define KX_MEMORY_MARGIN (64ull << 20)       /* free memory kept beyond kernel+initrd+dtb */

#endif
