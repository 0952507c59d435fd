/* libFuzzer target: device-tree validation, enable-method reading and the
 * /chosen edit (with its rollback) on untrusted blobs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/dtb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seed[KX_RNG_SEED_SIZE] = { 1 };
	struct kx_chosen ch = { .bootargs = "console=ttyS0 root=/dev/vda1", .initrd_start = 0x48000000,
				.initrd_end = 0x49000000, .rng_seed = seed, .kaslr_seed = 42 };
	void *ctx = talloc_new(NULL), *buf, *out = NULL;
	const char *why = NULL;
	size_t out_len = 0;

	/* libfdt wants an aligned blob */
	buf = talloc_size(ctx, size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (kx_dtb_validate(buf, size, &why) == 0) {
		kx_dtb_enable_method(ctx, buf);
		kx_dtb_prepare(ctx, buf, &ch, &out, &out_len);
	}
	talloc_free(ctx);
	return 0;
}
