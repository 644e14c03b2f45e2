/* TKEY query building and answer parsing for GSS-TSIG (RFC 2930, 3645). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tsig.h"
#include "tsig_tkey.h"

#define BUF 512
#define KEY "1234.sig-ns1.gss.test."
#define ID 0x4242
#define NOW 1700000000u

static const uint8_t token[] = { 0x60, 0x81, 0x01, 0x02, 0x03 };

/* The wire form of KEY: 4 "1234", 7 "sig-ns1", 3 "gss", 4 "test", 0. */
static const uint8_t key_wire[] = {
	4, '1', '2', '3', '4', 7, 's', 'i', 'g', '-', 'n', 's', '1',
	3, 'g', 's', 's', 4, 't', 'e', 's', 't', 0,
};
static const uint8_t alg_wire[] = { 8, 'g', 's', 's', '-', 't', 's', 'i', 'g', 0 };

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
test_query_layout(void **state)
{
	uint8_t msg[BUF];
	size_t len = 0, off = 12, kl = sizeof(key_wire), al = sizeof(alg_wire);

	(void)state;
	assert_int_equal(tsig_tkey_query(KEY, TSIG_GSS_ALG, token, sizeof(token),
	                                 NOW, 3600, ID, msg, &len, sizeof(msg)),
	                 0);
	assert_int_equal(len, 12 + kl + 4 + kl + 10 + al + 14 + sizeof(token) + 2);
	assert_int_equal(get16(msg), ID);
	assert_int_equal(msg[2], 0); /* QUERY, no flags */
	assert_int_equal(get16(msg + 4), 1);
	assert_int_equal(get16(msg + 6), 0);
	assert_int_equal(get16(msg + 8), 0);
	assert_int_equal(get16(msg + 10), 1);
	assert_memory_equal(msg + off, key_wire, kl);
	off += kl;
	assert_int_equal(get16(msg + off), TSIG_TKEY_TYPE);
	assert_int_equal(get16(msg + off + 2), 255);
	off += 4;
	assert_memory_equal(msg + off, key_wire, kl);
	off += kl;
	assert_int_equal(get16(msg + off), TSIG_TKEY_TYPE);
	assert_int_equal(get16(msg + off + 2), 255);
	assert_int_equal(get16(msg + off + 8), al + 14 + sizeof(token) + 2);
	off += 10;
	assert_memory_equal(msg + off, alg_wire, al);
	off += al;
	assert_int_equal(get16(msg + off + 8), TSIG_TKEY_MODE_GSSAPI);
	assert_int_equal(get16(msg + off + 10), 0);
	assert_int_equal(get16(msg + off + 12), sizeof(token));
	assert_memory_equal(msg + off + 14, token, sizeof(token));
	assert_int_equal(get16(msg + len - 2), 0);
}

static void
test_query_errors(void **state)
{
	uint8_t msg[BUF];
	size_t len = 0, full;

	(void)state;
	assert_int_equal(tsig_tkey_query(KEY, TSIG_GSS_ALG, token, sizeof(token),
	                                 NOW, 3600, ID, msg, &full, sizeof(msg)),
	                 0);
	assert_int_equal(tsig_tkey_query(KEY, TSIG_GSS_ALG, token, sizeof(token),
	                                 NOW, 3600, ID, msg, &len, full - 1),
	                 TSIG_ENOSPACE);
	assert_int_equal(tsig_tkey_query(KEY, TSIG_GSS_ALG, NULL, 3, NOW, 3600,
	                                 ID, msg, &len, sizeof(msg)),
	                 TSIG_EINVAL);
	assert_int_equal(tsig_tkey_query(KEY, TSIG_GSS_ALG, token,
	                                 TSIG_TKEY_TOKEN_MAX + 1, NOW, 3600, ID,
	                                 msg, &len, sizeof(msg)),
	                 TSIG_EINVAL);
	assert_int_equal(tsig_tkey_query("a..b", TSIG_GSS_ALG, token,
	                                 sizeof(token), NOW, 3600, ID, msg, &len,
	                                 sizeof(msg)),
	                 TSIG_EINVAL);
}

/* A server's answer, as BIND builds it: the question, then the TKEY RR in
 * the answer section, its owner compressed to the question's name; tok is
 * the server's token; error the TKEY error. */
