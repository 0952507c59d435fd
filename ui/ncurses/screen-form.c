/* kexboot-menu: form screens built on libform: the boot-option editor, the
 * system configuration, adding an option, and the restricted-mode password.
 *
 * Every form is a list of labelled one-line fields that scroll horizontally
 * (values up to the protocol's limits). Enter submits from any field, Esc
 * cancels, Tab/Up/Down move between fields.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <form.h>
#include <talloc.h>

#include "ui/ncurses/i18n.h"
#include "ui/ncurses/ui.h"

#define FORM_FIELD_MAX KB_MAX_ARGS_LEN /* longest value a field accepts */
#define FORM_LABEL_MAX 20               /* columns for labels */

struct form_field_spec {
	char *label;
	char *value;    /* initial / current value (owned) */
	char *original; /* value when opened, to send only changes */
	bool hidden;    /* password */
	bool readonly;
	char *key;      /* config key, or NULL */
};

struct form_screen;
/* Return true to close the form. values[i] are the trimmed field contents. */
typedef bool (*form_submit_fn)(struct ui *ui, struct form_screen *f, char **values);

struct form_screen {
	char *title;
	char *hint;
	struct form_field_spec *specs;
	size_t n;
	form_submit_fn submit;
	void (*cancel)(struct ui *ui, void *data);
	void *data;
	const struct ui_screen_ops *ops;
	/* libform state (rebuilt on resize) */
	FIELD **fields;
	FORM *form;
	WINDOW *win;
	int current;
};

static void form_teardown(struct form_screen *f)
{
	if (f->form) {
		unpost_form(f->form);
		free_form(f->form);
		f->form = NULL;
	}
	for (size_t i = 0; f->fields && i < f->n; i++)
		if (f->fields[i])
			free_field(f->fields[i]);
	TALLOC_FREE(f->fields);
	if (f->win) {
		delwin(f->win);
		f->win = NULL;
	}
}

static int form_destructor(struct form_screen *f)
{
	form_teardown(f);
	return 0;
}

static char *trimmed(void *ctx, const char *s)
{
	size_t len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	size_t start = 0;
	while (start < len && s[start] == ' ')
		start++;
	return talloc_strndup(ctx, s + start, len - start);
}

/* Copy field contents back into the specs (before a rebuild or submit). */
static void form_sync(struct form_screen *f)
{
	if (!f->form)
		return;
	form_driver(f->form, REQ_VALIDATION);
	for (size_t i = 0; i < f->n; i++) {
		char *v = trimmed(f->specs, field_buffer(f->fields[i], 0));
		if (v) {
			talloc_free(f->specs[i].value);
			f->specs[i].value = v;
		}
	}
	FIELD *cur = current_field(f->form);
	f->current = cur ? field_index(cur) : 0;
}

static int label_width(const struct form_screen *f)
{
	int w = 0;
	for (size_t i = 0; i < f->n; i++) {
		int lw = ui_str_width(f->specs[i].label);
		if (lw > w)
			w = lw;
	}
	return w > FORM_LABEL_MAX ? FORM_LABEL_MAX : w;
}

static void form_build(struct form_screen *f)
{
	form_teardown(f);
	int lw = label_width(f);
	int fw = COLS - lw - 6;
	if (fw < 4)
		fw = 4;
	int rows = (int)f->n;
	f->win = newwin(rows, fw, 3, lw + 4);
	f->fields = talloc_zero_array(f, FIELD *, f->n + 1);
	if (!f->win || !f->fields)
		return;
	keypad(f->win, TRUE);
	for (size_t i = 0; i < f->n; i++) {
		FIELD *fld = new_field(1, fw, (int)i, 0, 0, 0);
		if (!fld)
			return;
		f->fields[i] = fld;
		field_opts_off(fld, O_STATIC | O_AUTOSKIP | O_BLANK);
		set_max_field(fld, FORM_FIELD_MAX);
		if (f->specs[i].hidden)
			field_opts_off(fld, O_PUBLIC);
		if (f->specs[i].readonly)
			field_opts_off(fld, O_ACTIVE | O_EDIT);
		else
			set_field_back(fld, A_UNDERLINE);
		set_field_buffer(fld, 0, f->specs[i].value ? f->specs[i].value : "");
	}
	f->form = new_form(f->fields);
	if (!f->form)
		return;
	set_form_win(f->form, f->win);
	set_form_sub(f->form, f->win);
	post_form(f->form);
	if (f->current >= 0 && (size_t)f->current < f->n && !f->specs[f->current].readonly)
		set_current_field(f->form, f->fields[f->current]);
	form_driver(f->form, REQ_END_LINE);
}

