/* kexec-core: compression recognition and streaming decompression. */
#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "kexec-core/compress.h"
#include "kexec-core/util.h"

#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_FRAME_MAGIC 0x184D2204u
/* xz verification threads, and the memory they may use together before
 * liblzma falls back to fewer. */
#define KX_XZ_MAX_THREADS 8
#define KX_XZ_MT_MEMLIMIT (512ull << 20)
/* Memory an xz/lzma stream may make the decoder take: its header names the
 * dictionary size, so without a cap 20 bytes can ask for gigabytes.
 * xz -9 / lzma -9 use 64 MiB dictionaries. */
#define KX_LZMA_MEMLIMIT (256ull << 20)
/* The kernel's lz4 legacy blocks decompress to at most 8 MiB each. */
#define LZ4_LEGACY_BLOCK_MAX (8u << 20)

static const char *const comp_names[KX_COMP_MAX] = {
	"none", "gzip", "zstd", "xz", "lzma", "lz4", "bzip2", "lzo",
};

/* Name of a compression ("gzip"). */
const char *kx_compress_name(enum kx_compress c)
{
	return c < KX_COMP_MAX ? comp_names[c] : "unknown";
}

/* Recognise a compression by magic at buf. */
enum kx_compress kx_compress_detect(const uint8_t *buf, size_t len)
{
	if (len >= 2 && buf[0] == 0x1f && (buf[1] == 0x8b || buf[1] == 0x9e))
		return KX_COMP_GZIP;
	if (len >= 4 && kx_le32(buf) == 0xFD2FB528u)
		return KX_COMP_ZSTD;
	if (len >= 6 && memcmp(buf, "\xfd" "7zXZ\0", 6) == 0)
		return KX_COMP_XZ;
	if (len >= 4 && (kx_le32(buf) == LZ4_LEGACY_MAGIC || kx_le32(buf) == LZ4_FRAME_MAGIC))
		return KX_COMP_LZ4;
	if (len >= 4 && buf[0] == 'B' && buf[1] == 'Z' && buf[2] == 'h' && buf[3] >= '1' &&
	    buf[3] <= '9')
		return KX_COMP_BZIP2;
	if (len >= 4 && memcmp(buf, "\x89LZO", 4) == 0)
		return KX_COMP_LZO;
	/* lzma-alone: properties byte 0x5d and a 2^n dictionary size */
	if (len >= 13 && buf[0] == 0x5d && buf[1] == 0 && buf[2] == 0)
		return KX_COMP_LZMA;
	return KX_COMP_NONE;
}

static int feed(kx_sink_fn sink, void *arg, const uint8_t *p, size_t n)
{
	return n ? sink(arg, p, n) : 0;
}

static int gzip_stream(const uint8_t *in, size_t in_len, uint8_t *out, kx_sink_fn sink, void *arg,
		       size_t *consumed)
{
	z_stream z;
	int r, s = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = in_len > UINT32_MAX ? UINT32_MAX : (uInt)in_len;
	do {
		z.next_out = out;
		z.avail_out = KX_DECOMP_CHUNK;
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END) {
			s = r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		s = feed(sink, arg, out, KX_DECOMP_CHUNK - z.avail_out);
		if (s)
			break;
		if (r == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			s = -EBADMSG; /* input ended inside the member: truncated */
			break;
		}
	} while (r != Z_STREAM_END);
	*consumed = z.total_in;
	inflateEnd(&z);
	return s;
}

static int zstd_stream(const uint8_t *in, size_t in_len, uint8_t *out, kx_sink_fn sink, void *arg,
		       size_t *consumed)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	size_t r = 1;
	int s = 0;

	if (!d)
		return -ENOMEM;
	ZSTD_initDStream(d);
	while (r != 0) {
		ZSTD_outBuffer ob = { out, KX_DECOMP_CHUNK, 0 };
		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r)) {
			s = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : -EBADMSG;
			break;
		}
		s = feed(sink, arg, out, ob.pos);
		if (s)
			break;
		if (r != 0 && ib.pos == ib.size && ob.pos < ob.size) {
			s = -EBADMSG; /* truncated frame */
			break;
		}
	}
	*consumed = ib.pos;
	ZSTD_freeDStream(d);
	return s;
}

