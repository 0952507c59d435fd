/* kexboot: restricted mode (password hashes, rate limiting, authority). */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/auth.h"

int kb_auth_hash_password_method(void *ctx, const char *password, const char *prefix,
				 char **ret_hash)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	void *data = NULL;
	int size = 0;
	const char *h;
	char *out;

	if (!password || !*password || strlen(password) > KB_AUTH_MAX_PASSWORD)
		return -EINVAL;
	/* NULL random bytes: libcrypt draws them from the kernel itself. */
	if (!crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)))
		return errno == EINVAL || errno == ENOSYS ? -ENOSYS : -(errno ? errno : EINVAL);
	h = crypt_ra(password, salt, &data, &size);
	if (!h || h[0] == '*') {
		free(data);
		return -ENOSYS;
	}
	out = talloc_strdup(ctx, h);
	explicit_bzero(data, (size_t)size);
	free(data);
	if (!out)
		return -ENOMEM;
	*ret_hash = out;
	return 0;
}

int kb_auth_hash_password(void *ctx, const char *password, char **ret_hash)
{
	int r = kb_auth_hash_password_method(ctx, password, "$y$", ret_hash);
	if (r == -ENOSYS)
		r = kb_auth_hash_password_method(ctx, password, "$6$", ret_hash);
	return r;
}

int kb_auth_verify(const char *hash, const char *password)
{
	void *data = NULL;
	int size = 0;
	const char *h;
	size_t hl, cl;
	unsigned char diff = 0;

	if (!hash || hash[0] != '$')
		return -EINVAL;
	if (!password || strlen(password) > KB_AUTH_MAX_PASSWORD)
		return -EACCES;
	h = crypt_ra(password, hash, &data, &size);
	if (!h || h[0] == '*') {
		free(data);
		return -EINVAL;
	}
	hl = strlen(hash);
	cl = strlen(h);
	diff = hl != cl;
	for (size_t i = 0; i < hl && i < cl; i++)
		diff |= (unsigned char)(hash[i] ^ h[i]);
	explicit_bzero(data, (size_t)size);
	free(data);
	return diff ? -EACCES : 0;
}

static const char *const reason_names[KB_AUTH_REASON_MAX] = {
	[KB_AUTH_OK] = "ok",
	[KB_AUTH_NOT_RESTRICTED] = "no password configured",
	[KB_AUTH_WRONG_PASSWORD] = "wrong password",
	[KB_AUTH_LIMITED_CLIENT] = "too many failed attempts from this client, wait",
	[KB_AUTH_LIMITED_GLOBAL] = "too many failed attempts, wait",
	[KB_AUTH_BAD_HASH] = "the stored password hash is unusable",
};

const char *kb_auth_reason_str(enum kb_auth_reason reason)
{
	return (unsigned)reason < KB_AUTH_REASON_MAX ? reason_names[reason] : "?";
}

struct kb_auth_record {
	char *client;
	unsigned failures;
	uint64_t last_ms; /* last failure */
};

struct kb_auth_limiter {
	struct kb_auth_record clients[KB_AUTH_MAX_CLIENTS];
	size_t n_clients;
	struct kb_auth_record global;
};

struct kb_auth_limiter *kb_auth_limiter_new(void *ctx)
{
	return talloc_zero(ctx, struct kb_auth_limiter);
}

/* Delay still to wait after `rec`'s failures, given the free allowance. */
static uint64_t wait_left(struct kb_auth_record *rec, unsigned free_failures, uint64_t now)
{
	uint64_t delay;
	unsigned shift;

	if (rec->failures && now - rec->last_ms >= KB_AUTH_FORGET_MS)
		rec->failures = 0;
	if (rec->failures < free_failures)
		return 0;
	shift = rec->failures - free_failures;
	delay = shift >= 20 ? KB_AUTH_MAX_DELAY_MS : (uint64_t)KB_AUTH_BASE_DELAY_MS << shift;
	if (delay > KB_AUTH_MAX_DELAY_MS)
		delay = KB_AUTH_MAX_DELAY_MS;
	return now - rec->last_ms >= delay ? 0 : delay - (now - rec->last_ms);
}

static struct kb_auth_record *find_client(struct kb_auth_limiter *lim, const char *client,
					  bool create)
{
	size_t oldest = 0;

	for (size_t i = 0; i < lim->n_clients; i++) {
		if (strncmp(lim->clients[i].client, client, KB_AUTH_MAX_CLIENT_KEY) == 0)
			return &lim->clients[i];
		if (lim->clients[i].last_ms < lim->clients[oldest].last_ms)
			oldest = i;
	}
	if (!create)
		return NULL;
	char *key = talloc_strndup(lim, client, KB_AUTH_MAX_CLIENT_KEY);
	if (!key)
		return NULL;
	struct kb_auth_record *rec;
	if (lim->n_clients < KB_AUTH_MAX_CLIENTS) {
		rec = &lim->clients[lim->n_clients++];
	} else {
		rec = &lim->clients[oldest];
		talloc_free(rec->client);
	}
	rec->client = key;
	rec->failures = 0;
	rec->last_ms = 0;
	return rec;
}

