/* kexboot GRUB2 parser: the commands (GRUB manual, "The list of commands").
 *
 * Commands that matter for finding boot entries are implemented (menuentry,
 * submenu, linux/initrd/devicetree, search, test, set/unset/export, source,
 * configfile, load_env, blscfg, control flow); the display, terminal and
 * module commands are accepted and ignored. Nothing here writes anything:
 * save_env only changes the in-memory environment.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parsers/grub2.h"
#include "discover/parsers/util.h"

/* ---- devices and paths ---- */

enum res_kind {
	R_DEVICE,
	R_UNRESOLVED,
	R_URL,
};

struct devref {
	enum res_kind kind;
	const char *dev;      /* R_DEVICE: device id (NULL = own device) */
	const char *marker;   /* R_UNRESOLVED: "uuid:…" */
	const char *url_base; /* R_URL: "tftp://host" */
};

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool is_marker(const char *s)
{
	return has_prefix(s, "uuid:") || has_prefix(s, "label:") || has_prefix(s, "file:") ||
	       has_prefix(s, "partuuid:") || has_prefix(s, "partlabel:");
}

static const char *map_lookup(struct g2_interp *ip, const char *name)
{
	unsigned i;

	for (i = 0; i < ip->n_map; i++)
		if (strcmp(ip->map[i].grub, name) == 0)
			return ip->map[i].dev;
	return NULL;
}

static void map_learn(struct g2_interp *ip, const char *grub, const char *dev)
{
	struct g2_devmap *m;
	unsigned i;
	size_t n = strlen(grub);

	if (n >= 2 && grub[0] == '(' && grub[n - 1] == ')') {
		grub++;
		n -= 2;
	}
	if (!n)
		return;
	/* compared in place: a search run per entry allocates nothing when
	 * the mapping is known already */
	for (i = 0; i < ip->n_map; i++)
		if (strncmp(ip->map[i].grub, grub, n) == 0 && !ip->map[i].grub[n]) {
			if (strcmp(ip->map[i].dev, dev) != 0) {
				talloc_free(ip->map[i].dev);
				ip->map[i].dev = talloc_strdup(ip->map, dev);
			}
			return;
		}
	if (ip->n_map >= G2_MAX_DEVICE_MAP)
		return;
	m = talloc_realloc(ip->mem, ip->map, struct g2_devmap, ip->n_map + 1);
	if (!m)
		return;
	ip->map = m;
	m[ip->n_map].grub = talloc_strndup(m, grub, n);
	m[ip->n_map].dev = talloc_strdup(m, dev);
	if (!m[ip->n_map].grub || !m[ip->n_map].dev)
		return;
	ip->n_map++;
}

/* Resolve a GRUB device name (without parentheses) to a device reference.
 * fallback: an unknown name falls back to the current $root's device. */
static void resolve_dev(struct g2_interp *ip, const char *name, bool fallback, struct devref *out)
{
	const struct kb_device *d;
	const char *comma, *m;

	out->kind = R_DEVICE;
	out->dev = NULL;
	out->marker = NULL;
	out->url_base = NULL;
	if (!*name || strcmp(name, ip->own_dev) == 0)
		return;
	if (is_marker(name)) {
		out->kind = R_UNRESOLVED;
		out->marker = name;
		return;
	}
	comma = strchr(name, ',');
	{
		size_t n = comma ? (size_t)(comma - name) : strlen(name);
		const char *scheme = NULL;

		if (n == 4 && !strncmp(name, "tftp", 4))
			scheme = "tftp";
		else if (n == 3 && !strncmp(name, "pxe", 3))
			scheme = "tftp";
		else if (n == 4 && !strncmp(name, "http", 4))
			scheme = "http";
		else if (n == 5 && !strncmp(name, "https", 5))
			scheme = "https";
		if (scheme) {
			const char *host = comma ? comma + 1 : g2_get(ip, "net_default_server");

			if (!host || !*host)
				host = g2_get(ip, "pxe_default_server");
			if (host && *host) {
				char *u = g2_alloc(&ip->tmp, strlen(scheme) + strlen(host) + 4);

				if (u) {
					sprintf(u, "%s://%s", scheme, host);
					out->kind = R_URL;
					out->url_base = u;
					return;
				}
			}
		}
	}
	d = ip->pctx->fs->get_device ? ip->pctx->fs->get_device(ip->pctx->fs, name) : NULL;
	if (d && d->id) {
		out->dev = strcmp(d->id, ip->own_dev) == 0 ? NULL : d->id;
		return;
	}
	m = map_lookup(ip, name);
	if (m) {
		resolve_dev(ip, m, false, out);
		return;
	}
	if (fallback) {
		/* unknowable GRUB name (hd0,gpt2, lvm/…): the current root device */
		const char *root = ip->v_root->value;

		if (root && strcmp(root, name) != 0) {
			char *r = g2_strndup(&ip->tmp, root, strlen(root));
			size_t n = strlen(r);

			if (n >= 2 && r[0] == '(' && r[n - 1] == ')') {
				r[n - 1] = '\0';
				r++;
			}
			resolve_dev(ip, r, false, out);
		}
	}
}

/* Split a GRUB file name into device reference and path. */
static void resolve_spec(struct g2_interp *ip, const char *spec, struct devref *ref, const char **ret_path)
{
	if (spec[0] == '(') {
		/* the matching ')': "($root)" with root="(hd0,1)" nests */
		const char *close = spec;
		unsigned depth = 0;

		for (; *close; close++) {
			if (*close == '(')
				depth++;
			else if (*close == ')' && --depth == 0)
				break;
		}
		if (*close) {
			const char *s = spec + 1, *e = close;
			char *name;

			while (e - s >= 2 && *s == '(' && e[-1] == ')') {
				s++;
				e--;
			}
			name = g2_strndup(&ip->tmp, s, (size_t)(e - s));
			resolve_dev(ip, name ? name : "", true, ref);
			*ret_path = close + 1;
			return;
		}
	}
	{
		const char *root = ip->v_root->value;
		size_t n = root ? strlen(root) : 0;

		if (n >= 2 && root[0] == '(' && root[n - 1] == ')') {
			char *r = g2_strndup(&ip->tmp, root + 1, n - 2);

			root = r;
		}
		resolve_dev(ip, root ? root : "", true, ref);
	}
	*ret_path = spec;
}

/* path made absolute and normalised (no "//", ".", ".." above "/") into out
 * (room for strlen(path) + 2 bytes): the same rules as kb_path_normalise.
 * Returns the length. */
static size_t norm_into(char *out, const char *path)
{
	const char *p = path;
	size_t o = 0;

	/* fast path: a path that is already normal is copied as it is (no
	 * "//", no "/." (so no "." or ".." component), no trailing '/' but
	 * "/" itself); strchr jumps from one '/' to the next */
	if (*p == '/') {
		while (p[1] != '/' && p[1] != '.' && (p[1] || p == path)) {
			const char *n = strchr(p + 1, '/');

			if (!n) {
				o = strlen(path);
				memcpy(out, path, o + 1);
				return o;
			}
			p = n;
		}
		/* a "/." that is not "." or "..", like "/.hidden", is normal too:
		 * the general loop below handles every case */
	}
	p = path;
	o = 0;

	out[o++] = '/';
	while (*p) {
		const char *st;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		st = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - st);
		if (n == 1 && st[0] == '.')
			continue;
		if (n == 2 && st[0] == '.' && st[1] == '.') {
			if (o > 1) {
				o--;
				while (o > 1 && out[o - 1] != '/')
					o--;
			}
			continue;
		}
		if (o > 1 && out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, st, n);
		o += n;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return o;
}

