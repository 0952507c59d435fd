/* kexboot Boot Loader Specification Type 1 parser (loader/entries/NAME.conf),
 * written from the UAPI Boot Loader Specification and Version Format
 * Specification. Also the engine behind GRUB's `blscfg` (see bls.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
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
	char **n = talloc_realloc(e, e->initrds, char *, e->n_initrds + 1);

	if (!n)
		return -ENOMEM;
	e->initrds = n;
	((char *)v)[vl] = '\0'; /* in place: the separator after the word */
	n[e->n_initrds] = (char *)v;
	e->n_initrds++;
	return 0;
}

/* Parse one entry file into an entry. */
/* Parse one entry file. buf (a talloc buffer, NUL-terminated) becomes the
 * entry's: values are cut out of it in place, saving an allocation each. */
static struct kb_bls_entry *parse_entry(struct kb_parse_ctx *pctx, void *ctx, const char *dir,
					const char *name, const char *path, char *buf,
					size_t len, kb_bls_lookup_fn lookup, void *data)
{
	struct kb_bls_entry *e = talloc_zero(ctx, struct kb_bls_entry);
	struct kb_lines it;
	const char *line;
	size_t n, nl = strlen(name);
	unsigned n_opts = 0;

	if (!e)
		return NULL;
	talloc_steal(e, buf);
	if (nl > 5 && strcmp(name + nl - 5, ".conf") == 0)
		nl -= 5;
	e->id = talloc_strndup(e, name, nl);
	e->file = (char *)path; /* path is stolen by the caller into e */
	e->dir = (char *)dir; /* owned by the load: see kb_bls_load */
	kb_lines_init(&it, buf, len);
	while (kb_lines_next(&it, &line, &n)) {
		char *v;
		size_t kl = 0, vl;
		char **slot = NULL;

		if (!n || line[0] == '#')
			continue;
		while (kl < n && line[kl] != ' ' && line[kl] != '\t')
			kl++;
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

				while (wl < vl && v[wl] != ' ' && v[wl] != '\t')
					wl++;
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
					if (add_initrd_word(e, w, wl) < 0)
						return NULL;
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
					return NULL;
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
	return e;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct kb_bls_entry *a = *(struct kb_bls_entry *const *)pa;
	const struct kb_bls_entry *b = *(struct kb_bls_entry *const *)pb;
	int r;

	/* entries with a sort-key first */
	r = cmp_int(b->sort_key != NULL, a->sort_key != NULL);
	if (r)
		return r;
	if (a->sort_key && b->sort_key) {
		r = strcmp(a->sort_key, b->sort_key);
		if (r)
			return r;
		r = strcmp(a->machine_id ? a->machine_id : "", b->machine_id ? b->machine_id : "");
		if (r)
			return r;
		r = kb_version_compare(b->version, a->version); /* descending */
		if (r)
			return r;
	}
	return kb_version_compare(b->id, a->id); /* descending */
}

static int load_dir(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *dir,
		    kb_bls_lookup_fn lookup, void *data, struct kb_bls_entry ***entries, unsigned *n)
{
	void *tmp = talloc_new(NULL);
	char **names = NULL;
	unsigned n_names = 0, i;
	int r;

	if (!tmp)
		return -ENOMEM;
	r = pctx->fs->list_dir(pctx->fs, tmp, dev, dir, &names, &n_names);
	if (r < 0)
		goto out;
	for (i = 0; i < n_names; i++) {
		size_t l = strlen(names[i]);
		struct kb_bls_entry *e, **ne;
		char *path, *buf;
		size_t len;

		if (l < 6 || strcmp(names[i] + l - 5, ".conf") != 0 || names[i][0] == '.')
			continue;
		if (*n >= KB_BLS_MAX_ENTRIES) {
			kb_parse_error(pctx, dir, 0, "entries after %u ignored (KB_BLS_MAX_ENTRIES)",
				       KB_BLS_MAX_ENTRIES);
			break;
		}
		{
			size_t dl = strlen(dir);

			path = talloc_size(tmp, dl + l + 2);
			if (!path) {
				r = -ENOMEM;
				goto out;
			}
			memcpy(path, dir, dl);
			path[dl] = '/';
			memcpy(path + dl + 1, names[i], l + 1);
		}
		if (kb_parse_read_config(pctx, ctx, dev, path, &buf, &len) < 0) {
			talloc_free(path);
			continue;
		}
		e = parse_entry(pctx, ctx, dir, names[i], path, buf, len, lookup, data);
		if (!e) {
			r = -ENOMEM;
			goto out;
		}
		talloc_steal(e, path);
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
	if (n > 1)
		qsort(entries, n, sizeof(entries[0]), entry_cmp);
	if (!dev || (pctx->device && pctx->device->id && strcmp(dev, pctx->device->id) == 0))
		pctx->bls_consumed = true;
	*ret_entries = entries;
	*ret_n = n;
	return 0;
}

/* Make an option from an entry found on dev. */
int kb_bls_entry_to_option(struct kb_parse_ctx *pctx, void *ctx, const struct kb_bls_entry *e,
			   const char *dev, struct kb_option **ret_opt)
{
	struct kb_option *opt;
	const char *base = "/";
	unsigned i;
	int r;

	if (!e->kernel)
		return -ENOENT;
	opt = kb_option_new(ctx);
	if (!opt)
		return -ENOMEM;
	/* Paths are relative to the root of the partition holding the entries.
	 * Entries under /boot/loader/entries on a root filesystem (kernel-install
	 * with $BOOT=/boot) name files under /boot: prefer that when the literal
	 * path does not exist but /boot/<path> does. */
	if (e->dir && strncmp(e->dir, "/boot/", 6) == 0) {
		struct kb_file_info info;
		char *lit = kb_path_join(opt, "/", e->kernel);
		char *pre = talloc_asprintf(opt, "/boot/%s", e->kernel);

		if (lit && pre && pctx->fs->stat(pctx->fs, dev, lit, &info) < 0 &&
		    pctx->fs->stat(pctx->fs, dev, pre, &info) == 0)
			base = "/boot/";
	}
	opt->name = talloc_strdup(opt, e->title && *e->title ? e->title : e->id);
	/* the entry's paths are all relative to base (absolute or not) */
#define IN_BASE(p) (*base == '/' && !base[1] ? (p) : talloc_asprintf(opt, "%s%s", base, (p)))
	r = kb_res_set(pctx, opt, &opt->kernel, dev, "/", IN_BASE(e->kernel));
	for (i = 0; r == 0 && i < e->n_initrds; i++)
		r = kb_option_add_initrd(pctx, opt, dev, "/", IN_BASE(e->initrds[i]));
	if (r == 0 && e->devicetree)
		r = kb_res_set(pctx, opt, &opt->dtb, dev, "/", IN_BASE(e->devicetree));
#undef IN_BASE
	if (r == 0 && e->options)
		opt->args = talloc_strdup(opt, e->options);
	if (r < 0 || !opt->name) {
		talloc_free(opt);
		return r < 0 ? r : -ENOMEM;
	}
	*ret_opt = opt;
	return 0;
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
	void *pool;
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
	pool = talloc_pool(pctx->ctx, n * 768u);
	if (!pool) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct kb_option *opt;

		if (!entries[i]->kernel) {
			kb_parse_error(pctx, entries[i]->file, 0, "entry skipped: no 'linux' key%s",
				       entries[i]->efi ? " (an 'efi' program cannot be kexec'd)" : "");
			continue;
		}
		r = kb_bls_entry_to_option(pctx, pool, entries[i], NULL, &opt);
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
