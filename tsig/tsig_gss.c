/* GSS-TSIG (RFC 3645): context establishment and MICs on the GSS-API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsig_gss.h"
#include "tsig_int.h"
#include "tsig_tkey.h"

#ifdef TSIG_HAVE_GSS
#include <gssapi/gssapi.h>

/* RFC 8945 4.3 input: prior MAC (2-byte length), header, body, variables */
#define INPUT_MAX (2 + TSIG_MAC_MAX + 65535 + 2 * TSIG_NAME_MAX + 18)

struct tsig_gss {
	gss_ctx_id_t ctx;
	gss_name_t target;
	char service[TSIG_NAME_MAX + 8];
	int complete;
	struct tsig_key key; /* name and algorithm wire forms only */
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* "what: major text; minor text" into err. */
static void
gss_err(char *err, size_t errlen, const char *what, OM_uint32 major,
        OM_uint32 minor)
{
	OM_uint32 min2, ctx1 = 0, ctx2 = 0;
	gss_buffer_desc m1 = GSS_C_EMPTY_BUFFER, m2 = GSS_C_EMPTY_BUFFER;

	gss_display_status(&min2, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx1,
	                   &m1);
	if (minor != 0)
		gss_display_status(&min2, minor, GSS_C_MECH_CODE, GSS_C_NO_OID,
		                   &ctx2, &m2);
	tsig_seterr(err, errlen, "%s: %.*s%s%.*s", what, (int)m1.length,
	            (const char *)m1.value, m2.length > 0 ? "; " : "",
	            (int)m2.length, (const char *)m2.value);
	gss_release_buffer(&min2, &m1);
	gss_release_buffer(&min2, &m2);
}

int
tsig_gss_available(void)
{
	return 1;
}

int
tsig_gss_new(const char *key_name, const char *host, struct tsig_gss **out,
             char *err, size_t errlen)
{
	struct tsig_gss *g;
	gss_buffer_desc b;
	OM_uint32 major, minor;
	size_t hl;

	if (key_name == NULL || host == NULL || out == NULL)
		return TSIG_EINVAL;
	hl = strlen(host);
	if (hl > 0 && host[hl - 1] == '.') /* DNS@ns1.example, no root dot */
		hl--;
	if (hl == 0 || hl > TSIG_NAME_MAX)
		return TSIG_EINVAL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return TSIG_ENOMEM;
	g->ctx = GSS_C_NO_CONTEXT;
	g->target = GSS_C_NO_NAME;
	snprintf(g->service, sizeof(g->service), "DNS@%.*s", (int)hl, host);
	if (tsig_name_to_wire(key_name, g->key.name_wire, &g->key.name_wire_len) != 0 ||
	    tsig_name_to_wire(TSIG_GSS_ALG, g->key.alg_wire, &g->key.alg_wire_len) != 0) {
		tsig_gss_free(g);
		return TSIG_EINVAL;
	}
	b.value = g->service;
	b.length = strlen(g->service);
	major = gss_import_name(&minor, &b, GSS_C_NT_HOSTBASED_SERVICE,
	                        &g->target);
	if (GSS_ERROR(major)) {
		gss_err(err, errlen, g->service, major, minor);
		tsig_gss_free(g);
		return TSIG_EGSS;
	}
	*out = g;
	return 0;
}

int
tsig_gss_step(struct tsig_gss *g, const uint8_t *in, size_t in_len,
              uint8_t **out, size_t *out_len, int *done, char *err,
              size_t errlen)
{
	gss_buffer_desc ib = { in_len, (void *)(uintptr_t)in };
	gss_buffer_desc ob = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, rflags = 0, min2;
	const OM_uint32 want = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG |
	                       GSS_C_INTEG_FLAG;

	if (g == NULL || out == NULL || out_len == NULL || done == NULL ||
	    g->complete || (in == NULL && in_len > 0))
		return TSIG_EINVAL;
	*out = NULL;
	*out_len = 0;
	*done = 0;
	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &g->ctx,
	                             g->target, GSS_C_NO_OID, want, 0,
	                             GSS_C_NO_CHANNEL_BINDINGS,
	                             in != NULL ? &ib : GSS_C_NO_BUFFER, NULL,
	                             &ob, &rflags, NULL);
	if (GSS_ERROR(major)) {
		gss_err(err, errlen, g->service, major, minor);
		gss_release_buffer(&min2, &ob);
		return TSIG_EGSS;
	}
	if (ob.length > 0) {
		*out = malloc(ob.length);
		if (*out == NULL) {
			gss_release_buffer(&min2, &ob);
			return TSIG_ENOMEM;
		}
		memcpy(*out, ob.value, ob.length);
		*out_len = ob.length;
	}
	gss_release_buffer(&min2, &ob);
	if (major == GSS_S_COMPLETE) {
		/* RFC 3645 3.1.1: integrity (and mutual, replay) must hold */
		if ((rflags & want) != want) {
			tsig_seterr(err, errlen, "%s: context lacks integrity, "
			            "mutual or replay protection", g->service);
			free(*out);
			*out = NULL;
			return TSIG_EGSS;
		}
		g->complete = 1;
		*done = 1;
	}
	return 0;
}

