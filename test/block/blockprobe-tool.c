/* Test driver for the block-device layer: enumerate (with globs), probe,
 * optionally mount everything read-only and list files, optionally monitor
 * uevents. One JSON object per output line. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <talloc.h>

#include "discover/block.h"
#include "lib/event.h"

#define MAX_GLOBS KB_BLOCK_MAX_GLOBS
#define MAX_SHOWN_FILE 256 /* bytes of a file's content printed */

static void put_str(const char *key, const char *v, bool comma)
{
	printf("%s\"%s\":", comma ? "," : "", key);
	if (!v) {
		printf("null");
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static const char *const event_names[] = {"add", "change", "remove"};

static void print_dev(const char *event, const struct kb_blockdev *bd)
{
	putchar('{');
	put_str("event", event, false);
	put_str("name", bd->name, true);
	put_str("devnode", bd->devnode, true);
	put_str("parent", bd->parent, true);
	printf(",\"partition\":%s,\"size\":%llu,\"ro\":%s", bd->is_partition ? "true" : "false",
	       (unsigned long long)bd->size, bd->read_only ? "true" : "false");
	put_str("fstype", bd->fstype, true);
	put_str("uuid", bd->uuid, true);
	put_str("label", bd->label, true);
	put_str("partuuid", bd->partuuid, true);
	put_str("partlabel", bd->partlabel, true);
	put_str("pttype", bd->pttype, true);
	printf(",\"in_use\":%s", bd->in_use ? "true" : "false");
	put_str("in_use_reason", bd->in_use_reason, true);
	put_str("mount_point", bd->mount_point, true);
	printf("}\n");
	fflush(stdout);
}

static void on_event(struct kb_blockmon *mon, enum kb_block_event ev, const struct kb_blockdev *bd,
		     void *data)
{
	print_dev(event_names[ev], bd);
}

/* Print the top-level regular files of dir with (the start of) their content. */
static void list_files(const char *name, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool first = true;

	printf("{\"files\":");
	putchar('{');
	while (d && (de = readdir(d))) {
		char path[4096], buf[MAX_SHOWN_FILE + 1];
		struct stat st;
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, MAX_SHOWN_FILE);
		if (fd >= 0)
			close(fd);
		buf[n < 0 ? 0 : n] = '\0';
		put_str(de->d_name, n < 0 ? NULL : buf, !first);
		first = false;
	}
	if (d)
		closedir(d);
	putchar('}');
	put_str("name", name, true);
	printf("}\n");
	fflush(stdout);
}

static void on_timeout(struct kb_source *src, void *data)
{
	kb_loop_exit(data, 0);
}

/* SIGTERM: leave the loop; main() then frees the monitor before the loop
 * (and any mounts with their owner), as the daemon does. */
static void on_sigterm(struct kb_source *src, int signo, void *data)
{
	printf("{\"sigterm\":true}\n");
	fflush(stdout);
	kb_loop_exit(data, 0);
}

static int usage(void)
{
	fprintf(stderr, "usage: blockprobe-tool [--glob G]... [--runtime-dir DIR] [--mount] "
			"[--monitor SECONDS] [--probe DEVNODE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"glob", required_argument, NULL, 'g'},
		{"runtime-dir", required_argument, NULL, 'r'},
		{"mount", no_argument, NULL, 'm'},
		{"monitor", required_argument, NULL, 'M'},
		{"probe", required_argument, NULL, 'p'},
		{"use-loop", no_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	const char *globs[MAX_GLOBS];
	unsigned n_globs = 0;
	const char *runtime_dir = NULL, *probe = NULL;
	bool do_mount = false, use_loop = false;
	struct kb_loop *loop = NULL;
	int monitor_s = -1, c, r;
	void *root = talloc_new(NULL);
	struct kb_blockmon *mon;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (n_globs >= MAX_GLOBS)
				return usage();
			globs[n_globs++] = optarg;
			break;
		case 'r':
			runtime_dir = optarg;
			break;
		case 'm':
			do_mount = true;
			break;
		case 'M':
			monitor_s = atoi(optarg);
			break;
		case 'p':
			probe = optarg;
			break;
		case 'l':
			use_loop = true;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || (do_mount && !runtime_dir))
		return usage();

	if (probe) {
		struct kb_blockdev *bd;

		r = kb_block_probe(root, probe, &bd);
		if (r < 0) {
			fprintf(stderr, "probe %s: %s\n", probe, strerror(-r));
			return 1;
		}
		kb_block_check_in_use(bd, NULL);
		print_dev("probe", bd);
		talloc_free(root);
		return 0;
	}

	if (use_loop && !(loop = kb_loop_new(root))) {
		fprintf(stderr, "kb_loop_new: %s\n", strerror(errno));
		return 1;
	}
	mon = kb_blockmon_new(root, loop, globs, n_globs, on_event, NULL);
	if (!mon) {
		fprintf(stderr, "kb_blockmon_new: %s\n", strerror(errno));
		return 1;
	}
	printf("{\"mode\":\"%s\"}\n", kb_blockmon_using_udevd(mon) ? "udevd" : "kernel");
	r = kb_blockmon_enumerate(mon);
	if (r < 0) {
		fprintf(stderr, "enumerate: %s\n", strerror(-r));
		return 1;
	}
	printf("{\"enumerated\":%d}\n", r);
	fflush(stdout);

	if (do_mount) {
		void *mounts = talloc_new(root);

		/* every known device, by kernel name */
		DIR *d = opendir("/sys/class/block");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			const struct kb_blockdev *bd = kb_blockmon_find(mon, de->d_name);
			struct kb_mount *m = NULL;
			char *why = NULL;

			if (!bd || !bd->fstype)
				continue;
			if (bd->in_use) {
				r = kb_mount_existing(mounts, bd, &m);
				if (r < 0) {
					printf("{\"mount\":\"skipped\",\"name\":\"%s\",\"error\":\"%s\"}\n",
					       bd->name, strerror(-r));
					continue;
				}
			} else {
				r = kb_mount_ro(mounts, bd, runtime_dir, &m, &why);
				if (r < 0) {
					putchar('{');
					put_str("mount", "error", false);
					put_str("name", bd->name, true);
					put_str("error", strerror(-r), true);
					put_str("why", why, true);
					printf("}\n");
					continue;
				}
			}
			putchar('{');
			put_str("mount", m->ours ? "ours" : "existing", false);
			put_str("name", bd->name, true);
			put_str("mount_point", m->mount_point, true);
			put_str("options", m->options, true);
			put_str("helper", m->helper, true);
			printf("}\n");
			list_files(bd->name, m->mount_point);
		}
		if (d)
			closedir(d);
		talloc_free(mounts);
		printf("{\"unmounted\":true}\n");
		fflush(stdout);
	}

	if (monitor_s >= 0) {
		struct timespec start, now;
		struct pollfd pfd = {.fd = kb_blockmon_get_fd(mon), .events = POLLIN};

		clock_gettime(CLOCK_MONOTONIC, &start);
		printf("{\"monitoring\":%d}\n", monitor_s);
		fflush(stdout);
		if (loop) {
			/* the daemon's way: the monitor's fd source in the event loop */
			if (!kb_loop_add_timer(loop, root, (uint64_t)monitor_s * 1000, false, on_timeout,
					       loop) ||
			    !kb_loop_add_signal(loop, root, SIGTERM, on_sigterm, loop) ||
			    kb_loop_run(loop) < 0)
				return 1;
			monitor_s = 0;
		}
		for (;;) {
			long left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (long)(start.tv_sec + monitor_s - now.tv_sec) * 1000 -
			       (now.tv_nsec - start.tv_nsec) / 1000000;
			if (left <= 0)
				break;
			if (poll(&pfd, 1, (int)left) > 0)
				kb_blockmon_dispatch(mon);
		}
	}
	talloc_free(mon);
	talloc_free(root);
	return 0;
}
