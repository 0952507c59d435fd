/* kexboot parser framework: the parser table, the config-location table,
 * option/error collection and the per-device parse run.
 *
 * Duplicates (documented in doc/config-formats.md):
 *  - a file reached through two config locations (a /boot partition with a
 *    "boot -> ." symlink offers both /grub/grub.cfg and /boot/grub/grub.cfg)
 *    is parsed once: files are identified by their inode on the device;
 *  - GRUB's blscfg marks the run (pctx->bls_consumed) so the BLS parser, which
 *    comes after grub2 in the table, does not list the same entries again;
 *  - an option identical to one already produced by the same parser on the
 *    same device (same name, kernel, initrds, dtb and args: e.g. isolinux.cfg
 *    and syslinux.cfg on a hybrid ISO) is dropped.
 */
#include <config.h> /* autoconf (discover/config.h would shadow "config.h") */

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parser.h"
#include "discover/parsers/util.h"

/* The config-location table: every place distributions put boot configs. */
const char *const kb_config_paths_native[] = {
	"/kexboot.conf",
	"/boot/kexboot.conf",
	NULL,
};

const char *const kb_config_paths_grub2[] = {
	"/boot/grub/grub.cfg",
	"/grub/grub.cfg",
	"/boot/grub2/grub.cfg",
	"/grub2/grub.cfg",
	"/EFI/*/grub.cfg",
	"/boot/efi/EFI/*/grub.cfg",
	NULL,
};

const char *const kb_config_paths_bls[] = {
	"/loader/entries/*.conf",
	"/boot/loader/entries/*.conf",
	NULL,
};

const char *const kb_config_paths_uki[] = {
	"/EFI/Linux/*.efi",
	"/boot/EFI/Linux/*.efi",
	"/boot/efi/EFI/Linux/*.efi",
	NULL,
};

const char *const kb_config_paths_syslinux[] = {
	"/extlinux/extlinux.conf",
	"/boot/extlinux/extlinux.conf",
	"/extlinux.conf",
	"/boot/extlinux.conf",
	"/boot/syslinux/syslinux.cfg",
	"/syslinux/syslinux.cfg",
	"/syslinux.cfg",
	"/boot/isolinux/isolinux.cfg",
	"/isolinux/isolinux.cfg",
	"/isolinux.cfg",
	"/pxelinux.cfg/default",
	NULL,
};

const char *const kb_config_paths_yaboot[] = {
	"/etc/yaboot.conf",
	"/yaboot.conf",
	"/boot/yaboot.conf",
	"/etc/yaboot.cnf",
	"/yaboot.cnf",
	NULL,
};

const char *const kb_config_paths_kboot[] = {
	"/etc/kboot.conf",
	"/kboot.conf",
	"/boot/kboot.conf",
	NULL,
};

/* The order parsers run in: our own format first, then GRUB (before BLS, see
 * above), then the rest. Options of one device appear in this order. */
const struct kb_parser *const kb_parsers[] = {
	&kb_parser_native,
	&kb_parser_grub2,
	&kb_parser_bls,
	&kb_parser_uki,
	&kb_parser_syslinux,
	&kb_parser_yaboot,
	&kb_parser_kboot,
	&kb_parser_ipxe, /* no config paths: network scripts only */
	NULL,
};

/* Files seen per run (inodes), also a named limit. */
#define KB_PARSE_MAX_FILES 4096u
/* Glob matches per pattern. */
#define KB_PARSE_MAX_GLOB_MATCHES KB_PARSE_MAX_DIR_ENTRIES

struct parser_count {
	const char *parser;     /* our copy */
	const char *parser_arg; /* the pointer last passed for it (compared first) */
	unsigned n;
};

struct parse_priv {
	uint64_t *seen_ino;
	unsigned n_seen;
	unsigned *hash_slots; /* option index + 1, 0 = empty */
	uint64_t *hash_vals;
	unsigned hash_size;   /* power of two */
	unsigned cap_options; /* allocated length of pctx->options */
	struct parser_count counts[16];
	unsigned n_counts;
	bool has_default;
	size_t refused_args_len; /* args length of the last option refused for it */
	void *pool;       /* current option pool (kb_parse_opt_alloc) */
	size_t pool_left; /* bytes of it not handed out yet (estimated) */
};