/* The RFC 8945 4.3 input into a malloc'd buffer: prior MAC with its
 * length (when given), hdr, body, the variables. */
static int
mic_input(const struct tsig_gss *g, const uint8_t *prior, size_t prior_len,
          const uint8_t hdr[12], const uint8_t *body, size_t body_len,
          const struct tsig_vars *vars, gss_buffer_desc *in)
{
	uint8_t *p, *buf;

	if (prior_len > TSIG_MAC_MAX || body_len > 65535)
		return TSIG_EINVAL;
	buf = malloc(INPUT_MAX + vars->other_len);
	if (buf == NULL)
		return TSIG_ENOMEM;
	p = buf;
	if (prior != NULL) {
		p[0] = (uint8_t)(prior_len >> 8);
		p[1] = (uint8_t)prior_len;
		memcpy(p + 2, prior, prior_len);
		p += 2 + prior_len;
	}
	memcpy(p, hdr, 12);
	memcpy(p + 12, body, body_len);
	p += 12 + body_len;
	p += tsig_vars_encode(&g->key, vars, p);
	if (vars->other_len > 0)
		memcpy(p, vars->other, vars->other_len);
	p += vars->other_len;
	in->value = buf;
	in->length = (size_t)(p - buf);
	return 0;
}

int
tsig_gss_sign(struct tsig_gss *g, uint8_t *msg, size_t *len, size_t cap,
              struct tsig_ctx *ctx)
{
	struct tsig_vars vars = { 0 };
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	size_t last;
	int signed_already, rc;

