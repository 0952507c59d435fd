/* kexboot: DHCP lease values and PXE decisions (see pxe.h). */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parser.h"
#include "discover/pxe.h"

/* The keys the hook writes, and the field each fills. */
struct lease_key {
	const char *key;
	const char *what; /* for messages */
	size_t off;
	bool hex_option;  /* udhcpc gives unknown options ("optNNN") as hex */
	bool addrs;       /* a list of IPv4 addresses (raw bytes for optNNN) */
	bool compact6;    /* IPv6 addresses in it are shortened (udhcpc6 writes them in full) */
};

#define F(name) offsetof(struct kb_lease, name)
static const struct lease_key lease_keys[] = {
	{ "ip", "address", F(ip), false, false, false },
	{ "subnet", "subnet mask", F(subnet), false, false, false },
	{ "router", "router", F(router), false, false, false },
	{ "dns", "DNS servers", F(dns), false, false, true },
	{ "domain", "domain", F(domain), false, false, false },
	{ "serverid", "DHCP server id", F(serverid), false, false, false },
	{ "siaddr", "next-server (siaddr)", F(siaddr), false, false, false },
	{ "sname", "server name (sname)", F(sname), false, false, false },
	{ "boot_file", "boot file (file field)", F(boot_file), false, false, false },
	{ "tftp", "option 66 (TFTP server)", F(tftp_server), false, false, false },
	{ "bootfile", "option 67 (boot file)", F(bootfile), false, false, false },
	{ "pxeconffile", "option 209 (pxelinux config file)", F(conf_file), false, false, false },
	{ "opt209", "option 209 (pxelinux config file)", F(conf_file), true, false, false },
	{ "pxepathprefix", "option 210 (pxelinux path prefix)", F(path_prefix), false, false, false },
	{ "opt210", "option 210 (pxelinux path prefix)", F(path_prefix), true, false, false },
	{ "opt150", "option 150 (TFTP server addresses)", F(tftp_addrs), true, true, false },
	/* udhcpc6's names (DHCPv6) */
	{ "ipv6", "IPv6 address", F(ipv6), false, false, true },
	{ "search", "DNS search list", F(domain), false, false, false },
	{ "bootfile_url", "DHCPv6 option 59 (boot file URL)", F(boot_url6), false, false, false },
	{ "bootfile_param", "DHCPv6 option 60 (boot file parameters)", F(boot_params6), false, false, false },
};
#undef F

/* val with every blank-separated IPv6 address in its shortest form
 * ("fd00:0078:0000:…:012d" -> "fd00:78::12d"); other words kept. A child
 * of ctx, NULL on ENOMEM. */
static char *compact_v6(void *ctx, const char *val, size_t vlen)
{
	char *out = talloc_strdup(ctx, ""), word[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t i = 0, n;

	while (out && i < vlen) {
		if (val[i] == ' ') {
			i++;
			continue;
		}
		for (n = 0; i + n < vlen && val[i + n] != ' ';)
			n++;
		if (n < sizeof(word)) {
			memcpy(word, val + i, n);
			word[n] = '\0';
		}
		if (n < sizeof(word) && inet_pton(AF_INET6, word, &a) == 1 &&
		    inet_ntop(AF_INET6, &a, text, sizeof(text)))
			out = talloc_asprintf_append(out, "%s%s", *out ? " " : "", text);
		else
			out = talloc_asprintf_append(out, "%s%.*s", *out ? " " : "", (int)n, val + i);
		i += n;
	}
	return out;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode n hex digits into a buffer of n/2 bytes (under ctx, NUL-terminated). */
static int unhex(void *ctx, const char *s, size_t n, char **ret, size_t *ret_len)
{
	char *out;
	size_t i;

	if (n % 2)
		return -EBADMSG;
	out = talloc_size(ctx, n / 2 + 1);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0) {
			talloc_free(out);
			return -EBADMSG;
		}
		out[i / 2] = (char)(hi << 4 | lo);
	}
	out[n / 2] = '\0';
	*ret = out;
	*ret_len = n / 2;
	return 0;
}

