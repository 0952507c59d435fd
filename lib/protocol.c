/* kexboot wire protocol: one symmetric serialiser per payload type.
 *
 * Every serialiser walks a struct through a `struct ser` visitor. When
 * encoding, the ser_* primitives append the field to a growing buffer;
 * when decoding, they read it back, check it against its limit and store
 * it. The first error sticks in s->err and turns every later primitive
 * into a no-op, so serialisers need no error handling of their own.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <talloc.h>

#include "lib/protocol.h"

#define KB_STR_NULL 0xffffffffu    /* string length marking a NULL string */
#define KB_ENCODE_INITIAL_SIZE 256 /* first encode buffer allocation */

struct ser {
	bool decode;
	uint8_t *buf;       /* encode: talloc buffer, header included */
	const uint8_t *in;  /* decode: payload */
	size_t len;         /* encode: allocated size; decode: payload length */
	size_t pos;         /* encode: bytes written (header included); decode: bytes read */
	int err;            /* first error, 0 if none */
};

/* Record the first error: -EBADMSG when decoding, enc_err when encoding. */
static void ser_fail(struct ser *s, int enc_err)
{
	if (!s->err)
		s->err = s->decode ? -EBADMSG : enc_err;
}

/* Encode: make room for n more bytes, refusing payloads over KB_MSG_MAX_PAYLOAD. */
static uint8_t *ser_reserve(struct ser *s, size_t n)
{
	uint8_t *p;

	if (s->err)
		return NULL;
	if (s->pos - KB_MSG_HEADER_SIZE + n > KB_MSG_MAX_PAYLOAD) {
		s->err = -E2BIG;
		return NULL;
	}
	if (s->pos + n > s->len) {
		size_t want = s->len ? s->len : KB_ENCODE_INITIAL_SIZE;
		uint8_t *nb;

		while (want < s->pos + n)
			want *= 2;
		nb = talloc_realloc(NULL, s->buf, uint8_t, want);
		if (!nb) {
			s->err = -ENOMEM;
			return NULL;
		}
		s->buf = nb;
		s->len = want;
	}
	p = s->buf + s->pos;
	s->pos += n;
	return p;
}

