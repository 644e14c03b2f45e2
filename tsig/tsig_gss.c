/* GSS-TSIG (RFC 3645): context establishment and MICs on the GSS-API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tsig_gss.h"
#include "tsig_int.h"
#include "tsig_tkey.h"

#ifdef TSIG_HAVE_GSS
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

struct tsig_gss_cred {
	gss_cred_id_t cred;
	char name[512];      /* the principal, as the GSS-API shows it */
};

struct tsig_gss {
	gss_ctx_id_t ctx;
	gss_name_t target;
	gss_cred_id_t cred;  /* borrowed from a tsig_gss_cred, or none */
	char service[TSIG_NAME_MAX + 8];
	int complete;
	int layout;          /* TSIG_PRIOR_*: how replies cover the request MAC */
	const char *alg;     /* TSIG_GSS_ALG or TSIG_GSS_ALG_MS */
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
	g->cred = GSS_C_NO_CREDENTIAL;
	g->alg = TSIG_GSS_ALG;
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
	major = gss_init_sec_context(&minor, g->cred, &g->ctx,
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

int
tsig_gss_sign(struct tsig_gss *g, uint8_t *msg, size_t *len, size_t cap,
              struct tsig_ctx *ctx)
{
	struct tsig_vars vars = { 0 };
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	uint8_t *buf;
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
	rc = tsig_mic_input(&g->key, NULL, 0, TSIG_PRIOR_RFC, msg, msg + 12,
	                    *len - 12, &vars, &buf, &in.length);
	if (rc != 0)
		return rc;
	in.value = buf;
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

/* tsig_mic_fn on gss_verify_mic(). */
static int
gss_check(void *arg, const uint8_t *in, size_t in_len, const uint8_t *mic,
          size_t mic_len)
{
	struct tsig_gss *g = arg;
	gss_buffer_desc ib = { in_len, (void *)(uintptr_t)in };
	gss_buffer_desc mb = { mic_len, (void *)(uintptr_t)mic };
	OM_uint32 minor;

	return GSS_ERROR(gss_verify_mic(&minor, g->ctx, &ib, &mb, NULL)) ? -1 : 0;
}

int
tsig_gss_verify(struct tsig_gss *g, const uint8_t *msg, size_t len,
                const struct tsig_ctx *ctx, struct tsig_result *res)
{
	struct tsig_key k;
	int rc;

	if (g == NULL || !g->complete)
		return TSIG_EINVAL;
	rc = tsig_mic_verify(&g->key, NULL, msg, len, ctx, &g->layout, gss_check,
	                     g, res);
	if (rc != TSIG_EKEYNAME || strcmp(g->alg, TSIG_GSS_ALG_MS) != 0)
		return rc;
	/* Samba 4.17 names "gss-tsig" in its TSIG RR whatever the client's
	 * algorithm, but its MIC covers the client's "gss.microsoft.com" */
	k = g->key;
	if (tsig_name_to_wire(TSIG_GSS_ALG, k.alg_wire, &k.alg_wire_len) != 0)
		return rc;
	return tsig_mic_verify(&k, &g->key, msg, len, ctx, &g->layout,
	                       gss_check, g, res);
}

uint32_t
tsig_gss_lifetime(const struct tsig_gss *g)
{
	OM_uint32 minor, left = 0;

	if (g == NULL || !g->complete ||
	    GSS_ERROR(gss_context_time(&minor, g->ctx, &left)))
		return 0;
	return left;
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

/* The principal of c->cred into c->name (only for live credentials: MIT
 * 1.20's gss_inquire_cred leaks on expired ones). */
static int
cred_inquire(struct tsig_gss_cred *c, const char *where, char *err,
             size_t errlen)
{
	OM_uint32 major, minor;
	gss_name_t name = GSS_C_NO_NAME;
	gss_buffer_desc b = GSS_C_EMPTY_BUFFER;

	major = gss_inquire_cred(&minor, c->cred, &name, NULL, NULL, NULL);
	if (GSS_ERROR(major)) {
		gss_err(err, errlen, where, major, minor);
		return TSIG_EGSS;
	}
	major = gss_display_name(&minor, name, &b, NULL);
	if (!GSS_ERROR(major))
		snprintf(c->name, sizeof(c->name), "%.*s", (int)b.length,
		         (const char *)b.value);
	gss_release_buffer(&minor, &b);
	gss_release_name(&minor, &name);
	return 0;
}

int
tsig_gss_cred_new(const char *keytab, const char *principal,
                  struct tsig_gss_cred **out, char *err, size_t errlen)
{
	gss_key_value_element_desc el[2];
	gss_key_value_set_desc store = { 0, el };
	gss_name_t name = GSS_C_NO_NAME;
	gss_buffer_desc nb;
	OM_uint32 major, minor, life = 0;
	struct tsig_gss_cred *c;
	char ccache[64], where[768];
	int rc = TSIG_EGSS;

	if (out == NULL)
		return TSIG_EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TSIG_ENOMEM;
	c->cred = GSS_C_NO_CREDENTIAL;
	snprintf(where, sizeof(where), "credentials of %s from %s%s",
	         principal != NULL ? principal : "the default principal",
	         keytab != NULL ? "keytab " : "the credential cache",
	         keytab != NULL ? keytab : "");
	if (principal != NULL) {
		nb.value = (void *)(uintptr_t)principal;
		nb.length = strlen(principal);
		major = gss_import_name(&minor, &nb, GSS_KRB5_NT_PRINCIPAL_NAME,
		                        &name);
		if (GSS_ERROR(major)) {
			gss_err(err, errlen, where, major, minor);
			goto out;
		}
	}
	if (keytab != NULL) { /* MIT credential store extension */
		snprintf(ccache, sizeof(ccache), "MEMORY:acmeup-%p", (void *)c);
		el[0].key = "client_keytab";
		el[0].value = keytab;
		el[1].key = "ccache";
		el[1].value = ccache;
		store.count = 2;
	}
	major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
	                              GSS_C_NO_OID_SET, GSS_C_INITIATE,
	                              keytab != NULL ? &store : NULL, &c->cred,
	                              NULL, &life);
	if (GSS_ERROR(major)) {
		gss_err(err, errlen, where, major, minor);
		goto out;
	}
	if (life == 0) {
		tsig_seterr(err, errlen, "%s: the Kerberos ticket has expired",
		            where);
		goto out;
	}
	rc = cred_inquire(c, where, err, errlen);
out:
	gss_release_name(&minor, &name);
	if (rc < 0) {
		tsig_gss_cred_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

const char *
tsig_gss_cred_name(const struct tsig_gss_cred *c)
{
	return c != NULL ? c->name : "";
}

void
tsig_gss_cred_free(struct tsig_gss_cred *c)
{
	OM_uint32 minor;

	if (c == NULL)
		return;
	if (c->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &c->cred);
	free(c);
}

int
tsig_gss_use_cred(struct tsig_gss *g, const struct tsig_gss_cred *c)
{
	if (g == NULL || c == NULL || g->ctx != GSS_C_NO_CONTEXT)
		return TSIG_EINVAL;
	g->cred = c->cred;
	return 0;
}

#else /* built without GSS-API */

int
tsig_gss_cred_new(const char *keytab, const char *principal,
                  struct tsig_gss_cred **out, char *err, size_t errlen)
{
	(void)keytab, (void)principal, (void)out;
	tsig_seterr(err, errlen, "GSS-TSIG is unavailable: built without "
	            "GSS-API (ACMEUP_GSS off or krb5-gssapi missing)");
	return TSIG_EUNAVAIL;
}

const char *
tsig_gss_cred_name(const struct tsig_gss_cred *c)
{
	(void)c;
	return "";
}

void
tsig_gss_cred_free(struct tsig_gss_cred *c)
{
	(void)c;
}

int
tsig_gss_use_cred(struct tsig_gss *g, const struct tsig_gss_cred *c)
{
	(void)g, (void)c;
	return TSIG_EUNAVAIL;
}

uint32_t
tsig_gss_lifetime(const struct tsig_gss *g)
{
	(void)g;
	return 0;
}

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

#ifdef TSIG_HAVE_GSS
int
tsig_gss_set_alg(struct tsig_gss *g, const char *alg)
{
	const char *want;
	size_t n;

	if (g == NULL || alg == NULL || g->ctx != GSS_C_NO_CONTEXT)
		return TSIG_EINVAL;
	n = strlen(alg);
	if (n > 0 && alg[n - 1] == '.')
		n--;
	if (n == strlen(TSIG_GSS_ALG) && strncasecmp(alg, TSIG_GSS_ALG, n) == 0)
		want = TSIG_GSS_ALG;
	else if (n == strlen(TSIG_GSS_ALG_MS) &&
	         strncasecmp(alg, TSIG_GSS_ALG_MS, n) == 0)
		want = TSIG_GSS_ALG_MS;
	else
		return TSIG_EALG;
	if (tsig_name_to_wire(want, g->key.alg_wire, &g->key.alg_wire_len) != 0)
		return TSIG_EINVAL;
	g->alg = want;
	return 0;
}

const char *
tsig_gss_alg(const struct tsig_gss *g)
{
	return g != NULL ? g->alg : TSIG_GSS_ALG;
}

int
tsig_gss_prior_bare(const struct tsig_gss *g)
{
	return g != NULL && g->layout == TSIG_PRIOR_BARE;
}

#else

int
tsig_gss_set_alg(struct tsig_gss *g, const char *alg)
{
	(void)g, (void)alg;
	return TSIG_EUNAVAIL;
}

const char *
tsig_gss_alg(const struct tsig_gss *g)
{
	(void)g;
	return TSIG_GSS_ALG;
}

int
tsig_gss_prior_bare(const struct tsig_gss *g)
{
	(void)g;
	return 0;
}
#endif
