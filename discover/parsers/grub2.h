/* kexboot GRUB2 parser: internal interfaces shared by its lexer, parser,
 * interpreter and builtins (grub2-*.c). Nothing here is used outside them;
 * the only export of the module is kb_parser_grub2.
 *
 * Shape: grub2-lexer.c turns a buffer into words and operators,
 * grub2-parser.c builds a small AST one top-level command at a time,
 * grub2-interp.c runs it (variables, expansion, control flow, functions,
 * menus) and grub2-builtins.c holds the commands (menuentry, search, test,
 * linux, load_env, ...). grub2.c is the kb_parser entry point.
 *
 * Memory: AST nodes and expanded words live in bump arenas released in stack
 * order (per top-level command, per simple command), so a 10,000-entry
 * config never holds more than one top-level command's AST at a time; a
 * top-level submenu is streamed, command by command.
 */
#ifndef KB_PARSERS_GRUB2_H
#define KB_PARSERS_GRUB2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "discover/parser.h"
#include "lib/types.h"

/* Named limits (every refusal names one of these and what it saw). */
#define G2_MAX_AST_DEPTH 64u          /* nesting of if/for/while/function/menuentry blocks */
#define G2_MAX_WORD_LEN 65536u        /* one expanded word, bytes */
#define G2_MAX_ARGV 4096u             /* words of one command after expansion */
#define G2_MAX_LOOP_ITERATIONS 10000u /* iterations of one for/while/until loop */
#define G2_MAX_CALL_DEPTH 32u         /* nested function calls (and eval) */
#define G2_MAX_COMMANDS 1000000u      /* simple commands executed per parse run */
#define G2_MAX_VARS 10000u            /* variable names per parse run (set or referenced) */
#define G2_MAX_FUNCTIONS 1000u        /* function definitions */
#define G2_MAX_MENU_DEPTH 16u         /* nested submenus */
#define G2_MAX_MENU_ENTRIES KB_PARSE_MAX_OPTIONS /* menu items per parse run */
#define G2_MAX_DEVICE_MAP 256u        /* learned GRUB-name -> device mappings */
#define G2_GRUBENV_MAX_SIZE 65536u    /* a grubenv file (GRUB's own is 1 KiB) */
#define G2_MAX_FILE_LOADS 256u        /* source/configfile/load_env/blscfg runs per parse */
#define G2_ARENA_CHUNK 65536u         /* arena chunk size */