/* Decode: take the next n bytes, failing on overrun. */
static const uint8_t *ser_take(struct ser *s, size_t n)
{
	const uint8_t *p;

	if (s->err)
		return NULL;
	if (n > s->len - s->pos) {
		s->err = -EBADMSG;
		return NULL;
	}
	p = s->in + s->pos;
	s->pos += n;
	return p;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void ser_u8(struct ser *s, uint8_t *v)
{
	uint8_t *p;
	const uint8_t *q;

	if (s->decode) {
		if ((q = ser_take(s, 1)))
			*v = q[0];
	} else if ((p = ser_reserve(s, 1))) {
		p[0] = *v;
	}
}

static void ser_u32(struct ser *s, uint32_t *v)
{
	uint8_t *p;
	const uint8_t *q;

	if (s->decode) {
		if ((q = ser_take(s, 4)))
			*v = get_le32(q);
	} else if ((p = ser_reserve(s, 4))) {
		put_le32(p, *v);
	}
}

static void ser_i32(struct ser *s, int32_t *v)
{
	uint32_t u = (uint32_t)*v;

	ser_u32(s, &u);
	if (s->decode && !s->err)
		*v = (int32_t)u;
}

/* A bool travels as a u8 that must be 0 or 1. */
static void ser_bool(struct ser *s, bool *v)
{
	uint8_t u = *v ? 1 : 0;

	ser_u8(s, &u);
	if (s->decode && !s->err) {
		if (u > 1)
			ser_fail(s, -EINVAL);
		else
			*v = u;
	}
}

/* A u32 enum value that must be below max (the types.h *_MAX). */
static void ser_enum(struct ser *s, uint32_t *v, uint32_t max)
{
	if (!s->decode && *v >= max) {
		ser_fail(s, -EINVAL);
		return;
	}
	ser_u32(s, v);
	if (s->decode && !s->err && *v >= max)
		ser_fail(s, -EINVAL);
}

/* An array count that must not exceed limit. */
static void ser_count(struct ser *s, uint32_t *n, uint32_t limit)
{
	if (!s->decode && *n > limit) {
		ser_fail(s, -E2BIG);
		return;
	}
	ser_u32(s, n);
	if (s->decode && !s->err && *n > limit)
		ser_fail(s, -E2BIG);
}

/* A string: u32 length (KB_STR_NULL = NULL) + bytes without NUL, at most
 * KB_MSG_MAX_STRING. Decoded strings are NUL-terminated children of parent. */
static void ser_str(struct ser *s, void *parent, char **str)
{
	uint32_t n = 0;

	if (s->err)
		return;
	if (!s->decode) {
		size_t l;
		uint8_t *p;

		if (!*str) {
			n = KB_STR_NULL;
			ser_u32(s, &n);
			return;
		}
		l = strlen(*str);
		if (l > KB_MSG_MAX_STRING) {
			s->err = -E2BIG;
			return;
		}
		n = (uint32_t)l;
		ser_u32(s, &n);
		if ((p = ser_reserve(s, n)))
			memcpy(p, *str, n);
		return;
	}

	ser_u32(s, &n);
	if (s->err)
		return;
	if (n == KB_STR_NULL) {
		*str = NULL;
		return;
	}
	if (n > KB_MSG_MAX_STRING) {
		s->err = -EBADMSG;
		return;
	}
	const uint8_t *q = ser_take(s, n);
	if (!q)
		return;
	if (memchr(q, '\0', n)) {
		s->err = -EBADMSG;
		return;
	}
	*str = talloc_strndup(parent, (const char *)q, n);
	if (!*str)
		s->err = -ENOMEM;
}

/* Decode: allocate a zeroed array of n elements under parent (NULL for 0). */
static void *ser_array(struct ser *s, void *parent, size_t size, uint32_t n, const char *name)
{
	void *a;

	if (s->err || n == 0)
		return NULL;
	a = talloc_zero_size(parent, size * n);
	if (!a) {
		s->err = -ENOMEM;
		return NULL;
	}
	talloc_set_name_const(a, name);
	return a;
}

static void ser_resource(struct ser *s, void *parent, struct kb_resource *r)
{
	ser_enum(s, &r->kind, KB_RES_MAX);
	ser_str(s, parent, &r->device);
	ser_str(s, parent, &r->path);
	ser_str(s, parent, &r->url);
	ser_str(s, parent, &r->unresolved);
}

static void ser_option(struct ser *s, struct kb_option *o)
{
	uint32_t n = o->n_initrds;

	ser_str(s, o, &o->id);
	ser_str(s, o, &o->device_id);
	ser_str(s, o, &o->parser);
	ser_str(s, o, &o->name);
	ser_resource(s, o, &o->kernel);
	ser_count(s, &n, KB_MAX_INITRDS);
	if (s->decode) {
		o->initrds = ser_array(s, o, sizeof(*o->initrds), n, "struct kb_resource[]");
		if (s->err)
			return;
		o->n_initrds = n;
	}
	for (uint32_t i = 0; i < n && !s->err; i++)
		ser_resource(s, o, &o->initrds[i]);
	ser_resource(s, o, &o->dtb);
	ser_str(s, o, &o->args);
	ser_bool(s, &o->is_default);
	ser_u32(s, &o->order);
}

static void ser_device(struct ser *s, struct kb_device *d)
{
	ser_str(s, d, &d->id);
	ser_enum(s, &d->type, KB_DEVICE_TYPE_MAX);
	ser_enum(s, &d->state, KB_DEVSTATE_MAX);
	ser_str(s, d, &d->uuid);
	ser_str(s, d, &d->label);
	ser_str(s, d, &d->partuuid);
	ser_str(s, d, &d->partlabel);
	ser_str(s, d, &d->fstype);
	ser_str(s, d, &d->mount_point);
	ser_str(s, d, &d->status);
	ser_str(s, d, &d->mac);
}

static void ser_status(struct ser *s, struct kb_status *st)
{
	ser_enum(s, &st->type, KB_STATUS_TYPE_MAX);
	ser_i32(s, &st->progress);
	ser_str(s, st, &st->device_id);
	ser_str(s, st, &st->message);
}

static void ser_autoboot(struct ser *s, struct kb_autoboot_state *a)
{
	ser_bool(s, &a->enabled);
	ser_bool(s, &a->active);
	ser_i32(s, &a->remaining_s);
	ser_str(s, a, &a->option_id);
	ser_str(s, a, &a->waiting_for);
}

static void ser_config(struct ser *s, void *parent, struct kb_msg_config *c)
{
	uint32_t n = c->n_items;

	ser_count(s, &n, KB_MSG_MAX_ITEMS);
	if (s->decode) {
		c->items = ser_array(s, parent, sizeof(*c->items), n, "struct kb_config_item[]");
		if (s->err)
			return;
		c->n_items = n;
	}
	for (uint32_t i = 0; i < n && !s->err; i++) {
		void *owner = s->decode ? (void *)c->items : parent;

		ser_str(s, owner, &c->items[i].key);
		ser_str(s, owner, &c->items[i].value);
	}
}

static void ser_checks(struct ser *s, void *parent, struct kb_msg_checks *c)
{
	uint32_t n = c->n_results;

	ser_u32(s, &c->req_id);
	ser_str(s, parent, &c->option_id);
	ser_count(s, &n, KB_MSG_MAX_ITEMS);
	if (s->decode) {
		c->results = ser_array(s, parent, sizeof(*c->results), n, "struct kb_check_result[]");
		if (s->err)
			return;
		c->n_results = n;
	}
	for (uint32_t i = 0; i < n && !s->err; i++) {
		struct kb_check_result *r = &c->results[i];
		void *owner = s->decode ? (void *)c->results : parent;

		ser_str(s, owner, &r->id);
		ser_enum(s, &r->severity, KB_SEV_MAX);
		ser_str(s, owner, &r->message);
		ser_str(s, owner, &r->source);
		ser_str(s, owner, &r->remediation);
	}
}

/* The override option travels behind a u8 presence flag (0 = NULL). */
static void ser_boot(struct ser *s, void *parent, struct kb_msg_boot *b)
{
	uint8_t present = b->override ? 1 : 0;

	ser_u32(s, &b->req_id);
	ser_u32(s, &b->flags);
	ser_str(s, parent, &b->option_id);
	ser_str(s, parent, &b->password);
	ser_u8(s, &present);
	if (s->err)
		return;
	if (s->decode) {
		if (present > 1) {
			s->err = -EBADMSG;
			return;
		}
		if (!present) {
			b->override = NULL;
			return;
		}
		b->override = talloc_zero(parent, struct kb_option);
		if (!b->override) {
			s->err = -ENOMEM;
			return;
		}
	}
	if (present)
		ser_option(s, b->override);
}

static void ser_hello(struct ser *s, void *parent, struct kb_msg_hello *h)
{
	ser_u32(s, &h->version);
	ser_u32(s, &h->flags);
	ser_str(s, parent, &h->agent);
}

static void ser_result(struct ser *s, void *parent, struct kb_msg_result *r)
{
	ser_u32(s, &r->req_id);
	ser_i32(s, &r->status);
	ser_str(s, parent, &r->message);
	ser_str(s, parent, &r->value);
}

static void ser_request(struct ser *s, void *parent, struct kb_msg_request *r)
{
	ser_u32(s, &r->req_id);
	ser_str(s, parent, &r->key);
	ser_str(s, parent, &r->value);
}

static void ser_id(struct ser *s, void *parent, struct kb_msg_id *id)
{
	ser_str(s, parent, &id->id);
}

/* Message-level serialisers: adapt struct kb_msg's union to the above. */

static void msg_hello(struct ser *s, struct kb_msg *m)
{
	ser_hello(s, m, &m->u.hello);
}

static void msg_result(struct ser *s, struct kb_msg *m)
{
	ser_result(s, m, &m->u.result);
}

static void msg_request(struct ser *s, struct kb_msg *m)
{
	ser_request(s, m, &m->u.request);
}

static void msg_id(struct ser *s, struct kb_msg *m)
{
	ser_id(s, m, &m->u.id);
}

static void msg_config(struct ser *s, struct kb_msg *m)
{
	ser_config(s, m, &m->u.config);
}

static void msg_checks(struct ser *s, struct kb_msg *m)
{
	ser_checks(s, m, &m->u.checks);
}

static void msg_boot(struct ser *s, struct kb_msg *m)
{
	ser_boot(s, m, &m->u.boot);
}

static void msg_empty(struct ser *s, struct kb_msg *m)
{
	(void)s;
	(void)m;
}

/* Pointer members: allocated on decode, required on encode. */
#define MSG_PTR_SERIALISER(fname, member, ctype, serfn)                  \
	static void fname(struct ser *s, struct kb_msg *m)               \
	{                                                                \
		if (s->decode) {                                         \
			m->u.member = talloc_zero(m, ctype);             \
			if (!m->u.member) {                              \
				s->err = -ENOMEM;                        \
				return;                                  \
			}                                                \
		} else if (!m->u.member) {                               \
			s->err = -EINVAL;                                \
			return;                                          \
		}                                                        \
		serfn(s, m->u.member);                                   \
	}

MSG_PTR_SERIALISER(msg_device, device, struct kb_device, ser_device)
MSG_PTR_SERIALISER(msg_option, option, struct kb_option, ser_option)
MSG_PTR_SERIALISER(msg_status, status, struct kb_status, ser_status)
MSG_PTR_SERIALISER(msg_autoboot, autoboot, struct kb_autoboot_state, ser_autoboot)

struct msg_desc {
	uint16_t type;
	const char *name;
	void (*ser)(struct ser *s, struct kb_msg *m);
};

static const struct msg_desc msg_table[] = {
	{ KB_MSG_HELLO, "HELLO", msg_hello },
	{ KB_MSG_VERSION_MISMATCH, "VERSION_MISMATCH", msg_hello },
	{ KB_MSG_RESULT, "RESULT", msg_result },
	{ KB_MSG_AUTH, "AUTH", msg_request },
	{ KB_MSG_DEVICE_ADD, "DEVICE_ADD", msg_device },
	{ KB_MSG_DEVICE_REMOVE, "DEVICE_REMOVE", msg_id },
	{ KB_MSG_OPTION_ADD, "OPTION_ADD", msg_option },
	{ KB_MSG_OPTION_REMOVE, "OPTION_REMOVE", msg_id },
	{ KB_MSG_STATUS, "STATUS", msg_status },
	{ KB_MSG_AUTOBOOT, "AUTOBOOT", msg_autoboot },
	{ KB_MSG_CONFIG, "CONFIG", msg_config },
	{ KB_MSG_SYSINFO, "SYSINFO", msg_config },
	{ KB_MSG_CHECK_RESULTS, "CHECK_RESULTS", msg_checks },
	{ KB_MSG_SYNC_DONE, "SYNC_DONE", msg_empty },
	{ KB_MSG_BOOT, "BOOT", msg_boot },
	{ KB_MSG_CHECK, "CHECK", msg_boot },
	{ KB_MSG_RESCAN, "RESCAN", msg_request },
	{ KB_MSG_CONFIG_SET, "CONFIG_SET", msg_request },
	{ KB_MSG_CANCEL_AUTOBOOT, "CANCEL_AUTOBOOT", msg_request },
	{ KB_MSG_USER_ADD, "USER_ADD", msg_boot },
	{ KB_MSG_USER_REMOVE, "USER_REMOVE", msg_request },
	{ KB_MSG_NEXT_BOOT, "NEXT_BOOT", msg_request },
	{ KB_MSG_EXIT_SHELL, "EXIT_SHELL", msg_request },
};

static const struct msg_desc *msg_desc_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(msg_table) / sizeof(msg_table[0]); i++)
		if (msg_table[i].type == type)
			return &msg_table[i];
	return NULL;
}

