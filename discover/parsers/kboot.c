/* kexboot kboot parser (work in progress). */
#include <config.h>

#include "discover/parser.h"

static int kboot_parse(struct kb_parse_ctx *pctx, const char *path, const char *buf, size_t len)
{
	return 0;
}

const struct kb_parser kb_parser_kboot = {
	.name = "kboot",
	.config_paths = kb_config_paths_kboot,
	.parse = kboot_parse,
};
