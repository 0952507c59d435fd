/* kexboot-discover: settings, restricted mode, autoboot and the requests
 * that are not boots (settings.c): glue between the protocol and the
 * config, store, autoboot and auth modules. */
#ifndef KB_SETTINGS_H
#define KB_SETTINGS_H

#include <stdbool.h>

#include "discover/auth.h"
#include "discover/daemon.h"

struct kb_config;

/* Load settings (defaults, config file, stored settings, kernel command
 * line) and set up autoboot and the password limiter. 0 or -errno. */
int kb_settings_init(struct kb_daemon *d);
/* Restricted mode: a password is set. */
bool kb_settings_restricted(const struct kb_config *cfg);
/* Send CONFIG / SYSINFO to one client. */
void kb_settings_sync(struct kb_daemon *d, struct kb_client *cl);
void kb_settings_sysinfo(struct kb_daemon *d, struct kb_client *cl);
/* Handle RESCAN, CONFIG_SET, CANCEL_AUTOBOOT, USER_ADD, USER_REMOVE,
 * NEXT_BOOT, EXIT_SHELL, AUTH (socket privilege already checked). */
void kb_settings_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg);
/* Restricted-mode check for a request of `kind` by cl; a password given
 * with the request is tried (rate-limited). 0, or -EACCES / -EPERM /
 * -EAGAIN with *ret_why (child of cl) saying why. */
int kb_settings_authorise(struct kb_daemon *d, struct kb_client *cl, enum kb_request_kind kind,
			  bool is_default_boot, const char *password, char **ret_why);
/* The boot console ("ttyS0,115200") to add when an entry has no console=, or NULL. */
const char *kb_settings_console(const struct kb_daemon *d);
/* About to jump to option id: consume a matching next-boot. */
void kb_settings_booting(struct kb_daemon *d, const char *id);

#endif
