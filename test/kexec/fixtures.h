/* test/kexec: fixture generators shared by the kexec-core unit tests.
 * Headers are written from the formats' documentation; nothing is copied. */
#ifndef KX_TEST_FIXTURES_H
#define KX_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

/* A fresh temporary directory (removed by fx_cleanup). */
const char *fx_tmpdir(void);
void fx_cleanup(void);
/* Write len bytes to DIR/name; returns the path (static storage per call slot). */
char *fx_write(const char *name, const void *buf, size_t len);
/* Write a string file under DIR, creating parent directories. */
char *fx_write_str(const char *name, const char *s);
/* Run a shell command (with DIR as cwd); returns its exit status. */
int fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path under DIR (malloc'd). */
char *fx_path(const char *name);

/* Synthetic kernel headers (buffers of *len bytes, malloc'd). */
uint8_t *fx_bzimage(size_t *len, uint16_t version, uint16_t xloadflags, uint8_t loadflags);
uint8_t *fx_arm64(size_t *len, uint64_t text_offset, uint64_t image_size, uint64_t flags);
uint8_t *fx_riscv(size_t *len);
uint8_t *fx_elf(size_t *len, int is64, int big_endian, uint16_t machine, uint32_t eflags);
uint8_t *fx_pe(size_t *len, uint16_t machine, const char *const *sections, unsigned n);
/* A cpio newc archive with n small files and a trailer (malloc'd). */
uint8_t *fx_cpio(size_t *len, unsigned n_files, size_t file_size);

#endif

/* A fake system tree under DIR/name for the recording backend: machine
 * (uname -m), release, kernel config lines ("CONFIG_KEXEC=y\n…"), MemAvailable
 * in kB, a healthy 2-CPU sysfs, /proc/consoles with ttyS0, a mount table.
 * Returns the root path (malloc'd). */
char *fx_tree(const char *name, const char *machine, const char *release, const char *config,
	      unsigned long mem_kb);
/* Compile a .dts source with dtc into DIR/out; 0 on success. */
int fx_dtb(const char *out, const char *dts);
/* A device tree with n cpus using enable-method em (for fx_dtb). */
char *fx_dts_cpus(const char *em, unsigned n);
