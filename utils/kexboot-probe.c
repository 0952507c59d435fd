/* kexboot-probe: parse the boot configs on one or more devices the way the
 * daemon does, without the daemon, and print what was found (see BRIEF.md).
 *
 *   kexboot-probe [--json] [--arch ARCH] [--compatible COMPAT] DEVICE...
 *   DEVICE := PATH | name=NAME,path=PATH[,uuid=…][,label=…][,partuuid=…][,partlabel=…][,fstype=…]
 *
 * A directory is taken as a filesystem root and needs no privileges. A block
 * device or image file is probed with libblkid and mounted read-only inside a
 * private mount namespace, over a read-only loop device (so the block layer
 * refuses writes too) and with journal replay off. The mount is detached at
 * once: only our root fd keeps it alive, so nothing is left behind at exit.
 * A block device already mounted elsewhere is read through that mount.
 */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <blkid/blkid.h>
#include <linux/loop.h>
#include <talloc.h>

#include "discover/parser-fs.h"
#include "discover/parser.h"
#include "lib/json.h"
#include "lib/types.h"

/* Devices on one command line. */
#define PROBE_MAX_DEVICES 256
/* Partitions of one image file. */
#define PROBE_MAX_PARTITIONS 128
/* Attempts at grabbing a free loop device (another process may race us). */
#define PROBE_LOOP_RETRIES 8

struct pdev {
	struct kb_device dev;
	int root_fd;
};

struct probe {
	void *ctx;
	struct pdev *devs;
	unsigned n_devs;
	struct kb_parse_error *errs; /* errors about devices themselves */
	unsigned n_errs;
	bool ns_ready;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kexboot-probe [--json] [--arch ARCH] [--compatible COMPAT] DEVICE...\n"
		"Parse the boot configs on the given devices as kexboot-discover would.\n\n"
		"DEVICE is a directory (a filesystem root), a block device or image file\n"
		"(mounted read-only in a private mount namespace; needs root), or\n"
		"  name=NAME,path=PATH[,uuid=UUID][,label=LABEL][,partuuid=PARTUUID]\n"
		"                    [,partlabel=PARTLABEL][,fstype=TYPE]\n\n"
		"  --json              print one JSON object (devices, options, errors)\n"
		"  --arch ARCH         architecture for BLS/UKI filtering (default: this machine's)\n"
		"  --compatible C      board compatible strings, most specific first,\n"
		"                      space-separated (extlinux FDTDIR)\n"
		"  --help, --version\n\n"
		"Exit status: 0 (config errors are listed), 2 for unusable arguments.\n");
}

