/* libFuzzer target: TKEY answers for GSS-TSIG (tsig_tkey_reply), the
 * server's token as it comes back to gss_init_sec_context().
 *
 * Input: two bytes of message ID, then the answer. Besides memory errors
 * it checks that an accepted answer's token lies inside the message and
 * that the parse is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tsig.h"
#include "tsig_tkey.h"

#define KEY "1234.sig-ns1.gss.test."

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_tkey a, b;
	const uint8_t *msg;
	uint16_t id;
	size_t len;
	int rc;

	if (size < 2)
		return 0;
	id = (uint16_t)(data[0] << 8 | data[1]);
	msg = data + 2;
	len = size - 2;
	rc = tsig_tkey_reply(msg, len, id, KEY, TSIG_GSS_ALG, &a);
	if (rc != 0 && rc != TSIG_EFORMAT && rc != TSIG_EKEYNAME)
		abort();
	if (rc == 0 && a.token_len > 0 &&
	    (a.token < msg || a.token_len > len ||
	     (size_t)(a.token - msg) > len - a.token_len))
		abort();
	if (tsig_tkey_reply(msg, len, id, KEY, TSIG_GSS_ALG, &b) != rc ||
	    (rc == 0 && memcmp(&a, &b, sizeof(a)) != 0))
		abort();
	return 0;
}