/* norm_into, the result under ctx. */
static char *norm_path(void *ctx, const char *path)
{
	char *out = talloc_size(ctx, strlen(path) + 2);

	if (out)
		norm_into(out, path);
	return out;
}

/* norm_into, the result in the tmp arena (released with the command). */
static char *norm_tmp(struct g2_interp *ip, const char *path, size_t *ret_len)
{
	char *out = g2_alloc(&ip->tmp, strlen(path) + 2);
	size_t n = 0;

	if (out)
		n = norm_into(out, path);
	if (ret_len)
		*ret_len = n;
	return out;
}

/* A file resolved for an entry, strings in the tmp arena. */
struct rtmp {
	uint32_t kind;
	const char *dev; /* device id (NULL = own) or unresolved marker */
	const char *path;
	size_t path_len;
};

/* Resolve a GRUB file name for an entry (the refusals of make_resource). */
static int resolve_resource(struct g2_interp *ip, const char *spec, struct rtmp *out)
{
	struct devref ref;
	const char *path;
	size_t n;
	char *np;

	resolve_spec(ip, spec, &ref, &path);
	np = norm_tmp(ip, path, &n);
	if (!np)
		return -ENOMEM;
	if (n > KB_MAX_PATH_LEN) {
		g2_error(ip, 0, "refusing a path of %zu bytes (KB_MAX_PATH_LEN is %u)", n,
			 KB_MAX_PATH_LEN);
		return -ENAMETOOLONG;
	}
	switch (ref.kind) {
	case R_DEVICE:
		out->kind = KB_RES_DEVICE;
		out->dev = ref.dev;
		out->path = np;
		out->path_len = n;
		return 0;
	case R_UNRESOLVED:
		out->kind = KB_RES_UNRESOLVED;
		out->dev = ref.marker;
		out->path = np;
		out->path_len = n;
		return 0;
	case R_URL: {
		size_t bl = strlen(ref.url_base);
		char *u = g2_alloc(&ip->tmp, bl + n + 1);

		if (!u)
			return -ENOMEM;
		memcpy(u, ref.url_base, bl);
		memcpy(u + bl, np, n + 1);
		out->kind = KB_RES_URL;
		out->dev = NULL;
		out->path = u;
		out->path_len = bl + n;
		return 0;
	}
	}
	return -EINVAL;
}

/* Room for n bytes and a NUL in a reusable slot of the entry arena (the
 * old contents are not kept). */
static bool sbuf_reserve(struct g2_interp *ip, struct g2_sbuf *b, size_t n)
{
	if (b->cap < n + 1) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *p;

		while (cap < n + 1)
			cap *= 2;
		p = g2_alloc(&ip->ent, cap);
		if (!p)
			return false;
		b->s = p;
		b->cap = cap;
	}
	return true;
}

/* Copy s[0..n) into a reusable slot of the entry arena. */
static bool sbuf_set(struct g2_interp *ip, struct g2_sbuf *b, const char *s, size_t n)
{
	if (!sbuf_reserve(ip, b, n))
		return false;
	memmove(b->s, s, n);
	b->s[n] = '\0';
	b->len = n;
	return true;
}

/* Store a resolved file into an entry slot. */
static int res_store(struct g2_interp *ip, struct g2_res *dst, const struct rtmp *src)
{
	dst->kind = KB_RES_NONE;
	dst->own = src->kind == KB_RES_DEVICE && !src->dev;
	if (src->dev && !sbuf_set(ip, &dst->dev, src->dev, strlen(src->dev)))
		return -ENOMEM;
	if (!sbuf_set(ip, &dst->path, src->path, src->path_len))
		return -ENOMEM;
	dst->kind = src->kind;
	return 0;
}

/* Describe an entry slot for kb_opt_build. */
static void res_src(struct g2_interp *ip, struct kb_res_src *d, const struct g2_res *r)
{
	memset(d, 0, sizeof(*d));
	d->kind = r->kind;
	d->path = r->path.s;
	d->path_len = r->path.len;
	d->normal = r->kind != KB_RES_URL; /* norm_into made it so */
	if (r->kind == KB_RES_DEVICE)
		d->dev = r->own ? ip->own_dev : r->dev.s;
	else if (r->kind == KB_RES_UNRESOLVED)
		d->unresolved = r->dev.s;
}

/* Resolve a GRUB file name to a present device and a normalised path. */
int g2_locate(struct g2_interp *ip, void *ctx, const char *spec, const char **ret_dev,
	      char **ret_path)
{
	struct devref ref;
	const char *path;
	char *np;

	resolve_spec(ip, spec, &ref, &path);
	if (ref.kind != R_DEVICE)
		return -ENOENT;
	np = norm_path(ctx, path);
	if (!np)
		return -ENOMEM;
	*ret_dev = ref.dev;
	*ret_path = np;
	return 0;
}

/* Read a file named in GRUB syntax. */
int g2_read_file(struct g2_interp *ip, void *ctx, const char *spec, size_t max, char **ret_buf,
		 size_t *ret_len)
{
	struct kb_parse_fs *fs = ip->pctx->fs;
	struct kb_file_info info;
	struct devref ref;
	const char *path;
	char *np;
	int r;

	resolve_spec(ip, spec, &ref, &path);
	if (ref.kind != R_DEVICE)
		return -ENOENT;
	np = norm_path(ctx, path);
	if (!np)
		return -ENOMEM;
	r = fs->stat(fs, ref.dev, np, &info);
	if (r < 0)
		return r;
	if (info.type != KB_FILE_REGULAR)
		return -EINVAL;
	if (info.size > max)
		return -EFBIG;
	return fs->read_file(fs, ctx, ref.dev, np, max, ret_buf, ret_len);
}

static int stat_spec(struct g2_interp *ip, const char *spec, struct kb_file_info *info)
{
	struct devref ref;
	const char *path;
	char *np;
	int r;

	resolve_spec(ip, spec, &ref, &path);
	if (ref.kind != R_DEVICE)
		return -ENOENT;
	np = norm_tmp(ip, path, NULL);
	if (!np)
		return -ENOMEM;
	r = ip->pctx->fs->stat(ip->pctx->fs, ref.dev, np, info);
	return r;
}

/* ---- option parsing helpers ---- */

/* "--name=value" or "--name value": value of option name[0..n) at argv[*i]. */
static inline const char *opt_value_n(unsigned argc, char **argv, unsigned *i, const char *name,
				      size_t n)
{
	const char *a = argv[*i];
	size_t k;

	/* byte by byte: a mismatch (a's NUL included) stops before a's end */
	for (k = 0; k < n; k++)
		if (a[k] != name[k])
			return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc) {
		(*i)++;
		return argv[*i];
	}
	return NULL;
}

