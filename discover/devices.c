/* kexboot-discover: the device registry. Block devices arrive from the
 * monitor (discover/block.h), are mounted read-only (or read through an
 * existing mount when in use), their configs parsed (discover/parser.h), and
 * devices and options are published to every client. On removal the options
 * are withdrawn and the mount released. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>

#include "discover/block.h"
#include "discover/daemon.h"
#include "discover/parser-fs.h"
#include "discover/parser.h"
#include "lib/log.h"

#define KB_MAX_STATUS_ERRORS 20 /* parse errors broadcast per device; the rest are counted */
#define KB_LOOP_POLL_MS 250     /* how often mounted loop devices are checked for a detach request */
#define KB_USER_DEVICE "user"

struct dev_entry {
	struct kb_devices *devs;
	struct kb_device *dev;   /* as published */
	struct kb_blockdev *bd;  /* NULL for the user device */
	struct kb_mount *mnt;    /* NULL when not mounted */
	struct kb_option **opts; /* talloc array */
	unsigned n_opts;
	unsigned next_user;      /* user device: next option number */
	bool loop_watch;         /* a loop device we mounted: watch for `losetup -d` */
};

struct kb_devices {
	struct kb_daemon *d;
	struct kb_blockmon *mon;
	struct dev_entry **entries; /* talloc array, in discovery order */
	unsigned n_entries;
	char *mnt_dir;
	struct kb_source *loop_timer;
};

/* Has someone asked for this loop device to be detached? `losetup -d` on a
 * mounted loop device only sets autoclear (no uevent): the kernel detaches
 * it when the last user, our mount, lets go. */
