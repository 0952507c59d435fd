/* kexboot-discover: the control socket, its clients and their authority.
 *
 * Every request is checked here, by the daemon, against the peer's
 * credentials (SO_PEERCRED) before any handler runs: unprivileged clients
 * can look (HELLO, state, CHECK) but nothing they send changes anything.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <talloc.h>
#include <unistd.h>

#include <config.h>
#include "discover/autoboot.h"
#include "discover/daemon.h"
#include "discover/settings.h"
#include "lib/conn.h"
#include "lib/log.h"

#define KB_SERVER_MAX_CLIENTS 1024    /* connected clients at once */
#define KB_SERVER_HELLO_TIMEOUT_MS 10000 /* a client must say HELLO within this */
#define KB_SERVER_MAX_GROUPS 256      /* supplementary groups looked at per peer */
#define KB_SNAPSHOT_INITIAL_SIZE 4096 /* bytes; doubled as the snapshot grows */

/* Every device and option, encoded once as the frames a connecting client
 * is sent, and queued by reference to every client that connects before
 * they change: 200 clients syncing 10,000 options cost one copy, not 200. */
struct snapshot {
	uint8_t *data; /* talloc child */
	size_t len, cap;
};

struct kb_server {
	struct kb_daemon *d;
	int fd;
	char *path;
	struct kb_source *src;
	struct kb_client **clients; /* talloc array of n_clients */
	unsigned n_clients;
	struct snapshot *snapshot;  /* NULL until a client needs it, and after a change */
};

struct kb_client {
	struct kb_server *srv;
	struct kb_conn *conn;
	struct kb_source *hello_timer;
	struct ucred cred;
	bool privileged;
	bool authed; /* restricted mode: password given */
	bool ready;  /* HELLO done */
	char name[64];
	char key[32]; /* rate-limiting identity: the uid */
};

/* May this peer change anything? root, or a member of the configured group. */
static bool peer_privileged(const struct kb_daemon *d, const struct ucred *cred)
{
	gid_t groups[KB_SERVER_MAX_GROUPS];
	int n = KB_SERVER_MAX_GROUPS, i;
	struct passwd *pw;

	if (cred->uid == 0)
		return true;
	if (d->opts.group == (gid_t)-1)
		return false;
	if (cred->gid == d->opts.group)
		return true;
	pw = getpwuid(cred->uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == d->opts.group)
			return true;
	return false;
}

const char *kb_client_name(const struct kb_client *cl)
{
	return cl->name;
}

bool kb_client_privileged(const struct kb_client *cl)
{
	return cl->privileged;
}

int kb_client_send(struct kb_client *cl, const struct kb_msg *msg)
{
	return kb_conn_send(cl->conn, msg);
}

void kb_client_reply(struct kb_client *cl, uint32_t req_id, int status, const char *value,
		     const char *fmt, ...)
{
	struct kb_msg msg = { .type = KB_MSG_RESULT };
	char *text = NULL;
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		text = talloc_vasprintf(cl, fmt, ap);
		va_end(ap);
	}
	msg.u.result.req_id = req_id;
	msg.u.result.status = status;
	msg.u.result.message = text;
	msg.u.result.value = (char *)value;
	if (status < 0)
		log_notice("%s: request %u refused: %s", cl->name, req_id, text ? text : strerror(-status));
	kb_conn_send(cl->conn, &msg);
	talloc_free(text);
}

static int snapshot_emit(void *arg, const struct kb_msg *msg)
{
	struct snapshot *snap = arg;
	uint8_t *frame, *grown;
	size_t len, cap;
	int r;

	r = kb_msg_encode(snap, msg, &frame, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_err("cannot encode %s: %s", kb_msg_type_name(msg->type), strerror(-r));
		return 0;
	}
	if (len > snap->cap - snap->len) {
		for (cap = snap->cap ? snap->cap : KB_SNAPSHOT_INITIAL_SIZE; len > cap - snap->len;)
			cap *= 2;
		grown = talloc_realloc(snap, snap->data, uint8_t, cap);
		if (!grown) {
			talloc_free(frame);
			return -ENOMEM;
		}
		snap->data = grown;
		snap->cap = cap;
	}
	memcpy(snap->data + snap->len, frame, len);
	snap->len += len;
	talloc_free(frame);
	return 0;
}

