/* kexboot-menu: startup, terminal, input, signals and the redraw policy. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <talloc.h>
#include <term.h>

#include "ui/ncurses/i18n.h"
#include "ui/ncurses/ui.h"

/* Monotonic milliseconds. */
uint64_t ui_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Something visible changed: redraw after this loop iteration. */
void ui_mark_dirty(struct ui *ui)
{
	ui->dirty = true;
}

/* Push a screen on top of the stack. */
void ui_screen_push(struct ui *ui, const struct ui_screen_ops *ops, void *priv)
{
	struct ui_screen *s = talloc_zero(ui->ctx, struct ui_screen);
	if (!s)
		return;
	s->ops = ops;
	s->priv = priv ? talloc_steal(s, priv) : NULL;
	s->below = ui->screen;
	ui->screen = s;
	ui_mark_dirty(ui);
}

/* Pop the top screen (never the main menu at the bottom). */
void ui_screen_pop(struct ui *ui)
{
	struct ui_screen *s = ui->screen;
	if (!s || !s->below)
		return;
	ui->screen = s->below;
	talloc_free(s);
	clearok(curscr, TRUE); /* forms leave windows behind; repaint all */
	ui_mark_dirty(ui);
}

/* Append a line to the status log (and the status bar). */
void ui_status_add(struct ui *ui, uint32_t type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = talloc_vasprintf(ui->ctx, fmt, ap);
	va_end(ap);
	if (!text)
		return;
	unsigned idx = (ui->log_head + ui->log_n) % UI_STATUS_LOG_MAX;
	if (ui->log_n == UI_STATUS_LOG_MAX) {
		idx = ui->log_head;
		ui->log_head = (ui->log_head + 1) % UI_STATUS_LOG_MAX;
	} else {
		ui->log_n++;
	}
	talloc_free(ui->log[idx].text);
	ui->log[idx].text = text;
	ui->log[idx].type = type;
	ui_mark_dirty(ui);
}

/* The newest status line, "" when none. */
const char *ui_status_latest(const struct ui *ui)
{
	if (!ui->log_n)
		return "";
	return ui->log[(ui->log_head + ui->log_n - 1) % UI_STATUS_LOG_MAX].text;
}

static void draw_screen(struct ui *ui, struct ui_screen *s)
{
	if (s->ops->overlay && s->below)
		draw_screen(ui, s->below);
	s->ops->draw(ui, s);
}

static void draw(struct ui *ui)
{
	erase();
	curs_set(0);
	draw_screen(ui, ui->screen);
	wnoutrefresh(stdscr);
	if (ui->screen->ops->post_refresh)
		ui->screen->ops->post_refresh(ui, ui->screen);
	doupdate();
	ui->dirty = false;
	ui->last_draw_ms = ui_now_ms();
}

static void redraw_timer(struct kb_source *src, void *data)
{
	struct ui *ui = data;
	TALLOC_FREE(ui->redraw_timer);
}

/* Draw now unless we drew less than UI_REDRAW_MIN_MS ago; then the timer
 * wakes the loop when the interval has passed. Bursts cost a bounded number
 * of redraws whatever the number of messages. */
static void maybe_draw(struct ui *ui)
{
	if (!ui->dirty || ui->suspended)
		return;
	uint64_t now = ui_now_ms();
	if (now - ui->last_draw_ms >= UI_REDRAW_MIN_MS) {
		draw(ui);
		return;
	}
	if (!ui->redraw_timer)
		ui->redraw_timer = kb_loop_add_timer(ui->loop, ui->ctx,
						     UI_REDRAW_MIN_MS - (now - ui->last_draw_ms),
						     false, redraw_timer, ui);
}

