/* Benchmark driver: parse every config on one directory tree (a device root)
 * through the real parse-fs backend, as kexboot-probe and the daemon do.
 * bench/parsers-bench.sh runs it under callgrind. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <talloc.h>

#include "discover/parser-fs.h"
#include "discover/parser.h"

int main(int argc, char **argv)
{
	void *ctx = talloc_new(NULL);
	struct kb_device dev = {.id = (char *)"bench"};
	struct kb_parse_fs *fs = kb_parse_fs_new(ctx);
	struct kb_parse_ctx p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: parsers-bench DIR\n");
		return 2;
	}
	fd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !fs || kb_parse_fs_add(fs, &dev, fd) < 0) {
		perror(argv[1]);
		return 1;
	}
	kb_parse_ctx_init(&p, ctx, fs, fs->get_device(fs, "bench"), "x86_64", NULL);
	kb_parse_device(&p);
	printf("%u options, %u errors\n", p.n_options, p.n_errors);
	close(fd);
	talloc_free(ctx);
	return 0;
}
