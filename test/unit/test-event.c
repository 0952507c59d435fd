/* Unit tests for lib/event.c: fds, timers, signals, children, and freeing
 * sources from inside callbacks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "lib/event.h"

#define TEST_DEADLINE_MS 5000 /* give up on a loop that never fires */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop until *flag becomes true or the deadline passes. */
static void run_until(struct kb_loop *loop, const int *flag)
{
	uint64_t end = now_ms() + TEST_DEADLINE_MS;

	while (!*flag && now_ms() < end)
		assert_int_equal(kb_loop_run_once(loop, 100), 0);
	assert_true(*flag);
}

struct fd_state {
	int calls;
	int fd;
	uint32_t revents;
	struct kb_source *other;  /* freed from the callback when set */
	struct kb_source **self;  /* freed (and cleared) from the callback when set */
};

static void fd_cb(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct fd_state *st = data;
	char c;

	st->calls++;
	st->fd = fd;
	st->revents = revents;
	if (revents & EPOLLIN)
		assert_int_equal(read(fd, &c, 1), 1);
	if (st->other) {
		talloc_free(st->other);
		st->other = NULL;
	}
	if (st->self) {
		assert_ptr_equal(*st->self, src);
		talloc_free(src);
		*st->self = NULL;
	}
}

static void test_fd(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct fd_state st = { 0 };
	struct kb_source *src;
	int p[2];

	assert_non_null(loop);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	src = kb_loop_add_fd(loop, ctx, p[0], EPOLLIN, fd_cb, &st);
	assert_non_null(src);

	assert_int_equal(kb_loop_run_once(loop, 0), 0);
	assert_int_equal(st.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.fd, p[0]);
	assert_true(st.revents & EPOLLIN);

	/* not interested any more: no callback even though data waits */
	assert_int_equal(kb_source_set_events(src, 0), 0);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(kb_loop_run_once(loop, 20), 0);
	assert_int_equal(st.calls, 1);
	assert_int_equal(kb_source_set_events(src, EPOLLIN), 0);
	assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(st.calls, 2);

	/* freed: no more callbacks */
	talloc_free(src);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_int_equal(kb_loop_run_once(loop, 20), 0);
	assert_int_equal(st.calls, 2);

	close(p[0]);
	close(p[1]);
	talloc_free(ctx);
}

struct timer_state {
	int calls;
	int stop_at;
	uint64_t first_ms;
	struct kb_loop *loop;
};

static void timer_cb(struct kb_source *src, void *data)
{
	struct timer_state *st = data;

	if (st->calls++ == 0)
		st->first_ms = now_ms();
	if (st->stop_at && st->calls == st->stop_at)
		kb_loop_exit(st->loop, 7);
}

static void test_timer_oneshot(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct timer_state st = { .stop_at = 1, .loop = loop };
	uint64_t start = now_ms();

	assert_non_null(kb_loop_add_timer(loop, ctx, 30, false, timer_cb, &st));
	assert_int_equal(kb_loop_run(loop), 7);
	assert_int_equal(st.calls, 1);
	assert_true(st.first_ms - start >= 30);
	assert_true(st.first_ms - start < 2000);
	/* one-shot: never again */
	assert_int_equal(kb_loop_run_once(loop, 80), 0);
	assert_int_equal(st.calls, 1);

	/* a zero timeout fires on the next iteration */
	struct timer_state z = { 0 };
	assert_non_null(kb_loop_add_timer(loop, ctx, 0, false, timer_cb, &z));
	assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(z.calls, 1);
	talloc_free(ctx);
}