/* The current snapshot, built if there is none. NULL + errno. */
static struct snapshot *server_snapshot(struct kb_server *srv)
{
	struct snapshot *snap;
	int r;

	if (srv->snapshot)
		return srv->snapshot;
	snap = talloc_zero(srv, struct snapshot);
	if (!snap)
		return NULL;
	r = srv->d->devices ? kb_devices_sync(srv->d->devices, snapshot_emit, snap) : 0;
	if (r < 0) {
		talloc_free(snap);
		errno = -r;
		return NULL;
	}
	srv->snapshot = snap;
	return snap;
}

/* Devices or options changed: the next client gets a new snapshot (clients
 * still sending the old one hold it by reference). */
static void snapshot_drop(struct kb_server *srv)
{
	if (srv->snapshot)
		talloc_unlink(srv, srv->snapshot);
	srv->snapshot = NULL;
}

void kb_server_broadcast(struct kb_server *srv, const struct kb_msg *msg)
{
	uint8_t *frame;
	size_t len;
	unsigned i;
	int r;

	if (!srv)
		return;
	switch (msg->type) {
	case KB_MSG_DEVICE_ADD:
	case KB_MSG_DEVICE_REMOVE:
	case KB_MSG_OPTION_ADD:
	case KB_MSG_OPTION_REMOVE:
		snapshot_drop(srv);
		break;
	}
	r = kb_msg_encode(srv, msg, &frame, &len);
	if (r < 0) {
		log_err("cannot encode %s: %s", kb_msg_type_name(msg->type), strerror(-r));
		return;
	}
	for (i = 0; i < srv->n_clients; i++)
		if (srv->clients[i]->ready)
			kb_conn_send_frame(srv->clients[i]->conn, frame, len);
	talloc_free(frame);
}

void kb_status(struct kb_daemon *d, uint32_t type, const char *device_id, const char *fmt, ...)
{
	struct kb_status st = { .type = type, .progress = -1, .device_id = (char *)device_id };
	struct kb_msg msg = { .type = KB_MSG_STATUS };
	va_list ap;

	va_start(ap, fmt);
	st.message = talloc_vasprintf(d, fmt, ap);
	va_end(ap);
	if (!st.message)
		return;
	kb_log(type == KB_STATUS_ERROR ? KB_LOG_WARN : KB_LOG_INFO, "%s%s%s", device_id ? device_id : "",
	       device_id ? ": " : "", st.message);
	msg.u.status = &st;
	kb_server_broadcast(d->server, &msg);
	talloc_free(st.message);
}

static int client_destructor(struct kb_client *cl)
{
	struct kb_server *srv = cl->srv;
	unsigned i;

	for (i = 0; i < srv->n_clients; i++) {
		if (srv->clients[i] == cl) {
			memmove(&srv->clients[i], &srv->clients[i + 1],
				(srv->n_clients - i - 1) * sizeof(srv->clients[0]));
			srv->n_clients--;
			break;
		}
	}
	log_debug("%s: disconnected", cl->name);
	return 0;
}

/* Reply to a peer speaking another version, then drop it. The socket is
 * fresh and the frame small, so one non-blocking write suffices. */
