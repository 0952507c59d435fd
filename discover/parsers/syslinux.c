/* kexboot syslinux-family parser: syslinux.cfg, isolinux.cfg, pxelinux files
 * and extlinux.conf (U-Boot's distro-boot convention), written from the
 * syslinux wiki (config, menu) and U-Boot's extlinux documentation.
 *
 * Semantics kept from those loaders:
 *  - keywords are case-insensitive; '#' starts a comment line;
 *  - relative file names resolve against the working directory, which is the
 *    directory holding the top config (pxelinux.cfg/'s parent for pxelinux);
 *  - INCLUDE / MENU INCLUDE read another file in place (nesting capped);
 *  - APPEND before the first LABEL is the global APPEND, used by labels
 *    without their own; a label's `APPEND -` means no command line at all;
 *  - INITRD takes a comma-separated list; initrd= inside APPEND names the
 *    initrds too (then it wins over INITRD, as the APPEND line is what the
 *    loader hands on); the APPEND text itself is passed unchanged;
 *  - the default is ONTIMEOUT's label, else the MENU DEFAULT label, else
 *    DEFAULT's label, else the first visible entry;
 *  - KERNEL files ending .c32/.com/.cbt/.bss/.bin/.0/.bs/.img… are not Linux
 *    kernels (COM32 modules, boot sectors) and give no option; LOCALBOOT
 *    labels give none either; MENU HIDE hides an entry;
 *  - FDTDIR picks the board's DTB: for each compatible "vendor,board" (most
 *    specific first) DIR/vendor/board.dtb, then DIR/board.dtb, first found.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parsers/util.h"

/* Files one top-level config may pull in through INCLUDE, in total. */
#define KB_SYSLINUX_MAX_FILES 256u
/* LABEL blocks per config. */
#define KB_SYSLINUX_MAX_LABELS 65536u

/* A slice of a config buffer (buffers live until the parse ends). */
struct sv {
	const char *s;
	size_t n;
};

struct label {
	struct sv name;
	struct sv menu_label;
	struct sv kernel;
	struct sv initrd;
	struct sv append;
	struct sv fdt;
	struct sv fdtdir;
	bool has_kernel, kernel_is_linux, has_append, hide, localboot, menu_default, chain;
	const char *file;
	unsigned line;
};

struct sl_state {
	struct kb_parse_ctx *pctx;
	void *tmp;
	const char *cwd;
	struct label *labels;
	unsigned n_labels, cap_labels;
	struct label *cur;
	struct sv global_append;
	bool has_global_append;
	struct sv def, ontimeout;
	unsigned n_files;
};

