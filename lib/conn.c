/* kexboot framed connection: non-blocking reads reassembled into frames,
 * queued non-blocking writes, and the client's synchronous HELLO exchange.
 *
 * Callbacks may free the connection. Every place that calls out pushes a
 * guard on the conn; the destructor marks all pushed guards, and the caller
 * returns at once without touching the conn when its guard was marked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>

#include "lib/conn.h"

#define KB_CONN_READ_CHUNK (64u * 1024u) /* bytes read per wakeup */
#define KB_CONN_CHUNK (16u * 1024u)      /* queue chunk that small frames are appended to */

/* A stretch of queued bytes: a chunk of our own that later frames are
 * appended to, or frames inside a shared buffer. */
struct qframe {
	struct qframe *next;
	const uint8_t *data; /* buf, or inside the shared buffer */
	size_t len;
	uint8_t *buf;        /* own chunk (talloc child), cap bytes; NULL: data is in a
	                        shared buffer the qframe holds a reference to */
	size_t cap;
};

struct conn_guard {
	bool destroyed;
	struct conn_guard *prev;
};

struct kb_conn {
	struct kb_loop *loop;
	int fd;
	struct kb_source *src;
	uint32_t events;
	kb_conn_msg_fn on_msg;
	kb_conn_close_fn on_close;
	void *data;

	/* read side: header first, then payload */
	uint8_t hdr[KB_MSG_HEADER_SIZE];
	size_t hdr_got;
	bool in_payload;
	uint16_t type;
	uint32_t plen;
	uint8_t *payload;
	size_t pay_got;

	/* write side */
	struct qframe *head, *tail;
	size_t head_off; /* bytes of head already written */
	size_t queued;   /* bytes not yet written */
	size_t shared;   /* of which in shared buffers (not counted against the limit) */

	bool closed;
	int close_err;
	struct kb_source *close_timer;
	struct conn_guard *guards;
};

static int conn_destructor(struct kb_conn *conn)
{
	for (struct conn_guard *g = conn->guards; g; g = g->prev)
		g->destroyed = true;
	talloc_free(conn->src); /* leave epoll before the fd closes */
	conn->src = NULL;
	talloc_free(conn->close_timer);
	conn->close_timer = NULL;
	if (conn->fd >= 0)
		close(conn->fd);
	conn->fd = -1;
	return 0;
}

/* Stop all I/O: the conn stays allocated until its owner frees it. */
static void conn_shutdown(struct kb_conn *conn, int err)
{
	struct qframe *f, *next;

	conn->closed = true;
	conn->close_err = err;
	talloc_free(conn->src);
	conn->src = NULL;
	for (f = conn->head; f; f = next) {
		next = f->next;
		talloc_free(f);
	}
	conn->head = conn->tail = NULL;
	conn->queued = 0;
	conn->shared = 0;
	conn->head_off = 0;
	TALLOC_FREE(conn->payload);
}

/* Shut down and tell the owner, from loop context. May free conn. */
static void conn_fail(struct kb_conn *conn, int err)
{
	conn_shutdown(conn, err);
	if (conn->on_close)
		conn->on_close(conn, err, conn->data);
}

static void close_timer_cb(struct kb_source *src, void *data)
{
	struct kb_conn *conn = data;

	talloc_free(conn->close_timer);
	conn->close_timer = NULL;
	if (conn->on_close)
		conn->on_close(conn, conn->close_err, conn->data);
}

/* Shut down now, tell the owner on the next loop iteration (not re-entrantly). */
static void conn_fail_deferred(struct kb_conn *conn, int err)
{
	conn_shutdown(conn, err);
	if (!conn->close_timer)
		conn->close_timer = kb_loop_add_timer(conn->loop, conn, 0, false, close_timer_cb, conn);
}

static int conn_set_events(struct kb_conn *conn, uint32_t events)
{
	int r;

	if (!conn->src || conn->events == events)
		return 0;
	r = kb_source_set_events(conn->src, events);
	if (r == 0)
		conn->events = events;
	return r;
}

static ssize_t conn_write(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && errno == ENOTSOCK)
		n = write(fd, buf, len);
	return n;
}

/* Write as much of the queue as the socket takes. 0 or -errno. */
static int conn_flush(struct kb_conn *conn)
{
	while (conn->head) {
		struct qframe *f = conn->head;
		ssize_t n = conn_write(conn->fd, f->data + conn->head_off, f->len - conn->head_off);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		conn->head_off += (size_t)n;
		conn->queued -= (size_t)n;
		if (!f->buf)
			conn->shared -= (size_t)n;
		if (conn->head_off < f->len)
			break;
		conn->head = f->next;
		if (!conn->head)
			conn->tail = NULL;
		conn->head_off = 0;
		talloc_free(f);
	}
	return conn_set_events(conn, EPOLLIN | (conn->head ? EPOLLOUT : 0));
}