/* opt_value_n with a string literal's length known at compile time. */
#define opt_value(argc, argv, i, lit) opt_value_n((argc), (argv), (i), (lit), sizeof(lit) - 1)

static int parse_int(const char *s, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	*ret = v;
	return *end ? -EINVAL : 0;
}

/* ---- test / [ ---- */

struct test_state {
	struct g2_interp *ip;
	unsigned argc, i;
	char **argv;
	unsigned depth;
};

static bool is_binop(const char *s)
{
	static const char *const ops[] = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-pgt",
					  "-plt", "-nt", "-ot", NULL};
	unsigned k;

	switch (s[0]) {
	case '=': /* = == */
	case '<': /* < <= */
	case '>': /* > >= */
		return !s[1] || (s[1] == '=' && !s[2]);
	case '!': /* != */
		return s[1] == '=' && !s[2];
	case '-':
		for (k = 0; ops[k]; k++)
			if (!strcmp(s, ops[k]))
				return true;
		return false;
	default:
		return false;
	}
}

/* s is the one-character word c. */
static inline bool is1(const char *s, char c)
{
	return s[0] == c && !s[1];
}

/* s is the two-character word "-c". */
static inline bool isopt(const char *s, char c)
{
	return s[0] == '-' && s[1] == c && !s[2];
}

static long num_of(const char *s, bool skip_prefix)
{
	if (skip_prefix)
		while (*s && !(*s >= '0' && *s <= '9'))
			s++;
	return strtol(s, NULL, 10);
}

static bool test_binary(const char *a, const char *op, const char *b)
{
	if (op[0] == '=' && (!op[1] || (op[1] == '=' && !op[2])))
		return strcmp(a, b) == 0;
	if (!strcmp(op, "!="))
		return strcmp(a, b) != 0;
	if (!strcmp(op, "<"))
		return strcmp(a, b) < 0;
	if (!strcmp(op, ">"))
		return strcmp(a, b) > 0;
	if (!strcmp(op, "<="))
		return strcmp(a, b) <= 0;
	if (!strcmp(op, ">="))
		return strcmp(a, b) >= 0;
	if (!strcmp(op, "-nt") || !strcmp(op, "-ot"))
		return false; /* no timestamps through the parse fs */
	{
		bool p = op[1] == 'p';
		long x = num_of(a, p), y = num_of(b, p);
		const char *o = op + (p ? 2 : 1);

		if (!strcmp(o, "eq"))
			return x == y;
		if (!strcmp(o, "ne"))
			return x != y;
		if (!strcmp(o, "lt"))
			return x < y;
		if (!strcmp(o, "le"))
			return x <= y;
		if (!strcmp(o, "gt"))
			return x > y;
		if (!strcmp(o, "ge"))
			return x >= y;
	}
	return false;
}

static bool test_or(struct test_state *t);

static bool test_primary(struct test_state *t)
{
	const char *a;

	if (t->i >= t->argc)
		return false;
	a = t->argv[t->i];
	if (t->i + 2 < t->argc + 1 && t->i + 1 < t->argc && is_binop(t->argv[t->i + 1]) &&
	    t->i + 2 < t->argc) {
		bool r = test_binary(a, t->argv[t->i + 1], t->argv[t->i + 2]);

		t->i += 3;
		return r;
	}
	if (is1(a, '(') && t->depth < G2_MAX_AST_DEPTH) {
		bool r;

		t->i++;
		t->depth++;
		r = test_or(t);
		t->depth--;
		if (t->i < t->argc && is1(t->argv[t->i], ')'))
			t->i++;
		return r;
	}
	if (a[0] == '-' && a[1] && !a[2] && t->i + 1 < t->argc) {
		const char *b = t->argv[t->i + 1];
		struct kb_file_info info;

		switch (a[1]) {
		case 'n':
			t->i += 2;
			return *b != '\0';
		case 'z':
			t->i += 2;
			return *b == '\0';
		case 'e':
			t->i += 2;
			return stat_spec(t->ip, b, &info) == 0;
		case 'f':
			t->i += 2;
			return stat_spec(t->ip, b, &info) == 0 && info.type == KB_FILE_REGULAR;
		case 'd':
			t->i += 2;
			return stat_spec(t->ip, b, &info) == 0 && info.type == KB_FILE_DIR;
		case 's':
			t->i += 2;
			return stat_spec(t->ip, b, &info) == 0 && info.type == KB_FILE_REGULAR &&
			       info.size > 0;
		default:
			break;
		}
	}
	t->i++;
	return *a != '\0';
}

static bool test_not(struct test_state *t)
{
	if (t->i < t->argc && is1(t->argv[t->i], '!') && t->i + 1 < t->argc &&
	    t->depth < G2_MAX_AST_DEPTH) {
		bool r;

		t->i++;
		t->depth++;
		r = !test_not(t);
		t->depth--;
		return r;
	}
	return test_primary(t);
}

static bool test_and(struct test_state *t)
{
	bool r = test_not(t);

	while (t->i < t->argc && isopt(t->argv[t->i], 'a')) {
		t->i++;
		r = test_not(t) && r;
	}
	return r;
}

static bool test_or(struct test_state *t)
{
	bool r = test_and(t);

	while (t->i < t->argc && isopt(t->argv[t->i], 'o')) {
		t->i++;
		r = test_and(t) || r;
	}
	return r;
}

/* test and [ (see grub2.h). */
int g2_cmd_test(struct g2_interp *ip, unsigned argc, char **argv)
{
	struct test_state t = {ip, argc, 1, argv, 0};

	if (is1(argv[0], '[')) {
		if (argc < 2 || !is1(argv[argc - 1], ']')) {
			g2_error(ip, 0, "[: missing ']'");
			return 1;
		}
		t.argc = argc - 1;
	}
	if (t.i >= t.argc)
		return 1;
	/* "A op B", the usual shape: what test_primary does first anyway */
	if (t.argc == 4 && is_binop(argv[2]))
		return test_binary(argv[1], argv[2], argv[3]) ? 0 : 1;
	return test_or(&t) ? 0 : 1;
}

/* ---- simple commands ---- */

static int cmd_true(struct g2_interp *ip, unsigned argc, char **argv)
{
	return 0;
}

static int cmd_false(struct g2_interp *ip, unsigned argc, char **argv)
{
	return 1;
}

static bool valid_name(const char *s, size_t n)
{
	size_t i;

	if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int cmd_set(struct g2_interp *ip, unsigned argc, char **argv)
{
	unsigned i;
	int st = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *p = a;
		uint32_t h = 2166136261u;

		/* the name checked and hashed in one pass */
		if (g2_namec[(unsigned char)*p] & 2)
			for (; g2_namec[(unsigned char)*p]; p++)
				h = (h ^ (unsigned char)*p) * 16777619u;
		if (p == a || (*p && *p != '=') || p - a >= 128) {
			g2_error(ip, 0, "set: bad variable name '%.64s'", a);
			st = 1;
			continue;
		}
		if (g2_set_nh(ip, a, (size_t)(p - a), h, *p ? p + 1 : "") < 0)
			st = 1;
	}
	return st;
}

