/* libFuzzer target for the BLS Type 1 parser: the input's pieces (split by
 * "\n#--\n") are /loader/loader.conf and entry files under /loader/entries
 * and /boot/loader/entries. Besides the checks in fuzz/parsers-fuzz.h it
 * holds the sort keys to the comparison they replace: for the first two
 * lines of the input, memcmp order of kb_version_key equals the sign of
 * kb_version_compare, and the resulting menu is sorted. */
#include "fuzz/parsers-fuzz.h"

#include "discover/parsers/bls.h"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void check_version_key(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl = memchr(p, '\n', size), *nl2;
	char *a, *b;
	unsigned char *ka, *kb;
	size_t la, lb;
	int c, m;

	if (!nl)
		return;
	nl2 = memchr(nl + 1, '\n', size - (size_t)(nl + 1 - p));
	a = strndup(p, (size_t)(nl - p));
	b = strndup(nl + 1, nl2 ? (size_t)(nl2 - nl - 1) : size - (size_t)(nl + 1 - p));
	ka = malloc(8 * strlen(a) + 8);
	kb = malloc(8 * strlen(b) + 8);
	la = kb_version_key(ka, a);
	lb = kb_version_key(kb, b);
	c = sign(kb_version_compare(a, b));
	m = sign(memcmp(ka, kb, la < lb ? la : lb));
	if (!m)
		m = (la > lb) - (la < lb);
	if (c != m || (la <= lb && memcmp(ka, kb, la) == 0 && la != lb))
		abort(); /* order differs, or one key is a proper prefix of the other */
	free(a);
	free(b);
	free(ka);
	free(kb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"/loader/loader.conf",         "/loader/entries/a-6.1.conf",
		"/loader/entries/b-6.10.conf", "/loader/entries/c.conf",
		"/boot/loader/entries/d~rc1.conf", "/loader/entries/e-6.1.0-1.fc40.conf",
	};
	void *ctx = talloc_new(NULL);
	struct kb_device *dev;
	struct kb_parse_fs *fs = fz_fs(ctx, &dev);
	struct kb_parse_ctx pctx;
	unsigned k;

	check_version_key(data, size);
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t l;
		const char *p = fz_piece(data, size, k, &l);

		if (!p)
			break;
		memfs_add_file(fs, "sda1", names[k], p, l);
	}
	memfs_add_file(fs, "sda1", "/boot/vmlinuz-6.1", "k", (size_t)-1);
	kb_parse_ctx_init(&pctx, ctx, fs, dev, "x86_64", NULL);
	kb_parser_bls.scan(&pctx);
	fz_check(&pctx);
	talloc_free(ctx);
	return 0;
}
