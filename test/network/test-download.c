/* Tests for discover/download.c against a real HTTP server on loopback
 * (test/network/dlserver.py, started here on an ephemeral port and killed
 * by its PID at the end), on our own event loop: a file and where it lives,
 * progress, an overall timeout on a stalled server, retries of a dropped
 * connection (and none for 404), the size cap (announced and chunked),
 * cancellation by talloc_free (from the loop and from the progress callback,
 * mid-transfer and while waiting to retry), the downloader freed before its
 * downloads, and refused URLs. Every test checks the download directory is
 * empty once the downloads are gone.
 *
 * Skips (77) when python3 or libcurl is missing. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/download.h"
#include "lib/event.h"

#ifndef KB_DLSERVER
#error "KB_DLSERVER: the path of test/network/dlserver.py"
#endif

#define DEADLINE_MS 10000   /* no single wait in these tests takes longer */
#define SERVER_START_MS 5000
#define SMALL_CAP 65536     /* the cap for the size tests */

static pid_t server_pid = -1;
static int server_port;
static char dir[PATH_MAX];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- the server */

/* Start dlserver.py; 0, 77 when python3 cannot run, or -1. */
static int server_start(void)
{
	int p[2];
	char line[32] = "";
	size_t n = 0;
	uint64_t end = now_ms() + SERVER_START_MS;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		dup2(p[1], 1);
		execlp("python3", "python3", KB_DLSERVER, "127.0.0.1", "0", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n < sizeof(line) - 1 && !strchr(line, '\n') && now_ms() < end) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = read(p[0], line + n, sizeof(line) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		line[n] = '\0';
	}
	close(p[0]);
	server_port = atoi(line);
	if (server_port > 0)
		return 0;
	if (waitpid(server_pid, NULL, WNOHANG) == server_pid) {
		server_pid = -1;
		return 77;
	}
	return -1;
}

static void server_stop(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
}

static char *url(void *ctx, const char *path)
{
	return talloc_asprintf(ctx, "http://127.0.0.1:%d%s", server_port, path);
}

/* What the server saw for path: requests, client disconnects mid-answer,
 * complete answers. A plain HTTP/1.0 GET, not through the code under test. */