static void dev_error(struct probe *p, const char *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void dev_error(struct probe *p, const char *dev, const char *fmt, ...)
{
	struct kb_parse_error *e;
	va_list ap;

	e = talloc_realloc(p->ctx, p->errs, struct kb_parse_error, p->n_errs + 1);
	if (!e)
		return;
	p->errs = e;
	e = &e[p->n_errs++];
	memset(e, 0, sizeof(*e));
	e->device = talloc_strdup(p->ctx, dev);
	va_start(ap, fmt);
	e->message = talloc_vasprintf(p->ctx, fmt, ap);
	va_end(ap);
}

static const char *default_arch(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	if (!strncmp(u.machine, "i", 1) && strstr(u.machine, "86"))
		return "x86";
	return u.machine;
}

/* A name usable in option ids: no ':' or whitespace. */
static bool name_ok(const char *s)
{
	if (!*s || strlen(s) >= KB_MAX_ID_LEN)
		return false;
	for (; *s; s++)
		if (*s == ':' || *s == ',' || isspace((unsigned char)*s) || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static char *base_name(void *ctx, const char *path)
{
	char *c = talloc_strdup(ctx, path), *b, *s;
	size_t n = strlen(c);

	while (n > 1 && c[n - 1] == '/')
		c[--n] = '\0';
	b = strrchr(c, '/');
	b = b && b[1] ? b + 1 : c;
	for (s = b; *s; s++)
		if (*s == ':' || *s == ',' || isspace((unsigned char)*s))
			*s = '_';
	return talloc_strdup(ctx, *b ? b : "root");
}

static bool name_taken(struct probe *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->n_devs; i++)
		if (!strcmp(p->devs[i].dev.id, name))
			return true;
	return false;
}

static char *unique_name(struct probe *p, const char *want)
{
	char *n = talloc_strdup(p->ctx, want);
	unsigned k;

	for (k = 2; n && name_taken(p, n); k++) {
		talloc_free(n);
		n = talloc_asprintf(p->ctx, "%s-%u", want, k);
	}
	return n;
}

static struct pdev *add_dev(struct probe *p, const char *name)
{
	struct pdev *d = talloc_realloc(p->ctx, p->devs, struct pdev, p->n_devs + 1);

	if (!d)
		return NULL;
	p->devs = d;
	d = &d[p->n_devs++];
	memset(d, 0, sizeof(*d));
	d->root_fd = -1;
	d->dev.id = talloc_strdup(p->ctx, name);
	d->dev.type = KB_DEVICE_DISK;
	d->dev.state = KB_DEVSTATE_PROBED;
	return d;
}

static int enter_namespace(struct probe *p)
{
	if (p->ns_ready)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	/* nothing we mount may propagate back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	p->ns_ready = true;
	return 0;
}

/* Attach file (or block device) fd read-only to a free loop device. */
static int loop_attach(int backing, uint64_t offset, uint64_t size, char *ret_path, size_t path_len)
{
	int ctl, tries;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	for (tries = 0; tries < PROBE_LOOP_RETRIES; tries++) {
		struct loop_config cfg;
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), lfd;

		if (n < 0) {
			int r = -errno;

			close(ctl);
			return r;
		}
		snprintf(ret_path, path_len, "/dev/loop%d", n);
		lfd = open(ret_path, O_RDONLY | O_CLOEXEC);
		if (lfd < 0)
			continue;
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = (uint32_t)backing;
		cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
		cfg.info.lo_offset = offset;
		cfg.info.lo_sizelimit = size;
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
			close(ctl);
			return lfd;
		}
		if (errno == EINVAL || errno == ENOTTY) {
			/* kernels before 5.8: the two-step interface */
			struct loop_info64 info;

			if (ioctl(lfd, LOOP_SET_FD, backing) == 0) {
				memset(&info, 0, sizeof(info));
				info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
				info.lo_offset = offset;
				info.lo_sizelimit = size;
				if (ioctl(lfd, LOOP_SET_STATUS64, &info) == 0) {
					close(ctl);
					return lfd;
				}
				ioctl(lfd, LOOP_CLR_FD, 0);
			}
		}
		close(lfd); /* EBUSY: someone took it meanwhile */
	}
	close(ctl);
	return -EBUSY;
}

static const char *mount_data(const char *fstype)
{
	if (!strcmp(fstype, "ext3") || !strcmp(fstype, "ext4"))
		return "noload";
	if (!strcmp(fstype, "xfs"))
		return "norecovery";
	if (!strcmp(fstype, "btrfs"))
		return "nologreplay";
	return NULL;
}

/* Probe a block device or image for its filesystem and identity. */
static int blkid_identify(void *ctx, const char *path, struct kb_device *dev, bool *ret_has_pt)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *v;
	int r;

	if (!pr)
		return -errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	r = blkid_do_safeprobe(pr);
	if (r < 0) {
		blkid_free_probe(pr);
		return -EIO;
	}
#define SET(field, key)                                                          \
	do {                                                                     \
		if (!dev->field && blkid_probe_lookup_value(pr, key, &v, NULL) == 0) \
			dev->field = talloc_strdup(ctx, v);                      \
	} while (0)
	SET(fstype, "TYPE");
	SET(uuid, "UUID");
	SET(label, "LABEL");
	SET(partuuid, "PART_ENTRY_UUID");
	SET(partlabel, "PART_ENTRY_NAME");
#undef SET
	*ret_has_pt = blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) == 0;
	blkid_free_probe(pr);
	return 0;
}

/* If the block device devno is mounted (with its whole tree), that mount point. */
static char *find_mount(void *ctx, dev_t devno)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192], *res = NULL;

	if (!f)
		return NULL;
	while (!res && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char root[4096], mp[4096];

		if (sscanf(line, "%*u %*u %u:%u %4095s %4095s", &maj, &min, root, mp) != 4)
			continue;
		if (makedev(maj, min) != devno || strcmp(root, "/") != 0)
			continue;
		{
			/* unescape \ooo */
			char *s = mp, *d = mp;

			while (*s) {
				if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
					*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
					s += 4;
				} else {
					*d++ = *s++;
				}
			}
			*d = '\0';
		}
		res = talloc_strdup(ctx, mp);
	}
	fclose(f);
	return res;
}

