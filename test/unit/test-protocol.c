/* Unit tests for lib/protocol.c: round trips of every message type, the
 * exact byte layout of a few frames, and rejection of malformed input. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <talloc.h>

#include "lib/protocol.h"

/* ---- comparison helpers ---- */

static void assert_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_res_eq(const struct kb_resource *a, const struct kb_resource *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_str_eq(a->device, b->device);
	assert_str_eq(a->path, b->path);
	assert_str_eq(a->url, b->url);
	assert_str_eq(a->unresolved, b->unresolved);
}

static void assert_option_eq(const struct kb_option *a, const struct kb_option *b)
{
	assert_str_eq(a->id, b->id);
	assert_str_eq(a->device_id, b->device_id);
	assert_str_eq(a->parser, b->parser);
	assert_str_eq(a->name, b->name);
	assert_res_eq(&a->kernel, &b->kernel);
	assert_int_equal(a->n_initrds, b->n_initrds);
	for (uint32_t i = 0; i < a->n_initrds; i++)
		assert_res_eq(&a->initrds[i], &b->initrds[i]);
	assert_res_eq(&a->dtb, &b->dtb);
	assert_str_eq(a->args, b->args);
	assert_int_equal(a->is_default, b->is_default);
	assert_int_equal(a->order, b->order);
}

static void assert_device_eq(const struct kb_device *a, const struct kb_device *b)
{
	assert_str_eq(a->id, b->id);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->state, b->state);
	assert_str_eq(a->uuid, b->uuid);
	assert_str_eq(a->label, b->label);
	assert_str_eq(a->partuuid, b->partuuid);
	assert_str_eq(a->partlabel, b->partlabel);
	assert_str_eq(a->fstype, b->fstype);
	assert_str_eq(a->mount_point, b->mount_point);
	assert_str_eq(a->status, b->status);
	assert_str_eq(a->mac, b->mac);
}

static void assert_msg_eq(const struct kb_msg *a, const struct kb_msg *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case KB_MSG_HELLO:
	case KB_MSG_VERSION_MISMATCH:
		assert_int_equal(a->u.hello.version, b->u.hello.version);
		assert_int_equal(a->u.hello.flags, b->u.hello.flags);
		assert_str_eq(a->u.hello.agent, b->u.hello.agent);
		break;
	case KB_MSG_RESULT:
		assert_int_equal(a->u.result.req_id, b->u.result.req_id);
		assert_int_equal(a->u.result.status, b->u.result.status);
		assert_str_eq(a->u.result.message, b->u.result.message);
		assert_str_eq(a->u.result.value, b->u.result.value);
		break;
	case KB_MSG_AUTH:
	case KB_MSG_RESCAN:
	case KB_MSG_CONFIG_SET:
	case KB_MSG_CANCEL_AUTOBOOT:
	case KB_MSG_USER_REMOVE:
	case KB_MSG_NEXT_BOOT:
	case KB_MSG_EXIT_SHELL:
		assert_int_equal(a->u.request.req_id, b->u.request.req_id);
		assert_str_eq(a->u.request.key, b->u.request.key);
		assert_str_eq(a->u.request.value, b->u.request.value);
		break;
	case KB_MSG_DEVICE_REMOVE:
	case KB_MSG_OPTION_REMOVE:
		assert_str_eq(a->u.id.id, b->u.id.id);
		break;
	case KB_MSG_DEVICE_ADD:
		assert_device_eq(a->u.device, b->u.device);
		break;
	case KB_MSG_OPTION_ADD:
		assert_option_eq(a->u.option, b->u.option);
		break;
	case KB_MSG_STATUS:
		assert_int_equal(a->u.status->type, b->u.status->type);
		assert_int_equal(a->u.status->progress, b->u.status->progress);
		assert_str_eq(a->u.status->device_id, b->u.status->device_id);
		assert_str_eq(a->u.status->message, b->u.status->message);
		break;
	case KB_MSG_AUTOBOOT:
		assert_int_equal(a->u.autoboot->enabled, b->u.autoboot->enabled);
		assert_int_equal(a->u.autoboot->active, b->u.autoboot->active);
		assert_int_equal(a->u.autoboot->remaining_s, b->u.autoboot->remaining_s);
		assert_str_eq(a->u.autoboot->option_id, b->u.autoboot->option_id);
		assert_str_eq(a->u.autoboot->waiting_for, b->u.autoboot->waiting_for);
		break;
	case KB_MSG_CONFIG:
	case KB_MSG_SYSINFO:
		assert_int_equal(a->u.config.n_items, b->u.config.n_items);
		for (uint32_t i = 0; i < a->u.config.n_items; i++) {
			assert_str_eq(a->u.config.items[i].key, b->u.config.items[i].key);
			assert_str_eq(a->u.config.items[i].value, b->u.config.items[i].value);
		}
		break;
	case KB_MSG_CHECK_RESULTS:
		assert_int_equal(a->u.checks.req_id, b->u.checks.req_id);
		assert_str_eq(a->u.checks.option_id, b->u.checks.option_id);
		assert_int_equal(a->u.checks.n_results, b->u.checks.n_results);
		for (uint32_t i = 0; i < a->u.checks.n_results; i++) {
			const struct kb_check_result *x = &a->u.checks.results[i];
			const struct kb_check_result *y = &b->u.checks.results[i];

			assert_str_eq(x->id, y->id);
			assert_int_equal(x->severity, y->severity);
			assert_str_eq(x->message, y->message);
			assert_str_eq(x->source, y->source);
			assert_str_eq(x->remediation, y->remediation);
		}
		break;
	case KB_MSG_SYNC_DONE:
		break;
	case KB_MSG_BOOT:
	case KB_MSG_CHECK:
	case KB_MSG_USER_ADD:
		assert_int_equal(a->u.boot.req_id, b->u.boot.req_id);
		assert_int_equal(a->u.boot.flags, b->u.boot.flags);
		assert_str_eq(a->u.boot.option_id, b->u.boot.option_id);
		assert_str_eq(a->u.boot.password, b->u.boot.password);
		if (!a->u.boot.override || !b->u.boot.override)
			assert_ptr_equal(a->u.boot.override, b->u.boot.override);
		else
			assert_option_eq(a->u.boot.override, b->u.boot.override);
		break;
	default:
		fail_msg("no comparison for type 0x%04x", a->type);
	}
}

