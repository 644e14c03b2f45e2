/* GSS-TSIG reply checks and Samba 4.17 interop (tsig_mic.c, tsig_tkey.c,
 * tsig_gss.c): with SHA-256 of the input as a stand-in MIC, replies
 * signed over the request MAC with and without its length, the layout
 * kept per context, an echoed update section, an echoed request TSIG,
 * gss.microsoft.com under a "gss-tsig" RR, and the TKEY expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/crypto.h>

#include "tsig.h"
#include "tsig_gss.h"
#include "tsig_int.h"
#include "tsig_tkey.h"

#define CAP 1024
#define KEY "1234.sig-dc1.ad.test."
#define ID 0x4cdf

static const uint8_t req_mac[28] = { 0x04, 0x04, 0x05, 0xff, 1, 2, 3, 4 };

/* The stand-in MIC: SHA-256 of the input. */
static int
fake_mic(void *arg, const uint8_t *in, size_t in_len, const uint8_t *mic,
         size_t mic_len)
{
	uint8_t d[32];

	(*(int *)arg)++;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, in_len, d) != 0)
		return -1;
	return mic_len == sizeof(d) && memcmp(mic, d, sizeof(d)) == 0 ? 0 : -1;
}

static void
key_init(struct tsig_key *k, const char *alg)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(tsig_name_to_wire(KEY, k->name_wire, &k->name_wire_len), 0);
	assert_int_equal(tsig_name_to_wire(alg, k->alg_wire, &k->alg_wire_len), 0);
}

/* An UPDATE reply as Samba sends it: zone and update sections echoed
 * (RFC 2136 leaves them empty), NOERROR. */
static size_t
reply_body(uint8_t *m)
{
	static const uint8_t body[] = {
		0x4c, 0xdf, 0xa8, 0x00, 0, 1, 0, 0, 0, 1, 0, 0,
		2, 'a', 'd', 4, 't', 'e', 's', 't', 0, 0, 6, 0, 1,
		2, 'x', '1', 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 3, 2, 'h', 'i',
	};
	memcpy(m, body, sizeof(body));
	return sizeof(body);
}

/* m[0..*len) signed by k with the stand-in MIC over ctx's request MAC in
 * layout (no prior MAC when ctx->mac_len is 0); mic_key: the key whose
 * name and algorithm the MIC covers. */
static void
sign_reply(const struct tsig_key *k, const struct tsig_key *mic_key,
           uint8_t *m, size_t *len, const struct tsig_ctx *ctx, int layout)
{
	struct tsig_vars v = { .time_signed = (uint64_t)time(NULL), .fudge = 300 };
	uint8_t *in, d[32];
	size_t in_len;

	assert_int_equal(tsig_mic_input(mic_key, ctx->mac_len > 0 ? ctx->mac : NULL,
	                                ctx->mac_len, layout, m, m + 12, *len - 12,
	                                &v, &in, &in_len), 0);
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, in, in_len, d), 0);
	free(in);
	assert_int_equal(tsig_rr_append(k, m, len, CAP, &v, d, sizeof(d), ID), 0);
}

static void
ctx_init(struct tsig_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->mac, req_mac, sizeof(req_mac));
	ctx->mac_len = sizeof(req_mac);
	ctx->orig_id = ID;
}

/* RFC 8945 4.3.1 layout: found first, kept. */
static void
test_rfc_layout(void **state)
{
	struct tsig_key k;
	struct tsig_ctx ctx;
	uint8_t m[CAP];
	size_t len;
	int layout = TSIG_PRIOR_ANY, calls = 0;

	(void)state;
	key_init(&k, TSIG_GSS_ALG);
	ctx_init(&ctx);
	len = reply_body(m);
	sign_reply(&k, &k, m, &len, &ctx, TSIG_PRIOR_RFC);
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), 0);
	assert_int_equal(layout, TSIG_PRIOR_RFC);
	assert_int_equal(calls, 1);
}

/* Samba 4.17: the request MAC without its length; accepted, remembered,
 * and from then on the only layout accepted on that context. */
