/* kexboot-menu: text screens (help, system information, status log) and
 * small dialogs (message, confirmation). */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <curses.h>
#include <talloc.h>

#include "ui/ncurses/i18n.h"
#include "ui/ncurses/ui.h"

struct text_view {
	char *title;
	char **lines;
	size_t n;
	size_t scroll;
	const char *help;
};

/* Draw lines[scroll..] into rows y..y+h-1 (columns 2..COLS-3). */
void ui_text_draw_lines(char **lines, size_t n, size_t scroll, int y, int h)
{
	for (int i = 0; i < h && scroll + (size_t)i < n; i++)
		ui_draw_str(y + i, 2, COLS - 4, lines[scroll + (size_t)i]);
}

static int text_rows(void)
{
	int h = LINES - 4;
	return h < 1 ? 1 : h;
}

static void text_draw(struct ui *ui, struct ui_screen *s)
{
	struct text_view *t = s->priv;
	int h = text_rows();
	ui_draw_title(ui, t->title);
	ui_draw_box(1, 0, h + 2, COLS);
	if (t->n > (size_t)h && t->scroll > t->n - (size_t)h)
		t->scroll = t->n - (size_t)h;
	ui_text_draw_lines(t->lines, t->n, t->scroll, 2, h);
	char *keys = talloc_asprintf(NULL, "%s%s", _(" Up/Down PgUp/PgDn scroll  q/Esc back  h help"),
				     t->n > (size_t)h ? _("  (more)") : "");
	ui_draw_keys(ui, keys);
	talloc_free(keys);
}

static void text_key(struct ui *ui, struct ui_screen *s, struct ui_key k)
{
	struct text_view *t = s->priv;
	size_t h = (size_t)text_rows();
	size_t max = t->n > h ? t->n - h : 0;
	if (k.is_key) {
		switch (k.ch) {
		case KEY_UP: if (t->scroll) t->scroll--; break;
		case KEY_DOWN: if (t->scroll < max) t->scroll++; break;
		case KEY_PPAGE: t->scroll = t->scroll > h ? t->scroll - h : 0; break;
		case KEY_NPAGE: t->scroll = t->scroll + h < max ? t->scroll + h : max; break;
		case KEY_HOME: t->scroll = 0; break;
		case KEY_END: t->scroll = max; break;
		}
		return;
	}
	switch (k.ch) {
	case 'k': if (t->scroll) t->scroll--; break;
	case 'j': if (t->scroll < max) t->scroll++; break;
	case ' ': t->scroll = t->scroll + h < max ? t->scroll + h : max; break;
	case 'h':
	case '?':
		if (t->help)
			ui_show_help(ui);
		break;
	case 'q':
	case 27:
	case '\r':
	case '\n':
		ui_screen_pop(ui);
		break;
	}
}

static const struct ui_screen_ops text_ops = {
	.name = "text",
	.draw = text_draw,
	.key = text_key,
	.help = N_("Up/Down or j/k scroll a line, PgUp/PgDn or Space a page,\n"
		"Home/End jump to the start or end; q, Esc or Enter go back."),
};

static char **split_lines(void *ctx, const char *text, size_t *ret_n)
{
	char **lines = NULL;
	size_t n = 0;
	const char *p = text;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		lines = talloc_realloc(ctx, lines, char *, n + 1);
		if (!lines)
			break;
		lines[n++] = talloc_strndup(lines, p, len);
		p = e ? e + 1 : NULL;
	}
	*ret_n = n;
	return lines;
}

/* Show lines (stolen) in a scrollable screen. */
void ui_text_push(struct ui *ui, const char *title, char **lines, size_t n, const char *help)
{
	struct text_view *t = talloc_zero(NULL, struct text_view);
	if (!t)
		return;
	t->title = talloc_strdup(t, title);
	t->lines = talloc_steal(t, lines);
	t->n = lines ? n : 0;
	t->help = help;
	ui_screen_push(ui, &text_ops, t);
}

/* Help for the screen on top. */
void ui_show_help(struct ui *ui)
{
	const struct ui_screen_ops *ops = ui->screen->ops;
	if (ops == &text_ops && ui->screen->priv &&
	    strcmp(((struct text_view *)ui->screen->priv)->title, "Help") == 0)
		return;
	const char *help = ops->help ? _(ops->help) : _("No help for this screen.");
	if (ops == &text_ops && ((struct text_view *)ui->screen->priv)->help)
		help = _(((struct text_view *)ui->screen->priv)->help);
	size_t n;
	char **lines = split_lines(NULL, help, &n);
	ui_text_push(ui, _("Help"), lines, n, NULL);
}

static const char sysinfo_help[] =
	N_("Facts the daemon reported about this machine: platform, firmware, the\n"
	"running kernel and its kexec support, devices and interfaces.\n"
	"Up/Down scroll, q or Esc go back.");

