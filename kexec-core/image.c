/* kexec-core: the image format table and file probing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "kexec-core/image.h"
#include "kexec-core/kexec.h"
#include "kexec-core/util.h"

/* Probed in order: bzImage, arm64 and riscv headers before the generic PE
 * probe (their EFI stubs are PE files too), zboot before PE. */
static const struct kx_image_format formats[] = {
	{ "bzImage", kx_probe_bzimage },
	{ "arm64-Image", kx_probe_arm64 },
	{ "riscv-Image", kx_probe_riscv },
	{ "efi-zboot", kx_probe_zboot },
	{ "pe", kx_probe_pe },
	{ "elf", kx_probe_elf },
};

static const char *const arch_names[KX_ARCH_MAX] = {
	"unknown", "x86_64", "i386", "arm64", "arm", "riscv64", "riscv32",
	"ppc64", "ppc64le", "ppc", "s390x", "loongarch64",
};

/* Name of an architecture ("arm64"). */
const char *kx_arch_name(enum kx_arch arch)
{
	return arch < KX_ARCH_MAX ? arch_names[arch] : "unknown";
}

/* The architecture of a uname -m machine string. */
enum kx_arch kx_arch_from_machine(const char *m, bool *big_endian)
{
	bool be = false;
	enum kx_arch a = KX_ARCH_UNKNOWN;

	if (strcmp(m, "x86_64") == 0)
		a = KX_ARCH_X86_64;
	else if (m[0] == 'i' && strlen(m) == 4 && strcmp(m + 2, "86") == 0)
		a = KX_ARCH_I386;
	else if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0)
		a = KX_ARCH_ARM64;
	else if (strcmp(m, "aarch64_be") == 0) {
		a = KX_ARCH_ARM64;
		be = true;
	} else if (strncmp(m, "arm", 3) == 0)
		a = KX_ARCH_ARM;
	else if (strcmp(m, "riscv64") == 0)
		a = KX_ARCH_RISCV64;
	else if (strcmp(m, "riscv32") == 0)
		a = KX_ARCH_RISCV32;
	else if (strcmp(m, "ppc64le") == 0)
		a = KX_ARCH_PPC64LE;
	else if (strcmp(m, "ppc64") == 0) {
		a = KX_ARCH_PPC64;
		be = true;
	} else if (strcmp(m, "ppc") == 0) {
		a = KX_ARCH_PPC;
		be = true;
	} else if (strcmp(m, "s390x") == 0) {
		a = KX_ARCH_S390X;
		be = true;
	} else if (strcmp(m, "loongarch64") == 0)
		a = KX_ARCH_LOONGARCH64;
	if (big_endian)
		*big_endian = be;
	return a;
}

/* Probe a memory buffer holding the start of an image (uncompressed). */
int kx_image_probe_buf(const uint8_t *buf, size_t len, struct kx_image_info *info)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct kx_image_info tmp = *info;
		int r = formats[i].probe(buf, len, &tmp);
		if (r == -ENOEXEC)
			continue;
		*info = tmp;
		info->pe_signed = kx_pe_cert_size(buf, len) > 0;
		return r;
	}
	if (len >= 4)
		snprintf(info->detail, sizeof(info->detail),
			 "unknown format (first bytes %02x %02x %02x %02x)", buf[0], buf[1], buf[2],
			 buf[3]);
	else
		snprintf(info->detail, sizeof(info->detail), "file too short (%zu bytes)", len);
	return -ENOEXEC;
}

/* Probe a file (see image.h). */
int kx_image_probe_file(const char *path, struct kx_image_info *info)
{
	uint8_t *buf;
	struct stat st;
	ssize_t n;
	int fd, r;

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(info->detail, sizeof(info->detail), "not a regular file");
		return -EINVAL;
	}
	info->file_size = (uint64_t)st.st_size;
	if (info->file_size > KX_MAX_KERNEL_SIZE) {
		close(fd);
		snprintf(info->detail, sizeof(info->detail),
			 "kernel is %llu bytes, limit KX_MAX_KERNEL_SIZE is %u",
			 (unsigned long long)info->file_size, KX_MAX_KERNEL_SIZE);
		return -EFBIG;
	}
	info->compression = KX_COMP_NONE;
	buf = talloc_size(NULL, KX_PROBE_WINDOW);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = kx_pread_full(fd, buf, KX_PROBE_WINDOW, 0);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	r = kx_image_probe_buf(buf, (size_t)n, info);
	if (r == -ENOEXEC) {
		enum kx_compress c = kx_compress_detect(buf, (size_t)n);
		uint8_t *whole, *dec;
		size_t dlen;
		if (c == KX_COMP_NONE)
			goto out;
		/* a compressed kernel (Image.gz, vmlinux.xz…): decompress its start */
		whole = talloc_size(buf, (size_t)info->file_size);
		if (!whole) {
			r = -ENOMEM;
			goto out;
		}
		n = kx_pread_full(fd, whole, (size_t)info->file_size, 0);
		if (n < 0) {
			r = (int)n;
			goto out;
		}
		r = kx_decompress(buf, c, whole, (size_t)n, KX_PROBE_WINDOW, true, &dec, &dlen, NULL);
		if (r < 0) {
			snprintf(info->detail, sizeof(info->detail),
				 "%s-compressed file that does not decompress (%s)",
				 kx_compress_name(c), strerror(-r));
			info->compression = c;
			r = r == -EOPNOTSUPP ? -EOPNOTSUPP : -EBADMSG;
			goto out;
		}
		r = kx_image_probe_buf(dec, dlen, info);
		info->compression = c;
		if (r == 0 || r != -ENOEXEC) {
			size_t l = strlen(info->detail);
			snprintf(info->detail + l, sizeof(info->detail) - l, " (%s-compressed)",
				 kx_compress_name(c));
		}
	}
out:
	talloc_free(buf);
	close(fd);
	return r;
}
