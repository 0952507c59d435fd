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
#include <stddef.h>
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

/* Length of the word at s[0..n): up to the first blank. */
static size_t word_len(const char *s, size_t n)
{
	const char *sp, *tab;

	if (!n)
		return 0; /* s may be NULL (an absent DEFAULT) */
	sp = memchr(s, ' ', n);

	if (sp)
		n = (size_t)(sp - s);
	tab = memchr(s, '\t', n);
	return tab ? (size_t)(tab - s) : n;
}

/* Split off the first blank-separated word. */
static struct sv first_word(struct sv v, struct sv *rest)
{
	struct sv w = {v.s, word_len(v.s, v.n)};

	if (!v.n) {
		*rest = v; /* v.s may be NULL (an absent DEFAULT) */
		return w;
	}
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
	static const char *const not_linux[] = {"c32", "com", "cbt", "bss", "bin", "bs", "0", NULL};
	struct sv rest, w = first_word(k, &rest);
	size_t i = w.n, el;
	char ext[4];
	unsigned j;

	while (i > 0 && w.s[i - 1] != '.' && w.n - i < 4)
		i--;
	if (i == 0 || w.s[i - 1] != '.' || w.n - i > 3)
		return true;
	el = w.n - i;
	for (j = 0; j < el; j++)
		ext[j] = (char)(w.s[i + j] | (w.s[i + j] >= 'A' && w.s[i + j] <= 'Z' ? 0x20 : 0));
	for (j = 0; not_linux[j]; j++)
		if (strlen(not_linux[j]) == el && memcmp(not_linux[j], ext, el) == 0)
			return false;
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
#define KW(w) (kn == sizeof(w) - 1 && memcmp(kb, w, sizeof(w) - 1) == 0)
	while (kb_lines_next(&it, &line, &n)) {
		struct sv arg;
		struct label *cur = st->cur;
		char kb[16];
		size_t kn;

		if (in_text) {
			/* TEXT HELP … ENDTEXT: free text */
			if (n >= 7 && strncasecmp(line, "endtext", 7) == 0)
				in_text = false;
			continue;
		}
		if (!n || line[0] == '#')
			continue;
		/* the keyword, lower-cased into kb (longer words match nothing;
		 * c | 0x20 is a lower-case letter only when c is that letter) */
		{
			size_t k = word_len(line, n), j;

			kn = k <= sizeof(kb) ? k : 0;
			for (j = 0; j < kn; j++)
				kb[j] = (char)(line[j] | 0x20);
			while (k < n && (line[k] == ' ' || line[k] == '\t'))
				k++;
			arg.s = line + k;
			arg.n = n - k;
		}

		switch (kn ? kb[0] : 0) {
		case 'a':
			if (KW("append")) {
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
			if (KW("config")) {
				if (cur)
					cur->chain = true;
				continue;
			}
			break;
		case 'd':
			if (KW("default")) {
				st->def = arg;
				continue;
			}
			if (KW("devicetree")) {
				if (cur)
					cur->fdt = arg;
				continue;
			}
			if (KW("devicetreedir")) {
				if (cur)
					cur->fdtdir = arg;
				continue;
			}
			break;
		case 'f':
			if (KW("fdt")) {
				if (cur)
					cur->fdt = arg;
				continue;
			}
			if (KW("fdtdir")) {
				if (cur)
					cur->fdtdir = arg;
				continue;
			}
			break;
		case 'i':
			if (KW("initrd")) {
				if (cur)
					cur->initrd = arg;
				continue;
			}
			if (KW("include")) {
				do_include(st, path, it.lineno, arg, depth);
				continue;
			}
			break;
		case 'k':
			if (KW("kernel")) {
				if (cur) {
					cur->kernel = arg;
					cur->has_kernel = true;
					cur->kernel_is_linux = kernel_is_linux_image(arg);
				}
				continue;
			}
			break;
		case 'l':
			if (KW("label")) {
				st->cur = new_label(st, arg, path, it.lineno);
				continue;
			}
			if (KW("linux")) {
				if (cur) {
					cur->kernel = arg;
					cur->has_kernel = true;
					cur->kernel_is_linux = true;
				}
				continue;
			}
			if (KW("localboot")) {
				if (cur)
					cur->localboot = true;
				continue;
			}
			break;
		case 'm':
			if (KW("menu")) {
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
			if (KW("ontimeout")) {
				st->ontimeout = arg;
				continue;
			}
			break;
		case 't':
			if (KW("timeout")) {
				char *t = sv_dup(st->tmp, arg), *end;
				long v = t ? strtol(t, &end, 10) : -1;

				if (!t || *end || v < 0 || v > 864000)
					kb_parse_error(st->pctx, path, it.lineno, "TIMEOUT '%.*s' ignored: not 0..864000 tenths of a second",
						       (int)arg.n, arg.s);
				else
					st->pctx->timeout_s = (int)((v + 9) / 10);
				continue;
			}
			if (KW("text")) {
				in_text = true;
				continue;
			}
			break;
		}
		/* everything else (UI, PROMPT, SAY, SERIAL, F1…, IPAPPEND…) changes no entry */
	}
#undef KW
}

/* The slice of APPEND's initrd=a,b values; false if none. */
static bool append_initrd(struct sv append, struct sv *ret)
{
	const char *p = append.s, *end = append.s + append.n;

	/* look at each '=' for a word "initrd=…" ending there */
	while ((p = memchr(p, '=', (size_t)(end - p)))) {
		const char *w = p - 6;

		if (p - append.s >= 6 && memcmp(w, "initrd", 6) == 0 &&
		    (w == append.s || w[-1] == ' ' || w[-1] == '\t')) {
			size_t n = word_len(p + 1, (size_t)(end - p - 1));

			if (n) {
				ret->s = p + 1;
				ret->n = n;
				return true; /* the first one, as the kernel's own parsing would */
			}
		}
		p++;
	}
	return false;
}

/* Fill src's initrds from a comma-separated list (blanks around names
 * ignored, empty names skipped). */
static void add_initrds(struct sl_state *st, struct kb_opt_src *src, struct sv list,
			const struct label *l)
{
	size_t i = 0;

	while (i < list.n) {
		const char *comma = memchr(list.s + i, ',', list.n - i);
		size_t s = i, e;

		i = comma ? (size_t)(comma - list.s) : list.n;
		e = i++;
		while (s < e && (list.s[s] == ' ' || list.s[s] == '\t'))
			s++;
		while (e > s && (list.s[e - 1] == ' ' || list.s[e - 1] == '\t'))
			e--;
		if (e == s)
			continue;
		if (src->n_initrds >= KB_MAX_INITRDS) {
			kb_parse_error(st->pctx, l->file, l->line, "initrds after %u ignored (KB_MAX_INITRDS)",
				       KB_MAX_INITRDS);
			return;
		}
		kb_res_src_set(&src->initrds[src->n_initrds++], NULL, st->cwd, list.s + s, e - s);
	}
}

/* FDTDIR: the first DIR/vendor/board.dtb or DIR/board.dtb that exists for
 * the board's compatible strings (most specific first). The chosen path
 * (under st->tmp) is returned, NULL when none. */
static const char *pick_fdtdir(struct sl_state *st, const struct label *l)
{
	struct kb_parse_ctx *pctx = st->pctx;
	char *dir = sv_dup(st->tmp, l->fdtdir);
	const char *c = pctx->compatible;

	if (!dir)
		return NULL;
	if (!c || !*c) {
		kb_parse_error(pctx, l->file, l->line,
			       "FDTDIR %s: the board's compatible is unknown, no DTB chosen", dir);
		return NULL;
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
			    info.type == KB_FILE_REGULAR)
				return p;
		}
		c = e;
	}
	kb_parse_error(pctx, l->file, l->line, "FDTDIR %s: no DTB for compatible '%s'", dir,
		       pctx->compatible);
	return NULL;
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

static int syslinux_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	struct sl_state st;
	struct label *def = NULL;
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

