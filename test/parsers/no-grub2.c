/* Link-time seam for parser unit tests: a GRUB2 slot with no parser, so
 * these tests link (and test the other parsers) without the GRUB2 objects. */
#include <config.h>

#include "discover/parser.h"

const struct kb_parser kb_parser_grub2 = {
	.name = "grub2",
	.config_paths = kb_config_paths_grub2,
};