/* A whole frame arrived: decode and deliver it. Returns false if conn is gone or closed. */
static bool conn_deliver(struct kb_conn *conn)
{
	void *msgctx = talloc_new(NULL);
	struct kb_msg *msg = NULL;
	struct conn_guard guard = { .destroyed = false, .prev = conn->guards };
	int r;

	if (!msgctx) {
		conn_fail(conn, -ENOMEM);
		return false;
	}
	r = kb_msg_decode(msgctx, conn->type, conn->payload, conn->plen, &msg);
	TALLOC_FREE(conn->payload);
	conn->in_payload = false;
	conn->hdr_got = 0;
	conn->pay_got = 0;
	if (r < 0) {
		talloc_free(msgctx);
		conn_fail(conn, r);
		return false;
	}
	conn->guards = &guard;
	if (conn->on_msg)
		conn->on_msg(conn, msg, conn->data);
	talloc_free(msgctx);
	if (guard.destroyed)
		return false;
	conn->guards = guard.prev;
	return !conn->closed;
}

/* Feed received bytes through the frame reassembler. Returns false if conn is gone or closed. */
static bool conn_consume(struct kb_conn *conn, const uint8_t *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		if (!conn->in_payload) {
			size_t take = KB_MSG_HEADER_SIZE - conn->hdr_got;
			int r;

			if (take > n - off)
				take = n - off;
			memcpy(conn->hdr + conn->hdr_got, buf + off, take);
			conn->hdr_got += take;
			off += take;
			if (conn->hdr_got < KB_MSG_HEADER_SIZE)
				break;
			/* validate before allocating anything for the payload */
			r = kb_msg_header_parse(conn->hdr, &conn->type, &conn->plen);
			if (r < 0) {
				conn_fail(conn, r);
				return false;
			}
			conn->payload = talloc_size(conn, conn->plen ? conn->plen : 1);
			if (!conn->payload) {
				conn_fail(conn, -ENOMEM);
				return false;
			}
			conn->in_payload = true;
			conn->pay_got = 0;
		}
		size_t take = conn->plen - conn->pay_got;

		if (take > n - off)
			take = n - off;
		memcpy(conn->payload + conn->pay_got, buf + off, take);
		conn->pay_got += take;
		off += take;
		if (conn->pay_got == conn->plen && !conn_deliver(conn))
			return false;
	}
	return true;
}

static void conn_io(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct kb_conn *conn = data;

	if (revents & EPOLLOUT) {
		int r = conn_flush(conn);

		if (r < 0) {
			conn_fail(conn, r);
			return;
		}
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		uint8_t buf[KB_CONN_READ_CHUNK];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				conn_fail(conn, -errno);
			return;
		}
		if (n == 0) {
			/* a frame cut short by the peer's close is a protocol error */
			conn_fail(conn, (conn->hdr_got || conn->in_payload) ? -EBADMSG : 0);
			return;
		}
		conn_consume(conn, buf, (size_t)n);
	}
}

/* Wrap fd (made non-blocking; closed by the conn's destructor). NULL on
 * failure (errno set), in which case fd is left open for the caller. */
struct kb_conn *kb_conn_new(void *ctx, struct kb_loop *loop, int fd, kb_conn_msg_fn on_msg,
			    kb_conn_close_fn on_close, void *data)
{
	struct kb_conn *conn;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return NULL;
	conn = talloc_zero(ctx, struct kb_conn);
	if (!conn) {
		errno = ENOMEM;
		return NULL;
	}
	conn->loop = loop;
	conn->fd = -1;
	conn->on_msg = on_msg;
	conn->on_close = on_close;
	conn->data = data;
	conn->events = EPOLLIN;
	conn->src = kb_loop_add_fd(loop, conn, fd, EPOLLIN, conn_io, conn);
	if (!conn->src) {
		int e = errno;

		talloc_free(conn);
		errno = e;
		return NULL;
	}
	conn->fd = fd;
	talloc_set_destructor(conn, conn_destructor);
	return conn;
}

/* Queue len bytes at frame: copied into the queue's chunks or, when owner
 * is given, held by a reference to owner (the talloc object they live in).
 * 0 or -errno. */
