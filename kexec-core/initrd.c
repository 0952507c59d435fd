/* kexec-core: initrd integrity. Walks the buffer the way the kernel's
 * initramfs unpacker does: plain cpio newc archives, zero padding, and
 * compressed streams (each decompressed with its own checks verified and its
 * content walked as cpio), in any order and number. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kexec-core/compress.h"
#include "kexec-core/initrd.h"
#include "kexec-core/util.h"

#define CPIO_HDR 110

enum cpio_state { C_BETWEEN, C_HDR, C_NAME, C_SKIP };

struct cpio_walk {
	enum cpio_state st;
	uint8_t hdr[CPIO_HDR];
	char name[KX_CPIO_MAX_NAME];
	size_t have;       /* bytes of hdr/name accumulated */
	uint32_t namesize;
	uint64_t skip;     /* bytes left to skip (name padding, data, data padding) */
	uint64_t offset;   /* bytes walked in this stream (alignment) */
	bool stop_after_trailer;
	bool trailer_hit;
	struct kx_initrd_report *rep;
	uint64_t base;     /* file offset of this stream, for messages */
	const char *what;
};

static bool hex8(const uint8_t *p, uint32_t *v)
{
	uint32_t x = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= c - '0';
		else if (c >= 'a' && c <= 'f')
			x |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			x |= c - 'A' + 10;
		else
			return false;
	}
	*v = x;
	return true;
}

static int walk_fail(struct cpio_walk *w, const char *why)
{
	w->rep->bad_offset = w->base + w->offset;
	snprintf(w->rep->detail, sizeof(w->rep->detail), "%s at %s offset %llu: %s", "cpio error",
		 w->what, (unsigned long long)w->offset, why);
	return -EBADMSG;
}

/* Feed bytes to the cpio walker: bytes consumed (stops after a trailer when
 * asked), or -EBADMSG. */
static ssize_t walk_feed(struct cpio_walk *w, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		switch (w->st) {
		case C_BETWEEN:
			if (p[i] == 0) {
				i++;
				w->offset++;
				continue;
			}
			if (w->offset & 3)
				return walk_fail(w, "archive does not start on a 4-byte boundary");
			w->st = C_HDR;
			w->have = 0;
			/* fallthrough */
		case C_HDR: {
			size_t take = CPIO_HDR - w->have;
			uint32_t filesize;
			if (take > n - i)
				take = n - i;
			memcpy(w->hdr + w->have, p + i, take);
			w->have += take;
			i += take;
			w->offset += take;
			if (w->have < CPIO_HDR)
				continue;
			if (memcmp(w->hdr, "07070", 5) != 0 || (w->hdr[5] != '1' && w->hdr[5] != '2'))
				return walk_fail(w, "bad cpio magic (not newc)");
			for (int f = 6; f < CPIO_HDR; f += 8) {
				uint32_t v;
				if (!hex8(w->hdr + f, &v))
					return walk_fail(w, "non-hex header field");
			}
			hex8(w->hdr + 94, &w->namesize);
			hex8(w->hdr + 54, &filesize);
			if (w->namesize == 0 || w->namesize > KX_CPIO_MAX_NAME)
				return walk_fail(w, "name size 0 or above KX_CPIO_MAX_NAME");
			w->skip = filesize;
			w->st = C_NAME;
			w->have = 0;
			continue;
		}
		case C_NAME: {
			size_t take = w->namesize - w->have;
			if (take > n - i)
				take = n - i;
			memcpy(w->name + w->have, p + i, take);
			w->have += take;
			i += take;
			w->offset += take;
			if (w->have < w->namesize)
				continue;
			if (w->name[w->namesize - 1] != '\0')
				return walk_fail(w, "name not NUL-terminated");
			w->rep->entries++;
			/* name padding, then data and its padding */
			w->skip += (4 - (w->offset & 3)) & 3;
			w->skip += (4 - ((w->offset + w->skip) & 3)) & 3;
			w->st = C_SKIP;
			if (strcmp(w->name, "TRAILER!!!") == 0) {
				w->rep->trailers++;
				w->trailer_hit = true;
			}
		}
			__attribute__((fallthrough));
		case C_SKIP: {
			uint64_t take = w->skip;
			if (take > n - i)
				take = n - i;
			i += take;
			w->offset += take;
			w->skip -= take;
			if (w->skip)
				continue;
			if (w->trailer_hit) {
				w->trailer_hit = false;
				w->st = C_BETWEEN;
				if (w->stop_after_trailer)
					return (ssize_t)i;
			} else {
				w->st = C_HDR;
				w->have = 0;
			}
			continue;
		}
		}
	}
	return (ssize_t)i;
}

/* Did the stream end at a clean point (between archives, or after a whole entry)? */
static int walk_end(struct cpio_walk *w)
{
	if (w->st == C_BETWEEN)
		return 0;
	if (w->st == C_HDR && w->have == 0)
		return walk_fail(w, "archive ends without a TRAILER!!! entry");
	return walk_fail(w, "archive truncated inside an entry");
}

struct member_sink {
	struct cpio_walk w;
	uint64_t total;
};

