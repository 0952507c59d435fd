/* kexboot-menu: the main menu (options grouped under their devices).
 *
 * The view is two row cursors into the model, `top` (first visible row) and
 * `sel` (the selected option). Rows arriving or leaving elsewhere do not move
 * them, so the user keeps their place; drawing walks only the visible rows.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <curses.h>
#include <talloc.h>

#include "ui/ncurses/i18n.h"
#include "ui/ncurses/ui.h"

/* Layout: title, framed list, details, autoboot line, status, keys. */
#define MAIN_FOOTER_LINES 4
#define MAIN_MIN_LIST_ROWS 1

static int list_rows(void)
{
	int h = LINES - 1 - MAIN_FOOTER_LINES - 2; /* title, footer, frame */
	return h < MAIN_MIN_LIST_ROWS ? MAIN_MIN_LIST_ROWS : h;
}

/* Keep sel and top valid when a row is about to disappear. */
void ui_main_before_remove(struct ui_model *m, struct ui_row row, void *data)
{
	struct ui *ui = data;
	if (ui_row_eq(ui->sel, row)) {
		struct ui_row n = ui_opt_next(row);
		ui->sel = ui_row_valid(n) ? n : ui_opt_prev(row);
	}
	if (ui_row_eq(ui->top, row)) {
		struct ui_row after = row;
		if (!row.opt && row.dev->last) /* a header goes with its options */
			after = (struct ui_row){ row.dev, row.dev->last };
		struct ui_row n = ui_row_next(after);
		ui->top = ui_row_valid(n) ? n : ui_row_prev(row);
	}
}

/* Is o the default? The daemon's choice (what autoboot would start, after
 * boot-order and next-boot) when it has told us one; before that, the
 * default of the option's own config. Several configs each name a default,
 * so only the daemon's answer is unique. */
bool ui_main_is_default(const struct ui *ui, const struct kb_option *opt)
{
	if (ui->autoboot && ui->autoboot->option_id)
		return strcmp(ui->autoboot->option_id, opt->id) == 0;
	return opt->is_default;
}

/* A new or updated option: select it if nothing is selected yet, or if it
 * is the default and the user has not moved. */
void ui_main_option_added(struct ui *ui, struct ui_opt *o)
{
	struct ui_row r = { o->dev, o };
	if (!ui_row_valid(ui->sel) || (!ui->user_moved && ui_main_is_default(ui, o->opt)))
		ui->sel = r;
	if (!ui_row_valid(ui->top))
		ui->top = ui_row_first(ui->model);
}

/* The daemon's AUTOBOOT state changed: until the user moves, the selection
 * follows the daemon's default. */
void ui_main_autoboot_changed(struct ui *ui)
{
	if (ui->user_moved || !ui->autoboot || !ui->autoboot->option_id)
		return;
	struct ui_opt *o = ui_model_option_find(ui->model, ui->autoboot->option_id);
	if (o)
		ui->sel = (struct ui_row){ o->dev, o };
}

/* Make sel visible with O(visible rows) work, whatever the list size. */
static void ensure_visible(struct ui *ui, int h)
{
	if (!ui_row_valid(ui->top))
		ui->top = ui_row_first(ui->model);
	if (!ui_row_valid(ui->sel))
		ui->sel = ui_opt_first(ui->model);
	if (!ui_row_valid(ui->sel))
		return;
	struct ui_row r = ui->top;
	bool visible = false;
	for (int i = 0; i < h && ui_row_valid(r); i++, r = ui_row_next(r))
		if (ui_row_eq(r, ui->sel)) {
			visible = true;
			break;
		}
	if (!visible) {
		bool above = false;
		r = ui->sel;
		for (int i = 0; i < h && ui_row_valid(r); i++, r = ui_row_next(r))
			if (ui_row_eq(r, ui->top)) {
				above = true;
				break;
			}
		if (above) {
			ui->top = ui->sel.opt == ui->sel.dev->first ? ui_row_header(ui->sel) : ui->sel;
		} else {
			ui->top = ui->sel;
			for (int i = 1; i < h; i++) {
				struct ui_row p = ui_row_prev(ui->top);
				if (!ui_row_valid(p))
					break;
				ui->top = p;
			}
		}
	}
	/* No empty rows at the bottom while rows above are hidden. */
	int n = 0;
	for (r = ui->top; n < h && ui_row_valid(r); r = ui_row_next(r))
		n++;
	for (; n < h; n++) {
		struct ui_row p = ui_row_prev(ui->top);
		if (!ui_row_valid(p))
			break;
		ui->top = p;
	}
}