static int conn_enqueue(struct kb_conn *conn, const uint8_t *frame, size_t len, const void *owner)
{
	struct qframe *f = conn->tail;
	size_t off = 0;

	if (conn->closed)
		return -EPIPE;
	/* nothing waiting: try to write directly */
	if (!conn->head) {
		while (off < len) {
			ssize_t n = conn_write(conn->fd, frame + off, len - off);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				conn_fail_deferred(conn, -errno);
				return -EPIPE;
			}
			off += (size_t)n;
		}
		if (off == len)
			return 0;
	}
	frame += off;
	len -= off;
	if (owner) {
		f = talloc_zero(conn, struct qframe);
		if (!f || !talloc_reference(f, owner)) {
			talloc_free(f);
			return -ENOMEM;
		}
		f->data = frame;
		conn->shared += len;
	} else {
		/* what a peer makes us hold is bounded; shared bytes are not its own */
		if (conn->queued - conn->shared + len > KB_CONN_MAX_QUEUE) {
			conn_fail_deferred(conn, -ENOBUFS);
			return -ENOBUFS;
		}
		/* small frames share chunks: per-allocation overhead would
		 * otherwise double what a slow peer costs */
		if (!f || !f->buf || f->cap - f->len < len) {
			size_t cap = len > KB_CONN_CHUNK ? len : KB_CONN_CHUNK;

			f = talloc_zero(conn, struct qframe);
			if (!f || !(f->buf = talloc_size(f, cap))) {
				talloc_free(f);
				return -ENOMEM;
			}
			f->data = f->buf;
			f->cap = cap;
		}
		memcpy(f->buf + f->len, frame, len);
	}
	if (f != conn->tail) {
		if (conn->tail)
			conn->tail->next = f;
		else
			conn->head = f;
		conn->tail = f;
	}
	f->len += len;
	conn->queued += len;
	if (conn_set_events(conn, EPOLLIN | EPOLLOUT) < 0) {
		conn_fail_deferred(conn, -EIO);
		return -EPIPE;
	}
	return 0;
}

/* Queue msg. 0, or -ENOBUFS when the queue limit is exceeded (the conn is
 * then closed through on_close from the loop), -EPIPE if already closed. */
int kb_conn_send(struct kb_conn *conn, const struct kb_msg *msg)
{
	uint8_t *frame = NULL;
	size_t len = 0;
	int r;

	if (conn->closed)
		return -EPIPE;
	r = kb_msg_encode(conn, msg, &frame, &len);
	if (r < 0)
		return r;
	r = conn_enqueue(conn, frame, len, NULL);
	talloc_free(frame);
	return r;
}

/* Queue an already-encoded frame (broadcast without re-encoding). */
int kb_conn_send_frame(struct kb_conn *conn, const uint8_t *frame, size_t len)
{
	return conn_enqueue(conn, frame, len, NULL);
}

int kb_conn_send_shared(struct kb_conn *conn, const void *owner, const uint8_t *frames, size_t len)
{
	return conn_enqueue(conn, frames, len, owner);
}

/* Bytes waiting to be written. */
size_t kb_conn_queued(const struct kb_conn *conn)
{
	return conn->queued;
}

/* The connection's socket (owned by the conn). */
int kb_conn_fd(const struct kb_conn *conn)
{
	return conn->fd;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline (ms, CLOCK_MONOTONIC). 0 or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - mono_ms();
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int write_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = conn_write(fd, buf + off, len - off);

		if (n < 0) {
			int r;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		}
		off += (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes (no more: later frames stay in the socket). */
static int read_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		int r = wait_fd(fd, POLLIN, deadline);
		ssize_t n;

		if (r < 0)
			return r;
		n = recv(fd, buf + off, len - off, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

/* Client side: connect to the daemon's socket at path and exchange HELLO
 * synchronously (timeout_ms). On success *ret_fd is the socket and
 * *ret_flags the server's KB_HELLO_* flags. -EPROTO on version mismatch
 * (with the server's version in *ret_server_version). */
int kb_client_connect(const char *path, const char *agent, int timeout_ms, int *ret_fd,
		      uint32_t *ret_flags, uint32_t *ret_server_version)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	void *ctx = NULL;
	struct kb_msg hello = { .type = KB_MSG_HELLO };
	struct kb_msg *reply = NULL;
	uint8_t *frame = NULL, hdr[KB_MSG_HEADER_SIZE], *payload;
	size_t len = 0;
	uint16_t type;
	uint32_t plen;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	ctx = talloc_new(NULL);
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	hello.u.hello.version = KB_PROTOCOL_VERSION;
	hello.u.hello.agent = (char *)agent;
	r = kb_msg_encode(ctx, &hello, &frame, &len);
	if (r < 0)
		goto out;
	r = write_all(fd, frame, len, deadline);
	if (r < 0)
		goto out;
	r = read_all(fd, hdr, sizeof(hdr), deadline);
	if (r < 0)
		goto out;
	r = kb_msg_header_parse(hdr, &type, &plen);
	if (r < 0)
		goto out;
	if (type != KB_MSG_HELLO && type != KB_MSG_VERSION_MISMATCH) {
		r = -EPROTO;
		goto out;
	}
	payload = talloc_size(ctx, plen ? plen : 1);
	if (!payload) {
		r = -ENOMEM;
		goto out;
	}
	r = read_all(fd, payload, plen, deadline);
	if (r < 0)
		goto out;
	r = kb_msg_decode(ctx, type, payload, plen, &reply);
	if (r < 0)
		goto out;
	if (ret_server_version)
		*ret_server_version = reply->u.hello.version;
	if (type == KB_MSG_VERSION_MISMATCH) {
		r = -EPROTO;
		goto out;
	}
	if (ret_flags)
		*ret_flags = reply->u.hello.flags;
	*ret_fd = fd;
	fd = -1;
	r = 0;
out:
	talloc_free(ctx);
	if (fd >= 0)
		close(fd);
	return r;
}
