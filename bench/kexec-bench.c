/* bench/kexec-bench: the engine's load path against simply reading the
 * kernel and initrd, both from page cache (issue 4's performance target).
 * Always on the recording backend (never a real kexec): its kexec_file_load
 * reads both fds whole into one buffer, as the kernel's kernel_read_file
 * does, so the load figures include the reading the kernel would do.
 *
 * usage: kexec-bench SYSROOT KERNEL INITRD [RUNS]
 * Prints one line: read_ms load_ms overhead_% oneshot_ms verify_ms
 *   read     open + fstat + read both files whole into fresh buffers
 *   load     kx_load(KX_SKIP_CHECKS) after the daemon's kx_check verified
 *            the initrd (the daemon's boot path: check, then load)
 *   oneshot  kx_load(0) on a fresh backend: every preflight check, the
 *            initrd verified in full, then the load (kexboot-kexec load)
 *   verify   kx_initrd_verify_file alone (decompression + cpio walk)
 * Each figure is the median of RUNS runs (default 21; oneshot/verify 5). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <time.h>
#include <unistd.h>

#include "kexec-core/initrd.h"
#include "kexec-core/kexec.h"
#include "kexec-core/sys.h"
#include "kexec-core/util.h"

#define MAX_RUNS 201

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* What the kernel does with each fd: one buffer of the file's size, filled. */
static int read_whole(const char *path)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	n = kx_pread_full(fd, buf, (size_t)st.st_size, 0);
	free(buf);
	close(fd);
	return n == st.st_size ? 0 : -1;
}

int main(int argc, char **argv)
{
	static double t[MAX_RUNS], tr[MAX_RUNS];
	void *ctx = talloc_new(NULL);
	const char *initrds[1];
	struct kx_spec spec = { 0 };
	struct kb_check_result *res;
	struct kx_initrd_report rep;
	struct kx_sys *sys;
	double read_ms, load_ms, one_ms, ver_ms;
	unsigned n;
	char *method;
	int runs = argc > 4 ? atoi(argv[4]) : 21, slow;

	if (argc < 4 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: kexec-bench SYSROOT KERNEL INITRD [RUNS<=%d]\n", MAX_RUNS);
		return 2;
	}
	slow = runs < 5 ? runs : 5;
	initrds[0] = argv[3];
	spec.kernel = argv[2];
	spec.initrds = initrds;
	spec.n_initrds = 1;
	spec.cmdline = "console=ttyS0";

	/* warm the page cache */
	if (read_whole(argv[2]) < 0 || read_whole(argv[3]) < 0) {
		fprintf(stderr, "kexec-bench: cannot read %s or %s\n", argv[2], argv[3]);
		return 1;
	}
	/* the daemon: one backend, kx_check (preflight, verifies), then kx_load */
	sys = kx_sys_recording(ctx, argv[1]);
	if (!sys || kx_check(ctx, sys, &spec, &res, &n) < 0 || kx_results_fatal(res, n)) {
		fprintf(stderr, "kexec-bench: preflight failed on %s\n", argv[1]);
		for (unsigned i = 0; sys && i < n; i++)
			if (res[i].severity == KB_SEV_FATAL)
				fprintf(stderr, "  fatal %s: %s\n", res[i].id, res[i].message);
		return 1;
	}
	/* read and load interleaved, so that drift hits both alike */
	for (int i = 0; i < runs; i++) {
		void *tmp = talloc_new(ctx);
		double t0 = now_ms();
		int r;
		if (read_whole(argv[2]) < 0 || read_whole(argv[3]) < 0)
			return 1;
		tr[i] = now_ms() - t0;
		t0 = now_ms();
		r = kx_load(tmp, sys, &spec, KX_SKIP_CHECKS | KX_NO_FALLBACK, &method, NULL, NULL);
		t[i] = now_ms() - t0;
		talloc_free(tmp);
		if (r < 0) {
			fprintf(stderr, "kexec-bench: load failed: %s\n", strerror(-r));
			return 1;
		}
	}
	read_ms = median(tr, runs);
	load_ms = median(t, runs);
	if (sys->n_verified != 1) {
		fprintf(stderr, "kexec-bench: expected one verification, saw %u\n", sys->n_verified);
		return 1;
	}

	for (int i = 0; i < slow; i++) {
		void *tmp = talloc_new(ctx);
		struct kx_sys *s1 = kx_sys_recording(tmp, argv[1]);
		double t0 = now_ms();
		int r = kx_load(tmp, s1, &spec, KX_NO_FALLBACK, &method, &res, &n);
		t[i] = now_ms() - t0;
		if (r < 0 || s1->n_verified != 1) {
			fprintf(stderr, "kexec-bench: one-shot load failed: %s\n", strerror(-r));
			return 1;
		}
		talloc_free(tmp);
	}
	one_ms = median(t, slow);

	for (int i = 0; i < slow; i++) {
		double t0 = now_ms();
		if (kx_initrd_verify_file(argv[3], &rep) < 0) {
			fprintf(stderr, "kexec-bench: %s: %s\n", argv[3], rep.detail);
			return 1;
		}
		t[i] = now_ms() - t0;
	}
	ver_ms = median(t, slow);

	printf("%.2f %.2f %.1f %.1f %.1f\n", read_ms, load_ms, (load_ms - read_ms) / read_ms * 100,
	       one_ms, ver_ms);
	talloc_free(ctx);
	return 0;
}
