/* kexboot-ctl: the daemon's command-line client, for people and scripts.
 *
 * Exit status: 0 success; 1 the daemon refused or the request failed;
 * 2 bad usage; 3 cannot reach the daemon (or it speaks another protocol
 * version); 4 timed out waiting. Failures print one line on stderr. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "lib/conn.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/protocol.h"

#define CTL_CONNECT_TIMEOUT_MS 5000
#define CTL_REQUEST_TIMEOUT_MS 120000 /* a boot request may read and check large files */

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3, EXIT_TIMEOUT = 4 };

/* Devices or options as received, in arrival order, with capacity to grow. */
struct list {
	void **items;
	unsigned n, cap;
	size_t id_off; /* offset of the item's `char *id` */
};

struct ctl {
	struct kb_loop *loop;
	struct kb_conn *conn;
	bool json;
	bool watching;
	bool synced;
	uint32_t hello_flags;
	/* the daemon's state as received */
	struct list devs;   /* struct kb_device * */
	struct list opts;   /* struct kb_option * */
	struct kb_source *timer; /* the current wait's deadline */
	bool connecting;    /* waiting for the initial state */
	struct kb_msg_config config;
	struct kb_msg_config sysinfo;
	struct kb_autoboot_state *autoboot;
	/* the pending request */
	uint32_t req_id;
	bool done;
	struct kb_msg_result result;
	struct kb_msg_checks checks;
	int exit_code;
	/* wait */
	int wait_options;
	bool wait_default;
};

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kexboot-ctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

#define DEV(ctl, i) ((struct kb_device *)(ctl)->devs.items[i])
#define OPT(ctl, i) ((struct kb_option *)(ctl)->opts.items[i])

static const char *item_id(const struct list *l, unsigned i)
{
	return *(char **)((char *)l->items[i] + l->id_off);
}

/* Position of id, or l->n. Linear: only used for changes after the initial
 * state, which come one at a time. */
static unsigned list_find(const struct list *l, const char *id)
{
	unsigned i;

	for (i = 0; i < l->n && strcmp(item_id(l, i), id) != 0; i++)
		;
	return i;
}

/* Keep item (stolen). During the initial state every id is new, so items
 * are appended without a search: N options cost O(N). */
static void list_put(void *ctx, struct list *l, void *item, bool search)
{
	unsigned i = search ? list_find(l, *(char **)((char *)item + l->id_off)) : l->n;

	if (i == l->n) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->items = talloc_realloc(ctx, l->items, void *, l->cap);
			if (!l->items)
				die(1, "out of memory");
		}
		l->n++;
	} else {
		talloc_free(l->items[i]);
	}
	l->items[i] = talloc_steal(l->items, item);
}

static void list_remove(struct list *l, const char *id)
{
	unsigned i = list_find(l, id);

	if (i == l->n)
		return;
	talloc_free(l->items[i]);
	memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof(l->items[0]));
	l->n--;
}

static void json_device(struct kb_json *j, const char *key, const struct kb_device *d)
{
	kb_json_obj_begin(j, key);
	kb_json_str(j, "name", d->id);
	kb_json_str(j, "type", kb_device_type_name(d->type));
	kb_json_str(j, "state", kb_device_state_name(d->state));
	kb_json_str(j, "uuid", d->uuid);
	kb_json_str(j, "label", d->label);
	kb_json_str(j, "partuuid", d->partuuid);
	kb_json_str(j, "partlabel", d->partlabel);
	kb_json_str(j, "fstype", d->fstype);
	kb_json_str(j, "mount_point", d->mount_point);
	kb_json_str(j, "status", d->status);
	kb_json_obj_end(j);
}

static void json_autoboot(struct kb_json *j, const char *key, const struct kb_autoboot_state *a)
{
	kb_json_obj_begin(j, key);
	kb_json_bool(j, "enabled", a && a->enabled);
	kb_json_bool(j, "active", a && a->active);
	if (a && a->active)
		kb_json_int(j, "remaining", a->remaining_s);
	else
		kb_json_null(j, "remaining");
	kb_json_str(j, "option", a ? a->option_id : NULL);
	kb_json_str(j, "waiting_for", a ? a->waiting_for : NULL);
	kb_json_obj_end(j);
}

