/* libFuzzer target for the syslinux/extlinux parser: the input's first
 * piece is /boot/extlinux/extlinux.conf, the next ones (after "\n#--\n")
 * inc1.cfg and inc2.cfg beside it for INCLUDE; a DTB exists for FDTDIR
 * (compatible "acme,board"). Checks in fuzz/parsers-fuzz.h. */
#include "fuzz/parsers-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"/boot/extlinux/extlinux.conf", "/boot/extlinux/inc1.cfg",
					    "/boot/extlinux/inc2.cfg"};
	void *ctx = talloc_new(NULL);
	struct kb_device *dev;
	struct kb_parse_fs *fs = fz_fs(ctx, &dev);
	struct kb_parse_ctx pctx;
	const char *cfg = NULL;
	size_t cl = 0;
	unsigned k;

	for (k = 0; k < 3; k++) {
		size_t l;
		const char *p = fz_piece(data, size, k, &l);

		if (!p)
			break;
		memfs_add_file(fs, "sda1", names[k], p, l);
		if (k == 0) {
			cfg = p;
			cl = l;
		}
	}
	memfs_add_file(fs, "sda1", "/boot/extlinux/dtbs/acme/board.dtb", "d", (size_t)-1);
	kb_parse_ctx_init(&pctx, ctx, fs, dev, "riscv64", "acme,board\nacme,soc");
	{
		/* parsers get NUL-terminated buffers, as read_file makes them */
		char *buf = talloc_strndup(ctx, cfg ? cfg : "", cl);

		kb_parser_syslinux.parse(&pctx, names[0], buf, strlen(buf));
	}
	fz_check(&pctx);
	talloc_free(ctx);
	return 0;
}
