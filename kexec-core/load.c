/* kexec-core: load paths. kexec_file_load first (a compressed Image or a
 * zboot payload is decompressed into a memfd; several initrds are
 * concatenated into one), its errors sorted into signature rejected /
 * unsupported (fall back) / other; then the native kexec_load for arm64 and
 * riscv64 (Image + initrd + DTB segments, arm64 with an entry trampoline);
 * then an installed kexec-tools binary. Also unload. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <talloc.h>
#include <unistd.h>

#include "kexec-core/checks.h"
#include "kexec-core/dtb.h"
#include "kexec-core/layout.h"

#define KX_PAGE 4096ull
#define KX_2M (2ull << 20)
/* Where kexec-tools may be installed (fallback path), under the backend's root. */
static const char *const kexec_tools_paths[] = { "/sbin/kexec", "/usr/sbin/kexec", "/bin/kexec",
						 "/usr/bin/kexec", NULL };

/* A loaded file: fd (for kexec_file_load) and/or bytes (for kexec_load). */
struct blob {
	int fd;
	uint8_t *buf;
	size_t len;
};

static int blob_destructor(struct blob *b)
{
	if (b->fd >= 0)
		close(b->fd);
	return 0;
}

static struct blob *blob_new(void *ctx)
{
	struct blob *b = talloc_zero(ctx, struct blob);

	if (b) {
		b->fd = -1;
		talloc_set_destructor(b, blob_destructor);
	}
	return b;
}

/* memfd holding buf (kexec_file_load reads an fd). cloexec false for kexec-tools. */
static int memfd_of(const char *name, const uint8_t *buf, size_t len, bool cloexec)
{
	int fd = memfd_create(name, cloexec ? MFD_CLOEXEC : 0);
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		done += (size_t)n;
	}
	return fd;
}

/* The kernel as a plain image: file bytes, decompressed file, or zboot payload. */
static int kernel_plain(void *ctx, const char *path, const struct kx_image_info *img,
			struct blob **ret)
{
	struct blob *b = blob_new(ctx);
	uint8_t *raw;
	size_t len;
	int r;

	if (!b)
		return -ENOMEM;
	r = kx_read_file(b, path, KX_MAX_KERNEL_SIZE, &raw, &len);
	if (r < 0)
		goto fail;
	if (img->compression != KX_COMP_NONE) {
		r = kx_decompress(b, img->compression, raw, len, KX_MAX_DECOMPRESSED_KERNEL, false,
				  &b->buf, &b->len, NULL);
		talloc_free(raw);
	} else if (img->format && strcmp(img->format, "efi-zboot") == 0) {
		if (img->payload_offset >= len || img->payload_size > len - img->payload_offset) {
			r = -EBADMSG;
			goto fail;
		}
		r = kx_decompress(b, img->payload_compression, raw + img->payload_offset,
				  img->payload_size, KX_MAX_DECOMPRESSED_KERNEL, false, &b->buf, &b->len,
				  NULL);
		talloc_free(raw);
	} else {
		b->buf = raw;
		b->len = len;
	}
	if (r < 0)
		goto fail;
	*ret = b;
	return 0;
fail:
	talloc_free(b);
	return r;
}

/* All initrds concatenated in memory (NULL when there are none). */
static int initrds_concat(void *ctx, const struct kx_spec *spec, struct blob **ret)
{
	struct blob *b;

	*ret = NULL;
	if (!spec->n_initrds)
		return 0;
	b = blob_new(ctx);
	if (!b)
		return -ENOMEM;
	for (unsigned i = 0; i < spec->n_initrds; i++) {
		uint8_t *d, *nb;
		size_t l;
		int r = kx_read_file(b, spec->initrds[i], KX_MAX_INITRD_TOTAL, &d, &l);
		if (r < 0) {
			talloc_free(b);
			return r;
		}
		if (b->len + l > KX_MAX_INITRD_TOTAL) {
			talloc_free(b);
			return -E2BIG;
		}
		if (!b->buf) {
			b->buf = d;
			b->len = l;
			continue;
		}
		nb = talloc_realloc_size(b, b->buf, b->len + l + 1);
		if (!nb) {
			talloc_free(b);
			return -ENOMEM;
		}
		b->buf = nb;
		memcpy(b->buf + b->len, d, l);
		b->len += l;
		talloc_free(d);
	}
	*ret = b;
	return 0;
}

