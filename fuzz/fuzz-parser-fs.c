/* libFuzzer target for the real kb_parse_fs backend (discover/parser-fs.c):
 * the input is a path, resolved on a device whose root is a directory tree
 * made at start-up with hostile symlinks (absolute, escaping "..", loops,
 * through a FIFO) next to a file and a directory OUTSIDE the root. Every
 * accessor (stat, read_file, read_range, list_dir, find_device "file") and
 * both resolvers (openat2 and the component walk) must stay inside: a read
 * that returns the outside file's bytes, a listing that shows the outside
 * directory, or an fd on an inode outside the root is an escape. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>

#include "discover/parser-fs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb_parse_fs *fs;
static int root_fd = -1;
static ino_t inside[64];
static unsigned n_inside;

static void put(const char *base, const char *rel, const char *contents)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(contents, f);
	fclose(f);
}

static void link_to(const char *base, const char *rel, const char *target)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (symlink(target, p) < 0)
		abort();
}

/* inodes of everything (not symlinks) under dir */
static void collect(int dfd)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	struct stat st;

	if (!d)
		abort();
	if (fstat(dirfd(d), &st) == 0 && n_inside < 64)
		inside[n_inside++] = st.st_ino;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode))
			collect(openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY));
		else if (n_inside < 64)
			inside[n_inside++] = st.st_ino;
	}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char base[] = "/tmp/kb-fuzz-parser-fs.XXXXXX";
	char root[4096], p[4096];
	struct kb_device dev = {.id = (char *)"sda1"};

	(void)argc;
	(void)argv;
	if (!mkdtemp(base))
		abort();
	put(base, "SECRET", "SECRET outside the root\n");
	snprintf(p, sizeof(p), "%s/outside-dir", base);
	mkdir(p, 0755);
	put(base, "outside-dir/outside-marker", "SECRET\n");
	snprintf(root, sizeof(root), "%s/root", base);
	mkdir(root, 0755);
	snprintf(p, sizeof(p), "%s/boot", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/boot/grub", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	put(root, "boot/grub/grub.cfg", "inside\n");
	put(root, "etc/passwd", "inside\n");
	put(root, "vmlinuz", "inside\n");
	link_to(root, "boot/boot", ".");
	link_to(root, "abs", "/etc/passwd");
	link_to(root, "absdir", "/etc");
	link_to(root, "up", "../SECRET");
	link_to(root, "updir", "../outside-dir");
	link_to(root, "deep", "../../../../../../../../tmp");
	link_to(root, "loop1", "loop2");
	link_to(root, "loop2", "loop1");
	link_to(root, "self", "self/x");
	link_to(root, "boot/grub/back", "../../up");
	snprintf(p, sizeof(p), "%s/fifo", root);
	mkfifo(p, 0644);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	collect(open(root, O_RDONLY | O_DIRECTORY));
	fs = kb_parse_fs_new(NULL);
	if (root_fd < 0 || !fs || kb_parse_fs_add(fs, &dev, root_fd) < 0)
		abort();
	fs->current = "sda1";
	return 0;
}

static void check_fd(int fd)
{
	struct stat st;
	unsigned i;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0)
		abort();
	for (i = 0; i < n_inside; i++)
		if (inside[i] == st.st_ino)
			break;
	if (i == n_inside)
		abort(); /* escaped the root */
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	char *path = talloc_strndup(ctx, (const char *)data, size > 4096 ? 4096 : size);
	struct kb_file_info info;
	char *buf, **names;
	size_t len;
	unsigned n, i;
	const char *dev;

	check_fd(kb_open_in_root(root_fd, path, O_RDONLY | O_NONBLOCK));
	check_fd(kb_open_in_root_walk(root_fd, path, O_RDONLY | O_NONBLOCK));
	check_fd(kb_open_in_root_walk(root_fd, path, O_PATH));
	(void)fs->stat(fs, NULL, path, &info);
	if (fs->read_file(fs, ctx, NULL, path, 4096, &buf, &len) == 0 &&
	    (memmem(buf, len, "SECRET", 6) || buf[len] != '\0'))
		abort();
	if (fs->read_range(fs, ctx, NULL, path, 2, 8, &buf, &len) == 0 &&
	    (memmem(buf, len, "CRET", 4) || len > 8 || buf[len] != '\0'))
		abort();
	if (fs->list_dir(fs, ctx, NULL, path, &names, &n) == 0)
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], "outside-marker") || !strcmp(names[i], "SECRET") ||
			    !strcmp(names[i], ".") || !strcmp(names[i], "..") ||
			    (i && strcmp(names[i - 1], names[i]) >= 0))
				abort();
	(void)fs->find_device(fs, "file", path, &dev);
	talloc_free(ctx);
	return 0;
}