static int cmd_unset(struct g2_interp *ip, unsigned argc, char **argv)
{
	unsigned i;

	for (i = 1; i < argc; i++)
		g2_unset(ip, argv[i]);
	return 0;
}

static int cmd_export(struct g2_interp *ip, unsigned argc, char **argv)
{
	unsigned i;
	int st = 0;

	for (i = 1; i < argc; i++) {
		/* argv may be the command's own (prepared at parse time): never
		 * written, the name is copied instead */
		const char *name = argv[i], *eq = strchr(name, '=');

		if (eq) {
			/* "export a=b" is accepted by some hand-written configs */
			char *s[2] = {(char *)"set", argv[i]};

			cmd_set(ip, 2, s);
			name = g2_strndup(&ip->tmp, name, (size_t)(eq - name));
			if (!name)
				return 1;
		}
		if (!valid_name(name, strlen(name)) || g2_export(ip, name) < 0)
			st = 1;
	}
	return st;
}

static int ctl_count(struct g2_interp *ip, unsigned argc, char **argv, long dflt, long *ret)
{
	long n = dflt;

	if (argc > 1 && parse_int(argv[1], &n) < 0) {
		g2_error(ip, 0, "%s: bad number '%.32s'", argv[0], argv[1]);
		return -EINVAL;
	}
	*ret = n;
	return 0;
}

static int cmd_break(struct g2_interp *ip, unsigned argc, char **argv)
{
	long n;

	if (ctl_count(ip, argc, argv, 1, &n) < 0 || n < 1)
		return 1;
	if (!ip->loop_depth)
		return 0;
	ip->ctl = !strcmp(argv[0], "break") ? G2_CTL_BREAK : G2_CTL_CONTINUE;
	ip->ctl_n = (unsigned)(n > (long)ip->loop_depth ? (long)ip->loop_depth : n);
	return 0;
}

static int cmd_return(struct g2_interp *ip, unsigned argc, char **argv)
{
	long n;

	if (ctl_count(ip, argc, argv, ip->status, &n) < 0)
		return 1;
	if (!ip->call_depth) {
		g2_error(ip, 0, "return: not in a function");
		return 1;
	}
	ip->ctl = G2_CTL_RETURN;
	ip->ctl_n = (unsigned)n & 0xff;
	return (int)ip->ctl_n;
}

static int cmd_exit(struct g2_interp *ip, unsigned argc, char **argv)
{
	ip->ctl = G2_CTL_EXIT;
	return 0;
}

static int cmd_shift(struct g2_interp *ip, unsigned argc, char **argv)
{
	long n;

	if (ctl_count(ip, argc, argv, 1, &n) < 0 || n < 0 || !ip->frame ||
	    (unsigned long)n > ip->frame->argc)
		return 1;
	ip->frame->argc -= (unsigned)n;
	ip->frame->argv += n;
	return 0;
}

static int cmd_setparams(struct g2_interp *ip, unsigned argc, char **argv)
{
	char **v;
	unsigned i;

	if (!ip->frame)
		return 1;
	/* the frame outlives this command: keep the strings in the AST arena (retained) */
	v = g2_alloc(&ip->ast, (argc ? argc : 1) * sizeof(char *));
	if (!v)
		return 1;
	for (i = 1; i < argc; i++) {
		v[i - 1] = g2_strndup(&ip->ast, argv[i], strlen(argv[i]));
		if (!v[i - 1])
			return 1;
	}
	ip->retain_seq++;
	ip->frame->argc = argc - 1;
	ip->frame->argv = v;
	return 0;
}

/* Parse and run src as script text in the current context. */
int g2_eval(struct g2_interp *ip, const char *src, size_t len)
{
	struct g2_parser *ps;
	struct g2_node *list = NULL;
	struct g2_mark m;
	char *text;
	unsigned seq = ip->retain_seq;
	int st = 1;

	if (ip->call_depth >= G2_MAX_CALL_DEPTH) {
		g2_error(ip, 0, "eval: refusing nesting deeper than %u (G2_MAX_CALL_DEPTH)",
			 G2_MAX_CALL_DEPTH);
		return 1;
	}
	ps = talloc_zero(ip->mem, struct g2_parser);
	if (!ps)
		return 1;
	m = g2_arena_mark(&ip->ast);
	/* the lexer cuts words out of its buffer: a copy in the AST arena
	 * lives exactly as long as what is parsed from it */
	text = g2_strndup(&ip->ast, src, len);
	if (!text) {
		talloc_free(ps);
		return 1;
	}
	g2_parser_init(ps, ip, &ip->ast, ip->file, text, len);
	ps->lx.line = ip->line;
	if (g2_parse_all(ps, &list) == 0) {
		unsigned line = ip->line;

		ip->call_depth++;
		st = g2_exec_list(ip, list);
		ip->call_depth--;
		ip->line = line;
	}
	talloc_free(ps->lx.buf);
	talloc_free(ps->lx.parts);
	talloc_free(ps->wv);
	talloc_free(ps->sv);
	talloc_free(ps);
	if (seq == ip->retain_seq)
		g2_arena_release(&ip->ast, m);
	return st;
}

static int cmd_eval(struct g2_interp *ip, unsigned argc, char **argv)
{
	size_t len = 0;
	unsigned i;
	char *src, *p;

	if (argc < 2)
		return 0;
	/* the words joined with spaces, like GRUB */
	for (i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	src = g2_alloc(&ip->tmp, len + 1);
	if (!src)
		return 1;
	p = src;
	for (i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (i > 1)
			*p++ = ' ';
		memcpy(p, argv[i], n);
		p += n;
	}
	*p = '\0';
	return g2_eval(ip, src, (size_t)(p - src));
}

/* ---- search ---- */

static void search_set(struct g2_interp *ip, const char *var, const char *kind, const char *value,
		       unsigned n_hints, const char **hints)
{
	const char *dev = NULL;
	struct kb_parse_fs *fs = ip->pctx->fs;
	int r = fs->find_device ? fs->find_device(fs, kind, value, &dev) : -ENODEV;

	if (r == 0 && dev) {
		unsigned i;

		for (i = 0; i < n_hints; i++)
			map_learn(ip, hints[i], dev);
		if (var)
			g2_set(ip, var, dev);
		ip->status = 0;
		return;
	}
	/* not present: later paths on this root are "unresolved" */
	if (var) {
		char *mk = g2_alloc(&ip->tmp, strlen(kind) + strlen(value) + 2);

		if (mk) {
			sprintf(mk, "%s:%s", kind, value);
			g2_set(ip, var, mk);
		}
	}
	ip->status = 1;
}

static int cmd_search(struct g2_interp *ip, unsigned argc, char **argv)
{
	const char *kind = NULL, *var = NULL, *name = NULL;
	const char *hints[16];
	unsigned n_hints = 0, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (a[0] != '-' || !a[1]) {
			/* not an option: the first one is the name */
			if (!name)
				name = a;
			continue;
		}
		if (isopt(a, 'f') || (a[2] == 'f' && !strcmp(a, "--file")))
			kind = "file";
		else if (isopt(a, 'l') || (a[2] == 'l' && !strcmp(a, "--label")))
			kind = "label";
		else if (isopt(a, 'u') || (a[2] == 'f' && !strcmp(a, "--fs-uuid")))
			kind = "uuid";
		else if (isopt(a, 'n') || (a[2] == 'n' && !strcmp(a, "--no-floppy")) ||
			 (a[2] == 'e' && !strcmp(a, "--efidisk-only")))
			continue;
		else if (a[2] == 's' && !strncmp(a, "--set=", 6))
			var = a + 6;
		else if (isopt(a, 's') || (a[2] == 's' && !strcmp(a, "--set"))) {
			var = "root";
			/* "--set VAR NAME": take VAR when a name follows it */
			if (i + 2 < argc + 0 && valid_name(argv[i + 1], strlen(argv[i + 1])) &&
			    argv[i + 2][0] != '-')
				var = argv[++i];
			else if (i + 2 < argc && valid_name(argv[i + 1], strlen(argv[i + 1])) &&
				 i + 2 == argc - 1 && argv[i + 2][0] != '-')
				var = argv[++i];
		} else if (a[2] == 'h' && !strncmp(a, "--hint", 6)) {
			unsigned j = i;

			v = NULL;
			if (strchr(a, '='))
				v = strchr(a, '=') + 1;
			else if (j + 1 < argc)
				v = argv[++i];
			if (v && n_hints < sizeof(hints) / sizeof(hints[0]))
				hints[n_hints++] = v;
		} else {
			g2_error(ip, 0, "search: unknown option '%.32s' ignored", a);
		}
	}
	if (!name) {
		g2_error(ip, 0, "search: no name to search for");
		return 1;
	}
	if (!kind) {
		g2_error(ip, 0, "search: no search type (--file, --label or --fs-uuid)");
		return 1;
	}
	search_set(ip, var, kind, name, n_hints, hints);
	return ip->status;
}

