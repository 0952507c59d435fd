/* kexboot: names and deep copies for the shared data model. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <talloc.h>

#include "lib/types.h"

static const char *const device_type_names[KB_DEVICE_TYPE_MAX] = {
	[KB_DEVICE_DISK] = "disk",
	[KB_DEVICE_OPTICAL] = "optical",
	[KB_DEVICE_NETWORK] = "network",
	[KB_DEVICE_USER] = "user",
};

static const char *const device_state_names[KB_DEVSTATE_MAX] = {
	[KB_DEVSTATE_PROBED] = "probed",
	[KB_DEVSTATE_MOUNTED] = "mounted",
	[KB_DEVSTATE_IN_USE] = "in-use",
	[KB_DEVSTATE_ERROR] = "error",
};

static const char *const severity_names[KB_SEV_MAX] = {
	[KB_SEV_INFO] = "info",
	[KB_SEV_WARNING] = "warning",
	[KB_SEV_FATAL] = "fatal",
};

static const char *const status_type_names[KB_STATUS_TYPE_MAX] = {
	[KB_STATUS_INFO] = "info",
	[KB_STATUS_ERROR] = "error",
	[KB_STATUS_PROGRESS] = "progress",
	[KB_STATUS_BOOT] = "boot",
};

/* Name of a device type ("disk"), "unknown" when out of range. */
const char *kb_device_type_name(uint32_t type)
{
	return type < KB_DEVICE_TYPE_MAX ? device_type_names[type] : "unknown";
}

/* Name of a device state ("mounted"), "unknown" when out of range. */
const char *kb_device_state_name(uint32_t state)
{
	return state < KB_DEVSTATE_MAX ? device_state_names[state] : "unknown";
}

/* Name of a check severity ("fatal"), "unknown" when out of range. */
const char *kb_severity_name(uint32_t sev)
{
	return sev < KB_SEV_MAX ? severity_names[sev] : "unknown";
}

/* Name of a status type ("progress"), "unknown" when out of range. */
const char *kb_status_type_name(uint32_t type)
{
	return type < KB_STATUS_TYPE_MAX ? status_type_names[type] : "unknown";
}

/* Copy string src under ctx into *dst; NULL stays NULL. */
static int dup_str(void *ctx, char **dst, const char *src)
{
	if (!src) {
		*dst = NULL;
		return 0;
	}
	*dst = talloc_strdup(ctx, src);
	return *dst ? 0 : -ENOMEM;
}

/* Deep-copy src into *dst; dst's strings become children of ctx. 0 or -ENOMEM. */
int kb_resource_copy(void *ctx, struct kb_resource *dst, const struct kb_resource *src)
{
	struct kb_resource tmp = { .kind = src->kind };

	if (dup_str(ctx, &tmp.device, src->device) || dup_str(ctx, &tmp.path, src->path) ||
	    dup_str(ctx, &tmp.url, src->url) || dup_str(ctx, &tmp.unresolved, src->unresolved)) {
		talloc_free(tmp.device);
		talloc_free(tmp.path);
		talloc_free(tmp.url);
		talloc_free(tmp.unresolved);
		return -ENOMEM;
	}
	*dst = tmp;
	return 0;
}

/* Deep copy of a device under ctx; NULL on allocation failure. */
struct kb_device *kb_device_dup(void *ctx, const struct kb_device *dev)
{
	struct kb_device *d = talloc_zero(ctx, struct kb_device);

	if (!d)
		return NULL;
	d->type = dev->type;
	d->state = dev->state;
	if (dup_str(d, &d->id, dev->id) || dup_str(d, &d->uuid, dev->uuid) ||
	    dup_str(d, &d->label, dev->label) || dup_str(d, &d->partuuid, dev->partuuid) ||
	    dup_str(d, &d->partlabel, dev->partlabel) || dup_str(d, &d->fstype, dev->fstype) ||
	    dup_str(d, &d->mount_point, dev->mount_point) || dup_str(d, &d->status, dev->status) ||
	    dup_str(d, &d->mac, dev->mac)) {
		talloc_free(d);
		return NULL;
	}
	return d;
}

/* Deep copy of an option (initrds included) under ctx; NULL on allocation failure. */
struct kb_option *kb_option_dup(void *ctx, const struct kb_option *opt)
{
	struct kb_option *o = talloc_zero(ctx, struct kb_option);

	if (!o)
		return NULL;
	o->is_default = opt->is_default;
	o->order = opt->order;
	if (dup_str(o, &o->id, opt->id) || dup_str(o, &o->device_id, opt->device_id) ||
	    dup_str(o, &o->parser, opt->parser) || dup_str(o, &o->name, opt->name) ||
	    dup_str(o, &o->args, opt->args) || kb_resource_copy(o, &o->kernel, &opt->kernel) ||
	    kb_resource_copy(o, &o->dtb, &opt->dtb))
		goto fail;
	if (opt->n_initrds) {
		o->initrds = talloc_zero_array(o, struct kb_resource, opt->n_initrds);
		if (!o->initrds)
			goto fail;
		for (uint32_t i = 0; i < opt->n_initrds; i++)
			if (kb_resource_copy(o, &o->initrds[i], &opt->initrds[i]))
				goto fail;
		o->n_initrds = opt->n_initrds;
	}
	return o;
fail:
	talloc_free(o);
	return NULL;
}
