/* kexec-core: small internal helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "kexec-core/util.h"

/* Read up to max bytes of a file of unknown size (procfs/sysfs). -EFBIG above max. */
int kx_read_stream(void *ctx, const char *path, size_t max, char **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	buf = talloc_array(ctx, char, cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;
		if (len == cap) {
			char *nb;
			if (cap >= max) {
				talloc_free(buf);
				close(fd);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = talloc_realloc(ctx, buf, char, cap + 1);
			if (!nb) {
				talloc_free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			talloc_free(buf);
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* pread exactly len bytes at off, fewer only at end of file: bytes read or -errno. */
ssize_t kx_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Read an open regular file whole into memory (-EFBIG above max). 0 or -errno. */
int kx_read_fd(void *ctx, int fd, uint64_t max, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	buf = talloc_size(ctx, (size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = kx_pread_full(fd, buf, (size_t)st.st_size, 0);
	if (n < 0) {
		talloc_free(buf);
		return (int)n;
	}
	*ret = buf;
	*ret_len = (size_t)n;
	return 0;
}

/* Read a regular file whole into memory (-EFBIG above max). 0 or -errno. */
int kx_read_file(void *ctx, const char *path, uint64_t max, uint8_t **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = kx_read_fd(ctx, fd, max, ret, ret_len);
	close(fd);
	return r;
}

/* Append one result; message is printf-formatted. */
void kx_result(struct kx_results *res, uint32_t sev, const char *id, const char *source,
	       const char *remediation, const char *fmt, ...)
{
	struct kb_check_result *n, *r;
	va_list ap;

	n = talloc_realloc(res->ctx, res->r, struct kb_check_result, res->n + 1);
	if (!n) {
		res->err = -ENOMEM;
		return;
	}
	res->r = n;
	r = &n[res->n];
	memset(r, 0, sizeof(*r));
	r->severity = sev;
	r->id = talloc_strdup(n, id);
	r->source = talloc_strdup(n, source ? source : "");
	r->remediation = talloc_strdup(n, remediation ? remediation : "");
	va_start(ap, fmt);
	r->message = talloc_vasprintf(n, fmt, ap);
	va_end(ap);
	if (!r->id || !r->source || !r->remediation || !r->message)
		res->err = -ENOMEM;
	res->n++;
}

/* Append all of src's results. */
void kx_results_append(struct kx_results *res, const struct kb_check_result *src, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		kx_result(res, src[i].severity, src[i].id, src[i].source, src[i].remediation, "%s",
			  src[i].message);
}

/* Find a result by id (NULL when absent). */
const struct kb_check_result *kx_result_find(const struct kb_check_result *r, unsigned n,
					     const char *id)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(r[i].id, id) == 0)
			return &r[i];
	return NULL;
}

static const struct {
	int e;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },	  { ENOENT, "ENOENT" },	    { EIO, "EIO" },
	{ E2BIG, "E2BIG" },	  { ENOEXEC, "ENOEXEC" },   { EBADF, "EBADF" },
	{ ENOMEM, "ENOMEM" },	  { EACCES, "EACCES" },	    { EBUSY, "EBUSY" },
	{ EINVAL, "EINVAL" },	  { EFBIG, "EFBIG" },	    { ENOSPC, "ENOSPC" },
	{ ENOSYS, "ENOSYS" },	  { EOPNOTSUPP, "EOPNOTSUPP" }, { EBADMSG, "EBADMSG" },
	{ EKEYREJECTED, "EKEYREJECTED" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENODATA, "ENODATA" },	  { ECANCELED, "ECANCELED" }, { ENOTSUP, "ENOTSUP" },
};

/* Errno number for "ENOSYS" etc., 0 when unknown. */
int kx_errno_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].e;
	return 0;
}

/* Name of an errno ("ENOSYS"), or "E?" when not in the table. */
const char *kx_errno_name(int e)
{
	if (e < 0)
		e = -e;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].e == e)
			return errno_names[i].name;
	return "E?";
}

/* Human size ("12.3 MiB") into buf. */
const char *kx_human_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= (1ull << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes >= (1ull << 20))
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1ull << 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	return buf;
}

/* Compare kernel release strings by their leading numbers ("6.1.0-9-amd64" vs 6,8): <0, 0, >0. */
int kx_kver_cmp(const char *release, unsigned major, unsigned minor)
{
	unsigned a = 0, b = 0;

	if (!release || sscanf(release, "%u.%u", &a, &b) < 1)
		return 0;
	if (a != major)
		return a < major ? -1 : 1;
	if (b != minor)
		return b < minor ? -1 : 1;
	return 0;
}
