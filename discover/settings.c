/* kexboot-discover: settings and the requests that are not boots. Glue
 * between the protocol and the config module (discover/config.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <talloc.h>
#include <unistd.h>

#include <config.h>
#include "discover/autoboot.h"
#include "discover/config-store.h"
#include "discover/config.h"
#include "discover/daemon.h"
#include "discover/network.h"
#include "discover/settings.h"
#include "kexec-core/kexec.h"
#include "lib/log.h"

/* Read a small text file whole (NUL-terminated, under ctx); NULL if absent. */
static char *read_small(void *ctx, const char *path, size_t max)
{
	char *buf = talloc_size(ctx, max + 1);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		talloc_free(buf);
		return NULL;
	}
	n = read(fd, buf, max);
	close(fd);
	if (n < 0) {
		talloc_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void log_config_errors(const char *what, const struct kb_config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n_errors; i++)
		log_warn("%s:%u: %s", what, errs->errors[i].line, errs->errors[i].message);
	if (errs->n_total > errs->n_errors)
		log_warn("%s: %zu more errors", what, errs->n_total - errs->n_errors);
}

int kb_settings_init(struct kb_daemon *d)
{
	void *tmp = talloc_new(NULL);
	struct kb_config_errors errs = { 0 };
	struct kb_config_item *items;
	size_t n;
	char *text;
	int r;

	d->config = kb_config_new(d);
	if (!d->config) {
		talloc_free(tmp);
		return -ENOMEM;
	}
	text = read_small(tmp, d->opts.config_file, KB_CONFIG_MAX_FILE_SIZE);
	if (text) {
		r = kb_config_parse_text(tmp, text, strlen(text), &items, &n, &errs);
		if (r < 0)
			log_warn("%s: %s: using the built-in defaults", d->opts.config_file, strerror(-r));
		else
			kb_config_set_layer(d->config, tmp, KB_CONFIG_LAYER_FILE, items, n, &errs);
		log_config_errors(d->opts.config_file, &errs);
	}
	if (d->opts.state_dir) {
		char *warning = NULL;

		if (strncmp(d->opts.state_dir, "efivarfs:", 9) == 0)
			d->store = kb_config_store_efivarfs_new(d, d->opts.state_dir + 9, NULL);
		else
			d->store = kb_config_store_file_new(d, d->opts.state_dir, NULL);
		if (!d->store) {
			talloc_free(tmp);
			return -ENOMEM;
		}
		r = kb_config_store_load_config(d->store, d->config, tmp, &warning);
		if (r < 0)
			log_warn("stored settings (%s): %s: using defaults", d->store->path, strerror(-r));
		if (warning)
			log_warn("stored settings (%s): %s", d->store->path, warning);
	}
	text = read_small(tmp, d->opts.cmdline_file, KB_CONFIG_MAX_CMDLINE_LEN);
	if (text) {
		memset(&errs, 0, sizeof(errs));
		r = kb_config_parse_cmdline(tmp, text, &items, &n, &errs);
		if (r >= 0)
			kb_config_set_layer(d->config, tmp, KB_CONFIG_LAYER_CMDLINE, items, n, &errs);
		log_config_errors(d->opts.cmdline_file, &errs);
	}
	talloc_free(tmp);
	d->autoboot = kb_autoboot_new(d, d->config);
	d->auth = kb_auth_limiter_new(d);
	if (!d->autoboot || !d->auth)
		return -ENOMEM;
	if (d->opts.no_autoboot)
		kb_autoboot_cancel(d->autoboot);
	return 0;
}

/* Save the stored layer after a change; log (once) when it cannot be. */
static int save_settings(struct kb_daemon *d)
{
	int r;

	if (!d->store)
		return 0;
	r = kb_config_store_save_config(d->store, d->config);
	if (r < 0)
		log_err("cannot save settings to %s: %s", d->store->path, strerror(-r));
	return r;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The options in menu order with their devices, for the autoboot policy. */
static struct kb_autoboot_entry *entries(struct kb_daemon *d, void *ctx, size_t *ret_n)
{
	struct kb_autoboot_entry *e = NULL;
	const struct kb_option *opt;
	size_t n = 0, cap = 0;

	for (; d->devices && (opt = kb_devices_option_at(d->devices, n)); n++) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			e = talloc_realloc(ctx, e, struct kb_autoboot_entry, cap);
			if (!e)
				break;
		}
		e[n].opt = opt;
		e[n].dev = kb_devices_device(d->devices, opt->device_id);
	}
	*ret_n = e ? n : 0;
	return e;
}