static bool loop_autoclear(const char *name)
{
	char path[128], c = '0';
	int fd;

	snprintf(path, sizeof(path), "/sys/class/block/%s/loop/autoclear", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static struct dev_entry *find_entry(const struct kb_devices *devs, const char *id)
{
	unsigned i;

	for (i = 0; i < devs->n_entries; i++)
		if (strcmp(devs->entries[i]->dev->id, id) == 0)
			return devs->entries[i];
	return NULL;
}

static void publish_device(struct kb_devices *devs, struct dev_entry *e)
{
	struct kb_msg msg = { .type = KB_MSG_DEVICE_ADD, .u.device = e->dev };

	kb_server_broadcast(devs->d->server, &msg);
}

static void withdraw_options(struct kb_devices *devs, struct dev_entry *e)
{
	struct kb_msg msg = { .type = KB_MSG_OPTION_REMOVE };
	unsigned i;

	for (i = 0; i < e->n_opts; i++) {
		msg.u.id.id = e->opts[i]->id;
		kb_server_broadcast(devs->d->server, &msg);
	}
	TALLOC_FREE(e->opts);
	e->n_opts = 0;
}

static int entry_destructor(struct dev_entry *e)
{
	struct kb_devices *devs = e->devs;
	unsigned i;

	for (i = 0; i < devs->n_entries; i++) {
		if (devs->entries[i] == e) {
			memmove(&devs->entries[i], &devs->entries[i + 1],
				(devs->n_entries - i - 1) * sizeof(devs->entries[0]));
			devs->n_entries--;
			break;
		}
	}
	return 0;
}

static struct dev_entry *new_entry(struct kb_devices *devs, const char *id, uint32_t type)
{
	struct dev_entry **grown, *e;

	grown = talloc_realloc(devs, devs->entries, struct dev_entry *, devs->n_entries + 1);
	if (!grown)
		return NULL;
	devs->entries = grown;
	e = talloc_zero(devs, struct dev_entry);
	if (!e)
		return NULL;
	e->devs = devs;
	e->dev = talloc_zero(e, struct kb_device);
	if (!e->dev || !(e->dev->id = talloc_strdup(e->dev, id))) {
		talloc_free(e);
		return NULL;
	}
	e->dev->type = type;
	devs->entries[devs->n_entries++] = e;
	talloc_set_destructor(e, entry_destructor);
	return e;
}

/* Copy the block identities into the published device. */
static void fill_device(struct dev_entry *e, const struct kb_blockdev *bd)
{
	struct kb_device *dev = e->dev;

	talloc_free(dev->uuid);
	talloc_free(dev->label);
	talloc_free(dev->partuuid);
	talloc_free(dev->partlabel);
	talloc_free(dev->fstype);
	dev->uuid = talloc_strdup(dev, bd->uuid);
	dev->label = talloc_strdup(dev, bd->label);
	dev->partuuid = talloc_strdup(dev, bd->partuuid);
	dev->partlabel = talloc_strdup(dev, bd->partlabel);
	dev->fstype = talloc_strdup(dev, bd->fstype);
	dev->type = bd->fstype && (!strcmp(bd->fstype, "iso9660") || !strcmp(bd->fstype, "udf"))
			    ? KB_DEVICE_OPTICAL
			    : KB_DEVICE_DISK;
}

static void set_state(struct dev_entry *e, uint32_t state, const char *status)
{
	struct kb_device *dev = e->dev;

	dev->state = state;
	talloc_free(dev->status);
	dev->status = talloc_strdup(dev, status);
	talloc_free(dev->mount_point);
	dev->mount_point = e->mnt ? talloc_strdup(dev, e->mnt->mount_point) : NULL;
}

/* A parse backend over every device currently readable. */
static struct kb_parse_fs *make_fs(struct kb_devices *devs, void *ctx)
{
	struct kb_parse_fs *fs = kb_parse_fs_new(ctx);
	unsigned i;
	int fd;

	if (!fs)
		return NULL;
	for (i = 0; i < devs->n_entries; i++) {
		struct dev_entry *e = devs->entries[i];

		if (!e->mnt)
			continue;
		fd = open(e->mnt->mount_point, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			log_warn("%s: cannot open %s: %m", e->dev->id, e->mnt->mount_point);
			continue;
		}
		if (kb_parse_fs_add(fs, e->dev, fd) < 0)
			log_warn("%s: cannot add to the parser backend", e->dev->id);
		close(fd);
	}
	return fs;
}

/* Parse e's configs and publish its options. */
static void parse_entry(struct kb_devices *devs, struct dev_entry *e)
{
	struct kb_daemon *d = devs->d;
	struct kb_msg msg = { .type = KB_MSG_OPTION_ADD };
	struct kb_parse_ctx pctx;
	void *tmp = talloc_new(NULL);
	struct kb_parse_fs *fs;
	unsigned i;
	int r;

	fs = make_fs(devs, tmp);
	if (!fs) {
		talloc_free(tmp);
		return;
	}
	kb_parse_ctx_init(&pctx, tmp, fs, e->dev, d->opts.arch, d->opts.compatible);
	r = kb_parse_device(&pctx);
	if (r < 0)
		kb_status(d, KB_STATUS_ERROR, e->dev->id, "parsing failed: %s", strerror(-r));
	for (i = 0; i < pctx.n_errors && i < KB_MAX_STATUS_ERRORS; i++) {
		const struct kb_parse_error *pe = &pctx.errors[i];

		kb_status(d, KB_STATUS_ERROR, e->dev->id, "%s:%u: %s", pe->file ? pe->file : "?",
			  pe->line, pe->message);
	}
	if (pctx.n_errors > KB_MAX_STATUS_ERRORS)
		kb_status(d, KB_STATUS_ERROR, e->dev->id, "%u more config errors not shown",
			  pctx.n_errors - KB_MAX_STATUS_ERRORS);

	e->opts = talloc_steal(e, pctx.options);
	e->n_opts = e->opts ? pctx.n_options : 0;
	for (i = 0; i < e->n_opts; i++) {
		talloc_steal(e->opts, e->opts[i]);
		msg.u.option = e->opts[i];
		kb_server_broadcast(d->server, &msg);
	}
	if (e->n_opts)
		kb_status(d, KB_STATUS_INFO, e->dev->id, "%u boot option%s found", e->n_opts,
			  e->n_opts == 1 ? "" : "s");
	talloc_free(tmp);
}

/* Make a device's files readable: our own read-only mount, or an existing one. */
static void mount_entry(struct kb_devices *devs, struct dev_entry *e)
{
	const struct kb_blockdev *bd = e->bd;
	char *why = NULL;
	int r;

	if (!bd->fstype || !strcmp(bd->fstype, "swap")) {
		set_state(e, KB_DEVSTATE_PROBED, bd->pttype ? "partition table" : "no filesystem");
		return;
	}
	if (bd->in_use) {
		if (bd->mount_point && kb_mount_existing(e, bd, &e->mnt) == 0) {
			char *s = talloc_asprintf(e, "in use (%s): read through its existing mount",
						  bd->in_use_reason ? bd->in_use_reason : "mounted");

			set_state(e, KB_DEVSTATE_IN_USE, s);
			talloc_free(s);
			return;
		}
		char *s = talloc_asprintf(e, "skipped: in use (%s)",
					  bd->in_use_reason ? bd->in_use_reason : "busy");
		set_state(e, KB_DEVSTATE_IN_USE, s);
		kb_status(devs->d, KB_STATUS_INFO, e->dev->id, "%s", s);
		talloc_free(s);
		return;
	}
	/* a loop device whose detach is already pending (`losetup -d` while it
	 * was open, e.g. during our probe) goes away when released: don't hold it */
	if (strncmp(bd->name, "loop", 4) == 0 && loop_autoclear(bd->name)) {
		set_state(e, KB_DEVSTATE_PROBED, "detach pending: not mounted");
		return;
	}
	r = kb_mount_ro(e, bd, devs->d->opts.runtime_dir, &e->mnt, &why);
	if (r < 0) {
		char *s = talloc_asprintf(e, "not mounted: %s", why ? why : strerror(-r));

		set_state(e, KB_DEVSTATE_ERROR, s);
		kb_status(devs->d, KB_STATUS_ERROR, e->dev->id, "%s", s);
		talloc_free(s);
		talloc_free(why);
		return;
	}
	e->loop_watch = strncmp(bd->name, "loop", 4) == 0;
	{
		char *s = talloc_asprintf(e, "mounted read-only%s%s", e->mnt->options[0] ? " (" : "",
					  e->mnt->options[0] ? e->mnt->options : "");

		if (e->mnt->options[0])
			s = talloc_strdup_append(s, ")");
		set_state(e, KB_DEVSTATE_MOUNTED, s);
		talloc_free(s);
	}
}

static void block_event(struct kb_blockmon *mon, enum kb_block_event ev,
			const struct kb_blockdev *bd, void *data)
{
	struct kb_devices *devs = data;
	struct dev_entry *e = find_entry(devs, bd->name);
	struct kb_msg msg = { .type = KB_MSG_DEVICE_REMOVE };

	if (ev == KB_BLOCK_REMOVE) {
		if (!e)
			return;
		log_info("%s: removed", e->dev->id);
		withdraw_options(devs, e);
		msg.u.id.id = e->dev->id;
		kb_server_broadcast(devs->d->server, &msg);
		talloc_free(e); /* unmounts */
		kb_options_changed(devs->d);
		return;
	}
	if (e) {
		/* changed: start over with the new identity */
		withdraw_options(devs, e);
		TALLOC_FREE(e->mnt);
		TALLOC_FREE(e->bd);
	} else {
		e = new_entry(devs, bd->name, KB_DEVICE_DISK);
		if (!e)
			return;
	}
	e->bd = kb_blockdev_dup(e, bd);
	if (!e->bd) {
		talloc_free(e);
		return;
	}
	fill_device(e, bd);
	mount_entry(devs, e);
	log_info("%s: %s%s%s uuid=%s label=%s: %s", e->dev->id, bd->fstype ? bd->fstype : "-",
		 bd->partuuid ? " partuuid=" : "", bd->partuuid ? bd->partuuid : "",
		 bd->uuid ? bd->uuid : "-", bd->label ? bd->label : "-", e->dev->status);
	publish_device(devs, e);
	if (e->mnt)
		parse_entry(devs, e);
	kb_options_changed(devs->d);
}

/* Let go of loop devices whose detach was requested, so the kernel can
 * finish it (its change/remove uevent then withdraws the device). */
static void loop_poll(struct kb_source *src, void *data)
{
	struct kb_devices *devs = data;
	unsigned i;

	for (i = 0; i < devs->n_entries; i++) {
		struct dev_entry *e = devs->entries[i];

		if (!e->loop_watch || !e->mnt || !loop_autoclear(e->dev->id))
			continue;
		log_info("%s: detach requested: releasing it", e->dev->id);
		e->loop_watch = false;
		withdraw_options(devs, e);
		TALLOC_FREE(e->mnt);
		set_state(e, KB_DEVSTATE_PROBED, "released: detach requested");
		publish_device(devs, e);
		kb_options_changed(devs->d);
	}
}

static int devices_destructor(struct kb_devices *devs)
{
	TALLOC_FREE(devs->mon);
	while (devs->n_entries)
		talloc_free(devs->entries[devs->n_entries - 1]); /* unmounts */
	return 0;
}

struct kb_devices *kb_devices_new(struct kb_daemon *d)
{
	struct kb_devices *devs = talloc_zero(d, struct kb_devices);
	int r;

	if (!devs)
		return NULL;
	devs->d = d;
	devs->mnt_dir = talloc_asprintf(devs, "%s/mnt", d->opts.runtime_dir);
	talloc_set_destructor(devs, devices_destructor);
	devs->mon = kb_blockmon_new(devs, d->loop, d->opts.globs, d->opts.n_globs, block_event, devs);
	if (!devs->mon || !devs->mnt_dir || kb_blockmon_set_own_mount_dir(devs->mon, devs->mnt_dir) < 0)
		goto fail;
	devs->loop_timer = kb_loop_add_timer(d->loop, devs, KB_LOOP_POLL_MS, true, loop_poll, devs);
	if (!devs->loop_timer)
		goto fail;
	log_info("block devices: %s", kb_blockmon_using_udevd(devs->mon)
					      ? "following udevd"
					      : "no udevd: following kernel uevents");
	return devs;
fail:
	r = errno;
	talloc_free(devs);
	errno = r;
	return NULL;
}

int kb_devices_rescan(struct kb_devices *devs)
{
	unsigned i;
	int r;

	r = kb_blockmon_enumerate(devs->mon);
	if (r < 0)
		return r;
	/* re-read configs of devices whose identity did not change */
	for (i = 0; i < devs->n_entries; i++) {
		struct dev_entry *e = devs->entries[i];

		if (!e->mnt)
			continue;
		withdraw_options(devs, e);
		parse_entry(devs, e);
	}
	kb_options_changed(devs->d);
	return 0;
}

int kb_devices_sync(struct kb_devices *devs, int (*emit)(void *arg, const struct kb_msg *msg),
		    void *arg)
{
	struct kb_msg msg;
	unsigned i, j;
	int r;

	for (i = 0; i < devs->n_entries; i++) {
		msg.type = KB_MSG_DEVICE_ADD;
		msg.u.device = devs->entries[i]->dev;
		if ((r = emit(arg, &msg)) < 0)
			return r;
	}
	for (i = 0; i < devs->n_entries; i++) {
		for (j = 0; j < devs->entries[i]->n_opts; j++) {
			msg.type = KB_MSG_OPTION_ADD;
			msg.u.option = devs->entries[i]->opts[j];
			if ((r = emit(arg, &msg)) < 0)
				return r;
		}
	}
	return 0;
}

const struct kb_option *kb_devices_option_at(struct kb_devices *devs, unsigned idx)
{
	unsigned i;

	for (i = 0; i < devs->n_entries; i++) {
		if (idx < devs->entries[i]->n_opts)
			return devs->entries[i]->opts[idx];
		idx -= devs->entries[i]->n_opts;
	}
	return NULL;
}

const struct kb_option *kb_devices_option(struct kb_devices *devs, const char *id)
{
	const struct kb_option *opt;
	unsigned i;

	for (i = 0; (opt = kb_devices_option_at(devs, i)); i++)
		if (strcmp(opt->id, id) == 0)
			return opt;
	return NULL;
}

const struct kb_device *kb_devices_device(struct kb_devices *devs, const char *id)
{
	struct dev_entry *e = find_entry(devs, id);

	return e ? e->dev : NULL;
}

const char *kb_devices_add_user(struct kb_devices *devs, struct kb_option *opt)
{
	struct dev_entry *e = find_entry(devs, KB_USER_DEVICE);
	struct kb_msg msg = { .type = KB_MSG_OPTION_ADD };
	struct kb_option **grown;

	if (!e) {
		e = new_entry(devs, KB_USER_DEVICE, KB_DEVICE_USER);
		if (!e)
			return NULL;
		e->dev->state = KB_DEVSTATE_PROBED;
		e->dev->status = talloc_strdup(e->dev, "options added by user events");
		publish_device(devs, e);
	}
	grown = talloc_realloc(e, e->opts, struct kb_option *, e->n_opts + 1);
	if (!grown) {
		errno = ENOMEM;
		return NULL;
	}
	e->opts = grown;
	talloc_steal(e->opts, opt);
	talloc_free(opt->id);
	talloc_free(opt->device_id);
	talloc_free(opt->parser);
	opt->id = talloc_asprintf(opt, KB_USER_DEVICE ":user:%u", e->next_user++);
	opt->device_id = talloc_strdup(opt, KB_USER_DEVICE);
	opt->parser = talloc_strdup(opt, "user");
	opt->order = e->n_opts;
	e->opts[e->n_opts++] = opt;
	msg.u.option = opt;
	kb_server_broadcast(devs->d->server, &msg);
	kb_options_changed(devs->d);
	return opt->id;
}

int kb_devices_remove_user(struct kb_devices *devs, const char *id)
{
	struct dev_entry *e = find_entry(devs, KB_USER_DEVICE);
	struct kb_msg msg = { .type = KB_MSG_OPTION_REMOVE };
	unsigned i;

	if (!kb_devices_option(devs, id))
		return -ENOENT;
	if (!e)
		return -EPERM;
	for (i = 0; i < e->n_opts; i++) {
		if (strcmp(e->opts[i]->id, id) != 0)
			continue;
		msg.u.id.id = e->opts[i]->id;
		kb_server_broadcast(devs->d->server, &msg);
		talloc_free(e->opts[i]);
		memmove(&e->opts[i], &e->opts[i + 1], (e->n_opts - i - 1) * sizeof(e->opts[0]));
		e->n_opts--;
		kb_options_changed(devs->d);
		return 0;
	}
	return -EPERM;
}

char *kb_devices_resolve(struct kb_devices *devs, void *ctx, const struct kb_resource *res)
{
	struct dev_entry *e;
	char *joined, *real, *out;
	size_t n;

	switch (res->kind) {
	case KB_RES_DEVICE:
		break;
	case KB_RES_URL:
		/* local files named by a user option */
		if (res->url && strncmp(res->url, "file:///", 8) == 0)
			return talloc_strdup(ctx, res->url + 7);
		errno = EREMOTE;
		return NULL;
	default:
		errno = ENODEV;
		return NULL;
	}
	e = res->device ? find_entry(devs, res->device) : NULL;
	if (!e || !e->mnt || !res->path) {
		errno = ENODEV;
		return NULL;
	}
	joined = talloc_asprintf(ctx, "%s/%s", e->mnt->mount_point, res->path);
	real = joined ? realpath(joined, NULL) : NULL;
	talloc_free(joined);
	if (!real)
		return NULL;
	/* symlinks must not lead off the device */
	n = strlen(e->mnt->mount_point);
	if (strncmp(real, e->mnt->mount_point, n) != 0 || (real[n] != '/' && real[n] != '\0')) {
		free(real);
		errno = EXDEV;
		return NULL;
	}
	out = talloc_strdup(ctx, real);
	free(real);
	return out;
}

int kb_devices_net_update(struct kb_devices *devs, const struct kb_device *dev)
{
	struct dev_entry *e = find_entry(devs, dev->id);
	struct kb_device *copy;

	if (e && e->bd)
		return -EEXIST; /* a block device of that name */
	if (!e) {
		e = new_entry(devs, dev->id, KB_DEVICE_NETWORK);
		if (!e)
			return -ENOMEM;
	}
	copy = kb_device_dup(e, dev);
	if (!copy)
		return -ENOMEM;
	copy->type = KB_DEVICE_NETWORK;
	talloc_free(e->dev);
	e->dev = copy;
	publish_device(devs, e);
	return 0;
}

int kb_devices_net_set_options(struct kb_devices *devs, const char *id, struct kb_option **opts,
			       unsigned n)
{
	struct dev_entry *e = find_entry(devs, id);
	struct kb_msg msg = { .type = KB_MSG_OPTION_ADD };
	unsigned i;

	if (!e || e->bd)
		return -ENOENT;
	withdraw_options(devs, e);
	if (n) {
		e->opts = talloc_array(e, struct kb_option *, n);
		if (!e->opts)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			e->opts[i] = talloc_steal(e->opts, opts[i]);
			e->opts[i]->order = i;
			msg.u.option = e->opts[i];
			kb_server_broadcast(devs->d->server, &msg);
		}
		e->n_opts = n;
	}
	kb_options_changed(devs->d);
	return 0;
}

void kb_devices_net_remove(struct kb_devices *devs, const char *id)
{
	struct dev_entry *e = find_entry(devs, id);
	struct kb_msg msg = { .type = KB_MSG_DEVICE_REMOVE };

	if (!e || e->bd)
		return;
	withdraw_options(devs, e);
	msg.u.id.id = e->dev->id;
	kb_server_broadcast(devs->d->server, &msg);
	talloc_free(e);
	kb_options_changed(devs->d);
}
