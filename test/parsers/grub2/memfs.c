/* In-memory kb_parse_fs (see memfs.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "test/parsers/grub2/memfs.h"

struct mfile {
	char *dev;
	char *path;
	char *data;
	size_t len;
};

struct memfs {
	struct kb_parse_fs fs;
	struct kb_device **devs;
	unsigned n_devs;
	struct mfile *files;
	unsigned n_files;
};

static struct memfs *M(struct kb_parse_fs *fs)
{
	return (struct memfs *)fs;
}

static const char *devname(struct kb_parse_fs *fs, const char *dev)
{
	return dev ? dev : (fs->current ? fs->current : "");
}

static struct kb_device *find_dev(struct memfs *m, const char *id)
{
	unsigned i;

	for (i = 0; i < m->n_devs; i++)
		if (!strcmp(m->devs[i]->id, id))
			return m->devs[i];
	return NULL;
}

static struct mfile *find_file(struct memfs *m, const char *dev, const char *path)
{
	unsigned i;

	for (i = 0; i < m->n_files; i++)
		if (!strcmp(m->files[i].dev, dev) && !strcmp(m->files[i].path, path))
			return &m->files[i];
	return NULL;
}

static bool is_dir(struct memfs *m, const char *dev, const char *path)
{
	size_t n = strlen(path);
	unsigned i;

	if (!strcmp(path, "/"))
		return find_dev(m, dev) != NULL;
	for (i = 0; i < m->n_files; i++)
		if (!strcmp(m->files[i].dev, dev) && !strncmp(m->files[i].path, path, n) &&
		    m->files[i].path[n] == '/')
			return true;
	return false;
}

static int m_read_file(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
		       size_t max, char **ret_buf, size_t *ret_len)
{
	struct mfile *f = find_file(M(fs), devname(fs, dev), path);
	char *b;

	if (!f)
		return is_dir(M(fs), devname(fs, dev), path) ? -EISDIR : -ENOENT;
	if (f->len > max)
		return -EFBIG;
	b = talloc_size(ctx, f->len + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, f->data, f->len);
	b[f->len] = '\0';
	*ret_buf = b;
	*ret_len = f->len;
	return 0;
}

static int m_stat(struct kb_parse_fs *fs, const char *dev, const char *path,
		  struct kb_file_info *ret_info)
{
	struct memfs *m = M(fs);
	struct mfile *f = find_file(m, devname(fs, dev), path);

	memset(ret_info, 0, sizeof(*ret_info));
	if (f) {
		ret_info->type = KB_FILE_REGULAR;
		ret_info->size = f->len;
		ret_info->ino = (uint64_t)(f - m->files) + 1;
		return 0;
	}
	if (is_dir(m, devname(fs, dev), path)) {
		ret_info->type = KB_FILE_DIR;
		return 0;
	}
	return -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int m_list_dir(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
		      char ***ret_names, unsigned *ret_n)
{
	struct memfs *m = M(fs);
	const char *d = devname(fs, dev);
	size_t n = strcmp(path, "/") ? strlen(path) : 0;
	char **names;
	unsigned cnt = 0, i, out = 0;

	if (!is_dir(m, d, path))
		return -ENOENT;
	names = talloc_array(ctx, char *, m->n_files + 1);
	if (!names)
		return -ENOMEM;
	for (i = 0; i < m->n_files; i++) {
		const char *p = m->files[i].path, *s, *e;

		if (strcmp(m->files[i].dev, d) || strncmp(p, path, n) || p[n] != '/')
			continue;
		s = p + n + 1;
		e = strchr(s, '/');
		names[cnt++] = talloc_strndup(names, s, e ? (size_t)(e - s) : strlen(s));
	}
	qsort(names, cnt, sizeof(char *), cmp_str);
	for (i = 0; i < cnt; i++)
		if (!out || strcmp(names[out - 1], names[i]))
			names[out++] = names[i];
	*ret_names = names;
	*ret_n = out;
	return 0;
}

static int m_find_device(struct kb_parse_fs *fs, const char *kind, const char *value,
			 const char **ret_dev)
{
	struct memfs *m = M(fs);
	unsigned i;

	for (i = 0; i < m->n_devs; i++) {
		struct kb_device *d = m->devs[i];
		bool ok = false;

		if (!strcmp(kind, "uuid"))
			ok = d->uuid && !strcasecmp(d->uuid, value);
		else if (!strcmp(kind, "label"))
			ok = d->label && !strcmp(d->label, value);
		else if (!strcmp(kind, "partuuid"))
			ok = d->partuuid && !strcasecmp(d->partuuid, value);
		else if (!strcmp(kind, "partlabel"))
			ok = d->partlabel && !strcmp(d->partlabel, value);
		else if (!strcmp(kind, "file"))
			ok = find_file(m, d->id, value) != NULL;
		if (ok) {
			*ret_dev = d->id;
			return 0;
		}
	}
	return -ENODEV;
}

static const struct kb_device *m_get_device(struct kb_parse_fs *fs, const char *dev)
{
	return find_dev(M(fs), devname(fs, dev));
}

/* A new backend. */
struct kb_parse_fs *memfs_new(void *ctx)
{
	struct memfs *m = talloc_zero(ctx, struct memfs);

	if (!m)
		return NULL;
	m->fs.read_file = m_read_file;
	m->fs.stat = m_stat;
	m->fs.list_dir = m_list_dir;
	m->fs.find_device = m_find_device;
	m->fs.get_device = m_get_device;
	m->fs.data = m;
	return &m->fs;
}

/* Add a device. */
struct kb_device *memfs_add_device(struct kb_parse_fs *fs, const char *id, const char *uuid,
				   const char *label, const char *partuuid)
{
	struct memfs *m = M(fs);
	struct kb_device *d = talloc_zero(m, struct kb_device), **nd;

	if (!d)
		return NULL;
	d->id = talloc_strdup(d, id);
	d->uuid = uuid ? talloc_strdup(d, uuid) : NULL;
	d->label = label ? talloc_strdup(d, label) : NULL;
	d->partuuid = partuuid ? talloc_strdup(d, partuuid) : NULL;
	d->fstype = talloc_strdup(d, "ext4");
	nd = talloc_realloc(m, m->devs, struct kb_device *, m->n_devs + 1);
	if (!nd)
		return NULL;
	m->devs = nd;
	nd[m->n_devs++] = d;
	return d;
}

/* Add a file. */
int memfs_add_file(struct kb_parse_fs *fs, const char *dev, const char *path, const char *data,
		   size_t len)
{
	struct memfs *m = M(fs);
	struct mfile *f = find_file(m, dev, path);

	if (!f) {
		struct mfile *nf = talloc_realloc(m, m->files, struct mfile, m->n_files + 1);

		if (!nf)
			return -ENOMEM;
		m->files = nf;
		f = &nf[m->n_files++];
		f->dev = talloc_strdup(nf, dev);
		f->path = talloc_strdup(nf, path);
	} else {
		talloc_free(f->data);
	}
	f->data = talloc_size(m->files, len + 1);
	if (!f->data)
		return -ENOMEM;
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
	return 0;
}

/* Add a file from a string. */
int memfs_add_str(struct kb_parse_fs *fs, const char *dev, const char *path, const char *data)
{
	return memfs_add_file(fs, dev, path, data, strlen(data));
}