static size_t
answer(uint8_t *msg, const uint8_t *tok, size_t tok_len, uint16_t error)
{
	size_t off = 12, kl = sizeof(key_wire), al = sizeof(alg_wire), rd;

	memset(msg, 0, 12);
	msg[0] = ID >> 8;
	msg[1] = ID & 0xff;
	msg[2] = 0x84; /* QR AA */
	msg[5] = 1;
	msg[7] = 1;
	memcpy(msg + off, key_wire, kl);
	off += kl;
	msg[off + 1] = TSIG_TKEY_TYPE;
	msg[off + 3] = 255;
	off += 4;
	msg[off] = 0xc0;
	msg[off + 1] = 12;
	off += 2;
	rd = al + 14 + tok_len + 2;
	memset(msg + off, 0, 10);
	msg[off + 1] = TSIG_TKEY_TYPE;
	msg[off + 3] = 255;
	msg[off + 8] = (uint8_t)(rd >> 8);
	msg[off + 9] = (uint8_t)rd;
	off += 10;
	memcpy(msg + off, alg_wire, al);
	off += al;
	memset(msg + off, 0, 14);
	msg[off + 9] = TSIG_TKEY_MODE_GSSAPI;
	msg[off + 10] = (uint8_t)(error >> 8);
	msg[off + 11] = (uint8_t)error;
	msg[off + 13] = (uint8_t)tok_len;
	off += 14;
	memcpy(msg + off, tok, tok_len);
	off += tok_len;
	msg[off] = 0;
	msg[off + 1] = 0;
	return off + 2;
}

static void
test_answer_parsed(void **state)
{
	uint8_t msg[BUF];
	size_t len = answer(msg, token, sizeof(token), 0);
	struct tsig_tkey tk;

	(void)state;
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG, &tk), 0);
	assert_int_equal(tk.rcode, 0);
	assert_int_equal(tk.mode, TSIG_TKEY_MODE_GSSAPI);
	assert_int_equal(tk.error, 0);
	assert_int_equal(tk.token_len, sizeof(token));
	assert_memory_equal(tk.token, token, sizeof(token));
	/* the key name without its trailing dot, in another case */
	assert_int_equal(tsig_tkey_reply(msg, len, ID, "1234.SIG-ns1.gss.test",
	                                 "GSS-TSIG.", &tk),
	                 0);
	len = answer(msg, token, 0, 18);
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG, &tk), 0);
	assert_int_equal(tk.error, 18);
	assert_int_equal(tk.token_len, 0);
	assert_null(tk.token);
}

static void
test_answer_rejected(void **state)
{
	uint8_t msg[BUF];
	size_t len = answer(msg, token, sizeof(token), 0), i;
	struct tsig_tkey tk;

	(void)state;
	assert_int_equal(tsig_tkey_reply(msg, len, ID + 1, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
	assert_int_equal(tsig_tkey_reply(msg, len, ID, "other.gss.test",
	                                 TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG_MS, &tk),
	                 TSIG_EKEYNAME);
	/* every truncation, and a trailing byte */
	for (i = 0; i < len; i++)
		assert_int_equal(tsig_tkey_reply(msg, i, ID, KEY, TSIG_GSS_ALG, &tk),
		                 TSIG_EFORMAT);
	msg[len] = 0;
	assert_int_equal(tsig_tkey_reply(msg, len + 1, ID, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
	/* a query, not an answer */
	msg[2] = 0;
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
	/* REFUSED without a TKEY RR: the RCODE is reported */
	len = answer(msg, token, sizeof(token), 0);
	msg[3] = 5;
	msg[7] = 0;
	len = 12 + sizeof(key_wire) + 4;
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
	assert_int_equal(tk.rcode, 5);
}

/* A key size that runs past the RDATA, and RDATA with bytes left over. */
static void
test_answer_bad_rdata(void **state)
{
	uint8_t msg[BUF];
	size_t len = answer(msg, token, sizeof(token), 0);
	size_t ks = len - 2 - sizeof(token) - 1;
	struct tsig_tkey tk;

	(void)state;
	msg[ks] = sizeof(token) + 1;
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
	msg[ks] = sizeof(token) - 1;
	assert_int_equal(tsig_tkey_reply(msg, len, ID, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EFORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_layout),
		cmocka_unit_test(test_query_errors),
		cmocka_unit_test(test_answer_parsed),
		cmocka_unit_test(test_answer_rejected),
		cmocka_unit_test(test_answer_bad_rdata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
