/* kexboot event loop: epoll over fds, timerfds and signalfds.
 *
 * Freeing a source from a callback: epoll hands back a batch of events that
 * point at sources. A source's destructor clears every pointer to itself in
 * the batch being dispatched, so a source freed by an earlier callback (its
 * own or another's) is skipped for the rest of the batch. The dispatcher
 * never touches a source after calling its callback.
 *
 * Children: the loop watches SIGCHLD through an internal signalfd while at
 * least one child source exists, and on each SIGCHLD calls
 * waitpid(pid, WNOHANG) for each child source (never waitpid(-1), which
 * would steal other code's children).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <talloc.h>

#include "lib/event.h"

#define KB_LOOP_MAX_EVENTS 64 /* epoll events fetched per iteration */

enum src_kind {
	SRC_FD,
	SRC_TIMER,
	SRC_SIGNAL,
	SRC_CHILD,
	SRC_SIGCHLD, /* the loop's internal SIGCHLD watch for child sources */
};

struct kb_source {
	struct kb_loop *loop; /* NULL once the loop is gone */
	enum src_kind kind;
	int fd;               /* watched fd (SRC_FD) or owned timerfd/signalfd; -1 if none */
	bool owns_fd;
	bool in_epoll;
	bool repeat;          /* timers */
	bool done;            /* children: already reaped and reported */
	int signo;            /* signals */
	pid_t pid;            /* children */
	union {
		kb_fd_fn fd;
		kb_timer_fn timer;
		kb_signal_fn sig;
		kb_child_fn child;
	} fn;
	void *data;
	struct kb_source *prev, *next; /* loop->sources */
};

/* The signal mask is per process, so the watch counts are too (all loops). */
static unsigned sig_refs[_NSIG];    /* signal sources per signal (internal SIGCHLD included) */
static bool sig_was_blocked[_NSIG]; /* blocked before we first watched it */

struct kb_loop {
	int epfd;
	bool exiting;
	int exit_code;
	unsigned running;              /* nesting depth of kb_loop_run() */
	struct kb_source *sources;     /* every live source */
	struct kb_source *sigchld;     /* internal, while n_children > 0 */
	unsigned n_children;
	bool child_check;              /* scan children before the next wait */
	struct epoll_event *batch;     /* events being dispatched */
	int batch_n;
};

static void source_unlink(struct kb_source *src)
{
	struct kb_loop *loop = src->loop;

	if (src->prev)
		src->prev->next = src->next;
	else
		loop->sources = src->next;
	if (src->next)
		src->next->prev = src->prev;
	src->prev = src->next = NULL;
}

/* Stop watching signo for one source; restore the mask when nobody watches it. */
static void signal_unref(int signo, int sfd)
{
	if (sig_refs[signo] == 0 || --sig_refs[signo] > 0)
		return;
	if (!sig_was_blocked[signo]) {
		sigset_t set;
		struct signalfd_siginfo si;

		/* consume instances still pending so unblocking does not
		 * deliver them with their default action */
		if (sfd >= 0)
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
		sigemptyset(&set);
		sigaddset(&set, signo);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
}

/* Release what the source holds in the loop (epoll entry, owned fd, signal mask). */
static void source_release(struct kb_source *src)
{
	struct kb_loop *loop = src->loop;

	if (src->in_epoll)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
	src->in_epoll = false;
	if ((src->kind == SRC_SIGNAL || src->kind == SRC_SIGCHLD) && src->signo > 0)
		signal_unref(src->signo, src->fd);
	src->signo = 0;
	if (src->owns_fd && src->fd >= 0)
		close(src->fd);
	src->fd = -1;
}

static int source_destructor(struct kb_source *src)
{
	struct kb_loop *loop = src->loop;

	if (!loop)
		return 0;
	/* skip this source for the rest of the batch being dispatched */
	for (int i = 0; i < loop->batch_n; i++)
		if (loop->batch[i].data.ptr == src)
			loop->batch[i].data.ptr = NULL;
	source_release(src);
	source_unlink(src);
	if (src->kind == SRC_CHILD && --loop->n_children == 0 && loop->sigchld) {
		struct kb_source *sc = loop->sigchld;

		loop->sigchld = NULL;
		talloc_free(sc);
	}
	return 0;
}

static int loop_destructor(struct kb_loop *loop)
{
	/* sources may outlive the loop (other parents): detach them */
	while (loop->sources) {
		struct kb_source *src = loop->sources;

		source_release(src);
		source_unlink(src);
		src->loop = NULL;
	}
	if (loop->epfd >= 0)
		close(loop->epfd);
	return 0;
}

/* A new loop under ctx; NULL on failure (errno set). */
struct kb_loop *kb_loop_new(void *ctx)
{
	struct kb_loop *loop = talloc_zero(ctx, struct kb_loop);

	if (!loop) {
		errno = ENOMEM;
		return NULL;
	}
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int e = errno;

		talloc_free(loop);
		errno = e;
		return NULL;
	}
	talloc_set_destructor(loop, loop_destructor);
	return loop;
}