static void form_draw(struct ui *ui, struct ui_screen *s)
{
	struct form_screen *f = s->priv;
	if (!f->form)
		form_build(f);
	int lw = label_width(f);
	ui_draw_title(ui, f->title);
	ui_draw_box(1, 0, LINES - 2, COLS);
	for (size_t i = 0; i < f->n; i++)
		ui_draw_str(3 + (int)i, 2, lw + 1, f->specs[i].label);
	if (f->hint) {
		int y = 3 + (int)f->n + 1;
		const char *p = f->hint;
		while (*p && y < LINES - 3) {
			const char *e = strchr(p, '\n');
			char *line = talloc_strndup(NULL, p, e ? (size_t)(e - p) : strlen(p));
			ui_draw_str(y++, 2, COLS - 4, line);
			talloc_free(line);
			p = e ? e + 1 : p + strlen(p);
		}
	}
	ui_draw_keys(ui, _(" Enter=accept  Esc=cancel  Tab/Up/Down=field  ^U=clear  F1=help"));
}

static void form_post_refresh(struct ui *ui, struct ui_screen *s)
{
	struct form_screen *f = s->priv;
	if (!f->win || !f->form)
		return;
	touchwin(f->win);
	pos_form_cursor(f->form);
	curs_set(1);
	wnoutrefresh(f->win);
}

static void form_resize(struct ui *ui, struct ui_screen *s)
{
	struct form_screen *f = s->priv;
	form_sync(f);
	form_teardown(f);
}

static void form_submit(struct ui *ui, struct ui_screen *s)
{
	struct form_screen *f = s->priv;
	form_sync(f);
	char **values = talloc_array(f, char *, f->n);
	if (!values)
		return;
	for (size_t i = 0; i < f->n; i++)
		values[i] = f->specs[i].value ? f->specs[i].value : "";
	f->cancel = NULL; /* submitted: closing is not a cancel */
	if (f->submit(ui, f, values)) {
		/* pop only if this form is still on top (submit may push a screen) */
		if (ui->screen == s)
			ui_screen_pop(ui);
		else
			for (struct ui_screen *p = ui->screen; p; p = p->below)
				if (p->below == s) {
					p->below = s->below;
					talloc_free(s);
					break;
				}
	}
}