static int lzma_stream_run(enum kx_compress c, const uint8_t *in, size_t in_len, uint8_t *out,
			   kx_sink_fn sink, void *arg, size_t *consumed)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r;
	int s = 0;

	if (c == KX_COMP_XZ) {
		/* multi-block streams (xz -T) decode on several threads; a
		 * single-block one falls back to one thread by itself */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		lzma_mt mt = { .threads = cpus < 1 ? 1 : cpus > KX_XZ_MAX_THREADS ? KX_XZ_MAX_THREADS : (uint32_t)cpus,
			       .memlimit_threading = KX_XZ_MT_MEMLIMIT, .memlimit_stop = KX_LZMA_MEMLIMIT };
		r = lzma_stream_decoder_mt(&z, &mt);
	} else
		r = lzma_alone_decoder(&z, KX_LZMA_MEMLIMIT);
	if (r != LZMA_OK)
		return -ENOMEM;
	z.next_in = in;
	z.avail_in = in_len;
	do {
		z.next_out = out;
		z.avail_out = KX_DECOMP_CHUNK;
		/* LZMA_FINISH: the whole input is here, so running out of it is truncation */
		r = lzma_code(&z, LZMA_FINISH);
		if (r != LZMA_OK && r != LZMA_STREAM_END) {
			s = r == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		s = feed(sink, arg, out, KX_DECOMP_CHUNK - z.avail_out);
		if (s)
			break;
	} while (r != LZMA_STREAM_END);
	*consumed = (size_t)z.total_in;
	lzma_end(&z);
	return s;
}

static int bzip2_stream(const uint8_t *in, size_t in_len, uint8_t *out, kx_sink_fn sink, void *arg,
			size_t *consumed)
{
	bz_stream z;
	int r, s = 0;

	memset(&z, 0, sizeof(z));
	if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK)
		return -ENOMEM;
	z.next_in = (char *)in;
	z.avail_in = in_len > UINT32_MAX ? UINT32_MAX : (unsigned)in_len;
	do {
		z.next_out = (char *)out;
		z.avail_out = KX_DECOMP_CHUNK;
		r = BZ2_bzDecompress(&z);
		if (r != BZ_OK && r != BZ_STREAM_END) {
			s = r == BZ_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		s = feed(sink, arg, out, KX_DECOMP_CHUNK - z.avail_out);
		if (s)
			break;
		if (r == BZ_OK && z.avail_in == 0 && z.avail_out != 0) {
			s = -EBADMSG;
			break;
		}
	} while (r != BZ_STREAM_END);
	*consumed = ((size_t)z.total_in_hi32 << 32) | z.total_in_lo32;
	BZ2_bzDecompressEnd(&z);
	return s;
}

static int lz4_legacy(const uint8_t *in, size_t in_len, kx_sink_fn sink, void *arg,
		      size_t *consumed)
{
	size_t pos = 4;
	uint8_t *out = malloc(LZ4_LEGACY_BLOCK_MAX);
	int s = 0;

	if (!out)
		return -ENOMEM;
	while (pos + 4 <= in_len) {
		uint32_t bsz = kx_le32(in + pos);
		int n;
		if (bsz == LZ4_LEGACY_MAGIC || bsz == 0)
			break; /* next archive, or padding */
		if (bsz > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK_MAX) || bsz > in_len - pos - 4) {
			s = -EBADMSG;
			break;
		}
		n = LZ4_decompress_safe((const char *)in + pos + 4, (char *)out, (int)bsz,
					LZ4_LEGACY_BLOCK_MAX);
		if (n < 0) {
			s = -EBADMSG;
			break;
		}
		pos += 4 + bsz;
		s = feed(sink, arg, out, (size_t)n);
		if (s)
			break;
	}
	if (!s && pos + 4 > in_len && pos != in_len)
		s = -EBADMSG;
	*consumed = pos;
	free(out);
	return s;
}

