/* Unit tests: kexec-core image probing and decompression. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include "kexec-core/compress.h"
#include "kexec-core/image.h"
#include "test/kexec/fixtures.h"

static void probe_buf(const uint8_t *b, size_t len, int want, struct kx_image_info *info)
{
	memset(info, 0, sizeof(*info));
	assert_int_equal(kx_image_probe_buf(b, len, info), want);
}

static void test_bzimage(void **state)
{
	struct kx_image_info info;
	size_t len;
	uint8_t *b = fx_bzimage(&len, 0x020f, 0x3, 0x1);

	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "bzImage");
	assert_int_equal(info.arch, KX_ARCH_X86_64);
	assert_int_equal(info.boot_protocol, 0x020f);
	assert_int_equal(info.xloadflags, 3);
	assert_true(info.efi_stub);
	assert_int_equal(info.image_size, 0x1000000);
	assert_int_equal(info.payload_compression, KX_COMP_GZIP);
	free(b);
	/* no 64-bit entry: an i386 kernel */
	b = fx_bzimage(&len, 0x020f, 0x0, 0x1);
	probe_buf(b, len, 0, &info);
	assert_int_equal(info.arch, KX_ARCH_I386);
	free(b);
	/* zImage (not loaded high) is malformed for us */
	b = fx_bzimage(&len, 0x0204, 0, 0);
	probe_buf(b, len, -EBADMSG, &info);
	/* broken boot flag: not a bzImage at all */
	b[0x1fe] = 0;
	probe_buf(b, len, -ENOEXEC, &info);
	free(b);
}

static void test_arm64(void **state)
{
	struct kx_image_info info;
	size_t len;
	uint8_t *b = fx_arm64(&len, 0, 0x2000000, 0xa); /* 4K pages, anywhere */

	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "arm64-Image");
	assert_int_equal(info.arch, KX_ARCH_ARM64);
	assert_false(info.big_endian);
	assert_int_equal(info.image_size, 0x2000000);
	assert_true(info.efi_stub);
	assert_non_null(strstr(info.detail, "4K"));
	free(b);
	b = fx_arm64(&len, 0x80000, 0x1000000, 0x1);
	probe_buf(b, len, 0, &info);
	assert_true(info.big_endian);
	free(b);
	/* text_offset not page aligned */
	b = fx_arm64(&len, 0x80010, 0x1000000, 0);
	probe_buf(b, len, -EBADMSG, &info);
	free(b);
	/* legacy header (image_size 0): text_offset implied */
	b = fx_arm64(&len, 0x1234, 0, 0);
	probe_buf(b, len, 0, &info);
	assert_int_equal(info.text_offset, 0x80000);
	free(b);
}

static void test_riscv(void **state)
{
	struct kx_image_info info;
	size_t len;
	uint8_t *b = fx_riscv(&len);

	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "riscv-Image");
	assert_int_equal(info.arch, KX_ARCH_RISCV64);
	assert_int_equal(info.text_offset, 0x200000);
	/* only the deprecated magic */
	memset(b + 56, 0, 4);
	probe_buf(b, len, 0, &info);
	/* neither */
	memset(b + 48, 0, 8);
	probe_buf(b, len, -ENOEXEC, &info);
	free(b);
}

static void test_elf(void **state)
{
	struct kx_image_info info;
	size_t len;
	uint8_t *b = fx_elf(&len, 1, 0, 21, 2); /* ppc64le ELFv2 */

	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "elf");
	assert_int_equal(info.arch, KX_ARCH_PPC64LE);
	assert_non_null(strstr(info.detail, "ABI v2"));
	free(b);
	b = fx_elf(&len, 1, 1, 21, 1); /* ppc64 big endian ELFv1 */
	probe_buf(b, len, 0, &info);
	assert_int_equal(info.arch, KX_ARCH_PPC64);
	assert_true(info.big_endian);
	assert_int_equal(info.elf_flags & 3, 1);
	free(b);
	b = fx_elf(&len, 1, 0, 62, 0);
	probe_buf(b, len, 0, &info);
	assert_int_equal(info.arch, KX_ARCH_X86_64);
	assert_int_equal(info.image_size, 0x1000000);
	b[5] = 7; /* invalid data encoding */
	probe_buf(b, len, -EBADMSG, &info);
	free(b);
}

