/* kexboot: the daemon's settings (typed), their string keys, layering and
 * the text format shared by /etc/kexboot.conf and the stored settings.
 *
 * One struct kb_config per daemon, talloc-owned, no global state. Values
 * arrive in four layers, later ones win (doc/configuration.md):
 *   built-in defaults < /etc/kexboot.conf < stored machine settings < kernel command line
 * Every layer is a list of validated key/value items; the typed fields of
 * struct kb_config are the effective values, rebuilt whenever a layer
 * changes. kb_config_set() writes the stored layer (what a client changes,
 * what the store backend saves); the other layers are replaced whole.
 */
#ifndef KB_DISCOVER_CONFIG_H
#define KB_DISCOVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

/* Named limits. */
#define KB_CONFIG_MAX_VALUE_LEN 4096     /* one value, in bytes */
#define KB_CONFIG_MAX_KEY_LEN 128        /* one key, in bytes */
#define KB_CONFIG_MAX_RULES 64           /* boot-order and wait-for rules each */
#define KB_CONFIG_MAX_IFACES 32          /* network.<if> sections */
#define KB_CONFIG_MAX_ITEMS 512          /* items per layer */
#define KB_CONFIG_MAX_TIMEOUT 86400      /* timeout, seconds (a day) */
#define KB_CONFIG_MAX_WAIT_TIMEOUT 3600  /* wait-timeout, seconds */
#define KB_CONFIG_MAX_FILE_SIZE (256 * 1024) /* /etc/kexboot.conf and stored settings */
#define KB_CONFIG_MAX_ERRORS 64          /* errors reported per parse (more are counted) */
#define KB_CONFIG_MAX_CONSOLE_LEN 64
#define KB_CONFIG_MAX_LANGUAGE_LEN 64
#define KB_CONFIG_MAX_IFNAME_LEN 15      /* IFNAMSIZ - 1 */
#define KB_CONFIG_MAX_CMDLINE_LEN 65536  /* kernel command line read */

/* Built-in defaults. */
#define KB_CONFIG_DEFAULT_AUTOBOOT true
#define KB_CONFIG_DEFAULT_TIMEOUT 10
#define KB_CONFIG_DEFAULT_WAIT_TIMEOUT 30
#define KB_CONFIG_DEFAULT_LANGUAGE "en"
#define KB_CONFIG_DEFAULT_ALLOW_SHELL true

enum kb_config_layer {
	KB_CONFIG_LAYER_FILE = 0,    /* /etc/kexboot.conf */
	KB_CONFIG_LAYER_STORED = 1,  /* machine settings (store backend, kb_config_set) */
	KB_CONFIG_LAYER_CMDLINE = 2, /* firmware kernel command line */
	KB_CONFIG_LAYER_MAX = 3,
};

enum kb_rule_kind {
	KB_RULE_TYPE = 0,      /* "disk" | "optical" | "network" | "user" */
	KB_RULE_UUID = 1,      /* "uuid:…"      device uuid or partuuid, case-insensitive */
	KB_RULE_LABEL = 2,     /* "label:…"     device label or partlabel, exact */
	KB_RULE_INTERFACE = 3, /* "interface:…" network device id (eth0) */
	KB_RULE_NAME = 4,      /* "name~REGEX"  POSIX extended regex on the option name */
	KB_RULE_MAX = 5,
};

/* One boot-order / wait-for rule. `re` is compiled for KB_RULE_NAME. */
struct kb_rule {
	uint32_t kind;     /* enum kb_rule_kind */
	uint32_t dev_type; /* KB_RULE_TYPE: enum kb_device_type */
	char *value;       /* uuid, label, interface or regex source */
	void *re;          /* KB_RULE_NAME: compiled regex_t (talloc, freed by destructor) */
};

enum kb_net_method {
	KB_NET_DHCP = 0,
	KB_NET_STATIC = 1,
	KB_NET_DISABLED = 2,
	KB_NET_METHOD_MAX = 3,
};

/* Settings for one network interface (stored; the daemon may not act on all). */
struct kb_net_config {
	char *ifname;
	uint32_t method; /* enum kb_net_method */
	char *address;   /* static: "192.0.2.10/24" or "2001:db8::5/64", NULL otherwise */
	char *gateway;   /* NULL when none */
	char *dns;       /* comma-separated addresses, NULL when none */
	char *proxy;     /* "http://host:port", NULL when none */
	char *boot_url;  /* a boot config to fetch once configured (static above all), NULL when none */
};

/* The effective settings. Strings are talloc children of the struct and
 * never NULL unless documented; read-only for callers. */
struct kb_config {
	bool autoboot;
	int timeout_s;              /* 0: boot at once; -1: never */
	struct kb_rule *boot_order; /* talloc array of n_boot_order */
	size_t n_boot_order;
	char *default_id;           /* option id to prefer ("default"), NULL if none */
	char *console;              /* console for the booted kernel, NULL if none */
	char *password_hash;        /* crypt(3) string, NULL when not restricted */
	struct kb_net_config *net;  /* talloc array of n_net */
	size_t n_net;
	struct kb_rule *wait_for;   /* devices to wait for before deciding */
	size_t n_wait_for;
	int wait_timeout_s;         /* longest wait for them */
	char *language;
	bool allow_shell;
	char *next_boot;            /* one-shot option id, NULL if none */

