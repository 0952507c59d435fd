/* Unit tests: discover/config.c (settings model, keys, text format, command
 * line, layer precedence). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/auth.h"
#include "discover/config.h"

static char *get(const struct kb_config *cfg, void *ctx, const char *key)
{
	char *v = NULL;
	assert_int_equal(kb_config_get(cfg, ctx, key, &v), 0);
	return v;
}

static void test_defaults(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = kb_config_new(ctx);

	assert_non_null(cfg);
	assert_true(cfg->autoboot);
	assert_int_equal(cfg->timeout_s, KB_CONFIG_DEFAULT_TIMEOUT);
	assert_int_equal(cfg->n_boot_order, 0);
	assert_null(cfg->console);
	assert_null(cfg->password_hash);
	assert_null(cfg->next_boot);
	assert_null(cfg->default_id);
	assert_int_equal(cfg->wait_timeout_s, KB_CONFIG_DEFAULT_WAIT_TIMEOUT);
	assert_string_equal(cfg->language, "en");
	assert_true(cfg->allow_shell);
	assert_string_equal(get(cfg, ctx, "timeout"), "10");
	assert_string_equal(get(cfg, ctx, "autoboot"), "true");
	assert_string_equal(get(cfg, ctx, "password"), "");
	talloc_free(ctx);
}

static void test_set_get_and_errors(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = kb_config_new(ctx);
	char *err = NULL;

	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "0", &err), 0);
	assert_int_equal(cfg->timeout_s, 0);
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "-5", &err), 0);
	assert_int_equal(cfg->timeout_s, -1);
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "30", &err), 0);
	assert_int_equal(cfg->timeout_s, 30);

	/* bad values: -EINVAL, a message, and nothing changes */
	err = NULL;
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "soon", &err), -EINVAL);
	assert_non_null(strstr(err, "timeout"));
	assert_int_equal(cfg->timeout_s, 30);
	err = NULL;
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "86401", &err), -EINVAL);
	assert_non_null(strstr(err, "86400"));
	assert_int_equal(kb_config_set(cfg, ctx, "autoboot", "maybe", &err), -EINVAL);
	assert_true(cfg->autoboot);
	err = NULL;
	assert_int_equal(kb_config_set(cfg, ctx, "no-such-key", "1", &err), -EINVAL);
	assert_non_null(strstr(err, "unknown key"));
	assert_int_equal(kb_config_set(cfg, ctx, "console", "ttyS0 115200", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "language", "en\nx", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "wait-timeout", "3601", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "boot-order", "disk, floppy", &err), -EINVAL);
	assert_non_null(strstr(err, "floppy"));
	assert_int_equal(kb_config_set(cfg, ctx, "boot-order", "name~(", &err), -EINVAL);
	assert_non_null(strstr(err, "regular expression"));
	assert_int_equal(kb_config_set(cfg, ctx, "password-hash", "$1$abc$def", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "password-hash", "plain", &err), -EINVAL);
	assert_int_equal(kb_config_get(cfg, ctx, "nope", &err), -ENOENT);

	char big[KB_CONFIG_MAX_VALUE_LEN + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err = NULL;
	assert_int_equal(kb_config_set(cfg, ctx, "language", big, &err), -E2BIG);
	assert_non_null(strstr(err, "limit"));

	/* good values */
	assert_int_equal(kb_config_set(cfg, ctx, "autoboot", "off", &err), 0);
	assert_false(cfg->autoboot);
	assert_int_equal(kb_config_set(cfg, ctx, "console", "ttyS0,115200n8", &err), 0);
	assert_string_equal(cfg->console, "ttyS0,115200n8");
	assert_int_equal(kb_config_set(cfg, ctx, "language", "de_DE.UTF-8", &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "allow-shell", "no", &err), 0);
	assert_false(cfg->allow_shell);
	assert_int_equal(kb_config_set(cfg, ctx, "next-boot", "sda1:grub2:3", &err), 0);
	assert_string_equal(cfg->next_boot, "sda1:grub2:3");
	assert_int_equal(kb_config_set(cfg, ctx, "next-boot", "", &err), 0);
	assert_null(cfg->next_boot);
	assert_int_equal(kb_config_set(cfg, ctx, "wait-for", "uuid:ABCD-1234, interface:eth0", &err),
			 0);
	assert_int_equal(cfg->n_wait_for, 2);
	assert_int_equal(kb_config_set(cfg, ctx, "wait-timeout", "45", &err), 0);
	assert_int_equal(cfg->wait_timeout_s, 45);

	/* "" restores the built-in default */
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "", &err), 0);
	assert_int_equal(cfg->timeout_s, KB_CONFIG_DEFAULT_TIMEOUT);
	talloc_free(ctx);
}

