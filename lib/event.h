/* kexboot event loop: one epoll loop for fds, monotonic timers, signals
 * (signalfd) and child processes.
 *
 * Every source is a talloc object under the parent the caller gives; freeing
 * it (or its parent) removes it from the loop, and that is safe from inside
 * any callback, the source's own included.
 */
#ifndef KB_EVENT_H
#define KB_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct kb_loop;
struct kb_source;

/* revents: EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits. Return value ignored. */
typedef void (*kb_fd_fn)(struct kb_source *src, int fd, uint32_t revents, void *data);
typedef void (*kb_timer_fn)(struct kb_source *src, void *data);
typedef void (*kb_signal_fn)(struct kb_source *src, int signo, void *data);
/* status as from waitpid() */
typedef void (*kb_child_fn)(struct kb_source *src, pid_t pid, int status, void *data);

/* A new loop under ctx; NULL on failure (errno set). */
struct kb_loop *kb_loop_new(void *ctx);

/* Watch fd for events (EPOLLIN|EPOLLOUT…). The fd is not owned. */
struct kb_source *kb_loop_add_fd(struct kb_loop *loop, void *parent, int fd, uint32_t events,
				 kb_fd_fn fn, void *data);
/* Change the events an fd source waits for. 0 or -errno. */
int kb_source_set_events(struct kb_source *src, uint32_t events);

/* Fire after ms milliseconds of CLOCK_MONOTONIC; again every ms if repeat. */
struct kb_source *kb_loop_add_timer(struct kb_loop *loop, void *parent, uint64_t ms, bool repeat,
				    kb_timer_fn fn, void *data);
/* Restart a timer's countdown with a new interval. 0 or -errno. */
int kb_timer_reset(struct kb_source *src, uint64_t ms);

/* Deliver signo through a signalfd (the signal is blocked while watched). */
struct kb_source *kb_loop_add_signal(struct kb_loop *loop, void *parent, int signo,
				     kb_signal_fn fn, void *data);

/* Call fn once when child pid exits (reaped by the loop). */
struct kb_source *kb_loop_add_child(struct kb_loop *loop, void *parent, pid_t pid,
				    kb_child_fn fn, void *data);

/* Run until kb_loop_exit(); returns the code given there, or -errno. */
int kb_loop_run(struct kb_loop *loop);
/* Run one iteration, waiting at most timeout_ms (-1 forever). 0 or -errno. */
int kb_loop_run_once(struct kb_loop *loop, int timeout_ms);
/* Make kb_loop_run() return code after the current callback. */
void kb_loop_exit(struct kb_loop *loop, int code);

#endif
