/* Unit tests: discover/config-store.c (file and efivarfs backends, atomic
 * saves, damaged stores, power cuts). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <talloc.h>

#include "discover/config-store.h"
#include "discover/config.h"

static char *mktempdir(void *ctx)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *dir = talloc_asprintf(ctx, "%s/kb-config-store-XXXXXX", base);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void rmtree(void *ctx, const char *dir)
{
	char *cmd = talloc_asprintf(ctx, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static char *slurp(void *ctx, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = talloc_array(ctx, char, 1 << 20);
	if (!f)
		return NULL;
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static bool exists(void *ctx, const char *dir, const char *name)
{
	struct stat st;
	return stat(talloc_asprintf(ctx, "%s/%s", dir, name), &st) == 0;
}

static void assert_items_equal(const struct kb_config_item *a, size_t na,
			       const struct kb_config_item *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].key, b[i].key);
		assert_string_equal(a[i].value, b[i].value);
	}
}

static struct kb_config *settings(void *ctx, int variant)
{
	struct kb_config *cfg = kb_config_new(ctx);
	char *err = NULL;
	char v[64];

	snprintf(v, sizeof(v), "%d", variant);
	assert_int_equal(kb_config_set(cfg, ctx, "timeout", v, &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "boot-order",
				       "network, uuid:1234-abcd, label:My Disk, name~Debian\\, rescue",
				       &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "console", "ttyS0,115200", &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "password-hash",
				       "$6$kexboot$.rTawtq0Vkz7g7/.Qgz3vTlv/q61BjxIOyOkd8lJ7YI/gz9rlvll09Xuv4tNiRBNrFW2N2Q0aZAddEcZaYJEy.",
				       &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "next-boot", variant ? "sda1:grub2:1" : "", &err),
			 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.method", "static", &err), 0);
	assert_int_equal(kb_config_set(cfg, ctx, "network.eth0.address", "192.0.2.7/24", &err), 0);
	return cfg;
}

/* Settings survive a reload from the same state dir (a daemon restart). */
static void test_file_roundtrip(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx);
	char *sdir = talloc_asprintf(ctx, "%s/state", dir);
	struct kb_config *cfg = settings(ctx, 42);
	struct kb_config_store *st = kb_config_store_file_new(ctx, sdir, NULL);
	char *warning = NULL;

	/* nothing stored yet: fine, no warning */
	struct kb_config *fresh = kb_config_new(ctx);
	assert_int_equal(kb_config_store_load_config(st, fresh, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(fresh->timeout_s, KB_CONFIG_DEFAULT_TIMEOUT);

	assert_int_equal(kb_config_store_save_config(st, cfg), 0);
	struct stat sb;
	assert_int_equal(stat(talloc_asprintf(ctx, "%s/settings.conf", sdir), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600); /* it holds the password hash */
	assert_false(exists(ctx, sdir, "settings.conf.tmp"));

	struct kb_config_store *st2 = kb_config_store_file_new(ctx, sdir, NULL);
	struct kb_config *cfg2 = kb_config_new(ctx);
	assert_int_equal(kb_config_store_load_config(st2, cfg2, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(cfg2->timeout_s, 42);
	assert_int_equal(cfg2->n_boot_order, 4);
	assert_string_equal(cfg2->boot_order[3].value, "Debian, rescue");
	assert_string_equal(cfg2->console, "ttyS0,115200");
	assert_string_equal(cfg2->password_hash, cfg->password_hash);
	assert_string_equal(cfg2->next_boot, "sda1:grub2:1");
	assert_string_equal(cfg2->net[0].address, "192.0.2.7/24");
	const struct kb_config_item *a, *b;
	size_t na, nb;
	kb_config_stored_items(cfg, &a, &na);
	kb_config_stored_items(cfg2, &b, &nb);
	assert_items_equal(a, na, b, nb);
	rmtree(ctx, dir);
	talloc_free(ctx);
}

/* A damaged file: defaults with a warning, the file kept as .corrupt,
 * nothing else in the directory touched. */
static void test_file_corrupt(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx);
	char *path = talloc_asprintf(ctx, "%s/settings.conf", dir);
	char *other = talloc_asprintf(ctx, "%s/other-state", dir);
	struct kb_config_store *st = kb_config_store_file_new(ctx, dir, NULL);
	struct kb_config_item *items;
	char *warning;
	size_t n, len, len2;

	spit(other, "keep me\n", 8);
	assert_int_equal(kb_config_store_save_config(st, settings(ctx, 5)), 0);
	char *good = slurp(ctx, path, &len);

	static const char *const kinds[] = {"garbage", "truncated", "flipped", "empty"};
	for (size_t k = 0; k < 4; k++) {
		char *bad = talloc_memdup(ctx, good, len);
		size_t blen = len;
		if (k == 0) {
			memcpy(bad, "\x7f\x45\x4c\x46 binary junk\n", 17);
		} else if (k == 1) {
			blen = len / 2;
		} else if (k == 2) {
			char *t = strstr(bad, "timeout = 5");
			assert_non_null(t);
			t[10] = '6'; /* still a valid line: only the checksum tells */
		} else {
			blen = 0;
		}
		spit(path, bad, blen);
		warning = NULL;
		assert_int_equal(st->ops->load(st, ctx, &items, &n, &warning), 0);
		assert_int_equal(n, 0);
		if (!warning)
			fail_msg("%s: no warning", kinds[k]);
		assert_non_null(strstr(warning, "damaged"));
		assert_non_null(strstr(warning, ".corrupt"));
		/* the damaged bytes are kept, byte for byte */
		char *kept = slurp(ctx, talloc_asprintf(ctx, "%s.corrupt", path), &len2);
		assert_non_null(kept);
		assert_int_equal(len2, blen);
		assert_memory_equal(kept, bad, blen);
		assert_false(exists(ctx, dir, "settings.conf"));
		char *o = slurp(ctx, other, &len2);
		assert_int_equal(len2, 8);
		assert_memory_equal(o, "keep me\n", 8);
	}

	/* the config built from it is the defaults; saving again works */
	struct kb_config *cfg = kb_config_new(ctx);
	spit(path, "junk", 4);
	assert_int_equal(kb_config_store_load_config(st, cfg, ctx, &warning), 0);
	assert_non_null(warning);
	assert_int_equal(cfg->timeout_s, KB_CONFIG_DEFAULT_TIMEOUT);
	assert_int_equal(kb_config_store_save_config(st, settings(ctx, 9)), 0);
	assert_int_equal(kb_config_store_load_config(st, cfg, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(cfg->timeout_s, 9);
	rmtree(ctx, dir);
	talloc_free(ctx);
}

/* An intact blob with a key this version does not know (a newer daemon
 * wrote it): kept, the rest loads, a warning, nothing set aside. */
static void test_file_unknown_key(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx);
	struct kb_config_item in[] = {{"timeout", "3"}, {"future-key", "x"}, {"language", "de"}};
	size_t len;
	char *blob = kb_config_blob_encode(ctx, in, 3, &len);
	struct kb_config_store *st = kb_config_store_file_new(ctx, dir, NULL);
	struct kb_config *cfg = kb_config_new(ctx);
	char *warning;

	spit(talloc_asprintf(ctx, "%s/settings.conf", dir), blob, len);
	assert_int_equal(kb_config_store_load_config(st, cfg, ctx, &warning), 0);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "future-key"));
	assert_int_equal(cfg->timeout_s, 3);
	assert_string_equal(cfg->language, "de");
	assert_false(exists(ctx, dir, "settings.conf.corrupt"));
	rmtree(ctx, dir);
	talloc_free(ctx);
}

/* ---- injected failures through the syscall table ---- */

enum inject { INJ_NONE, INJ_WRITE_HALF, INJ_FSYNC, INJ_RENAME, INJ_CLOSE, INJ_OPEN };
static enum inject inject;
static bool tmp_written;

static int t_open(const char *path, int flags, mode_t mode)
{
	if (inject == INJ_OPEN && (flags & O_CREAT)) {
		errno = ENOSPC;
		return -1;
	}
	return open(path, flags, mode);
}

static int write_calls;

/* The first write stores half the data for real (a short write), the next
 * one fails: a temp file partly written when the "power" goes. */
static ssize_t t_write(int fd, const void *buf, size_t len)
{
	if (inject == INJ_WRITE_HALF) {
		if (write_calls++ == 0) {
			ssize_t n = write(fd, buf, len / 2);
			tmp_written = n > 0;
			return n;
		}
		errno = EIO;
		return -1;
	}
	return write(fd, buf, len);
}

static int t_fsync(int fd)
{
	if (inject == INJ_FSYNC) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static int t_rename(const char *a, const char *b)
{
	if (inject == INJ_RENAME) {
		errno = EIO;
		return -1;
	}
	return rename(a, b);
}

static int t_close(int fd)
{
	int r = close(fd);
	if (inject == INJ_CLOSE) {
		errno = EIO;
		return -1;
	}
	return r;
}

static int t_ioctl(int fd, unsigned long req, int *flags)
{
	errno = ENOTTY;
	return -1;
}

static const struct kb_store_io faulty_io = {
	.open = t_open, .write = t_write, .fsync = t_fsync,
	.rename = t_rename, .close = t_close, .ioctl_flags = t_ioctl,
};

static void test_injected_failures(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx);
	struct kb_config_store *st = kb_config_store_file_new(ctx, dir, &faulty_io);
	struct kb_config *old = settings(ctx, 1), *new = settings(ctx, 2);
	const struct kb_config_item *oi;
	size_t on;
	char *warning;

	inject = INJ_NONE;
	assert_int_equal(kb_config_store_save_config(st, old), 0);
	kb_config_stored_items(old, &oi, &on);

	static const enum inject cases[] = {INJ_WRITE_HALF, INJ_FSYNC, INJ_RENAME, INJ_CLOSE,
					    INJ_OPEN};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		inject = cases[i];
		tmp_written = false;
		write_calls = 0;
		int r = kb_config_store_save_config(st, new);
		inject = INJ_NONE;
		assert_true(r < 0);
		if (cases[i] == INJ_WRITE_HALF)
			assert_true(tmp_written); /* the temp file really was half written */
		/* the old settings, whole, no warning */
		struct kb_config_item *items;
		size_t n;
		warning = NULL;
		assert_int_equal(st->ops->load(st, ctx, &items, &n, &warning), 0);
		assert_null(warning);
		assert_items_equal(items, n, oi, on);
		assert_false(exists(ctx, dir, "settings.conf.tmp"));
	}

	/* a crash mid-write leaves a partial temp file behind: ignored by
	 * load, replaced by the next save */
	spit(talloc_asprintf(ctx, "%s/settings.conf.tmp", dir), "timeout = 9\nboot-or", 19);
	struct kb_config *cfg = kb_config_new(ctx);
	assert_int_equal(kb_config_store_load_config(st, cfg, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(cfg->timeout_s, 1);
	assert_int_equal(kb_config_store_save_config(st, new), 0);
	assert_int_equal(kb_config_store_load_config(st, cfg, ctx, &warning), 0);
	assert_int_equal(cfg->timeout_s, 2);
	assert_false(exists(ctx, dir, "settings.conf.tmp"));
	rmtree(ctx, dir);
	talloc_free(ctx);
}

/* Kill a child at random moments while it saves over and over: every
 * load gives one of the two full settings, never a mix or damage. */
static void test_power_cut_kill(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx);
	struct kb_config *a = settings(ctx, 100), *b = settings(ctx, 200);
	char *err;
	/* make the blob big enough for writes to be caught midway */
	for (int i = 0; i < KB_CONFIG_MAX_IFACES; i++) {
		char key[64];
		char *v = talloc_asprintf(ctx, "http://proxy%d.example:3128/%0*d", i, 2000, 0);
		snprintf(key, sizeof(key), "network.if%d.proxy", i);
		assert_int_equal(kb_config_set(a, ctx, key, v, &err), 0);
		v[7] = 'P';
		assert_int_equal(kb_config_set(b, ctx, key, v, &err), 0);
	}
	const struct kb_config_item *ai, *bi;
	size_t an, bn;
	kb_config_stored_items(a, &ai, &an);
	kb_config_stored_items(b, &bi, &bn);
	struct kb_config_store *st = kb_config_store_file_new(ctx, dir, NULL);
	assert_int_equal(kb_config_store_save_config(st, a), 0);

	unsigned seen_a = 0, seen_b = 0, rounds = 150;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (unsigned i = 0; i < rounds; i++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			for (unsigned k = 0;; k++)
				if (kb_config_store_save_config(st, k % 2 ? a : b) < 0)
					_exit(3);
		}
		struct timespec ts = {0, (long)(rand() % 4000) * 1000L};
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status))
			fail_msg("child exited %d: save failed", WEXITSTATUS(status));

		struct kb_config_item *items;
		size_t n;
		char *warning = NULL;
		assert_int_equal(st->ops->load(st, ctx, &items, &n, &warning), 0);
		if (warning)
			fail_msg("round %u: %s", i, warning);
		if (n == an && !strcmp(items[0].value, ai[0].value)) {
			assert_items_equal(items, n, ai, an);
			seen_a++;
		} else {
			assert_items_equal(items, n, bi, bn);
			seen_b++;
		}
		talloc_free(items);
	}
	print_message("power-cut: %u rounds, old/new seen %u/%u\n", rounds, seen_a, seen_b);
	assert_int_equal(seen_a + seen_b, rounds);
	rmtree(ctx, dir);
	talloc_free(ctx);
}

