/* kexboot Unified Kernel Image (Boot Loader Specification Type 2) parser:
 * /EFI/Linux/NAME.efi. The name comes from the .osrel section (PRETTY_NAME,
 * with .uname or VERSION_ID), the command line from .cmdline; the kernel
 * resource is the UKI itself (kexec-core unpacks it). PE headers are read
 * with pread-style range reads and every offset is bounds-checked.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parsers/bls.h"
#include "discover/parsers/util.h"

/* Bytes read from one PE section (.osrel, .cmdline, .uname). */
#define KB_UKI_MAX_SECTION (64u * 1024u)
/* PE sections looked at. */
#define KB_UKI_MAX_SECTIONS 96u
/* UKIs listed per directory. */
#define KB_UKI_MAX_FILES 1024u

struct uki_info {
	char *file;
	char *osrel, *cmdline, *uname;
	uint16_t machine;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_range(struct kb_parse_ctx *pctx, void *ctx, const char *path, uint64_t off,
		      size_t len, unsigned char **ret, size_t *ret_len)
{
	char *buf;
	size_t got;
	int r;

	if (pctx->fs->read_range) {
		r = pctx->fs->read_range(pctx->fs, ctx, NULL, path, off, len, &buf, &got);
	} else {
		/* backends without range reads: whole file, within the config cap */
		r = pctx->fs->read_file(pctx->fs, ctx, NULL, path, KB_CONFIG_MAX_SIZE, &buf, &got);
		if (r == 0) {
			if (off >= got) {
				got = 0;
			} else {
				got -= (size_t)off;
				if (got > len)
					got = len;
				memmove(buf, buf + off, got);
			}
			buf[got] = '\0';
		}
	}
	if (r < 0)
		return r;
	*ret = (unsigned char *)buf;
	*ret_len = got;
	return 0;
}

static const char *machine_arch(uint16_t m)
{
	switch (m) {
	case 0x8664: return "x86_64";
	case 0x014c: return "x86";
	case 0xaa64: return "arm64";
	case 0x01c2:
	case 0x01c4: return "arm";
	case 0x5064: return "riscv64";
	case 0x6264: return "loongarch64";
	default: return NULL;
	}
}

/* Read the PE header and the sections kexboot needs. 0, or -ENOEXEC. */
static int uki_read(struct kb_parse_ctx *pctx, void *ctx, const char *path, struct uki_info *ui)
{
	unsigned char *h, *sec;
	size_t hl, sl;
	uint32_t pe;
	uint16_t nsec, optsz;
	unsigned i;
	int r;

	r = read_range(pctx, ctx, path, 0, 64, &h, &hl);
	if (r < 0)
		return r;
	if (hl < 64 || h[0] != 'M' || h[1] != 'Z')
		return -ENOEXEC;
	pe = le32(h + 0x3c);
	if (pe > KB_UKI_MAX_SECTION)
		return -ENOEXEC;
	r = read_range(pctx, ctx, path, pe, 24, &h, &hl);
	if (r < 0)
		return r;
	if (hl < 24 || memcmp(h, "PE\0\0", 4) != 0)
		return -ENOEXEC;
	ui->machine = le16(h + 4);
	nsec = le16(h + 6);
	optsz = le16(h + 20);
	if (nsec == 0 || nsec > KB_UKI_MAX_SECTIONS)
		return -ENOEXEC;
	r = read_range(pctx, ctx, path, (uint64_t)pe + 24 + optsz, (size_t)nsec * 40, &sec, &sl);
	if (r < 0)
		return r;
	if (sl < (size_t)nsec * 40)
		return -ENOEXEC;
	for (i = 0; i < nsec; i++) {
		const unsigned char *s = sec + i * 40;
		uint32_t vsize = le32(s + 8), rsize = le32(s + 16), off = le32(s + 20);
		uint32_t size = vsize && vsize < rsize ? vsize : rsize;
		char **slot = NULL;
		unsigned char *data;
		size_t dl;

		if (!memcmp(s, ".osrel\0", 7))
			slot = &ui->osrel;
		else if (!memcmp(s, ".cmdline", 8))
			slot = &ui->cmdline;
		else if (!memcmp(s, ".uname\0", 7))
			slot = &ui->uname;
		if (!slot)
			continue;
		if (size > KB_UKI_MAX_SECTION) {
			kb_parse_error(pctx, path, 0, "section %.8s is %u bytes, over %u (KB_UKI_MAX_SECTION): ignored",
				       (const char *)s, size, KB_UKI_MAX_SECTION);
			continue;
		}
		r = read_range(pctx, ctx, path, off, size, &data, &dl);
		if (r < 0)
			return r;
		/* section data is NUL-padded; stop at the first NUL */
		*slot = talloc_strndup(ctx, (const char *)data, strnlen((const char *)data, dl));
		if (!*slot)
			return -ENOMEM;
	}
	return 0;
}

/* Value of KEY= in an os-release text, unquoted, under ctx; NULL if absent. */
static char *osrel_get(void *ctx, const char *osrel, const char *key)
{
	size_t kl = strlen(key);
	const char *p = osrel;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t vl = n - kl - 1;

			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v++;
				vl -= 2;
			}
			return talloc_strndup(ctx, v, vl);
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

static char *trim_cmdline(void *ctx, const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	while (n && (*s == ' ' || *s == '\n')) {
		s++;
		n--;
	}
	return talloc_strndup(ctx, s, n);
}

static int cmp_files(const void *a, const void *b)
{
	/* newest first, as BLS orders entries without sort-key */
	return kb_version_compare(*(char *const *)b, *(char *const *)a);
}

static int uki_scan(struct kb_parse_ctx *pctx)
{
	void *tmp = talloc_new(NULL);
	char **files = NULL;
	unsigned n_files = 0, k, i;
	bool have_default = false;
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	for (k = 0; kb_config_paths_uki[k]; k++) {
		char **m = NULL;
		unsigned nm = 0;

		if (kb_parse_glob(pctx, tmp, NULL, kb_config_paths_uki[k], &m, &nm) < 0)
			continue;
		for (i = 0; i < nm && n_files < KB_UKI_MAX_FILES; i++) {
			struct kb_file_info info;
			char **nf;

			if (pctx->fs->stat(pctx->fs, NULL, m[i], &info) < 0 || info.type != KB_FILE_REGULAR)
				continue;
			nf = talloc_realloc(tmp, files, char *, n_files + 1);
			if (!nf) {
				r = -ENOMEM;
				goto out;
			}
			files = nf;
			files[n_files++] = m[i];
		}
	}
	if (n_files > 1)
		qsort(files, n_files, sizeof(files[0]), cmp_files);
	for (i = 0; i < n_files; i++) {
		struct uki_info ui;
		struct kb_option *opt;
		char *pretty, *ver;
		const char *arch;

		memset(&ui, 0, sizeof(ui));
		r = uki_read(pctx, tmp, files[i], &ui);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			kb_parse_error(pctx, files[i], 0, "not a usable PE image: %s", strerror(-r));
			continue;
		}
		arch = machine_arch(ui.machine);
		if (arch && !kb_arch_matches(arch, pctx->arch))
			continue;
		if (!ui.osrel) {
			kb_parse_error(pctx, files[i], 0, "no .osrel section: not a UKI, skipped");
			continue;
		}
		opt = kb_option_new(tmp);
		if (!opt) {
			r = -ENOMEM;
			goto out;
		}
		pretty = osrel_get(opt, ui.osrel, "PRETTY_NAME");
		if (!pretty)
			pretty = osrel_get(opt, ui.osrel, "NAME");
		ver = ui.uname ? trim_cmdline(opt, ui.uname) : osrel_get(opt, ui.osrel, "VERSION_ID");
		if (!pretty) {
			const char *b = strrchr(files[i], '/');

			pretty = talloc_strdup(opt, b ? b + 1 : files[i]);
		}
		if (ver && *ver && pretty && !strstr(pretty, ver))
			opt->name = talloc_asprintf(opt, "%s (%s)", pretty, ver);
		else
			opt->name = talloc_strdup(opt, pretty);
		if (ui.cmdline)
			opt->args = trim_cmdline(opt, ui.cmdline);
		if (!opt->name || kb_res_set(pctx, opt, &opt->kernel, NULL, "/", files[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		if (!have_default) {
			opt->is_default = true; /* the newest, as systemd-boot picks */
			have_default = true;
		}
		if (kb_parse_add_checked(pctx, "uki", opt, files[i], 0) == -ENOMEM) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = 0;
out:
	talloc_free(tmp);
	return r;
}

const struct kb_parser kb_parser_uki = {
	.name = "uki",
	.config_paths = kb_config_paths_uki,
	.scan = uki_scan,
};
