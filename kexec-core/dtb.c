/* kexec-core: device tree edits for the kexec_load path. Edits are made on
 * a private copy that is only handed back when every step succeeded: a
 * failure leaves the caller's tree as it was (rollback by construction). */
#include <errno.h>
#include <libfdt.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/dtb.h"
#include "kexec-core/kexec.h"

static int fdt_errno(int r)
{
	switch (r) {
	case -FDT_ERR_NOSPACE:
		return -ENOSPC;
	case -FDT_ERR_NOTFOUND:
		return -ENOENT;
	default:
		return -EBADMSG;
	}
}

/* Properties a crash kernel's tree carries that must not reach a normal boot. */
static const char *const stale_chosen[] = { "linux,elfcorehdr", "linux,usable-memory-range",
					    "linux,initrd-start", "linux,initrd-end", "rng-seed",
					    "kaslr-seed", "bootargs", NULL };

/* Copy the tree with room, set /chosen (see dtb.h). 0 or -errno. */
int kx_dtb_prepare(void *ctx, const void *fdt, const struct kx_chosen *ch, void **ret,
		   size_t *ret_len)
{
	size_t size;
	void *buf;
	int chosen, r;

	if (fdt_check_header(fdt) != 0)
		return -EBADMSG;
	size = fdt_totalsize(fdt) + KX_DTB_EDIT_SLACK + (ch->bootargs ? strlen(ch->bootargs) + 1 : 0);
	if (size > KX_MAX_DTB_SIZE)
		return -EFBIG;
	buf = talloc_zero_size(ctx, size);
	if (!buf)
		return -ENOMEM;
	r = fdt_open_into(fdt, buf, (int)size);
	if (r < 0)
		goto fail;
	chosen = fdt_path_offset(buf, "/chosen");
	if (chosen == -FDT_ERR_NOTFOUND)
		chosen = fdt_add_subnode(buf, 0, "chosen");
	if (chosen < 0) {
		r = chosen;
		goto fail;
	}
	for (unsigned i = 0; stale_chosen[i]; i++) {
		r = fdt_delprop(buf, chosen, stale_chosen[i]);
		if (r < 0 && r != -FDT_ERR_NOTFOUND)
			goto fail;
	}
	if (ch->bootargs && (r = fdt_setprop_string(buf, chosen, "bootargs", ch->bootargs)) < 0)
		goto fail;
	if (ch->initrd_end > ch->initrd_start) {
		if ((r = fdt_setprop_u64(buf, chosen, "linux,initrd-start", ch->initrd_start)) < 0 ||
		    (r = fdt_setprop_u64(buf, chosen, "linux,initrd-end", ch->initrd_end)) < 0)
			goto fail;
	}
	if (ch->rng_seed && (r = fdt_setprop(buf, chosen, "rng-seed", ch->rng_seed, KX_RNG_SEED_SIZE)) < 0)
		goto fail;
	if (ch->kaslr_seed && (r = fdt_setprop_u64(buf, chosen, "kaslr-seed", ch->kaslr_seed)) < 0)
		goto fail;
	r = fdt_pack(buf);
	if (r < 0)
		goto fail;
	if (fdt_check_full(buf, fdt_totalsize(buf)) != 0) {
		r = -FDT_ERR_BADSTRUCTURE;
		goto fail;
	}
	*ret = buf;
	*ret_len = fdt_totalsize(buf);
	return 0;
fail:
	talloc_free(buf);
	return fdt_errno(r);
}
