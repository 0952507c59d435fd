/* kexboot-discover: asynchronous downloads with libcurl's multi interface
 * driven by the daemon's event loop (socket and timer callbacks), so a slow
 * server never stalls clients or discovery. See download.h. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dlfcn.h>
/* the calls below go through `cu` (loaded on first use), not curl.h's macros */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <talloc.h>

#include "discover/download.h"
#include "discover/pxe.h"
#include "lib/event.h"
#include "lib/log.h"

struct kb_downloader {
	struct kb_loop *loop;
	CURLM *multi;
	char *dir;
	uint64_t max_size;
	struct kb_source *timer;
	struct kb_download **active; /* talloc array: downloads not yet finished */
	unsigned n_active;
	/* every download not yet freed, finished or not: downloads are their
	 * owners' children, not ours, so when the downloader goes first (the
	 * daemon frees the network before a pending boot job) they must be told */
	struct kb_download *live;
	unsigned serial;
	bool dispatching;
};

struct kb_download {
	struct kb_downloader *dlr; /* NULL once the downloader is gone */
	unsigned serial;           /* tells a download from a later one at the same address */
	struct kb_download *live_prev, *live_next;
	CURL *easy;
	bool in_multi;
	char *url;
	char *path;
	char *proxy;
	int fd;
	uint64_t written, max_size;
	unsigned timeout_s;
	unsigned stall_s;
	int tries_left;
	bool too_big, write_failed, finished;
	uint64_t last_progress_ms;
	/* progress seen inside curl's callback, reported from dispatch(): the
	 * owner may free the download from its progress callback, and an easy
	 * handle must not be removed or cleaned up from inside its own callback */
	bool progress_pending;
	uint64_t progress_now, progress_total;
	struct kb_source *retry_timer;
	char errbuf[CURL_ERROR_SIZE];
	kb_download_done_fn done;
	kb_download_progress_fn progress;
	void *data;
};

/* One socket curl asked us to watch. */
struct sock_watch {
	struct kb_source *src;
};

/* libcurl is loaded on the first download (dlopen): with its TLS, Kerberos
 * and LDAP libraries it costs ~8 MB of RSS and milliseconds of start-up that
 * a daemon which never downloads must not pay (BRIEF: socket ready <= 5 ms,
 * RSS <= 3.8 MB). Firmware images carry it (utils/mkimage) for network boot. */
#define KB_LIBCURL_SONAME "libcurl.so.4"
static struct {
	void *handle;
	CURLcode (*global_init)(long);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_assign)(CURLM *, curl_socket_t, void *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_reset)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
} cu;
#undef curl_multi_setopt
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_multi_init cu.multi_init
#define curl_multi_setopt cu.multi_setopt
#define curl_multi_socket_action cu.multi_socket_action
#define curl_multi_add_handle cu.multi_add_handle
#define curl_multi_remove_handle cu.multi_remove_handle
#define curl_multi_assign cu.multi_assign
#define curl_multi_info_read cu.multi_info_read
#define curl_multi_cleanup cu.multi_cleanup
#define curl_easy_init cu.easy_init
#define curl_easy_setopt cu.easy_setopt
#define curl_easy_getinfo cu.easy_getinfo
#define curl_easy_reset cu.easy_reset
#define curl_easy_cleanup cu.easy_cleanup
#define curl_easy_strerror cu.easy_strerror

/* Load libcurl once, for the life of the process. 0 or -ENOENT with *why. */
static int curl_load(void *ctx, char **why)
{
	static const struct { const char *name; size_t off; } syms[] = {
#define SYM(f) { "curl_" #f, offsetof(__typeof__(cu), f) }
		SYM(global_init), SYM(multi_init), SYM(multi_setopt), SYM(multi_socket_action),
		SYM(multi_add_handle), SYM(multi_remove_handle), SYM(multi_assign),
		SYM(multi_info_read), SYM(multi_cleanup), SYM(easy_init), SYM(easy_setopt),
		SYM(easy_getinfo), SYM(easy_reset), SYM(easy_cleanup), SYM(easy_strerror),
#undef SYM
	};
	void *h;
	size_t i;

	if (cu.handle)
		return 0;
	h = dlopen(KB_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		*why = talloc_asprintf(ctx, "cannot load %s: %s", KB_LIBCURL_SONAME, dlerror());
		return -ENOENT;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			*why = talloc_asprintf(ctx, "%s has no %s", KB_LIBCURL_SONAME, syms[i].name);
			dlclose(h);
			return -ENOENT;
		}
		memcpy((char *)&cu + syms[i].off, &f, sizeof(f));
	}
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*why = talloc_strdup(ctx, "libcurl failed to initialise");
		dlclose(h);
		return -EIO;
	}
	cu.handle = h; /* kept: curl_global_cleanup at exit buys nothing */
	return 0;
}

