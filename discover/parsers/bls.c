/* kexboot Boot Loader Specification Type 1 parser (loader/entries/NAME.conf),
 * written from the UAPI Boot Loader Specification and Version Format
 * Specification. Also the engine behind GRUB's `blscfg` (see bls.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/bls.h"
#include "discover/parsers/util.h"

/* Bytes pooled for one load's entries (more spills to malloc). */
#define KB_BLS_POOL_SIZE (512u * 1024u)
/* loader.conf `timeout` values above this are refused. */
#define KB_BLS_MAX_TIMEOUT 86400

static const char *const bls_dirs[] = {"/loader/entries", "/boot/loader/entries", NULL};

static bool is_version_char(char c)
{
	return isalnum((unsigned char)c) || c == '~' || c == '-' || c == '^' || c == '.';
}

static int cmp_int(bool x, bool y)
{
	return (int)x - (int)y;
}

static int vercmp_from(const char *a, const char *b)
{
	for (;;) {
		const char *aa, *bb;
		int r;

		while (*a && !is_version_char(*a))
			a++;
		while (*b && !is_version_char(*b))
			b++;
		/* '~' marks a pre-release: older than anything else */
		if (*a == '~' || *b == '~') {
			r = cmp_int(*a != '~', *b != '~');
			if (r)
				return r;
			a++;
			b++;
		}
		/* once one string ends, the longer one is newer */
		if (!*a || !*b)
			return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
		/* '-' separates version from release: the one with it is older */
		if (*a == '-' || *b == '-') {
			r = cmp_int(*a != '-', *b != '-');
			if (r)
				return r;
			a++;
			b++;
		}
		/* '^' marks a patched release: older than a further segment */
		if (*a == '^' || *b == '^') {
			r = cmp_int(*a != '^', *b != '^');
			if (r)
				return r;
			a++;
			b++;
		}
		if (*a == '.' || *b == '.') {
			r = cmp_int(*a != '.', *b != '.');
			if (r)
				return r;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a) || isdigit((unsigned char)*b)) {
			for (aa = a; isdigit((unsigned char)*aa); aa++)
				;
			for (bb = b; isdigit((unsigned char)*bb); bb++)
				;
			/* a numeric segment is newer than an alphabetic one */
			r = cmp_int(a != aa, b != bb);
			if (r)
				return r;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			if (aa - a != bb - b)
				return aa - a < bb - b ? -1 : 1;
			r = memcmp(a, b, (size_t)(aa - a));
			if (r)
				return r < 0 ? -1 : 1;
		} else {
			size_t la, lb;

			for (aa = a; isalpha((unsigned char)*aa); aa++)
				;
			for (bb = b; isalpha((unsigned char)*bb); bb++)
				;
			la = (size_t)(aa - a);
			lb = (size_t)(bb - b);
			r = memcmp(a, b, la < lb ? la : lb);
			if (r)
				return r < 0 ? -1 : 1;
			if (la != lb)
				return la < lb ? -1 : 1;
		}
		a = aa;
		b = bb;
	}
}

/* UAPI version comparison (strverscmp_improved semantics). */
int kb_version_compare(const char *a, const char *b)
{
	size_t i = 0, k;

	if (!a || !b)
		return cmp_int(a != NULL, b != NULL);
	/* Skip the common prefix up to a segment boundary both strings share:
	 * the comparison is stateless between segments, so the result is the
	 * same and long shared machine-id prefixes cost one memcmp-like scan. */
	{
		size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
		uint64_t wa, wb;

		/* word at a time over the (often long) shared prefix */
		while (i + 8 <= n) {
			memcpy(&wa, a + i, 8);
			memcpy(&wb, b + i, 8);
			if (wa != wb)
				break;
			i += 8;
		}
		while (i < n && a[i] == b[i])
			i++;
	}
	if (!a[i] && !b[i])
		return 0;
	for (k = i; k > 0; k--)
		if (!isalnum((unsigned char)a[k]) && k < i && isalnum((unsigned char)a[k - 1]))
			break;
	return vercmp_from(a + k, b + k);
}

/* Version sort key (see bls.h). Each round of the comparison loop becomes
 * one flags byte — bits, most significant first: no '~', not at the end,
 * no '-', no '^', no '.' (a present separator sorts first, as in the
 * loop) — then the segment: 0x01 letters 0x00, or 0x02, the length of the
 * number without leading zeros (4 bytes, big-endian) and its digits. */
