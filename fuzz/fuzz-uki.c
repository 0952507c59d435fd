/* libFuzzer target for the UKI (BLS Type 2) parser: the input is
 * /EFI/Linux/fuzz.efi, a PE image whose headers and .osrel/.cmdline/.uname
 * sections the parser reads with range reads. Checks in fuzz/parsers-fuzz.h. */
#include "fuzz/parsers-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	struct kb_device *dev;
	struct kb_parse_fs *fs = fz_fs(ctx, &dev);
	struct kb_parse_ctx pctx;

	memfs_add_file(fs, "sda1", "/EFI/Linux/fuzz.efi", (const char *)data, size);
	kb_parse_ctx_init(&pctx, ctx, fs, dev, "x86_64", NULL);
	kb_parser_uki.scan(&pctx);
	fz_check(&pctx);
	talloc_free(ctx);
	return 0;
}
