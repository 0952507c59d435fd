/* kexboot: the real kb_parse_fs backend over mounted device roots. */
#include <config.h> /* autoconf (discover/config.h would shadow "config.h") */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <talloc.h>

#include "discover/parser-fs.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct fs_dev {
	struct kb_device *dev;
	int root_fd;
};

struct fs_data {
	struct fs_dev **devs;
	unsigned n_devs;
};

static int fs_dev_destructor(struct fs_dev *d)
{
	if (d->root_fd >= 0)
		close(d->root_fd);
	d->root_fd = -1;
	return 0;
}

/* The openat2-less resolver: component walk with symlinks resolved in root. */
int kb_open_in_root_walk(int root_fd, const char *path, int flags)
{
	/* Stack of directory fds from the root; stack[0] is root_fd (not owned). */
	int stack[PATH_MAX / 2];
	unsigned depth = 0, links = 0;
	char *rest, *buf, small[256];
	size_t cap;
	int r = -ENOENT;

	stack[0] = root_fd;
	cap = strlen(path) + 1;
	buf = cap <= sizeof(small) ? small : malloc(cap);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, path, cap);
	rest = buf;

	for (;;) {
		char *comp;
		size_t n;
		int fd;
		struct stat st;
		bool last;

		while (*rest == '/')
			rest++;
		if (!*rest) {
			/* path named a directory on the stack (or the root) */
			r = openat(stack[depth], ".", flags | O_CLOEXEC);
			if (r < 0)
				r = -errno;
			break;
		}
		comp = rest;
		{
			char *sl = strchr(rest, '/');

			rest = sl ? sl : rest + strlen(rest);
		}
		n = (size_t)(rest - comp);
		if (*rest)
			*rest++ = '\0';
		{
			const char *q = rest;

			while (*q == '/')
				q++;
			last = !*q;
		}
		if (n == 1 && comp[0] == '.')
			continue;
		if (n == 2 && comp[0] == '.' && comp[1] == '.') {
			if (depth > 0)
				close(stack[depth--]);
			continue;
		}
		/* the common cases in one call: a directory on the way (never a
		 * symlink: O_NOFOLLOW|O_DIRECTORY refuses one) or the final file;
		 * anything else takes the general path below */
		if (!last) {
			fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0) {
				if (depth + 1 >= sizeof(stack) / sizeof(stack[0])) {
					close(fd);
					r = -ENAMETOOLONG;
					break;
				}
				stack[++depth] = fd;
				continue;
			}
			if (errno != ENOTDIR && errno != ELOOP) {
				r = -errno;
				break;
			}
		} else if (!(flags & O_PATH)) {
			r = openat(stack[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC);
			if (r >= 0)
				break;
			if (errno != ELOOP) {
				r = -errno;
				break;
			}
		}
		fd = openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			break;
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
			char *nb;
			size_t rl = strlen(rest);

			close(fd);
			if (tl < 0) {
				r = -errno;
				break;
			}
			if (++links > KB_PARSE_FS_MAX_SYMLINKS) {
				r = -ELOOP;
				break;
			}
			target[tl] = '\0';
			nb = malloc((size_t)tl + rl + 2);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			memcpy(nb, target, (size_t)tl);
			nb[tl] = '/';
			memcpy(nb + tl + 1, rest, rl + 1);
			if (buf != small)
				free(buf);
			buf = rest = nb;
			if (target[0] == '/')
				while (depth > 0)
					close(stack[depth--]);
			continue;
		}
		if (last) {
			close(fd);
			r = openat(stack[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC);
			if (r < 0)
				r = -errno;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			r = -ENOTDIR;
			break;
		}
		if (depth + 1 >= sizeof(stack) / sizeof(stack[0])) {
			close(fd);
			r = -ENAMETOOLONG;
			break;
		}
		stack[++depth] = fd;
	}
	while (depth > 0)
		close(stack[depth--]);
	if (buf != small)
		free(buf);
	return r;
}

/* Set once the kernel said ENOSYS to openat2: a property of the running
 * kernel, the same for every caller, so it is kept process-wide. */
static bool openat2_missing;

/* Open path confined to root_fd's tree (openat2, or the walk on ENOSYS). */
int kb_open_in_root(int root_fd, const char *path, int flags)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	if (openat2_missing)
		return kb_open_in_root_walk(root_fd, path, flags);
	fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	if (errno == ENOSYS) {
		openat2_missing = true;
		return kb_open_in_root_walk(root_fd, path, flags);
	}
	if (errno == EPERM /* seccomp filters */)
		return kb_open_in_root_walk(root_fd, path, flags);
	if (errno == EAGAIN) /* racing rename: retry once with the walk */
		return kb_open_in_root_walk(root_fd, path, flags);
	return -errno;
}

static struct fs_dev *fs_lookup(struct kb_parse_fs *fs, const char *dev)
{
	struct fs_data *d = fs->data;
	unsigned i;

	if (!dev)
		dev = fs->current;
	if (!dev)
		return NULL;
	for (i = 0; i < d->n_devs; i++)
		if (strcmp(d->devs[i]->dev->id, dev) == 0)
			return d->devs[i];
	return NULL;
}

