/* kexboot-discover: configuration, autoboot and the non-boot requests
 * (settings.c), between the protocol and the config/autoboot modules. */
#ifndef KB_SETTINGS_H
#define KB_SETTINGS_H

#include <stdbool.h>

#include "discover/daemon.h"

struct kb_config;

/* Load settings (defaults, config file, state dir, kernel command line). 0 or -errno. */
int kb_settings_init(struct kb_daemon *d);
/* Restricted mode: a password is set. */
bool kb_settings_restricted(const struct kb_config *cfg);
/* Send CONFIG / SYSINFO to one client. */
void kb_settings_sync(struct kb_daemon *d, struct kb_client *cl);
void kb_settings_sysinfo(struct kb_daemon *d, struct kb_client *cl);
/* Handle RESCAN, CONFIG_SET, CANCEL_AUTOBOOT, USER_ADD, USER_REMOVE,
 * NEXT_BOOT, EXIT_SHELL, AUTH (privilege already checked). */
void kb_settings_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg);
/* May cl do what needs the restricted-mode password? Checks password (may be
 * NULL) when the client has not authenticated. 0 or -EACCES (reply sent by caller). */
int kb_settings_authorise(struct kb_daemon *d, struct kb_client *cl, const char *password,
			  const char *what);
/* The boot console ("ttyS0,115200") to add when an entry has no console=, or NULL. */
const char *kb_settings_console(const struct kb_daemon *d);
/* Autoboot countdown seconds (negative: never). */
int kb_settings_timeout(const struct kb_daemon *d);
bool kb_settings_autoboot(const struct kb_daemon *d);

#endif
