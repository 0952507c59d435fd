/* kexec-core: kx_check runs every preflight check; kx_info reports what the
 * running kernel supports. */
#include <errno.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/checks.h"

void kx_check_load_path(struct kx_checks *c);

/* True when any result is fatal. */
bool kx_results_fatal(const struct kb_check_result *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].severity == KB_SEV_FATAL)
			return true;
	return false;
}

/* Run every preflight check (see kexec.h). */
int kx_check(void *ctx, struct kx_sys *sys, const struct kx_spec *spec,
	     struct kb_check_result **ret, unsigned *ret_n)
{
	struct kx_checks *c = talloc_zero(NULL, struct kx_checks);
	int r;

	if (!c)
		return -ENOMEM;
	c->ctx = c;
	c->sys = sys;
	c->spec = spec;
	c->res.ctx = ctx;
	r = kx_host_detect(c, sys, &c->host);
	if (r < 0)
		goto out;
	kx_check_kexec(c);
	if (spec->kernel) {
		kx_check_image(c);
		kx_check_load_path(c);
	}
	kx_check_initrds(c);
	kx_check_dtb(c);
	kx_check_memory(c);
	kx_check_cpus(c);
	kx_check_drivers(c);
	kx_check_watchdogs(c);
	kx_check_console(c);
	kx_check_mounts(c);
	kx_check_kho(c);
	r = c->res.err;
out:
	if (r < 0) {
		talloc_free(c->res.r);
	} else {
		*ret = c->res.r;
		*ret_n = c->res.n;
	}
	talloc_free(c);
	return r;
}

/* What the running kernel supports (see kexec.h). */
int kx_info(void *ctx, struct kx_sys *sys, struct kb_check_result **ret, unsigned *ret_n)
{
	struct kx_checks *c = talloc_zero(NULL, struct kx_checks);
	char *loaded;
	int r;

	if (!c)
		return -ENOMEM;
	c->ctx = c;
	c->sys = sys;
	c->res.ctx = ctx;
	r = kx_host_detect(c, sys, &c->host);
	if (r < 0)
		goto out;
	kx_result(&c->res, KB_SEV_INFO, "architecture", "uname", "", "%s (%s), kernel %s",
		  c->host.machine, kx_arch_name(c->host.arch), c->host.release);
	kx_check_kexec(c);
	loaded = kx_sys_read_line(c, sys, "/sys/kernel/kexec_loaded");
	kx_result(&c->res, KB_SEV_INFO, "kexec-loaded", "/sys/kernel/kexec_loaded", "",
		  "%s", !loaded ? "unknown (no /sys/kernel/kexec_loaded)" :
			strcmp(loaded, "1") == 0 ? "a kernel is loaded for kexec" : "no kernel loaded");
	kx_result(&c->res, KB_SEV_INFO, "signature-enforced", c->host.config_src ? c->host.config_src : "",
		  "", "CONFIG_KEXEC_SIG_FORCE %s",
		  kx_host_config(&c->host, "KEXEC_SIG_FORCE") < 0 ? "unknown (no kernel config)" :
		  c->host.sig_force ? "set" : "not set");
	kx_check_kho(c);
	r = c->res.err;
out:
	if (r < 0) {
		talloc_free(c->res.r);
	} else {
		*ret = c->res.r;
		*ret_n = c->res.n;
	}
	talloc_free(c);
	return r;
}