static void test_timer_repeat_and_reset(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct timer_state st = { .stop_at = 5, .loop = loop };
	struct timer_state slow = { 0 };
	uint64_t start = now_ms();
	struct kb_source *rep, *t;

	rep = kb_loop_add_timer(loop, ctx, 10, true, timer_cb, &st);
	assert_non_null(rep);
	assert_int_equal(kb_loop_run(loop), 7);
	assert_int_equal(st.calls, 5);
	assert_true(now_ms() - start >= 50);
	talloc_free(rep);

	/* reset a long timer to a short one */
	t = kb_loop_add_timer(loop, ctx, 100000, false, timer_cb, &slow);
	assert_non_null(t);
	assert_int_equal(kb_loop_run_once(loop, 30), 0);
	assert_int_equal(slow.calls, 0);
	assert_int_equal(kb_timer_reset(t, 5), 0);
	run_until(loop, &slow.calls);
	assert_int_equal(slow.calls, 1);
	/* reset re-arms a one-shot that already fired; and postpones it */
	assert_int_equal(kb_timer_reset(t, 10), 0);
	assert_int_equal(kb_timer_reset(t, 100000), 0);
	assert_int_equal(kb_loop_run_once(loop, 50), 0);
	assert_int_equal(slow.calls, 1);
	talloc_free(ctx);
}

struct sig_state {
	int calls;
	int signo;
};

static void sig_cb(struct kb_source *src, int signo, void *data)
{
	struct sig_state *st = data;

	st->calls++;
	st->signo = signo;
}

static bool sig_blocked(int signo)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, signo) == 1;
}

static void test_signal(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct sig_state st = { 0 };
	struct kb_source *src;

	assert_false(sig_blocked(SIGUSR1));
	src = kb_loop_add_signal(loop, ctx, SIGUSR1, sig_cb, &st);
	assert_non_null(src);
	assert_true(sig_blocked(SIGUSR1));
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	run_until(loop, &st.calls);
	assert_int_equal(st.signo, SIGUSR1);
	assert_int_equal(st.calls, 1);

	/* removal restores the mask */
	talloc_free(src);
	assert_false(sig_blocked(SIGUSR1));

	assert_null(kb_loop_add_signal(loop, ctx, SIGKILL, sig_cb, &st));
	assert_null(kb_loop_add_signal(loop, ctx, 0, sig_cb, &st));
	talloc_free(ctx);
}

struct child_state {
	int calls;
	pid_t pid;
	int status;
};

static void child_cb(struct kb_source *src, pid_t pid, int status, void *data)
{
	struct child_state *st = data;

	st->calls++;
	st->pid = pid;
	st->status = status;
}

static pid_t spawn_exit(int code, int delay_ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (delay_ms)
			usleep((useconds_t)delay_ms * 1000);
		_exit(code);
	}
	return pid;
}

