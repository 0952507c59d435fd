/* kexboot-console: run one kexboot-menu on every console.
 *
 * The consoles are those the kernel writes to (/proc/consoles), those named
 * with --console, and the daemon's boot console setting. Each menu gets its
 * console as controlling terminal (a session of its own, TIOCSCTTY, the
 * console on fds 0-2) and a TERM for it (linux on virtual terminals, vt220
 * elsewhere, unless --term). A menu that exits is started again, with a
 * growing delay when it keeps failing; SIGTERM/SIGINT/SIGHUP stop every menu
 * and then the launcher. All menus talk to the same daemon, so they share
 * its state: a key on any of them cancels autoboot for all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>

#include "lib/conn.h"
#include "lib/event.h"
#include "lib/protocol.h"

#define KC_MAX_CONSOLES 32             /* menus run at once */
#define KC_CONSOLES_FILE_MAX (64 * 1024) /* bytes read from /proc/consoles */
#define KC_NAME_MAX 64                 /* bytes in a console name */
#define KC_RESTART_MIN_MS 500          /* a menu that exits comes back after this */
#define KC_RESTART_MAX_MS 30000        /* ... at most this long when it keeps failing */
#define KC_QUICK_EXIT_MS 5000          /* a menu that lived less than this is failing */
#define KC_STOP_GRACE_MS 3000          /* then SIGKILL menus that ignored SIGTERM */
#define KC_DAEMON_TIMEOUT_MS 2000      /* waiting for the daemon's settings */
#define KC_DEFAULT_CONSOLES "/proc/consoles"

#ifndef KB_BINDIR
#define KB_BINDIR "/usr/bin"
#endif

struct kc;

struct kc_console {
	struct kc *kc;
	char *name; /* as given, normalised: "ttyS0", "pts/3", or an absolute path */
	char *path; /* the device opened */
	const char *term;
	pid_t pid; /* 0 when not running */
	uint64_t started_ms;
	unsigned delay_ms;
	struct kb_source *restart;
};

struct kc {
	void *ctx;
	struct kb_loop *loop;
	const char *menu;
	const char *socket;
	const char *term; /* --term, or NULL */
	struct kc_console *cons[KC_MAX_CONSOLES];
	size_t n;
	bool stopping;
	struct kb_source *kill_timer;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kexboot-console: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* TERM for a console: the kernel's VT emulation on ttyN, a VT220 subset
 * (what serial, hvc and SOL consoles understand) everywhere else. */
static const char *console_term(const char *name)
{
	if (strncmp(name, "tty", 3) == 0 && name[3] >= '0' && name[3] <= '9' &&
	    strspn(name + 3, "0123456789") == strlen(name + 3))
		return "linux";
	return "vt220";
}

/* Add console spec ("ttyS0,115200n8", "/dev/hvc0", "pts/3", an absolute
 * path) unless already there. 0, or -EINVAL / -E2BIG with a message. */
static int add_console(struct kc *kc, const char *spec, const char *origin)
{
	char name[KC_NAME_MAX + 1];
	size_t len = strcspn(spec, ","); /* options after the name: speed, parity */
	if (strncmp(spec, "/dev/", 5) == 0) {
		spec += 5;
		len -= 5;
	}
	if (len == 0 || len > KC_NAME_MAX || memmem(spec, len, "..", 2)) {
		say("ignoring console '%s' from %s: not a console name (at most %d bytes, no '..')",
		    spec, origin, KC_NAME_MAX);
		return -EINVAL;
	}
	memcpy(name, spec, len);
	name[len] = '\0';
	/* tty0 is "the foreground VT", which changes; the first VT is what a
	 * firmware console shows */
	if (strcmp(name, "tty0") == 0)
		strcpy(name, "tty1");
	char *path = name[0] == '/' ? talloc_strdup(kc->ctx, name) : talloc_asprintf(kc->ctx, "/dev/%s", name);
	if (!path)
		return -ENOMEM;
	for (size_t i = 0; i < kc->n; i++)
		if (strcmp(kc->cons[i]->path, path) == 0) {
			talloc_free(path);
			return 0;
		}
	if (kc->n >= KC_MAX_CONSOLES) {
		say("ignoring console %s from %s: already %d consoles (KC_MAX_CONSOLES)", name, origin,
		    KC_MAX_CONSOLES);
		talloc_free(path);
		return -E2BIG;
	}
	struct kc_console *c = talloc_zero(kc->ctx, struct kc_console);
	if (!c) {
		talloc_free(path);
		return -ENOMEM;
	}
	c->kc = kc;
	c->name = talloc_strdup(c, name);
	c->path = talloc_steal(c, path);
	c->term = kc->term ? kc->term : console_term(name[0] == '/' ? "" : name);
	c->delay_ms = KC_RESTART_MIN_MS;
	kc->cons[kc->n++] = c;
	return 0;
}

/* The first field of each /proc/consoles line is a device name under /dev. */
static int read_consoles_file(struct kc *kc, const char *file)
{
	FILE *f = fopen(file, "re");
	if (!f) {
		say("%s: %s", file, strerror(errno));
		return -errno;
	}
	char *buf = talloc_size(kc->ctx, KC_CONSOLES_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, KC_CONSOLES_FILE_MAX, f) : 0;
	bool more = buf && fgetc(f) != EOF;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	if (more)
		say("%s: reading only the first %d bytes (KC_CONSOLES_FILE_MAX)", file, KC_CONSOLES_FILE_MAX);
	buf[n] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = NULL, *name = strtok_r(line, " \t", &sp);
		if (name)
			add_console(kc, name, file);
	}
	talloc_free(buf);
	return 0;
}

