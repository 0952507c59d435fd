/* kexboot-discover: the daemon. Finds boot options on block devices,
 * publishes them over a socket, and boots the one a client or autoboot picks. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <talloc.h>
#include <unistd.h>

#include <config.h>
#include "discover/block.h"
#include "discover/daemon.h"
#include "discover/network.h"
#include "discover/settings.h"
#include "kexec-core/kexec.h"
#include "lib/log.h"

#define KB_MAX_GLOBS KB_BLOCK_MAX_GLOBS

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kexboot-discover [OPTION]...\n"
		"Find boot options on block devices and serve them to kexboot-menu and kexboot-ctl.\n\n"
		"  --socket PATH        control socket (default " KB_DEFAULT_SOCKET ")\n"
		"  --runtime-dir DIR    mounts and downloads (default " KB_DEFAULT_RUNTIME_DIR ")\n"
		"  --state-dir DIR      where settings are stored (file backend)\n"
		"  --config FILE        defaults file (default /etc/kexboot.conf)\n"
		"  --cmdline FILE       kernel command line with kexboot.* overrides (default /proc/cmdline)\n"
		"  --devices GLOB       only block devices whose kernel name matches (repeatable)\n"
		"  --interfaces GLOB    configure network interfaces whose name matches (repeatable;\n"
		"                       none without it) and boot from what DHCP offers\n"
		"  --download-max BYTES refuse downloaded files larger than this\n"
		"  --dhcp-hook FILE     the script udhcpc runs (default " KB_UDHCPC_HOOK ")\n"
		"  --group NAME         members may boot and configure (socket mode 0660)\n"
		"  --no-autoboot        never boot without being asked\n"
		"  --dry-run            check and report, never load or jump\n"
		"  --compatible STRINGS this board's device-tree compatibles, most specific first\n"
		"                       (default: /proc/device-tree/compatible), for extlinux FDTDIR\n"
		"  --log-level LEVEL    err, warn, notice, info or debug (default info)\n"
		"  --log-file FILE      log to FILE instead of stderr\n"
		"  --syslog             log to syslog\n"
		"  --talloc-report FILE at exit, write what is still allocated to FILE\n"
		"                       (also KEXBOOT_TALLOC_REPORT; for leak tests)\n"
		"  --help, --version\n");
}

/* The running machine as the parsers name architectures. */
static const char *machine_arch(void *ctx)
{
	static const struct { const char *uname, *arch; } map[] = {
		{ "aarch64", "arm64" }, { "ppc64le", "ppc64le" }, { "ppc64", "ppc64" },
		{ "riscv64", "riscv64" }, { "x86_64", "x86_64" },   { "i686", "x86" },
	};
	struct utsname u;
	unsigned i;

	if (uname(&u) < 0)
		return "unknown";
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(u.machine, map[i].uname) == 0)
			return map[i].arch;
	return talloc_strdup(ctx, u.machine);
}

/* This board's compatible strings, space-separated, for extlinux FDTDIR;
 * NULL if there is no device tree. */
static const char *board_compatible(void *ctx)
{
	char buf[1024];
	ssize_t n, i;
	int fd = open("/proc/device-tree/compatible", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return talloc_strdup(ctx, buf);
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Where to write the talloc report at exit (--talloc-report FILE or
 * KEXBOOT_TALLOC_REPORT), looked up before anything is allocated: null
 * tracking must be on before the root exists to see everything. */
static const char *talloc_report_path(int argc, char **argv)
{
	const char *path = getenv("KEXBOOT_TALLOC_REPORT");
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--talloc-report") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--talloc-report=", 16) == 0)
			path = argv[i] + 16;
	}
	return path && *path ? path : NULL;
}

/* Write the full report of the null context: after the root is freed it
 * lists every block nobody freed (empty: one header line, 0 bytes). */
static void write_talloc_report(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "kexboot-discover: cannot write %s: %m\n", path);
		return;
	}
	talloc_report_full(NULL, f);
	fclose(f);
	talloc_disable_null_tracking(); /* frees the null context itself */
}

static void on_signal(struct kb_source *src, int signo, void *data)
{
	struct kb_daemon *d = data;

	log_notice("%s: shutting down", strsignal(signo));
	kb_loop_exit(d->loop, 0);
}

