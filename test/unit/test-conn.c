/* Unit tests for lib/conn.c: frame reassembly, bad peers, the write queue
 * limit, frames queued by reference and in chunks, freeing a conn from its
 * callback, and kb_client_connect(). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "lib/conn.h"

#define TEST_DEADLINE_MS 5000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct peer {
	void *ctx;
	struct kb_conn *conn;
	int n_msgs;
	struct kb_msg *msgs[16]; /* stolen copies */
	int closes;
	int close_err;
	bool free_on_msg;   /* talloc_free the conn from on_msg */
	bool free_on_close; /* talloc_free the conn from on_close */
};

static void on_msg(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct peer *p = data;

	assert_ptr_equal(conn, p->conn);
	if (p->n_msgs < 16)
		p->msgs[p->n_msgs] = talloc_steal(p->ctx, msg);
	p->n_msgs++;
	if (p->free_on_msg) {
		talloc_free(conn);
		p->conn = NULL;
	}
}

static void on_close(struct kb_conn *conn, int err, void *data)
{
	struct peer *p = data;

	assert_ptr_equal(conn, p->conn);
	p->closes++;
	p->close_err = err;
	if (p->free_on_close) {
		talloc_free(conn);
		p->conn = NULL;
	}
}

static void run_until(struct kb_loop *loop, const int *flag)
{
	uint64_t end = now_ms() + TEST_DEADLINE_MS;

	while (!*flag && now_ms() < end)
		assert_int_equal(kb_loop_run_once(loop, 100), 0);
	assert_true(*flag);
}

static uint8_t *encode(void *ctx, const struct kb_msg *m, size_t *len)
{
	uint8_t *buf;

	assert_int_equal(kb_msg_encode(ctx, m, &buf, len), 0);
	return buf;
}