static bool sv_eq(struct sv a, struct sv b)
{
	return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

static bool sv_caseeq(struct sv a, struct sv b)
{
	return a.n == b.n && strncasecmp(a.s, b.s, a.n) == 0;
}

static char *sv_dup(void *ctx, struct sv v)
{
	return talloc_strndup(ctx, v.s, v.n);
}

/* Split off the first blank-separated word. */
static struct sv first_word(struct sv v, struct sv *rest)
{
	struct sv w = {v.s, 0};

	while (w.n < v.n && v.s[w.n] != ' ' && v.s[w.n] != '\t')
		w.n++;
	rest->s = v.s + w.n;
	rest->n = v.n - w.n;
	while (rest->n && (*rest->s == ' ' || *rest->s == '\t')) {
		rest->s++;
		rest->n--;
	}
	return w;
}

static bool kernel_is_linux_image(struct sv k)
{
	static const char *const not_linux[] = {".c32", ".com", ".cbt", ".bss", ".bin", ".bs", ".0", NULL};
	struct sv rest, w = first_word(k, &rest);
	unsigned i;

	for (i = 0; not_linux[i]; i++) {
		size_t l = strlen(not_linux[i]);

		if (w.n >= l && strncasecmp(w.s + w.n - l, not_linux[i], l) == 0)
			return false;
	}
	return true;
}

static struct label *new_label(struct sl_state *st, struct sv name, const char *file, unsigned line)
{
	struct label *l;

	if (st->n_labels >= KB_SYSLINUX_MAX_LABELS) {
		kb_parse_error(st->pctx, file, line, "LABEL ignored: more than %u labels (KB_SYSLINUX_MAX_LABELS)",
			       KB_SYSLINUX_MAX_LABELS);
		return NULL;
	}
	if (st->n_labels == st->cap_labels) {
		unsigned nc = st->cap_labels ? st->cap_labels * 2 : 64;
		struct label *nl = talloc_realloc(st->tmp, st->labels, struct label, nc);

		if (!nl)
			return NULL;
		st->labels = nl;
		st->cap_labels = nc;
	}
	l = &st->labels[st->n_labels++];
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->file = file;
	l->line = line;
	return l;
}

static void parse_buf(struct sl_state *st, const char *path, const char *buf, size_t len,
		      unsigned depth);

static void do_include(struct sl_state *st, const char *path, unsigned line, struct sv arg,
		       unsigned depth)
{
	struct sv rest, w = first_word(arg, &rest);
	char *file, *buf;
	size_t len;
	int r;

	if (!w.n)
		return;
	if (depth + 1 >= KB_PARSE_MAX_INCLUDE_DEPTH) {
		kb_parse_error(st->pctx, path, line,
			       "INCLUDE ignored: nesting deeper than %u (KB_PARSE_MAX_INCLUDE_DEPTH); an include loop?",
			       KB_PARSE_MAX_INCLUDE_DEPTH);
		return;
	}
	if (st->n_files >= KB_SYSLINUX_MAX_FILES) {
		kb_parse_error(st->pctx, path, line, "INCLUDE ignored: more than %u files read (KB_SYSLINUX_MAX_FILES)",
			       KB_SYSLINUX_MAX_FILES);
		return;
	}
	file = talloc_strndup(st->tmp, w.s, w.n);
	if (!file)
		return;
	file = kb_path_join(st->tmp, st->cwd, file);
	if (!file)
		return;
	r = kb_parse_read_config(st->pctx, st->tmp, NULL, file, &buf, &len);
	if (r == -ENOENT) {
		kb_parse_error(st->pctx, path, line, "INCLUDE %s: no such file", file);
		return;
	}
	if (r < 0)
		return;
	st->n_files++;
	parse_buf(st, file, buf, len, depth + 1);
}

static void parse_buf(struct sl_state *st, const char *path, const char *buf, size_t len,
		      unsigned depth)
{
	struct kb_lines it;
	const char *line;
	size_t n;
	bool in_text = false;

	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		struct sv l = {line, n}, arg, kw;
		struct label *cur = st->cur;

		if (in_text) {
			/* TEXT HELP … ENDTEXT: free text */
			if (n >= 7 && strncasecmp(line, "endtext", 7) == 0)
				in_text = false;
			continue;
		}
		if (!n || line[0] == '#')
			continue;
		kw = first_word(l, &arg);

		switch (kw.s[0] | 0x20) {
		case 'a':
			if (sv_caseeq(kw, (struct sv){"append", 6})) {
				if (cur) {
					cur->append = arg;
					cur->has_append = true;
				} else {
					st->global_append = arg;
					st->has_global_append = true;
				}
				continue;
			}
			break;
		case 'c':
			/* CONFIG in a label loads another config: nothing to kexec */
			if (sv_caseeq(kw, (struct sv){"config", 6})) {
				if (cur)
					cur->chain = true;
				continue;
			}
			break;
		case 'd':
			if (sv_caseeq(kw, (struct sv){"default", 7})) {
				st->def = arg;
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"devicetree", 10})) {
				if (cur)
					cur->fdt = arg;
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"devicetreedir", 13})) {
				if (cur)
					cur->fdtdir = arg;
				continue;
			}
			break;
		case 'f':
			if (sv_caseeq(kw, (struct sv){"fdt", 3})) {
				if (cur)
					cur->fdt = arg;
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"fdtdir", 6})) {
				if (cur)
					cur->fdtdir = arg;
				continue;
			}
			break;
		case 'i':
			if (sv_caseeq(kw, (struct sv){"initrd", 6})) {
				if (cur)
					cur->initrd = arg;
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"include", 7})) {
				do_include(st, path, it.lineno, arg, depth);
				continue;
			}
			break;
		case 'k':
			if (sv_caseeq(kw, (struct sv){"kernel", 6})) {
				if (cur) {
					cur->kernel = arg;
					cur->has_kernel = true;
					cur->kernel_is_linux = kernel_is_linux_image(arg);
				}
				continue;
			}
			break;
		case 'l':
			if (sv_caseeq(kw, (struct sv){"label", 5})) {
				st->cur = new_label(st, arg, path, it.lineno);
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"linux", 5})) {
				if (cur) {
					cur->kernel = arg;
					cur->has_kernel = true;
					cur->kernel_is_linux = true;
				}
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"localboot", 9})) {
				if (cur)
					cur->localboot = true;
				continue;
			}
			break;
		case 'm':
			if (sv_caseeq(kw, (struct sv){"menu", 4})) {
				struct sv sub, rest;

				sub = first_word(arg, &rest);
				if (sv_caseeq(sub, (struct sv){"label", 5})) {
					if (cur)
						cur->menu_label = rest;
				} else if (sv_caseeq(sub, (struct sv){"default", 7})) {
					if (cur)
						cur->menu_default = true;
				} else if (sv_caseeq(sub, (struct sv){"hide", 4})) {
					if (cur)
						cur->hide = true;
				} else if (sv_caseeq(sub, (struct sv){"exit", 4}) ||
					   sv_caseeq(sub, (struct sv){"goto", 4}) ||
					   sv_caseeq(sub, (struct sv){"quit", 4})) {
					/* a menu action, not a bootable entry */
					if (cur)
						cur->chain = true;
				} else if (sv_caseeq(sub, (struct sv){"begin", 5}) ||
					   sv_caseeq(sub, (struct sv){"end", 3})) {
					/* a submenu's own MENU LABEL is not an entry's */
					st->cur = NULL;
				} else if (sv_caseeq(sub, (struct sv){"include", 7})) {
					do_include(st, path, it.lineno, rest, depth);
				}
				continue;
			}
			break;
		case 'o':
			if (sv_caseeq(kw, (struct sv){"ontimeout", 9})) {
				st->ontimeout = arg;
				continue;
			}
			break;
		case 't':
			if (sv_caseeq(kw, (struct sv){"timeout", 7})) {
				char *t = sv_dup(st->tmp, arg), *end;
				long v = t ? strtol(t, &end, 10) : -1;

				if (!t || *end || v < 0 || v > 864000)
					kb_parse_error(st->pctx, path, it.lineno, "TIMEOUT '%.*s' ignored: not 0..864000 tenths of a second",
						       (int)arg.n, arg.s);
				else
					st->pctx->timeout_s = (int)((v + 9) / 10);
				continue;
			}
			if (sv_caseeq(kw, (struct sv){"text", 4})) {
				in_text = true;
				continue;
			}
			break;
		}
		/* everything else (UI, PROMPT, SAY, SERIAL, F1…, IPAPPEND…) changes no entry */
	}
}