/* search.fs_uuid NAME [VAR [HINT...]] (Ubuntu's form) and friends. */
static int cmd_search_short(struct g2_interp *ip, unsigned argc, char **argv)
{
	const char *kind = !strcmp(argv[0], "search.fs_uuid")    ? "uuid"
			   : !strcmp(argv[0], "search.fs_label") ? "label"
								 : "file";

	if (argc < 2) {
		g2_error(ip, 0, "%s: no name to search for", argv[0]);
		return 1;
	}
	search_set(ip, argc > 2 ? argv[2] : NULL, kind, argv[1], argc > 3 ? argc - 3 : 0,
		   (const char **)(argv + 3));
	return ip->status;
}

/* probe [--set VAR] --fs-uuid|--label|--fs|--part-uuid DEVICE */
static int cmd_probe(struct g2_interp *ip, unsigned argc, char **argv)
{
	const char *var = NULL, *what = NULL, *devname = NULL, *val = NULL;
	const struct kb_device *d;
	struct devref ref;
	unsigned i;

	for (i = 1; i < argc; i++) {
		const char *v = opt_value(argc, argv, &i, "--set");

		if (v)
			var = v;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			var = argv[++i];
		else if (!strcmp(argv[i], "--fs-uuid") || !strcmp(argv[i], "-u"))
			what = "uuid";
		else if (!strcmp(argv[i], "--label") || !strcmp(argv[i], "-l"))
			what = "label";
		else if (!strcmp(argv[i], "--fs") || !strcmp(argv[i], "-f"))
			what = "fs";
		else if (!strcmp(argv[i], "--part-uuid"))
			what = "partuuid";
		else if (argv[i][0] != '-')
			devname = argv[i];
	}
	if (!what || !devname)
		return 1;
	{
		char *n = g2_strndup(&ip->tmp, devname, strlen(devname));
		size_t l = n ? strlen(n) : 0;

		if (!n)
			return 1;
		if (l >= 2 && n[0] == '(' && n[l - 1] == ')') {
			n[l - 1] = '\0';
			n++;
		}
		resolve_dev(ip, n, false, &ref);
	}
	if (ref.kind != R_DEVICE || !ip->pctx->fs->get_device)
		return 1;
	d = ip->pctx->fs->get_device(ip->pctx->fs, ref.dev);
	if (!d)
		return 1;
	if (!strcmp(what, "uuid"))
		val = d->uuid;
	else if (!strcmp(what, "label"))
		val = d->label;
	else if (!strcmp(what, "fs"))
		val = d->fstype;
	else
		val = d->partuuid;
	if (!val)
		return 1;
	if (var)
		g2_set(ip, var, val);
	return 0;
}

/* ---- files: source, configfile, load_env ---- */

/* Count one file load against G2_MAX_FILE_LOADS. */
bool g2_count_load(struct g2_interp *ip, const char *what)
{
	if (ip->n_loads >= G2_MAX_FILE_LOADS) {
		if (ip->n_loads++ == G2_MAX_FILE_LOADS)
			g2_error(ip, 0, "%s: refusing more than %u file loads in one config (G2_MAX_FILE_LOADS)",
				 what, G2_MAX_FILE_LOADS);
		return false;
	}
	ip->n_loads++;
	return true;
}

static int run_file(struct g2_interp *ip, const char *spec, bool new_context)
{
	unsigned seq = ip->retain_seq;
	void *tmp;
	char *buf = NULL;
	size_t len = 0;
	char *fname;
	int r;

	if (ip->include_depth >= KB_PARSE_MAX_INCLUDE_DEPTH) {
		g2_error(ip, 0, "refusing '%.200s': nesting deeper than %u (KB_PARSE_MAX_INCLUDE_DEPTH)",
			 spec, KB_PARSE_MAX_INCLUDE_DEPTH);
		return 1;
	}
	if (!g2_count_load(ip, "source"))
		return 1;
	tmp = talloc_new(ip->mem);
	if (!tmp)
		return 1;
	r = g2_read_file(ip, tmp, spec, KB_CONFIG_MAX_SIZE, &buf, &len);
	if (r < 0) {
		if (r == -EFBIG)
			g2_error(ip, 0, "refusing '%.200s': over the config size limit of %u bytes (KB_CONFIG_MAX_SIZE)",
				 spec, KB_CONFIG_MAX_SIZE);
		else
			g2_error(ip, 0, "cannot read '%.200s': %s", spec, strerror(-r));
		talloc_free(tmp);
		return 1;
	}
	fname = talloc_strdup(tmp, spec);
	ip->include_depth++;
	if (new_context) {
		struct g2_menu *menu = ip->menu;
		unsigned first = menu->n;
		/* configfile in an entry's body (openSUSE snapshots): the file's
		 * entries join the menu after the entry that loads them */
		struct g2_entry *entry = ip->entry;
		struct g2_menu *entry_menu = ip->entry_menu;
		unsigned entry_item = ip->entry_item;

		ip->entry = NULL;
		ip->entry_menu = NULL;

		if (g2_env_push(ip, false) == 0) {
			const char *dflt;

			g2_run_buffer(ip, fname ? fname : spec, buf, len);
			dflt = g2_get(ip, "timeout");
			if (dflt && *dflt && ip->cf_timeout < 0 && menu->n > first) {
				char *end;
				long v = strtol(dflt, &end, 10);

				if (!*end && v >= 0 && v <= 86400L * 365)
					ip->cf_timeout = (int)v;
			}
			dflt = g2_get(ip, "default");
			if (dflt && *dflt && menu->n > first && !ip->cf_default) {
				/* the configfile's own menu default (items appended to ours) */
				ip->cf_default = g2_resolve_default(ip, menu, first, dflt);
			}
			g2_env_pop(ip);
		}
		ip->entry = entry;
		ip->entry_menu = entry_menu;
		ip->entry_item = entry_item;
	} else {
		g2_run_buffer(ip, fname ? fname : spec, buf, len);
	}
	ip->include_depth--;
	if (seq != ip->retain_seq)
		talloc_steal(ip->mem, tmp); /* functions it defined point into buf */
	else
		talloc_free(tmp);
	return 0;
}