static struct parse_priv *priv_get(struct kb_parse_ctx *pctx)
{
	if (!pctx->priv)
		pctx->priv = talloc_zero(pctx->ctx, struct parse_priv);
	return pctx->priv;
}

/* Start a parse run (pctx zeroed and filled). */
void kb_parse_ctx_init(struct kb_parse_ctx *pctx, void *ctx, struct kb_parse_fs *fs,
		       const struct kb_device *device, const char *arch, const char *compatible)
{
	memset(pctx, 0, sizeof(*pctx));
	pctx->ctx = ctx;
	pctx->fs = fs;
	pctx->device = device;
	pctx->arch = arch;
	pctx->compatible = compatible;
	pctx->timeout_s = -1;
	if (fs && device)
		fs->current = device->id;
}

static const char *dev_id(const struct kb_parse_ctx *pctx)
{
	return pctx->device && pctx->device->id ? pctx->device->id : "";
}

/* For parsers: record an error at file:line (line 0 = whole file). */
void kb_parse_error(struct kb_parse_ctx *pctx, const char *file, unsigned line, const char *fmt,
		    ...)
{
	struct kb_parse_error *errs, *e;
	va_list ap;

	if (pctx->n_errors > KB_PARSE_MAX_ERRORS)
		return;
	errs = talloc_realloc(pctx->ctx, pctx->errors, struct kb_parse_error, pctx->n_errors + 1);
	if (!errs)
		return;
	pctx->errors = errs;
	e = &errs[pctx->n_errors];
	memset(e, 0, sizeof(*e));
	e->device = talloc_strdup(errs, dev_id(pctx));
	e->file = file ? talloc_strdup(errs, file) : NULL;
	e->line = line;
	if (pctx->n_errors == KB_PARSE_MAX_ERRORS) {
		e->message = talloc_asprintf(errs,
					     "too many errors: stopped recording after %u (limit KB_PARSE_MAX_ERRORS)",
					     KB_PARSE_MAX_ERRORS);
	} else {
		va_start(ap, fmt);
		e->message = talloc_vasprintf(errs, fmt, ap);
		va_end(ap);
	}
	pctx->n_errors++;
}

/* Hash of the fields that tell options apart in practice; option_eq
 * compares all of them. kb_opt_build computes the same for packed options. */
static uint64_t option_hash(const struct kb_option *o)
{
	const char *k = o->kernel.path ? o->kernel.path : o->kernel.url;

	return kb_opt_hash(o->name, o->name ? strlen(o->name) : 0, k, k ? strlen(k) : 0,
			   o->n_initrds);
}

/* talloc's per-chunk header, over-estimated: what a pool member costs
 * beyond its size (a short estimate only makes talloc spill to malloc). */
#define KB_TALLOC_HDR_ESTIMATE 128u