/* Name of a message type for logs ("BOOT"), or NULL when unknown. */
const char *kb_msg_type_name(uint16_t type)
{
	const struct msg_desc *d = msg_desc_find(type);

	return d ? d->name : NULL;
}

/* Encode msg as a whole frame (header + payload) into a talloc buffer under
 * ctx. Returns 0, -EINVAL for an unknown type, -E2BIG over a limit. */
int kb_msg_encode(void *ctx, const struct kb_msg *msg, uint8_t **ret_buf, size_t *ret_len)
{
	const struct msg_desc *d = msg_desc_find(msg->type);
	struct ser s = { .decode = false };
	uint8_t *hdr;

	if (!d)
		return -EINVAL;
	/* reserve the header; ser_reserve counts payload bytes beyond it */
	s.buf = talloc_size(NULL, KB_ENCODE_INITIAL_SIZE);
	if (!s.buf)
		return -ENOMEM;
	s.len = KB_ENCODE_INITIAL_SIZE;
	s.pos = KB_MSG_HEADER_SIZE;
	/* encode never writes through msg: the serialisers only read in this mode */
	d->ser(&s, (struct kb_msg *)msg);
	if (s.err) {
		talloc_free(s.buf);
		return s.err;
	}
	hdr = s.buf;
	put_le16(hdr, msg->type);
	put_le16(hdr + 2, 0);
	put_le32(hdr + 4, (uint32_t)(s.pos - KB_MSG_HEADER_SIZE));
	talloc_set_name_const(s.buf, "kb_frame");
	*ret_buf = talloc_steal(ctx, s.buf);
	*ret_len = s.pos;
	return 0;
}

