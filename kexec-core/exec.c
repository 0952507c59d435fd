/* kexec-core: the jump. Unmount kexboot's own mounts, sync, remount the
 * other read-write block filesystems read-only, sync again, then
 * reboot(LINUX_REBOOT_CMD_KEXEC), all through the sys backend. Any failure
 * before the jump returns with a status line, leaving the system running as
 * it was (filesystems made read-only are made writable again; kexboot's own
 * mounts stay unmounted: the daemon mounts them again when it rescans). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <talloc.h>

#include "kexec-core/sys.h"
#include "kexec-core/util.h"

/* Mounts handled at exec. */
#define KX_MAX_MOUNTS 1024

struct mnt {
	char *point;
	bool own, rw_block;
	bool made_ro;            /* remounted read-only by us: undo on failure */
	unsigned long mnt_flags; /* per-mount flags to restore */
};

/* Undo mountinfo's octal escapes (\040 for space). */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int by_depth_desc(const void *a, const void *b)
{
	const struct mnt *x = a, *y = b;
	size_t lx = strlen(x->point), ly = strlen(y->point);

	return lx < ly ? 1 : lx > ly ? -1 : 0;
}

/* Per-mount flags from mountinfo's options field ("rw,nosuid,relatime"). */
static unsigned long mount_flags(const char *opts)
{
	static const struct { const char *name; unsigned long flag; } map[] = {
		{ "nosuid", MS_NOSUID },     { "nodev", MS_NODEV },	    { "noexec", MS_NOEXEC },
		{ "noatime", MS_NOATIME },   { "nodiratime", MS_NODIRATIME }, { "relatime", MS_RELATIME },
		{ "strictatime", MS_STRICTATIME },
	};
	unsigned long f = 0;
	const char *p = opts;

	while (p && *p) {
		size_t l = strcspn(p, ",");
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strlen(map[i].name) == l && strncmp(p, map[i].name, l) == 0)
				f |= map[i].flag;
		p = p[l] ? p + l + 1 : NULL;
	}
	return f;
}

static void set_status(char *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(char *status, const char *fmt, ...)
{
	va_list ap;

	if (!status)
		return;
	va_start(ap, fmt);
	vsnprintf(status, KX_EXEC_STATUS_SIZE, fmt, ap);
	va_end(ap);
}

/* Make the filesystems we made read-only writable again; how many failed. */
static unsigned restore(struct kx_sys *sys, struct mnt *m, unsigned n)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < n; i++)
		if (m[i].made_ro && sys->ops->remount_rw(sys, m[i].point, m[i].mnt_flags) < 0)
			bad++;
	return bad;
}

/* Unmount kexboot's mounts, sync, remount others read-only, reboot(KEXEC). */
int kx_exec(struct kx_sys *sys, const struct kx_exec_opts *opts, char *status)
{
	const char *prefix = opts && opts->own_prefix ? opts->own_prefix : KX_DEFAULT_OWN_MOUNTS;
	bool ignore_remount = opts && opts->ignore_remount_failure;
	size_t pl = strlen(prefix);
	void *tmp = talloc_new(NULL);
	struct mnt *m;
	unsigned n = 0, bad;
	char *mi, *loaded;
	const char *line;
	size_t len;
	int r;

	set_status(status, "%s", "");
	if (!tmp)
		return -ENOMEM;
	loaded = kx_sys_read_line(tmp, sys, "/sys/kernel/kexec_loaded");
	if (loaded && strcmp(loaded, "0") == 0) {
		set_status(status, "no kernel is loaded (/sys/kernel/kexec_loaded is 0): nothing to jump to");
		r = -ENOEXEC; /* nothing loaded: jumping would just fail */
		goto out;
	}
	m = talloc_zero_array(tmp, struct mnt, KX_MAX_MOUNTS);
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	if (kx_sys_read(tmp, sys, "/proc/self/mountinfo", KX_MAX_SYSFILE, &mi, &len) == 0) {
		for (line = mi; line && *line && n < KX_MAX_MOUNTS;) {
			char mp[4096], opt[256], src[4096];
			const char *dash = strstr(line, " - ");
			const char *eol = strchr(line, '\n');
			if (dash && (!eol || dash < eol) &&
			    sscanf(line, "%*s %*s %*s %*s %4095s %255s", mp, opt) == 2 &&
			    sscanf(dash + 3, "%*s %4095s", src) == 1) {
				unescape(mp);
				m[n].point = talloc_strdup(m, mp);
				m[n].own = strncmp(mp, prefix, pl) == 0 && (mp[pl] == '/' || !mp[pl]);
				m[n].rw_block = strncmp(opt, "rw", 2) == 0 && (opt[2] == ',' || !opt[2]) &&
						strncmp(src, "/dev/", 5) == 0;
				m[n].mnt_flags = mount_flags(opt);
				if (m[n].point)
					n++;
			}
			line = eol ? eol + 1 : NULL;
		}
	}
	qsort(m, n, sizeof(*m), by_depth_desc);
	for (unsigned i = 0; i < n; i++) {
		if (!m[i].own)
			continue;
		r = sys->ops->umount(sys, m[i].point, 0);
		if (r == -EBUSY)
			r = sys->ops->umount(sys, m[i].point, MNT_DETACH);
		/* one that will not go is harmless when read-only (kexboot mounts
		 * read-only); a writable one must be made read-only below */
		if (r == 0)
			m[i].rw_block = false;
	}
	sys->ops->sync(sys);
	for (unsigned i = 0; i < n; i++) {
		if (!m[i].rw_block)
			continue;
		r = sys->ops->remount_ro(sys, m[i].point);
		if (r == 0) {
			m[i].made_ro = true;
			continue;
		}
		if (ignore_remount)
			continue; /* the sync above stands; the user chose to jump anyway */
		bad = restore(sys, m, n);
		set_status(status,
			   "cannot remount %s read-only: %s; not jumping, the system keeps running "
			   "(%s, the loaded kernel stays loaded)",
			   m[i].point, strerror(-r),
			   bad ? "some filesystems stay read-only" : "filesystems left writable as they were");
		goto out;
	}
	sys->ops->sync(sys);
	r = sys->ops->reboot_kexec(sys);
	if (r < 0) {
		bad = restore(sys, m, n);
		set_status(status,
			   "reboot(LINUX_REBOOT_CMD_KEXEC) failed: %s; the system keeps running "
			   "(%s, the loaded kernel stays loaded)",
			   strerror(-r),
			   bad ? "some filesystems stay read-only" : "filesystems made writable again");
	}
out:
	talloc_free(tmp);
	return r;
}
