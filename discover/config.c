/* kexboot: settings model, keys, layers and the key = value text format. */
#include <arpa/inet.h>
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/auth.h"
#include "discover/config.h"

#define KB_CONFIG_MAX_DNS 8 /* addresses in network.<if>.dns */

/* Keys with a fixed name; network.<if>.<field> is handled apart. */
enum cfg_key {
	K_AUTOBOOT,
	K_TIMEOUT,
	K_BOOT_ORDER,
	K_DEFAULT,
	K_NEXT_BOOT,
	K_CONSOLE,
	K_PASSWORD,
	K_PASSWORD_HASH,
	K_WAIT_FOR,
	K_WAIT_TIMEOUT,
	K_LANGUAGE,
	K_ALLOW_SHELL,
	K_NETWORK, /* network.<if>.<field> */
	K_UNKNOWN,
};

static const char *const key_names[] = {
	[K_AUTOBOOT] = "autoboot",
	[K_TIMEOUT] = "timeout",
	[K_BOOT_ORDER] = "boot-order",
	[K_DEFAULT] = "default",
	[K_NEXT_BOOT] = "next-boot",
	[K_CONSOLE] = "console",
	[K_PASSWORD] = "password",
	[K_PASSWORD_HASH] = "password-hash",
	[K_WAIT_FOR] = "wait-for",
	[K_WAIT_TIMEOUT] = "wait-timeout",
	[K_LANGUAGE] = "language",
	[K_ALLOW_SHELL] = "allow-shell",
};

enum net_field { NF_METHOD, NF_ADDRESS, NF_GATEWAY, NF_DNS, NF_PROXY, NF_BOOT_URL, NF_MAX };
static const char *const net_field_names[NF_MAX] = {
	[NF_METHOD] = "method", [NF_ADDRESS] = "address", [NF_GATEWAY] = "gateway",
	[NF_DNS] = "dns",       [NF_PROXY] = "proxy",     [NF_BOOT_URL] = "boot-url",
};

/* The string a network field is kept in (NULL for method, an enum). */
static char **net_field_str(struct kb_net_config *net, enum net_field f)
{
	switch (f) {
	case NF_ADDRESS: return &net->address;
	case NF_GATEWAY: return &net->gateway;
	case NF_DNS: return &net->dns;
	case NF_PROXY: return &net->proxy;
	case NF_BOOT_URL: return &net->boot_url;
	default: return NULL;
	}
}

static const char *const net_method_names[KB_NET_METHOD_MAX] = {
	[KB_NET_DHCP] = "dhcp", [KB_NET_STATIC] = "static", [KB_NET_DISABLED] = "disabled",
};

static const char *const rule_type_names[KB_DEVICE_TYPE_MAX] = {
	[KB_DEVICE_DISK] = "disk", [KB_DEVICE_OPTICAL] = "optical",
	[KB_DEVICE_NETWORK] = "network", [KB_DEVICE_USER] = "user",
};

const char *kb_net_method_name(uint32_t method)
{
	return method < KB_NET_METHOD_MAX ? net_method_names[method] : "?";
}