static void draw_header(int y, int w, struct ui_dev *d)
{
	const struct kb_device *dev = d->dev;
	char *s = talloc_asprintf(NULL, "%s", d->id[0] ? d->id : "(unknown device)");
	if (dev) {
		if (dev->label)
			s = talloc_asprintf_append(s, "  \"%s\"", dev->label);
		if (dev->fstype)
			s = talloc_asprintf_append(s, "  %s", dev->fstype);
		s = talloc_asprintf_append(s, "  [%s]",
					   dev->type == KB_DEVICE_DISK ? kb_device_state_name(dev->state)
								       : kb_device_type_name(dev->type));
	}
	attron(A_BOLD);
	ui_draw_str(y, 2, w - 2, s);
	attroff(A_BOLD);
	talloc_free(s);
}

static void draw_option(struct ui *ui, int y, int w, struct ui_opt *o, bool selected)
{
	const struct kb_option *opt = o->opt;
	const char *parser = opt->parser ? opt->parser : "";
	int pw = ui_str_width(parser);
	if (selected) {
		attron(A_REVERSE);
		mvhline(y, 1, ' ', w);
	}
	mvaddstr(y, 3, selected ? ">" : " ");
	mvaddstr(y, 5, ui_main_is_default(ui, opt) ? "*" : " ");
	int name_w = w - 7 - (pw ? pw + 3 : 0);
	ui_draw_str(y, 7, name_w, opt->name && *opt->name ? opt->name : opt->id);
	if (pw && w - pw - 1 > 8)
		ui_draw_str(y, w - pw - 1, pw + 1, parser);
	if (selected)
		attroff(A_REVERSE);
}

static const char *resource_text(void *ctx, const struct kb_resource *r)
{
	switch (r->kind) {
	case KB_RES_DEVICE:
		return talloc_asprintf(ctx, "%s:%s", r->device ? r->device : "", r->path ? r->path : "");
	case KB_RES_URL:
		return r->url ? r->url : "";
	case KB_RES_UNRESOLVED:
		return talloc_asprintf(ctx, "%s:%s", r->unresolved ? r->unresolved : "",
				       r->path ? r->path : "");
	default:
		return "";
	}
}

static void draw_footer(struct ui *ui)
{
	int y = LINES - MAIN_FOOTER_LINES - 1 + 1;
	void *tmp = talloc_new(NULL);
	if (ui_row_valid(ui->sel) && ui->sel.opt) {
		const struct kb_option *o = ui->sel.opt->opt;
		char *s = talloc_asprintf(tmp, "%s  %s", resource_text(tmp, &o->kernel),
					  o->args ? o->args : "");
		ui_draw_str(y, 1, COLS - 2, s);
	}
	y++;
	const struct kb_autoboot_state *ab = ui->autoboot;
	char *line = NULL;
	if (ab && ab->active) {
		struct ui_opt *o = ui_model_option_find(ui->model, ab->option_id);
		line = talloc_asprintf(tmp, _("Booting '%s' in %d s - press any key to stop"),
				       o && o->opt->name ? o->opt->name : ab->option_id ? ab->option_id : "default",
				       ab->remaining_s);
		attron(A_BOLD);
	} else if (ab && ab->enabled && ab->waiting_for) {
		line = talloc_asprintf(tmp, _("Autoboot waiting for %s"), ab->waiting_for);
	} else if (ab && !ab->enabled) {
		line = talloc_strdup(tmp, _("Autoboot off"));
	} else if (!ui->conn) {
		line = talloc_strdup(tmp, _("Not connected to the daemon (retrying)"));
	} else if (!ui->synced) {
		line = talloc_strdup(tmp, _("Waiting for the daemon's state..."));
	}
	if (line)
		ui_draw_str(y, 1, COLS - 2, line);
	attroff(A_BOLD);
	y++;
	ui_draw_str(y, 1, COLS - 2, ui_status_latest(ui));
	talloc_free(tmp);
	ui_draw_keys(ui, COLS >= 100 ? _(" Enter=boot e=edit c=config a=add r=rescan i=info l=log s=shell h=help q=quit")
				     : _(" Enter=boot e=edit c=config a=add r=rescan i=info l=log h=help"));
}

static void main_draw(struct ui *ui, struct ui_screen *s)
{
	int h = list_rows();
	char *title = talloc_asprintf(NULL, _("Boot options (%zu)"), ui->model->n_opts);
	ui_draw_title(ui, title);
	talloc_free(title);
	ui_draw_box(1, 0, h + 2, COLS);
	ensure_visible(ui, h);
	struct ui_row r = ui->top;
	int w = COLS - 2;
	for (int i = 0; i < h && ui_row_valid(r); i++, r = ui_row_next(r)) {
		if (r.opt)
			draw_option(ui, 2 + i, w, r.opt, ui_row_eq(r, ui->sel));
		else
			draw_header(2 + i, w, r.dev);
	}
	if (!ui->model->n_opts)
		ui_draw_str(2, 2, w - 2, ui->synced ? _("No boot options found yet.") : "");
	draw_footer(ui);
}