/* The slice of APPEND's initrd=a,b values; false if none. */
static bool append_initrd(struct sv append, struct sv *ret)
{
	size_t i = 0;

	while (i < append.n) {
		size_t s;

		while (i < append.n && (append.s[i] == ' ' || append.s[i] == '\t'))
			i++;
		s = i;
		while (i < append.n && append.s[i] != ' ' && append.s[i] != '\t')
			i++;
		if (i - s > 7 && strncmp(append.s + s, "initrd=", 7) == 0) {
			ret->s = append.s + s + 7;
			ret->n = i - s - 7;
			return true; /* the first one, as the kernel's own parsing would */
		}
	}
	return false;
}

static int add_initrds(struct sl_state *st, struct kb_option *opt, struct sv list, const struct label *l)
{
	size_t i = 0;

	while (i < list.n) {
		size_t s = i;
		char *p;
		int r;

		while (i < list.n && list.s[i] != ',')
			i++;
		if (i > s) {
			p = kb_strndup_trim(st->tmp, list.s + s, i - s);
			if (!p)
				return -ENOMEM;
			if (!*p) {
				i++;
				continue;
			}
			r = kb_option_add_initrd(st->pctx, opt, NULL, st->cwd, p);
			if (r == -E2BIG) {
				kb_parse_error(st->pctx, l->file, l->line, "initrds after %u ignored (KB_MAX_INITRDS)",
					       KB_MAX_INITRDS);
				return 0;
			}
			if (r < 0)
				return r;
		}
		i++;
	}
	return 0;
}