/* Validate a frame header: known type, zero flags, len <= KB_MSG_MAX_PAYLOAD.
 * Returns 0, -EPROTO (unknown type/flags) or -EMSGSIZE. */
int kb_msg_header_parse(const uint8_t *hdr, uint16_t *ret_type, uint32_t *ret_len)
{
	uint16_t type = get_le16(hdr);
	uint16_t flags = get_le16(hdr + 2);
	uint32_t len = get_le32(hdr + 4);

	if (!msg_desc_find(type) || flags != 0)
		return -EPROTO;
	if (len > KB_MSG_MAX_PAYLOAD)
		return -EMSGSIZE;
	*ret_type = type;
	*ret_len = len;
	return 0;
}

/* Decode one payload of the given type; the result is a talloc child of ctx.
 * Returns 0, or -EBADMSG on overrun, over-limit value or trailing bytes. */
int kb_msg_decode(void *ctx, uint16_t type, const uint8_t *payload, size_t len,
		  struct kb_msg **ret_msg)
{
	const struct msg_desc *d = msg_desc_find(type);
	struct ser s = { .decode = true, .in = payload, .len = len };
	struct kb_msg *m;

	if (!d || len > KB_MSG_MAX_PAYLOAD)
		return -EBADMSG;
	m = talloc_zero(ctx, struct kb_msg);
	if (!m)
		return -ENOMEM;
	m->type = type;
	d->ser(&s, m);
	if (!s.err && s.pos != len)
		s.err = -EBADMSG; /* trailing bytes */
	if (s.err) {
		talloc_free(m);
		return s.err;
	}
	*ret_msg = m;
	return 0;
}
