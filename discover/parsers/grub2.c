/* kexboot GRUB2 parser: the kb_parser entry point, GRUB's initial
 * environment, and the default-entry rules.
 *
 * Variables set before the config runs, as GRUB's normal mode does:
 *   root          the config's own device (its kexboot device id)
 *   prefix        "(<device>)<directory of the config>", also cmdpath and
 *                 config_directory; config_file is the config itself
 *   grub_platform "efi" everywhere except 32-bit x86 ("pc") and POWER
 *                 ("ieee1275"): kexboot replaces the firmware's own loader,
 *                 and on x86_64, arm64, riscv64 and loongarch64 the configs
 *                 kexboot meets are written for EFI machines
 *   grub_cpu      GRUB's name for the CPU (x86_64, i386, arm64, riscv64, ...)
 *   feature_*     the feature flags recent GRUB sets, all "y"
 * root, prefix, grub_platform, grub_cpu, cmdpath, config_* and the feature
 * flags are exported, so submenus and configfile see them.
 *
 * The default entry (GRUB's normal/menu.c rules): $default after the
 * top-level file ran is an index in the top-level menu, an entry's --id or
 * title, or a path of those joined by '>' into submenus ("saved" stands for
 * $saved_entry). A submenu chosen without a path continues with its own
 * $default, else its first entry. Nothing set, or nothing matching: the
 * first entry.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/grub2.h"
#include "discover/parsers/util.h"

static const char *const features[] = {
	"feature_chainloader_bpb", "feature_ntldr",           "feature_platform_search_hint",
	"feature_default_font_path", "feature_all_video_module", "feature_menuentry_id",
	"feature_menuentry_options", "feature_200_final",     "feature_nativedisk_cmd",
	"feature_timeout_style",     NULL,
};

static void grub_arch(const char *arch, const char **ret_platform, const char **ret_cpu)
{
	const char *platform = "efi", *cpu = arch && *arch ? arch : "x86_64";

	if (arch) {
		if (!strcmp(arch, "i386") || !strcmp(arch, "i686") || !strcmp(arch, "x86")) {
			platform = "pc";
			cpu = "i386";
		} else if (!strcmp(arch, "arm64") || !strcmp(arch, "aarch64")) {
			cpu = "arm64";
		} else if (!strncmp(arch, "ppc", 3) || !strncmp(arch, "powerpc", 7)) {
			platform = "ieee1275";
			cpu = "powerpc";
		} else if (!strncmp(arch, "arm", 3)) {
			cpu = "arm";
		}
	}
	*ret_platform = platform;
	*ret_cpu = cpu;
}

static void set_exported(struct g2_interp *ip, const char *name, const char *value)
{
	if (g2_set(ip, name, value) == 0)
		g2_export(ip, name);
}

static int init_env(struct g2_interp *ip, const char *path)
{
	const char *platform, *cpu;
	char *dir, *prefix, *cfile;
	unsigned i;

	if (g2_env_push(ip, false) < 0)
		return -ENOMEM;
	ip->global = ip->env;
	dir = kb_path_dirname(ip->mem, path);
	if (!dir)
		return -ENOMEM;
	prefix = talloc_asprintf(ip->mem, "(%s)%s", ip->own_dev, strcmp(dir, "/") ? dir : "");
	cfile = talloc_asprintf(ip->mem, "(%s)%s", ip->own_dev, path);
	if (!prefix || !cfile)
		return -ENOMEM;
	grub_arch(ip->pctx->arch, &platform, &cpu);
	set_exported(ip, "root", ip->own_dev);
	set_exported(ip, "prefix", prefix);
	set_exported(ip, "cmdpath", prefix);
	set_exported(ip, "config_directory", prefix);
	set_exported(ip, "config_file", cfile);
	set_exported(ip, "grub_platform", platform);
	set_exported(ip, "grub_cpu", cpu);
	for (i = 0; features[i]; i++)
		set_exported(ip, features[i], "y");
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static struct kb_option *resolve(struct g2_interp *ip, struct g2_menu *menu, unsigned first,
				 const char *value, unsigned depth, bool *found);

static struct kb_option *first_option(struct g2_interp *ip, struct g2_menu *m, unsigned depth);

/* What choosing item it means: its option, or for a submenu its default. */
static struct kb_option *item_option(struct g2_interp *ip, struct g2_menu_item *it, const char *rest,
				     unsigned depth)
{
	bool found = false;

	if (!it->sub)
		return it->opt;
	if (depth > G2_MAX_MENU_DEPTH)
		return NULL;
	if (rest && *rest)
		return resolve(ip, it->sub, 0, rest, depth + 1, &found);
	if (it->sub->default_val) {
		struct kb_option *o = resolve(ip, it->sub, 0, it->sub->default_val, depth + 1, &found);

		if (found)
			return o;
	}
	return first_option(ip, it->sub, depth + 1);
}

