/* kexboot's own config format, kexboot.conf (see doc/kexboot-conf.md):
 *
 *   timeout = 5
 *   default = debian
 *   [debian]
 *   name = Debian GNU/Linux
 *   kernel = /vmlinuz
 *   initrd = /initrd.img
 *   args = root=LABEL=root ro quiet
 *
 * Global keys before the first [section]; one [ID] section per entry.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parsers/util.h"

/* Entry sections per file. */
#define KB_NATIVE_MAX_ENTRIES 4096u
/* Longest timeout accepted, seconds. */
#define KB_NATIVE_MAX_TIMEOUT 86400

struct nat_entry {
	char *id;
	struct kb_option *opt;
	unsigned line;
	bool has_kernel;
	bool is_default;
};

/* Strip one pair of matching surrounding quotes. */
static char *unquote(void *ctx, const char *v, size_t n)
{
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	return talloc_strndup(ctx, v, n);
}

/* "/path", "scheme://…", or "uuid=X:/path", "label=X:/path", "partuuid=…",
 * "partlabel=…" for a file on another device. */
static int set_res(struct kb_parse_ctx *pctx, struct kb_option *opt, struct kb_resource *res,
		   const char *dir, const char *val)
{
	static const char *const kinds[] = {"uuid", "label", "partuuid", "partlabel", NULL};
	unsigned k;

	for (k = 0; kinds[k]; k++) {
		size_t kl = strlen(kinds[k]);
		const char *colon;

		if (strncasecmp(val, kinds[k], kl) != 0 || val[kl] != '=')
			continue;
		colon = strstr(val + kl + 1, ":/");
		if (!colon)
			return -EINVAL;
		{
			char *ref = talloc_strndup(opt, val + kl + 1, (size_t)(colon - val - kl - 1));
			const char *dev = NULL;

			if (!ref)
				return -ENOMEM;
			if (pctx->fs->find_device(pctx->fs, kinds[k], ref, &dev) == 0)
				return kb_res_set(pctx, opt, res, dev, "/", colon + 1);
			memset(res, 0, sizeof(*res));
			res->kind = KB_RES_UNRESOLVED;
			res->unresolved = talloc_asprintf(opt, "%s:%s", kinds[k], ref);
			res->path = kb_path_normalise(opt, colon + 1);
			return res->unresolved && res->path ? 0 : -ENOMEM;
		}
	}
	return kb_res_set(pctx, opt, res, NULL, dir, val);
}

static bool parse_bool(const char *v, bool *ret)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		*ret = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") ||
		 !strcasecmp(v, "off"))
		*ret = false;
	else
		return false;
	return true;
}

