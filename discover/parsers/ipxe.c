/* kexboot iPXE script parser (#!ipxe), written from iPXE's command
 * documentation. It runs the script the way iPXE would, far enough to know
 * what each path to `boot` would load:
 *  - `set NAME VALUE…` and `${NAME}` (also `${NAME:type}`) expansion; unknown
 *    names expand to nothing, as in iPXE; `clear NAME` unsets;
 *  - `kernel`/`imgexec`/`chain` URI [ARGS…] select the image (options such as
 *    --name, --autofree, --timeout are skipped); `initrd`/`imgfetch`/`module`
 *    URI add initrds; `imgargs NAME ARGS…` replaces the image's arguments;
 *    `imgfree` forgets them; `boot` (or `chain`) makes a boot option;
 *  - `chain` to another script (read through the parse backend; a URI that
 *    is not there yet is reported and fetched by the caller) runs it in place;
 *  - `:label`, `goto label`, and menus: `item [--key K] [--gap] LABEL TEXT`
 *    and `choose [--default LABEL] VAR`, which gives one option per item
 *    (the item's text is its name) by running the script from its label;
 *  - commands have iPXE's status: `isset VALUE` (true when ${var} expanded
 *    to something), `iseq A B`, `prompt` (false: nobody presses the key),
 *    `boot` without a kernel, a `goto` to nowhere fail; others succeed.
 *    `A || B` runs B when A failed, `A && B` when A succeeded, left to right
 *    (a skipped command keeps the status), so `isset ${x} || goto y` works;
 *  - `exit`, `reboot`, `poweroff`, `shell` and `sanboot` end a path with no
 *    option; other commands change nothing.
 * Relative URIs resolve against the script's own location: a URL, or a path
 * on the script's device.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>

#include "discover/parsers/util.h"
#include "discover/pxe.h"

/* Named limits. */
#define KB_IPXE_MAX_STEPS 20000u     /* commands executed per run (goto loops) */
#define KB_IPXE_MAX_VARS 256u        /* variables set */
#define KB_IPXE_MAX_ITEMS 256u       /* menu items */
#define KB_IPXE_MAX_LINE 8192u       /* one expanded line */
#define KB_IPXE_MAX_CHAIN_DEPTH 8u   /* scripts chained into scripts */
#define KB_IPXE_MAX_CMDS 16u         /* commands joined by || and && on one line */

struct ivar {
	char *name, *value;
};

struct iline {
	const char *s;
	size_t n;
	unsigned lineno;
};

struct iscript {
	const char *path; /* device path or URL: the base for relative URIs */
	struct iline *lines;
	unsigned n_lines;
};

struct iitem {
	char *label, *text;
};

struct istate {
	struct kb_parse_ctx *pctx;
	void *tmp;
	struct ivar *vars;
	unsigned n_vars;
	char *kernel;       /* resolved: URL or device path */
	char *kernel_name;  /* --name or the URI's last component */
	char *args;
	char **initrds;
	unsigned n_initrds;
	unsigned steps;
	const char *title;  /* menu item text for the option's name */
	const char *default_label;
	const char *item_label;
	bool stop;
};

static const char *var_get(struct istate *st, const char *name, size_t n)
{
	unsigned i;
	const char *colon = memchr(name, ':', n);

	if (colon)
		n = (size_t)(colon - name); /* ${name:type} */
	for (i = 0; i < st->n_vars; i++)
		if (strlen(st->vars[i].name) == n && strncmp(st->vars[i].name, name, n) == 0)
			return st->vars[i].value;
	return NULL;
}

static int var_set(struct istate *st, const char *name, const char *value)
{
	unsigned i;
	char *nm = talloc_strdup(st->tmp, name), *c;

	if (!nm)
		return -ENOMEM;
	if ((c = strchr(nm, ':')))
		*c = '\0';
	for (i = 0; i < st->n_vars; i++)
		if (strcmp(st->vars[i].name, nm) == 0) {
			st->vars[i].value = value ? talloc_strdup(st->tmp, value) : NULL;
			return 0;
		}
	if (!value)
		return 0;
	if (st->n_vars >= KB_IPXE_MAX_VARS)
		return -E2BIG;
	st->vars = talloc_realloc(st->tmp, st->vars, struct ivar, st->n_vars + 1);
	if (!st->vars)
		return -ENOMEM;
	st->vars[st->n_vars].name = nm;
	st->vars[st->n_vars].value = talloc_strdup(st->tmp, value);
	st->n_vars++;
	return 0;
}