/* The multi handle, made on the first download. 0 or -errno with *why. */
static int multi_start(struct kb_downloader *dlr, void *ctx, char **why);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void forget_active(struct kb_download *dl)
{
	struct kb_downloader *dlr = dl->dlr;
	unsigned i;

	for (i = 0; i < dlr->n_active; i++)
		if (dlr->active[i] == dl) {
			memmove(&dlr->active[i], &dlr->active[i + 1],
				(dlr->n_active - i - 1) * sizeof(dlr->active[0]));
			dlr->n_active--;
			return;
		}
}

static bool is_active(struct kb_downloader *dlr, struct kb_download *dl)
{
	unsigned i;

	for (i = 0; i < dlr->n_active; i++)
		if (dlr->active[i] == dl)
			return true;
	return false;
}

/* Stop dl's transfer for good (curl handle, retry timer) and forget it
 * from its downloader; its file stays until dl is freed. */
static void detach(struct kb_download *dl)
{
	struct kb_downloader *dlr = dl->dlr;

	TALLOC_FREE(dl->retry_timer);
	if (dl->easy) {
		if (dl->in_multi && dlr && dlr->multi)
			curl_multi_remove_handle(dlr->multi, dl->easy);
		curl_easy_cleanup(dl->easy);
		dl->easy = NULL;
		dl->in_multi = false;
	}
	if (!dlr)
		return;
	forget_active(dl);
	if (dl->live_prev)
		dl->live_prev->live_next = dl->live_next;
	else
		dlr->live = dl->live_next;
	if (dl->live_next)
		dl->live_next->live_prev = dl->live_prev;
	dl->live_prev = dl->live_next = NULL;
	dl->dlr = NULL;
}

static int download_destructor(struct kb_download *dl)
{
	detach(dl);
	if (dl->fd >= 0)
		close(dl->fd);
	if (dl->path)
		unlink(dl->path);
	if (!dl->finished)
		log_debug("download %s: cancelled", dl->url);
	return 0;
}

/* A transfer failed for good: its partial file goes now, not when the owner
 * gets round to freeing dl (it may be up to the cap, in the runtime
 * directory, which is usually RAM). */
static void drop_file(struct kb_download *dl)
{
	if (dl->fd >= 0)
		close(dl->fd);
	dl->fd = -1;
	if (dl->path)
		unlink(dl->path);
	TALLOC_FREE(dl->path);
}

static void on_socket(struct kb_source *src, int fd, uint32_t revents, void *data);
static void dispatch(struct kb_downloader *dlr);