static struct kb_option *first_option(struct g2_interp *ip, struct g2_menu *m, unsigned depth)
{
	if (!m->n)
		return NULL;
	return item_option(ip, &m->items[0], NULL, depth);
}

static struct kb_option *resolve(struct g2_interp *ip, struct g2_menu *menu, unsigned first,
				 const char *value, unsigned depth, bool *found)
{
	char *comp = g2_alloc(&ip->tmp, strlen(value) + 1);
	const char *p = value, *rest = NULL;
	size_t n = 0;
	unsigned i;

	*found = false;
	if (!comp)
		return NULL;
	/* first component; ">>" stands for a literal '>' */
	while (*p) {
		if (*p == '>') {
			if (p[1] == '>') {
				comp[n++] = '>';
				p += 2;
				continue;
			}
			rest = p + 1;
			break;
		}
		comp[n++] = *p++;
	}
	comp[n] = '\0';
	if (all_digits(comp)) {
		unsigned long k = strtoul(comp, NULL, 10);

		if (first > menu->n || k >= menu->n - first)
			return NULL;
		*found = true;
		return item_option(ip, &menu->items[first + k], rest, depth);
	}
	for (i = first; i < menu->n; i++) {
		struct g2_menu_item *it = &menu->items[i];

		if ((it->title && !strcmp(it->title, comp)) || (it->id && !strcmp(it->id, comp))) {
			*found = true;
			return item_option(ip, it, rest, depth);
		}
	}
	return NULL;
}

/* The option a default value picks in menu->items[first..]; NULL if none. */
struct kb_option *g2_resolve_default(struct g2_interp *ip, struct g2_menu *menu, unsigned first,
				     const char *value)
{
	bool found;

	return resolve(ip, menu, first, value, 0, &found);
}

static void add_menu(struct g2_interp *ip, struct g2_menu *m, const char *file, unsigned depth)
{
	unsigned i;

	if (depth > G2_MAX_MENU_DEPTH)
		return;
	for (i = 0; i < m->n; i++) {
		struct g2_menu_item *it = &m->items[i];

		if (it->opt) {
			struct kb_option *o = it->opt;

			it->opt = NULL;
			kb_parse_add_checked(ip->pctx, "grub2", o, file, 0);
		} else if (it->sub) {
			add_menu(ip, it->sub, file, depth + 1);
		}
	}
}

/* Free the options of m (and its submenus) that were not handed over. */
static void free_options(struct g2_menu *m, unsigned depth)
{
	unsigned i;

	if (depth > G2_MAX_MENU_DEPTH + 1)
		return;
	for (i = 0; i < m->n; i++) {
		struct g2_menu_item *it = &m->items[i];

		if (it->opt) {
			talloc_free(it->opt);
			it->opt = NULL;
		} else if (it->sub) {
			free_options(it->sub, depth + 1);
		}
	}
}