/* size bytes for an option in the run's option pools under pctx->ctx. */
void *kb_parse_opt_alloc(struct kb_parse_ctx *pctx, size_t size)
{
	struct parse_priv *pp = priv_get(pctx);
	size_t need = ((size + 15u) & ~(size_t)15u) + KB_TALLOC_HDR_ESTIMATE;

	if (!pp)
		return NULL;
	if (!pp->pool || need > pp->pool_left) {
		size_t psize = need > KB_OPTION_POOL_SIZE ? need : KB_OPTION_POOL_SIZE;

		/* the previous pool lives on while any of its options does */
		pp->pool = talloc_pool(pctx->ctx, psize);
		if (!pp->pool)
			return NULL;
		talloc_set_name_const(pp->pool, "option pool");
		pp->pool_left = psize;
	}
	pp->pool_left -= need;
	return talloc_named_const(pp->pool, size, "struct kb_option");
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool res_eq(const struct kb_resource *a, const struct kb_resource *b)
{
	return a->kind == b->kind && str_eq(a->device, b->device) && str_eq(a->path, b->path) &&
	       str_eq(a->url, b->url) && str_eq(a->unresolved, b->unresolved);
}

static bool option_eq(const struct kb_option *a, const struct kb_option *b)
{
	uint32_t i;

	if (!str_eq(a->name, b->name) ||
	    !res_eq(&a->kernel, &b->kernel) || a->n_initrds != b->n_initrds ||
	    !res_eq(&a->dtb, &b->dtb) || !str_eq(a->args, b->args))
		return false;
	for (i = 0; i < a->n_initrds; i++)
		if (!res_eq(&a->initrds[i], &b->initrds[i]))
			return false;
	return true;
}

static int hash_grow(struct parse_priv *pp)
{
	unsigned new_size = pp->hash_size ? pp->hash_size * 2 : 256;
	unsigned *slots = talloc_zero_array(pp, unsigned, new_size);
	uint64_t *vals = talloc_zero_array(pp, uint64_t, new_size);
	unsigned i;

	if (!slots || !vals) {
		talloc_free(slots);
		talloc_free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < pp->hash_size; i++) {
		unsigned j;

		if (!pp->hash_slots[i])
			continue;
		j = (unsigned)pp->hash_vals[i] & (new_size - 1);
		while (slots[j])
			j = (j + 1) & (new_size - 1);
		slots[j] = pp->hash_slots[i];
		vals[j] = pp->hash_vals[i];
	}
	talloc_free(pp->hash_slots);
	talloc_free(pp->hash_vals);
	pp->hash_slots = slots;
	pp->hash_vals = vals;
	pp->hash_size = new_size;
	return 0;
}

/* The packed layout kb_opt_build gave opt, or NULL (see struct kb_opt_packed). */
static struct kb_opt_packed *packed_of(struct kb_option *opt)
{
	const char *c = (const char *)opt;

	if (!opt->id || opt->id <= c || opt->id >= c + talloc_get_size(opt))
		return NULL;
	return (struct kb_opt_packed *)(opt + 1);
}

/* The per-parser counter for parser (created), NULL past the table. */
static struct parser_count *parser_counter(struct parse_priv *pp, const char *parser)
{
	unsigned i;

	for (i = 0; i < pp->n_counts; i++)
		if (pp->counts[i].parser_arg == parser) /* the usual case: the same literal */
			return &pp->counts[i];
	for (i = 0; i < pp->n_counts; i++)
		if (strcmp(pp->counts[i].parser, parser) == 0) {
			pp->counts[i].parser_arg = parser;
			return &pp->counts[i];
		}
	if (pp->n_counts == sizeof(pp->counts) / sizeof(pp->counts[0]))
		return NULL;
	pp->counts[pp->n_counts].parser = talloc_strdup(pp, parser);
	if (!pp->counts[pp->n_counts].parser)
		return NULL;
	pp->counts[pp->n_counts].parser_arg = parser;
	pp->counts[pp->n_counts].n = 0;
	return &pp->counts[pp->n_counts++];
}

/* Write v in decimal at out (NUL-terminated). */
static void put_uint(char *out, unsigned v)
{
	char num[16], *p = num + sizeof(num);
	size_t n;

	/* digits written from the end: no reversal */
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = (size_t)(num + sizeof(num) - p);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The command-line length of the last option kb_parse_add_option refused
 * with -E2BIG for its initrds or command line. */
size_t kb_parse_refused_args_len(struct kb_parse_ctx *pctx)
{
	struct parse_priv *pp = pctx->priv;

	return pp ? pp->refused_args_len : 0;
}

/* For parsers: append opt (stolen into pctx->ctx); fills id, device_id, parser
 * and order. Returns 0 when added, 1 when dropped as an exact duplicate of an
 * option this parser already produced, -E2BIG past a limit, -ENOMEM.
 * A packed option (kb_opt_build with src->parser) gets its id written in
 * place; others get id, device_id and parser laid out in one talloc chunk,
 * opt->id. */
int kb_parse_add_option(struct kb_parse_ctx *pctx, const char *parser, struct kb_option *opt)
{
	struct parse_priv *pp = priv_get(pctx);
	struct kb_opt_packed *pk;
	struct kb_option **opts;
	struct parser_count *pc;
	size_t name_len, args_len;
	uint64_t h;
	unsigned j;

	if (!pp || !opt)
		return -ENOMEM;
	pp->refused_args_len = 0;
	pk = packed_of(opt);
	if (pk && (pk->parser != parser && strcmp(pk->parser, parser) != 0))
		pk = NULL; /* built for another parser: ids of its own below */
	if (pctx->n_options >= KB_PARSE_MAX_OPTIONS) {
		talloc_free(opt);
		return -E2BIG;
	}
	if (pk) {
		name_len = pk->name_len;
		args_len = pk->args_len;
	} else {
		name_len = opt->name ? strlen(opt->name) : 0;
		args_len = opt->args ? strlen(opt->args) : 0;
	}
	if (opt->n_initrds > KB_MAX_INITRDS || args_len > KB_MAX_ARGS_LEN) {
		pp->refused_args_len = args_len;
		talloc_free(opt);
		return -E2BIG;
	}
	if (name_len > KB_MAX_NAME_LEN) {
		opt->name[KB_MAX_NAME_LEN] = '\0';
		if (pk) /* the hash covered the whole title */
			pk->hash = option_hash(opt);
	}
	if (!pk) {
		/* whatever the parser left there is replaced below */
		if (!packed_of(opt)) {
			talloc_free(opt->parser);
			talloc_free(opt->id);
			talloc_free(opt->device_id);
		}
		opt->parser = opt->id = opt->device_id = NULL;
	}

	/* duplicate detection (the parser is compared separately: it is the
	 * same for most options, hashing it would buy nothing) */
	h = pk ? pk->hash : option_hash(opt);
	if ((pctx->n_options + 1) * 2 > pp->hash_size && hash_grow(pp) < 0)
		return -ENOMEM;
	j = (unsigned)h & (pp->hash_size - 1);
	while (pp->hash_slots[j]) {
		if (pp->hash_vals[j] == h) {
			struct kb_option *old = pctx->options[pp->hash_slots[j] - 1];

			if (strcmp(old->parser, parser) == 0 && option_eq(old, opt)) {
				if (opt->is_default && !pp->has_default) {
					old->is_default = true;
					pp->has_default = true;
				}
				talloc_free(opt);
				return 1;
			}
		}
		j = (j + 1) & (pp->hash_size - 1);
	}

	pc = parser_counter(pp, parser);
	if (!pc)
		return -E2BIG;

	if (pctx->n_options == pp->cap_options || !pctx->options) {
		unsigned nc = pp->cap_options ? pp->cap_options * 2 : 64;

		opts = talloc_realloc(pctx->ctx, pctx->options, struct kb_option *, nc);
		if (!opts)
			return -ENOMEM;
		pctx->options = opts;
		pp->cap_options = nc;
	}
	opts = pctx->options;

	if (pk) {
		put_uint(pk->id_num, pc->n);
	} else {
		/* "<dev>:<parser>:<n>\0<dev>\0<parser>\0" in one chunk, without printf */
		const char *d = dev_id(pctx);
		size_t dl = strlen(d), pl = strlen(parser);
		char *id, *q;

		id = talloc_size(opt, dl + pl + KB_OPT_ID_DIGITS + 3 + dl + 1 + pl + 1);
		if (!id)
			return -ENOMEM;
		talloc_set_name_const(id, "option id");
		q = id;
		memcpy(q, d, dl);
		q += dl;
		*q++ = ':';
		memcpy(q, parser, pl);
		q += pl;
		*q++ = ':';
		put_uint(q, pc->n);
		q += strlen(q) + 1;
		opt->device_id = q;
		memcpy(q, d, dl + 1);
		q += dl + 1;
		opt->parser = q;
		memcpy(q, parser, pl + 1);
		opt->id = id;
	}
	opt->order = pctx->n_options;
	if (opt->is_default) {
		if (pp->has_default)
			opt->is_default = false;
		else
			pp->has_default = true;
	}
	if (!pk || !pk->in_run)
		talloc_steal(pctx->ctx, opt);
	opts[pctx->n_options] = opt;
	pctx->n_options++;
	pc->n++;
	pp->hash_slots[j] = pctx->n_options;
	pp->hash_vals[j] = h;
	return 0;
}

/* Normalise an absolute path: collapse "//", "." and ".." (never above "/").
 * A relative path is taken from "/". Result under ctx, NULL on ENOMEM. */
char *kb_path_normalise(void *ctx, const char *path)
{
	size_t len = strlen(path);
	char *out = talloc_size(ctx, len + 2);
	size_t o = 0;
	const char *p = path;

	if (!out)
		return NULL;
	out[o++] = '/';
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 1 && s[0] == '.')
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (o > 1) {
				o--; /* drop trailing '/' */
				while (o > 1 && out[o - 1] != '/')
					o--;
			}
			continue;
		}
		if (o > 1 && out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return out;
}

static bool has_glob(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/* Expand an absolute glob pattern into existing paths on dev, sorted. */
int kb_parse_glob(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *pattern,
		  char ***ret_paths, unsigned *ret_n)
{
	void *tmp = talloc_new(NULL);
	char **cur, **next;
	unsigned n_cur = 1, n_next;
	const char *p = pattern;
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	if (!has_glob(pattern, strlen(pattern))) {
		/* no glob: the pattern itself, '/'-joined components as below */
		size_t n = strlen(pattern), o = 0, i;
		char **res = talloc_array(ctx, char *, 1);
		char *out = res ? talloc_size(res, n + 2) : NULL;

		talloc_free(tmp);
		if (!out) {
			talloc_free(res);
			return -ENOMEM;
		}
		for (i = 0; i < n; i++) {
			if (pattern[i] == '/' && o && out[o - 1] == '/')
				continue;
			if (pattern[i] != '/' && !o)
				out[o++] = '/';
			out[o++] = pattern[i];
		}
		if (o > 1 && out[o - 1] == '/')
			o--;
		if (!o)
			out[o++] = '/';
		out[o] = '\0';
		res[0] = out;
		*ret_paths = res;
		*ret_n = 1;
		return 0;
	}
	cur = talloc_array(tmp, char *, 1);
	if (!cur) {
		r = -ENOMEM;
		goto out;
	}
	cur[0] = talloc_strdup(cur, "");
	while (*p) {
		const char *s;
		char *comp;
		size_t n;
		unsigned i;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		comp = talloc_strndup(tmp, s, n);
		next = talloc_array(tmp, char *, 0);
		n_next = 0;
		if (!comp || !next) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n_cur; i++) {
			if (!has_glob(s, n)) {
				next = talloc_realloc(tmp, next, char *, n_next + 1);
				if (!next) {
					r = -ENOMEM;
					goto out;
				}
				next[n_next++] = talloc_asprintf(next, "%s/%s", cur[i], comp);
			} else {
				char **names = NULL;
				unsigned n_names = 0, k;
				int rr;

				rr = pctx->fs->list_dir(pctx->fs, tmp, dev, cur[i][0] ? cur[i] : "/",
							&names, &n_names);
				if (rr < 0)
					continue;
				for (k = 0; k < n_names; k++) {
					if (fnmatch(comp, names[k], FNM_PERIOD) != 0)
						continue;
					if (n_next >= KB_PARSE_MAX_GLOB_MATCHES) {
						r = -E2BIG;
						goto out;
					}
					next = talloc_realloc(tmp, next, char *, n_next + 1);
					if (!next) {
						r = -ENOMEM;
						goto out;
					}
					next[n_next++] = talloc_asprintf(next, "%s/%s", cur[i], names[k]);
				}
			}
		}
		cur = next;
		n_cur = n_next;
		if (!n_cur)
			break;
	}
	{
		char **res = talloc_array(ctx, char *, n_cur ? n_cur : 1);
		unsigned i;

		if (!res) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n_cur; i++)
			res[i] = talloc_strdup(res, cur[i][0] ? cur[i] : "/");
		*ret_paths = res;
		*ret_n = n_cur;
	}
out:
	talloc_free(tmp);
	return r;
}