/* --- the daemon's boot console setting --- */

struct daemon_query {
	bool done;
	char *console;
	void *ctx;
};

static void query_msg(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct daemon_query *q = data;
	if (msg->type == KB_MSG_CONFIG) {
		for (uint32_t i = 0; i < msg->u.config.n_items; i++)
			if (msg->u.config.items[i].key && strcmp(msg->u.config.items[i].key, "console") == 0 &&
			    msg->u.config.items[i].value) {
				talloc_free(q->console);
				q->console = talloc_strdup(q->ctx, msg->u.config.items[i].value);
			}
	} else if (msg->type == KB_MSG_SYNC_DONE) {
		q->done = true;
	}
}

static void query_close(struct kb_conn *conn, int err, void *data)
{
	struct daemon_query *q = data;
	q->done = true;
}

static void query_timeout(struct kb_source *src, void *data)
{
	struct daemon_query *q = data;
	q->done = true;
}

/* The daemon's "console" setting, NULL when unset or unreachable. */
static char *daemon_console(struct kc *kc)
{
	int fd = -1;
	uint32_t flags = 0, version = 0;
	int r = kb_client_connect(kc->socket, "kexboot-console " PACKAGE_VERSION, KC_DAEMON_TIMEOUT_MS,
				  &fd, &flags, &version);
	if (r < 0) {
		say("cannot ask the daemon (%s) for its boot console: %s", kc->socket, strerror(-r));
		return NULL;
	}
	void *tmp = talloc_new(NULL);
	struct daemon_query q = { .ctx = kc->ctx };
	struct kb_conn *conn = kb_conn_new(tmp, kc->loop, fd, query_msg, query_close, &q);
	struct kb_source *t = kb_loop_add_timer(kc->loop, tmp, KC_DAEMON_TIMEOUT_MS, false, query_timeout, &q);
	if (!conn || !t) {
		if (!conn)
			close(fd);
		talloc_free(tmp);
		return NULL;
	}
	while (!q.done)
		if (kb_loop_run_once(kc->loop, -1) < 0 && errno != EINTR)
			break;
	talloc_free(tmp);
	return q.console && *q.console ? q.console : NULL;
}

/* --- running the menus --- */

static void start_menu(struct kc_console *c);

static void restart_tick(struct kb_source *src, void *data)
{
	struct kc_console *c = data;
	TALLOC_FREE(c->restart);
	start_menu(c);
}

static void maybe_finish(struct kc *kc)
{
	if (!kc->stopping)
		return;
	for (size_t i = 0; i < kc->n; i++)
		if (kc->cons[i]->pid)
			return;
	kb_loop_exit(kc->loop, 0);
}

