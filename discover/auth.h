/* kexboot: restricted mode. Password hashing and verification (libcrypt),
 * rate limiting of failed attempts, and the authority table the daemon
 * consults for every request (never the menu: a client that skips the
 * menu meets the same checks).
 *
 * No global state: a struct kb_auth_limiter per daemon, talloc-owned. No
 * logging: every refusal comes back as a reason the daemon logs.
 */
#ifndef KB_DISCOVER_AUTH_H
#define KB_DISCOVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rate limiting (per client key and across all clients). */
#define KB_AUTH_FREE_FAILURES 3            /* per client: failures before any delay */
#define KB_AUTH_GLOBAL_FREE_FAILURES 10    /* all clients: failures before any delay */
#define KB_AUTH_BASE_DELAY_MS 1000u        /* first delay; doubles with each failure */
#define KB_AUTH_MAX_DELAY_MS (5u * 60u * 1000u) /* the delay never exceeds this */
#define KB_AUTH_FORGET_MS (15u * 60u * 1000u)   /* failures older than this are forgotten */
#define KB_AUTH_MAX_CLIENTS 64             /* client records kept (oldest evicted) */
#define KB_AUTH_MAX_CLIENT_KEY 128         /* bytes of a client key kept */
#define KB_AUTH_MAX_PASSWORD 4096          /* longest password hashed or checked */

/* Hash a plaintext password: yescrypt ("$y$"), or SHA-512 ("$6$") where
 * libcrypt has no yescrypt. *ret_hash is a child of ctx. 0, -EINVAL
 * (empty or too long), -ENOSYS (no method), -ENOMEM. */
int kb_auth_hash_password(void *ctx, const char *password, char **ret_hash);

/* Hash with an explicit method prefix ("$y$", "$6$"). Same returns. */
int kb_auth_hash_password_method(void *ctx, const char *password, const char *prefix,
				 char **ret_hash);

/* Check password against a crypt(3) hash: 0 match, -EACCES mismatch,
 * -EINVAL when the hash is unusable. Constant-time comparison. */
int kb_auth_verify(const char *hash, const char *password);

enum kb_auth_reason {
	KB_AUTH_OK = 0,
	KB_AUTH_NOT_RESTRICTED = 1,   /* no password configured: nothing to check */
	KB_AUTH_WRONG_PASSWORD = 2,
	KB_AUTH_LIMITED_CLIENT = 3,   /* this client failed too often: wait */
	KB_AUTH_LIMITED_GLOBAL = 4,   /* all clients together failed too often: wait */
	KB_AUTH_BAD_HASH = 5,         /* the stored hash is unusable */
	KB_AUTH_REASON_MAX = 6,
};

/* "ok", "wrong password", … for logs and RESULT messages. */
const char *kb_auth_reason_str(enum kb_auth_reason reason);

struct kb_auth_limiter;

/* A limiter with no failures recorded, child of ctx; NULL on ENOMEM. */
struct kb_auth_limiter *kb_auth_limiter_new(void *ctx);

/* One password attempt by `client` (any stable string: "uid=1000",
 * a console name…) at monotonic time now_ms against `hash` (NULL or ""
 * = not restricted). Refused attempts are not even checked while a delay
 * runs. Returns 0 (reason OK or NOT_RESTRICTED), -EACCES (WRONG_PASSWORD,
 * BAD_HASH) or -EAGAIN (LIMITED_*, *ret_retry_ms = wait left). The caller
 * logs each failure with kb_auth_reason_str(*ret_reason). */
int kb_auth_attempt(struct kb_auth_limiter *lim, const char *client, const char *hash,
		    const char *password, uint64_t now_ms, enum kb_auth_reason *ret_reason,
		    uint64_t *ret_retry_ms);

/* Failures currently counted for `client` (0 when unknown). */
unsigned kb_auth_failures(const struct kb_auth_limiter *lim, const char *client);

/* What a client asks for; matches the protocol's requests. */
enum kb_request_kind {
	KB_REQ_VIEW = 0,        /* list, watch, status, config get, check */
	KB_REQ_BOOT = 1,        /* boot an existing option (default or not) */
	KB_REQ_EDIT = 2,        /* boot with an edited copy (override) */
	KB_REQ_CONFIG = 3,      /* config set, next-boot */
	KB_REQ_OPTIONS = 4,     /* user add / remove of options */
	KB_REQ_SHELL = 5,       /* exit to a shell */
	KB_REQ_RESCAN = 6,      /* rescan devices */
	KB_REQ_CANCEL = 7,      /* cancel autoboot (user input) */
	KB_REQ_KIND_MAX = 8,
};

/* Everything the decision depends on. */
struct kb_auth_request {
	uint32_t kind;        /* enum kb_request_kind */
	bool is_default_boot; /* KB_REQ_BOOT: the option is the current default */
	bool restricted;      /* a password is configured */
	bool authed;          /* this client gave the password */
	bool privileged;      /* socket peer uid is privileged (root / the daemon's uid) */
	bool shell_disabled;  /* configuration says allow-shell = false */
};

enum kb_auth_verdict {
	KB_ALLOW = 0,
	KB_DENY_UNPRIVILEGED = 1, /* never allowed to this peer */
	KB_DENY_PASSWORD = 2,     /* restricted mode: authenticate first */
	KB_DENY_DISABLED = 3,     /* switched off by configuration */
	KB_DENY_UNKNOWN = 4,      /* unknown request kind */
	KB_VERDICT_MAX = 5,
};

/* The authority table: 0 when allowed, else -EPERM (unprivileged,
 * disabled, unknown) or -EACCES (password needed); *ret_verdict and
 * *ret_why (a static sentence, optional) say why. */
int kb_auth_decide(const struct kb_auth_request *req, enum kb_auth_verdict *ret_verdict,
		   const char **ret_why);

/* Name of a request kind ("boot", "edit", …), "?" if unknown. */
const char *kb_request_kind_name(uint32_t kind);

#endif
