/* kexboot GRUB2 parser: recursive-descent parser building the AST.
 *
 * Grammar (GRUB manual, "Shell-like scripting"):
 *   list     := { sep | command }
 *   command  := [ "!" ] ( simple | if | for | while | until | function
 *               | menuentry | submenu )
 *   simple   := word { word }
 *   if       := "if" list "then" list { "elif" list "then" list } [ "else" list ] "fi"
 *   for      := "for" NAME "in" { word } sep "do" list "done"
 *   while    := ( "while" | "until" ) list "do" list "done"
 *   function := "function" NAME "{" list "}"
 *   menuentry:= ( "menuentry" | "submenu" ) word { word } "{" list "}"
 * Keywords are recognised only as unquoted words in command position.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/grub2.h"

#define KW_NONE G2_KW_NONE
#define KW_IF G2_KW_IF
#define KW_THEN G2_KW_THEN
#define KW_ELIF G2_KW_ELIF
#define KW_ELSE G2_KW_ELSE
#define KW_FI G2_KW_FI
#define KW_FOR G2_KW_FOR
#define KW_IN G2_KW_IN
#define KW_DO G2_KW_DO
#define KW_DONE G2_KW_DONE
#define KW_WHILE G2_KW_WHILE
#define KW_UNTIL G2_KW_UNTIL
#define KW_FUNCTION G2_KW_FUNCTION
#define KW_MENUENTRY G2_KW_MENUENTRY
#define KW_SUBMENU G2_KW_SUBMENU
#define KW_BANG G2_KW_BANG
typedef enum g2_kw kw_t;

/* The lexer classifies plain words (see g2_lex). */
static inline kw_t keyword(const struct g2_token *t)
{
	return (kw_t)t->kw;
}

static const char *kw_name(kw_t k)
{
	static const char *const names[] = {
		"", "if", "then", "elif", "else", "fi", "for", "in", "do", "done",
		"while", "until", "function", "menuentry", "submenu", "!",
	};

	return names[k];
}

/* Start parsing buf[0..len). */
void g2_parser_init(struct g2_parser *ps, struct g2_interp *ip, struct g2_arena *arena,
		    const char *file, char *buf, size_t len)
{
	memset(ps, 0, sizeof(*ps));
	g2_lexer_init(&ps->lx, ip, arena, file, buf, len);
}

static void fail(struct g2_parser *ps, unsigned line, const char *fmt, const char *arg)
{
	if (!ps->failed)
		g2_error(ps->lx.ip, line, fmt, arg);
	ps->failed = true;
}

