/* kexec-core: what the running kernel offers (kexec syscalls, the one-way
 * kexec_load_disabled sysctl, lockdown, forced signatures, KHO) and the
 * checks built on it. Detection reads the kernel config first
 * (/proc/config.gz, /boot/config-RELEASE), then /proc/kallsyms (a real
 * syscall is a text symbol 'T'; an unbuilt one is the weak 'W' stub that
 * returns ENOSYS), and only then asks the backend's safe syscall probe. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>

#include "kexec-core/checks.h"

/* Largest kernel config / kallsyms read. */
#define KX_MAX_CONFIG (4u << 20)
#define KX_MAX_KALLSYMS (64u << 20)
/* Where kexec-tools may be installed (fallback path). */
static const char *const kexec_tools_paths[] = { "/sbin/kexec", "/usr/sbin/kexec", "/bin/kexec",
						 "/usr/bin/kexec", NULL };
/* RISC-V kexec_file_load: ELF vmlinux from Linux 5.19 ("RISC-V: Add
 * kexec_file support", arch/riscv/kernel/elf_kexec.c); Image files from
 * Linux 6.8 ("riscv: kexec_file: Support loading Image binary file",
 * arch/riscv/kernel/kexec_image.c). An older kernel answers ENOEXEC for an
 * Image, which the load sorts as "fall back". */
#define KX_RISCV_FILE_ELF_MAJOR 5
#define KX_RISCV_FILE_ELF_MINOR 19
#define KX_RISCV_FILE_IMAGE_MAJOR 6
#define KX_RISCV_FILE_IMAGE_MINOR 8
/* KHO interfaces, newest first: the sysfs switch, the debugfs finalize file
 * of the first KHO releases. Writing "1" activates (finalizes) hand-over. */
static const char *const kho_switches[] = { "/sys/kernel/kho/active",
					    "/sys/kernel/debug/kho/out/finalize", NULL };

static int load_config(void *ctx, struct kx_sys *sys, struct kx_host *h)
{
	char *raw, *path;
	size_t len;
	int r;

	if (kx_sys_read(ctx, sys, "/proc/config.gz", KX_MAX_CONFIG, &raw, &len) == 0) {
		uint8_t *out;
		size_t olen;
		r = kx_decompress(ctx, KX_COMP_GZIP, (uint8_t *)raw, len, KX_MAX_CONFIG, false, &out,
				  &olen, NULL);
		talloc_free(raw);
		if (r == 0) {
			out[olen] = '\0';
			h->config = (char *)out;
			h->config_src = "/proc/config.gz";
			return 0;
		}
	}
	path = talloc_asprintf(ctx, "/boot/config-%s", h->release);
	if (!path)
		return -ENOMEM;
	if (kx_sys_read(ctx, sys, path, KX_MAX_CONFIG, &raw, &len) == 0) {
		h->config = raw;
		h->config_src = path;
		return 0;
	}
	talloc_free(path);
	return 0;
}

/* Is CONFIG_name=y (or =m) in the config? -1 when no config is known. */
int kx_host_config(const struct kx_host *h, const char *name)
{
	const char *p;
	size_t n = strlen(name);

	if (!h->config)
		return -1;
	for (p = h->config; (p = strstr(p, name)) != NULL; p += n) {
		if (p >= h->config + 7 && strncmp(p - 7, "CONFIG_", 7) == 0 &&
		    (p == h->config + 7 || p[-8] == '\n') && p[n] == '=')
			return p[n + 1] == 'y' || p[n + 1] == 'm';
	}
	return 0;
}

/* From /proc/kallsyms: KX_AVAIL_YES for a text symbol [__ARCH_]sys_NAME, NO for
 * the weak stub an unbuilt syscall gets. */
static enum kx_avail kallsyms_avail(const char *syms, const char *name)
{
	char want[64];
	const char *line = syms;
	size_t wl;