static inline bool a_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool a_alpha(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static inline bool a_version_char(char c)
{
	return a_digit(c) || a_alpha(c) || c == '~' || c == '-' || c == '^' || c == '.';
}

/* kb_version_key with every byte XORed with x (0xff: descending order). */
static size_t version_key_x(unsigned char *out, const char *s, unsigned char x)
{
	unsigned char *o = out;

	for (;;) {
		unsigned t = 1, d = 1, c = 1, dot = 1;

		while (*s && !a_version_char(*s))
			s++;
		if (*s == '~') {
			t = 0;
			s++;
		}
		if (!*s) {
			*o++ = (unsigned char)(t << 4) ^ x;
			return (size_t)(o - out);
		}
		if (*s == '-') {
			d = 0;
			s++;
		}
		if (*s == '^') {
			c = 0;
			s++;
		}
		if (*s == '.') {
			dot = 0;
			s++;
		}
		*o++ = (unsigned char)(t << 4 | 1u << 3 | d << 2 | c << 1 | dot) ^ x;
		if (a_digit(*s)) {
			const char *e;
			size_t n;

			while (*s == '0')
				s++;
			for (e = s; a_digit(*e); e++)
				;
			n = (size_t)(e - s);
			*o++ = 0x02 ^ x;
			*o++ = (unsigned char)(n >> 24) ^ x;
			*o++ = (unsigned char)(n >> 16) ^ x;
			*o++ = (unsigned char)(n >> 8) ^ x;
			*o++ = (unsigned char)n ^ x;
			while (s < e)
				*o++ = (unsigned char)*s++ ^ x;
		} else {
			*o++ = 0x01 ^ x;
			while (a_alpha(*s))
				*o++ = (unsigned char)*s++ ^ x;
			*o++ = x;
		}
	}
}

/* Version sort key (see bls.h). */
size_t kb_version_key(unsigned char *out, const char *s)
{
	return version_key_x(out, s, 0);
}

/* Does id (with or without ".conf") match the loader.conf default glob? */
bool kb_bls_default_matches(const char *pattern, const char *id)
{
	char buf[KB_MAX_ID_LEN + 8];

	if (fnmatch(pattern, id, 0) == 0)
		return true;
	if (strlen(id) < KB_MAX_ID_LEN) {
		strcpy(buf, id);
		strcat(buf, ".conf");
		return fnmatch(pattern, buf, 0) == 0;
	}
	return false;
}

/* Expand $name / ${name} through lookup. */
char *kb_bls_expand(void *ctx, const char *s, kb_bls_lookup_fn lookup, void *data)
{
	char *out;
	size_t o = 0, cap;
	const char *p = s;

	if (!lookup || !strchr(s, '$'))
		return talloc_strdup(ctx, s);
	cap = strlen(s) + 64;
	out = talloc_size(ctx, cap);
	while (out && *p) {
		const char *val = NULL, *lit = p;
		size_t vl, ll = 1;

		if (*p == '$' && (p[1] == '{' || p[1] == '_' || isalnum((unsigned char)p[1]))) {
			char name[256];
			size_t nl = 0;
			const char *q = p + 1;
			bool brace = *q == '{';

			if (brace)
				q++;
			while ((*q == '_' || isalnum((unsigned char)*q)) && nl < sizeof(name) - 1)
				name[nl++] = *q++;
			name[nl] = '\0';
			if (brace && *q != '}') {
				ll = 1; /* not a variable: keep the '$' */
			} else {
				if (brace)
					q++;
				val = lookup(data, name);
				lit = NULL;
				ll = 0;
				p = q;
			}
		}
		if (lit) {
			val = lit;
			vl = ll;
			p += ll;
		} else {
			vl = val ? strlen(val) : 0;
		}
		if (o + vl + 1 > KB_BLS_MAX_EXPANSION) {
			talloc_free(out);
			return NULL;
		}
		if (o + vl + 1 > cap) {
			cap = (o + vl + 1) * 2;
			out = talloc_realloc_size(ctx, out, cap);
			if (!out)
				return NULL;
		}
		if (vl)
			memcpy(out + o, val, vl);
		o += vl;
	}
	if (!out)
		return NULL;
	out[o] = '\0';
	return out;
}

static int add_initrd_word(struct kb_bls_entry *e, char *v, size_t vl)
{
	/* e->initrds has KB_MAX_INITRDS slots inside the entry's chunk */
	v[vl] = '\0'; /* in place: the separator after the word */
	e->initrds[e->n_initrds++] = v;
	return 0;
}

/* Parse one entry file into e. buf (a NUL-terminated talloc child of e) is
 * the entry's: values are cut out of it in place, saving an allocation each.
 * false on allocation failure. */
static bool parse_entry(struct kb_parse_ctx *pctx, struct kb_bls_entry *e, char *buf, size_t len,
			kb_bls_lookup_fn lookup, void *data)
{
	const char *path = e->file;
	struct kb_lines it;
	const char *line;
	size_t n;
	unsigned n_opts = 0;

	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		char *v;
		size_t kl = 0, vl;
		char **slot = NULL;

		if (!n || line[0] == '#')
			continue;
		{
			const char *sp = memchr(line, ' ', n), *tab;

			kl = sp ? (size_t)(sp - line) : n;
			tab = memchr(line, '\t', kl);
			if (tab)
				kl = (size_t)(tab - line);
		}
		v = (char *)line + kl;
		vl = n - kl;
		while (vl && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
#define KEY(s) (kl == sizeof(s) - 1 && memcmp(line, s, kl) == 0)
		if (KEY("title"))
			slot = &e->title;
		else if (KEY("version"))
			slot = &e->version;
		else if (KEY("machine-id"))
			slot = &e->machine_id;
		else if (KEY("sort-key"))
			slot = &e->sort_key;
		else if (KEY("architecture"))
			slot = &e->architecture;
		else if (KEY("devicetree"))
			slot = &e->devicetree;
		else if (KEY("efi"))
			slot = &e->efi;
		else if (KEY("grub_users"))
			slot = &e->grub_users;
		else if (KEY("grub_class"))
			slot = &e->grub_class;
		else if (KEY("grub_arg"))
			slot = &e->grub_arg;
		else if (KEY("linux")) {
			slot = &e->kernel;
			e->line = it.lineno;
		} else if (KEY("initrd")) {
			/* several keys, and GRUB also accepts several paths on one line */
			while (vl) {
				size_t wl = 0;

				{
					const char *sp = memchr(v, ' ', vl), *tab;

					wl = sp ? (size_t)(sp - v) : vl;
					tab = memchr(v, '\t', wl);
					if (tab)
						wl = (size_t)(tab - v);
				}
				if (e->n_initrds >= KB_MAX_INITRDS) {
					kb_parse_error(pctx, path, it.lineno,
						       "initrd ignored: more than %u (KB_MAX_INITRDS)", KB_MAX_INITRDS);
					break;
				}
				{
					char *w = v;

					/* step past the word and its blanks before cutting it */
					v += wl;
					vl -= wl;
					while (vl && (*v == ' ' || *v == '\t')) {
						v++;
						vl--;
					}
					add_initrd_word(e, w, wl);
				}
			}
		} else if (KEY("options")) {
			if (++n_opts > KB_BLS_MAX_OPTIONS_LINES) {
				kb_parse_error(pctx, path, it.lineno,
					       "options line ignored: more than %u (KB_BLS_MAX_OPTIONS_LINES)",
					       KB_BLS_MAX_OPTIONS_LINES);
				continue;
			}
			if (vl && !e->options) {
				e->options = (char *)v;
				e->options[vl] = '\0';
			} else if (vl) {
				char *j = talloc_asprintf(e, "%s %.*s", e->options, (int)vl, v);

				if (!j)
					return false;
				e->options = j;
			}
		}
#undef KEY
		if (slot) {
			*slot = (char *)v;
			(*slot)[vl] = '\0';
		}
	}
	if (e->options && lookup) {
		char *x = kb_bls_expand(e, e->options, lookup, data);

		if (!x) {
			kb_parse_error(pctx, path, 0, "options: expansion over %u bytes (KB_BLS_MAX_EXPANSION)",
				       KB_BLS_MAX_EXPANSION);
		} else {
			/* collapse the blanks an empty variable leaves behind */
			char *s = x, *d = x;
			bool sp = true;

			for (; *s; s++) {
				if (*s == ' ' || *s == '\t') {
					if (!sp)
						*d++ = ' ';
					sp = true;
				} else {
					*d++ = *s;
					sp = false;
				}
			}
			if (d > x && d[-1] == ' ')
				d--;
			*d = '\0';

			e->options = x;
		}
	}
	return true;
}

/* An entry with its menu-order key: memcmp order of keys is the order of
 * the specification (entries with sort-key first, by sort-key, machine-id,
 * version descending; then by id descending), computed once per entry
 * instead of once per comparison. */
struct keyed {
	struct kb_bls_entry *e;
	unsigned char *k;
	size_t n;
};

static inline int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = *(struct keyed *const *)pa, *b = *(struct keyed *const *)pb;
	int r = memcmp(a->k, b->k, a->n < b->n ? a->n : b->n);

	if (r)
		return r;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* Stable merge sort of ps by key (bottom-up; insertion-sorted runs of 8),
 * comparing inline: qsort's indirect call costs as much as a comparison. */
static void sort_keyed(struct keyed **a, unsigned n, void *ctx)
{
	struct keyed **tmp = talloc_array(ctx, struct keyed *, n);
	unsigned w, i;

	if (!tmp) {
		qsort(a, n, sizeof(*a), keyed_cmp);
		return;
	}
	for (i = 0; i < n; i += 8) {
		unsigned e = i + 8 < n ? i + 8 : n, j;

		for (j = i + 1; j < e; j++) {
			struct keyed *v = a[j];
			unsigned k = j;

			while (k > i && keyed_cmp(&a[k - 1], &v) > 0) {
				a[k] = a[k - 1];
				k--;
			}
			a[k] = v;
		}
	}
	for (w = 8; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			unsigned m = i + w < n ? i + w : n, e = i + 2 * w < n ? i + 2 * w : n;
			unsigned x = i, y = m, o = i;

			if (m >= e || keyed_cmp(&a[m - 1], &a[m]) <= 0)
				continue; /* already in order */
			while (x < m && y < e)
				tmp[o++] = keyed_cmp(&a[x], &a[y]) <= 0 ? a[x++] : a[y++];
			while (x < m)
				tmp[o++] = a[x++];
			while (y < e)
				tmp[o++] = a[y++];
			memcpy(a + i, tmp + i, (e - i) * sizeof(*a));
		}
	}
	talloc_free(tmp);
}

