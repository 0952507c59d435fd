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
}

/* Next trimmed line; false at the end of the buffer. */
bool kb_lines_next(struct kb_lines *it, const char **ret_line, size_t *ret_len)
{
	const char *s, *e, *nl;

	if (it->p >= it->end)
		return false;
	s = it->p;
	nl = memchr(s, '\n', (size_t)(it->end - s));
	e = nl ? nl : it->end;
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	{
		const char *z = memchr(s, '\0', (size_t)(e - s));

		if (z)
			e = z;
	}
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	*ret_line = s;
	*ret_len = (size_t)(e - s);
	return true;
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

/* dir + "/" + path, normalised; absolute paths ignore dir. */
char *kb_path_join(void *ctx, const char *dir, const char *path)
{
	char buf[512], *tmp, *r;
	size_t dl, pl;

	if (path[0] == '/' || !dir)
		return kb_path_normalise(ctx, path);
	dl = strlen(dir);
	pl = strlen(path);
	tmp = dl + pl + 2 <= sizeof(buf) ? buf : talloc_size(NULL, dl + pl + 2);
	if (!tmp)
		return NULL;
	memcpy(tmp, dir, dl);
	tmp[dl] = '/';
	memcpy(tmp + dl + 1, path, pl + 1);
	r = kb_path_normalise(ctx, tmp);
	if (tmp != buf)
		talloc_free(tmp);
	return r;
}

/* A zeroed option under ctx. */
struct kb_option *kb_option_new(void *ctx)
{
	return talloc_zero(ctx, struct kb_option);
}

static bool is_url(const char *s)
{
	const char *p = strstr(s, "://");
	const char *c;

	if (!p || p == s)
		return false;
	for (c = s; c < p; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '+' || *c == '-' || *c == '.'))
			return false;
	return true;
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

/* Add opt, recording an error at file:line when a limit refuses it. */
int kb_parse_add_checked(struct kb_parse_ctx *pctx, const char *parser, struct kb_option *opt,
			 const char *file, unsigned line)
{
	size_t alen = opt->args ? strlen(opt->args) : 0;
	uint32_t ni = opt->n_initrds;
	int r = kb_parse_add_option(pctx, parser, opt);

	if (r == -E2BIG) {
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
