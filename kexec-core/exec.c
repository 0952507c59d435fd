/* kexec-core: the jump. Unmount kexboot's own mounts, sync, remount the
 * other read-write block filesystems read-only, sync again, then
 * reboot(LINUX_REBOOT_CMD_KEXEC), all through the sys backend. Any failure
 * before the jump returns, leaving the system running. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <talloc.h>

#include "kexec-core/sys.h"

/* Mounts handled at exec. */
#define KX_MAX_MOUNTS 1024

struct mnt {
	char *point;
	bool own, rw_block;
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

/* Unmount kexboot's mounts, sync, remount others read-only, reboot(KEXEC). */
int kx_exec(struct kx_sys *sys, const struct kx_exec_opts *opts)
{
	const char *prefix = opts && opts->own_prefix ? opts->own_prefix : KX_DEFAULT_OWN_MOUNTS;
	size_t pl = strlen(prefix);
	void *tmp = talloc_new(NULL);
	struct mnt *m;
	unsigned n = 0;
	char *mi, *loaded;
	const char *line;
	size_t len;
	int r;

	if (!tmp)
		return -ENOMEM;
	loaded = kx_sys_read_line(tmp, sys, "/sys/kernel/kexec_loaded");
	if (loaded && strcmp(loaded, "0") == 0) {
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
		/* a mount that will not go is still synced and remounted read-only below */
		if (r < 0)
			m[i].rw_block = true;
		else
			m[i].rw_block = false;
	}
	sys->ops->sync(sys);
	for (unsigned i = 0; i < n; i++)
		if (m[i].rw_block)
			sys->ops->remount_ro(sys, m[i].point); /* best effort: the sync above stands */
	sys->ops->sync(sys);
	r = sys->ops->reboot_kexec(sys);
out:
	talloc_free(tmp);
	return r;
}
