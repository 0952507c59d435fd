/* kexec-core: checks on the files to boot: readable, sane sizes, format,
 * architecture and endianness against the running machine, initrd integrity. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kexec-core/checks.h"
#include "kexec-core/initrd.h"
#include "kexec-core/vcache.h"

/* Kernels smaller than this are not kernels. */
#define KX_MIN_KERNEL_SIZE 4096u
/* x86 boot protocol needed by the 64-bit kexec_file_load loader (2.12). */
#define KX_BZIMAGE_MIN_PROTOCOL 0x020c
#define BZ_XLF_KERNEL_64 0x1
#define BZ_XLF_CAN_BE_LOADED_ABOVE_4G 0x2

/* Architectures that boot each other across an endianness switch (POWER: LE
 * firmware kernels boot BE ones and back). */
static bool arch_compatible(enum kx_arch host, enum kx_arch img)
{
	if (host == img)
		return true;
	return (host == KX_ARCH_PPC64 && img == KX_ARCH_PPC64LE) ||
	       (host == KX_ARCH_PPC64LE && img == KX_ARCH_PPC64);
}

void kx_check_image(struct kx_checks *c)
{
	const char *k = c->spec->kernel;
	struct kx_image_info *img = &c->img;
	char hs[32];

	c->img_r = kx_image_probe_file(k, img);
	if (c->img_r == -ENOENT || c->img_r == -EACCES || c->img_r == -EPERM || c->img_r == -EISDIR ||
	    c->img_r == -EINVAL) {
		kx_result(&c->res, KB_SEV_FATAL, "kernel-file", k, "check the kernel path and permissions",
			  "cannot read kernel %s: %s", k, c->img_r == -EINVAL ? img->detail : strerror(-c->img_r));
		return;
	}
	if (c->img_r == -EFBIG) {
		kx_result(&c->res, KB_SEV_FATAL, "kernel-file", k, "", "refusing kernel: %s", img->detail);
		return;
	}
	if (img->file_size < KX_MIN_KERNEL_SIZE) {
		kx_result(&c->res, KB_SEV_FATAL, "kernel-file", k, "the file is probably truncated",
			  "kernel %s is %llu bytes, below KX_MIN_KERNEL_SIZE (%u)", k,
			  (unsigned long long)img->file_size, KX_MIN_KERNEL_SIZE);
		c->img_r = -EBADMSG;
		return;
	}
	kx_result(&c->res, KB_SEV_INFO, "kernel-file", k, "", "kernel %s readable, %s", k,
		  kx_human_size(hs, sizeof(hs), img->file_size));
	if (c->img_r == -ENOEXEC) {
		kx_result(&c->res, KB_SEV_FATAL, "kernel-format", k, "give a Linux kernel image",
			  "%s is not a kernel image kexboot recognises: %s", k, img->detail);
		return;
	}
	if (c->img_r < 0) {
		kx_result(&c->res, KB_SEV_FATAL, "kernel-format", k, "the kernel file is damaged or unsupported",
			  "%s: malformed %s: %s", k, img->format ? img->format : "image", img->detail);
		return;
	}
	kx_result(&c->res, KB_SEV_INFO, "kernel-format", k, "", "%s", img->detail);
	if (img->uki)
		kx_result(&c->res, KB_SEV_FATAL, "kernel-uki", k,
			  "boot the kernel and initrd the UKI was built from, or use EFI firmware",
			  "%s is a unified kernel image; loading the .linux payload of a UKI is not implemented", k);
	if (img->format && strcmp(img->format, "pe") == 0)
		kx_result(&c->res, KB_SEV_FATAL, "kernel-format", k, "give the Linux kernel, not an EFI application",
			  "%s is a PE/EFI application without a Linux boot header", k);

	if (c->host.arch != KX_ARCH_UNKNOWN && !arch_compatible(c->host.arch, img->arch))
		kx_result(&c->res, KB_SEV_FATAL, "kernel-arch", k, "choose the kernel built for this machine",
			  "%s is an %s kernel; this machine runs %s (%s)", k, kx_arch_name(img->arch),
			  kx_arch_name(c->host.arch), c->host.machine);
	else if (c->host.arch != KX_ARCH_UNKNOWN && img->big_endian != c->host.big_endian)
		kx_result(&c->res, KB_SEV_WARNING, "kernel-endianness", k,
			  "make sure the new kernel's userspace matches its endianness",
			  "%s is %s endian, the running kernel is %s endian", k,
			  img->big_endian ? "big" : "little", c->host.big_endian ? "big" : "little");
	else
		kx_result(&c->res, KB_SEV_INFO, "kernel-arch", k, "", "%s %s-endian kernel on %s",
			  kx_arch_name(img->arch), img->big_endian ? "big" : "little", c->host.machine);

	if (img->format && strcmp(img->format, "bzImage") == 0 && c->host.arch == KX_ARCH_X86_64) {
		if (img->boot_protocol < KX_BZIMAGE_MIN_PROTOCOL || !(img->xloadflags & BZ_XLF_KERNEL_64) ||
		    !(img->xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G))
			kx_result(&c->res, KB_SEV_FATAL, "kernel-bzimage64", k,
				  "use a 64-bit kernel with boot protocol 2.12 or newer",
				  "%s: boot protocol %u.%02u, xloadflags 0x%x: kexec needs >= 2.12 with a 64-bit entry (XLF_KERNEL_64) loadable above 4G",
				  k, img->boot_protocol >> 8, img->boot_protocol & 0xff, img->xloadflags);
	}
	if (img->compression != KX_COMP_NONE)
		kx_result(&c->res, KB_SEV_INFO, "kernel-compression", k, "",
			  "%s-compressed kernel: decompressed in memory before loading (limit %u MiB)",
			  kx_compress_name(img->compression), KX_MAX_DECOMPRESSED_KERNEL >> 20);
}

