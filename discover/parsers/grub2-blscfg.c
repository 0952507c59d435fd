/* kexboot GRUB2 parser: the blscfg command (Fedora/RHEL GRUB).
 *
 * The BLS parser (bls.h) reads and orders the entry files of $root's device;
 * each entry becomes a menu entry whose body is, as Fedora's blscfg writes
 * it, "linux PATH OPTIONS / initrd PATHS / devicetree PATH" run through the
 * GRUB script interpreter, so $kernelopts (from grubenv or the script) and
 * other variables in `options` expand exactly as GRUB expands them.
 * $blsdir names another entries directory, as in Fedora's blscfg.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/bls.h"
#include "discover/parsers/grub2.h"

/* Append s single-quoted (GRUB quoting: ' -> '\'') to buf. */
static char *append_quoted(char *buf, const char *prefix, const char *s)
{
	size_t old = strlen(buf), n = strlen(prefix) + 2, i;
	char *p;

	for (i = 0; s[i]; i++)
		n += s[i] == '\'' ? 4 : 1;
	buf = talloc_realloc(NULL, buf, char, old + n + 1);
	if (!buf)
		return NULL;
	p = buf + old;
	p = stpcpy(p, prefix);
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return buf;
}

static char *entry_script(void *ctx, const struct kb_bls_entry *e, const char *devpfx,
			  const char *dflt_opts)
{
	char *s = talloc_strdup(ctx, "linux ");
	char *pfx = talloc_asprintf(ctx, "%s", devpfx);
	unsigned i;

	if (!s || !pfx)
		return NULL;
	s = talloc_strdup_append_buffer(s, pfx);
	s = s ? append_quoted(s, "", e->kernel) : NULL;
	if (s && (e->options || dflt_opts))
		s = talloc_asprintf_append_buffer(s, " %s", e->options ? e->options : dflt_opts);
	if (s && e->n_initrds) {
		s = talloc_strdup_append_buffer(s, "\ninitrd");
		for (i = 0; s && i < e->n_initrds; i++) {
			s = talloc_asprintf_append_buffer(s, " %s", pfx);
			s = s ? append_quoted(s, "", e->initrds[i]) : NULL;
		}
	}
	if (s && e->devicetree) {
		s = talloc_asprintf_append_buffer(s, "\ndevicetree %s", pfx);
		s = s ? append_quoted(s, "", e->devicetree) : NULL;
	}
	return s ? talloc_strdup_append_buffer(s, "\n") : NULL;
}

/* blscfg: one menu entry per BLS entry of $root's device. */
int g2_blscfg(struct g2_interp *ip, unsigned argc, char **argv)
{
	void *tmp = talloc_new(ip->mem);
	struct kb_bls_entry **ents = NULL;
	const char *dev = NULL, *blsdir, *dflt_opts;
	char *rootpath = NULL, *devpfx;
	unsigned n = 0, i;
	int r;

	if (!tmp)
		return 1;
	if (!g2_count_load(ip, "blscfg")) {
		talloc_free(tmp);
		return 1;
	}
	if (g2_locate(ip, tmp, "/", &dev, &rootpath) < 0) {
		g2_error(ip, 0, "blscfg: $root names no present device");
		talloc_free(tmp);
		return 1;
	}
	blsdir = g2_get(ip, "blsdir");
	r = kb_bls_load(ip->pctx, tmp, dev, blsdir && *blsdir ? blsdir : NULL, NULL, NULL, &ents, &n);
	if (r < 0) {
		if (r != -ENOENT)
			g2_error(ip, 0, "blscfg: cannot read the entries: %s", strerror(-r));
		talloc_free(tmp);
		return 1;
	}
	devpfx = talloc_asprintf(tmp, "(%s)", dev ? dev : ip->own_dev);
	dflt_opts = g2_get(ip, "default_kernelopts");
	for (i = 0; devpfx && i < n && !ip->aborted; i++) {
		const struct kb_bls_entry *e = ents[i];
		char *words[3];
		char *script;
		bool run = false;

		if (!e->kernel)
			continue; /* efi-only entries: not for kexec */
		words[0] = e->title ? e->title : e->id;
		words[1] = (char *)"--id";
		words[2] = e->id;
		script = entry_script(tmp, e, devpfx, dflt_opts);
		if (!script)
			break;
		g2_menuentry_begin(ip, e->id ? 3 : 1, words, &run);
		if (run) {
			g2_eval(ip, script, strlen(script));
			g2_menuentry_end(ip);
		}
		talloc_free(script);
	}
	talloc_free(tmp);
	return 0;
}