unsigned kb_auth_failures(const struct kb_auth_limiter *lim, const char *client)
{
	for (size_t i = 0; i < lim->n_clients; i++)
		if (strncmp(lim->clients[i].client, client, KB_AUTH_MAX_CLIENT_KEY) == 0)
			return lim->clients[i].failures;
	return 0;
}

int kb_auth_attempt(struct kb_auth_limiter *lim, const char *client, const char *hash,
		    const char *password, uint64_t now_ms, enum kb_auth_reason *ret_reason,
		    uint64_t *ret_retry_ms)
{
	struct kb_auth_record *rec;
	uint64_t w;
	int r;

	*ret_retry_ms = 0;
	if (!hash || !*hash) {
		*ret_reason = KB_AUTH_NOT_RESTRICTED;
		return 0;
	}
	rec = find_client(lim, client ? client : "", true);
	if (!rec)
		return -ENOMEM;
	w = wait_left(rec, KB_AUTH_FREE_FAILURES, now_ms);
	if (w) {
		*ret_reason = KB_AUTH_LIMITED_CLIENT;
		*ret_retry_ms = w;
		return -EAGAIN;
	}
	w = wait_left(&lim->global, KB_AUTH_GLOBAL_FREE_FAILURES, now_ms);
	if (w) {
		*ret_reason = KB_AUTH_LIMITED_GLOBAL;
		*ret_retry_ms = w;
		return -EAGAIN;
	}
	r = kb_auth_verify(hash, password);
	if (r == 0) {
		rec->failures = 0;
		*ret_reason = KB_AUTH_OK;
		return 0;
	}
	if (r == -EINVAL) {
		*ret_reason = KB_AUTH_BAD_HASH;
		return -EACCES;
	}
	rec->failures++;
	rec->last_ms = now_ms;
	lim->global.failures++;
	lim->global.last_ms = now_ms;
	*ret_reason = KB_AUTH_WRONG_PASSWORD;
	return -EACCES;
}

static const char *const kind_names[KB_REQ_KIND_MAX] = {
	[KB_REQ_VIEW] = "view",     [KB_REQ_BOOT] = "boot",     [KB_REQ_EDIT] = "edit",
	[KB_REQ_CONFIG] = "config", [KB_REQ_OPTIONS] = "options", [KB_REQ_SHELL] = "shell",
	[KB_REQ_RESCAN] = "rescan", [KB_REQ_CANCEL] = "cancel",
};

const char *kb_request_kind_name(uint32_t kind)
{
	return kind < KB_REQ_KIND_MAX ? kind_names[kind] : "?";
}

static int verdict(enum kb_auth_verdict v, const char *why, enum kb_auth_verdict *ret_verdict,
		   const char **ret_why)
{
	if (ret_verdict)
		*ret_verdict = v;
	if (ret_why)
		*ret_why = why;
	switch (v) {
	case KB_ALLOW:
		return 0;
	case KB_DENY_PASSWORD:
		return -EACCES;
	default:
		return -EPERM;
	}
}

int kb_auth_decide(const struct kb_auth_request *req, enum kb_auth_verdict *ret_verdict,
		   const char **ret_why)
{
	bool need_password = false;

	if (req->kind >= KB_REQ_KIND_MAX)
		return verdict(KB_DENY_UNKNOWN, "unknown request", ret_verdict, ret_why);
	if (req->kind == KB_REQ_VIEW)
		return verdict(KB_ALLOW, "anyone may look", ret_verdict, ret_why);
	if (!req->privileged)
		return verdict(KB_DENY_UNPRIVILEGED,
			       "unprivileged clients may look but not boot, edit or configure",
			       ret_verdict, ret_why);
	switch (req->kind) {
	case KB_REQ_BOOT:
		need_password = !req->is_default_boot;
		break;
	case KB_REQ_EDIT:
	case KB_REQ_CONFIG:
	case KB_REQ_OPTIONS:
		need_password = true;
		break;
	case KB_REQ_SHELL:
		if (req->shell_disabled)
			return verdict(KB_DENY_DISABLED, "the shell is disabled (allow-shell = false)",
				       ret_verdict, ret_why);
		need_password = true;
		break;
	default: /* rescan, cancel */
		break;
	}
	if (need_password && req->restricted && !req->authed)
		return verdict(KB_DENY_PASSWORD,
			       req->kind == KB_REQ_BOOT
				       ? "restricted mode: booting a non-default entry needs the password"
				       : req->kind == KB_REQ_EDIT
					 ? "restricted mode: editing an entry needs the password"
				       : req->kind == KB_REQ_SHELL
					 ? "restricted mode: the shell needs the password"
					 : "restricted mode: changing configuration needs the password",
			       ret_verdict, ret_why);
	return verdict(KB_ALLOW, "allowed", ret_verdict, ret_why);
}