static void form_key(struct ui *ui, struct ui_screen *s, struct ui_key k)
{
	struct form_screen *f = s->priv;
	if (!f->form)
		return;
	int req = 0;
	if (k.is_key) {
		switch (k.ch) {
		case KEY_DOWN: req = REQ_NEXT_FIELD; break;
		case KEY_UP:
		case KEY_BTAB: req = REQ_PREV_FIELD; break;
		case KEY_LEFT: req = REQ_PREV_CHAR; break;
		case KEY_RIGHT: req = REQ_NEXT_CHAR; break;
		case KEY_HOME: req = REQ_BEG_LINE; break;
		case KEY_END: req = REQ_END_LINE; break;
		case KEY_BACKSPACE: req = REQ_DEL_PREV; break;
		case KEY_DC: req = REQ_DEL_CHAR; break;
		case KEY_ENTER: form_submit(ui, s); return;
		default: return;
		}
	} else {
		switch (k.ch) {
		case '\r':
		case '\n':
			form_submit(ui, s);
			return;
		case 27: {
			void (*cancel)(struct ui *, void *) = f->cancel;
			void *data = f->data;
			ui_screen_pop(ui);
			if (cancel)
				cancel(ui, data);
			return;
		}
		case '\t': req = REQ_NEXT_FIELD; break;
		case 127:
		case 8: req = REQ_DEL_PREV; break;
		case 1: req = REQ_BEG_LINE; break;  /* ^A */
		case 5: req = REQ_END_LINE; break;  /* ^E */
		case 11: req = REQ_CLR_EOL; break;  /* ^K */
		case 21: req = REQ_CLR_FIELD; break; /* ^U */
		default:
			if (k.ch >= 0x20)
				form_driver_w(f->form, OK, (wchar_t)k.ch);
			return;
		}
	}
	form_driver(f->form, req);
	if (req == REQ_NEXT_FIELD || req == REQ_PREV_FIELD)
		form_driver(f->form, REQ_END_LINE);
}

static struct form_screen *form_new(const char *title, const char *hint, size_t n)
{
	struct form_screen *f = talloc_zero(NULL, struct form_screen);
	if (!f)
		return NULL;
	talloc_set_destructor(f, form_destructor);
	f->title = talloc_strdup(f, title);
	f->hint = hint ? talloc_strdup(f, hint) : NULL;
	f->specs = talloc_zero_array(f, struct form_field_spec, n);
	f->n = n;
	if (!f->specs) {
		talloc_free(f);
		return NULL;
	}
	return f;
}

static void spec_set(struct form_screen *f, size_t i, const char *label, const char *value)
{
	f->specs[i].label = talloc_strdup(f->specs, label);
	f->specs[i].value = talloc_strdup(f->specs, value ? value : "");
	f->specs[i].original = talloc_strdup(f->specs, value ? value : "");
}

static void form_push(struct ui *ui, struct form_screen *f, const struct ui_screen_ops *ops)
{
	/* start on the first editable field */
	for (size_t i = 0; i < f->n; i++)
		if (!f->specs[i].readonly) {
			f->current = (int)i;
			break;
		}
	f->ops = ops;
	ui_screen_push(ui, ops, f);
}

/* --- resources as text: "DEVICE:/path", "uuid:X:/path", a URL, or "/path" --- */

static char *resource_to_text(void *ctx, const struct kb_resource *r)
{
	switch (r->kind) {
	case KB_RES_DEVICE:
		if (!r->device)
			return talloc_strdup(ctx, r->path ? r->path : "");
		return talloc_asprintf(ctx, "%s:%s", r->device, r->path ? r->path : "");
	case KB_RES_URL:
		return talloc_strdup(ctx, r->url ? r->url : "");
	case KB_RES_UNRESOLVED:
		return talloc_asprintf(ctx, "%s:%s", r->unresolved ? r->unresolved : "",
				       r->path ? r->path : "");
	default:
		return talloc_strdup(ctx, "");
	}
}

/* Parse text into *r (strings under ctx). A bare "/path" is on default_dev
 * (NULL: a file:// URL on the daemon's own filesystem). 0 or -EINVAL. */