static int cmd_source(struct g2_interp *ip, unsigned argc, char **argv)
{
	if (argc < 2) {
		g2_error(ip, 0, "%s: file name expected", argv[0]);
		return 1;
	}
	return run_file(ip, argv[1], strcmp(argv[0], "source") != 0);
}

/* Parse a grubenv block, setting variables (only those in want, if any). */
static void parse_grubenv(struct g2_interp *ip, const char *spec, const char *buf, size_t len,
			  unsigned n_want, char **want)
{
	static const char header[] = "# GRUB Environment Block\n";
	const char *p = buf, *end = buf + len;
	char *val;

	if (len < sizeof(header) - 1 || memcmp(buf, header, sizeof(header) - 1) != 0) {
		g2_error(ip, 0, "load_env: '%.200s' is not a GRUB environment block", spec);
		return;
	}
	val = g2_alloc(&ip->tmp, len + 1);
	if (!val)
		return;
	p += sizeof(header) - 1;
	while (p < end) {
		const char *name = p, *eq;
		size_t vl = 0;

		if (*p == '\0')
			break;
		if (*p == '#') {
			/* a comment line (grub-editenv writes a warning after the
			 * header), or the '#' padding that fills the block */
			while (p < end && *p != '\n')
				p++;
			p++;
			continue;
		}
		eq = p;
		while (eq < end && *eq != '=' && *eq != '\n')
			eq++;
		if (eq >= end || *eq != '=') {
			p = eq + 1;
			continue;
		}
		p = eq + 1;
		while (p < end && *p != '\n') {
			if (*p == '\\' && p + 1 < end) {
				val[vl++] = p[1];
				p += 2;
				continue;
			}
			val[vl++] = *p++;
		}
		val[vl] = '\0';
		p++;
		if (valid_name(name, (size_t)(eq - name))) {
			char nm[128];
			size_t nl = (size_t)(eq - name);
			bool ok = n_want == 0;
			unsigned k;

			if (nl >= sizeof(nm))
				continue;
			memcpy(nm, name, nl);
			nm[nl] = '\0';
			for (k = 0; k < n_want && !ok; k++)
				ok = !strcmp(want[k], nm);
			if (ok)
				g2_set(ip, nm, val);
		}
	}
}

static int cmd_load_env(struct g2_interp *ip, unsigned argc, char **argv)
{
	const char *file = NULL;
	char **want = argv + argc;
	unsigned n_want = 0, i;
	void *tmp;
	char *buf = NULL;
	size_t len = 0;
	int r;

	for (i = 1; i < argc; i++) {
		const char *v = opt_value(argc, argv, &i, "--file");

		if (!v && !strcmp(argv[i], "-f") && i + 1 < argc)
			v = argv[++i];
		if (v) {
			file = v;
			continue;
		}
		if (!strcmp(argv[i], "--skip-sig") || !strcmp(argv[i], "-s"))
			continue;
		if (!n_want)
			want = argv + i;
		n_want++;
	}
	if (!file) {
		const char *prefix = g2_get(ip, "prefix");
		char *f = g2_alloc(&ip->tmp, (prefix ? strlen(prefix) : 0) + 10);

		if (!f)
			return 1;
		sprintf(f, "%s/grubenv", prefix ? prefix : "");
		file = f;
	}
	if (!g2_count_load(ip, "load_env"))
		return 1;
	tmp = talloc_new(ip->mem);
	if (!tmp)
		return 1;
	r = g2_read_file(ip, tmp, file, G2_GRUBENV_MAX_SIZE, &buf, &len);
	if (r < 0) {
		if (r == -EFBIG)
			g2_error(ip, 0, "load_env: refusing '%.200s': larger than %u bytes (G2_GRUBENV_MAX_SIZE)",
				 file, G2_GRUBENV_MAX_SIZE);
		else if (r != -ENOENT)
			g2_error(ip, 0, "load_env: cannot read '%.200s': %s", file, strerror(-r));
		talloc_free(tmp);
		return 1;
	}
	parse_grubenv(ip, file, buf, len, n_want, want);
	talloc_free(tmp);
	return 0;
}

/* ---- kernel, initrd, devicetree ---- */

#define LINUX_ARG_LENS 32 /* kernel arguments whose lengths cmd_linux keeps */

static int cmd_linux(struct g2_interp *ip, unsigned argc, char **argv)
{
	struct g2_entry *o = ip->entry;
	struct rtmp rt;
	unsigned i = 1;

	if (!o)
		return 0; /* outside an entry: nothing to boot */
	while (i < argc && argv[i][0] == '-' && argv[i][1] == '-' && strchr(argv[i], '/') == NULL &&
	       argv[i][2])
		i++; /* loader options (e.g. --no-mem-option) come before the file */
	if (i >= argc) {
		g2_error(ip, 0, "%s: filename expected", argv[0]);
		return 1;
	}
	if (resolve_resource(ip, argv[i], &rt) < 0 || res_store(ip, &o->kernel, &rt) < 0) {
		o->kernel.kind = KB_RES_NONE;
		return 1;
	}
	o->has_args = false;
	if (i + 1 < argc) {
		size_t len = 0, k, lens[LINUX_ARG_LENS];
		char *p;

		/* each length measured once (the first LINUX_ARG_LENS of them) */
		for (k = i + 1; k < argc; k++) {
			size_t n = strlen(argv[k]);

			if (k - i - 1 < LINUX_ARG_LENS)
				lens[k - i - 1] = n;
			len += n + 1;
		}
		if (!sbuf_reserve(ip, &o->args, len))
			return 1;
		p = o->args.s;
		for (k = i + 1; k < argc; k++) {
			size_t n = k - i - 1 < LINUX_ARG_LENS ? lens[k - i - 1] : strlen(argv[k]);

			if (k > i + 1)
				*p++ = ' ';
			memcpy(p, argv[k], n);
			p += n;
		}
		*p = '\0';
		o->args.len = (size_t)(p - o->args.s);
		o->has_args = true;
	}
	/* loading a kernel drops the initrd loaded with the previous one */
	o->n_initrds = 0;
	return 0;
}

