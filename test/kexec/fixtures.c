/* test/kexec: fixture generators (see fixtures.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"

static char dir[256];

const char *fx_tmpdir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/kx-test-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	return dir;
}

void fx_cleanup(void)
{
	if (dir[0])
		fx_sh("rm -rf '%s'", dir);
	dir[0] = '\0';
}

char *fx_path(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", fx_tmpdir(), name) < 0)
		abort();
	return p;
}

char *fx_write(const char *name, const void *buf, size_t len)
{
	char *p = fx_path(name);
	FILE *f;

	fx_sh("mkdir -p \"$(dirname '%s')\"", p);
	f = fopen(p, "wb");
	if (!f || fwrite(buf, 1, len, f) != len)
		abort();
	fclose(f);
	return p;
}

char *fx_write_str(const char *name, const char *s)
{
	return fx_write(name, s, strlen(s));
}

int fx_sh(const char *fmt, ...)
{
	char *cmd, *full;
	va_list ap;
	int r;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&full, "cd '%s' && %s", fx_tmpdir(), cmd) < 0)
		abort();
	r = system(full);
	free(cmd);
	free(full);
	return WEXITSTATUS(r);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }
static void put16be(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32be(uint8_t *p, uint32_t v) { put16be(p, v >> 16); put16be(p + 2, v); }

uint8_t *fx_bzimage(size_t *len, uint16_t version, uint16_t xloadflags, uint8_t loadflags)
{
	uint8_t *b = calloc(1, 8192);
	b[0] = 'M';
	b[1] = 'Z';
	b[0x1f1] = 3; /* setup_sects */
	put16(b + 0x1fe, 0xAA55);
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, version);
	b[0x211] = loadflags;
	put16(b + 0x236, xloadflags);
	put32(b + 0x248, 0x100); /* payload_offset */
	put32(b + 0x24c, 0x400);
	put32(b + 0x260, 0x1000000); /* init_size */
	/* a gzip magic at the payload: (3+1)*512 + 0x100 */
	b[4 * 512 + 0x100] = 0x1f;
	b[4 * 512 + 0x101] = 0x8b;
	*len = 8192;
	return b;
}

uint8_t *fx_arm64(size_t *len, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	uint8_t *b = calloc(1, 4096);
	b[0] = 'M';
	b[1] = 'Z';
	put64(b + 8, text_offset);
	put64(b + 16, image_size);
	put64(b + 24, flags);
	memcpy(b + 0x38, "ARM\x64", 4);
	*len = 4096;
	return b;
}

uint8_t *fx_riscv(size_t *len)
{
	uint8_t *b = calloc(1, 4096);
	put64(b + 8, 0x200000);
	put64(b + 16, 0x1400000);
	put32(b + 32, 2); /* version 0.2 */
	memcpy(b + 48, "RISCV\0\0\0", 8);
	memcpy(b + 56, "RSC\x05", 4);
	*len = 4096;
	return b;
}

uint8_t *fx_elf(size_t *len, int is64, int be, uint16_t machine, uint32_t eflags)
{
	uint8_t *b = calloc(1, 4096);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = is64 ? 2 : 1;
	b[5] = be ? 2 : 1;
	b[6] = 1;
	if (be) {
		put16be(b + 16, 2);
		put16be(b + 18, machine);
		put32be(b + (is64 ? 48 : 36), eflags);
	} else {
		put16(b + 16, 2);
		put16(b + 18, machine);
		put32(b + (is64 ? 48 : 36), eflags);
		if (is64) { /* one PT_LOAD: 16 MiB at 0x1000000 */
			put64(b + 32, 64);
			put16(b + 54, 56);
			put16(b + 56, 1);
			put32(b + 64, 1);
			put64(b + 64 + 24, 0x1000000);
			put64(b + 64 + 40, 0x1000000);
		}
	}
	*len = 4096;
	return b;
}

uint8_t *fx_pe(size_t *len, uint16_t machine, const char *const *sections, unsigned n)
{
	uint8_t *b = calloc(1, 8192);
	uint32_t pe = 0x80, sect;
	b[0] = 'M';
	b[1] = 'Z';
	put32(b + 0x3c, pe);
	memcpy(b + pe, "PE\0\0", 4);
	put16(b + pe + 4, machine);
	put16(b + pe + 6, (uint16_t)n);
	put16(b + pe + 4 + 16, 0xf0); /* SizeOfOptionalHeader */
	sect = pe + 4 + 20 + 0xf0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *s = b + sect + i * 40;
		strncpy((char *)s, sections[i], 8);
		put32(s + 16, 0x200 * (i + 1)); /* SizeOfRawData */
		put32(s + 20, 0x1000 * (i + 1)); /* PointerToRawData */
	}
	*len = 8192;
	return b;
}