static int resource_from_text(void *ctx, const char *text, const char *default_dev,
			      struct kb_resource *r)
{
	memset(r, 0, sizeof(*r));
	if (!*text) {
		r->kind = KB_RES_NONE;
		return 0;
	}
	if (strlen(text) >= KB_MAX_PATH_LEN)
		return -ENAMETOOLONG;
	if (strstr(text, "://")) {
		r->kind = KB_RES_URL;
		r->url = talloc_strdup(ctx, text);
		return 0;
	}
	const char *sep = strstr(text, ":/");
	if (text[0] == '/' || !sep) {
		if (text[0] != '/')
			return -EINVAL;
		if (!default_dev) { /* a file the daemon reads itself, as kexboot-ctl add sends it */
			r->kind = KB_RES_URL;
			r->url = talloc_asprintf(ctx, "file://%s", text);
			return 0;
		}
		r->kind = KB_RES_DEVICE;
		r->device = default_dev ? talloc_strdup(ctx, default_dev) : NULL;
		r->path = talloc_strdup(ctx, text);
		return 0;
	}
	char *prefix = talloc_strndup(ctx, text, (size_t)(sep - text));
	static const char *const unresolved[] = { "uuid:", "label:", "file:", "partuuid:", "partlabel:" };
	for (size_t i = 0; i < sizeof(unresolved) / sizeof(unresolved[0]); i++)
		if (strncmp(prefix, unresolved[i], strlen(unresolved[i])) == 0) {
			r->kind = KB_RES_UNRESOLVED;
			r->unresolved = prefix;
			r->path = talloc_strdup(ctx, sep + 1);
			return 0;
		}
	r->kind = KB_RES_DEVICE;
	r->device = prefix;
	r->path = talloc_strdup(ctx, sep + 1);
	return 0;
}

static char *initrds_to_text(void *ctx, const struct kb_option *o)
{
	char *s = talloc_strdup(ctx, "");
	for (uint32_t i = 0; i < o->n_initrds; i++)
		s = talloc_asprintf_append(s, "%s%s", i ? " " : "",
					   resource_to_text(s, &o->initrds[i]));
	return s;
}

/* Space-separated resources into o->initrds. 0 or -errno (-E2BIG over the limit). */
static int initrds_from_text(struct kb_option *o, const char *text, const char *default_dev)
{
	char *copy = talloc_strdup(o, text), *save = NULL;
	talloc_free(o->initrds);
	o->initrds = NULL;
	o->n_initrds = 0;
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (o->n_initrds >= KB_MAX_INITRDS)
			return -E2BIG;
		struct kb_resource *n = talloc_realloc(o, o->initrds, struct kb_resource, o->n_initrds + 1);
		if (!n)
			return -ENOMEM;
		o->initrds = n;
		int r = resource_from_text(o->initrds, tok, default_dev, &o->initrds[o->n_initrds]);
		if (r < 0)
			return r;
		o->n_initrds++;
	}
	return 0;
}

static const char resource_hint[] =
	N_("Files: DEVICE:/path (e.g. sda1:/boot/vmlinuz), /path (on the entry's\n"
	"device), uuid:UUID:/path or label:LABEL:/path, or a URL (http://, tftp://).\n"
	"Initrds: several separated by spaces. Empty device tree = none.");

/* --- boot-option editor --- */

enum { ED_NAME, ED_KERNEL, ED_INITRDS, ED_DTB, ED_ARGS, ED_N };

struct editor_data {
	struct kb_option *orig;
};

static bool editor_submit(struct ui *ui, struct form_screen *f, char **v)
{
	struct editor_data *ed = f->data;
	struct kb_option *o = kb_option_dup(NULL, ed->orig);
	if (!o)
		return false;
	const char *dev = ed->orig->kernel.kind == KB_RES_DEVICE ? ed->orig->kernel.device
								 : ed->orig->device_id;
	int r;
	const char *what = "kernel";
	talloc_free(o->kernel.device);
	talloc_free(o->kernel.path);
	talloc_free(o->kernel.url);
	talloc_free(o->kernel.unresolved);
	r = resource_from_text(o, v[ED_KERNEL], dev, &o->kernel);
	if (r == 0 && o->kernel.kind == KB_RES_NONE)
		r = -EINVAL;
	if (r == 0) {
		what = "initrds";
		r = initrds_from_text(o, v[ED_INITRDS], dev);
	}
	if (r == 0) {
		what = "device tree";
		r = resource_from_text(o, v[ED_DTB], dev, &o->dtb);
	}
	if (r < 0) {
		ui_message(ui, "Edit", "%s: %s%s", what,
			   r == -E2BIG ? "too many (limit " : r == -ENAMETOOLONG ? "too long" : "not a path or URL",
			   r == -E2BIG ? "16)" : "");
		talloc_free(o);
		return false;
	}
	talloc_free(o->args);
	o->args = *v[ED_ARGS] ? talloc_strdup(o, v[ED_ARGS]) : NULL;
	char *id = talloc_strdup(NULL, ed->orig->id);
	ui_screen_pop(ui); /* the editor; the preflight screen takes its place */
	ui_boot_start(ui, id, o);
	talloc_free(id);
	return false; /* already closed */
}

