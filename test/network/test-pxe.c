/* DHCP lease parsing, PXE plans (search order, prefixes, option 209/210/150
 * precedence, refusals) and URL checks (discover/pxe.c). */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/pxe.h"

/* The hook's encoding: every value hex. */
static char *hex(void *ctx, const char *s, size_t n)
{
	char *out = talloc_size(ctx, 2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)s[i]);
	out[2 * n] = '\0';
	return out;
}

/* A lease file from key/value pairs (NULL-terminated). */
static char *lease_text(void *ctx, ...)
{
	char *t = talloc_strdup(ctx, "kexboot-dhcp\n");
	const char *k, *v;
	va_list ap;

	va_start(ap, ctx);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		t = talloc_asprintf_append(t, "%s=%s\n", k, hex(ctx, v, strlen(v)));
	}
	va_end(ap);
	return t;
}

static struct kb_lease *parse(void *ctx, const char *text, char **warnings)
{
	struct kb_lease *l = NULL;

	assert_int_equal(kb_lease_parse(ctx, text, strlen(text), &l, warnings), 0);
	return l;
}

static void test_lease_basic(void **state)
{
	void *ctx = talloc_new(NULL);
	char *w = NULL;
	struct kb_lease *l = parse(ctx, lease_text(ctx, "ip", "192.0.2.10", "subnet", "255.255.255.0",
						 "siaddr", "192.0.2.1", "boot_file", "pxelinux.0", "bogus",
						 "x", NULL),
				   &w);

	assert_string_equal(l->ip, "192.0.2.10");
	assert_string_equal(l->siaddr, "192.0.2.1");
	assert_string_equal(l->boot_file, "pxelinux.0");
	assert_null(l->conf_file);
	assert_null(w);
	talloc_free(ctx);
}

static void test_lease_hex_options(void **state)
{
	void *ctx = talloc_new(NULL);
	/* udhcpc gives unknown options as hex of their bytes: the hook hexes that again */
	const char *raw150 = "\xc0\x00\x02\x05\xc0\x00\x02\x06";
	char *o209 = hex(ctx, "configs/a.cfg", 13), *o150 = hex(ctx, raw150, 8);
	struct kb_lease *l = parse(ctx, lease_text(ctx, "opt209", o209, "opt150", o150, NULL), NULL);

	assert_string_equal(l->conf_file, "configs/a.cfg");
	assert_string_equal(l->tftp_addrs, "192.0.2.5 192.0.2.6");
	talloc_free(ctx);
}

static void test_lease_refusals(void **state)
{
	void *ctx = talloc_new(NULL);
	char *w = NULL, *t, big[KB_LEASE_MAX_VALUE_LEN + 2];
	struct kb_lease *l;

	/* a newline or control byte in a value: refused, the rest kept */
	l = parse(ctx, lease_text(ctx, "pxeconffile", "a\nbootfile=evil", "ip", "192.0.2.9", NULL), &w);
	assert_null(l->conf_file);
	assert_null(l->bootfile);
	assert_string_equal(l->ip, "192.0.2.9");
	assert_non_null(w);
	assert_non_null(strstr(w, "option 209"));
	assert_non_null(strstr(w, "control"));

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	w = NULL;
	l = parse(ctx, lease_text(ctx, "bootfile", big, NULL), &w);
	assert_null(l->bootfile);
	assert_non_null(strstr(w, "KB_LEASE_MAX_VALUE_LEN"));

	/* not hex, odd length, an address list of 5 bytes */
	w = NULL;
	l = parse(ctx, "kexboot-dhcp\nip=zz\nsiaddr=123\nopt150=3031323334\n", &w);
	assert_null(l->ip);
	assert_null(l->siaddr);
	assert_null(l->tftp_addrs);
	assert_non_null(strstr(w, "option 150"));

	/* no header: not the hook's file */
	assert_int_equal(kb_lease_parse(ctx, "ip=00\n", 6, &l, NULL), -EBADMSG);
	assert_int_equal(kb_lease_parse(ctx, "", 0, &l, NULL), -EBADMSG);
	t = talloc_zero_size(ctx, KB_LEASE_MAX_FILE_SIZE + 2);
	memset(t, '\n', KB_LEASE_MAX_FILE_SIZE + 1);
	assert_int_equal(kb_lease_parse(ctx, t, KB_LEASE_MAX_FILE_SIZE + 1, &l, NULL), -E2BIG);
	talloc_free(ctx);
}

