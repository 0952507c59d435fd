/* A scripted stand-in for kexboot-discover, for driving kexboot-menu in tests.
 *
 *   fake-server --socket PATH --script FILE --log FILE [--control FIFO]
 *
 * Each client gets HELLO, then the script's state (in file order), then
 * SYNC_DONE. Lines written to the control FIFO are run and broadcast later
 * (late hotplug, benchmarks). Every request a client sends is appended to the
 * log as one line ("BOOT id=... flags=... args=...") and answered:
 * CHECK with the scripted check results then RESULT, the rest with RESULT 0
 * (or -EACCES in restricted mode until AUTH with the scripted password).
 *
 * Script/control lines, fields separated by TABs (# starts a comment):
 *   device  ID  FSTYPE  LABEL
 *   option  ID  DEVICE  PARSER  ORDER  DEFAULT(0|1)  NAME  KERNEL-PATH  ARGS
 *   remove  OPTION-ID
 *   autoboot  ACTIVE(0|1)  SECONDS  OPTION-ID
 *   config  KEY  VALUE          sysinfo  KEY  VALUE
 *   check  SEVERITY(info|warning|fatal)  ID  MESSAGE
 *   status  MESSAGE
 *   restricted  PASSWORD         deny-shell
 *   gen  N  DEVICE               N options on DEVICE in one burst
 *   sync
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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <talloc.h>

#include "lib/conn.h"
#include "lib/event.h"
#include "lib/protocol.h"

#define FAKE_MAX_FIELDS 10
#define FAKE_LINE_MAX 8192

struct client {
	struct fake *f;
	struct kb_conn *conn;
	bool hello;
	bool authed;
	struct client *next, *prev;
};

struct fake {
	struct kb_loop *loop;
	FILE *log;
	char **script;
	size_t n_script;
	struct client *clients;
	struct kb_check_result *checks;
	uint32_t n_checks;
	char *password; /* restricted mode when set */
	bool deny_shell;
	unsigned user_seq;
	char ctl_buf[FAKE_LINE_MAX];
	size_t ctl_len;
};

static void logf_(struct fake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct fake *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f->log, fmt, ap);
	va_end(ap);
	fputc('\n', f->log);
	fflush(f->log);
}

static void send_to(struct fake *f, struct client *only, const struct kb_msg *m)
{
	for (struct client *c = f->clients; c; c = c->next)
		if (c->hello && (!only || c == only))
			kb_conn_send(c->conn, m);
}

static int split(char *line, char **fields)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, "\t", &save); t && n < FAKE_MAX_FIELDS; t = strtok_r(NULL, "\t", &save))
		fields[n++] = t;
	return n;
}

static struct kb_option *make_option(void *ctx, const char *id, const char *dev, const char *parser,
				     uint32_t order, bool def, const char *name, const char *kernel,
				     const char *args)
{
	struct kb_option *o = talloc_zero(ctx, struct kb_option);
	o->id = talloc_strdup(o, id);
	o->device_id = talloc_strdup(o, dev);
	o->parser = talloc_strdup(o, parser);
	o->name = talloc_strdup(o, name);
	o->kernel.kind = KB_RES_DEVICE;
	o->kernel.device = talloc_strdup(o, dev);
	o->kernel.path = talloc_strdup(o, kernel);
	o->args = args && *args ? talloc_strdup(o, args) : NULL;
	o->order = order;
	o->is_default = def;
	return o;
}

static void config_item(struct fake *f, struct client *to, uint16_t type, const char *k, const char *v)
{
	struct kb_msg m = { .type = type };
	struct kb_config_item it = { (char *)k, (char *)v };
	m.u.config.n_items = 1;
	m.u.config.items = &it;
	send_to(f, to, &m);
}