static void warn(void *ctx, char **warnings, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn(void *ctx, char **warnings, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = talloc_vasprintf(ctx, fmt, ap);
	va_end(ap);
	if (!s)
		return;
	if (!*warnings)
		*warnings = s;
	else {
		*warnings = talloc_asprintf_append(*warnings, "; %s", s);
		talloc_free(s);
	}
}

/* Check one decoded value: length and printable bytes only. */
static const char *bad_value(const char *v, size_t n)
{
	size_t i;

	if (n > KB_LEASE_MAX_VALUE_LEN)
		return "longer than KB_LEASE_MAX_VALUE_LEN";
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return "holds control or non-ASCII bytes";
	return NULL;
}

int kb_lease_parse(void *ctx, const char *buf, size_t len, struct kb_lease **ret_lease,
		   char **ret_warnings)
{
	struct kb_lease *l;
	const char *p = buf, *end = buf + len;
	char *warnings = NULL;
	unsigned lines = 0;
	bool header = false;

	if (len > KB_LEASE_MAX_FILE_SIZE)
		return -E2BIG;
	l = talloc_zero(ctx, struct kb_lease);
	if (!l)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const struct lease_key *k = NULL;
		char *val, *text;
		size_t vlen, i;
		const char *why;
		int r;

		if (++lines > KB_LEASE_MAX_LINES) {
			talloc_free(l);
			return -E2BIG;
		}
		if (!header) {
			/* the first line names the format */
			if (n != 12 || memcmp(p, "kexboot-dhcp", 12) != 0) {
				talloc_free(l);
				return -EBADMSG;
			}
			header = true;
			goto next;
		}
		eq = memchr(p, '=', n);
		if (!eq)
			goto next;
		for (i = 0; i < sizeof(lease_keys) / sizeof(lease_keys[0]); i++)
			if (strlen(lease_keys[i].key) == (size_t)(eq - p) &&
			    memcmp(lease_keys[i].key, p, (size_t)(eq - p)) == 0)
				k = &lease_keys[i];
		if (!k || eq + 1 == p + n)
			goto next;
		r = unhex(l, eq + 1, (size_t)(p + n - eq - 1), &val, &vlen);
		if (r == -ENOMEM) {
			talloc_free(l);
			return r;
		}
		if (r < 0) {
			warn(ctx, &warnings, "%s: not hex-encoded: ignored", k->what);
			goto next;
		}
		if (k->hex_option) {
			/* udhcpc's own hex of the raw option bytes */
			char *raw;
			size_t rlen;

			if (unhex(l, val, vlen, &raw, &rlen) < 0) {
				warn(ctx, &warnings, "%s: not hex from udhcpc: ignored", k->what);
				goto next;
			}
			if (k->addrs) {
				size_t j;

				if (rlen == 0 || rlen % 4) {
					warn(ctx, &warnings, "%s: %zu bytes, not a list of IPv4 addresses: ignored",
					     k->what, rlen);
					goto next;
				}
				text = talloc_strdup(l, "");
				for (j = 0; text && j < rlen && j < 4 * 8; j += 4)
					text = talloc_asprintf_append(text, "%s%u.%u.%u.%u", j ? " " : "",
								      (unsigned char)raw[j], (unsigned char)raw[j + 1],
								      (unsigned char)raw[j + 2], (unsigned char)raw[j + 3]);
				if (!text) {
					talloc_free(l);
					return -ENOMEM;
				}
				val = text;
				vlen = strlen(text);
			} else {
				/* strings may carry a trailing NUL */
				while (rlen && raw[rlen - 1] == '\0')
					rlen--;
				val = raw;
				vlen = rlen;
			}
		}
		why = bad_value(val, vlen);
		if (why) {
			warn(ctx, &warnings, "%s: refusing a value that %s", k->what, why);
			goto next;
		}
		if (vlen == 0)
			goto next;
		if (k->compact6) {
			val = compact_v6(l, val, vlen);
			if (!val) {
				talloc_free(l);
				return -ENOMEM;
			}
			vlen = strlen(val);
		}
		{
			char **field = (char **)((char *)l + k->off);

			talloc_free(*field);
			*field = talloc_strndup(l, val, vlen);
			if (!*field) {
				talloc_free(l);
				return -ENOMEM;
			}
		}
next:
		p += n + (nl ? 1 : 0);
	}
	if (!header) {
		talloc_free(l);
		return -EBADMSG;
	}
	*ret_lease = l;
	if (ret_warnings)
		*ret_warnings = warnings;
	else
		talloc_free(warnings);
	return 0;
}

