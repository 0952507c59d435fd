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
#include "kexec-core/initrd.h"
#include "kexec-core/layout.h"
#include "kexec-core/vcache.h"

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

/* The initrds as opened for loading: the kernel (or we) read these very
 * fds, so their keys are what was verified. */
struct initrd_set {
	unsigned n;
	int *fd;
	struct kx_file_key *key;
	const char *const *path;
};

static int initrd_set_destructor(struct initrd_set *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	return 0;
}

/* Open every initrd and make sure each is verified: a recent verification of
 * the same file (vcache.h) stands, otherwise verify it now, in full. With
 * KX_FORCE an unverifiable initrd is loaded anyway (the user saw why). */
static int open_initrds(void *ctx, struct kx_sys *sys, const struct kx_spec *spec, unsigned flags,
			struct initrd_set **ret)
{
	struct initrd_set *s = talloc_zero(ctx, struct initrd_set);
	int r = 0;

	if (!s)
		return -ENOMEM;
	s->fd = talloc_array(s, int, spec->n_initrds ? spec->n_initrds : 1);
	s->key = talloc_zero_array(s, struct kx_file_key, spec->n_initrds ? spec->n_initrds : 1);
	if (!s->fd || !s->key) {
		talloc_free(s);
		return -ENOMEM;
	}
	s->path = spec->initrds;
	talloc_set_destructor(s, initrd_set_destructor);
	for (unsigned i = 0; i < spec->n_initrds && r == 0; i++) {
		struct kx_initrd_report rep;
		s->fd[i] = open(spec->initrds[i], O_RDONLY | O_CLOEXEC);
		s->n = i + 1;
		if (s->fd[i] < 0) {
			r = -errno;
			break;
		}
		r = kx_file_key_fd(s->fd[i], &s->key[i]);
		if (r < 0 || kx_vcache_has(sys, &s->key[i]) || (flags & KX_FORCE))
			continue;
		r = kx_initrd_verify_fd(s->fd[i], &rep);
		sys->n_verified++;
		if (r == 0 && kx_file_key_unchanged(s->fd[i], &s->key[i]))
			kx_vcache_put(sys, &s->key[i]);
		else if (r == 0)
			r = -ESTALE; /* changed while being verified */
		else if (r == -EOPNOTSUPP)
			r = 0; /* a compression we cannot verify (lzo): a warning in check */
		else if (r != -ENOMEM && r != -E2BIG)
			r = -EBADMSG;
	}
	if (r < 0) {
		talloc_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* Are the initrds still the files that were verified and read? (kexec-tools
 * opens them by path: the path must still name the same file.) */
static bool initrds_unchanged(const struct initrd_set *s, bool by_path)
{
	for (unsigned i = 0; i < s->n; i++) {
		bool same;
		if (by_path) {
			int fd = open(s->path[i], O_RDONLY | O_CLOEXEC);
			same = fd >= 0 && kx_file_key_unchanged(fd, &s->key[i]);
			if (fd >= 0)
				close(fd);
		} else {
			same = kx_file_key_unchanged(s->fd[i], &s->key[i]);
		}
		if (!same)
			return false;
	}
	return true;
}

/* All initrds concatenated in memory (NULL when there are none). */
static int initrds_concat(void *ctx, const struct initrd_set *s, struct blob **ret)
{
	struct blob *b;

	*ret = NULL;
	if (!s->n)
		return 0;
	b = blob_new(ctx);
	if (!b)
		return -ENOMEM;
	for (unsigned i = 0; i < s->n; i++) {
		uint8_t *d, *nb;
		size_t l;
		int r = kx_read_fd(b, s->fd[i], KX_MAX_INITRD_TOTAL, &d, &l);
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
			 const struct kx_spec *spec, const struct kx_image_info *img,
			 const struct initrd_set *irs)
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
	if (irs->n == 1) {
		ifd = irs->fd[0]; /* the verified file itself: the kernel reads it */
	} else if (irs->n > 1) {
		r = initrds_concat(tmp, irs, &i);
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
static int kx_load_native(void *ctx, struct kx_sys *sys, const struct kx_host *h,
			  const struct kx_spec *spec, const struct kx_image_info *img,
			  const struct initrd_set *irs)
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
	r = initrds_concat(tmp, irs, &ird);
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

static int try_kexec_tools(void *ctx, struct kx_sys *sys, const struct kx_spec *spec,
			   const struct initrd_set *irs)
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
		r = initrds_concat(tmp, irs, &ird);
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
	struct initrd_set *irs = NULL;
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
	/* the files handed over are the files verified: by the check just made
	 * (or a recent one, vcache.h), else verified here */
	r = open_initrds(tmp, sys, spec, flags, &irs);
	if (r < 0)
		goto out;
	r = kx_host_detect(tmp, sys, &h);
	if (r < 0)
		goto out;
	r = kx_image_probe_file(spec->kernel, &img);
	if (r < 0 && !(flags & KX_FORCE))
		goto out;
	if (flags & KX_KHO) {
		r = kx_kho_activate(sys, NULL);
		if (r < 0)
			goto out;
	}

	if (h.file_load != KX_AVAIL_NO) {
		r = try_file_load(tmp, sys, &h, spec, &img, irs);
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
		r = kx_load_native(tmp, sys, &h, spec, &img, irs);
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
	r = try_kexec_tools(tmp, sys, spec, irs);
	if (r == 0) {
		method = "kexec-tools";
		goto done;
	}
	if (r == -ENOENT)
		r = err ? err : -EOPNOTSUPP;
	goto out;
done:
	/* a file changed while it was being loaded: what the kernel holds is not
	 * what was verified, so it must not be jumped to */
	if (!initrds_unchanged(irs, strcmp(method, "kexec-tools") == 0)) {
		kx_unload(sys);
		r = -ESTALE;
		goto out;
	}
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