static void test_search_names(void **state)
{
	void *ctx = talloc_new(NULL);
	char **n;
	unsigned cnt;

	assert_int_equal(kb_pxe_search_names(ctx, "88:99:AA:BB:CC:DD", "192.168.2.91", &n, &cnt), 0);
	assert_int_equal(cnt, 10);
	assert_string_equal(n[0], "01-88-99-aa-bb-cc-dd");
	assert_string_equal(n[1], "C0A8025B");
	assert_string_equal(n[2], "C0A8025");
	assert_string_equal(n[8], "C");
	assert_string_equal(n[9], "default");
	assert_int_equal(kb_pxe_search_names(ctx, NULL, NULL, &n, &cnt), 0);
	assert_int_equal(cnt, 1);
	talloc_free(ctx);
}

static struct kb_pxe_plan *plan_ok(void *ctx, struct kb_lease *l, const char *mac)
{
	struct kb_pxe_plan *p = NULL;
	char *why = NULL;
	int r = kb_pxe_plan(ctx, l, mac, &p, &why);

	if (r < 0)
		fail_msg("plan failed: %s", why);
	return p;
}

static void test_plan_search(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_lease l = { .ip = "10.0.0.5", .siaddr = "10.0.0.1", .boot_file = "boot/pxelinux.0" };
	struct kb_pxe_plan *p = plan_ok(ctx, &l, "52:54:00:12:34:56");

	assert_false(p->explicit_config);
	assert_string_equal(p->root, "tftp://10.0.0.1");
	assert_string_equal(p->prefix, "/boot/");
	assert_int_equal(p->n_configs, 10);
	assert_string_equal(p->configs[0], "tftp://10.0.0.1/boot/pxelinux.cfg/01-52-54-00-12-34-56");
	assert_string_equal(p->configs[1], "tftp://10.0.0.1/boot/pxelinux.cfg/0A000005");
	assert_string_equal(p->configs[9], "tftp://10.0.0.1/boot/pxelinux.cfg/default");

	/* option 210 wins over the boot file's directory; 66 over siaddr; 150 over both */
	l.path_prefix = "/srv/tftp/";
	l.tftp_server = "boot.example";
	p = plan_ok(ctx, &l, NULL);
	assert_string_equal(p->configs[0], "tftp://boot.example/srv/tftp/pxelinux.cfg/0A000005");
	l.tftp_addrs = "10.0.0.7 10.0.0.8";
	p = plan_ok(ctx, &l, NULL);
	assert_string_equal(p->root, "tftp://10.0.0.7");
	/* a URL prefix names its own server */
	l.path_prefix = "http://10.0.0.9:8080/pxe";
	p = plan_ok(ctx, &l, NULL);
	assert_string_equal(p->root, "http://10.0.0.9:8080");
	assert_string_equal(p->configs[p->n_configs - 1], "http://10.0.0.9:8080/pxe/pxelinux.cfg/default");
	talloc_free(ctx);
}

static void test_plan_explicit(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_lease l = { .ip = "10.0.0.5", .siaddr = "10.0.0.1", .boot_file = "pxelinux.0",
			      .path_prefix = "boot", .conf_file = "cfg/host.cfg" };
	struct kb_pxe_plan *p = plan_ok(ctx, &l, NULL);

	assert_true(p->explicit_config);
	assert_int_equal(p->n_configs, 1);
	assert_string_equal(p->configs[0], "tftp://10.0.0.1/boot/cfg/host.cfg");
	l.conf_file = "http://10.0.0.2/menu.ipxe";
	p = plan_ok(ctx, &l, NULL);
	assert_string_equal(p->configs[0], "http://10.0.0.2/menu.ipxe");
	/* an iPXE script as the boot file */
	l.conf_file = NULL;
	l.path_prefix = NULL;
	l.bootfile = "http://10.0.0.2/boot.ipxe";
	p = plan_ok(ctx, &l, NULL);
	assert_true(p->explicit_config);
	assert_string_equal(p->configs[0], "http://10.0.0.2/boot.ipxe");
	l.bootfile = "scripts/boot.ipxe";
	p = plan_ok(ctx, &l, NULL);
	assert_string_equal(p->configs[0], "tftp://10.0.0.1/scripts/boot.ipxe");
	talloc_free(ctx);
}

static void plan_refused(struct kb_lease *l, int want, const char *needle)
{
	void *ctx = talloc_new(NULL);
	struct kb_pxe_plan *p = NULL;
	char *why = NULL;

	assert_int_equal(kb_pxe_plan(ctx, l, NULL, &p, &why), want);
	assert_non_null(why);
	if (!strstr(why, needle))
		fail_msg("'%s' does not say '%s'", why, needle);
	talloc_free(ctx);
}