static void
test_bare_layout_pinned(void **state)
{
	struct tsig_key k;
	struct tsig_ctx ctx;
	uint8_t m[CAP];
	size_t len;
	int layout = TSIG_PRIOR_ANY, calls = 0;

	(void)state;
	key_init(&k, TSIG_GSS_ALG);
	ctx_init(&ctx);
	len = reply_body(m);
	sign_reply(&k, &k, m, &len, &ctx, TSIG_PRIOR_BARE);
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), 0);
	assert_int_equal(layout, TSIG_PRIOR_BARE);
	assert_int_equal(calls, 2);
	/* the next reply in the RFC layout no longer passes */
	len = reply_body(m);
	sign_reply(&k, &k, m, &len, &ctx, TSIG_PRIOR_RFC);
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), TSIG_EBADMAC);
	/* and a context that saw RFC refuses the bare layout */
	layout = TSIG_PRIOR_RFC;
	len = reply_body(m);
	sign_reply(&k, &k, m, &len, &ctx, TSIG_PRIOR_BARE);
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), TSIG_EBADMAC);
}

/* A MIC over neither layout, and a changed echoed update section. */
static void
test_bad_mic(void **state)
{
	struct tsig_key k;
	struct tsig_ctx ctx;
	uint8_t m[CAP];
	size_t len;
	int layout = TSIG_PRIOR_ANY, calls = 0;

	(void)state;
	key_init(&k, TSIG_GSS_ALG);
	ctx_init(&ctx);
	len = reply_body(m);
	sign_reply(&k, &k, m, &len, &ctx, TSIG_PRIOR_BARE);
	m[41] ^= 1; /* the echoed TXT data */
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), TSIG_EBADMAC);
	assert_int_equal(layout, TSIG_PRIOR_ANY);
}

/* The TKEY answer (no request MAC): one try, layout still unknown. */
static void
test_no_prior(void **state)
{
	struct tsig_key k;
	struct tsig_ctx ctx = { 0 };
	uint8_t m[CAP];
	size_t len;
	int layout = TSIG_PRIOR_ANY, calls = 0;

	(void)state;
	key_init(&k, TSIG_GSS_ALG);
	len = reply_body(m);
	sign_reply(&k, &k, m, &len, &ctx, TSIG_PRIOR_RFC);
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), 0);
	assert_int_equal(layout, TSIG_PRIOR_ANY);
	assert_int_equal(calls, 1);
}

/* Samba's SERVFAIL to a principal without rights: the request comes back
 * with its own TSIG RR, nothing signed by the server. */
static void
test_echoed_request(void **state)
{
	struct tsig_key k;
	struct tsig_ctx ctx;
	struct tsig_vars v = { .time_signed = (uint64_t)time(NULL), .fudge = 300 };
	uint8_t m[CAP];
	size_t len;
	int layout = TSIG_PRIOR_ANY, calls = 0;

	(void)state;
	key_init(&k, TSIG_GSS_ALG);
	ctx_init(&ctx);
	len = reply_body(m);
	m[3] = 2; /* SERVFAIL */
	assert_int_equal(tsig_rr_append(&k, m, &len, CAP, &v, req_mac,
	                                sizeof(req_mac), ID), 0);
	assert_int_equal(tsig_mic_verify(&k, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), TSIG_EUNSIGNED);
	assert_int_equal(calls, 0);
}

/* Under gss.microsoft.com Samba names "gss-tsig" in its TSIG RR but its
 * MIC covers "gss.microsoft.com": in_key. */
static void
test_ms_alg_named_gss_tsig(void **state)
{
	struct tsig_key ms, rr_key;
	struct tsig_ctx ctx;
	uint8_t m[CAP];
	size_t len;
	int layout = TSIG_PRIOR_ANY, calls = 0;

	(void)state;
	key_init(&ms, TSIG_GSS_ALG_MS);
	key_init(&rr_key, TSIG_GSS_ALG);
	ctx_init(&ctx);
	len = reply_body(m);
	sign_reply(&rr_key, &ms, m, &len, &ctx, TSIG_PRIOR_BARE);
	assert_int_equal(tsig_mic_verify(&ms, NULL, m, len, &ctx, &layout, fake_mic,
	                                 &calls, NULL), TSIG_EKEYNAME);
	assert_int_equal(tsig_mic_verify(&rr_key, NULL, m, len, &ctx, &layout,
	                                 fake_mic, &calls, NULL), TSIG_EBADMAC);
	assert_int_equal(tsig_mic_verify(&rr_key, &ms, m, len, &ctx, &layout,
	                                 fake_mic, &calls, NULL), 0);
	assert_int_equal(layout, TSIG_PRIOR_BARE);
}

/* A TKEY query for gss.microsoft.com carries that name, and its answer
 * is read under it (and refused under gss-tsig). */