/* curl: watch (or stop watching) a socket. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct kb_downloader *dlr = userp;
	struct sock_watch *w = socketp;
	uint32_t ev = 0;

	if (what == CURL_POLL_REMOVE) {
		if (w) {
			talloc_free(w);
			curl_multi_assign(dlr->multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (!w) {
		w = talloc_zero(dlr, struct sock_watch);
		if (!w)
			return -1;
		w->src = kb_loop_add_fd(dlr->loop, w, s, ev, on_socket, dlr);
		if (!w->src) {
			talloc_free(w);
			return -1;
		}
		curl_multi_assign(dlr->multi, s, w);
		return 0;
	}
	return kb_source_set_events(w->src, ev) < 0 ? -1 : 0;
}

static void on_timer(struct kb_source *src, void *data)
{
	struct kb_downloader *dlr = data;
	int running;

	TALLOC_FREE(dlr->timer);
	curl_multi_socket_action(dlr->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	dispatch(dlr);
}

/* curl: (re)arm or stop the single timeout. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct kb_downloader *dlr = userp;

	if (timeout_ms < 0) {
		TALLOC_FREE(dlr->timer);
		return 0;
	}
	if (dlr->timer)
		return kb_timer_reset(dlr->timer, (uint64_t)timeout_ms) < 0 ? -1 : 0;
	dlr->timer = kb_loop_add_timer(dlr->loop, dlr, (uint64_t)timeout_ms, false, on_timer, dlr);
	return dlr->timer ? 0 : -1;
}

static void on_socket(struct kb_source *src, int fd, uint32_t revents, void *data)
{
	struct kb_downloader *dlr = data;
	int flags = 0, running;

	if (revents & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(dlr->multi, fd, flags, &running);
	dispatch(dlr);
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct kb_download *dl = userdata;
	size_t n = size * nmemb, done = 0;

	if (dl->written + n > dl->max_size) {
		dl->too_big = true;
		return 0;
	}
	while (done < n) {
		ssize_t w = write(dl->fd, ptr + done, n - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			dl->write_failed = true;
			return 0;
		}
		done += (size_t)w;
	}
	dl->written += n;
	return n;
}

static int xferinfo_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct kb_download *dl = userdata;
	uint64_t t;

	if (dltotal > 0 && (uint64_t)dltotal > dl->max_size) {
		dl->too_big = true;
		return 1; /* abort: the announced size is over the cap */
	}
	if (!dl->progress || dlnow <= 0)
		return 0;
	t = now_ms();
	if (t - dl->last_progress_ms < KB_DOWNLOAD_PROGRESS_MS)
		return 0;
	dl->last_progress_ms = t;
	/* reported by dispatch(), once curl has returned */
	dl->progress_pending = true;
	dl->progress_now = (uint64_t)dlnow;
	dl->progress_total = dltotal > 0 ? (uint64_t)dltotal : 0;
	return 0;
}

/* Set up (again) the easy handle and hand it to the multi. 0 or -errno. */
static int start_transfer(struct kb_download *dl)
{
	CURL *e = dl->easy;

	if (ftruncate(dl->fd, 0) < 0 || lseek(dl->fd, 0, SEEK_SET) < 0)
		return -errno;
	dl->written = 0;
	dl->too_big = dl->write_failed = dl->progress_pending = false;
	dl->errbuf[0] = '\0';
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, dl->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, dl);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, dl);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, dl);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, dl->errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "tftp,http,https,ftp");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)KB_DOWNLOAD_MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)dl->max_size);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)dl->timeout_s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)KB_DOWNLOAD_CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)KB_DOWNLOAD_LOW_SPEED_BYTES);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)dl->stall_s);
	/* FTP: libcurl sends QUIT to a cached control connection when it is
	 * closed, waiting for the answer without the event loop (120 s by
	 * default), e.g. at exit to a server gone with an old lease: cache
	 * none, and bound any wait for an FTP answer */
	if (strncasecmp(dl->url, "ftp://", 6) == 0)
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)dl->stall_s);
	/* only the configured proxy, never one from the environment */
	curl_easy_setopt(e, CURLOPT_PROXY, dl->proxy ? dl->proxy : "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "kexboot/" PACKAGE_VERSION);
	if (curl_multi_add_handle(dl->dlr->multi, e) != CURLM_OK)
		return -EIO;
	dl->in_multi = true;
	return 0;
}