static void json_checks(struct kb_json *j, const char *key, const struct kb_msg_checks *c)
{
	unsigned i;

	kb_json_arr_begin(j, key);
	for (i = 0; i < c->n_results; i++) {
		kb_json_obj_begin(j, NULL);
		kb_json_str(j, "id", c->results[i].id);
		kb_json_str(j, "severity", kb_severity_name(c->results[i].severity));
		kb_json_str(j, "message", c->results[i].message);
		kb_json_str(j, "source", c->results[i].source);
		kb_json_str(j, "remediation", c->results[i].remediation);
		kb_json_obj_end(j);
	}
	kb_json_arr_end(j);
}

static void json_config(struct kb_json *j, const char *key, const struct kb_msg_config *c)
{
	unsigned i;

	kb_json_obj_begin(j, key);
	for (i = 0; i < c->n_items; i++)
		kb_json_str(j, c->items[i].key, c->items[i].value);
	kb_json_obj_end(j);
}

/* The default the daemon will boot: the autoboot choice. */
static const char *default_id(const struct ctl *ctl)
{
	return ctl->autoboot ? ctl->autoboot->option_id : NULL;
}

static void print_res(const char *what, const struct kb_resource *r)
{
	switch (r->kind) {
	case KB_RES_DEVICE: printf("    %-7s %s:%s\n", what, r->device, r->path); break;
	case KB_RES_URL: printf("    %-7s %s\n", what, r->url); break;
	case KB_RES_UNRESOLVED: printf("    %-7s %s:%s (not present)\n", what, r->unresolved, r->path); break;
	default: break;
	}
}

static void print_list(struct ctl *ctl)
{
	const char *def = default_id(ctl);
	struct kb_json *j;
	unsigned i, k;

	if (ctl->json) {
		j = kb_json_new(ctl);
		kb_json_obj_begin(j, NULL);
		kb_json_arr_begin(j, "devices");
		for (i = 0; i < ctl->devs.n; i++)
			json_device(j, NULL, DEV(ctl, i));
		kb_json_arr_end(j);
		kb_json_arr_begin(j, "options");
		for (i = 0; i < ctl->opts.n; i++)
			kb_json_option(j, NULL, OPT(ctl, i), def && !strcmp(def, OPT(ctl, i)->id));
		kb_json_arr_end(j);
		json_autoboot(j, "autoboot", ctl->autoboot);
		kb_json_obj_end(j);
		printf("%s\n", kb_json_text(j));
		return;
	}
	for (i = 0; i < ctl->devs.n; i++) {
		const struct kb_device *d = DEV(ctl, i);

		printf("%s  %s%s%s%s%s  [%s]\n", d->id, d->fstype ? d->fstype : "-",
		       d->label ? " label=" : "", d->label ? d->label : "", d->uuid ? " uuid=" : "",
		       d->uuid ? d->uuid : "", d->status ? d->status : kb_device_state_name(d->state));
		for (k = 0; k < ctl->opts.n; k++) {
			const struct kb_option *o = OPT(ctl, k);
			unsigned n;

			if (strcmp(o->device_id, d->id) != 0)
				continue;
			printf("  %s %-24s %s\n", def && !strcmp(def, o->id) ? "*" : " ", o->id, o->name);
			print_res("kernel", &o->kernel);
			for (n = 0; n < o->n_initrds; n++)
				print_res("initrd", &o->initrds[n]);
			print_res("dtb", &o->dtb);
			if (o->args)
				printf("    args    %s\n", o->args);
		}
	}
}

