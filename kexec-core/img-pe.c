/* kexec-core: PE/COFF images: EFI stubs, EFI zboot, and unified kernel
 * images (UKI: a PE with .linux, .initrd, .cmdline, .osrel sections). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kexec-core/image.h"
#include "kexec-core/util.h"

#define PE_LFANEW 0x3c
#define COFF_HDR_SIZE 20
#define PE_SECTION_SIZE 40

#define ZBOOT_MAGIC_OFF 4   /* "zimg" */
#define ZBOOT_PAYLOAD_OFF 8 /* le32 offset, le32 size at 12 */
#define ZBOOT_COMP_OFF 24   /* NUL-padded compression name */
#define ZBOOT_COMP_LEN 32

static enum kx_arch arch_from_pe_machine(uint16_t m)
{
	switch (m) {
	case 0x8664:
		return KX_ARCH_X86_64;
	case 0x014c:
		return KX_ARCH_I386;
	case 0xaa64:
		return KX_ARCH_ARM64;
	case 0x01c2:
	case 0x01c4:
		return KX_ARCH_ARM;
	case 0x5064:
		return KX_ARCH_RISCV64;
	case 0x5032:
		return KX_ARCH_RISCV32;
	case 0x6264:
		return KX_ARCH_LOONGARCH64;
	default:
		return KX_ARCH_UNKNOWN;
	}
}

/* Locate the COFF header; -ENOEXEC when there is no PE signature. */
static int pe_header(const uint8_t *buf, size_t len, uint32_t *ret_off)
{
	uint32_t off;

	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return -ENOEXEC;
	off = kx_le32(buf + PE_LFANEW);
	if (off > KX_MAX_PE_OFFSET || (size_t)off + 4 + COFF_HDR_SIZE > len ||
	    memcmp(buf + off, "PE\0\0", 4) != 0)
		return -ENOEXEC;
	*ret_off = off + 4;
	return 0;
}

/* EFI zboot: "MZ" … "zimg", a compressed Image behind a small EFI decompressor. */
int kx_probe_zboot(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	char comp[ZBOOT_COMP_LEN + 1];
	uint32_t coff;

	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z' ||
	    memcmp(buf + ZBOOT_MAGIC_OFF, "zimg", 4) != 0)
		return -ENOEXEC;
	info->format = "efi-zboot";
	info->efi_stub = true;
	info->payload_offset = kx_le32(buf + ZBOOT_PAYLOAD_OFF);
	info->payload_size = kx_le32(buf + ZBOOT_PAYLOAD_OFF + 4);
	memcpy(comp, buf + ZBOOT_COMP_OFF, ZBOOT_COMP_LEN);
	comp[ZBOOT_COMP_LEN] = '\0';
	if (strcmp(comp, "gzip") == 0)
		info->payload_compression = KX_COMP_GZIP;
	else if (strcmp(comp, "zstd") == 0 || strcmp(comp, "zstd22") == 0)
		info->payload_compression = KX_COMP_ZSTD;
	else if (strcmp(comp, "xzkern") == 0 || strcmp(comp, "xz") == 0)
		info->payload_compression = KX_COMP_XZ;
	else if (strcmp(comp, "lzma") == 0)
		info->payload_compression = KX_COMP_LZMA;
	else if (strcmp(comp, "lz4") == 0)
		info->payload_compression = KX_COMP_LZ4;
	else if (strcmp(comp, "bzip2") == 0)
		info->payload_compression = KX_COMP_BZIP2;
	else if (strcmp(comp, "lzo") == 0)
		info->payload_compression = KX_COMP_LZO;
	if (pe_header(buf, len, &coff) == 0) {
		info->pe_machine = kx_le16(buf + coff);
		info->arch = arch_from_pe_machine(info->pe_machine);
		info->is64 = info->arch == KX_ARCH_ARM64 || info->arch == KX_ARCH_RISCV64 ||
			     info->arch == KX_ARCH_LOONGARCH64;
	}
	snprintf(info->detail, sizeof(info->detail),
		 "EFI zboot image (%s payload of %u bytes at 0x%x), machine 0x%04x", comp,
		 (unsigned)info->payload_size, (unsigned)info->payload_offset, info->pe_machine);
	if (info->payload_size == 0 || info->payload_compression == KX_COMP_NONE)
		return -EBADMSG;
	return 0;
}