/* System information: the SYSINFO key/values, then the devices. */
void ui_show_sysinfo(struct ui *ui)
{
	void *ctx = talloc_new(NULL);
	char **lines = NULL;
	size_t n = 0;
	int kw = 0;
	for (uint32_t i = 0; i < ui->sysinfo.n_items; i++) {
		int w = ui_str_width(ui->sysinfo.items[i].key);
		if (w > kw)
			kw = w;
	}
	lines = talloc_array(ctx, char *, ui->sysinfo.n_items + ui->model->n_devs + 3);
	if (!lines) {
		talloc_free(ctx);
		return;
	}
	for (uint32_t i = 0; i < ui->sysinfo.n_items; i++) {
		const struct kb_config_item *it = &ui->sysinfo.items[i];
		lines[n++] = talloc_asprintf(lines, "%-*s  %s", kw, it->key ? it->key : "",
					     it->value ? it->value : "");
	}
	if (!ui->sysinfo.n_items)
		lines[n++] = talloc_strdup(lines, _("(the daemon sent no system information)"));
	lines[n++] = talloc_strdup(lines, "");
	lines[n++] = talloc_asprintf(lines, _("Devices (%zu):"), ui->model->n_devs);
	for (struct ui_dev *d = ui->model->first; d; d = d->next) {
		const struct kb_device *dev = d->dev;
		lines[n++] = talloc_asprintf(
			lines, "  %-12s %-8s %-8s %s%s%s  %zu option(s)%s%s", d->id,
			dev ? kb_device_type_name(dev->type) : "?",
			dev ? kb_device_state_name(dev->state) : "?",
			dev && dev->fstype ? dev->fstype : "", dev && dev->label ? " " : "",
			dev && dev->label ? dev->label : "", d->n_opts,
			dev && dev->status ? "  " : "", dev && dev->status ? dev->status : "");
	}
	ui_text_push(ui, _("System information"), talloc_steal(NULL, lines), n, sysinfo_help);
	talloc_free(ctx);
}

static const char log_help[] =
	N_("Status messages from the daemon (device discovery, errors, boot\n"
	"progress), oldest first. Up/Down scroll, q or Esc go back.");

/* The status log, oldest first, scrolled to the end. */
void ui_show_log(struct ui *ui)
{
	char **lines = talloc_array(NULL, char *, ui->log_n ? ui->log_n : 1);
	if (!lines)
		return;
	size_t n = 0;
	for (unsigned i = 0; i < ui->log_n; i++) {
		const struct ui_status_line *l = &ui->log[(ui->log_head + i) % UI_STATUS_LOG_MAX];
		lines[n++] = talloc_asprintf(lines, "%-8s %s", kb_status_type_name(l->type), l->text);
	}
	if (!n)
		lines[n++] = talloc_strdup(lines, _("(no status messages yet)"));
	ui_text_push(ui, _("Status log"), lines, n, log_help);
	struct text_view *t = ui->screen->priv;
	size_t h = (size_t)text_rows();
	if (t && t->n > h)
		t->scroll = t->n - h;
}

/* Dialogs drawn over the screen below. */
struct dialog {
	char *title;
	char **lines;
	size_t n;
	bool confirm;
	void (*yes)(struct ui *ui, void *data);
	void *data;
};

static void dialog_draw(struct ui *ui, struct ui_screen *s)
{
	struct dialog *d = s->priv;
	int w = 0;
	for (size_t i = 0; i < d->n; i++) {
		int lw = ui_str_width(d->lines[i]);
		if (lw > w)
			w = lw;
	}
	w += 4;
	if (w < 30)
		w = 30;
	if (w > COLS)
		w = COLS;
	int h = (int)d->n + 4;
	if (h > LINES)
		h = LINES;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	for (int i = 0; i < h; i++)
		mvhline(y + i, x, ' ', w);
	ui_draw_box(y, x, h, w);
	attron(A_BOLD);
	ui_draw_str(y, x + 2, w - 4, d->title);
	attroff(A_BOLD);
	for (size_t i = 0; i < d->n && (int)i < h - 4; i++)
		ui_draw_str(y + 1 + (int)i, x + 2, w - 4, d->lines[i]);
	ui_draw_str(y + h - 2, x + 2, w - 4,
		    d->confirm ? _("y = yes, n/Esc = no") : _("Press any key to continue"));
}

static void dialog_key(struct ui *ui, struct ui_screen *s, struct ui_key k)
{
	struct dialog *d = s->priv;
	if (!d->confirm) {
		ui_screen_pop(ui);
		return;
	}
	if (!k.is_key && (k.ch == 'y' || k.ch == 'Y')) {
		void (*yes)(struct ui *, void *) = d->yes;
		void *data = d->data;
		ui_screen_pop(ui);
		yes(ui, data);
	} else if (!k.is_key && (k.ch == 'n' || k.ch == 'N' || k.ch == 27 || k.ch == 'q')) {
		ui_screen_pop(ui);
	}
}

static const struct ui_screen_ops dialog_ops = {
	.name = "dialog",
	.draw = dialog_draw,
	.key = dialog_key,
	.overlay = true,
	.help = N_("A question or a message: y answers yes, n or Esc no;\n"
		"a message goes away with any key."),
};

static void dialog_push(struct ui *ui, const char *title, const char *text, bool confirm,
			void (*yes)(struct ui *ui, void *data), void *data)
{
	struct dialog *d = talloc_zero(NULL, struct dialog);
	if (!d)
		return;
	d->title = talloc_strdup(d, title);
	d->lines = split_lines(d, text, &d->n);
	d->confirm = confirm;
	d->yes = yes;
	d->data = data;
	ui_screen_push(ui, &dialog_ops, d);
}

/* A message box; any key closes it. */
void ui_message(struct ui *ui, const char *title, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = talloc_vasprintf(NULL, fmt, ap);
	va_end(ap);
	if (!text)
		return;
	ui_status_add(ui, KB_STATUS_INFO, "%s: %s", title, text);
	dialog_push(ui, title, text, false, NULL, NULL);
	talloc_free(text);
}

/* Ask a yes/no question; yes(data) runs on 'y'. */
void ui_confirm(struct ui *ui, const char *question, void (*yes)(struct ui *ui, void *data),
		void *data)
{
	dialog_push(ui, _("Confirm"), question, true, yes, data);
}
