/* kexboot: settings storage backends (file, efivarfs). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <talloc.h>

#include "discover/config-store.h"

#ifndef EFIVARFS_MAGIC
#define EFIVARFS_MAGIC 0xde5e81e4
#endif

#define BLOB_HEADER "# kexboot settings: written by kexboot-discover, do not edit while it runs\n"
#define BLOB_TRAILER_FMT "# end: %zu items, checksum %016" PRIx64 "\n"
#define BLOB_TRAILER_PREFIX "# end: "
#define KB_STORE_MAX_READ (KB_CONFIG_MAX_FILE_SIZE + 4096) /* blob plus header/trailer */

static int io_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int io_ioctl_flags(int fd, unsigned long request, int *flags)
{
	return ioctl(fd, request, flags);
}

static const struct kb_store_io default_io = {
	.open = io_open,
	.write = write,
	.fsync = fsync,
	.rename = rename,
	.close = close,
	.ioctl_flags = io_ioctl_flags,
};

const struct kb_store_io *kb_store_io_default(void)
{
	return &default_io;
}

/* FNV-1a, 64 bit: detects truncation and damage, not tampering. */
static uint64_t fnv1a64(const char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)buf[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

char *kb_config_blob_encode(void *ctx, const struct kb_config_item *items, size_t n,
			    size_t *ret_len)
{
	char *text = kb_config_format_text(ctx, items, n);
	char *out;

	if (!text)
		return NULL;
	out = talloc_asprintf(ctx, "%s%s", BLOB_HEADER, text);
	talloc_free(text);
	if (!out)
		return NULL;
	out = talloc_asprintf_append_buffer(out, BLOB_TRAILER_FMT, n, fnv1a64(out, strlen(out)));
	if (out)
		*ret_len = strlen(out);
	return out;
}

int kb_config_blob_decode(void *ctx, const char *buf, size_t len,
			  struct kb_config_item **ret_items, size_t *ret_n,
			  struct kb_config_errors *ret_errs, const char **ret_why)
{
	const char *t = NULL;
	size_t tlen, count;
	uint64_t sum;
	char expect[128];
	int r;

	if (ret_errs)
		memset(ret_errs, 0, sizeof(*ret_errs));
	if (len == 0 || buf[len - 1] != '\n') {
		*ret_why = "incomplete (no final newline)";
		return -EBADMSG;
	}
	/* the trailer is the last line */
	for (size_t i = len - 1; i > 0; i--) {
		if (buf[i - 1] == '\n') {
			t = buf + i;
			break;
		}
	}
	if (!t)
		t = buf;
	tlen = len - (size_t)(t - buf);
	if (tlen < strlen(BLOB_TRAILER_PREFIX) ||
	    memcmp(t, BLOB_TRAILER_PREFIX, strlen(BLOB_TRAILER_PREFIX)) != 0) {
		*ret_why = "incomplete (no end marker)";
		return -EBADMSG;
	}
	if (sscanf(t, "# end: %zu items, checksum %" SCNx64, &count, &sum) != 2) {
		*ret_why = "unreadable end marker";
		return -EBADMSG;
	}
	snprintf(expect, sizeof(expect), BLOB_TRAILER_FMT, count, fnv1a64(buf, (size_t)(t - buf)));
	if (tlen != strlen(expect) || memcmp(t, expect, tlen) != 0) {
		*ret_why = "checksum mismatch";
		return -EBADMSG;
	}
	r = kb_config_parse_text(ctx, buf, (size_t)(t - buf), ret_items, ret_n, ret_errs);
	if (r < 0) {
		*ret_why = "unparsable";
		return r == -ENOMEM ? r : -EBADMSG;
	}
	return 0;
}

/* Read a whole file (at most KB_STORE_MAX_READ bytes; -EFBIG above). */
static int read_all(void *ctx, const char *path, char **ret_buf, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	/* efivarfs reports sizes, but may lie for variables not read yet */
	buf = talloc_array(ctx, char, KB_STORE_MAX_READ + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, KB_STORE_MAX_READ + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			talloc_free(buf);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > KB_STORE_MAX_READ) {
			close(fd);
			talloc_free(buf);
			return -EFBIG;
		}
	}
	close(fd);
	buf[got] = '\0';
	*ret_buf = buf;
	*ret_len = got;
	return 0;
}