const struct kb_option *kb_default_option(struct kb_daemon *d)
{
	void *tmp = talloc_new(NULL);
	struct kb_autoboot_choice choice;
	struct kb_autoboot_entry *e;
	size_t n;

	e = entries(d, tmp, &n);
	kb_autoboot_choose(d->config, e, n, d->config->next_boot, &choice);
	talloc_free(tmp);
	return choice.opt;
}

static void broadcast_autoboot(struct kb_daemon *d)
{
	struct kb_msg msg = { .type = KB_MSG_AUTOBOOT };

	msg.u.autoboot = (struct kb_autoboot_state *)kb_autoboot_get_state(d->autoboot);
	kb_server_broadcast(d->server, &msg);
}

void kb_settings_booting(struct kb_daemon *d, const char *id)
{
	if (d->config->next_boot && strcmp(d->config->next_boot, id) == 0) {
		kb_config_set(d->config, NULL, "next-boot", "", NULL);
		save_settings(d);
	}
}

static void autoboot_tick(struct kb_source *src, void *data)
{
	struct kb_daemon *d = data;
	bool consumed = false, changed = false;
	const char *id = NULL;
	char *keep;

	if (kb_autoboot_tick(d->autoboot, now_ms(), &id, &consumed, &changed) == 1) {
		TALLOC_FREE(d->autoboot_timer);
		keep = talloc_strdup(d, id);
		broadcast_autoboot(d);
		log_notice("autoboot: booting %s", keep);
		if (consumed) {
			kb_config_set(d->config, NULL, "next-boot", "", NULL);
			save_settings(d);
		}
		kb_boot_autoboot(d, keep);
		talloc_free(keep);
		return;
	}
	if (changed)
		broadcast_autoboot(d);
}

void kb_options_changed(struct kb_daemon *d)
{
	void *tmp;
	struct kb_autoboot_entry *e;
	size_t n;

	if (!d->autoboot)
		return;
	tmp = talloc_new(NULL);
	e = entries(d, tmp, &n);
	kb_autoboot_set_config(d->autoboot, d->config);
	if (kb_autoboot_update(d->autoboot, e, n, now_ms()) > 0)
		broadcast_autoboot(d);
	talloc_free(tmp);
	if (!d->autoboot_timer && !kb_autoboot_cancelled(d->autoboot))
		d->autoboot_timer = kb_loop_add_timer(d->loop, d, 250, true, autoboot_tick, d);
	autoboot_tick(NULL, d);
}

bool kb_settings_restricted(const struct kb_config *cfg)
{
	return cfg && cfg->password_hash && cfg->password_hash[0];
}

const char *kb_settings_console(const struct kb_daemon *d)
{
	return d->config ? d->config->console : NULL;
}

static void send_config(struct kb_daemon *d, struct kb_client *cl)
{
	struct kb_msg msg = { .type = KB_MSG_CONFIG };
	struct kb_config_item *items;
	size_t n;

	if (kb_config_list(d->config, d, &items, &n) < 0)
		return;
	msg.u.config.items = items;
	msg.u.config.n_items = n;
	if (cl)
		kb_client_send(cl, &msg);
	else
		kb_server_broadcast(d->server, &msg);
	talloc_free(items);
}

void kb_settings_sync(struct kb_daemon *d, struct kb_client *cl)
{
	send_config(d, cl);
}

/* First line of a small sysfs/procfs file, trimmed, under ctx; NULL if absent. */
static char *read_line(void *ctx, const char *path)
{
	char *t = read_small(ctx, path, 256);

	if (t)
		t[strcspn(t, "\n")] = '\0';
	return t && *t ? t : NULL;
}

/* Facts for the menu's system information screen: platform, firmware, the
 * running kernel and what it can do for kexec (the engine's own report).
 * Built once: none of it changes while the daemon runs. */