static void test_pe_uki(void **state)
{
	static const char *const uki[] = { ".text", ".osrel", ".cmdline", ".linux", ".initrd" };
	static const char *const app[] = { ".text", ".data" };
	struct kx_image_info info;
	size_t len;
	uint8_t *b = fx_pe(&len, 0x8664, uki, 5);

	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "uki");
	assert_true(info.uki);
	assert_int_equal(info.arch, KX_ARCH_X86_64);
	assert_int_equal(info.payload_offset, 0x4000);
	free(b);
	b = fx_pe(&len, 0xaa64, app, 2);
	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "pe");
	assert_false(info.uki);
	assert_int_equal(info.arch, KX_ARCH_ARM64);
	free(b);
}

static void test_zboot(void **state)
{
	struct kx_image_info info;
	size_t len;
	uint8_t *b = fx_pe(&len, 0xaa64, NULL, 0);

	memcpy(b + 4, "zimg", 4);
	b[8] = 0x00;
	b[9] = 0x10; /* payload at 0x1000 */
	b[12] = 0x00;
	b[13] = 0x20; /* 0x2000 bytes */
	memcpy(b + 24, "zstd", 5);
	probe_buf(b, len, 0, &info);
	assert_string_equal(info.format, "efi-zboot");
	assert_int_equal(info.arch, KX_ARCH_ARM64);
	assert_int_equal(info.payload_compression, KX_COMP_ZSTD);
	assert_int_equal(info.payload_offset, 0x1000);
	free(b);
}

static void test_unknown(void **state)
{
	struct kx_image_info info;
	uint8_t junk[512];

	memset(junk, 0x41, sizeof(junk));
	probe_buf(junk, sizeof(junk), -ENOEXEC, &info);
	assert_non_null(strstr(info.detail, "41 41 41 41"));
	probe_buf(junk, 3, -ENOEXEC, &info);
}

/* compressed Image files, compressed with the real tools, probed through decompression */
static void test_compressed_files(void **state)
{
	static const struct {
		const char *tool, *ext;
		enum kx_compress c;
	} tools[] = {
		{ "gzip -9 -c", "gz", KX_COMP_GZIP }, { "zstd -q -c", "zst", KX_COMP_ZSTD },
		{ "xz -c", "xz", KX_COMP_XZ },	   { "lzma -c", "lzma", KX_COMP_LZMA },
		{ "lz4 -l -q -c", "lz4", KX_COMP_LZ4 }, { "lz4 -q -c", "lz4f", KX_COMP_LZ4 },
		{ "bzip2 -c", "bz2", KX_COMP_BZIP2 },
	};
	size_t len;
	uint8_t *b = fx_arm64(&len, 0, 0x2000000, 0xa);
	uint8_t *big = calloc(1, 300000);

	memcpy(big, b, len);
	free(fx_write("Image", big, 300000));
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		struct kx_image_info info;
		char name[64], *p;
		snprintf(name, sizeof(name), "Image.%s", tools[i].ext);
		if (fx_sh("%s Image > %s", tools[i].tool, name) != 0) {
			print_message("skipping %s: tool failed\n", tools[i].tool);
			continue;
		}
		p = fx_path(name);
		assert_int_equal(kx_image_probe_file(p, &info), 0);
		assert_string_equal(info.format, "arm64-Image");
		assert_int_equal(info.compression, tools[i].c);
		assert_non_null(strstr(info.detail, "compressed"));
		/* truncated compressed kernel: probing still finds the header (window), but
		 * the full decompression must fail */
		{
			uint8_t *in, *out;
			size_t inl, outl, used;
			FILE *f = fopen(p, "rb");
			in = malloc(400000);
			inl = fread(in, 1, 400000, f);
			fclose(f);
			assert_int_equal(kx_decompress(NULL, tools[i].c, in, inl, 1 << 20, false, &out,
						       &outl, &used),
					 0);
			assert_int_equal(outl, 300000);
			talloc_free(out);
			assert_int_equal(kx_decompress(NULL, tools[i].c, in, inl, 1000, false, &out,
						       &outl, &used),
					 -EFBIG);
			assert_int_not_equal(kx_decompress(NULL, tools[i].c, in, inl / 2, 1 << 20, false,
							   &out, &outl, &used),
					     0);
			free(in);
		}
		free(p);
	}
	free(b);
	free(big);
}

static int teardown(void **state)
{
	fx_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage),	  cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_riscv),	  cmocka_unit_test(test_elf),
		cmocka_unit_test(test_pe_uki),	  cmocka_unit_test(test_zboot),
		cmocka_unit_test(test_unknown),	  cmocka_unit_test(test_compressed_files),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
