/* Helpers shared by the boot-config parsers. */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parsers/util.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Iterate over the lines of buf[0..len). */
void kb_lines_init(struct kb_lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
	it->lineno = 0;
	/* one scan up front saves a search per line in the usual NUL-free file */
	it->has_nul = memchr(buf, '\0', len) != NULL;
}

/* Trimmed copy of s[0..n) under ctx. */
char *kb_strndup_trim(void *ctx, const char *s, size_t n)
{
	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	return talloc_strndup(ctx, s, n);
}

/* Case-insensitive keyword match followed by a blank or the end. */
bool kb_keyword(const char *s, size_t n, const char *kw, const char **ret_rest, size_t *ret_rest_len)
{
	size_t k = strlen(kw);

	if (n < k || strncasecmp(s, kw, k) != 0)
		return false;
	if (n > k && !is_blank(s[k]))
		return false;
	s += k;
	n -= k;
	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	*ret_rest = s;
	*ret_rest_len = n;
	return true;
}

/* Directory part of an absolute path. */
char *kb_path_dirname(void *ctx, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return talloc_strdup(ctx, "/");
	return talloc_strndup(ctx, path, (size_t)(slash - path));
}

/* Normalise an absolute path in place; returns its new length. */
size_t kb_path_normalise_inplace(char *s)
{
	size_t o = 1, i = 1;

	/* fast path: no "//", no "/." (so no "." or ".."), no trailing '/' */
	{
		const char *p = s;

		while ((p = strchr(p, '/')) && p[1] != '/' && p[1] != '.' && p[1])
			p++;
		if (!p)
			return strlen(s);
	}

	/* s[0] is '/'; o <= i always, so the output never overtakes the input */
	while (s[i]) {
		size_t st, n;

		while (s[i] == '/')
			i++;
		if (!s[i])
			break;
		st = i;
		{
			const char *e = strchr(s + i, '/');

			i = e ? (size_t)(e - s) : i + strlen(s + i);
		}
		n = i - st;
		if (n == 1 && s[st] == '.')
			continue;
		if (n == 2 && s[st] == '.' && s[st + 1] == '.') {
			if (o > 1) {
				o--; /* drop the trailing '/' */
				while (o > 1 && s[o - 1] != '/')
					o--;
			}
			continue;
		}
		if (o > 1 && s[o - 1] != '/')
			s[o++] = '/';
		memmove(s + o, s + st, n);
		o += n;
	}
	if (o > 1 && s[o - 1] == '/')
		o--;
	s[o] = '\0';
	return o;
}

/* Write dir + "/" + path[0..pl) (or "/" + path when absolute and !always)
 * to out, which holds dl + pl + 3 bytes, and normalise it. Returns the length. */
static size_t join_into(char *out, const char *dir, bool always, const char *path, size_t pl)
{
	size_t o = 0;

	if (dir && (always || !pl || path[0] != '/')) {
		size_t dl = strlen(dir);

		memcpy(out, dir, dl);
		o = dl;
	}
	/* a separator unless one is already there (keeps the fast path of
	 * kb_path_normalise_inplace for "/" + "/vmlinuz") */
	if (!(o && out[o - 1] == '/') && !(pl && path[0] == '/'))
		out[o++] = '/';
	if (pl)
		memcpy(out + o, path, pl);
	o += pl;
	out[o] = '\0';
	if (out[0] != '/') {
		/* a relative dir: taken from "/" as kb_path_normalise does */
		memmove(out + 1, out, o + 1);
		out[0] = '/';
	}
	return kb_path_normalise_inplace(out);
}

/* dir + "/" + path, normalised; absolute paths ignore dir. */
char *kb_path_join(void *ctx, const char *dir, const char *path)
{
	size_t dl = dir ? strlen(dir) : 0, pl = strlen(path);
	char *out = talloc_size(ctx, dl + pl + 3);

	if (!out)
		return NULL;
	join_into(out, dir, false, path, pl);
	return out;
}

/* A zeroed option under ctx. */
struct kb_option *kb_option_new(void *ctx)
{
	return talloc_zero(ctx, struct kb_option);
}