/* Set *ret_err (if wanted) to a formatted message; returns err. */
static int __attribute__((format(printf, 4, 5)))
fail(void *ctx, char **ret_err, int err, const char *fmt, ...)
{
	if (ret_err) {
		va_list ap;
		va_start(ap, fmt);
		*ret_err = talloc_vasprintf(ctx, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Split "network.<if>.<field>" (the interface may itself contain dots). */
static int split_net_key(const char *key, char *ifname, size_t ifsize, enum net_field *field)
{
	const char *rest, *dot;
	size_t len;

	if (strncmp(key, "network.", 8) != 0)
		return -ENOENT;
	rest = key + 8;
	dot = strrchr(rest, '.');
	if (!dot || dot == rest)
		return -ENOENT;
	len = (size_t)(dot - rest);
	if (len >= ifsize)
		return -E2BIG;
	for (int f = 0; f < NF_MAX; f++) {
		if (strcmp(dot + 1, net_field_names[f]) == 0) {
			memcpy(ifname, rest, len);
			ifname[len] = '\0';
			*field = (enum net_field)f;
			return 0;
		}
	}
	return -ENOENT;
}

static enum cfg_key lookup_key(const char *key)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (key_names[i] && strcmp(key, key_names[i]) == 0)
			return (enum cfg_key)i;
	if (strncmp(key, "network.", 8) == 0)
		return K_NETWORK;
	return K_UNKNOWN;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!*v)
		return -EINVAL;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v)
		return -EINVAL;
	if (n < min || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

/* No control characters anywhere in a value (newlines would break files). */
static bool has_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static bool all_chars_in(const char *v, const char *extra)
{
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
			return false;
	return true;
}

static int regex_destructor(regex_t *re)
{
	regfree(re);
	return 0;
}

int kb_rule_parse(void *ctx, const char *text, struct kb_rule *rule, char **ret_err)
{
	struct kb_rule r = {0};
	const char *v = NULL;

	for (uint32_t t = 0; t < KB_DEVICE_TYPE_MAX; t++) {
		if (strcmp(text, rule_type_names[t]) == 0) {
			r.kind = KB_RULE_TYPE;
			r.dev_type = t;
			r.value = talloc_strdup(ctx, text);
			if (!r.value)
				return -ENOMEM;
			*rule = r;
			return 0;
		}
	}
	if (strncmp(text, "uuid:", 5) == 0) {
		r.kind = KB_RULE_UUID;
		v = text + 5;
	} else if (strncmp(text, "label:", 6) == 0) {
		r.kind = KB_RULE_LABEL;
		v = text + 6;
	} else if (strncmp(text, "interface:", 10) == 0) {
		r.kind = KB_RULE_INTERFACE;
		v = text + 10;
	} else if (strncmp(text, "name~", 5) == 0) {
		r.kind = KB_RULE_NAME;
		v = text + 5;
	} else {
		return fail(ctx, ret_err, -EINVAL,
			    "unknown rule '%s' (expected disk, optical, network, user, uuid:…, "
			    "label:…, interface:… or name~REGEX)",
			    text);
	}
	if (!*v)
		return fail(ctx, ret_err, -EINVAL, "rule '%s' has an empty value", text);
	r.value = talloc_strdup(ctx, v);
	if (!r.value)
		return -ENOMEM;
	if (r.kind == KB_RULE_NAME) {
		regex_t *re = talloc_zero(r.value, regex_t);
		int rc;
		if (!re)
			return -ENOMEM;
		rc = regcomp(re, v, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, re, msg, sizeof(msg));
			talloc_free(r.value);
			return fail(ctx, ret_err, -EINVAL, "bad regular expression '%s': %s", v, msg);
		}
		talloc_set_destructor(re, regex_destructor);
		r.re = re;
	}
	*rule = r;
	return 0;
}

char *kb_rule_format(void *ctx, const struct kb_rule *rule)
{
	switch (rule->kind) {
	case KB_RULE_TYPE:
		return talloc_strdup(ctx, rule->dev_type < KB_DEVICE_TYPE_MAX
						  ? rule_type_names[rule->dev_type]
						  : "?");
	case KB_RULE_UUID:
		return talloc_asprintf(ctx, "uuid:%s", rule->value);
	case KB_RULE_LABEL:
		return talloc_asprintf(ctx, "label:%s", rule->value);
	case KB_RULE_INTERFACE:
		return talloc_asprintf(ctx, "interface:%s", rule->value);
	case KB_RULE_NAME:
		return talloc_asprintf(ctx, "name~%s", rule->value);
	}
	return talloc_strdup(ctx, "?");
}

bool kb_rule_match_device(const struct kb_rule *rule, const struct kb_device *dev)
{
	if (!dev)
		return false;
	switch (rule->kind) {
	case KB_RULE_TYPE:
		return dev->type == rule->dev_type;
	case KB_RULE_UUID:
		return (dev->uuid && strcasecmp(dev->uuid, rule->value) == 0) ||
		       (dev->partuuid && strcasecmp(dev->partuuid, rule->value) == 0);
	case KB_RULE_LABEL:
		return (dev->label && strcmp(dev->label, rule->value) == 0) ||
		       (dev->partlabel && strcmp(dev->partlabel, rule->value) == 0);
	case KB_RULE_INTERFACE:
		return dev->type == KB_DEVICE_NETWORK && dev->id &&
		       strcmp(dev->id, rule->value) == 0;
	default:
		return false;
	}
}

bool kb_rule_match(const struct kb_rule *rule, const struct kb_option *opt,
		   const struct kb_device *dev)
{
	if (rule->kind == KB_RULE_NAME)
		return opt && opt->name && rule->re &&
		       regexec((const regex_t *)rule->re, opt->name, 0, NULL, 0) == 0;
	return kb_rule_match_device(rule, dev);
}

/* Parse a comma-separated rule list; "\," is a literal comma inside a rule. */
static int parse_rules(void *ctx, const char *v, struct kb_rule **ret_rules, size_t *ret_n,
		       char **ret_err)
{
	struct kb_rule *rules = talloc_array(ctx, struct kb_rule, 0);
	size_t n = 0;
	char *buf = talloc_array(ctx, char, strlen(v) + 1);
	const char *p = v;

	if (!rules || !buf)
		return -ENOMEM;
	while (*p) {
		size_t len = 0;
		char *s, *e;
		int r;

		while (*p && *p != ',') {
			if (p[0] == '\\' && p[1] == ',') {
				buf[len++] = ',';
				p += 2;
				continue;
			}
			buf[len++] = *p++;
		}
		if (*p == ',')
			p++;
		buf[len] = '\0';
		s = buf;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		if (n >= KB_CONFIG_MAX_RULES)
			return fail(ctx, ret_err, -E2BIG, "refusing more than %d rules",
				    KB_CONFIG_MAX_RULES);
		rules = talloc_realloc(ctx, rules, struct kb_rule, n + 1);
		if (!rules)
			return -ENOMEM;
		r = kb_rule_parse(rules, s, &rules[n], ret_err);
		if (r < 0) {
			if (ret_err && *ret_err)
				talloc_steal(ctx, *ret_err);
			return r;
		}
		n++;
	}
	talloc_free(buf);
	*ret_rules = rules;
	*ret_n = n;
	return 0;
}

static char *format_rules(void *ctx, const struct kb_rule *rules, size_t n)
{
	char *out = talloc_strdup(ctx, "");

	for (size_t i = 0; out && i < n; i++) {
		char *s = kb_rule_format(out, &rules[i]);
		if (!s)
			return NULL;
		if (i)
			out = talloc_strdup_append(out, ", ");
		for (const char *p = s; out && *p; p++)
			out = *p == ',' ? talloc_strdup_append(out, "\\,")
					: talloc_asprintf_append(out, "%c", *p);
	}
	return out;
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "ADDR/PREFIX" */
static bool valid_cidr(const char *s)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	long prefix;
	size_t len;

	if (!slash)
		return false;
	len = (size_t)(slash - s);
	if (len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (parse_int(slash + 1, 0, strchr(tmp, ':') ? 128 : 32, &prefix) < 0)
		return false;
	return valid_ip(tmp);
}

static bool valid_dns_list(const char *s)
{
	char tmp[KB_CONFIG_MAX_VALUE_LEN + 1];
	int n = 0;

	if (strlen(s) > KB_CONFIG_MAX_VALUE_LEN)
		return false;
	strcpy(tmp, s);
	for (char *save = NULL, *tok = strtok_r(tmp, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		char *e = tok + strlen(tok);
		while (e > tok && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!valid_ip(tok) || ++n > KB_CONFIG_MAX_DNS)
			return false;
	}
	return n > 0;
}

static bool valid_id(const char *v)
{
	return strlen(v) < KB_MAX_ID_LEN && !strpbrk(v, " \t");
}

/* A full crypt(3) hash of a method we accept (not DES/MD5). */
static bool valid_hash(const char *v)
{
	const char *last;

	if (v[0] != '$' || strlen(v) >= CRYPT_OUTPUT_SIZE)
		return false;
	if (!all_chars_in(v, "./$=,"))
		return false;
	if (crypt_checksalt(v) != CRYPT_SALT_OK)
		return false;
	last = strrchr(v, '$');
	/* $id$…$salt$hash: at least three dollars and a non-empty hash */
	int dollars = 0;
	for (const char *p = v; *p; p++)
		dollars += *p == '$';
	return dollars >= 3 && last[1] != '\0';
}

static struct kb_net_config *find_net(struct kb_config *c, void *ectx, const char *ifname,
				      bool create)
{
	for (size_t i = 0; i < c->n_net; i++)
		if (strcmp(c->net[i].ifname, ifname) == 0)
			return &c->net[i];
	if (!create || c->n_net >= KB_CONFIG_MAX_IFACES)
		return NULL;
	struct kb_net_config *net = talloc_realloc(ectx, c->net, struct kb_net_config, c->n_net + 1);
	if (!net)
		return NULL;
	c->net = net;
	memset(&net[c->n_net], 0, sizeof(net[0]));
	net[c->n_net].ifname = talloc_strdup(ectx, ifname);
	if (!net[c->n_net].ifname)
		return NULL;
	net[c->n_net].method = KB_NET_DHCP;
	return &net[c->n_net++];
}

static int set_str(void *ectx, char **field, const char *v)
{
	talloc_free(*field);
	*field = NULL;
	if (!*v)
		return 0;
	*field = talloc_strdup(ectx, v);
	return *field ? 0 : -ENOMEM;
}

static void set_defaults(struct kb_config *c)
{
	c->autoboot = KB_CONFIG_DEFAULT_AUTOBOOT;
	c->timeout_s = KB_CONFIG_DEFAULT_TIMEOUT;
	c->boot_order = NULL;
	c->n_boot_order = 0;
	c->default_id = NULL;
	c->console = NULL;
	c->password_hash = NULL;
	c->net = NULL;
	c->n_net = 0;
	c->wait_for = NULL;
	c->n_wait_for = 0;
	c->wait_timeout_s = KB_CONFIG_DEFAULT_WAIT_TIMEOUT;
	c->language = NULL;
	c->allow_shell = KB_CONFIG_DEFAULT_ALLOW_SHELL;
	c->next_boot = NULL;
}

/* Apply one item to the typed fields of c (allocating under ectx).
 * "" restores the built-in default of that key. */
static int apply_item(struct kb_config *c, void *ectx, void *ectx_err, const char *key,
		      const char *v, char **ret_err)
{
	enum cfg_key k = lookup_key(key);
	size_t vlen = strlen(v);
	long n;
	int r;

	if (strlen(key) > KB_CONFIG_MAX_KEY_LEN)
		return fail(ectx_err, ret_err, -EINVAL, "key too long (%zu bytes, limit %d)",
			    strlen(key), KB_CONFIG_MAX_KEY_LEN);
	if (k == K_UNKNOWN)
		return fail(ectx_err, ret_err, -EINVAL, "unknown key '%s'", key);
	if (vlen > KB_CONFIG_MAX_VALUE_LEN)
		return fail(ectx_err, ret_err, -E2BIG,
			    "%s: value too long (%zu bytes, limit %d)", key, vlen,
			    KB_CONFIG_MAX_VALUE_LEN);
	if (has_control(v))
		return fail(ectx_err, ret_err, -EINVAL, "%s: control characters are not allowed",
			    key);

	switch (k) {
	case K_AUTOBOOT:
	case K_ALLOW_SHELL: {
		bool b = k == K_AUTOBOOT ? KB_CONFIG_DEFAULT_AUTOBOOT : KB_CONFIG_DEFAULT_ALLOW_SHELL;
		if (*v && parse_bool(v, &b) < 0)
			return fail(ectx_err, ret_err, -EINVAL,
				    "%s: expected true or false (also yes/no, on/off, 1/0), got '%s'",
				    key, v);
		if (k == K_AUTOBOOT)
			c->autoboot = b;
		else
			c->allow_shell = b;
		return 0;
	}
	case K_TIMEOUT:
		if (!*v) {
			c->timeout_s = KB_CONFIG_DEFAULT_TIMEOUT;
			return 0;
		}
		r = parse_int(v, LONG_MIN, KB_CONFIG_MAX_TIMEOUT, &n);
		if (r == -ERANGE)
			return fail(ectx_err, ret_err, -EINVAL,
				    "timeout: %s seconds is above the limit of %d", v,
				    KB_CONFIG_MAX_TIMEOUT);
		if (r < 0)
			return fail(ectx_err, ret_err, -EINVAL,
				    "timeout: expected whole seconds (0 boots at once, negative "
				    "never), got '%s'",
				    v);
		c->timeout_s = n < 0 ? -1 : (int)n;
		return 0;
	case K_WAIT_TIMEOUT:
		if (!*v) {
			c->wait_timeout_s = KB_CONFIG_DEFAULT_WAIT_TIMEOUT;
			return 0;
		}
		r = parse_int(v, 0, KB_CONFIG_MAX_WAIT_TIMEOUT, &n);
		if (r < 0)
			return fail(ectx_err, ret_err, -EINVAL,
				    "wait-timeout: expected 0 to %d seconds, got '%s'",
				    KB_CONFIG_MAX_WAIT_TIMEOUT, v);
		c->wait_timeout_s = (int)n;
		return 0;
	case K_BOOT_ORDER:
	case K_WAIT_FOR: {
		struct kb_rule *rules = NULL;
		size_t nr = 0;
		char *err = NULL;
		r = parse_rules(ectx, v, &rules, &nr, ret_err ? &err : NULL);
		if (r < 0) {
			if (r == -ENOMEM)
				return r;
			return fail(ectx_err, ret_err, -EINVAL, "%s: %s", key, err ? err : "invalid");
		}
		talloc_free(err);
		if (k == K_BOOT_ORDER) {
			talloc_free(c->boot_order);
			c->boot_order = rules;
			c->n_boot_order = nr;
		} else {
			talloc_free(c->wait_for);
			c->wait_for = rules;
			c->n_wait_for = nr;
		}
		return 0;
	}
	case K_DEFAULT:
	case K_NEXT_BOOT:
		if (!valid_id(v))
			return fail(ectx_err, ret_err, -EINVAL,
				    "%s: expected an option id (no spaces, under %d bytes), got '%s'",
				    key, KB_MAX_ID_LEN, v);
		return set_str(ectx, k == K_DEFAULT ? &c->default_id : &c->next_boot, v);
	case K_CONSOLE:
		if (strlen(v) > KB_CONFIG_MAX_CONSOLE_LEN || !all_chars_in(v, ",._-/"))
			return fail(ectx_err, ret_err, -EINVAL,
				    "console: expected a console like ttyS0,115200n8 or hvc0 "
				    "(letters, digits and , . _ - /, up to %d bytes), got '%s'",
				    KB_CONFIG_MAX_CONSOLE_LEN, v);
		return set_str(ectx, &c->console, v);
	case K_LANGUAGE:
		if (strlen(v) > KB_CONFIG_MAX_LANGUAGE_LEN || !all_chars_in(v, "_.@-"))
			return fail(ectx_err, ret_err, -EINVAL,
				    "language: expected a locale name like en_US.UTF-8, got '%s'",
				    v);
		return set_str(ectx, &c->language, v);
	case K_PASSWORD_HASH:
		if (*v && !valid_hash(v))
			return fail(ectx_err, ret_err, -EINVAL,
				    "password-hash: not a crypt(3) hash of an accepted method "
				    "(yescrypt $y$, SHA-512 $6$, …)");
		return set_str(ectx, &c->password_hash, v);
	case K_PASSWORD:
		return fail(ectx_err, ret_err, -EINVAL,
			    "password: plaintext passwords are only accepted by 'config set'; "
			    "files take password-hash");
	case K_NETWORK: {
		char ifname[KB_CONFIG_MAX_IFNAME_LEN + 1];
		enum net_field f;
		struct kb_net_config *net;

		r = split_net_key(key, ifname, sizeof(ifname), &f);
		if (r == -E2BIG)
			return fail(ectx_err, ret_err, -EINVAL,
				    "%s: interface name longer than %d bytes", key,
				    KB_CONFIG_MAX_IFNAME_LEN);
		if (r < 0)
			return fail(ectx_err, ret_err, -EINVAL,
				    "unknown key '%s' (network keys are network.<interface>."
				    "{method,address,gateway,dns,proxy,boot-url})",
				    key);
		if (!all_chars_in(ifname, "_.:@-"))
			return fail(ectx_err, ret_err, -EINVAL, "%s: bad interface name '%s'", key,
				    ifname);
		switch (f) {
		case NF_METHOD: {
			uint32_t m = KB_NET_METHOD_MAX;
			for (uint32_t i = 0; i < KB_NET_METHOD_MAX; i++)
				if (strcmp(v, net_method_names[i]) == 0)
					m = i;
			if (!*v)
				m = KB_NET_DHCP;
			if (m == KB_NET_METHOD_MAX)
				return fail(ectx_err, ret_err, -EINVAL,
					    "%s: expected dhcp, static or disabled, got '%s'", key,
					    v);
			net = find_net(c, ectx, ifname, true);
			if (!net)
				goto too_many;
			net->method = m;
			return 0;
		}
		case NF_ADDRESS:
			if (*v && !valid_cidr(v))
				return fail(ectx_err, ret_err, -EINVAL,
					    "%s: expected ADDRESS/PREFIX (192.0.2.10/24), got '%s'",
					    key, v);
			break;
		case NF_GATEWAY:
			if (*v && !valid_ip(v))
				return fail(ectx_err, ret_err, -EINVAL,
					    "%s: expected an IPv4 or IPv6 address, got '%s'", key, v);
			break;
		case NF_DNS:
			if (*v && !valid_dns_list(v))
				return fail(ectx_err, ret_err, -EINVAL,
					    "%s: expected 1 to %d comma-separated addresses, got '%s'",
					    key, KB_CONFIG_MAX_DNS, v);
			break;
		case NF_PROXY:
			if (*v && (strpbrk(v, " \t") ||
				   (strncmp(v, "http://", 7) && strncmp(v, "https://", 8) &&
				    strncmp(v, "socks5://", 9))))
				return fail(ectx_err, ret_err, -EINVAL,
					    "%s: expected an http://, https:// or socks5:// URL, "
					    "got '%s'",
					    key, v);
			break;
		case NF_BOOT_URL:
			if (*v && (strpbrk(v, " \t") ||
				   (strncmp(v, "tftp://", 7) && strncmp(v, "http://", 7) &&
				    strncmp(v, "https://", 8) && strncmp(v, "ftp://", 6))))
				return fail(ectx_err, ret_err, -EINVAL,
					    "%s: expected a tftp://, http://, https:// or ftp:// URL, "
					    "got '%s'",
					    key, v);
			break;
		case NF_MAX:
			break;
		}
		net = find_net(c, ectx, ifname, true);
		if (!net)
			goto too_many;
		return set_str(ectx, net_field_str(net, f), v);
too_many:
		if (c->n_net >= KB_CONFIG_MAX_IFACES)
			return fail(ectx_err, ret_err, -E2BIG,
				    "%s: refusing more than %d network interfaces", key,
				    KB_CONFIG_MAX_IFACES);
		return -ENOMEM;
	}
	case K_UNKNOWN:
		break;
	}
	return fail(ectx_err, ret_err, -EINVAL, "unknown key '%s'", key);
}

int kb_config_validate(void *ctx, const char *key, const char *value, char **ret_err)
{
	struct kb_config scratch;
	void *tmp;
	int r;

	if (strcmp(key, "password") == 0) {
		if (strlen(value) > KB_CONFIG_MAX_VALUE_LEN)
			return fail(ctx, ret_err, -E2BIG,
				    "password: too long (%zu bytes, limit %d)", strlen(value),
				    KB_CONFIG_MAX_VALUE_LEN);
		return 0;
	}
	tmp = talloc_new(NULL);
	if (!tmp)
		return -ENOMEM;
	memset(&scratch, 0, sizeof(scratch));
	set_defaults(&scratch);
	r = apply_item(&scratch, tmp, ctx, key, value, ret_err);
	talloc_free(tmp);
	return r;
}

/* Rebuild the effective fields from defaults and every layer. */
static int rebuild(struct kb_config *cfg)
{
	struct kb_config eff;
	void *ectx = talloc_new(cfg);

	if (!ectx)
		return -ENOMEM;
	memset(&eff, 0, sizeof(eff));
	set_defaults(&eff);
	for (int l = 0; l < KB_CONFIG_LAYER_MAX; l++) {
		for (size_t i = 0; i < cfg->n_layer[l]; i++) {
			int r = apply_item(&eff, ectx, NULL, cfg->layer[l][i].key,
					   cfg->layer[l][i].value, NULL);
			if (r == -ENOMEM) {
				talloc_free(ectx);
				return r;
			}
		}
	}
	if (!eff.language && !(eff.language = talloc_strdup(ectx, KB_CONFIG_DEFAULT_LANGUAGE))) {
		talloc_free(ectx);
		return -ENOMEM;
	}
	for (int l = 0; l < KB_CONFIG_LAYER_MAX; l++) {
		eff.layer[l] = cfg->layer[l];
		eff.n_layer[l] = cfg->n_layer[l];
	}
	talloc_free(cfg->eff_ctx);
	eff.eff_ctx = ectx;
	*cfg = eff;
	return 0;
}

struct kb_config *kb_config_new(void *ctx)
{
	struct kb_config *cfg = talloc_zero(ctx, struct kb_config);

	if (!cfg)
		return NULL;
	for (int l = 0; l < KB_CONFIG_LAYER_MAX; l++) {
		cfg->layer[l] = talloc_array(cfg, struct kb_config_item, 0);
		if (!cfg->layer[l])
			goto fail;
	}
	if (rebuild(cfg) < 0)
		goto fail;
	return cfg;
fail:
	talloc_free(cfg);
	return NULL;
}

/* Copy items into a new layer array (child of cfg); with replace_key set,
 * keys already present are replaced in place (the stored layer keeps one
 * item per key). */
static struct kb_config_item *copy_items(void *parent, const struct kb_config_item *items,
					 size_t n)
{
	struct kb_config_item *out = talloc_array(parent, struct kb_config_item, n);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i].key = talloc_strdup(out, items[i].key);
		out[i].value = talloc_strdup(out, items[i].value ? items[i].value : "");
		if (!out[i].key || !out[i].value) {
			talloc_free(out);
			return NULL;
		}
	}
	return out;
}

static int replace_layer(struct kb_config *cfg, enum kb_config_layer layer,
			 struct kb_config_item *items, size_t n)
{
	struct kb_config_item *old = cfg->layer[layer];
	size_t old_n = cfg->n_layer[layer];
	int r;

	cfg->layer[layer] = items;
	cfg->n_layer[layer] = n;
	r = rebuild(cfg);
	if (r < 0) {
		cfg->layer[layer] = old;
		cfg->n_layer[layer] = old_n;
		talloc_free(items);
		return r;
	}
	talloc_free(old);
	return 0;
}

static void add_error(void *ctx, struct kb_config_errors *errs, unsigned line, char *msg)
{
	if (!errs)
		return;
	errs->n_total++;
	if (errs->n_errors >= KB_CONFIG_MAX_ERRORS)
		return;
	struct kb_config_error *e =
		talloc_realloc(ctx, errs->errors, struct kb_config_error, errs->n_errors + 1);
	if (!e)
		return;
	errs->errors = e;
	e[errs->n_errors].line = line;
	e[errs->n_errors].message = msg ? talloc_steal(e, msg) : talloc_strdup(e, "invalid");
	errs->n_errors++;
}

int kb_config_set_layer(struct kb_config *cfg, void *ctx, enum kb_config_layer layer,
			const struct kb_config_item *items, size_t n,
			struct kb_config_errors *ret_errs)
{
	struct kb_config_item *keep;
	size_t nk = 0;

	if (layer >= KB_CONFIG_LAYER_MAX)
		return -EINVAL;
	if (n > KB_CONFIG_MAX_ITEMS)
		return -E2BIG;
	if (ret_errs)
		memset(ret_errs, 0, sizeof(*ret_errs));
	keep = talloc_array(cfg, struct kb_config_item, n);
	if (!keep)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *err = NULL;
		const char *v = items[i].value ? items[i].value : "";
		int r = strcmp(items[i].key, "password") == 0
				? fail(ctx, &err, -EINVAL,
				       "password: plaintext passwords are not accepted here; "
				       "use password-hash")
				: kb_config_validate(ctx, items[i].key, v, &err);
		if (r == -ENOMEM) {
			talloc_free(keep);
			return r;
		}
		if (r < 0) {
			add_error(ctx, ret_errs, 0, err);
			continue;
		}
		keep[nk].key = talloc_strdup(keep, items[i].key);
		keep[nk].value = talloc_strdup(keep, v);
		if (!keep[nk].key || !keep[nk].value) {
			talloc_free(keep);
			return -ENOMEM;
		}
		nk++;
	}
	int r = replace_layer(cfg, layer, keep, nk);
	return r < 0 ? r : (int)nk;
}

