/* kexec-core: device tree checks: the tree the new kernel will get is valid
 * (libfdt fdt_check_full), and its CPU enable-method agrees with the running
 * tree's (CPUs parked by PSCI firmware never reach a spin-table release
 * address, and spin-table CPUs cannot be offlined at all). */
#include <errno.h>
#include <libfdt.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/checks.h"
#include "kexec-core/dtb.h"

/* Summarise the enable-method of every cpu node: "psci", "spin-table", "mixed", or NULL. */
const char *kx_dtb_enable_method(void *ctx, const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node;
	const char *seen = NULL;

	if (cpus < 0)
		return NULL;
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *dt = fdt_getprop(fdt, node, "device_type", NULL);
		const char *em;
		int len;
		if (!dt || strcmp(dt, "cpu") != 0)
			continue;
		em = fdt_getprop(fdt, node, "enable-method", &len);
		if (!em || len < 1 || em[len - 1] != '\0')
			em = "none";
		if (!seen)
			seen = talloc_strdup(ctx, em);
		else if (strcmp(seen, em) != 0)
			return "mixed";
	}
	return seen;
}

/* Read and validate a DTB file: 0, or -errno with *why set. */
int kx_dtb_read(void *ctx, const char *path, void **ret, size_t *ret_len, const char **why)
{
	uint8_t *buf;
	size_t len;
	int r = kx_read_file(ctx, path, KX_MAX_DTB_SIZE, &buf, &len);

	if (r < 0) {
		*why = r == -EFBIG ? "larger than KX_MAX_DTB_SIZE" : strerror(-r);
		return r;
	}
	r = kx_dtb_validate(buf, len, why);
	if (r < 0) {
		talloc_free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* fdt_check_full with a reason: 0 or -EBADMSG. */
#define KX_DTB_MIN_VERSION 17 /* oldest device-tree format accepted */

int kx_dtb_validate(const void *buf, size_t len, const char **why)
{
	int r;

	if (len < sizeof(struct fdt_header)) {
		*why = "shorter than an FDT header";
		return -EBADMSG;
	}
	if (fdt_totalsize(buf) > len) {
		*why = "header totalsize is larger than the file (truncated)";
		return -EBADMSG;
	}
	/* before version 17 a tree gives no size for its structure block and
	 * libfdt's full check walks past the end: dtc and every kernel since
	 * 2.6 write version 17 */
	if (fdt_magic(buf) == FDT_MAGIC && fdt_version(buf) < KX_DTB_MIN_VERSION) {
		*why = "device tree version older than 17 (KX_DTB_MIN_VERSION)";
		return -EBADMSG;
	}
	r = fdt_check_header(buf);
	if (r == 0)
		r = fdt_check_full(buf, len);
	if (r < 0) {
		*why = fdt_strerror(r);
		return -EBADMSG;
	}
	return 0;
}

void kx_check_dtb(struct kx_checks *c)
{
	void *run = NULL, *nw = NULL;
	size_t run_len = 0, nw_len = 0;
	const char *why = NULL, *em_run = NULL, *em_new = NULL, *newsrc;
	char *run_path = kx_sys_path(c->ctx, c->sys, KX_RUNNING_FDT);
	bool dt_arch = c->host.arch == KX_ARCH_ARM64 || c->host.arch == KX_ARCH_RISCV64 ||
		       c->host.arch == KX_ARCH_ARM;

	if (run_path && kx_sys_exists(c->sys, KX_RUNNING_FDT)) {
		if (kx_dtb_read(c->ctx, run_path, &run, &run_len, &why) < 0) {
			kx_result(&c->res, KB_SEV_WARNING, "dtb-running", KX_RUNNING_FDT, "",
				  "the running device tree does not validate: %s", why);
			run = NULL;
		}
	}
	if (c->spec->dtb) {
		if (kx_dtb_read(c->ctx, c->spec->dtb, &nw, &nw_len, &why) < 0) {
			kx_result(&c->res, KB_SEV_FATAL, "dtb-valid", c->spec->dtb,
				  "give a valid device tree blob, or none to reuse the running one",
				  "device tree %s is invalid: %s", c->spec->dtb, why);
			return;
		}
		c->dtb_size = nw_len;
		if (!dt_arch && c->host.arch != KX_ARCH_UNKNOWN)
			kx_result(&c->res, KB_SEV_WARNING, "dtb-valid", c->spec->dtb,
				  "drop the dtb for this architecture",
				  "device tree %s is valid but %s kernels are not booted with one by kexec_file_load: ignored",
				  c->spec->dtb, c->host.machine);
		else
			kx_result(&c->res, KB_SEV_INFO, "dtb-valid", c->spec->dtb, "",
				  "device tree %s is valid (%zu bytes)", c->spec->dtb, nw_len);
		newsrc = c->spec->dtb;
	} else if (run) {
		nw = run;
		nw_len = run_len;
		c->dtb_size = run_len;
		newsrc = KX_RUNNING_FDT;
		kx_result(&c->res, KB_SEV_INFO, "dtb-valid", KX_RUNNING_FDT, "",
			  "the new kernel gets the running device tree (%zu bytes, validated)", run_len);
	} else {
		if (dt_arch)
			kx_result(&c->res, KB_SEV_WARNING, "dtb-valid", KX_RUNNING_FDT,
				  "give --dtb, or boot the firmware kernel with a device tree",
				  "no device tree given and none readable from the running system");
		return;
	}
	if (!run)
		return;
	em_run = kx_dtb_enable_method(c->ctx, run);
	em_new = kx_dtb_enable_method(c->ctx, nw);
	if (!em_run || !em_new)
		return;
	if (strcmp(em_run, em_new) != 0)
		kx_result(&c->res, KB_SEV_WARNING, "cpu-enable-method", newsrc,
			  "use a device tree whose cpu nodes name the enable-method the firmware provides",
			  "CPU enable-method differs: running tree \"%s\", new tree \"%s\": secondary CPUs will not come up in the new kernel",
			  em_run, em_new);
	else
		kx_result(&c->res, strcmp(em_run, "spin-table") == 0 ? KB_SEV_WARNING : KB_SEV_INFO,
			  "cpu-enable-method", newsrc,
			  strcmp(em_run, "spin-table") == 0 ? "spin-table CPUs cannot be returned to firmware: boot with PSCI firmware" : "",
			  "CPU enable-method \"%s\" in both trees", em_run);
}