/* Upper bound of kb_version_key's output for s. */
static size_t version_key_max(const char *s)
{
	return 8 * strlen(s) + 8;
}

/* The descending part of a key: a version key with every byte inverted
 * (no version key is a proper prefix of another, so this reverses order). */
static unsigned char *put_desc_version(unsigned char *o, const char *v)
{
	return o + version_key_x(o, v, 0xff);
}

/* Where every id's comparison may start: the ids' common prefix cut back
 * to a segment boundary (an alphanumeric followed by a separator, both
 * inside the prefix), as kb_version_compare does for two strings. Usually
 * the 32-digit machine-id, which would otherwise dominate the keys. */
static size_t common_id_start(struct kb_bls_entry **entries, unsigned n)
{
	const char *first = entries[0]->id;
	size_t lcp = strlen(first), k;
	unsigned i;

	for (i = 1; i < n && lcp; i++) {
		const char *id = entries[i]->id;
		size_t j = 0;

		if (strncmp(id, first, lcp) == 0)
			continue; /* the usual case, one SIMD compare */
		while (j < lcp && id[j] == first[j])
			j++;
		lcp = j;
	}
	for (k = lcp; k > 0; k--)
		if (k < lcp && !a_digit(first[k]) && !a_alpha(first[k]) &&
		    (a_digit(first[k - 1]) || a_alpha(first[k - 1])))
			break;
	return k;
}