/* ---- sample messages ---- */

static struct kb_option *sample_option(void *ctx, uint32_t n_initrds)
{
	struct kb_option *o = talloc_zero(ctx, struct kb_option);

	o->id = talloc_strdup(o, "loop0p1:grub2:3");
	o->device_id = talloc_strdup(o, "loop0p1");
	o->parser = talloc_strdup(o, "grub2");
	o->name = talloc_strdup(o, "Debian GNU/Linux, with Linux 6.1.0-9-amd64 — ünïcode");
	o->kernel.kind = KB_RES_DEVICE;
	o->kernel.device = talloc_strdup(o, "loop0p2");
	o->kernel.path = talloc_strdup(o, "/vmlinuz-6.1.0-9-amd64");
	o->initrds = talloc_zero_array(o, struct kb_resource, n_initrds ? n_initrds : 1);
	o->n_initrds = n_initrds;
	for (uint32_t i = 0; i < n_initrds; i++) {
		if (i % 3 == 0) {
			o->initrds[i].kind = KB_RES_URL;
			o->initrds[i].url = talloc_asprintf(o, "tftp://10.0.2.2/initrd%u", i);
		} else if (i % 3 == 1) {
			o->initrds[i].kind = KB_RES_UNRESOLVED;
			o->initrds[i].unresolved = talloc_strdup(o, "uuid:1234-abcd");
			o->initrds[i].path = talloc_asprintf(o, "/boot/initrd%u", i);
		} else {
			o->initrds[i].kind = KB_RES_DEVICE;
			o->initrds[i].device = talloc_strdup(o, "loop0p2");
			o->initrds[i].path = talloc_strdup(o, "");
		}
	}
	o->dtb.kind = KB_RES_NONE;
	o->args = NULL;
	o->is_default = true;
	o->order = 3;
	return o;
}