static inline struct g2_node *new_node(struct g2_parser *ps, uint8_t type, unsigned line)
{
	struct g2_node *n = g2_alloc(ps->lx.arena, sizeof(*n));

	if (__builtin_expect(!n, 0)) {
		fail(ps, line, "%s", "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = line;
	return n;
}

static bool wv_push_slow(struct g2_parser *ps, struct g2_word *w, char *text)
{
	if (ps->wv_n >= G2_MAX_ARGV) {
		fail(ps, ps->lx.line, "refusing a command of more than %s words (G2_MAX_ARGV)", "4096");
		return false;
	}
	if (ps->wv_n == ps->wv_cap) {
		unsigned cap = ps->wv_cap ? ps->wv_cap * 2 : 32;
		struct g2_word **nv = talloc_realloc(ps->lx.arena->owner, ps->wv, struct g2_word *, cap);
		char **ns;

		if (nv)
			ps->wv = nv;
		ns = nv ? talloc_realloc(ps->lx.arena->owner, ps->sv, char *, cap) : NULL;
		if (!ns) {
			fail(ps, ps->lx.line, "%s", "out of memory");
			return false;
		}
		ps->sv = ns;
		ps->wv_cap = cap;
	}
	ps->wv[ps->wv_n] = w;
	ps->sv[ps->wv_n++] = text;
	return true;
}

/* Push a word: w (NULL for a literal the lexer made no word for) and the
 * text of a literal one (NULL when w needs expansion). */
static inline bool wv_push(struct g2_parser *ps, struct g2_word *w, char *text)
{
	if (__builtin_expect(ps->wv_n < ps->wv_cap && ps->wv_n < G2_MAX_ARGV, 1)) {
		ps->wv[ps->wv_n] = w;
		ps->sv[ps->wv_n++] = text;
		return true;
	}
	return wv_push_slow(ps, w, text);
}

/* Push a token's word. */
static inline bool wv_push_word(struct g2_parser *ps, struct g2_word *w)
{
	char *text = NULL;

	if (w->n_parts == 1 && w->parts[0].type == G2_P_LIT)
		text = (char *)w->parts[0].s;
	else
		ps->lx.n_dyn++;
	return wv_push(ps, w, text);
}

/* Push the words that follow onto the scratch vector; the token after them
 * is left peeked unless it is a newline or ';' (then lx->at_sep). false
 * after a failure (reported). */
static bool collect_words(struct g2_parser *ps)
{
	struct g2_lexer *lx = &ps->lx;

	for (;;) {
		struct g2_token *t;

		if (!lx->have_tok) {
			unsigned cap = ps->wv_cap < G2_MAX_ARGV ? ps->wv_cap : G2_MAX_ARGV;

			ps->wv_n = g2_lex_args(lx, ps->sv, ps->wv, ps->wv_n, cap);
			if (lx->at_sep)
				return true; /* the command ends: no token peeked */
			if (ps->wv_n == ps->wv_cap && ps->wv_n < G2_MAX_ARGV) {
				/* full: grow, then lex on */
				if (!wv_push_slow(ps, NULL, NULL))
					return false;
				ps->wv_n--;
				continue;
			}
		}
		t = g2_peek(lx);
		if (t->type != G2_T_WORD)
			return true;
		if (!wv_push_word(ps, t->word))
			return false;
		g2_next(lx);
	}
}

/* Move the scratch words from index `from` into the arena: the argv of
 * their texts, and the word vector when some need expansion (lx.n_dyn moved
 * on from dyn0 while they were collected). */
static bool wv_take(struct g2_parser *ps, unsigned from, unsigned dyn0, struct g2_node *n)
{
	unsigned cnt = ps->wv_n - from, i;
	char **av, **sv = ps->sv + from;

	n->cmd.n = cnt;
	n->cmd.words = NULL;
	av = g2_alloc(ps->lx.arena, (cnt + 1) * sizeof(char *));
	if (!av)
		goto oom;
	n->cmd.argv = av;
	/* commands have a handful of words: a plain loop beats a memcpy call */
	for (i = 0; i < cnt; i++)
		av[i] = sv[i];
	av[cnt] = NULL;
	if (ps->lx.n_dyn != dyn0) {
		struct g2_word **wv = ps->wv + from, **nw;

		nw = g2_alloc(ps->lx.arena, cnt * sizeof(struct g2_word *));
		if (!nw)
			goto oom;
		for (i = 0; i < cnt; i++)
			nw[i] = wv[i];
		n->cmd.words = nw;
	}
	ps->wv_n = from;
	return true;
oom:
	fail(ps, n->line, "%s", "out of memory");
	return false;
}

static void skip_seps(struct g2_parser *ps)
{
	struct g2_lexer *lx = &ps->lx;

	if (lx->have_tok) {
		if (lx->tok.type != G2_T_NL && lx->tok.type != G2_T_SEMI)
			return;
		lx->have_tok = false;
	}
	g2_skip_seps(lx);
}

static struct g2_node *parse_command(struct g2_parser *ps);

/* Parse commands until a keyword in stop (bitmask of 1<<kw), '}' or EOF. */
static struct g2_node *parse_list(struct g2_parser *ps, unsigned stop)
{
	struct g2_node *head = NULL, **tail = &head;

	while (!ps->failed) {
		struct g2_token *t;
		kw_t k;
		struct g2_node *n;

		skip_seps(ps);
		t = g2_peek(&ps->lx);
		if (t->type == G2_T_EOF || t->type == G2_T_RBRACE)
			break;
		k = keyword(t);
		if (k != KW_NONE && (stop & (1u << k)))
			break;
		n = parse_command(ps);
		if (!n)
			break;
		*tail = n;
		tail = &n->next;
	}
	return head;
}

static bool expect_kw(struct g2_parser *ps, kw_t k, unsigned line)
{
	struct g2_token *t = g2_peek(&ps->lx);

	if (keyword(t) != k) {
		if (t->type == G2_T_EOF)
			fail(ps, line, "missing '%s' before the end of the file", kw_name(k));
		else
			fail(ps, t->line, "expected '%s'", kw_name(k));
		return false;
	}
	g2_next(&ps->lx);
	return true;
}

static bool enter(struct g2_parser *ps, unsigned line)
{
	if (++ps->depth > G2_MAX_AST_DEPTH) {
		fail(ps, line, "refusing blocks nested deeper than %s (G2_MAX_AST_DEPTH)", "64");
		return false;
	}
	return true;
}

static struct g2_node *parse_if(struct g2_parser *ps, unsigned line)
{
	struct g2_node *n = new_node(ps, G2_N_IF, line);

	if (!n)
		return NULL;
	n->if_.cond = parse_list(ps, 1u << KW_THEN);
	if (ps->failed || !expect_kw(ps, KW_THEN, line))
		return NULL;
	n->if_.then_ = parse_list(ps, (1u << KW_ELIF) | (1u << KW_ELSE) | (1u << KW_FI));
	if (ps->failed)
		return NULL;
	switch (keyword(g2_peek(&ps->lx))) {
	case KW_ELIF: {
		unsigned l = g2_peek(&ps->lx)->line;

		g2_next(&ps->lx);
		/* elif is an if nested in else that shares our fi */
		n->if_.else_ = parse_if(ps, l);
		return ps->failed ? NULL : n;
	}
	case KW_ELSE:
		g2_next(&ps->lx);
		n->if_.else_ = parse_list(ps, 1u << KW_FI);
		if (ps->failed)
			return NULL;
		break;
	default:
		break;
	}
	if (!expect_kw(ps, KW_FI, line))
		return NULL;
	return n;
}

static struct g2_node *parse_loop_body(struct g2_parser *ps, struct g2_node *n, unsigned line)
{
	skip_seps(ps);
	if (!expect_kw(ps, KW_DO, line))
		return NULL;
	n->body = parse_list(ps, 1u << KW_DONE);
	if (ps->failed || !expect_kw(ps, KW_DONE, line))
		return NULL;
	return n;
}

static struct g2_node *parse_for(struct g2_parser *ps, unsigned line)
{
	struct g2_node *n = new_node(ps, G2_N_FOR, line);
	struct g2_token *t;
	unsigned from = ps->wv_n, dyn0 = ps->lx.n_dyn;

	if (!n)
		return NULL;
	t = g2_peek(&ps->lx);
	if (t->type != G2_T_WORD || !t->word->plain) {
		fail(ps, line, "%s", "for: expected a variable name");
		return NULL;
	}
	n->name = t->word->parts[0].s;
	g2_next(&ps->lx);
	if (!expect_kw(ps, KW_IN, line))
		return NULL;
	if (!collect_words(ps) || !wv_take(ps, from, dyn0, n))
		return NULL;
	return parse_loop_body(ps, n, line);
}

static struct g2_node *parse_while(struct g2_parser *ps, uint8_t type, unsigned line)
{
	struct g2_node *n = new_node(ps, type, line);

	if (!n)
		return NULL;
	n->if_.cond = parse_list(ps, 1u << KW_DO);
	if (ps->failed)
		return NULL;
	return parse_loop_body(ps, n, line);
}

/* '{' list '}' into n->body. */
static bool parse_block(struct g2_parser *ps, struct g2_node *n, const char *what)
{
	struct g2_token *t = g2_peek(&ps->lx);

	if (t->type != G2_T_LBRACE) {
		fail(ps, t->line, "%s: expected '{'", what);
		return false;
	}
	g2_next(&ps->lx);
	n->body = parse_list(ps, 0);
	if (ps->failed)
		return false;
	t = g2_peek(&ps->lx);
	if (t->type != G2_T_RBRACE) {
		fail(ps, n->line, "%s: missing '}' before the end of the file", what);
		return false;
	}
	g2_next(&ps->lx);
	return true;
}

static struct g2_node *parse_function(struct g2_parser *ps, unsigned line)
{
	struct g2_node *n = new_node(ps, G2_N_FUNC, line);
	struct g2_token *t;

	if (!n)
		return NULL;
	t = g2_peek(&ps->lx);
	if (t->type != G2_T_WORD || t->word->n_parts != 1 || t->word->parts[0].type != G2_P_LIT) {
		fail(ps, line, "%s", "function: expected a name");
		return NULL;
	}
	n->name = t->word->parts[0].s;
	g2_next(&ps->lx);
	return parse_block(ps, n, "function") ? n : NULL;
}

/* Words of a menuentry/submenu up to its '{' (not consumed). */
static bool parse_menu_words(struct g2_parser *ps, struct g2_node *n, const char *what)
{
	unsigned from = ps->wv_n, dyn0 = ps->lx.n_dyn;
	struct g2_token *t;

	if (!collect_words(ps))
		return false;
	t = g2_peek(&ps->lx);
	if (t->type != G2_T_LBRACE) {
		ps->wv_n = from;
		fail(ps, t->line, "%s: expected '{' on the same line", what);
		return false;
	}
	return wv_take(ps, from, dyn0, n);
}

static struct g2_node *parse_menu(struct g2_parser *ps, uint8_t type, unsigned line)
{
	struct g2_node *n = new_node(ps, type, line);
	const char *what = type == G2_N_SUBMENU ? "submenu" : "menuentry";

	if (!n || !parse_menu_words(ps, n, what))
		return NULL;
	return parse_block(ps, n, what) ? n : NULL;
}

/* The shape of a five-word command (enum g2_shape): `[ A op B ]` with
 * the brackets and the operator literal. */
static uint8_t test_shape(char *const *argv)
{
	const char *op = argv[2];

	if (!argv[0] || argv[0][0] != '[' || argv[0][1] || !argv[4] || argv[4][0] != ']' ||
	    argv[4][1] || !op)
		return G2_SHAPE_NONE;
	if (op[0] == '=' && (!op[1] || (op[1] == '=' && !op[2])))
		return G2_SHAPE_TEST_EQ;
	if (op[0] == '!' && op[1] == '=' && !op[2])
		return G2_SHAPE_TEST_NE;
	return G2_SHAPE_NONE;
}

static struct g2_node *parse_simple(struct g2_parser *ps, unsigned line)
{
	struct g2_node *n = new_node(ps, G2_N_CMD, line);
	unsigned from = ps->wv_n, dyn0 = ps->lx.n_dyn;
	const struct g2_token *t0 = &ps->lx.tok;
	/* the first word is the peeked token: the lexer may have hashed it */
	bool hashed = ps->lx.have_tok && t0->type == G2_T_WORD && t0->hashed;
	bool assign0 = t0->assign;
	uint32_t h0 = t0->hash;
	uint32_t len0 = hashed ? t0->word->parts[0].len : 0;

	if (!n)
		return NULL;
	for (;;) {
		struct g2_token *t;

		if (!collect_words(ps))
			return NULL;
		if (!ps->lx.have_tok && ps->lx.at_sep)
			break;
		t = g2_peek(&ps->lx);
		if (t->type == G2_T_BAD) {
			ps->wv_n = from;
			if (t->bad) {
				char s[2] = {t->bad, 0};

				fail(ps, t->line, "'%s' is reserved in GRUB scripts and not supported", s);
			} else {
				fail(ps, t->line, "%s", "unusable word");
			}
			return NULL;
		}
		if (t->type == G2_T_LBRACE) {
			ps->wv_n = from;
			fail(ps, t->line, "%s", "unexpected '{'");
			return NULL;
		}
		break; /* NL, ';', '}', EOF end the command */
	}
	if (ps->wv_n == from) {
		fail(ps, line, "%s", "expected a command");
		return NULL;
	}
	/* settled once here, not on every run of the command: whether the
	 * first word is NAME=value, and its hash, in one pass over it */
	if (hashed) {
		n->assign = assign0;
		n->plain0 = true;
		n->hash = h0;
	} else {
		len0 = 0;
		const struct g2_word *w = ps->wv[from];
		const char *s0 = ps->sv[from];

		if (!s0 && w && w->n_parts && w->parts[0].type == G2_P_LIT)
			s0 = w->parts[0].s;
		if (s0) {
			const char *p = s0;

			while (g2_namec[(unsigned char)*p])
				p++;
			n->assign = (g2_namec[(unsigned char)*s0] & 2) && *p == '=';
			if (w && w->plain) {
				n->plain0 = true;
				len0 = (uint32_t)strlen(s0);
				n->hash = g2_cmd_hash(s0, len0);
			}
		}
	}
	if (!wv_take(ps, from, dyn0, n))
		return NULL;
	n->cmd.len0 = len0;
	if (n->plain0 && n->cmd.n == 5)
		n->shape = test_shape(n->cmd.argv);
	return n;
}

static struct g2_node *parse_command(struct g2_parser *ps)
{
	struct g2_token *t = g2_peek(&ps->lx);
	unsigned line = t->line;
	struct g2_node *n = NULL;
	kw_t k = keyword(t);

	if (!enter(ps, line))
		return NULL;
	if (k != KW_NONE)
		g2_next(&ps->lx);
	switch (k) {
	case KW_BANG:
		n = parse_command(ps);
		if (n)
			n->negate = !n->negate;
		break;
	case KW_IF:
		n = parse_if(ps, line);
		break;
	case KW_FOR:
		n = parse_for(ps, line);
		break;
	case KW_WHILE:
		n = parse_while(ps, G2_N_WHILE, line);
		break;
	case KW_UNTIL:
		n = parse_while(ps, G2_N_UNTIL, line);
		break;
	case KW_FUNCTION:
		n = parse_function(ps, line);
		break;
	case KW_MENUENTRY:
		n = parse_menu(ps, G2_N_MENUENTRY, line);
		break;
	case KW_SUBMENU:
		n = parse_menu(ps, G2_N_SUBMENU, line);
		break;
	case KW_NONE:
		if (t->type == G2_T_LBRACE) {
			fail(ps, line, "%s", "unexpected '{'");
			break;
		}
		n = parse_simple(ps, line);
		break;
	default:
		fail(ps, line, "unexpected '%s'", kw_name(k));
		break;
	}
	ps->depth--;
	return ps->failed ? NULL : n;
}

/* After a syntax error: skip to the start of the next line. */
static void resync(struct g2_parser *ps)
{
	for (;;) {
		struct g2_token *t = g2_peek(&ps->lx);

		if (t->type == G2_T_EOF)
			break;
		g2_next(&ps->lx);
		if (t->type == G2_T_NL)
			break;
	}
	ps->failed = false;
	ps->depth = 0;
	ps->wv_n = 0;
}

/* Next top-level item (see grub2.h). */
int g2_parse_item(struct g2_parser *ps, unsigned open_submenus, struct g2_node **ret_node)
{
	struct g2_token *t;
	struct g2_node *n;

	*ret_node = NULL;
	skip_seps(ps);
	t = g2_peek(&ps->lx);
	if (t->type == G2_T_EOF)
		return 0;
	if (t->type == G2_T_RBRACE) {
		unsigned line = t->line;

		g2_next(&ps->lx);
		if (!open_submenus) {
			fail(ps, line, "%s", "unexpected '}'");
			resync(ps);
			return -EBADMSG;
		}
		n = new_node(ps, G2_N_SUBMENU_CLOSE, line);
		*ret_node = n;
		return n ? 0 : -ENOMEM;
	}
	if (keyword(t) == KW_SUBMENU) {
		unsigned line = t->line;

		g2_next(&ps->lx);
		n = new_node(ps, G2_N_SUBMENU_OPEN, line);
		if (n && parse_menu_words(ps, n, "submenu")) {
			g2_next(&ps->lx); /* the '{' */
			*ret_node = n;
			return 0;
		}
	} else {
		n = parse_command(ps);
		if (n && !ps->failed) {
			*ret_node = n;
			return 0;
		}
	}
	resync(ps);
	return -EBADMSG;
}

/* Parse a whole buffer into one list (for eval). */
int g2_parse_all(struct g2_parser *ps, struct g2_node **ret_list)
{
	struct g2_node *head = NULL, **tail = &head;

	for (;;) {
		struct g2_node *n = parse_list(ps, 0);
		struct g2_token *t;

		if (ps->failed) {
			*ret_list = NULL;
			return -EBADMSG;
		}
		*tail = n;
		while (*tail)
			tail = &(*tail)->next;
		t = g2_peek(&ps->lx);
		if (t->type == G2_T_EOF)
			break;
		fail(ps, t->line, "%s", "unexpected '}'");
		*ret_list = NULL;
		return -EBADMSG;
	}
	*ret_list = head;
	return 0;
}
