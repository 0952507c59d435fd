/* libFuzzer target: kernel image probes (every format in the table, with
 * compressed payload detection and size caps) on untrusted bytes. */
#include <stddef.h>
#include <stdint.h>

#include "kexec-core/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_image_info info = { 0 };

	kx_image_probe_buf(data, size, &info);
	return 0;
}