static void print_status(struct ctl *ctl)
{
	const struct kb_autoboot_state *a = ctl->autoboot;
	struct kb_json *j;

	if (ctl->json) {
		j = kb_json_new(ctl);
		kb_json_obj_begin(j, NULL);
		kb_json_int(j, "devices", ctl->devs.n);
		kb_json_int(j, "options", ctl->opts.n);
		json_autoboot(j, "autoboot", a);
		kb_json_bool(j, "privileged", ctl->hello_flags & KB_HELLO_PRIVILEGED);
		kb_json_bool(j, "restricted", ctl->hello_flags & KB_HELLO_RESTRICTED);
		json_config(j, "sysinfo", &ctl->sysinfo);
		kb_json_obj_end(j);
		printf("%s\n", kb_json_text(j));
		return;
	}
	printf("devices: %u\noptions: %u\n", ctl->devs.n, ctl->opts.n);
	if (a && a->active)
		printf("autoboot: booting %s in %d s\n", a->option_id ? a->option_id : "?", a->remaining_s);
	else
		printf("autoboot: %s%s%s\n", a && a->enabled ? "on" : "off",
		       a && a->option_id ? ", default " : "", a && a->option_id ? a->option_id : "");
	if (a && a->waiting_for)
		printf("waiting for: %s\n", a->waiting_for);
	printf("access: %s%s\n", ctl->hello_flags & KB_HELLO_PRIVILEGED ? "privileged" : "read-only",
	       ctl->hello_flags & KB_HELLO_RESTRICTED ? ", restricted mode" : "");
}

/* One line per change for `watch`. */
static void print_event(struct ctl *ctl, const struct kb_msg *msg)
{
	struct kb_json *j = kb_json_new(ctl);
	const char *def = default_id(ctl);

	kb_json_obj_begin(j, NULL);
	switch (msg->type) {
	case KB_MSG_DEVICE_ADD:
		kb_json_str(j, "event", "device");
		json_device(j, "device", msg->u.device);
		break;
	case KB_MSG_DEVICE_REMOVE:
		kb_json_str(j, "event", "device-removed");
		kb_json_str(j, "id", msg->u.id.id);
		break;
	case KB_MSG_OPTION_ADD:
		kb_json_str(j, "event", "option");
		kb_json_option(j, "option", msg->u.option, def && !strcmp(def, msg->u.option->id));
		break;
	case KB_MSG_OPTION_REMOVE:
		kb_json_str(j, "event", "option-removed");
		kb_json_str(j, "id", msg->u.id.id);
		break;
	case KB_MSG_STATUS:
		kb_json_str(j, "event", "status");
		kb_json_str(j, "type", kb_status_type_name(msg->u.status->type));
		kb_json_str(j, "device", msg->u.status->device_id);
		kb_json_str(j, "message", msg->u.status->message);
		break;
	case KB_MSG_AUTOBOOT:
		kb_json_str(j, "event", "autoboot");
		json_autoboot(j, "autoboot", msg->u.autoboot);
		break;
	case KB_MSG_CONFIG:
		kb_json_str(j, "event", "config");
		json_config(j, "config", &msg->u.config);
		break;
	default:
		return;
	}
	kb_json_obj_end(j);
	if (ctl->json) {
		printf("%s\n", kb_json_text(j));
	} else {
		switch (msg->type) {
		case KB_MSG_DEVICE_ADD: printf("device %s: %s\n", msg->u.device->id, msg->u.device->status ? msg->u.device->status : ""); break;
		case KB_MSG_DEVICE_REMOVE: printf("device %s removed\n", msg->u.id.id); break;
		case KB_MSG_OPTION_ADD: printf("option %s: %s\n", msg->u.option->id, msg->u.option->name); break;
		case KB_MSG_OPTION_REMOVE: printf("option %s removed\n", msg->u.id.id); break;
		case KB_MSG_STATUS: printf("status: %s%s%s\n", msg->u.status->device_id ? msg->u.status->device_id : "", msg->u.status->device_id ? ": " : "", msg->u.status->message); break;
		case KB_MSG_AUTOBOOT: printf("autoboot: %s\n", msg->u.autoboot->active ? "counting down" : msg->u.autoboot->enabled ? "on" : "off"); break;
		case KB_MSG_CONFIG: printf("config changed\n"); break;
		}
	}
	fflush(stdout);
	talloc_free(j);
}

static bool wait_satisfied(const struct ctl *ctl)
{
	if (ctl->wait_default && !default_id(ctl))
		return false;
	return ctl->opts.n >= (unsigned)ctl->wait_options;
}