/* Generic PE/COFF: EFI application; a UKI when it carries a .linux section. */
int kx_probe_pe(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	uint32_t coff, sect;
	uint16_t nsect, optsz;
	bool osrel = false, cmdline = false, initrd = false;

	if (pe_header(buf, len, &coff) < 0)
		return -ENOEXEC;
	info->format = "pe";
	info->efi_stub = true;
	info->pe_machine = kx_le16(buf + coff);
	info->arch = arch_from_pe_machine(info->pe_machine);
	info->is64 = info->arch == KX_ARCH_X86_64 || info->arch == KX_ARCH_ARM64 ||
		     info->arch == KX_ARCH_RISCV64 || info->arch == KX_ARCH_LOONGARCH64;
	nsect = kx_le16(buf + coff + 2);
	optsz = kx_le16(buf + coff + 16);
	if (nsect > KX_MAX_PE_SECTIONS) {
		snprintf(info->detail, sizeof(info->detail),
			 "PE image with %u sections, limit KX_MAX_PE_SECTIONS is %u", nsect,
			 KX_MAX_PE_SECTIONS);
		return -E2BIG;
	}
	sect = coff + COFF_HDR_SIZE + optsz;
	if ((size_t)sect + (size_t)nsect * PE_SECTION_SIZE > len) {
		snprintf(info->detail, sizeof(info->detail),
			 "PE section table (%u sections) runs past the %zu bytes read", nsect, len);
		return -EBADMSG;
	}
	for (unsigned i = 0; i < nsect; i++) {
		const uint8_t *s = buf + sect + (size_t)i * PE_SECTION_SIZE;
		char name[9];
		memcpy(name, s, 8);
		name[8] = '\0';
		if (strcmp(name, ".linux") == 0) {
			info->uki = true;
			info->payload_size = kx_le32(s + 16);
			info->payload_offset = kx_le32(s + 20);
		} else if (strcmp(name, ".osrel") == 0)
			osrel = true;
		else if (strcmp(name, ".cmdline") == 0)
			cmdline = true;
		else if (strcmp(name, ".initrd") == 0)
			initrd = true;
	}
	if (info->uki)
		info->format = "uki";
	snprintf(info->detail, sizeof(info->detail), "%s, PE machine 0x%04x, %u sections%s%s%s",
		 info->uki ? "unified kernel image (UKI)" : "PE/COFF EFI image", info->pe_machine,
		 nsect, osrel ? ", .osrel" : "", cmdline ? ", .cmdline" : "",
		 initrd ? ", .initrd" : "");
	return 0;
}

/* Size of the PE certificate table (data directory 4) of a PE file's start (0 when none). */
uint32_t kx_pe_cert_size(const uint8_t *buf, size_t len)
{
	uint32_t coff, opt, dir;
	uint16_t optsz, magic;

	if (pe_header(buf, len, &coff) < 0)
		return 0;
	opt = coff + COFF_HDR_SIZE;
	optsz = kx_le16(buf + coff + 16);
	if (optsz < 2 || (size_t)opt + optsz > len)
		return 0;
	magic = kx_le16(buf + opt);
	/* data directories follow the standard + Windows fields: 96 (PE32) or 112 (PE32+) */
	dir = opt + (magic == 0x20b ? 112 : 96) + 4 * 8;
	if (dir + 8 > opt + optsz)
		return 0;
	return kx_le32(buf + dir + 4);
}
