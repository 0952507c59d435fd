/* libFuzzer target for the kboot parser: the input is /etc/kboot.conf on an
 * in-memory device; checks in fuzz/parsers-fuzz.h. */
#include "fuzz/parsers-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	struct kb_device *dev;
	struct kb_parse_fs *fs = fz_fs(ctx, &dev);
	struct kb_parse_ctx pctx;
	char *buf = talloc_size(ctx, size + 1);

	/* parsers get NUL-terminated buffers, as read_file makes them */
	memcpy(buf, data, size);
	buf[size] = '\0';
	memfs_add_file(fs, "sda1", "/etc/kboot.conf", buf, size);
	kb_parse_ctx_init(&pctx, ctx, fs, dev, "ppc64le", NULL);
	kb_parser_kboot.parse(&pctx, "/etc/kboot.conf", buf, size);
	fz_check(&pctx);
	talloc_free(ctx);
	return 0;
}