	/* options (one chunk each, ids included) come from the run's option
	 * pools: kb_opt_build with ctx NULL */
	for (i = 0; i < st.n_labels; i++) {
		struct label *l = &st.labels[i];
		struct kb_opt_src src;
		struct kb_option *opt;
		struct sv rest, kernel, irds;
		bool has_append = l->has_append || st.has_global_append;
		struct sv append = l->has_append ? l->append : st.global_append;

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
		memset(&src, 0, offsetof(struct kb_opt_src, initrds));
		src.parser = "syslinux";
		if (l->menu_label.n) {
			/* '^' marks the hotkey in MENU LABEL; it is not shown */
			src.name = l->menu_label.s;
			src.name_len = l->menu_label.n;
			src.name_drop = '^';
		} else {
			src.name = l->name.s;
			src.name_len = l->name.n;
		}
		kb_res_src_set(&src.kernel, NULL, st.cwd, kernel.s, kernel.n);
		/* "KERNEL vmlinuz quiet": words after the kernel are its arguments */
		if (has_append && append.n == 1 && append.s[0] == '-')
			has_append = false;
		if (has_append || rest.n) {
			src.has_args = true;
			src.args[0] = rest.s;
			src.args_len[0] = rest.n;
			src.args[1] = append.s;
			src.args_len[1] = has_append ? append.n : 0;
		}
		if (has_append && append_initrd(append, &irds))
			add_initrds(&st, &src, irds, l);
		else if (l->initrd.n)
			add_initrds(&st, &src, l->initrd, l);
		if (l->fdt.n) {
			kb_res_src_set(&src.dtb, NULL, st.cwd, l->fdt.s, l->fdt.n);
		} else if (l->fdtdir.n) {
			const char *f = pick_fdtdir(&st, l);

			if (f)
				kb_res_src_set(&src.dtb, NULL, "/", f, strlen(f));
		}
		src.is_default = def ? def == l : false;
		if (!def) {
			/* no default named: the first entry boots */
			src.is_default = true;
			def = l;
		}
		r = kb_opt_build(pctx, NULL, &src, &opt);
		if (r == -ENAMETOOLONG) {
			kb_parse_error(pctx, l->file, l->line,
				       "LABEL %.*s skipped: a path is longer than %u bytes (KB_MAX_PATH_LEN)",
				       (int)l->name.n, l->name.s, KB_MAX_PATH_LEN);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
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
