/* kexboot wire protocol: the one place the contract between the daemon and
 * its clients (menu, kexboot-ctl) is written down.
 *
 * A frame is an 8-byte header followed by `len` payload bytes:
 *   u16 type | u16 flags (0) | u32 len      (all integers little-endian)
 * Payload fields are typed: u8/u32/i32/u64 little-endian; a string is a u32
 * byte length (0xffffffff = NULL) followed by that many bytes, no NUL, at most
 * KB_MSG_MAX_STRING; an array is a u32 count (at most the named limit)
 * followed by its elements. Each payload type has exactly one serialiser in
 * protocol.c, used both to encode and to decode, so the two cannot drift.
 * The decoder rejects overruns, over-limit counts and trailing bytes.
 *
 * Session: the client sends HELLO first; the server answers HELLO (or
 * VERSION_MISMATCH, then closes), then the full state (CONFIG, DEVICE_ADD,
 * OPTION_ADD, AUTOBOOT, SYSINFO), then SYNC_DONE, then changes as they
 * happen. Each request carries a client-chosen req_id and is answered by a
 * RESULT with the same req_id (status 0 or -errno, a one-line message).
 */
#ifndef KB_PROTOCOL_H
#define KB_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/types.h"

/* Bump on any change to the message set or a payload layout. */
#define KB_PROTOCOL_VERSION 1

/* Message types, grouped in ranges; retired numbers are never reused. */
enum kb_msg_type {
	/* 0x00xx session */
	KB_MSG_HELLO = 0x0001,            /* both ways: struct kb_msg_hello */
	KB_MSG_VERSION_MISMATCH = 0x0002, /* server: struct kb_msg_hello, then close */
	KB_MSG_RESULT = 0x0003,           /* server: struct kb_msg_result */
	KB_MSG_AUTH = 0x0004,             /* client: struct kb_msg_request (value = password) */

	/* 0x01xx state, server to client */
	KB_MSG_DEVICE_ADD = 0x0100,    /* struct kb_device (add or update) */
	KB_MSG_DEVICE_REMOVE = 0x0101, /* struct kb_msg_id */
	KB_MSG_OPTION_ADD = 0x0102,    /* struct kb_option */
	KB_MSG_OPTION_REMOVE = 0x0103, /* struct kb_msg_id */
	KB_MSG_STATUS = 0x0104,        /* struct kb_status */
	KB_MSG_AUTOBOOT = 0x0105,      /* struct kb_autoboot_state */
	KB_MSG_CONFIG = 0x0106,        /* struct kb_msg_config: full or changed items */
	KB_MSG_SYSINFO = 0x0107,       /* struct kb_msg_config: key/value facts */
	KB_MSG_CHECK_RESULTS = 0x0108, /* struct kb_msg_checks */
	KB_MSG_SYNC_DONE = 0x0109,     /* empty: initial state complete */

	/* 0x02xx requests, client to server (each answered by RESULT) */
	KB_MSG_BOOT = 0x0200,            /* struct kb_msg_boot */
	KB_MSG_CHECK = 0x0201,           /* struct kb_msg_boot: CHECK_RESULTS then RESULT */
	KB_MSG_RESCAN = 0x0202,          /* struct kb_msg_request */
	KB_MSG_CONFIG_SET = 0x0203,      /* struct kb_msg_request (key, value) */
	KB_MSG_CANCEL_AUTOBOOT = 0x0204, /* struct kb_msg_request */
	KB_MSG_USER_ADD = 0x0205,        /* struct kb_msg_boot (override = the option); RESULT.value = new id */
	KB_MSG_USER_REMOVE = 0x0206,     /* struct kb_msg_request (key = option id) */
	KB_MSG_NEXT_BOOT = 0x0207,       /* struct kb_msg_request (key = option id) */
	KB_MSG_EXIT_SHELL = 0x0208,      /* struct kb_msg_request: may the menu drop to a shell? */
};

/* Limits: every count and size read off the wire is checked against these. */
#define KB_MSG_HEADER_SIZE 8
#define KB_MSG_MAX_PAYLOAD (256u * 1024u) /* bytes after the header */
#define KB_MSG_MAX_STRING (64u * 1024u)   /* one string field */
#define KB_MSG_MAX_ITEMS 1024u            /* config items, check results */

