/* kexec-core: arm64 Image (Documentation/arch/arm64/booting.rst header). */
#include <errno.h>
#include <stdio.h>

#include "kexec-core/image.h"
#include "kexec-core/util.h"

#define ARM64_MAGIC 0x644d5241u /* "ARM\x64" at offset 0x38 */
#define ARM64_HDR_SIZE 64
#define ARM64_FLAG_BE 0x1
/* Pre-3.17 Images have image_size 0 and an implied text_offset. */
#define ARM64_LEGACY_TEXT_OFFSET 0x80000

/* arm64 Image: magic at 0x38; text_offset, image_size, flags little endian. */
int kx_probe_arm64(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	static const char *const page[] = { "unspecified", "4K", "16K", "64K" };

	if (len < ARM64_HDR_SIZE || kx_le32(buf + 0x38) != ARM64_MAGIC)
		return -ENOEXEC;
	info->format = "arm64-Image";
	info->arch = KX_ARCH_ARM64;
	info->is64 = true;
	info->image_size = kx_le64(buf + 16);
	info->text_offset = info->image_size ? kx_le64(buf + 8) : ARM64_LEGACY_TEXT_OFFSET;
	info->flags = info->image_size ? kx_le64(buf + 24) : 0;
	info->big_endian = info->flags & ARM64_FLAG_BE;
	info->efi_stub = buf[0] == 'M' && buf[1] == 'Z';
	snprintf(info->detail, sizeof(info->detail),
		 "arm64 Image, %s endian, text_offset 0x%llx, image_size 0x%llx, page size %s%s%s",
		 info->big_endian ? "big" : "little", (unsigned long long)info->text_offset,
		 (unsigned long long)info->image_size, page[(info->flags >> 1) & 3],
		 (info->flags & 0x8) ? ", placeable anywhere" : "",
		 info->efi_stub ? ", EFI stub" : "");
	if (info->text_offset & 0xfff)
		return -EBADMSG;
	return 0;
}
