# utils/kexboot-kexec: the engine's own CLI (owned by the engine work).
sbin_PROGRAMS += utils/kexboot-kexec
utils_kexboot_kexec_SOURCES = utils/kexboot-kexec.c
utils_kexboot_kexec_LDADD = $(KX_LIBS)

# Benchmark driver (bench/kexec-load.sh runs it): recording backend only.
noinst_PROGRAMS += bench/kexec-bench
bench_kexec_bench_SOURCES = bench/kexec-bench.c
bench_kexec_bench_LDADD = $(KX_LIBS)
EXTRA_DIST += bench/kexec-load.sh
