/* Read-only mounts that never write the disk: BLKROSET first, then mount(2)
 * with MS_RDONLY and the per-filesystem option that skips journal replay; a
 * read-only FUSE program when the kernel has no driver (vfat, iso9660). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

extern char **environ;

/* Run path with a clean signal state (the daemon blocks signals for its
 * signalfd; a FUSE program must get SIGTERM), stdin on /dev/null and
 * stdout/stderr on out_fd. */
static pid_t real_spawn(const char *path, char *const argv[], int out_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid = -1;
	int r;

	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = r;
		return -1;
	}
	if ((r = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = r;
		return -1;
	}
	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (r == 0)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (r == 0)
		r = posix_spawn(&pid, path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		errno = r;
		return -1;
	}
	return pid;
}

/* Undo mountinfo's octal escapes (\040 etc.) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Is target a mount point of a filesystem whose type starts with
 * type_prefix? Reads at most KB_BLOCK_MAX_MOUNTINFO bytes. */
static int real_mountinfo_has(const char *target, const char *type_prefix)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	int found = 0;

	if (!f)
		return -1;
	while (!found && (n = getline(&line, &cap, f)) > 0) {
		char *save = NULL, *mp = NULL, *sep, *tok;
		unsigned field = 0;

		total += (size_t)n;
		if (total > KB_BLOCK_MAX_MOUNTINFO) {
			errno = EFBIG;
			found = -1;
			break;
		}
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (field++ == 4) {
				mp = tok;
				break;
			}
		if (!mp)
			continue;
		unescape_octal(mp);
		if (strcmp(mp, target) == 0 && strncmp(sep + 3, type_prefix, strlen(type_prefix)) == 0)
			found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

static void real_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const struct kb_sysops real_ops = {
	.open = real_open,
	.close = close,
	.ioctl = real_ioctl,
	.mount = mount,
	.umount2 = umount2,
	.mkdir = mkdir,
	.rmdir = rmdir,
	.spawn = real_spawn,
	.waitpid = waitpid,
	.kill = kill,
	.access = access,
	.mountinfo_has = real_mountinfo_has,
	.sleep_ms = real_sleep_ms,
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
/* A read-only FUSE program used when the kernel has no driver. Its argv is
 * PROGRAM pre... DEVNODE MOUNTPOINT post...; FUSE_OPTS is what the kernel
 * mount would have had (nosuid/nodev/noexec are passed to mount(2) by
 * libfuse). */
#define FUSE_OPTS "ro,nosuid,nodev,noexec"
#define FUSE_TYPE_PREFIX "fuse" /* fuse.fusefat, fuseblk, ... in mountinfo */
#define HELPER_MAX_ARGS 4

struct fuse_helper {
	const char *program;
	const char *env; /* environment override of the path */
	const char *pre[HELPER_MAX_ARGS];
	const char *post[HELPER_MAX_ARGS];
};

/* fusefat opens the device read-write unless "-o ro" (it refuses to start
 * without ro or rw+); with ro it opens it O_RDONLY. */
static const struct fuse_helper fusefat_helper = {
	"fusefat", KB_MOUNT_FUSEFAT_ENV, {"-o", FUSE_OPTS, NULL}, {NULL},
};
/* fuseiso is read-only by design; -n: do not write ~/.mtab.fuseiso. */
static const struct fuse_helper fuseiso_helper = {
	"fuseiso", KB_MOUNT_FUSEISO_ENV, {"-n", NULL}, {"-o", FUSE_OPTS, NULL},
};

struct fs_rule {
	const char *fstype;
	const char *mount_type; /* NULL = fstype */
	const char *options[2];
	const struct fuse_helper *helper; /* when mount(2) says ENODEV */
};

static const struct fs_rule fs_rules[] = {
	{"ext2", NULL, {"", NULL}, NULL},
	{"ext3", NULL, {"noload", NULL}, NULL},
	{"ext4", NULL, {"noload", NULL}, NULL},
	{"xfs", NULL, {"norecovery", NULL}, NULL},
	/* "nologreplay" became "rescue=nologreplay" (Linux 5.9); try both. */
	{"btrfs", NULL, {"rescue=nologreplay", "nologreplay"}, NULL},
	{"f2fs", NULL, {"norecovery", NULL}, NULL},
	{"vfat", NULL, {"", NULL}, &fusefat_helper},
	{"msdos", NULL, {"", NULL}, &fusefat_helper},
	{"exfat", NULL, {"", NULL}, NULL},
	{"iso9660", NULL, {"", NULL}, &fuseiso_helper},
	{"udf", NULL, {"", NULL}, NULL},
	{"squashfs", NULL, {"", NULL}, NULL},
	{"erofs", NULL, {"", NULL}, NULL},
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

/* The helper's output, the last KB_MOUNT_HELPER_OUTPUT_MAX bytes. */
struct helper_output {
	char buf[KB_MOUNT_HELPER_OUTPUT_MAX + 1];
	size_t len;
};

static void drain_output(int fd, struct helper_output *out)
{
	char tmp[512];
	ssize_t n;

	_Static_assert(sizeof(tmp) <= KB_MOUNT_HELPER_OUTPUT_MAX, "one read fits the buffer");
	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		size_t add = (size_t)n;

		if (out->len + add > KB_MOUNT_HELPER_OUTPUT_MAX) {
			size_t drop = out->len + add - KB_MOUNT_HELPER_OUTPUT_MAX;

			memmove(out->buf, out->buf + drop, out->len - drop);
			out->len -= drop;
		}
		memcpy(out->buf + out->len, tmp, add);
		out->len += add;
	}
}

/* The output as one printable line ("" when none): newlines become "; ". */
static char *output_line(void *ctx, struct helper_output *out)
{
	char *s = talloc_strdup(ctx, "");

	for (size_t i = 0; s && i < out->len; i++) {
		unsigned char c = (unsigned char)out->buf[i];

		if (c == '\n') {
			size_t l = strlen(s);

			if (l > 0 && i + 1 < out->len && strcmp(s + (l >= 2 ? l - 2 : 0), "; ") != 0)
				s = talloc_strdup_append(s, "; ");
		} else {
			char ch[2] = {isprint(c) || c == '\t' ? (char)c : '?', '\0'};

			s = talloc_strdup_append(s, ch);
		}
	}
	return s;
}

static char *describe_status(void *ctx, int status)
{
	if (WIFEXITED(status))
		return talloc_asprintf(ctx, "exited with status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return talloc_asprintf(ctx, "was killed by signal %d (%s)", WTERMSIG(status),
				       strsignal(WTERMSIG(status)));
	return talloc_asprintf(ctx, "stopped (status 0x%x)", status);
}

/* The helper's path: the environment override when set, else the first
 * executable in KB_MOUNT_HELPER_DIRS. 0 (*path under ctx), -ENOENT (*why_not
 * says where it looked), -ENOMEM. */
static int find_helper(void *ctx, const struct fuse_helper *h, char **path, char **why_not)
{
	static const char *const dirs[] = {KB_MOUNT_HELPER_DIRS};
	const char *env = getenv(h->env);
	char *p;

	if (env && *env) {
		if (ops->access(env, X_OK) == 0) {
			*path = talloc_strdup(ctx, env);
			return *path ? 0 : -ENOMEM;
		}
		*why_not = talloc_asprintf(ctx, "%s=%s is not executable: %s", h->env, env,
					   strerror(errno));
		return *why_not ? -ENOENT : -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		p = talloc_asprintf(ctx, "%s/%s", dirs[i], h->program);
		if (!p)
			return -ENOMEM;
		if (ops->access(p, X_OK) == 0) {
			*path = p;
			return 0;
		}
		talloc_free(p);
	}
	*why_not = talloc_asprintf(ctx, "not in /usr/bin, /bin, /usr/sbin or /sbin; set %s to its path",
				   h->env);
	return *why_not ? -ENOENT : -ENOMEM;
}

/* Mount m->devnode at dir with the FUSE program h (the block device is
 * already read-only). Waits for the mount in mountinfo and the program's exit
 * 0 (it daemonises once mounted), at most KB_MOUNT_HELPER_TIMEOUT_MS. On
 * success sets m->helper/helper_path/options. On failure nothing of ours is
 * left mounted or running (a program that cannot be reaped within
 * KB_MOUNT_HELPER_REAP_MS after SIGKILL is left to exit by itself) and *why
 * (under ctx) says why. 0 or -errno. */
static int mount_fuse(void *ctx, struct kb_mount *m, const struct fuse_helper *h, const char *dir,
		      char **why)
{
	const char *argv[2 * HELPER_MAX_ARGS + 4];
	struct helper_output *out = NULL;
	char *path = NULL, *why_not = NULL, *what, *tmp = talloc_new(NULL);
	unsigned argc = 0, waited = 0, after_exit = 0;
	int pipefd[2] = {-1, -1}, status = 0, mounted = 0, r;
	bool exited = false;
	pid_t pid;

	if (!tmp)
		return -ENOMEM;
	if (!ops->spawn || !ops->waitpid || !ops->kill || !ops->access || !ops->mountinfo_has ||
	    !ops->sleep_ms) {
		*why = talloc_asprintf(ctx, "%s: the kernel does not support filesystem type %s and "
				       "the FUSE fallback is not available (no spawn op)",
				       m->device, m->fstype);
		r = -ENOSYS;
		goto out;
	}
	r = find_helper(tmp, h, &path, &why_not);
	if (r < 0) {
		*why = talloc_asprintf(ctx, "%s: kernel has no %s support and %s is not installed (%s)",
				       m->device, m->fstype, h->program, why_not ? why_not : "");
		r = r == -ENOENT ? -ENODEV : r;
		goto out;
	}
	argv[argc++] = h->program;
	for (unsigned i = 0; i < HELPER_MAX_ARGS && h->pre[i]; i++)
		argv[argc++] = h->pre[i];
	argv[argc++] = m->devnode;
	argv[argc++] = dir;
	for (unsigned i = 0; i < HELPER_MAX_ARGS && h->post[i]; i++)
		argv[argc++] = h->post[i];
	argv[argc] = NULL;
	what = talloc_asprintf(tmp, "%s: kernel has no %s support; %s", m->device, m->fstype, path);
	out = talloc_zero(tmp, struct helper_output);
	if (!what || !out) {
		r = -ENOMEM;
		goto out;
	}

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		*why = talloc_asprintf(ctx, "%s: cannot make a pipe: %s", what, strerror(-r));
		goto out;
	}
	pid = ops->spawn(path, (char *const *)argv, pipefd[1]);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (pid < 0) {
		r = -errno;
		*why = talloc_asprintf(ctx, "%s could not be started: %s", what, strerror(-r));
		goto out;
	}

	for (;;) {
		drain_output(pipefd[0], out);
		if (!exited) {
			pid_t w = ops->waitpid(pid, &status, WNOHANG);

			if (w == pid)
				exited = true;
			else if (w < 0 && errno != EINTR) {
				/* not our child any more: nothing to reap */
				r = -errno;
				exited = true;
				status = 0;
			}
		}
		if (exited && status != 0) {
			drain_output(pipefd[0], out);
			*why = talloc_asprintf(ctx, "%s %s without mounting: %s", what,
					       describe_status(tmp, status), output_line(tmp, out));
			r = -EIO;
			/* a program that mounted and then failed is not trusted */
			if (ops->mountinfo_has(dir, FUSE_TYPE_PREFIX) == 1 &&
			    ops->umount2(dir, 0) < 0)
				ops->umount2(dir, MNT_DETACH);
			goto out;
		}
		mounted = ops->mountinfo_has(dir, FUSE_TYPE_PREFIX);
		if (mounted < 0) {
			r = -errno;
			*why = talloc_asprintf(ctx, "%s: cannot read /proc/self/mountinfo: %s", what,
					       strerror(-r));
			break;
		}
		if (mounted && exited) {
			r = 0;
			goto out;
		}
		if (exited && after_exit >= KB_MOUNT_HELPER_SETTLE_MS) {
			*why = talloc_asprintf(ctx, "%s exited with status 0 but no FUSE mount appeared "
					       "at %s within %u ms: %s", what, dir,
					       KB_MOUNT_HELPER_SETTLE_MS, output_line(tmp, out));
			r = -EIO;
			goto out;
		}
		if (waited >= KB_MOUNT_HELPER_TIMEOUT_MS) {
			*why = talloc_asprintf(ctx, "%s did not %s within %u ms "
					       "(KB_MOUNT_HELPER_TIMEOUT_MS); killed it: %s", what,
					       mounted ? "finish starting" : "mount",
					       KB_MOUNT_HELPER_TIMEOUT_MS, output_line(tmp, out));
			r = -ETIMEDOUT;
			break;
		}
		ops->sleep_ms(KB_MOUNT_HELPER_POLL_MS);
		waited += KB_MOUNT_HELPER_POLL_MS;
		if (exited)
			after_exit += KB_MOUNT_HELPER_POLL_MS;
	}

	/* timed out or cannot tell: stop the program, undo a mount it made */
	if (!exited) {
		ops->kill(pid, SIGKILL);
		for (unsigned t = 0; t < KB_MOUNT_HELPER_REAP_MS; t += KB_MOUNT_HELPER_POLL_MS) {
			if (ops->waitpid(pid, &status, WNOHANG) != 0)
				break;
			ops->sleep_ms(KB_MOUNT_HELPER_POLL_MS);
		}
	}
	if (ops->mountinfo_has(dir, FUSE_TYPE_PREFIX) == 1 && ops->umount2(dir, 0) < 0)
		ops->umount2(dir, MNT_DETACH);
out:
	if (r == 0) {
		m->helper = talloc_strdup(m, h->program);
		m->helper_path = talloc_steal(m, path);
		m->options = talloc_asprintf(m, "via %s", h->program);
		if (!m->helper || !m->options)
			r = -ENOMEM; /* the caller's failure path unmounts */
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	talloc_free(tmp);
	return r;
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
	if (r == -ENODEV && rule->helper) {
		char *fuse_why = NULL;

		r = mount_fuse(ctx, m, rule->helper, dir, &fuse_why);
		if (r < 0 && ret_why)
			*ret_why = fuse_why;
		else
			talloc_free(fuse_why);
		if (r < 0) {
			ops->rmdir(dir);
			goto fail;
		}
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