/* Mark the default and hand the options over, in menu order. */
int g2_finish(struct g2_interp *ip)
{
	const char *file = ip->file;
	const char *d = g2_get(ip, "default");
	const char *t = g2_get(ip, "timeout");
	struct kb_option *chosen = NULL;

	if (d && !strcmp(d, "saved"))
		d = g2_get(ip, "saved_entry");
	if (d && *d) {
		bool found = false;

		chosen = resolve(ip, ip->top_menu, 0, d, 0, &found);
		if (!found) {
			kb_parse_error(ip->pctx, file, 0,
				       "default entry '%.200s' matches no entry: GRUB falls back to the first one",
				       d);
			chosen = first_option(ip, ip->top_menu, 0);
		}
	} else if (ip->cf_default) {
		chosen = ip->cf_default;
	} else {
		chosen = first_option(ip, ip->top_menu, 0);
	}
	if (chosen)
		chosen->is_default = true;
	if (t && *t) {
		long v;
		char *end;

		v = strtol(t, &end, 10);
		if (!*end && v >= 0 && v <= 86400 * 365)
			ip->pctx->timeout_s = (int)v;
	} else if (ip->cf_timeout >= 0) {
		/* the menu a configfile showed (Ubuntu's ESP stub) */
		ip->pctx->timeout_s = ip->cf_timeout;
	}
	add_menu(ip, ip->top_menu, file, 0);
	return 0;
}

/* memcpy in 64-byte blocks: the same bytes, but fixed-size copies compile to
 * a few vector moves per block where libc's large copies use `rep movsb`,
 * which instruction counts (bench/grub2-bench.sh) see byte by byte. */
static void copy_text(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i + 64 <= len; i += 64)
		memcpy(dst + i, src + i, 64);
	if (i < len)
		memcpy(dst + i, src + i, len - i);
}

static int grub2_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	void *mem = talloc_new(NULL);
	struct g2_interp *ip;
	int r;

	if (!mem)
		return -ENOMEM;
	if (len > KB_CONFIG_MAX_SIZE) {
		kb_parse_error(pctx, path, 0,
			       "refusing: %zu bytes, over the config size limit of %u bytes (KB_CONFIG_MAX_SIZE)",
			       len, KB_CONFIG_MAX_SIZE);
		talloc_free(mem);
		return -EFBIG;
	}
	ip = talloc_zero(mem, struct g2_interp);
	if (!ip) {
		talloc_free(mem);
		return -ENOMEM;
	}
	ip->pctx = pctx;
	ip->mem = mem;
	ip->file = path;
	ip->own_dev = pctx->device && pctx->device->id ? pctx->device->id
		      : pctx->fs && pctx->fs->current ? pctx->fs->current
						      : "";
	g2_arena_init(&ip->ast, mem);
	g2_arena_init(&ip->tmp, mem);
	g2_arena_init(&ip->keep, mem);
	g2_arena_init(&ip->ent, mem);
	g2_arena_init(&ip->envm, mem);
	ip->cf_timeout = -1;
	ip->cmd_gen = 1; /* nodes start with cmd_gen 0: nothing cached */
	ip->top_menu = talloc_zero(mem, struct g2_menu);
	ip->menu = ip->top_menu;
	r = ip->top_menu ? g2_commands_init(ip) : -ENOMEM;
	if (r == 0 && !(ip->v_root = g2_var_bind(ip, "root", 4)))
		r = -ENOMEM;
	if (r == 0)
		r = init_env(ip, path);
	if (r == 0) {
		/* the lexer cuts words out of its buffer in place */
		char *text = talloc_size(mem, len + 1);

		if (text) {
			copy_text(text, buf, len);
			text[len] = '\0';
			r = g2_run_buffer(ip, path, text, len);
		} else {
			r = -ENOMEM;
		}
	}
	if (r == 0) {
		ip->file = path;
		r = g2_finish(ip);
	}
	/* options live in the run's pools under pctx->ctx, not in mem */
	if (ip->top_menu)
		free_options(ip->top_menu, 0);
	talloc_free(mem);
	return r;
}

const struct kb_parser kb_parser_grub2 = {
	.name = "grub2",
	.config_paths = kb_config_paths_grub2,
	.parse = grub2_parse,
};