static const struct kb_msg_config *sysinfo(struct kb_daemon *d)
{
	struct kb_msg_config *info = &d->sysinfo;
	struct kb_check_result *res = NULL;
	struct kb_config_item *it;
	const char *vendor, *product, *model;
	struct utsname u;
	unsigned n = 0, n_res = 0, i;

	if (info->items)
		return info;
	kx_info(d, d->kx, &res, &n_res);
	it = talloc_zero_array(d, struct kb_config_item, 8 + n_res);
	if (!it)
		return info;
	if (uname(&u) == 0) {
		it[n++] = (struct kb_config_item){ "kernel", talloc_strdup(it, u.release) };
		it[n++] = (struct kb_config_item){ "machine", talloc_strdup(it, u.machine) };
	}
	it[n++] = (struct kb_config_item){ "arch", (char *)d->opts.arch };
	vendor = read_line(it, "/sys/class/dmi/id/sys_vendor");
	product = read_line(it, "/sys/class/dmi/id/product_name");
	model = read_line(it, "/proc/device-tree/model");
	if (vendor || product || model)
		it[n++] = (struct kb_config_item){
			"platform", model ? (char *)model
					  : talloc_asprintf(it, "%s%s%s", vendor ? vendor : "",
							    vendor && product ? " " : "", product ? product : "") };
	it[n++] = (struct kb_config_item){
		"firmware", access("/sys/firmware/efi", F_OK) == 0		 ? "UEFI"
			    : access("/proc/device-tree/ibm,opal", F_OK) == 0 ? "OPAL (device tree)"
			    : access("/proc/device-tree", F_OK) == 0	 ? "device tree"
									 : "BIOS" };
	if (d->opts.compatible)
		it[n++] = (struct kb_config_item){ "compatible", (char *)d->opts.compatible };
	it[n++] = (struct kb_config_item){ "kexboot", PACKAGE_VERSION };
	it[n++] = (struct kb_config_item){ "mode", d->opts.dry_run ? "dry-run" : "normal" };
	for (i = 0; i < n_res; i++)
		it[n++] = (struct kb_config_item){ talloc_asprintf(it, "kexec %s", res[i].id),
						   talloc_steal(it, res[i].message) };
	talloc_free(res);
	info->items = it;
	info->n_items = n;
	return info;
}

void kb_settings_sysinfo(struct kb_daemon *d, struct kb_client *cl)
{
	struct kb_msg msg = { .type = KB_MSG_SYSINFO };

	msg.u.config = *sysinfo(d);
	kb_client_send(cl, &msg);
}

/* Try a restricted-mode password for cl (rate-limited, every failure logged). */
static int authenticate(struct kb_daemon *d, struct kb_client *cl, const char *password,
			char **ret_why)
{
	enum kb_auth_reason reason = KB_AUTH_WRONG_PASSWORD;
	uint64_t retry_ms = 0;

	if (!kb_settings_restricted(d->config)) {
		kb_client_set_authed(cl);
		return 0;
	}
	kb_auth_attempt(d->auth, kb_client_key(cl), d->config->password_hash, password, now_ms(),
			&reason, &retry_ms);
	if (reason == KB_AUTH_OK) {
		kb_client_set_authed(cl);
		log_notice("%s: authenticated", kb_client_name(cl));
		return 0;
	}
	if (retry_ms)
		*ret_why = talloc_asprintf(cl, "%s: try again in %llu s", kb_auth_reason_str(reason),
					   (unsigned long long)(retry_ms + 999) / 1000);
	else
		*ret_why = talloc_strdup(cl, kb_auth_reason_str(reason));
	log_warn("%s: password attempt failed: %s", kb_client_name(cl), *ret_why);
	return retry_ms ? -EAGAIN : -EACCES;
}

int kb_settings_authorise(struct kb_daemon *d, struct kb_client *cl, enum kb_request_kind kind,
			  bool is_default_boot, const char *password, char **ret_why)
{
	struct kb_auth_request rq = {
		.kind = kind,
		.is_default_boot = is_default_boot,
		.restricted = kb_settings_restricted(d->config),
		.authed = kb_client_authed(cl),
		.privileged = kb_client_privileged(cl),
		.shell_disabled = !d->config->allow_shell,
	};
	enum kb_auth_verdict verdict;
	const char *why = NULL;

	kb_auth_decide(&rq, &verdict, &why);
	if (verdict == KB_DENY_PASSWORD && password) {
		if (authenticate(d, cl, password, ret_why) < 0)
			return -EACCES;
		return 0;
	}
	if (verdict == KB_ALLOW)
		return 0;
	*ret_why = talloc_asprintf(cl, "refusing %s: %s", kb_request_kind_name(kind),
				   why ? why : "not allowed");
	log_notice("%s: %s", kb_client_name(cl), *ret_why);
	return verdict == KB_DENY_PASSWORD ? -EACCES : -EPERM;
}

/* Restricted-mode gate for a request; replies and returns false when refused. */
static bool allowed(struct kb_daemon *d, struct kb_client *cl, uint32_t req_id,
		    enum kb_request_kind kind)
{
	char *why = NULL;
	int r = kb_settings_authorise(d, cl, kind, false, NULL, &why);

	if (r == 0)
		return true;
	kb_client_reply(cl, req_id, r, NULL, "%s", why ? why : "not allowed");
	talloc_free(why);
	return false;
}