static void move_sel(struct ui *ui, int delta)
{
	struct ui_row r = ui->sel;
	while (delta && ui_row_valid(r)) {
		struct ui_row n = delta > 0 ? ui_opt_next(r) : ui_opt_prev(r);
		if (!ui_row_valid(n))
			break;
		r = n;
		delta += delta > 0 ? -1 : 1;
	}
	if (ui_row_valid(r))
		ui->sel = r;
	ui->user_moved = true;
}

static void rescan_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	if (res->status < 0)
		ui_message(ui, _("Rescan"), _("Rescan refused: %s"),
			   res->message ? res->message : strerror(-res->status));
	else
		ui_status_add(ui, KB_STATUS_INFO, "rescan requested");
}

static void shell_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	if (res->status < 0)
		ui_message(ui, _("Shell"), _("The daemon refused the shell: %s"),
			   res->message ? res->message : strerror(-res->status));
	else
		ui_suspend_for_shell(ui);
}

static void send_simple(struct ui *ui, uint16_t type, ui_req_done_fn done)
{
	struct kb_msg *m = talloc_zero(NULL, struct kb_msg);
	if (!m)
		return;
	m->type = type;
	ui_request(ui, m, done, NULL);
}

static void quit_yes(struct ui *ui, void *data)
{
	ui->quit = true;
}

static void main_key(struct ui *ui, struct ui_screen *s, struct ui_key k)
{
	int h = list_rows();
	if (k.is_key) {
		switch (k.ch) {
		case KEY_UP: move_sel(ui, -1); break;
		case KEY_DOWN: move_sel(ui, 1); break;
		case KEY_PPAGE: move_sel(ui, -(h - 1)); break;
		case KEY_NPAGE: move_sel(ui, h - 1); break;
		case KEY_HOME:
			ui->sel = ui_opt_first(ui->model);
			ui->user_moved = true;
			break;
		case KEY_END:
			ui->sel = ui_opt_last(ui->model);
			ui->user_moved = true;
			break;
		case KEY_ENTER:
			goto boot;
		}
		return;
	}
	switch (k.ch) {
	case 'k': move_sel(ui, -1); break;
	case 'j': move_sel(ui, 1); break;
	case '\r':
	case '\n':
	boot:
		if (ui_row_valid(ui->sel) && ui->sel.opt)
			ui_boot_start(ui, ui->sel.opt->opt->id, NULL);
		break;
	case 'e':
		if (ui_row_valid(ui->sel) && ui->sel.opt)
			ui_editor_open(ui, ui->sel.opt->opt);
		break;
	case 'c': ui_config_open(ui); break;
	case 'a': ui_add_open(ui); break;
	case 'i': ui_show_sysinfo(ui); break;
	case 'l': ui_show_log(ui); break;
	case 'r': send_simple(ui, KB_MSG_RESCAN, rescan_done); break;
	case 's':
	case '!': send_simple(ui, KB_MSG_EXIT_SHELL, shell_done); break;
	case 'h':
	case '?': ui_show_help(ui); break;
	case 'q': ui_confirm(ui, _("Quit the boot menu?"), quit_yes, NULL); break;
	case 0x0c: /* ^L */ clearok(curscr, TRUE); break;
	}
}

static void main_resize(struct ui *ui, struct ui_screen *s)
{
	ensure_visible(ui, list_rows());
}

const struct ui_screen_ops ui_main_ops = {
	.name = "main",
	.draw = main_draw,
	.key = main_key,
	.resize = main_resize,
	.help = N_("Boot options, grouped under the device they were found on.\n"
		"A '*' marks the default (what autoboot would start); the source\n"
		"format (grub2, bls, syslinux, ...) is shown on the right. The line\n"
		"below the list shows the selected entry's kernel and arguments.\n"
		"\n"
		"  Up/Down, j/k    select an entry    PgUp/PgDn, Home/End  move faster\n"
		"  Enter           check and boot the selected entry\n"
		"  e               edit kernel, initrds, device tree and arguments\n"
		"                  for one boot only\n"
		"  c               system configuration\n"
		"  a               add an entry from a path or URL\n"
		"  r               rescan devices\n"
		"  i               system information       l  status log\n"
		"  s or !          exit to a shell (if the daemon allows it)\n"
		"  h, ? or F1      this help               q  quit the menu\n"
		"\n"
		"While autoboot counts down, any key stops it (on every console).\n"
		"Before every boot the daemon's preflight checks are shown: warnings\n"
		"need confirmation, fatal results block the boot."),
};

/* Install the main menu at the bottom of the screen stack. */
void ui_main_init(struct ui *ui)
{
	ui->model->before_remove = ui_main_before_remove;
	ui->model->data = ui;
	ui_screen_push(ui, &ui_main_ops, NULL);
}
