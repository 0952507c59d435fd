/* In-memory kb_parse_fs for tests. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "test/parsers/memfs.h"

struct mfile {
	char *dev, *path;
	char *data;
	size_t len;
	uint64_t size;
	int type;
};

struct memfs {
	struct kb_device **devs;
	unsigned n_devs;
	struct mfile *files;
	unsigned n_files;
};

static const char *own(struct kb_parse_fs *fs, const char *dev)
{
	return dev ? dev : (fs->current ? fs->current : "");
}

static struct mfile *find(struct kb_parse_fs *fs, const char *dev, const char *path)
{
	struct memfs *m = fs->data;
	char *norm = kb_path_normalise(NULL, path);
	struct mfile *res = NULL;
	unsigned i;

	dev = own(fs, dev);
	for (i = 0; norm && i < m->n_files; i++)
		if (!strcmp(m->files[i].dev, dev) && !strcmp(m->files[i].path, norm))
			res = &m->files[i];
	talloc_free(norm);
	return res;
}

/* is path a directory: some file lies below it */
static bool is_dir(struct kb_parse_fs *fs, const char *dev, const char *path)
{
	struct memfs *m = fs->data;
	char *norm = kb_path_normalise(NULL, path);
	size_t n = norm ? strlen(norm) : 0;
	bool res = false;
	unsigned i;

	dev = own(fs, dev);
	if (norm && n == 1)
		n = 0;
	for (i = 0; norm && i < m->n_files && !res; i++)
		if (!strcmp(m->files[i].dev, dev) && !strncmp(m->files[i].path, norm, n) &&
		    m->files[i].path[n] == '/')
			res = true;
	talloc_free(norm);
	return res;
}

static int m_read_file(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
		       size_t max, char **ret_buf, size_t *ret_len)
{
	struct mfile *f = find(fs, dev, path);

	if (!f)
		return is_dir(fs, dev, path) ? -EISDIR : -ENOENT;
	if (f->type != KB_FILE_REGULAR)
		return -EINVAL;
	if (f->size > max)
		return -EFBIG;
	*ret_buf = talloc_size(ctx, f->len + 1);
	if (!*ret_buf)
		return -ENOMEM;
	memcpy(*ret_buf, f->data, f->len);
	(*ret_buf)[f->len] = '\0';
	*ret_len = f->len;
	return 0;
}

static int m_read_range(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
			uint64_t off, size_t len, char **ret_buf, size_t *ret_len)
{
	struct mfile *f = find(fs, dev, path);
	size_t n;

	if (!f)
		return -ENOENT;
	if (f->type != KB_FILE_REGULAR)
		return -EINVAL;
	n = off >= f->len ? 0 : f->len - (size_t)off;
	if (n > len)
		n = len;
	*ret_buf = talloc_size(ctx, n + 1);
	if (!*ret_buf)
		return -ENOMEM;
	if (n)
		memcpy(*ret_buf, f->data + off, n);
	(*ret_buf)[n] = '\0';
	*ret_len = n;
	return 0;
}