static bool held(dev_t devno)
{
	char path[128];
	DIR *d;
	struct dirent *de;
	bool any = false;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/holders", major(devno), minor(devno));
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			any = true;
	closedir(d);
	return any;
}

/* Mount loop device lpath (fstype) read-only on a fresh directory, open its
 * root and detach the mount at once. Returns the root fd or -errno. */
static int mount_detached(struct probe *p, const char *lpath, const char *fstype)
{
	char mnt[] = "/tmp/kexboot-probe.XXXXXX";
	int fd, r;

	if (!mkdtemp(mnt))
		return -errno;
	r = mount(lpath, mnt, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, mount_data(fstype));
	if (r < 0 && mount_data(fstype)) {
		/* an older driver may not know the journal option */
		r = mount(lpath, mnt, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		if (r == 0 && strcmp(fstype, "ext2") != 0) {
			/* refuse: without noload a dirty journal would be replayed */
			umount2(mnt, MNT_DETACH);
			rmdir(mnt);
			return -EOPNOTSUPP;
		}
	}
	if (r < 0) {
		r = -errno;
		rmdir(mnt);
		return r;
	}
	fd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? -errno : fd;
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	return r;
}

/* Probe, attach and mount one filesystem at byte range [off, off+size) of
 * backing (size 0 = to the end). Fills d. */
static void mount_fs(struct probe *p, struct pdev *d, int backing, uint64_t off, uint64_t size)
{
	char lpath[64];
	bool has_pt = false;
	int lfd, r;

	lfd = loop_attach(backing, off, size, lpath, sizeof(lpath));
	if (lfd < 0) {
		dev_error(p, d->dev.id, "cannot attach a read-only loop device: %s", strerror(-lfd));
		d->dev.state = KB_DEVSTATE_ERROR;
		return;
	}
	r = blkid_identify(p->ctx, lpath, &d->dev, &has_pt);
	if (r < 0 || !d->dev.fstype) {
		dev_error(p, d->dev.id, "no filesystem found");
		d->dev.state = KB_DEVSTATE_ERROR;
		close(lfd);
		return;
	}
	r = mount_detached(p, lpath, d->dev.fstype);
	close(lfd); /* the mount holds the loop device; AUTOCLEAR frees it after */
	if (r < 0) {
		dev_error(p, d->dev.id, "cannot mount %s read-only: %s", d->dev.fstype, strerror(-r));
		d->dev.state = KB_DEVSTATE_ERROR;
		return;
	}
	d->root_fd = r;
	d->dev.state = KB_DEVSTATE_MOUNTED;
	d->dev.status = talloc_strdup(p->ctx, "mounted read-only by kexboot-probe");
}

/* Partitions of an image: each becomes a device NAMEpN. */
static int add_partitions(struct probe *p, const char *path, const char *name, int backing)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	blkid_partlist pl;
	int n, i;

	if (!pr)
		return -EIO;
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	pl = blkid_probe_get_partitions(pr);
	n = pl ? blkid_partlist_numof_partitions(pl) : 0;
	if (n > PROBE_MAX_PARTITIONS) {
		dev_error(p, name, "%d partitions, over the limit of %d (PROBE_MAX_PARTITIONS)", n,
			  PROBE_MAX_PARTITIONS);
		n = PROBE_MAX_PARTITIONS;
	}
	for (i = 0; i < n; i++) {
		blkid_partition part = blkid_partlist_get_partition(pl, i);
		char *pname;
		struct pdev *d;
		const char *s;

		if (!part || blkid_partition_is_extended(part))
			continue;
		pname = unique_name(p, talloc_asprintf(p->ctx, "%sp%d", name, blkid_partition_get_partno(part)));
		d = pname ? add_dev(p, pname) : NULL;
		if (!d)
			break;
		if ((s = blkid_partition_get_uuid(part)))
			d->dev.partuuid = talloc_strdup(p->ctx, s);
		if ((s = blkid_partition_get_name(part)))
			d->dev.partlabel = talloc_strdup(p->ctx, s);
		mount_fs(p, d, backing, (uint64_t)blkid_partition_get_start(part) * 512,
			 (uint64_t)blkid_partition_get_size(part) * 512);
	}
	blkid_free_probe(pr);
	return 0;
}

