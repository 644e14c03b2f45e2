/* TKEY queries and answers for GSS-TSIG (RFC 2930, RFC 3645 4.1). */
#include <string.h>

#include "tsig_int.h"
#include "tsig_tkey.h"

#define CLASS_ANY 255

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)get16(p) << 16) | get16(p + 2);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

int
tsig_tkey_query(const char *key_name, const char *alg, const uint8_t *token,
                size_t token_len, uint32_t now, uint32_t lifetime,
                uint16_t id, uint8_t *msg, size_t *len, size_t cap)
{
	uint8_t name[TSIG_NAME_MAX], algw[TSIG_NAME_MAX], *p;
	size_t nlen, alen, rdlen, need;

	if (key_name == NULL || alg == NULL || msg == NULL || len == NULL ||
	    (token == NULL && token_len > 0) || token_len > TSIG_TKEY_TOKEN_MAX)
		return TSIG_EINVAL;
	if (tsig_name_to_wire(key_name, name, &nlen) != 0 ||
	    tsig_name_to_wire(alg, algw, &alen) != 0)
		return TSIG_EINVAL;
	/* RDATA: algorithm, inception, expiration, mode, error, key size and
	 * data, other size (RFC 2930 2) */
	rdlen = alen + 4 + 4 + 2 + 2 + 2 + token_len + 2;
	need = 12 + nlen + 4 + nlen + 10 + rdlen;
	if (need > cap || rdlen > 0xffff)
		return TSIG_ENOSPACE;
	memset(msg, 0, 12);
	put16(msg, id);
	put16(msg + 4, 1);  /* QDCOUNT */
	put16(msg + 10, 1); /* ARCOUNT: the TKEY RR (RFC 3645 4.1.1) */
	p = msg + 12;
	memcpy(p, name, nlen);
	p += nlen;
	put16(p, TSIG_TKEY_TYPE);
	put16(p + 2, CLASS_ANY);
	p += 4;
	memcpy(p, name, nlen);
	p += nlen;
	put16(p, TSIG_TKEY_TYPE);
	put16(p + 2, CLASS_ANY);
	put32(p + 4, 0); /* TTL */
	put16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, algw, alen);
	p += alen;
	put32(p, now);
	put32(p + 4, now + lifetime);
	put16(p + 8, TSIG_TKEY_MODE_GSSAPI);
	put16(p + 10, 0);
	put16(p + 12, (uint16_t)token_len);
	p += 14;
	if (token_len > 0)
		memcpy(p, token, token_len);
	p += token_len;
	put16(p, 0); /* other size */
	*len = need;
	return 0;
}

/* The TKEY RDATA msg[off..end) into out; rc TSIG_EKEYNAME for another
 * algorithm. */
static int
tkey_rdata(const uint8_t *msg, size_t off, size_t end, const uint8_t *algw,
           size_t alen, struct tsig_tkey *out)
{
	uint8_t got[TSIG_NAME_MAX];
	size_t glen, klen, olen;

	if (tsig_name_read(msg, end, &off, got, &glen) != 0)
		return TSIG_EFORMAT;
	if (end - off < 14)
		return TSIG_EFORMAT;
	out->inception = get32(msg + off);
	out->expiration = get32(msg + off + 4);
	out->mode = get16(msg + off + 8);
	out->error = get16(msg + off + 10);
	klen = get16(msg + off + 12);
	off += 14;
	if (end - off < klen + 2)
		return TSIG_EFORMAT;
	out->token = klen > 0 ? msg + off : NULL;
	out->token_len = klen;
	off += klen;
	olen = get16(msg + off);
	if (end - off - 2 != olen)
		return TSIG_EFORMAT;
	if (glen != alen || memcmp(got, algw, alen) != 0)
		return TSIG_EKEYNAME;
	return 0;
}

/* Past the question section at *off. */
static int
skip_questions(const uint8_t *msg, size_t len, size_t *off)
{
	uint16_t i, qd = get16(msg + 4);

	for (i = 0; i < qd; i++) {
		if (tsig_name_read(msg, len, off, NULL, NULL) != 0 ||
		    len - *off < 4)
			return TSIG_EFORMAT;
		*off += 4;
	}
	return 0;
}

int
tsig_tkey_reply(const uint8_t *msg, size_t len, uint16_t id,
                const char *key_name, const char *alg, struct tsig_tkey *out)
{
	uint8_t name[TSIG_NAME_MAX], algw[TSIG_NAME_MAX], owner[TSIG_NAME_MAX];
	size_t nlen, alen, olen, off = 12, last;
	uint16_t i, an, type, rdlen;
	int rc, has_tsig, found = TSIG_EFORMAT;

	if (msg == NULL || out == NULL || key_name == NULL || alg == NULL)
		return TSIG_EINVAL;
	memset(out, 0, sizeof(*out));
	if (tsig_name_to_wire(key_name, name, &nlen) != 0 ||
	    tsig_name_to_wire(alg, algw, &alen) != 0)
		return TSIG_EINVAL;
	/* the whole message must walk: no trailing bytes, TSIG only last */
	if (tsig_msg_walk(msg, len, &last, &has_tsig) != 0)
		return TSIG_EFORMAT;
	if (get16(msg) != id || (msg[2] & 0x80) == 0 || (msg[2] & 0x78) != 0)
		return TSIG_EFORMAT;
	out->rcode = msg[3] & 0x0f;
	if (skip_questions(msg, len, &off) != 0)
		return TSIG_EFORMAT;
	an = get16(msg + 6);
	for (i = 0; i < an; i++) {
		if (tsig_name_read(msg, len, &off, owner, &olen) != 0 ||
		    len - off < 10)
			return TSIG_EFORMAT;
		type = get16(msg + off);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (len - off < rdlen)
			return TSIG_EFORMAT;
		if (type == TSIG_TKEY_TYPE && olen == nlen &&
		    memcmp(owner, name, nlen) == 0 && found != 0) {
			rc = tkey_rdata(msg, off, off + rdlen, algw, alen, out);
			if (rc != 0)
				return rc;
			found = 0;
		}
		off += rdlen;
	}
	return found;
}

uint32_t
tsig_tkey_expiry(const struct tsig_tkey *tk, uint32_t now, uint32_t ctx_left)
{
	uint32_t cap = ctx_left > UINT32_MAX - now ? UINT32_MAX : now + ctx_left;

	/* serial-number arithmetic is not needed: the answer's times are
	 * only trusted when plainly ordered around now */
	if (tk == NULL || tk->expiration <= tk->inception ||
	    tk->expiration <= now)
		return cap;
	return tk->expiration < cap ? tk->expiration : cap;
}