static void menu_exited(struct kb_source *src, pid_t pid, int status, void *data)
{
	struct kc_console *c = data;
	struct kc *kc = c->kc;
	c->pid = 0;
	if (kc->stopping) {
		maybe_finish(kc);
		return;
	}
	uint64_t lived = now_ms() - c->started_ms;
	if (lived < KC_QUICK_EXIT_MS) {
		c->delay_ms = c->delay_ms * 2 > KC_RESTART_MAX_MS ? KC_RESTART_MAX_MS : c->delay_ms * 2;
	} else {
		c->delay_ms = KC_RESTART_MIN_MS;
	}
	if (WIFSIGNALED(status))
		say("menu on %s (pid %d) killed by signal %d; restarting in %u ms", c->name, pid,
		    WTERMSIG(status), c->delay_ms);
	else
		say("menu on %s (pid %d) exited with status %d; restarting in %u ms", c->name, pid,
		    WEXITSTATUS(status), c->delay_ms);
	c->restart = kb_loop_add_timer(kc->loop, c, c->delay_ms, false, restart_tick, c);
}

/* In the child: make path our controlling terminal on fds 0-2 and run the
 * menu. Never returns. */
static void exec_menu(struct kc_console *c) __attribute__((noreturn));
static void exec_menu(struct kc_console *c)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	if (setsid() < 0) {
		say("%s: setsid: %s", c->name, strerror(errno));
		_exit(126);
	}
	int fd = open(c->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		say("%s: cannot open %s: %s", c->name, c->path, strerror(errno));
		_exit(126);
	}
	if (!isatty(fd) || ioctl(fd, TIOCSCTTY, 0) < 0) {
		say("%s: cannot make %s the menu's terminal: %s", c->name, c->path,
		    isatty(fd) ? strerror(errno) : "not a terminal");
		_exit(126);
	}
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	if (fd > 2)
		close(fd);
	setenv("TERM", c->term, 1);
	execl(c->kc->menu, c->kc->menu, "--socket", c->kc->socket, (char *)NULL);
	dprintf(2, "kexboot-console: cannot run %s: %s\r\n", c->kc->menu, strerror(errno));
	_exit(127);
}

static void start_menu(struct kc_console *c)
{
	struct kc *kc = c->kc;
	if (kc->stopping || c->pid)
		return;
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		say("%s: fork: %s", c->name, strerror(errno));
		c->restart = kb_loop_add_timer(kc->loop, c, c->delay_ms, false, restart_tick, c);
		return;
	}
	if (pid == 0)
		exec_menu(c);
	c->pid = pid;
	c->started_ms = now_ms();
	kb_loop_add_child(kc->loop, c, pid, menu_exited, c);
	say("menu on %s (%s, TERM=%s): pid %d", c->name, c->path, c->term, pid);
}

static void kill_tick(struct kb_source *src, void *data)
{
	struct kc *kc = data;
	TALLOC_FREE(kc->kill_timer);
	for (size_t i = 0; i < kc->n; i++)
		if (kc->cons[i]->pid) {
			say("menu on %s (pid %d) ignored SIGTERM for %d ms: SIGKILL", kc->cons[i]->name,
			    kc->cons[i]->pid, KC_STOP_GRACE_MS);
			kill(kc->cons[i]->pid, SIGKILL);
		}
}