static void refuse_version(struct kb_client *cl, uint32_t version)
{
	struct kb_msg msg = { .type = KB_MSG_VERSION_MISMATCH };
	uint8_t *frame;
	size_t len;

	log_notice("%s: protocol version %u, ours is %u: dropping", cl->name, version,
		   KB_PROTOCOL_VERSION);
	msg.u.hello.version = KB_PROTOCOL_VERSION;
	msg.u.hello.agent = "kexboot-discover " PACKAGE_VERSION;
	if (kb_msg_encode(cl, &msg, &frame, &len) == 0) {
		if (send(kb_conn_fd(cl->conn), frame, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("%s: %m", cl->name);
		talloc_free(frame);
	}
	talloc_free(cl);
}

bool kb_client_authed(const struct kb_client *cl)
{
	return cl->authed;
}

void kb_client_set_authed(struct kb_client *cl)
{
	cl->authed = true;
}

const char *kb_client_key(const struct kb_client *cl)
{
	return cl->key;
}

static uint32_t hello_flags(const struct kb_client *cl)
{
	const struct kb_daemon *d = cl->srv->d;
	uint32_t flags = 0;

	if (cl->privileged)
		flags |= KB_HELLO_PRIVILEGED;
	if (kb_settings_restricted(d->config))
		flags |= KB_HELLO_RESTRICTED;
	if (cl->authed)
		flags |= KB_HELLO_AUTHED;
	return flags;
}

static void handle_hello(struct kb_client *cl, const struct kb_msg *in)
{
	struct kb_daemon *d = cl->srv->d;
	struct kb_msg msg = { .type = KB_MSG_HELLO };
	struct snapshot *snap;

	if (in->u.hello.version != KB_PROTOCOL_VERSION) {
		refuse_version(cl, in->u.hello.version);
		return;
	}
	TALLOC_FREE(cl->hello_timer);
	log_debug("%s: hello from '%s'", cl->name, in->u.hello.agent ? in->u.hello.agent : "?");
	msg.u.hello.version = KB_PROTOCOL_VERSION;
	msg.u.hello.flags = hello_flags(cl);
	msg.u.hello.agent = "kexboot-discover " PACKAGE_VERSION;
	kb_conn_send(cl->conn, &msg);

	kb_settings_sync(d, cl);
	snap = server_snapshot(cl->srv);
	if (!snap) {
		log_err("%s: cannot build the state to send: %m", cl->name);
		talloc_free(cl);
		return;
	}
	if (snap->len)
		kb_conn_send_shared(cl->conn, snap, snap->data, snap->len);
	msg.type = KB_MSG_AUTOBOOT;
	msg.u.autoboot = (struct kb_autoboot_state *)kb_autoboot_get_state(d->autoboot);
	kb_conn_send(cl->conn, &msg);
	kb_settings_sysinfo(d, cl);
	msg.type = KB_MSG_SYNC_DONE;
	kb_conn_send(cl->conn, &msg);
	cl->ready = true;
}

/* What a request needs beyond a connection. */
enum need { NEED_NONE, NEED_PRIVILEGE };

static const struct {
	uint16_t type;
	enum need need;
	void (*fn)(struct kb_daemon *d, struct kb_client *cl, const struct kb_msg *msg);
} requests[] = {
	{ KB_MSG_BOOT, NEED_PRIVILEGE, kb_boot_request },
	{ KB_MSG_CHECK, NEED_NONE, kb_boot_request },
	{ KB_MSG_RESCAN, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_CONFIG_SET, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_CANCEL_AUTOBOOT, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_USER_ADD, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_USER_REMOVE, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_NEXT_BOOT, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_EXIT_SHELL, NEED_PRIVILEGE, kb_settings_request },
	{ KB_MSG_AUTH, NEED_NONE, kb_settings_request },
};

/* req_id of any request message, for the refusal. */
static uint32_t request_id(const struct kb_msg *msg)
{
	switch (msg->type) {
	case KB_MSG_BOOT:
	case KB_MSG_CHECK:
	case KB_MSG_USER_ADD:
		return msg->u.boot.req_id;
	default:
		return msg->u.request.req_id;
	}
}

static void client_msg(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct kb_client *cl = data;
	unsigned i;

	if (!cl->ready) {
		if (msg->type == KB_MSG_HELLO) {
			handle_hello(cl, msg);
			return;
		}
		log_notice("%s: %s before HELLO: dropping", cl->name,
			   kb_msg_type_name(msg->type) ?: "unknown message");
		talloc_free(cl);
		return;
	}
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (requests[i].type != msg->type)
			continue;
		if (requests[i].need == NEED_PRIVILEGE && !cl->privileged) {
			kb_client_reply(cl, request_id(msg), -EPERM, NULL,
					"refusing %s: uid %u is not allowed to boot, edit or configure",
					kb_msg_type_name(msg->type), cl->cred.uid);
			return;
		}
		requests[i].fn(cl->srv->d, cl, msg);
		return;
	}
	log_notice("%s: unexpected %s from a client: dropping", cl->name,
		   kb_msg_type_name(msg->type));
	talloc_free(cl);
}

static void client_close(struct kb_conn *conn, int err, void *data)
{
	struct kb_client *cl = data;

	if (err < 0)
		log_notice("%s: dropped: %s", cl->name, strerror(-err));
	talloc_free(cl);
}

static void hello_timeout(struct kb_source *src, void *data)
{
	struct kb_client *cl = data;

	log_notice("%s: no HELLO within %d ms: dropping", cl->name, KB_SERVER_HELLO_TIMEOUT_MS);
	talloc_free(cl);
}

static void server_accept(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct kb_server *srv = data;
	socklen_t len = sizeof(struct ucred);
	struct kb_client *cl;
	struct kb_client **grown;
	int cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %m");
		return;
	}
	if (srv->n_clients >= KB_SERVER_MAX_CLIENTS) {
		log_warn("refusing client: %u clients connected (limit %u)", srv->n_clients,
			 KB_SERVER_MAX_CLIENTS);
		close(cfd);
		return;
	}
	grown = talloc_realloc(srv, srv->clients, struct kb_client *, srv->n_clients + 1);
	cl = grown ? talloc_zero(srv, struct kb_client) : NULL;
	if (!cl) {
		if (grown)
			srv->clients = grown;
		close(cfd);
		return;
	}
	srv->clients = grown;
	cl->srv = srv;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &len) < 0) {
		log_warn("SO_PEERCRED: %m");
		talloc_free(cl);
		close(cfd);
		return;
	}
	snprintf(cl->name, sizeof(cl->name), "client uid %u pid %d", cl->cred.uid, cl->cred.pid);
	snprintf(cl->key, sizeof(cl->key), "uid=%u", cl->cred.uid);
	cl->privileged = peer_privileged(srv->d, &cl->cred);
	cl->conn = kb_conn_new(cl, srv->d->loop, cfd, client_msg, client_close, cl);
	cl->hello_timer = kb_loop_add_timer(srv->d->loop, cl, KB_SERVER_HELLO_TIMEOUT_MS, false,
					    hello_timeout, cl);
	if (!cl->conn || !cl->hello_timer) {
		if (!cl->conn)
			close(cfd);
		talloc_free(cl);
		return;
	}
	srv->clients[srv->n_clients++] = cl;
	talloc_set_destructor(cl, client_destructor);
	log_debug("%s: connected (%s)", cl->name, cl->privileged ? "privileged" : "read-only");
}

