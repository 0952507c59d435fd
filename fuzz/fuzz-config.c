/* libFuzzer target: the configuration reader (/etc/kexboot.conf and stored
 * settings text), the kernel command line overrides, and applying what they
 * give to a settings object. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

#include "discover/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	struct kb_config_errors errs = { 0 };
	struct kb_config_item *items = NULL, *list = NULL;
	struct kb_config *cfg = kb_config_new(ctx);
	char *text = talloc_strndup(ctx, (const char *)data, size);
	size_t n = 0, n_list = 0;

	if (!cfg || !text)
		goto out;
	if (kb_config_parse_text(ctx, (const char *)data, size, &items, &n, &errs) >= 0)
		kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_FILE, items, n, &errs);
	memset(&errs, 0, sizeof(errs));
	if (kb_config_parse_cmdline(ctx, text, &items, &n, &errs) >= 0)
		kb_config_set_layer(cfg, ctx, KB_CONFIG_LAYER_CMDLINE, items, n, &errs);
	if (kb_config_list(cfg, ctx, &list, &n_list) == 0)
		kb_config_format_text(ctx, list, n_list);
out:
	talloc_free(ctx);
	return 0;
}