/* Sort a failed transfer: -errno, a text, and whether trying again may help. */
static int classify(struct kb_download *dl, CURLcode code, char **why, bool *transient)
{
	long http = 0;
	void *ctx = dl;

	*transient = false;
	curl_easy_getinfo(dl->easy, CURLINFO_RESPONSE_CODE, &http);
	if (dl->too_big || code == CURLE_FILESIZE_EXCEEDED) {
		*why = talloc_asprintf(ctx, "refusing: file is over the download size limit of %llu bytes%s",
				       (unsigned long long)dl->max_size,
				       dl->written > dl->max_size ? "" : " (KB_DOWNLOAD_DEFAULT_MAX_SIZE or --download-max)");
		return -EFBIG;
	}
	if (dl->write_failed) {
		*why = talloc_asprintf(ctx, "cannot write %s: %s", dl->path, strerror(ENOSPC));
		return -ENOSPC;
	}
	switch (code) {
	case CURLE_HTTP_RETURNED_ERROR:
		*why = talloc_asprintf(ctx, "server answered HTTP %ld", http);
		if (http == 404 || http == 410)
			return -ENOENT;
		if (http == 401 || http == 403)
			return -EACCES;
		*transient = http >= 500;
		return -EIO;
	case CURLE_TFTP_NOTFOUND:
	case CURLE_REMOTE_FILE_NOT_FOUND:
		*why = talloc_strdup(ctx, "file not found on the server");
		return -ENOENT;
	case CURLE_TFTP_PERM:
	case CURLE_REMOTE_ACCESS_DENIED:
	case CURLE_LOGIN_DENIED:
		*why = talloc_strdup(ctx, "access denied by the server");
		return -EACCES;
	case CURLE_OPERATION_TIMEDOUT:
		*why = talloc_asprintf(ctx, "timed out (%s)", dl->errbuf[0] ? dl->errbuf : "no answer");
		*transient = true;
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		*why = talloc_asprintf(ctx, "cannot resolve the %s (%s)",
				       code == CURLE_COULDNT_RESOLVE_PROXY ? "proxy" : "host", dl->errbuf);
		*transient = true;
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		*why = talloc_asprintf(ctx, "cannot connect%s%s (%s)", dl->proxy ? " through the proxy " : "",
				       dl->proxy ? dl->proxy : "", dl->errbuf);
		*transient = true;
		return -ECONNREFUSED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		*why = talloc_asprintf(ctx, "TLS failed: %s", dl->errbuf[0] ? dl->errbuf : curl_easy_strerror(code));
		return -EPROTO;
	case CURLE_UNSUPPORTED_PROTOCOL:
		*why = talloc_asprintf(ctx, "unsupported protocol (%s)", dl->errbuf);
		return -EPROTONOSUPPORT;
	case CURLE_TOO_MANY_REDIRECTS:
		*why = talloc_asprintf(ctx, "more than %d redirects (KB_DOWNLOAD_MAX_REDIRECTS)",
				       KB_DOWNLOAD_MAX_REDIRECTS);
		return -ELOOP;
	default:
		*why = talloc_asprintf(ctx, "%s%s%s", curl_easy_strerror(code), dl->errbuf[0] ? ": " : "",
				       dl->errbuf);
		*transient = code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
			     code == CURLE_PARTIAL_FILE || code == CURLE_GOT_NOTHING;
		return -EIO;
	}
}

static void retry_now(struct kb_source *src, void *data)
{
	struct kb_download *dl = data;
	int r;

	TALLOC_FREE(dl->retry_timer);
	r = start_transfer(dl);
	if (r < 0) {
		dl->finished = true;
		forget_active(dl);
		drop_file(dl);
		dl->done(dl, r, NULL, 0, "cannot restart the transfer", dl->data);
	}
}

/* One transfer ended with code. */
static void finish(struct kb_download *dl, CURLcode code)
{
	struct kb_downloader *dlr = dl->dlr;
	char *why = NULL;
	bool transient;
	int r;

	curl_multi_remove_handle(dlr->multi, dl->easy);
	dl->in_multi = false;
	if (code == CURLE_OK && !dl->too_big) {
		dl->finished = true;
		forget_active(dl);
		close(dl->fd);
		dl->fd = -1;
		log_debug("download %s: %llu bytes", dl->url, (unsigned long long)dl->written);
		dl->done(dl, 0, dl->path, dl->written, NULL, dl->data);
		return;
	}
	r = classify(dl, code, &why, &transient);
	if (transient && dl->tries_left > 0) {
		dl->tries_left--;
		log_info("download %s: %s; trying again (%d tries left)", dl->url, why, dl->tries_left);
		talloc_free(why);
		dl->retry_timer = kb_loop_add_timer(dlr->loop, dl, KB_DOWNLOAD_RETRY_DELAY_MS, false,
						    retry_now, dl);
		if (dl->retry_timer)
			return;
		why = talloc_strdup(dl, "cannot schedule a retry");
	}
	dl->finished = true;
	forget_active(dl);
	drop_file(dl);
	dl->done(dl, r, NULL, 0, why, dl->data);
	/* dl may be gone now */
}

