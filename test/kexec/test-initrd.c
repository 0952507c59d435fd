/* Unit tests: initrd recognition and integrity with archives made by the real tools. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kexec-core/initrd.h"
#include "test/kexec/fixtures.h"

static int setup(void **state)
{
	size_t len;
	uint8_t *c = fx_cpio(&len, 40, 3000);

	free(fx_write("a.cpio", c, len));
	free(c);
	c = fx_cpio(&len, 3, 100);
	free(fx_write("early.cpio", c, len));
	free(c);
	if (fx_sh("gzip -9 -n -c a.cpio > a.gz && zstd -q -c a.cpio > a.zst && xz --check=crc64 -c a.cpio > a.xz && "
		  "lzma -c a.cpio > a.lzma && lz4 -l -q -c a.cpio > a.lz4 && bzip2 -c a.cpio > a.bz2") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	fx_cleanup();
	return 0;
}

static int verify(const char *name, struct kx_initrd_report *rep)
{
	char *p = fx_path(name);
	int r = kx_initrd_verify_file(p, rep);
	free(p);
	return r;
}

static void test_each_compression(void **state)
{
	static const char *const ok[] = { "a.cpio", "a.gz", "a.zst", "a.xz", "a.lzma", "a.lz4", "a.bz2" };
	struct kx_initrd_report rep, plain;

	assert_int_equal(verify("a.cpio", &plain), 0);
	assert_int_equal(plain.entries, 42);
	assert_int_equal(plain.trailers, 1);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(verify(ok[i], &rep), 0);
		assert_int_equal(rep.entries, 42);
		assert_int_equal(rep.uncompressed, plain.size);
	}
}

/* early microcode-style plain archive, zero padding, then two compressed archives */
static void test_concatenated(void **state)
{
	struct kx_initrd_report rep;

	assert_int_equal(fx_sh("cat early.cpio > cat.img && head -c 512 /dev/zero >> cat.img && "
			       "cat a.gz a.zst >> cat.img"),
			 0);
	assert_int_equal(verify("cat.img", &rep), 0);
	assert_int_equal(rep.members, 3);
	assert_int_equal(rep.trailers, 3);
	assert_int_equal(rep.entries, 5 + 42 + 42);
	assert_non_null(strstr(rep.detail, "gzip"));
	assert_non_null(strstr(rep.detail, "zstd"));
}

static void test_truncated(void **state)
{
	static const char *const names[] = { "a.gz", "a.zst", "a.xz", "a.lzma", "a.lz4", "a.bz2", "a.cpio" };
	struct kx_initrd_report rep;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "head -c $(( $(stat -c %%s %s) - 9 )) %s > trunc.img",
			 names[i], names[i]);
		assert_int_equal(fx_sh("%s", cmd), 0);
		assert_int_equal(verify("trunc.img", &rep), -EBADMSG);
		assert_true(strlen(rep.detail) > 10);
	}
}

/* flip one byte in the middle of the compressed data: the stream's own check catches it */
static void test_corrupt(void **state)
{
	static const char *const names[] = { "a.gz", "a.zst", "a.xz", "a.bz2" };
	struct kx_initrd_report rep;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(fx_sh("cp %s bad.img && size=$(stat -c %%s bad.img) && "
				       "printf '\\x55\\xaa' | dd of=bad.img bs=1 seek=$((size / 2)) conv=notrunc status=none",
				       names[i]),
				 0);
		assert_int_equal(verify("bad.img", &rep), -EBADMSG);
	}
	/* gzip: a wrong CRC32 in the trailer alone (data intact) */
	assert_int_equal(fx_sh("cp a.gz crc.img && size=$(stat -c %%s crc.img) && "
			       "printf '\\x00\\x00' | dd of=crc.img bs=1 seek=$((size - 8)) conv=notrunc status=none"),
			 0);
	assert_int_equal(verify("crc.img", &rep), -EBADMSG);
	/* gzip: a wrong ISIZE */
	assert_int_equal(fx_sh("cp a.gz isize.img && size=$(stat -c %%s isize.img) && "
			       "printf '\\x01' | dd of=isize.img bs=1 seek=$((size - 4)) conv=notrunc status=none"),
			 0);
	assert_int_equal(verify("isize.img", &rep), -EBADMSG);
}

/* multi-block xz (xz -T, --block-size): decoded on several threads, still
 * every block check and the index verified */
static void test_xz_multiblock(void **state)
{
	struct kx_initrd_report rep;

	assert_int_equal(fx_sh("xz -T2 --block-size=1024 --check=crc32 -c a.cpio > mb.xz && "
			       "[ $(xz --robot -l mb.xz | awk '/^file/ {print $3}') -gt 2 ]"), 0);
	assert_int_equal(verify("mb.xz", &rep), 0);
	assert_int_equal(fx_sh("head -c $(( $(stat -c %%s mb.xz) - 30 )) mb.xz > mbt.img"), 0);
	assert_int_equal(verify("mbt.img", &rep), -EBADMSG);
	assert_int_equal(fx_sh("cp mb.xz mbc.img && size=$(stat -c %%s mbc.img) && "
			       "printf '\\x55\\xaa' | dd of=mbc.img bs=1 seek=$((size / 2)) conv=notrunc status=none"), 0);
	assert_int_equal(verify("mbc.img", &rep), -EBADMSG);
}

static void test_junk_and_empty(void **state)
{
	struct kx_initrd_report rep;

	assert_int_equal(fx_sh("cat a.gz > junk.img && echo garbage >> junk.img && : > empty.img"), 0);
	assert_int_equal(verify("junk.img", &rep), -EBADMSG);
	assert_non_null(strstr(rep.detail, "junk"));
	assert_int_equal(verify("empty.img", &rep), -EBADMSG);
	assert_int_equal(verify("does-not-exist", &rep), -ENOENT);
	/* compressed content that is not cpio */
	assert_int_equal(fx_sh("head -c 5000 /dev/urandom | gzip -c > notcpio.img"), 0);
	assert_int_equal(verify("notcpio.img", &rep), -EBADMSG);
	assert_non_null(strstr(rep.detail, "cpio"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_compression), cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_truncated),	 cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_xz_multiblock), cmocka_unit_test(test_junk_and_empty),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
