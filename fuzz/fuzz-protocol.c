/* libFuzzer target for the wire codec: the input is a byte stream of
 * frames, each checked with kb_msg_header_parse() and decoded with
 * kb_msg_decode(), as lib/conn.c does. Decoded messages are re-encoded and
 * decoded again: a message the decoder accepts must survive a round trip
 * byte for byte. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include "lib/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_new(NULL);

	while (size >= KB_MSG_HEADER_SIZE) {
		uint16_t type;
		uint32_t len;
		struct kb_msg *msg;
		uint8_t *frame;
		size_t flen;

		if (kb_msg_header_parse(data, &type, &len) < 0)
			break;
		data += KB_MSG_HEADER_SIZE;
		size -= KB_MSG_HEADER_SIZE;
		if (len > size)
			len = (uint32_t)size; /* decode what is there: must fail cleanly */
		if (kb_msg_decode(ctx, type, data, len, &msg) == 0) {
			if (kb_msg_encode(ctx, msg, &frame, &flen) != 0)
				abort(); /* accepted input must re-encode */
			if (flen != KB_MSG_HEADER_SIZE + len ||
			    memcmp(frame + KB_MSG_HEADER_SIZE, data, len) != 0)
				abort(); /* and give the same bytes */
			talloc_free(frame);
			talloc_free(msg);
		}
		data += len;
		size -= len;
	}
	talloc_free(ctx);
	return 0;
}
