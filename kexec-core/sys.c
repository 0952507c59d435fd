/* kexec-core: helpers shared by the system backends (paths under root,
 * bounded reads of system files, the recording log and its knobs). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "kexec-core/sys.h"
#include "kexec-core/util.h"

/* Path of a system file under the backend's root (talloc child of ctx). */
char *kx_sys_path(void *ctx, const struct kx_sys *sys, const char *path)
{
	return talloc_asprintf(ctx, "%s%s", sys->root ? sys->root : "", path);
}

/* Read a whole system file (NUL-terminated, capped at max). 0 or -errno. */
int kx_sys_read(void *ctx, const struct kx_sys *sys, const char *path, size_t max,
		char **ret, size_t *ret_len)
{
	char *p = kx_sys_path(ctx, sys, path);
	int r;

	if (!p)
		return -ENOMEM;
	r = kx_read_stream(ctx, p, max, ret, ret_len);
	talloc_free(p);
	return r;
}

/* Read a system file, trimmed of trailing whitespace; NULL when absent/unreadable. */
char *kx_sys_read_line(void *ctx, const struct kx_sys *sys, const char *path)
{
	char *buf;
	size_t len;

	if (kx_sys_read(ctx, sys, path, 64 * 1024, &buf, &len) < 0)
		return NULL;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	return buf;
}

/* Does the system path exist? */
bool kx_sys_exists(const struct kx_sys *sys, const char *path)
{
	char *p = kx_sys_path(NULL, sys, path);
	struct stat st;
	bool ok;

	if (!p)
		return false;
	ok = lstat(p, &st) == 0;
	talloc_free(p);
	return ok;
}

/* Append a recorded call line (recording backend). */
void kx_sys_record(struct kx_sys *sys, const char *fmt, ...)
{
	va_list ap;
	char *line, **n;

	va_start(ap, fmt);
	line = talloc_vasprintf(sys, fmt, ap);
	va_end(ap);
	if (!line)
		return;
	n = talloc_realloc(sys, sys->log, char *, sys->n_log + 1);
	if (!n) {
		talloc_free(line);
		return;
	}
	sys->log = n;
	sys->log[sys->n_log++] = talloc_steal(sys->log, line);
	if (sys->log_path) {
		int fd = open(sys->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dprintf(fd, "%s\n", line);
			close(fd);
		}
	}
}

/* Recording backend knob: string value (talloc child of ctx) or NULL. */
char *kx_sys_conf_str(void *ctx, const struct kx_sys *sys, const char *key)
{
	const char *p = sys->conf;
	size_t klen = strlen(key);

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return talloc_strndup(ctx, p + klen + 1, len - klen - 1);
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* Recording backend knob: integer value of key (a number or an errno name, negated), or def. */
long kx_sys_conf_long(const struct kx_sys *sys, const char *key, long def)
{
	char *v = kx_sys_conf_str(NULL, sys, key);
	long r = def;
	int e;

	if (!v)
		return def;
	e = kx_errno_from_name(v);
	if (e > 0)
		r = -e;
	else {
		char *end;
		long x = strtol(v, &end, 0);
		if (end != v && *end == '\0')
			r = x;
	}
	talloc_free(v);
	return r;
}