static int server_destructor(struct kb_server *srv)
{
	/* clients first: their destructors edit srv->clients */
	while (srv->n_clients)
		talloc_free(srv->clients[srv->n_clients - 1]);
	TALLOC_FREE(srv->src);
	if (srv->fd >= 0) {
		close(srv->fd);
		unlink(srv->path);
	}
	return 0;
}

struct kb_server *kb_server_new(struct kb_daemon *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct kb_server *srv;
	char *tmp;
	mode_t old;
	int r;

	if (strlen(d->opts.socket_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	srv = talloc_zero(d, struct kb_server);
	if (!srv)
		return NULL;
	srv->d = d;
	srv->path = talloc_strdup(srv, d->opts.socket_path);
	/* bound under a temporary name, renamed into place once listening and
	 * with its final mode: a client that waits for the socket to appear
	 * is never refused (nor is one that connects to a stale socket) */
	tmp = talloc_asprintf(srv, "%s.new", d->opts.socket_path);
	if (!srv->path || !tmp) {
		talloc_free(srv);
		errno = ENOMEM;
		return NULL;
	}
	if (strlen(tmp) >= sizeof(addr.sun_path))
		tmp = srv->path; /* no room for a suffix: bind in place */
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		talloc_free(srv);
		return NULL;
	}
	strcpy(addr.sun_path, tmp);
	unlink(tmp);
	/* created with the right mode: no window where others can connect */
	old = umask(0177);
	r = bind(srv->fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r < 0)
		goto fail;
	if (listen(srv->fd, 128) < 0 ||
	    (d->opts.group != (gid_t)-1 && (chown(tmp, 0, d->opts.group) < 0 || chmod(tmp, 0660) < 0)) ||
	    (tmp != srv->path && rename(tmp, srv->path) < 0)) {
		r = errno;
		unlink(tmp);
		errno = r;
		goto fail;
	}
	talloc_set_destructor(srv, server_destructor);
	srv->src = kb_loop_add_fd(d->loop, srv, srv->fd, EPOLLIN, server_accept, srv);
	if (!srv->src) {
		r = errno;
		unlink(srv->path);
		errno = r;
		goto fail;
	}
	return srv;
fail:
	r = errno;
	if (srv->fd >= 0) {
		close(srv->fd);
		srv->fd = -1;
	}
	talloc_set_destructor(srv, NULL);
	talloc_free(srv);
	errno = r;
	return NULL;
}
