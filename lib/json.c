/* kexboot JSON writer (see json.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

#include "lib/json.h"

struct kb_json {
	char *buf;   /* NUL-terminated; NULL after an allocation failure */
	size_t len;  /* bytes before the NUL */
	size_t cap;  /* bytes allocated */
	int depth;
	bool first[KB_JSON_MAX_DEPTH + 1]; /* no member written yet at this depth */
};

/* Append n bytes, doubling the buffer as needed: a document of N bytes
 * costs O(N), whatever the allocator. */
static void put(struct kb_json *j, const char *s, size_t n)
{
	if (!j->buf)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap * 2 > j->len + n + 1 ? j->cap * 2 : j->len + n + 1;
		char *b = talloc_realloc(j, j->buf, char, cap);

		if (!b) {
			TALLOC_FREE(j->buf);
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct kb_json *j, const char *s)
{
	put(j, s, strlen(s));
}

struct kb_json *kb_json_new(void *ctx)
{
	struct kb_json *j = talloc_zero(ctx, struct kb_json);

	if (!j)
		return NULL;
	j->cap = 256;
	j->buf = talloc_zero_array(j, char, j->cap);
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

/* Write val as a quoted JSON string into j. */
static void quote(struct kb_json *j, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;
	char esc[8];
	size_t n, run;

	put(j, "\"", 1);
	while (*s) {
		for (run = 0; s[run] >= 0x20 && s[run] != 0x7f && s[run] != '"' && s[run] != '\\' &&
			      (n = utf8_len(s + run)) != 0;
		     run += n)
			;
		put(j, (const char *)s, run);
		s += run;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\')
			snprintf(esc, sizeof(esc), "\\%c", *s);
		else if (*s == '\n')
			strcpy(esc, "\\n");
		else if (*s == '\t')
			strcpy(esc, "\\t");
		else if (*s == '\r')
			strcpy(esc, "\\r");
		else if (*s < 0x20 || *s == 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
		else
			strcpy(esc, "\\ufffd"); /* invalid UTF-8 */
		puts_(j, esc);
		s++;
	}
	put(j, "\"", 1);
}

/* Separator and key before a member. */
static void member(struct kb_json *j, const char *key)
{
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
	if (key) {
		quote(j, key);
		put(j, ":", 1);
	}
}

static void open_(struct kb_json *j, const char *key, const char *c)
{
	member(j, key);
	put(j, c, 1);
	if (j->depth < KB_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct kb_json *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	put(j, c, 1);
}

void kb_json_obj_begin(struct kb_json *j, const char *key) { open_(j, key, "{"); }
void kb_json_obj_end(struct kb_json *j) { close_(j, "}"); }
void kb_json_arr_begin(struct kb_json *j, const char *key) { open_(j, key, "["); }
void kb_json_arr_end(struct kb_json *j) { close_(j, "]"); }

void kb_json_str(struct kb_json *j, const char *key, const char *val)
{
	member(j, key);
	if (val)
		quote(j, val);
	else
		puts_(j, "null");
}

void kb_json_int(struct kb_json *j, const char *key, int64_t val)
{
	char num[24];

	member(j, key);
	snprintf(num, sizeof(num), "%" PRId64, val);
	puts_(j, num);
}

void kb_json_bool(struct kb_json *j, const char *key, bool val)
{
	member(j, key);
	puts_(j, val ? "true" : "false");
}

void kb_json_null(struct kb_json *j, const char *key)
{
	member(j, key);
	puts_(j, "null");
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
