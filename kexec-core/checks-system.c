/* kexec-core: checks on the running system: memory fit, CPUs that must go
 * offline, DMA-capable devices whose drivers lack a safe shutdown, armed
 * watchdogs, console continuity, mounts to quiesce. All reads go through
 * the sys backend's root, so tests use fake trees. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/checks.h"

/* Entries listed per result message (devices, watchdogs). */
#define KX_LIST_MAX 8
/* CPUs examined. */
#define KX_MAX_CPUS 8192

void kx_check_memory(struct kx_checks *c)
{
	char *mi, *p, hs[4][32];
	size_t len;
	uint64_t avail_kb = 0, kmem, need;

	if (kx_sys_read(c->ctx, c->sys, "/proc/meminfo", KX_MAX_SYSFILE, &mi, &len) < 0 ||
	    !(p = strstr(mi, "MemAvailable:"))) {
		kx_result(&c->res, KB_SEV_WARNING, "memory-fit", "/proc/meminfo",
			  "", "cannot tell whether the new kernel fits: no MemAvailable in /proc/meminfo");
		return;
	}
	avail_kb = strtoull(p + 13, NULL, 10);
	kmem = c->img.image_size > c->img.file_size ? c->img.image_size : c->img.file_size;
	/* loaded segments (kernel footprint + initrds + dtb) plus the transient file
	 * buffers the kernel or we hold while loading, plus a margin */
	need = kmem + c->initrd_total + c->dtb_size + c->img.file_size + c->initrd_total +
	       KX_MEMORY_MARGIN;
	if (avail_kb * 1024 < need)
		kx_result(&c->res, KB_SEV_FATAL, "memory-fit", "/proc/meminfo",
			  "free memory (stop services, drop caches) or use a smaller initrd",
			  "not enough memory: need %s (kernel %s, initrds %s, margin KX_MEMORY_MARGIN %s), MemAvailable is %s",
			  kx_human_size(hs[0], 32, need), kx_human_size(hs[1], 32, kmem),
			  kx_human_size(hs[2], 32, c->initrd_total), kx_human_size(hs[3], 32, KX_MEMORY_MARGIN),
			  kx_human_size(hs[3], 32, avail_kb * 1024));
	else
		kx_result(&c->res, KB_SEV_INFO, "memory-fit", "/proc/meminfo", "",
			  "memory fits: need %s, MemAvailable %s", kx_human_size(hs[0], 32, need),
			  kx_human_size(hs[1], 32, avail_kb * 1024));
}

/* Is cpu n in a list like "0-3,5"? */
static bool cpu_in_list(const char *list, unsigned n)
{
	const char *p = list;

	while (p && *p) {
		char *end;
		unsigned a = (unsigned)strtoul(p, &end, 10), b = a;
		if (end == p)
			return false;
		if (*end == '-')
			b = (unsigned)strtoul(end + 1, &end, 10);
		if (n >= a && n <= b)
			return true;
		p = *end == ',' ? end + 1 : NULL;
	}
	return false;
}