static void test_boot_order_rules(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = kb_config_new(ctx);
	char *err = NULL;

	assert_int_equal(kb_config_set(cfg, ctx, "boot-order",
				       "network, uuid:1234-ABCD, label:My Disk, interface:eth1, "
				       "name~^Debian (.*)\\, rescue$, disk",
				       &err),
			 0);
	assert_int_equal(cfg->n_boot_order, 6);
	assert_int_equal(cfg->boot_order[0].kind, KB_RULE_TYPE);
	assert_int_equal(cfg->boot_order[0].dev_type, KB_DEVICE_NETWORK);
	assert_int_equal(cfg->boot_order[1].kind, KB_RULE_UUID);
	assert_string_equal(cfg->boot_order[2].value, "My Disk");
	assert_int_equal(cfg->boot_order[3].kind, KB_RULE_INTERFACE);
	assert_int_equal(cfg->boot_order[4].kind, KB_RULE_NAME);
	assert_string_equal(cfg->boot_order[4].value, "^Debian (.*), rescue$");

	/* the text form round-trips */
	char *text = get(cfg, ctx, "boot-order");
	struct kb_config *cfg2 = kb_config_new(ctx);
	assert_int_equal(kb_config_set(cfg2, ctx, "boot-order", text, &err), 0);
	assert_string_equal(get(cfg2, ctx, "boot-order"), text);

	struct kb_device dev = {.id = "sda1", .type = KB_DEVICE_DISK, .uuid = "1234-abcd",
				.label = "My Disk"};
	struct kb_device net = {.id = "eth1", .type = KB_DEVICE_NETWORK};
	struct kb_option opt = {.id = "x", .name = "Debian GNU/Linux"};
	struct kb_option opt2 = {.id = "y", .name = "Debian 12, rescue"};
	assert_false(kb_rule_match(&cfg->boot_order[0], &opt, &dev));
	assert_true(kb_rule_match(&cfg->boot_order[0], &opt, &net));
	assert_true(kb_rule_match(&cfg->boot_order[1], &opt, &dev)); /* case-insensitive */
	assert_true(kb_rule_match(&cfg->boot_order[2], &opt, &dev));
	assert_true(kb_rule_match(&cfg->boot_order[3], &opt, &net));
	assert_false(kb_rule_match(&cfg->boot_order[3], &opt, &dev));
	assert_false(kb_rule_match(&cfg->boot_order[4], &opt, &dev));
	assert_true(kb_rule_match(&cfg->boot_order[4], &opt2, NULL));
	assert_true(kb_rule_match(&cfg->boot_order[5], &opt, &dev));
	assert_false(kb_rule_match(&cfg->boot_order[5], &opt, NULL));
	talloc_free(ctx);
}

static void test_network_keys(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = kb_config_new(ctx);
	char *err = NULL;

	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.100.method", "static", &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.100.address", "192.0.2.10/24", &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.100.gateway", "192.0.2.1", &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.100.dns", "192.0.2.53, 2001:db8::53",
				       &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.100.proxy",
				       "http://proxy.example:3128", &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.100.boot-url",
				       "tftp://192.0.2.1/boot/pxelinux.0", &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth1.method", "dhcp", &err), 0);
	assert_int_equal(cfg->n_net, 2);
	assert_string_equal(cfg->net[0].boot_url, "tftp://192.0.2.1/boot/pxelinux.0");
	assert_string_equal(get(cfg, ctx, "network.eth0.100.boot-url"), "tftp://192.0.2.1/boot/pxelinux.0");
	assert_string_equal(get(cfg, ctx, "network.eth0.100.proxy"), "http://proxy.example:3128");
	assert_string_equal(cfg->net[0].ifname, "eth0.100");
	assert_int_equal(cfg->net[0].method, KB_NET_STATIC);
	assert_string_equal(cfg->net[0].address, "192.0.2.10/24");
	assert_string_equal(get(cfg, ctx, "network.eth0.100.gateway"), "192.0.2.1");
	assert_string_equal(get(cfg, ctx, "network.eth1.method"), "dhcp");
	assert_string_equal(get(cfg, ctx, "network.eth9.method"), "");

	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.address", "192.0.2.10", &err),
			 -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.address", "192.0.2.10/33", &err),
			 -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.gateway", "gw", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.method", "ppp", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.proxy", "ftp://x", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.boot-url", "file:///etc/shadow", &err),
			 -EINVAL);
	assert_non_null(strstr(err, "expected a tftp://"));
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.boot-url", "http://a b", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.mtu", "1500", &err), -EINVAL);
	assert_int_equal(kb_config_set(cfg, ctx, "network.averyveryverylongifname.method", "dhcp",
				       &err),
			 -EINVAL);

	struct kb_config_item *items;
	size_t n;
	assert_int_equal(kb_config_list(cfg, ctx, &items, &n), 0);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(items[i].key, "network.eth0.100.dns"))
			found = !strcmp(items[i].value, "192.0.2.53, 2001:db8::53");
	assert_true(found);
	talloc_free(ctx);
}

