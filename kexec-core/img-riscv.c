/* kexec-core: RISC-V Image (Documentation/arch/riscv/boot-image-header.rst). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kexec-core/image.h"
#include "kexec-core/util.h"

#define RISCV_HDR_SIZE 64
#define RISCV_MAGIC_OFF 48  /* "RISCV\0\0\0", deprecated but still written */
#define RISCV_MAGIC2_OFF 56 /* "RSC\x05" since header version 0.2 */
#define RISCV_FLAG_BE 0x1

/* RISC-V Image: magic "RISCV" at 0x30 and/or "RSC\x05" at 0x38. */
int kx_probe_riscv(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	uint32_t version;

	if (len < RISCV_HDR_SIZE)
		return -ENOEXEC;
	if (memcmp(buf + RISCV_MAGIC2_OFF, "RSC\x05", 4) != 0 &&
	    memcmp(buf + RISCV_MAGIC_OFF, "RISCV\0\0\0", 8) != 0)
		return -ENOEXEC;
	info->format = "riscv-Image";
	info->arch = KX_ARCH_RISCV64;
	info->is64 = true;
	info->text_offset = kx_le64(buf + 8);
	info->image_size = kx_le64(buf + 16);
	info->flags = kx_le64(buf + 24);
	info->big_endian = info->flags & RISCV_FLAG_BE;
	version = kx_le32(buf + 32);
	info->efi_stub = buf[0] == 'M' && buf[1] == 'Z';
	snprintf(info->detail, sizeof(info->detail),
		 "RISC-V Image, header %u.%u, text_offset 0x%llx, image_size 0x%llx%s", version >> 16,
		 version & 0xffff, (unsigned long long)info->text_offset,
		 (unsigned long long)info->image_size, info->efi_stub ? ", EFI stub" : "");
	return 0;
}