static size_t cpio_entry(uint8_t *out, const char *name, uint32_t mode, const uint8_t *data,
			 size_t dlen, unsigned ino)
{
	size_t nl = strlen(name) + 1, pos;
	char hdr[200];

	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 ino, mode, 0, 0, 1, 0, dlen, 0, 0, 0, 0, nl, 0);
	memcpy(out, hdr, 110);
	memcpy(out + 110, name, nl);
	pos = 110 + nl;
	while (pos & 3)
		out[pos++] = 0;
	if (dlen)
		memcpy(out + pos, data, dlen);
	pos += dlen;
	while (pos & 3)
		out[pos++] = 0;
	return pos;
}

uint8_t *fx_cpio(size_t *len, unsigned n_files, size_t file_size)
{
	size_t cap = (n_files + 2) * (file_size + 256) + 1024, pos = 0;
	uint8_t *b = calloc(1, cap), *data = malloc(file_size + 1);
	char name[64];

	for (size_t i = 0; i < file_size; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	pos += cpio_entry(b + pos, "init", 0100755, (const uint8_t *)"#!/bin/sh\n", 10, 1);
	for (unsigned i = 0; i < n_files; i++) {
		snprintf(name, sizeof(name), "file%u", i);
		data[0] = (uint8_t)i;
		pos += cpio_entry(b + pos, name, 0100644, data, file_size, i + 2);
	}
	pos += cpio_entry(b + pos, "TRAILER!!!", 0, NULL, 0, 0);
	free(data);
	*len = pos;
	return b;
}

char *fx_tree(const char *name, const char *machine, const char *release, const char *config,
	      unsigned long mem_kb)
{
	char p[512], buf[256];

	snprintf(p, sizeof(p), "%s/proc/sys/kernel/arch", name);
	free(fx_write_str(p, machine));
	snprintf(p, sizeof(p), "%s/proc/sys/kernel/osrelease", name);
	free(fx_write_str(p, release));
	snprintf(p, sizeof(p), "%s/proc/sys/kernel/kexec_load_disabled", name);
	free(fx_write_str(p, "0\n"));
	snprintf(p, sizeof(p), "%s/boot/config-%s", name, release);
	free(fx_write_str(p, config));
	snprintf(p, sizeof(p), "%s/proc/meminfo", name);
	snprintf(buf, sizeof(buf), "MemTotal:       %lu kB\nMemFree:        %lu kB\nMemAvailable:   %lu kB\n",
		 mem_kb * 2, mem_kb, mem_kb);
	free(fx_write_str(p, buf));
	snprintf(p, sizeof(p), "%s/sys/devices/system/cpu/online", name);
	free(fx_write_str(p, "0-1\n"));
	snprintf(p, sizeof(p), "%s/sys/devices/system/cpu/cpu0/uevent", name);
	free(fx_write_str(p, ""));
	snprintf(p, sizeof(p), "%s/sys/devices/system/cpu/cpu1/online", name);
	free(fx_write_str(p, "1\n"));
	snprintf(p, sizeof(p), "%s/proc/consoles", name);
	free(fx_write_str(p, "ttyS0                -W- (EC p a)    4:64\n"));
	snprintf(p, sizeof(p), "%s/proc/self/mountinfo", name);
	free(fx_write_str(p, "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
			"30 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
			"40 30 7:0 / /run/kexboot/mnt/loop0 ro,relatime - ext4 /dev/loop0 ro\n"
			"41 30 7:1 / /run/kexboot/mnt/my\\040disk ro,relatime - vfat /dev/loop1 ro\n"));
	snprintf(p, sizeof(p), "%s/sys/kernel/kexec_loaded", name);
	free(fx_write_str(p, "0\n"));
	return fx_path(name);
}

int fx_dtb(const char *out, const char *dts)
{
	char *src;
	int r;

	if (asprintf(&src, "%s.dts", out) < 0)
		abort();
	free(fx_write_str(src, dts));
	r = fx_sh("dtc -q -I dts -O dtb -o '%s' '%s'", out, src);
	free(src);
	return r;
}

char *fx_dts_cpus(const char *em, unsigned n)
{
	char *s, *cpus = strdup("");

	for (unsigned i = 0; i < n; i++) {
		char *c;
		if (asprintf(&c, "%s\t\tcpu@%u { device_type = \"cpu\"; compatible = \"arm,cortex-a57\"; reg = <%u>; enable-method = \"%s\";%s };\n",
			     cpus, i, i, em, strcmp(em, "spin-table") == 0 ? " cpu-release-addr = <0 0x8000fff8>;" : "") < 0)
			abort();
		free(cpus);
		cpus = c;
	}
	if (asprintf(&s, "/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\tcompatible = \"linux,dummy-virt\";\n"
			 "\tchosen { bootargs = \"old\"; linux,elfcorehdr = <0 0x1000 0 0x1000>; };\n"
			 "\tmemory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x80000000>; };\n"
			 "\tpsci { compatible = \"arm,psci-1.0\"; method = \"hvc\"; };\n"
			 "\tcpus {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n%s\t};\n};\n",
		     cpus) < 0)
		abort();
	free(cpus);
	return s;
}
