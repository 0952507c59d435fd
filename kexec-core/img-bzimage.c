/* kexec-core: x86 bzImage (Linux/x86 boot protocol setup header). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kexec-core/image.h"
#include "kexec-core/util.h"

/* Setup header offsets (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_BOOT_FLAG 0x1fe
#define BZ_HEADER 0x202
#define BZ_VERSION 0x206
#define BZ_LOADFLAGS 0x211
#define BZ_KERNEL_ALIGNMENT 0x230
#define BZ_XLOADFLAGS 0x236
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c
#define BZ_INIT_SIZE 0x260
#define BZ_HEADER_END 0x264

#define BZ_LOADED_HIGH 0x01
#define BZ_XLF_KERNEL_64 0x01

/* x86 bzImage: "HdrS" at 0x202, boot flag 0xAA55. */
int kx_probe_bzimage(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	unsigned setup_sects;
	uint64_t pm_start, payload;

	if (len < BZ_HEADER_END || memcmp(buf + BZ_HEADER, "HdrS", 4) != 0 ||
	    kx_le16(buf + BZ_BOOT_FLAG) != 0xAA55)
		return -ENOEXEC;
	info->format = "bzImage";
	info->boot_protocol = kx_le16(buf + BZ_VERSION);
	info->loadflags = buf[BZ_LOADFLAGS];
	info->efi_stub = buf[0] == 'M' && buf[1] == 'Z';
	if (info->boot_protocol >= 0x020c)
		info->xloadflags = kx_le16(buf + BZ_XLOADFLAGS);
	info->arch = (info->xloadflags & BZ_XLF_KERNEL_64) ? KX_ARCH_X86_64 : KX_ARCH_I386;
	info->is64 = info->arch == KX_ARCH_X86_64;
	if (info->boot_protocol >= 0x020a)
		info->image_size = kx_le32(buf + BZ_INIT_SIZE);
	setup_sects = buf[BZ_SETUP_SECTS] ? buf[BZ_SETUP_SECTS] : 4;
	pm_start = (uint64_t)(setup_sects + 1) * 512;
	if (info->boot_protocol >= 0x0208) {
		payload = pm_start + kx_le32(buf + BZ_PAYLOAD_OFFSET);
		info->payload_offset = payload;
		info->payload_size = kx_le32(buf + BZ_PAYLOAD_LENGTH);
		if (payload + 16 <= len)
			info->payload_compression = kx_compress_detect(buf + payload, len - payload);
	}
	snprintf(info->detail, sizeof(info->detail),
		 "x86 bzImage, boot protocol %u.%02u, loadflags 0x%02x, xloadflags 0x%04x%s",
		 info->boot_protocol >> 8, info->boot_protocol & 0xff, info->loadflags,
		 info->xloadflags, info->efi_stub ? ", EFI stub" : "");
	if (!(info->loadflags & BZ_LOADED_HIGH))
		return -EBADMSG; /* a zImage, loaded low: no kexec path takes it */
	return 0;
}