static void server_stats(const char *path, int *requests, int *disconnects, int *completed)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)server_port) };
	char buf[512];
	size_t n = 0;
	ssize_t r;
	const char *body;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	n = (size_t)snprintf(buf, sizeof(buf), "GET /stats%s HTTP/1.0\r\n\r\n", path);
	assert_int_equal(write(s, buf, n), (ssize_t)n);
	n = 0;
	while (n < sizeof(buf) - 1 && (r = read(s, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(s);
	buf[n] = '\0';
	body = strstr(buf, "\r\n\r\n");
	assert_non_null(body);
	assert_int_equal(sscanf(body + 4, "requests=%d disconnects=%d completed=%d", requests,
				disconnects, completed), 3);
}

static int server_requests(const char *path)
{
	int r, d, c;

	server_stats(path, &r, &d, &c);
	return r;
}

/* --- the download directory */

static int dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* --- a downloader per test */

struct fix {
	void *ctx;
	struct kb_loop *loop;
	struct kb_downloader *dlr;
};

struct result {
	struct kb_download *dl;
	int done;              /* done callbacks */
	int status;
	char path[PATH_MAX];
	uint64_t size;
	char why[512];
	bool path_existed;     /* at the done callback */
	int entries_at_done;   /* files in the directory then */
	uint64_t done_ms;
	int progress;          /* progress callbacks */
	uint64_t last_now, first_now, total;
	bool growing, total_steady;
	bool free_in_done;     /* talloc_free(dl) from the done callback */
	bool free_in_progress; /* ... from the first progress callback */
};

static int setup(void **state)
{
	struct fix *f = talloc_zero(NULL, struct fix);

	assert_non_null(f);
	f->ctx = f;
	f->loop = kb_loop_new(f);
	assert_non_null(f->loop);
	f->dlr = kb_downloader_new(f, f->loop, dir, 0);
	assert_non_null(f->dlr);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	/* whatever happened, nothing may stay behind */
	assert_int_equal(dir_entries(), 0);
	return 0;
}

static void on_done(struct kb_download *dl, int status, const char *path, uint64_t size,
		    const char *why, void *data)
{
	struct result *r = data;

	assert_ptr_equal(dl, r->dl);
	r->done++;
	r->status = status;
	r->size = size;
	r->done_ms = now_ms();
	snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
	snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
	r->path_existed = path && access(path, F_OK) == 0;
	r->entries_at_done = dir_entries();
	if (status < 0)
		assert_non_null(why);
	if (r->free_in_done) {
		talloc_free(dl);
		r->dl = NULL;
	}
}

static void on_progress(struct kb_download *dl, uint64_t now, uint64_t total, void *data)
{
	struct result *r = data;

	assert_ptr_equal(dl, r->dl);
	if (!r->progress++) {
		r->first_now = now;
		r->total = total;
		r->growing = r->total_steady = true;
	} else {
		r->growing = r->growing && now > r->last_now;
		r->total_steady = r->total_steady && total == r->total;
	}
	r->last_now = now;
	if (r->free_in_progress) {
		talloc_free(dl);
		r->dl = NULL;
	}
}

static struct kb_download *start(struct fix *f, void *parent, const char *path,
				 const struct kb_download_opts *o, struct result *r)
{
	char *why = NULL;

	r->dl = kb_download_start(f->dlr, parent, url(f->ctx, path), o, on_done, on_progress, r, &why);
	if (!r->dl)
		fail_msg("kb_download_start %s: %s (%s)", path, strerror(errno), why ? why : "");
	return r->dl;
}

/* Run the loop until *flag is non-zero (or the deadline). */
static void run_until(struct fix *f, const int *flag)
{
	uint64_t end = now_ms() + DEADLINE_MS;

	while (!*flag && now_ms() < end)
		assert_int_equal(kb_loop_run_once(f->loop, 100), 0);
	assert_true(*flag);
}

/* Run the loop for ms milliseconds. */
static void run_for(struct fix *f, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		assert_int_equal(kb_loop_run_once(f->loop, (int)(end - now_ms())), 0);
}

static void check_pattern(const char *path, size_t size)
{
	unsigned char *buf = malloc(size + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t i;

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, size + 1), (ssize_t)size);
	close(fd);
	for (i = 0; i < size; i++)
		if (buf[i] != i % 251)
			fail_msg("byte %zu is %u, not %zu", i, buf[i], i % 251);
	free(buf);
}

/* --- tests */

static void test_file(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };
	struct kb_download *dl = start(f, f->ctx, "/file/100000", NULL, &r);
	char *name;
	struct stat st;

	assert_string_equal(kb_download_url(dl), url(f->ctx, "/file/100000"));
	run_until(f, &r.done);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.size, 100000);
	/* the file is in the downloader's directory while dl lives */
	name = talloc_asprintf(f->ctx, "%s/", dir);
	assert_memory_equal(r.path, name, strlen(name));
	assert_int_equal(stat(r.path, &st), 0);
	assert_int_equal(st.st_size, 100000);
	assert_int_equal(st.st_mode & 0777, 0600);
	check_pattern(r.path, 100000);
	assert_int_equal(dir_entries(), 1);
	run_for(f, 100);
	assert_int_equal(r.done, 1);
	talloc_free(dl);
	assert_int_equal(access(r.path, F_OK), -1);
	assert_int_equal(dir_entries(), 0);
	assert_int_equal(server_requests("/file/100000"), 1);
}

static void test_progress(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };

	start(f, f->ctx, "/progress/262144", NULL, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.size, 262144);
	/* 16 pieces over 1.6 s, at most one callback per KB_DOWNLOAD_PROGRESS_MS */
	assert_true(r.progress >= 3);
	assert_true(r.progress <= 1 + 1600 / KB_DOWNLOAD_PROGRESS_MS + 2);
	assert_true(r.growing);
	assert_true(r.total_steady);
	assert_int_equal(r.total, 262144);
	assert_true(r.first_now > 0 && r.first_now < 262144);
	assert_true(r.last_now <= 262144);
	talloc_free(r.dl);
}

static void test_stall_times_out(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_done = true };
	struct kb_download_opts o = { .timeout_s = 2, .retries = 0 };
	uint64_t t0 = now_ms();

	start(f, f->ctx, "/stall/a", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -ETIMEDOUT);
	assert_non_null(strstr(r.why, "timed out"));
	assert_true(r.done_ms - t0 >= 1900);
	assert_true(r.done_ms - t0 <= 3500);
	/* a failed download keeps no file, even before it is freed */
	assert_int_equal(r.entries_at_done, 0);
	assert_int_equal(server_requests("/stall/a"), 1);
}

/* A stall is caught by the low-speed window long before the overall
 * timeout, and it is transient: tried again, then reported. */
