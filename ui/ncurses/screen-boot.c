/* kexboot-menu: the preflight screen shown before every jump.
 *
 * CHECK first (the daemon runs kexec-core's checks and sends CHECK_RESULTS),
 * then: fatal results block the boot and say why; warnings need 'y'; with
 * only informational results the BOOT request follows at once. The screen
 * shows the command line the kernel will get (with the boot console added
 * the way the daemon adds it when the entry names none).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <curses.h>
#include <talloc.h>

#include "ui/ncurses/i18n.h"
#include "ui/ncurses/ui.h"

enum boot_state {
	BOOT_CHECKING,
	BOOT_BLOCKED,  /* fatal results */
	BOOT_CONFIRM,  /* warnings: waiting for 'y' */
	BOOT_BOOTING,  /* BOOT sent */
	BOOT_DONE,     /* BOOT answered OK */
	BOOT_FAILED,   /* CHECK or BOOT failed */
};

struct ui_boot {
	struct ui *ui;
	char *option_id;
	struct kb_option *override; /* owned, may be NULL */
	struct kb_msg_checks *checks;
	enum boot_state state;
	char *message;
	char *cmdline;       /* the daemon's final command line (CHECK/BOOT value) */
	char *check_summary; /* the daemon's CHECK message ("N preflight results, ...") */
	size_t scroll;
};

static int boot_destructor(struct ui_boot *b)
{
	if (b->ui->boot == b)
		b->ui->boot = NULL;
	return 0;
}

static struct kb_msg *boot_msg(struct ui_boot *b, uint16_t type)
{
	struct kb_msg *m = talloc_zero(NULL, struct kb_msg);
	if (!m)
		return NULL;
	m->type = type;
	m->u.boot.option_id = talloc_strdup(m, b->option_id);
	if (b->override) {
		m->u.boot.override = kb_option_dup(m, b->override);
		if (!m->u.boot.override) {
			talloc_free(m);
			return NULL;
		}
	}
	return m;
}

static const char *errmsg(const struct kb_msg_result *res)
{
	return res->message && *res->message ? res->message : strerror(-res->status);
}

static void boot_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	struct ui_boot *b = ui->boot;
	if (!b || req->data != b)
		return; /* the user left the screen */
	b->state = res->status < 0 ? BOOT_FAILED : BOOT_DONE;
	if (res->status == 0 && res->value) {
		talloc_free(b->cmdline);
		b->cmdline = talloc_strdup(b, res->value);
	}
	talloc_free(b->message);
	b->message = talloc_asprintf(b, res->status < 0 ? "Boot failed: %s" : "Boot requested%s%s",
				     res->status < 0 ? errmsg(res) : res->message ? ": " : "",
				     res->status < 0 ? "" : res->message ? res->message : "");
	ui_status_add(ui, res->status < 0 ? KB_STATUS_ERROR : KB_STATUS_BOOT, "%s", b->message);
}

static void send_boot(struct ui *ui, struct ui_boot *b)
{
	struct kb_msg *m = boot_msg(b, KB_MSG_BOOT);
	if (!m)
		return;
	b->state = BOOT_BOOTING;
	ui_request(ui, m, boot_done, b);
}

static void check_done(struct ui *ui, struct ui_req *req, const struct kb_msg_result *res)
{
	struct ui_boot *b = ui->boot;
	if (!b || req->data != b)
		return;
	if (req->checks)
		b->checks = talloc_steal(b, req->checks);
	req->checks = NULL;
	if (res->status == 0 && res->value) /* what the kernel will get, as the daemon builds it */
		b->cmdline = talloc_strdup(b, res->value);
	if (res->status == 0 && res->message && *res->message)
		b->check_summary = talloc_strdup(b, res->message);
	if (res->status < 0 && !b->checks) {
		b->state = BOOT_FAILED;
		b->message = talloc_asprintf(b, "Preflight check failed: %s", errmsg(res));
		return;
	}
	unsigned fatal = 0, warn = 0;
	for (uint32_t i = 0; b->checks && i < b->checks->n_results; i++) {
		if (b->checks->results[i].severity == KB_SEV_FATAL)
			fatal++;
		else if (b->checks->results[i].severity == KB_SEV_WARNING)
			warn++;
	}
	if (fatal) {
		b->state = BOOT_BLOCKED;
		b->message = talloc_asprintf(b, ngettext("Boot blocked: %u fatal preflight result (see above).",
							    "Boot blocked: %u fatal preflight results (see above).", fatal),
					     fatal);
	} else if (warn) {
		b->state = BOOT_CONFIRM;
		b->message = talloc_asprintf(b, ngettext("%u warning. Boot anyway? y = boot, n/Esc = cancel",
							    "%u warnings. Boot anyway? y = boot, n/Esc = cancel", warn),
					     warn);
	} else {
		send_boot(ui, b);
	}
}

