/* kexboot GRUB2 parser: bump arenas and the lexer.
 *
 * The lexer follows the GRUB manual's "Shell-like scripting" rules: words
 * are broken by blanks, newlines, ';' and the braces '{' '}'; '#' starts a
 * comment at the beginning of a word; single quotes are literal; double
 * quotes expand $var and honour the escapes \\ \" \$ and backslash-newline;
 * an unquoted backslash quotes the next character (backslash-newline joins
 * lines). '|', '&', '<' and '>' are reserved by GRUB and reported.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/grub2.h"


/* Start an empty arena whose chunks are talloc children of owner. */
void g2_arena_init(struct g2_arena *a, void *owner)
{
	a->cur = NULL;
	a->spare = NULL;
	a->owner = owner;
}

/* n bytes (8-aligned already) from a new or spare chunk. */
void *g2_alloc_slow(struct g2_arena *a, size_t n)
{
	struct g2_chunk *c = a->cur;
	void *p;

	n = (n + 7u) & ~(size_t)7u;
	if (!c || c->size - c->used < n) {
		size_t sz = n > G2_ARENA_CHUNK ? n : G2_ARENA_CHUNK;

		if (a->spare && a->spare->size >= n) {
			c = a->spare; /* reuse the chunk the last release kept */
			a->spare = NULL;
			sz = c->size;
		} else {
			c = talloc_size(a->owner, sizeof(*c) + sz);
			if (!c)
				return NULL;
			talloc_set_name_const(c, "g2_chunk");
		}
		c->prev = a->cur;
		c->size = sz;
		c->used = 0;
		a->cur = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

/* g2_arena_release across chunks (chunks allocated after m are freed). */
void g2_arena_release_slow(struct g2_arena *a, struct g2_mark m)
{
	while (a->cur && a->cur != m.chunk) {
		struct g2_chunk *prev = a->cur->prev;

		/* keep one chunk for the next allocation: a per-command
		 * mark/release cycle then costs no malloc at all */
		if (a->spare)
			talloc_free(a->spare);
		a->spare = a->cur;
		a->cur = prev;
	}
	if (a->cur)
		a->cur->used = m.used;
}

/* ---- lexer ---- */

enum {
	C_WORD = 0, /* ordinary word character */
	C_BLANK = 1,
	C_NL = 2,
	C_SEMI = 3,
	C_LBRACE = 4,
	C_RBRACE = 5,
	C_BAD = 6,
	C_SQ = 7,
	C_DQ = 8,
	C_BSL = 9,
	C_DOLLAR = 10,
	C_NUL = 11,
};

static const unsigned char cclass[256] = {
	[' '] = C_BLANK, ['\t'] = C_BLANK, ['\r'] = C_BLANK, ['\f'] = C_BLANK, ['\v'] = C_BLANK,
	['\n'] = C_NL,   [';'] = C_SEMI,   ['{'] = C_LBRACE, ['}'] = C_RBRACE, ['|'] = C_BAD,
	['&'] = C_BAD,   ['<'] = C_BAD,    ['>'] = C_BAD,    ['\''] = C_SQ,    ['"'] = C_DQ,
	['\\'] = C_BSL,  ['$'] = C_DOLLAR, [0] = C_NUL,
};

/* 1: a name character ([A-Za-z0-9_]); 2: also a name start ([A-Za-z_]). */
const unsigned char g2_namec[256] = {
	['_'] = 3,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3, ['g'] = 3,
	['h'] = 3, ['i'] = 3, ['j'] = 3, ['k'] = 3, ['l'] = 3, ['m'] = 3, ['n'] = 3,
	['o'] = 3, ['p'] = 3, ['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3, ['u'] = 3,
	['v'] = 3, ['w'] = 3, ['x'] = 3, ['y'] = 3, ['z'] = 3,
	['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3,
	['H'] = 3, ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3,
	['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3,
	['V'] = 3, ['W'] = 3, ['X'] = 3, ['Y'] = 3, ['Z'] = 3,
};

/* Start lexing buf[0..len); buf[len] must be '\0'. Words are cut out of buf
 * in place (a NUL written over the blank that ends them), so buf must stay
 * as long as the AST built from it. */
void g2_lexer_init(struct g2_lexer *lx, struct g2_interp *ip, struct g2_arena *arena,
		   const char *file, char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = buf;
	lx->end = buf + len;
	lx->line = 1;
	lx->arena = arena;
	lx->ip = ip;
	lx->file = file;
}

/* The end of the run of word characters starting at q (the NUL at the end
 * of the buffer stops it). */
static inline char *scan_word(char *q)
{
	/* unrolled: words are short, but the loop branch is half the cost */
	for (;;) {
		if (cclass[(unsigned char)q[0]] != C_WORD)
			return q;
		if (cclass[(unsigned char)q[1]] != C_WORD)
			return q + 1;
		if (cclass[(unsigned char)q[2]] != C_WORD)
			return q + 2;
		if (cclass[(unsigned char)q[3]] != C_WORD)
			return q + 3;
		q += 4;
	}
}

/* The end of the run of name characters ([A-Za-z0-9_]) starting at q. */
static inline char *scan_name(char *q)
{
	for (;;) {
		if (!g2_namec[(unsigned char)q[0]])
			return q;
		if (!g2_namec[(unsigned char)q[1]])
			return q + 1;
		if (!g2_namec[(unsigned char)q[2]])
			return q + 2;
		if (!g2_namec[(unsigned char)q[3]])
			return q + 3;
		q += 4;
	}
}

static inline uint16_t ld2(const char *s)
{
	uint16_t v;

	memcpy(&v, s, 2);
	return v;
}

/* The reserved word s[0..n) is, or G2_KW_NONE: by length, then whole loads
 * compared with the keywords' own (constants once compiled). */
static inline uint8_t keyword_of(const char *s, size_t n)
{
	uint32_t w;

	switch (n) {
	case 1:
		return s[0] == '!' ? G2_KW_BANG : G2_KW_NONE;
	case 2: {
		uint16_t h = ld2(s);

		return h == ld2("if")	? G2_KW_IF
		       : h == ld2("fi") ? G2_KW_FI
		       : h == ld2("in") ? G2_KW_IN
		       : h == ld2("do") ? G2_KW_DO
					: G2_KW_NONE;
	}
	case 3:
		return ld2(s) == ld2("fo") && s[2] == 'r' ? G2_KW_FOR : G2_KW_NONE;
	case 4:
		w = g2_ld4(s);
		return w == g2_ld4("then")   ? G2_KW_THEN
		       : w == g2_ld4("elif") ? G2_KW_ELIF
		       : w == g2_ld4("else") ? G2_KW_ELSE
		       : w == g2_ld4("done") ? G2_KW_DONE
					     : G2_KW_NONE;
	case 5:
		w = g2_ld4(s);
		return w == g2_ld4("whil") && s[4] == 'e'   ? G2_KW_WHILE
		       : w == g2_ld4("unti") && s[4] == 'l' ? G2_KW_UNTIL
							    : G2_KW_NONE;
	case 7:
		return g2_ld4(s) == g2_ld4("subm") && g2_ld4(s + 3) == g2_ld4("menu")
			       ? G2_KW_SUBMENU
			       : G2_KW_NONE;
	case 8:
		return g2_ld8(s) == g2_ld8("function") ? G2_KW_FUNCTION : G2_KW_NONE;
	case 9:
		return g2_ld8(s) == g2_ld8("menuentr") && s[8] == 'y' ? G2_KW_MENUENTRY
								      : G2_KW_NONE;
	default:
		return G2_KW_NONE;
	}
}

/* A one-part literal word whose NUL-terminated text is already in place. */
static inline struct g2_word *lit_word_at(struct g2_lexer *lx, const char *text, size_t n,
					  bool plain)
{
	struct g2_word *w = g2_alloc(lx->arena, sizeof(*w) + sizeof(struct g2_part));

	if (!w)
		return NULL;
	w->n_parts = 1;
	w->plain = plain;
	w->parts[0].type = G2_P_LIT;
	w->parts[0].len = (uint32_t)n;
	w->parts[0].s = text;
	w->parts[0].var = NULL;
	return w;
}

static __attribute__((noinline)) bool buf_grow(struct g2_lexer *lx, size_t more)
{
	size_t want = lx->buf_len + more + 1;
	size_t cap = lx->buf_cap ? lx->buf_cap * 2 : 256;
	char *nb;

	if (want > G2_MAX_WORD_LEN + 1) {
		lx->oom = true; /* reported by the caller as a word-length refusal */
		return false;
	}
	while (cap < want)
		cap *= 2;
	nb = talloc_realloc_size(lx->arena->owner, lx->buf, cap);
	if (!nb) {
		lx->oom = true;
		return false;
	}
	lx->buf = nb;
	lx->buf_cap = cap;
	return true;
}

static inline void buf_add(struct g2_lexer *lx, const char *s, size_t n)
{
	if (__builtin_expect(lx->buf_len + n + 1 > lx->buf_cap, 0) && !buf_grow(lx, n))
		return;
	memcpy(lx->buf + lx->buf_len, s, n);
	lx->buf_len += n;
}

static inline void buf_add1(struct g2_lexer *lx, char c)
{
	if (__builtin_expect(lx->buf_len + 2 > lx->buf_cap, 0) && !buf_grow(lx, 1))
		return;
	lx->buf[lx->buf_len++] = c;
}

static __attribute__((noinline)) bool parts_grow(struct g2_lexer *lx)
{
	unsigned cap = lx->parts_cap ? lx->parts_cap * 2 : 16;
	struct g2_part *np;

	if (cap > G2_MAX_WORD_LEN) {
		lx->oom = true;
		return false;
	}
	np = talloc_realloc(lx->arena->owner, lx->parts, struct g2_part, cap);
	if (!np) {
		lx->oom = true;
		return false;
	}
	lx->parts = np;
	lx->parts_cap = cap;
	return true;
}

static inline void part_push(struct g2_lexer *lx, uint32_t type, size_t n)
{
	struct g2_part *pt;

	if (__builtin_expect(lx->n_parts == lx->parts_cap, 0) && !parts_grow(lx))
		return;
	pt = &lx->parts[lx->n_parts++];
	pt->type = type;
	pt->len = (uint32_t)n; /* text is in buf; copied when the word is finished */
}

/* End the literal collected in buf as a part. */
static inline void flush_lit(struct g2_lexer *lx, bool *have_lit)
{
	if (!*have_lit)
		return;
	part_push(lx, G2_P_LIT, lx->buf_len); /* the running offset: made a length later */
	*have_lit = false;
}

/* Parse a $-reference at lx->p (pointing at '$'); adds a VAR/QVAR part or a literal '$'. */
static void lex_dollar(struct g2_lexer *lx, bool quoted, bool *have_lit)
{
	const char *p = lx->p + 1;
	const char *name;
	size_t n;

	/* p <= lx->end, and *lx->end is '\0': no bounds checks needed */
	if (*p == '{') {
		const char *e = p + 1;

		while (*e != '}' && *e != '\n' && e < lx->end)
			e++;
		if (*e != '}') {
			/* unterminated ${: keep literally */
			buf_add1(lx, '$');
			*have_lit = true;
			lx->p++;
			return;
		}
		name = p + 1;
		n = (size_t)(e - name);
		lx->p = (char *)e + 1;
	} else if (g2_namec[(unsigned char)*p] & 2) {
		const char *e = p + 1;

		while (g2_namec[(unsigned char)*e])
			e++;
		name = p;
		n = (size_t)(e - p);
		lx->p = (char *)e;
	} else if (*p >= '0' && *p <= '9') {
		const char *e = p + 1;

		while (*e >= '0' && *e <= '9')
			e++;
		name = p;
		n = (size_t)(e - p);
		lx->p = (char *)e;
	} else if (*p == '?' || *p == '#' || *p == '@' || *p == '*') {
		name = p;
		n = 1;
		lx->p = (char *)p + 1;
	} else {
		buf_add1(lx, '$');
		*have_lit = true;
		lx->p++;
		return;
	}
	flush_lit(lx, have_lit);
	/* the variable name is stored in buf too, after the literals */
	buf_add(lx, name, n);
	part_push(lx, quoted ? G2_P_QVAR : G2_P_VAR, n);
}

/* Does a byte of this class end a word? */
static inline bool ends_word_class(unsigned char k)
{
	return (k >= C_BLANK && k <= C_BAD) || k == C_NUL;
}

/* Finish the word collected in the scratch buffers into the arena. */
static struct g2_word *finish_word(struct g2_lexer *lx, bool plain)
{
	struct g2_word *w;
	size_t off = 0;
	unsigned i;
	char *text;

	if (lx->oom)
		return NULL;
	w = g2_alloc(lx->arena, sizeof(*w) + lx->n_parts * sizeof(struct g2_part) + lx->buf_len +
				   lx->n_parts);
	if (!w) {
		lx->oom = true;
		return NULL;
	}
	text = (char *)w + sizeof(*w) + lx->n_parts * sizeof(struct g2_part);
	w->n_parts = lx->n_parts;
	w->plain = plain && lx->n_parts == 1 && lx->parts[0].type == G2_P_LIT;
	for (i = 0; i < lx->n_parts; i++) {
		struct g2_part *pt = &w->parts[i];
		size_t n = lx->parts[i].len;

		pt->type = lx->parts[i].type;
		pt->len = (uint32_t)n;
		if (n) /* buf is still NULL when every part is empty */
			memcpy(text, lx->buf + off, n);
		text[n] = '\0';
		pt->s = text;
		pt->var = pt->type != G2_P_LIT ? g2_var_bind(lx->ip, text, n) : NULL;
		text += n + 1;
		off += n;
	}
	return w;
}

#define SIMPLE_MAX_PARTS 8

/* Fast path of lex_word for a word made only of unquoted literal runs and
 * $name / ${name} / $1 / $? references (the common "/boot/vmlinuz-${kver}"):
 * measured first, then laid out in one allocation. NULL (nothing consumed)
 * when the word needs the general path. */
static struct g2_word *lex_word_simple(struct g2_lexer *lx)
{
	struct {
		uint32_t type, len;
		const char *s;
		uint32_t hash; /* G2_P_VAR: g2_hash of the name */
	} pv[SIMPLE_MAX_PARTS];
	unsigned np = 0, i;
	size_t text = 0;
	const char *p = lx->p;
	struct g2_word *w;

	for (;;) {
		unsigned char k = cclass[(unsigned char)*p];
		const char *name, *e;
		uint32_t h = 2166136261u;

		if (k == C_WORD) {
			e = scan_word((char *)p);
			if (np && pv[np - 1].type == G2_P_LIT)
				return NULL; /* only after a literal '$': general path */
			if (np == SIMPLE_MAX_PARTS)
				return NULL;
			pv[np].type = G2_P_LIT;
			pv[np].s = p;
			pv[np].len = (uint32_t)(e - p);
			np++;
			text += (size_t)(e - p) + 1;
			p = e;
			continue;
		}
		if (k != C_DOLLAR)
			break;
		name = p + 1;
		if (*name == '{') {
			name++;
			for (e = name; *e != '}' && *e != '\n' && e < lx->end; e++)
				h = (h ^ (unsigned char)*e) * 16777619u;
			if (*e != '}')
				return NULL;
			p = e + 1;
		} else if (g2_namec[(unsigned char)*name] & 2) {
			for (e = name; g2_namec[(unsigned char)*e]; e++)
				h = (h ^ (unsigned char)*e) * 16777619u;
			p = e;
		} else if (*name >= '0' && *name <= '9') {
			for (e = name + 1; *e >= '0' && *e <= '9'; e++)
				;
			p = e;
		} else if (*name == '?' || *name == '#' || *name == '@' || *name == '*') {
			e = name + 1;
			p = e;
		} else {
			return NULL; /* a literal '$' */
		}
		if (np == SIMPLE_MAX_PARTS || (size_t)(e - name) > G2_MAX_WORD_LEN)
			return NULL;
		pv[np].type = G2_P_VAR;
		pv[np].s = name;
		pv[np].len = (uint32_t)(e - name);
		pv[np].hash = h;
		np++;
		text += (size_t)(e - name) + 1;
	}
	if (!ends_word_class(cclass[(unsigned char)*p]) || !np || text > G2_MAX_WORD_LEN)
		return NULL;
	if (np == 1 && pv[0].type == G2_P_LIT)
		return NULL; /* no $ after all: g2_lex's literal paths */
	/* the parts point into the buffer (it lives as long as the AST): a
	 * literal part is used by its length, a bound name not at all; only
	 * an unbound name ($1, $?, ...) is looked up by its text, so only it
	 * is copied out with a NUL */
	w = g2_alloc(lx->arena, sizeof(*w) + np * sizeof(struct g2_part));
	if (!w)
		return NULL;
	w->n_parts = np;
	w->plain = false;
	for (i = 0; i < np; i++) {
		struct g2_part *pt = &w->parts[i];

		pt->type = pv[i].type;
		pt->len = pv[i].len;
		pt->s = pv[i].s;
		pt->var = NULL;
		if (pt->type == G2_P_LIT)
			continue;
		pt->var = g2_var_bind_h(lx->ip, pv[i].s, pv[i].len, pv[i].hash);
		if (!pt->var && !(pt->s = g2_strndup(lx->arena, pv[i].s, pv[i].len)))
			return NULL;
	}
	lx->p = (char *)p;
	return w;
}

/* Lex one word starting at lx->p (the general case: quotes, escapes,
 * variables). Literal parts accumulate in buf; each part's length is its own
 * span of buf (parts are laid out back to back). */
static __attribute__((noinline)) struct g2_word *lex_word(struct g2_lexer *lx)
{
	bool have_lit = false, plain = true;
	struct g2_word *sw = lex_word_simple(lx);

	if (sw)
		return sw;

	lx->buf_len = 0;
	lx->n_parts = 0;
	lx->oom = false;
	while (lx->p < lx->end) {
		unsigned char c = (unsigned char)*lx->p;

		switch (cclass[c]) {
		case C_WORD: {
			const char *s = lx->p;

			lx->p = scan_word(lx->p);
			have_lit = true;
			buf_add(lx, s, (size_t)(lx->p - s));
			break;
		}
		case C_SQ: {
			const char *s = ++lx->p;

			plain = false;
			while (lx->p < lx->end && *lx->p != '\'') {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			have_lit = true;
			buf_add(lx, s, (size_t)(lx->p - s));
			if (lx->p < lx->end)
				lx->p++;
			else
				g2_error(lx->ip, lx->line, "unterminated single quote");
			break;
		}
		case C_DQ:
			plain = false;
			lx->p++;
			while (lx->p < lx->end && *lx->p != '"') {
				char d = *lx->p;

				if (d == '\\' && lx->p + 1 < lx->end) {
					char e = lx->p[1];

					if (e == '\n') {
						lx->line++;
						lx->p += 2;
						continue;
					}
					if (e == '\\' || e == '"' || e == '$') {
						have_lit = true;
						buf_add1(lx, e);
						lx->p += 2;
						continue;
					}
				}
				if (d == '$') {
					lex_dollar(lx, true, &have_lit);
					continue;
				}
				if (d == '\n')
					lx->line++;
				{
					/* a run of bytes that need no care */
					const char *s = lx->p++;

					while (*lx->p != '"' && *lx->p != '\\' && *lx->p != '$' &&
					       *lx->p != '\n' && lx->p < lx->end)
						lx->p++;
					have_lit = true;
					buf_add(lx, s, (size_t)(lx->p - s));
				}
			}
			if (lx->p < lx->end)
				lx->p++;
			else
				g2_error(lx->ip, lx->line, "unterminated double quote");
			break;
		case C_BSL:
			plain = false;
			if (lx->p + 1 >= lx->end) {
				lx->p++;
				break;
			}
			if (lx->p[1] == '\n') {
				lx->line++;
				lx->p += 2;
				break;
			}
			have_lit = true;
			buf_add1(lx, lx->p[1]);
			lx->p += 2;
			break;
		case C_DOLLAR:
			lex_dollar(lx, false, &have_lit);
			break;
		default:
			goto done;
		}
	}
done:
	if (!plain && !have_lit && lx->n_parts == 0)
		have_lit = true; /* "" or '' alone: an empty argument */
	flush_lit(lx, &have_lit);
	/* lengths of literal parts were recorded as the running buffer offset:
	 * turn them into per-part lengths */
	{
		size_t prev = 0;
		unsigned i;

		for (i = 0; i < lx->n_parts; i++) {
			if (lx->parts[i].type == G2_P_LIT) {
				size_t endoff = lx->parts[i].len;

				lx->parts[i].len = (uint32_t)(endoff - prev);
				prev = endoff;
			} else {
				prev += lx->parts[i].len;
			}
		}
	}
	if (lx->oom && lx->buf_len + 1 >= G2_MAX_WORD_LEN) {
		g2_error(lx->ip, lx->line, "refusing a word longer than %u bytes (G2_MAX_WORD_LEN)",
			 G2_MAX_WORD_LEN);
	}
	return finish_word(lx, plain);
}

/* Lex the next token into lx->tok. */
void g2_lex(struct g2_lexer *lx)
{
	struct g2_token *t = &lx->tok;
	char *p = lx->p;
	unsigned char c, k;

	t->word = NULL;
	t->kw = G2_KW_NONE;
	t->hashed = false;
	if (lx->held) {
		/* the delimiter that ended the last word (now its NUL): a
		 * token of its own, see the switch below */
		c = (unsigned char)lx->held;
		k = cclass[c];
		lx->held = 0;
		goto delim;
	}
	for (;;) {
		c = (unsigned char)*p;
		k = cclass[c];
		if (k == C_BLANK) {
			p++;
			continue;
		}
		if (k == C_NUL) {
			/* the end, or a NUL byte inside: a blank (GRUB stops at
			 * them; we keep going) */
			if (p >= lx->end) {
				lx->p = p;
				t->type = G2_T_EOF;
				t->line = lx->line;
				return;
			}
			p++;
			continue;
		}
		if (c == '#') {
			/* a comment runs to the end of the line */
			char *nl = memchr(p, '\n', (size_t)(lx->end - p));

			p = nl ? nl : lx->end;
			continue;
		}
		if (k == C_BSL && p[1] == '\n' && p + 1 < lx->end) {
			p += 2;
			lx->line++;
			continue;
		}
		break;
	}
delim:
	t->line = lx->line;
	switch (k) {
	case C_WORD: {
		/* fast path: a run of ordinary characters ended by a delimiter,
		 * hashed as it is scanned (most such words are command names;
		 * the parser takes the hash and the NAME= check from here) */
		char *q = scan_name(p);
		bool assign = q != p && *q == '=' && (g2_namec[c] & 2);
		unsigned char kq = cclass[(unsigned char)*q];

		if (kq == C_WORD) {
			q = scan_word(q);
			kq = cclass[(unsigned char)*q];
		}

		if (ends_word_class(kq)) {
			size_t n = (size_t)(q - p);

			t->bad = 0;
			if (n > G2_MAX_WORD_LEN) {
				lx->p = q;
				g2_error(lx->ip, lx->line,
					 "refusing a word longer than %u bytes (G2_MAX_WORD_LEN)",
					 G2_MAX_WORD_LEN);
				t->type = G2_T_BAD;
				return;
			}
			if (n <= 9)
				t->kw = keyword_of(p, n);
			lx->p = q;
			/* cut out in place: the blank becomes the NUL, a
			 * delimiter is held for the next token */
			if (kq == C_BLANK) {
				lx->p = q + 1;
			} else if (kq != C_NUL) {
				lx->held = (char)*q;
			}
			*q = '\0';
			t->word = lit_word_at(lx, p, n, true);
			t->type = t->word ? G2_T_WORD : G2_T_BAD;
			if (!t->word)
				t->kw = G2_KW_NONE;
			t->hashed = true;
			t->assign = assign;
			t->hash = g2_cmd_hash(p, n);
			return;
		}
		goto word;
	}
	case C_SQ: {
		/* fast path: '...' alone on one line, cut out in place */
		char *q = memchr(p + 1, '\'', (size_t)(lx->end - p - 1));

		if (q && ends_word_class(cclass[(unsigned char)q[1]]) &&
		    !memchr(p + 1, '\n', (size_t)(q - p - 1))) {
			lx->p = q + 1;
			*q = '\0';
			t->word = lit_word_at(lx, p + 1, (size_t)(q - p - 1), false);
			t->type = t->word ? G2_T_WORD : G2_T_BAD;
			t->bad = 0;
			return;
		}
		goto word;
	}
	case C_NL:
		lx->p = p + 1;
		t->type = G2_T_NL;
		lx->line++;
		return;
	case C_SEMI:
		lx->p = p + 1;
		t->type = G2_T_SEMI;
		return;
	case C_LBRACE:
		lx->p = p + 1;
		t->type = G2_T_LBRACE;
		return;
	case C_RBRACE:
		lx->p = p + 1;
		t->type = G2_T_RBRACE;
		return;
	case C_BAD:
		lx->p = p + 1;
		t->type = G2_T_BAD;
		t->bad = (char)c;
		return;
	default:
		break;
	}
word:
	lx->p = p;
	t->word = lex_word(lx);
	t->type = t->word ? G2_T_WORD : G2_T_BAD;
	t->bad = 0;
	if (t->word && t->word->plain)
		t->kw = keyword_of(t->word->parts[0].s, t->word->parts[0].len);
}

/* A one-part literal word for text[0..n) (NUL-terminated in place). */
struct g2_word *g2_lit_word(struct g2_lexer *lx, const char *text, size_t n, bool plain)
{
	return lit_word_at(lx, text, n, plain);
}

/* Argument words (no keyword check) lexed by the fast paths into
 * sv/wv[n..cap) (see grub2.h); where the next token needs g2_lex, lx->p is
 * past the blanks before it. */
unsigned g2_lex_args(struct g2_lexer *lx, char **sv, struct g2_word **wv, unsigned n,
		     unsigned cap)
{
	char *p, *q;
	unsigned char k;

	if (lx->held) {
		/* a delimiter comes first */
		lx->at_sep = lx->held == '\n' || lx->held == ';';
		return n;
	}
	lx->at_sep = false;
	p = lx->p;
	for (; n < cap; n++) {
		while (cclass[(unsigned char)*p] == C_BLANK)
			p++;
		k = cclass[(unsigned char)*p];
		if (k == C_WORD) {
			unsigned char kq;

			if (*p == '#')
				break;
			q = scan_word(p + 1);
			kq = cclass[(unsigned char)*q];
			if (kq == C_DOLLAR)
				goto dollar; /* "/boot/vmlinuz-${kver}" */
			if (!ends_word_class(kq) || (size_t)(q - p) > G2_MAX_WORD_LEN)
				break;
			sv[n] = p;
			wv[n] = NULL;
			/* over the blank that ends it; a delimiter is held */
			if (kq != C_BLANK) {
				if (kq != C_NUL)
					lx->held = (char)*q;
				lx->at_sep = kq == C_NL || kq == C_SEMI;
				*q = '\0';
				lx->p = q;
				return n + 1;
			}
			*q = '\0';
			p = q + 1;
			continue;
		}
		if (k == C_SQ) {
			q = memchr(p + 1, '\'', (size_t)(lx->end - p - 1));
			if (!q || !ends_word_class(cclass[(unsigned char)q[1]]) ||
			    memchr(p + 1, '\n', (size_t)(q - p - 1)))
				break;
			*q = '\0';
			sv[n] = p + 1;
			wv[n] = NULL;
			p = q + 1;
			continue;
		}
		if (k != C_DOLLAR) {
			lx->at_sep = k == C_NL || k == C_SEMI;
			break;
		}
	dollar:
		lx->p = p;
		wv[n] = lex_word_simple(lx);
		if (!wv[n])
			return n;
		sv[n] = NULL;
		lx->n_dyn++;
		p = lx->p;
	}
	lx->p = p;
	return n;
}

/* What g2_skip_seps does with a byte: 0 stop (it starts a command or a
 * token), 1 skip (blank, ';'), 2 skip and count a line ('\n'), 3 look
 * closer ('#', '\\', NUL). */
const unsigned char g2_sepc[256] = {
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\f'] = 1, ['\v'] = 1, [';'] = 1,
	['\n'] = 2, ['#'] = 3, ['\\'] = 3, [0] = 3,
};

/* g2_skip_seps past its fast cases: comments, backslash-newline, NUL bytes
 * (and everything after them). */
void g2_skip_seps_slow(struct g2_lexer *lx)
{
	char *p = lx->p;
	unsigned line = lx->line;

	for (;;) {
		unsigned char c = (unsigned char)*p, s = g2_sepc[c];

		if (s == 1) {
			p++;
		} else if (s == 2) {
			line++;
			p++;
		} else if (!s) {
			break;
		} else if (c == '#') {
			char *nl = memchr(p, '\n', (size_t)(lx->end - p));

			p = nl ? nl : lx->end;
		} else if (c == '\\') {
			if (p[1] != '\n' || p + 1 >= lx->end)
				break;
			p += 2;
			line++;
		} else if (p < lx->end) {
			p++; /* a NUL byte inside: a blank, as in g2_lex */
		} else {
			break;
		}
	}
	lx->p = p;
	lx->line = line;
}