static void test_stall_window_and_retry(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_done = true };
	struct kb_download_opts o = { .timeout_s = 60, .stall_s = 2, .retries = 1 };
	uint64_t t0 = now_ms();

	start(f, f->ctx, "/stall/b", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -ETIMEDOUT);
	assert_non_null(strstr(r.why, "timed out"));
	/* two windows and the retry delay, far below the 60 s overall limit */
	assert_true(r.done_ms - t0 >= 2 * 1900 + KB_DOWNLOAD_RETRY_DELAY_MS);
	assert_true(r.done_ms - t0 <= 9000);
	assert_int_equal(r.entries_at_done, 0);
	assert_int_equal(server_requests("/stall/b"), 2);
}

static void test_retry_dropped_connection(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };
	struct kb_download_opts o = { .retries = 1 };
	uint64_t t0 = now_ms();

	start(f, f->ctx, "/flaky/retried", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.size, 4096);
	check_pattern(r.path, 4096);
	assert_true(r.done_ms - t0 >= KB_DOWNLOAD_RETRY_DELAY_MS);
	assert_int_equal(server_requests("/flaky/retried"), 2);
	/* the first try's (empty) file was reused, not left beside */
	assert_int_equal(dir_entries(), 1);
	talloc_free(r.dl);
}

static void test_no_retries_left(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_done = true };
	struct kb_download_opts o = { .retries = 0 };

	start(f, f->ctx, "/flaky/once", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -EIO);
	assert_true(r.why[0]);
	assert_int_equal(r.entries_at_done, 0);
	run_for(f, KB_DOWNLOAD_RETRY_DELAY_MS + 200);
	assert_int_equal(r.done, 1);
	assert_int_equal(server_requests("/flaky/once"), 1);
}

static void test_not_found_not_retried(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_done = true };
	struct kb_download_opts o = { .retries = 2 };
	uint64_t t0 = now_ms();

	start(f, f->ctx, "/notfound/x", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -ENOENT);
	assert_non_null(strstr(r.why, "404"));
	assert_true(r.done_ms - t0 < KB_DOWNLOAD_RETRY_DELAY_MS);
	assert_int_equal(r.entries_at_done, 0);
	assert_int_equal(server_requests("/notfound/x"), 1);
}

static void test_cap_announced(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_done = true };
	struct kb_download_opts o = { .max_size = SMALL_CAP, .retries = 2 };
	uint64_t t0 = now_ms();

	/* 1 GiB announced, no body ever comes: refused on the headers alone */
	start(f, f->ctx, "/big/a", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -EFBIG);
	assert_non_null(strstr(r.why, "65536"));
	assert_true(r.done_ms - t0 < 1000);
	assert_int_equal(r.entries_at_done, 0);
	assert_int_equal(server_requests("/big/a"), 1);
}

static void test_cap_downloader(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_done = true };
	struct kb_download_opts o = { .max_size = 1ull << 40 };

	/* the downloader's own cap wins over a larger one asked for */
	TALLOC_FREE(f->dlr);
	f->dlr = kb_downloader_new(f, f->loop, dir, SMALL_CAP);
	assert_non_null(f->dlr);
	assert_int_equal(kb_downloader_max_size(f->dlr), SMALL_CAP);
	start(f, f->ctx, "/file/65537", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -EFBIG);
	assert_int_equal(r.entries_at_done, 0);
	r = (struct result){ 0 };
	start(f, f->ctx, "/file/65536", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.size, SMALL_CAP);
	talloc_free(r.dl);
}

static void test_cap_chunked(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };
	struct kb_download_opts o = { .max_size = SMALL_CAP, .retries = 2 };

	/* no Content-Length: refused when the bytes go over the cap */
	start(f, f->ctx, "/chunked/262144", &o, &r);
	run_until(f, &r.done);
	assert_int_equal(r.status, -EFBIG);
	assert_non_null(strstr(r.why, "65536"));
	assert_false(r.path[0]);
	/* the partial file is gone at once, while dl still lives */
	assert_int_equal(r.entries_at_done, 0);
	assert_int_equal(dir_entries(), 0);
	assert_int_equal(server_requests("/chunked/262144"), 1);
	talloc_free(r.dl);
}

/* Wait (<= 3 s) for the server to see path's client go away. */
static void wait_disconnect(const char *path)
{
	uint64_t end = now_ms() + 3000;
	int req, disc = 0, compl = 0;

	while (now_ms() < end) {
		server_stats(path, &req, &disc, &compl);
		if (disc)
			break;
		usleep(50000);
	}
	assert_int_equal(req, 1);
	assert_int_equal(disc, 1);
	assert_int_equal(compl, 0);
}