static const struct ui_screen_ops editor_ops = {
	.name = "editor",
	.draw = form_draw,
	.key = form_key,
	.resize = form_resize,
	.post_refresh = form_post_refresh,
	.help = N_("Edit the selected entry for this boot only (nothing is saved).\n"
		"Enter checks and boots the edited entry; Esc goes back unchanged.\n"
		"Tab/Down next field, Up previous, Left/Right/Home/End move,\n"
		"Backspace/Delete erase, ^K clears to the end, ^U the whole field.\n"
		"\n"
		"Files: DEVICE:/path, /path (on the entry's own device),\n"
		"uuid:UUID:/path, label:LABEL:/path, or a URL. Several initrds are\n"
		"separated by spaces; an empty device tree means none."),
};

/* Edit opt for one boot (BOOT with an override). */
void ui_editor_open(struct ui *ui, const struct kb_option *opt)
{
	struct form_screen *f = form_new(_("Edit boot entry (this boot only)"), _(resource_hint), ED_N);
	if (!f)
		return;
	struct editor_data *ed = talloc_zero(f, struct editor_data);
	ed->orig = kb_option_dup(ed, opt);
	if (!ed->orig) {
		talloc_free(f);
		return;
	}
	f->data = ed;
	spec_set(f, ED_NAME, _("Entry"), opt->name ? opt->name : opt->id);
	f->specs[ED_NAME].readonly = true;
	spec_set(f, ED_KERNEL, _("Kernel"), resource_to_text(f, &opt->kernel));
	spec_set(f, ED_INITRDS, _("Initrd(s)"), initrds_to_text(f, opt));
	spec_set(f, ED_DTB, _("Device tree"), resource_to_text(f, &opt->dtb));
	spec_set(f, ED_ARGS, _("Arguments"), opt->args);
	f->submit = editor_submit;
	f->current = ED_ARGS;
	f->ops = &editor_ops;
	ui_screen_push(ui, &editor_ops, f);
}

/* --- system configuration --- */

struct config_key {
	const char *key;
	const char *label;
	bool hidden;
};

/* Keys the daemon documents (kexboot-ctl config set KEY); unknown keys the
 * daemon sends (network.*, ...) are listed after these. */
static const struct config_key config_keys[] = {
	{ "autoboot", N_("Autoboot (on/off)"), false },
	{ "timeout", N_("Timeout (s)"), false },
	{ "boot-order", N_("Boot order"), false },
	{ "console", N_("Boot console"), false },
	{ "language", N_("Language"), false },
	{ "password", N_("Password (new)"), true },
};
#define N_CONFIG_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))
#define CONFIG_MAX_FIELDS 32 /* fields on the configuration screen */

static void config_set_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	const char *key = req->msg->u.request.key;
	if (res->status < 0)
		ui_message(ui, "Configuration", "%s: %s", key,
			   res->message && *res->message ? res->message : strerror(-res->status));
	else
		ui_status_add(ui, KB_STATUS_INFO, "config: %s saved", key);
}