static bool is_url_n(const char *s, size_t n)
{
	const char *p = memchr(s, ':', n), *c;

	/* the scheme is the part before the first ':' (no ':' in a scheme) */
	if (!p || p == s || (size_t)(p - s) + 3 > n || p[1] != '/' || p[2] != '/')
		return false;
	for (c = s; c < p; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '+' || *c == '-' || *c == '.'))
			return false;
	return true;
}

static bool is_url(const char *s)
{
	return is_url_n(s, strlen(s));
}

/* Point res at a URL or a path on dev relative to dir. */
int kb_res_set(struct kb_parse_ctx *pctx, void *owner, struct kb_resource *res, const char *dev,
	       const char *dir, const char *path)
{
	memset(res, 0, sizeof(*res));
	if (is_url(path)) {
		res->kind = KB_RES_URL;
		res->url = talloc_strdup(owner, path);
		return res->url ? 0 : -ENOMEM;
	}
	res->kind = KB_RES_DEVICE;
	res->device = talloc_strdup(owner, dev ? dev
					       : (pctx->device && pctx->device->id ? pctx->device->id : ""));
	res->path = kb_path_join(owner, dir, path);
	if (res->path && strlen(res->path) > KB_MAX_PATH_LEN)
		return -ENAMETOOLONG;
	return res->device && res->path ? 0 : -ENOMEM;
}

/* Append an initrd resource. */
int kb_option_add_initrd(struct kb_parse_ctx *pctx, struct kb_option *opt, const char *dev,
			 const char *dir, const char *path)
{
	struct kb_resource *r;

	if (opt->n_initrds >= KB_MAX_INITRDS)
		return -E2BIG;
	r = talloc_realloc(opt, opt->initrds, struct kb_resource, opt->n_initrds + 1);
	if (!r)
		return -ENOMEM;
	opt->initrds = r;
	if (kb_res_set(pctx, opt, &r[opt->n_initrds], dev, dir, path) < 0)
		return -ENOMEM;
	opt->n_initrds++;
	return 0;
}

/* Point src at a URL or path[0..len) on dev relative to dir. */
void kb_res_src_set(struct kb_res_src *src, const char *dev, const char *dir, const char *path,
		    size_t len)
{
	memset(src, 0, sizeof(*src));
	src->kind = is_url_n(path, len) ? KB_RES_URL : KB_RES_DEVICE;
	src->dev = dev;
	src->dir = dir;
	src->path = path;
	src->path_len = len;
}

/* Upper bound of the bytes a resource's strings take (NULs included). */
static size_t res_src_size(const struct kb_res_src *r, const char *own, size_t own_len)
{
	switch (r->kind) {
	case KB_RES_URL:
		return r->path_len + 1;
	case KB_RES_DEVICE:
		return (r->dev && r->dev != own ? strlen(r->dev) : own_len) + 1 +
		       (r->dir && !r->normal ? strlen(r->dir) : 0) + r->path_len + 3;
	case KB_RES_UNRESOLVED:
		return strlen(r->unresolved) + 1 + r->path_len + 3;
	default:
		return 0;
	}
}

struct layout {
	char *p;             /* next free byte */
	const char *own_dev; /* pctx's device id */
	size_t own_len;
	char *dev_copy;      /* the copy of own_dev already in the chunk, if any */
};

static char *put_str(struct layout *L, const char *s, size_t n)
{
	char *r = L->p;

	if (n)
		memcpy(r, s, n);
	r[n] = '\0';
	L->p += n + 1;
	return r;
}

static char *own_dev_copy(struct layout *L)
{
	/* one copy of the own device id serves every resource (and device_id) */
	if (!L->dev_copy)
		L->dev_copy = put_str(L, L->own_dev, L->own_len);
	return L->dev_copy;
}

