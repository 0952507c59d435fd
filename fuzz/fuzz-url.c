/* libFuzzer target for URL handling: the input is "BASE\nREF". Both go
 * through kb_url_parse(); kb_url_resolve() joins them as the iPXE parser
 * does, and a resolved URL on an accepted base must parse again with a
 * path that never climbs above the server root. Then the input runs as an
 * iPXE script fetched from BASE (relative names resolve against it). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/parser.h"
#include "discover/pxe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parse backend with no files: every read is absent. */
static int no_read(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path, size_t max,
		   char **ret_buf, size_t *ret_len)
{
	return -ENOENT;
}

static int no_stat(struct kb_parse_fs *fs, const char *dev, const char *path, struct kb_file_info *ret)
{
	return -ENOENT;
}

static int no_list(struct kb_parse_fs *fs, void *ctx, const char *dev, const char *path, char ***ret,
		   unsigned *ret_n)
{
	return -ENOENT;
}

static int no_find(struct kb_parse_fs *fs, const char *kind, const char *value, const char **ret)
{
	return -ENODEV;
}

static const struct kb_device the_dev = { .id = (char *)"eth0", .type = KB_DEVICE_NETWORK,
					  .mac = (char *)"52:54:00:12:34:56" };

static const struct kb_device *get_dev(struct kb_parse_fs *fs, const char *dev)
{
	return &the_dev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	char *in = talloc_strndup(ctx, (const char *)data, size);
	char *nl = in ? strchr(in, '\n') : NULL;
	const char *base = in, *ref = nl ? nl + 1 : "";
	struct kb_parse_fs fs = { .read_file = no_read, .stat = no_stat, .list_dir = no_list,
				  .find_device = no_find, .get_device = get_dev };
	struct kb_parse_ctx pctx;
	struct kb_url u;
	char *res;

	if (!in || size > 65536)
		goto out;
	if (nl)
		*nl = '\0';
	kb_url_parse(ctx, ref, &u, NULL);
	if (kb_url_parse(ctx, base, &u, NULL) == 0) {
		res = kb_url_resolve(ctx, base, ref);
		if (res && !kb_is_url(ref) && strlen(res) <= KB_URL_MAX_LEN) {
			char *q;

			if (kb_url_parse(ctx, res, &u, NULL) == 0) {
				q = strchr(u.path, '?');
				if (q)
					*q = '\0';
				/* resolved paths are normalised: no dot segments left */
				if (strstr(u.path, "/../") || strstr(u.path, "/./"))
					abort();
			}
		}
		kb_parse_ctx_init(&pctx, ctx, &fs, &the_dev, "x86_64", NULL);
		if (strncmp(ref, "#!ipxe", 6) == 0)
			kb_parser_ipxe.parse(&pctx, base, ref, strlen(ref));
	}
out:
	talloc_free(ctx);
	return 0;
}