static bool config_submit(struct ui *ui, struct form_screen *f, char **v)
{
	unsigned sent = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct form_field_spec *s = &f->specs[i];
		if (!s->key || s->readonly || strcmp(v[i], s->original) == 0)
			continue;
		if (s->hidden && !*v[i])
			continue; /* empty password field: unchanged */
		struct kb_msg *m = talloc_zero(NULL, struct kb_msg);
		if (!m)
			break;
		m->type = KB_MSG_CONFIG_SET;
		m->u.request.key = talloc_strdup(m, s->key);
		m->u.request.value = talloc_strdup(m, v[i]);
		ui_request(ui, m, config_set_done, NULL);
		sent++;
	}
	if (!sent)
		ui_status_add(ui, KB_STATUS_INFO, "config: nothing changed");
	return true;
}

static const struct ui_screen_ops config_ops = {
	.name = "config",
	.draw = form_draw,
	.key = form_key,
	.resize = form_resize,
	.post_refresh = form_post_refresh,
	.help = N_("System configuration, kept by the daemon.\n"
		"  Autoboot    on or off          Timeout   seconds before autoboot\n"
		"  Boot order  device kinds/ids in order, as the daemon documents\n"
		"  Boot console  e.g. ttyS0,115200: added as console= when an entry\n"
		"              has none\n"
		"  Password    sets restricted mode's password (empty = unchanged)\n"
		"Other keys the daemon reports (network, ...) follow.\n"
		"Enter sends the changed values (the daemon checks them), Esc cancels."),
};

/* The configuration screen (CONFIG_SET for each changed value). */
void ui_config_open(struct ui *ui)
{
	size_t n = N_CONFIG_KEYS;
	for (uint32_t i = 0; i < ui->config.n_items; i++) {
		bool known = false;
		for (size_t j = 0; j < N_CONFIG_KEYS; j++)
			known |= strcmp(ui->config.items[i].key, config_keys[j].key) == 0;
		if (!known && n < CONFIG_MAX_FIELDS)
			n++;
	}
	struct form_screen *f = form_new(_("System configuration"), NULL, n);
	if (!f)
		return;
	size_t k = 0;
	for (; k < N_CONFIG_KEYS; k++) {
		const char *val = config_keys[k].hidden ? "" : ui_config_get(ui, config_keys[k].key);
		spec_set(f, k, _(config_keys[k].label), val);
		f->specs[k].key = talloc_strdup(f->specs, config_keys[k].key);
		f->specs[k].hidden = config_keys[k].hidden;
	}
	for (uint32_t i = 0; i < ui->config.n_items && k < n; i++) {
		bool known = false;
		for (size_t j = 0; j < N_CONFIG_KEYS; j++)
			known |= strcmp(ui->config.items[i].key, config_keys[j].key) == 0;
		if (known)
			continue;
		spec_set(f, k, ui->config.items[i].key, ui->config.items[i].value);
		f->specs[k].key = talloc_strdup(f->specs, ui->config.items[i].key);
		k++;
	}
	f->submit = config_submit;
	form_push(ui, f, &config_ops);
}

/* --- add an option from a path or URL --- */

enum { ADD_NAME, ADD_KERNEL, ADD_INITRDS, ADD_DTB, ADD_ARGS, ADD_N };

static void add_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	if (res->status < 0)
		ui_message(ui, "Add entry", "The daemon refused: %s",
			   res->message && *res->message ? res->message : strerror(-res->status));
	else
		ui_status_add(ui, KB_STATUS_INFO, "added entry %s", res->value ? res->value : "");
}