/* Run one script line; state messages go to `to` (NULL: every client). */
static void run_line(struct fake *f, struct client *to, const char *text)
{
	void *tmp = talloc_new(NULL);
	char *line = talloc_strdup(tmp, text);
	char *fl[FAKE_MAX_FIELDS] = { 0 };
	if (!line || line[0] == '#' || line[0] == 0)
		goto out;
	int n = split(line, fl);
	struct kb_msg m = { 0 };
	if (strcmp(fl[0], "device") == 0 && n >= 2) {
		struct kb_device *d = talloc_zero(tmp, struct kb_device);
		d->id = fl[1];
		d->type = KB_DEVICE_DISK;
		d->state = KB_DEVSTATE_MOUNTED;
		d->fstype = n > 2 ? fl[2] : NULL;
		d->label = n > 3 ? fl[3] : NULL;
		m.type = KB_MSG_DEVICE_ADD;
		m.u.device = d;
		send_to(f, to, &m);
	} else if (strcmp(fl[0], "option") == 0 && n >= 7) {
		m.type = KB_MSG_OPTION_ADD;
		m.u.option = make_option(tmp, fl[1], fl[2], fl[3], (uint32_t)atoi(fl[4]), atoi(fl[5]),
					 fl[6], n > 7 ? fl[7] : "/vmlinuz", n > 8 ? fl[8] : NULL);
		send_to(f, to, &m);
	} else if (strcmp(fl[0], "remove") == 0 && n >= 2) {
		m.type = KB_MSG_OPTION_REMOVE;
		m.u.id.id = fl[1];
		send_to(f, to, &m);
	} else if (strcmp(fl[0], "gen") == 0 && n >= 3) {
		int count = atoi(fl[1]);
		struct kb_device d = { .id = fl[2], .type = KB_DEVICE_DISK, .fstype = "ext4" };
		m.type = KB_MSG_DEVICE_ADD;
		m.u.device = &d;
		send_to(f, to, &m);
		for (int i = 0; i < count; i++) {
			void *t2 = talloc_new(NULL);
			char *id = talloc_asprintf(t2, "%s:grub2:%d", fl[2], i);
			char *name = talloc_asprintf(t2, "Generated Linux entry %d (6.1.0-%d-amd64)", i, i);
			char *kernel = talloc_asprintf(t2, "/boot/vmlinuz-6.1.0-%d-amd64", i);
			m.type = KB_MSG_OPTION_ADD;
			m.u.option = make_option(t2, id, fl[2], "grub2", (uint32_t)i, i == 0, name,
						 kernel, "root=/dev/sda2 ro quiet");
			send_to(f, to, &m);
			talloc_free(t2);
		}
	} else if (strcmp(fl[0], "autoboot") == 0 && n >= 3) {
		struct kb_autoboot_state ab = { .enabled = true, .active = atoi(fl[1]) != 0,
						.remaining_s = atoi(fl[2]),
						.option_id = n > 3 ? fl[3] : NULL };
		m.type = KB_MSG_AUTOBOOT;
		m.u.autoboot = &ab;
		send_to(f, to, &m);
	} else if (strcmp(fl[0], "config") == 0 && n >= 2) {
		config_item(f, to, KB_MSG_CONFIG, fl[1], n > 2 ? fl[2] : "");
	} else if (strcmp(fl[0], "sysinfo") == 0 && n >= 2) {
		config_item(f, to, KB_MSG_SYSINFO, fl[1], n > 2 ? fl[2] : "");
	} else if (strcmp(fl[0], "status") == 0 && n >= 2) {
		struct kb_status st = { .type = KB_STATUS_INFO, .progress = -1, .message = fl[1] };
		m.type = KB_MSG_STATUS;
		m.u.status = &st;
		send_to(f, to, &m);
	} else if (strcmp(fl[0], "sync") == 0) {
		m.type = KB_MSG_SYNC_DONE;
		send_to(f, to, &m);
	} else if (strcmp(fl[0], "check") == 0 && n >= 4) {
		if (to)
			goto out; /* results are set up once, at start */
		f->checks = talloc_realloc(f, f->checks, struct kb_check_result, f->n_checks + 1);
		struct kb_check_result *r = &f->checks[f->n_checks++];
		memset(r, 0, sizeof(*r));
		r->severity = strcmp(fl[1], "fatal") == 0     ? KB_SEV_FATAL
			      : strcmp(fl[1], "warning") == 0 ? KB_SEV_WARNING
							      : KB_SEV_INFO;
		r->id = talloc_strdup(f->checks, fl[2]);
		r->message = talloc_strdup(f->checks, fl[3]);
		r->source = talloc_strdup(f->checks, "fake-server");
		r->remediation = talloc_strdup(f->checks, "none needed in a test");
	} else if (strcmp(fl[0], "restricted") == 0 && n >= 2) {
		if (!to)
			f->password = talloc_strdup(f, fl[1]);
	} else if (strcmp(fl[0], "deny-shell") == 0) {
		f->deny_shell = true;
	}
out:
	talloc_free(tmp);
}