	snprintf(want, sizeof(want), "sys_%s", name);
	wl = strlen(want);
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *sp = memchr(line, ' ', len);
		if (sp && (size_t)(sp - line) + 3 < len && sp[2] == ' ') {
			char type = sp[1];
			const char *sym = sp + 3;
			size_t sl = len - (size_t)(sym - line);
			const char *tab = memchr(sym, '\t', sl); /* module symbols: "name\t[mod]" */
			if (tab)
				sl = (size_t)(tab - sym);
			if (sl >= wl && memcmp(sym + sl - wl, want, wl) == 0 &&
			    (sl == wl || (sym[0] == '_' && sym[1] == '_' && sym[sl - wl - 1] == '_')) &&
			    !memmem(sym, sl, "compat", 6) && !memmem(sym, sl, "ia32", 4)) {
				if (type == 'T' || type == 't')
					return KX_AVAIL_YES;
				if (type == 'W' || type == 'w')
					return KX_AVAIL_NO;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return KX_AVAIL_UNKNOWN;
}

/* Detect the running kernel's kexec support. 0 or -ENOMEM. */
int kx_host_detect(void *ctx, struct kx_sys *sys, struct kx_host *h)
{
	char *s;

	memset(h, 0, sizeof(*h));
	h->load_disabled = -1;
	if (sys->ops->uname(sys, h->machine, sizeof(h->machine), h->release, sizeof(h->release)) < 0)
		snprintf(h->machine, sizeof(h->machine), "unknown");
	h->arch = kx_arch_from_machine(h->machine, &h->big_endian);
	if (load_config(ctx, sys, h) < 0)
		return -ENOMEM;
	h->file_load = h->load = KX_AVAIL_UNKNOWN;
	if (h->config) {
		h->file_load = kx_host_config(h, "KEXEC_FILE") == 1 ? KX_AVAIL_YES : KX_AVAIL_NO;
		h->load = kx_host_config(h, "KEXEC") == 1 ? KX_AVAIL_YES : KX_AVAIL_NO;
		h->avail_src = h->config_src;
		h->sig_force = kx_host_config(h, "KEXEC_SIG_FORCE") == 1;
	} else {
		char *syms;
		size_t len;
		if (kx_sys_read(ctx, sys, "/proc/kallsyms", KX_MAX_KALLSYMS, &syms, &len) == 0) {
			h->file_load = kallsyms_avail(syms, "kexec_file_load");
			h->load = kallsyms_avail(syms, "kexec_load");
			talloc_free(syms);
			h->avail_src = "/proc/kallsyms";
		}
		if (h->file_load == KX_AVAIL_UNKNOWN || h->load == KX_AVAIL_UNKNOWN) {
			enum kx_avail a = sys->ops->probe_syscall(sys, KX_SYS_KEXEC_FILE_LOAD);
			enum kx_avail b = sys->ops->probe_syscall(sys, KX_SYS_KEXEC_LOAD);
			if (a != KX_AVAIL_UNKNOWN || b != KX_AVAIL_UNKNOWN) {
				if (h->file_load == KX_AVAIL_UNKNOWN)
					h->file_load = a;
				if (h->load == KX_AVAIL_UNKNOWN)
					h->load = b;
				h->avail_src = "syscall probe (invalid arguments; ENOSYS means absent)";
			}
		}
		if (!h->avail_src)
			h->avail_src = "no kernel config, no /proc/kallsyms, syscall probe not allowed";
	}
	s = kx_sys_read_line(ctx, sys, "/proc/sys/kernel/kexec_load_disabled");
	if (s)
		h->load_disabled = atoi(s);
	s = kx_sys_read_line(ctx, sys, "/sys/kernel/security/lockdown");
	if (s) {
		char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;
		if (a && b)
			h->lockdown = talloc_strndup(ctx, a + 1, (size_t)(b - a - 1));
	}
	return 0;
}

static bool usable(enum kx_avail a)
{
	return a == KX_AVAIL_YES || a == KX_AVAIL_UNKNOWN;
}

/* Is kexec-tools installed? Path of its binary, or NULL. */
static const char *kexec_tools(const struct kx_host *h)
{
	struct stat st;

	for (unsigned i = 0; kexec_tools_paths[i]; i++)
		if (stat(kexec_tools_paths[i], &st) == 0 && (st.st_mode & 0111))
			return kexec_tools_paths[i];
	return NULL;
}

/* Can kexec_file_load on this arch take this image? */
static bool file_load_takes(const struct kx_host *h, const struct kx_image_info *img)
{
	switch (h->arch) {
	case KX_ARCH_X86_64:
		return img->format && strcmp(img->format, "bzImage") == 0 && img->arch == KX_ARCH_X86_64;
	case KX_ARCH_ARM64:
		return img->arch == KX_ARCH_ARM64 && img->format &&
		       (strcmp(img->format, "arm64-Image") == 0 || strcmp(img->format, "efi-zboot") == 0);
	case KX_ARCH_RISCV64:
		if (img->format && strcmp(img->format, "elf") == 0)
			return kx_kver_cmp(h->release, KX_RISCV_FILE_ELF_MAJOR, KX_RISCV_FILE_ELF_MINOR) >= 0;
		return img->format && strcmp(img->format, "riscv-Image") == 0 &&
		       kx_kver_cmp(h->release, KX_RISCV_FILE_IMAGE_MAJOR, KX_RISCV_FILE_IMAGE_MINOR) >= 0;
	case KX_ARCH_PPC64:
	case KX_ARCH_PPC64LE:
	case KX_ARCH_S390X:
	case KX_ARCH_LOONGARCH64:
		return img->format && strcmp(img->format, "elf") == 0;
	default:
		return false;
	}
}

/* Which load method the image would take on this host (static string). */
const char *kx_plan_method(const struct kx_host *h, const struct kx_image_info *img)
{
	if (usable(h->file_load) && file_load_takes(h, img))
		return "kexec_file_load";
	if (usable(h->load) && img->format &&
	    ((h->arch == KX_ARCH_ARM64 && img->arch == KX_ARCH_ARM64 &&
	      (strcmp(img->format, "arm64-Image") == 0 || strcmp(img->format, "efi-zboot") == 0)) ||
	     (h->arch == KX_ARCH_RISCV64 && img->arch == KX_ARCH_RISCV64 &&
	      strcmp(img->format, "riscv-Image") == 0)))
		return "kexec_load";
	if (usable(h->load) && kexec_tools(h))
		return "kexec-tools";
	return "none";
}

static const char *avail_word(enum kx_avail a)
{
	switch (a) {
	case KX_AVAIL_YES:
		return "present";
	case KX_AVAIL_NO:
		return "absent";
	case KX_AVAIL_DENIED:
		return "not permitted";
	default:
		return "unknown";
	}
}

void kx_check_kexec(struct kx_checks *c)
{
	struct kx_host *h = &c->host;
	bool locked = h->lockdown && strcmp(h->lockdown, "none") != 0;

	if (!usable(h->file_load) && !usable(h->load))
		kx_result(&c->res, KB_SEV_FATAL, "kexec-syscalls", h->avail_src,
			  "boot a kernel built with CONFIG_KEXEC or CONFIG_KEXEC_FILE",
			  "the running kernel (%s, %s) cannot kexec: kexec_file_load %s, kexec_load %s",
			  h->release, h->machine, avail_word(h->file_load), avail_word(h->load));
	else
		kx_result(&c->res, KB_SEV_INFO, "kexec-syscalls", h->avail_src, "",
			  "kexec_file_load %s, kexec_load %s (kernel %s, %s)", avail_word(h->file_load),
			  avail_word(h->load), h->release, h->machine);

	if (h->load_disabled == 1)
		kx_result(&c->res, KB_SEV_FATAL, "kexec-enabled", "/proc/sys/kernel/kexec_load_disabled",
			  "kexec_load_disabled cannot be cleared once set: reboot through firmware",
			  "kexec is disabled until the next reboot (kexec_load_disabled = 1)");
	else if (h->load_disabled == 0)
		kx_result(&c->res, KB_SEV_INFO, "kexec-enabled", "/proc/sys/kernel/kexec_load_disabled", "",
			  "kexec loading is enabled (kexec_load_disabled = 0)");
	else
		kx_result(&c->res, KB_SEV_INFO, "kexec-enabled", "/proc/sys/kernel/kexec_load_disabled", "",
			  "kexec_load_disabled is not present (no kexec in this kernel, or no procfs)");

	kx_result(&c->res, locked ? KB_SEV_WARNING : KB_SEV_INFO, "lockdown",
		  "/sys/kernel/security/lockdown",
		  locked ? "only kexec_file_load with a kernel signed by a key in the kernel's keyrings can boot" : "",
		  "kernel lockdown: %s", h->lockdown ? h->lockdown : "not available (no lockdown LSM or securityfs)");
}

/* Does kexec_file_load on this architecture verify signatures? The kernel
 * refuses (EKEYREJECTED) any image, signed or not, under enforcement when
 * the loader has no verify_sig: x86_64 has it with
 * CONFIG_KEXEC_BZIMAGE_VERIFY_SIG, arm64 with CONFIG_KEXEC_IMAGE_VERIFY_SIG
 * (both Authenticode over the PE/EFI stub), s390 with its own module-style
 * signature; riscv, POWER and LoongArch loaders have none (IMA appraisal
 * only). -1 when the config is unknown and the arch could have it. */
static int arch_verifies(const struct kx_host *h)
{
	int c;

	switch (h->arch) {
	case KX_ARCH_X86_64:
		c = kx_host_config(h, "KEXEC_BZIMAGE_VERIFY_SIG");
		return c;
	case KX_ARCH_ARM64:
		c = kx_host_config(h, "KEXEC_IMAGE_VERIFY_SIG");
		return c;
	case KX_ARCH_S390X:
		return -1;
	default:
		return 0;
	}
}

/* Signature enforcement (lockdown, KEXEC_SIG_FORCE) against this image and method. */
static void check_signature(struct kx_checks *c, const char *method)
{
	struct kx_host *h = &c->host;
	bool locked = h->lockdown && strcmp(h->lockdown, "none") != 0;
	const char *src = locked ? "/sys/kernel/security/lockdown" : h->config_src;
	const char *why = h->sig_force ? "CONFIG_KEXEC_SIG_FORCE" : "lockdown";
	int kexec_sig = kx_host_config(h, "KEXEC_SIG");
	int verifies = arch_verifies(h);

	if (!locked && !h->sig_force) {
		kx_result(&c->res, KB_SEV_INFO, "signature", h->config_src ? h->config_src : "/sys/kernel/security/lockdown",
			  "", "no signature enforcement on kexec (no lockdown, no CONFIG_KEXEC_SIG_FORCE)");
		return;
	}
	if (strcmp(method, "kexec_file_load") != 0) {
		kx_result(&c->res, KB_SEV_FATAL, "signature", src,
			  "use a kernel and an architecture whose kexec_file_load takes this image, signed",
			  "%s: the only load path for this image is %s, which the kernel refuses under %s",
			  c->spec->kernel, method, locked ? "lockdown" : "CONFIG_KEXEC_SIG_FORCE");
		return;
	}
	/* lockdown alone gates kexec_file_load only through CONFIG_KEXEC_SIG's check */
	if (!h->sig_force && kexec_sig == 0) {
		kx_result(&c->res, KB_SEV_INFO, "signature", h->config_src,
			  "", "kernel lockdown is on, but this kernel has no CONFIG_KEXEC_SIG: kexec_file_load does not check signatures");
		return;
	}
	if (verifies == 0) {
		kx_result(&c->res, KB_SEV_FATAL, "signature", src,
			  h->arch == KX_ARCH_X86_64 || h->arch == KX_ARCH_ARM64 ?
			  "boot a firmware kernel built with the image signature verifier, or without enforcement" :
			  "this architecture's kexec_file_load cannot check signatures: boot without lockdown/enforcement, or with IMA appraisal",
			  "%s: the running kernel's %s kexec_file_load loader has no signature verifier (%s), so under %s it rejects every image, signed or not",
			  c->spec->kernel, kx_arch_name(h->arch),
			  h->arch == KX_ARCH_X86_64 ? "CONFIG_KEXEC_BZIMAGE_VERIFY_SIG not set" :
			  h->arch == KX_ARCH_ARM64 ? "CONFIG_KEXEC_IMAGE_VERIFY_SIG not set" : "none exists",
			  why);
		return;
	}
	if (!c->img.pe_signed)
		kx_result(&c->res, KB_SEV_FATAL, "signature", src,
			  "boot a kernel signed (Authenticode) by a key in the kernel's keyrings",
			  "%s carries no signature and the kernel requires one (%s)", c->spec->kernel, why);
	else
		kx_result(&c->res, KB_SEV_WARNING, "signature", src,
			  "if loading fails with EKEYREJECTED, the signer's key is not trusted by this kernel",
			  "%s is signed; the kernel will check it against its keyrings at load time",
			  c->spec->kernel);
}

/* The load path, and the kernel-version rules per method. */
void kx_check_load_path(struct kx_checks *c);
void kx_check_load_path(struct kx_checks *c)
{
	struct kx_host *h = &c->host;
	const char *m;

	if (c->img_r < 0)
		return;
	m = kx_plan_method(h, &c->img);
	if (strcmp(m, "none") == 0)
		kx_result(&c->res, KB_SEV_FATAL, "load-path", h->avail_src,
			  "install kexec-tools, or boot a kernel with CONFIG_KEXEC_FILE for this format",
			  "no load path for a %s %s image on this %s kernel (kexec_file_load %s, kexec_load %s, no kexec-tools)",
			  kx_arch_name(c->img.arch), c->img.format, h->machine, avail_word(h->file_load),
			  avail_word(h->load));
	else
		kx_result(&c->res, strcmp(m, "kexec-tools") == 0 ? KB_SEV_WARNING : KB_SEV_INFO,
			  "load-path", h->avail_src,
			  strcmp(m, "kexec-tools") == 0 ? "the external kexec binary is used: its own checks apply" : "",
			  "will load with %s", m);
	if (h->arch == KX_ARCH_RISCV64 && c->img.format && strcmp(c->img.format, "riscv-Image") == 0 &&
	    usable(h->file_load) && kx_kver_cmp(h->release, KX_RISCV_FILE_IMAGE_MAJOR, KX_RISCV_FILE_IMAGE_MINOR) < 0)
		kx_result(&c->res, KB_SEV_INFO, "riscv-file-image", "uname -r",
			  "", "kernel %s predates RISC-V kexec_file_load of Image files (%d.%d): not used",
			  h->release, KX_RISCV_FILE_IMAGE_MAJOR, KX_RISCV_FILE_IMAGE_MINOR);
	check_signature(c, m);
}

void kx_check_kho(struct kx_checks *c)
{
	if (kx_sys_exists(c->sys, kho_switches[0])) {
		char *v = kx_sys_read_line(c->ctx, c->sys, kho_switches[0]);
		bool on = v && strcmp(v, "1") == 0;
		kx_result(&c->res, KB_SEV_INFO, "kho", kho_switches[0],
			  on ? "" : "to hand state over: load with --kho (kexboot-kexec) or echo 1 > /sys/kernel/kho/active before loading",
			  "Kexec HandOver available, %s", on ? "active" : "not active");
	} else if (kx_sys_exists(c->sys, kho_switches[1])) {
		char *v = kx_sys_read_line(c->ctx, c->sys, kho_switches[1]);
		bool on = v && strcmp(v, "1") == 0;
		kx_result(&c->res, KB_SEV_INFO, "kho", kho_switches[1],
			  on ? "" : "to hand state over: load with --kho (kexboot-kexec) or echo 1 > /sys/kernel/debug/kho/out/finalize before loading",
			  "Kexec HandOver available (debugfs interface), %s", on ? "finalized" : "not finalized");
	} else {
		kx_result(&c->res, KB_SEV_INFO, "kho", "/sys/kernel/kho", "",
			  "Kexec HandOver not available in the running kernel");
	}
}

/* Activate Kexec HandOver (see kexec.h). */
int kx_kho_activate(struct kx_sys *sys, const char **ret_path)
{
	for (unsigned i = 0; kho_switches[i]; i++) {
		char *p, *v;
		int r;
		if (!kx_sys_exists(sys, kho_switches[i]))
			continue;
		v = kx_sys_read_line(NULL, sys, kho_switches[i]);
		r = v && strcmp(v, "1") == 0 ? 0 : 1; /* already active: nothing to write */
		talloc_free(v);
		if (r) {
			p = kx_sys_path(NULL, sys, kho_switches[i]);
			r = p ? sys->ops->write_sys(sys, p, "1") : -ENOMEM;
			talloc_free(p);
		}
		if (r == 0 && ret_path)
			*ret_path = kho_switches[i];
		return r;
	}
	return -ENOENT;
}