static void pick_fdtdir(struct sl_state *st, struct kb_option *opt, const struct label *l)
{
	struct kb_parse_ctx *pctx = st->pctx;
	char *dir = sv_dup(st->tmp, l->fdtdir);
	const char *c = pctx->compatible;

	if (!dir)
		return;
	if (!c || !*c) {
		kb_parse_error(pctx, l->file, l->line,
			       "FDTDIR %s: the board's compatible is unknown, no DTB chosen", dir);
		return;
	}
	while (*c) {
		const char *e, *comma;
		char *cand[2];
		unsigned k;

		while (*c == ' ' || *c == '\t' || *c == '\n' || *c == ';')
			c++;
		e = c;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != ';')
			e++;
		if (e == c)
			break;
		comma = memchr(c, ',', (size_t)(e - c));
		cand[0] = comma ? talloc_asprintf(st->tmp, "%s/%.*s/%.*s.dtb", dir, (int)(comma - c), c,
						  (int)(e - comma - 1), comma + 1)
				: talloc_asprintf(st->tmp, "%s/%.*s.dtb", dir, (int)(e - c), c);
		cand[1] = comma ? talloc_asprintf(st->tmp, "%s/%.*s.dtb", dir, (int)(e - comma - 1), comma + 1)
				: NULL;
		for (k = 0; k < 2; k++) {
			struct kb_file_info info;
			char *p;

			if (!cand[k])
				continue;
			p = kb_path_join(st->tmp, st->cwd, cand[k]);
			if (p && pctx->fs->stat(pctx->fs, NULL, p, &info) == 0 &&
			    info.type == KB_FILE_REGULAR) {
				kb_res_set(pctx, opt, &opt->dtb, NULL, "/", p);
				return;
			}
		}
		c = e;
	}
	kb_parse_error(pctx, l->file, l->line, "FDTDIR %s: no DTB for compatible '%s'", dir,
		       pctx->compatible);
}

static struct label *find_label(struct sl_state *st, struct sv name)
{
	unsigned i;

	if (!name.n)
		return NULL;
	for (i = 0; i < st->n_labels; i++)
		if (sv_eq(st->labels[i].name, name))
			return &st->labels[i];
	for (i = 0; i < st->n_labels; i++)
		if (sv_caseeq(st->labels[i].name, name))
			return &st->labels[i];
	return NULL;
}

static char *menu_title(void *ctx, struct sv v)
{
	char *t = talloc_strndup(ctx, v.s, v.n), *s, *d;

	/* '^' marks the hotkey in MENU LABEL; it is not shown */
	if (t && strchr(t, '^')) {
		for (s = d = t; *s; s++)
			if (*s != '^')
				*d++ = *s;
		*d = '\0';
	}
	return t;
}

