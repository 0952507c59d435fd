/* kexec-core: small internal helpers (bounded file reads, little-endian
 * decoding, check-result lists, errno names). */
#ifndef KX_UTIL_H
#define KX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

static inline uint16_t kx_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t kx_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t kx_le64(const uint8_t *p) { return kx_le32(p) | (uint64_t)kx_le32(p + 4) << 32; }
static inline uint16_t kx_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t kx_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t kx_be64(const uint8_t *p) { return (uint64_t)kx_be32(p) << 32 | kx_be32(p + 4); }

/* Read up to max bytes of a file of unknown size (procfs/sysfs). -EFBIG above max. */
int kx_read_stream(void *ctx, const char *path, size_t max, char **ret, size_t *ret_len);
/* Read a regular file whole into memory (-EFBIG above max). 0 or -errno. */
int kx_read_file(void *ctx, const char *path, uint64_t max, uint8_t **ret, size_t *ret_len);
/* The same for an open file. */
int kx_read_fd(void *ctx, int fd, uint64_t max, uint8_t **ret, size_t *ret_len);
/* pread exactly len bytes at off, fewer only at end of file: bytes read or -errno. */
ssize_t kx_pread_full(int fd, void *buf, size_t len, uint64_t off);

/* A growing list of check results (talloc children of ctx). */
struct kx_results {
	void *ctx;
	struct kb_check_result *r;
	unsigned n;
	int err; /* first allocation failure, -ENOMEM */
};
/* Append one result; message is printf-formatted. */
void kx_result(struct kx_results *res, uint32_t sev, const char *id, const char *source,
	       const char *remediation, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Append all of src's results. */
void kx_results_append(struct kx_results *res, const struct kb_check_result *src, unsigned n);
/* Find a result by id (NULL when absent). */
const struct kb_check_result *kx_result_find(const struct kb_check_result *r, unsigned n,
					     const char *id);

/* Errno number for "ENOSYS" etc., 0 when unknown. */
int kx_errno_from_name(const char *name);
/* Name of an errno ("ENOSYS"), or "E?" when not in the table. */
const char *kx_errno_name(int e);
/* Human size ("12.3 MiB") into buf. */
const char *kx_human_size(char *buf, size_t len, uint64_t bytes);
/* Compare kernel release strings by their leading numbers ("6.1.0-9-amd64" vs 6,8): <0, 0, >0. */
int kx_kver_cmp(const char *release, unsigned major, unsigned minor);

#endif