void kx_check_cpus(struct kx_checks *c)
{
	char *dir = kx_sys_path(c->ctx, c->sys, "/sys/devices/system/cpu");
	char *online = kx_sys_read_line(c->ctx, c->sys, "/sys/devices/system/cpu/online");
	char stuck[256] = "";
	unsigned n_stuck = 0, n_cpus = 0;
	struct dirent *de;
	DIR *d = dir ? opendir(dir) : NULL;
	uint32_t sev;

	if (!d) {
		kx_result(&c->res, KB_SEV_WARNING, "cpu-offline", "/sys/devices/system/cpu", "",
			  "cannot list CPUs: secondary CPU hotplug not verified");
		return;
	}
	while ((de = readdir(d)) != NULL && n_cpus < KX_MAX_CPUS) {
		char *end, path[320];
		unsigned long n;
		if (strncmp(de->d_name, "cpu", 3) != 0 || !de->d_name[3])
			continue;
		n = strtoul(de->d_name + 3, &end, 10);
		if (*end)
			continue;
		n_cpus++;
		if (n == 0 || (online && !cpu_in_list(online, (unsigned)n)))
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%lu/online", n);
		if (!kx_sys_exists(c->sys, path)) {
			size_t l = strlen(stuck);
			if (n_stuck < KX_LIST_MAX && l + 16 < sizeof(stuck))
				snprintf(stuck + l, sizeof(stuck) - l, "%scpu%lu", l ? ", " : "", n);
			n_stuck++;
		}
	}
	closedir(d);
	if (!n_stuck) {
		kx_result(&c->res, KB_SEV_INFO, "cpu-offline", "/sys/devices/system/cpu/cpu*/online", "",
			  "%u CPUs; every online secondary CPU can be taken offline", n_cpus);
		return;
	}
	/* arm64 refuses to kexec with CPUs it cannot offline (they stay in the kernel,
	 * e.g. spin-table); riscv needs SBI HSM; x86 and POWER stop them another way */
	sev = c->host.arch == KX_ARCH_ARM64 ? KB_SEV_FATAL :
	      c->host.arch == KX_ARCH_RISCV64 ? KB_SEV_WARNING : KB_SEV_INFO;
	kx_result(&c->res, sev, "cpu-offline", "/sys/devices/system/cpu/cpu*/online",
		  c->host.arch == KX_ARCH_ARM64 ? "boot the firmware kernel with PSCI (enable-method \"psci\") so CPUs can be offlined, or with maxcpus=1" :
		  c->host.arch == KX_ARCH_RISCV64 ? "firmware needs the SBI HSM extension for CPU hotplug" : "",
		  "%u secondary CPU(s) cannot be taken offline (no online control): %s", n_stuck, stuck);
}

/* Parse "a.b.c" leading numbers. */
static void parse_ver(const char *s, unsigned v[3])
{
	v[0] = v[1] = v[2] = 0;
	if (s)
		sscanf(s, "%u.%u.%u", &v[0], &v[1], &v[2]);
}

