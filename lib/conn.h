/* kexboot framed connection over a stream socket, on the event loop.
 *
 * Reads are non-blocking and reassemble frames of any fragmentation; writes
 * are queued and flushed when the socket is writable, so a peer that stops
 * reading never blocks the other side. A peer whose queue passes
 * KB_CONN_MAX_QUEUE, or that sends a bad frame, is closed (on_close gets the
 * reason as -errno). Frames many peers receive alike (the daemon's state at
 * connect) are queued by reference, not copied per peer.
 */
#ifndef KB_CONN_H
#define KB_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/event.h"
#include "lib/protocol.h"

#define KB_CONN_MAX_QUEUE (16u * 1024u * 1024u) /* bytes queued to one peer */

struct kb_conn;

/* msg is a talloc child of a per-message context freed after the callback
 * returns (steal what you keep). The callback may free the connection. */
typedef void (*kb_conn_msg_fn)(struct kb_conn *conn, struct kb_msg *msg, void *data);
/* err: 0 for an orderly close by the peer, else -errno. The connection is
 * already unusable; the callback should talloc_free it (or its owner). */
typedef void (*kb_conn_close_fn)(struct kb_conn *conn, int err, void *data);

/* Wrap fd (made non-blocking; closed by the conn's destructor). */
struct kb_conn *kb_conn_new(void *ctx, struct kb_loop *loop, int fd, kb_conn_msg_fn on_msg,
			    kb_conn_close_fn on_close, void *data);
/* Queue msg. 0, or -ENOBUFS when the queue limit is exceeded (the conn is
 * then closed through on_close from the loop), -EPIPE if already closed. */
int kb_conn_send(struct kb_conn *conn, const struct kb_msg *msg);
/* Queue an already-encoded frame (broadcast without re-encoding). */
int kb_conn_send_frame(struct kb_conn *conn, const uint8_t *frame, size_t len);
/* Queue len bytes of whole frames inside the talloc object owner, which
 * is held by a talloc_reference until they are written (its other holders
 * must drop it with talloc_unlink). They do not count against
 * KB_CONN_MAX_QUEUE: they cost this peer no memory of its own. */
int kb_conn_send_shared(struct kb_conn *conn, const void *owner, const uint8_t *frames, size_t len);
/* Bytes waiting to be written. */
size_t kb_conn_queued(const struct kb_conn *conn);
int kb_conn_fd(const struct kb_conn *conn);

/* Client side: connect to the daemon's socket at path and exchange HELLO
 * synchronously (timeout_ms). On success *ret_fd is the socket and
 * *ret_flags the server's KB_HELLO_* flags. -EPROTO on version mismatch
 * (with the server's version in *ret_server_version). */
int kb_client_connect(const char *path, const char *agent, int timeout_ms, int *ret_fd,
		      uint32_t *ret_flags, uint32_t *ret_server_version);

#endif