/* Lay r out into res; *ret_len is the length of the path or URL. */
static int put_res(struct layout *L, struct kb_resource *res, const struct kb_res_src *r,
		   size_t *ret_len)
{
	size_t n;

	memset(res, 0, sizeof(*res));
	res->kind = r->kind;
	switch (r->kind) {
	case KB_RES_URL:
		res->url = put_str(L, r->path, r->path_len);
		*ret_len = r->path_len;
		return 0;
	case KB_RES_DEVICE:
		if (!r->dev || r->dev == L->own_dev)
			res->device = own_dev_copy(L);
		else
			res->device = put_str(L, r->dev, strlen(r->dev));
		res->path = L->p;
		if (r->normal) {
			put_str(L, r->path, r->path_len);
			n = r->path_len;
		} else {
			n = join_into(L->p, r->dir, r->dir_always, r->path, r->path_len);
			L->p += n + 1;
		}
		*ret_len = n;
		return n > KB_MAX_PATH_LEN ? -ENAMETOOLONG : 0;
	case KB_RES_UNRESOLVED:
		res->unresolved = put_str(L, r->unresolved, strlen(r->unresolved));
		res->path = L->p;
		if (r->normal) {
			put_str(L, r->path, r->path_len);
			*ret_len = r->path_len;
			return r->path_len > KB_MAX_PATH_LEN ? -ENAMETOOLONG : 0;
		}
		n = join_into(L->p, NULL, false, r->path, r->path_len);
		L->p += n + 1;
		*ret_len = n;
		return n > KB_MAX_PATH_LEN ? -ENAMETOOLONG : 0;
	default:
		res->kind = KB_RES_NONE;
		*ret_len = 0;
		return 0;
	}
}

/* Lay an option out in one talloc chunk (see util.h). */
int kb_opt_build(struct kb_parse_ctx *pctx, void *ctx, const struct kb_opt_src *src,
		 struct kb_option **ret_opt)
{
	const char *own = pctx->device && pctx->device->id ? pctx->device->id : "";
	size_t own_len = strlen(own),
	       pl = src->parser ? (src->parser_len ? src->parser_len : strlen(src->parser)) : 0;
	size_t size, fixed, klen = 0, n, name_len, args_len = 0;
	struct kb_opt_packed *pk = NULL;
	struct kb_option *opt;
	struct layout L;
	unsigned i;
	int r = 0;

	if (src->n_initrds > KB_MAX_INITRDS)
		return -E2BIG;
	fixed = sizeof(*opt) + (src->parser ? sizeof(*pk) : 0) +
		src->n_initrds * sizeof(struct kb_resource);
	size = fixed + src->name_len + 1 + src->args_len[0] + 1 + src->args_len[1] + 1 + own_len +
	       1 + res_src_size(&src->kernel, own, own_len) + res_src_size(&src->dtb, own, own_len);
	for (i = 0; i < src->n_initrds; i++)
		size += res_src_size(&src->initrds[i], own, own_len);
	if (src->parser) /* "<dev>:<parser>:<n>\0" and "<parser>\0" */
		size += own_len + pl + KB_OPT_ID_DIGITS + 3 + pl + 1;
	opt = ctx ? talloc_named_const(ctx, size, "struct kb_option") : kb_parse_opt_alloc(pctx, size);
	if (!opt)
		return -ENOMEM;
	memset(opt, 0, fixed);
	L.p = (char *)opt + fixed;
	L.own_dev = own;
	L.own_len = own_len;
	L.dev_copy = NULL;
	if (src->parser)
		pk = (struct kb_opt_packed *)(opt + 1);
	if (src->n_initrds) {
		opt->initrds = (struct kb_resource *)((char *)opt + fixed) - src->n_initrds;
		opt->n_initrds = src->n_initrds;
	}
	/* the title, without name_drop characters */
	opt->name = L.p;
	if (src->name_drop && memchr(src->name, src->name_drop, src->name_len)) {
		for (i = 0; i < src->name_len; i++)
			if (src->name[i] != src->name_drop)
				*L.p++ = src->name[i];
		*L.p++ = '\0';
	} else {
		put_str(&L, src->name, src->name_len);
	}
	if (src->has_args) {
		size_t a = src->args_len[0], b = src->args_len[1];

		opt->args = L.p;
		if (a) /* the pieces may be NULL when empty */
			memcpy(L.p, src->args[0], a);
		L.p += a;
		if (a && b)
			*L.p++ = ' ';
		if (b)
			memcpy(L.p, src->args[1], b);
		L.p += b;
		*L.p++ = '\0';
	}
	r = put_res(&L, &opt->kernel, &src->kernel, &klen);
	if (r == 0)
		r = put_res(&L, &opt->dtb, &src->dtb, &n);
	for (i = 0; r == 0 && i < src->n_initrds; i++)
		r = put_res(&L, &opt->initrds[i], &src->initrds[i], &n);
	if (r < 0) {
		talloc_free(opt);
		return r;
	}
	if (pk) {
		const char *kp = opt->kernel.kind == KB_RES_URL ? opt->kernel.url : opt->kernel.path;

		/* measured: a piece may hold a NUL that ends the string early */
		name_len = strlen(opt->name);
		args_len = opt->args ? strlen(opt->args) : 0;
		pk->hash = kb_opt_hash(opt->name, name_len, kp, klen, opt->n_initrds);
		pk->name_len = (uint32_t)name_len;
		pk->args_len = (uint32_t)args_len;
		pk->parser = src->parser;
		pk->in_run = !ctx;
		opt->device_id = own_dev_copy(&L);
		opt->parser = put_str(&L, src->parser, pl);
		/* the id's prefix now, its number when the option is added */
		opt->id = L.p;
		memcpy(L.p, own, own_len);
		L.p += own_len;
		*L.p++ = ':';
		memcpy(L.p, src->parser, pl);
		L.p += pl;
		*L.p++ = ':';
		pk->id_num = L.p;
		*L.p = '\0';
	}
	opt->is_default = src->is_default;
	*ret_opt = opt;
	return 0;
}