/* Read a config through pctx->fs with the size limit and type checks. */
int kb_parse_read_config(struct kb_parse_ctx *pctx, void *ctx, const char *dev, const char *path,
			 char **ret_buf, size_t *ret_len)
{
	struct kb_file_info info;
	int r;

	/* one open in the common case; stat only to explain a refusal */
	r = pctx->fs->read_file(pctx->fs, ctx, dev, path, KB_CONFIG_MAX_SIZE, ret_buf, ret_len);
	if (r == 0)
		return 0;
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r == -EISDIR)
		return r;
	if (r == -EFBIG) {
		if (pctx->fs->stat(pctx->fs, dev, path, &info) == 0)
			kb_parse_error(pctx, path, 0,
				       "refusing: file is %llu bytes, over the config size limit of %u bytes (KB_CONFIG_MAX_SIZE)",
				       (unsigned long long)info.size, KB_CONFIG_MAX_SIZE);
		else
			kb_parse_error(pctx, path, 0,
				       "refusing: file is over the config size limit of %u bytes (KB_CONFIG_MAX_SIZE)",
				       KB_CONFIG_MAX_SIZE);
		return r;
	}
	if (r == -EINVAL) {
		kb_parse_error(pctx, path, 0, "refusing: not a regular file");
		return r;
	}
	kb_parse_error(pctx, path, 0, "cannot read: %s", strerror(-r));
	return r;
}

