/* libFuzzer target: initrd integrity walk (cpio newc, padding, every
 * compression with its checksums, concatenated archives) on untrusted bytes. */
#include <stddef.h>
#include <stdint.h>

#include "kexec-core/initrd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kx_initrd_report rep = { 0 };

	kx_initrd_verify(data, size, &rep);
	return 0;
}
