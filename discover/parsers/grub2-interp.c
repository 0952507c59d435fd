/* kexboot GRUB2 parser: the interpreter (environment, expansion, execution).
 *
 * Environment contexts follow GRUB: the top-level file runs in one context;
 * a submenu body and a configfile run in a fresh context holding copies of
 * the exported variables only (grub_env_context_open). Entry bodies run when
 * they are defined (GRUB runs them when chosen, in the final environment; the
 * difference shows only for variables changed after the entry), in an
 * overlay context so that what one entry sets never leaks into the next.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/grub2.h"

/* Report an error at file:line (line 0 = the command being run). */
void g2_error(struct g2_interp *ip, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kb_parse_error(ip->pctx, ip->file, line ? line : ip->line, "%s", msg);
}

/* ---- environment ---- */

#define hash_name g2_hash

static struct g2_var *var_find(struct g2_interp *ip, const char *name, uint32_t h)
{
	unsigned mask, i;

	if (!ip->var_size)
		return NULL;
	mask = ip->var_size - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct g2_var *v = ip->vars[i];

		if (!v)
			return NULL;
		if (v->hash == h && strcmp(v->name, name) == 0)
			return v;
	}
}

static int vars_grow(struct g2_interp *ip)
{
	unsigned size = ip->var_size ? ip->var_size * 2 : 256, i;
	struct g2_var **t = talloc_zero_array(ip->mem, struct g2_var *, size);

	if (!t)
		return -ENOMEM;
	for (i = 0; i < ip->var_size; i++) {
		struct g2_var *v = ip->vars[i];
		unsigned j;

		if (!v)
			continue;
		for (j = v->hash & (size - 1); t[j]; j = (j + 1) & (size - 1))
			;
		t[j] = v;
	}
	talloc_free(ip->vars);
	ip->vars = t;
	ip->var_size = size;
	return 0;
}

/* The variable name[0..n) with hash h (created unset when missing). NULL past
 * G2_MAX_VARS (report: say so) or on ENOMEM. */
static struct g2_var *var_get(struct g2_interp *ip, const char *name, size_t n, uint32_t h,
			      bool report)
{
	struct g2_var *v;
	unsigned mask, i;
	char *nm;

	if (ip->var_size) {
		mask = ip->var_size - 1;
		for (i = h & mask; (v = ip->vars[i]); i = (i + 1) & mask)
			if (v->hash == h && v->len == n && g2_name_eq(v->name, name, n))
				return v;
	}
	if (ip->n_vars >= G2_MAX_VARS) {
		if (report)
			g2_error(ip, 0, "refusing more than %u variables (G2_MAX_VARS)", G2_MAX_VARS);
		return NULL;
	}
	if ((ip->n_vars + 1) * 2 > ip->var_size && vars_grow(ip) < 0)
		return NULL;
	v = g2_alloc(&ip->keep, sizeof(*v) + n + 1);
	if (!v)
		return NULL;
	nm = (char *)(v + 1);
	memcpy(nm, name, n);
	nm[n] = '\0';
	v->name = nm;
	v->value = NULL;
	v->hash = h;
	v->len = (uint32_t)n;
	v->cap = 0;
	v->stamp = 0;
	v->vlen = 0;
	v->vsplit = G2_VS_ONE;
	v->exported = false;
	mask = ip->var_size - 1;
	for (i = h & mask; ip->vars[i]; i = (i + 1) & mask)
		;
	ip->vars[i] = v;
	ip->n_vars++;
	return v;
}

/* g2_var_bind with the name's g2_hash h known. */
struct g2_var *g2_var_bind_h(struct g2_interp *ip, const char *s, size_t n, uint32_t h)
{
	unsigned mask, i;
	struct g2_var *v;

	if (!n || (s[0] >= '0' && s[0] <= '9') ||
	    (n == 1 && (s[0] == '?' || s[0] == '#' || s[0] == '@' || s[0] == '*')))
		return NULL;
	/* the lookup inline: most references name a known variable */
	if (ip->var_size) {
		mask = ip->var_size - 1;
		for (i = h & mask; (v = ip->vars[i]); i = (i + 1) & mask)
			if (v->hash == h && v->len == n && g2_name_eq(v->name, s, n))
				return v;
	}
	return var_get(ip, s, n, h, false);
}

/* Bind a `$name` to its variable (see grub2.h). */
struct g2_var *g2_var_bind(struct g2_interp *ip, const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return g2_var_bind_h(ip, s, n, h);
}

/* Before the current context changes v: save its state in the context's
 * undo log (once per context). false on ENOMEM. */
