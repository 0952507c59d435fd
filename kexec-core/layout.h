/* kexec-core: physical memory layout for the kexec_load path (/proc/iomem). */
#ifndef KX_LAYOUT_H
#define KX_LAYOUT_H

#include <stdint.h>

#include "kexec-core/sys.h"

/* Free RAM ranges considered. */
#define KX_MAX_RANGES 128

struct kx_range {
	uint64_t start, end; /* inclusive start, exclusive end */
};

/* System RAM minus nested "reserved" regions, from /proc/iomem under the
 * backend's root. 0, -EACCES when the addresses are hidden (not root), or
 * -ENOENT when no RAM is listed. */
int kx_iomem_free_ranges(void *ctx, struct kx_sys *sys, struct kx_range *ret, unsigned *ret_n);

static inline uint64_t kx_align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* The arm64 entry trampoline: x0 = dtb, x1..x3 = 0, branch to the kernel. */
#define KX_ARM64_TRAMPOLINE_SIZE 40
void kx_arm64_trampoline(uint8_t out[KX_ARM64_TRAMPOLINE_SIZE], uint64_t dtb, uint64_t kernel);

#endif