static int native_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	void *tmp = talloc_new(NULL);
	struct nat_entry *ents = NULL, *cur = NULL;
	unsigned n_ents = 0, i;
	char *def = NULL, *dir;
	struct kb_lines it;
	const char *line;
	size_t n;
	bool any_default = false;
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	dir = kb_path_dirname(tmp, path);
	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		const char *eq;
		char *key, *val;

		if (!n || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			if (line[n - 1] != ']' || n < 3) {
				kb_parse_error(pctx, path, it.lineno, "malformed section header (want [ID])");
				cur = NULL;
				continue;
			}
			if (n_ents >= KB_NATIVE_MAX_ENTRIES) {
				kb_parse_error(pctx, path, it.lineno, "entry ignored: more than %u (KB_NATIVE_MAX_ENTRIES)",
					       KB_NATIVE_MAX_ENTRIES);
				cur = NULL;
				continue;
			}
			ents = talloc_realloc(tmp, ents, struct nat_entry, n_ents + 1);
			if (!ents) {
				r = -ENOMEM;
				goto out;
			}
			cur = &ents[n_ents++];
			memset(cur, 0, sizeof(*cur));
			cur->id = kb_strndup_trim(tmp, line + 1, n - 2);
			cur->opt = kb_option_new(tmp);
			cur->line = it.lineno;
			if (!cur->id || !cur->opt) {
				r = -ENOMEM;
				goto out;
			}
			continue;
		}
		eq = memchr(line, '=', n);
		if (!eq) {
			kb_parse_error(pctx, path, it.lineno, "expected KEY = VALUE");
			continue;
		}
		key = kb_strndup_trim(tmp, line, (size_t)(eq - line));
		{
			const char *v = eq + 1;
			size_t vl = n - (size_t)(v - line);

			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			val = unquote(tmp, v, vl);
		}
		if (!key || !val) {
			r = -ENOMEM;
			goto out;
		}
		if (!cur) {
			if (!strcasecmp(key, "default")) {
				def = val;
			} else if (!strcasecmp(key, "timeout")) {
				char *end;
				long t = strtol(val, &end, 10);

				if (*end || !*val || t < 0 || t > KB_NATIVE_MAX_TIMEOUT)
					kb_parse_error(pctx, path, it.lineno, "timeout '%s' ignored: not 0..%d seconds",
						       val, KB_NATIVE_MAX_TIMEOUT);
				else
					pctx->timeout_s = (int)t;
			} else {
				kb_parse_error(pctx, path, it.lineno, "unknown global key '%s'", key);
			}
			continue;
		}
		if (!strcasecmp(key, "name")) {
			cur->opt->name = talloc_steal(cur->opt, val);
		} else if (!strcasecmp(key, "kernel")) {
			r = set_res(pctx, cur->opt, &cur->opt->kernel, dir, val);
			cur->has_kernel = r == 0;
		} else if (!strcasecmp(key, "initrd")) {
			if (cur->opt->n_initrds >= KB_MAX_INITRDS) {
				kb_parse_error(pctx, path, it.lineno, "initrd ignored: more than %u (KB_MAX_INITRDS)",
					       KB_MAX_INITRDS);
				continue;
			}
			{
				struct kb_resource *res = talloc_realloc(cur->opt, cur->opt->initrds, struct kb_resource,
									 cur->opt->n_initrds + 1);

				if (!res) {
					r = -ENOMEM;
					goto out;
				}
				cur->opt->initrds = res;
				r = set_res(pctx, cur->opt, &res[cur->opt->n_initrds], dir, val);
				if (r == 0)
					cur->opt->n_initrds++;
			}
		} else if (!strcasecmp(key, "dtb")) {
			r = set_res(pctx, cur->opt, &cur->opt->dtb, dir, val);
		} else if (!strcasecmp(key, "args")) {
			cur->opt->args = talloc_steal(cur->opt, val);
		} else if (!strcasecmp(key, "default")) {
			if (!parse_bool(val, &cur->is_default))
				kb_parse_error(pctx, path, it.lineno, "default '%s': want true or false", val);
		} else {
			kb_parse_error(pctx, path, it.lineno, "unknown key '%s'", key);
		}
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			kb_parse_error(pctx, path, it.lineno, "%s: bad value '%s' (want /path, URL or uuid=X:/path)",
				       key, val);
			r = 0;
		}
	}

	for (i = 0; i < n_ents; i++) {
		struct nat_entry *e = &ents[i];

		if (!e->has_kernel) {
			kb_parse_error(pctx, path, e->line, "entry [%s] has no kernel: skipped", e->id);
			continue;
		}
		if (!e->opt->name)
			e->opt->name = talloc_strdup(e->opt, e->id);
		if (!any_default && (def ? strcmp(def, e->id) == 0 : e->is_default)) {
			e->opt->is_default = true;
			any_default = true;
		}
		if (kb_parse_add_checked(pctx, "native", e->opt, path, e->line) == -ENOMEM) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (def && !any_default)
		kb_parse_error(pctx, path, 0, "default '%s' names no entry", def);
out:
	talloc_free(tmp);
	return r;
}

const struct kb_parser kb_parser_native = {
	.name = "native",
	.config_paths = kb_config_paths_native,
	.parse = native_parse,
};