	if (g == NULL || !g->complete || msg == NULL || len == NULL ||
	    ctx == NULL || *len > cap)
		return TSIG_EINVAL;
	rc = tsig_msg_walk(msg, *len, &last, &signed_already);
	if (rc != 0)
		return rc;
	if (signed_already)
		return TSIG_EINVAL;
	vars.time_signed = (uint64_t)((int64_t)time(NULL) + ctx->time_offset);
	vars.fudge = ctx->fudge != 0 ? ctx->fudge : TSIG_DEFAULT_FUDGE;
	rc = mic_input(g, NULL, 0, msg, msg + 12, *len - 12, &vars, &in);
	if (rc != 0)
		return rc;
	major = gss_get_mic(&minor, g->ctx, GSS_C_QOP_DEFAULT, &in, &mic);
	free(in.value);
	if (GSS_ERROR(major))
		return TSIG_EGSS;
	rc = mic.length > TSIG_MAC_MAX ? TSIG_ENOSPACE : 0;
	if (rc == 0)
		rc = tsig_rr_append(&g->key, msg, len, cap, &vars, mic.value,
		                    mic.length, get16(msg));
	if (rc == 0) {
		memcpy(ctx->mac, mic.value, mic.length);
		ctx->mac_len = mic.length;
		ctx->orig_id = get16(msg);
	}
	gss_release_buffer(&minor, &mic);
	return rc;
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

int
tsig_gss_verify(struct tsig_gss *g, const uint8_t *msg, size_t len,
                const struct tsig_ctx *ctx, struct tsig_result *res)
{
	struct tsig_result r = { 0 };
	struct tsig_rr rr;
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, mic;
	uint8_t hdr[12];
	OM_uint32 major, minor;
	size_t off;
	int rc;

	if (g == NULL || !g->complete || msg == NULL || ctx == NULL ||
	    ctx->mac_len > sizeof(ctx->mac))
		return TSIG_EINVAL;
	r.our_time = (uint64_t)((int64_t)time(NULL) + ctx->time_offset);
	rc = tsig_reply_rr(&g->key, msg, len, &off, &rr, &r);
	if (rc != 0)
		goto out;
	if (rr.vars.error != 0) {
		rc = server_error(rr.vars.error);
		goto out;
	}
	/* RFC 8945 5.3: the reply without its TSIG RR, original ID */
	memcpy(hdr, msg, 12);
	hdr[0] = (uint8_t)(rr.orig_id >> 8);
	hdr[1] = (uint8_t)rr.orig_id;
	hdr[11] = (uint8_t)(hdr[11] - 1);
	if (hdr[11] == 0xff)
		hdr[10] = (uint8_t)(hdr[10] - 1);
	rc = mic_input(g, ctx->mac_len > 0 ? ctx->mac : NULL, ctx->mac_len, hdr,
	               msg + 12, off - 12, &rr.vars, &in);
	if (rc != 0)
		goto out;
	mic.value = (void *)(uintptr_t)rr.mac;
	mic.length = rr.mac_len;
	major = gss_verify_mic(&minor, g->ctx, &in, &mic, NULL);
	free(in.value);
	if (GSS_ERROR(major)) {
		rc = TSIG_EBADMAC;
		goto out;
	}
	if (r.our_time > rr.vars.time_signed + rr.vars.fudge ||
	    rr.vars.time_signed > r.our_time + rr.vars.fudge)
		rc = TSIG_EBADTIME;
out:
	if (res != NULL)
		*res = r;
	return rc;
}

void
tsig_gss_free(struct tsig_gss *g)
{
	OM_uint32 minor;

	if (g == NULL)
		return;
	if (g->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &g->ctx, GSS_C_NO_BUFFER);
	if (g->target != GSS_C_NO_NAME)
		gss_release_name(&minor, &g->target);
	free(g);
}

#else /* built without GSS-API */

int
tsig_gss_available(void)
{
	return 0;
}

int
tsig_gss_new(const char *key_name, const char *host, struct tsig_gss **out,
             char *err, size_t errlen)
{
	(void)key_name;
	(void)host;
	(void)out;
	tsig_seterr(err, errlen, "GSS-TSIG is unavailable: built without "
	            "GSS-API (ACMEUP_GSS off or krb5-gssapi missing)");
	return TSIG_EUNAVAIL;
}

int
tsig_gss_step(struct tsig_gss *g, const uint8_t *in, size_t in_len,
              uint8_t **out, size_t *out_len, int *done, char *err,
              size_t errlen)
{
	(void)g, (void)in, (void)in_len, (void)out, (void)out_len, (void)done;
	(void)err, (void)errlen;
	return TSIG_EUNAVAIL;
}

int
tsig_gss_sign(struct tsig_gss *g, uint8_t *msg, size_t *len, size_t cap,
              struct tsig_ctx *ctx)
{
	(void)g, (void)msg, (void)len, (void)cap, (void)ctx;
	return TSIG_EUNAVAIL;
}

int
tsig_gss_verify(struct tsig_gss *g, const uint8_t *msg, size_t len,
                const struct tsig_ctx *ctx, struct tsig_result *res)
{
	(void)g, (void)msg, (void)len, (void)ctx, (void)res;
	return TSIG_EUNAVAIL;
}

void
tsig_gss_free(struct tsig_gss *g)
{
	(void)g;
}

#endif
