/* Block device identification (sysfs + libblkid) and in-use detection
 * (/proc/self/mountinfo, sysfs holders, /proc/swaps). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <blkid.h>
#include <talloc.h>

#include "discover/block.h"

#define SYSFS_BLOCK "/sys/class/block"
#define SECTOR_SIZE 512
#define SYSFS_ATTR_MAX 64 /* bytes read from a numeric sysfs attribute */
#define MAX_PARTITIONS_SCANNED 1024 /* partitions of one disk looked at for in-use */

bool kb_block_name_matches(const char *name, const char *const *globs, unsigned n_globs)
{
	if (n_globs == 0)
		return true;
	for (unsigned i = 0; i < n_globs; i++)
		if (globs[i] && fnmatch(globs[i], name, 0) == 0)
			return true;
	return false;
}

bool kb_block_name_ignored(const char *name)
{
	return strncmp(name, "ram", 3) == 0 || strncmp(name, "zram", 4) == 0;
}

/* Read a small sysfs attribute of block device name into buf. 0 or -errno. */
static int read_sysattr(const char *name, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	int fd;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), SYSFS_BLOCK "/%s/%s", name, attr) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_sysattr_u64(const char *name, const char *attr, uint64_t *ret)
{
	char buf[SYSFS_ATTR_MAX], *end;
	unsigned long long v;
	int r = read_sysattr(name, attr, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EBADMSG;
	*ret = v;
	return 0;
}

static bool sysattr_exists(const char *name, const char *attr)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), SYSFS_BLOCK "/%s/%s", name, attr) >= sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

/* Kernel name of the block device with number devnum (via /sys/dev/block). */
static char *name_from_devnum(void *ctx, dev_t devnum)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(devnum), minor(devnum));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	base = strrchr(target, '/');
	return talloc_strdup(ctx, base ? base + 1 : target);
}

/* Kernel name of the disk a partition belongs to: its sysfs parent dir. */
static char *parent_name(void *ctx, const char *name)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	char *slash;

	snprintf(link, sizeof(link), SYSFS_BLOCK "/%s", name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	slash = strrchr(target, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	slash = strrchr(target, '/');
	return talloc_strdup(ctx, slash ? slash + 1 : target);
}

/* A bounded talloc copy of a blkid value (values come from the disk). */
static char *dup_value(void *ctx, const char *v)
{
	if (!v)
		return NULL;
	return talloc_strndup(ctx, v, KB_BLOCK_MAX_ID_LEN);
}

int kb_block_probe_ids(struct kb_blockdev *bd, const char *path)
{
	blkid_probe pr;
	const char *v;
	int r;

	TALLOC_FREE(bd->fstype);
	TALLOC_FREE(bd->uuid);
	TALLOC_FREE(bd->label);
	TALLOC_FREE(bd->partuuid);
	TALLOC_FREE(bd->partlabel);
	TALLOC_FREE(bd->pttype);

	errno = 0;
	pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return errno ? -errno : -EIO;

	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
					      BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);

	r = blkid_do_safeprobe(pr);
	/* 1: nothing found; -2: ambivalent (several signatures): report none. */
	if (r == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
			bd->fstype = dup_value(bd, v);
		if (blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
			bd->uuid = dup_value(bd, v);
		if (blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0)
			bd->label = dup_value(bd, v);
		if (blkid_probe_lookup_value(pr, "PART_ENTRY_UUID", &v, NULL) == 0)
			bd->partuuid = dup_value(bd, v);
		if (blkid_probe_lookup_value(pr, "PART_ENTRY_NAME", &v, NULL) == 0)
			bd->partlabel = dup_value(bd, v);
		if (blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) == 0)
			bd->pttype = dup_value(bd, v);
	}
	blkid_free_probe(pr);
	return 0;
}