static int syslinux_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	struct sl_state st;
	struct label *def = NULL;
	void *pool;
	unsigned i;
	char *dir;
	int r = 0;

	memset(&st, 0, sizeof(st));
	st.pctx = pctx;
	st.tmp = talloc_new(NULL);
	if (!st.tmp)
		return -ENOMEM;
	dir = kb_path_dirname(st.tmp, path);
	if (dir && strlen(dir) >= 13 && strcmp(dir + strlen(dir) - 13, "/pxelinux.cfg") == 0)
		dir = kb_path_dirname(st.tmp, dir);
	st.cwd = dir;
	st.n_files = 1;
	parse_buf(&st, path, buf, len, 0);

	def = find_label(&st, st.ontimeout);
	if (!def)
		for (i = 0; i < st.n_labels && !def; i++)
			if (st.labels[i].menu_default)
				def = &st.labels[i];
	if (!def) {
		struct sv rest;

		def = find_label(&st, first_word(st.def, &rest));
	}

	/* options are many small strings: carve them from one pool (a child of
	 * the run's context, freed with the options) */
	pool = st.n_labels ? talloc_pool(pctx->ctx, st.n_labels * 640u) : NULL;
	for (i = 0; i < st.n_labels; i++) {
		struct label *l = &st.labels[i];
		struct kb_option *opt;
		struct sv rest, kernel, irds;
		bool has_append = l->has_append || st.has_global_append;
		struct sv append = l->has_append ? l->append : st.global_append;
		char *kpath;

		if (l->hide || l->localboot || (l->chain && !l->has_kernel))
			continue;
		if (!l->has_kernel) {
			/* syslinux would boot a kernel named like the label; kexec needs a file */
			kb_parse_error(pctx, l->file, l->line, "LABEL %.*s has no KERNEL/LINUX: skipped",
				       (int)l->name.n, l->name.s);
			continue;
		}
		if (!l->kernel_is_linux)
			continue;
		kernel = first_word(l->kernel, &rest);
		opt = kb_option_new(pool ? pool : st.tmp);
		if (!opt) {
			r = -ENOMEM;
			break;
		}
		opt->name = l->menu_label.n ? menu_title(opt, l->menu_label) : sv_dup(opt, l->name);
		kpath = talloc_strndup(st.tmp, kernel.s, kernel.n);
		if (!opt->name || !kpath || kb_res_set(pctx, opt, &opt->kernel, NULL, st.cwd, kpath) < 0) {
			r = -ENOMEM;
			break;
		}
		/* "KERNEL vmlinuz quiet": words after the kernel are its arguments */
		if (has_append && append.n == 1 && append.s[0] == '-')
			has_append = false;
		if (has_append || rest.n) {
			size_t an = has_append ? append.n : 0, sep = rest.n && an ? 1 : 0;
			char *a = talloc_size(opt, rest.n + sep + an + 1);

			if (!a) {
				r = -ENOMEM;
				break;
			}
			memcpy(a, rest.s, rest.n);
			if (sep)
				a[rest.n] = ' ';
			if (an)
				memcpy(a + rest.n + sep, append.s, an);
			a[rest.n + sep + an] = '\0';
			talloc_set_name_const(a, a);
			opt->args = a;
		}
		if (has_append && append_initrd(append, &irds))
			r = add_initrds(&st, opt, irds, l);
		else if (l->initrd.n)
			r = add_initrds(&st, opt, l->initrd, l);
		if (r < 0)
			break;
		if (l->fdt.n) {
			char *f = sv_dup(st.tmp, l->fdt);

			if (!f || kb_res_set(pctx, opt, &opt->dtb, NULL, st.cwd, f) < 0) {
				r = -ENOMEM;
				break;
			}
		} else if (l->fdtdir.n) {
			pick_fdtdir(&st, opt, l);
		}
		opt->is_default = def ? def == l : false;
		if (!def) {
			/* no default named: the first entry boots */
			opt->is_default = true;
			def = l;
		}
		if (kb_parse_add_checked(pctx, "syslinux", opt, l->file, l->line) == -ENOMEM) {
			r = -ENOMEM;
			break;
		}
	}
	talloc_free(st.tmp);
	return r;
}

const struct kb_parser kb_parser_syslinux = {
	.name = "syslinux",
	.config_paths = kb_config_paths_syslinux,
	.parse = syslinux_parse,
};