int kb_config_set(struct kb_config *cfg, void *ctx, const char *key, const char *value,
		  char **ret_err)
{
	void *tmp = talloc_new(NULL);
	struct kb_config_item *items;
	size_t n = cfg->n_layer[KB_CONFIG_LAYER_STORED], pos = n;
	char *hash = NULL;
	int r;

	if (!tmp)
		return -ENOMEM;
	if (!value)
		value = "";
	if (strcmp(key, "password") == 0) {
		r = kb_config_validate(ctx, key, value, ret_err);
		if (r < 0)
			goto out;
		if (*value) {
			r = kb_auth_hash_password(tmp, value, &hash);
			if (r < 0) {
				r = fail(ctx, ret_err, r, "password: could not hash it: %s",
					 strerror(-r));
				goto out;
			}
		}
		key = "password-hash";
		value = hash ? hash : "";
	}
	r = kb_config_validate(ctx, key, value, ret_err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (strcmp(cfg->layer[KB_CONFIG_LAYER_STORED][i].key, key) == 0)
			pos = i;
	if (pos == n && n >= KB_CONFIG_MAX_ITEMS) {
		r = fail(ctx, ret_err, -E2BIG, "refusing more than %d stored settings",
			 KB_CONFIG_MAX_ITEMS);
		goto out;
	}
	items = copy_items(cfg, cfg->layer[KB_CONFIG_LAYER_STORED], n);
	if (!items || (pos == n && !(items = talloc_realloc(cfg, items, struct kb_config_item,
							       n + 1)))) {
		r = -ENOMEM;
		goto out;
	}
	if (pos == n) {
		items[pos].key = talloc_strdup(items, key);
		n++;
	} else {
		talloc_free(items[pos].value);
	}
	items[pos].value = talloc_strdup(items, value);
	if (!items[pos].key || !items[pos].value) {
		talloc_free(items);
		r = -ENOMEM;
		goto out;
	}
	r = replace_layer(cfg, KB_CONFIG_LAYER_STORED, items, n);
out:
	talloc_free(tmp);
	return r;
}

void kb_config_stored_items(const struct kb_config *cfg, const struct kb_config_item **ret_items,
			    size_t *ret_n)
{
	*ret_items = cfg->layer[KB_CONFIG_LAYER_STORED];
	*ret_n = cfg->n_layer[KB_CONFIG_LAYER_STORED];
}

static const char *bool_str(bool b)
{
	return b ? "true" : "false";
}

int kb_config_get(const struct kb_config *cfg, void *ctx, const char *key, char **ret_value)
{
	enum cfg_key k = lookup_key(key);
	char *v = NULL;

	switch (k) {
	case K_AUTOBOOT:
		v = talloc_strdup(ctx, bool_str(cfg->autoboot));
		break;
	case K_ALLOW_SHELL:
		v = talloc_strdup(ctx, bool_str(cfg->allow_shell));
		break;
	case K_TIMEOUT:
		v = talloc_asprintf(ctx, "%d", cfg->timeout_s);
		break;
	case K_WAIT_TIMEOUT:
		v = talloc_asprintf(ctx, "%d", cfg->wait_timeout_s);
		break;
	case K_BOOT_ORDER:
		v = format_rules(ctx, cfg->boot_order, cfg->n_boot_order);
		break;
	case K_WAIT_FOR:
		v = format_rules(ctx, cfg->wait_for, cfg->n_wait_for);
		break;
	case K_DEFAULT:
		v = talloc_strdup(ctx, cfg->default_id ? cfg->default_id : "");
		break;
	case K_NEXT_BOOT:
		v = talloc_strdup(ctx, cfg->next_boot ? cfg->next_boot : "");
		break;
	case K_CONSOLE:
		v = talloc_strdup(ctx, cfg->console ? cfg->console : "");
		break;
	case K_LANGUAGE:
		v = talloc_strdup(ctx, cfg->language);
		break;
	case K_PASSWORD:
	case K_PASSWORD_HASH:
		/* the hash is never handed out: it would allow offline guessing */
		v = talloc_strdup(ctx, cfg->password_hash ? "set" : "");
		break;
	case K_NETWORK: {
		char ifname[KB_CONFIG_MAX_IFNAME_LEN + 1];
		enum net_field f;
		struct kb_net_config *net = NULL;
		const char *s = NULL;

		if (split_net_key(key, ifname, sizeof(ifname), &f) < 0)
			return -ENOENT;
		for (size_t i = 0; i < cfg->n_net; i++)
			if (strcmp(cfg->net[i].ifname, ifname) == 0)
				net = &cfg->net[i];
		if (net)
			s = f == NF_METHOD ? kb_net_method_name(net->method) : *net_field_str(net, f);
		v = talloc_strdup(ctx, s ? s : "");
		break;
	}
	case K_UNKNOWN:
		return -ENOENT;
	}
	if (!v)
		return -ENOMEM;
	*ret_value = v;
	return 0;
}

int kb_config_list(const struct kb_config *cfg, void *ctx, struct kb_config_item **ret_items,
		   size_t *ret_n)
{
	static const enum cfg_key order[] = {
		K_AUTOBOOT,  K_TIMEOUT,  K_BOOT_ORDER,	 K_DEFAULT,  K_NEXT_BOOT,  K_CONSOLE,
		K_PASSWORD,  K_WAIT_FOR, K_WAIT_TIMEOUT, K_LANGUAGE, K_ALLOW_SHELL,
	};
	size_t nfixed = sizeof(order) / sizeof(order[0]);
	size_t total = nfixed + cfg->n_net * NF_MAX, n = 0;
	struct kb_config_item *items = talloc_array(ctx, struct kb_config_item, total);

	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < nfixed; i++, n++) {
		items[n].key = talloc_strdup(items, key_names[order[i]]);
		if (!items[n].key || kb_config_get(cfg, items, items[n].key, &items[n].value) < 0)
			goto nomem;
	}
	for (size_t i = 0; i < cfg->n_net; i++) {
		for (int f = 0; f < NF_MAX; f++, n++) {
			items[n].key = talloc_asprintf(items, "network.%s.%s", cfg->net[i].ifname,
						       net_field_names[f]);
			if (!items[n].key ||
			    kb_config_get(cfg, items, items[n].key, &items[n].value) < 0)
				goto nomem;
		}
	}
	*ret_items = items;
	*ret_n = n;
	return 0;
nomem:
	talloc_free(items);
	return -ENOMEM;
}

