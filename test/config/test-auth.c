/* Unit tests: discover/auth.c (password hashes, rate limiting, authority). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/auth.h"

static void test_hash_yescrypt(void **state)
{
	void *ctx = talloc_new(NULL);
	char *h1, *h2;

	assert_int_equal(kb_auth_hash_password(ctx, "correct horse", &h1), 0);
	assert_memory_equal(h1, "$y$", 3); /* libxcrypt here has yescrypt */
	assert_int_equal(kb_auth_verify(h1, "correct horse"), 0);
	assert_int_equal(kb_auth_verify(h1, "correct hors"), -EACCES);
	assert_int_equal(kb_auth_verify(h1, ""), -EACCES);
	/* salted: the same password hashes differently */
	assert_int_equal(kb_auth_hash_password(ctx, "correct horse", &h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(kb_auth_verify(h2, "correct horse"), 0);
	talloc_free(ctx);
}

static void test_hash_sha512(void **state)
{
	void *ctx = talloc_new(NULL);
	char *h;

	assert_int_equal(kb_auth_hash_password_method(ctx, "pässwörd", "$6$", &h), 0);
	assert_memory_equal(h, "$6$", 3);
	assert_int_equal(kb_auth_verify(h, "pässwörd"), 0);
	assert_int_equal(kb_auth_verify(h, "passwort"), -EACCES);
	talloc_free(ctx);
}

/* A hash made by another implementation (openssl passwd) verifies. */
static void test_foreign_sha512(void **state)
{
	char line[256] = "";
	FILE *p = popen("openssl passwd -6 -salt kexbootsalt 'open sesame' 2>/dev/null", "r");

	if (!p)
		skip();
	if (!fgets(line, sizeof(line), p)) {
		pclose(p);
		skip();
	}
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "$6$kexbootsalt$", 15) != 0)
		skip();
	assert_int_equal(kb_auth_verify(line, "open sesame"), 0);
	assert_int_equal(kb_auth_verify(line, "open sesame "), -EACCES);
}

