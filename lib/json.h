/* kexboot JSON writer: builds one JSON document in a talloc string.
 * Used by every tool with --json, so escaping lives in one place. */
#ifndef KB_JSON_H
#define KB_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"

#define KB_JSON_MAX_DEPTH 32

struct kb_json;

/* A new empty document under ctx. */
struct kb_json *kb_json_new(void *ctx);
/* Open an object/array; key is NULL inside arrays and at the top level. */
void kb_json_obj_begin(struct kb_json *j, const char *key);
void kb_json_obj_end(struct kb_json *j);
void kb_json_arr_begin(struct kb_json *j, const char *key);
void kb_json_arr_end(struct kb_json *j);
/* Members: a NULL string is written as null; invalid UTF-8 becomes U+FFFD. */
void kb_json_str(struct kb_json *j, const char *key, const char *val);
void kb_json_int(struct kb_json *j, const char *key, int64_t val);
void kb_json_bool(struct kb_json *j, const char *key, bool val);
void kb_json_null(struct kb_json *j, const char *key);
/* A resource as BRIEF.md's JSON has it: {"device","path"}, {"url"},
 * {"unresolved","path"}, or null. */
void kb_json_resource(struct kb_json *j, const char *key, const struct kb_resource *r);
/* A boot option (id, device, parser, name, kernel, initrds, dtb, args, default). */
void kb_json_option(struct kb_json *j, const char *key, const struct kb_option *o,
		    bool is_default);
/* The document so far (valid once every begin has its end). */
const char *kb_json_text(const struct kb_json *j);

#endif
