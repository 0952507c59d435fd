/* The real parse-fs backend on a directory tree built here: confinement of
 * "..", absolute and relative symlinks (openat2 and the fallback walk),
 * FIFOs, size limits, listing and device lookup. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover/parser-fs.h"
#include "test/parsers/helpers.h"

static char base[] = "/tmp/kb-parser-fs.XXXXXX";
static char root[256], outside[256];

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void mkd(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int setup(void **state)
{
	char p[512];

	if (!mkdtemp(base))
		return -1;
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkd("root");
	mkd("root/etc");
	mkd("root/boot");
	mkd("root/boot/grub");
	put("outside", "SECRET\n");
	put("root/etc/shadow", "inside-shadow\n");
	put("root/boot/grub/grub.cfg", "menuentry x {}\n");
	link_("/etc/shadow", "root/abs-shadow");      /* absolute: must stay in root */
	link_("../../outside", "root/boot/rel-escape");/* relative escape attempt */
	snprintf(p, sizeof(p), "%s", outside);
	link_(p, "root/host-abs");                     /* the host path of a file outside */
	link_(".", "root/boot/boot");                  /* the /boot partition convention */
	link_("loop2", "root/loop1");
	link_("loop1", "root/loop2");
	snprintf(p, sizeof(p), "%s/root/fifo", base);
	assert_int_equal(mkfifo(p, 0644), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static char *read_via(int (*open_fn)(int, const char *, int), int rootfd, const char *path)
{
	static char buf[256];
	int fd = open_fn(rootfd, path, O_RDONLY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void check_confined(int (*open_fn)(int, const char *, int))
{
	int rootfd = open(root, O_PATH | O_DIRECTORY);
	char *s;

	assert_true(rootfd >= 0);
	/* absolute symlink resolves inside the device root */
	s = read_via(open_fn, rootfd, "/abs-shadow");
	assert_non_null(s);
	assert_string_equal(s, "inside-shadow\n");
	/* "..", however many, stops at the root */
	s = read_via(open_fn, rootfd, "/../../../etc/shadow");
	assert_string_equal(s, "inside-shadow\n");
	assert_null(read_via(open_fn, rootfd, "/boot/rel-escape"));
	assert_null(read_via(open_fn, rootfd, "/host-abs"));
	/* boot -> . : /boot/boot/grub/grub.cfg is /boot/grub/grub.cfg */
	s = read_via(open_fn, rootfd, "/boot/boot/boot/grub/grub.cfg");
	assert_string_equal(s, "menuentry x {}\n");
	assert_int_equal(open_fn(rootfd, "/loop1", O_RDONLY), -ELOOP);
	close(rootfd);
}

static void test_openat2_confined(void **state)
{
	check_confined(kb_open_in_root);
}

static void test_walk_confined(void **state)
{
	check_confined(kb_open_in_root_walk);
}

static void test_backend(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_parse_fs *fs = kb_parse_fs_new(ctx);
	struct kb_device dev = {.id = (char *)"sda1", .uuid = (char *)"ABCD-1234", .label = (char *)"boot"};
	struct kb_device dev2 = {.id = (char *)"sda2", .label = (char *)"other"};
	struct kb_file_info info, info2;
	const char *found;
	char **names, *buf;
	size_t len;
	unsigned n;
	int rootfd = open(root, O_PATH | O_DIRECTORY);

	assert_int_equal(kb_parse_fs_add(fs, &dev, rootfd), 0);
	assert_int_equal(kb_parse_fs_add(fs, &dev2, rootfd), 0);
	assert_int_equal(kb_parse_fs_add(fs, &dev, rootfd), -EEXIST);
	close(rootfd); /* the backend holds its own dup */
	fs->current = "sda1";

	/* a FIFO is refused, never opened for a blocking read */
	assert_int_equal(fs->read_file(fs, ctx, NULL, "/fifo", 100, &buf, &len), -EINVAL);
	assert_int_equal(fs->stat(fs, NULL, "/fifo", &info), 0);
	assert_int_equal(info.type, KB_FILE_OTHER);
	/* size limit */
	assert_int_equal(fs->read_file(fs, ctx, NULL, "/etc/shadow", 4, &buf, &len), -EFBIG);
	assert_int_equal(fs->read_file(fs, ctx, NULL, "/abs-shadow", 100, &buf, &len), 0);
	assert_string_equal(buf, "inside-shadow\n");
	assert_int_equal(fs->read_file(fs, ctx, "sda2", "/host-abs", 100, &buf, &len), -ENOENT);
	/* the same file through two names has one identity */
	assert_int_equal(fs->stat(fs, NULL, "/boot/grub/grub.cfg", &info), 0);
	assert_int_equal(fs->stat(fs, NULL, "/boot/boot/grub/grub.cfg", &info2), 0);
	assert_true(info.ino == info2.ino && info.ino != 0);
	assert_int_equal(fs->list_dir(fs, ctx, NULL, "/boot", &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "boot");
	assert_string_equal(names[1], "grub");
	assert_string_equal(names[2], "rel-escape");
	assert_int_equal(fs->read_range(fs, ctx, NULL, "/etc/shadow", 7, 100, &buf, &len), 0);
	assert_string_equal(buf, "shadow\n");

	assert_int_equal(fs->find_device(fs, "uuid", "abcd-1234", &found), 0);
	assert_string_equal(found, "sda1");
	assert_int_equal(fs->find_device(fs, "label", "other", &found), 0);
	assert_string_equal(found, "sda2");
	assert_int_equal(fs->find_device(fs, "label", "nope", &found), -ENODEV);
	assert_int_equal(fs->find_device(fs, "file", "/etc/shadow", &found), 0);
	assert_string_equal(found, "sda1");
	assert_int_equal(kb_parse_fs_remove(fs, "sda2"), 0);
	assert_null(fs->get_device(fs, "sda2"));
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat2_confined),
		cmocka_unit_test(test_walk_confined),
		cmocka_unit_test(test_backend),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