/* Expand ${name} in s[0..n); NULL past KB_IPXE_MAX_LINE. */
static char *expand(struct istate *st, const char *s, size_t n)
{
	char *out = talloc_size(st->tmp, KB_IPXE_MAX_LINE + 1);
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	while (i < n) {
		const char *v = NULL, *close;
		size_t vl;

		if (s[i] == '$' && i + 1 < n && s[i + 1] == '{' &&
		    (close = memchr(s + i + 2, '}', n - i - 2))) {
			v = var_get(st, s + i + 2, (size_t)(close - s - i - 2));
			i = (size_t)(close - s) + 1;
			if (!v)
				continue;
			vl = strlen(v);
		} else {
			v = s + i;
			vl = 1;
			i++;
		}
		if (o + vl > KB_IPXE_MAX_LINE) {
			talloc_free(out);
			return NULL;
		}
		memcpy(out + o, v, vl);
		o += vl;
	}
	out[o] = '\0';
	return out;
}

/* Split off the next blank-separated word of *p (modified in place). */
static char *word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static char *rest(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Skip a command's --options; returns the first non-option word. */
static char *skip_options(char **p, const char **ret_name, const char **ret_default)
{
	char *w;

	while ((w = word(p))) {
		if (w[0] != '-' || !w[1])
			return w;
		if (!strcmp(w, "--name") || !strcmp(w, "-n")) {
			const char *v = word(p);

			if (ret_name)
				*ret_name = v;
		} else if (!strcmp(w, "--default") || !strcmp(w, "-d")) {
			const char *v = word(p);

			if (ret_default)
				*ret_default = v;
		} else if (!strcmp(w, "--timeout") || !strcmp(w, "-t") || !strcmp(w, "--key") ||
			   !strcmp(w, "-k")) {
			word(p);
		} else if (!strncmp(w, "--name=", 7)) {
			if (ret_name)
				*ret_name = w + 7;
		}
	}
	return NULL;
}

/* A URI relative to the script: a URL, or a path on the script's device. */
static char *resolve(struct istate *st, const struct iscript *sc, const char *uri)
{
	if (kb_is_url(uri))
		return talloc_strdup(st->tmp, uri);
	if (kb_is_url(sc->path))
		return kb_url_resolve(st->tmp, sc->path, uri);
	return kb_path_join(st->tmp, kb_path_dirname(st->tmp, sc->path), uri);
}

static const char *base_name(const char *uri)
{
	const char *q = strrchr(uri, '/');

	return q ? q + 1 : uri;
}

static int set_res(struct istate *st, struct kb_option *opt, struct kb_resource *res, const char *what)
{
	return kb_res_set(st->pctx, opt, res, NULL, "/", what);
}

/* `boot`: turn the selected image into an option. */
static int emit(struct istate *st, const char *file, unsigned line)
{
	struct kb_parse_ctx *pctx = st->pctx;
	struct kb_option *opt;
	unsigned i;
	int r;

	if (!st->kernel) {
		kb_parse_error(pctx, file, line, "boot without a kernel: no option");
		return 0;
	}
	opt = kb_option_new(pctx->ctx);
	if (!opt)
		return -ENOMEM;
	opt->name = st->title ? talloc_strdup(opt, st->title)
			      : talloc_asprintf(opt, "%s (iPXE)", st->kernel_name ? st->kernel_name
										 : base_name(st->kernel));
	if (!opt->name || set_res(st, opt, &opt->kernel, st->kernel) < 0)
		return -ENOMEM;
	if (st->args && *st->args && !(opt->args = talloc_strdup(opt, st->args)))
		return -ENOMEM;
	for (i = 0; i < st->n_initrds; i++) {
		r = kb_option_add_initrd(pctx, opt, NULL, "/", st->initrds[i]);
		if (r == -E2BIG) {
			kb_parse_error(pctx, file, line, "initrds after %u ignored (KB_MAX_INITRDS)", KB_MAX_INITRDS);
			break;
		}
		if (r < 0)
			return r;
	}
	opt->is_default = !st->item_label || (st->default_label && !strcmp(st->default_label, st->item_label));
	r = kb_parse_add_checked(pctx, "ipxe", opt, file, line);
	return r == -ENOMEM ? r : 0;
}

static int load_script(struct istate *st, const char *path, const char *buf, size_t len,
		       struct iscript *sc)
{
	struct kb_lines it;
	const char *s;
	size_t n;

	sc->path = path;
	sc->lines = NULL;
	sc->n_lines = 0;
	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &s, &n)) {
		if (!n || s[0] == '#')
			continue;
		if (sc->n_lines >= KB_IPXE_MAX_STEPS)
			return -E2BIG;
		if (!(sc->n_lines & 63)) {
			sc->lines = talloc_realloc(st->tmp, sc->lines, struct iline, sc->n_lines + 64);
			if (!sc->lines)
				return -ENOMEM;
		}
		sc->lines[sc->n_lines++] = (struct iline){ s, n, it.lineno };
	}
	return 0;
}