	/* private: the layers, each a talloc array of validated items */
	struct kb_config_item *layer[KB_CONFIG_LAYER_MAX];
	size_t n_layer[KB_CONFIG_LAYER_MAX];
	void *eff_ctx; /* owns the effective values above */
};

/* One problem found while parsing a file or command line. */
struct kb_config_error {
	unsigned line; /* 1-based; 0 when not line-oriented (command line) */
	char *message;
};

/* A parse's errors: the first KB_CONFIG_MAX_ERRORS kept, all counted. */
struct kb_config_errors {
	struct kb_config_error *errors; /* talloc array */
	size_t n_errors;
	size_t n_total;
};

/* New settings holding the built-in defaults, child of ctx; NULL on ENOMEM. */
struct kb_config *kb_config_new(void *ctx);

/* Check `value` for `key` without changing anything: 0, or -EINVAL
 * (unknown key or bad value) / -E2BIG with *ret_err (child of ctx, may be
 * NULL to not want it) saying what is wrong. */
int kb_config_validate(void *ctx, const char *key, const char *value, char **ret_err);

/* Set `key` in the stored layer after validation ("" resets it to what
 * the lower layers give). Key "password" takes a plaintext and stores its
 * crypt hash under "password-hash". 0, or -EINVAL/-E2BIG/-ENOMEM with
 * *ret_err (child of ctx, optional); nothing changes on failure. */
int kb_config_set(struct kb_config *cfg, void *ctx, const char *key, const char *value,
		  char **ret_err);

/* Effective value of `key` as a string (child of ctx) in *ret_value.
 * "password" and "password-hash" give "set" or "", never the hash (the
 * daemon reads cfg->password_hash directly).
 * 0, -ENOENT for an unknown key, -ENOMEM. */
int kb_config_get(const struct kb_config *cfg, void *ctx, const char *key, char **ret_value);

/* All effective settings for clients (talloc array, child of ctx), in a
 * stable order; the hash is never listed (see "password"). 0 or -ENOMEM. */
int kb_config_list(const struct kb_config *cfg, void *ctx, struct kb_config_item **ret_items,
		   size_t *ret_n);

/* Replace a whole layer with `items` (copied). Items are validated one by
 * one: invalid ones are skipped and reported in *ret_errs (optional,
 * child of ctx). Returns the number of items kept or -ENOMEM/-E2BIG. */
int kb_config_set_layer(struct kb_config *cfg, void *ctx, enum kb_config_layer layer,
			const struct kb_config_item *items, size_t n,
			struct kb_config_errors *ret_errs);

/* The stored layer's items (what the store backend saves); pointers stay
 * valid until the next change of that layer. */
void kb_config_stored_items(const struct kb_config *cfg, const struct kb_config_item **ret_items,
			    size_t *ret_n);

/* Parse the key = value text format (doc/configuration.md) from buf.
 * Pure. Valid items go to *ret_items (talloc array, child of ctx), each
 * problem to *ret_errs with its line number. Returns the number of items,
 * or -E2BIG when len exceeds KB_CONFIG_MAX_FILE_SIZE, -ENOMEM. */
int kb_config_parse_text(void *ctx, const char *buf, size_t len, struct kb_config_item **ret_items,
			 size_t *ret_n, struct kb_config_errors *ret_errs);

/* Serialise items in the same text format (quoting where needed) as a
 * NUL-terminated string, child of ctx; NULL on ENOMEM. */
char *kb_config_format_text(void *ctx, const struct kb_config_item *items, size_t n);

/* Pick kexboot.timeout=, kexboot.default=, kexboot.autoboot=,
 * kexboot.console= out of a kernel command line (e.g. /proc/cmdline's
 * contents) as config items (keys timeout, default, autoboot, console).
 * Pure. Bad values and unknown kexboot.* words go to *ret_errs (line 0)
 * and are skipped. Returns the number of items or -ENOMEM/-E2BIG. */
int kb_config_parse_cmdline(void *ctx, const char *cmdline, struct kb_config_item **ret_items,
			    size_t *ret_n, struct kb_config_errors *ret_errs);

/* Parse one rule ("disk", "uuid:…", "name~REGEX", …) into *rule (strings
 * children of ctx). 0 or -EINVAL with *ret_err (optional). */
int kb_rule_parse(void *ctx, const char *text, struct kb_rule *rule, char **ret_err);

/* Does `rule` match option `opt` on device `dev` (dev may be NULL)? */
bool kb_rule_match(const struct kb_rule *rule, const struct kb_option *opt,
		   const struct kb_device *dev);

/* Does `rule` match device `dev` (name rules never match a device)? */
bool kb_rule_match_device(const struct kb_rule *rule, const struct kb_device *dev);

/* The rule as text, as kb_rule_parse reads it (child of ctx). */
char *kb_rule_format(void *ctx, const struct kb_rule *rule);

/* The method's keyword ("dhcp", "static", "disabled"), "?" if unknown. */
const char *kb_net_method_name(uint32_t method);

#endif
