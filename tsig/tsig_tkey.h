/* libtsig: TKEY messages for GSS-TSIG (RFC 2930 mode 3, RFC 3645 4.1).
 *
 * Wire format only, no GSS-API: building the TKEY query that carries a
 * GSS-API token to the server and reading the token out of its answer.
 * Functions return 0 or a negative TSIG_E* code (tsig.h). */
#ifndef TSIG_TKEY_H
#define TSIG_TKEY_H

#include <stddef.h>
#include <stdint.h>

#define TSIG_TKEY_TYPE 249          /* RFC 2930 2 */
#define TSIG_TKEY_MODE_GSSAPI 3     /* RFC 2930 2.5, RFC 3645 4.1.1 */
#define TSIG_GSS_ALG "gss-tsig"     /* RFC 3645 4.1.2 */
#define TSIG_GSS_ALG_MS "gss.microsoft.com" /* what nsupdate -o sends */
#define TSIG_TKEY_TOKEN_MAX 65000   /* a token must fit one TCP message */

/* What the server answered to a TKEY query. */
struct tsig_tkey {
	uint8_t rcode;            /* header RCODE */
	uint16_t error;           /* TKEY error field (RFC 2930 2.6) */
	uint16_t mode;
	uint32_t inception, expiration;
	const uint8_t *token;     /* key data: borrowed from the reply */
	size_t token_len;
};

/* RFC 3645 4.1.1: a query for key_name (e.g. "123.sig-ns1.example.")
 * TKEY, class ANY, with one TKEY RR of algorithm alg (TSIG_GSS_ALG), mode
 * 3, inception now, expiration now + lifetime and token as its key data in
 * the additional section, into msg[0..cap); *len receives its length.
 * TSIG_ENOSPACE when it does not fit, TSIG_EINVAL on a bad name or a token
 * over TSIG_TKEY_TOKEN_MAX. */
int tsig_tkey_query(const char *key_name, const char *alg, const uint8_t *token,
                    size_t token_len, uint32_t now, uint32_t lifetime,
                    uint16_t id, uint8_t *msg, size_t *len, size_t cap);

/* RFC 3645 4.1.2: the answer msg[0..len) to the query with ID id for
 * key_name and alg. The message must be a well-formed response with that
 * ID; out->rcode is set as soon as the header is read. Returns 0 when the
 * answer section holds a TKEY RR of that owner and algorithm (its RDATA
 * exactly filled; compression allowed), filling out (token borrowed from
 * msg); TSIG_EFORMAT for a malformed message, another ID, or no such RR
 * (e.g. a REFUSED answer: look at out->rcode); TSIG_EKEYNAME for a TKEY RR
 * of another algorithm. Checking mode and error is the caller's part. */
int tsig_tkey_reply(const uint8_t *msg, size_t len, uint16_t id,
                    const char *key_name, const char *alg,
                    struct tsig_tkey *out);

/* RFC 2930 2.3: until when the key of the answer tk, received at now, may
 * be used: its expiration, capped at now + ctx_left (the GSS context's
 * lifetime, tsig_gss_lifetime()); now + ctx_left alone when the answer's
 * times make no sense -- expiration not after inception (Samba 4.17 sends
 * the inception twice) or already past. */
uint32_t tsig_tkey_expiry(const struct tsig_tkey *tk, uint32_t now,
                          uint32_t ctx_left);

#endif