static int cmd_initrd(struct g2_interp *ip, unsigned argc, char **argv)
{
	struct g2_entry *o = ip->entry;
	struct rtmp rs[KB_MAX_INITRDS];
	unsigned i, n = 0;

	if (!o)
		return 0;
	if (o->kernel.kind == KB_RES_NONE) {
		g2_error(ip, 0, "%s: you need to load the kernel first", argv[0]);
		return 1;
	}
	if (argc < 2) {
		g2_error(ip, 0, "%s: filename expected", argv[0]);
		return 1;
	}
	if (argc - 1 > KB_MAX_INITRDS) {
		g2_error(ip, 0, "%s: refusing %u initrds (KB_MAX_INITRDS is %u)", argv[0], argc - 1,
			 KB_MAX_INITRDS);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		const char *f = argv[i];

		if (!strncmp(f, "--", 2) && !strchr(f, '/'))
			continue; /* --nounzip and friends */
		if (!strncmp(f, "newc:", 5)) {
			/* newc:NAME:FILE adds FILE under another name in the cpio */
			const char *c = strchr(f + 5, ':');

			if (c)
				f = c + 1;
		}
		if (resolve_resource(ip, f, &rs[n]) < 0)
			return 1; /* the initrds loaded before stay */
		n++;
	}
	for (i = 0; i < n; i++) {
		if (i >= o->n_slots) {
			/* a slot used for the first time in this entry */
			memset(&o->initrds[i], 0, sizeof(o->initrds[i]));
			o->n_slots = i + 1;
		}
		if (res_store(ip, &o->initrds[i], &rs[i]) < 0) {
			o->n_initrds = 0;
			return 1;
		}
	}
	o->n_initrds = n;
	return 0;
}

static int cmd_devicetree(struct g2_interp *ip, unsigned argc, char **argv)
{
	struct g2_entry *o = ip->entry;
	struct rtmp rt;

	if (!o)
		return 0;
	if (argc < 2) {
		g2_error(ip, 0, "devicetree: filename expected");
		return 1;
	}
	if (resolve_resource(ip, argv[1], &rt) < 0 || res_store(ip, &o->dtb, &rt) < 0) {
		o->dtb.kind = KB_RES_NONE;
		return 1;
	}
	return 0;
}

/* ---- menus ---- */

static struct g2_menu_item *menu_add(struct g2_interp *ip, const char *title, const char *id)
{
	struct g2_menu *m = ip->menu;
	struct g2_menu_item *it;

	if (ip->n_menu_items >= G2_MAX_MENU_ENTRIES) {
		if (ip->n_menu_items == G2_MAX_MENU_ENTRIES)
			g2_error(ip, 0, "refusing more than %u menu entries (G2_MAX_MENU_ENTRIES)",
				 G2_MAX_MENU_ENTRIES);
		ip->n_menu_items++;
		return NULL;
	}
	if (m->n == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 16;
		struct g2_menu_item *ni = talloc_realloc(ip->mem, m->items, struct g2_menu_item, cap);

		if (!ni)
			return NULL;
		m->items = ni;
		m->cap = cap;
	}
	it = &m->items[m->n++];
	memset(it, 0, sizeof(*it));
	if (title) {
		size_t tl = strlen(title);

		it->title = g2_strndup(&ip->keep, title, tl);
		it->title_len = (uint32_t)tl; /* < G2_MAX_WORD_LEN */
	} else {
		it->title = NULL;
	}
	it->id = id ? g2_strndup(&ip->keep, id, strlen(id)) : NULL;
	ip->n_menu_items++;
	return it;
}

struct menu_args {
	const char *title;
	const char *id;
	unsigned n_pos;
	char **pos; /* positional words: title first */
};

static int parse_menu_args(struct g2_interp *ip, const char *what, unsigned argc, char **argv,
			   struct menu_args *ma)
{
	unsigned i;
	bool opts_done = false;

	memset(ma, 0, sizeof(*ma));
	ma->pos = g2_alloc(&ip->tmp, (argc + 1) * sizeof(char *));
	if (!ma->pos)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!opts_done && a[0] == '-' && a[1] == '-') {
			if (!a[2]) {
				opts_done = true;
				continue;
			}
			/* a[2] picks the one option name that can match */
			if (a[2] == 'i' && (v = opt_value(argc, argv, &i, "--id"))) {
				ma->id = v;
				continue;
			}
			if ((a[2] == 'c' && opt_value(argc, argv, &i, "--class")) ||
			    (a[2] == 'u' && opt_value(argc, argv, &i, "--users")) ||
			    (a[2] == 'h' && opt_value(argc, argv, &i, "--hotkey")))
				continue;
			if (a[2] == 'u' && !strcmp(a, "--unrestricted"))
				continue;
			if (!strncmp(a, "--id", 4) || !strncmp(a, "--class", 7) ||
			    !strncmp(a, "--users", 7) || !strncmp(a, "--hotkey", 8)) {
				g2_error(ip, 0, "%s: option '%.32s' needs a value", what, a);
				continue;
			}
			g2_error(ip, 0, "%s: unknown option '%.32s' ignored", what, a);
			continue;
		}
		ma->pos[ma->n_pos++] = argv[i];
	}
	if (!ma->n_pos) {
		g2_error(ip, 0, "%s: missing title", what);
		return -EINVAL;
	}
	ma->title = ma->pos[0];
	return 0;
}

/* Begin a menu entry: record it in the menu and prepare its body's run. */
int g2_menuentry_begin(struct g2_interp *ip, unsigned argc, char **argv, bool *ret_run_body)
{
	struct menu_args ma;
	struct g2_menu_item *it;
	struct g2_entry *o;
	struct g2_frame *fr;
	struct g2_mark m;

	*ret_run_body = false;
	if (ip->entry) {
		g2_error(ip, 0, "menuentry inside a menu entry's body ignored");
		return -EINVAL;
	}
	if (parse_menu_args(ip, "menuentry", argc, argv, &ma) < 0)
		return -EINVAL;
	it = menu_add(ip, ma.title, ma.id);
	if (!it)
		return -E2BIG;
	m = g2_arena_mark(&ip->ent);
	o = g2_alloc(&ip->ent, sizeof(*o));
	fr = g2_alloc(&ip->tmp, sizeof(*fr));
	if (!o || !fr || !it->title || g2_env_push(ip, true) < 0) {
		g2_arena_release(&ip->ent, m);
		return -ENOMEM;
	}
	o->title = it->title;
	o->title_len = it->title_len;
	o->mark = m;
	o->kernel.kind = KB_RES_NONE;
	o->dtb.kind = KB_RES_NONE;
	o->kernel.dev.cap = o->kernel.path.cap = o->dtb.dev.cap = o->dtb.path.cap = 0;
	o->n_initrds = 0;
	o->n_slots = 0; /* initrds[] cleared as they come into use */
	o->has_args = false;
	o->args.cap = 0;
	/* GRUB passes the entry's words (title first) as $1, $2, ... */
	fr->argc = ma.n_pos;
	fr->argv = ma.pos;
	fr->prev = ip->frame;
	ip->frame = fr;
	ip->entry = o;
	ip->entry_menu = ip->menu; /* the item to fill when the body has run */
	ip->entry_item = (unsigned)(it - ip->menu->items);
	*ret_run_body = true;
	return 0;
}

