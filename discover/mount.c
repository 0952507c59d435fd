/* Read-only mounts that never write the disk: BLKROSET first, then mount(2)
 * with MS_RDONLY and the per-filesystem option that skips journal replay. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "discover/block.h"

#define MOUNT_SUBDIR "mnt"
#define MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int real_open(const char *path, int flags)
{
	return open(path, flags);
}

static int real_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static const struct kb_sysops real_ops = {
	.open = real_open,
	.close = close,
	.ioctl = real_ioctl,
	.mount = mount,
	.umount2 = umount2,
	.mkdir = mkdir,
	.rmdir = rmdir,
};

static const struct kb_sysops *ops = &real_ops;

const struct kb_sysops *kb_mount_set_sysops(const struct kb_sysops *new_ops)
{
	const struct kb_sysops *old = ops;

	ops = new_ops ? new_ops : &real_ops;
	return old;
}

/* Filesystems we know how to mount without writing, with the data strings to
 * try in order (the first that the kernel accepts wins; a later one is only
 * tried when the kernel rejects the option with EINVAL). */
struct fs_rule {
	const char *fstype;
	const char *mount_type; /* NULL = fstype */
	const char *options[2];
};

static const struct fs_rule fs_rules[] = {
	{"ext2", NULL, {"", NULL}},
	{"ext3", NULL, {"noload", NULL}},
	{"ext4", NULL, {"noload", NULL}},
	{"xfs", NULL, {"norecovery", NULL}},
	/* "nologreplay" became "rescue=nologreplay" (Linux 5.9); try both. */
	{"btrfs", NULL, {"rescue=nologreplay", "nologreplay"}},
	{"f2fs", NULL, {"norecovery", NULL}},
	{"vfat", NULL, {"", NULL}},
	{"msdos", NULL, {"", NULL}},
	{"exfat", NULL, {"", NULL}},
	{"iso9660", NULL, {"", NULL}},
	{"udf", NULL, {"", NULL}},
	{"squashfs", NULL, {"", NULL}},
	{"erofs", NULL, {"", NULL}},
};

static const struct fs_rule *find_rule(const char *fstype)
{
	if (!fstype)
		return NULL;
	for (size_t i = 0; i < sizeof(fs_rules) / sizeof(fs_rules[0]); i++)
		if (strcmp(fs_rules[i].fstype, fstype) == 0)
			return &fs_rules[i];
	return NULL;
}

const char *kb_mount_fs_options(const char *fstype)
{
	const struct fs_rule *rule = find_rule(fstype);

	return rule ? rule->options[0] : NULL;
}

/* Set the block layer's ro flag of devnode to val; *old gets the previous
 * value when old is not NULL. 0 or -errno. */