static void test_plan_refusals(void **state)
{
	struct kb_lease l = { .ip = "10.0.0.5", .siaddr = "10.0.0.1", .boot_file = "pxelinux.0" };

	l.conf_file = "../../etc/shadow";
	plan_refused(&l, -EINVAL, "escapes the prefix");
	l.conf_file = "a/../../x";
	plan_refused(&l, -EINVAL, "option 209");
	l.conf_file = "gopher://x/y";
	plan_refused(&l, -EINVAL, "unsupported scheme");
	l.conf_file = NULL;
	l.path_prefix = "/../..";
	plan_refused(&l, -EINVAL, "option 210");
	l.path_prefix = "http://1/../e35"; /* found by fuzz-dhcp */
	plan_refused(&l, -EINVAL, "climbs above the server root");
	l.path_prefix = NULL;
	l.tftp_server = "bad host!";
	plan_refused(&l, -EINVAL, "option 66");
	l.tftp_server = NULL;
	l.siaddr = "0.0.0.0";
	plan_refused(&l, -EINVAL, "no boot server");
	l.boot_file = NULL;
	plan_refused(&l, -ENOENT, "no network boot offered");
}

static void url_bad(const char *url, int want, const char *needle)
{
	void *ctx = talloc_new(NULL);
	struct kb_url u;
	char *why = NULL;

	assert_int_equal(kb_url_parse(ctx, url, &u, &why), want);
	if (!why || !strstr(why, needle))
		fail_msg("%s: '%s' does not say '%s'", url, why ? why : "(null)", needle);
	talloc_free(ctx);
}

static void test_urls(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_url u;
	char big[KB_URL_MAX_LEN + 16];

	assert_int_equal(kb_url_parse(ctx, "HTTP://Host.example:8080/a/b?x=1", &u, NULL), 0);
	assert_string_equal(u.scheme, "http");
	assert_string_equal(u.host, "Host.example");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/a/b?x=1");
	assert_string_equal(kb_url_root(ctx, &u), "http://Host.example:8080");
	assert_int_equal(kb_url_parse(ctx, "tftp://[2001:db8::1]/x", &u, NULL), 0);
	assert_string_equal(u.host, "[2001:db8::1]");
	assert_int_equal(kb_url_parse(ctx, "ftp://h", &u, NULL), 0);
	assert_string_equal(u.path, "/");
	url_bad("file:///etc/passwd", -EPROTONOSUPPORT, "unsupported scheme");
	url_bad("http://h:99999/", -EINVAL, "port");
	url_bad("http://h:0/", -EINVAL, "port 0");
	url_bad("http:///x", -EINVAL, "host");
	url_bad("http://user:pw@h/x", -EINVAL, "user names");
	url_bad("http://h/a b", -EINVAL, "blank");
	url_bad("http://h/\x01", -EINVAL, "control");
	url_bad("http://h\\x/", -EINVAL, "after the host");
	url_bad("nourl", -EINVAL, "not a URL");
	url_bad("http://h/../x", -EINVAL, "climbs above the server root");
	url_bad("http://h/a/../../x?y=/../..", -EINVAL, "climbs");
	memset(big, 'a', sizeof(big));
	memcpy(big, "http://h/", 9);
	big[sizeof(big) - 1] = '\0';
	url_bad(big, -ENAMETOOLONG, "KB_URL_MAX_LEN");
	talloc_free(ctx);
}

static void test_url_resolve(void **state)
{
	void *ctx = talloc_new(NULL);

	assert_string_equal(kb_url_resolve(ctx, "http://h/a/b.ipxe", "vmlinuz"), "http://h/a/vmlinuz");
	assert_string_equal(kb_url_resolve(ctx, "http://h/a/b.ipxe", "/k/vmlinuz"), "http://h/k/vmlinuz");
	assert_string_equal(kb_url_resolve(ctx, "http://h/a/b.ipxe", "../../../x"), "http://h/x");
	assert_string_equal(kb_url_resolve(ctx, "http://h/a/b.ipxe?q=1", "c?d=2"), "http://h/a/c?d=2");
	assert_string_equal(kb_url_resolve(ctx, "http://h:81", "k"), "http://h:81/k");
	assert_string_equal(kb_url_resolve(ctx, "http://h/a/", "tftp://o/x"), "tftp://o/x");
	talloc_free(ctx);
}