static int ver_cmp(const unsigned a[3], const unsigned b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Is the running release covered by fixed_in/backports? */
bool kx_release_fixed(const char *release, const char *fixed_in, const char *backports)
{
	unsigned r[3], f[3];
	const char *p = backports;

	parse_ver(release, r);
	parse_ver(fixed_in, f);
	if (ver_cmp(r, f) >= 0)
		return true;
	while (p && *p && *p != '-') {
		unsigned b[3];
		parse_ver(p, b);
		if (r[0] == b[0] && r[1] == b[1] && r[2] >= b[2])
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static const char embedded_table[] =
#include "kexec-core/unsafe-drivers.inc"
	;

/* Parse the unsafe-driver table; text NULL: the embedded one. */
int kx_unsafe_drivers_parse(void *ctx, const char *text, struct kx_unsafe_driver **ret,
			    unsigned *ret_n)
{
	struct kx_unsafe_driver *arr = NULL;
	unsigned n = 0;
	const char *line = text ? text : embedded_table;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *l = talloc_strndup(ctx, line, len), *save = NULL, *f[4];
		line = eol ? eol + 1 : NULL;
		if (!l)
			goto nomem;
		f[0] = strtok_r(l, " \t", &save);
		if (!f[0] || f[0][0] == '#') {
			talloc_free(l);
			continue;
		}
		for (int i = 1; i < 4; i++)
			f[i] = strtok_r(NULL, " \t", &save);
		if (!f[3]) {
			talloc_free(l);
			continue; /* malformed line: skipped */
		}
		{
			struct kx_unsafe_driver *na = talloc_realloc(ctx, arr, struct kx_unsafe_driver, n + 1);
			char *ref = save ? save : "";
			if (!na)
				goto nomem;
			arr = na;
			while (*ref == ' ' || *ref == '\t')
				ref++;
			arr[n].driver = talloc_strdup(arr, f[0]);
			arr[n].bus = talloc_strdup(arr, f[1]);
			arr[n].fixed_in = talloc_strdup(arr, f[2]);
			arr[n].backports = talloc_strdup(arr, f[3]);
			arr[n].reference = talloc_strdup(arr, ref);
			n++;
		}
		talloc_free(l);
	}
	*ret = arr;
	*ret_n = n;
	return 0;
nomem:
	talloc_free(arr);
	return -ENOMEM;
}

void kx_check_drivers(struct kx_checks *c)
{
	struct kx_unsafe_driver *t;
	unsigned n, bad = 0;
	const char *override = getenv(KX_UNSAFE_DRIVERS_ENV);
	char *text = NULL;
	size_t len;

	if (override && kx_read_stream(c->ctx, override, 1 << 20, &text, &len) < 0)
		text = NULL;
	if (kx_unsafe_drivers_parse(c->ctx, text, &t, &n) < 0) {
		c->res.err = -ENOMEM;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		char *path = talloc_asprintf(c->ctx, "/sys/bus/%s/drivers/%s", t[i].bus, t[i].driver);
		char *dir = kx_sys_path(c->ctx, c->sys, path);
		char devs[256] = "";
		unsigned nd = 0;
		struct dirent *de;
		DIR *d = dir ? opendir(dir) : NULL;
		if (!d)
			continue;
		while ((de = readdir(d)) != NULL) {
			size_t l = strlen(devs);
			if (!strchr(de->d_name, ':'))
				continue; /* bound devices are links named by bus address */
			if (nd < KX_LIST_MAX && l + strlen(de->d_name) + 3 < sizeof(devs))
				snprintf(devs + l, sizeof(devs) - l, "%s%s", l ? ", " : "", de->d_name);
			nd++;
		}
		closedir(d);
		if (!nd)
			continue;
		if (kx_release_fixed(c->host.release, t[i].fixed_in, t[i].backports)) {
			kx_result(&c->res, KB_SEV_INFO, "unsafe-driver", path, "",
				  "%s is bound (%s) but kernel %s has its shutdown fix (%s)", t[i].driver, devs,
				  c->host.release, t[i].fixed_in);
			continue;
		}
		bad++;
		kx_result(&c->res, KB_SEV_WARNING, "unsafe-driver", path,
			  talloc_asprintf(c->ctx, "unbind the device(s) before the jump (echo ADDR > /sys/bus/%s/drivers/%s/unbind) or update the firmware kernel to %s or later",
					  t[i].bus, t[i].driver, t[i].fixed_in),
			  "driver %s (bound to %s) has no safe shutdown before %s%s%s; running %s: the device may keep doing DMA into the new kernel's memory. %s",
			  t[i].driver, devs, t[i].fixed_in, strcmp(t[i].backports, "-") ? " / " : "",
			  strcmp(t[i].backports, "-") ? t[i].backports : "", c->host.release, t[i].reference);
	}
	if (!bad)
		kx_result(&c->res, KB_SEV_INFO, "unsafe-driver", "/sys/bus/*/drivers", "",
			  "no bound driver from the unsafe-shutdown table (%u entries)", n);
}

void kx_check_watchdogs(struct kx_checks *c)
{
	char *dir = kx_sys_path(c->ctx, c->sys, "/sys/class/watchdog");
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;
	unsigned armed = 0;

	if (d) {
		while ((de = readdir(d)) != NULL) {
			char *st, *to, *id, *base;
			if (strncmp(de->d_name, "watchdog", 8) != 0)
				continue;
			base = talloc_asprintf(c->ctx, "/sys/class/watchdog/%s", de->d_name);
			st = kx_sys_read_line(c->ctx, c->sys, talloc_asprintf(c->ctx, "%s/state", base));
			if (!st || strcmp(st, "active") != 0)
				continue;
			to = kx_sys_read_line(c->ctx, c->sys, talloc_asprintf(c->ctx, "%s/timeout", base));
			id = kx_sys_read_line(c->ctx, c->sys, talloc_asprintf(c->ctx, "%s/identity", base));
			armed++;
			kx_result(&c->res, KB_SEV_WARNING, "watchdog",
				  talloc_asprintf(c->ctx, "%s/state", base),
				  "make sure the new system pings it early (watchdog daemon / systemd RuntimeWatchdogSec), or stop it first if it allows (nowayout off)",
				  "%s (%s) is armed with a %s s timeout: it keeps running across kexec and resets the machine unless the new kernel's userspace pings it in time",
				  de->d_name, id ? id : "unknown", to ? to : "?");
		}
		closedir(d);
	}
	if (!armed)
		kx_result(&c->res, KB_SEV_INFO, "watchdog", "/sys/class/watchdog", "", "no armed watchdog");
}

/* Console names from console= arguments ("ttyS0,115200n8" → "ttyS0"). */
static unsigned cmdline_consoles(void *ctx, const char *cmdline, char **names, unsigned max)
{
	unsigned n = 0;
	const char *p = cmdline;

	while (p && (p = strstr(p, "console=")) != NULL) {
		if (p == cmdline || p[-1] == ' ') {
			const char *v = p + 8;
			size_t l = strcspn(v, ", \t");
			if (n < max && l)
				names[n++] = talloc_strndup(ctx, v, l);
		}
		p += 8;
	}
	return n;
}

void kx_check_console(struct kx_checks *c)
{
	char *con, *names[16], *running[16];
	size_t len;
	unsigned nn, nr = 0;
	const char *line;
	char list[256] = "";

	if (kx_sys_read(c->ctx, c->sys, "/proc/consoles", 64 * 1024, &con, &len) < 0) {
		kx_result(&c->res, KB_SEV_INFO, "console", "/proc/consoles", "",
			  "cannot read /proc/consoles: console continuity not checked");
		return;
	}
	for (line = con; line && *line && nr < 16;) {
		size_t l = strcspn(line, " \t\n");
		if (l) {
			running[nr] = talloc_strndup(c->ctx, line, l);
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", nr ? ", " : "",
				 running[nr]);
			nr++;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	nn = cmdline_consoles(c->ctx, c->spec->cmdline, names, 16);
	if (nr == 0) {
		kx_result(&c->res, KB_SEV_INFO, "console", "/proc/consoles", "", "no active console now");
		return;
	}
	if (nn == 0) {
		kx_result(&c->res, KB_SEV_WARNING, "console", "/proc/consoles",
			  talloc_asprintf(c->ctx, "append console=%s (with its speed, e.g. console=ttyS0,115200) to keep output where you see it now", running[0]),
			  "the new kernel gets no console= argument; it will pick its default console, which may not be %s",
			  list);
		return;
	}
	for (unsigned i = 0; i < nn; i++)
		for (unsigned j = 0; j < nr; j++)
			if (strcmp(names[i], running[j]) == 0) {
				kx_result(&c->res, KB_SEV_INFO, "console", "/proc/consoles", "",
					  "console %s continues in the new kernel", names[i]);
				return;
			}
	kx_result(&c->res, KB_SEV_WARNING, "console", "/proc/consoles",
		  talloc_asprintf(c->ctx, "add console=%s to the arguments to keep seeing the boot", running[0]),
		  "the arguments name console %s, none of the consoles in use now (%s)", names[0], list);
}

void kx_check_mounts(struct kx_checks *c)
{
	char *mi;
	size_t len;
	unsigned own = 0, rw = 0;
	const char *line;

	if (kx_sys_read(c->ctx, c->sys, "/proc/self/mountinfo", KX_MAX_SYSFILE, &mi, &len) < 0) {
		kx_result(&c->res, KB_SEV_WARNING, "mounts", "/proc/self/mountinfo", "",
			  "cannot read the mount table: exec will only sync");
		return;
	}
	for (line = mi; line && *line;) {
		char mp[1024], opts[256], fstype[64], src[1024];
		const char *dash = strstr(line, " - ");
		const char *eol = strchr(line, '\n');
		if (dash && (!eol || dash < eol) &&
		    sscanf(line, "%*s %*s %*s %*s %1023s %255s", mp, opts) == 2 &&
		    sscanf(dash + 3, "%63s %1023s", fstype, src) == 2) {
			if (strncmp(mp, KX_DEFAULT_OWN_MOUNTS, strlen(KX_DEFAULT_OWN_MOUNTS)) == 0 &&
			    (mp[strlen(KX_DEFAULT_OWN_MOUNTS)] == '/' || !mp[strlen(KX_DEFAULT_OWN_MOUNTS)]))
				own++;
			else if (strncmp(opts, "rw", 2) == 0 && (opts[2] == ',' || !opts[2]) &&
				 strncmp(src, "/dev/", 5) == 0)
				rw++;
		}
		line = eol ? eol + 1 : NULL;
	}
	kx_result(&c->res, KB_SEV_INFO, "mounts", "/proc/self/mountinfo", "",
		  "at exec: %u kexboot mount(s) under %s are unmounted, sync, %u read-write block filesystem(s) remounted read-only",
		  own, KX_DEFAULT_OWN_MOUNTS, rw);
}