static void reply(struct client *c, uint32_t req_id, int32_t status, const char *msg, const char *value)
{
	struct kb_msg m = { .type = KB_MSG_RESULT };
	m.u.result.req_id = req_id;
	m.u.result.status = status;
	m.u.result.message = (char *)msg;
	m.u.result.value = (char *)value;
	kb_conn_send(c->conn, &m);
}

static const char *res_path(const struct kb_resource *r)
{
	switch (r->kind) {
	case KB_RES_DEVICE: return r->path ? r->path : "";
	case KB_RES_URL: return r->url ? r->url : "";
	case KB_RES_UNRESOLVED: return r->path ? r->path : "";
	default: return "-";
	}
}

static void handle_request(struct fake *f, struct client *c, struct kb_msg *msg)
{
	const char *name = kb_msg_type_name(msg->type);
	struct kb_msg_boot *b = &msg->u.boot;
	struct kb_msg_request *rq = &msg->u.request;
	bool is_boot = msg->type == KB_MSG_BOOT || msg->type == KB_MSG_CHECK || msg->type == KB_MSG_USER_ADD;
	uint32_t req_id = is_boot ? b->req_id : rq->req_id;

	if (is_boot) {
		const struct kb_option *o = b->override;
		logf_(f, "%s id=%s flags=%u override=%s kernel=%s initrds=%u args=%s", name,
		      b->option_id ? b->option_id : "-", b->flags, o ? "yes" : "no",
		      o ? res_path(&o->kernel) : "-", o ? o->n_initrds : 0,
		      o ? (o->args ? o->args : "") : "-");
	} else {
		logf_(f, "%s key=%s value=%s", name, rq->key ? rq->key : "-",
		      msg->type == KB_MSG_AUTH ? "***" : rq->value ? rq->value : "-");
	}

	if (msg->type == KB_MSG_AUTH) {
		bool ok = f->password && rq->value && strcmp(rq->value, f->password) == 0;
		c->authed = ok;
		reply(c, req_id, ok ? 0 : -EACCES, ok ? NULL : "wrong password", NULL);
		return;
	}
	if (f->password && !c->authed && msg->type != KB_MSG_CHECK &&
	    msg->type != KB_MSG_CANCEL_AUTOBOOT) {
		reply(c, req_id, -EACCES, "restricted mode: the password is required", NULL);
		return;
	}
	switch (msg->type) {
	case KB_MSG_CHECK: {
		struct kb_msg m = { .type = KB_MSG_CHECK_RESULTS };
		m.u.checks.req_id = req_id;
		m.u.checks.option_id = b->option_id;
		m.u.checks.n_results = f->n_checks;
		m.u.checks.results = f->checks;
		kb_conn_send(c->conn, &m);
		reply(c, req_id, 0, NULL, NULL);
		break;
	}
	case KB_MSG_BOOT:
		reply(c, req_id, 0, "dry run: nothing loaded", NULL);
		break;
	case KB_MSG_CANCEL_AUTOBOOT: {
		reply(c, req_id, 0, NULL, NULL);
		run_line(f, NULL, "autoboot\t0\t-1");
		break;
	}
	case KB_MSG_CONFIG_SET:
		reply(c, req_id, 0, NULL, NULL);
		if (rq->key && strcmp(rq->key, "password") != 0)
			config_item(f, NULL, KB_MSG_CONFIG, rq->key, rq->value ? rq->value : "");
		break;
	case KB_MSG_USER_ADD: {
		char *id = talloc_asprintf(NULL, "user:user:%u", f->user_seq++);
		struct kb_msg m = { .type = KB_MSG_OPTION_ADD };
		if (b->override) {
			b->override->id = id;
			b->override->device_id = "user";
			m.u.option = b->override;
			send_to(f, NULL, &m);
		}
		reply(c, req_id, 0, NULL, id);
		if (b->override)
			b->override->id = b->override->device_id = NULL;
		talloc_free(id);
		break;
	}
	case KB_MSG_EXIT_SHELL:
		reply(c, req_id, f->deny_shell ? -EPERM : 0,
		      f->deny_shell ? "exiting to a shell is disabled" : NULL, NULL);
		break;
	default:
		reply(c, req_id, 0, NULL, NULL);
		break;
	}
}