static bool var_save(struct g2_interp *ip, struct g2_var *v)
{
	struct g2_env *e = ip->env;
	struct g2_undo *u;

	if (v->stamp == e->serial)
		return true;
	u = g2_alloc(&ip->envm, sizeof(*u));
	if (!u)
		return false;
	u->var = v;
	u->value = v->value;
	u->cap = v->cap;
	u->stamp = v->stamp;
	u->vlen = v->vlen;
	u->vsplit = v->vsplit;
	u->exported = v->exported;
	u->next = e->log;
	e->log = u;
	v->stamp = e->serial;
	v->cap = 0; /* the old bytes belong to the outer context: never rewritten */
	return true;
}

/* Value of a variable whose g2_hash is known, NULL when unset. */
const char *g2_get_h(struct g2_interp *ip, const char *name, uint32_t hash)
{
	struct g2_var *v = var_find(ip, name, hash);

	return v ? v->value : NULL;
}

/* Value of a variable, NULL when unset. */
const char *g2_get(struct g2_interp *ip, const char *name)
{
	return g2_get_h(ip, name, hash_name(name));
}

/* Store value[0..len) in v (saved in the current context already). */
static int store_value(struct g2_interp *ip, struct g2_var *v, const char *value, size_t len)
{
	char *nv;
	size_t cap;

	v->vlen = (uint32_t)len;
	v->vsplit = G2_VS_UNKNOWN;
	if (v->value && v->cap > len) {
		memmove(v->value, value, len);
		v->value[len] = '\0';
		return 0;
	}
	/* grow geometrically: a value rewritten ever longer leaves garbage in the
	 * arena bounded by its final size */
	cap = v->cap ? (size_t)v->cap * 2 : 16;
	while (cap < len + 1)
		cap *= 2;
	nv = g2_alloc(&ip->envm, cap);
	if (!nv)
		return -ENOMEM;
	memcpy(nv, value, len);
	nv[len] = '\0';
	v->value = nv;
	v->cap = (uint32_t)cap;
	return 0;
}

/* Set v to value[0..len) in the current context. */
static int var_set(struct g2_interp *ip, struct g2_var *v, const char *value, size_t len)
{
	if (len > G2_MAX_WORD_LEN) {
		g2_error(ip, 0, "refusing a value of %zu bytes for %s (G2_MAX_WORD_LEN is %u)", len,
			 v->name, G2_MAX_WORD_LEN);
		return -E2BIG;
	}
	if (!var_save(ip, v))
		return -ENOMEM;
	return store_value(ip, v, value, len);
}

static int set_value(struct g2_interp *ip, const char *name, uint32_t h, const char *value,
		     size_t len)
{
	struct g2_var *v = var_get(ip, name, strlen(name), h, true);

	if (!v)
		return -E2BIG;
	return var_set(ip, v, value, len);
}

/* Set a variable in the current context. */
int g2_set(struct g2_interp *ip, const char *name, const char *value)
{
	return set_value(ip, name, hash_name(name), value, strlen(value));
}

/* g2_set with the name's g2_hash known. */
int g2_set_h(struct g2_interp *ip, const char *name, uint32_t hash, const char *value)
{
	return set_value(ip, name, hash, value, strlen(value));
}

/* g2_set with the name given as name[0..n) and its g2_hash h. */
int g2_set_nh(struct g2_interp *ip, const char *name, size_t n, uint32_t h, const char *value)
{
	struct g2_var *v = var_get(ip, name, n, h, true);

	if (!v)
		return -E2BIG;
	return var_set(ip, v, value, strlen(value));
}

/* Unset a variable (in the current context: popping it brings it back). */
void g2_unset(struct g2_interp *ip, const char *name)
{
	struct g2_var *v = var_find(ip, name, hash_name(name));

	if (v && v->value && var_save(ip, v)) {
		v->value = NULL; /* its bytes stay for the outer context */
		v->vlen = 0;
		v->vsplit = G2_VS_ONE;
	}
}

/* Mark a variable exported (creating it empty if unset, as GRUB does). */
int g2_export(struct g2_interp *ip, const char *name)
{
	struct g2_var *v = var_get(ip, name, strlen(name), hash_name(name), true);

	if (!v)
		return -E2BIG;
	if (!v->value) {
		int r = var_set(ip, v, "", 0);

		if (r < 0)
			return r;
	}
	if (!var_save(ip, v))
		return -ENOMEM;
	v->exported = true;
	return 0;
}

/* Push an overlay or an isolated (exported-only) context. */
int g2_env_push(struct g2_interp *ip, bool overlay)
{
	struct g2_mark m = g2_arena_mark(&ip->envm);
	struct g2_env *e = g2_alloc(&ip->envm, sizeof(*e));
	unsigned i;

	if (!e)
		return -ENOMEM;
	e->mark = m;
	e->saved = ip->env;
	e->log = NULL;
	e->serial = ++ip->env_serial;
	ip->env = e;
	if (overlay)
		return 0;
	/* GRUB's new context holds copies of the exported variables only:
	 * hide the others until the pop (charged like commands) */
	ip->n_cmds += ip->n_vars;
	for (i = 0; i < ip->var_size; i++) {
		struct g2_var *v = ip->vars[i];

		if (!v || !v->value || v->exported)
			continue;
		if (!var_save(ip, v)) {
			g2_env_pop(ip);
			return -ENOMEM;
		}
		v->value = NULL;
		v->vlen = 0;
		v->vsplit = G2_VS_ONE;
	}
	return 0;
}

