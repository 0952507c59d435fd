/* kexboot-discover: asynchronous downloads (libcurl multi on the daemon's
 * event loop): tftp, http, https (the system CA bundle) and ftp.
 *
 * A download is a talloc object: freeing it cancels the transfer and
 * removes its file, so whoever needs the file holds the object and the file
 * goes when it is no longer needed. Files live in the downloader's
 * directory (RUNTIME_DIR/downloads). Every transfer has a size cap, an
 * overall timeout, a low-speed timeout and a number of retries for
 * transient failures (never for "not found" or a refused size).
 */
#ifndef KB_DISCOVER_DOWNLOAD_H
#define KB_DISCOVER_DOWNLOAD_H

#include <stdbool.h>
#include <stdint.h>

struct kb_loop;
struct kb_downloader;
struct kb_download;

/* Named defaults and limits. */
#define KB_DOWNLOAD_DEFAULT_MAX_SIZE (2048ull * 1024 * 1024) /* bytes per file */
#define KB_DOWNLOAD_TIMEOUT_S 600          /* one whole transfer */
#define KB_DOWNLOAD_CONNECT_TIMEOUT_S 10   /* connecting (TCP, TLS, first TFTP answer) */
#define KB_DOWNLOAD_LOW_SPEED_BYTES 1024   /* slower than this … */
#define KB_DOWNLOAD_LOW_SPEED_TIME_S 30    /* … for this long is a stall */
#define KB_DOWNLOAD_RETRIES 2              /* extra tries after a transient failure */
#define KB_DOWNLOAD_RETRY_DELAY_MS 1000    /* between tries */
#define KB_DOWNLOAD_MAX_REDIRECTS 5
#define KB_DOWNLOAD_MAX_ACTIVE 32          /* transfers at once per downloader */
#define KB_DOWNLOAD_PROGRESS_MS 250        /* at most one progress callback per this */

struct kb_download_opts {
	uint64_t max_size;   /* refuse larger files; 0: the downloader's cap */
	unsigned timeout_s;  /* 0: KB_DOWNLOAD_TIMEOUT_S */
	unsigned stall_s;    /* under KB_DOWNLOAD_LOW_SPEED_BYTES/s this long, or an FTP
	                        server silent this long, is a stall; 0: KB_DOWNLOAD_LOW_SPEED_TIME_S */
	int retries;         /* -1: KB_DOWNLOAD_RETRIES */
	const char *proxy;   /* "http://host:port" or NULL */
};

/* Called once when the transfer ends (not after the download is freed).
 * status 0: path is the local file (valid while dl lives) and size its
 * length. Else -errno (-ENOENT not found, -EFBIG over the cap, -ETIMEDOUT,
 * -ECONNREFUSED, -EHOSTUNREACH, -EIO …) and why says it for people. */
typedef void (*kb_download_done_fn)(struct kb_download *dl, int status, const char *path,
				    uint64_t size, const char *why, void *data);
/* Progress: bytes so far and the total (0 when unknown). */
typedef void (*kb_download_progress_fn)(struct kb_download *dl, uint64_t now, uint64_t total,
					void *data);

/* A downloader on loop storing files in dir (created if missing), child of
 * ctx, with max_size (0: KB_DOWNLOAD_DEFAULT_MAX_SIZE) as the cap. NULL + errno. */
struct kb_downloader *kb_downloader_new(void *ctx, struct kb_loop *loop, const char *dir,
					uint64_t max_size);

/* The cap in force. */
uint64_t kb_downloader_max_size(const struct kb_downloader *dlr);

/* Start fetching url (checked with kb_url_parse). The download is a child
 * of parent. NULL + errno (EINVAL with *ret_why for a refused URL). */
struct kb_download *kb_download_start(struct kb_downloader *dlr, void *parent, const char *url,
				      const struct kb_download_opts *opts, kb_download_done_fn done,
				      kb_download_progress_fn progress, void *data, char **ret_why);

/* The URL being fetched. */
const char *kb_download_url(const struct kb_download *dl);

#endif