struct spec {
	char *name, *path, *uuid, *label, *partuuid, *partlabel, *fstype;
};

static bool spec_key(const char *arg)
{
	static const char *const keys[] = {"name=", "path=", "uuid=", "label=", "partuuid=", "partlabel=",
					   "fstype=", NULL};
	unsigned i;

	for (i = 0; keys[i]; i++)
		if (!strncmp(arg, keys[i], strlen(keys[i])))
			return true;
	return false;
}

/* Parse "name=…,path=…,…". -EINVAL with a message on stderr. */
static int parse_spec(void *ctx, const char *arg, struct spec *s)
{
	char *copy = talloc_strdup(ctx, arg), *save = NULL, *tok;

	memset(s, 0, sizeof(*s));
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), **slot = NULL;

		if (!eq) {
			fprintf(stderr, "kexboot-probe: '%s': expected KEY=VALUE in '%s'\n", tok, arg);
			return -EINVAL;
		}
		*eq = '\0';
		if (!strcmp(tok, "name"))
			slot = &s->name;
		else if (!strcmp(tok, "path"))
			slot = &s->path;
		else if (!strcmp(tok, "uuid"))
			slot = &s->uuid;
		else if (!strcmp(tok, "label"))
			slot = &s->label;
		else if (!strcmp(tok, "partuuid"))
			slot = &s->partuuid;
		else if (!strcmp(tok, "partlabel"))
			slot = &s->partlabel;
		else if (!strcmp(tok, "fstype"))
			slot = &s->fstype;
		if (!slot) {
			fprintf(stderr, "kexboot-probe: unknown device key '%s' in '%s'\n", tok, arg);
			return -EINVAL;
		}
		*slot = talloc_strdup(ctx, eq + 1);
	}
	if (!s->path) {
		fprintf(stderr, "kexboot-probe: '%s': path= is required\n", arg);
		return -EINVAL;
	}
	if (s->name && !name_ok(s->name)) {
		fprintf(stderr, "kexboot-probe: name '%s': must be 1..%d characters without ':', ',' or blanks\n",
			s->name, KB_MAX_ID_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

/* Set up one DEVICE argument. -EINVAL for an unusable argument. */
static int add_arg(struct probe *p, const char *arg)
{
	struct spec s;
	struct stat st;
	struct pdev *d;
	char *name;

	if (spec_key(arg)) {
		if (parse_spec(p->ctx, arg, &s) < 0)
			return -EINVAL;
	} else {
		memset(&s, 0, sizeof(s));
		s.path = talloc_strdup(p->ctx, arg);
	}
	if (stat(s.path, &st) < 0) {
		fprintf(stderr, "kexboot-probe: %s: %s\n", s.path, strerror(errno));
		return -EINVAL;
	}
	if (s.name) {
		if (name_taken(p, s.name)) {
			fprintf(stderr, "kexboot-probe: device name '%s' given twice\n", s.name);
			return -EINVAL;
		}
		name = s.name;
	} else {
		name = unique_name(p, base_name(p->ctx, s.path));
	}
	if (p->n_devs >= PROBE_MAX_DEVICES) {
		fprintf(stderr, "kexboot-probe: more than %d devices (PROBE_MAX_DEVICES)\n", PROBE_MAX_DEVICES);
		return -EINVAL;
	}
	if (S_ISDIR(st.st_mode)) {
		d = add_dev(p, name);
		if (!d)
			return -ENOMEM;
		d->root_fd = open(s.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d->root_fd < 0) {
			fprintf(stderr, "kexboot-probe: %s: %s\n", s.path, strerror(errno));
			return -EINVAL;
		}
		d->dev.state = KB_DEVSTATE_MOUNTED;
		d->dev.uuid = s.uuid;
		d->dev.label = s.label;
		d->dev.partuuid = s.partuuid;
		d->dev.partlabel = s.partlabel;
		d->dev.fstype = s.fstype;
	} else if (S_ISBLK(st.st_mode) || S_ISREG(st.st_mode)) {
		char *mp = S_ISBLK(st.st_mode) ? find_mount(p->ctx, st.st_rdev) : NULL;
		bool has_pt = false;
		int backing, r;

		d = add_dev(p, name);
		if (!d)
			return -ENOMEM;
		/* identity first (works without mounting), spec values win */
		d->dev.uuid = s.uuid;
		d->dev.label = s.label;
		d->dev.partuuid = s.partuuid;
		d->dev.partlabel = s.partlabel;
		d->dev.fstype = s.fstype;
		if (blkid_identify(p->ctx, s.path, &d->dev, &has_pt) < 0) {
			dev_error(p, name, "cannot probe %s", s.path);
			d->dev.state = KB_DEVSTATE_ERROR;
			return 0;
		}
		if (mp) {
			d->root_fd = open(mp, O_PATH | O_DIRECTORY | O_CLOEXEC);
			d->dev.state = KB_DEVSTATE_IN_USE;
			d->dev.status = talloc_asprintf(p->ctx, "mounted at %s: read through that mount", mp);
			if (d->root_fd < 0)
				dev_error(p, name, "mounted at %s but cannot open it: %s", mp, strerror(errno));
			return 0;
		}
		if (S_ISBLK(st.st_mode) && held(st.st_rdev)) {
			dev_error(p, name, "held by device-mapper/md/LVM: skipped");
			d->dev.state = KB_DEVSTATE_IN_USE;
			return 0;
		}
		r = enter_namespace(p);
		if (r < 0) {
			dev_error(p, name, "cannot make a private mount namespace (needs root): %s", strerror(-r));
			d->dev.state = KB_DEVSTATE_ERROR;
			return 0;
		}
		backing = open(s.path, O_RDONLY | O_CLOEXEC);
		if (backing < 0) {
			dev_error(p, name, "cannot open %s: %s", s.path, strerror(errno));
			d->dev.state = KB_DEVSTATE_ERROR;
			return 0;
		}
		if (!d->dev.fstype && has_pt) {
			/* a whole-disk image: its partitions are the devices */
			p->n_devs--;
			add_partitions(p, s.path, name, backing);
		} else {
			mount_fs(p, d, backing, 0, 0);
		}
		close(backing);
	} else {
		fprintf(stderr, "kexboot-probe: %s: not a directory, block device or image file\n", s.path);
		return -EINVAL;
	}
	return 0;
}

static void json_error(struct kb_json *j, const struct kb_parse_error *e)
{
	kb_json_obj_begin(j, NULL);
	kb_json_str(j, "device", e->device);
	kb_json_str(j, "file", e->file);
	if (e->line)
		kb_json_int(j, "line", e->line);
	else
		kb_json_null(j, "line");
	kb_json_str(j, "message", e->message);
	kb_json_obj_end(j);
}

static void text_res(const char *what, const struct kb_resource *r)
{
	switch (r->kind) {
	case KB_RES_DEVICE:
		printf("    %-7s %s:%s\n", what, r->device, r->path);
		break;
	case KB_RES_URL:
		printf("    %-7s %s\n", what, r->url);
		break;
	case KB_RES_UNRESOLVED:
		printf("    %-7s %s (not present):%s\n", what, r->unresolved, r->path);
		break;
	default:
		break;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"arch", required_argument, NULL, 'a'},
		{"compatible", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	void *root = talloc_new(NULL);
	struct probe p;
	struct kb_parse_fs *fs;
	struct kb_parse_ctx *runs;
	const char *arch = NULL, *compatible = NULL;
	bool json = false, seen_default = false;
	unsigned i, k;
	int c;

	memset(&p, 0, sizeof(p));
	p.ctx = root;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			arch = optarg;
			break;
		case 'c':
			compatible = optarg;
			break;
		case 'h':
			usage(stdout);
			talloc_free(root);
			return 0;
		case 'V':
			printf("kexboot-probe %s\n", PACKAGE_VERSION);
			talloc_free(root);
			return 0;
		default:
			usage(stderr);
			talloc_free(root);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "kexboot-probe: no DEVICE given\n");
		usage(stderr);
		talloc_free(root);
		return 2;
	}
	if (!arch)
		arch = default_arch();
	for (i = (unsigned)optind; i < (unsigned)argc; i++)
		if (add_arg(&p, argv[i]) < 0) {
			for (k = 0; k < p.n_devs; k++)
				if (p.devs[k].root_fd >= 0)
					close(p.devs[k].root_fd);
			talloc_free(root);
			return 2;
		}

	fs = kb_parse_fs_new(root);
	if (!fs) {
		talloc_free(root);
		return 1;
	}
	for (i = 0; i < p.n_devs; i++) {
		if (p.devs[i].root_fd < 0)
			continue;
		if (kb_parse_fs_add(fs, &p.devs[i].dev, p.devs[i].root_fd) < 0)
			dev_error(&p, p.devs[i].dev.id, "cannot register device");
	}
	/* parse only after every device is known: they resolve each other */
	runs = talloc_zero_array(root, struct kb_parse_ctx, p.n_devs ? p.n_devs : 1);
	for (i = 0; i < p.n_devs; i++) {
		const struct kb_device *dev = fs->get_device(fs, p.devs[i].dev.id);

		if (p.devs[i].root_fd < 0 || !dev)
			continue;
		kb_parse_ctx_init(&runs[i], root, fs, dev, arch, compatible);
		kb_parse_device(&runs[i]);
	}

	if (json) {
		struct kb_json *j = kb_json_new(root);

		kb_json_obj_begin(j, NULL);
		kb_json_arr_begin(j, "devices");
		for (i = 0; i < p.n_devs; i++) {
			const struct kb_device *d = &p.devs[i].dev;

			kb_json_obj_begin(j, NULL);
			kb_json_str(j, "name", d->id);
			kb_json_str(j, "uuid", d->uuid);
			kb_json_str(j, "label", d->label);
			kb_json_str(j, "partuuid", d->partuuid);
			kb_json_str(j, "partlabel", d->partlabel);
			kb_json_str(j, "fstype", d->fstype);
			kb_json_obj_end(j);
		}
		kb_json_arr_end(j);
		kb_json_arr_begin(j, "options");
		for (i = 0; i < p.n_devs; i++)
			for (k = 0; k < runs[i].n_options; k++) {
				const struct kb_option *o = runs[i].options[k];

				/* one default in all: the first the configs mark, in menu order */
				kb_json_option(j, NULL, o, o->is_default && !seen_default);
				seen_default |= o->is_default;
			}
		kb_json_arr_end(j);
		kb_json_arr_begin(j, "errors");
		for (i = 0; i < p.n_errs; i++)
			json_error(j, &p.errs[i]);
		for (i = 0; i < p.n_devs; i++)
			for (k = 0; k < runs[i].n_errors; k++)
				json_error(j, &runs[i].errors[k]);
		kb_json_arr_end(j);
		kb_json_obj_end(j);
		printf("%s\n", kb_json_text(j));
	} else {
		for (i = 0; i < p.n_devs; i++) {
			const struct kb_device *d = &p.devs[i].dev;

			printf("device %s: fstype %s, uuid %s, label %s\n", d->id, d->fstype ? d->fstype : "-",
			       d->uuid ? d->uuid : "-", d->label ? d->label : "-");
			for (k = 0; k < runs[i].n_options; k++) {
				const struct kb_option *o = runs[i].options[k];
				uint32_t m;

				printf("  %s%s  %s\n", o->is_default ? "* " : "", o->id, o->name);
				text_res("kernel", &o->kernel);
				for (m = 0; m < o->n_initrds; m++)
					text_res("initrd", &o->initrds[m]);
				text_res("dtb", &o->dtb);
				if (o->args)
					printf("    args    %s\n", o->args);
			}
		}
		for (i = 0; i < p.n_errs; i++)
			fprintf(stderr, "%s: %s\n", p.errs[i].device, p.errs[i].message);
		for (i = 0; i < p.n_devs; i++)
			for (k = 0; k < runs[i].n_errors; k++) {
				const struct kb_parse_error *e = &runs[i].errors[k];

				if (e->line)
					fprintf(stderr, "%s:%s:%u: %s\n", e->device, e->file ? e->file : "", e->line,
						e->message);
				else
					fprintf(stderr, "%s:%s: %s\n", e->device, e->file ? e->file : "", e->message);
			}
	}
	for (i = 0; i < p.n_devs; i++)
		if (p.devs[i].root_fd >= 0)
			close(p.devs[i].root_fd);
	talloc_free(root);
	return 0;
}