/* write() all of buf through io, retrying short writes and EINTR. */
static int write_all(const struct kb_store_io *io, int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = io->write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const struct kb_store_io *io, const char *dir)
{
	int fd = io->open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (io->fsync(fd) < 0)
		r = -errno;
	io->close(fd);
	return r;
}

/* ---- file backend ---- */

static int file_load(struct kb_config_store *st, void *ctx, struct kb_config_item **ret_items,
		     size_t *ret_n, char **ret_warning)
{
	char *buf = NULL;
	size_t len = 0;
	const char *why = NULL;
	struct kb_config_errors errs;
	struct kb_config_item *items = NULL;
	size_t n = 0;
	int r;

	*ret_warning = NULL;
	r = read_all(ctx, st->path, &buf, &len);
	if (r == -ENOENT) {
		*ret_items = talloc_array(ctx, struct kb_config_item, 0);
		*ret_n = 0;
		return *ret_items ? 0 : -ENOMEM;
	}
	if (r == -EFBIG) {
		why = "larger than the limit";
	} else if (r < 0) {
		return r;
	} else {
		r = kb_config_blob_decode(ctx, buf, len, &items, &n, &errs, &why);
		if (r == -ENOMEM)
			return r;
	}
	talloc_free(buf);
	if (why) {
		char *corrupt = talloc_asprintf(ctx, "%s%s", st->path, KB_STORE_CORRUPT_SUFFIX);
		if (!corrupt)
			return -ENOMEM;
		if (rename(st->path, corrupt) < 0)
			*ret_warning = talloc_asprintf(
				ctx, "settings file %s is damaged (%s) and could not be set aside "
				     "(%s); using defaults",
				st->path, why, strerror(errno));
		else
			*ret_warning = talloc_asprintf(
				ctx, "settings file %s is damaged (%s); kept as %s, using defaults",
				st->path, why, corrupt);
		talloc_free(corrupt);
		talloc_free(items);
		*ret_items = talloc_array(ctx, struct kb_config_item, 0);
		*ret_n = 0;
		return *ret_items ? 0 : -ENOMEM;
	}
	if (errs.n_total)
		*ret_warning = talloc_asprintf(ctx, "settings file %s: %zu line(s) ignored, first: "
						    "line %u: %s",
					       st->path, errs.n_total, errs.errors[0].line,
					       errs.errors[0].message);
	talloc_free(errs.errors);
	*ret_items = items;
	*ret_n = n;
	return 0;
}