bool kb_is_url(const char *s)
{
	const char *p = s;

	if (!s || !isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p[0] == ':' && p[1] == '/' && p[2] == '/';
}

/* Does a relative or absolute path climb above its starting directory? */
static bool escapes(const char *path)
{
	int depth = 0;
	const char *p = path;

	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (!(n == 1 && s[0] == '.')) {
			depth++;
		}
	}
	return false;
}

static int url_fail(void *ctx, char **ret_why, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int url_fail(void *ctx, char **ret_why, int r, const char *fmt, ...)
{
	va_list ap;

	if (ret_why) {
		va_start(ap, fmt);
		*ret_why = talloc_vasprintf(ctx, fmt, ap);
		va_end(ap);
	}
	return r;
}

int kb_url_parse(void *ctx, const char *url, struct kb_url *ret, char **ret_why)
{
	static const char *const schemes[] = { "tftp", "http", "https", "ftp" };
	const char *p, *host, *hend, *path;
	size_t len = strlen(url), i, slen;
	struct kb_url u = { .port = -1 };
	bool ok = false;

	if (len > KB_URL_MAX_LEN)
		return url_fail(ctx, ret_why, -ENAMETOOLONG, "URL is %zu bytes, over the limit of %u (KB_URL_MAX_LEN)",
				len, KB_URL_MAX_LEN);
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return url_fail(ctx, ret_why, -EINVAL,
					"URL holds a blank, control or non-ASCII byte at offset %zu", i);
	if (!kb_is_url(url))
		return url_fail(ctx, ret_why, -EINVAL, "not a URL (scheme://host/path)");
	p = strstr(url, "://");
	slen = (size_t)(p - url);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i]) == slen && strncasecmp(url, schemes[i], slen) == 0)
			ok = true;
	if (!ok)
		return url_fail(ctx, ret_why, -EPROTONOSUPPORT,
				"unsupported scheme '%.*s' (tftp, http, https and ftp are)", (int)slen, url);
	host = p + 3;
	if (strchr(host, '@') && (!strchr(host, '/') || strchr(host, '@') < strchr(host, '/')))
		return url_fail(ctx, ret_why, -EINVAL, "user names in URLs are not supported");
	if (*host == '[') {
		hend = strchr(host, ']');
		if (!hend)
			return url_fail(ctx, ret_why, -EINVAL, "unterminated [IPv6] host");
		for (p = host + 1; p < hend; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return url_fail(ctx, ret_why, -EINVAL, "bad character in an [IPv6] host");
		hend++;
	} else {
		hend = host;
		while (isalnum((unsigned char)*hend) || *hend == '-' || *hend == '.' || *hend == '_')
			hend++;
	}
	if (hend == host || (size_t)(hend - host) > KB_URL_MAX_HOST_LEN)
		return url_fail(ctx, ret_why, -EINVAL, "empty or over-long host (limit %u, KB_URL_MAX_HOST_LEN)",
				KB_URL_MAX_HOST_LEN);
	path = hend;
	if (*path == ':') {
		long port = 0;

		path++;
		if (!isdigit((unsigned char)*path))
			return url_fail(ctx, ret_why, -EINVAL, "port is not a number");
		while (isdigit((unsigned char)*path)) {
			port = port * 10 + (*path++ - '0');
			if (port > 65535)
				return url_fail(ctx, ret_why, -EINVAL, "port over 65535");
		}
		if (port == 0)
			return url_fail(ctx, ret_why, -EINVAL, "port 0");
		u.port = (int)port;
	}
	if (*path && *path != '/')
		return url_fail(ctx, ret_why, -EINVAL, "bad character '%c' after the host", *path);
	{
		char *p_only = talloc_strndup(ctx, path, strcspn(path, "?#"));
		bool climbs = p_only && escapes(p_only);

		talloc_free(p_only);
		if (climbs)
			return url_fail(ctx, ret_why, -EINVAL, "path climbs above the server root");
	}
	u.scheme = talloc_strndup(ctx, url, slen);
	u.host = talloc_strndup(ctx, host, (size_t)(hend - host));
	u.path = talloc_strdup(ctx, *path ? path : "/");
	if (!u.scheme || !u.host || !u.path) {
		talloc_free(u.scheme);
		talloc_free(u.host);
		talloc_free(u.path);
		return -ENOMEM;
	}
	for (i = 0; u.scheme[i]; i++)
		u.scheme[i] = (char)tolower((unsigned char)u.scheme[i]);
	*ret = u;
	return 0;
}