static void test_password(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = kb_config_new(ctx);
	char *err = NULL;

	assert_int_equal(kb_config_set(cfg, ctx, "password", "s3cret", &err), 0);
	assert_non_null(cfg->password_hash);
	assert_true(strncmp(cfg->password_hash, "$y$", 3) == 0 ||
		    strncmp(cfg->password_hash, "$6$", 3) == 0);
	assert_int_equal(kb_auth_verify(cfg->password_hash, "s3cret"), 0);
	assert_int_equal(kb_auth_verify(cfg->password_hash, "wrong"), -EACCES);
	/* get never shows the hash under "password", nor does the list */
	assert_string_equal(get(cfg, ctx, "password"), "set");
	assert_string_equal(get(cfg, ctx, "password-hash"), "set");
	struct kb_config_item *items;
	size_t n;
	assert_int_equal(kb_config_list(cfg, ctx, &items, &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(items[i].value, cfg->password_hash));
	/* stored as password-hash, never as plaintext */
	const struct kb_config_item *st;
	kb_config_stored_items(cfg, &st, &n);
	assert_int_equal(n, 1);
	assert_string_equal(st[0].key, "password-hash");
	assert_null(strstr(st[0].value, "s3cret"));

	/* an already-hashed value */
	char *h6;
	assert_int_equal(kb_auth_hash_password_method(ctx, "other", "$6$", &h6), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "password-hash", h6, &err), 0);
	assert_string_equal(cfg->password_hash, h6);

	/* empty password: restricted mode off */
	assert_int_equal(kb_config_set(cfg, ctx, "password", "", &err), 0);
	assert_null(cfg->password_hash);
	assert_string_equal(get(cfg, ctx, "password"), "");
	talloc_free(ctx);
}

static void test_parse_text(void **state)
{
	void *ctx = talloc_new(NULL);
	const char *text = "# kexboot defaults\n"
			   "\n"
			   "timeout = 5\n"
			   "   autoboot=no   \r\n"
			   "boot-order = network, disk\n"
			   "console = \"ttyS0,115200\"\n"
			   "language = \"a\\\"b\n"         /* line 7: unterminated */
			   "bogus line\n"                  /* line 8 */
			   "timeout = forever\n"           /* line 9 */
			   "password = hunter2\n"          /* line 10: plaintext refused */
			   "unknown-key = 1\n"             /* line 11 */
			   "= 3\n"                         /* line 12 */
			   "wait-for = label:BOOT # not a comment\n"
			   "next-boot =\n";
	struct kb_config_item *items;
	struct kb_config_errors errs;
	size_t n;

	assert_int_equal(kb_config_parse_text(ctx, text, strlen(text), &items, &n, &errs), 6);
	assert_int_equal(n, 6);
	assert_string_equal(items[0].key, "timeout");
	assert_string_equal(items[0].value, "5");
	assert_string_equal(items[1].key, "autoboot");
	assert_string_equal(items[1].value, "no");
	assert_string_equal(items[3].value, "ttyS0,115200");
	assert_string_equal(items[4].value, "label:BOOT # not a comment");
	assert_string_equal(items[5].key, "next-boot");
	assert_string_equal(items[5].value, "");
	assert_int_equal(errs.n_errors, 6);
	unsigned lines[] = {7, 8, 9, 10, 11, 12};
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(errs.errors[i].line, lines[i]);
	assert_non_null(strstr(errs.errors[0].message, "unterminated"));
	assert_non_null(strstr(errs.errors[2].message, "timeout"));
	assert_non_null(strstr(errs.errors[3].message, "password-hash"));
	assert_non_null(strstr(errs.errors[4].message, "unknown-key"));

	/* size limit */
	size_t big = KB_CONFIG_MAX_FILE_SIZE + 1;
	char *buf = talloc_zero_size(ctx, big);
	assert_int_equal(kb_config_parse_text(ctx, buf, big, &items, &n, &errs), -E2BIG);

	/* the error list is bounded but counts everything */
	char *many = talloc_strdup(ctx, "");
	for (int i = 0; i < KB_CONFIG_MAX_ERRORS + 10; i++)
		many = talloc_strdup_append(many, "junk\n");
	assert_int_equal(kb_config_parse_text(ctx, many, strlen(many), &items, &n, &errs), 0);
	assert_int_equal(errs.n_errors, KB_CONFIG_MAX_ERRORS);
	assert_int_equal(errs.n_total, KB_CONFIG_MAX_ERRORS + 10);
	talloc_free(ctx);
}