static int file_save(struct kb_config_store *st, const struct kb_config_item *items, size_t n)
{
	const struct kb_store_io *io = st->io;
	void *tmpctx = talloc_new(NULL);
	char *blob, *tmp;
	size_t len;
	int fd, r;

	if (!tmpctx)
		return -ENOMEM;
	blob = kb_config_blob_encode(tmpctx, items, n, &len);
	tmp = talloc_asprintf(tmpctx, "%s%s", st->path, KB_STORE_TMP_SUFFIX);
	if (!blob || !tmp) {
		r = -ENOMEM;
		goto out;
	}
	if (mkdir(st->dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto out;
	}
	fd = io->open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(io, fd, blob, len);
	if (r == 0 && io->fsync(fd) < 0)
		r = -errno;
	if (io->close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && io->rename(tmp, st->path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp); /* the old file is untouched */
		goto out;
	}
	/* make the rename itself durable */
	r = fsync_dir(io, st->dir);
out:
	talloc_free(tmpctx);
	return r;
}

static const struct kb_config_store_ops file_ops = {
	.name = "file",
	.load = file_load,
	.save = file_save,
};

struct kb_config_store *kb_config_store_file_new(void *ctx, const char *state_dir,
						 const struct kb_store_io *io)
{
	struct kb_config_store *st = talloc_zero(ctx, struct kb_config_store);

	if (!st)
		return NULL;
	st->ops = &file_ops;
	st->io = io ? io : &default_io;
	st->dir = talloc_strdup(st, state_dir);
	st->path = talloc_asprintf(st, "%s/%s", state_dir, KB_STORE_FILE_NAME);
	if (!st->dir || !st->path) {
		talloc_free(st);
		return NULL;
	}
	return st;
}

/* ---- efivarfs backend ---- */

/* Tolerated when the directory is not a real efivarfs (tests, tmpfs). */
static bool flags_unsupported(int e)
{
	return e == ENOTTY || e == ENOTSUP || e == EOPNOTSUPP || e == EINVAL || e == ENOSYS;
}

/* Write one variable: attrs + data in a single write, immutable flag
 * cleared around it when set. */
static int efi_write_var(struct kb_config_store *st, const char *path, const char *data,
			 size_t len)
{
	const struct kb_store_io *io = st->io;
	int flags = 0, fd, r = 0;
	bool restore = false;
	char *buf;
	ssize_t n;

	if (len + 4 > KB_EFI_VAR_MAX_SIZE)
		return -E2BIG;
	fd = io->open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		if (io->ioctl_flags(fd, FS_IOC_GETFLAGS, &flags) == 0) {
			if (flags & FS_IMMUTABLE_FL) {
				int nf = flags & ~FS_IMMUTABLE_FL;
				if (io->ioctl_flags(fd, FS_IOC_SETFLAGS, &nf) < 0) {
					r = -errno;
					io->close(fd);
					return r;
				}
				restore = true;
			}
		} else if (!flags_unsupported(errno)) {
			r = -errno;
			io->close(fd);
			return r;
		}
		io->close(fd);
	} else if (errno != ENOENT) {
		return -errno;
	}

	buf = talloc_array(NULL, char, len + 4);
	if (!buf)
		return -ENOMEM;
	buf[0] = (char)(KB_EFI_ATTRS & 0xff);
	buf[1] = (char)((KB_EFI_ATTRS >> 8) & 0xff);
	buf[2] = (char)((KB_EFI_ATTRS >> 16) & 0xff);
	buf[3] = (char)((KB_EFI_ATTRS >> 24) & 0xff);
	memcpy(buf + 4, data, len);

	/* efivarfs replaces the variable on write and has no truncate */
	fd = io->open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (st->is_efivarfs ? 0 : O_TRUNC),
		      0644);
	if (fd < 0) {
		r = -errno;
	} else {
		do
			n = io->write(fd, buf, len + 4);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			r = -errno;
		else if ((size_t)n != len + 4)
			r = -EIO; /* a partial variable write is not retried */
		if (r == 0 && io->fsync(fd) < 0 && !flags_unsupported(errno))
			r = -errno;
		if (io->close(fd) < 0 && r == 0)
			r = -errno;
	}
	talloc_free(buf);
	if (restore) {
		fd = io->open(path, O_RDONLY | O_CLOEXEC, 0);
		if (fd >= 0) {
			io->ioctl_flags(fd, FS_IOC_SETFLAGS, &flags);
			io->close(fd);
		}
	}
	return r;
}