/* One filled sample per message type; returns the number written. */
static size_t make_samples(void *ctx, struct kb_msg *out)
{
	size_t n = 0;
	struct kb_msg *m;

	m = &out[n++];
	m->type = KB_MSG_HELLO;
	m->u.hello = (struct kb_msg_hello){ 1, KB_HELLO_PRIVILEGED | KB_HELLO_AUTHED,
					    talloc_strdup(ctx, "kexboot-menu 0.1.0") };
	m = &out[n++];
	m->type = KB_MSG_VERSION_MISMATCH;
	m->u.hello = (struct kb_msg_hello){ 7, 0, NULL };
	m = &out[n++];
	m->type = KB_MSG_RESULT;
	m->u.result = (struct kb_msg_result){ 42, -EPERM, talloc_strdup(ctx, "not privileged"), NULL };
	m = &out[n++];
	m->type = KB_MSG_AUTH;
	m->u.request = (struct kb_msg_request){ 1, NULL, talloc_strdup(ctx, "s3cret") };

	m = &out[n++];
	m->type = KB_MSG_DEVICE_ADD;
	m->u.device = talloc_zero(ctx, struct kb_device);
	m->u.device->id = talloc_strdup(ctx, "loop0p1");
	m->u.device->type = KB_DEVICE_DISK;
	m->u.device->state = KB_DEVSTATE_IN_USE;
	m->u.device->uuid = talloc_strdup(ctx, "0f3c-11aa");
	m->u.device->label = talloc_strdup(ctx, "");
	m->u.device->fstype = talloc_strdup(ctx, "ext4");
	m->u.device->mount_point = talloc_strdup(ctx, "/run/kexboot/mnt/loop0p1");
	m->u.device->status = talloc_strdup(ctx, "read through existing mount");
	m->u.device->mac = NULL;

	m = &out[n++];
	m->type = KB_MSG_DEVICE_REMOVE;
	m->u.id.id = talloc_strdup(ctx, "loop0p1");
	m = &out[n++];
	m->type = KB_MSG_OPTION_ADD;
	m->u.option = sample_option(ctx, 3);
	m = &out[n++];
	m->type = KB_MSG_OPTION_REMOVE;
	m->u.id.id = NULL;

	m = &out[n++];
	m->type = KB_MSG_STATUS;
	m->u.status = talloc_zero(ctx, struct kb_status);
	*m->u.status = (struct kb_status){ KB_STATUS_PROGRESS, -1, NULL, talloc_strdup(ctx, "scanning") };

	m = &out[n++];
	m->type = KB_MSG_AUTOBOOT;
	m->u.autoboot = talloc_zero(ctx, struct kb_autoboot_state);
	*m->u.autoboot = (struct kb_autoboot_state){ true, false, -1, talloc_strdup(ctx, "x:y:0"), NULL };

	m = &out[n++];
	m->type = KB_MSG_CONFIG;
	m->u.config.n_items = 3;
	m->u.config.items = talloc_zero_array(ctx, struct kb_config_item, 3);
	m->u.config.items[0] = (struct kb_config_item){ talloc_strdup(ctx, "timeout"), talloc_strdup(ctx, "10") };
	m->u.config.items[1] = (struct kb_config_item){ talloc_strdup(ctx, "console"), NULL };
	m->u.config.items[2] = (struct kb_config_item){ talloc_strdup(ctx, "boot-order"), talloc_strdup(ctx, "") };

	m = &out[n++];
	m->type = KB_MSG_SYSINFO;
	m->u.config.n_items = 0;
	m->u.config.items = NULL;

	m = &out[n++];
	m->type = KB_MSG_CHECK_RESULTS;
	m->u.checks.req_id = 9;
	m->u.checks.option_id = talloc_strdup(ctx, "loop0p1:bls:0");
	m->u.checks.n_results = 2;
	m->u.checks.results = talloc_zero_array(ctx, struct kb_check_result, 2);
	m->u.checks.results[0] = (struct kb_check_result){
		talloc_strdup(ctx, "kexec-enabled"), KB_SEV_FATAL, talloc_strdup(ctx, "kexec is disabled"),
		talloc_strdup(ctx, "/proc/sys/kernel/kexec_load_disabled"), NULL };
	m->u.checks.results[1] = (struct kb_check_result){ talloc_strdup(ctx, "arch"), KB_SEV_INFO, NULL, NULL,
							   talloc_strdup(ctx, "none") };

	m = &out[n++];
	m->type = KB_MSG_SYNC_DONE;

	m = &out[n++];
	m->type = KB_MSG_BOOT;
	m->u.boot = (struct kb_msg_boot){ 5, KB_BOOT_DRY_RUN | KB_BOOT_FORCE, talloc_strdup(ctx, "a:b:1"),
					  NULL, NULL };
	m = &out[n++];
	m->type = KB_MSG_CHECK;
	m->u.boot = (struct kb_msg_boot){ 6, 0, NULL, talloc_strdup(ctx, "pw"), sample_option(ctx, KB_MAX_INITRDS) };
	m = &out[n++];
	m->type = KB_MSG_USER_ADD;
	m->u.boot = (struct kb_msg_boot){ 7, 0, NULL, NULL, sample_option(ctx, 0) };

	m = &out[n++];
	m->type = KB_MSG_RESCAN;
	m->u.request = (struct kb_msg_request){ 8, NULL, NULL };
	m = &out[n++];
	m->type = KB_MSG_CONFIG_SET;
	m->u.request = (struct kb_msg_request){ 9, talloc_strdup(ctx, "timeout"), talloc_strdup(ctx, "5") };
	m = &out[n++];
	m->type = KB_MSG_CANCEL_AUTOBOOT;
	m->u.request = (struct kb_msg_request){ 10, NULL, NULL };
	m = &out[n++];
	m->type = KB_MSG_USER_REMOVE;
	m->u.request = (struct kb_msg_request){ 11, talloc_strdup(ctx, "user:native:0"), NULL };
	m = &out[n++];
	m->type = KB_MSG_NEXT_BOOT;
	m->u.request = (struct kb_msg_request){ 0xffffffffu, talloc_strdup(ctx, "a:b:2"), NULL };
	m = &out[n++];
	m->type = KB_MSG_EXIT_SHELL;
	m->u.request = (struct kb_msg_request){ 12, NULL, NULL };
	return n;
}

