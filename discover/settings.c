/* kexboot-discover: settings and the requests that are not boots. Glue
 * between the protocol and the config module (discover/config.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <talloc.h>
#include <unistd.h>

#include <config.h>
#include "discover/config.h"
#include "discover/daemon.h"
#include "discover/settings.h"
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
	text = read_small(tmp, "/proc/cmdline", KB_CONFIG_MAX_CMDLINE_LEN);
	if (text) {
		memset(&errs, 0, sizeof(errs));
		r = kb_config_parse_cmdline(tmp, text, &items, &n, &errs);
		if (r >= 0)
			kb_config_set_layer(d->config, tmp, KB_CONFIG_LAYER_CMDLINE, items, n, &errs);
		log_config_errors("/proc/cmdline", &errs);
	}
	talloc_free(tmp);
	return 0;
}

bool kb_settings_restricted(const struct kb_config *cfg)
{
	return cfg && cfg->password_hash && cfg->password_hash[0];
}

const char *kb_settings_console(const struct kb_daemon *d)
{
	return d->config ? d->config->console : NULL;
}

int kb_settings_timeout(const struct kb_daemon *d)
{
	return d->config ? d->config->timeout_s : KB_CONFIG_DEFAULT_TIMEOUT;
}

bool kb_settings_autoboot(const struct kb_daemon *d)
{
	return d->config ? d->config->autoboot : KB_CONFIG_DEFAULT_AUTOBOOT;
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

void kb_settings_sysinfo(struct kb_daemon *d, struct kb_client *cl)
{
	struct kb_msg msg = { .type = KB_MSG_SYSINFO };
	struct kb_config_item items[6];
	struct utsname u;
	unsigned n = 0;

	if (uname(&u) == 0) {
		items[n++] = (struct kb_config_item){ "kernel", u.release };
		items[n++] = (struct kb_config_item){ "machine", u.machine };
	}
	items[n++] = (struct kb_config_item){ "arch", (char *)d->opts.arch };
	if (d->opts.compatible)
		items[n++] = (struct kb_config_item){ "compatible", (char *)d->opts.compatible };
	items[n++] = (struct kb_config_item){ "kexboot", PACKAGE_VERSION };
	items[n++] = (struct kb_config_item){ "mode", d->opts.dry_run ? "dry-run" : "normal" };
	msg.u.config.items = items;
	msg.u.config.n_items = n;
	kb_client_send(cl, &msg);
}

int kb_settings_authorise(struct kb_daemon *d, struct kb_client *cl, const char *password,
			  const char *what)
{
	if (!kb_settings_restricted(d->config) || kb_client_authed(cl))
		return 0;
	log_notice("%s: refused %s: restricted mode", kb_client_name(cl), what);
	return -EACCES;
}

static void config_set(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg_request *rq)
{
	char *err = NULL;
	int r;

	if (!rq->key || !rq->value) {
		kb_client_reply(cl, rq->req_id, -EINVAL, NULL, "config set wants a key and a value");
		return;
	}
	if (kb_settings_authorise(d, cl, NULL, "changing configuration") < 0) {
		kb_client_reply(cl, rq->req_id, -EACCES, NULL,
				"restricted mode: the password is required to change configuration");
		return;
	}
	r = kb_config_set(d->config, cl, rq->key, rq->value, &err);
	if (r < 0) {
		kb_client_reply(cl, rq->req_id, r, NULL, "%s", err ? err : strerror(-r));
		talloc_free(err);
		return;
	}
	log_notice("%s: set %s", kb_client_name(cl), rq->key);
	send_config(d, NULL);
	kb_autoboot_update(d);
	kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
}

void kb_settings_request(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg)
{
	const struct kb_msg_request *rq = &msg->u.request;
	const char *id;
	int r;

	switch (msg->type) {
	case KB_MSG_RESCAN:
		r = kb_devices_rescan(d->devices);
		kb_client_reply(cl, rq->req_id, r, NULL, r < 0 ? "rescan failed: %s" : NULL,
				strerror(-r));
		break;
	case KB_MSG_CONFIG_SET:
		config_set(d, cl, rq);
		break;
	case KB_MSG_CANCEL_AUTOBOOT:
		kb_autoboot_cancel(d, kb_client_name(cl));
		kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
		break;
	case KB_MSG_USER_ADD:
		if (!msg->u.boot.override || !msg->u.boot.override->name ||
		    msg->u.boot.override->kernel.kind == KB_RES_NONE) {
			kb_client_reply(cl, msg->u.boot.req_id, -EINVAL, NULL,
					"an option needs a name and a kernel");
			break;
		}
		if (kb_settings_authorise(d, cl, NULL, "adding an option") < 0) {
			kb_client_reply(cl, msg->u.boot.req_id, -EACCES, NULL,
					"restricted mode: the password is required to add options");
			break;
		}
		id = kb_devices_add_user(d->devices, talloc_steal(d, msg->u.boot.override));
		if (!id)
			kb_client_reply(cl, msg->u.boot.req_id, -errno, NULL, "cannot add: %m");
		else
			kb_client_reply(cl, msg->u.boot.req_id, 0, id, NULL);
		break;
	case KB_MSG_USER_REMOVE:
		r = rq->key ? kb_devices_remove_user(d->devices, rq->key) : -EINVAL;
		kb_client_reply(cl, rq->req_id, r, NULL,
				r == -ENOENT   ? "no option with id '%s'"
				: r == -EPERM  ? "'%s' comes from a device's config: only added options can be removed"
				: r < 0	       ? "cannot remove '%s'"
					       : NULL,
				rq->key ? rq->key : "");
		break;
	case KB_MSG_NEXT_BOOT:
		if (!rq->key || !kb_devices_option(d->devices, rq->key)) {
			kb_client_reply(cl, rq->req_id, -ENOENT, NULL, "no option with id '%s'",
					rq->key ? rq->key : "");
			break;
		}
		if (kb_settings_authorise(d, cl, NULL, "setting the next boot") < 0) {
			kb_client_reply(cl, rq->req_id, -EACCES, NULL,
					"restricted mode: the password is required");
			break;
		}
		talloc_free(d->next_boot);
		d->next_boot = talloc_strdup(d, rq->key);
		kb_autoboot_update(d);
		kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
		break;
	case KB_MSG_EXIT_SHELL:
		if (!d->config->allow_shell)
			kb_client_reply(cl, rq->req_id, -EPERM, NULL, "exiting to a shell is disabled");
		else if (kb_settings_authorise(d, cl, NULL, "exiting to a shell") < 0)
			kb_client_reply(cl, rq->req_id, -EACCES, NULL,
					"restricted mode: the password is required");
		else
			kb_client_reply(cl, rq->req_id, 0, NULL, NULL);
		break;
	case KB_MSG_AUTH:
		kb_client_reply(cl, rq->req_id, -ENOSYS, NULL, "authentication is not wired yet");
		break;
	default:
		break;
	}
}