enum load_outcome { LOAD_OK, LOAD_FALLBACK, LOAD_FAILED };

/* Sort a kexec_file_load error: signature rejected / unsupported (fall back) / other. */
static enum load_outcome sort_file_load_error(const struct kx_host *h, int r, int *err)
{
	bool locked = h->lockdown && strcmp(h->lockdown, "none") != 0;

	if (r == 0)
		return LOAD_OK;
	if (r == -EKEYREJECTED || (r == -EPERM && (locked || h->sig_force))) {
		*err = -EKEYREJECTED;
		return LOAD_FAILED;
	}
	if (r == -ENOSYS || r == -EOPNOTSUPP || r == -ENOEXEC) {
		*err = r;
		return LOAD_FALLBACK;
	}
	*err = r;
	return LOAD_FAILED;
}

static int try_file_load(void *ctx, struct kx_sys *sys, const struct kx_host *h,
			 const struct kx_spec *spec, const struct kx_image_info *img)
{
	void *tmp = talloc_new(ctx);
	struct blob *k = NULL, *i = NULL;
	int kfd, ifd = -1, r;
	unsigned long flags = 0;

	if (!tmp)
		return -ENOMEM;
	if (img->compression != KX_COMP_NONE || (img->format && strcmp(img->format, "efi-zboot") == 0)) {
		r = kernel_plain(tmp, spec->kernel, img, &k);
		if (r < 0)
			goto out;
		r = k->fd = memfd_of("kexboot-kernel", k->buf, k->len, true);
		if (r < 0)
			goto out;
		kfd = k->fd;
	} else {
		k = blob_new(tmp);
		if (!k) {
			r = -ENOMEM;
			goto out;
		}
		kfd = k->fd = open(spec->kernel, O_RDONLY | O_CLOEXEC);
		if (kfd < 0) {
			r = -errno;
			goto out;
		}
	}
	if (spec->n_initrds == 1) {
		i = blob_new(tmp);
		if (!i) {
			r = -ENOMEM;
			goto out;
		}
		ifd = i->fd = open(spec->initrds[0], O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			r = -errno;
			goto out;
		}
	} else if (spec->n_initrds > 1) {
		r = initrds_concat(tmp, spec, &i);
		if (r < 0)
			goto out;
		r = ifd = i->fd = memfd_of("kexboot-initrd", i->buf, i->len, true);
		if (r < 0)
			goto out;
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
	r = sys->ops->kexec_file_load(sys, kfd, ifd, spec->cmdline ? spec->cmdline : "", flags);
out:
	talloc_free(tmp);
	return r;
}

/* Native kexec_load for arm64/riscv64 Images (segments recorded by the test backend). */
int kx_load_native(void *ctx, struct kx_sys *sys, const struct kx_host *h, const struct kx_spec *spec,
		   const struct kx_image_info *img);
int kx_load_native(void *ctx, struct kx_sys *sys, const struct kx_host *h, const struct kx_spec *spec,
		   const struct kx_image_info *img)
{
	void *tmp = talloc_new(ctx);
	struct blob *k = NULL, *ird = NULL;
	struct kx_range ranges[KX_MAX_RANGES];
	struct kx_image_info plain;
	struct kx_segment seg[4];
	struct kx_chosen ch = { 0 };
	uint8_t seed[KX_RNG_SEED_SIZE], tramp[KX_ARM64_TRAMPOLINE_SIZE];
	void *fdt = NULL, *newfdt = NULL;
	size_t fdt_len = 0, newfdt_len = 0;
	uint64_t ksize, kaddr = 0, iaddr = 0, taddr = 0, daddr = 0, end, base;
	unsigned nr = 0, nseg = 0;
	bool arm64 = img->arch == KX_ARCH_ARM64, found = false;
	const char *why;
	int r;

	if (!tmp)
		return -ENOMEM;
	r = kernel_plain(tmp, spec->kernel, img, &k);
	if (r < 0)
		goto out;
	memset(&plain, 0, sizeof(plain));
	r = kx_image_probe_buf(k->buf, k->len, &plain);
	if (r < 0 || !plain.format ||
	    (strcmp(plain.format, arm64 ? "arm64-Image" : "riscv-Image") != 0)) {
		r = -ENOEXEC;
		goto out;
	}
	ksize = kx_align_up(plain.image_size > k->len ? plain.image_size : k->len, KX_PAGE);
	r = initrds_concat(tmp, spec, &ird);
	if (r < 0)
		goto out;
	if (spec->dtb)
		r = kx_dtb_read(tmp, spec->dtb, &fdt, &fdt_len, &why);
	else {
		char *p = kx_sys_path(tmp, sys, KX_RUNNING_FDT);
		r = p ? kx_dtb_read(tmp, p, &fdt, &fdt_len, &why) : -ENOMEM;
	}
	if (r < 0)
		goto out;
	r = kx_iomem_free_ranges(tmp, sys, ranges, &nr);
	if (r < 0)
		goto out;
	/* layout: kernel (2 MiB aligned base + text_offset) | initrd | trampoline |
	 * dtb alone in its 2 MiB block (booting.rst: mapped with 2 MiB blocks) */
	for (unsigned i = 0; i < nr && !found; i++) {
		uint64_t dtb_room = fdt_len + KX_DTB_EDIT_SLACK + (spec->cmdline ? strlen(spec->cmdline) + 1 : 0);
		base = kx_align_up(ranges[i].start, KX_2M);
		kaddr = base + (arm64 ? plain.text_offset : 0);
		end = kaddr + ksize;
		iaddr = kx_align_up(end, KX_PAGE);
		end = iaddr + (ird ? kx_align_up(ird->len, KX_PAGE) : 0);
		taddr = kx_align_up(end, KX_PAGE);
		end = taddr + (arm64 ? KX_PAGE : 0);
		daddr = kx_align_up(end, KX_2M);
		end = daddr + kx_align_up(dtb_room, KX_PAGE);
		found = end <= ranges[i].end && dtb_room <= KX_2M;
	}
	if (!found) {
		r = -ENOSPC;
		goto out;
	}
	ch.bootargs = spec->cmdline ? spec->cmdline : "";
	if (ird) {
		ch.initrd_start = iaddr;
		ch.initrd_end = iaddr + ird->len;
	}
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		ch.rng_seed = seed;
	if (getrandom(&ch.kaslr_seed, sizeof(ch.kaslr_seed), GRND_NONBLOCK) != (ssize_t)sizeof(ch.kaslr_seed))
		ch.kaslr_seed = 0;
	r = kx_dtb_prepare(tmp, fdt, &ch, &newfdt, &newfdt_len);
	if (r < 0)
		goto out;
	seg[nseg++] = (struct kx_segment){ k->buf, k->len, kaddr, ksize };
	if (ird)
		seg[nseg++] = (struct kx_segment){ ird->buf, ird->len, iaddr, kx_align_up(ird->len, KX_PAGE) };
	if (arm64) {
		kx_arm64_trampoline(tramp, daddr, kaddr);
		seg[nseg++] = (struct kx_segment){ tramp, sizeof(tramp), taddr, KX_PAGE };
	}
	seg[nseg++] = (struct kx_segment){ newfdt, newfdt_len, daddr, kx_align_up(newfdt_len, KX_PAGE) };
	/* riscv's machine_kexec_prepare finds the DTB segment itself and enters the
	 * kernel with a0 = hartid, a1 = dtb; arm64 enters our trampoline */
	r = sys->ops->kexec_load(sys, arm64 ? taddr : kaddr, seg, nseg, KEXEC_ARCH_DEFAULT);
out:
	talloc_free(tmp);
	return r;
}

/* Path of an installed kexec-tools binary under the backend's root, or NULL. */
static char *kexec_tools_path(void *ctx, struct kx_sys *sys)
{
	for (unsigned i = 0; kexec_tools_paths[i]; i++) {
		char *p = kx_sys_path(ctx, sys, kexec_tools_paths[i]);
		struct stat st;
		if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return p;
		talloc_free(p);
	}
	return NULL;
}

static int try_kexec_tools(void *ctx, struct kx_sys *sys, const struct kx_spec *spec)
{
	void *tmp = talloc_new(ctx);
	const char *argv[8];
	struct blob *ird = NULL;
	char *bin;
	unsigned n = 0;
	int r;

	if (!tmp)
		return -ENOMEM;
	bin = kexec_tools_path(tmp, sys);
	if (!bin) {
		r = -ENOENT;
		goto out;
	}
	argv[n++] = bin;
	argv[n++] = "-l";
	argv[n++] = spec->kernel;
	if (spec->n_initrds == 1) {
		argv[n++] = talloc_asprintf(tmp, "--initrd=%s", spec->initrds[0]);
	} else if (spec->n_initrds > 1) {
		r = initrds_concat(tmp, spec, &ird);
		if (r < 0)
			goto out;
		r = ird->fd = memfd_of("kexboot-initrd", ird->buf, ird->len, false);
		if (r < 0)
			goto out;
		argv[n++] = talloc_asprintf(tmp, "--initrd=/proc/self/fd/%d", ird->fd);
	}
	if (spec->dtb)
		argv[n++] = talloc_asprintf(tmp, "--dtb=%s", spec->dtb);
	argv[n++] = talloc_asprintf(tmp, "--append=%s", spec->cmdline ? spec->cmdline : "");
	argv[n] = NULL;
	for (unsigned i = 0; i < n; i++)
		if (!argv[i]) {
			r = -ENOMEM;
			goto out;
		}
	r = sys->ops->run(sys, argv);
	if (r > 0)
		r = -ECANCELED; /* kexec-tools reported failure (its exit status) */
out:
	talloc_free(tmp);
	return r;
}

/* Check, then load (see kexec.h). */
int kx_load(void *ctx, struct kx_sys *sys, const struct kx_spec *spec, unsigned flags,
	    char **ret_method, struct kb_check_result **ret_results, unsigned *ret_n)
{
	void *tmp = talloc_new(NULL);
	struct kx_host h;
	struct kx_image_info img;
	struct kb_check_result *res = NULL;
	unsigned n = 0;
	const char *method = NULL;
	int r, err = 0;

	if (!tmp)
		return -ENOMEM;
	if (!(flags & KX_SKIP_CHECKS)) {
		r = kx_check(ctx, sys, spec, &res, &n);
		if (r < 0)
			goto out;
		if (ret_results) {
			*ret_results = res;
			*ret_n = n;
		}
		if (kx_results_fatal(res, n) && !(flags & KX_FORCE)) {
			r = -EPERM;
			goto out;
		}
	}
	r = kx_host_detect(tmp, sys, &h);
	if (r < 0)
		goto out;
	r = kx_image_probe_file(spec->kernel, &img);
	if (r < 0 && !(flags & KX_FORCE))
		goto out;

	if (h.file_load != KX_AVAIL_NO) {
		r = try_file_load(tmp, sys, &h, spec, &img);
		switch (sort_file_load_error(&h, r, &err)) {
		case LOAD_OK:
			method = "kexec_file_load";
			goto done;
		case LOAD_FAILED:
			r = err;
			goto out;
		case LOAD_FALLBACK:
			break;
		}
	}
	if (h.load != KX_AVAIL_NO && (img.arch == KX_ARCH_ARM64 || img.arch == KX_ARCH_RISCV64) &&
	    img.arch == h.arch) {
		r = kx_load_native(tmp, sys, &h, spec, &img);
		if (r == 0) {
			method = "kexec_load";
			goto done;
		}
		if (r != -ENOEXEC && r != -ENOSYS)
			goto out;
	}
	if (flags & KX_NO_FALLBACK) {
		r = err ? err : -EOPNOTSUPP;
		goto out;
	}
	r = try_kexec_tools(tmp, sys, spec);
	if (r == 0) {
		method = "kexec-tools";
		goto done;
	}
	if (r == -ENOENT)
		r = err ? err : -EOPNOTSUPP;
	goto out;
done:
	if (ret_method) {
		*ret_method = talloc_strdup(ctx, method);
		if (!*ret_method)
			r = -ENOMEM;
	}
out:
	talloc_free(tmp);
	return r;
}

/* Unload a loaded kernel. 0 or -errno. */
int kx_unload(struct kx_sys *sys)
{
	int r = sys->ops->kexec_file_load(sys, -1, -1, NULL, KEXEC_FILE_UNLOAD);

	if (r == -ENOSYS)
		r = sys->ops->kexec_load(sys, 0, NULL, 0, KEXEC_ARCH_DEFAULT); /* 0 segments: unload */
	return r;
}