#define N_TYPES 23 /* message types in protocol.h */

static const uint16_t all_types[N_TYPES] = {
	KB_MSG_HELLO, KB_MSG_VERSION_MISMATCH, KB_MSG_RESULT, KB_MSG_AUTH, KB_MSG_DEVICE_ADD,
	KB_MSG_DEVICE_REMOVE, KB_MSG_OPTION_ADD, KB_MSG_OPTION_REMOVE, KB_MSG_STATUS,
	KB_MSG_AUTOBOOT, KB_MSG_CONFIG, KB_MSG_SYSINFO, KB_MSG_CHECK_RESULTS, KB_MSG_SYNC_DONE,
	KB_MSG_BOOT, KB_MSG_CHECK, KB_MSG_RESCAN, KB_MSG_CONFIG_SET, KB_MSG_CANCEL_AUTOBOOT,
	KB_MSG_USER_ADD, KB_MSG_USER_REMOVE, KB_MSG_NEXT_BOOT, KB_MSG_EXIT_SHELL,
};

/* ---- tests ---- */

static void test_samples_cover_all_types(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg samples[32] = { 0 };
	size_t n = make_samples(ctx, samples);

	assert_int_equal(n, N_TYPES);
	for (size_t t = 0; t < N_TYPES; t++) {
		bool found = false;

		assert_non_null(kb_msg_type_name(all_types[t]));
		for (size_t i = 0; i < n; i++)
			found |= samples[i].type == all_types[t];
		assert_true(found);
	}
	talloc_free(ctx);
}