/* ---- the key = value text format ---- */

/* Append one parsed item. */
static int push_item(void *ctx, struct kb_config_item **items, size_t *n, const char *key,
		     size_t keylen, const char *value)
{
	struct kb_config_item *it = talloc_realloc(ctx, *items, struct kb_config_item, *n + 1);

	if (!it)
		return -ENOMEM;
	*items = it;
	it[*n].key = talloc_strndup(it, key, keylen);
	it[*n].value = talloc_strdup(it, value);
	if (!it[*n].key || !it[*n].value)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Unquote a "…" value (\" and \\ escapes); 0 or -EINVAL. */
static int unquote(const char *s, const char *end, char *out, const char **why)
{
	const char *p = s + 1;
	size_t o = 0;

	while (p < end && *p != '"') {
		if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
			p++;
		out[o++] = *p++;
	}
	if (p >= end) {
		*why = "unterminated quoted value";
		return -EINVAL;
	}
	for (p++; p < end; p++) {
		if (!isspace((unsigned char)*p)) {
			*why = "text after the closing quote";
			return -EINVAL;
		}
	}
	out[o] = '\0';
	return 0;
}

int kb_config_parse_text(void *ctx, const char *buf, size_t len, struct kb_config_item **ret_items,
			 size_t *ret_n, struct kb_config_errors *ret_errs)
{
	struct kb_config_item *items;
	size_t n = 0;
	unsigned lineno = 0;
	const char *p = buf, *end = buf + len;
	char *val;
	int r;

	if (ret_errs)
		memset(ret_errs, 0, sizeof(*ret_errs));
	if (len > KB_CONFIG_MAX_FILE_SIZE)
		return -E2BIG;
	items = talloc_array(ctx, struct kb_config_item, 0);
	val = talloc_array(ctx, char, len + 1);
	if (!items || !val)
		return -ENOMEM;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *ls, *le, *eq, *ks, *ke, *vs, *ve, *why = NULL;
		char *err = NULL;

		if (!eol)
			eol = end;
		lineno++;
		ls = p;
		le = eol;
		p = eol < end ? eol + 1 : end;
		if (memchr(ls, '\0', (size_t)(le - ls))) {
			add_error(ctx, ret_errs, lineno, talloc_strdup(ctx, "NUL byte in line"));
			continue;
		}
		while (ls < le && isspace((unsigned char)*ls))
			ls++;
		while (le > ls && isspace((unsigned char)le[-1]))
			le--;
		if (ls == le || *ls == '#')
			continue;
		eq = memchr(ls, '=', (size_t)(le - ls));
		if (!eq) {
			add_error(ctx, ret_errs, lineno,
				  talloc_asprintf(ctx, "expected 'key = value', got '%.*s'",
						  (int)(le - ls > 80 ? 80 : le - ls), ls));
			continue;
		}
		ks = ls;
		ke = eq;
		while (ke > ks && isspace((unsigned char)ke[-1]))
			ke--;
		vs = eq + 1;
		ve = le;
		while (vs < ve && isspace((unsigned char)*vs))
			vs++;
		if (ke == ks) {
			add_error(ctx, ret_errs, lineno, talloc_strdup(ctx, "missing key before '='"));
			continue;
		}
		if ((size_t)(ke - ks) > KB_CONFIG_MAX_KEY_LEN) {
			add_error(ctx, ret_errs, lineno,
				  talloc_asprintf(ctx, "key too long (%zu bytes, limit %d)",
						  (size_t)(ke - ks), KB_CONFIG_MAX_KEY_LEN));
			continue;
		}
		if (vs < ve && *vs == '"') {
			if (unquote(vs, ve, val, &why) < 0) {
				add_error(ctx, ret_errs, lineno, talloc_strdup(ctx, why));
				continue;
			}
		} else {
			memcpy(val, vs, (size_t)(ve - vs));
			val[ve - vs] = '\0';
		}
		char *key = talloc_strndup(ctx, ks, (size_t)(ke - ks));
		if (!key)
			return -ENOMEM;
		r = strcmp(key, "password") == 0
			    ? fail(ctx, &err, -EINVAL,
				   "password: plaintext passwords are not accepted in files; "
				   "use password-hash (see kexboot-ctl config set password)")
			    : kb_config_validate(ctx, key, val, &err);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			add_error(ctx, ret_errs, lineno, err);
			talloc_free(key);
			continue;
		}
		r = push_item(ctx, &items, &n, key, strlen(key), val);
		talloc_free(key);
		if (r < 0)
			return r;
		if (n > KB_CONFIG_MAX_ITEMS) {
			add_error(ctx, ret_errs, lineno,
				  talloc_asprintf(ctx, "refusing more than %d settings",
						  KB_CONFIG_MAX_ITEMS));
			n--;
			break;
		}
	}
	talloc_free(val);
	*ret_items = items;
	*ret_n = n;
	return (int)n;
}