static int m_stat(struct kb_parse_fs *fs, const char *dev, const char *path, struct kb_file_info *ret)
{
	struct mfile *f = find(fs, dev, path);
	struct memfs *m = fs->data;

	if (f) {
		ret->type = (uint32_t)f->type;
		ret->size = f->size;
		ret->ino = (uint64_t)(f - m->files) + 1;
		return 0;
	}
	if (is_dir(fs, dev, path)) {
		ret->type = KB_FILE_DIR;
		ret->size = 0;
		ret->ino = 0;
		return 0;
	}
	return -ENOENT;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int m_list_dir(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path,
		      char ***ret_names, unsigned *ret_n)
{
	struct memfs *m = fs->data;
	char *norm = kb_path_normalise(NULL, path);
	char **names = talloc_array(ctx, char *, 0);
	size_t n;
	unsigned i, k, cnt = 0;

	if (!norm || !names)
		return -ENOMEM;
	if (!is_dir(fs, dev, norm)) {
		talloc_free(norm);
		talloc_free(names);
		return -ENOENT;
	}
	dev = own(fs, dev);
	n = strlen(norm) == 1 ? 0 : strlen(norm);
	for (i = 0; i < m->n_files; i++) {
		const char *p = m->files[i].path, *e;
		char *name;
		bool dup = false;

		if (strcmp(m->files[i].dev, dev) || strncmp(p, norm, n) || p[n] != '/')
			continue;
		p += n + 1;
		e = strchr(p, '/');
		name = talloc_strndup(names, p, e ? (size_t)(e - p) : strlen(p));
		for (k = 0; k < cnt; k++)
			if (!strcmp(names[k], name))
				dup = true;
		if (dup)
			continue;
		names = talloc_realloc(ctx, names, char *, cnt + 1);
		names[cnt++] = name;
	}
	qsort(names, cnt, sizeof(names[0]), cmp);
	talloc_free(norm);
	*ret_names = names;
	*ret_n = cnt;
	return 0;
}

static int m_find_device(struct kb_parse_fs *fs, const char *kind, const char *value,
			 const char **ret_dev)
{
	struct memfs *m = fs->data;
	unsigned i;

	for (i = 0; i < m->n_devs; i++) {
		struct kb_device *d = m->devs[i];
		bool hit = false;

		if (!strcmp(kind, "uuid"))
			hit = d->uuid && !strcasecmp(d->uuid, value);
		else if (!strcmp(kind, "label"))
			hit = d->label && !strcmp(d->label, value);
		else if (!strcmp(kind, "file")) {
			struct kb_file_info info;

			hit = m_stat(fs, d->id, value, &info) == 0;
		}
		if (hit) {
			*ret_dev = d->id;
			return 0;
		}
	}
	return -ENODEV;
}

static const struct kb_device *m_get_device(struct kb_parse_fs *fs, const char *dev)
{
	struct memfs *m = fs->data;
	unsigned i;

	dev = own(fs, dev);
	for (i = 0; i < m->n_devs; i++)
		if (!strcmp(m->devs[i]->id, dev))
			return m->devs[i];
	return NULL;
}

/* A new empty in-memory filesystem set. */
struct kb_parse_fs *memfs_new(void *ctx)
{
	struct kb_parse_fs *fs = talloc_zero(ctx, struct kb_parse_fs);

	fs->data = talloc_zero(fs, struct memfs);
	fs->read_file = m_read_file;
	fs->read_range = m_read_range;
	fs->stat = m_stat;
	fs->list_dir = m_list_dir;
	fs->find_device = m_find_device;
	fs->get_device = m_get_device;
	return fs;
}

/* Add a device. */
struct kb_device *memfs_add_device(struct kb_parse_fs *fs, const char *id, const char *uuid,
				   const char *label)
{
	struct memfs *m = fs->data;
	struct kb_device *d = talloc_zero(m, struct kb_device);

	d->id = talloc_strdup(d, id);
	d->uuid = uuid ? talloc_strdup(d, uuid) : NULL;
	d->label = label ? talloc_strdup(d, label) : NULL;
	m->devs = talloc_realloc(m, m->devs, struct kb_device *, m->n_devs + 1);
	m->devs[m->n_devs++] = d;
	return d;
}

static struct mfile *add(struct kb_parse_fs *fs, const char *dev, const char *path)
{
	struct memfs *m = fs->data;
	struct mfile *f;

	m->files = talloc_realloc(m, m->files, struct mfile, m->n_files + 1);
	f = &m->files[m->n_files++];
	memset(f, 0, sizeof(*f));
	f->dev = talloc_strdup(m->files, dev);
	f->path = kb_path_normalise(m->files, path);
	return f;
}

/* Add a regular file. */
void memfs_add_file(struct kb_parse_fs *fs, const char *dev, const char *path, const char *contents,
		    size_t len)
{
	struct mfile *f = add(fs, dev, path);

	if (len == (size_t)-1)
		len = strlen(contents);
	/* contents need not be NUL-terminated (fuzz input pieces are not) */
	f->data = talloc_size(fs->data, len + 1);
	memcpy(f->data, contents, len);
	f->data[len] = '\0';
	f->len = len;
	f->size = len;
	f->type = KB_FILE_REGULAR;
}

/* Add a non-regular file. */
void memfs_add_special(struct kb_parse_fs *fs, const char *dev, const char *path)
{
	add(fs, dev, path)->type = KB_FILE_OTHER;
}

/* A regular file that reports size bytes. */
void memfs_add_sized(struct kb_parse_fs *fs, const char *dev, const char *path, uint64_t size)
{
	struct mfile *f = add(fs, dev, path);

	f->data = talloc_strdup(fs->data, "");
	f->size = size;
	f->type = KB_FILE_REGULAR;
}