static int member_sink(void *arg, const uint8_t *p, size_t n)
{
	struct member_sink *m = arg;
	ssize_t r;

	m->total += n;
	if (m->w.rep->uncompressed + m->total > KX_INITRD_MAX_UNCOMPRESSED)
		return -E2BIG;
	r = walk_feed(&m->w, p, n);
	return r < 0 ? (int)r : 0;
}

/* Verify an initrd held in memory (see initrd.h). */
int kx_initrd_verify(const uint8_t *buf, size_t len, struct kx_initrd_report *rep)
{
	size_t pos = 0;

	memset(rep, 0, sizeof(*rep));
	rep->size = len;
	if (len == 0) {
		snprintf(rep->detail, sizeof(rep->detail), "empty file");
		return -EBADMSG;
	}
	while (pos < len) {
		enum kx_compress c;
		if (buf[pos] == 0) {
			pos++;
			continue;
		}
		if (++rep->members > KX_INITRD_MAX_MEMBERS) {
			snprintf(rep->detail, sizeof(rep->detail),
				 "more than KX_INITRD_MAX_MEMBERS (%u) archives", KX_INITRD_MAX_MEMBERS);
			return -E2BIG;
		}
		if (len - pos >= 6 && memcmp(buf + pos, "07070", 5) == 0) {
			struct cpio_walk w = { .rep = rep, .stop_after_trailer = true, .base = pos,
					       .what = "plain archive" };
			ssize_t n = walk_feed(&w, buf + pos, len - pos);
			int r;
			if (n < 0)
				return (int)n;
			r = walk_end(&w);
			if (r < 0)
				return r;
			rep->comp_mask |= 1u << KX_COMP_NONE;
			rep->uncompressed += (uint64_t)n;
			pos += (size_t)n;
			continue;
		}
		c = kx_compress_detect(buf + pos, len - pos);
		if (c == KX_COMP_NONE) {
			rep->bad_offset = pos;
			snprintf(rep->detail, sizeof(rep->detail),
				 "junk at offset %zu (bytes %02x %02x %02x %02x): neither cpio nor a known compression",
				 pos, buf[pos], len - pos > 1 ? buf[pos + 1] : 0,
				 len - pos > 2 ? buf[pos + 2] : 0, len - pos > 3 ? buf[pos + 3] : 0);
			return -EBADMSG;
		}
		rep->comp_mask |= 1u << c;
		{
			struct member_sink m = { .w = { .rep = rep, .base = pos, .what = "decompressed stream" } };
			size_t used = 0;
			int r = kx_decompress_stream(c, buf + pos, len - pos, member_sink, &m, &used);
			if (r == -EOPNOTSUPP) {
				snprintf(rep->detail, sizeof(rep->detail),
					 "%s stream at offset %zu: no decompressor to verify it",
					 kx_compress_name(c), pos);
				return r;
			}
			if (r == -E2BIG) {
				snprintf(rep->detail, sizeof(rep->detail),
					 "decompresses beyond KX_INITRD_MAX_UNCOMPRESSED (%llu bytes)",
					 KX_INITRD_MAX_UNCOMPRESSED);
				return r;
			}
			if (r == -EBADMSG && m.w.rep->detail[0] && strncmp(rep->detail, "cpio", 4) == 0)
				return r;
			if (r < 0) {
				rep->bad_offset = pos + used;
				snprintf(rep->detail, sizeof(rep->detail),
					 "%s stream at offset %zu is corrupt or truncated (failed near compressed byte %zu of %zu; %llu bytes decompressed)",
					 kx_compress_name(c), pos, pos + used, len,
					 (unsigned long long)m.total);
				return r;
			}
			r = walk_end(&m.w);
			if (r < 0)
				return r;
			rep->uncompressed += m.total;
			if (used == 0)
				return -EBADMSG;
			pos += used;
		}
	}
	{
		int l = 0;
		l += snprintf(rep->detail, sizeof(rep->detail), "%u archive(s), %u entries, ",
			      rep->members, rep->entries);
		for (int c = 0; c < KX_COMP_MAX && l < (int)sizeof(rep->detail); c++)
			if (rep->comp_mask & (1u << c))
				l += snprintf(rep->detail + l, sizeof(rep->detail) - (size_t)l, "%s ",
					      kx_compress_name(c));
		if (l < (int)sizeof(rep->detail))
			snprintf(rep->detail + l, sizeof(rep->detail) - (size_t)l,
				 "(%llu bytes uncompressed)", (unsigned long long)rep->uncompressed);
	}
	return 0;
}

/* The same for an open file (mapped read-only). */
int kx_initrd_verify_fd(int fd, struct kx_initrd_report *rep)
{
	struct stat st;
	void *map;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		snprintf(rep->detail, sizeof(rep->detail), "not a regular file");
		return -EINVAL;
	}
	if (st.st_size == 0) {
		snprintf(rep->detail, sizeof(rep->detail), "empty file");
		return -EBADMSG;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	r = kx_initrd_verify(map, (size_t)st.st_size, rep);
	munmap(map, (size_t)st.st_size);
	return r;
}

/* The same for a file (mapped read-only). */
int kx_initrd_verify_file(const char *path, struct kx_initrd_report *rep)
{
	int fd, r;

	memset(rep, 0, sizeof(*rep));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = kx_initrd_verify_fd(fd, rep);
	close(fd);
	return r;
}
