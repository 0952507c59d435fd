/* kexec-core: device tree handling for the kexec_load path (libfdt). */
#ifndef KX_DTB_H
#define KX_DTB_H

#include <stddef.h>
#include <stdint.h>

/* The running system's flattened tree. */
#define KX_RUNNING_FDT "/sys/firmware/fdt"
/* Room added to a tree for the /chosen edits. */
#define KX_DTB_EDIT_SLACK 8192u
/* Bytes of rng-seed given to the new kernel. */
#define KX_RNG_SEED_SIZE 64u

/* fdt_check_full with a reason: 0 or -EBADMSG. */
int kx_dtb_validate(const void *buf, size_t len, const char **why);
/* Read and validate a DTB file (limit KX_MAX_DTB_SIZE). */
int kx_dtb_read(void *ctx, const char *path, void **ret, size_t *ret_len, const char **why);
/* "psci", "spin-table", "mixed" … for the tree's cpu nodes, NULL when none. */
const char *kx_dtb_enable_method(void *ctx, const void *fdt);

/* What /chosen gets. */
struct kx_chosen {
	const char *bootargs;   /* NULL: remove bootargs */
	uint64_t initrd_start;  /* 0 with initrd_end 0: no initrd (properties removed) */
	uint64_t initrd_end;
	const uint8_t *rng_seed; /* KX_RNG_SEED_SIZE bytes, NULL: none */
	uint64_t kaslr_seed;    /* 0: none */
};

/* Copy the tree into a new buffer with room, and set /chosen. On any
 * failure the input is untouched and nothing is returned (the edit happens on
 * a copy that is only handed out whole: that is the rollback). 0 or -errno. */
int kx_dtb_prepare(void *ctx, const void *fdt, const struct kx_chosen *ch, void **ret,
		   size_t *ret_len);

#endif
