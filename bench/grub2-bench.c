/* Benchmark driver for the GRUB2 parser: parse one grub.cfg (optionally with
 * a directory of BLS entries for blscfg) from an in-memory device and print
 * what came out and the peak RSS. bench/grub2-bench.sh runs it under
 * callgrind with --toggle-collect=bench_parse to count the parse alone. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <talloc.h>

#include "discover/parser.h"
#include "test/parsers/grub2/memfs.h"

#define BENCH_UUID "0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f"

static char *slurp(void *ctx, const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = talloc_realloc_size(ctx, buf, cap + 1);
			if (!buf)
				break;
		}
		n = fread(buf + len, 1, 65536, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	*ret_len = len;
	return buf;
}

/* The measured region: one parse of the config. */
__attribute__((noinline)) int bench_parse(struct kb_parse_ctx *pctx, const char *buf, size_t len);
__attribute__((noinline)) int bench_parse(struct kb_parse_ctx *pctx, const char *buf, size_t len)
{
	return kb_parser_grub2.parse(pctx, "/boot/grub/grub.cfg", buf, len);
}

int main(int argc, char **argv)
{
	void *root = talloc_new(NULL);
	struct kb_parse_fs *fs = memfs_new(root);
	struct kb_device *dev;
	struct kb_parse_ctx pctx;
	struct rusage ru;
	char *buf;
	size_t len;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s GRUB.CFG [BLS-ENTRIES-DIR]\n", argv[0]);
		return 2;
	}
	dev = memfs_add_device(fs, "sda1", BENCH_UUID, "root", NULL);
	buf = slurp(root, argv[1], &len);
	if (!buf || !dev) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	if (argc > 2) {
		DIR *d = opendir(argv[2]);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char *p, *data, *dst;
			size_t dl;

			if (de->d_name[0] == '.')
				continue;
			p = talloc_asprintf(root, "%s/%s", argv[2], de->d_name);
			data = slurp(root, p, &dl);
			dst = talloc_asprintf(root, "/loader/entries/%s", de->d_name);
			if (data)
				memfs_add_file(fs, "sda1", dst, data, dl);
		}
		if (d)
			closedir(d);
	}
	kb_parse_ctx_init(&pctx, root, fs, dev, "x86_64", NULL);
	r = bench_parse(&pctx, buf, len);
	getrusage(RUSAGE_SELF, &ru);
	printf("result=%d options=%u errors=%u timeout=%d maxrss_kb=%ld\n", r, pctx.n_options,
	       pctx.n_errors, pctx.timeout_s, ru.ru_maxrss);
	if (pctx.n_options) {
		unsigned i, def = 0;

		for (i = 0; i < pctx.n_options; i++)
			if (pctx.options[i]->is_default)
				def = i;
		printf("first: %s | %s | %s\n", pctx.options[0]->name,
		       pctx.options[0]->kernel.path ? pctx.options[0]->kernel.path : "-",
		       pctx.options[0]->args ? pctx.options[0]->args : "-");
		printf("default: #%u %s\n", def, pctx.options[def]->name);
	}
	for (unsigned i = 0; i < pctx.n_errors && i < 5; i++)
		printf("error: %s:%u: %s\n", pctx.errors[i].file, pctx.errors[i].line,
		       pctx.errors[i].message);
	talloc_free(root);
	return 0;
}
