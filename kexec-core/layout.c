/* kexec-core: /proc/iomem parsing and the arm64 entry trampoline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "kexec-core/layout.h"

/* Remove [s, e) from the range list. */
static void subtract(struct kx_range *r, unsigned *n, uint64_t s, uint64_t e)
{
	for (unsigned i = 0; i < *n; i++) {
		if (e <= r[i].start || s >= r[i].end)
			continue;
		if (s <= r[i].start && e >= r[i].end) {
			memmove(&r[i], &r[i + 1], (*n - i - 1) * sizeof(*r));
			(*n)--;
			i--;
		} else if (s <= r[i].start) {
			r[i].start = e;
		} else if (e >= r[i].end) {
			r[i].end = s;
		} else if (*n < KX_MAX_RANGES) {
			memmove(&r[i + 2], &r[i + 1], (*n - i - 1) * sizeof(*r));
			r[i + 1].start = e;
			r[i + 1].end = r[i].end;
			r[i].end = s;
			(*n)++;
			i++;
		} else {
			r[i].end = s;
		}
	}
}

/* System RAM minus nested "reserved" regions (see layout.h). */
int kx_iomem_free_ranges(void *ctx, struct kx_sys *sys, struct kx_range *ret, unsigned *ret_n)
{
	char *buf;
	const char *line;
	size_t len;
	unsigned n = 0;
	bool nonzero = false;
	int r = kx_sys_read(ctx, sys, "/proc/iomem", KX_MAX_SYSFILE, &buf, &len);

	if (r < 0)
		return r;
	/* pass 1: top-level System RAM; pass 2: reserved children */
	for (int pass = 0; pass < 2; pass++) {
		for (line = buf; line && *line;) {
			unsigned long long s, e;
			int indent = (int)strspn(line, " ");
			const char *colon = strstr(line, " : ");
			const char *eol = strchr(line, '\n');
			if (colon && (!eol || colon < eol) && sscanf(line + indent, "%llx-%llx", &s, &e) == 2) {
				const char *name = colon + 3;
				size_t nl = eol ? (size_t)(eol - name) : strlen(name);
				if (s || e)
					nonzero = true;
				if (pass == 0 && indent == 0 && nl == 10 && strncmp(name, "System RAM", 10) == 0 &&
				    n < KX_MAX_RANGES && e > s) {
					ret[n].start = s;
					ret[n].end = e + 1;
					n++;
				} else if (pass == 1 && indent > 0 && nl == 8 && strncmp(name, "reserved", 8) == 0) {
					subtract(ret, &n, s, e + 1);
				}
			}
			line = eol ? eol + 1 : NULL;
		}
	}
	talloc_free(buf);
	if (!nonzero)
		return -EACCES;
	if (!n)
		return -ENOENT;
	*ret_n = n;
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The arm64 entry trampoline. The kernel's kexec_load path enters it with the
 * MMU off; the arm64 boot protocol wants x0 = dtb and x1..x3 = 0:
 *   0: ldr x0, #24   (LDR literal, 64-bit: 0x58000000 | imm19 << 5 | Rt)
 *   4: ldr x4, #28
 *   8: mov x1, xzr   (ORR x1, xzr, xzr)
 *  12: mov x2, xzr
 *  16: mov x3, xzr
 *  20: br  x4
 *  24: .quad dtb
 *  32: .quad kernel */
void kx_arm64_trampoline(uint8_t out[KX_ARM64_TRAMPOLINE_SIZE], uint64_t dtb, uint64_t kernel)
{
	put32(out + 0, 0x58000000u | (6u << 5) | 0);
	put32(out + 4, 0x58000000u | (7u << 5) | 4);
	put32(out + 8, 0xaa1f03e1u);
	put32(out + 12, 0xaa1f03e2u);
	put32(out + 16, 0xaa1f03e3u);
	put32(out + 20, 0xd61f0080u);
	put32(out + 24, (uint32_t)dtb);
	put32(out + 28, (uint32_t)(dtb >> 32));
	put32(out + 32, (uint32_t)kernel);
	put32(out + 36, (uint32_t)(kernel >> 32));
}
