/* kexboot: the shared data model (devices, boot options, resources, status).
 *
 * Ownership (talloc): freeing a struct frees everything it holds. Its
 * strings and arrays live inside the struct's own talloc tree, either as
 * children (the wire decoder, kb_*_dup) or packed into the struct's single
 * chunk (parsers build each option as one allocation, see kb_opt_build):
 * never free or steal a field on its own; kb_option_dup an option before
 * editing it. The same structs travel over the wire (lib/protocol.h) and
 * come out of the parsers (discover/parser.h).
 */
#ifndef KB_TYPES_H
#define KB_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* Named limits shared by every producer and consumer of these types. */
#define KB_MAX_INITRDS 16     /* initrds per option */
#define KB_MAX_ID_LEN 256     /* option and device ids */
#define KB_MAX_NAME_LEN 1024  /* option titles, device names */
#define KB_MAX_PATH_LEN 4096  /* paths and URLs */
#define KB_MAX_ARGS_LEN 16384 /* kernel command line */

enum kb_device_type {
	KB_DEVICE_DISK = 0,    /* a block device or partition */
	KB_DEVICE_OPTICAL = 1, /* iso9660 / udf media */
	KB_DEVICE_NETWORK = 2, /* a network interface */
	KB_DEVICE_USER = 3,    /* options added by user events / kexboot-ctl add */
	KB_DEVICE_TYPE_MAX = 4,
};

enum kb_device_state {
	KB_DEVSTATE_PROBED = 0,  /* identified, not mounted (no filesystem, or skipped) */
	KB_DEVSTATE_MOUNTED = 1, /* mounted read-only by kexboot */
	KB_DEVSTATE_IN_USE = 2,  /* mounted elsewhere / held: read through its mount or skipped */
	KB_DEVSTATE_ERROR = 3,   /* mount or probe failed; see status */
	KB_DEVSTATE_MAX = 4,
};

/* A block device, interface or virtual source of options. */
struct kb_device {
	char *id;         /* unique per daemon run: kernel name ("loop0p1", "eth0", "user") */
	uint32_t type;    /* enum kb_device_type */
	uint32_t state;   /* enum kb_device_state */
	char *uuid;       /* NULL when unknown */
	char *label;
	char *partuuid;
	char *partlabel;
	char *fstype;
	char *mount_point; /* where its files are read from, NULL if not mounted */
	char *status;      /* human-readable note (why skipped, mount mode), may be NULL */
	char *mac;         /* network devices: hardware address */
};

enum kb_resource_kind {
	KB_RES_NONE = 0,       /* absent (e.g. no dtb) */
	KB_RES_DEVICE = 1,     /* path on device `device` */
	KB_RES_URL = 2,        /* url */
	KB_RES_UNRESOLVED = 3, /* `unresolved` ("uuid:..", "label:..", "file:..") + path */
	KB_RES_MAX = 4,
};

/* Where a kernel, initrd or dtb lives. Paths are normalised absolute paths. */
struct kb_resource {
	uint32_t kind;    /* enum kb_resource_kind */
	char *device;     /* KB_RES_DEVICE: device id */
	char *path;       /* KB_RES_DEVICE / KB_RES_UNRESOLVED */
	char *url;        /* KB_RES_URL */
	char *unresolved; /* KB_RES_UNRESOLVED: "uuid:…", "label:…", "file:…" */
};

/* One bootable entry. */
struct kb_option {
	char *id;        /* "<device>:<parser>:<index>", unique per daemon run */
	char *device_id; /* the device whose config produced it */
	char *parser;    /* "grub2", "bls", "syslinux", "yaboot", "kboot", "native", "user", "pxe" */
	char *name;      /* title as the config's own menu shows it */
	struct kb_resource kernel;
	struct kb_resource *initrds; /* talloc array of n_initrds */
	uint32_t n_initrds;
	struct kb_resource dtb;
	char *args;       /* NULL when the entry gives none */
	bool is_default;  /* the config marks this entry default */
	uint32_t order;   /* position in its config's menu order */
};

enum kb_status_type {
	KB_STATUS_INFO = 0,
	KB_STATUS_ERROR = 1,
	KB_STATUS_PROGRESS = 2,
	KB_STATUS_BOOT = 3, /* boot progress / result */
	KB_STATUS_TYPE_MAX = 4,
};

/* A line for status bars and logs. */
struct kb_status {
	uint32_t type;     /* enum kb_status_type */
	int32_t progress;  /* 0..100, or -1 when not applicable */
	char *device_id;   /* the device it concerns, may be NULL */
	char *message;
};

enum kb_severity {
	KB_SEV_INFO = 0,
	KB_SEV_WARNING = 1,
	KB_SEV_FATAL = 2,
	KB_SEV_MAX = 3,
};

/* One preflight check result (kexec-core produces them). */
struct kb_check_result {
	char *id;          /* stable identifier, e.g. "kexec-enabled" */
	uint32_t severity; /* enum kb_severity */
	char *message;
	char *source;      /* what was read, e.g. "/proc/sys/kernel/kexec_load_disabled" */
	char *remediation;
};

/* A configuration key/value (keys documented in doc/). */
struct kb_config_item {
	char *key;
	char *value;
};

/* What autoboot will do: broadcast whenever it changes. */
struct kb_autoboot_state {
	bool enabled;        /* autoboot configured on */
	bool active;         /* a countdown is running */
	int32_t remaining_s; /* seconds left, -1 if none */
	char *option_id;     /* what would boot, NULL if nothing yet */
	char *waiting_for;   /* what it is waiting for, NULL if nothing */
};

const char *kb_device_type_name(uint32_t type);
const char *kb_device_state_name(uint32_t state);
const char *kb_severity_name(uint32_t sev);
const char *kb_status_type_name(uint32_t type);

/* Deep copies (talloc children of ctx); NULL on allocation failure. */
struct kb_device *kb_device_dup(void *ctx, const struct kb_device *dev);
struct kb_option *kb_option_dup(void *ctx, const struct kb_option *opt);
/* Deep-copy src into *dst; dst's strings become children of ctx. 0 or -ENOMEM. */
int kb_resource_copy(void *ctx, struct kb_resource *dst, const struct kb_resource *src);

#endif