static int lz4_frame(const uint8_t *in, size_t in_len, uint8_t *out, kx_sink_fn sink, void *arg,
		     size_t *consumed)
{
	LZ4F_dctx *d;
	size_t pos = 0, hint = 1;
	int s = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return -ENOMEM;
	while (hint != 0) {
		size_t olen = KX_DECOMP_CHUNK, ilen = in_len - pos;
		hint = LZ4F_decompress(d, out, &olen, in + pos, &ilen, NULL);
		if (LZ4F_isError(hint)) {
			s = -EBADMSG;
			break;
		}
		pos += ilen;
		s = feed(sink, arg, out, olen);
		if (s)
			break;
		if (hint != 0 && pos == in_len && olen == 0) {
			s = -EBADMSG;
			break;
		}
	}
	*consumed = pos;
	LZ4F_freeDecompressionContext(d);
	return s;
}

/* Decompress one stream from in, feeding the output to sink (see compress.h). */
int kx_decompress_stream(enum kx_compress c, const uint8_t *in, size_t in_len, kx_sink_fn sink,
			 void *arg, size_t *ret_consumed)
{
	uint8_t *out;
	size_t consumed = 0;
	int r;

	if (c == KX_COMP_LZ4 && in_len >= 4 && kx_le32(in) == LZ4_LEGACY_MAGIC) {
		r = lz4_legacy(in, in_len, sink, arg, &consumed);
		if (ret_consumed)
			*ret_consumed = consumed;
		return r;
	}
	out = malloc(KX_DECOMP_CHUNK);
	if (!out)
		return -ENOMEM;
	switch (c) {
	case KX_COMP_GZIP:
		r = gzip_stream(in, in_len, out, sink, arg, &consumed);
		break;
	case KX_COMP_ZSTD:
		r = zstd_stream(in, in_len, out, sink, arg, &consumed);
		break;
	case KX_COMP_XZ:
	case KX_COMP_LZMA:
		r = lzma_stream_run(c, in, in_len, out, sink, arg, &consumed);
		break;
	case KX_COMP_BZIP2:
		r = bzip2_stream(in, in_len, out, sink, arg, &consumed);
		break;
	case KX_COMP_LZ4:
		r = lz4_frame(in, in_len, out, sink, arg, &consumed);
		break;
	default:
		r = -EOPNOTSUPP;
	}
	free(out);
	if (ret_consumed)
		*ret_consumed = consumed;
	return r;
}

struct buf_sink {
	void *ctx;
	uint8_t *buf;
	size_t len, cap, max;
	bool stop_at_max;
};

static int to_buffer(void *arg, const uint8_t *p, size_t n)
{
	struct buf_sink *b = arg;
	bool full = false;

	if (n > b->max - b->len) {
		if (!b->stop_at_max)
			return -EFBIG;
		n = b->max - b->len;
		full = true;
	}
	if (b->len + n > b->cap) {
		size_t ncap = b->cap ? b->cap : 64 * 1024;
		uint8_t *nb;
		while (ncap < b->len + n)
			ncap *= 2;
		if (ncap > b->max)
			ncap = b->max;
		nb = talloc_realloc_size(b->ctx, b->buf, ncap + 1);
		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return full || (b->stop_at_max && b->len == b->max) ? 1 : 0;
}

/* Decompress one stream into memory (see image.h). */
int kx_decompress(void *ctx, enum kx_compress c, const uint8_t *in, size_t in_len, size_t max,
		  bool stop_at_max, uint8_t **ret, size_t *ret_len, size_t *ret_consumed)
{
	struct buf_sink b = { .ctx = ctx, .max = max, .stop_at_max = stop_at_max };
	int r = kx_decompress_stream(c, in, in_len, to_buffer, &b, ret_consumed);

	if (r < 0) {
		talloc_free(b.buf);
		return r;
	}
	if (!b.buf)
		b.buf = talloc_size(ctx, 1);
	if (!b.buf)
		return -ENOMEM;
	*ret = b.buf;
	*ret_len = b.len;
	return 0;
}