static void test_round_trip(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg samples[32] = { 0 };
	size_t n = make_samples(ctx, samples);

	for (size_t i = 0; i < n; i++) {
		uint8_t *buf;
		size_t len;
		uint16_t type;
		uint32_t plen;
		struct kb_msg *out = NULL;
		void *dctx = talloc_new(NULL);

		assert_int_equal(kb_msg_encode(ctx, &samples[i], &buf, &len), 0);
		assert_true(len >= KB_MSG_HEADER_SIZE);
		assert_int_equal(kb_msg_header_parse(buf, &type, &plen), 0);
		assert_int_equal(type, samples[i].type);
		assert_int_equal(plen, len - KB_MSG_HEADER_SIZE);
		assert_int_equal(kb_msg_decode(dctx, type, buf + KB_MSG_HEADER_SIZE, plen, &out), 0);
		assert_non_null(out);
		assert_ptr_equal(talloc_parent(out), dctx);
		assert_msg_eq(&samples[i], out);

		/* re-encoding the decoded message gives the same bytes */
		uint8_t *buf2;
		size_t len2;
		assert_int_equal(kb_msg_encode(ctx, out, &buf2, &len2), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(buf2, buf, len);

		/* everything decoded hangs off the message */
		talloc_free(out);
		assert_int_equal(talloc_total_blocks(dctx), 1);
		talloc_free(dctx);
	}
	talloc_free(ctx);
}

static void test_byte_layout(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg m = { .type = KB_MSG_HELLO };
	uint8_t *buf;
	size_t len;
	static const uint8_t want[] = {
		0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, /* HELLO, flags 0, len 14 */
		0x01, 0x00, 0x00, 0x00,                         /* version 1 */
		0x05, 0x00, 0x00, 0x00,                         /* flags 5 */
		0x02, 0x00, 0x00, 0x00, 'a', 'b',               /* "ab" */
	};
	static const uint8_t want_id_null[] = {
		0x01, 0x01, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, /* DEVICE_REMOVE, len 4 */
		0xff, 0xff, 0xff, 0xff,                         /* NULL */
	};

	m.u.hello.version = 1;
	m.u.hello.flags = 5;
	m.u.hello.agent = "ab";
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	m = (struct kb_msg){ .type = KB_MSG_DEVICE_REMOVE };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(len, sizeof(want_id_null));
	assert_memory_equal(buf, want_id_null, sizeof(want_id_null));

	m = (struct kb_msg){ .type = KB_MSG_SYNC_DONE };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(len, KB_MSG_HEADER_SIZE);
	talloc_free(ctx);
}

static void test_type_names(void **state)
{
	assert_string_equal(kb_msg_type_name(KB_MSG_BOOT), "BOOT");
	assert_string_equal(kb_msg_type_name(KB_MSG_VERSION_MISMATCH), "VERSION_MISMATCH");
	assert_null(kb_msg_type_name(0));
	assert_null(kb_msg_type_name(0x0300));
	assert_string_equal(kb_device_type_name(KB_DEVICE_NETWORK), "network");
	assert_string_equal(kb_severity_name(KB_SEV_FATAL), "fatal");
	assert_string_equal(kb_severity_name(99), "unknown");
}

static void test_truncated(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg samples[32] = { 0 };
	size_t n = make_samples(ctx, samples);

	for (size_t i = 0; i < n; i++) {
		uint8_t *buf;
		size_t len;
		struct kb_msg *out = NULL;

		assert_int_equal(kb_msg_encode(ctx, &samples[i], &buf, &len), 0);
		for (size_t cut = 0; cut < len - KB_MSG_HEADER_SIZE; cut++) {
			assert_int_equal(kb_msg_decode(ctx, samples[i].type, buf + KB_MSG_HEADER_SIZE,
						       cut, &out),
					 -EBADMSG);
			assert_null(out);
		}
	}
	talloc_free(ctx);
}

static void test_trailing_byte(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg samples[32] = { 0 };
	size_t n = make_samples(ctx, samples);

	for (size_t i = 0; i < n; i++) {
		uint8_t *buf;
		size_t len;
		struct kb_msg *out = NULL;

		assert_int_equal(kb_msg_encode(ctx, &samples[i], &buf, &len), 0);
		buf = talloc_realloc(ctx, buf, uint8_t, len + 1);
		buf[len] = 0;
		assert_int_equal(kb_msg_decode(ctx, samples[i].type, buf + KB_MSG_HEADER_SIZE,
					       len + 1 - KB_MSG_HEADER_SIZE, &out),
				 -EBADMSG);
		assert_null(out);
	}
	talloc_free(ctx);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (uint8_t)(v >> 24);
}

static void test_header(void **state)
{
	uint8_t h[8] = { 0x00, 0x02, 0, 0, 0, 0, 0, 0 }; /* BOOT, len 0 */
	uint16_t type = 0;
	uint32_t len = 1;

	assert_int_equal(kb_msg_header_parse(h, &type, &len), 0);
	assert_int_equal(type, KB_MSG_BOOT);
	assert_int_equal(len, 0);

	put32(h + 4, KB_MSG_MAX_PAYLOAD);
	assert_int_equal(kb_msg_header_parse(h, &type, &len), 0);
	assert_int_equal(len, KB_MSG_MAX_PAYLOAD);
	put32(h + 4, KB_MSG_MAX_PAYLOAD + 1);
	assert_int_equal(kb_msg_header_parse(h, &type, &len), -EMSGSIZE);
	put32(h + 4, 0xffffffffu);
	assert_int_equal(kb_msg_header_parse(h, &type, &len), -EMSGSIZE);

	put32(h + 4, 4);
	h[2] = 1; /* flags */
	assert_int_equal(kb_msg_header_parse(h, &type, &len), -EPROTO);
	h[2] = 0;
	h[3] = 0x80;
	assert_int_equal(kb_msg_header_parse(h, &type, &len), -EPROTO);
	h[3] = 0;
	h[0] = 0x09; /* 0x0209 unknown */
	assert_int_equal(kb_msg_header_parse(h, &type, &len), -EPROTO);
	h[0] = 0;
	h[1] = 0; /* type 0 */
	assert_int_equal(kb_msg_header_parse(h, &type, &len), -EPROTO);

	/* decode of an unknown type too */
	struct kb_msg *out = NULL;
	assert_int_equal(kb_msg_decode(NULL, 0x7777, h, 0, &out), -EBADMSG);
	assert_null(out);
}

/* Decode a hand-built payload and return the result code. */
static int decode_raw(uint16_t type, const uint8_t *p, size_t len)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg *out = NULL;
	int r = kb_msg_decode(ctx, type, p, len, &out);

	if (r < 0)
		assert_null(out);
	talloc_free(ctx);
	return r;
}