static void test_fragmented_round_trip(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer p = { .ctx = ctx };
	int sv[2];
	struct kb_msg hello = { .type = KB_MSG_HELLO };
	struct kb_msg sync = { .type = KB_MSG_SYNC_DONE };
	struct kb_msg cfg = { .type = KB_MSG_CONFIG };
	struct kb_config_item items[2] = { { "timeout", "10" }, { "console", NULL } };
	uint8_t *stream;
	size_t l1, l2, l3;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p.conn = kb_conn_new(ctx, loop, sv[0], on_msg, on_close, &p);
	assert_non_null(p.conn);
	assert_int_equal(kb_conn_fd(p.conn), sv[0]);

	hello.u.hello = (struct kb_msg_hello){ KB_PROTOCOL_VERSION, 0, "frag-test" };
	cfg.u.config.n_items = 2;
	cfg.u.config.items = items;
	uint8_t *f1 = encode(ctx, &hello, &l1);
	uint8_t *f2 = encode(ctx, &sync, &l2);
	uint8_t *f3 = encode(ctx, &cfg, &l3);
	stream = talloc_size(ctx, l1 + l2 + l3);
	memcpy(stream, f1, l1);
	memcpy(stream + l1, f2, l2);
	memcpy(stream + l1 + l2, f3, l3);

	/* one byte at a time, with a loop iteration after each */
	for (size_t i = 0; i < l1 + l2 + l3; i++) {
		assert_int_equal(write(sv[1], stream + i, 1), 1);
		assert_int_equal(kb_loop_run_once(loop, 1000), 0);
		if (i + 1 < l1)
			assert_int_equal(p.n_msgs, 0);
	}
	assert_int_equal(p.n_msgs, 3);
	assert_int_equal(p.msgs[0]->type, KB_MSG_HELLO);
	assert_string_equal(p.msgs[0]->u.hello.agent, "frag-test");
	assert_int_equal(p.msgs[1]->type, KB_MSG_SYNC_DONE);
	assert_int_equal(p.msgs[2]->type, KB_MSG_CONFIG);
	assert_int_equal(p.msgs[2]->u.config.n_items, 2);
	assert_string_equal(p.msgs[2]->u.config.items[0].value, "10");
	assert_null(p.msgs[2]->u.config.items[1].value);

	/* and all at once */
	assert_int_equal(write(sv[1], stream, l1 + l2 + l3), (ssize_t)(l1 + l2 + l3));
	while (p.n_msgs < 6)
		assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(p.msgs[5]->type, KB_MSG_CONFIG);

	/* the other direction: what kb_conn_send writes decodes the same */
	assert_int_equal(kb_conn_send(p.conn, &cfg), 0);
	assert_int_equal(kb_conn_send_frame(p.conn, f1, l1), 0);
	uint8_t in[256];
	size_t got = 0;
	while (got < l3 + l1) {
		ssize_t n = read(sv[1], in + got, sizeof(in) - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(in, f3, l3);
	assert_memory_equal(in + l3, f1, l1);
	assert_int_equal(kb_conn_queued(p.conn), 0);

	/* orderly close by the peer */
	p.free_on_close = true;
	close(sv[1]);
	run_until(loop, &p.closes);
	assert_int_equal(p.close_err, 0);
	assert_null(p.conn);
	talloc_free(ctx);
}

/* One conn gets a bad frame and is closed; another on the same loop works. */
static void check_bad_peer(const uint8_t *bad, size_t bad_len, int want_err)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer bp = { .ctx = ctx, .free_on_close = true };
	struct peer good = { .ctx = ctx, .free_on_close = true };
	int s1[2], s2[2];
	struct kb_msg sync = { .type = KB_MSG_SYNC_DONE };
	size_t len;
	uint8_t *f = encode(ctx, &sync, &len);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s1), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s2), 0);
	bp.conn = kb_conn_new(ctx, loop, s1[0], on_msg, on_close, &bp);
	good.conn = kb_conn_new(ctx, loop, s2[0], on_msg, on_close, &good);
	assert_non_null(bp.conn);
	assert_non_null(good.conn);

	assert_int_equal(write(s1[1], bad, bad_len), (ssize_t)bad_len);
	assert_int_equal(write(s2[1], f, len), (ssize_t)len);
	run_until(loop, &bp.closes);
	run_until(loop, &good.n_msgs);
	assert_int_equal(bp.close_err, want_err);
	assert_int_equal(bp.n_msgs, 0);
	assert_null(bp.conn);
	/* the closed peer sees EOF */
	char c;
	assert_int_equal(read(s1[1], &c, 1), 0);

	assert_int_equal(write(s2[1], f, len), (ssize_t)len);
	while (good.n_msgs < 2)
		assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(good.closes, 0);
	assert_int_equal(good.msgs[1]->type, KB_MSG_SYNC_DONE);

	close(s1[1]);
	close(s2[1]);
	talloc_free(ctx);
}

static void test_garbage_peer(void **state)
{
	/* unknown type */
	static const uint8_t unknown[] = { 0x77, 0x77, 0, 0, 0, 0, 0, 0 };
	/* nonzero flags */
	static const uint8_t flags[] = { 0x09, 0x01, 1, 0, 0, 0, 0, 0 };
	/* oversized length: refused before allocating */
	static const uint8_t huge[] = { 0x01, 0x00, 0, 0, 0xff, 0xff, 0xff, 0x7f };
	/* DEVICE_REMOVE whose string overruns the payload */
	static const uint8_t overrun[] = { 0x01, 0x01, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0 };
	/* SYNC_DONE with a trailing byte */
	static const uint8_t trailing[] = { 0x09, 0x01, 0, 0, 1, 0, 0, 0, 0 };
	/* text where a header should be */
	static const uint8_t text[] = "GET / HTTP/1.0\r\n\r\n";

	check_bad_peer(unknown, sizeof(unknown), -EPROTO);
	check_bad_peer(flags, sizeof(flags), -EPROTO);
	check_bad_peer(huge, sizeof(huge), -EMSGSIZE);
	check_bad_peer(overrun, sizeof(overrun), -EBADMSG);
	check_bad_peer(trailing, sizeof(trailing), -EBADMSG);
	check_bad_peer(text, sizeof(text) - 1, -EPROTO);
}