static int set_block_ro(const char *devnode, int val, int *old)
{
	int fd, r = 0, cur = 0;

	fd = ops->open(devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (old) {
		if (ops->ioctl(fd, BLKROGET, &cur) < 0) {
			r = -errno;
			goto out;
		}
		*old = cur;
	}
	if (ops->ioctl(fd, BLKROSET, &val) < 0)
		r = -errno;
out:
	ops->close(fd);
	return r;
}

static int mount_destructor(struct kb_mount *m)
{
	if (!m->ours)
		return 0;
	if (m->mount_point) {
		if (ops->umount2(m->mount_point, 0) < 0 && errno != EINVAL)
			ops->umount2(m->mount_point, MNT_DETACH);
		ops->rmdir(m->mount_point);
	}
	if (m->ro_was_set && m->devnode)
		set_block_ro(m->devnode, m->ro_original, NULL);
	return 0;
}

static int mkdir_p1(const char *path)
{
	if (ops->mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int kb_mount_ro(void *ctx, const struct kb_blockdev *bd, const char *runtime_dir,
		struct kb_mount **ret, char **ret_why)
{
	const struct fs_rule *rule;
	struct kb_blockdev *check = NULL;
	struct kb_mount *m = NULL;
	char *dir;
	int r;

#define WHY(...)                                                  \
	do {                                                      \
		if (ret_why)                                      \
			*ret_why = talloc_asprintf(ctx, __VA_ARGS__); \
	} while (0)

	if (!bd || !bd->name || !bd->devnode || !runtime_dir)
		return -EINVAL;
	rule = find_rule(bd->fstype);
	if (!rule) {
		WHY("%s: refusing to mount filesystem type '%s': no read-only mount rule for it",
		    bd->name, bd->fstype ? bd->fstype : "(none)");
		return -EMEDIUMTYPE;
	}
	if (strchr(bd->name, '/') || strcmp(bd->name, ".") == 0 || strcmp(bd->name, "..") == 0) {
		WHY("%s: refusing a device name that is not a single path component", bd->name);
		return -EINVAL;
	}

	/* The caller's view may be stale: decide on in-use now. */
	check = kb_blockdev_dup(NULL, bd);
	if (!check)
		return -ENOMEM;
	r = kb_block_check_in_use(check, NULL);
	if (r != 0) {
		if (r > 0)
			WHY("%s: in use (%s): not mounting, not making it read-only", bd->name,
			    check->in_use_reason);
		else
			WHY("%s: cannot tell whether it is in use (%s): not touching it", bd->name,
			    strerror(-r));
		talloc_free(check);
		return -EBUSY;
	}
	talloc_free(check);

	m = talloc_zero(ctx, struct kb_mount);
	if (!m)
		return -ENOMEM;
	m->ours = true;
	m->device = talloc_strdup(m, bd->name);
	m->devnode = talloc_strdup(m, bd->devnode);
	m->fstype = talloc_strdup(m, bd->fstype);
	dir = talloc_asprintf(m, "%s/" MOUNT_SUBDIR, runtime_dir);
	if (!m->device || !m->devnode || !m->fstype || !dir) {
		r = -ENOMEM;
		goto fail;
	}
	talloc_set_destructor(m, mount_destructor);

	r = mkdir_p1(runtime_dir);
	if (r == 0)
		r = mkdir_p1(dir);
	if (r < 0) {
		WHY("%s: cannot create %s: %s", bd->name, dir, strerror(-r));
		goto fail;
	}
	dir = talloc_asprintf(m, "%s/%s", dir, bd->name);
	if (!dir) {
		r = -ENOMEM;
		goto fail;
	}
	/* a leftover empty directory from an earlier run is replaced; a busy one
	 * (still mounted) makes rmdir fail and is reported */
	if (ops->mkdir(dir, 0700) < 0 && !(errno == EEXIST && ops->rmdir(dir) == 0 &&
					    ops->mkdir(dir, 0700) == 0)) {
		r = -errno;
		WHY("%s: cannot create mount point %s: %s", bd->name, dir, strerror(-r));
		goto fail;
	}

	r = set_block_ro(bd->devnode, 1, &m->ro_original);
	if (r < 0) {
		WHY("%s: cannot set the device read-only (BLKROSET): %s; not mounting", bd->name,
		    strerror(-r));
		ops->rmdir(dir);
		goto fail;
	}
	m->ro_was_set = true; /* the destructor restores it from here on */

	r = -EINVAL;
	for (size_t i = 0; i < 2 && rule->options[i]; i++) {
		const char *opt = rule->options[i];

		if (ops->mount(bd->devnode, dir, rule->mount_type ? rule->mount_type : rule->fstype,
			       MOUNT_FLAGS, *opt ? opt : NULL) == 0) {
			m->options = talloc_strdup(m, opt);
			r = 0;
			break;
		}
		r = -errno;
		if (r != -EINVAL)
			break;
	}
	if (r < 0) {
		if (r == -ENODEV)
			WHY("%s: the kernel does not support filesystem type %s", bd->name,
			    bd->fstype);
		else if (strcmp(bd->fstype, "xfs") == 0)
			WHY("%s: read-only mount of xfs with norecovery failed (%s); the log "
			    "may be dirty and is not replayed: cannot mount without writing",
			    bd->name, strerror(-r));
		else
			WHY("%s: read-only mount as %s (options \"%s\") failed: %s", bd->name,
			    bd->fstype, rule->options[0], strerror(-r));
		ops->rmdir(dir);
		goto fail;
	}
	/* mounted: the destructor unmounts and removes the directory */
	m->mount_point = dir;
	if (!m->options) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = m;
	return 0;
fail:
	talloc_free(m);
	return r;
#undef WHY
}

int kb_mount_existing(void *ctx, const struct kb_blockdev *bd, struct kb_mount **ret)
{
	struct kb_blockdev *check;
	struct kb_mount *m;
	int r;

	check = kb_blockdev_dup(NULL, bd);
	if (!check)
		return -ENOMEM;
	r = kb_block_check_in_use(check, NULL);
	if (r < 0 || !check->mount_point) {
		talloc_free(check);
		return r < 0 ? r : -ENOENT;
	}
	m = talloc_zero(ctx, struct kb_mount);
	if (!m) {
		talloc_free(check);
		return -ENOMEM;
	}
	m->ours = false;
	m->device = talloc_strdup(m, bd->name);
	m->devnode = talloc_strdup(m, bd->devnode);
	m->fstype = talloc_strdup(m, bd->fstype ? bd->fstype : "");
	m->mount_point = talloc_steal(m, check->mount_point);
	m->options = talloc_strdup(m, "");
	talloc_free(check);
	if (!m->device || !m->devnode || !m->fstype || !m->options) {
		talloc_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}