static void test_format_roundtrip(void **state)
{
	void *ctx = talloc_new(NULL);
	/* leading space and empty values need quotes; quotes and backslashes inside */
	struct kb_config_item in[] = {
		{"boot-order", " disk"},
		{"next-boot", ""},
		{"boot-order", "name~\"quoted\" \\x"},
		{"timeout", "7"},
	};
	char *text = kb_config_format_text(ctx, in, 4);
	struct kb_config_item *out;
	struct kb_config_errors errs;
	size_t n;

	assert_int_equal(kb_config_parse_text(ctx, text, strlen(text), &out, &n, &errs), 4);
	assert_int_equal(errs.n_total, 0);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(out[i].key, in[i].key);
		assert_string_equal(out[i].value, in[i].value);
	}
	talloc_free(ctx);
}

static void test_cmdline(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config_item *items;
	struct kb_config_errors errs;
	size_t n;
	const char *cl = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 kexboot.timeout=3 quiet "
			 "kexboot.autoboot=0 \"kexboot.console=ttyS1,9600\" kexboot.default=sdb1:bls:2 "
			 "kexboot.timeout=nope kexboot.frobnicate=1 kexboot.console\n";

	assert_int_equal(kb_config_parse_cmdline(ctx, cl, &items, &n, &errs), 4);
	assert_string_equal(items[0].key, "timeout");
	assert_string_equal(items[0].value, "3");
	assert_string_equal(items[1].key, "autoboot");
	assert_string_equal(items[1].value, "0");
	assert_string_equal(items[2].key, "console");
	assert_string_equal(items[2].value, "ttyS1,9600");
	assert_string_equal(items[3].key, "default");
	assert_string_equal(items[3].value, "sdb1:bls:2");
	assert_int_equal(errs.n_total, 3);
	assert_non_null(strstr(errs.errors[0].message, "kexboot.timeout"));
	assert_non_null(strstr(errs.errors[1].message, "frobnicate"));
	assert_non_null(strstr(errs.errors[2].message, "needs a value"));

	assert_int_equal(kb_config_parse_cmdline(ctx, "", &items, &n, &errs), 0);
	talloc_free(ctx);
}

/* built-in < /etc/kexboot.conf < stored < kernel command line */
static void test_precedence(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_config *cfg = kb_config_new(ctx);
	const char *file = "timeout = 20\nconsole = tty0\nlanguage = fr\nautoboot = true\n";
	struct kb_config_item *items;
	struct kb_config_errors errs;
	size_t n;
	char *err;

	assert_int_equal(kb_config_parse_text(ctx, file, strlen(file), &items, &n, &errs), 4);
	assert_int_equal(kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_FILE, items, n, &errs), 4);
	assert_int_equal(cfg->timeout_s, 20);
	assert_string_equal(cfg->console, "tty0");

	assert_int_equal(kb_config_parse_cmdline(ctx, "kexboot.timeout=1 kexboot.autoboot=0", &items,
						 &n, &errs),
			 2);
	assert_int_equal(kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_CMDLINE, items, n, &errs), 2);

	assert_int_equal(kb_config_set(cfg, ctx, "timeout", "40", &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "console", "hvc0", &err), 0);
	/* cmdline beats stored, stored beats file, file beats built-in */
	assert_int_equal(cfg->timeout_s, 1);
	assert_false(cfg->autoboot);
	assert_string_equal(cfg->console, "hvc0");
	assert_string_equal(cfg->language, "fr");
	assert_int_equal(cfg->wait_timeout_s, KB_CONFIG_DEFAULT_WAIT_TIMEOUT);

	/* only the stored layer is what gets saved */
	const struct kb_config_item *st;
	kb_config_stored_items(cfg, &st, &n);
	assert_int_equal(n, 2);
	assert_string_equal(st[0].key, "timeout");
	assert_string_equal(st[0].value, "40");

	/* dropping the cmdline layer reveals the stored value */
	assert_int_equal(kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_CMDLINE, NULL, 0, NULL), 0);
	assert_int_equal(cfg->timeout_s, 40);
	assert_true(cfg->autoboot);

	/* set_layer drops invalid items and reports them */
	struct kb_config_item bad[] = {{"timeout", "x"}, {"password", "p"}, {"language", "de"}};
	assert_int_equal(kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_FILE, bad, 3, &errs), 1);
	assert_int_equal(errs.n_total, 2);
	assert_string_equal(cfg->language, "de");
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_set_get_and_errors),
		cmocka_unit_test(test_boot_order_rules), cmocka_unit_test(test_network_keys),
		cmocka_unit_test(test_password),	 cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_format_roundtrip), cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