static void test_counts_over_limit(void **state)
{
	uint8_t p[64] = { 0 };
	void *ctx = talloc_new(NULL);
	struct kb_msg m = { .type = KB_MSG_CONFIG };
	uint8_t *buf;
	size_t len;

	/* CONFIG with KB_MSG_MAX_ITEMS + 1 items */
	put32(p, KB_MSG_MAX_ITEMS + 1);
	assert_int_equal(decode_raw(KB_MSG_CONFIG, p, 4), -EBADMSG);
	put32(p, 0xffffffffu);
	assert_int_equal(decode_raw(KB_MSG_SYSINFO, p, 4), -EBADMSG);
	/* a count at the limit but no data: overrun */
	put32(p, KB_MSG_MAX_ITEMS);
	assert_int_equal(decode_raw(KB_MSG_CONFIG, p, 4), -EBADMSG);
	put32(p, 0);
	assert_int_equal(decode_raw(KB_MSG_CONFIG, p, 4), 0);

	/* CHECK_RESULTS: req_id, option_id NULL, count */
	put32(p, 1);
	put32(p + 4, 0xffffffffu);
	put32(p + 8, KB_MSG_MAX_ITEMS + 1);
	assert_int_equal(decode_raw(KB_MSG_CHECK_RESULTS, p, 12), -EBADMSG);

	/* encoder refuses the same */
	m.u.config.n_items = KB_MSG_MAX_ITEMS + 1;
	m.u.config.items = talloc_zero_array(ctx, struct kb_config_item, KB_MSG_MAX_ITEMS + 1);
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -E2BIG);

	/* an option with KB_MAX_INITRDS + 1 initrds */
	m = (struct kb_msg){ .type = KB_MSG_OPTION_ADD };
	m.u.option = sample_option(ctx, KB_MAX_INITRDS + 1);
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -E2BIG);
	m.u.option->n_initrds = KB_MAX_INITRDS;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	/* patch the initrd count on the wire: id, device_id, parser, name, kernel */
	size_t off = KB_MSG_HEADER_SIZE;
	for (int i = 0; i < 4; i++)
		off += 4 + (buf[off] | buf[off + 1] << 8);
	off += 4; /* kernel kind */
	for (int i = 0; i < 4; i++) {
		uint32_t l = buf[off] | buf[off + 1] << 8 | buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
		off += 4 + (l == 0xffffffffu ? 0 : l);
	}
	assert_int_equal(buf[off], KB_MAX_INITRDS);
	assert_int_equal(decode_raw(KB_MSG_OPTION_ADD, buf + KB_MSG_HEADER_SIZE, len - KB_MSG_HEADER_SIZE), 0);
	buf[off] = KB_MAX_INITRDS + 1;
	assert_int_equal(decode_raw(KB_MSG_OPTION_ADD, buf + KB_MSG_HEADER_SIZE, len - KB_MSG_HEADER_SIZE),
			 -EBADMSG);
	talloc_free(ctx);
}

