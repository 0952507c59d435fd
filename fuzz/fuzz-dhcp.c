/* libFuzzer target for DHCP option handling: the input is lines of
 * "key=value" with raw values (what a DHCP server controls), hex-encoded
 * the way discover/udhcpc-hook does before kb_lease_parse() reads them; the
 * lease then goes through kb_pxe_plan(). The raw input is also fed to
 * kb_lease_parse() as a lease file. Every URL a plan produces must pass
 * kb_url_parse(), and no config may climb above the server root. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "discover/pxe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does a path climb above "/" (a ".." with nothing left to remove)? */
static int climbs(const char *p)
{
	int depth = 0;

	while (*p && *p != '?' && *p != '#') {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/?#");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
	}
	return 0;
}

static void plan(void *ctx, const struct kb_lease *l)
{
	struct kb_pxe_plan *p = NULL;
	char *why = NULL;
	unsigned i;

	if (kb_pxe_plan(ctx, l, "52:54:00:12:34:56", &p, &why) < 0) {
		if (!why)
			abort(); /* every refusal says why */
		return;
	}
	for (i = 0; i < p->n_configs; i++) {
		struct kb_url u;
		if (kb_url_parse(ctx, p->configs[i], &u, NULL) < 0 || climbs(u.path))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);
	char *text = talloc_strdup(ctx, "kexboot-dhcp\n");
	struct kb_lease *l = NULL;
	size_t i = 0;

	if (size > KB_LEASE_MAX_FILE_SIZE / 2)
		goto out;
	/* the input as the lease file itself */
	if (kb_lease_parse(ctx, (const char *)data, size, &l, NULL) == 0)
		plan(ctx, l);
	/* the input as raw key=value lines, hex-encoded like the hook does */
	while (i < size && text) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - data - i) : size - i;
		const uint8_t *eq = memchr(data + i, '=', n);

		if (eq) {
			size_t k = (size_t)(eq - data - i), j;

			text = talloc_strndup_append(text, (const char *)data + i, k + 1);
			for (j = k + 1; text && j < n; j++)
				text = talloc_asprintf_append(text, "%02x", data[i + j]);
			if (text)
				text = talloc_strdup_append(text, "\n");
		}
		i += n + 1;
	}
	l = NULL;
	if (text && kb_lease_parse(ctx, text, strlen(text), &l, NULL) == 0)
		plan(ctx, l);
out:
	talloc_free(ctx);
	return 0;
}
