/* Block device enumeration and hot-plug monitoring with libudev: udevd's
 * events when udevd runs, raw kernel uevents otherwise (firmware initramfs,
 * containers, development machines). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <libudev.h>
#include <talloc.h>

#include "discover/block.h"
#include "lib/event.h"
#include "lib/log.h"

#define UDEVD_CONTROL "/run/udev/control"
#define MONITOR_RCVBUF (4 << 20) /* bytes; a partitioned disk bursts events */
#define MAX_EVENTS_PER_DISPATCH 1024 /* then yield to the loop; the fd stays readable */

struct kb_blockmon {
	struct udev *udev;
	struct udev_monitor *umon;
	struct kb_source *src;
	bool udevd;
	bool enumerated;
	char **globs;
	unsigned n_globs;
	char *own_dir;
	kb_block_fn cb;
	void *data;
	struct kb_blockdev **devs; /* talloc array of known devices */
	unsigned n_devs;
};

static int blockmon_destructor(struct kb_blockmon *mon)
{
	TALLOC_FREE(mon->src);
	if (mon->umon)
		udev_monitor_unref(mon->umon);
	if (mon->udev)
		udev_unref(mon->udev);
	return 0;
}

static int find_index(const struct kb_blockmon *mon, const char *name)
{
	for (unsigned i = 0; i < mon->n_devs; i++)
		if (strcmp(mon->devs[i]->name, name) == 0)
			return (int)i;
	return -1;
}

