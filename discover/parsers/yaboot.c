/* kexboot yaboot.conf parser (PowerPC), written from the yaboot.conf(5) man
 * page: global options, then `image=` sections with label=, alias=,
 * initrd=, append=, literal=, root=, read-only/read-write, device= and
 * partition=. Per-image values override the global ones of the same name.
 * The command line is "root=ROOT [ro|rw] APPEND", or exactly `literal=`.
 * Open Firmware device paths ("hd:3,/vmlinux") cannot be mapped to Linux
 * devices: their file part is read from the config's own device.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parsers/util.h"

/* image= sections per file. */
#define KB_YABOOT_MAX_IMAGES 4096u

enum { Y_LABEL, Y_INITRD, Y_APPEND, Y_LITERAL, Y_ROOT, Y_DEVICE, Y_PARTITION, Y_RO, Y_RW, Y_NKEYS };
static const char *const ykeys[Y_NKEYS] = {"label",  "initrd", "append",    "literal", "root",
					   "device", "partition", "read-only", "read-write"};

struct yimage {
	char *image;
	char *v[Y_NKEYS];
	unsigned line;
};

/* "hd:3,/vmlinux" or "&device;:3,/vmlinux" -> "/vmlinux". */
static const char *of_file_part(const char *p)
{
	const char *slash = strchr(p, '/'), *comma = strchr(p, ',');

	if (comma && slash && comma < slash)
		return comma + 1;
	return p;
}

static char *yvalue(void *ctx, const char *v, size_t n)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	return talloc_strndup(ctx, v, n);
}

static int yaboot_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	void *tmp = talloc_new(NULL);
	struct yimage global, *imgs = NULL, *cur = &global;
	unsigned n_imgs = 0, i;
	char *def = NULL, *dir;
	struct kb_lines it;
	const char *line;
	size_t n;
	bool have_default = false;
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	memset(&global, 0, sizeof(global));
	dir = kb_path_dirname(tmp, path);
	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		const char *eq;
		char *key, *val;
		unsigned k;

		if (!n || line[0] == '#')
			continue;
		eq = memchr(line, '=', n);
		key = kb_strndup_trim(tmp, line, eq ? (size_t)(eq - line) : n);
		if (eq) {
			const char *v = eq + 1;
			size_t vl = n - (size_t)(v - line);

			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			val = yvalue(tmp, v, vl);
		} else {
			val = talloc_strdup(tmp, "");
		}
		if (!key || !val) {
			r = -ENOMEM;
			goto out;
		}
		if (!strcmp(key, "image")) {
			if (n_imgs >= KB_YABOOT_MAX_IMAGES) {
				kb_parse_error(pctx, path, it.lineno, "image ignored: more than %u (KB_YABOOT_MAX_IMAGES)",
					       KB_YABOOT_MAX_IMAGES);
				cur = NULL;
				continue;
			}
			imgs = talloc_realloc(tmp, imgs, struct yimage, n_imgs + 1);
			if (!imgs) {
				r = -ENOMEM;
				goto out;
			}
			cur = &imgs[n_imgs++];
			memset(cur, 0, sizeof(*cur));
			cur->image = val;
			cur->line = it.lineno;
			continue;
		}
		if (!cur)
			continue;
		if (cur == &global && !strcmp(key, "default")) {
			def = val;
			continue;
		}
		if (cur == &global && !strcmp(key, "timeout")) {
			char *end;
			long t = strtol(val, &end, 10);

			/* yaboot's timeout is in tenths of a second */
			if (!*val || *end || t < 0 || t > 864000)
				kb_parse_error(pctx, path, it.lineno, "timeout '%s' ignored: not 0..864000 tenths", val);
			else
				pctx->timeout_s = (int)((t + 9) / 10);
			continue;
		}
		for (k = 0; k < Y_NKEYS; k++)
			if (!strcmp(key, ykeys[k])) {
				cur->v[k] = val;
				break;
			}
		if (k == Y_NKEYS && !strcmp(key, "alias") && cur != &global)
			continue; /* an alternative name for the same image */
	}

	for (i = 0; i < n_imgs; i++) {
		struct yimage *y = &imgs[i];
		struct kb_option *opt = kb_option_new(tmp);
		const char *v[Y_NKEYS];
		unsigned k;

		if (!opt) {
			r = -ENOMEM;
			goto out;
		}
		for (k = 0; k < Y_NKEYS; k++)
			v[k] = y->v[k] ? y->v[k] : global.v[k];
		/* a per-image read-only/read-write cancels the other global flag */
		if (y->v[Y_RO] && !y->v[Y_RW])
			v[Y_RW] = NULL;
		if (y->v[Y_RW] && !y->v[Y_RO])
			v[Y_RO] = NULL;
		if (!*y->image) {
			kb_parse_error(pctx, path, y->line, "image= with no file: skipped");
			continue;
		}
		opt->name = talloc_strdup(opt, y->v[Y_LABEL] ? y->v[Y_LABEL] : of_file_part(y->image));
		r = kb_res_set(pctx, opt, &opt->kernel, NULL, dir, of_file_part(y->image));
		if (r == 0 && v[Y_INITRD] && *v[Y_INITRD])
			r = kb_option_add_initrd(pctx, opt, NULL, dir, of_file_part(v[Y_INITRD]));
		if (r < 0 || !opt->name) {
			r = -ENOMEM;
			goto out;
		}
		if (v[Y_LITERAL]) {
			opt->args = talloc_strdup(opt, v[Y_LITERAL]);
		} else {
			char *a = talloc_strdup(opt, "");

			if (v[Y_ROOT] && *v[Y_ROOT])
				a = talloc_asprintf_append(a, "root=%s", v[Y_ROOT]);
			if (v[Y_RO])
				a = talloc_asprintf_append(a, "%sro", *a ? " " : "");
			else if (v[Y_RW])
				a = talloc_asprintf_append(a, "%srw", *a ? " " : "");
			if (v[Y_APPEND] && *v[Y_APPEND])
				a = talloc_asprintf_append(a, "%s%s", *a ? " " : "", v[Y_APPEND]);
			if (!a) {
				r = -ENOMEM;
				goto out;
			}
			if (*a)
				opt->args = a;
			else
				talloc_free(a);
		}
		if (!have_default && (def ? (y->v[Y_LABEL] && !strcmp(def, y->v[Y_LABEL])) : true)) {
			opt->is_default = true;
			have_default = true;
		}
		if (kb_parse_add_checked(pctx, "yaboot", opt, path, y->line) == -ENOMEM) {
			r = -ENOMEM;
			goto out;
		}
		r = 0;
	}
	if (def && !have_default)
		kb_parse_error(pctx, path, 0, "default=%s names no image label", def);
out:
	talloc_free(tmp);
	return r;
}

const struct kb_parser kb_parser_yaboot = {
	.name = "yaboot",
	.config_paths = kb_config_paths_yaboot,
	.parse = yaboot_parse,
};
