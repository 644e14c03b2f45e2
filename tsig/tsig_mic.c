/* GSS-TSIG (RFC 3645) MIC input and reply checks, without the GSS-API: the
 * MIC itself is the caller's function, so a stand-in can test all this. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsig_int.h"

/* RFC 8945 4.3 input: prior MAC (2-byte length), header, body, variables */
#define INPUT_MAX (2 + TSIG_MAC_MAX + 65535 + 2 * TSIG_NAME_MAX + 18)

int
tsig_mic_input(const struct tsig_key *key, const uint8_t *prior,
               size_t prior_len, int layout, const uint8_t hdr[12],
               const uint8_t *body, size_t body_len,
               const struct tsig_vars *vars, uint8_t **buf, size_t *len)
{
	uint8_t *p, *b;

	if (prior_len > TSIG_MAC_MAX || body_len > 65535)
		return TSIG_EINVAL;
	b = malloc(INPUT_MAX + vars->other_len);
	if (b == NULL)
		return TSIG_ENOMEM;
	p = b;
	if (prior != NULL) {
		/* RFC 8945 4.3.1: the request MAC with its length; Samba
		 * 4.17 leaves the length out (TSIG_PRIOR_BARE) */
		if (layout != TSIG_PRIOR_BARE) {
			p[0] = (uint8_t)(prior_len >> 8);
			p[1] = (uint8_t)prior_len;
			p += 2;
		}
		memcpy(p, prior, prior_len);
		p += prior_len;
	}
	memcpy(p, hdr, 12);
	memcpy(p + 12, body, body_len);
	p += 12 + body_len;
	p += tsig_vars_encode(key, vars, p);
	if (vars->other_len > 0)
		memcpy(p, vars->other, vars->other_len);
	p += vars->other_len;
	*buf = b;
	*len = (size_t)(p - b);
	return 0;
}

/* The server's TSIG error as a TSIG_E* code. */
static int
server_error(uint16_t error)
{
	switch (error) {
	case TSIG_RCODE_BADSIG: return TSIG_EBADSIG;
	case TSIG_RCODE_BADKEY: return TSIG_EBADKEY;
	case TSIG_RCODE_BADTIME: return TSIG_EBADTIME;
	default: return TSIG_EFORMAT;
	}
}

/* fn over the input in layout; 0 when the MIC verifies. */
static int
try_layout(const struct tsig_key *key, const uint8_t *msg, size_t off,
           const struct tsig_ctx *ctx, const struct tsig_rr *rr, int layout,
           tsig_mic_fn fn, void *arg)
{
	uint8_t hdr[12], *in = NULL;
	size_t in_len;
	int rc;

	/* RFC 8945 5.3: the reply without its TSIG RR, original ID; any
	 * sections a server echoes (Samba: the update section) are covered */
	memcpy(hdr, msg, 12);
	hdr[0] = (uint8_t)(rr->orig_id >> 8);
	hdr[1] = (uint8_t)rr->orig_id;
	hdr[11] = (uint8_t)(hdr[11] - 1);
	if (hdr[11] == 0xff)
		hdr[10] = (uint8_t)(hdr[10] - 1);
	rc = tsig_mic_input(key, ctx->mac_len > 0 ? ctx->mac : NULL,
	                    ctx->mac_len, layout, hdr, msg + 12, off - 12,
	                    &rr->vars, &in, &in_len);
	if (rc != 0)
		return rc;
	rc = fn(arg, in, in_len, rr->mac, rr->mac_len) == 0 ? 0 : TSIG_EBADMAC;
	free(in);
	return rc;
}

int
tsig_mic_verify(const struct tsig_key *key, const struct tsig_key *in_key,
                const uint8_t *msg, size_t len, const struct tsig_ctx *ctx,
                int *layout, tsig_mic_fn fn, void *arg, struct tsig_result *res)
{
	struct tsig_result r = { 0 };
	struct tsig_rr rr;
	const struct tsig_key *ik = in_key != NULL ? in_key : key;
	size_t off;
	int rc;

	if (key == NULL || msg == NULL || ctx == NULL || layout == NULL ||
	    fn == NULL || ctx->mac_len > sizeof(ctx->mac))
		return TSIG_EINVAL;
	r.our_time = (uint64_t)((int64_t)time(NULL) + ctx->time_offset);
	rc = len > 65535 ? TSIG_EFORMAT : tsig_reply_rr(key, msg, len, &off, &rr, &r);
	if (rc != 0)
		goto out;
	if (rr.vars.error != 0) {
		rc = server_error(rr.vars.error);
		goto out;
	}
	/* Samba 4.17 answers a refused UPDATE (SERVFAIL) with the request
	 * echoed, our own TSIG RR included: not signed at all */
	if (ctx->mac_len > 0 && rr.mac_len == ctx->mac_len &&
	    memcmp(rr.mac, ctx->mac, ctx->mac_len) == 0) {
		rc = TSIG_EUNSIGNED;
		goto out;
	}
	if (ctx->mac_len == 0 || *layout != TSIG_PRIOR_ANY) {
		rc = try_layout(ik, msg, off, ctx, &rr, *layout, fn, arg);
	} else {
		/* the first reply over a request MAC tells the layout; the
		 * context keeps it */
		rc = try_layout(ik, msg, off, ctx, &rr, TSIG_PRIOR_RFC, fn, arg);
		if (rc == 0) {
			*layout = TSIG_PRIOR_RFC;
		} else if (rc == TSIG_EBADMAC) {
			rc = try_layout(ik, msg, off, ctx, &rr, TSIG_PRIOR_BARE,
			                fn, arg);
			if (rc == 0)
				*layout = TSIG_PRIOR_BARE;
		}
	}
	if (rc == 0)
		rc = tsig_time_check(&rr, &r);
out:
	if (res != NULL)
		*res = r;
	return rc;
}