static bool add_submit(struct ui *ui, struct form_screen *f, char **v)
{
	struct kb_msg *m = talloc_zero(NULL, struct kb_msg);
	if (!m)
		return false;
	struct kb_option *o = talloc_zero(m, struct kb_option);
	m->type = KB_MSG_USER_ADD;
	m->u.boot.override = o;
	o->parser = talloc_strdup(o, "user");
	o->name = talloc_strdup(o, *v[ADD_NAME] ? v[ADD_NAME] : v[ADD_KERNEL]);
	int r = resource_from_text(o, v[ADD_KERNEL], NULL, &o->kernel);
	if (r == 0 && o->kernel.kind == KB_RES_NONE)
		r = -EINVAL;
	if (r == 0)
		r = initrds_from_text(o, v[ADD_INITRDS], NULL);
	if (r == 0)
		r = resource_from_text(o, v[ADD_DTB], NULL, &o->dtb);
	if (r < 0) {
		ui_message(ui, "Add entry", "Kernel, initrds and device tree must be paths or URLs%s",
			   r == -E2BIG ? " (at most 16 initrds)" : "");
		talloc_free(m);
		return false;
	}
	o->args = *v[ADD_ARGS] ? talloc_strdup(o, v[ADD_ARGS]) : NULL;
	ui_request(ui, m, add_done, NULL);
	return true;
}

static const struct ui_screen_ops add_ops = {
	.name = "add",
	.draw = form_draw,
	.key = form_key,
	.resize = form_resize,
	.post_refresh = form_post_refresh,
	.help = N_("Add a boot entry from files or URLs; the daemon keeps it under the\n"
		"'user' device until it restarts (or kexboot-ctl remove).\n"
		"Kernel is required. Files: DEVICE:/path, /path, uuid:UUID:/path,\n"
		"or a URL (http://, https://, tftp://, ftp://). Several initrds are\n"
		"separated by spaces. Enter adds it, Esc cancels."),
};

/* The add-an-option form (USER_ADD). */
void ui_add_open(struct ui *ui)
{
	struct form_screen *f = form_new(_("Add a boot entry"), _(resource_hint), ADD_N);
	if (!f)
		return;
	spec_set(f, ADD_NAME, _("Name"), "");
	spec_set(f, ADD_KERNEL, _("Kernel"), "");
	spec_set(f, ADD_INITRDS, _("Initrd(s)"), "");
	spec_set(f, ADD_DTB, _("Device tree"), "");
	spec_set(f, ADD_ARGS, _("Arguments"), "");
	f->submit = add_submit;
	form_push(ui, f, &add_ops);
}

/* --- restricted-mode password --- */

struct password_data {
	void (*done)(struct ui *ui, const char *pw, void *data);
	void *data;
};

static bool password_submit(struct ui *ui, struct form_screen *f, char **v)
{
	struct password_data *pd = f->data;
	char *pw = talloc_strdup(NULL, v[0]);
	void (*done)(struct ui *, const char *, void *) = pd->done;
	void *data = pd->data;
	talloc_free(pd);
	ui_screen_pop(ui);
	done(ui, pw ? pw : "", data);
	talloc_free(pw);
	return false;
}

static void password_cancel(struct ui *ui, void *data)
{
	struct password_data *pd = data;
	void (*done)(struct ui *, const char *, void *) = pd->done;
	void *d = pd->data;
	talloc_free(pd);
	done(ui, NULL, d);
}

static const struct ui_screen_ops password_ops = {
	.name = "password",
	.draw = form_draw,
	.key = form_key,
	.resize = form_resize,
	.post_refresh = form_post_refresh,
	.help = N_("The daemon is in restricted mode: booting, editing and configuring\n"
		"need the password. The daemon checks it. Esc cancels the request."),
};

/* Ask for the restricted-mode password; done(NULL) when cancelled. */
void ui_password_prompt(struct ui *ui, void (*done)(struct ui *ui, const char *pw, void *data),
			void *data)
{
	struct form_screen *f = form_new(_("Password required"),
					 _("Restricted mode: this request needs the password."), 1);
	if (!f)
		return;
	/* pd outlives the form (the callbacks run after it is popped) */
	struct password_data *pd = talloc_zero(ui->ctx, struct password_data);
	if (!pd) {
		talloc_free(f);
		return;
	}
	pd->done = done;
	pd->data = data;
	spec_set(f, 0, _("Password"), "");
	f->specs[0].hidden = true;
	f->data = pd;
	f->submit = password_submit;
	f->cancel = password_cancel;
	form_push(ui, f, &password_ops);
}