/* Add opt, recording an error at file:line when a limit refuses it. */
int kb_parse_add_checked(struct kb_parse_ctx *pctx, const char *parser, struct kb_option *opt,
			 const char *file, unsigned line)
{
	uint32_t ni = opt->n_initrds;
	/* the command line is measured here only when the option count is
	 * refused (kb_parse_add_option then stops before measuring it) */
	size_t alen = pctx->n_options >= KB_PARSE_MAX_OPTIONS && opt->args ? strlen(opt->args) : 0;
	int r = kb_parse_add_option(pctx, parser, opt);

	if (r == -E2BIG) {
		if (!alen) /* measured by kb_parse_add_option, which freed opt */
			alen = kb_parse_refused_args_len(pctx);

		if (ni > KB_MAX_INITRDS)
			kb_parse_error(pctx, file, line, "entry dropped: %u initrds, over the limit of %u (KB_MAX_INITRDS)",
				       ni, KB_MAX_INITRDS);
		else if (alen > KB_MAX_ARGS_LEN)
			kb_parse_error(pctx, file, line,
				       "entry dropped: command line is %zu bytes, over the limit of %u (KB_MAX_ARGS_LEN)",
				       alen, KB_MAX_ARGS_LEN);
		else
			kb_parse_error(pctx, file, line, "entry dropped: more than %u options on this device (KB_PARSE_MAX_OPTIONS)",
				       KB_PARSE_MAX_OPTIONS);
	} else if (r < 0) {
		kb_parse_error(pctx, file, line, "entry dropped: %s", strerror(-r));
	}
	return r;
}

struct arch_alias {
	const char *name;
	const char *canon;
};

/* Loader (UEFI/BLS) and kernel architecture names mapped to one canonical name. */
static const struct arch_alias arch_aliases[] = {
	{"x64", "x86_64"},      {"x86_64", "x86_64"},   {"amd64", "x86_64"},
	{"ia32", "x86"},        {"x86", "x86"},         {"i386", "x86"},
	{"i686", "x86"},        {"aa64", "arm64"},      {"arm64", "arm64"},
	{"aarch64", "arm64"},   {"arm", "arm"},         {"armhf", "arm"},
	{"riscv64", "riscv64"}, {"riscv32", "riscv32"}, {"loongarch64", "loongarch64"},
	{"ppc64le", "ppc64le"}, {"ppc64el", "ppc64le"}, {"ppc64", "ppc64"},
	{"s390x", "s390x"},
};

static const char *arch_canon(const char *a)
{
	size_t i;

	for (i = 0; i < sizeof(arch_aliases) / sizeof(arch_aliases[0]); i++)
		if (strcasecmp(arch_aliases[i].name, a) == 0)
			return arch_aliases[i].canon;
	return a;
}

/* Does the entry's architecture `want` match the machine's `arch`? */
bool kb_arch_matches(const char *want, const char *arch)
{
	if (!want || !*want || !arch || !*arch)
		return true;
	return strcasecmp(arch_canon(want), arch_canon(arch)) == 0;
}