static void config_set(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg_request *rq)
{
	char *err = NULL;
	int r;

	if (!rq->key || !rq->value) {
		kb_client_reply(cl, rq->req_id, -EINVAL, NULL, "config set wants a key and a value");
		return;
	}
	if (!allowed(d, cl, rq->req_id, KB_REQ_CONFIG))
		return;
	r = kb_config_set(d->config, cl, rq->key, rq->value, &err);
	if (r == 0)
		r = save_settings(d);
	if (r < 0) {
		kb_client_reply(cl, rq->req_id, r, NULL, "%s", err ? err : strerror(-r));
		talloc_free(err);
		return;
	}
	log_notice("%s: set %s", kb_client_name(cl), rq->key);
	send_config(d, NULL);
	if (d->network)
		kb_network_config_changed(d->network, rq->key);
	kb_options_changed(d);
	kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
}

static void next_boot(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg_request *rq)
{
	int r;

	if (!rq->key || !kb_devices_option(d->devices, rq->key)) {
		kb_client_reply(cl, rq->req_id, -ENOENT, NULL, "no option with id '%s'",
				rq->key ? rq->key : "");
		return;
	}
	if (!allowed(d, cl, rq->req_id, KB_REQ_CONFIG))
		return;
	r = kb_config_set(d->config, NULL, "next-boot", rq->key, NULL);
	if (r == 0)
		r = save_settings(d);
	if (r == 0)
		kb_options_changed(d);
	kb_client_reply(cl, rq->req_id, r, NULL, r < 0 ? "cannot set next-boot: %s" : NULL,
			strerror(-r));
}

static void user_add(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg_boot *b)
{
	const char *id;

	if (!b->override || !b->override->name || b->override->kernel.kind == KB_RES_NONE) {
		kb_client_reply(cl, b->req_id, -EINVAL, NULL, "an option needs a name and a kernel");
		return;
	}
	if (!allowed(d, cl, b->req_id, KB_REQ_OPTIONS))
		return;
	id = kb_devices_add_user(d->devices, talloc_steal(d, b->override));
	if (!id)
		kb_client_reply(cl, b->req_id, -errno, NULL, "cannot add: %m");
	else
		kb_client_reply(cl, b->req_id, 0, id, NULL);
}

void kb_settings_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg)
{
	const struct kb_msg_request *rq = &msg->u.request;
	char *why = NULL;
	int r;

	switch (msg->type) {
	case KB_MSG_RESCAN:
		r = kb_devices_rescan(d->devices);
		if (d->network)
			kb_network_republish(d->network, true);
		kb_client_reply(cl, rq->req_id, r, NULL, r < 0 ? "rescan failed: %s" : NULL,
				strerror(-r));
		break;
	case KB_MSG_CONFIG_SET:
		config_set(d, cl, rq);
		break;
	case KB_MSG_CANCEL_AUTOBOOT:
		if (kb_autoboot_cancel(d->autoboot) > 0) {
			TALLOC_FREE(d->autoboot_timer);
			kb_boot_cancel_pending(d, "autoboot cancelled");
			kb_status(d, KB_STATUS_INFO, NULL, "autoboot cancelled by %s",
				  kb_client_name(cl));
			broadcast_autoboot(d);
		}
		kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
		break;
	case KB_MSG_USER_ADD:
		user_add(d, cl, &msg->u.boot);
		break;
	case KB_MSG_USER_REMOVE:
		if (!allowed(d, cl, rq->req_id, KB_REQ_OPTIONS))
			break;
		r = rq->key ? kb_devices_remove_user(d->devices, rq->key) : -EINVAL;
		kb_client_reply(cl, rq->req_id, r, NULL,
				r == -ENOENT   ? "no option with id '%s'"
				: r == -EPERM  ? "'%s' comes from a device's config: only added options can be removed"
				: r < 0	       ? "cannot remove '%s'"
					       : NULL,
				rq->key ? rq->key : "");
		break;
	case KB_MSG_NEXT_BOOT:
		next_boot(d, cl, rq);
		break;
	case KB_MSG_EXIT_SHELL:
		if (allowed(d, cl, rq->req_id, KB_REQ_SHELL)) {
			log_notice("%s: may exit to a shell", kb_client_name(cl));
			kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
		}
		break;
	case KB_MSG_AUTH:
		r = rq->value ? authenticate(d, cl, rq->value, &why) : -EINVAL;
		kb_client_reply(cl, rq->req_id, r, NULL, "%s", r == 0 ? "" : why ? why : "no password given");
		talloc_free(why);
		break;
	default:
		break;
	}
}