/* HELLO: version exchange; the server's reply also tells the client's rights. */
#define KB_HELLO_PRIVILEGED (1u << 0) /* this client may boot/edit/configure */
#define KB_HELLO_RESTRICTED (1u << 1) /* restricted mode: password needed */
#define KB_HELLO_AUTHED (1u << 2)     /* this client has authenticated */
struct kb_msg_hello {
	uint32_t version; /* KB_PROTOCOL_VERSION of the sender */
	uint32_t flags;   /* server only: KB_HELLO_* */
	char *agent;      /* "kexboot-menu 0.1.0", "kexboot-ctl …", "kexboot-discover …" */
};

struct kb_msg_result {
	uint32_t req_id;
	int32_t status; /* 0 or -errno */
	char *message;  /* one line, may be NULL on success */
	char *value;    /* request-specific (e.g. a new option id), may be NULL */
};

struct kb_msg_id {
	char *id;
};

struct kb_msg_request {
	uint32_t req_id;
	char *key;   /* option id, config key, … */
	char *value; /* config value, password, … */
};

#define KB_BOOT_DRY_RUN (1u << 0) /* check and load nothing, jump nowhere */
#define KB_BOOT_FORCE (1u << 1)   /* boot despite fatal preflight results */
#define KB_BOOT_DEFAULT (1u << 2) /* boot the current default (option_id ignored) */
#define KB_BOOT_MATCH (1u << 3)   /* option_id is an extended regex on names */
struct kb_msg_boot {
	uint32_t req_id;
	uint32_t flags;            /* KB_BOOT_* */
	char *option_id;           /* may be NULL with KB_BOOT_DEFAULT or override */
	char *password;            /* restricted mode, may be NULL */
	struct kb_option *override; /* edited copy for this boot only, may be NULL */
};

struct kb_msg_config {
	uint32_t n_items;
	struct kb_config_item *items;
};

struct kb_msg_checks {
	uint32_t req_id;
	char *option_id;
	uint32_t n_results;
	struct kb_check_result *results;
};

/* A decoded message: `type` selects the member of `u`. */
struct kb_msg {
	uint16_t type;
	union {
		struct kb_msg_hello hello;     /* HELLO, VERSION_MISMATCH */
		struct kb_msg_result result;   /* RESULT */
		struct kb_msg_request request; /* AUTH, RESCAN, CONFIG_SET, CANCEL_AUTOBOOT,
		                                  USER_REMOVE, NEXT_BOOT, EXIT_SHELL */
		struct kb_msg_id id;           /* DEVICE_REMOVE, OPTION_REMOVE */
		struct kb_device *device;      /* DEVICE_ADD */
		struct kb_option *option;      /* OPTION_ADD */
		struct kb_status *status;      /* STATUS */
		struct kb_autoboot_state *autoboot; /* AUTOBOOT */
		struct kb_msg_config config;   /* CONFIG, SYSINFO */
		struct kb_msg_checks checks;   /* CHECK_RESULTS */
		struct kb_msg_boot boot;       /* BOOT, CHECK, USER_ADD */
	} u;
};

/* Name of a message type for logs ("BOOT"), or NULL when unknown. */
const char *kb_msg_type_name(uint16_t type);

/* Encode msg as a whole frame (header + payload) into a talloc buffer under
 * ctx. Returns 0, -EINVAL for an unknown type, -E2BIG over a limit. */
int kb_msg_encode(void *ctx, const struct kb_msg *msg, uint8_t **ret_buf, size_t *ret_len);

/* Validate a frame header: known type, zero flags, len <= KB_MSG_MAX_PAYLOAD.
 * Returns 0, -EPROTO (unknown type/flags) or -EMSGSIZE. */
int kb_msg_header_parse(const uint8_t *hdr, uint16_t *ret_type, uint32_t *ret_len);

/* Decode one payload of the given type; the result is a talloc child of ctx.
 * Returns 0, or -EBADMSG on overrun, over-limit value or trailing bytes. */
int kb_msg_decode(void *ctx, uint16_t type, const uint8_t *payload, size_t len,
		  struct kb_msg **ret_msg);

#endif