static void test_dhcpv6(void **state)
{
	void *ctx = talloc_new(NULL);
	char *w = NULL, *why = NULL;
	/* what udhcpc6 sets for the hook: ipv6, dns, search, bootfile_url (option 59) */
	struct kb_lease *l = parse(ctx, lease_text(ctx, "ipv6", "2001:db8::50", "dns", "2001:db8::1",
						 "search", "example.net", "bootfile_url",
						 "tftp://[2001:db8::1]/boot/pxelinux.0", "bootfile_param",
						 "quiet", NULL),
				   &w);
	struct kb_pxe_plan *p;

	assert_null(w);
	assert_string_equal(l->ipv6, "2001:db8::50");
	assert_string_equal(l->domain, "example.net");
	assert_string_equal(l->boot_url6, "tftp://[2001:db8::1]/boot/pxelinux.0");
	assert_string_equal(l->boot_params6, "quiet");
	/* busybox 1.35's udhcpc6 writes addresses in full: shortened, other words kept */
	l = parse(ctx, lease_text(ctx, "ipv6", "fd00:0078:0178:0000:0000:0000:0000:012d", "dns",
				  "fd00:0078:0178:0000:0000:0000:0000:0001 2001:0db8:0000:0000:0000:0000:0000:0035",
				  NULL),
		  &w);
	assert_null(w);
	assert_string_equal(l->ipv6, "fd00:78:178::12d");
	assert_string_equal(l->dns, "fd00:78:178::1 2001:db8::35");
	l = parse(ctx, lease_text(ctx, "ip", "192.0.2.5", "dns", "192.0.2.1 192.0.2.2", NULL), &w);
	assert_string_equal(l->dns, "192.0.2.1 192.0.2.2");
	l = parse(ctx, lease_text(ctx, "ipv6", "2001:db8::50", "dns", "2001:db8::1",
				  "search", "example.net", "bootfile_url",
				  "tftp://[2001:db8::1]/boot/pxelinux.0", NULL),
		  &w);
	/* a loader by URL: PXELINUX's search in its directory on its server (no IPv4 names) */
	p = plan_ok(ctx, l, "52:54:00:12:34:56");
	assert_false(p->explicit_config);
	assert_string_equal(p->root, "tftp://[2001:db8::1]");
	assert_string_equal(p->prefix, "/boot/");
	assert_int_equal(p->n_configs, 2);
	assert_string_equal(p->configs[0], "tftp://[2001:db8::1]/boot/pxelinux.cfg/01-52-54-00-12-34-56");
	assert_string_equal(p->configs[1], "tftp://[2001:db8::1]/boot/pxelinux.cfg/default");
	assert_non_null(strstr(p->source, "option 59"));
	/* a script by URL is the config itself */
	l->boot_url6 = "http://[2001:db8::1]:8080/boot.ipxe";
	p = plan_ok(ctx, l, NULL);
	assert_true(p->explicit_config);
	assert_string_equal(p->configs[0], "http://[2001:db8::1]:8080/boot.ipxe");
	/* option 59 must be a URL; a bad one is refused naming the option */
	l->boot_url6 = "/boot/pxelinux.0";
	assert_int_equal(kb_pxe_plan(ctx, l, NULL, &p, &why), -EINVAL);
	assert_non_null(strstr(why, "option 59"));
	l->boot_url6 = "tftp://[2001:db8::zz]/x.0";
	assert_int_equal(kb_pxe_plan(ctx, l, NULL, &p, &why), -EINVAL);
	assert_non_null(strstr(why, "option 59"));
	/* an IPv4 boot file wins over option 59 */
	l->boot_url6 = "tftp://[2001:db8::1]/boot/pxelinux.0";
	l->boot_file = "v4/pxelinux.0";
	l->siaddr = "192.0.2.1";
	p = plan_ok(ctx, l, NULL);
	assert_string_equal(p->root, "tftp://192.0.2.1");
	/* the v4 loader by URL is searched next to it too */
	l->boot_file = "http://192.0.2.7/x/lpxelinux.0";
	p = plan_ok(ctx, l, NULL);
	assert_string_equal(p->configs[p->n_configs - 1], "http://192.0.2.7/x/pxelinux.cfg/default");
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lease_basic),
		cmocka_unit_test(test_lease_hex_options),
		cmocka_unit_test(test_lease_refusals),
		cmocka_unit_test(test_search_names),
		cmocka_unit_test(test_plan_search),
		cmocka_unit_test(test_plan_explicit),
		cmocka_unit_test(test_dhcpv6),
		cmocka_unit_test(test_plan_refusals),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_url_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