static int sort_entries(struct kb_bls_entry **entries, unsigned n)
{
	void *tmp = talloc_new(NULL);
	struct keyed *ks = tmp ? talloc_array(tmp, struct keyed, n) : NULL;
	struct keyed **ps = tmp ? talloc_array(tmp, struct keyed *, n) : NULL;
	size_t skip = common_id_start(entries, n), used = 0, cap = 0;
	unsigned char *blk = NULL;
	unsigned i;

	if (!ks || !ps) {
		talloc_free(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct kb_bls_entry *e = entries[i];
		const char *id = e->id + skip;
		size_t max = 1 + version_key_max(id);
		unsigned char *k, *o;

		if (e->sort_key)
			max += strlen(e->sort_key) + 1 + (e->machine_id ? strlen(e->machine_id) : 0) + 1 + 1 +
			       (e->version ? version_key_max(e->version) : 0);
		if (used + max > cap) {
			/* keys are carved from blocks, not allocated one by one */
			cap = max > 65536 ? max : 65536;
			blk = talloc_size(tmp, cap);
			used = 0;
			if (!blk) {
				talloc_free(tmp);
				return -ENOMEM;
			}
		}
		k = o = blk + used;
		*o++ = e->sort_key ? 0 : 1; /* entries with a sort-key first */
		if (e->sort_key) {
			size_t l = strlen(e->sort_key) + 1;

			memcpy(o, e->sort_key, l);
			o += l;
			l = e->machine_id ? strlen(e->machine_id) : 0;
			memcpy(o, e->machine_id ? e->machine_id : "", l);
			o += l;
			*o++ = 0;
			/* version descending, an entry without version last */
			*o++ = (unsigned char)~(e->version ? 1u : 0u);
			if (e->version)
				o = put_desc_version(o, e->version);
		}
		o = put_desc_version(o, id);
		ks[i].e = e;
		ks[i].k = k;
		ks[i].n = (size_t)(o - k);
		used += ks[i].n;
		ps[i] = &ks[i];
	}
	sort_keyed(ps, n, tmp);
	for (i = 0; i < n; i++)
		entries[i] = ps[i]->e;
	talloc_free(tmp);
	return 0;
}

static int load_dir(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *dir,
		    kb_bls_lookup_fn lookup, void *data, struct kb_bls_entry ***entries, unsigned *n)
{
	void *tmp = talloc_new(NULL);
	char **names = NULL;
	unsigned n_names = 0, i;
	size_t dl = strlen(dir);
	int r;

	if (!tmp)
		return -ENOMEM;
	r = pctx->fs->list_dir(pctx->fs, tmp, dev, dir, &names, &n_names);
	if (r < 0)
		goto out;
	/* a large directory gets its own pool: each entry is two chunks (the
	 * entry, its file) that malloc would otherwise serve one by one */
	if (n_names > 64) {
		void *dpool = talloc_pool(ctx, n_names < KB_BLS_MAX_ENTRIES ? n_names * 1536u
									: KB_BLS_MAX_ENTRIES * 1536u);

		if (dpool)
			ctx = dpool;
	}
	for (i = 0; i < n_names; i++) {
		size_t l = strlen(names[i]);
		struct kb_bls_entry *e, **ne;
		char *buf;
		size_t len;

		if (l < 6 || memcmp(names[i] + l - 5, ".conf", 5) != 0 || names[i][0] == '.')
			continue;
		if (*n >= KB_BLS_MAX_ENTRIES) {
			kb_parse_error(pctx, dir, 0, "entries after %u ignored (KB_BLS_MAX_ENTRIES)",
				       KB_BLS_MAX_ENTRIES);
			break;
		}
		/* the entry, its initrd slots, path and id in one chunk */
		e = talloc_size(ctx, sizeof(*e) + KB_MAX_INITRDS * sizeof(char *) + dl + l + 2 + l - 4);
		if (!e) {
			r = -ENOMEM;
			goto out;
		}
		talloc_set_name_const(e, "struct kb_bls_entry");
		memset(e, 0, sizeof(*e));
		e->initrds = (char **)(e + 1);
		e->file = (char *)(e->initrds + KB_MAX_INITRDS);
		memcpy(e->file, dir, dl);
		e->file[dl] = '/';
		memcpy(e->file + dl + 1, names[i], l + 1);
		e->id = e->file + dl + l + 2;
		memcpy(e->id, names[i], l - 5);
		e->id[l - 5] = '\0';
		e->dir = (char *)dir; /* owned by the load: see kb_bls_load */
		if (kb_parse_read_config(pctx, e, dev, e->file, &buf, &len) < 0) {
			talloc_free(e);
			continue;
		}
		if (!parse_entry(pctx, e, buf, len, lookup, data)) {
			r = -ENOMEM;
			goto out;
		}
		if (e->architecture && !kb_arch_matches(e->architecture, pctx->arch)) {
			talloc_free(e);
			continue;
		}
		if (*n == talloc_array_length(*entries)) {
			ne = talloc_realloc(ctx, *entries, struct kb_bls_entry *, *n < 32 ? 64 : *n * 2);
			if (!ne) {
				r = -ENOMEM;
				goto out;
			}
			*entries = ne;
		}
		(*entries)[(*n)++] = e;
	}
	r = 0;
out:
	talloc_free(tmp);
	return r;
}

/* Read, filter and sort the BLS entries of a device (see bls.h). */
int kb_bls_load(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *dir,
		kb_bls_lookup_fn lookup, void *data, struct kb_bls_entry ***ret_entries,
		unsigned *ret_n)
{
	/* entries are many small strings: carve them from one pool */
	void *pool = talloc_pool(ctx, KB_BLS_POOL_SIZE);
	struct kb_bls_entry **entries;
	uint64_t seen_dir[2] = {0, 0};
	unsigned n = 0, i;
	int r = 0;

	if (!pool)
		return -ENOMEM;
	entries = talloc_array(pool, struct kb_bls_entry *, 0);
	if (!entries)
		return -ENOMEM;
	ctx = pool;
	if (dir) {
		char *nd = kb_path_normalise(pool, dir);

		r = nd ? load_dir(pctx, ctx, dev, nd, lookup, data, &entries, &n) : -ENOMEM;
		if (r == -ENOENT || r == -ENOTDIR)
			r = 0;
	} else {
		for (i = 0; bls_dirs[i]; i++) {
			struct kb_file_info info;

			if (pctx->fs->stat(pctx->fs, dev, bls_dirs[i], &info) < 0 ||
			    info.type != KB_FILE_DIR)
				continue;
			/* /boot -> . on a /boot partition: one directory, two names */
			if (info.ino && (info.ino == seen_dir[0] || info.ino == seen_dir[1]))
				continue;
			seen_dir[i < 2 ? i : 1] = info.ino;
			r = load_dir(pctx, ctx, dev, bls_dirs[i], lookup, data, &entries, &n);
			if (r < 0 && r != -ENOENT && r != -ENOTDIR)
				break;
			r = 0;
		}
	}
	if (r < 0) {
		talloc_free(pool);
		return r;
	}
	if (n > 1 && sort_entries(entries, n) < 0) {
		talloc_free(pool);
		return -ENOMEM;
	}
	if (!dev || (pctx->device && pctx->device->id && strcmp(dev, pctx->device->id) == 0))
		pctx->bls_consumed = true;
	*ret_entries = entries;
	*ret_n = n;
	return 0;
}

/* Make an option from an entry found on dev (one chunk: see kb_opt_build). */
int kb_bls_entry_to_option(struct kb_parse_ctx *pctx, void *ctx, const struct kb_bls_entry *e,
			   const char *dev, struct kb_option **ret_opt)
{
	struct kb_opt_src src;
	const char *base = "/";
	bool prefix = false;
	unsigned i;

	if (!e->kernel)
		return -ENOENT;
	if (e->n_initrds > KB_MAX_INITRDS)
		return -E2BIG;
	/* Paths are relative to the root of the partition holding the entries.
	 * Entries under /boot/loader/entries on a root filesystem (kernel-install
	 * with $BOOT=/boot) name files under /boot: prefer that when the literal
	 * path does not exist but /boot/<path> does. */
	if (e->dir && strncmp(e->dir, "/boot/", 6) == 0) {
		struct kb_file_info info;
		char *lit = kb_path_join(NULL, "/", e->kernel);
		char *pre = talloc_asprintf(NULL, "/boot/%s", e->kernel);

		if (lit && pre && pctx->fs->stat(pctx->fs, dev, lit, &info) < 0 &&
		    pctx->fs->stat(pctx->fs, dev, pre, &info) == 0) {
			base = "/boot";
			prefix = true;
		}
		talloc_free(lit);
		talloc_free(pre);
	}
	memset(&src, 0, offsetof(struct kb_opt_src, initrds));
	src.parser = "bls";
	src.name = e->title && *e->title ? e->title : e->id;
	src.name_len = strlen(src.name);
	/* the entry's paths are all relative to base (absolute or not); under
	 * the /boot prefix a path is never a URL */
#define SET(res, p)                                                            \
	do {                                                                   \
		kb_res_src_set(&(res), dev, base, (p), strlen(p));             \
		if (prefix) {                                                  \
			(res).kind = KB_RES_DEVICE;                            \
			(res).dir_always = true;                               \
		}                                                              \
	} while (0)
	SET(src.kernel, e->kernel);
	for (i = 0; i < e->n_initrds; i++)
		SET(src.initrds[i], e->initrds[i]);
	src.n_initrds = e->n_initrds;
	if (e->devicetree)
		SET(src.dtb, e->devicetree);
#undef SET
	if (e->options) {
		src.has_args = true;
		src.args[0] = e->options;
		src.args_len[0] = strlen(e->options);
	}
	return kb_opt_build(pctx, ctx, &src, ret_opt);
}

static void read_loader_conf(struct kb_parse_ctx *pctx, void *ctx, const char *path,
			     char **ret_default)
{
	char *buf;
	size_t len, n;
	struct kb_lines it;
	const char *line;

	if (kb_parse_read_config(pctx, ctx, NULL, path, &buf, &len) < 0)
		return;
	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		const char *v;
		size_t vl;

		if (!n || line[0] == '#')
			continue;
		if (kb_keyword(line, n, "default", &v, &vl)) {
			*ret_default = talloc_strndup(ctx, v, vl);
		} else if (kb_keyword(line, n, "timeout", &v, &vl)) {
			char *t = talloc_strndup(ctx, v, vl), *end;
			long s;

			if (!t)
				continue;
			if (strcmp(t, "menu-force") == 0 || strcmp(t, "menu-hidden") == 0 ||
			    strcmp(t, "menu-disabled") == 0) {
				pctx->timeout_s = strcmp(t, "menu-force") == 0 ? -1 : 0;
				continue;
			}
			s = strtol(t, &end, 10);
			if (*end || s < 0 || s > KB_BLS_MAX_TIMEOUT)
				kb_parse_error(pctx, path, it.lineno,
					       "timeout '%s' ignored: not a number of seconds up to %d",
					       t, KB_BLS_MAX_TIMEOUT);
			else
				pctx->timeout_s = (int)s;
		}
	}
}