static void on_input(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct ui *ui = data;
	for (;;) {
		wint_t ch;
		int r = get_wch(&ch);
		if (r == ERR)
			break;
		struct ui_key k = { .is_key = r == KEY_CODE_YES, .ch = ch };
		if (k.is_key && ch == KEY_RESIZE)
			continue; /* handled through SIGWINCH */
		ui_mark_dirty(ui);
		if (ui->autoboot && ui->autoboot->active && !ui->cancel_sent) {
			ui_cancel_autoboot(ui); /* the key only cancels */
			continue;
		}
		if (k.is_key && ch == KEY_F(1)) {
			ui_show_help(ui);
			continue;
		}
		ui->screen->ops->key(ui, ui->screen, k);
		if (ui->quit || ui->suspended)
			break;
	}
	if ((revents & (EPOLLHUP | EPOLLERR)) && !(revents & EPOLLIN)) {
		ui->quit = true; /* the terminal went away */
		ui->exit_code = 1;
	}
}

static void watch_input(struct ui *ui)
{
	ui->input = kb_loop_add_fd(ui->loop, ui->ctx, STDIN_FILENO, EPOLLIN, on_input, ui);
}

static void resize(struct ui *ui)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	for (struct ui_screen *s = ui->screen; s; s = s->below)
		if (s->ops->resize)
			s->ops->resize(ui, s);
	clearok(curscr, TRUE);
	ui_mark_dirty(ui);
}

static void on_signal(struct kb_source *src, int signo, void *data)
{
	struct ui *ui = data;
	switch (signo) {
	case SIGWINCH:
		if (!ui->suspended)
			resize(ui);
		break;
	case SIGINT:
	case SIGQUIT:
		if (ui->suspended)
			break; /* meant for the shell's foreground job */
		/* fall through */
	default:
		ui->quit = true;
		break;
	}
}

static void shell_exited(struct kb_source *src, pid_t pid, int status, void *data)
{
	struct ui *ui = data;
	if (tcgetpgrp(STDIN_FILENO) != getpgrp()) {
		/* A job-control shell may leave another group in the foreground. */
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(STDIN_FILENO, getpgrp());
		signal(SIGTTOU, SIG_DFL);
	}
	ui->suspended = false;
	reset_prog_mode();
	/* endwin() left keypad-transmit mode; ncurses turns it back on only
	 * inside get_wch, which would misread the first cursor key. */
	wint_t ch;
	int r = get_wch(&ch);
	if (r == KEY_CODE_YES)
		ungetch((int)ch);
	else if (r != ERR)
		unget_wch((wchar_t)ch);
	resize(ui);
	watch_input(ui);
	ui_status_add(ui, KB_STATUS_INFO, "shell exited");
	if (r != ERR)
		on_input(ui->input, STDIN_FILENO, EPOLLIN, ui);
}

/* The daemon allowed it: hand the terminal to $SHELL (or /bin/sh) and come
 * back when it exits. The loop keeps running (state stays current). */
void ui_suspend_for_shell(struct ui *ui)
{
	const char *shell = getenv("SHELL");
	if (!shell || !*shell)
		shell = "/bin/sh";
	def_prog_mode();
	endwin();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		reset_prog_mode();
		ui_message(ui, "Shell", "cannot start %s: %s", shell, strerror(errno));
		return;
	}
	if (pid == 0) {
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		dprintf(STDOUT_FILENO, "kexboot: type 'exit' to return to the boot menu\n");
		execl(shell, shell, (char *)NULL);
		_exit(127);
	}
	ui->suspended = true;
	TALLOC_FREE(ui->input);
	kb_loop_add_child(ui->loop, ui->ctx, pid, shell_exited, ui);
}

/* Line drawing is used only where it is known to survive: the terminal must
 * describe it (acsc), and the VT100-family names that serial consoles and
 * SOL bridges announce get ASCII, because their charset switching (SO/SI,
 * ESC ( 0) is what turns a serial menu into garbage after a reconnect.
 * KEXBOOT_ASCII=1 forces ASCII, KEXBOOT_ASCII=0 forces line drawing. */
