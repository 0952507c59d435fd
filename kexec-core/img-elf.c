/* kexec-core: ELF kernels (vmlinux): class, endianness, machine, ppc64 ABI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kexec-core/image.h"
#include "kexec-core/util.h"

#define EM_386_ 3
#define EM_PPC_ 20
#define EM_PPC64_ 21
#define EM_S390_ 22
#define EM_ARM_ 40
#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define EM_RISCV_ 243
#define EM_LOONGARCH_ 258
#define PT_LOAD_ 1
/* Program headers examined for the memory footprint. */
#define KX_MAX_ELF_PHDRS 64u

/* ELF: "\x7fELF", class, data encoding, e_machine; footprint from PT_LOAD. */
int kx_probe_elf(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	bool be, is64;
	uint16_t (*r16)(const uint8_t *);
	uint32_t (*r32)(const uint8_t *);
	uint64_t (*r64)(const uint8_t *);
	uint64_t phoff, lo = UINT64_MAX, hi = 0;
	uint16_t phentsize, phnum;

	if (len < 52 || memcmp(buf, "\x7f" "ELF", 4) != 0)
		return -ENOEXEC;
	if ((buf[4] != 1 && buf[4] != 2) || (buf[5] != 1 && buf[5] != 2)) {
		snprintf(info->detail, sizeof(info->detail), "ELF with invalid class %u / data %u",
			 buf[4], buf[5]);
		info->format = "elf";
		return -EBADMSG;
	}
	is64 = buf[4] == 2;
	be = buf[5] == 2;
	r16 = be ? kx_be16 : kx_le16;
	r32 = be ? kx_be32 : kx_le32;
	r64 = be ? kx_be64 : kx_le64;
	if (is64 && len < 64)
		return -ENOEXEC;
	info->format = "elf";
	info->is64 = is64;
	info->big_endian = be;
	info->elf_machine = r16(buf + 18);
	info->elf_flags = r32(buf + (is64 ? 48 : 36));
	switch (info->elf_machine) {
	case EM_X86_64_:
		info->arch = KX_ARCH_X86_64;
		break;
	case EM_386_:
		info->arch = KX_ARCH_I386;
		break;
	case EM_AARCH64_:
		info->arch = KX_ARCH_ARM64;
		break;
	case EM_ARM_:
		info->arch = KX_ARCH_ARM;
		break;
	case EM_RISCV_:
		info->arch = is64 ? KX_ARCH_RISCV64 : KX_ARCH_RISCV32;
		break;
	case EM_PPC64_:
		info->arch = be ? KX_ARCH_PPC64 : KX_ARCH_PPC64LE;
		break;
	case EM_PPC_:
		info->arch = KX_ARCH_PPC;
		break;
	case EM_S390_:
		info->arch = KX_ARCH_S390X;
		break;
	case EM_LOONGARCH_:
		info->arch = KX_ARCH_LOONGARCH64;
		break;
	default:
		info->arch = KX_ARCH_UNKNOWN;
	}
	phoff = is64 ? r64(buf + 32) : r32(buf + 28);
	phentsize = r16(buf + (is64 ? 54 : 42));
	phnum = r16(buf + (is64 ? 56 : 44));
	/* phoff comes from the file: compare without letting it wrap */
	if (phnum <= KX_MAX_ELF_PHDRS && phentsize >= (is64 ? 56 : 32) && phoff <= len &&
	    (uint64_t)phnum * phentsize <= len - phoff) {
		for (unsigned i = 0; i < phnum; i++) {
			const uint8_t *ph = buf + phoff + (uint64_t)i * phentsize;
			uint64_t paddr, memsz;
			if (r32(ph) != PT_LOAD_)
				continue;
			paddr = is64 ? r64(ph + 24) : r32(ph + 12);
			memsz = is64 ? r64(ph + 40) : r32(ph + 20);
			if (paddr < lo)
				lo = paddr;
			if (paddr + memsz > hi)
				hi = paddr + memsz;
		}
		if (hi > lo)
			info->image_size = hi - lo;
	}
	if (info->elf_machine == EM_PPC64_)
		snprintf(info->detail, sizeof(info->detail),
			 "ELF %s %s, ppc64 ELF ABI v%u (e_flags 0x%x)", is64 ? "64-bit" : "32-bit",
			 be ? "big endian" : "little endian", info->elf_flags & 3, info->elf_flags);
	else
		snprintf(info->detail, sizeof(info->detail), "ELF %s %s, machine %u (%s)",
			 is64 ? "64-bit" : "32-bit", be ? "big endian" : "little endian",
			 info->elf_machine, kx_arch_name(info->arch));
	return 0;
}