static void test_bad_enum_and_bool(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg m = { .type = KB_MSG_STATUS };
	struct kb_status st = { KB_STATUS_INFO, 0, NULL, NULL };
	uint8_t *buf;
	size_t len;

	m.u.status = &st;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(decode_raw(KB_MSG_STATUS, buf + 8, len - 8), 0);
	buf[8] = KB_STATUS_TYPE_MAX; /* type is the first field */
	assert_int_equal(decode_raw(KB_MSG_STATUS, buf + 8, len - 8), -EBADMSG);
	buf[8] = 0;
	buf[11] = 0x80;
	assert_int_equal(decode_raw(KB_MSG_STATUS, buf + 8, len - 8), -EBADMSG);
	st.type = KB_STATUS_TYPE_MAX;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -EINVAL);

	/* device: id NULL, type, state */
	struct kb_device dev = { .type = KB_DEVICE_USER, .state = KB_DEVSTATE_ERROR };
	m = (struct kb_msg){ .type = KB_MSG_DEVICE_ADD, .u.device = &dev };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(decode_raw(KB_MSG_DEVICE_ADD, buf + 8, len - 8), 0);
	buf[12] = KB_DEVICE_TYPE_MAX;
	assert_int_equal(decode_raw(KB_MSG_DEVICE_ADD, buf + 8, len - 8), -EBADMSG);
	buf[12] = 0;
	buf[16] = KB_DEVSTATE_MAX;
	assert_int_equal(decode_raw(KB_MSG_DEVICE_ADD, buf + 8, len - 8), -EBADMSG);

	/* autoboot: enabled bool must be 0 or 1 */
	struct kb_autoboot_state ab = { true, true, 3, NULL, NULL };
	m = (struct kb_msg){ .type = KB_MSG_AUTOBOOT, .u.autoboot = &ab };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(buf[8], 1);
	buf[8] = 2;
	assert_int_equal(decode_raw(KB_MSG_AUTOBOOT, buf + 8, len - 8), -EBADMSG);

	/* boot: override presence flag must be 0 or 1 */
	m = (struct kb_msg){ .type = KB_MSG_BOOT };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(len, 8 + 4 + 4 + 4 + 4 + 1);
	assert_int_equal(buf[len - 1], 0);
	buf[len - 1] = 2;
	assert_int_equal(decode_raw(KB_MSG_BOOT, buf + 8, len - 8), -EBADMSG);
	buf[len - 1] = 1; /* present but missing: overrun */
	assert_int_equal(decode_raw(KB_MSG_BOOT, buf + 8, len - 8), -EBADMSG);

	/* check result severity */
	struct kb_check_result cr = { .severity = KB_SEV_MAX };
	m = (struct kb_msg){ .type = KB_MSG_CHECK_RESULTS };
	m.u.checks.n_results = 1;
	m.u.checks.results = &cr;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -EINVAL);

	/* pointer payloads must be present to encode */
	m = (struct kb_msg){ .type = KB_MSG_OPTION_ADD };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -EINVAL);
	m = (struct kb_msg){ .type = 0x4242 };
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -EINVAL);
	talloc_free(ctx);
}

static void test_strings(void **state)
{
	uint8_t p[16 + 8];
	void *ctx = talloc_new(NULL);

	/* DEVICE_REMOVE {id} with an embedded NUL */
	put32(p, 3);
	memcpy(p + 4, "a\0b", 3);
	assert_int_equal(decode_raw(KB_MSG_DEVICE_REMOVE, p, 7), -EBADMSG);
	memcpy(p + 4, "a-b", 3);
	assert_int_equal(decode_raw(KB_MSG_DEVICE_REMOVE, p, 7), 0);
	/* length past the end */
	put32(p, 4);
	assert_int_equal(decode_raw(KB_MSG_DEVICE_REMOVE, p, 7), -EBADMSG);
	/* length over KB_MSG_MAX_STRING, even with the bytes present */
	size_t big = KB_MSG_MAX_STRING + 1;
	uint8_t *bp = talloc_zero_size(ctx, big + 4);
	memset(bp + 4, 'x', big);
	put32(bp, (uint32_t)big);
	assert_int_equal(decode_raw(KB_MSG_DEVICE_REMOVE, bp, big + 4), -EBADMSG);
	put32(bp, (uint32_t)big - 1);
	assert_int_equal(decode_raw(KB_MSG_DEVICE_REMOVE, bp, big + 3), 0);

	/* decoded strings are NUL-terminated */
	struct kb_msg *out;
	put32(p, 3);
	memcpy(p + 4, "xyz", 3);
	assert_int_equal(kb_msg_decode(ctx, KB_MSG_DEVICE_REMOVE, p, 7, &out), 0);
	assert_string_equal(out->u.id.id, "xyz");
	assert_ptr_equal(talloc_parent(out->u.id.id), out);

	/* encode: one string over the limit, and a payload over KB_MSG_MAX_PAYLOAD */
	struct kb_msg m = { .type = KB_MSG_DEVICE_REMOVE };
	uint8_t *buf;
	size_t len;
	char *s = talloc_zero_size(ctx, big + 1);
	memset(s, 'y', big);
	m.u.id.id = s;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -E2BIG);
	s[big - 1] = '\0';
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	assert_int_equal(len, 8 + 4 + KB_MSG_MAX_STRING);

	m = (struct kb_msg){ .type = KB_MSG_CONFIG };
	m.u.config.n_items = 5;
	m.u.config.items = talloc_zero_array(ctx, struct kb_config_item, 5);
	for (int i = 0; i < 5; i++)
		m.u.config.items[i].value = s;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), -E2BIG);
	m.u.config.n_items = 3;
	assert_int_equal(kb_msg_encode(ctx, &m, &buf, &len), 0);
	talloc_free(ctx);
}