static bool want_ascii(void)
{
	const char *env = getenv("KEXBOOT_ASCII");
	if (env && *env)
		return strcmp(env, "0") != 0;
	const char *acsc = tigetstr("acsc");
	if (!acsc || acsc == (char *)-1 || !*acsc)
		return true;
	const char *term = termname();
	static const char *const serial_terms[] = { "vt52", "vt100", "vt102", "vt220", "ansi", "dumb" };
	for (size_t i = 0; i < sizeof(serial_terms) / sizeof(serial_terms[0]); i++)
		if (term && strncmp(term, serial_terms[i], strlen(serial_terms[i])) == 0)
			return true;
	return false;
}

/* Editing keys as the common terminal families send them. A console's TERM
 * often names a different family than the emulator at the far end of a
 * serial line or SOL session (TERM=vt220, a PuTTY or xterm sending its
 * own Home/End), so these are understood whatever terminfo says; ncurses
 * keeps the terminal's own definitions too. */
static void define_extra_keys(void)
{
	static const struct {
		const char *seq;
		int key;
	} extra[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME },
		{ "\033OH", KEY_HOME },  { "\033[4~", KEY_END },  { "\033[8~", KEY_END },
		{ "\033[F", KEY_END },   { "\033OF", KEY_END },   { "\033[5~", KEY_PPAGE },
		{ "\033[6~", KEY_NPAGE }, { "\033[3~", KEY_DC },   { "\033[A", KEY_UP },
		{ "\033[B", KEY_DOWN },  { "\033[C", KEY_RIGHT }, { "\033[D", KEY_LEFT },
		{ "\033OA", KEY_UP },    { "\033OB", KEY_DOWN },  { "\033OC", KEY_RIGHT },
		{ "\033OD", KEY_LEFT },
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (key_defined(extra[i].seq) == 0)
			define_key(extra[i].seq, extra[i].key);
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"Usage: %s [--socket PATH] [--help] [--version]\n"
		"The kexboot boot menu: shows the boot options kexboot-discover found and\n"
		"asks it to boot, edit, check and configure. Runs on the terminal it is\n"
		"started in (ncursesw; KEXBOOT_ASCII=1 draws frames with ASCII).\n"
		"\n"
		"  --socket PATH   the daemon's socket (default %s)\n"
		"  --help          this text\n"
		"  --version       print the version\n",
		argv0, KB_DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = KB_DEFAULT_SOCKET;
	int c;

	setlocale(LC_ALL, "");
	ui_i18n_init();
	while ((c = getopt_long(argc, argv, "s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("kexboot-menu %s (protocol %u)\n", PACKAGE_VERSION, KB_PROTOCOL_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kexboot-menu: unexpected argument '%s'\n", argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "kexboot-menu: stdin and stdout must be a terminal\n");
		return 1;
	}

	void *root = talloc_new(NULL);
	struct ui *ui = talloc_zero(root, struct ui);
	if (!ui) {
		fprintf(stderr, "kexboot-menu: out of memory\n");
		return 1;
	}
	ui->ctx = ui;
	ui->socket_path = socket_path;
	ui->loop = kb_loop_new(ui);
	ui->model = ui_model_new(ui);
	if (!ui->loop || !ui->model) {
		fprintf(stderr, "kexboot-menu: cannot set up: %s\n", strerror(errno));
		talloc_free(root);
		return 1;
	}

	if (!initscr()) {
		fprintf(stderr, "kexboot-menu: cannot initialise the terminal\n");
		talloc_free(root);
		return 1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	define_extra_keys();
	nodelay(stdscr, TRUE);
	set_escdelay(UI_ESCDELAY_MS);
	curs_set(0);
	ui->ascii = want_ascii();

	static const int signals[] = { SIGWINCH, SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		kb_loop_add_signal(ui->loop, ui->ctx, signals[i], on_signal, ui);
	watch_input(ui);

	ui_main_init(ui);
	ui_client_connect(ui);
	ui_mark_dirty(ui);
	while (!ui->quit) {
		maybe_draw(ui);
		int r = kb_loop_run_once(ui->loop, -1);
		if (r < 0 && r != -EINTR) {
			ui->exit_code = 1;
			break;
		}
	}
	endwin();
	int code = ui->exit_code;
	talloc_free(root);
	return code;
}
