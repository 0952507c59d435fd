/* kexboot block-device layer: enumeration and hot-plug monitoring (libudev),
 * identification (libblkid), in-use detection, and read-only mounting that
 * never writes the disk.
 *
 * Files: discover/udev.c (kb_blockmon), discover/blockprobe.c (kb_block_*
 * identification and in-use checks), discover/mount.c (kb_mount_*).
 *
 * Safety contract:
 *  - a device that is in use (a filesystem of it, of one of its partitions or
 *    of its parent disk is mounted anywhere; it or one of those has holders
 *    such as device-mapper/md/LVM; it is an active swap) is never made
 *    read-only, mounted, remounted or unmounted: kb_mount_ro() refuses it with
 *    -EBUSY (it re-checks at call time), kb_mount_existing() reads through
 *    the existing mount point instead;
 *  - kb_mount_ro() sets the block device read-only (BLKROSET) before mounting
 *    and mounts MS_RDONLY with the per-filesystem option that skips journal
 *    replay; the original read-only flag is restored after unmount so a
 *    device (e.g. a loop device) can be reused normally afterwards.
 */
#ifndef KB_BLOCK_H
#define KB_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct kb_loop;
struct kb_blockmon;

/* Limits on what comes from sysfs / blkid / mountinfo. */
#define KB_BLOCK_MAX_GLOBS 64          /* --devices patterns */
#define KB_BLOCK_MAX_DEVICES 4096      /* devices tracked by one monitor */
#define KB_BLOCK_MAX_ID_LEN 256        /* uuid/label/fstype/... values kept */
#define KB_BLOCK_MAX_MOUNTINFO (8u << 20) /* bytes of /proc/self/mountinfo read */

/* One disk or partition as seen at probe time. Strings are talloc children
 * of the struct; NULL when unknown/absent. */
struct kb_blockdev {
	char *name;         /* kernel name: "loop0p1", "sda", "nvme0n1p2" */
	char *devnode;      /* "/dev/loop0p1" */
	dev_t devnum;       /* major:minor */
	bool is_partition;
	char *parent;       /* partitions: kernel name of the whole disk, else NULL */
	uint64_t size;      /* bytes */
	bool read_only;     /* the block layer's ro flag at probe time */
	bool removable;     /* sysfs "removable" (optical, card readers) */
	/* from libblkid */
	char *fstype;       /* "ext4", "vfat", "iso9660", "swap", ... */
	char *uuid;
	char *label;
	char *partuuid;     /* partitions: GPT partition GUID or MBR "xxxxxxxx-NN" */
	char *partlabel;    /* partitions: GPT partition name */
	char *pttype;       /* whole disks with a partition table: "gpt", "dos" */
	/* from kb_block_check_in_use() */
	bool in_use;
	char *in_use_reason; /* "mounted at /x", "held by dm-0", "active swap" */
	char *mount_point;   /* an existing mount of this very device's fs, if any */
};

/* Events delivered by a monitor. They are normalised: a device is ADDed once
 * (first seen with size > 0 and matching the globs), CHANGEd while known
 * (uevent "change", or a rescan that found different identities), and
 * REMOVEd once (uevent "remove", or its size dropped to 0 — a detached loop
 * device — or a rescan no longer sees it). */
enum kb_block_event {
	KB_BLOCK_ADD = 0,
	KB_BLOCK_CHANGE = 1,
	KB_BLOCK_REMOVE = 2,
};

/* bd is owned by the monitor and valid only during the call (copy with
 * kb_blockdev_dup() to keep it). For REMOVE it is the last known state. */
typedef void (*kb_block_fn)(struct kb_blockmon *mon, enum kb_block_event ev,
			    const struct kb_blockdev *bd, void *data);

/* --- monitor (discover/udev.c) ------------------------------------------ */

/* A block monitor under ctx. It listens to udevd's events when udevd runs
 * (/run/udev/control exists), else to raw kernel uevents; it registers its fd
 * with loop (loop may be NULL: then drive it with kb_blockmon_get_fd() and
 * kb_blockmon_dispatch()). globs filter kernel names with fnmatch (n_globs 0
 * = all); ram*, zram* and size-0 devices are always skipped. No event is
 * delivered before kb_blockmon_enumerate(). NULL on failure (errno set). */