/* ---- arena ---- */
struct g2_chunk {
	struct g2_chunk *prev;
	size_t size, used;
	char data[];
};
struct g2_arena {
	struct g2_chunk *cur;
	struct g2_chunk *spare; /* kept by the last release */
	void *owner; /* talloc parent of the chunks */
};
struct g2_mark {
	struct g2_chunk *chunk;
	size_t used;
};
void g2_arena_init(struct g2_arena *a, void *owner);
/* Slow path of g2_alloc: a new chunk. */
void *g2_alloc_slow(struct g2_arena *a, size_t n);
/* n bytes, 8-aligned; NULL on allocation failure. */
static inline void *g2_alloc(struct g2_arena *a, size_t n)
{
	struct g2_chunk *c = a->cur;
	void *p;

	n = (n + 7u) & ~(size_t)7u;
	if (__builtin_expect(!c || c->size - c->used < n, 0))
		return g2_alloc_slow(a, n);
	p = c->data + c->used;
	c->used += n;
	return p;
}
/* NUL-terminated copy of s[0..n). */
static inline char *g2_strndup(struct g2_arena *a, const char *s, size_t n)
{
	char *d = g2_alloc(a, n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
/* The arena's current position. An empty arena takes up the chunk its
 * last release kept first, so that a mark/release cycle per command or
 * entry stays on the fast paths of g2_alloc and g2_arena_release. */
static inline struct g2_mark g2_arena_mark(struct g2_arena *a)
{
	struct g2_mark m;

	if (__builtin_expect(!a->cur && a->spare, 0)) {
		a->cur = a->spare;
		a->spare = NULL;
		a->cur->prev = NULL;
		a->cur->used = 0;
	}
	m.chunk = a->cur;
	m.used = a->cur ? a->cur->used : 0;
	return m;
}
/* Free everything allocated after m. */
void g2_arena_release_slow(struct g2_arena *a, struct g2_mark m);
/* Free everything allocated after m. */
static inline void g2_arena_release(struct g2_arena *a, struct g2_mark m)
{
	if (__builtin_expect(a->cur == m.chunk && a->cur, 1))
		a->cur->used = m.used;
	else
		g2_arena_release_slow(a, m);
}

/* ---- lexer ---- */
/* Bit 1: a variable-name character ([A-Za-z0-9_]); bit 2: a name start. */
extern const unsigned char g2_namec[256];
enum g2_part_type {
	G2_P_LIT = 0,  /* literal text (quotes removed) */
	G2_P_VAR = 1,  /* unquoted $var: value is split into fields */
	G2_P_QVAR = 2, /* "$var": one field */
};
struct g2_var;
struct g2_part {
	uint32_t type;
	uint32_t len;
	const char *s; /* NUL-terminated copy in the AST arena */
	struct g2_var *var; /* G2_P_VAR/G2_P_QVAR of a name: its variable, bound
			     * when lexed (NULL: a special parameter, or past G2_MAX_VARS) */
};
struct g2_word {
	unsigned n_parts;
	bool plain; /* one unquoted literal part: may be a keyword */
	struct g2_part parts[];
};
enum g2_tok {
	G2_T_EOF = 0,
	G2_T_NL,
	G2_T_SEMI,
	G2_T_LBRACE,
	G2_T_RBRACE,
	G2_T_WORD,
	G2_T_BAD, /* | & < > : reserved by GRUB, unsupported */
};
/* Reserved words (recognised only as unquoted words in command position). */
enum g2_kw {
	G2_KW_NONE = 0,
	G2_KW_IF,
	G2_KW_THEN,
	G2_KW_ELIF,
	G2_KW_ELSE,
	G2_KW_FI,
	G2_KW_FOR,
	G2_KW_IN,
	G2_KW_DO,
	G2_KW_DONE,
	G2_KW_WHILE,
	G2_KW_UNTIL,
	G2_KW_FUNCTION,
	G2_KW_MENUENTRY,
	G2_KW_SUBMENU,
	G2_KW_BANG,
};
struct g2_token {
	enum g2_tok type;
	unsigned line;
	struct g2_word *word;
	uint8_t kw; /* enum g2_kw of a plain word, else G2_KW_NONE */
	char bad;   /* the character of a G2_T_BAD token */
	/* a plain word of g2_lex's fast path: its g2_cmd_hash, and whether it
	 * reads NAME=... (settled while it was scanned, for the parser) */
	bool hashed, assign;
	uint32_t hash;
};
struct g2_interp;
struct g2_lexer {
	char *p, *end; /* *end is '\0': scans stop there without bounds checks */
	unsigned line;
	struct g2_arena *arena;
	struct g2_interp *ip; /* for error reports */
	const char *file;
	struct g2_token tok; /* lookahead */
	bool have_tok;
	/* A word ended by a delimiter (newline, ';', a brace, ...) is cut out
	 * in place too: the delimiter's byte at lx->p becomes the word's NUL
	 * and is kept here until g2_lex reads it as the next token (0: none). */
	char held;
	/* g2_lex_args stopped at a newline or ';' (the command's end) */
	bool at_sep;
	/* words handed out that need expansion (g2_lex_args' $-words, tokens
	 * with more than one literal part): counted so that the parser knows
	 * whether a command's argv is all literal without looking */
	unsigned n_dyn;
	/* scratch for building words */
	char *buf;
	size_t buf_len, buf_cap;
	struct g2_part *parts;
	unsigned n_parts, parts_cap;
	bool oom;
};
/* buf[len] must be '\0'; words are cut out of buf in place (NULs written over
 * the blanks that end them), so buf must live as long as the AST. */
void g2_lexer_init(struct g2_lexer *lx, struct g2_interp *ip, struct g2_arena *arena,
		   const char *file, char *buf, size_t len);
/* Lex the next token into lx->tok. */
void g2_lex(struct g2_lexer *lx);
/* Lex the argument words that follow as long as the fast paths can (see
 * grub2-lexer.c) into sv[n..cap) and wv[n..cap): a literal one as its text
 * (cut out in place, no g2_word made, wv NULL), one holding $-references
 * as its word (sv NULL). Returns the new n; stops at cap or where the next
 * token needs g2_lex. Only when no token is peeked. */
unsigned g2_lex_args(struct g2_lexer *lx, char **sv, struct g2_word **wv, unsigned n,
		     unsigned cap);
/* What g2_skip_seps does with a byte: 0 stop (it starts a command or a
 * token), 1 skip (blank, ';'), 2 skip and count a line ('\n'), 3 look
 * closer ('#', '\\', NUL: g2_skip_seps_slow). */
extern const unsigned char g2_sepc[256];
/* g2_skip_seps from lx->p on, for all cases. */
void g2_skip_seps_slow(struct g2_lexer *lx);
/* Skip newlines, ';', blanks and comments (the separators between
 * commands), what g2_lex would return as G2_T_NL and G2_T_SEMI tokens.
 * Only when no token is peeked. */
static inline void g2_skip_seps(struct g2_lexer *lx)
{
	char *p = lx->p;
	unsigned char s;

	if (lx->held) {
		/* lx->p is at the delimiter's byte (now a NUL) */
		if (lx->held == '\n')
			lx->line++;
		else if (lx->held != ';')
			return;
		lx->held = 0;
		p++;
	}
	while ((s = g2_sepc[(unsigned char)*p]) == 1 || s == 2) {
		lx->line += s >> 1;
		p++;
	}
	lx->p = p;
	if (__builtin_expect(s == 3, 0))
		g2_skip_seps_slow(lx);
}
/* A one-part literal word for text[0..n) (NUL-terminated in place). */
struct g2_word *g2_lit_word(struct g2_lexer *lx, const char *text, size_t n, bool plain);
/* Peek at the next token. */
static inline struct g2_token *g2_peek(struct g2_lexer *lx)
{
	if (!lx->have_tok) {
		g2_lex(lx);
		lx->have_tok = true;
	}
	return &lx->tok;
}
/* Consume the next token. */
static inline void g2_next(struct g2_lexer *lx)
{
	if (!lx->have_tok)
		g2_lex(lx);
	lx->have_tok = false;
}

/* ---- AST ---- */
enum g2_node_type {
	G2_N_CMD = 0,
	G2_N_IF,
	G2_N_FOR,
	G2_N_WHILE,
	G2_N_UNTIL,
	G2_N_FUNC,
	G2_N_MENUENTRY,
	G2_N_SUBMENU,
	G2_N_SUBMENU_OPEN, /* streamed top-level submenu: body follows as separate items */
	G2_N_SUBMENU_CLOSE,
};
/* Shapes of simple commands that the interpreter runs by a shortcut when
 * their first word still names the builtin they were parsed for. */
enum g2_shape {
	G2_SHAPE_NONE = 0,
	G2_SHAPE_TEST_EQ, /* [ A = B ] or [ A == B ] (literal [, = and ]) */
	G2_SHAPE_TEST_NE, /* [ A != B ] */
};
struct g2_node {
	uint8_t type;
	bool negate; /* "! cmd" */
	bool assign; /* G2_N_CMD: the first word is NAME=value */
	bool plain0; /* G2_N_CMD: the first word is one unquoted literal */
	uint8_t shape; /* G2_N_CMD: enum g2_shape, what its words look like */
	uint32_t hash; /* G2_N_CMD with a plain first word: its g2_cmd_hash */
	unsigned line;
	uint32_t cmd_gen;    /* G2_N_CMD: ccmd below is valid while ip->cmd_gen is this */
	struct g2_cmd *ccmd; /* the first word's command table entry (NULL: none) */
	struct g2_node *next;
	union {
		struct {
			unsigned n;
			uint32_t len0; /* G2_N_CMD with plain0: strlen(argv[0]) */
			/* argv[i] is the text of word i when it is one literal
			 * part, else NULL and words[i] is to be expanded;
			 * argv[n] is NULL. words is NULL when every word is
			 * literal: argv is then ready for the command as it
			 * is (commands never write into argv). */
			char **argv;
			struct g2_word **words;
		} cmd; /* also menuentry/submenu args, for-list words */
		struct {
			struct g2_node *cond, *then_, *else_;
		} if_;
	};
	struct g2_node *body; /* loop/function/menu body */
	const char *name;     /* function name, for variable */
};
struct g2_parser {
	struct g2_lexer lx;
	unsigned depth;
	bool failed;
	/* scratch word vector: sv[i] is the text of a literal word (wv[i]
	 * its g2_word when the lexer made one, else NULL), or NULL when wv[i]
	 * needs expansion */
	struct g2_word **wv;
	char **sv;
	unsigned wv_n, wv_cap;
};
/* buf as for g2_lexer_init. */
void g2_parser_init(struct g2_parser *ps, struct g2_interp *ip, struct g2_arena *arena,
		    const char *file, char *buf, size_t len);
/* Next top-level item. stream: a top-level submenu comes back as
 * SUBMENU_OPEN, its closing brace as SUBMENU_CLOSE (when open_submenus > 0).
 * *ret_node NULL with 0 = end of input; -EBADMSG after a syntax error (reported,
 * input skipped to the next line). */
int g2_parse_item(struct g2_parser *ps, unsigned open_submenus, struct g2_node **ret_node);
/* Parse a whole buffer into one command list (eval). */
int g2_parse_all(struct g2_parser *ps, struct g2_node **ret_list);

/* ---- interpreter ---- */
/* Variables live in one table for the whole run: one struct per name,
 * never moved or freed, so a `$name` in the AST is bound to its variable
 * when lexed. Contexts (an entry's body, a submenu, a configfile) do not
 * copy anything: the first write of a variable in a context saves its old
 * state in the context's undo log, and popping the context restores it. */
struct g2_var {
	const char *name;
	char *value;      /* NULL = unset */
	uint32_t hash;
	uint32_t len;     /* of the name */
	uint32_t cap;     /* bytes at value this context may rewrite in place; 0 = none */
	uint32_t stamp;   /* serial of the context whose undo log saved it last */
	uint32_t vlen;    /* strlen(value), 0 when unset */
	uint8_t vsplit;   /* enum g2_vsplit: does the value hold blanks? */
	bool exported;
};
/* Whether an unquoted $var's value splits into fields, settled the first
 * time it is expanded (values are set far more often than expanded). */
enum g2_vsplit {
	G2_VS_UNKNOWN = 0,
	G2_VS_ONE,   /* no blank, tab or newline: one field (or none when empty) */
	G2_VS_SPLIT, /* fields to split */
};
struct g2_undo {
	struct g2_undo *next;
	struct g2_var *var;
	char *value;
	uint32_t cap, stamp, vlen;
	uint8_t vsplit;
	bool exported;
};
/* A variable context, in the ip->envm arena from its mark (contexts are
 * pushed and popped in stack order: popping one is a single release). */
struct g2_env {
	struct g2_env *saved;  /* the env that was current before this one */
	struct g2_undo *log;   /* what to restore when it is popped */
	struct g2_mark mark;   /* ip->envm before this context */
	uint32_t serial;       /* unique per push */
};
struct g2_frame {
	unsigned argc;
	char **argv; /* argv[0] is $1 */
	struct g2_frame *prev;
};
/* A command name: builtin, ignored command and/or script function. */
struct g2_cmd {
	const char *name; /* NULL = empty slot */
	uint32_t hash;    /* g2_cmd_hash of the name */
	uint32_t len;     /* of the name */
	int (*fn)(struct g2_interp *ip, unsigned argc, char **argv);
	struct g2_node *func; /* function body, NULL if none */
	bool noop;
};
struct g2_menu_item {
	const char *title;
	uint32_t title_len;
	const char *id;
	struct g2_menu *sub;    /* submenu, or NULL */
	struct kb_option *opt;  /* entry with a kernel, or NULL */
};
struct g2_menu {
	struct g2_menu_item *items;
	unsigned n, cap;
	char *default_val; /* the menu's $default when it was closed, or NULL */
	struct g2_menu *parent;
};
struct g2_devmap {
	char *grub;
	char *dev;
};
enum g2_ctl {
	G2_CTL_NONE = 0,
	G2_CTL_BREAK,
	G2_CTL_CONTINUE,
	G2_CTL_RETURN,
	G2_CTL_EXIT,
};
/* A string slot reused across rewrites (arena-backed; grows geometrically
 * so repeated rewrites leave bounded garbage). */
struct g2_sbuf {
	char *s;
	size_t len, cap;
};
/* A kernel/initrd/devicetree file of the entry being built. */
struct g2_res {
	uint32_t kind;          /* enum kb_resource_kind */
	bool own;               /* KB_RES_DEVICE on the config's own device */
	struct g2_sbuf dev;     /* device id (not own) or unresolved marker */
	struct g2_sbuf path;    /* normalised path, or the whole URL */
};
/* The menu entry whose body is running: strings in the ip->ent arena,
 * laid out as one kb_option chunk (kb_opt_build) when the body ends. */
struct g2_entry {
	const char *title;
	size_t title_len;
	struct g2_mark mark;    /* ip->ent position before this entry */
	struct g2_res kernel, dtb;
	struct g2_res initrds[KB_MAX_INITRDS];
	unsigned n_initrds;
	unsigned n_slots;       /* initrds[0..n_slots) initialised */
	bool has_args;
	struct g2_sbuf args;
};
struct g2_interp {
	struct kb_parse_ctx *pctx;
	void *mem;                 /* talloc context owning the run */
	struct g2_arena ast, tmp, keep;
	struct g2_arena ent;       /* entries being built (stack order) */
	struct g2_arena envm;      /* variable contexts (stack order) */
	struct g2_env *env;
	struct g2_env *global;     /* the file's top-level context */
	struct g2_var **vars;      /* open-addressing table of every variable */
	unsigned var_size, n_vars;
	uint32_t env_serial;       /* last context serial handed out */
	struct g2_var *v_root;     /* $root, bound once */
	struct g2_frame *frame;
	struct g2_cmd *cmds;       /* open-addressing table of command names */
	unsigned cmd_size, cmd_count, n_funcs;
	uint32_t cmd_gen;          /* bumped when the table gains a name (entries move) */
	struct g2_menu *menu;      /* menu being filled */
	struct g2_menu *top_menu;
	unsigned menu_depth;
	unsigned n_menu_items;
	struct g2_entry *entry;    /* entry being built, NULL outside menuentry bodies */
	struct g2_menu *entry_menu; /* the menu holding the entry being built ... */
	unsigned entry_item;        /* ... at this index (items may move) */
	struct kb_option *cf_default; /* default chosen by a configfile's own menu */
	int cf_timeout;               /* a configfile menu's $timeout, -1 if none */
	const char *file;          /* file being run (for errors) */
	unsigned line;             /* line of the command being run */
	int status;                /* $? */
	enum g2_ctl ctl;
	unsigned ctl_n;
	unsigned loop_depth;
	unsigned long n_cmds;
	unsigned call_depth, include_depth;
	unsigned n_loads;          /* files loaded (G2_MAX_FILE_LOADS) */
	bool aborted;              /* a run-wide limit was hit: stop everything */
	unsigned retain_seq;       /* bumped when an AST must outlive its command */
	struct g2_devmap *map;
	unsigned n_map;
	const char *own_dev;       /* id of the device the config sits on */
	char *wbuf;                /* word being expanded */
	size_t wlen, wcap;
	bool blscfg_done;
};

/* Report an error at the current file:line. */
void g2_error(struct g2_interp *ip, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The variable named s[0..n) (created unset), NULL for a special parameter
 * ($1, $?, $#, $@, $*) or past G2_MAX_VARS. For binding `$name` when lexed. */
struct g2_var *g2_var_bind(struct g2_interp *ip, const char *s, size_t n);
/* g2_var_bind with the name's g2_hash h known. */
struct g2_var *g2_var_bind_h(struct g2_interp *ip, const char *s, size_t n, uint32_t h);
/* Variables: value or NULL when unset. */
const char *g2_get(struct g2_interp *ip, const char *name);
/* g2_get with the name's g2_hash already known. */
const char *g2_get_h(struct g2_interp *ip, const char *name, uint32_t hash);
/* Set in the current context. 0 or -errno. */
int g2_set(struct g2_interp *ip, const char *name, const char *value);
/* g2_set with the name's g2_hash known. */
int g2_set_h(struct g2_interp *ip, const char *name, uint32_t hash, const char *value);
/* g2_set with the name given as name[0..n) and its g2_hash h. */
int g2_set_nh(struct g2_interp *ip, const char *name, size_t n, uint32_t h, const char *value);
void g2_unset(struct g2_interp *ip, const char *name);
int g2_export(struct g2_interp *ip, const char *name);
/* Push a context: overlay (sees and shadows the current one) or isolated
 * (starts with copies of the exported variables only, as GRUB's
 * grub_env_context_open does for submenus and configfile). */
int g2_env_push(struct g2_interp *ip, bool overlay);
void g2_env_pop(struct g2_interp *ip);

/* Run a command list. Returns the status of the last command. */
int g2_exec_list(struct g2_interp *ip, struct g2_node *n);
/* Run a buffer as a script file (top-level, streamed). buf as for
 * g2_lexer_init: writable, buf[len] == '\0', alive while any function it
 * defines can run (see retain_seq). */
int g2_run_buffer(struct g2_interp *ip, const char *file, char *buf, size_t len);
/* Call a function/builtin by argv (argv[0] the command name). */
int g2_run_argv(struct g2_interp *ip, unsigned argc, char **argv, unsigned line);

/* Loads of 8 and 4 bytes from anywhere (memcpy: no alignment needed). */
static inline uint64_t g2_ld8(const char *s)
{
	uint64_t v;

	memcpy(&v, s, 8);
	return v;
}
static inline uint32_t g2_ld4(const char *s)
{
	uint32_t v;

	memcpy(&v, s, 4);
	return v;
}

/* a[0..n) == b[0..n), reading no byte outside either: the first and last
 * 8 (or 4) bytes overlap for short names, which is all of them mostly. */
static inline bool g2_name_eq(const char *a, const char *b, size_t n)
{
	if (n >= 8) {
		if (g2_ld8(a) != g2_ld8(b) || g2_ld8(a + n - 8) != g2_ld8(b + n - 8))
			return false;
		return n <= 16 || memcmp(a + 8, b + 8, n - 16) == 0;
	}
	if (n >= 4)
		return g2_ld4(a) == g2_ld4(b) && g2_ld4(a + n - 4) == g2_ld4(b + n - 4);
	return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* Hash of a command name s[0..n) for the command table: a few loads and a
 * multiply instead of a step per byte (names are short and looked up once
 * per command run); longer names are hashed byte by byte (FNV-1a). */
static inline uint32_t g2_cmd_hash(const char *s, size_t n)
{
	uint64_t a, b;

	if (n > 16) {
		uint32_t h = 2166136261u;
		size_t i;

		for (i = 0; i < n; i++)
			h = (h ^ (unsigned char)s[i]) * 16777619u;
		return h;
	}
	if (n >= 8) {
		a = g2_ld8(s);
		b = g2_ld8(s + n - 8);
	} else if (n >= 4) {
		a = g2_ld4(s);
		b = g2_ld4(s + n - 4);
	} else {
		a = n ? (unsigned char)s[0] | (unsigned)(unsigned char)s[n / 2] << 8 |
				(unsigned)(unsigned char)s[n - 1] << 16
		      : 0;
		b = 0;
	}
	a = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) * 0xff51afd7ed558ccdull;
	return (uint32_t)(a >> 32);
}

/* FNV-1a, for the variable table. */
static inline uint32_t g2_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Command table: the entry for name (created when create), NULL if absent. */
struct g2_cmd *g2_cmd_get(struct g2_interp *ip, const char *name, bool create);
/* g2_cmd_get(name, false) for name[0..n) with its g2_cmd_hash h known. */
struct g2_cmd *g2_cmd_find_h(struct g2_interp *ip, const char *name, size_t n, uint32_t h);
/* The test and [ builtin (the interpreter runs `[ A = B ]` without it
 * when it can, see G2_SHAPE_TEST_EQ). */
int g2_cmd_test(struct g2_interp *ip, unsigned argc, char **argv);
/* Builtins (grub2-builtins.c): fill the command table. 0 or -ENOMEM. */
typedef int (*g2_builtin_fn)(struct g2_interp *ip, unsigned argc, char **argv);
int g2_commands_init(struct g2_interp *ip);
/* Submenus: begin (argv = submenu's words) and end. */
int g2_submenu_begin(struct g2_interp *ip, unsigned argc, char **argv);
void g2_submenu_end(struct g2_interp *ip);
/* Menu entry: begin (argv = menuentry's words) / end after its body ran. */
int g2_menuentry_begin(struct g2_interp *ip, unsigned argc, char **argv, bool *ret_run_body);
void g2_menuentry_end(struct g2_interp *ip);
/* Count one file load against G2_MAX_FILE_LOADS; false (reported) past it. */
bool g2_count_load(struct g2_interp *ip, const char *what);
/* Parse and run script text in the current context (eval, blscfg). */
int g2_eval(struct g2_interp *ip, const char *src, size_t len);
/* blscfg: add the BLS entries of $root's device as menu entries (grub2-bls.c). */
int g2_blscfg(struct g2_interp *ip, unsigned argc, char **argv);
/* Resolve a GRUB file name to a present device (NULL = own) and a normalised
 * path under ctx. -ENOENT when it names no present device. */
int g2_locate(struct g2_interp *ip, void *ctx, const char *spec, const char **ret_dev,
	      char **ret_path);
/* Read a file named in GRUB syntax ("(dev)/path", "/path" on $root). */
int g2_read_file(struct g2_interp *ip, void *ctx, const char *spec, size_t max, char **ret_buf,
		 size_t *ret_len);
/* The option a default value ("2", "id", "title", "adv>gnulinux-5") picks
 * among menu->items[first..]; NULL when none matches. */
struct kb_option *g2_resolve_default(struct g2_interp *ip, struct g2_menu *menu, unsigned first,
				     const char *value);
/* After the top-level file ran: mark the default and hand the options over. */
int g2_finish(struct g2_interp *ip);

#endif