/* Hand finished transfers to their owners. Callbacks may free any download. */
static void dispatch(struct kb_downloader *dlr)
{
	struct {
		struct kb_download *dl;
		unsigned serial;
		CURLcode code;
	} ended[KB_DOWNLOAD_MAX_ACTIVE];
	unsigned n = 0, i;
	CURLMsg *m;
	int left;

	if (dlr->dispatching)
		return;
	while ((m = curl_multi_info_read(dlr->multi, &left))) {
		struct kb_download *dl = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&dl);
		if (dl && n < KB_DOWNLOAD_MAX_ACTIVE) {
			ended[n].dl = dl;
			ended[n].serial = dl->serial;
			ended[n].code = m->data.result;
			n++;
		}
	}
	dlr->dispatching = true;
	/* progress first, one download at a time from the start of the list:
	 * a callback may free any download, or start new ones */
	for (;;) {
		struct kb_download *dl = NULL;

		for (i = 0; i < dlr->n_active && !dl; i++)
			if (dlr->active[i]->progress_pending)
				dl = dlr->active[i];
		if (!dl)
			break;
		dl->progress_pending = false;
		dl->progress(dl, dl->progress_now, dl->progress_total, dl->data);
	}
	/* (a callback may have freed one and started another at its address) */
	for (i = 0; i < n; i++)
		if (is_active(dlr, ended[i].dl) && ended[i].dl->serial == ended[i].serial &&
		    ended[i].dl->in_multi)
			finish(ended[i].dl, ended[i].code);
	dlr->dispatching = false;
}

static int downloader_destructor(struct kb_downloader *dlr)
{
	/* downloads still held by their owners stop here, without a done
	 * callback; their files go when they are freed */
	while (dlr->live) {
		log_debug("download %s: stopped, the downloader is going", dlr->live->url);
		detach(dlr->live);
	}
	TALLOC_FREE(dlr->timer);
	if (dlr->multi)
		curl_multi_cleanup(dlr->multi);
	dlr->multi = NULL;
	return 0;
}

/* Remove what a previous daemon left in our download directory (it may have
 * died mid-transfer): names are reused from 1, and files would collide. */
static void clear_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

struct kb_downloader *kb_downloader_new(void *ctx, struct kb_loop *loop, const char *dir,
					uint64_t max_size)
{
	struct kb_downloader *dlr = talloc_zero(ctx, struct kb_downloader);

	if (!dlr)
		goto nomem;
	dlr->loop = loop;
	dlr->max_size = max_size ? max_size : KB_DOWNLOAD_DEFAULT_MAX_SIZE;
	dlr->dir = talloc_strdup(dlr, dir);
	if (!dlr->dir)
		goto nomem;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;

		talloc_free(dlr);
		errno = e;
		return NULL;
	}
	clear_stale(dir);
	talloc_set_destructor(dlr, downloader_destructor);
	return dlr;
nomem:
	talloc_free(dlr);
	errno = ENOMEM;
	return NULL;
}