static void test_cancel(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };
	uint64_t t;

	start(f, f->ctx, "/trickle/1000000", NULL, &r);
	run_until(f, &r.progress);
	assert_int_equal(dir_entries(), 1);
	t = now_ms();
	talloc_free(r.dl);
	/* the partial file goes at once */
	assert_int_equal(dir_entries(), 0);
	run_for(f, 300);
	assert_int_equal(r.done, 0);
	wait_disconnect("/trickle/1000000");
	assert_true(now_ms() - t < 2000);
}

static void test_cancel_in_progress_callback(void **state)
{
	struct fix *f = *state;
	struct result r = { .free_in_progress = true };

	start(f, f->ctx, "/trickle/1000001", NULL, &r);
	run_until(f, &r.progress);
	assert_null(r.dl);
	assert_int_equal(dir_entries(), 0);
	run_for(f, 300);
	assert_int_equal(r.done, 0);
	assert_int_equal(r.progress, 1);
	wait_disconnect("/trickle/1000001");
}

static void test_cancel_while_waiting_to_retry(void **state)
{
	struct fix *f = *state;
	struct result r = { 0 };
	struct kb_download_opts o = { .retries = 2 };
	uint64_t end = now_ms() + DEADLINE_MS;

	start(f, f->ctx, "/flaky/cancelled", &o, &r);
	/* until the first try was dropped and seen to fail */
	while (server_requests("/flaky/cancelled") < 1 && now_ms() < end)
		assert_int_equal(kb_loop_run_once(f->loop, 50), 0);
	run_for(f, 300);
	assert_int_equal(r.done, 0);
	talloc_free(r.dl);
	assert_int_equal(dir_entries(), 0);
	run_for(f, KB_DOWNLOAD_RETRY_DELAY_MS + 300);
	assert_int_equal(r.done, 0);
	assert_int_equal(server_requests("/flaky/cancelled"), 1);
}

static void test_downloader_freed_first(void **state)
{
	struct fix *f = *state;
	void *owner = talloc_new(NULL);
	struct result r = { 0 }, r2 = { 0 };

	/* downloads belong to their owners, not to the downloader: one
	 * finished, one mid-transfer when the downloader goes (as at daemon
	 * exit, the network freed before a pending boot job) */
	start(f, owner, "/file/1000", NULL, &r2);
	run_until(f, &r2.done);
	assert_int_equal(r2.status, 0);
	start(f, owner, "/trickle/1000002", NULL, &r);
	run_until(f, &r.progress);
	TALLOC_FREE(f->dlr);
	run_for(f, 200);
	assert_int_equal(r.done, 0);
	talloc_free(owner);
	assert_int_equal(dir_entries(), 0);
	wait_disconnect("/trickle/1000002");
}

static void test_refused_urls(void **state)
{
	struct fix *f = *state;
	static const char *const bad[] = {
		"file:///etc/passwd", "gopher://127.0.0.1/x", "http://", "not a url",
	};
	struct result r = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *why = NULL;

		errno = 0;
		assert_null(kb_download_start(f->dlr, f->ctx, bad[i], NULL, on_done, on_progress, &r, &why));
		assert_int_equal(errno, EINVAL);
		if (!why || !*why)
			fail_msg("no reason given for refusing %s", bad[i]);
		/* ret_why may be NULL */
		assert_null(kb_download_start(f->dlr, f->ctx, bad[i], NULL, on_done, NULL, &r, NULL));
	}
	run_for(f, 100);
	assert_int_equal(r.done, 0);
	assert_int_equal(dir_entries(), 0);
}

static int group_setup(void **state)
{
	char tmpl[] = "/tmp/kb-dltest.XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	server_stop();
	return rmdir(dir) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_window_and_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_dropped_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_retries_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_announced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_downloader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_chunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_in_progress_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_while_waiting_to_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downloader_freed_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_urls, setup, teardown),
	};
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	int r;

	if (!h) {
		printf("SKIP: no libcurl.so.4 (%s)\n", dlerror());
		return 77;
	}
	dlclose(h);
	signal(SIGPIPE, SIG_IGN);
	r = server_start();
	if (r) {
		server_stop();
		printf(r == 77 ? "SKIP: cannot run python3 %s\n" : "cannot start %s\n", KB_DLSERVER);
		return r == 77 ? 77 : 1;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
