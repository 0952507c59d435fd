/* kexboot-kexec: the kexec engine's own command line.
 *
 *   kexboot-kexec check [--json] KERNEL [--initrd FILE]... [--dtb FILE] [--append ARGS]
 *   kexboot-kexec load  [--json] KERNEL [--initrd FILE]... [--dtb FILE] [--append ARGS] [--force] [--kho]
 *   kexboot-kexec exec [--force] | unload | info [--json]
 *
 * check and info only read. load, exec and unload act on the real kernel,
 * unless --sys-root DIR (or KEXBOOT_KEXEC_SYSROOT) selects the recording
 * backend, which reads DIR as /proc, /sys… and records the calls instead.
 * Exit status: 0 success (check: no fatal result), 1 refused or failed
 * (check: a fatal result), 2 unusable arguments.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/kexec.h"
#include "kexec-core/sys.h"
#include "lib/types.h"

#define SYSROOT_ENV "KEXBOOT_KEXEC_SYSROOT"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kexboot-kexec check [--json] KERNEL [--initrd FILE]... [--dtb FILE] [--append ARGS]\n"
		"       kexboot-kexec load  [--json] KERNEL [--initrd FILE]... [--dtb FILE] [--append ARGS] [--force] [--kho]\n"
		"       kexboot-kexec exec [--force] | unload | info [--json]\n"
		"\n"
		"  check   run every preflight check and print the results (never loads)\n"
		"  load    check, then load the kernel (refused on a fatal result unless --force)\n"
		"  exec    quiesce mounts and jump to the loaded kernel\n"
		"  unload  unload a loaded kernel\n"
		"  info    what the running kernel supports\n"
		"\n"
		"  --json            one JSON object on stdout\n"
		"  --initrd FILE     initrd (repeatable: concatenated in order)\n"
		"  --dtb FILE        device tree for the new kernel\n"
		"  --append ARGS     kernel command line\n"
		"  --force           load: despite fatal results; exec: even when a read-write\n"
		"                    filesystem cannot be remounted read-only (after sync)\n"
		"  --kho             load: activate Kexec HandOver first (where offered)\n"
		"  --no-fallback     never run an external kexec-tools binary\n"
		"  --probe-syscalls  allow invalid-argument kexec syscall probes when the\n"
		"                    kernel config is unavailable (never loads anything)\n"
		"  --sys-root DIR    testing: read DIR as the system and record kexec/reboot\n"
		"                    calls instead of making them (also $" SYSROOT_ENV ")\n"
		"  --help, --version\n");
}

static void json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void print_results(bool json, const struct kb_check_result *r, unsigned n)
{
	unsigned cnt[KB_SEV_MAX] = { 0 };

	for (unsigned i = 0; i < n; i++)
		if (r[i].severity < KB_SEV_MAX)
			cnt[r[i].severity]++;
	if (!json) {
		for (unsigned i = 0; i < n; i++) {
			printf("%-7s %s: %s\n", kb_severity_name(r[i].severity), r[i].id, r[i].message);
			if (r[i].source && r[i].source[0])
				printf("        source: %s\n", r[i].source);
			if (r[i].remediation && r[i].remediation[0])
				printf("        fix: %s\n", r[i].remediation);
		}
		printf("%u fatal, %u warning, %u info\n", cnt[KB_SEV_FATAL], cnt[KB_SEV_WARNING],
		       cnt[KB_SEV_INFO]);
		return;
	}
	fputs("\"results\": [", stdout);
	for (unsigned i = 0; i < n; i++) {
		fputs(i ? ",\n  {" : "\n  {", stdout);
		fputs("\"id\": ", stdout);
		json_str(r[i].id);
		fputs(", \"severity\": ", stdout);
		json_str(kb_severity_name(r[i].severity));
		fputs(", \"message\": ", stdout);
		json_str(r[i].message);
		fputs(", \"source\": ", stdout);
		json_str(r[i].source);
		fputs(", \"remediation\": ", stdout);
		json_str(r[i].remediation);
		putchar('}');
	}
	printf("],\n\"counts\": {\"fatal\": %u, \"warning\": %u, \"info\": %u},\n\"fatal\": %s",
	       cnt[KB_SEV_FATAL], cnt[KB_SEV_WARNING], cnt[KB_SEV_INFO],
	       cnt[KB_SEV_FATAL] ? "true" : "false");
}

static void print_recorded(bool json, struct kx_sys *sys)
{
	unsigned n;
	const char *const *log = kx_sys_recorded(sys, &n);

	if (!kx_sys_is_recording(sys))
		return;
	if (json) {
		fputs(",\n\"recorded\": [", stdout);
		for (unsigned i = 0; i < n; i++) {
			fputs(i ? ", " : "", stdout);
			json_str(log[i]);
		}
		putchar(']');
	} else {
		for (unsigned i = 0; i < n; i++)
			printf("recorded: %s\n", log[i]);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	   { "initrd", required_argument, NULL, 'i' },
		{ "dtb", required_argument, NULL, 'd' },   { "append", required_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },	   { "no-fallback", no_argument, NULL, 'n' },
		{ "probe-syscalls", no_argument, NULL, 'p' }, { "sys-root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },	   { "version", no_argument, NULL, 'V' },
		{ "kho", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	void *root = talloc_new(NULL);
	const char **initrds = talloc_array(root, const char *, KB_MAX_INITRDS);
	const char *cmd = NULL, *sysroot = getenv(SYSROOT_ENV);
	struct kx_spec spec = { 0 };
	struct kx_sys *sys;
	struct kb_check_result *res = NULL;
	unsigned n = 0, flags = 0;
	bool json = false, probe = false;
	int c, r, status = 0;

	if (sysroot && !*sysroot)
		sysroot = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'i':
			if (spec.n_initrds >= KB_MAX_INITRDS) {
				fprintf(stderr, "kexboot-kexec: more than KB_MAX_INITRDS (%d) initrds\n",
					KB_MAX_INITRDS);
				status = 2;
				goto out;
			}
			initrds[spec.n_initrds++] = optarg;
			break;
		case 'd':
			spec.dtb = optarg;
			break;
		case 'a':
			if (strlen(optarg) >= KB_MAX_ARGS_LEN) {
				fprintf(stderr, "kexboot-kexec: --append is %zu bytes, limit KB_MAX_ARGS_LEN is %d\n",
					strlen(optarg), KB_MAX_ARGS_LEN);
				status = 2;
				goto out;
			}
			spec.cmdline = optarg;
			break;
		case 'f':
			flags |= KX_FORCE;
			break;
		case 'k':
			flags |= KX_KHO;
			break;
		case 'n':
			flags |= KX_NO_FALLBACK;
			break;
		case 'p':
			probe = true;
			break;
		case 'r':
			sysroot = optarg;
			break;
		case 'h':
			usage(stdout);
			goto out;
		case 'V':
			printf("kexboot-kexec %s\n", PACKAGE_VERSION);
			goto out;
		default:
			usage(stderr);
			status = 2;
			goto out;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		status = 2;
		goto out;
	}
	cmd = argv[optind++];
	spec.initrds = initrds;
	if (strcmp(cmd, "check") == 0 || strcmp(cmd, "load") == 0) {
		if (optind != argc - 1) {
			fprintf(stderr, "kexboot-kexec: %s needs exactly one KERNEL\n", cmd);
			status = 2;
			goto out;
		}
		spec.kernel = argv[optind];
	} else if (strcmp(cmd, "exec") == 0 || strcmp(cmd, "unload") == 0 || strcmp(cmd, "info") == 0) {
		if (optind != argc) {
			fprintf(stderr, "kexboot-kexec: %s takes no arguments\n", cmd);
			status = 2;
			goto out;
		}
	} else {
		fprintf(stderr, "kexboot-kexec: unknown command '%s'\n", cmd);
		usage(stderr);
		status = 2;
		goto out;
	}
	sys = sysroot ? kx_sys_recording(root, sysroot) : kx_sys_real(root);
	if (!sys) {
		fprintf(stderr, "kexboot-kexec: out of memory\n");
		status = 1;
		goto out;
	}
	if (probe && !sysroot)
		kx_sys_real_allow_probe(sys, true);
	if (json) {
		fputs("{\"command\": ", stdout);
		json_str(cmd);
		fputs(",\n", stdout);
		if (spec.kernel) {
			fputs("\"kernel\": ", stdout);
			json_str(spec.kernel);
			fputs(",\n", stdout);
		}
	}

	if (strcmp(cmd, "check") == 0 || strcmp(cmd, "info") == 0) {
		r = strcmp(cmd, "check") == 0 ? kx_check(root, sys, &spec, &res, &n)
					       : kx_info(root, sys, &res, &n);
		if (r < 0) {
			fprintf(stderr, "kexboot-kexec: %s failed: %s\n", cmd, strerror(-r));
			if (json)
				fputs("\"results\": [], \"fatal\": true, \"error\": \"internal failure\"}\n", stdout);
			status = 1;
			goto out;
		}
		print_results(json, res, n);
		status = kx_results_fatal(res, n) ? 1 : 0;
	} else if (strcmp(cmd, "load") == 0) {
		char *method = NULL;
		r = kx_load(root, sys, &spec, flags, &method, &res, &n);
		print_results(json, res, n);
		if (json) {
			fputs(",\n\"loaded\": ", stdout);
			fputs(r == 0 ? "true" : "false", stdout);
			fputs(", \"method\": ", stdout);
			json_str(r == 0 ? method : NULL);
			fputs(", \"error\": ", stdout);
			json_str(r == 0 ? NULL :
				 r == -EPERM && kx_results_fatal(res, n) ? "refused: fatal preflight results (use --force)" :
				 r == -EKEYREJECTED ? "signature rejected by the running kernel" :
				 r == -EBADMSG ? "an initrd is corrupt or truncated" :
				 r == -E2BIG ? "an initrd exceeds a size limit" :
				 r == -ESTALE ? "an initrd changed while loading; unloaded" :
				 r == -ENOENT && (flags & KX_KHO) ? "Kexec HandOver not available" : strerror(-r));
		} else if (r == 0) {
			printf("loaded with %s%s\n", method,
			       strcmp(method, "kexec-tools") == 0 ? " (external kexec-tools fallback)" : "");
		}
		if (r < 0) {
			if (r == -EPERM && kx_results_fatal(res, n))
				fprintf(stderr, "kexboot-kexec: refusing to load: fatal preflight results (use --force to override)\n");
			else if (r == -EKEYREJECTED)
				fprintf(stderr, "kexboot-kexec: load failed: signature rejected by the running kernel\n");
			else if (r == -EBADMSG)
				fprintf(stderr, "kexboot-kexec: load refused: an initrd is corrupt or truncated\n");
			else if (r == -ESTALE)
				fprintf(stderr, "kexboot-kexec: load failed: an initrd changed while it was loaded; unloaded\n");
			else
				fprintf(stderr, "kexboot-kexec: load failed: %s\n", strerror(-r));
			status = 1;
		}
	} else if (strcmp(cmd, "exec") == 0) {
		struct kx_exec_opts eo = { .ignore_remount_failure = (flags & KX_FORCE) != 0 };
		char st[KX_EXEC_STATUS_SIZE];
		r = kx_exec(sys, &eo, st);
		if (json) {
			fputs("\"ok\": ", stdout);
			fputs(r == 0 ? "true" : "false", stdout);
			fputs(", \"error\": ", stdout);
			json_str(r == 0 ? NULL : st[0] ? st : strerror(-r));
		}
		if (r < 0) {
			if (st[0])
				fprintf(stderr, "kexboot-kexec: exec failed: %s\n", st);
			else
				fprintf(stderr, "kexboot-kexec: exec failed: %s; the system keeps running\n",
					strerror(-r));
			status = 1;
		}
	} else {
		r = kx_unload(sys);
		if (json) {
			fputs("\"ok\": ", stdout);
			fputs(r == 0 ? "true" : "false", stdout);
			fputs(", \"error\": ", stdout);
			json_str(r == 0 ? NULL : strerror(-r));
		}
		if (r < 0) {
			fprintf(stderr, "kexboot-kexec: unload failed: %s\n", strerror(-r));
			status = 1;
		}
	}
	print_recorded(json, sys);
	if (json)
		fputs("}\n", stdout);
out:
	talloc_free(root);
	return status;
}
