/* RFC 8945 TSIG: signing requests and verifying replies. */
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "tsig_int.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint64_t
get48(const uint8_t *p)
{
	return ((uint64_t)get16(p) << 32) | ((uint64_t)get16(p + 2) << 16) |
	       get16(p + 4);
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put48(uint8_t *p, uint64_t v)
{
	put16(p, (uint16_t)(v >> 32));
	put16(p + 2, (uint16_t)(v >> 16));
	return put16(p + 4, (uint16_t)v);
}

static int64_t
now_with_offset(int64_t offset)
{
	int64_t t = (int64_t)time(NULL) + offset;

	return t < 0 ? 0 : t;
}

/* RFC 8945 4.3.3: the TSIG variables, into buf (>= 2 * 255 + 18 bytes);
 * other data is hashed separately. Returns the length. */
size_t
tsig_vars_encode(const struct tsig_key *key, const struct tsig_vars *vars,
            uint8_t *buf)
{
	uint8_t *p = buf;

	memcpy(p, key->name_wire, key->name_wire_len);
	p += key->name_wire_len;
	p = put16(p, TSIG_CLASS_ANY);
	p = put16(p, 0); /* TTL 0, 32 bits */
	p = put16(p, 0);
	memcpy(p, key->alg_wire, key->alg_wire_len);
	p += key->alg_wire_len;
	p = put48(p, vars->time_signed);
	p = put16(p, vars->fudge);
	p = put16(p, vars->error);
	p = put16(p, vars->other_len);
	return (size_t)(p - buf);
}

int
tsig_mac_compute(const struct tsig_key *key, const uint8_t *prior,
                 size_t prior_len, const uint8_t hdr[12], const uint8_t *body,
                 size_t body_len, const struct tsig_vars *vars, uint8_t *mac)
{
	gnutls_hmac_hd_t h;
	uint8_t buf[2 * TSIG_NAME_MAX + 18], plen[2];
	size_t n;
	int ok = 1;

	if (prior_len > 0xffff || key->secret == NULL) /* wiped */
		return TSIG_EINVAL;
	if (gnutls_hmac_init(&h, (gnutls_mac_algorithm_t)key->alg->mac,
	                     key->secret, key->secret_len) < 0)
		return TSIG_ECRYPTO;
	if (prior != NULL) { /* RFC 8945 4.3.2 / 5.3: request MAC */
		put16(plen, (uint16_t)prior_len);
		ok &= gnutls_hmac(h, plen, 2) >= 0;
		ok &= gnutls_hmac(h, prior, prior_len) >= 0;
	}
	ok &= gnutls_hmac(h, hdr, 12) >= 0;
	ok &= gnutls_hmac(h, body, body_len) >= 0;
	n = tsig_vars_encode(key, vars, buf);
	ok &= gnutls_hmac(h, buf, n) >= 0;
	if (vars->other_len > 0)
		ok &= gnutls_hmac(h, vars->other, vars->other_len) >= 0;
	gnutls_hmac_deinit(h, mac);
	return ok ? 0 : TSIG_ECRYPTO;
}

int
tsig_rr_append(const struct tsig_key *key, uint8_t *msg, size_t *len,
               size_t cap, const struct tsig_vars *vars, const uint8_t *mac,
               size_t mac_len, uint16_t orig_id)
{
	size_t rdlen, need;
	uint8_t *p;

	rdlen = key->alg_wire_len + 16 + mac_len + vars->other_len;
	need = key->name_wire_len + 10 + rdlen;
	if (*len < 12 || mac_len > TSIG_MAC_MAX)
		return TSIG_EINVAL;
	if (get16(msg + 10) == 0xffff)
		return TSIG_EFORMAT;
	if (cap < *len || cap - *len < need)
		return TSIG_ENOSPACE;
	p = msg + *len; /* RFC 8945 4.2 */
	memcpy(p, key->name_wire, key->name_wire_len);
	p += key->name_wire_len;
	p = put16(p, TSIG_TYPE);
	p = put16(p, TSIG_CLASS_ANY);
	p = put16(p, 0);
	p = put16(p, 0);
	p = put16(p, (uint16_t)rdlen);
	memcpy(p, key->alg_wire, key->alg_wire_len);
	p += key->alg_wire_len;
	p = put48(p, vars->time_signed);
	p = put16(p, vars->fudge);
	p = put16(p, (uint16_t)mac_len);
	memcpy(p, mac, mac_len);
	p += mac_len;
	p = put16(p, orig_id);
	p = put16(p, vars->error);
	p = put16(p, vars->other_len);
	if (vars->other_len > 0)
		memcpy(p, vars->other, vars->other_len);
	put16(msg + 10, (uint16_t)(get16(msg + 10) + 1));
	*len += need;
	return 0;
}

int
tsig_sign(const struct tsig_key *key, uint8_t *msg, size_t *len, size_t cap,
          struct tsig_ctx *ctx)
{
	struct tsig_vars vars = { 0 };
	uint8_t mac[TSIG_MAC_MAX];
	size_t last;
	int signed_already, rc;

	if (key == NULL || msg == NULL || len == NULL || ctx == NULL ||
	    *len > cap)
		return TSIG_EINVAL;
	rc = tsig_msg_walk(msg, *len, &last, &signed_already);
	if (rc != 0)
		return rc;
	if (signed_already)
		return TSIG_EINVAL;
	/* RFC 8945 4.3.1 */
	vars.time_signed = (uint64_t)now_with_offset(ctx->time_offset);
	if (vars.time_signed > TSIG_TIME_MAX)
		return TSIG_EINVAL;
	vars.fudge = ctx->fudge != 0 ? ctx->fudge : TSIG_DEFAULT_FUDGE;
	rc = tsig_mac_compute(key, NULL, 0, msg, msg + 12, *len - 12, &vars,
	                      mac);
	if (rc != 0)
		return rc;
	rc = tsig_rr_append(key, msg, len, cap, &vars, mac,
	                    key->alg->mac_len, get16(msg));
	if (rc != 0)
		return rc;
	memcpy(ctx->mac, mac, key->alg->mac_len);
	ctx->mac_len = key->alg->mac_len;
	ctx->orig_id = get16(msg);
	return 0;
}

/* RFC 8945 4.2: the TSIG RR at msg[off..len), which tsig_msg_walk has
 * bounded already; the RDATA is checked field by field. */
int
tsig_rr_parse(const uint8_t *msg, size_t len, size_t off, struct tsig_rr *rr)
{
	size_t end;
	int rc;

	rc = tsig_name_read(msg, len, &off, rr->name, &rr->name_len);
	if (rc != 0 || len - off < 10)
		return TSIG_EFORMAT;
	if (get16(msg + off + 2) != TSIG_CLASS_ANY || get16(msg + off + 4) != 0 ||
	    get16(msg + off + 6) != 0) /* RFC 8945 4.2: class ANY, TTL 0 */
		return TSIG_EFORMAT;
	end = off + 10 + get16(msg + off + 8);
	off += 10;
	if (end > len)
		return TSIG_EFORMAT;
	rc = tsig_name_read(msg, end, &off, rr->alg, &rr->alg_len);
	if (rc != 0 || end - off < 10)
		return TSIG_EFORMAT;
	rr->vars.time_signed = get48(msg + off);
	rr->vars.fudge = get16(msg + off + 6);
	rr->mac_len = get16(msg + off + 8);
	off += 10;
	if (end - off < (size_t)rr->mac_len + 6)
		return TSIG_EFORMAT;
	rr->mac = msg + off;
	off += rr->mac_len;
	rr->orig_id = get16(msg + off);
	rr->vars.error = get16(msg + off + 2);
	rr->vars.other_len = get16(msg + off + 4);
	off += 6;
	if (end - off != rr->vars.other_len)
		return TSIG_EFORMAT;
	rr->vars.other = msg + off;
	return 0;
}

/* RFC 8945 5.3.2: error replies are usually unsigned; report the error. */
static int
error_code(const struct tsig_rr *rr, struct tsig_result *res)
{
	switch (rr->vars.error) {
	case TSIG_RCODE_BADSIG: return TSIG_EBADSIG;
	case TSIG_RCODE_BADKEY: return TSIG_EBADKEY;
	case TSIG_RCODE_BADTRUNC: return TSIG_EBADTRUNC;
	case TSIG_RCODE_BADTIME:
		/* RFC 8945 5.2.3: other data holds the server's time */
		if (rr->vars.other_len == 6)
			res->server_time = get48(rr->vars.other);
		return TSIG_EBADTIME;
	default: return TSIG_EFORMAT;
	}
}

static int
mac_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* RFC 8945 5.3: MAC over the request MAC, the reply without its TSIG RR
 * (ARCOUNT less one, original ID) and the reply's TSIG variables. */
static int
check_mac(const struct tsig_key *key, const uint8_t *msg, size_t tsig_off,
          const struct tsig_ctx *ctx, const struct tsig_rr *rr)
{
	uint8_t hdr[12], mac[TSIG_MAC_MAX];
	size_t full = key->alg->mac_len;
	size_t min = full / 2 > 10 ? full / 2 : 10;
	int rc;

	if (rr->mac_len > full)
		return TSIG_EFORMAT;
	if (rr->mac_len < min) /* RFC 8945 5.2.2.1 */
		return TSIG_EBADTRUNC;
	memcpy(hdr, msg, 12);
	put16(hdr, rr->orig_id);
	put16(hdr + 10, (uint16_t)(get16(hdr + 10) - 1));
	rc = tsig_mac_compute(key, ctx->mac, ctx->mac_len, hdr, msg + 12,
	                      tsig_off - 12, &rr->vars, mac);
	if (rc != 0)
		return rc;
	return mac_equal(mac, rr->mac, rr->mac_len) ? 0 : TSIG_EBADMAC;
}

int
tsig_time_check(const struct tsig_rr *rr, const struct tsig_result *r)
{
	if (r->our_time > rr->vars.time_signed + rr->vars.fudge ||
	    rr->vars.time_signed > r->our_time + rr->vars.fudge)
		return TSIG_EBADTIME;
	return 0;
}

int
tsig_reply_rr(const struct tsig_key *key, const uint8_t *msg, size_t len,
              size_t *off, struct tsig_rr *rr, struct tsig_result *r)
{
	int has_tsig, rc;

	rc = tsig_msg_walk(msg, len, off, &has_tsig);
	if (rc == 0 && !has_tsig)
		rc = TSIG_EUNSIGNED;
	if (rc == 0)
		rc = tsig_rr_parse(msg, len, *off, rr);
	if (rc != 0)
		return rc;
	r->error = rr->vars.error;
	r->server_time = rr->vars.time_signed;
	if (rr->name_len != key->name_wire_len ||
	    memcmp(rr->name, key->name_wire, rr->name_len) != 0 ||
	    rr->alg_len != key->alg_wire_len ||
	    memcmp(rr->alg, key->alg_wire, rr->alg_len) != 0)
		return TSIG_EKEYNAME;
	return 0;
}

int
tsig_verify(const struct tsig_key *key, const uint8_t *msg, size_t len,
            const struct tsig_ctx *ctx, struct tsig_result *res)
{
	struct tsig_result r = { 0 };
	struct tsig_rr rr;
	size_t off;
	int rc;

	if (key == NULL || msg == NULL || ctx == NULL || ctx->mac_len == 0 ||
	    ctx->mac_len > sizeof(ctx->mac))
		return TSIG_EINVAL;
	r.our_time = (uint64_t)now_with_offset(ctx->time_offset);
	rc = tsig_reply_rr(key, msg, len, &off, &rr, &r);
	if (rc != 0)
		goto out;
	/* RFC 8945 5.2.3: a BADTIME reply is signed; if it carries a MAC,
	 * check it so a forged one cannot pass for the server's clock. */
	if (rr.vars.error == TSIG_RCODE_BADTIME && rr.mac_len > 0) {
		rc = check_mac(key, msg, off, ctx, &rr);
		if (rc != 0)
			goto out;
	}
	if (rr.vars.error != 0) {
		rc = error_code(&rr, &r);
		goto out;
	}
	rc = check_mac(key, msg, off, ctx, &rr);
	if (rc == 0)
		rc = tsig_time_check(&rr, &r);
out:
	if (res != NULL)
		*res = r;
	return rc;
}