char *kb_url_root(void *ctx, const struct kb_url *u)
{
	if (u->port >= 0)
		return talloc_asprintf(ctx, "%s://%s:%d", u->scheme, u->host, u->port);
	return talloc_asprintf(ctx, "%s://%s", u->scheme, u->host);
}

char *kb_url_resolve(void *ctx, const char *base, const char *ref)
{
	const char *hostp, *pathp, *q;
	char *dir, *joined, *norm, *out;

	if (kb_is_url(ref) || !kb_is_url(base))
		return talloc_strdup(ctx, ref);
	hostp = strstr(base, "://") + 3;
	pathp = strchr(hostp, '/');
	if (!pathp)
		pathp = hostp + strlen(hostp);
	if (ref[0] == '/') {
		joined = talloc_strdup(ctx, ref);
	} else {
		/* the base's directory, without any query */
		q = strchr(pathp, '?');
		dir = talloc_strndup(ctx, pathp, q ? (size_t)(q - pathp) : strlen(pathp));
		if (!dir)
			return NULL;
		if (strrchr(dir, '/'))
			strrchr(dir, '/')[1] = '\0';
		else
			dir[0] = '\0';
		joined = talloc_asprintf(ctx, "/%s/%s", dir, ref);
		talloc_free(dir);
	}
	if (!joined)
		return NULL;
	/* keep a query untouched by normalisation */
	q = strchr(joined, '?');
	if (q) {
		char *head = talloc_strndup(ctx, joined, (size_t)(q - joined));

		norm = head ? kb_path_normalise(ctx, head) : NULL;
		talloc_free(head);
	} else {
		norm = kb_path_normalise(ctx, joined);
	}
	if (!norm) {
		talloc_free(joined);
		return NULL;
	}
	out = talloc_asprintf(ctx, "%.*s%s%s", (int)(pathp - base), base, norm, q ? q : "");
	talloc_free(norm);
	talloc_free(joined);
	return out;
}

int kb_pxe_search_names(void *ctx, const char *mac, const char *ip, char ***ret_names,
			unsigned *ret_n)
{
	char **names = talloc_array(ctx, char *, KB_PXE_MAX_CONFIGS);
	unsigned n = 0, i;
	struct in_addr a;

	if (!names)
		return -ENOMEM;
	if (mac && *mac) {
		char *s = talloc_asprintf(names, "01-%s", mac);

		if (!s)
			goto nomem;
		for (i = 0; s[i]; i++)
			s[i] = s[i] == ':' ? '-' : (char)tolower((unsigned char)s[i]);
		names[n++] = s;
	}
	if (ip && inet_pton(AF_INET, ip, &a) == 1) {
		char hex[9];
		unsigned len;

		snprintf(hex, sizeof(hex), "%08X", (unsigned)ntohl(a.s_addr));
		for (len = 8; len >= 1; len--)
			if (!(names[n++] = talloc_strndup(names, hex, len)))
				goto nomem;
	}
	if (!(names[n++] = talloc_strdup(names, "default")))
		goto nomem;
	*ret_names = names;
	*ret_n = n;
	return 0;
nomem:
	talloc_free(names);
	return -ENOMEM;
}