static int efi_load(struct kb_config_store *st, void *ctx, struct kb_config_item **ret_items,
		    size_t *ret_n, char **ret_warning)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	const char *why = NULL;
	struct kb_config_errors errs = {0};
	struct kb_config_item *items = NULL;
	int r;

	*ret_warning = NULL;
	r = read_all(ctx, st->path, &buf, &len);
	if (r == -ENOENT) {
		*ret_items = talloc_array(ctx, struct kb_config_item, 0);
		*ret_n = 0;
		return *ret_items ? 0 : -ENOMEM;
	}
	if (r == -EFBIG)
		why = "larger than the limit";
	else if (r < 0)
		return r;
	else if (len < 4)
		why = "shorter than its attributes";
	else {
		r = kb_config_blob_decode(ctx, buf + 4, len - 4, &items, &n, &errs, &why);
		if (r == -ENOMEM)
			return r;
	}
	if (why) {
		char *copy = talloc_asprintf(ctx, "%s/%s-%s", st->dir, KB_EFI_CORRUPT_VAR_NAME,
					     KB_EFI_GUID);
		int w = copy && buf && len >= 4 ? efi_write_var(st, copy, buf + 4, len - 4) : -EINVAL;
		*ret_warning = talloc_asprintf(
			ctx, "EFI variable %s is damaged (%s); %s, using defaults", st->path, why,
			w == 0 ? "copied to " KB_EFI_CORRUPT_VAR_NAME : "could not keep a copy");
		talloc_free(copy);
		talloc_free(buf);
		talloc_free(items);
		*ret_items = talloc_array(ctx, struct kb_config_item, 0);
		*ret_n = 0;
		return *ret_items ? 0 : -ENOMEM;
	}
	talloc_free(buf);
	if (errs.n_total)
		*ret_warning = talloc_asprintf(ctx, "EFI variable %s: %zu line(s) ignored, first: "
						    "line %u: %s",
					       st->path, errs.n_total, errs.errors[0].line,
					       errs.errors[0].message);
	talloc_free(errs.errors);
	*ret_items = items;
	*ret_n = n;
	return 0;
}

static int efi_save(struct kb_config_store *st, const struct kb_config_item *items, size_t n)
{
	size_t len;
	char *blob = kb_config_blob_encode(NULL, items, n, &len);
	int r;

	if (!blob)
		return -ENOMEM;
	r = efi_write_var(st, st->path, blob, len);
	talloc_free(blob);
	return r;
}

static const struct kb_config_store_ops efi_ops = {
	.name = "efivarfs",
	.load = efi_load,
	.save = efi_save,
};

struct kb_config_store *kb_config_store_efivarfs_new(void *ctx, const char *efivars_dir,
						     const struct kb_store_io *io)
{
	struct kb_config_store *st = talloc_zero(ctx, struct kb_config_store);
	struct statfs sfs;

	if (!st)
		return NULL;
	st->ops = &efi_ops;
	st->io = io ? io : &default_io;
	st->dir = talloc_strdup(st, efivars_dir);
	st->path = talloc_asprintf(st, "%s/%s-%s", efivars_dir, KB_EFI_VAR_NAME, KB_EFI_GUID);
	if (!st->dir || !st->path) {
		talloc_free(st);
		return NULL;
	}
	st->is_efivarfs = statfs(efivars_dir, &sfs) == 0 && (uint32_t)sfs.f_type == EFIVARFS_MAGIC;
	return st;
}

/* ---- glue to struct kb_config ---- */

int kb_config_store_load_config(struct kb_config_store *st, struct kb_config *cfg, void *ctx,
				char **ret_warning)
{
	struct kb_config_item *items = NULL;
	struct kb_config_errors errs;
	size_t n = 0;
	char *warning = NULL;
	int r;

	*ret_warning = NULL;
	r = st->ops->load(st, ctx, &items, &n, &warning);
	if (r < 0)
		return r;
	r = kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_STORED, items, n, &errs);
	talloc_free(items);
	if (r < 0)
		return r;
	if (errs.n_total && !warning)
		warning = talloc_asprintf(ctx, "%s store: %zu stored setting(s) ignored, first: %s",
					  st->ops->name, errs.n_total, errs.errors[0].message);
	talloc_free(errs.errors);
	*ret_warning = warning;
	return 0;
}

int kb_config_store_save_config(struct kb_config_store *st, const struct kb_config *cfg)
{
	const struct kb_config_item *items;
	size_t n;

	kb_config_stored_items(cfg, &items, &n);
	return st->ops->save(st, items, n);
}