/* End a menu entry after its body ran: lay its option out in one chunk. */
void g2_menuentry_end(struct g2_interp *ip)
{
	struct g2_menu_item *it = &ip->entry_menu->items[ip->entry_item];
	struct g2_entry *o = ip->entry;
	struct kb_opt_src src;
	struct kb_option *opt;
	unsigned i;

	ip->frame = ip->frame->prev;
	g2_env_pop(ip);
	ip->entry = NULL;
	ip->entry_menu = NULL;
	if (o->kernel.kind == KB_RES_NONE) {
		/* chainloader, fwsetup, ...: nothing kexec can boot */
		g2_arena_release(&ip->ent, o->mark);
		return;
	}
	memset(&src, 0, offsetof(struct kb_opt_src, initrds));
	src.name = o->title;
	src.name_len = o->title_len;
	src.has_args = o->has_args;
	if (o->has_args) {
		src.args[0] = o->args.s;
		src.args_len[0] = o->args.len;
	}
	src.args[1] = "";
	res_src(ip, &src.kernel, &o->kernel);
	res_src(ip, &src.dtb, &o->dtb);
	for (i = 0; i < o->n_initrds; i++)
		res_src(ip, &src.initrds[i], &o->initrds[i]);
	src.n_initrds = o->n_initrds;
	src.is_default = false;
	src.parser = "grub2";
	src.parser_len = sizeof("grub2") - 1;
	/* in the run's option pools: g2_finish adds it, g2_free_options drops
	 * what was not added */
	if (kb_opt_build(ip->pctx, NULL, &src, &opt) == 0)
		it->opt = opt;
	g2_arena_release(&ip->ent, o->mark);
}

/* Begin a submenu: a new menu level and an exported-only context. */
int g2_submenu_begin(struct g2_interp *ip, unsigned argc, char **argv)
{
	struct menu_args ma;
	struct g2_menu_item *it = NULL;
	struct g2_menu *sub;

	if (ip->menu_depth >= G2_MAX_MENU_DEPTH || ip->entry) {
		if (ip->entry)
			g2_error(ip, 0, "submenu inside a menu entry's body ignored");
		else
			g2_error(ip, 0, "refusing submenus nested deeper than %u (G2_MAX_MENU_DEPTH)",
				 G2_MAX_MENU_DEPTH);
		ip->menu_depth++;
		return -E2BIG;
	}
	ip->menu_depth++;
	if (argc && parse_menu_args(ip, "submenu", argc, argv, &ma) == 0)
		it = menu_add(ip, ma.title, ma.id);
	sub = g2_alloc(&ip->keep, sizeof(*sub));
	if (sub)
		memset(sub, 0, sizeof(*sub));
	if (!sub || g2_env_push(ip, false) < 0) {
		/* still enter a level so that the matching end stays paired */
		static struct g2_menu dummy;

		sub = &dummy;
		g2_env_push(ip, true);
	}
	sub->parent = ip->menu;
	if (it)
		it->sub = sub;
	ip->menu = sub;
	return 0;
}

/* End a submenu. */
void g2_submenu_end(struct g2_interp *ip)
{
	struct g2_menu *m = ip->menu;
	const char *d;

	if (!ip->menu_depth)
		return;
	if (ip->menu_depth > G2_MAX_MENU_DEPTH || !m->parent) {
		ip->menu_depth--;
		return;
	}
	ip->menu_depth--;
	d = g2_get(ip, "default");
	if (d && *d)
		m->default_val = g2_strndup(&ip->keep, d, strlen(d));
	g2_env_pop(ip);
	ip->menu = m->parent;
}

/* ---- blscfg ---- */

static int cmd_blscfg(struct g2_interp *ip, unsigned argc, char **argv)
{
	return g2_blscfg(ip, argc, argv);
}

/* ---- table ---- */

struct builtin {
	const char *name;
	g2_builtin_fn fn;
};

static const struct builtin builtins[] = {
	{"[", g2_cmd_test},
	{"blscfg", cmd_blscfg},
	{"break", cmd_break},
	{"configfile", cmd_source},
	{"continue", cmd_break},
	{"cpuid", cmd_false},
	{"devicetree", cmd_devicetree},
	{"eval", cmd_eval},
	{"exit", cmd_exit},
	{"export", cmd_export},
	{"false", cmd_false},
	{"fwsetup", cmd_false},
	{"initrd", cmd_initrd},
	{"initrd16", cmd_initrd},
	{"initrdefi", cmd_initrd},
	{"keystatus", cmd_false},
	{"linux", cmd_linux},
	{"linux16", cmd_linux},
	{"linuxefi", cmd_linux},
	{"load_env", cmd_load_env},
	{"normal", cmd_source},
	{"probe", cmd_probe},
	{"read", cmd_false},
	{"regexp", cmd_false},
	{"return", cmd_return},
	{"save_env", cmd_true},
	{"search", cmd_search},
	{"search.file", cmd_search_short},
	{"search.fs_label", cmd_search_short},
	{"search.fs_uuid", cmd_search_short},
	{"set", cmd_set},
	{"setparams", cmd_setparams},
	{"shift", cmd_shift},
	{"source", cmd_source},
	{"test", g2_cmd_test},
	{"true", cmd_true},
	{"unset", cmd_unset},
};

/* Known GRUB commands and grub-mkconfig helper functions we accept and ignore. */
static const char *const noops[] = {
	"acpi", "authenticate", "background_color", "background_image", "badram", "boot",
	"cat", "chainloader", "clear", "cmp", "cryptomount", "cutmem", "date", "drivemap",
	"echo", "efi_gop", "efi_uga", "font", "gettext", "gfxmode", "gfxpayload",
	"gfxterm_background_color", "gfxterm_background_image", "halt", "hashsum", "hello",
	"help", "hiddenmenu", "insmod", "keymap", "load_video", "loadfont", "loopback", "ls",
	"lsfonts", "lsmod", "md5sum", "module", "module2", "multiboot", "multiboot2",
	"nativedisk", "parttool", "password", "password_pbkdf2", "play", "reboot",
	"recordfail", "rmmod", "serial", "set_background_image", "sha1sum", "sha256sum",
	"sha512sum", "sleep", "smbios", "terminal", "terminal_input", "terminal_output",
	"terminfo", "tpm2_key_protector_init", "tr", "uki", "vbeinfo", "videoinfo",
	"xen_hypervisor", "xen_module", NULL,
};

/* Fill the command table with the builtins and the ignored commands. */
int g2_commands_init(struct g2_interp *ip)
{
	unsigned i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		struct g2_cmd *c = g2_cmd_get(ip, builtins[i].name, true);

		if (!c)
			return -ENOMEM;
		c->fn = builtins[i].fn;
	}
	for (i = 0; noops[i]; i++) {
		struct g2_cmd *c = g2_cmd_get(ip, noops[i], true);

		if (!c)
			return -ENOMEM;
		c->noop = true;
	}
	{
		struct g2_cmd *c = g2_cmd_get(ip, ".", true);

		if (!c)
			return -ENOMEM;
		c->fn = cmd_source;
	}
	return 0;
}
