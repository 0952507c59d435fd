/* kexec-core: preflight checks. One file per family of hazards
 * (checks-kexec.c, checks-image.c, checks-system.c, checks-dtb.c); kx_check
 * (checks.c) runs them all over one shared context. */
#ifndef KX_CHECKS_H
#define KX_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexec-core/image.h"
#include "kexec-core/kexec.h"
#include "kexec-core/sys.h"
#include "kexec-core/util.h"

/* What the running kernel offers, as detected (shared by check, info, load). */
struct kx_host {
	char machine[64];
	char release[128];
	enum kx_arch arch;
	bool big_endian;
	char *config;            /* kernel config text, NULL when unavailable */
	const char *config_src;  /* where it came from */
	enum kx_avail file_load; /* kexec_file_load */
	enum kx_avail load;      /* kexec_load */
	const char *avail_src;   /* how availability was decided */
	int load_disabled;       /* /proc/sys/kernel/kexec_load_disabled: 1, 0, -1 unknown */
	char *lockdown;          /* "none", "integrity", "confidentiality", NULL unknown */
	bool sig_force;          /* CONFIG_KEXEC_SIG_FORCE=y */
};

struct kx_checks {
	void *ctx;
	struct kx_sys *sys;
	const struct kx_spec *spec;
	struct kx_host host;
	struct kx_image_info img;
	int img_r;                /* probe result */
	uint64_t initrd_total;
	uint64_t dtb_size;
	struct kx_results res;
};

/* Detect the running kernel's kexec support (config, kallsyms, probe). 0 or -ENOMEM. */
int kx_host_detect(void *ctx, struct kx_sys *sys, struct kx_host *host);
/* Is CONFIG_name=y (or =m) in the config? -1 when no config is known. */
int kx_host_config(const struct kx_host *host, const char *name);
/* Which load method the spec's image would take on this host (static string). */
const char *kx_plan_method(const struct kx_host *host, const struct kx_image_info *img);

void kx_check_kexec(struct kx_checks *c);
void kx_check_image(struct kx_checks *c);
void kx_check_initrds(struct kx_checks *c);
void kx_check_memory(struct kx_checks *c);
void kx_check_dtb(struct kx_checks *c);
void kx_check_cpus(struct kx_checks *c);
void kx_check_drivers(struct kx_checks *c);
void kx_check_watchdogs(struct kx_checks *c);
void kx_check_console(struct kx_checks *c);
void kx_check_mounts(struct kx_checks *c);
void kx_check_kho(struct kx_checks *c);

/* Parse the embedded (or overriding) unsafe-driver table; see data/unsafe-drivers.txt. */
struct kx_unsafe_driver {
	char *driver;
	char *bus;
	char *fixed_in;   /* first mainline release with a safe .shutdown */
	char *backports;  /* comma-separated stable releases that also have it, or "-" */
	char *reference;
};
/* 0 or -errno; entries are talloc children of ctx. text NULL: the embedded table. */
int kx_unsafe_drivers_parse(void *ctx, const char *text, struct kx_unsafe_driver **ret,
			    unsigned *ret_n);
/* Is the running release covered by fixed_in/backports? */
bool kx_release_fixed(const char *release, const char *fixed_in, const char *backports);

/* Environment variable naming an override file for the unsafe-driver table. */
#define KX_UNSAFE_DRIVERS_ENV "KEXBOOT_UNSAFE_DRIVERS"

#endif