static void on_msg(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct ctl *ctl = data;

	switch (msg->type) {
	case KB_MSG_DEVICE_ADD:
		list_put(ctl, &ctl->devs, msg->u.device, ctl->synced);
		break;
	case KB_MSG_DEVICE_REMOVE:
		list_remove(&ctl->devs, msg->u.id.id);
		break;
	case KB_MSG_OPTION_ADD:
		list_put(ctl, &ctl->opts, msg->u.option, ctl->synced);
		break;
	case KB_MSG_OPTION_REMOVE:
		list_remove(&ctl->opts, msg->u.id.id);
		break;
	case KB_MSG_AUTOBOOT:
		talloc_free(ctl->autoboot);
		ctl->autoboot = talloc_steal(ctl, msg->u.autoboot);
		break;
	case KB_MSG_CONFIG:
		talloc_steal(ctl, msg->u.config.items);
		ctl->config = msg->u.config;
		break;
	case KB_MSG_SYSINFO:
		talloc_steal(ctl, msg->u.config.items);
		ctl->sysinfo = msg->u.config;
		break;
	case KB_MSG_SYNC_DONE:
		ctl->synced = true;
		if (ctl->connecting) {
			ctl->connecting = false;
			kb_loop_exit(ctl->loop, 0);
		}
		break;
	case KB_MSG_CHECK_RESULTS:
		if (msg->u.checks.req_id == ctl->req_id) {
			talloc_steal(ctl, msg->u.checks.results);
			talloc_steal(ctl, msg->u.checks.option_id);
			ctl->checks = msg->u.checks;
		}
		break;
	case KB_MSG_RESULT:
		if (msg->u.result.req_id == ctl->req_id) {
			ctl->result = msg->u.result;
			talloc_steal(ctl, msg->u.result.message);
			talloc_steal(ctl, msg->u.result.value);
			ctl->done = true;
		}
		break;
	default:
		break;
	}
	/* the connect timeout is for a silent daemon: the state may be large */
	if (ctl->connecting && ctl->timer)
		kb_timer_reset(ctl->timer, CTL_CONNECT_TIMEOUT_MS);
	if (ctl->watching && ctl->synced && msg->type != KB_MSG_SYNC_DONE)
		print_event(ctl, msg);
	if (ctl->synced && !ctl->watching && !ctl->req_id && wait_satisfied(ctl))
		kb_loop_exit(ctl->loop, 0);
	if (ctl->done)
		kb_loop_exit(ctl->loop, 0);
}

static void on_close(struct kb_conn *conn, int err, void *data)
{
	struct ctl *ctl = data;

	die(EXIT_CONNECT, "the daemon closed the connection%s%s", err ? ": " : "",
	    err ? strerror(-err) : "");
	(void)ctl;
}

static void on_timeout(struct kb_source *src, void *data)
{
	struct ctl *ctl = data;

	kb_loop_exit(ctl->loop, -ETIMEDOUT);
}

/* Run the loop until the current wait is over; exit on timeout. */
static void run(struct ctl *ctl, int timeout_ms, const char *what)
{
	if (timeout_ms >= 0)
		ctl->timer = kb_loop_add_timer(ctl->loop, ctl, timeout_ms ? timeout_ms : 1, false,
					       on_timeout, ctl);
	if (kb_loop_run(ctl->loop) == -ETIMEDOUT)
		die(EXIT_TIMEOUT, "timed out after %d ms waiting for %s", timeout_ms, what);
	TALLOC_FREE(ctl->timer);
}

static void connect_daemon(struct ctl *ctl, const char *path)
{
	uint32_t server_version = 0;
	int fd = -1, r;

	r = kb_client_connect(path, "kexboot-ctl " PACKAGE_VERSION, CTL_CONNECT_TIMEOUT_MS, &fd,
			      &ctl->hello_flags, &server_version);
	if (r == -EPROTO)
		die(EXIT_CONNECT, "%s: the daemon speaks protocol version %u, this kexboot-ctl %u", path,
		    server_version, KB_PROTOCOL_VERSION);
	if (r < 0)
		die(EXIT_CONNECT, "cannot connect to %s: %s", path, strerror(-r));
	ctl->conn = kb_conn_new(ctl, ctl->loop, fd, on_msg, on_close, ctl);
	if (!ctl->conn)
		die(EXIT_CONNECT, "out of memory");
	ctl->connecting = true;
	run(ctl, CTL_CONNECT_TIMEOUT_MS, "the daemon's state");
}