static void test_child(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct child_state a = { 0 }, b = { 0 }, early = { 0 };
	pid_t pa, pb, pe;

	/* exits before the loop watches it */
	pe = spawn_exit(9, 0);
	usleep(50 * 1000);
	assert_non_null(kb_loop_add_child(loop, ctx, pe, child_cb, &early));

	pa = spawn_exit(3, 20);
	pb = spawn_exit(4, 60);
	assert_non_null(kb_loop_add_child(loop, ctx, pa, child_cb, &a));
	assert_non_null(kb_loop_add_child(loop, ctx, pb, child_cb, &b));

	run_until(loop, &early.calls);
	run_until(loop, &a.calls);
	run_until(loop, &b.calls);
	assert_int_equal(early.pid, pe);
	assert_true(WIFEXITED(early.status));
	assert_int_equal(WEXITSTATUS(early.status), 9);
	assert_int_equal(a.pid, pa);
	assert_int_equal(WEXITSTATUS(a.status), 3);
	assert_int_equal(b.pid, pb);
	assert_int_equal(WEXITSTATUS(b.status), 4);
	/* reaped: waitpid has nothing left */
	assert_int_equal(waitpid(pa, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(kb_loop_run_once(loop, 20), 0);
	assert_int_equal(a.calls + b.calls + early.calls, 3);
	talloc_free(ctx);
	assert_false(sig_blocked(SIGCHLD));
}

/* Two readable fds in the same batch: the first callback frees itself and
 * the other source; the other must not be called. */
static void test_free_self_and_pending(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct fd_state s1 = { 0 }, s2 = { 0 };
	struct kb_source *a, *b;
	int p1[2], p2[2];

	assert_int_equal(pipe2(p1, O_NONBLOCK), 0);
	assert_int_equal(pipe2(p2, O_NONBLOCK), 0);
	a = kb_loop_add_fd(loop, ctx, p1[0], EPOLLIN, fd_cb, &s1);
	b = kb_loop_add_fd(loop, ctx, p2[0], EPOLLIN, fd_cb, &s2);
	assert_non_null(a);
	assert_non_null(b);
	s1.self = &a;
	s1.other = b;
	s2.self = &b;
	s2.other = a;
	assert_int_equal(write(p1[1], "1", 1), 1);
	assert_int_equal(write(p2[1], "2", 1), 1);
	assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	/* exactly one ran; it freed both */
	assert_int_equal(s1.calls + s2.calls, 1);
	assert_int_equal(write(p1[1], "1", 1), 1);
	assert_int_equal(write(p2[1], "2", 1), 1);
	assert_int_equal(kb_loop_run_once(loop, 20), 0);
	assert_int_equal(s1.calls + s2.calls, 1);

	/* an fd callback freeing a timer whose expiry is in the same batch */
	struct timer_state ts = { 0 };
	struct fd_state s3 = { 0 };
	/* epoll reports in readiness order: the fd (readable when added)
	 * before the timer that expires after it */
	struct kb_source *c = kb_loop_add_fd(loop, ctx, p1[0], EPOLLIN, fd_cb, &s3);
	struct kb_source *t = kb_loop_add_timer(loop, ctx, 0, false, timer_cb, &ts);
	assert_non_null(t);
	assert_non_null(c);
	usleep(2000);
	s3.other = t;
	assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(s3.calls, 1);
	assert_int_equal(ts.calls, 0);
	assert_int_equal(kb_loop_run_once(loop, 20), 0);
	assert_int_equal(ts.calls, 0);
	talloc_free(c);

	/* freeing the parent of several sources from a callback */
	void *group = talloc_new(ctx);
	struct fd_state g1 = { 0 }, g2 = { 0 };
	assert_non_null(kb_loop_add_fd(loop, group, p1[0], EPOLLIN, fd_cb, &g1));
	assert_non_null(kb_loop_add_fd(loop, group, p2[0], EPOLLIN, fd_cb, &g2));
	g1.other = group;
	g2.other = group;
	assert_int_equal(write(p1[1], "1", 1), 1);
	assert_int_equal(write(p2[1], "2", 1), 1);
	assert_int_equal(kb_loop_run_once(loop, 1000), 0);
	assert_int_equal(g1.calls + g2.calls, 1);

	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	talloc_free(ctx);
}

static void exit_cb(struct kb_source *src, void *data)
{
	kb_loop_exit(data, 3);
}

static void test_loop_freed_first(void **state)
{
	void *ctx = talloc_new(NULL);
	void *keep = talloc_new(NULL);
	struct kb_loop *loop = kb_loop_new(ctx);
	struct sig_state st = { 0 };

	/* sources under another parent outlive the loop safely */
	assert_non_null(kb_loop_add_timer(loop, keep, 10, true, exit_cb, loop));
	assert_non_null(kb_loop_add_signal(loop, keep, SIGUSR2, sig_cb, &st));
	assert_int_equal(kb_loop_run(loop), 3);
	assert_true(sig_blocked(SIGUSR2));
	talloc_free(ctx);
	assert_false(sig_blocked(SIGUSR2));
	talloc_free(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd),
		cmocka_unit_test(test_timer_oneshot),
		cmocka_unit_test(test_timer_repeat_and_reset),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_child),
		cmocka_unit_test(test_free_self_and_pending),
		cmocka_unit_test(test_loop_freed_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