static void client_msg(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct client *c = data;
	struct fake *f = c->f;
	if (!c->hello) {
		if (msg->type != KB_MSG_HELLO) {
			talloc_free(c);
			return;
		}
		struct kb_msg m = { .type = KB_MSG_HELLO };
		m.u.hello.version = KB_PROTOCOL_VERSION;
		m.u.hello.flags = KB_HELLO_PRIVILEGED | (f->password ? KB_HELLO_RESTRICTED : 0);
		m.u.hello.agent = "fake-server";
		kb_conn_send(conn, &m);
		c->hello = true;
		logf_(f, "HELLO agent=%s", msg->u.hello.agent ? msg->u.hello.agent : "-");
		for (size_t i = 0; i < f->n_script; i++)
			run_line(f, c, f->script[i]);
		return;
	}
	handle_request(f, c, msg);
}

static int client_destructor(struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->f->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	return 0;
}

static void client_close(struct kb_conn *conn, int err, void *data)
{
	struct client *c = data;
	logf_(c->f, "CLOSE err=%d", err);
	talloc_free(c);
}

static void on_accept(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct fake *f = data;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return;
	struct client *c = talloc_zero(f, struct client);
	c->f = f;
	c->conn = kb_conn_new(c, f->loop, cfd, client_msg, client_close, c);
	if (!c->conn) {
		talloc_free(c);
		return;
	}
	c->next = f->clients;
	if (f->clients)
		f->clients->prev = c;
	f->clients = c;
	talloc_set_destructor(c, client_destructor);
}

static void on_control(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct fake *f = data;
	ssize_t n = read(fd, f->ctl_buf + f->ctl_len, sizeof(f->ctl_buf) - 1 - f->ctl_len);
	if (n <= 0)
		return;
	f->ctl_len += (size_t)n;
	char *start = f->ctl_buf, *nl;
	while ((nl = memchr(start, '\n', f->ctl_len - (size_t)(start - f->ctl_buf)))) {
		*nl = 0;
		logf_(f, "CONTROL %s", start);
		run_line(f, NULL, start);
		start = nl + 1;
	}
	f->ctl_len -= (size_t)(start - f->ctl_buf);
	memmove(f->ctl_buf, start, f->ctl_len);
	if (f->ctl_len == sizeof(f->ctl_buf) - 1)
		f->ctl_len = 0; /* overlong line: drop it */
}

static void on_term(struct kb_source *src, int signo, void *data)
{
	kb_loop_exit(((struct fake *)data)->loop, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "script", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, 'l' },    { "control", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *script = NULL, *logpath = NULL, *control = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 'f': script = optarg; break;
		case 'l': logpath = optarg; break;
		case 'c': control = optarg; break;
		default: return 2;
		}
	}
	if (!sock || !logpath) {
		fprintf(stderr, "usage: fake-server --socket PATH --log FILE [--script FILE] [--control FIFO]\n");
		return 2;
	}
	void *root = talloc_new(NULL);
	struct fake *f = talloc_zero(root, struct fake);
	f->loop = kb_loop_new(f);
	f->log = fopen(logpath, "a");
	if (!f->loop || !f->log) {
		perror("fake-server");
		return 1;
	}
	if (script) {
		FILE *sf = fopen(script, "r");
		if (!sf) {
			perror(script);
			return 1;
		}
		char buf[FAKE_LINE_MAX];
		while (fgets(buf, sizeof(buf), sf)) {
			buf[strcspn(buf, "\n")] = 0;
			f->script = talloc_realloc(f, f->script, char *, f->n_script + 1);
			f->script[f->n_script++] = talloc_strdup(f->script, buf);
			if (strncmp(buf, "check\t", 6) == 0 || strncmp(buf, "restricted\t", 11) == 0 ||
			    strcmp(buf, "deny-shell") == 0)
				run_line(f, NULL, buf);
		}
		fclose(sf);
	}
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	unlink(sock);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0) {
		perror("fake-server: socket");
		return 1;
	}
	kb_loop_add_fd(f->loop, f, lfd, EPOLLIN, on_accept, f);
	if (control) {
		int cfd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC); /* RDWR: no EOF between writers */
		if (cfd < 0) {
			perror(control);
			return 1;
		}
		kb_loop_add_fd(f->loop, f, cfd, EPOLLIN, on_control, f);
	}
	kb_loop_add_signal(f->loop, f, SIGTERM, on_term, f);
	kb_loop_add_signal(f->loop, f, SIGINT, on_term, f);
	signal(SIGPIPE, SIG_IGN);
	logf_(f, "READY");
	int r = kb_loop_run(f->loop);
	unlink(sock);
	fclose(f->log);
	talloc_free(root);
	return r < 0 ? 1 : 0;
}