/* Send a request and wait for its RESULT. */
static void request(struct ctl *ctl, struct kb_msg *msg)
{
	static uint32_t next_id;

	ctl->req_id = ++next_id;
	ctl->done = false;
	if (msg->type == KB_MSG_BOOT || msg->type == KB_MSG_CHECK || msg->type == KB_MSG_USER_ADD)
		msg->u.boot.req_id = ctl->req_id;
	else
		msg->u.request.req_id = ctl->req_id;
	if (kb_conn_send(ctl->conn, msg) < 0)
		die(EXIT_CONNECT, "cannot send the request");
	run(ctl, CTL_REQUEST_TIMEOUT_MS, "the daemon's answer");
}

/* Fail with the daemon's one-line reason. */
static void check_result(struct ctl *ctl)
{
	if (ctl->result.status < 0)
		die(EXIT_REFUSED, "%s", ctl->result.message && *ctl->result.message
						? ctl->result.message
						: strerror(-ctl->result.status));
}

static void authenticate(struct ctl *ctl, const char *password)
{
	struct kb_msg msg = { .type = KB_MSG_AUTH };

	if (!password || !(ctl->hello_flags & KB_HELLO_RESTRICTED))
		return;
	msg.u.request.value = (char *)password;
	request(ctl, &msg);
	check_result(ctl);
}

static void print_checks(struct ctl *ctl)
{
	unsigned i;

	for (i = 0; i < ctl->checks.n_results; i++) {
		const struct kb_check_result *r = &ctl->checks.results[i];

		fprintf(stderr, "%-7s %-24s %s%s%s\n", kb_severity_name(r->severity), r->id, r->message,
			r->remediation && r->severity != KB_SEV_INFO ? " — " : "",
			r->remediation && r->severity != KB_SEV_INFO ? r->remediation : "");
	}
}

/* An edited copy of option id for one boot: the given fields replace its own. */
static struct kb_option *edited(struct ctl *ctl, const char *id, uint32_t flags,
				struct kb_option *edit)
{
	const struct kb_option *base = NULL;
	struct kb_option *o;
	unsigned i;

	if (flags & (KB_BOOT_DEFAULT | KB_BOOT_MATCH))
		die(EXIT_USAGE, "editing needs an option ID");
	for (i = 0; i < ctl->opts.n; i++)
		if (!strcmp(OPT(ctl, i)->id, id))
			base = OPT(ctl, i);
	if (!base)
		die(EXIT_REFUSED, "no option with id '%s'", id);
	o = kb_option_dup(ctl, base);
	if (!o)
		die(1, "out of memory");
	if (edit->args)
		o->args = edit->args;
	if (edit->kernel.kind)
		o->kernel = edit->kernel;
	if (edit->n_initrds) {
		o->initrds = edit->initrds;
		o->n_initrds = edit->n_initrds;
	}
	if (edit->dtb.kind)
		o->dtb = edit->dtb;
	return o;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kexboot-ctl [--socket PATH] [--password PW] COMMAND [ARGS]\n"
		"Talk to a running kexboot-discover.\n\n"
		"Commands:\n"
		"  list [--json]                      devices and boot options\n"
		"  watch [--json]                     follow device, option and status changes\n"
		"  status [--json]                    autoboot, counts and access\n"
		"  rescan                             re-read every device\n"
		"  boot ID|--default|--match REGEX [--dry-run] [--force] [--json]\n"
		"       [--args ARGS] [--kernel ..] [--initrd ..] [--dtb ..]  edit ID for this boot only\n"
		"  check ID [--json]                  preflight results for an option\n"
		"  add --name NAME --kernel PATH|URL [--initrd PATH|URL]... [--dtb PATH|URL] [--args ARGS]\n"
		"  remove ID                          remove an option added with add\n"
		"  next-boot ID                       one-shot default, consumed when used\n"
		"  cancel                             stop the autoboot countdown\n"
		"  exit-shell                         ask whether a console may drop to a shell\n"
		"  config get [KEY] [--json] | config set KEY VALUE\n"
		"  wait [--default] [--options N] [--timeout S]\n\n"
		"The password may also come from KEXBOOT_PASSWORD. Exit status: 0 ok, 1 refused or\n"
		"failed, 2 usage, 3 daemon unreachable, 4 timed out.\n");
}