int main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_RUNTIME, OPT_STATE, OPT_CONFIG, OPT_CMDLINE, OPT_DEVICES, OPT_GROUP,
	       OPT_NO_AUTOBOOT, OPT_DRY_RUN, OPT_LOG_LEVEL, OPT_LOG_FILE, OPT_SYSLOG,
	       OPT_KEXEC_SYSROOT, OPT_COMPATIBLE, OPT_INTERFACES, OPT_DOWNLOAD_MAX, OPT_DHCP_HOOK, OPT_TALLOC_REPORT, OPT_HELP, OPT_VERSION };
	static const struct option long_opts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "runtime-dir", required_argument, NULL, OPT_RUNTIME },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "devices", required_argument, NULL, OPT_DEVICES },
		{ "interfaces", required_argument, NULL, OPT_INTERFACES },
		{ "download-max", required_argument, NULL, OPT_DOWNLOAD_MAX },
		{ "dhcp-hook", required_argument, NULL, OPT_DHCP_HOOK },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "no-autoboot", no_argument, NULL, OPT_NO_AUTOBOOT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "log-file", required_argument, NULL, OPT_LOG_FILE },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		/* tests: the engine's recording backend over a fake /proc and /sys */
		{ "kexec-sysroot", required_argument, NULL, OPT_KEXEC_SYSROOT },
		{ "compatible", required_argument, NULL, OPT_COMPATIBLE },
		{ "talloc-report", required_argument, NULL, OPT_TALLOC_REPORT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *report = talloc_report_path(argc, argv);
	void *root;
	struct kb_daemon *d;
	const char *log_file = NULL, *sysroot = getenv("KEXBOOT_KEXEC_SYSROOT"), *compatible = NULL;
	bool use_syslog = false;
	int level = KB_LOG_INFO, c, r;
	struct group *gr;
	char *mnt;

	if (report)
		talloc_enable_null_tracking();
	root = talloc_new(NULL);
	d = talloc_zero(root, struct kb_daemon);
	if (!d)
		return 1;
	d->opts.socket_path = KB_DEFAULT_SOCKET;
	d->opts.runtime_dir = KB_DEFAULT_RUNTIME_DIR;
	d->opts.config_file = "/etc/kexboot.conf";
	d->opts.cmdline_file = "/proc/cmdline";
	d->opts.group = (gid_t)-1;
	d->opts.globs = talloc_zero_array(d, const char *, KB_MAX_GLOBS);
	d->opts.iface_globs = talloc_zero_array(d, const char *, KB_MAX_GLOBS);
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET: d->opts.socket_path = optarg; break;
		case OPT_RUNTIME: d->opts.runtime_dir = optarg; break;
		case OPT_STATE: d->opts.state_dir = optarg; break;
		case OPT_CONFIG: d->opts.config_file = optarg; break;
		case OPT_CMDLINE: d->opts.cmdline_file = optarg; break;
		case OPT_DEVICES:
			if (d->opts.n_globs >= KB_MAX_GLOBS) {
				fprintf(stderr, "kexboot-discover: more than %d --devices patterns\n",
					KB_MAX_GLOBS);
				return 2;
			}
			d->opts.globs[d->opts.n_globs++] = optarg;
			break;
		case OPT_INTERFACES:
			if (d->opts.n_iface_globs >= KB_MAX_GLOBS) {
				fprintf(stderr, "kexboot-discover: more than %d --interfaces patterns\n",
					KB_MAX_GLOBS);
				return 2;
			}
			d->opts.iface_globs[d->opts.n_iface_globs++] = optarg;
			break;
		case OPT_DOWNLOAD_MAX: {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end || !v || optarg[0] == '-') {
				fprintf(stderr, "kexboot-discover: --download-max wants bytes, not '%s'\n", optarg);
				return 2;
			}
			d->opts.download_max = v;
			break;
		}
		case OPT_DHCP_HOOK: d->opts.dhcp_hook = optarg; break;
		case OPT_GROUP:
			gr = getgrnam(optarg);
			if (!gr) {
				fprintf(stderr, "kexboot-discover: unknown group '%s'\n", optarg);
				return 2;
			}
			d->opts.group = gr->gr_gid;
			break;
		case OPT_NO_AUTOBOOT: d->opts.no_autoboot = true; break;
		case OPT_DRY_RUN: d->opts.dry_run = true; break;
		case OPT_LOG_LEVEL:
			level = kb_log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "kexboot-discover: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_LOG_FILE: log_file = optarg; break;
		case OPT_SYSLOG: use_syslog = true; break;
		case OPT_KEXEC_SYSROOT: sysroot = optarg; break;
		case OPT_COMPATIBLE: compatible = optarg; break;
		case OPT_TALLOC_REPORT: break; /* read before the root was made */
		case OPT_HELP: usage(stdout); return 0;
		case OPT_VERSION: printf("kexboot-discover %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kexboot-discover: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	r = kb_log_open(use_syslog ? KB_LOG_SYSLOG : log_file ? KB_LOG_FILE : KB_LOG_STDERR,
			use_syslog ? "kexboot-discover" : log_file, level);
	if (r < 0) {
		fprintf(stderr, "kexboot-discover: cannot open log: %s\n", strerror(-r));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	d->opts.arch = machine_arch(d);
	d->opts.compatible = compatible ? compatible : board_compatible(d);
	d->kx = sysroot ? kx_sys_recording(d, sysroot) : kx_sys_real(d);
	d->loop = kb_loop_new(d);
	mnt = talloc_asprintf(d, "%s/mnt", d->opts.runtime_dir);
	if (!d->loop || !d->kx || !mnt) {
		log_err("out of memory");
		return 1;
	}
	if ((r = make_dir(d->opts.runtime_dir)) < 0 || (r = make_dir(mnt)) < 0) {
		log_err("cannot create %s: %s", mnt, strerror(-r));
		return 1;
	}
	if (!kb_loop_add_signal(d->loop, d, SIGTERM, on_signal, d) ||
	    !kb_loop_add_signal(d->loop, d, SIGINT, on_signal, d)) {
		log_err("cannot watch signals: %m");
		return 1;
	}
	r = kb_settings_init(d);
	if (r < 0) {
		log_err("settings: %s", strerror(-r));
		return 1;
	}
	d->server = kb_server_new(d);
	if (!d->server) {
		log_err("cannot listen on %s: %m", d->opts.socket_path);
		return 1;
	}
	log_info("listening on %s%s", d->opts.socket_path, d->opts.dry_run ? " (dry run)" : "");
	d->devices = kb_devices_new(d);
	if (!d->devices) {
		log_err("cannot follow block devices: %m");
		return 1;
	}
	r = kb_devices_rescan(d->devices);
	if (r < 0)
		log_warn("initial scan: %s", strerror(-r));
	d->network = kb_network_new(d);
	if (!d->network)
		log_err("network boot unavailable: %m");

	r = kb_loop_run(d->loop);

	/* unmount before anything else goes */
	TALLOC_FREE(d->network);
	TALLOC_FREE(d->devices);
	TALLOC_FREE(d->server);
	talloc_free(root);
	kb_log_close();
	if (report)
		write_talloc_report(report);
	return r < 0 ? 1 : 0;
}