static int multi_start(struct kb_downloader *dlr, void *ctx, char **why)
{
	int r;

	if (dlr->multi)
		return 0;
	r = curl_load(ctx, why);
	if (r < 0)
		return r;
	dlr->multi = curl_multi_init();
	if (!dlr->multi) {
		*why = talloc_strdup(ctx, "out of memory");
		return -ENOMEM;
	}
	curl_multi_setopt(dlr->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(dlr->multi, CURLMOPT_SOCKETDATA, dlr);
	curl_multi_setopt(dlr->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(dlr->multi, CURLMOPT_TIMERDATA, dlr);
	return 0;
}

uint64_t kb_downloader_max_size(const struct kb_downloader *dlr)
{
	return dlr->max_size;
}

const char *kb_download_url(const struct kb_download *dl)
{
	return dl->url;
}

/* A file name for url in the download dir: serial + a tame basename. */
static char *local_name(struct kb_downloader *dlr, void *ctx, const char *url)
{
	const char *base = strrchr(url, '/');
	char tame[64];
	size_t i, n = 0;

	base = base ? base + 1 : url;
	for (i = 0; base[i] && base[i] != '?' && n < sizeof(tame) - 1; i++)
		tame[n++] = (base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' && base[i] <= 'Z') ||
					    (base[i] >= '0' && base[i] <= '9') || base[i] == '.' ||
					    base[i] == '-' || base[i] == '_'
				    ? base[i]
				    : '_';
	tame[n] = '\0';
	return talloc_asprintf(ctx, "%s/%u-%s", dlr->dir, ++dlr->serial, n && tame[0] != '.' ? tame : "file");
}

struct kb_download *kb_download_start(struct kb_downloader *dlr, void *parent, const char *url,
				      const struct kb_download_opts *opts, kb_download_done_fn done,
				      kb_download_progress_fn progress, void *data, char **ret_why)
{
	struct kb_download *dl;
	struct kb_download **grown;
	struct kb_url u;
	char *why = NULL;
	int r;

	r = kb_url_parse(parent, url, &u, &why);
	if (r < 0) {
		if (ret_why)
			*ret_why = why;
		errno = -r == ENOMEM ? ENOMEM : EINVAL;
		return NULL;
	}
	talloc_free(u.scheme);
	talloc_free(u.host);
	talloc_free(u.path);
	r = multi_start(dlr, parent, &why);
	if (r < 0) {
		if (ret_why)
			*ret_why = why;
		errno = -r;
		return NULL;
	}
	if (dlr->n_active >= KB_DOWNLOAD_MAX_ACTIVE) {
		if (ret_why)
			*ret_why = talloc_asprintf(parent, "more than %u downloads at once (KB_DOWNLOAD_MAX_ACTIVE)",
						   KB_DOWNLOAD_MAX_ACTIVE);
		errno = EBUSY;
		return NULL;
	}
	dl = talloc_zero(parent, struct kb_download);
	if (!dl) {
		errno = ENOMEM;
		return NULL;
	}
	dl->fd = -1;
	dl->dlr = dlr;
	dl->done = done;
	dl->progress = progress;
	dl->data = data;
	dl->max_size = opts && opts->max_size ? opts->max_size : dlr->max_size;
	if (dl->max_size > dlr->max_size)
		dl->max_size = dlr->max_size;
	dl->timeout_s = opts && opts->timeout_s ? opts->timeout_s : KB_DOWNLOAD_TIMEOUT_S;
	dl->stall_s = opts && opts->stall_s ? opts->stall_s : KB_DOWNLOAD_LOW_SPEED_TIME_S;
	dl->tries_left = opts && opts->retries >= 0 ? opts->retries : KB_DOWNLOAD_RETRIES;
	dl->url = talloc_strdup(dl, url);
	dl->proxy = opts && opts->proxy ? talloc_strdup(dl, opts->proxy) : NULL;
	grown = talloc_realloc(dlr, dlr->active, struct kb_download *, dlr->n_active + 1);
	if (!dl->url || !grown)
		goto fail;
	dlr->active = grown;
	dlr->active[dlr->n_active++] = dl;
	dl->live_next = dlr->live;
	if (dlr->live)
		dlr->live->live_prev = dl;
	dlr->live = dl;
	talloc_set_destructor(dl, download_destructor);
	dl->path = local_name(dlr, dl, url);
	dl->serial = dlr->serial;
	if (!dl->path)
		goto fail;
	dl->fd = open(dl->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (dl->fd < 0) {
		r = errno;
		TALLOC_FREE(dl->path); /* not ours to unlink */
		talloc_free(dl);
		errno = r;
		return NULL;
	}
	dl->easy = curl_easy_init();
	if (!dl->easy)
		goto fail;
	r = start_transfer(dl);
	if (r < 0) {
		talloc_free(dl);
		errno = -r;
		return NULL;
	}
	log_debug("download %s -> %s", url, dl->path);
	return dl;
fail:
	talloc_free(dl);
	errno = ENOMEM;
	return NULL;
}