/* A resource from the command line: a URL, or a local file path. */
static void arg_resource(void *ctx, struct kb_resource *r, const char *arg)
{
	r->kind = KB_RES_URL;
	if (strstr(arg, "://"))
		r->url = talloc_strdup(ctx, arg);
	else if (arg[0] == '/')
		r->url = talloc_asprintf(ctx, "file://%s", arg);
	else
		die(EXIT_USAGE, "'%s': give an absolute path or a URL", arg);
}

int main(int argc, char **argv)
{
	enum { O_SOCKET = 256, O_PASSWORD, O_JSON, O_DEFAULT, O_MATCH, O_DRY_RUN, O_FORCE, O_NAME,
	       O_KERNEL, O_INITRD, O_DTB, O_ARGS, O_OPTIONS, O_TIMEOUT, O_HELP, O_VERSION };
	static const struct option long_opts[] = {
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "password", required_argument, NULL, O_PASSWORD },
		{ "json", no_argument, NULL, O_JSON },
		{ "default", no_argument, NULL, O_DEFAULT },
		{ "match", required_argument, NULL, O_MATCH },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "force", no_argument, NULL, O_FORCE },
		{ "name", required_argument, NULL, O_NAME },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "initrd", required_argument, NULL, O_INITRD },
		{ "dtb", required_argument, NULL, O_DTB },
		{ "args", required_argument, NULL, O_ARGS },
		{ "options", required_argument, NULL, O_OPTIONS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	void *root = talloc_new(NULL);
	struct ctl *ctl = talloc_zero(root, struct ctl);
	const char *socket_path = getenv("KEXBOOT_SOCKET") ?: KB_DEFAULT_SOCKET;
	const char *password = getenv("KEXBOOT_PASSWORD"), *match = NULL;
	struct kb_option *add = talloc_zero(ctl, struct kb_option);
	struct kb_msg msg = { 0 };
	uint32_t flags = 0;
	double timeout_s = -1;
	const char *cmd;
	char *end;
	int c;

	if (!ctl || !add)
		return 1;
	ctl->loop = kb_loop_new(ctl);
	if (!ctl->loop)
		return 1;
	ctl->devs.id_off = offsetof(struct kb_device, id);
	ctl->opts.id_off = offsetof(struct kb_option, id);
	signal(SIGPIPE, SIG_IGN);
	kb_log_open(KB_LOG_STDERR, NULL, KB_LOG_WARN);
	opterr = 0;
	/* options may come before or after the command */
	while ((c = getopt_long(argc, argv, "+", long_opts, NULL)) != -1 || optind < argc) {
		if (c == -1) {
			/* a positional argument: keep it in place for later */
			optind++;
			continue;
		}
		switch (c) {
		case O_SOCKET: socket_path = optarg; break;
		case O_PASSWORD: password = optarg; break;
		case O_JSON: ctl->json = true; break;
		case O_DEFAULT: flags |= KB_BOOT_DEFAULT; ctl->wait_default = true; break;
		case O_MATCH: match = optarg; flags |= KB_BOOT_MATCH; break;
		case O_DRY_RUN: flags |= KB_BOOT_DRY_RUN; break;
		case O_FORCE: flags |= KB_BOOT_FORCE; break;
		case O_NAME: add->name = talloc_strdup(add, optarg); break;
		case O_KERNEL: arg_resource(add, &add->kernel, optarg); break;
		case O_INITRD:
			if (add->n_initrds >= KB_MAX_INITRDS)
				die(EXIT_USAGE, "more than %d initrds", KB_MAX_INITRDS);
			add->initrds = talloc_realloc(add, add->initrds, struct kb_resource, add->n_initrds + 1);
			memset(&add->initrds[add->n_initrds], 0, sizeof(add->initrds[0]));
			arg_resource(add, &add->initrds[add->n_initrds++], optarg);
			break;
		case O_DTB: arg_resource(add, &add->dtb, optarg); break;
		case O_ARGS: add->args = talloc_strdup(add, optarg); break;
		case O_OPTIONS:
			ctl->wait_options = strtol(optarg, &end, 10);
			if (*end || ctl->wait_options < 0)
				die(EXIT_USAGE, "--options wants a count, not '%s'", optarg);
			break;
		case O_TIMEOUT:
			timeout_s = strtod(optarg, &end);
			if (*end || timeout_s < 0)
				die(EXIT_USAGE, "--timeout wants seconds, not '%s'", optarg);
			break;
		case O_HELP:
			usage(stdout);
			talloc_free(root);
			return 0;
		case O_VERSION:
			printf("kexboot-ctl %s\n", PACKAGE_VERSION);
			talloc_free(root);
			return 0;
		default:
			/* a negative number is a value ("config set timeout -1") */
			if (optind > 1 && argv[optind - 1][0] == '-' &&
			    strspn(argv[optind - 1] + 1, "0123456789") == strlen(argv[optind - 1] + 1))
				break;
			die(EXIT_USAGE, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	/* collect positional arguments (getopt with "+" stops at them; rescan) */
	{
		char **pos = talloc_zero_array(ctl, char *, argc);
		int n = 0, i;

		for (i = 1; i < argc; i++) {
			const struct option *o;
			bool takes = false;

			if (argv[i][0] == '-' && strspn(argv[i] + 1, "0123456789") == strlen(argv[i] + 1) &&
			    argv[i][1]) {
				pos[n++] = argv[i]; /* a negative number */
				continue;
			}
			if (argv[i][0] == '-' && argv[i][1] == '-') {
				if (!argv[i][2]) {
					while (++i < argc)
						pos[n++] = argv[i];
					break;
				}
				for (o = long_opts; o->name; o++)
					if (!strcmp(argv[i] + 2, o->name))
						takes = o->has_arg == required_argument;
				if (takes)
					i++;
				continue;
			}
			pos[n++] = argv[i];
		}
		if (n == 0) {
			usage(stderr);
			talloc_free(root);
			return EXIT_USAGE;
		}
		cmd = pos[0];
		argv = pos;
		argc = n;
	}

	if (!strcmp(cmd, "list") || !strcmp(cmd, "status")) {
		connect_daemon(ctl, socket_path);
		if (!strcmp(cmd, "list"))
			print_list(ctl);
		else
			print_status(ctl);
	} else if (!strcmp(cmd, "watch")) {
		ctl->watching = true;
		connect_daemon(ctl, socket_path);
		print_list(ctl);
		fflush(stdout);
		run(ctl, timeout_s >= 0 ? (int)(timeout_s * 1000) : -1, "changes");
	} else if (!strcmp(cmd, "wait")) {
		ctl->wait_default = flags & KB_BOOT_DEFAULT;
		connect_daemon(ctl, socket_path);
		if (!wait_satisfied(ctl))
			run(ctl, timeout_s >= 0 ? (int)(timeout_s * 1000) : -1,
			    ctl->wait_default ? "a default option" : "options");
		if (ctl->json)
			print_status(ctl);
	} else if (!strcmp(cmd, "boot") || !strcmp(cmd, "check")) {
		bool boot = !strcmp(cmd, "boot");
		struct kb_json *j;

		if (argc > 2 || (argc == 2) == !!(flags & (KB_BOOT_DEFAULT | KB_BOOT_MATCH)))
			die(EXIT_USAGE, "%s wants one of ID, --default or --match REGEX", cmd);
		if (!boot && (flags & KB_BOOT_MATCH))
			die(EXIT_USAGE, "check wants an ID");
		connect_daemon(ctl, socket_path);
		authenticate(ctl, password);
		msg.type = boot ? KB_MSG_BOOT : KB_MSG_CHECK;
		msg.u.boot.flags = flags;
		msg.u.boot.option_id = (char *)(match ? match : argc == 2 ? argv[1] : NULL);
		msg.u.boot.password = (char *)password;
		if (boot && (add->args || add->kernel.kind || add->n_initrds || add->dtb.kind))
			msg.u.boot.override = edited(ctl, msg.u.boot.option_id, flags, add);
		request(ctl, &msg);
		if (ctl->json) {
			j = kb_json_new(ctl);
			kb_json_obj_begin(j, NULL);
			kb_json_str(j, "option", ctl->checks.option_id);
			kb_json_bool(j, "ok", ctl->result.status == 0);
			kb_json_str(j, "message", ctl->result.message);
			if (boot)
				kb_json_str(j, "cmdline", ctl->result.value);
			json_checks(j, "results", &ctl->checks);
			kb_json_obj_end(j);
			printf("%s\n", kb_json_text(j));
		} else {
			print_checks(ctl);
			if (ctl->result.status == 0 && ctl->result.message && *ctl->result.message)
				printf("%s\n", ctl->result.message);
		}
		check_result(ctl);
	} else if (!strcmp(cmd, "rescan") || !strcmp(cmd, "cancel") || !strcmp(cmd, "exit-shell")) {
		connect_daemon(ctl, socket_path);
		authenticate(ctl, password);
		msg.type = !strcmp(cmd, "rescan")   ? KB_MSG_RESCAN
			   : !strcmp(cmd, "cancel") ? KB_MSG_CANCEL_AUTOBOOT
						    : KB_MSG_EXIT_SHELL;
		request(ctl, &msg);
		check_result(ctl);
	} else if (!strcmp(cmd, "remove") || !strcmp(cmd, "next-boot")) {
		if (argc != 2)
			die(EXIT_USAGE, "%s wants an option ID", cmd);
		connect_daemon(ctl, socket_path);
		authenticate(ctl, password);
		msg.type = !strcmp(cmd, "remove") ? KB_MSG_USER_REMOVE : KB_MSG_NEXT_BOOT;
		msg.u.request.key = argv[1];
		request(ctl, &msg);
		check_result(ctl);
	} else if (!strcmp(cmd, "add")) {
		if (!add->name || add->kernel.kind == KB_RES_NONE)
			die(EXIT_USAGE, "add wants --name and --kernel");
		connect_daemon(ctl, socket_path);
		authenticate(ctl, password);
		msg.type = KB_MSG_USER_ADD;
		msg.u.boot.override = add;
		request(ctl, &msg);
		check_result(ctl);
		printf("%s\n", ctl->result.value ? ctl->result.value : "");
	} else if (!strcmp(cmd, "config")) {
		if (argc >= 2 && !strcmp(argv[1], "get") && argc <= 3) {
			unsigned i;
			bool found = false;

			connect_daemon(ctl, socket_path);
			if (ctl->json && argc == 2) {
				struct kb_json *j = kb_json_new(ctl);

				json_config(j, NULL, &ctl->config);
				printf("%s\n", kb_json_text(j));
				talloc_free(root);
				return 0;
			}
			for (i = 0; i < ctl->config.n_items; i++) {
				const struct kb_config_item *it = &ctl->config.items[i];

				if (argc == 3 && strcmp(it->key, argv[2]) != 0)
					continue;
				found = true;
				if (ctl->json) {
					struct kb_json *j = kb_json_new(ctl);

					kb_json_obj_begin(j, NULL);
					kb_json_str(j, it->key, it->value);
					kb_json_obj_end(j);
					printf("%s\n", kb_json_text(j));
				} else if (argc == 3)
					printf("%s\n", it->value ? it->value : "");
				else
					printf("%s=%s\n", it->key, it->value ? it->value : "");
			}
			if (argc == 3 && !found)
				die(EXIT_REFUSED, "no configuration key '%s'", argv[2]);
		} else if (argc == 4 && !strcmp(argv[1], "set")) {
			connect_daemon(ctl, socket_path);
			authenticate(ctl, password);
			msg.type = KB_MSG_CONFIG_SET;
			msg.u.request.key = argv[2];
			msg.u.request.value = argv[3];
			request(ctl, &msg);
			check_result(ctl);
		} else {
			die(EXIT_USAGE, "config get [KEY] | config set KEY VALUE");
		}
	} else {
		die(EXIT_USAGE, "unknown command '%s' (see --help)", cmd);
	}
	talloc_free(root);
	return 0;
}