static int run(struct istate *st, const struct iscript *sc, unsigned from, unsigned depth);

/* `chain URI`: another script runs in place; anything else is an image to boot. */
static int do_chain(struct istate *st, const struct iscript *sc, const struct iline *l, char *p,
		    unsigned depth)
{
	struct kb_parse_ctx *pctx = st->pctx;
	const char *name = NULL;
	char *uri = skip_options(&p, &name, NULL), *res, *buf;
	size_t len;
	int r;

	if (!uri) {
		kb_parse_error(pctx, sc->path, l->lineno, "chain without a URI");
		return 0;
	}
	res = resolve(st, sc, uri);
	if (!res)
		return -ENOMEM;
	r = pctx->fs->read_file(pctx->fs, st->tmp, NULL, res, KB_CONFIG_MAX_SIZE, &buf, &len);
	if (r == 0 && len >= 6 && strncmp(buf, "#!ipxe", 6) == 0) {
		struct iscript sub;

		if (depth + 1 >= KB_IPXE_MAX_CHAIN_DEPTH) {
			kb_parse_error(pctx, sc->path, l->lineno,
				       "chain %s ignored: scripts nested deeper than %u (KB_IPXE_MAX_CHAIN_DEPTH)",
				       res, KB_IPXE_MAX_CHAIN_DEPTH);
			st->stop = true;
			return 0;
		}
		r = load_script(st, res, buf, len, &sub);
		if (r < 0)
			return r;
		st->stop = false;
		r = run(st, &sub, 0, depth + 1);
		st->stop = true; /* a chained script does not return */
		return r;
	}
	if (r < 0 && r != -ENOENT && r != -EFBIG && r != -EINVAL && r != -EISDIR && r != -ENOTDIR &&
	    r != -EXDEV)
		return r == -ENOMEM ? r : 0;
	if (r == -ENOENT && (strstr(base_name(res), ".ipxe") || strstr(base_name(res), ".cfg"))) {
		kb_parse_error(pctx, sc->path, l->lineno, "chain %s: script not available", res);
		st->stop = true;
		return 0;
	}
	/* an image: kernel + boot */
	st->kernel = res;
	st->kernel_name = name ? talloc_strdup(st->tmp, name) : talloc_strdup(st->tmp, base_name(res));
	st->args = talloc_strdup(st->tmp, rest(p));
	st->n_initrds = 0;
	r = emit(st, sc->path, l->lineno);
	st->stop = true;
	return r;
}

static int find_label(const struct iscript *sc, const char *label, unsigned *ret)
{
	unsigned i;
	size_t n = strlen(label);

	for (i = 0; i < sc->n_lines; i++)
		if (sc->lines[i].s[0] == ':' && sc->lines[i].n - 1 == n &&
		    strncmp(sc->lines[i].s + 1, label, n) == 0) {
			*ret = i + 1;
			return 0;
		}
	return -ENOENT;
}

