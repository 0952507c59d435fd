/* kexec-core: streaming decompression with the real libraries (zlib,
 * libzstd, liblzma, liblz4, libbz2); every stream's own checks are verified
 * (gzip CRC32+ISIZE, xz block checks, zstd content checksum, lz4 frame
 * checksums, bzip2 CRCs). */
#ifndef KX_COMPRESS_H
#define KX_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "kexec-core/image.h"

/* Receives decompressed bytes: 0 to continue, 1 to stop quietly, or -errno. */
typedef int (*kx_sink_fn)(void *arg, const uint8_t *p, size_t n);

/* Decompress one stream (one gzip member, one zstd frame, one xz stream, …)
 * from in, feeding the output to sink. *ret_consumed = compressed bytes used.
 * 0 (stream complete and its checks verified), 1 (sink stopped early),
 * -EBADMSG (corrupt, or truncated: input ended inside the stream),
 * -EOPNOTSUPP (no decompressor), or the sink's -errno. */
int kx_decompress_stream(enum kx_compress c, const uint8_t *in, size_t in_len, kx_sink_fn sink,
			 void *arg, size_t *ret_consumed);

/* Output chunk handed to the sink at most. */
#define KX_DECOMP_CHUNK (256u * 1024)

#endif
