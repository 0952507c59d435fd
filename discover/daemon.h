/* kexboot-discover: the daemon's shared state and the interfaces between its
 * parts (server.c: clients and authority; devices.c: block devices, mounts
 * and parsed options; boot.c: boot requests). */
#ifndef KB_DAEMON_H
#define KB_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/event.h"
#include "lib/protocol.h"

struct kb_server;
struct kb_client;
struct kb_devices;
struct kx_sys;
struct kb_config;
struct kb_config_store;
struct kb_autoboot;
struct kb_auth_limiter;
struct kb_network;
struct kb_boot_job;

struct kb_daemon_opts {
	const char *socket_path;
	const char *runtime_dir;
	const char *state_dir;
	const char *config_file;
	const char *cmdline_file; /* the firmware kernel's command line (/proc/cmdline) */
	const char **globs; /* --devices */
	unsigned n_globs;
	bool no_autoboot;
	bool dry_run;
	gid_t group; /* clients in this group are privileged; (gid_t)-1 = root only */
	const char *arch;
	const char *compatible;
	const char **iface_globs; /* --interfaces: network interfaces to configure (none if empty) */
	unsigned n_iface_globs;
	uint64_t download_max;    /* --download-max: bytes per downloaded file (0: built-in) */
	const char *dhcp_hook;    /* --dhcp-hook: the script udhcpc runs */
};

struct kb_daemon {
	struct kb_loop *loop;
	struct kb_daemon_opts opts;
	struct kb_server *server;
	struct kb_devices *devices;
	struct kb_config *config;       /* effective settings (discover/config.h) */
	struct kb_config_store *store;  /* where changed settings are saved, NULL: memory only */
	struct kb_autoboot *autoboot;   /* default choice and countdown (discover/autoboot.h) */
	struct kb_source *autoboot_timer;
	struct kb_auth_limiter *auth;   /* restricted-mode password attempts */
	struct kx_sys *kx;              /* the engine's backend (real, or recording for tests) */
	struct kb_msg_config sysinfo;   /* facts for clients, built on first use (settings.c) */
	struct kb_network *network;     /* interfaces, DHCP, downloads (discover/network.h) */
	struct kb_boot_job *boot_job;   /* a boot waiting for its downloads (boot.c), NULL if none */
};

/* server.c */

/* Listen on opts.socket_path (mode 0600, or 0660 with a group). NULL + errno. */
struct kb_server *kb_server_new(struct kb_daemon *d);
/* Send msg to every client that finished its HELLO. */
void kb_server_broadcast(struct kb_server *srv, const struct kb_msg *msg);
/* Send msg to one client. */
int kb_client_send(struct kb_client *cl, const struct kb_msg *msg);
/* Answer a request. */
void kb_client_reply(struct kb_client *cl, uint32_t req_id, int status, const char *value,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Broadcast a status line (and log it). */
void kb_status(struct kb_daemon *d, uint32_t type, const char *device_id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Peer description for logs: "uid 1000 pid 42". */
const char *kb_client_name(const struct kb_client *cl);
bool kb_client_privileged(const struct kb_client *cl);
/* Restricted mode: has this client given the password? */
bool kb_client_authed(const struct kb_client *cl);
void kb_client_set_authed(struct kb_client *cl);
/* Stable key for rate limiting ("uid=0"). */
const char *kb_client_key(const struct kb_client *cl);

/* devices.c */

/* Start block discovery (enumerate now, then follow hotplug). NULL + errno. */
struct kb_devices *kb_devices_new(struct kb_daemon *d);
/* Re-enumerate and re-parse every device. 0 or -errno. */
int kb_devices_rescan(struct kb_devices *devs);
/* Hand every device, then every option, to emit (the state a connecting
 * client is sent). Stops at emit's first error and returns it; else 0. */
int kb_devices_sync(struct kb_devices *devs, int (*emit)(void *arg, const struct kb_msg *msg),
		    void *arg);
/* Look up an option by id; NULL if none. */
const struct kb_option *kb_devices_option(struct kb_devices *devs, const char *id);
/* Device an option's resources live on; NULL if none. */
const struct kb_device *kb_devices_device(struct kb_devices *devs, const char *id);
/* Iterate options in menu order: returns the i-th or NULL past the end. */
const struct kb_option *kb_devices_option_at(struct kb_devices *devs, unsigned i);
/* Add a user option (stolen); returns its new id or NULL + errno. */
const char *kb_devices_add_user(struct kb_devices *devs, struct kb_option *opt);
/* Remove a user option. 0, -ENOENT, -EPERM for a non-user option. */
int kb_devices_remove_user(struct kb_devices *devs, const char *id);
/* Resolve a resource to a local file path (under ctx); NULL + errno (ENODEV: device
 * gone, EREMOTE: network resource not yet fetched). */
char *kb_devices_resolve(struct kb_devices *devs, void *ctx, const struct kb_resource *res);
/* Publish or update a network device (copied; its id is the interface name). 0 or -errno. */
int kb_devices_net_update(struct kb_devices *devs, const struct kb_device *dev);
/* Replace a network device's options with opts[0..n) (stolen; n 0 withdraws them). */
int kb_devices_net_set_options(struct kb_devices *devs, const char *id, struct kb_option **opts,
			       unsigned n);
/* Withdraw a network device and its options. */
void kb_devices_net_remove(struct kb_devices *devs, const char *id);

/* boot.c */

/* Handle BOOT and CHECK requests (privilege already checked). */
void kb_boot_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg);
/* Autoboot: boot option id now (no client). Returns the status (0 also when
 * the boot goes on after downloads). */
int kb_boot_autoboot(struct kb_daemon *d, const char *id);
/* Cancel a boot waiting for downloads (says why to its client). */
void kb_boot_cancel_pending(struct kb_daemon *d, const char *why);

/* settings.c (autoboot glue) */

/* The option autoboot would boot now; NULL if none. */
const struct kb_option *kb_default_option(struct kb_daemon *d);
/* Options or settings changed: re-decide autoboot and broadcast its state. */
void kb_options_changed(struct kb_daemon *d);

#endif
