/* kexec-core: kernel image probing. One file per format (img-*.c), one
 * table (image.c) probed in order; compressed files (compress.c) are probed
 * through a bounded decompression of their start. */
#ifndef KX_IMAGE_H
#define KX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kx_arch {
	KX_ARCH_UNKNOWN = 0,
	KX_ARCH_X86_64,
	KX_ARCH_I386,
	KX_ARCH_ARM64,
	KX_ARCH_ARM,
	KX_ARCH_RISCV64,
	KX_ARCH_RISCV32,
	KX_ARCH_PPC64,   /* big endian */
	KX_ARCH_PPC64LE,
	KX_ARCH_PPC,
	KX_ARCH_S390X,
	KX_ARCH_LOONGARCH64,
	KX_ARCH_MAX,
};

enum kx_compress {
	KX_COMP_NONE = 0,
	KX_COMP_GZIP,
	KX_COMP_ZSTD,
	KX_COMP_XZ,
	KX_COMP_LZMA,
	KX_COMP_LZ4,   /* legacy frame (what the kernel's build emits) or LZ4 frame */
	KX_COMP_BZIP2,
	KX_COMP_LZO,   /* recognised only: no decompressor linked */
	KX_COMP_MAX,
};

/* What probing found. Strings are static. */
struct kx_image_info {
	const char *format;      /* "bzImage", "arm64-Image", "riscv-Image", "elf", "pe", "uki",
				    "efi-zboot", or NULL when unknown */
	enum kx_arch arch;
	bool big_endian;
	bool is64;
	enum kx_compress compression; /* outer compression of the whole file */
	uint64_t file_size;
	uint64_t image_size;     /* memory the image needs (0 when unknown) */
	uint64_t text_offset;    /* arm64/riscv Image */
	uint64_t flags;          /* arm64/riscv Image header flags */
	uint16_t boot_protocol;  /* bzImage: 0x020f = 2.15 */
	uint16_t xloadflags;     /* bzImage */
	uint8_t loadflags;       /* bzImage */
	bool efi_stub;           /* a PE header is present (EFI stub) */
	bool uki;                /* PE with .linux (+ .osrel/.cmdline) sections */
	bool pe_signed;          /* the PE certificate table (Authenticode) is not empty */
	uint16_t pe_machine;
	uint16_t elf_machine;
	uint32_t elf_flags;      /* ppc64: ABI version in the low bits */
	uint64_t payload_offset; /* efi-zboot / uki: where the inner image starts */
	uint64_t payload_size;
	enum kx_compress payload_compression;
	char detail[160];        /* one-line description for messages */
};

/* A format probe: 0 when buf (the file's first len bytes) is this format,
 * filling info; -ENOEXEC when it is not; another -errno when it is this
 * format but malformed (detail says why). */
struct kx_image_format {
	const char *name;
	int (*probe)(const uint8_t *buf, size_t len, struct kx_image_info *info);
};

/* Bytes of a file (or of its decompressed start) that probing looks at. */
#define KX_PROBE_WINDOW (64u * 1024)
/* A PE header must start within this offset (e_lfanew). */
#define KX_MAX_PE_OFFSET 4096u
/* Sections examined in a PE file. */
#define KX_MAX_PE_SECTIONS 96u

int kx_probe_bzimage(const uint8_t *buf, size_t len, struct kx_image_info *info);
int kx_probe_arm64(const uint8_t *buf, size_t len, struct kx_image_info *info);
int kx_probe_riscv(const uint8_t *buf, size_t len, struct kx_image_info *info);
int kx_probe_zboot(const uint8_t *buf, size_t len, struct kx_image_info *info);
int kx_probe_pe(const uint8_t *buf, size_t len, struct kx_image_info *info);
/* Size of the PE certificate table of a PE file's start (0 when none). */
uint32_t kx_pe_cert_size(const uint8_t *buf, size_t len);
int kx_probe_elf(const uint8_t *buf, size_t len, struct kx_image_info *info);

/* Probe a memory buffer holding the start of an image (uncompressed). */
int kx_image_probe_buf(const uint8_t *buf, size_t len, struct kx_image_info *info);
/* Probe a file: reads KX_PROBE_WINDOW bytes, decompressing a compressed file's
 * start. 0, -ENOEXEC (unknown format; info->detail says what was seen),
 * -EFBIG (size limit), or -errno. */
int kx_image_probe_file(const char *path, struct kx_image_info *info);

/* Architecture names: "x86_64", "arm64", … and the uname -m machine's arch. */
const char *kx_arch_name(enum kx_arch arch);
enum kx_arch kx_arch_from_machine(const char *machine, bool *big_endian);
const char *kx_compress_name(enum kx_compress c);

/* Recognise a compression by magic at buf. */
enum kx_compress kx_compress_detect(const uint8_t *buf, size_t len);
/* Decompress one stream of in (compression c), writing at most max bytes.
 * With stop_at_max, stops quietly once max bytes are out (probing);
 * otherwise -EFBIG when the output would exceed max. *ret (talloc child of ctx),
 * *ret_len; *ret_consumed = input bytes used when non-NULL. 0 or -errno
 * (-EBADMSG corrupt or truncated, -EOPNOTSUPP no decompressor). */
int kx_decompress(void *ctx, enum kx_compress c, const uint8_t *in, size_t in_len, size_t max,
		  bool stop_at_max, uint8_t **ret, size_t *ret_len, size_t *ret_consumed);

#endif