const struct kb_blockdev *kb_blockmon_find(const struct kb_blockmon *mon, const char *name)
{
	int i = find_index(mon, name);

	return i < 0 ? NULL : mon->devs[i];
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* read_only is left out: kb_mount_ro() sets it itself, and a rescan must not
 * report a device kexboot mounted as changed because of that. */
static bool same_state(const struct kb_blockdev *a, const struct kb_blockdev *b)
{
	return a->devnum == b->devnum && a->size == b->size &&
	       a->in_use == b->in_use && str_eq(a->fstype, b->fstype) &&
	       str_eq(a->uuid, b->uuid) && str_eq(a->label, b->label) &&
	       str_eq(a->partuuid, b->partuuid) && str_eq(a->partlabel, b->partlabel) &&
	       str_eq(a->pttype, b->pttype) && str_eq(a->mount_point, b->mount_point) &&
	       str_eq(a->in_use_reason, b->in_use_reason);
}

/* Forget device i and deliver REMOVE for it (partitions of a disk first). */
static void remove_index(struct kb_blockmon *mon, unsigned i)
{
	struct kb_blockdev *bd = mon->devs[i];

	if (!bd->is_partition) {
		for (unsigned j = 0; j < mon->n_devs;) {
			if (mon->devs[j]->is_partition && str_eq(mon->devs[j]->parent, bd->name)) {
				remove_index(mon, j);
				j = 0;
				continue;
			}
			j++;
		}
		i = (unsigned)find_index(mon, bd->name);
	}
	mon->devs[i] = mon->devs[--mon->n_devs];
	mon->cb(mon, KB_BLOCK_REMOVE, bd, mon->data);
	talloc_free(bd);
}

/* Bring the known state of device name (devnode may be NULL) up to date.
 * forced_change: a uevent "change" (deliver CHANGE even if ids are equal). */
static void update_device(struct kb_blockmon *mon, const char *name, const char *devnode,
			  bool removed, bool forced_change)
{
	struct kb_blockdev *bd = NULL;
	int i, r;

	if (kb_block_name_ignored(name) || !kb_block_name_matches(name,
				(const char *const *)mon->globs, mon->n_globs))
		return;
	i = find_index(mon, name);

	if (!removed) {
		r = kb_block_probe(mon, devnode ? devnode : name, &bd);
		if (r < 0) {
			log_debug("block: %s: probe failed: %s", name, strerror(-r));
			bd = NULL;
		} else if (bd->size == 0 || strcmp(bd->name, name) != 0) {
			TALLOC_FREE(bd);
		}
	}
	if (!bd) {
		if (i >= 0)
			remove_index(mon, (unsigned)i);
		return;
	}

	r = kb_block_check_in_use(bd, mon->own_dir);
	if (r < 0) {
		bd->in_use = true;
		bd->in_use_reason = talloc_asprintf(bd, "cannot tell whether in use: %s",
						    strerror(-r));
	}

	if (i >= 0) {
		struct kb_blockdev *old = mon->devs[i];
		bool changed = forced_change || !same_state(old, bd);

		mon->devs[i] = bd;
		talloc_free(old);
		if (changed)
			mon->cb(mon, KB_BLOCK_CHANGE, bd, mon->data);
		return;
	}
	if (mon->n_devs >= KB_BLOCK_MAX_DEVICES) {
		log_warn("block: ignoring %s: more than %u devices (KB_BLOCK_MAX_DEVICES)", name,
			 KB_BLOCK_MAX_DEVICES);
		talloc_free(bd);
		return;
	}
	if (!(mon->n_devs & 15)) {
		struct kb_blockdev **n = talloc_realloc(mon, mon->devs, struct kb_blockdev *,
							mon->n_devs + 16);
		if (!n) {
			talloc_free(bd);
			return;
		}
		mon->devs = n;
	}
	mon->devs[mon->n_devs++] = bd;
	mon->cb(mon, KB_BLOCK_ADD, bd, mon->data);
}

int kb_blockmon_dispatch(struct kb_blockmon *mon)
{
	int n = 0;

	for (int k = 0; k < MAX_EVENTS_PER_DISPATCH; k++) {
		struct udev_device *dev = udev_monitor_receive_device(mon->umon);
		const char *action, *name, *subsys;

		if (!dev)
			break;
		action = udev_device_get_action(dev);
		name = udev_device_get_sysname(dev);
		subsys = udev_device_get_subsystem(dev);
		if (mon->enumerated && action && name && subsys && strcmp(subsys, "block") == 0) {
			log_debug("block: uevent %s %s", action, name);
			if (strcmp(action, "add") == 0 || strcmp(action, "change") == 0 ||
			    strcmp(action, "remove") == 0) {
				update_device(mon, name, udev_device_get_devnode(dev),
					      strcmp(action, "remove") == 0,
					      strcmp(action, "change") == 0);
				n++;
			}
		}
		udev_device_unref(dev);
	}
	return n;
}

static void on_monitor_fd(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	kb_blockmon_dispatch(data);
}

int kb_blockmon_get_fd(const struct kb_blockmon *mon)
{
	return udev_monitor_get_fd(mon->umon);
}

bool kb_blockmon_using_udevd(const struct kb_blockmon *mon)
{
	return mon->udevd;
}

int kb_blockmon_set_own_mount_dir(struct kb_blockmon *mon, const char *dir)
{
	char *d = NULL;

	if (dir && !(d = talloc_strdup(mon, dir)))
		return -ENOMEM;
	talloc_free(mon->own_dir);
	mon->own_dir = d;
	return 0;
}

struct kb_blockmon *kb_blockmon_new(void *ctx, struct kb_loop *loop, const char *const *globs,
				    unsigned n_globs, kb_block_fn cb, void *data)
{
	struct kb_blockmon *mon;
	int r;

	if (!cb || n_globs > KB_BLOCK_MAX_GLOBS) {
		errno = n_globs > KB_BLOCK_MAX_GLOBS ? E2BIG : EINVAL;
		return NULL;
	}
	mon = talloc_zero(ctx, struct kb_blockmon);
	if (!mon)
		return NULL;
	talloc_set_destructor(mon, blockmon_destructor);
	mon->cb = cb;
	mon->data = data;
	mon->globs = talloc_zero_array(mon, char *, n_globs + 1);
	if (!mon->globs)
		goto nomem;
	for (unsigned i = 0; i < n_globs; i++)
		if (!(mon->globs[i] = talloc_strdup(mon->globs, globs[i])))
			goto nomem;
	mon->n_globs = n_globs;

	mon->udev = udev_new();
	if (!mon->udev)
		goto nomem;
	mon->udevd = access(UDEVD_CONTROL, F_OK) == 0;
	mon->umon = udev_monitor_new_from_netlink(mon->udev, mon->udevd ? "udev" : "kernel");
	if (!mon->umon) {
		r = errno ? errno : EIO;
		goto fail;
	}
	udev_monitor_filter_add_match_subsystem_devtype(mon->umon, "block", NULL);
	udev_monitor_set_receive_buffer_size(mon->umon, MONITOR_RCVBUF);
	r = udev_monitor_enable_receiving(mon->umon);
	if (r < 0) {
		r = -r;
		goto fail;
	}
	if (loop) {
		mon->src = kb_loop_add_fd(loop, mon, udev_monitor_get_fd(mon->umon), EPOLLIN,
					  on_monitor_fd, mon);
		if (!mon->src) {
			r = errno ? errno : ENOMEM;
			goto fail;
		}
	}
	return mon;
nomem:
	r = ENOMEM;
fail:
	talloc_free(mon);
	errno = r;
	return NULL;
}

int kb_blockmon_enumerate(struct kb_blockmon *mon)
{
	struct udev_enumerate *e;
	struct udev_list_entry *entry;
	char **seen = NULL;
	unsigned n_seen = 0;
	int r;

	/* events queued before the first scan are covered by the scan itself */
	if (!mon->enumerated) {
		kb_blockmon_dispatch(mon);
		mon->enumerated = true;
	}

	e = udev_enumerate_new(mon->udev);
	if (!e)
		return -ENOMEM;
	r = udev_enumerate_add_match_subsystem(e, "block");
	if (r >= 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0) {
		udev_enumerate_unref(e);
		return r;
	}

	seen = talloc_array(mon, char *, 0);
	/* disks sort before their partitions in sysfs order; keep that order */
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *dev;
		const char *name;

		dev = udev_device_new_from_syspath(mon->udev, udev_list_entry_get_name(entry));
		if (!dev)
			continue;
		name = udev_device_get_sysname(dev);
		if (name && seen && n_seen < KB_BLOCK_MAX_DEVICES) {
			char **n = talloc_realloc(mon, seen, char *, n_seen + 1);

			if (n) {
				seen = n;
				seen[n_seen++] = talloc_strdup(seen, name);
			}
			update_device(mon, name, udev_device_get_devnode(dev), false, false);
		}
		udev_device_unref(dev);
	}
	udev_enumerate_unref(e);

	/* known devices that the scan did not see are gone */
	for (unsigned i = 0; seen && i < mon->n_devs;) {
		bool found = false;

		for (unsigned j = 0; j < n_seen && !found; j++)
			found = seen[j] && strcmp(seen[j], mon->devs[i]->name) == 0;
		if (!found) {
			remove_index(mon, i);
			i = 0;
			continue;
		}
		i++;
	}
	talloc_free(seen);
	return (int)mon->n_devs;
}