/* A fresh copy of the state for one menu item. */
static struct istate fork_state(struct istate *st)
{
	struct istate c = *st;

	c.vars = st->n_vars ? talloc_memdup(st->tmp, st->vars, st->n_vars * sizeof(*st->vars)) : NULL;
	c.initrds = st->n_initrds ? talloc_memdup(st->tmp, st->initrds, st->n_initrds * sizeof(char *))
				  : NULL;
	return c;
}

/* The menu being built by `item` lines, per run. */
struct imenu {
	struct iitem *items;
	unsigned n_items;
};

/* Command status, as iPXE's: 0 succeeded, 1 failed (a false test, a
 * prompt nobody answers); -errno gives up the whole parse. */
#define IPXE_OK 0
#define IPXE_FAIL 1

static int set_kernel(struct istate *st, const struct iscript *sc, const struct iline *l, const char *cmd,
		      char *p)
{
	const char *name = NULL;
	char *uri = skip_options(&p, &name, NULL);

	if (!uri) {
		kb_parse_error(st->pctx, sc->path, l->lineno, "%s without a URI", cmd);
		return IPXE_FAIL;
	}
	if (!(st->kernel = resolve(st, sc, uri)))
		return -ENOMEM;
	st->kernel_name = talloc_strdup(st->tmp, name ? name : base_name(uri));
	st->args = talloc_strdup(st->tmp, rest(p));
	return IPXE_OK;
}

/* Run one command (its words in p). A goto sets *jump_to and *jumped. */
static int exec_cmd(struct istate *st, const struct iscript *sc, const struct iline *l, char *p, unsigned depth,
		    struct imenu *m, unsigned *jump_to, bool *jumped)
{
	struct kb_parse_ctx *pctx = st->pctx;
	char *cmd = word(&p);
	int r;

