/* kexboot-menu: the connection to kexboot-discover (state in, requests out). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <curses.h>
#include <talloc.h>

#include "ui/ncurses/i18n.h"
#include "ui/ncurses/ui.h"

static void schedule_reconnect(struct ui *ui);

static const char *str_or(const char *s, const char *alt)
{
	return s ? s : alt;
}

/* A fresh request id (never 0). */
uint32_t ui_new_req_id(struct ui *ui)
{
	if (++ui->next_req == 0)
		ui->next_req = 1;
	return ui->next_req;
}

static void set_req_id(struct kb_msg *msg, uint32_t id)
{
	switch (msg->type) {
	case KB_MSG_BOOT:
	case KB_MSG_CHECK:
	case KB_MSG_USER_ADD:
		msg->u.boot.req_id = id;
		break;
	default:
		msg->u.request.req_id = id;
		break;
	}
}

static void req_fail(struct ui *ui, struct ui_req *req, int err, const char *why)
{
	struct kb_msg_result res = { .req_id = req->id, .status = err, .message = (char *)why };
	if (req->done)
		req->done(ui, req, &res);
}

/* Send msg (stolen) as a request; done is called with its RESULT (or with a
 * local failure when the daemon is unreachable). Returns the pending request
 * (NULL after a local failure, which has already been reported to done). */
struct ui_req *ui_request(struct ui *ui, struct kb_msg *msg, ui_req_done_fn done, void *data)
{
	struct ui_req *req = talloc_zero(ui->ctx, struct ui_req);
	if (!req) {
		talloc_free(msg);
		return NULL;
	}
	req->msg = talloc_steal(req, msg);
	req->done = done;
	req->data = data;
	req->id = ui_new_req_id(ui);
	set_req_id(msg, req->id);
	int r = ui->conn ? kb_conn_send(ui->conn, msg) : -ENOTCONN;
	if (r < 0) {
		req_fail(ui, req, r, r == -ENOTCONN ? "not connected to the daemon" : strerror(-r));
		talloc_free(req);
		return NULL;
	}
	req->next = ui->reqs;
	ui->reqs = req;
	return req;
}

static struct ui_req *req_find(struct ui *ui, uint32_t id, bool unlink)
{
	for (struct ui_req **p = &ui->reqs; *p; p = &(*p)->next) {
		if ((*p)->id != id)
			continue;
		struct ui_req *req = *p;
		if (unlink) {
			*p = req->next;
			req->next = NULL;
		}
		return req;
	}
	return NULL;
}

/* Retry after AUTH: the original request travels as data. */
static void auth_done(struct ui *ui, struct ui_req *auth, const struct kb_msg_result *res)
{
	struct ui_req *orig = auth->data;
	if (res->status == 0) {
		ui->flags |= KB_HELLO_AUTHED;
		ui_status_add(ui, KB_STATUS_INFO, "authenticated");
		ui_request(ui, talloc_steal(NULL, orig->msg), orig->done, orig->data);
	} else {
		req_fail(ui, orig, res->status, str_or(res->message, "authentication failed"));
	}
	talloc_free(orig);
}

static void password_entered(struct ui *ui, const char *pw, void *data)
{
	struct ui_req *orig = data;
	if (!pw) {
		req_fail(ui, orig, -EACCES, "restricted mode: password required");
		talloc_free(orig);
		return;
	}
	struct kb_msg *m = talloc_zero(NULL, struct kb_msg);
	if (!m) {
		talloc_free(orig);
		return;
	}
	m->type = KB_MSG_AUTH;
	m->u.request.value = talloc_strdup(m, pw);
	ui_request(ui, m, auth_done, orig);
}

static void handle_result(struct ui *ui, struct kb_msg_result *res)
{
	struct ui_req *req = req_find(ui, res->req_id, true);
	if (!req)
		return;
	if (res->status == -EACCES && (ui->flags & KB_HELLO_RESTRICTED) &&
	    req->msg->type != KB_MSG_AUTH) {
		/* The daemon decides; we only ask the user for what it wants. */
		ui->flags &= ~KB_HELLO_AUTHED;
		ui_password_prompt(ui, password_entered, req);
		return;
	}
	if (req->done)
		req->done(ui, req, res);
	talloc_free(req);
}

