/* kexec-core: the verification cache. kx_check verifies every initrd in
 * full (decompressing it); the load that follows hands the kernel the very
 * files that were verified, so it asks this cache instead of verifying a
 * second time. An entry is keyed by what identifies the bytes of an open
 * file: st_dev, st_ino, size, mtime and ctime (ctime cannot be set from user
 * space: any write or metadata change moves it) and a fingerprint of the
 * file's first and last KX_FP_WINDOW bytes. Entries live on the struct
 * kx_sys (one per daemon), expire after KX_VCACHE_MAX_AGE_MS and hold only
 * successes: a miss means "verify now". */
#ifndef KX_VCACHE_H
#define KX_VCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct kx_sys;

/* Bytes hashed at each end of a file for its fingerprint. */
#define KX_FP_WINDOW 4096u
/* Verified files remembered per backend (oldest dropped first). */
#define KX_VCACHE_MAX 32u
/* A verification older than this is not trusted (ms; recording knob vcache_max_age_ms). */
#define KX_VCACHE_MAX_AGE_MS (10 * 60 * 1000)

struct kx_file_key {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint32_t fingerprint;
};

struct kx_vcache_entry {
	struct kx_file_key key;
	uint64_t when_ms; /* CLOCK_MONOTONIC */
};

/* Key of an open regular file (fstat + fingerprint). 0, -EINVAL (not a
 * regular file) or -errno. */
int kx_file_key_fd(int fd, struct kx_file_key *ret);
/* Does the file behind fd still have key's identity and times (fstat only)? */
bool kx_file_key_unchanged(int fd, const struct kx_file_key *key);
/* Is key a recent verified entry? */
bool kx_vcache_has(struct kx_sys *sys, const struct kx_file_key *key);
/* Remember key as verified now (silently skipped when out of memory). */
void kx_vcache_put(struct kx_sys *sys, const struct kx_file_key *key);

#endif