static int bls_scan(struct kb_parse_ctx *pctx)
{
	void *tmp;
	struct kb_bls_entry **entries = NULL;
	unsigned n = 0, i;
	char *def = NULL;
	bool have_default = false;
	int r;

	if (pctx->bls_consumed)
		return 0; /* GRUB's blscfg already listed them */
	tmp = talloc_new(NULL);
	if (!tmp)
		return -ENOMEM;
	r = kb_bls_load(pctx, tmp, NULL, NULL, NULL, NULL, &entries, &n);
	if (r < 0 || n == 0)
		goto out;
	{
		char *conf = talloc_asprintf(tmp, "%s/loader.conf", kb_path_dirname(tmp, entries[0]->dir));

		if (conf)
			read_loader_conf(pctx, tmp, conf, &def);
	}
	for (i = 0; i < n; i++) {
		struct kb_option *opt;

		if (!entries[i]->kernel) {
			kb_parse_error(pctx, entries[i]->file, 0, "entry skipped: no 'linux' key%s",
				       entries[i]->efi ? " (an 'efi' program cannot be kexec'd)" : "");
			continue;
		}
		/* NULL: the run's option pools */
		r = kb_bls_entry_to_option(pctx, NULL, entries[i], NULL, &opt);
		if (r < 0) {
			kb_parse_error(pctx, entries[i]->file, entries[i]->line, "entry skipped: %s",
				       strerror(-r));
			continue;
		}
		/* loader.conf default is a glob: the first match in menu order;
		 * without one the first entry boots, as systemd-boot does */
		if (!have_default && (def ? kb_bls_default_matches(def, entries[i]->id) : true)) {
			opt->is_default = true;
			have_default = true;
		}
		if (kb_parse_add_checked(pctx, "bls", opt, entries[i]->file, entries[i]->line) == -ENOMEM) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = 0;
out:
	talloc_free(tmp);
	return r;
}

const struct kb_parser kb_parser_bls = {
	.name = "bls",
	.config_paths = kb_config_paths_bls,
	.scan = bls_scan,
};