/* Allocate a source of kind under parent, linked into the loop. */
static struct kb_source *source_new(struct kb_loop *loop, void *parent, enum src_kind kind,
				    void *data)
{
	struct kb_source *src = talloc_zero(parent, struct kb_source);

	if (!src) {
		errno = ENOMEM;
		return NULL;
	}
	src->loop = loop;
	src->kind = kind;
	src->fd = -1;
	src->data = data;
	src->next = loop->sources;
	if (loop->sources)
		loop->sources->prev = src;
	loop->sources = src;
	talloc_set_destructor(src, source_destructor);
	return src;
}

/* Register src->fd with epoll; frees src and returns NULL (errno set) on failure. */
static struct kb_source *source_watch(struct kb_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (epoll_ctl(src->loop->epfd, EPOLL_CTL_ADD, src->fd, &ev) < 0) {
		int e = errno;

		talloc_free(src);
		errno = e;
		return NULL;
	}
	src->in_epoll = true;
	return src;
}

/* Watch fd for events (EPOLLIN|EPOLLOUT…). The fd is not owned. */
struct kb_source *kb_loop_add_fd(struct kb_loop *loop, void *parent, int fd, uint32_t events,
				 kb_fd_fn fn, void *data)
{
	struct kb_source *src = source_new(loop, parent, SRC_FD, data);

	if (!src)
		return NULL;
	src->fd = fd;
	src->fn.fd = fn;
	return source_watch(src, events);
}