	if (!cmd)
		return IPXE_OK;
	if (!strcmp(cmd, "set")) {
		char *name = word(&p);

		if (!name)
			return IPXE_FAIL;
		if (var_set(st, name, rest(p)) == -E2BIG) {
			kb_parse_error(pctx, sc->path, l->lineno, "more than %u variables (KB_IPXE_MAX_VARS)",
				       KB_IPXE_MAX_VARS);
			return IPXE_FAIL;
		}
	} else if (!strcmp(cmd, "clear")) {
		char *name = word(&p);

		if (!name)
			return IPXE_FAIL;
		var_set(st, name, NULL);
	} else if (!strcmp(cmd, "isset")) {
		/* the argument was a ${var} expanded already: set means non-empty */
		return word(&p) ? IPXE_OK : IPXE_FAIL;
	} else if (!strcmp(cmd, "iseq")) {
		char *a = word(&p), *b = word(&p);

		return a && b && !word(&p) && !strcmp(a, b) ? IPXE_OK : IPXE_FAIL;
	} else if (!strcmp(cmd, "prompt")) {
		return IPXE_FAIL; /* nobody presses the key: the timeout passes */
	} else if (!strcmp(cmd, "kernel") || !strcmp(cmd, "imgexec") || !strcmp(cmd, "imgselect") ||
		   !strcmp(cmd, "imgload") || !strcmp(cmd, "image")) {
		r = set_kernel(st, sc, l, cmd, p);
		if (r != IPXE_OK)
			return r;
		if (!strcmp(cmd, "imgexec")) {
			if ((r = emit(st, sc->path, l->lineno)) < 0)
				return r;
			st->stop = true;
		}
	} else if (!strcmp(cmd, "initrd") || !strcmp(cmd, "imgfetch") || !strcmp(cmd, "module")) {
		char *uri = skip_options(&p, NULL, NULL), *res;

		if (!uri) {
			kb_parse_error(pctx, sc->path, l->lineno, "%s without a URI", cmd);
			return IPXE_FAIL;
		}
		if (st->n_initrds >= KB_MAX_INITRDS) {
			kb_parse_error(pctx, sc->path, l->lineno, "initrds after %u ignored (KB_MAX_INITRDS)",
				       KB_MAX_INITRDS);
			return IPXE_FAIL;
		}
		res = resolve(st, sc, uri);
		st->initrds = talloc_realloc(st->tmp, st->initrds, char *, st->n_initrds + 1);
		if (!res || !st->initrds)
			return -ENOMEM;
		st->initrds[st->n_initrds++] = res;
	} else if (!strcmp(cmd, "imgargs")) {
		char *name = word(&p);

		if (!name || !st->kernel)
			return IPXE_FAIL;
		st->args = talloc_strdup(st->tmp, rest(p));
	} else if (!strcmp(cmd, "imgfree")) {
		st->kernel = NULL;
		st->n_initrds = 0;
	} else if (!strcmp(cmd, "boot")) {
		if (!st->kernel) {
			kb_parse_error(pctx, sc->path, l->lineno, "boot without a kernel: no option");
			return IPXE_FAIL; /* iPXE's boot fails: a `boot || goto x` goes on */
		}
		if ((r = emit(st, sc->path, l->lineno)) < 0)
			return r;
		st->stop = true;
	} else if (!strcmp(cmd, "chain")) {
		if ((r = do_chain(st, sc, l, p, depth)) < 0)
			return r;
	} else if (!strcmp(cmd, "goto")) {
		char *label = word(&p);

		if (!label || find_label(sc, label, jump_to) < 0) {
			kb_parse_error(pctx, sc->path, l->lineno, "goto %s: no such label", label ? label : "");
			st->stop = true;
			return IPXE_FAIL;
		}
		*jumped = true;
	} else if (!strcmp(cmd, "item")) {
		char *w, *label = NULL;

		while ((w = word(&p))) {
			if (!strcmp(w, "--gap"))
				break;
			if (!strcmp(w, "--key") || !strcmp(w, "-k")) {
				word(&p);
				continue;
			}
			if (w[0] == '-')
				continue;
			label = w;
			break;
		}
		if (!label)
			return IPXE_OK;
		if (m->n_items >= KB_IPXE_MAX_ITEMS) {
			kb_parse_error(pctx, sc->path, l->lineno, "more than %u menu items (KB_IPXE_MAX_ITEMS)",
				       KB_IPXE_MAX_ITEMS);
			return IPXE_FAIL;
		}
		m->items = talloc_realloc(st->tmp, m->items, struct iitem, m->n_items + 1);
		if (!m->items)
			return -ENOMEM;
		m->items[m->n_items].label = talloc_strdup(m->items, label);
		m->items[m->n_items].text = talloc_strdup(m->items, *rest(p) ? rest(p) : label);
		m->n_items++;
	} else if (!strcmp(cmd, "menu")) {
		m->n_items = 0;
	} else if (!strcmp(cmd, "choose")) {
		const char *def = NULL;
		unsigned k;

		skip_options(&p, NULL, &def);
		for (k = 0; k < m->n_items; k++) {
			struct istate sub = fork_state(st);
			unsigned to;

			if (find_label(sc, m->items[k].label, &to) < 0) {
				kb_parse_error(pctx, sc->path, l->lineno, "menu item %s: no such label",
					       m->items[k].label);
				continue;
			}
			sub.title = m->items[k].text;
			sub.item_label = m->items[k].label;
			sub.default_label = def ? def : m->items[0].label;
			sub.stop = false;
			r = run(&sub, sc, to, depth);
			st->steps = sub.steps;
			if (r < 0)
				return r;
		}
		st->stop = true;
	} else if (!strcmp(cmd, "exit") || !strcmp(cmd, "reboot") || !strcmp(cmd, "poweroff") ||
		   !strcmp(cmd, "shell") || !strcmp(cmd, "sanboot") || !strcmp(cmd, "sanhook")) {
		st->stop = true;
	}
	/* everything else (dhcp, echo, sleep, params, …) succeeds and changes no option */
	return IPXE_OK;
}

/* Cut an expanded line into its commands at the words "||" and "&&"
 * (iPXE's terminators). ret_ors[k] says whether command k is followed by
 * "||" (else "&&"). The number of commands, or -E2BIG past KB_IPXE_MAX_CMDS. */
