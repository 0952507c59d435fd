/* kexboot kboot.conf parser. kboot (the kexec-based loader kexboot's design
 * descends from) reads lines
 *     LABEL='KERNEL [initrd=INITRD] [root=…] [ARGS…]'
 * plus the global keys default=LABEL, timeout=SECONDS, delay=, message=.
 * The first word is the kernel, initrd= names the initrd (and is taken out
 * of the command line, as kboot does); the rest is passed as written.
 * Quotes may be single or double. A kernel "DEV:/path" names a file on the
 * same device (the device part is an old-style device name kexboot cannot map).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/util.h"

static const char *dev_path_part(const char *k)
{
	const char *c = strstr(k, ":/");

	if (c && !strstr(k, "://"))
		return c + 1;
	return k;
}

static int kboot_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	void *tmp = talloc_new(NULL);
	struct kb_option **opts = NULL;
	char **labels = NULL;
	unsigned *lines = NULL;
	unsigned n_opts = 0, i;
	char *def = NULL, *dir;
	struct kb_lines it;
	const char *line;
	size_t n;
	bool have_default = false;
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	dir = kb_path_dirname(tmp, path);
	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		const char *eq, *v;
		size_t vl;
		char *key, *val, *w, *save = NULL, *args;
		struct kb_option *opt;

		if (!n || line[0] == '#')
			continue;
		eq = memchr(line, '=', n);
		if (!eq) {
			kb_parse_error(pctx, path, it.lineno, "expected LABEL=VALUE");
			continue;
		}
		key = kb_strndup_trim(tmp, line, (size_t)(eq - line));
		v = eq + 1;
		vl = n - (size_t)(v - line);
		while (vl && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		if (vl >= 2 && (v[0] == '\'' || v[0] == '"') && v[vl - 1] == v[0]) {
			v++;
			vl -= 2;
		}
		val = talloc_strndup(tmp, v, vl);
		if (!key || !val) {
			r = -ENOMEM;
			goto out;
		}
		if (!strcmp(key, "default")) {
			def = val;
			continue;
		}
		if (!strcmp(key, "timeout")) {
			char *end;
			long t = strtol(val, &end, 10);

			if (!*val || *end || t < 0 || t > 86400)
				kb_parse_error(pctx, path, it.lineno, "timeout '%s' ignored: not 0..86400 seconds", val);
			else
				pctx->timeout_s = (int)t;
			continue;
		}
		if (!strcmp(key, "delay") || !strcmp(key, "message"))
			continue;

		opt = kb_option_new(tmp);
		args = talloc_strdup(tmp, "");
		if (!opt || !args) {
			r = -ENOMEM;
			goto out;
		}
		opt->name = talloc_strdup(opt, key);
		w = strtok_r(val, " \t", &save);
		if (!w) {
			kb_parse_error(pctx, path, it.lineno, "%s: no kernel given", key);
			continue;
		}
		if (kb_res_set(pctx, opt, &opt->kernel, NULL, dir, dev_path_part(w)) < 0) {
			r = -ENOMEM;
			goto out;
		}
		while ((w = strtok_r(NULL, " \t", &save))) {
			if (!strncmp(w, "initrd=", 7)) {
				if (w[7] && kb_option_add_initrd(pctx, opt, NULL, dir, dev_path_part(w + 7)) == -E2BIG)
					kb_parse_error(pctx, path, it.lineno, "initrd ignored: more than %u (KB_MAX_INITRDS)",
						       KB_MAX_INITRDS);
				continue;
			}
			args = talloc_asprintf_append(args, "%s%s", *args ? " " : "", w);
			if (!args) {
				r = -ENOMEM;
				goto out;
			}
		}
		if (*args)
			opt->args = talloc_steal(opt, args);
		opts = talloc_realloc(tmp, opts, struct kb_option *, n_opts + 1);
		labels = talloc_realloc(tmp, labels, char *, n_opts + 1);
		lines = talloc_realloc(tmp, lines, unsigned, n_opts + 1);
		if (!opts || !labels || !lines) {
			r = -ENOMEM;
			goto out;
		}
		opts[n_opts] = opt;
		labels[n_opts] = key;
		lines[n_opts] = it.lineno;
		n_opts++;
	}
	for (i = 0; i < n_opts; i++) {
		if (!have_default && (def ? !strcmp(def, labels[i]) : true)) {
			opts[i]->is_default = true;
			have_default = true;
		}
		if (kb_parse_add_checked(pctx, "kboot", opts[i], path, lines[i]) == -ENOMEM) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (def && !have_default)
		kb_parse_error(pctx, path, 0, "default=%s names no entry", def);
out:
	talloc_free(tmp);
	return r;
}

const struct kb_parser kb_parser_kboot = {
	.name = "kboot",
	.config_paths = kb_config_paths_kboot,
	.parse = kboot_parse,
};
