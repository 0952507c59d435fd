/* kexboot JSON writer (see json.h). */
#include <inttypes.h>
#include <string.h>
#include <talloc.h>

#include "lib/json.h"

struct kb_json {
	char *buf;
	int depth;
	bool first[KB_JSON_MAX_DEPTH + 1]; /* no member written yet at this depth */
};

struct kb_json *kb_json_new(void *ctx)
{
	struct kb_json *j = talloc_zero(ctx, struct kb_json);

	if (!j)
		return NULL;
	j->buf = talloc_strdup(j, "");
	j->first[0] = true;
	return j;
}

/* Length of a valid UTF-8 sequence starting at s, or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *kb_json_quote(char *buf, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;
	size_t start;

	buf = talloc_strdup_append_buffer(buf, "\"");
	while (buf && *s) {
		size_t n = utf8_len(s);

		if (n == 0) {
			buf = talloc_strdup_append_buffer(buf, "\\ufffd");
			s++;
			continue;
		}
		if (*s == '"' || *s == '\\') {
			buf = talloc_asprintf_append_buffer(buf, "\\%c", *s);
			s++;
		} else if (*s < 0x20 || *s == 0x7f) {
			static const char esc[] = { '\b', 'b', '\f', 'f', '\n', 'n', '\r', 'r', '\t', 't' };
			const char *e = memchr(esc, *s, sizeof(esc));

			if (e && (e - esc) % 2 == 0)
				buf = talloc_asprintf_append_buffer(buf, "\\%c", e[1]);
			else
				buf = talloc_asprintf_append_buffer(buf, "\\u%04x", *s);
			s++;
		} else {
			start = 0;
			while (s[start] && s[start] >= 0x20 && s[start] != 0x7f && s[start] != '"' &&
			       s[start] != '\\' && (n = utf8_len(s + start)) != 0)
				start += n;
			buf = talloc_strndup_append_buffer(buf, (const char *)s, start);
			s += start;
		}
	}
	return buf ? talloc_strdup_append_buffer(buf, "\"") : NULL;
}

/* Separator and key before a member. */
static void member(struct kb_json *j, const char *key)
{
	if (!j->buf)
		return;
	if (!j->first[j->depth])
		j->buf = talloc_strdup_append_buffer(j->buf, ",");
	j->first[j->depth] = false;
	if (key && j->buf) {
		j->buf = kb_json_quote(j->buf, key);
		if (j->buf)
			j->buf = talloc_strdup_append_buffer(j->buf, ":");
	}
}

static void open_(struct kb_json *j, const char *key, const char *c)
{
	member(j, key);
	if (j->buf)
		j->buf = talloc_strdup_append_buffer(j->buf, c);
	if (j->depth < KB_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct kb_json *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	if (j->buf)
		j->buf = talloc_strdup_append_buffer(j->buf, c);
}

void kb_json_obj_begin(struct kb_json *j, const char *key) { open_(j, key, "{"); }
void kb_json_obj_end(struct kb_json *j) { close_(j, "}"); }
void kb_json_arr_begin(struct kb_json *j, const char *key) { open_(j, key, "["); }
void kb_json_arr_end(struct kb_json *j) { close_(j, "]"); }

void kb_json_str(struct kb_json *j, const char *key, const char *val)
{
	member(j, key);
	if (j->buf)
		j->buf = val ? kb_json_quote(j->buf, val) : talloc_strdup_append_buffer(j->buf, "null");
}

void kb_json_int(struct kb_json *j, const char *key, int64_t val)
{
	member(j, key);
	if (j->buf)
		j->buf = talloc_asprintf_append_buffer(j->buf, "%" PRId64, val);
}

void kb_json_bool(struct kb_json *j, const char *key, bool val)
{
	member(j, key);
	if (j->buf)
		j->buf = talloc_strdup_append_buffer(j->buf, val ? "true" : "false");
}

void kb_json_null(struct kb_json *j, const char *key)
{
	member(j, key);
	if (j->buf)
		j->buf = talloc_strdup_append_buffer(j->buf, "null");
}

void kb_json_resource(struct kb_json *j, const char *key, const struct kb_resource *r)
{
	switch (r->kind) {
	case KB_RES_DEVICE:
		kb_json_obj_begin(j, key);
		kb_json_str(j, "device", r->device);
		kb_json_str(j, "path", r->path);
		kb_json_obj_end(j);
		break;
	case KB_RES_URL:
		kb_json_obj_begin(j, key);
		kb_json_str(j, "url", r->url);
		kb_json_obj_end(j);
		break;
	case KB_RES_UNRESOLVED:
		kb_json_obj_begin(j, key);
		kb_json_str(j, "unresolved", r->unresolved);
		kb_json_str(j, "path", r->path);
		kb_json_obj_end(j);
		break;
	default:
		kb_json_null(j, key);
	}
}

void kb_json_option(struct kb_json *j, const char *key, const struct kb_option *o,
		    bool is_default)
{
	uint32_t i;

	kb_json_obj_begin(j, key);
	kb_json_str(j, "id", o->id);
	kb_json_str(j, "device", o->device_id);
	kb_json_str(j, "parser", o->parser);
	kb_json_str(j, "name", o->name);
	kb_json_resource(j, "kernel", &o->kernel);
	kb_json_arr_begin(j, "initrds");
	for (i = 0; i < o->n_initrds; i++)
		kb_json_resource(j, NULL, &o->initrds[i]);
	kb_json_arr_end(j);
	kb_json_resource(j, "dtb", &o->dtb);
	kb_json_str(j, "args", o->args);
	kb_json_bool(j, "default", is_default);
	kb_json_obj_end(j);
}

const char *kb_json_text(const struct kb_json *j)
{
	return j->buf ? j->buf : "{\"error\":\"out of memory\"}";
}