static int plan_fail(void *ctx, char **ret_why, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int plan_fail(void *ctx, char **ret_why, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*ret_why = talloc_vasprintf(ctx, fmt, ap);
	va_end(ap);
	return r;
}

/* Is a boot file name a script kexboot reads (rather than a loader binary)? */
static bool is_script_name(const char *f)
{
	static const char *const ext[] = { ".ipxe", ".cfg", ".conf", ".txt" };
	size_t n = strlen(f), i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (n > strlen(ext[i]) && strcasecmp(f + n - strlen(ext[i]), ext[i]) == 0)
			return true;
	return false;
}

/* Is a boot file URL a loader binary (pxelinux.0, an EFI program, iPXE's
 * images) rather than a script? Then the configs are searched next to it. */
static bool is_loader_url(const char *url)
{
	static const char *const ext[] = { ".0", ".efi", ".kpxe", ".kkpxe", ".pxe", ".lkrn", ".com" };
	size_t n = strcspn(url, "?#"), i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (n > strlen(ext[i]) && strncasecmp(url + n - strlen(ext[i]), ext[i], strlen(ext[i])) == 0)
			return true;
	return false;
}

/* The boot server's host: option 150, then 66, then siaddr. */
static const char *boot_server(void *ctx, const struct kb_lease *l, const char **what)
{
	if (l->tftp_addrs) {
		*what = "option 150";
		return talloc_strndup(ctx, l->tftp_addrs, strcspn(l->tftp_addrs, " "));
	}
	if (l->tftp_server) {
		*what = "option 66";
		return l->tftp_server;
	}
	if (l->siaddr && strcmp(l->siaddr, "0.0.0.0") != 0) {
		*what = "siaddr";
		return l->siaddr;
	}
	return NULL;
}

int kb_pxe_plan(void *ctx, const struct kb_lease *l, const char *mac, struct kb_pxe_plan **ret_plan,
		char **ret_why)
{
	struct kb_pxe_plan *plan;
	const char *bootfile = l->bootfile ? l->bootfile : l->boot_file;
	const char *server, *server_what = NULL, *bootfile_what = "boot file";
	struct kb_url u;
	char *why = NULL, **names;
	unsigned n, i;
	int r;

	if (!bootfile && l->boot_url6) {
		/* DHCPv6 has no next-server: option 59 is always a URL */
		bootfile = l->boot_url6;
		bootfile_what = "DHCPv6 option 59 (boot file URL)";
		if (!kb_is_url(bootfile))
			return plan_fail(ctx, ret_why, -EINVAL, "%s '%s': not a URL", bootfile_what, bootfile);
	}
	if (!bootfile && !l->conf_file && !l->path_prefix)
		return plan_fail(ctx, ret_why, -ENOENT,
				 "no network boot offered (no boot file, option 209, option 210 or DHCPv6 option 59)");
	plan = talloc_zero(ctx, struct kb_pxe_plan);
	if (!plan)
		return -ENOMEM;

	/* the server root: a URL prefix names its own, else the boot server over TFTP */
	if (l->path_prefix && kb_is_url(l->path_prefix)) {
		r = kb_url_parse(plan, l->path_prefix, &u, &why);
		if (r < 0)
			return plan_fail(ctx, ret_why, -EINVAL, "option 210 (path prefix) '%s': %s",
					 l->path_prefix, why);
		plan->root = kb_url_root(plan, &u);
		plan->prefix = kb_path_normalise(plan, talloc_strndup(plan, u.path, strcspn(u.path, "?#")));
	} else if (!l->path_prefix && !l->conf_file && bootfile && kb_is_url(bootfile) && is_loader_url(bootfile)) {
		/* a loader named by URL: PXELINUX searches its directory on its server */
		char *dir;

		r = kb_url_parse(plan, bootfile, &u, &why);
		if (r < 0)
			return plan_fail(ctx, ret_why, -EINVAL, "%s '%s': %s", bootfile_what, bootfile, why);
		plan->root = kb_url_root(plan, &u);
		dir = talloc_strndup(plan, u.path, strcspn(u.path, "?#"));
		if (!dir)
			return -ENOMEM;
		*strrchr(dir, '/') = '\0'; /* kb_url_parse: the path starts with '/' */
		plan->prefix = kb_path_normalise(plan, *dir ? dir : "/");
	} else {
		server = boot_server(plan, l, &server_what);
		if (!server && !(bootfile && kb_is_url(bootfile)) && !(l->conf_file && kb_is_url(l->conf_file)))
			return plan_fail(ctx, ret_why, -EINVAL,
					 "no boot server offered (siaddr, option 66 and option 150 are empty)");
		if (server) {
			char *root = talloc_asprintf(plan, "tftp://%s", server);

			if (!root)
				return -ENOMEM;
			if (kb_url_parse(plan, root, &u, &why) < 0 || strcmp(u.path, "/") != 0)
				return plan_fail(ctx, ret_why, -EINVAL, "boot server from %s '%s': not a host name or address",
						 server_what, server);
			plan->root = root;
		}
		if (l->path_prefix) {
			if (escapes(l->path_prefix))
				return plan_fail(ctx, ret_why, -EINVAL,
						 "option 210 (path prefix) '%s': refusing a path that climbs above the server root",
						 l->path_prefix);
			plan->prefix = kb_path_normalise(plan, l->path_prefix);
		} else if (bootfile && !kb_is_url(bootfile)) {
			/* PXELINUX: the boot file's directory */
			const char *slash = strrchr(bootfile, '/');

			if (escapes(bootfile))
				return plan_fail(ctx, ret_why, -EINVAL,
						 "boot file '%s': refusing a path that climbs above the server root",
						 bootfile);
			plan->prefix = kb_path_normalise(plan, slash ? talloc_strndup(plan, bootfile,
										   (size_t)(slash - bootfile))
								     : "/");
		} else {
			plan->prefix = talloc_strdup(plan, "/");
		}
	}
	if (!plan->prefix)
		return -ENOMEM;
	if (plan->prefix[strlen(plan->prefix) - 1] != '/')
		plan->prefix = talloc_strdup_append(plan->prefix, "/");
	if (!plan->prefix)
		return -ENOMEM;

	plan->configs = talloc_array(plan, char *, KB_PXE_MAX_CONFIGS);
	if (!plan->configs)
		return -ENOMEM;

	if (l->conf_file) {
		/* option 209: relative to the prefix, never above it */
		const char *c = l->conf_file;

		plan->explicit_config = true;
		plan->source = talloc_strdup(plan, "option 209");
		if (kb_is_url(c)) {
			if (kb_url_parse(plan, c, &u, &why) < 0)
				return plan_fail(ctx, ret_why, -EINVAL, "option 209 (config file) '%s': %s", c, why);
			plan->configs[plan->n_configs++] = talloc_strdup(plan->configs, c);
		} else {
			if (!plan->root)
				return plan_fail(ctx, ret_why, -EINVAL,
						 "option 209 (config file) '%s': no boot server to fetch it from", c);
			if (escapes(c))
				return plan_fail(ctx, ret_why, -EINVAL,
						 "option 209 (config file) '%s': refusing a path that escapes the prefix %s",
						 c, plan->prefix);
			plan->configs[plan->n_configs++] = talloc_asprintf(
				plan->configs, "%s%s", plan->root,
				kb_path_normalise(plan, c[0] == '/' ? c : talloc_asprintf(plan, "%s%s", plan->prefix, c)));
		}
		goto done;
	}
	if (bootfile && ((kb_is_url(bootfile) && !is_loader_url(bootfile)) || is_script_name(bootfile))) {
		/* a script named as the boot file (iPXE, or a pxelinux config) */
		plan->explicit_config = true;
		plan->source = talloc_strdup(plan, bootfile_what);
		if (kb_is_url(bootfile)) {
			if (kb_url_parse(plan, bootfile, &u, &why) < 0)
				return plan_fail(ctx, ret_why, -EINVAL, "%s '%s': %s", bootfile_what, bootfile, why);
			plan->configs[plan->n_configs++] = talloc_strdup(plan->configs, bootfile);
		} else {
			if (!plan->root)
				return plan_fail(ctx, ret_why, -EINVAL, "boot file '%s': no boot server", bootfile);
			plan->configs[plan->n_configs++] = talloc_asprintf(
				plan->configs, "%s%s", plan->root,
				kb_path_normalise(plan, bootfile));
		}
		goto done;
	}
	if (!plan->root)
		return plan_fail(ctx, ret_why, -EINVAL, "no boot server offered for the pxelinux search");
	plan->source = talloc_strdup(plan, bootfile == l->boot_url6 && bootfile ? "pxelinux search (DHCPv6 option 59)"
									       : "pxelinux search");
	r = kb_pxe_search_names(plan, mac, l->ip, &names, &n);
	if (r < 0)
		return r;
	for (i = 0; i < n && plan->n_configs < KB_PXE_MAX_CONFIGS; i++)
		plan->configs[plan->n_configs++] = talloc_asprintf(plan->configs, "%s%spxelinux.cfg/%s",
								   plan->root, plan->prefix, names[i]);
done:
	for (i = 0; i < plan->n_configs; i++)
		if (!plan->configs[i])
			return -ENOMEM;
	if (!plan->source)
		return -ENOMEM;
	/* the config's own URL is checked like any other */
	for (i = 0; i < plan->n_configs; i++)
		if (kb_url_parse(plan, plan->configs[i], &u, &why) < 0)
			return plan_fail(ctx, ret_why, -EINVAL, "config URL '%s': %s", plan->configs[i], why);
	*ret_plan = plan;
	return 0;
}