static void test_truncated_then_eof(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer p = { .ctx = ctx, .free_on_close = true };
	int sv[2];
	static const uint8_t part[] = { 0x01, 0x01, 0, 0, 8, 0, 0, 0, 1, 0 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.conn = kb_conn_new(ctx, loop, sv[0], on_msg, on_close, &p);
	assert_int_equal(write(sv[1], part, sizeof(part)), (ssize_t)sizeof(part));
	close(sv[1]);
	run_until(loop, &p.closes);
	assert_int_equal(p.close_err, -EBADMSG);
	talloc_free(ctx);
}

static void test_free_in_on_msg(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer p = { .ctx = ctx, .free_on_msg = true };
	int sv[2];
	struct kb_msg sync = { .type = KB_MSG_SYNC_DONE };
	size_t len;
	uint8_t *f = encode(ctx, &sync, &len);
	uint8_t two[16];

	assert_int_equal(len, 8);
	memcpy(two, f, 8);
	memcpy(two + 8, f, 8);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.conn = kb_conn_new(ctx, loop, sv[0], on_msg, on_close, &p);
	assert_int_equal(write(sv[1], two, sizeof(two)), (ssize_t)sizeof(two));
	run_until(loop, &p.n_msgs);
	/* freed after the first: the second frame in the same read is dropped */
	assert_int_equal(kb_loop_run_once(loop, 20), 0);
	assert_int_equal(p.n_msgs, 1);
	assert_int_equal(p.closes, 0);
	char c;
	assert_int_equal(read(sv[1], &c, 1), 0); /* fd closed by the destructor */
	close(sv[1]);
	talloc_free(ctx);
}

/* A peer that never reads: sends stay non-blocking and the queue limit closes it. */
static void test_queue_limit(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer p = { .ctx = ctx, .free_on_close = true };
	int sv[2];
	struct kb_msg m = { .type = KB_MSG_DEVICE_REMOVE };
	char *big = talloc_zero_size(ctx, KB_MSG_MAX_STRING + 1);
	uint8_t *frame;
	size_t flen;
	size_t sent = 0;
	int r = 0, i;
	uint64_t start;

	memset(big, 'q', KB_MSG_MAX_STRING);
	m.u.id.id = big;
	frame = encode(ctx, &m, &flen);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.conn = kb_conn_new(ctx, loop, sv[0], on_msg, on_close, &p);

	start = now_ms();
	for (i = 0; i < 10000; i++) {
		r = (i % 2) ? kb_conn_send(p.conn, &m) : kb_conn_send_frame(p.conn, frame, flen);
		if (r < 0)
			break;
		sent += flen;
		assert_true(kb_conn_queued(p.conn) <= KB_CONN_MAX_QUEUE);
		if (i % 16 == 0)
			assert_int_equal(kb_loop_run_once(loop, 0), 0);
	}
	print_message("queue limit hit after %zu bytes (%d frames) in %llu ms\n", sent, i,
		      (unsigned long long)(now_ms() - start));
	assert_int_equal(r, -ENOBUFS);
	assert_true(sent >= KB_CONN_MAX_QUEUE);
	assert_true(now_ms() - start < 3000);
	/* on_close comes from the loop, not from inside kb_conn_send */
	assert_int_equal(p.closes, 0);
	assert_int_equal(kb_conn_send_frame(p.conn, frame, flen), -EPIPE);
	assert_int_equal(kb_conn_send(p.conn, &m), -EPIPE);
	run_until(loop, &p.closes);
	assert_int_equal(p.close_err, -ENOBUFS);
	assert_int_equal(p.closes, 1);
	assert_null(p.conn);
	close(sv[1]);
	talloc_free(ctx);
}

/* A slow reader gets everything, in order, once it reads. */
struct count_peer {
	struct peer p;
	uint32_t next_id;
};

static void on_msg_order(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct count_peer *cp = data;

	assert_int_equal(msg->type, KB_MSG_RESULT);
	assert_int_equal(msg->u.result.req_id, cp->next_id);
	assert_int_equal(strlen(msg->u.result.message), 50000);
	cp->next_id++;
}

static void test_queue_order(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer p = { .ctx = ctx };
	struct count_peer cp = { .p = { .ctx = ctx } };
	int sv[2];
	struct kb_msg m = { .type = KB_MSG_RESULT };
	char *big = talloc_zero_size(ctx, 50001);
	const uint32_t n = 40;

	memset(big, 'r', 50000);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.conn = kb_conn_new(ctx, loop, sv[0], on_msg, on_close, &p);
	for (uint32_t i = 0; i < n; i++) {
		m.u.result = (struct kb_msg_result){ i, 0, big, NULL };
		assert_int_equal(kb_conn_send(p.conn, &m), 0);
	}
	assert_true(kb_conn_queued(p.conn) > 0);
	cp.p.conn = kb_conn_new(ctx, loop, sv[1], on_msg_order, on_close, &cp);
	uint64_t end = now_ms() + TEST_DEADLINE_MS;
	while (cp.next_id < n && now_ms() < end)
		assert_int_equal(kb_loop_run_once(loop, 100), 0);
	assert_int_equal(cp.next_id, n);
	assert_int_equal(kb_conn_queued(p.conn), 0);
	talloc_free(ctx);
}

/* Frames queued by reference: two slow readers share one buffer larger than
 * the queue limit (shared bytes are not theirs), both get it all in order
 * followed by their own frames, and the buffer lives exactly until the
 * last of them has written it. */
static bool snap_freed;

static int snap_destructor(uint8_t *snap)
{
	snap_freed = true;
	return 0;
}

static void test_shared(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer w[2] = { { .ctx = ctx }, { .ctx = ctx } };
	struct count_peer r[2] = { { .p = { .ctx = ctx } }, { .p = { .ctx = ctx } } };
	struct kb_msg m = { .type = KB_MSG_RESULT };
	char *big = talloc_zero_size(ctx, 50001);
	const uint32_t n = KB_CONN_MAX_QUEUE / 50000 + 20;
	uint8_t *snap = NULL, *f;
	size_t len = 0, flen;
	int sv[2][2], k;

	memset(big, 's', 50000);
	for (uint32_t i = 0; i < n; i++) {
		m.u.result = (struct kb_msg_result){ i, 0, big, NULL };
		f = encode(ctx, &m, &flen);
		snap = talloc_realloc(ctx, snap, uint8_t, len + flen);
		memcpy(snap + len, f, flen);
		len += flen;
		talloc_free(f);
	}
	assert_true(len > KB_CONN_MAX_QUEUE);
	snap_freed = false;
	talloc_set_destructor(snap, snap_destructor);
	for (k = 0; k < 2; k++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[k]), 0);
		w[k].conn = kb_conn_new(ctx, loop, sv[k][0], on_msg, on_close, &w[k]);
		assert_int_equal(kb_conn_send_shared(w[k].conn, snap, snap, len), 0);
		m.u.result = (struct kb_msg_result){ n, 0, big, NULL };
		assert_int_equal(kb_conn_send(w[k].conn, &m), 0);
		assert_true(kb_conn_queued(w[k].conn) > KB_CONN_MAX_QUEUE);
	}
	/* the owner lets go: the queues keep it alive */
	assert_int_equal(talloc_unlink(ctx, snap), 0);
	assert_false(snap_freed);
	for (k = 0; k < 2; k++)
		r[k].p.conn = kb_conn_new(ctx, loop, sv[k][1], on_msg_order, on_close, &r[k]);
	uint64_t end = now_ms() + TEST_DEADLINE_MS;
	while ((r[0].next_id <= n || r[1].next_id <= n) && now_ms() < end)
		assert_int_equal(kb_loop_run_once(loop, 100), 0);
	for (k = 0; k < 2; k++) {
		assert_int_equal(r[k].next_id, n + 1);
		assert_int_equal(kb_conn_queued(w[k].conn), 0);
	}
	assert_true(snap_freed);
	talloc_free(ctx);
}