struct kb_blockmon *kb_blockmon_new(void *ctx, struct kb_loop *loop, const char *const *globs,
				    unsigned n_globs, kb_block_fn cb, void *data);

/* Mounts at or below dir (kexboot's own, e.g. RUNTIME_DIR/mnt) are not counted
 * as "in use" when the monitor probes. 0 or -ENOMEM. */
int kb_blockmon_set_own_mount_dir(struct kb_blockmon *mon, const char *dir);

/* Scan all block devices now (initial scan and "rescan"): ADD for new ones,
 * CHANGE for known ones whose identities/in-use state changed, REMOVE for
 * known ones gone. Returns the number of devices known, or -errno. */
int kb_blockmon_enumerate(struct kb_blockmon *mon);

/* The monitor's fd (readable when events wait) and the handler that reads
 * and delivers all pending events; only needed when loop was NULL.
 * kb_blockmon_dispatch returns the number of events delivered or -errno. */
int kb_blockmon_get_fd(const struct kb_blockmon *mon);
int kb_blockmon_dispatch(struct kb_blockmon *mon);

/* true when events come from udevd, false for raw kernel uevents. */
bool kb_blockmon_using_udevd(const struct kb_blockmon *mon);

/* The monitor's current view of a device by kernel name, or NULL. */
const struct kb_blockdev *kb_blockmon_find(const struct kb_blockmon *mon, const char *name);

/* --- identification and in-use checks (discover/blockprobe.c) ------------ */

/* true if name matches one of the fnmatch globs (n_globs 0 = always). */
bool kb_block_name_matches(const char *name, const char *const *globs, unsigned n_globs);

/* true for names skipped by default (ram*, zram*). */
bool kb_block_name_ignored(const char *name);

/* Probe the block device /dev/NAME (or a devnode path) with libblkid and
 * sysfs: fills a new kb_blockdev under ctx (in-use fields not filled).
 * 0 (*ret set), -ENOENT, -ENOTBLK (not a block device), or -errno. */
int kb_block_probe(void *ctx, const char *name_or_devnode, struct kb_blockdev **ret);

/* Fill bd's libblkid identities (fstype, uuid, label, partuuid, partlabel,
 * pttype) by reading path (a devnode or an image file). Values are replaced.
 * 0, or -errno when the device cannot be opened. Nothing found is not an error. */
int kb_block_probe_ids(struct kb_blockdev *bd, const char *path);

/* Decide whether bd is in use (see the safety contract above) and fill
 * bd->in_use, in_use_reason and mount_point. Mounts at or below own_dir
 * (may be NULL) are ignored. 1 in use, 0 free, -errno if it cannot tell
 * (callers must then treat it as in use). */
int kb_block_check_in_use(struct kb_blockdev *bd, const char *own_dir);

/* Deep copy under ctx; NULL on allocation failure. */
struct kb_blockdev *kb_blockdev_dup(void *ctx, const struct kb_blockdev *bd);

/* --- mounting (discover/mount.c) ----------------------------------------- */

/* A filesystem kexboot reads files from. Freeing it unmounts our own mount
 * (umount2, MNT_DETACH as fallback), removes the directory and restores the
 * device's original read-only flag; for an existing mount it does nothing. */
struct kb_mount {
	char *device;      /* kernel name */
	char *devnode;
	char *fstype;
	char *mount_point; /* absolute; read files below it */
	char *options;     /* data string given to mount(2), "" if none;
			    * "via PROGRAM" for a FUSE mount (see helper) */
	bool ours;         /* false: an existing mount we only read through */
	bool ro_was_set;   /* we changed the block ro flag (restored on free) */
	int ro_original;   /* the flag before we changed it */
	/* How it was mounted: NULL by the kernel (mount(2)); else the FUSE
	 * program's name ("fusefat", "fuseiso") and its path. For a FUSE mount
	 * options is "via PROGRAM" (no data string is given to mount(2)) so a
	 * display of options reads "mounted read-only (via fusefat)". */
	char *helper;
	char *helper_path;
};