int kb_block_probe(void *ctx, const char *name_or_devnode, struct kb_blockdev **ret)
{
	struct kb_blockdev *bd;
	struct stat st;
	uint64_t v;
	int r;

	bd = talloc_zero(ctx, struct kb_blockdev);
	if (!bd)
		return -ENOMEM;

	if (strchr(name_or_devnode, '/')) {
		bd->devnode = talloc_strdup(bd, name_or_devnode);
	} else {
		if (strlen(name_or_devnode) > NAME_MAX) {
			r = -ENAMETOOLONG;
			goto fail;
		}
		bd->devnode = talloc_asprintf(bd, "/dev/%s", name_or_devnode);
	}
	if (!bd->devnode) {
		r = -ENOMEM;
		goto fail;
	}
	if (stat(bd->devnode, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISBLK(st.st_mode)) {
		r = -ENOTBLK;
		goto fail;
	}
	bd->devnum = st.st_rdev;
	bd->name = name_from_devnum(bd, bd->devnum);
	if (!bd->name) {
		r = -ENOENT;
		goto fail;
	}

	bd->is_partition = sysattr_exists(bd->name, "partition");
	if (bd->is_partition)
		bd->parent = parent_name(bd, bd->name);
	if (read_sysattr_u64(bd->name, "size", &v) == 0)
		bd->size = v * SECTOR_SIZE;
	if (read_sysattr_u64(bd->name, "ro", &v) == 0)
		bd->read_only = v != 0;
	if (read_sysattr_u64(bd->is_partition && bd->parent ? bd->parent : bd->name, "removable",
			     &v) == 0)
		bd->removable = v != 0;

	if (bd->size > 0) {
		r = kb_block_probe_ids(bd, bd->devnode);
		if (r < 0 && r != -ENOMEDIUM)
			goto fail;
	}
	*ret = bd;
	return 0;
fail:
	talloc_free(bd);
	return r;
}

struct kb_blockdev *kb_blockdev_dup(void *ctx, const struct kb_blockdev *bd)
{
	struct kb_blockdev *n = talloc_zero(ctx, struct kb_blockdev);

	if (!n)
		return NULL;
	*n = *bd;
#define DUP(f)                                              \
	do {                                                \
		n->f = NULL;                                \
		if (bd->f && !(n->f = talloc_strdup(n, bd->f))) \
			goto fail;                          \
	} while (0)
	DUP(name);
	DUP(devnode);
	DUP(parent);
	DUP(fstype);
	DUP(uuid);
	DUP(label);
	DUP(partuuid);
	DUP(partlabel);
	DUP(pttype);
	DUP(in_use_reason);
	DUP(mount_point);
#undef DUP
	return n;
fail:
	talloc_free(n);
	return NULL;
}

/* ---- in-use detection ---- */

/* Undo mountinfo's octal escapes (\040 etc.) in place. */
static void unescape_mountinfo(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static bool path_below(const char *path, const char *dir)
{
	size_t n;

	if (!dir || !*dir)
		return false;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Read a whole /proc file (size unknown in advance) under ctx, bounded. */
static char *read_proc_file(void *ctx, const char *path, size_t max)
{
	size_t len = 0, alloc = 16384;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = talloc_size(ctx, alloc);
	while (buf) {
		ssize_t n;

		if (len + 1 >= alloc) {
			if (alloc >= max) {
				errno = EFBIG;
				TALLOC_FREE(buf);
				break;
			}
			alloc *= 2;
			buf = talloc_realloc_size(ctx, buf, alloc);
			if (!buf)
				break;
		}
		n = read(fd, buf + len, alloc - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			TALLOC_FREE(buf);
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	return buf;
}

/* The set of device numbers a device's in-use state depends on. */
struct devset {
	dev_t devs[MAX_PARTITIONS_SCANNED + 2];
	char *names[MAX_PARTITIONS_SCANNED + 2];
	unsigned n;
};

static void devset_add_name(void *ctx, struct devset *s, const char *name)
{
	char buf[SYSFS_ATTR_MAX];
	unsigned maj, min;

	if (s->n >= sizeof(s->devs) / sizeof(s->devs[0]))
		return;
	if (read_sysattr(name, "dev", buf, sizeof(buf)) < 0 || sscanf(buf, "%u:%u", &maj, &min) != 2)
		return;
	s->devs[s->n] = makedev(maj, min);
	s->names[s->n] = talloc_strdup(ctx, name);
	s->n++;
}

/* bd itself (always first), its partitions, and its parent disk. */
static void devset_build(void *ctx, struct devset *s, const struct kb_blockdev *bd)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *de;

	s->n = 1;
	s->devs[0] = bd->devnum;
	s->names[0] = bd->name;
	if (bd->is_partition) {
		if (bd->parent)
			devset_add_name(ctx, s, bd->parent);
		return;
	}
	snprintf(path, sizeof(path), SYSFS_BLOCK "/%s", bd->name);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char attr[NAME_MAX + 16];

		if (de->d_name[0] == '.' || strncmp(de->d_name, bd->name, strlen(bd->name)) != 0)
			continue;
		snprintf(attr, sizeof(attr), "%s/partition", de->d_name);
		if (sysattr_exists(bd->name, attr))
			devset_add_name(ctx, s, de->d_name);
	}
	closedir(d);
}

static const char *holder_of(void *ctx, const char *name)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *de;
	const char *found = NULL;

	if (!name)
		return NULL;
	snprintf(path, sizeof(path), SYSFS_BLOCK "/%s/holders", name);
	d = opendir(path);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		found = talloc_strdup(ctx, de->d_name);
		break;
	}
	closedir(d);
	return found;
}

int kb_block_check_in_use(struct kb_blockdev *bd, const char *own_dir)
{
	void *tmp = talloc_new(NULL);
	struct devset *s = talloc_zero(tmp, struct devset);
	char *reason = NULL, *own_mp = NULL, *info, *line, *save;
	char *swaps;
	bool own_mp_is_root = false;
	int r = 0;

	if (!tmp || !s) {
		talloc_free(tmp);
		return -ENOMEM;
	}
	devset_build(s, s, bd);

	info = read_proc_file(tmp, "/proc/self/mountinfo", KB_BLOCK_MAX_MOUNTINFO);
	if (!info) {
		r = -errno;
		goto out;
	}
	/* id parent maj:min root mountpoint options ... */
	for (line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char root[PATH_MAX], mp[PATH_MAX];
		unsigned maj, min;

		if (strlen(line) >= PATH_MAX ||
		    sscanf(line, "%*u %*u %u:%u %4095s %4095s", &maj, &min, root, mp) != 4)
			continue;
		unescape_mountinfo(root);
		unescape_mountinfo(mp);
		if (path_below(mp, own_dir))
			continue;
		for (unsigned i = 0; i < s->n; i++) {
			if (s->devs[i] != makedev(maj, min))
				continue;
			if (!reason)
				reason = i == 0 ? talloc_asprintf(tmp, "mounted at %s", mp)
						: talloc_asprintf(tmp, "%s is mounted at %s",
								  s->names[i], mp);
			/* prefer a mount of the filesystem's root for reading configs */
			if (i == 0 && (!own_mp || (!own_mp_is_root && strcmp(root, "/") == 0))) {
				own_mp = talloc_strdup(tmp, mp);
				own_mp_is_root = strcmp(root, "/") == 0;
			}
		}
	}

	for (unsigned i = 0; !reason && i < s->n; i++) {
		const char *h = holder_of(tmp, s->names[i]);

		if (h)
			reason = i == 0 ? talloc_asprintf(tmp, "held by %s", h)
					: talloc_asprintf(tmp, "%s is held by %s", s->names[i], h);
	}

	swaps = reason ? NULL : read_proc_file(tmp, "/proc/swaps", KB_BLOCK_MAX_MOUNTINFO);
	if (swaps) {
		for (line = strtok_r(swaps, "\n", &save); line && !reason;
		     line = strtok_r(NULL, "\n", &save)) {
			char path[PATH_MAX];
			struct stat st;

			if (strlen(line) >= PATH_MAX || sscanf(line, "%4095s", path) != 1 ||
			    path[0] != '/')
				continue;
			unescape_mountinfo(path);
			if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
				continue;
			for (unsigned i = 0; i < s->n; i++)
				if (st.st_rdev == s->devs[i]) {
					reason = i == 0 ? talloc_strdup(tmp, "active swap")
							: talloc_asprintf(tmp, "%s is an active swap",
									  s->names[i]);
					break;
				}
		}
	}

	TALLOC_FREE(bd->in_use_reason);
	TALLOC_FREE(bd->mount_point);
	bd->in_use = reason != NULL;
	if (reason)
		bd->in_use_reason = talloc_steal(bd, reason);
	if (own_mp)
		bd->mount_point = talloc_steal(bd, own_mp);
	r = bd->in_use ? 1 : 0;
out:
	talloc_free(tmp);
	return r;
}