/* Many small frames to a reader that is not reading yet arrive whole and in
 * order (they are appended into shared queue chunks). */
static void on_msg_small(struct kb_conn *conn, struct kb_msg *msg, void *data)
{
	struct count_peer *cp = data;

	assert_int_equal(msg->type, KB_MSG_RESULT);
	assert_int_equal(msg->u.result.req_id, cp->next_id);
	assert_int_equal(strlen(msg->u.result.message), cp->next_id % 700);
	cp->next_id++;
}

static void test_small_frames(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct peer p = { .ctx = ctx };
	struct count_peer cp = { .p = { .ctx = ctx } };
	struct kb_msg m = { .type = KB_MSG_RESULT };
	char *text = talloc_zero_size(ctx, 700);
	const uint32_t n = 20000;
	int sv[2];

	memset(text, 't', 699);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.conn = kb_conn_new(ctx, loop, sv[0], on_msg, on_close, &p);
	for (uint32_t i = 0; i < n; i++) {
		m.u.result = (struct kb_msg_result){ i, 0, text + 699 - i % 700, NULL };
		assert_int_equal(kb_conn_send(p.conn, &m), 0);
	}
	assert_true(kb_conn_queued(p.conn) > 0);
	cp.p.conn = kb_conn_new(ctx, loop, sv[1], on_msg_small, on_close, &cp);
	uint64_t end = now_ms() + TEST_DEADLINE_MS;
	while (cp.next_id < n && now_ms() < end)
		assert_int_equal(kb_loop_run_once(loop, 100), 0);
	assert_int_equal(cp.next_id, n);
	assert_int_equal(kb_conn_queued(p.conn), 0);
	talloc_free(ctx);
}