static bool needs_quotes(const char *v)
{
	size_t len = strlen(v);
	return len == 0 || isspace((unsigned char)v[0]) || isspace((unsigned char)v[len - 1]) ||
	       v[0] == '"';
}

char *kb_config_format_text(void *ctx, const struct kb_config_item *items, size_t n)
{
	char *out = talloc_strdup(ctx, "");

	for (size_t i = 0; out && i < n; i++) {
		const char *v = items[i].value ? items[i].value : "";
		if (!needs_quotes(v)) {
			out = talloc_asprintf_append_buffer(out, "%s = %s\n", items[i].key, v);
			continue;
		}
		out = talloc_asprintf_append_buffer(out, "%s = \"", items[i].key);
		for (const char *p = v; out && *p; p++)
			out = talloc_asprintf_append_buffer(out, "%s%c",
							    (*p == '"' || *p == '\\') ? "\\" : "", *p);
		if (out)
			out = talloc_strdup_append_buffer(out, "\"\n");
	}
	return out;
}

/* ---- the firmware kernel command line ---- */

int kb_config_parse_cmdline(void *ctx, const char *cmdline, struct kb_config_item **ret_items,
			    size_t *ret_n, struct kb_config_errors *ret_errs)
{
	static const struct {
		const char *param;
		const char *key;
	} params[] = {
		{"kexboot.timeout", "timeout"},
		{"kexboot.default", "default"},
		{"kexboot.autoboot", "autoboot"},
		{"kexboot.console", "console"},
	};
	size_t len = strlen(cmdline), n = 0;
	struct kb_config_item *items;
	char *word;
	const char *p = cmdline;

	if (ret_errs)
		memset(ret_errs, 0, sizeof(*ret_errs));
	if (len > KB_CONFIG_MAX_CMDLINE_LEN)
		return -E2BIG;
	items = talloc_array(ctx, struct kb_config_item, 0);
	word = talloc_array(ctx, char, len + 1);
	if (!items || !word)
		return -ENOMEM;

	while (*p) {
		size_t w = 0;
		bool quoted = false;
		char *eq;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		/* The kernel's rule: double quotes group, and are dropped. */
		while (*p && (quoted || !isspace((unsigned char)*p))) {
			if (*p == '"')
				quoted = !quoted;
			else
				word[w++] = *p;
			p++;
		}
		word[w] = '\0';
		if (strncmp(word, "kexboot.", 8) != 0)
			continue;
		eq = strchr(word, '=');
		size_t plen = eq ? (size_t)(eq - word) : w;
		size_t i;
		for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			if (strlen(params[i].param) == plen && !strncmp(word, params[i].param, plen))
				break;
		if (i == sizeof(params) / sizeof(params[0])) {
			add_error(ctx, ret_errs, 0,
				  talloc_asprintf(ctx, "unknown kernel parameter '%.*s' ignored",
						  (int)(plen > 80 ? 80 : plen), word));
			continue;
		}
		if (!eq) {
			add_error(ctx, ret_errs, 0,
				  talloc_asprintf(ctx, "%s needs a value (%s=…), ignored",
						  params[i].param, params[i].param));
			continue;
		}
		char *err = NULL;
		int r = kb_config_validate(ctx, params[i].key, eq + 1, &err);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			add_error(ctx, ret_errs, 0,
				  talloc_asprintf(ctx, "%s ignored: %s", params[i].param,
						  err ? err : "invalid"));
			talloc_free(err);
			continue;
		}
		if (n >= KB_CONFIG_MAX_ITEMS)
			break;
		r = push_item(ctx, &items, &n, params[i].key, strlen(params[i].key), eq + 1);
		if (r < 0)
			return r;
	}
	talloc_free(word);
	*ret_items = items;
	*ret_n = n;
	return (int)n;
}