/* Pop the current context: every variable it changed gets its old state back. */
void g2_env_pop(struct g2_interp *ip)
{
	struct g2_env *e = ip->env;
	struct g2_undo *u;

	if (!e || !e->saved)
		return;
	for (u = e->log; u; u = u->next) {
		struct g2_var *v = u->var;

		v->value = u->value;
		v->cap = u->cap;
		v->stamp = u->stamp;
		v->vlen = u->vlen;
		v->vsplit = u->vsplit;
		v->exported = u->exported;
	}
	ip->env = e->saved;
	g2_arena_release(&ip->envm, e->mark);
}

/* ---- expansion ---- */

static __attribute__((noinline)) bool wbuf_grow(struct g2_interp *ip, size_t n)
{
	{
		size_t cap = ip->wcap ? ip->wcap : 256;
		char *nb;

		if (ip->wlen + n > G2_MAX_WORD_LEN) {
			g2_error(ip, 0, "refusing an expansion longer than %u bytes (G2_MAX_WORD_LEN)",
				 G2_MAX_WORD_LEN);
			return false;
		}
		while (cap < ip->wlen + n + 1)
			cap *= 2;
		nb = talloc_realloc_size(ip->mem, ip->wbuf, cap);
		if (!nb)
			return false;
		ip->wbuf = nb;
		ip->wcap = cap;
	}
	return true;
}

static inline bool wbuf_add(struct g2_interp *ip, const char *s, size_t n)
{
	if (__builtin_expect(ip->wlen + n + 1 > ip->wcap, 0) && !wbuf_grow(ip, n))
		return false;
	memcpy(ip->wbuf + ip->wlen, s, n);
	ip->wlen += n;
	return true;
}