static int fs_read_file(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			size_t max, char **ret_buf, size_t *ret_len)
{
	struct fs_dev *d = fs_lookup(fs, dev);
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, r;

	if (!d)
		return -ENODEV;
	fd = kb_open_in_root(d->root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	buf = talloc_size(ctx, (size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			talloc_free(buf);
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile: use what is there */
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret_buf = buf;
	*ret_len = got;
	r = 0;
out:
	close(fd);
	return r;
}

static int fs_read_range(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			 uint64_t off, size_t len, char **ret_buf, size_t *ret_len)
{
	struct fs_dev *d = fs_lookup(fs, dev);
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, r;

	if (!d)
		return -ENODEV;
	if (len > KB_CONFIG_MAX_SIZE)
		return -EFBIG;
	fd = kb_open_in_root(d->root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	buf = talloc_size(ctx, len + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			talloc_free(buf);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret_buf = buf;
	*ret_len = got;
	r = 0;
out:
	close(fd);
	return r;
}

static int fs_stat(struct kb_parse_fs *fs, const char *dev, const char *path,
		   struct kb_file_info *ret_info)
{
	struct fs_dev *d = fs_lookup(fs, dev);
	struct stat st;
	int fd;

	if (!d)
		return -ENODEV;
	fd = kb_open_in_root(d->root_fd, path, O_PATH);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	ret_info->type = S_ISREG(st.st_mode) ? KB_FILE_REGULAR
		       : S_ISDIR(st.st_mode) ? KB_FILE_DIR
					     : KB_FILE_OTHER;
	ret_info->size = (uint64_t)st.st_size;
	ret_info->ino = (uint64_t)st.st_ino;
	return 0;
}

/* Sort names bytewise: a bottom-up merge sort over tmp (n slots), with
 * strcmp called directly (qsort's indirect comparator costs as much as
 * the comparison for short names). Insertion-sorted runs of 8 first. */
static void sort_names(char **a, char **tmp, unsigned n)
{
	unsigned w, i;

	for (i = 0; i < n; i += 8) {
		unsigned e = i + 8 < n ? i + 8 : n, j;

		for (j = i + 1; j < e; j++) {
			char *v = a[j];
			unsigned k = j;

			while (k > i && strcmp(a[k - 1], v) > 0) {
				a[k] = a[k - 1];
				k--;
			}
			a[k] = v;
		}
	}
	for (w = 8; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			unsigned m = i + w < n ? i + w : n, e = i + 2 * w < n ? i + 2 * w : n;
			unsigned x = i, y = m, o = i;

			if (m >= e || strcmp(a[m - 1], a[m]) <= 0) {
				/* already in order: nothing to merge */
				continue;
			}
			while (x < m && y < e)
				tmp[o++] = strcmp(a[x], a[y]) <= 0 ? a[x++] : a[y++];
			while (x < m)
				tmp[o++] = a[x++];
			while (y < e)
				tmp[o++] = a[y++];
			memcpy(a + i, tmp + i, (e - i) * sizeof(*a));
		}
	}
}

static int fs_list_dir(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
		       char ***ret_names, unsigned *ret_n)
{
	struct fs_dev *d = fs_lookup(fs, dev);
	struct dirent *de;
	char **names, *blk = NULL;
	size_t used = 0, cap_blk = 0;
	unsigned n = 0, cap = 0, i;
	DIR *dir;
	int fd, r = 0;

	if (!d)
		return -ENODEV;
	fd = kb_open_in_root(d->root_fd, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	dir = fdopendir(fd);
	if (!dir) {
		r = -errno;
		close(fd);
		return r;
	}
	/* the names live in one block (a child of the array), stored as offsets
	 * while it grows and turned into pointers at the end */
	names = talloc_array(ctx, char *, 0);
	while (names && (de = readdir(dir))) {
		size_t l;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (n >= KB_PARSE_MAX_DIR_ENTRIES) {
			r = -E2BIG;
			break;
		}
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			nn = talloc_realloc(ctx, names, char *, cap);
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
		}
		l = strlen(de->d_name) + 1;
		if (used + l > cap_blk) {
			char *nb;

			cap_blk = (used + l) * 2 + 1024;
			nb = talloc_realloc_size(names, blk, cap_blk);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			blk = nb;
		}
		memcpy(blk + used, de->d_name, l);
		names[n++] = (char *)(uintptr_t)used;
		used += l;
	}
	closedir(dir);
	if (!names)
		return -ENOMEM;
	if (r < 0) {
		talloc_free(names);
		return r;
	}
	for (i = 0; i < n; i++)
		names[i] = blk + (uintptr_t)names[i];
	if (n > 1) {
		char **tmp = talloc_array(NULL, char *, n);

		if (!tmp) {
			talloc_free(names);
			return -ENOMEM;
		}
		sort_names(names, tmp, n);
		talloc_free(tmp);
	}
	*ret_names = names;
	*ret_n = n;
	return 0;
}

static bool match(const char *a, const char *b, bool nocase)
{
	if (!a || !b)
		return false;
	return nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static int fs_find_device(struct kb_parse_fs *fs, const char *kind, const char *value,
			  const char **ret_dev)
{
	struct fs_data *d = fs->data;
	unsigned i;

	for (i = 0; i < d->n_devs; i++) {
		const struct kb_device *dev = d->devs[i]->dev;
		bool hit = false;

		if (strcmp(kind, "uuid") == 0)
			hit = match(dev->uuid, value, true);
		else if (strcmp(kind, "label") == 0)
			hit = match(dev->label, value, false);
		else if (strcmp(kind, "partuuid") == 0)
			hit = match(dev->partuuid, value, true);
		else if (strcmp(kind, "partlabel") == 0)
			hit = match(dev->partlabel, value, false);
		else if (strcmp(kind, "file") == 0) {
			int fd = kb_open_in_root(d->devs[i]->root_fd, value, O_PATH);

			if (fd >= 0) {
				close(fd);
				hit = true;
			}
		} else
			return -EINVAL;
		if (hit) {
			*ret_dev = dev->id;
			return 0;
		}
	}
	return -ENODEV;
}

static const struct kb_device *fs_get_device(struct kb_parse_fs *fs, const char *dev)
{
	struct fs_dev *d = fs_lookup(fs, dev);

	return d ? d->dev : NULL;
}

/* A new backend with no devices under ctx. */
struct kb_parse_fs *kb_parse_fs_new(void *ctx)
{
	struct kb_parse_fs *fs = talloc_zero(ctx, struct kb_parse_fs);
	struct fs_data *d;

	if (!fs)
		return NULL;
	d = talloc_zero(fs, struct fs_data);
	if (!d) {
		talloc_free(fs);
		return NULL;
	}
	fs->read_file = fs_read_file;
	fs->stat = fs_stat;
	fs->list_dir = fs_list_dir;
	fs->find_device = fs_find_device;
	fs->get_device = fs_get_device;
	fs->read_range = fs_read_range;
	fs->data = d;
	return fs;
}

static char *dup_or_null(void *ctx, const char *s, bool *oom)
{
	char *r;

	if (!s)
		return NULL;
	r = talloc_strdup(ctx, s);
	if (!r)
		*oom = true;
	return r;
}

/* Add a device with root directory root_fd (dup'd). */
int kb_parse_fs_add(struct kb_parse_fs *fs, const struct kb_device *dev, int root_fd)
{
	struct fs_data *d = fs->data;
	struct fs_dev *fd, **devs;
	bool oom = false;

	if (!dev || !dev->id)
		return -EINVAL;
	if (fs_lookup(fs, dev->id))
		return -EEXIST;
	if (d->n_devs >= KB_PARSE_FS_MAX_DEVICES)
		return -E2BIG;
	fd = talloc_zero(d, struct fs_dev);
	if (!fd)
		return -ENOMEM;
	fd->root_fd = -1;
	talloc_set_destructor(fd, fs_dev_destructor);
	fd->dev = talloc_zero(fd, struct kb_device);
	if (!fd->dev)
		goto oom;
	*fd->dev = *dev;
	fd->dev->id = dup_or_null(fd->dev, dev->id, &oom);
	fd->dev->uuid = dup_or_null(fd->dev, dev->uuid, &oom);
	fd->dev->label = dup_or_null(fd->dev, dev->label, &oom);
	fd->dev->partuuid = dup_or_null(fd->dev, dev->partuuid, &oom);
	fd->dev->partlabel = dup_or_null(fd->dev, dev->partlabel, &oom);
	fd->dev->fstype = dup_or_null(fd->dev, dev->fstype, &oom);
	fd->dev->mount_point = dup_or_null(fd->dev, dev->mount_point, &oom);
	fd->dev->status = dup_or_null(fd->dev, dev->status, &oom);
	fd->dev->mac = dup_or_null(fd->dev, dev->mac, &oom);
	if (oom)
		goto oom;
	fd->root_fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	if (fd->root_fd < 0) {
		int r = -errno;

		talloc_free(fd);
		return r;
	}
	devs = talloc_realloc(d, d->devs, struct fs_dev *, d->n_devs + 1);
	if (!devs)
		goto oom;
	d->devs = devs;
	devs[d->n_devs++] = fd;
	return 0;
oom:
	talloc_free(fd);
	return -ENOMEM;
}

/* Forget a device by id. */
int kb_parse_fs_remove(struct kb_parse_fs *fs, const char *dev_id)
{
	struct fs_data *d = fs->data;
	unsigned i;

	for (i = 0; i < d->n_devs; i++) {
		if (strcmp(d->devs[i]->dev->id, dev_id) != 0)
			continue;
		talloc_free(d->devs[i]);
		memmove(&d->devs[i], &d->devs[i + 1], (d->n_devs - i - 1) * sizeof(d->devs[0]));
		d->n_devs--;
		if (fs->current && strcmp(fs->current, dev_id) == 0)
			fs->current = NULL;
		return 0;
	}
	return -ENOENT;
}