static int split_cmds(char *line, char **ret_cmds, bool *ret_ors)
{
	unsigned n = 0;
	char *s = line;

	ret_cmds[n++] = line;
	while (*s) {
		char *w;

		while (*s == ' ' || *s == '\t')
			s++;
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (s - w == 2 && (!strncmp(w, "||", 2) || !strncmp(w, "&&", 2))) {
			if (n >= KB_IPXE_MAX_CMDS)
				return -E2BIG;
			ret_ors[n - 1] = w[0] == '|';
			*w = '\0';
			/* `set x y || …` sets "y", not "y " */
			while (w > ret_cmds[n - 1] && (w[-1] == ' ' || w[-1] == '\t'))
				*--w = '\0';
			if (*s)
				s++;
			ret_cmds[n++] = s;
		}
	}
	return (int)n;
}

static int run(struct istate *st, const struct iscript *sc, unsigned from, unsigned depth)
{
	struct kb_parse_ctx *pctx = st->pctx;
	struct imenu menu = { 0 };
	unsigned i = from;

	while (i < sc->n_lines && !st->stop) {
		const struct iline *l = &sc->lines[i++];
		char *line, *cmds[KB_IPXE_MAX_CMDS];
		bool ors[KB_IPXE_MAX_CMDS], process = true, jumped = false;
		int n, k, rc = IPXE_OK;

		if (++st->steps > KB_IPXE_MAX_STEPS) {
			kb_parse_error(pctx, sc->path, l->lineno,
				       "stopped after %u commands (KB_IPXE_MAX_STEPS): a goto loop?", KB_IPXE_MAX_STEPS);
			st->stop = true;
			break;
		}
		if (l->s[0] == ':')
			continue;
		line = expand(st, l->s, l->n);
		if (!line) {
			kb_parse_error(pctx, sc->path, l->lineno, "line longer than %u bytes after expansion (KB_IPXE_MAX_LINE)",
				       KB_IPXE_MAX_LINE);
			continue;
		}
		n = split_cmds(line, cmds, ors);
		if (n < 0) {
			kb_parse_error(pctx, sc->path, l->lineno,
				       "more than %u commands joined by || and && (KB_IPXE_MAX_CMDS): line skipped",
				       KB_IPXE_MAX_CMDS);
			continue;
		}
		/* A || B runs B when A failed, A && B when it succeeded; a skipped
		 * command leaves the status as it was (iPXE's rule) */
		for (k = 0; k < n && !st->stop && !jumped; k++) {
			if (process) {
				unsigned to = 0;

				rc = exec_cmd(st, sc, l, cmds[k], depth, &menu, &to, &jumped);
				if (rc < 0)
					return rc;
				if (jumped)
					i = to;
			}
			if (k + 1 < n)
				process = ors[k] ? rc != IPXE_OK : rc == IPXE_OK;
		}
	}
	return 0;
}

static int ipxe_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	struct istate st = { .pctx = pctx };
	struct iscript sc;
	const struct kb_device *dev;
	int r;

	if (len < 6 || strncmp(buf, "#!ipxe", 6) != 0)
		return -ENOEXEC;
	st.tmp = talloc_new(NULL);
	if (!st.tmp)
		return -ENOMEM;
	/* the device's hardware address, as iPXE's ${mac} / ${net0/mac} */
	dev = pctx->fs && pctx->fs->get_device ? pctx->fs->get_device(pctx->fs, NULL) : pctx->device;
	if (dev && dev->mac) {
		var_set(&st, "mac", dev->mac);
		var_set(&st, "net0/mac", dev->mac);
	}
	r = load_script(&st, path, buf, len, &sc);
	if (r == -E2BIG)
		kb_parse_error(pctx, path, 0, "more than %u lines (KB_IPXE_MAX_STEPS)", KB_IPXE_MAX_STEPS);
	else if (r == 0)
		r = run(&st, &sc, 0, 0);
	talloc_free(st.tmp);
	return r == -E2BIG ? 0 : r;
}

const struct kb_parser kb_parser_ipxe = {
	.name = "ipxe",
	.config_paths = NULL, /* scripts come from the network (discover/network.c) */
	.parse = ipxe_parse,
};