static void
test_tkey_ms(void **state)
{
	static const uint8_t tok[] = { 0x60, 1, 2 };
	static const uint8_t alg_ms[] = { 3, 'g', 's', 's', 9, 'm', 'i', 'c', 'r',
	                                  'o', 's', 'o', 'f', 't', 3, 'c', 'o', 'm', 0 };
	struct tsig_tkey tk;
	uint8_t m[CAP];
	size_t len;

	(void)state;
	assert_int_equal(tsig_tkey_query(KEY, TSIG_GSS_ALG_MS, tok, sizeof(tok),
	                                 1000, 86400, ID, m, &len, sizeof(m)), 0);
	/* header, question, owner, type..rdlength, then the algorithm */
	assert_int_equal(len, 12 + 22 + 4 + 22 + 10 + sizeof(alg_ms) + 16 + sizeof(tok));
	assert_memory_equal(m + 12 + 22 + 4 + 22 + 10, alg_ms, sizeof(alg_ms));
	/* the query as answer: move the TKEY RR to the answer section */
	m[2] = 0x80;
	m[7] = 1;
	m[11] = 0;
	assert_int_equal(tsig_tkey_reply(m, len, ID, KEY, TSIG_GSS_ALG_MS, &tk), 0);
	assert_int_equal(tk.expiration - tk.inception, 86400);
	assert_int_equal(tsig_tkey_reply(m, len, ID, KEY, TSIG_GSS_ALG, &tk),
	                 TSIG_EKEYNAME);
}

/* The server's expiration is used only when it makes sense, and never
 * past the GSS context's own end. */
static void
test_tkey_expiry(void **state)
{
	struct tsig_tkey tk = { 0 };
	const uint32_t now = 1800000000u;

	(void)state;
	tk.inception = tk.expiration = now - 5; /* Samba: expiry = inception */
	assert_int_equal(tsig_tkey_expiry(&tk, now, 3600), now + 3600);
	tk.expiration = now + 600;
	assert_int_equal(tsig_tkey_expiry(&tk, now, 3600), now + 600);
	tk.expiration = now + 86400; /* an echo of what we asked for */
	assert_int_equal(tsig_tkey_expiry(&tk, now, 3600), now + 3600);
	tk.inception = now - 100;
	tk.expiration = now - 1; /* already past */
	assert_int_equal(tsig_tkey_expiry(&tk, now, 3600), now + 3600);
	assert_int_equal(tsig_tkey_expiry(NULL, now, 60), now + 60);
	assert_int_equal(tsig_tkey_expiry(&tk, UINT32_MAX - 10, 3600), UINT32_MAX);
}

/* tsig_gss_set_alg(): both names, any case, trailing dot; nothing else. */
static void
test_set_alg(void **state)
{
	struct tsig_gss *g = NULL;
	char err[256];

	(void)state;
	if (!tsig_gss_available()) {
		assert_int_equal(tsig_gss_set_alg(NULL, TSIG_GSS_ALG_MS), TSIG_EUNAVAIL);
		skip();
	}
	assert_int_equal(tsig_gss_new(KEY, "dc1.ad.test.", &g, err, sizeof(err)), 0);
	assert_string_equal(tsig_gss_alg(g), TSIG_GSS_ALG);
	assert_int_equal(tsig_gss_set_alg(g, "GSS.Microsoft.COM."), 0);
	assert_string_equal(tsig_gss_alg(g), TSIG_GSS_ALG_MS);
	assert_int_equal(tsig_gss_set_alg(g, "gss-tsig"), 0);
	assert_string_equal(tsig_gss_alg(g), TSIG_GSS_ALG);
	assert_int_equal(tsig_gss_set_alg(g, "hmac-sha256"), TSIG_EALG);
	assert_int_equal(tsig_gss_set_alg(g, "gss.microsoft.co"), TSIG_EALG);
	assert_int_equal(tsig_gss_prior_bare(g), 0);
	assert_int_equal(tsig_gss_lifetime(g), 0); /* not complete */
	tsig_gss_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_layout),
		cmocka_unit_test(test_bare_layout_pinned),
		cmocka_unit_test(test_bad_mic),
		cmocka_unit_test(test_no_prior),
		cmocka_unit_test(test_echoed_request),
		cmocka_unit_test(test_ms_alg_named_gss_tsig),
		cmocka_unit_test(test_tkey_ms),
		cmocka_unit_test(test_tkey_expiry),
		cmocka_unit_test(test_set_alg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
