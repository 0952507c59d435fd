/* kexec-core: the verification cache (see vcache.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <time.h>
#include <zlib.h>

#include "kexec-core/sys.h"
#include "kexec-core/util.h"
#include "kexec-core/vcache.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void key_stat(const struct stat *st, struct kx_file_key *k)
{
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = (uint64_t)st->st_size;
	k->mtime_s = st->st_mtim.tv_sec;
	k->mtime_ns = st->st_mtim.tv_nsec;
	k->ctime_s = st->st_ctim.tv_sec;
	k->ctime_ns = st->st_ctim.tv_nsec;
}

static bool stat_same(const struct kx_file_key *a, const struct kx_file_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
	       a->ctime_ns == b->ctime_ns;
}

/* Key of an open regular file (fstat + fingerprint of both ends). */
int kx_file_key_fd(int fd, struct kx_file_key *ret)
{
	uint8_t buf[KX_FP_WINDOW];
	struct kx_file_key k;
	struct stat st;
	uLong crc = crc32(0L, Z_NULL, 0);
	uint64_t tail;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	key_stat(&st, &k);
	n = kx_pread_full(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return (int)n;
	crc = crc32_z(crc, buf, (size_t)n);
	tail = k.size > KX_FP_WINDOW ? k.size - KX_FP_WINDOW : 0;
	if (tail > 0) {
		n = kx_pread_full(fd, buf, sizeof(buf), tail);
		if (n < 0)
			return (int)n;
		crc = crc32_z(crc, buf, (size_t)n);
	}
	k.fingerprint = (uint32_t)crc;
	*ret = k;
	return 0;
}

/* Does the file behind fd still have key's identity and times? */
bool kx_file_key_unchanged(int fd, const struct kx_file_key *key)
{
	struct kx_file_key k;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	memset(&k, 0, sizeof(k));
	key_stat(&st, &k);
	return stat_same(&k, key);
}

/* Is key a recent verified entry? */
bool kx_vcache_has(struct kx_sys *sys, const struct kx_file_key *key)
{
	uint64_t now = now_ms();
	long max_age = kx_sys_conf_long(sys, "vcache_max_age_ms", KX_VCACHE_MAX_AGE_MS);

	for (unsigned i = 0; i < sys->n_vcache; i++) {
		const struct kx_vcache_entry *e = &sys->vcache[i];
		if (stat_same(&e->key, key) && e->key.fingerprint == key->fingerprint)
			return max_age >= 0 && now - e->when_ms <= (uint64_t)max_age;
	}
	return false;
}

/* Remember key as verified now. */
void kx_vcache_put(struct kx_sys *sys, const struct kx_file_key *key)
{
	unsigned i;

	for (i = 0; i < sys->n_vcache; i++)
		if (stat_same(&sys->vcache[i].key, key))
			break;
	if (i == sys->n_vcache) {
		if (sys->n_vcache == KX_VCACHE_MAX) {
			memmove(sys->vcache, sys->vcache + 1, (KX_VCACHE_MAX - 1) * sizeof(*sys->vcache));
			i = KX_VCACHE_MAX - 1;
		} else {
			struct kx_vcache_entry *n =
				talloc_realloc(sys, sys->vcache, struct kx_vcache_entry, sys->n_vcache + 1);
			if (!n)
				return;
			sys->vcache = n;
			i = sys->n_vcache++;
		}
	}
	sys->vcache[i].key = *key;
	sys->vcache[i].when_ms = now_ms();
}

/* Forget every verification (see kexec.h). */
void kx_verify_cache_clear(struct kx_sys *sys)
{
	TALLOC_FREE(sys->vcache);
	sys->n_vcache = 0;
}
