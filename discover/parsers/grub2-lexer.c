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

/* NUL-terminated copy of s[0..n). */
char *g2_strndup(struct g2_arena *a, const char *s, size_t n)
{
	char *d = g2_alloc(a, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* The arena's current position. */
struct g2_mark g2_arena_mark(const struct g2_arena *a)
{
	struct g2_mark m = {a->cur, a->cur ? a->cur->used : 0};

	return m;
}

/* Free what was allocated after m (chunks allocated later are freed). */
void g2_arena_release(struct g2_arena *a, struct g2_mark m)
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

static bool is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Start lexing buf[0..len) (not necessarily NUL-terminated). */
void g2_lexer_init(struct g2_lexer *lx, struct g2_interp *ip, struct g2_arena *arena,
		   const char *file, const char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = buf;
	lx->end = buf + len;
	lx->line = 1;
	lx->arena = arena;
	lx->ip = ip;
	lx->file = file;
	/* the last byte that is not a word character: a scan for the end of a
	 * word starting at or before it needs no bounds check */
	lx->safe = buf + len;
	while (lx->safe > buf && cclass[(unsigned char)lx->safe[-1]] == C_WORD)
		lx->safe--;
	/* NULL when there is none: every scan then runs to the end */
	lx->safe = lx->safe > buf ? lx->safe - 1 : NULL;
}

/* The end of the run of word characters starting at q. */
static inline const char *scan_word(const struct g2_lexer *lx, const char *q)
{
	if (!lx->safe || q > lx->safe)
		return lx->end;
	while (cclass[(unsigned char)*q] == C_WORD)
		q++;
	return q;
}

#define KW_IS(s, len, lit) ((len) == sizeof(lit) - 1 && memcmp((s), (lit), sizeof(lit) - 1) == 0)

/* The reserved word s[0..n) is, or G2_KW_NONE. */
static uint8_t keyword_of(const char *s, size_t n)
{
	if (n > 9)
		return G2_KW_NONE;
	switch (s[0]) {
	case '!':
		return n == 1 ? G2_KW_BANG : G2_KW_NONE;
	case 'd':
		return KW_IS(s, n, "do") ? G2_KW_DO : KW_IS(s, n, "done") ? G2_KW_DONE : G2_KW_NONE;
	case 'e':
		return KW_IS(s, n, "elif") ? G2_KW_ELIF : KW_IS(s, n, "else") ? G2_KW_ELSE : G2_KW_NONE;
	case 'f':
		return KW_IS(s, n, "fi")	     ? G2_KW_FI
		       : KW_IS(s, n, "for")	     ? G2_KW_FOR
		       : KW_IS(s, n, "function") ? G2_KW_FUNCTION
						 : G2_KW_NONE;
	case 'i':
		return KW_IS(s, n, "if") ? G2_KW_IF : KW_IS(s, n, "in") ? G2_KW_IN : G2_KW_NONE;
	case 'm':
		return KW_IS(s, n, "menuentry") ? G2_KW_MENUENTRY : G2_KW_NONE;
	case 's':
		return KW_IS(s, n, "submenu") ? G2_KW_SUBMENU : G2_KW_NONE;
	case 't':
		return KW_IS(s, n, "then") ? G2_KW_THEN : G2_KW_NONE;
	case 'u':
		return KW_IS(s, n, "until") ? G2_KW_UNTIL : G2_KW_NONE;
	case 'w':
		return KW_IS(s, n, "while") ? G2_KW_WHILE : G2_KW_NONE;
	}
	return G2_KW_NONE;
}

/* A one-part literal word copied from s[0..n). */
static struct g2_word *lit_word(struct g2_lexer *lx, const char *s, size_t n, bool plain)
{
	struct g2_word *w = g2_alloc(lx->arena, sizeof(*w) + sizeof(struct g2_part) + n + 1);
	char *text;

	if (!w)
		return NULL;
	text = (char *)w + sizeof(*w) + sizeof(struct g2_part);
	memcpy(text, s, n);
	text[n] = '\0';
	w->n_parts = 1;
	w->plain = plain;
	w->parts[0].type = G2_P_LIT;
	w->parts[0].len = (uint32_t)n;
	w->parts[0].s = text;
	w->parts[0].hash = 0;
	return w;
}

static bool buf_reserve(struct g2_lexer *lx, size_t more)
{
	size_t want = lx->buf_len + more + 1;

	if (want <= lx->buf_cap)
		return true;
	if (want > G2_MAX_WORD_LEN + 1) {
		lx->oom = true; /* reported by the caller as a word-length refusal */
		return false;
	}
	{
		size_t cap = lx->buf_cap ? lx->buf_cap * 2 : 256;
		char *nb;

		while (cap < want)
			cap *= 2;
		nb = talloc_realloc_size(lx->arena->owner, lx->buf, cap);
		if (!nb) {
			lx->oom = true;
			return false;
		}
		lx->buf = nb;
		lx->buf_cap = cap;
	}
	return true;
}

static void buf_add(struct g2_lexer *lx, const char *s, size_t n)
{
	if (!buf_reserve(lx, n))
		return;
	memcpy(lx->buf + lx->buf_len, s, n);
	lx->buf_len += n;
}

static void part_push(struct g2_lexer *lx, uint32_t type, const char *s, size_t n)
{
	struct g2_part *pt;

	if (lx->n_parts == lx->parts_cap) {
		unsigned cap = lx->parts_cap ? lx->parts_cap * 2 : 16;
		struct g2_part *np;

		if (cap > G2_MAX_WORD_LEN) {
			lx->oom = true;
			return;
		}
		np = talloc_realloc(lx->arena->owner, lx->parts, struct g2_part, cap);
		if (!np) {
			lx->oom = true;
			return;
		}
		lx->parts = np;
		lx->parts_cap = cap;
	}
	pt = &lx->parts[lx->n_parts++];
	pt->type = type;
	pt->len = (uint32_t)n;
	pt->s = s; /* copied into the arena when the word is finished */
}

/* End the literal collected in buf as a part. */
static void flush_lit(struct g2_lexer *lx, bool *have_lit)
{
	if (!*have_lit)
		return;
	part_push(lx, G2_P_LIT, NULL, lx->buf_len); /* s = NULL: text is in buf */
	*have_lit = false;
}

/* Parse a $-reference at lx->p (pointing at '$'); adds a VAR/QVAR part or a literal '$'. */
static void lex_dollar(struct g2_lexer *lx, bool quoted, bool *have_lit, size_t *lit_start)
{
	const char *p = lx->p + 1;
	const char *name;
	size_t n;

	if (p < lx->end && *p == '{') {
		const char *e = p + 1;

		while (e < lx->end && *e != '}' && *e != '\n')
			e++;
		if (e >= lx->end || *e != '}') {
			/* unterminated ${: keep literally */
			buf_add(lx, "$", 1);
			*have_lit = true;
			lx->p++;
			return;
		}
		name = p + 1;
		n = (size_t)(e - name);
		lx->p = e + 1;
	} else if (p < lx->end && is_name_start((unsigned char)*p)) {
		const char *e = p;

		while (e < lx->end && is_name_char((unsigned char)*e))
			e++;
		name = p;
		n = (size_t)(e - p);
		lx->p = e;
	} else if (p < lx->end && *p >= '0' && *p <= '9') {
		const char *e = p;

		while (e < lx->end && *e >= '0' && *e <= '9')
			e++;
		name = p;
		n = (size_t)(e - p);
		lx->p = e;
	} else if (p < lx->end && (*p == '?' || *p == '#' || *p == '@' || *p == '*')) {
		name = p;
		n = 1;
		lx->p = p + 1;
	} else {
		buf_add(lx, "$", 1);
		*have_lit = true;
		lx->p++;
		return;
	}
	flush_lit(lx, have_lit);
	/* the variable name is stored in buf too, after the literals */
	*lit_start = lx->buf_len;
	buf_add(lx, name, n);
	part_push(lx, quoted ? G2_P_QVAR : G2_P_VAR, NULL, n);
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
		pt->hash = pt->type != G2_P_LIT ? g2_hash(text) : 0;
		text += n + 1;
		off += n;
	}
	return w;
}

/* Lex one word starting at lx->p (the general case: quotes, escapes,
 * variables). Literal parts accumulate in buf; each part's length is its own
 * span of buf (parts are laid out back to back). */
static __attribute__((noinline)) struct g2_word *lex_word(struct g2_lexer *lx)
{
	bool have_lit = false, plain = true;
	size_t lit_start = 0;

	lx->buf_len = 0;
	lx->n_parts = 0;
	lx->oom = false;
	while (lx->p < lx->end) {
		unsigned char c = (unsigned char)*lx->p;

		switch (cclass[c]) {
		case C_WORD: {
			const char *s = lx->p;

			lx->p = scan_word(lx, lx->p);
			if (!have_lit) {
				lit_start = lx->buf_len;
				have_lit = true;
			}
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
			if (!have_lit) {
				lit_start = lx->buf_len;
				have_lit = true;
			}
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
						if (!have_lit) {
							lit_start = lx->buf_len;
							have_lit = true;
						}
						buf_add(lx, &e, 1);
						lx->p += 2;
						continue;
					}
				}
				if (d == '$') {
					lex_dollar(lx, true, &have_lit, &lit_start);
					continue;
				}
				if (d == '\n')
					lx->line++;
				if (!have_lit) {
					lit_start = lx->buf_len;
					have_lit = true;
				}
				buf_add(lx, &d, 1);
				lx->p++;
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
			if (!have_lit) {
				lit_start = lx->buf_len;
				have_lit = true;
			}
			buf_add(lx, lx->p + 1, 1);
			lx->p += 2;
			break;
		case C_DOLLAR:
			lex_dollar(lx, false, &have_lit, &lit_start);
			break;
		default:
			goto done;
		}
	}
done:
	(void)lit_start;
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

/* Does the byte at q (or the end) end a word? */
static inline bool ends_word(const struct g2_lexer *lx, const char *q)
{
	unsigned char k;

	if (q >= lx->end)
		return true;
	k = cclass[(unsigned char)*q];
	return (k >= C_BLANK && k <= C_BAD) || k == C_NUL;
}

/* Lex the next token into lx->tok. */
void g2_lex(struct g2_lexer *lx)
{
	struct g2_token *t = &lx->tok;
	const char *p = lx->p;

	t->word = NULL;
	t->kw = G2_KW_NONE;
	for (;;) {
		unsigned char c;

		if (p >= lx->end) {
			lx->p = p;
			t->type = G2_T_EOF;
			t->line = lx->line;
			return;
		}
		c = (unsigned char)*p;
		switch (cclass[c]) {
		case C_WORD:
			if (c == '#') {
				/* a comment runs to the end of the line */
				const char *nl = memchr(p, '\n', (size_t)(lx->end - p));

				p = nl ? nl : lx->end;
				continue;
			}
			{
				/* fast path: a run of ordinary characters ended by a delimiter */
				const char *q = scan_word(lx, p);

				if (ends_word(lx, q)) {
					size_t n = (size_t)(q - p);

					lx->p = q;
					t->line = lx->line;
					if (n > G2_MAX_WORD_LEN) {
						g2_error(lx->ip, lx->line,
							 "refusing a word longer than %u bytes (G2_MAX_WORD_LEN)",
							 G2_MAX_WORD_LEN);
						t->type = G2_T_BAD;
						t->bad = 0;
						return;
					}
					t->word = lit_word(lx, p, n, true);
					t->type = t->word ? G2_T_WORD : G2_T_BAD;
					t->bad = 0;
					if (t->word)
						t->kw = keyword_of(p, n);
					return;
				}
			}
			goto word;
		case C_SQ: {
			/* fast path: '...' alone on one line */
			const char *q = p + 1 < lx->end ? memchr(p + 1, '\'', (size_t)(lx->end - p - 1)) : NULL;

			if (q && ends_word(lx, q + 1) && !memchr(p + 1, '\n', (size_t)(q - p - 1))) {
				lx->p = q + 1;
				t->line = lx->line;
				t->word = lit_word(lx, p + 1, (size_t)(q - p - 1), false);
				t->type = t->word ? G2_T_WORD : G2_T_BAD;
				t->bad = 0;
				return;
			}
			goto word;
		}
		case C_BLANK:
		case C_NUL:
			/* NUL bytes: treat as blanks (GRUB stops at them; we keep going) */
			p++;
			continue;
		case C_BSL:
			if (p + 1 < lx->end && p[1] == '\n') {
				p += 2;
				lx->line++;
				continue;
			}
			goto word;
		case C_NL:
			lx->p = p + 1;
			t->type = G2_T_NL;
			t->line = lx->line++;
			return;
		case C_SEMI:
			lx->p = p + 1;
			t->type = G2_T_SEMI;
			t->line = lx->line;
			return;
		case C_LBRACE:
			lx->p = p + 1;
			t->type = G2_T_LBRACE;
			t->line = lx->line;
			return;
		case C_RBRACE:
			lx->p = p + 1;
			t->type = G2_T_RBRACE;
			t->line = lx->line;
			return;
		case C_BAD:
			lx->p = p + 1;
			t->type = G2_T_BAD;
			t->bad = (char)c;
			t->line = lx->line;
			return;
		default:
			goto word;
		}
	}
word:
	lx->p = p;
	t->line = lx->line;
	t->word = lex_word(lx);
	t->type = t->word ? G2_T_WORD : G2_T_BAD;
	t->bad = 0;
	if (t->word && t->word->plain)
		t->kw = keyword_of(t->word->parts[0].s, t->word->parts[0].len);
}