/* Change the events an fd source waits for. 0 or -errno. */
int kb_source_set_events(struct kb_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (!src->loop || src->kind != SRC_FD || !src->in_epoll)
		return -EINVAL;
	if (epoll_ctl(src->loop->epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0)
		return -errno;
	return 0;
}

static int timer_arm(struct kb_source *src, uint64_t ms)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (ms == 0)
		its.it_value.tv_nsec = 1; /* an all-zero value would disarm */
	if (src->repeat)
		its.it_interval = its.it_value;
	if (timerfd_settime(src->fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

/* Fire after ms milliseconds of CLOCK_MONOTONIC; again every ms if repeat. */
struct kb_source *kb_loop_add_timer(struct kb_loop *loop, void *parent, uint64_t ms, bool repeat,
				    kb_timer_fn fn, void *data)
{
	struct kb_source *src = source_new(loop, parent, SRC_TIMER, data);
	int r;

	if (!src)
		return NULL;
	src->fn.timer = fn;
	src->repeat = repeat;
	src->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (src->fd < 0)
		goto fail_errno;
	src->owns_fd = true;
	r = timer_arm(src, ms);
	if (r < 0) {
		errno = -r;
		goto fail_errno;
	}
	return source_watch(src, EPOLLIN);
fail_errno:
	r = errno;
	talloc_free(src);
	errno = r;
	return NULL;
}

/* Restart a timer's countdown with a new interval. 0 or -errno. */
int kb_timer_reset(struct kb_source *src, uint64_t ms)
{
	uint64_t junk;

	if (!src->loop || src->kind != SRC_TIMER || src->fd < 0)
		return -EINVAL;
	/* drop an expiry that is pending but not yet dispatched */
	while (read(src->fd, &junk, sizeof(junk)) == (ssize_t)sizeof(junk))
		;
	return timer_arm(src, ms);
}

/* Make src a signalfd watching signo, blocking the signal. 0 or -errno. */
static int signal_watch(struct kb_source *src, int signo)
{
	sigset_t set, old;

	if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP)
		return -EINVAL;
	sigemptyset(&set);
	sigaddset(&set, signo);
	if (sig_refs[signo] == 0) {
		if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
			return -errno;
		sig_was_blocked[signo] = sigismember(&old, signo) == 1;
	}
	sig_refs[signo]++;
	src->signo = signo;
	src->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (src->fd < 0)
		return -errno;
	src->owns_fd = true;
	return 0;
}

/* Deliver signo through a signalfd (the signal is blocked while watched). */
struct kb_source *kb_loop_add_signal(struct kb_loop *loop, void *parent, int signo,
				     kb_signal_fn fn, void *data)
{
	struct kb_source *src = source_new(loop, parent, SRC_SIGNAL, data);
	int r;

	if (!src)
		return NULL;
	src->fn.sig = fn;
	r = signal_watch(src, signo);
	if (r < 0) {
		talloc_free(src);
		errno = -r;
		return NULL;
	}
	return source_watch(src, EPOLLIN);
}

/* Call fn once when child pid exits (reaped by the loop). */
struct kb_source *kb_loop_add_child(struct kb_loop *loop, void *parent, pid_t pid,
				    kb_child_fn fn, void *data)
{
	struct kb_source *src;

	if (pid <= 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!loop->sigchld) {
		struct kb_source *sc = source_new(loop, loop, SRC_SIGCHLD, NULL);
		int r;

		if (!sc)
			return NULL;
		r = signal_watch(sc, SIGCHLD);
		if (r < 0) {
			talloc_free(sc);
			errno = -r;
			return NULL;
		}
		if (!source_watch(sc, EPOLLIN))
			return NULL;
		loop->sigchld = sc;
	}
	src = source_new(loop, parent, SRC_CHILD, data);
	if (!src) {
		if (loop->n_children == 0) {
			talloc_free(loop->sigchld);
			loop->sigchld = NULL;
		}
		return NULL;
	}
	src->pid = pid;
	src->fn.child = fn;
	loop->n_children++;
	/* the child may have exited before SIGCHLD was blocked */
	loop->child_check = true;
	return src;
}

/* Reap and report children that have exited. Returns how many were reported. */
static int children_scan(struct kb_loop *loop)
{
	int reported = 0;
	bool again = true;

	while (again && !(loop->exiting && loop->running)) {
		again = false;
		for (struct kb_source *src = loop->sources; src; src = src->next) {
			int status;
			pid_t r;

			if (src->kind != SRC_CHILD || src->done)
				continue;
			r = waitpid(src->pid, &status, WNOHANG);
			if (r == 0 || (r < 0 && errno != ECHILD))
				continue;
			if (r < 0)
				status = 0; /* reaped elsewhere: report it gone */
			src->done = true;
			reported++;
			/* the callback may free any source: restart the walk */
			src->fn.child(src, src->pid, status, src->data);
			again = true;
			break;
		}
	}
	return reported;
}

/* Dispatch one epoll event to its source. The source may be freed by its callback. */
static void dispatch(struct kb_loop *loop, struct kb_source *src, uint32_t revents)
{
	switch (src->kind) {
	case SRC_FD:
		src->fn.fd(src, src->fd, revents, src->data);
		break;
	case SRC_TIMER: {
		uint64_t expirations;

		if (read(src->fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
			break; /* reset since the wakeup */
		src->fn.timer(src, src->data);
		break;
	}
	case SRC_SIGNAL: {
		struct signalfd_siginfo si;

		if (read(src->fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			break;
		if (si.ssi_signo == SIGCHLD && loop->n_children)
			loop->child_check = true; /* this instance did not reach our watch */
		src->fn.sig(src, (int)si.ssi_signo, src->data);
		break;
	}
	case SRC_SIGCHLD: {
		struct signalfd_siginfo si;

		while (read(src->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		children_scan(loop);
		break;
	}
	case SRC_CHILD:
		break;
	}
}

/* Run one iteration, waiting at most timeout_ms (-1 forever). 0 or -errno. */
int kb_loop_run_once(struct kb_loop *loop, int timeout_ms)
{
	struct epoll_event events[KB_LOOP_MAX_EVENTS];
	struct epoll_event *saved_batch = loop->batch;
	int saved_n = loop->batch_n;
	int n;

	if (loop->child_check) {
		loop->child_check = false;
		if (children_scan(loop) > 0)
			timeout_ms = 0;
		if (loop->exiting && loop->running)
			return 0;
	}
	n = epoll_wait(loop->epfd, events, KB_LOOP_MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;

	loop->batch = events;
	loop->batch_n = n;
	for (int i = 0; i < n; i++) {
		struct kb_source *src = events[i].data.ptr;

		if (!src)
			continue; /* freed by an earlier callback in this batch */
		events[i].data.ptr = NULL;
		dispatch(loop, src, events[i].events);
		/* level-triggered: undispatched events come back next time */
		if (loop->exiting && loop->running)
			break;
	}
	loop->batch = saved_batch;
	loop->batch_n = saved_n;

	if (loop->child_check && !(loop->exiting && loop->running)) {
		loop->child_check = false;
		children_scan(loop);
	}
	return 0;
}

/* Run until kb_loop_exit(); returns the code given there, or -errno. */
int kb_loop_run(struct kb_loop *loop)
{
	int r = 0;

	loop->running++;
	while (!loop->exiting) {
		r = kb_loop_run_once(loop, -1);
		if (r < 0)
			break;
	}
	loop->running--;
	if (r < 0)
		return r;
	loop->exiting = false;
	return loop->exit_code;
}

/* Make kb_loop_run() return code after the current callback. */
void kb_loop_exit(struct kb_loop *loop, int code)
{
	loop->exiting = true;
	loop->exit_code = code;
}