static void on_stop(struct kb_source *src, int signo, void *data)
{
	struct kc *kc = data;
	if (kc->stopping)
		return;
	kc->stopping = true;
	say("signal %d: stopping %zu menu(s)", signo, kc->n);
	for (size_t i = 0; i < kc->n; i++) {
		TALLOC_FREE(kc->cons[i]->restart);
		if (kc->cons[i]->pid)
			kill(kc->cons[i]->pid, SIGTERM);
	}
	kc->kill_timer = kb_loop_add_timer(kc->loop, kc->ctx, KC_STOP_GRACE_MS, false, kill_tick, kc);
	maybe_finish(kc);
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"Usage: %s [OPTION]...\n"
		"Runs kexboot-menu on every console: those in /proc/consoles, those given\n"
		"with --console, and the daemon's boot console setting. A menu that exits\n"
		"is restarted; SIGTERM stops them all.\n"
		"\n"
		"  --console NAME        also run on NAME (tty1, ttyS0,115200, hvc0, /dev/pts/3);\n"
		"                        repeatable\n"
		"  --consoles-file FILE  read consoles from FILE instead of %s\n"
		"                        (\"\" reads none)\n"
		"  --no-daemon-console   do not add the daemon's 'console' setting\n"
		"  --term TERM           TERM for every menu (default: linux on ttyN, else vt220)\n"
		"  --menu PATH           the menu program (default %s/kexboot-menu)\n"
		"  --socket PATH         the daemon's socket (default %s)\n"
		"  --list                print the consoles (NAME PATH TERM) and exit\n"
		"  --help, --version\n",
		argv0, KC_DEFAULT_CONSOLES, KB_BINDIR, KB_DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "console", required_argument, NULL, 'c' },
		{ "consoles-file", required_argument, NULL, 'f' },
		{ "no-daemon-console", no_argument, NULL, 'D' },
		{ "term", required_argument, NULL, 't' },
		{ "menu", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	void *root = talloc_new(NULL);
	struct kc *kc = talloc_zero(root, struct kc);
	const char *consoles_file = KC_DEFAULT_CONSOLES;
	const char **given = talloc_array(root, const char *, argc);
	size_t n_given = 0;
	bool list = false, ask_daemon = true;
	int c, code = 0;

	if (!kc || !given) {
		fprintf(stderr, "kexboot-console: out of memory\n");
		return 1;
	}
	kc->ctx = kc;
	kc->menu = KB_BINDIR "/kexboot-menu";
	kc->socket = KB_DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "c:f:Dt:m:s:lhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': given[n_given++] = optarg; break;
		case 'f': consoles_file = optarg; break;
		case 'D': ask_daemon = false; break;
		case 't': kc->term = optarg; break;
		case 'm': kc->menu = optarg; break;
		case 's': kc->socket = optarg; break;
		case 'l': list = true; break;
		case 'h':
			usage(stdout, argv[0]);
			talloc_free(root);
			return 0;
		case 'V':
			printf("kexboot-console %s\n", PACKAGE_VERSION);
			talloc_free(root);
			return 0;
		default:
			usage(stderr, argv[0]);
			talloc_free(root);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kexboot-console: unexpected argument '%s'\n", argv[optind]);
		talloc_free(root);
		return 2;
	}
	kc->loop = kb_loop_new(kc);
	if (!kc->loop) {
		fprintf(stderr, "kexboot-console: cannot set up: %s\n", strerror(errno));
		talloc_free(root);
		return 1;
	}
	/* signals first: a SIGTERM from now on stops us cleanly */
	static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		kb_loop_add_signal(kc->loop, kc, stop_signals[i], on_stop, kc);

	if (*consoles_file)
		read_consoles_file(kc, consoles_file);
	for (size_t i = 0; i < n_given; i++)
		add_console(kc, given[i], "--console");
	if (ask_daemon) {
		char *dc = daemon_console(kc);
		if (dc)
			add_console(kc, dc, "the daemon's console setting");
	}
	if (kc->stopping) { /* a stop signal came while we asked the daemon */
		talloc_free(root);
		return 0;
	}
	if (list) {
		for (size_t i = 0; i < kc->n; i++)
			printf("%s %s %s\n", kc->cons[i]->name, kc->cons[i]->path, kc->cons[i]->term);
		talloc_free(root);
		return 0;
	}
	if (!kc->n) {
		say("no consoles: none in %s, none given with --console",
		    *consoles_file ? consoles_file : "(no consoles file)");
		talloc_free(root);
		return 1;
	}
	for (size_t i = 0; i < kc->n; i++)
		start_menu(kc->cons[i]);
	int r = kb_loop_run(kc->loop);
	if (r < 0) {
		say("event loop: %s", strerror(-r));
		code = 1;
	}
	talloc_free(root);
	return code;
}
