/* kexec-core: initrd recognition and integrity (cpio newc, every
 * compression the kernel accepts, concatenated archives). */
#ifndef KX_INITRD_H
#define KX_INITRD_H

#include <stdint.h>
#include <stddef.h>

#include "kexec-core/image.h"

/* Longest cpio member name accepted (the kernel's PATH_MAX). */
#define KX_CPIO_MAX_NAME 4096u
/* Members (compressed streams or plain archives) walked in one initrd. */
#define KX_INITRD_MAX_MEMBERS 256u
/* Decompressed bytes verified per initrd before refusing. */
#define KX_INITRD_MAX_UNCOMPRESSED (8ull << 30)

struct kx_initrd_report {
	uint64_t size;            /* bytes of the file */
	uint64_t uncompressed;    /* bytes of cpio data after decompression */
	unsigned members;         /* plain cpio archives + compressed streams */
	unsigned entries;         /* cpio entries */
	unsigned trailers;        /* TRAILER!!! entries seen */
	unsigned comp_mask;       /* 1 << enum kx_compress for each compression seen */
	uint64_t bad_offset;      /* where the problem is, when there is one */
	char detail[256];         /* what was found, or what is wrong */
};

/* Verify an initrd held in memory: 0 when every member decompresses with its
 * checks verified and holds whole cpio newc archives; -EBADMSG (corrupt or
 * truncated, detail says where), -EOPNOTSUPP (a compression we cannot verify,
 * e.g. lzo), -E2BIG (a named limit), -ENOMEM. */
int kx_initrd_verify(const uint8_t *buf, size_t len, struct kx_initrd_report *rep);
/* The same for a file (mapped read-only). -errno for open/read failures. */
int kx_initrd_verify_file(const char *path, struct kx_initrd_report *rep);
/* The same for an open file. */
int kx_initrd_verify_fd(int fd, struct kx_initrd_report *rep);

#endif