static void test_bad_inputs(void **state)
{
	void *ctx = talloc_new(NULL);
	char *h = NULL;
	char big[KB_AUTH_MAX_PASSWORD + 2];

	assert_int_equal(kb_auth_hash_password(ctx, "", &h), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(kb_auth_hash_password(ctx, big, &h), -EINVAL);
	assert_int_equal(kb_auth_verify("not-a-hash", "x"), -EINVAL);
	assert_int_equal(kb_auth_verify("$unknown$abc$def", "x"), -EINVAL);
	assert_int_equal(kb_auth_verify(NULL, "x"), -EINVAL);
	talloc_free(ctx);
}

static void test_rate_limit_client(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_auth_limiter *lim = kb_auth_limiter_new(ctx);
	enum kb_auth_reason why;
	uint64_t retry, t = 1000000;
	char *h;

	assert_int_equal(kb_auth_hash_password_method(ctx, "pw", "$6$", &h), 0);
	/* not restricted: nothing to check, nothing counted */
	assert_int_equal(kb_auth_attempt(lim, "a", NULL, "x", t, &why, &retry), 0);
	assert_int_equal(why, KB_AUTH_NOT_RESTRICTED);

	for (int i = 0; i < KB_AUTH_FREE_FAILURES; i++) {
		assert_int_equal(kb_auth_attempt(lim, "a", h, "bad", t, &why, &retry), -EACCES);
		assert_int_equal(why, KB_AUTH_WRONG_PASSWORD);
	}
	assert_int_equal(kb_auth_failures(lim, "a"), KB_AUTH_FREE_FAILURES);
	/* now refused without being checked, even with the right password */
	assert_int_equal(kb_auth_attempt(lim, "a", h, "pw", t + 10, &why, &retry), -EAGAIN);
	assert_int_equal(why, KB_AUTH_LIMITED_CLIENT);
	assert_int_equal(retry, KB_AUTH_BASE_DELAY_MS - 10);
	assert_int_equal(kb_auth_failures(lim, "a"), KB_AUTH_FREE_FAILURES);
	/* another client is not affected */
	assert_int_equal(kb_auth_attempt(lim, "b", h, "pw", t + 10, &why, &retry), 0);
	assert_int_equal(why, KB_AUTH_OK);
	/* after the delay one more try; failing doubles the delay */
	t += KB_AUTH_BASE_DELAY_MS;
	assert_int_equal(kb_auth_attempt(lim, "a", h, "bad", t, &why, &retry), -EACCES);
	assert_int_equal(kb_auth_attempt(lim, "a", h, "pw", t + 1, &why, &retry), -EAGAIN);
	assert_int_equal(retry, 2 * KB_AUTH_BASE_DELAY_MS - 1);
	/* success after waiting resets the client */
	t += 2 * KB_AUTH_BASE_DELAY_MS;
	assert_int_equal(kb_auth_attempt(lim, "a", h, "pw", t, &why, &retry), 0);
	assert_int_equal(kb_auth_failures(lim, "a"), 0);
	assert_int_equal(kb_auth_attempt(lim, "a", h, "bad", t, &why, &retry), -EACCES);
	assert_int_equal(why, KB_AUTH_WRONG_PASSWORD);
	talloc_free(ctx);
}

static void test_rate_limit_cap_and_forget(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_auth_limiter *lim = kb_auth_limiter_new(ctx);
	enum kb_auth_reason why;
	uint64_t retry = 0, t = 5000000;
	char *h;

	assert_int_equal(kb_auth_hash_password_method(ctx, "pw", "$6$", &h), 0);
	/* many failures, each after its delay: the delay stops at the cap */
	for (int i = 0; i < 30; i++) {
		int r = kb_auth_attempt(lim, "a", h, "bad", t, &why, &retry);
		if (r == -EAGAIN) {
			assert_true(retry <= KB_AUTH_MAX_DELAY_MS);
			t += retry;
			r = kb_auth_attempt(lim, "a", h, "bad", t, &why, &retry);
		}
		assert_int_equal(r, -EACCES);
	}
	assert_int_equal(kb_auth_attempt(lim, "a", h, "pw", t, &why, &retry), -EAGAIN);
	assert_int_equal(retry, KB_AUTH_MAX_DELAY_MS);
	/* old failures are forgotten */
	t += KB_AUTH_FORGET_MS;
	assert_int_equal(kb_auth_attempt(lim, "a", h, "pw", t, &why, &retry), 0);
	talloc_free(ctx);
}

static void test_rate_limit_global(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_auth_limiter *lim = kb_auth_limiter_new(ctx);
	enum kb_auth_reason why;
	uint64_t retry, t = 1000;
	char *h, name[32];

	assert_int_equal(kb_auth_hash_password_method(ctx, "pw", "$6$", &h), 0);
	/* one failure each from many clients: no client limit, but a global one */
	for (int i = 0; i < KB_AUTH_GLOBAL_FREE_FAILURES; i++) {
		snprintf(name, sizeof(name), "client%d", i);
		assert_int_equal(kb_auth_attempt(lim, name, h, "bad", t, &why, &retry), -EACCES);
	}
	assert_int_equal(kb_auth_attempt(lim, "fresh", h, "pw", t, &why, &retry), -EAGAIN);
	assert_int_equal(why, KB_AUTH_LIMITED_GLOBAL);
	assert_int_equal(retry, KB_AUTH_BASE_DELAY_MS);
	assert_int_equal(kb_auth_attempt(lim, "fresh", h, "pw", t + KB_AUTH_BASE_DELAY_MS, &why,
					 &retry),
			 0);
	/* client records are bounded: more clients than the limit evict old ones */
	for (int i = 0; i < KB_AUTH_MAX_CLIENTS * 2; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		kb_auth_attempt(lim, name, "", "x", t, &why, &retry);
	}
	talloc_free(ctx);
}

static void test_reason_names(void **state)
{
	for (int i = 0; i < KB_AUTH_REASON_MAX; i++)
		assert_string_not_equal(kb_auth_reason_str((enum kb_auth_reason)i), "?");
	assert_string_equal(kb_auth_reason_str(KB_AUTH_WRONG_PASSWORD), "wrong password");
}

/* The authority table, stated independently of the implementation. */
static int expected(uint32_t kind, bool def, bool restricted, bool authed, bool priv,
		    bool shell_off)
{
	if (kind == KB_REQ_VIEW)
		return 0;
	if (!priv)
		return -EPERM; /* unprivileged: never, password or not */
	if (kind == KB_REQ_SHELL && shell_off)
		return -EPERM;
	bool needs = (kind == KB_REQ_BOOT && !def) || kind == KB_REQ_EDIT ||
		     kind == KB_REQ_CONFIG || kind == KB_REQ_OPTIONS || kind == KB_REQ_SHELL;
	return needs && restricted && !authed ? -EACCES : 0;
}

static void test_authority_table(void **state)
{
	for (uint32_t kind = 0; kind < KB_REQ_KIND_MAX; kind++)
		for (int bits = 0; bits < 32; bits++) {
			struct kb_auth_request rq = {
				.kind = kind,
				.is_default_boot = bits & 1,
				.restricted = bits & 2,
				.authed = bits & 4,
				.privileged = bits & 8,
				.shell_disabled = bits & 16,
			};
			enum kb_auth_verdict v;
			const char *why = NULL;
			int r = kb_auth_decide(&rq, &v, &why);
			assert_int_equal(r, expected(kind, rq.is_default_boot, rq.restricted,
						     rq.authed, rq.privileged, rq.shell_disabled));
			assert_non_null(why);
			assert_int_equal(v == KB_ALLOW, r == 0);
		}
}

static void test_authority_cases(void **state)
{
	enum kb_auth_verdict v;
	const char *why;
	struct kb_auth_request rq = {.kind = KB_REQ_BOOT, .restricted = true, .privileged = true};

	/* restricted: default boot is fine, others need the password */
	rq.is_default_boot = true;
	assert_int_equal(kb_auth_decide(&rq, &v, &why), 0);
	rq.is_default_boot = false;
	assert_int_equal(kb_auth_decide(&rq, &v, &why), -EACCES);
	assert_int_equal(v, KB_DENY_PASSWORD);
	assert_non_null(strstr(why, "non-default"));
	rq.authed = true;
	assert_int_equal(kb_auth_decide(&rq, &v, &why), 0);
	/* edit with the password but no privilege: still no */
	rq.kind = KB_REQ_EDIT;
	rq.privileged = false;
	assert_int_equal(kb_auth_decide(&rq, &v, &why), -EPERM);
	assert_int_equal(v, KB_DENY_UNPRIVILEGED);
	/* unrestricted, privileged: everything but a disabled shell */
	struct kb_auth_request open = {.kind = KB_REQ_SHELL, .privileged = true};
	assert_int_equal(kb_auth_decide(&open, &v, &why), 0);
	open.shell_disabled = true;
	assert_int_equal(kb_auth_decide(&open, &v, &why), -EPERM);
	assert_int_equal(v, KB_DENY_DISABLED);
	open.kind = 99;
	assert_int_equal(kb_auth_decide(&open, &v, &why), -EPERM);
	assert_int_equal(v, KB_DENY_UNKNOWN);
	assert_string_equal(kb_request_kind_name(KB_REQ_CONFIG), "config");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_yescrypt),	   cmocka_unit_test(test_hash_sha512),
		cmocka_unit_test(test_foreign_sha512),	   cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_rate_limit_client),  cmocka_unit_test(test_rate_limit_cap_and_forget),
		cmocka_unit_test(test_rate_limit_global),  cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_authority_table),	   cmocka_unit_test(test_authority_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