/* The command line as the daemon will pass it: the entry's arguments, plus
 * console= from the configured boot console when the entry has none. */
static char *final_cmdline(void *ctx, struct ui *ui, const struct kb_option *o)
{
	const char *args = o && o->args ? o->args : "";
	const char *console = ui_config_get(ui, "console");
	bool has_console = strncmp(args, "console=", 8) == 0 || strstr(args, " console=");
	if (console && *console && !has_console)
		return talloc_asprintf(ctx, "%s%sconsole=%s", args, *args ? " " : "", console);
	return talloc_strdup(ctx, args);
}

/* Length in bytes of the longest prefix of s that fits in width columns,
 * cut after a space when there is one in that prefix (never 0 for a
 * non-empty s). */
static size_t wrap_len(const char *s, int width)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t off = 0, left = strlen(s), last_space = 0;
	int used = 0;
	while (left > 0) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + off, left, &st);
		int w = 1;
		if (k == (size_t)-1 || k == (size_t)-2) {
			memset(&st, 0, sizeof(st));
			k = 1;
		} else if (k == 0) {
			break;
		} else {
			w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		}
		if (used + w > width)
			return last_space ? last_space : off ? off : k;
		used += w;
		off += k;
		left -= k;
		if (wc == L' ')
			last_space = off;
	}
	return off;
}

/* Append text to *l as lines of at most width columns; continuation lines
 * are indented by indent spaces. */
static void add_wrapped(void *ctx, char ***l, size_t *n, const char *text, int width, int indent)
{
	const char *p = text;
	bool first = true;
	if (width < indent + 8)
		width = indent + 8;
	do {
		int avail = first ? width : width - indent;
		size_t len = wrap_len(p, avail);
		char **nl = talloc_realloc(ctx, *l, char *, *n + 1);
		if (!nl)
			return;
		*l = nl;
		nl[(*n)++] = talloc_asprintf(nl, "%*s%.*s", first ? 0 : indent, "", (int)len, p);
		p += len;
		while (*p == ' ')
			p++;
		first = false;
	} while (*p);
}

static const char *sev_name(uint32_t sev)
{
	return sev == KB_SEV_FATAL ? "FATAL" : sev == KB_SEV_WARNING ? "WARNING" : "info";
}

static char **boot_lines(void *ctx, struct ui *ui, struct ui_boot *b, size_t *ret_n)
{
	char **l = NULL;
	size_t n = 0;
	int width = COLS - 4;
#define ADD(...)                                                                  \
	do {                                                                      \
		char *t_ = talloc_asprintf(ctx, __VA_ARGS__);                     \
		if (!t_)                                                          \
			goto out;                                                 \
		add_wrapped(ctx, &l, &n, t_, width, 8);                           \
		talloc_free(t_);                                                  \
	} while (0)
	const struct kb_option *o = b->override;
	struct ui_opt *uo = ui_model_option_find(ui->model, b->option_id);
	if (!o && uo)
		o = uo->opt;
	ADD("Entry:   %s", o && o->name ? o->name : b->option_id ? b->option_id : "(default)");
	if (b->override)
		ADD("         (edited for this boot only)");
	/* the daemon's own final command line once CHECK answered; until then
	 * the same rule computed here */
	char *cmd = b->cmdline ? b->cmdline : final_cmdline(ctx, ui, o);
	ADD(_("Command line: %s"), cmd ? cmd : "");
	ADD("%s", "");
	if (b->state == BOOT_CHECKING) {
		ADD("%s", _("Running preflight checks..."));
	} else if (b->checks) {
		if (b->check_summary)
			ADD("Daemon: %s", b->check_summary);
		ADD(_("Preflight results (%u):"), b->checks->n_results);
		/* fatal first, then warnings: what decides the boot is on screen
		 * without scrolling */
		static const uint32_t order[] = { KB_SEV_FATAL, KB_SEV_WARNING, KB_SEV_INFO };
		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
			for (uint32_t i = 0; i < b->checks->n_results; i++) {
				const struct kb_check_result *r = &b->checks->results[i];
				bool is_info = r->severity != KB_SEV_FATAL && r->severity != KB_SEV_WARNING;
				if (is_info ? order[k] != KB_SEV_INFO : r->severity != order[k])
					continue;
				ADD(" [%s] %s%s%s%s", sev_name(r->severity), r->message ? r->message : "",
				    r->id ? "  (" : "", r->id ? r->id : "", r->id ? ")" : "");
				if (r->source && *r->source)
					ADD("        source: %s", r->source);
				if (r->remediation && *r->remediation && !is_info)
					ADD("        fix: %s", r->remediation);
			}
		if (!b->checks->n_results)
			ADD(" (no results)");
	}
out:
#undef ADD
	*ret_n = n;
	return l;
}