static void config_merge(void *ctx, struct kb_msg_config *dst, struct kb_msg_config *src)
{
	for (uint32_t i = 0; i < src->n_items; i++) {
		struct kb_config_item *it = &src->items[i];
		if (!it->key)
			continue;
		uint32_t j;
		for (j = 0; j < dst->n_items; j++)
			if (strcmp(dst->items[j].key, it->key) == 0)
				break;
		if (j == dst->n_items) {
			struct kb_config_item *n = talloc_realloc(ctx, dst->items, struct kb_config_item,
								  dst->n_items + 1);
			if (!n)
				return;
			dst->items = n;
			dst->n_items++;
			dst->items[j].key = talloc_strdup(dst->items, it->key);
			dst->items[j].value = NULL;
		}
		talloc_free(dst->items[j].value);
		dst->items[j].value = it->value ? talloc_strdup(dst->items, it->value) : NULL;
	}
}

/* Current value of a CONFIG key, NULL when unknown. */
const char *ui_config_get(const struct ui *ui, const char *key)
{
	for (uint32_t i = 0; i < ui->config.n_items; i++)
		if (strcmp(ui->config.items[i].key, key) == 0)
			return ui->config.items[i].value;
	return NULL;
}

static void countdown_tick(struct kb_source *src, void *data)
{
	struct ui *ui = data;
	if (ui->autoboot && ui->autoboot->active && ui->autoboot->remaining_s > 0) {
		ui->autoboot->remaining_s--;
		ui_mark_dirty(ui);
	}
}

static void set_autoboot(struct ui *ui, struct kb_autoboot_state *ab)
{
	talloc_free(ui->autoboot);
	ui->autoboot = talloc_steal(ui->ctx, ab);
	if (ab && ab->active) {
		ui->cancel_sent = false;
		if (ui->countdown)
			kb_timer_reset(ui->countdown, 1000);
		else
			ui->countdown = kb_loop_add_timer(ui->loop, ui->ctx, 1000, true, countdown_tick, ui);
	} else {
		TALLOC_FREE(ui->countdown);
	}
	ui_main_autoboot_changed(ui);
}

static void cancel_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	if (res->status < 0)
		ui_status_add(ui, KB_STATUS_ERROR, "cancel autoboot: %s",
			      str_or(res->message, strerror(-res->status)));
	else
		ui_status_add(ui, KB_STATUS_INFO, "autoboot cancelled");
}

/* Any key during the countdown: ask the daemon to stop it (once). */
void ui_cancel_autoboot(struct ui *ui)
{
	if (!ui->autoboot || !ui->autoboot->active || ui->cancel_sent)
		return;
	ui->cancel_sent = true;
	ui->autoboot->active = false; /* hide the countdown now; the daemon confirms */
	TALLOC_FREE(ui->countdown);
	struct kb_msg *m = talloc_zero(NULL, struct kb_msg);
	if (!m)
		return;
	m->type = KB_MSG_CANCEL_AUTOBOOT;
	ui_request(ui, m, cancel_done, NULL);
	ui_mark_dirty(ui);
}

/* HELLO's flags say whether restricted mode was on when we connected; the
 * daemon's "password" setting ("set" or "") says whether it is now, so a
 * password set or cleared while the menu runs takes effect here too. */
static void update_restricted(struct ui *ui)
{
	const char *pw = ui_config_get(ui, "password");
	if (!pw)
		return;
	if (*pw)
		ui->flags |= KB_HELLO_RESTRICTED;
	else
		ui->flags &= ~(uint32_t)KB_HELLO_RESTRICTED;
}