/* FUSE fallback: when mount(2) fails with ENODEV (no kernel driver) for a
 * filesystem that has a read-only FUSE program, kb_mount_ro() runs it (after
 * BLKROSET, with "-o ro,nosuid,nodev,noexec"), waits until the mount shows in
 * /proc/self/mountinfo and the program has daemonised (exit 0), at most
 * KB_MOUNT_HELPER_TIMEOUT_MS; on timeout it kills the program. Programs are
 * looked up in KB_MOUNT_HELPER_DIRS unless the environment variable names an
 * executable (an override that is not executable counts as not installed).
 *   vfat, msdos: fusefat (KEXBOOT_FUSEFAT); its default is read-write: "-o ro"
 *                makes it open the device O_RDONLY.
 *   iso9660:     fuseiso (KEXBOOT_FUSEISO), with -n (no ~/.mtab.fuseiso). */
#define KB_MOUNT_HELPER_TIMEOUT_MS 10000 /* helper start until mounted + daemonised */
#define KB_MOUNT_HELPER_SETTLE_MS 1000   /* after exit 0, for the mount to show */
#define KB_MOUNT_HELPER_POLL_MS 10       /* mountinfo/waitpid poll interval */
#define KB_MOUNT_HELPER_REAP_MS 1000     /* after SIGKILL on timeout, bounded reaping */
#define KB_MOUNT_HELPER_OUTPUT_MAX 2048  /* bytes of the helper's output kept for errors */
#define KB_MOUNT_HELPER_DIRS "/usr/bin", "/bin", "/usr/sbin", "/sbin"
#define KB_MOUNT_FUSEFAT_ENV "KEXBOOT_FUSEFAT"
#define KB_MOUNT_FUSEISO_ENV "KEXBOOT_FUSEISO"

/* Mount bd read-only at RUNTIME_DIR/mnt/NAME, never writing the disk:
 * refuses in-use devices (-EBUSY), filesystems it has no safe options for
 * (-EMEDIUMTYPE; also for no fstype), sets BLKROSET on the device, mounts
 * MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC with ext3/4 "noload", xfs
 * "norecovery", btrfs "rescue=nologreplay" (then "nologreplay"), f2fs
 * "norecovery". *ret is a child of ctx. On failure, if ret_why is not NULL,
 * *ret_why is a talloc string under ctx saying why (e.g. the filesystem is
 * not supported by the kernel and its FUSE program is missing or failed,
 * -ENODEV). Without a kernel driver, vfat/msdos/iso9660 go through the FUSE
 * fallback above. 0 or -errno. */
int kb_mount_ro(void *ctx, const struct kb_blockdev *bd, const char *runtime_dir,
		struct kb_mount **ret, char **ret_why);

/* Read through an existing mount of bd (bd->mount_point, re-checked against
 * /proc/self/mountinfo). No mount is made. 0, or -ENOENT if not mounted. */
int kb_mount_existing(void *ctx, const struct kb_blockdev *bd, struct kb_mount **ret);

/* The filesystems kb_mount_ro() accepts and the data string it gives mount(2)
 * first; NULL when fstype is not accepted. */
const char *kb_mount_fs_options(const char *fstype);

/* Test seam: every syscall that touches a device or a mount goes through
 * this table. Each returns >= 0 or -1 with errno set, like the syscalls. */
struct kb_sysops {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long req, void *arg);
	int (*mount)(const char *src, const char *target, const char *fstype,
		     unsigned long flags, const void *data);
	int (*umount2)(const char *target, int flags);
	int (*mkdir)(const char *path, mode_t mode);
	int (*rmdir)(const char *path);
	/* FUSE fallback. A table without these ops makes the fallback fail
	 * with -ENOSYS. spawn runs path with argv (environment inherited),
	 * stdin on /dev/null, stdout and stderr on out_fd; returns the pid. */
	pid_t (*spawn)(const char *path, char *const argv[], int out_fd);
	pid_t (*waitpid)(pid_t pid, int *status, int options);
	int (*kill)(pid_t pid, int sig);
	int (*access)(const char *path, int mode);
	/* 1 when target is a mount point in /proc/self/mountinfo whose type
	 * starts with type_prefix ("fuse"), 0 when not, -1 on error. */
	int (*mountinfo_has)(const char *target, const char *type_prefix);
	/* wait ms milliseconds (poll interval) */
	void (*sleep_ms)(unsigned ms);
};

/* Replace the syscall table (NULL = the real syscalls); returns the old one. */
const struct kb_sysops *kb_mount_set_sysops(const struct kb_sysops *ops);

#endif