/* ---- efivarfs ---- */

static void test_efivarfs_roundtrip(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx); /* laid out like /sys/firmware/efi/efivars */
	struct kb_config_store *st = kb_config_store_efivarfs_new(ctx, dir, NULL);
	struct kb_config *cfg = settings(ctx, 7), *cfg2 = kb_config_new(ctx);
	char *var = talloc_asprintf(ctx, "%s/KexbootSettings-" KB_EFI_GUID, dir);
	char *warning;
	size_t len;

	assert_false(st->is_efivarfs);
	assert_int_equal(kb_config_store_load_config(st, cfg2, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(kb_config_store_save_config(st, cfg), 0);
	char *raw = slurp(ctx, var, &len);
	assert_non_null(raw);
	assert_true(len > 4);
	/* efivarfs format: 4-byte little-endian attributes, then the data */
	assert_memory_equal(raw, "\x07\x00\x00\x00", 4);
	assert_memory_equal(raw + 4, "# kexboot settings", 18);
	assert_non_null(memmem(raw, len, "timeout = 7\n", 12));

	assert_int_equal(kb_config_store_load_config(st, cfg2, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(cfg2->timeout_s, 7);
	assert_string_equal(cfg2->password_hash, cfg->password_hash);

	/* a second save replaces the whole variable (shorter data, no stale tail) */
	struct kb_config *small = kb_config_new(ctx);
	char *err;
	assert_int_equal(kb_config_set(small, ctx, "timeout", "1", &err), 0);
	assert_int_equal(kb_config_store_save_config(st, small), 0);
	assert_int_equal(kb_config_store_load_config(st, cfg2, ctx, &warning), 0);
	assert_null(warning);
	assert_int_equal(cfg2->timeout_s, 1);
	assert_null(cfg2->password_hash);

	/* damaged: defaults, warning, a copy in the Corrupt variable */
	raw = slurp(ctx, var, &len);
	raw[len - 3] ^= 1;
	spit(var, raw, len);
	assert_int_equal(kb_config_store_load_config(st, cfg2, ctx, &warning), 0);
	assert_non_null(warning);
	assert_int_equal(cfg2->timeout_s, KB_CONFIG_DEFAULT_TIMEOUT);
	size_t clen;
	char *copy = slurp(ctx, talloc_asprintf(ctx, "%s/KexbootSettingsCorrupt-" KB_EFI_GUID, dir),
			   &clen);
	assert_non_null(copy);
	assert_int_equal(clen, len);
	assert_memory_equal(copy + 4, raw + 4, len - 4);
	/* shorter than the attributes */
	spit(var, "\x07\x00", 2);
	assert_int_equal(kb_config_store_load_config(st, cfg2, ctx, &warning), 0);
	assert_non_null(strstr(warning, "attributes"));

	/* too big for a variable */
	struct kb_config_item big[16];
	char *v = talloc_zero_size(ctx, 4001);
	memset(v, 'a', 4000);
	for (int i = 0; i < 16; i++) {
		big[i].key = "language";
		big[i].value = v;
	}
	assert_int_equal(st->ops->save(st, big, 16), -E2BIG);
	rmtree(ctx, dir);
	talloc_free(ctx);
}

/* A fake efivarfs: the variable is immutable until FS_IOC_SETFLAGS clears
 * it, like the real one for variables of unknown GUIDs. */
static bool fake_immutable;
static char calls[64];

static int f_open(const char *path, int flags, mode_t mode)
{
	if ((flags & O_ACCMODE) != O_RDONLY && fake_immutable && access(path, F_OK) == 0) {
		strcat(calls, "E");
		errno = EPERM;
		return -1;
	}
	if ((flags & O_ACCMODE) != O_RDONLY)
		strcat(calls, "W");
	return open(path, flags, mode);
}

static int f_ioctl(int fd, unsigned long req, int *flags)
{
	if (req == FS_IOC_GETFLAGS) {
		strcat(calls, "G");
		*flags = fake_immutable ? FS_IMMUTABLE_FL : 0;
		return 0;
	}
	if (req == FS_IOC_SETFLAGS) {
		fake_immutable = *flags & FS_IMMUTABLE_FL;
		strcat(calls, fake_immutable ? "I" : "C");
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static const struct kb_store_io fake_efivarfs_io = {
	.open = f_open, .write = write, .fsync = fsync,
	.rename = rename, .close = close, .ioctl_flags = f_ioctl,
};

static void test_efivarfs_immutable(void **state)
{
	void *ctx = talloc_new(NULL);
	char *dir = mktempdir(ctx);
	struct kb_config_store *st = kb_config_store_efivarfs_new(ctx, dir, &fake_efivarfs_io);
	struct kb_config *cfg = settings(ctx, 3), *cfg2 = kb_config_new(ctx);
	char *warning;

	/* new variable: created without flag games */
	fake_immutable = false;
	calls[0] = '\0';
	assert_int_equal(kb_config_store_save_config(st, cfg), 0);
	assert_string_equal(calls, "W");
	/* existing immutable variable: get flags, clear, write, restore */
	fake_immutable = true;
	calls[0] = '\0';
	assert_int_equal(kb_config_store_save_config(st, settings(ctx, 4)), 0);
	assert_string_equal(calls, "GCWI");
	assert_true(fake_immutable);
	assert_int_equal(kb_config_store_load_config(st, cfg2, ctx, &warning), 0);
	assert_int_equal(cfg2->timeout_s, 4);

	/* a plain directory answers ENOTTY: tolerated (faulty_io's ioctl) */
	struct kb_config_store *plain = kb_config_store_efivarfs_new(ctx, dir, &faulty_io);
	inject = INJ_NONE;
	assert_int_equal(kb_config_store_save_config(plain, settings(ctx, 5)), 0);
	assert_int_equal(kb_config_store_load_config(plain, cfg2, ctx, &warning), 0);
	assert_int_equal(cfg2->timeout_s, 5);
	rmtree(ctx, dir);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_roundtrip),	   cmocka_unit_test(test_file_corrupt),
		cmocka_unit_test(test_file_unknown_key),   cmocka_unit_test(test_injected_failures),
		cmocka_unit_test(test_power_cut_kill),	   cmocka_unit_test(test_efivarfs_roundtrip),
		cmocka_unit_test(test_efivarfs_immutable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