static void boot_draw(struct ui *ui, struct ui_screen *s)
{
	struct ui_boot *b = s->priv;
	void *tmp = talloc_new(NULL);
	size_t n;
	char **lines = boot_lines(tmp, ui, b, &n);
	int h = LINES - 5;
	if (h < 1)
		h = 1;
	ui_draw_title(ui, _("Preflight check"));
	ui_draw_box(1, 0, h + 2, COLS);
	if (n > (size_t)h && b->scroll > n - (size_t)h)
		b->scroll = n - (size_t)h;
	ui_text_draw_lines(lines, n, b->scroll, 2, h);
	const char *state = b->message;
	if (b->state == BOOT_CHECKING)
		state = _("Checking...");
	else if (b->state == BOOT_BOOTING)
		state = _("Booting...");
	if (state) {
		bool bad = b->state == BOOT_BLOCKED || b->state == BOOT_FAILED;
		attron(bad ? A_BOLD | A_REVERSE : A_BOLD);
		ui_draw_str(LINES - 2, 1, COLS - 2, state);
		attroff(A_BOLD | A_REVERSE);
	}
	ui_draw_keys(ui, b->state == BOOT_CONFIRM ? _(" y=boot anyway  n/Esc=cancel  Up/Down scroll  h=help")
						  : _(" Esc/q=back  Up/Down scroll  h=help"));
	talloc_free(tmp);
}

static void boot_key(struct ui *ui, struct ui_screen *s, struct ui_key k)
{
	struct ui_boot *b = s->priv;
	if (k.is_key) {
		if (k.ch == KEY_UP && b->scroll)
			b->scroll--;
		else if (k.ch == KEY_DOWN)
			b->scroll++;
		return;
	}
	switch (k.ch) {
	case 'y':
	case 'Y':
		if (b->state == BOOT_CONFIRM)
			send_boot(ui, b);
		break;
	case 'h':
	case '?':
		ui_show_help(ui);
		break;
	case 'n':
	case 'N':
	case 'q':
	case 27:
		if (b->state != BOOT_BOOTING)
			ui_screen_pop(ui);
		break;
	case '\r':
	case '\n':
		if (b->state == BOOT_BLOCKED || b->state == BOOT_FAILED || b->state == BOOT_DONE)
			ui_screen_pop(ui);
		break;
	}
}

static const struct ui_screen_ops boot_ops = {
	.name = "boot",
	.draw = boot_draw,
	.key = boot_key,
	.help = N_("Preflight: before every boot the daemon checks that the jump is\n"
		"safe (kexec support, image format, sizes, signatures, ...).\n"
		"  FATAL    the boot is blocked; the reason and a fix are shown.\n"
		"  WARNING  press y to boot anyway, n or Esc to go back.\n"
		"  info     shown for reference; the boot goes ahead.\n"
		"The command line shown is the one the new kernel receives."),
};

/* Check then boot option_id (or the override, stolen) through the preflight
 * screen. */
void ui_boot_start(struct ui *ui, const char *option_id, struct kb_option *override)
{
	struct ui_boot *b = talloc_zero(NULL, struct ui_boot);
	if (!b) {
		talloc_free(override);
		return;
	}
	b->ui = ui;
	b->option_id = talloc_strdup(b, option_id);
	b->override = override ? talloc_steal(b, override) : NULL;
	b->state = BOOT_CHECKING;
	talloc_set_destructor(b, boot_destructor);
	struct kb_msg *m = boot_msg(b, KB_MSG_CHECK);
	if (!m) {
		talloc_free(b);
		return;
	}
	ui_screen_push(ui, &boot_ops, b);
	ui->boot = b;
	ui_request(ui, m, check_done, b);
}