/* true if the file identity was already parsed in this run; records it. */
static bool seen_file(struct kb_parse_ctx *pctx, uint64_t ino)
{
	struct parse_priv *pp = priv_get(pctx);
	uint64_t *s;
	unsigned i;

	if (!pp || !ino)
		return false;
	for (i = 0; i < pp->n_seen; i++)
		if (pp->seen_ino[i] == ino)
			return true;
	if (pp->n_seen >= KB_PARSE_MAX_FILES)
		return false;
	s = talloc_realloc(pp, pp->seen_ino, uint64_t, pp->n_seen + 1);
	if (!s)
		return false;
	pp->seen_ino = s;
	s[pp->n_seen++] = ino;
	return false;
}

static void parse_one(struct kb_parse_ctx *pctx, const struct kb_parser *p, const char *path)
{
	void *tmp = talloc_new(NULL);
	struct kb_file_info info;
	char *buf = NULL;
	size_t len = 0;
	unsigned n_err;
	int r;

	if (!tmp)
		return;
	if (pctx->fs->stat(pctx->fs, NULL, path, &info) < 0)
		goto out;
	if (info.type == KB_FILE_REGULAR && seen_file(pctx, info.ino))
		goto out;
	if (kb_parse_read_config(pctx, tmp, NULL, path, &buf, &len) < 0)
		goto out;
	n_err = pctx->n_errors;
	r = p->parse(pctx, path, buf, len);
	if (r < 0 && pctx->n_errors == n_err)
		kb_parse_error(pctx, path, 0, "%s parser: %s", p->name, strerror(-r));
out:
	talloc_free(tmp);
}

/* Run every parser over every config location on pctx->device. 0 or -errno. */
int kb_parse_device(struct kb_parse_ctx *pctx)
{
	unsigned i;

	if (!pctx->fs || !pctx->device)
		return -EINVAL;
	pctx->fs->current = pctx->device->id;
	if (!priv_get(pctx))
		return -ENOMEM;
	for (i = 0; kb_parsers[i]; i++) {
		const struct kb_parser *p = kb_parsers[i];
		unsigned k;

		if (p->scan) {
			int r = p->scan(pctx);

			if (r < 0 && r != -ENOENT)
				kb_parse_error(pctx, NULL, 0, "%s parser: %s", p->name, strerror(-r));
			continue;
		}
		if (!p->parse || !p->config_paths)
			continue;
		for (k = 0; p->config_paths[k]; k++) {
			void *tmp = talloc_new(NULL);
			char **paths = NULL;
			unsigned n = 0, m;

			if (!tmp)
				return -ENOMEM;
			if (kb_parse_glob(pctx, tmp, NULL, p->config_paths[k], &paths, &n) == 0)
				for (m = 0; m < n; m++)
					parse_one(pctx, p, paths[m]);
			talloc_free(tmp);
		}
	}
	return 0;
}