static void test_garbage(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_msg samples[32] = { 0 };
	size_t n = make_samples(ctx, samples);
	uint8_t junk[512];
	unsigned seed = 12345;
	int accepted = 0;

	for (int iter = 0; iter < 200000; iter++) {
		uint16_t type = all_types[rand_r(&seed) % N_TYPES];
		size_t len = (size_t)rand_r(&seed) % sizeof(junk);
		struct kb_msg *out = NULL;
		int r;

		for (size_t i = 0; i < len; i++) {
			/* small bytes make plausible lengths and counts */
			int x = rand_r(&seed);
			junk[i] = (x & 0x300) ? (uint8_t)(x & 3) : (uint8_t)x;
		}
		r = kb_msg_decode(ctx, type, junk, len, &out);
		assert_true(r == 0 || r == -EBADMSG);
		if (r == 0) {
			accepted++;
			talloc_free(out);
		}
		/* header parse on arbitrary bytes */
		uint16_t t;
		uint32_t l;
		r = kb_msg_header_parse(junk, &t, &l);
		assert_true(r == 0 || r == -EPROTO || r == -EMSGSIZE);
	}
	/* mutate valid frames: flip bytes */
	for (int iter = 0; iter < 50000; iter++) {
		const struct kb_msg *m = &samples[(size_t)rand_r(&seed) % n];
		uint8_t *buf;
		size_t len;
		struct kb_msg *out = NULL;
		int r;

		assert_int_equal(kb_msg_encode(ctx, m, &buf, &len), 0);
		if (len == KB_MSG_HEADER_SIZE) {
			talloc_free(buf);
			continue;
		}
		for (int k = 0; k < 1 + rand_r(&seed) % 3; k++)
			buf[KB_MSG_HEADER_SIZE + (size_t)rand_r(&seed) % (len - KB_MSG_HEADER_SIZE)] =
				(uint8_t)rand_r(&seed);
		r = kb_msg_decode(ctx, m->type, buf + 8, len - 8, &out);
		assert_true(r == 0 || r == -EBADMSG);
		if (r == 0)
			talloc_free(out);
		talloc_free(buf);
	}
	print_message("garbage: %d random payloads decoded fine\n", accepted);
	/* nothing leaked under ctx beyond the samples */
	talloc_free(ctx);
}

static void test_types_dup(void **state)
{
	void *ctx = talloc_new(NULL);
	struct kb_option *o = sample_option(ctx, 3);
	struct kb_option *c = kb_option_dup(ctx, o);
	struct kb_device d = { .id = "sda1", .type = KB_DEVICE_DISK, .uuid = "u", .mac = NULL };
	struct kb_device *dc = kb_device_dup(ctx, &d);

	assert_non_null(c);
	assert_option_eq(o, c);
	assert_ptr_not_equal(c->kernel.path, o->kernel.path);
	assert_ptr_equal(talloc_parent(c->initrds[1].path), c);
	talloc_free(o);
	assert_string_equal(c->initrds[0].url, "tftp://10.0.2.2/initrd0");
	assert_non_null(dc);
	assert_device_eq(&d, dc);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_cover_all_types),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_byte_layout),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_trailing_byte),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_counts_over_limit),
		cmocka_unit_test(test_bad_enum_and_bool),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_types_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