void kx_check_initrds(struct kx_checks *c)
{
	for (unsigned i = 0; i < c->spec->n_initrds; i++) {
		const char *p = c->spec->initrds[i];
		struct kx_initrd_report rep;
		struct kx_file_key key;
		char hs[32];
		int fd = open(p, O_RDONLY | O_CLOEXEC), r;

		memset(&rep, 0, sizeof(rep));
		r = fd < 0 ? -errno : kx_file_key_fd(fd, &key);
		if (r == 0) {
			r = kx_initrd_verify_fd(fd, &rep);
			c->sys->n_verified++;
			/* remembered for the load, unless the file moved while we read it */
			if (r == 0 && kx_file_key_unchanged(fd, &key))
				kx_vcache_put(c->sys, &key);
		} else if (r == -EINVAL) {
			snprintf(rep.detail, sizeof(rep.detail), "not a regular file");
		}
		if (fd >= 0)
			close(fd);

		c->initrd_total += rep.size;
		if (r == -ENOENT || r == -EACCES || r == -EPERM || r == -EISDIR || r == -EINVAL)
			kx_result(&c->res, KB_SEV_FATAL, "initrd-file", p, "check the initrd path and permissions",
				  "cannot read initrd %s: %s", p, r == -EINVAL ? rep.detail : strerror(-r));
		else if (r == -EOPNOTSUPP)
			kx_result(&c->res, KB_SEV_WARNING, "initrd-integrity", p,
				  "recompress the initrd with gzip, zstd or xz to have it verified",
				  "%s cannot be verified: %s", p, rep.detail);
		else if (r == -E2BIG)
			kx_result(&c->res, KB_SEV_FATAL, "initrd-integrity", p, "", "refusing initrd %s: %s", p,
				  rep.detail);
		else if (r < 0)
			kx_result(&c->res, KB_SEV_FATAL, "initrd-integrity", p,
				  "the initrd is truncated or corrupt: copy or download it again",
				  "initrd %s is damaged: %s", p, rep.detail);
		else
			kx_result(&c->res, KB_SEV_INFO, "initrd-integrity", p, "", "initrd %s (%s) verified: %s",
				  p, kx_human_size(hs, sizeof(hs), rep.size), rep.detail);
	}
	if (c->initrd_total > KX_MAX_INITRD_TOTAL)
		kx_result(&c->res, KB_SEV_FATAL, "initrd-size", "", "",
			  "initrds total %llu bytes, limit KX_MAX_INITRD_TOTAL is %llu",
			  (unsigned long long)c->initrd_total, KX_MAX_INITRD_TOTAL);
}