/* ---- kb_client_connect against a forked in-test server ---- */

enum server_mode { SRV_HELLO, SRV_MISMATCH, SRV_SILENT };

static char sock_dir[64];
static char sock_path[128];

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static int read_full(int fd, uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Child: accept one client, check its HELLO, answer per mode. Exit code 0 = HELLO was right. */
static void serve_one(int lfd, enum server_mode mode)
{
	int c = accept(lfd, NULL, NULL);
	uint8_t hdr[8], payload[512];
	uint16_t type;
	uint32_t len;
	struct kb_msg *msg;
	void *ctx = talloc_new(NULL);
	struct kb_msg reply = { .type = KB_MSG_HELLO };
	struct kb_msg sync = { .type = KB_MSG_SYNC_DONE };
	uint8_t *f;
	size_t flen;

	if (c < 0 || read_full(c, hdr, 8) || kb_msg_header_parse(hdr, &type, &len) ||
	    type != KB_MSG_HELLO || len > sizeof(payload) || read_full(c, payload, len) ||
	    kb_msg_decode(ctx, type, payload, len, &msg) ||
	    msg->u.hello.version != KB_PROTOCOL_VERSION || !msg->u.hello.agent ||
	    strcmp(msg->u.hello.agent, "test-client 1.0"))
		_exit(1);
	if (mode == SRV_SILENT) {
		/* wait for the client to give up */
		read_full(c, hdr, 1);
		_exit(0);
	}
	if (mode == SRV_MISMATCH)
		reply = (struct kb_msg){ .type = KB_MSG_VERSION_MISMATCH,
					 .u.hello = { 99, 0, "future-server" } };
	else
		reply.u.hello = (struct kb_msg_hello){ KB_PROTOCOL_VERSION,
						       KB_HELLO_PRIVILEGED | KB_HELLO_AUTHED, "test-server" };
	if (kb_msg_encode(ctx, &reply, &f, &flen) || write(c, f, flen) != (ssize_t)flen)
		_exit(2);
	/* state follows the HELLO at once: the client must not swallow it */
	if (mode == SRV_HELLO &&
	    (kb_msg_encode(ctx, &sync, &f, &flen) || write(c, f, flen) != (ssize_t)flen))
		_exit(3);
	read_full(c, hdr, 1); /* until the client closes */
	_exit(0);
}

static pid_t start_server(enum server_mode mode)
{
	int lfd = listen_at(sock_path);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		serve_one(lfd, mode);
	close(lfd);
	return pid;
}

static int server_exit(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int setup_dir(void **state)
{
	strcpy(sock_dir, "/tmp/kb-test-conn.XXXXXX");
	if (!mkdtemp(sock_dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/sock", sock_dir);
	return 0;
}

static int teardown_dir(void **state)
{
	unlink(sock_path);
	rmdir(sock_dir);
	return 0;
}

static void test_client_hello(void **state)
{
	pid_t pid = start_server(SRV_HELLO);
	int fd = -1;
	uint32_t flags = 0, ver = 0;
	uint8_t hdr[8];
	uint16_t type;
	uint32_t len;

	assert_int_equal(kb_client_connect(sock_path, "test-client 1.0", 2000, &fd, &flags, &ver), 0);
	assert_true(fd >= 0);
	assert_int_equal(flags, KB_HELLO_PRIVILEGED | KB_HELLO_AUTHED);
	assert_int_equal(ver, KB_PROTOCOL_VERSION);
	/* the frame after HELLO is still in the socket */
	assert_int_equal(read_full(fd, hdr, 8), 0);
	assert_int_equal(kb_msg_header_parse(hdr, &type, &len), 0);
	assert_int_equal(type, KB_MSG_SYNC_DONE);
	close(fd);
	assert_int_equal(server_exit(pid), 0);
}

static void test_client_mismatch(void **state)
{
	pid_t pid = start_server(SRV_MISMATCH);
	int fd = -1;
	uint32_t flags = 1234, ver = 0;

	assert_int_equal(kb_client_connect(sock_path, "test-client 1.0", 2000, &fd, &flags, &ver),
			 -EPROTO);
	assert_int_equal(ver, 99);
	assert_int_equal(fd, -1);
	assert_int_equal(flags, 1234);
	assert_int_equal(server_exit(pid), 0);
}

static void test_client_timeout_and_missing(void **state)
{
	pid_t pid = start_server(SRV_SILENT);
	int fd = -1;
	uint32_t flags, ver;
	uint64_t start = now_ms();

	assert_int_equal(kb_client_connect(sock_path, "test-client 1.0", 150, &fd, &flags, &ver),
			 -ETIMEDOUT);
	assert_true(now_ms() - start >= 150);
	assert_true(now_ms() - start < 2000);
	assert_int_equal(fd, -1);
	assert_int_equal(server_exit(pid), 0);

	unlink(sock_path);
	assert_int_equal(kb_client_connect(sock_path, "x", 100, &fd, &flags, &ver), -ENOENT);
	char longpath[200];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(kb_client_connect(longpath, "x", 100, &fd, &flags, &ver), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragmented_round_trip),
		cmocka_unit_test(test_garbage_peer),
		cmocka_unit_test(test_truncated_then_eof),
		cmocka_unit_test(test_free_in_on_msg),
		cmocka_unit_test(test_queue_limit),
		cmocka_unit_test(test_queue_order),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_small_frames),
		cmocka_unit_test(test_client_hello),
		cmocka_unit_test(test_client_mismatch),
		cmocka_unit_test(test_client_timeout_and_missing),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