static char *join_args(struct g2_interp *ip, unsigned argc, char **argv)
{
	size_t len = 0;
	unsigned i;
	char *s, *p;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = g2_alloc(&ip->tmp, len + 1);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, argv[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}

/* Value of $name (an unbound one: special parameters, past G2_MAX_VARS),
 * "" when unset. */
static const char *var_value(struct g2_interp *ip, const char *name)
{
	const char *v;

	if (name[0] >= '0' && name[0] <= '9') {
		unsigned long k = strtoul(name, NULL, 10);

		if (k == 0 || !ip->frame || k > ip->frame->argc)
			return "";
		return ip->frame->argv[k - 1];
	}
	if (!name[1]) {
		switch (name[0]) {
		case '?': {
			char *s = g2_alloc(&ip->tmp, 12);

			if (!s)
				return "";
			snprintf(s, 12, "%d", ip->status);
			return s;
		}
		case '#': {
			char *s = g2_alloc(&ip->tmp, 12);

			if (!s)
				return "";
			snprintf(s, 12, "%u", ip->frame ? ip->frame->argc : 0);
			return s;
		}
		case '@':
		case '*': {
			char *s = ip->frame ? join_args(ip, ip->frame->argc, ip->frame->argv) : NULL;

			return s ? s : "";
		}
		default:
			break;
		}
	}
	v = g2_get(ip, name);
	return v ? v : "";
}

struct argv_vec {
	char **v;
	unsigned n, cap;
	bool overflow;
};

static bool argv_push_slow(struct g2_interp *ip, struct argv_vec *av, char *s)
{
	if (av->n >= G2_MAX_ARGV) {
		if (!av->overflow)
			g2_error(ip, 0, "refusing a command of more than %u words (G2_MAX_ARGV)",
				 G2_MAX_ARGV);
		av->overflow = true;
		return false;
	}
	if (av->n + 1 >= av->cap) {
		unsigned cap = av->cap ? av->cap * 2 : 16;
		char **nv = g2_alloc(&ip->tmp, cap * sizeof(char *));

		if (!nv)
			return false;
		if (av->n)
			memcpy(nv, av->v, av->n * sizeof(char *));
		av->v = nv;
		av->cap = cap;
	}
	av->v[av->n++] = s;
	av->v[av->n] = NULL;
	return true;
}

static inline bool argv_push(struct g2_interp *ip, struct argv_vec *av, char *s)
{
	if (__builtin_expect(av->n + 1 < av->cap && av->n < G2_MAX_ARGV, 1)) {
		av->v[av->n++] = s;
		av->v[av->n] = NULL;
		return true;
	}
	return argv_push_slow(ip, av, s);
}

static bool emit_field(struct g2_interp *ip, struct argv_vec *av)
{
	char *s = g2_alloc(&ip->tmp, ip->wlen + 1);

	if (!s)
		return false;
	if (ip->wlen)
		memcpy(s, ip->wbuf, ip->wlen);
	s[ip->wlen] = '\0';
	ip->wlen = 0;
	return argv_push(ip, av, s);
}

static bool is_ifs(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* 1 for the bytes that split fields (blank, tab, newline), 2 for the NUL
 * that ends a value: a scan for either is one lookup per byte. */
static const unsigned char ifs_end[256] = {[0] = 2, [' '] = 1, ['\t'] = 1, ['\n'] = 1};

#define FAST_PARTS 8

/* memcpy for the short pieces words are made of: overlapping 8- or 4-byte
 * moves inside both ranges instead of a call. */
static inline void copy_small(char *d, const char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a = g2_ld8(s), b = g2_ld8(s + n - 8);

		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		uint32_t a = g2_ld4(s), b = g2_ld4(s + n - 4);

		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n < 4) {
		if (n) {
			char a = s[0], b = s[n / 2], c = s[n - 1];

			d[0] = a;
			d[n / 2] = b;
			d[n - 1] = c;
		}
	} else {
		memcpy(d, s, n);
	}
}

/* expand_word's fast path for a word of bound variables and literals whose
 * unquoted values hold no blank (one field, laid out once in the tmp
 * arena). 1 done, 0 not this case (nothing done), -1 allocation failure. */
static int expand_word_fast(struct g2_interp *ip, const struct g2_word *w, struct argv_vec *av)
{
	struct {
		const char *s;
		size_t n;
	} pv[FAST_PARTS];
	bool started = false;
	size_t total = 0;
	unsigned i;
	char *out, *o;

	if (w->n_parts > FAST_PARTS)
		return 0;
	for (i = 0; i < w->n_parts; i++) {
		const struct g2_part *pt = &w->parts[i];
		const char *v, *e;

		if (pt->type == G2_P_LIT) {
			pv[i].s = pt->s;
			pv[i].n = pt->len;
			started = true;
		} else {
			struct g2_var *var = pt->var;

			if (!var)
				return 0; /* special parameters: the general path */
			v = var->value ? var->value : "";
			if (pt->type == G2_P_QVAR) {
				started = true;
			} else {
				if (__builtin_expect(var->vsplit == G2_VS_UNKNOWN, 0)) {
					for (e = v; !ifs_end[(unsigned char)*e]; e++)
						;
					var->vsplit = *e ? G2_VS_SPLIT : G2_VS_ONE;
				}
				if (var->vsplit == G2_VS_SPLIT)
					return 0; /* fields to split */
				if (var->vlen)
					started = true;
			}
			pv[i].s = v;
			pv[i].n = var->vlen;
		}
		total += pv[i].n;
	}
	if (!started)
		return 1;
	if (total > G2_MAX_WORD_LEN)
		return 0; /* refused (and reported) by the general path */
	out = g2_alloc(&ip->tmp, total + 1);
	if (!out)
		return -1;
	o = out;
	for (i = 0; i < w->n_parts; i++) {
		copy_small(o, pv[i].s, pv[i].n);
		o += pv[i].n;
	}
	*o = '\0';
	return argv_push(ip, av, out) ? 1 : -1;
}

/* Word i of a command node as one field when that is what it expands to
 * by the fast path; NULL when the general path must decide (several or
 * no fields, special parameters) or on allocation failure. */
static const char *one_field(struct g2_interp *ip, const struct g2_node *n, unsigned i)
{
	char *v[2];
	struct argv_vec av = {v, 0, 2, false};

	if (n->cmd.argv[i])
		return n->cmd.argv[i];
	if (expand_word_fast(ip, n->cmd.words[i], &av) != 1 || av.n != 1)
		return NULL;
	return v[0];
}

/* Does word w expand to exactly the one field t[0..tl)? 1 yes, 0 no, -1
 * when the fast path cannot tell (as one_field). Compared piece by piece,
 * nothing built. */
static int word_is_text(const struct g2_word *w, const char *t, size_t tl)
{
	bool started = false, eq = true;
	size_t off = 0, total = 0;
	unsigned i;

	for (i = 0; i < w->n_parts; i++) {
		const struct g2_part *pt = &w->parts[i];
		const char *v;
		size_t n;

		if (pt->type == G2_P_LIT) {
			v = pt->s;
			n = pt->len;
			started = true;
		} else {
			struct g2_var *var = pt->var;

			if (!var)
				return -1;
			v = var->value ? var->value : "";
			n = var->vlen;
			if (pt->type == G2_P_QVAR) {
				started = true;
			} else {
				if (var->vsplit == G2_VS_UNKNOWN) {
					const char *e;

					for (e = v; !ifs_end[(unsigned char)*e]; e++)
						;
					var->vsplit = *e ? G2_VS_SPLIT : G2_VS_ONE;
				}
				if (var->vsplit == G2_VS_SPLIT)
					return -1; /* more fields: another test */
				if (n)
					started = true;
			}
		}
		/* every part is still checked for the cases above */
		total += n;
		if (eq && (n > tl - off || !g2_name_eq(v, t + off, n)))
			eq = false;
		else
			off += n;
	}
	if (!started || total > G2_MAX_WORD_LEN)
		return -1; /* no field: another test; too long: refused there */
	return eq && off == tl;
}

/* `[ A = B ]`, `[ A != B ]` (G2_SHAPE_TEST_*) without an argv: what
 * g2_cmd_test would return, or -1 when it has to run after all. */
static int test_shortcut(struct g2_interp *ip, const struct g2_node *n)
{
	const char *a = n->cmd.argv[1], *b = n->cmd.argv[3];
	int eq;

	if (a && b) {
		eq = strcmp(a, b) == 0;
	} else if (b) {
		eq = word_is_text(n->cmd.words[1], b, strlen(b));
	} else {
		if (!a && !(a = one_field(ip, n, 1)))
			return -1;
		eq = word_is_text(n->cmd.words[3], a, strlen(a));
	}
	if (eq < 0)
		return -1;
	return (n->shape == G2_SHAPE_TEST_EQ) == (eq == 1) ? 0 : 1;
}

/* Expand one word into fields appended to av. split=false keeps it one field. */
static bool expand_word(struct g2_interp *ip, const struct g2_word *w, struct argv_vec *av, bool split)
{
	bool started = false;
	unsigned i;

	if (w->n_parts == 1 && w->parts[0].type == G2_P_LIT)
		return argv_push(ip, av, (char *)w->parts[0].s);
	if (split) {
		int r = expand_word_fast(ip, w, av);

		if (r)
			return r > 0;
	}
	ip->wlen = 0;
	for (i = 0; i < w->n_parts; i++) {
		const struct g2_part *pt = &w->parts[i];
		const char *v;

		if (pt->type == G2_P_LIT) {
			if (!wbuf_add(ip, pt->s, pt->len))
				return false;
			started = true;
			continue;
		}
		if (pt->type == G2_P_QVAR && pt->s[0] == '@' && !pt->s[1] && split && ip->frame) {
			/* "$@": one field per positional parameter, as in sh */
			unsigned k;

			for (k = 0; k < ip->frame->argc; k++) {
				const char *a = ip->frame->argv[k];

				if (k && !emit_field(ip, av))
					return false;
				if (!wbuf_add(ip, a, strlen(a)))
					return false;
				started = true;
			}
			continue;
		}
		if (pt->var)
			v = pt->var->value ? pt->var->value : "";
		else
			v = var_value(ip, pt->s);
		if (pt->type == G2_P_QVAR || !split) {
			if (!wbuf_add(ip, v, strlen(v)))
				return false;
			started = true;
			continue;
		}
		/* unquoted: split into fields on blanks */
		while (*v) {
			const char *s = v;

			if (is_ifs(*v)) {
				while (is_ifs(*v))
					v++;
				if (started && !emit_field(ip, av))
					return false;
				started = false;
				continue;
			}
			while (!ifs_end[(unsigned char)*v])
				v++;
			if (!wbuf_add(ip, s, (size_t)(v - s)))
				return false;
			started = true;
		}
	}
	if (started)
		return emit_field(ip, av);
	return true;
}

/* Expand a command node's words into argv (see struct g2_node). */
static int expand_words(struct g2_interp *ip, struct g2_node *nd, unsigned *ret_argc,
			char ***ret_argv)
{
	struct argv_vec av = {NULL, 0, 0, false};
	unsigned n = nd->cmd.n, i;

	av.cap = n + 4;
	av.v = g2_alloc(&ip->tmp, av.cap * sizeof(char *));
	if (!av.v)
		return -ENOMEM;
	av.v[0] = NULL;
	for (i = 0; i < n; i++) {
		if (nd->cmd.argv[i]) {
			if (!argv_push(ip, &av, nd->cmd.argv[i]))
				break;
		} else if (!expand_word(ip, nd->cmd.words[i], &av, true)) {
			break;
		}
	}
	av.v[av.n] = NULL;
	*ret_argc = av.n;
	*ret_argv = av.v;
	return 0;
}

/* The words of a command node as argv: the one prepared at parse time
 * when they are all literal, else expanded now. */
static inline int node_args(struct g2_interp *ip, struct g2_node *n, unsigned *ret_argc,
			    char ***ret_argv)
{
	if (!n->cmd.words) {
		*ret_argc = n->cmd.n;
		*ret_argv = n->cmd.argv;
		return 0;
	}
	return expand_words(ip, n, ret_argc, ret_argv);
}

/* ---- execution ---- */

/* Initial command table size: over four times the builtin and ignored
 * names, so that lookups (one per command run) rarely probe twice. */
#define G2_CMD_TABLE_MIN 512u

/* Command table lookup by name[0..n) and its g2_cmd_hash. */
static inline struct g2_cmd *cmd_find(struct g2_interp *ip, const char *name, size_t n, uint32_t h)
{
	unsigned mask, i;

	if (!ip->cmd_size)
		return NULL;
	mask = ip->cmd_size - 1;
	for (i = h & mask; ip->cmds[i].name; i = (i + 1) & mask)
		if (ip->cmds[i].hash == h && ip->cmds[i].len == n &&
		    g2_name_eq(ip->cmds[i].name, name, n))
			return &ip->cmds[i];
	return NULL;
}

/* Command table lookup by name[0..n) and its g2_cmd_hash. */
struct g2_cmd *g2_cmd_find_h(struct g2_interp *ip, const char *name, size_t n, uint32_t h)
{
	return cmd_find(ip, name, n, h);
}

/* Command table lookup (insert when create). */
struct g2_cmd *g2_cmd_get(struct g2_interp *ip, const char *name, bool create)
{
	size_t n = strlen(name);
	uint32_t h = g2_cmd_hash(name, n);
	struct g2_cmd *c = cmd_find(ip, name, n, h);
	unsigned mask, i;

	if (c || !create)
		return c;
	if ((ip->cmd_count + 1) * 2 > ip->cmd_size) {
		unsigned size = ip->cmd_size ? ip->cmd_size * 2 : G2_CMD_TABLE_MIN;
		struct g2_cmd *t = talloc_zero_array(ip->mem, struct g2_cmd, size);

		if (!t)
			return NULL;
		for (i = 0; i < ip->cmd_size; i++) {
			unsigned j;

			if (!ip->cmds[i].name)
				continue;
			for (j = ip->cmds[i].hash & (size - 1); t[j].name; j = (j + 1) & (size - 1))
				;
			t[j] = ip->cmds[i];
		}
		talloc_free(ip->cmds);
		ip->cmds = t;
		ip->cmd_size = size;
	}
	mask = ip->cmd_size - 1;
	for (i = h & mask; ip->cmds[i].name; i = (i + 1) & mask)
		;
	ip->cmds[i].name = g2_strndup(&ip->keep, name, n); /* not under the table: it moves */
	if (!ip->cmds[i].name)
		return NULL;
	ip->cmds[i].hash = h;
	ip->cmds[i].len = (uint32_t)n;
	ip->cmd_count++;
	ip->cmd_gen++; /* cached lookups (g2_node.cmd) may be stale now */
	return &ip->cmds[i];
}

static int define_func(struct g2_interp *ip, struct g2_node *n)
{
	struct g2_cmd *c = g2_cmd_get(ip, n->name, false);

	ip->retain_seq++;
	if (!c || !c->func) {
		if (ip->n_funcs >= G2_MAX_FUNCTIONS) {
			g2_error(ip, n->line, "refusing more than %u functions (G2_MAX_FUNCTIONS)",
				 G2_MAX_FUNCTIONS);
			return 1;
		}
		if (!c)
			c = g2_cmd_get(ip, n->name, true);
		if (!c)
			return 1;
		ip->n_funcs++;
	}
	c->func = n->body;
	return 0;
}

static int call_func(struct g2_interp *ip, struct g2_node *body, unsigned argc, char **argv)
{
	struct g2_frame fr = {argc - 1, argv + 1, ip->frame};
	unsigned saved_loops = ip->loop_depth;
	int st;

	if (ip->call_depth >= G2_MAX_CALL_DEPTH) {
		g2_error(ip, 0, "%s: refusing function calls nested deeper than %u (G2_MAX_CALL_DEPTH)",
			 argv[0], G2_MAX_CALL_DEPTH);
		return 1;
	}
	ip->call_depth++;
	ip->frame = &fr;
	ip->loop_depth = 0;
	st = g2_exec_list(ip, body);
	if (ip->ctl == G2_CTL_RETURN) {
		st = (int)ip->ctl_n;
		ip->ctl = G2_CTL_NONE;
	} else if (ip->ctl == G2_CTL_BREAK || ip->ctl == G2_CTL_CONTINUE) {
		ip->ctl = G2_CTL_NONE;
	}
	ip->loop_depth = saved_loops;
	ip->frame = fr.prev;
	ip->call_depth--;
	return st;
}

/* Run a command by argv. */
int g2_run_argv(struct g2_interp *ip, unsigned argc, char **argv, unsigned line)
{
	struct g2_cmd *c;

	if (!argc)
		return 0;
	if (line)
		ip->line = line;
	c = g2_cmd_get(ip, argv[0], false);
	if (c) {
		/* GRUB looks up commands before functions */
		if (c->fn)
			return c->fn(ip, argc, argv);
		if (c->func)
			return call_func(ip, c->func, argc, argv);
		if (c->noop)
			return 0;
	}
	g2_error(ip, 0, "can't find command '%.64s' (ignored)", argv[0]);
	return 1;
}

static bool count_command(struct g2_interp *ip)
{
	if (++ip->n_cmds > G2_MAX_COMMANDS) {
		g2_error(ip, 0, "stopping: more than %u commands executed (G2_MAX_COMMANDS)",
			 G2_MAX_COMMANDS);
		ip->aborted = true;
		return false;
	}
	return true;
}

static int exec_cmd(struct g2_interp *ip, struct g2_node *n)
{
	unsigned argc;
	char **argv;
	int st;

	if (!count_command(ip))
		return 1;
	if (!n->cmd.n)
		return 0;
	if (n->assign) {
		struct argv_vec av = {NULL, 0, 0, false};
		char *eq;

		if (n->cmd.argv[0]) {
			av.v = n->cmd.argv;
			av.n = 1;
		} else if (!expand_word(ip, n->cmd.words[0], &av, false) || !av.n) {
			return 1;
		}
		eq = strchr(av.v[0], '=');
		*eq = '\0';
		st = g2_set(ip, av.v[0], eq + 1) < 0;
		*eq = '=';
		return st;
	}
	if (n->plain0) {
		/* ignored commands (insmod, echo, ...) need no expansion */
		struct g2_cmd *c;

		if (n->cmd_gen == ip->cmd_gen) {
			c = n->ccmd;
		} else {
			c = cmd_find(ip, n->cmd.argv[0], n->cmd.len0, n->hash);
			n->ccmd = c;
			n->cmd_gen = ip->cmd_gen;
		}

		if (c && c->noop && !c->fn && !c->func)
			return 0;
		if (n->shape && c && c->fn == g2_cmd_test) {
			st = test_shortcut(ip, n);
			if (st >= 0)
				return st;
		}
		if (c && (c->fn || c->func)) {
			if (node_args(ip, n, &argc, &argv) < 0 || !argc)
				return 1;
			if (c->fn)
				return c->fn(ip, argc, argv);
			return call_func(ip, c->func, argc, argv);
		}
	}
	if (node_args(ip, n, &argc, &argv) < 0)
		return 1;
	return g2_run_argv(ip, argc, argv, 0);
}

static int exec_menu(struct g2_interp *ip, struct g2_node *n)
{
	unsigned argc;
	char **argv;
	int st = 0;

	if (!count_command(ip))
		return 1;
	if (node_args(ip, n, &argc, &argv) < 0)
		return 1;
	if (n->type == G2_N_SUBMENU) {
		if (g2_submenu_begin(ip, argc, argv) < 0)
			return 1;
		g2_exec_list(ip, n->body);
		if (ip->ctl != G2_CTL_EXIT)
			ip->ctl = G2_CTL_NONE;
		g2_submenu_end(ip);
	} else {
		bool run = false;

		st = g2_menuentry_begin(ip, argc, argv, &run) < 0;
		if (run) {
			unsigned saved_loops = ip->loop_depth;

			ip->loop_depth = 0;
			g2_exec_list(ip, n->body);
			ip->loop_depth = saved_loops;
			if (ip->ctl != G2_CTL_EXIT)
				ip->ctl = G2_CTL_NONE;
			g2_menuentry_end(ip);
		}
	}
	return st;
}

/* Loop control after one body run: true to leave the loop. */
static bool loop_ctl(struct g2_interp *ip)
{
	if (ip->ctl == G2_CTL_BREAK || ip->ctl == G2_CTL_CONTINUE) {
		bool brk = ip->ctl == G2_CTL_BREAK;

		if (ip->ctl_n > 1) {
			ip->ctl_n--;
			return true; /* propagate to the enclosing loop */
		}
		ip->ctl = G2_CTL_NONE;
		return brk;
	}
	return ip->ctl != G2_CTL_NONE || ip->aborted;
}

static int exec_for(struct g2_interp *ip, struct g2_node *n)
{
	unsigned argc, i;
	char **argv;
	int st = 0;

	if (node_args(ip, n, &argc, &argv) < 0)
		return 1;
	ip->loop_depth++;
	for (i = 0; i < argc; i++) {
		if (i >= G2_MAX_LOOP_ITERATIONS) {
			g2_error(ip, n->line, "for: stopping after %u iterations (G2_MAX_LOOP_ITERATIONS)",
				 G2_MAX_LOOP_ITERATIONS);
			break;
		}
		if (g2_set(ip, n->name, argv[i]) < 0)
			break;
		st = g2_exec_list(ip, n->body);
		if (loop_ctl(ip))
			break;
	}
	ip->loop_depth--;
	return st;
}

static int exec_while(struct g2_interp *ip, struct g2_node *n)
{
	unsigned iter = 0;
	int st = 0;

	ip->loop_depth++;
	for (;;) {
		struct g2_mark m = g2_arena_mark(&ip->tmp);
		int c;

		if (iter++ >= G2_MAX_LOOP_ITERATIONS) {
			g2_error(ip, n->line, "%s: stopping after %u iterations (G2_MAX_LOOP_ITERATIONS)",
				 n->type == G2_N_WHILE ? "while" : "until", G2_MAX_LOOP_ITERATIONS);
			break;
		}
		c = g2_exec_list(ip, n->if_.cond);
		g2_arena_release(&ip->tmp, m);
		if (ip->ctl != G2_CTL_NONE || ip->aborted) {
			loop_ctl(ip);
			break;
		}
		if ((c == 0) != (n->type == G2_N_WHILE))
			break;
		st = g2_exec_list(ip, n->body);
		g2_arena_release(&ip->tmp, m);
		if (loop_ctl(ip))
			break;
	}
	ip->loop_depth--;
	return st;
}

static int exec_node(struct g2_interp *ip, struct g2_node *n)
{
	struct g2_mark m = g2_arena_mark(&ip->tmp);
	int st = 0;

	ip->line = n->line;
	switch (n->type) {
	case G2_N_CMD:
		st = exec_cmd(ip, n);
		break;
	case G2_N_IF: {
		int c = g2_exec_list(ip, n->if_.cond);

		if (ip->ctl != G2_CTL_NONE || ip->aborted)
			break;
		if (c == 0)
			st = g2_exec_list(ip, n->if_.then_);
		else if (n->if_.else_)
			st = g2_exec_list(ip, n->if_.else_);
		break;
	}
	case G2_N_FOR:
		st = exec_for(ip, n);
		break;
	case G2_N_WHILE:
	case G2_N_UNTIL:
		st = exec_while(ip, n);
		break;
	case G2_N_FUNC:
		st = define_func(ip, n);
		break;
	case G2_N_MENUENTRY:
	case G2_N_SUBMENU:
		st = exec_menu(ip, n);
		break;
	default:
		break;
	}
	g2_arena_release(&ip->tmp, m);
	if (n->negate)
		st = !st;
	ip->status = st;
	return st;
}

/* Run a command list; the status of the last command. */
int g2_exec_list(struct g2_interp *ip, struct g2_node *n)
{
	int st = 0;

	for (; n; n = n->next) {
		if (ip->aborted || ip->ctl != G2_CTL_NONE)
			break;
		st = exec_node(ip, n);
	}
	return st;
}

/* Run a buffer as a script file, one top-level item at a time. */
int g2_run_buffer(struct g2_interp *ip, const char *file, char *buf, size_t len)
{
	const char *saved_file = ip->file;
	unsigned saved_line = ip->line;
	struct g2_parser *ps = talloc_zero(ip->mem, struct g2_parser);
	unsigned open = 0;

	if (!ps)
		return -ENOMEM;
	ip->file = file;
	g2_parser_init(ps, ip, &ip->ast, file, buf, len);
	while (!ip->aborted) {
		struct g2_mark m = g2_arena_mark(&ip->ast);
		unsigned seq = ip->retain_seq;
		struct g2_node *n = NULL;
		int r = g2_parse_item(ps, open, &n);

		if (r < 0) {
			if (r == -ENOMEM)
				break;
			g2_arena_release(&ip->ast, m);
			continue;
		}
		if (!n)
			break;
		if (n->type == G2_N_SUBMENU_OPEN) {
			struct g2_mark tm = g2_arena_mark(&ip->tmp);
			unsigned argc = 0;
			char **argv = NULL;

			ip->line = n->line;
			if (count_command(ip) &&
			    node_args(ip, n, &argc, &argv) == 0) {
				g2_submenu_begin(ip, argc, argv);
			} else {
				char *none[1] = {NULL};

				g2_submenu_begin(ip, 0, none);
			}
			g2_arena_release(&ip->tmp, tm);
			open++;
		} else if (n->type == G2_N_SUBMENU_CLOSE) {
			g2_submenu_end(ip);
			open--;
		} else {
			g2_exec_list(ip, n);
		}
		if (ip->ctl == G2_CTL_EXIT)
			break;
		ip->ctl = G2_CTL_NONE;
		if (seq == ip->retain_seq)
			g2_arena_release(&ip->ast, m);
	}
	if (open && !ip->aborted && ip->ctl != G2_CTL_EXIT)
		g2_error(ip, ps->lx.line, "submenu: missing '}' before the end of the file");
	while (open--)
		g2_submenu_end(ip);
	if (ip->ctl == G2_CTL_EXIT)
		ip->ctl = G2_CTL_NONE;
	talloc_free(ps->lx.buf);
	talloc_free(ps->lx.parts);
	talloc_free(ps->wv);
	talloc_free(ps->sv);
	talloc_free(ps);
	ip->file = saved_file;
	ip->line = saved_line;
	return 0;
}