static void on_msg(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct ui *ui = data;
	switch (msg->type) {
	case KB_MSG_DEVICE_ADD:
		ui_model_device_add(ui->model, msg->u.device);
		break;
	case KB_MSG_DEVICE_REMOVE:
		ui_model_device_remove(ui->model, msg->u.id.id);
		break;
	case KB_MSG_OPTION_ADD: {
		struct ui_opt *o = ui_model_option_add(ui->model, msg->u.option);
		if (o)
			ui_main_option_added(ui, o);
		break;
	}
	case KB_MSG_OPTION_REMOVE:
		ui_model_option_remove(ui->model, msg->u.id.id);
		break;
	case KB_MSG_STATUS:
		if (msg->u.status && msg->u.status->message)
			ui_status_add(ui, msg->u.status->type, "%s%s%s",
				      str_or(msg->u.status->device_id, ""),
				      msg->u.status->device_id ? ": " : "", msg->u.status->message);
		break;
	case KB_MSG_AUTOBOOT:
		set_autoboot(ui, msg->u.autoboot);
		break;
	case KB_MSG_CONFIG:
		config_merge(ui->ctx, &ui->config, &msg->u.config);
		update_restricted(ui);
		if (ui_i18n_set_language(ui_config_get(ui, "language")))
			clearok(curscr, TRUE);
		break;
	case KB_MSG_SYSINFO:
		talloc_free(ui->sysinfo.items);
		ui->sysinfo = msg->u.config;
		talloc_steal(ui->ctx, ui->sysinfo.items);
		break;
	case KB_MSG_CHECK_RESULTS: {
		struct ui_req *req = req_find(ui, msg->u.checks.req_id, false);
		if (req) {
			talloc_free(req->checks);
			req->checks = talloc_zero(req, struct kb_msg_checks);
			if (req->checks) {
				*req->checks = msg->u.checks;
				talloc_steal(req->checks, msg->u.checks.option_id);
				talloc_steal(req->checks, msg->u.checks.results);
			}
		}
		break;
	}
	case KB_MSG_SYNC_DONE:
		ui->synced = true;
		break;
	case KB_MSG_RESULT:
		handle_result(ui, &msg->u.result);
		break;
	default:
		break; /* a newer server's message we do not know: ignore */
	}
	ui_mark_dirty(ui);
}

static void on_close(struct kb_conn *conn, int err, void *data)
{
	struct ui *ui = data;
	talloc_free(ui->conn);
	ui->conn = NULL;
	ui->synced = false;
	ui_status_add(ui, KB_STATUS_ERROR, "connection to the daemon lost%s%s",
		      err ? ": " : "", err ? strerror(-err) : "");
	while (ui->reqs) {
		struct ui_req *req = ui->reqs;
		ui->reqs = req->next;
		req_fail(ui, req, -ECONNRESET, "connection to the daemon lost");
		talloc_free(req);
	}
	ui_model_clear(ui->model);
	ui->sel = ui->top = (struct ui_row){ 0 };
	set_autoboot(ui, NULL);
	schedule_reconnect(ui);
	ui_mark_dirty(ui);
}

static void reconnect_tick(struct kb_source *src, void *data)
{
	struct ui *ui = data;
	TALLOC_FREE(ui->reconnect);
	ui_client_connect(ui);
	ui_mark_dirty(ui);
}

static void schedule_reconnect(struct ui *ui)
{
	if (!ui->reconnect)
		ui->reconnect = kb_loop_add_timer(ui->loop, ui->ctx, UI_RECONNECT_MS, false,
						  reconnect_tick, ui);
}

/* Connect (HELLO) and start receiving the state; on failure retry later.
 * 0 or -errno (the retry is already scheduled). */
int ui_client_connect(struct ui *ui)
{
	int fd = -1;
	uint32_t flags = 0, server_version = 0;
	int r = kb_client_connect(ui->socket_path, "kexboot-menu " PACKAGE_VERSION,
				  UI_CONNECT_TIMEOUT_MS, &fd, &flags, &server_version);
	if (r < 0) {
		static int last_err;
		if (r != last_err) {
			if (r == -EPROTO)
				ui_status_add(ui, KB_STATUS_ERROR,
					      "daemon speaks protocol %u, this menu %u",
					      server_version, KB_PROTOCOL_VERSION);
			else
				ui_status_add(ui, KB_STATUS_ERROR, "cannot connect to %s: %s",
					      ui->socket_path, strerror(-r));
			last_err = r;
		}
		schedule_reconnect(ui);
		return r;
	}
	ui->conn = kb_conn_new(ui->ctx, ui->loop, fd, on_msg, on_close, ui);
	if (!ui->conn) {
		schedule_reconnect(ui);
		return -ENOMEM;
	}
	ui->flags = flags;
	ui_status_add(ui, KB_STATUS_INFO, "connected to %s", ui->socket_path);
	return 0;
}
