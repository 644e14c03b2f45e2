/* GSS-TSIG for UPDATEs (RFC 3645): credentials per keytab and principal,
 * and one security context per primary and credentials for the whole run,
 * made by a TKEY exchange (RFC 2930 mode 3) on first use. A context the
 * server rejects, or one about to expire, is made anew (dns_gss_drop). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_internal.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "tsig.h"
#include "acmeup/priv_gss.h"
#include "tsig_tkey.h"

#define GSS_ROUNDS_MAX 8       /* Kerberos needs one; SPNEGO two or three */
#define GSS_TKEY_LIFETIME 3600 /* what we ask for; the ticket caps it */
#define GSS_MARGIN 60          /* a context this close to its end is renewed */
#define GSS_ROOM 1024          /* TSIG RR: key name, algorithm, fields, MIC */
#define GSS_CTX_MAX 16
#define TKEY_BADALG 21         /* RFC 2930 2.6, RFC 8945 */

struct gss_cred_ent {
	char *keytab;              /* NULL: the default credential cache */
	char *principal;           /* NULL: the default principal */
	int cred;                  /* priv_gss credentials id */
};

struct gss_ctx_ent {
	struct dns_addr primary;
	struct gss_cred_ent *who;
	int g;                     /* complete context (priv_gss id), or 0 */
	char service[300];         /* DNS@<SOA MNAME> */
	time_t expires;
	int said_bare;             /* Samba's reply layout logged */
	int ms;                    /* algorithm gss.microsoft.com */
	int alg_refused;           /* the last TKEY answer refused the
	                            * algorithm */
};

/* Process-wide: a journal's cleanup has no dns_ctx (dns_set.ctx NULL). */
static struct gss_cred_ent creds[GSS_CTX_MAX];
static size_t ncreds;
static struct gss_ctx_ent ctxs[GSS_CTX_MAX];
static size_t nctxs;

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The credentials acquired for who, or NULL. */
static struct gss_cred_ent *
cred_lookup(const struct dns_gss_who *who)
{
	size_t i;

	for (i = 0; i < ncreds; i++)
		if (same(creds[i].keytab, who->keytab) &&
		    same(creds[i].principal, who->principal))
			return &creds[i];
	return NULL;
}

/* z's complete context (its primary, its credentials), or NULL. */
static struct gss_ctx_ent *
ctx_lookup(const struct dns_zone *z)
{
	size_t i;

	for (i = 0; i < nctxs; i++)
		if (ctxs[i].g != 0 &&
		    ctxs[i].who == cred_lookup(&z->gss) &&
		    dns_addr_equal(&ctxs[i].primary, &z->primary))
			return &ctxs[i];
	return NULL;
}

/* The credentials of who (acquired on first use); errors name zone. */
static int
cred_find(const struct dns_gss_who *who, const char *zone,
          struct gss_cred_ent **out)
{
	struct gss_cred_ent *e = cred_lookup(who);
	char err[1024] = "";
	int trc;

	if (e != NULL) {
		*out = e;
		return 0;
	}
	if (ncreds == GSS_CTX_MAX)
		return acmeup_fail(ACMEUP_ETSIG, "zone %s: too many GSS-TSIG "
		                   "credentials in one run", zone);
	e = &creds[ncreds];
	trc = priv_gss_cred_new(who->keytab, who->principal, &e->cred, err,
	                        sizeof(err));
	if (trc != 0)
		return acmeup_fail(ACMEUP_ETSIG, "GSS-TSIG%s%s: %s%s",
		                   strcmp(zone, "*") != 0 ? " for zone " : "",
		                   strcmp(zone, "*") != 0 ? zone : "", err,
		                   trc == TSIG_EUNAVAIL ? "" :
		                   who->keytab != NULL ? " (klist -k lists the "
		                   "keytab's principals; KRB5_CONFIG names the KDC)" :
		                   " (kinit first, or give --gss-keytab)");
	e->keytab = dup_or_null(who->keytab);
	e->principal = dup_or_null(who->principal);
	if ((who->keytab != NULL && e->keytab == NULL) ||
	    (who->principal != NULL && e->principal == NULL)) {
		free(e->keytab);
		free(e->principal);
		return ACMEUP_ENOMEM;
	}
	log_debug("dns: GSS-TSIG credentials of %s (%s)",
	          priv_gss_cred_name(e->cred), who->keytab != NULL ?
	          who->keytab : "credential cache");
	ncreds++;
	*out = e;
	return 0;
}

int
dns_gss_acquire(const struct dns_gss_who *who, const char *zone)
{
	struct gss_cred_ent *e;
	int rc = cred_find(who, zone, &e);

	return rc == ACMEUP_ETSIG ? ACMEUP_EUSAGE : rc;
}

static int
cred_get(const struct dns_zone *z, struct gss_cred_ent **out)
{
	return cred_find(&z->gss, z->name, out);
}

/* The server's host name for the service principal: the zone's SOA
 * MNAME (RFC 3645 3.1.1 names the server, not its address). */
static int
service_name(const struct dns_zone *z, char *buf, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rr *soa;
	char *host = NULL;
	int rc;

	if (z->mname != NULL) {
		snprintf(buf, len, "%s", z->mname);
		return 0;
	}
	rc = dns_query(&z->primary, z->apex, LDNS_RR_TYPE_SOA, 0, NULL,
	               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &p);
	if (rc == 0) {
		soa = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
		if (soa != NULL && ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(soa) == 7)
			host = dns_name_text(ldns_rr_rdf(soa, 0));
	}
	ldns_pkt_free(p);
	if (host == NULL)
		return rc < 0 ? rc : acmeup_fail(ACMEUP_EDNS, "GSS-TSIG for zone "
		                   "%s: %s gives no SOA, so no server name for the "
		                   "service principal", z->name, z->primary.text);
	snprintf(buf, len, "%s", host);
	free(host);
	return 0;
}

/* One TKEY round: token out, the server's answer (checked) back. */
static int
tkey_round(const struct dns_zone *z, struct gss_ctx_ent *c,
           const char *key, const uint8_t *tok, size_t tlen,
           uint8_t **reply, size_t *rlen, struct tsig_tkey *tk)
{
	uint8_t *q;
	size_t qlen = 0, cap = tlen + 1024;
	uint16_t id = dns_random_id();
	int rc, trc;

	q = malloc(cap);
	if (q == NULL)
		return ACMEUP_ENOMEM;
	trc = tsig_tkey_query(key, priv_gss_alg(c->g), tok, tlen,
	                      (uint32_t)time(NULL), GSS_TKEY_LIFETIME, id, q,
	                      &qlen, cap);
	rc = trc != 0 ? acmeup_fail(ACMEUP_ETSIG, "zone %s: TKEY query: %s",
	                            z->name, tsig_strerror(trc)) :
	     dns_exchange_tcp(&z->primary, q, qlen, DNS_QUERY_TIMEOUT_MS, 1,
	                      reply, rlen);
	free(q);
	if (rc < 0)
		return dns_fail_prefix(rc, "GSS-TSIG key exchange (TKEY)");
	memset(tk, 0, sizeof(*tk));
	trc = tsig_tkey_reply(*reply, *rlen, id, key, priv_gss_alg(c->g), tk);
	if (trc == 0 && tk->error == 0 && tk->mode == TSIG_TKEY_MODE_GSSAPI)
		return 0;
	/* RFC 2930 2.6 BADALG, a TKEY RR naming the algorithm it takes, or
	 * NOTIMP: the server tells that it wants the other name */
	c->alg_refused = trc == TSIG_EKEYNAME ||
	                 (trc == 0 && tk->error == TKEY_BADALG) ||
	                 (trc != 0 && tk->rcode == LDNS_RCODE_NOTIMPL);
	return acmeup_fail(ACMEUP_ETSIG, "%s refused the GSS-TSIG key exchange "
	                   "(TKEY) for zone %s as %s, service %s: %s, TKEY error "
	                   "%u%s", z->primary.text, z->name,
	                   priv_gss_cred_name(c->who->cred), c->service,
	                   dns_rcode_name(tk->rcode), (unsigned)tk->error,
	                   trc != 0 ? " (no TKEY answer)" : "");
}

/* RFC 3645 4.1: gss_init_sec_context rounds carried in TKEY until the
 * context is complete; its last answer is signed by the new context
 * (4.1.3). */
static int
establish(const struct dns_zone *z, struct gss_ctx_ent *c, const char *key)
{
	uint8_t *tok = NULL, *in = NULL, *reply = NULL;
	size_t tlen = 0, inlen = 0, rlen = 0;
	struct tsig_ctx none;
	struct tsig_result res;
	struct tsig_tkey tk;
	long long skew;
	char err[1024] = "";
	int done = 0, rounds, rc = 0, trc;

	for (rounds = 0; rc == 0 && !done && rounds < GSS_ROUNDS_MAX; rounds++) {
		trc = priv_gss_step(c->g, in, inlen, &tok, &tlen, &done, err,
		                    sizeof(err));
		free(in);
		in = NULL;
		if (trc != 0) {
			rc = acmeup_fail(ACMEUP_ETSIG, "GSS-TSIG for zone %s at %s "
			                 "as %s: %s (%s)", z->name, z->primary.text,
			                 priv_gss_cred_name(c->who->cred), err,
			                 strstr(err, "skew") != NULL ? "this host's "
			                 "clock and the KDC's differ by more than "
			                 "Kerberos allows, 5 minutes by default: run "
			                 "NTP" : "the KDC must know the service: the "
			                 "zone's SOA MNAME names the server");
			break;
		}
		if (tok == NULL)
			break;
		free(reply);
		reply = NULL;
		rc = tkey_round(z, c, key, tok, tlen, &reply, &rlen, &tk);
		free(tok);
		tok = NULL;
		if (rc == 0 && (in = malloc(tk.token_len + 1)) == NULL)
			rc = ACMEUP_ENOMEM;
		if (rc == 0) {
			memcpy(in, tk.token, tk.token_len);
			inlen = tk.token_len;
		}
	}
	free(in);
	if (rc == 0 && (!done || reply == NULL))
		rc = acmeup_fail(ACMEUP_ETSIG, "GSS-TSIG for zone %s at %s: the "
		                 "context is not complete after %d rounds", z->name,
		                 z->primary.text, rounds);
	memset(&none, 0, sizeof(none));
	memset(&res, 0, sizeof(res));
	trc = rc == 0 ? priv_gss_verify(c->g, reply, rlen, &none, &res) : 0;
	skew = (long long)res.server_time - (long long)res.our_time;
	if (trc == TSIG_EBADTIME)
		rc = acmeup_fail(ACMEUP_ETSIG, "clock skew: %s is %lld s %s this "
		                 "host (its TKEY answer for zone %s is signed at "
		                 "%llu, here it is %llu; TSIG allows 300 s): run "
		                 "NTP", z->primary.text, skew < 0 ? -skew : skew,
		                 skew < 0 ? "behind" : "ahead of", z->name,
		                 (unsigned long long)res.server_time,
		                 (unsigned long long)res.our_time);
	else if (trc != 0)
		rc = acmeup_fail(ACMEUP_ETSIG, "the TKEY answer of %s for zone %s "
		                 "does not verify with the new context (%s): forged "
		                 "or altered", z->primary.text, z->name,
		                 tsig_strerror(trc));
	if (rc == 0)
		c->expires = (time_t)tsig_tkey_expiry(&tk, (uint32_t)time(NULL),
		                                      priv_gss_lifetime(c->g));
	free(reply);
	return rc;
}

/* One attempt at a context under algorithm c->ms: a new key name
 * "<random>.sig-<server>" (what BIND's nsupdate uses), the credentials,
 * the service, the TKEY rounds. */
static int
ctx_try(const struct dns_zone *z, struct gss_ctx_ent *c, const char *host)
{
	char key[300], err[1024] = "";
	int rc = 0, trc;

	snprintf(key, sizeof(key), "%04x%04x.sig-%s", dns_random_id(),
	         dns_random_id(), host);
	c->alg_refused = 0;
	trc = priv_gss_new(key, host, c->who->cred, c->ms, &c->g, err,
	                   sizeof(err));
	if (trc != 0)
		rc = acmeup_fail(ACMEUP_ETSIG, "GSS-TSIG for zone %s: %s", z->name,
		                 err[0] != '\0' ? err : tsig_strerror(trc));
	if (rc == 0)
		rc = establish(z, c, key);
	if (rc < 0) {
		priv_gss_free(c->g);
		c->g = 0;
		return rc;
	}
	log_debug("dns: %s: GSS-TSIG context with %s as %s (service %s, key "
	          "%s, %s), usable %lld s", z->name, z->primary.text,
	          priv_gss_cred_name(c->who->cred), c->service, key,
	          priv_gss_alg(c->g), (long long)(c->expires - time(NULL)));
	return 0;
}

/* A fresh context for c; when the server refuses the algorithm name
 * (gss-tsig, RFC 3645, or gss.microsoft.com, older Windows), once more
 * under the other, which c keeps for the run. */
static int
ctx_make(const struct dns_zone *z, struct gss_ctx_ent *c)
{
	char host[256];
	int rc;

	rc = service_name(z, host, sizeof(host));
	if (rc < 0)
		return rc;
	snprintf(c->service, sizeof(c->service), "DNS/%s", host);
	rc = ctx_try(z, c, host);
	if (rc == ACMEUP_ETSIG && c->alg_refused) {
		log_warn("dns: %s: %s refuses the GSS-TSIG algorithm %s: trying "
		         "%s", z->name, z->primary.text, c->ms ?
		         TSIG_GSS_ALG_MS : TSIG_GSS_ALG, c->ms ? TSIG_GSS_ALG :
		         TSIG_GSS_ALG_MS);
		acmeup_err_clear();
		c->ms = !c->ms;
		rc = ctx_try(z, c, host);
	}
	return rc;
}

/* The context for z's primary and credentials, made when missing or
 * about to expire. */
static int
ctx_get(const struct dns_zone *z, struct gss_ctx_ent **out)
{
	struct gss_cred_ent *who;
	struct gss_ctx_ent *c = NULL;
	size_t i;
	int rc = cred_get(z, &who);

	for (i = 0; rc == 0 && i < nctxs && c == NULL; i++)
		if (ctxs[i].who == who && dns_addr_equal(&ctxs[i].primary,
		                                         &z->primary))
			c = &ctxs[i];
	if (rc == 0 && c == NULL) {
		if (nctxs == GSS_CTX_MAX)
			return acmeup_fail(ACMEUP_ETSIG, "zone %s: too many GSS-TSIG "
			                   "contexts in one run", z->name);
		c = &ctxs[nctxs++];
		memset(c, 0, sizeof(*c));
		c->primary = z->primary;
		c->who = who;
		c->ms = z->gss.microsoft;
	}
	if (rc == 0 && c->g != 0 && time(NULL) + GSS_MARGIN >= c->expires) {
		log_debug("dns: %s: the GSS-TSIG context with %s ends; a new one",
		          z->name, z->primary.text);
		priv_gss_free(c->g);
		c->g = 0;
	}
	if (rc == 0 && c->g != 0 && !priv_gss_valid(c->g)) {
		log_warn("dns: %s: the GSS-TSIG context with %s died with its "
		         "Kerberos process; a new one", z->name, z->primary.text);
		priv_gss_free(c->g);
		c->g = 0;
	}
	if (rc == 0 && c->g == 0)
		rc = ctx_make(z, c);
	if (rc == 0)
		*out = c;
	return rc;
}

/* One signature with z's context (made when missing); 1 when the
 * context died with its Kerberos process on the way (make it anew). */
static int
sign_once(const struct dns_zone *z, uint8_t *buf, size_t *n, size_t cap,
          struct tsig_ctx *tctx)
{
	struct gss_ctx_ent *c = NULL;
	int rc = ctx_get(z, &c), trc;

	if (rc < 0)
		return rc;
	memset(tctx, 0, sizeof(*tctx));
	trc = priv_gss_sign(c->g, buf, n, cap, tctx);
	if (trc != 0 && !priv_gss_valid(c->g))
		return 1;
	if (trc != 0)
		return acmeup_fail(ACMEUP_ETSIG, "cannot sign the UPDATE of zone %s "
		                   "with GSS-TSIG: %s", z->name, tsig_strerror(trc));
	return 0;
}

int
dns_gss_sign(const struct dns_zone *z, const uint8_t *msg, size_t len,
             uint8_t **out, size_t *outlen, struct tsig_ctx *tctx)
{
	uint8_t *buf = malloc(len + GSS_ROOM);
	size_t n = len;
	int rc = 1, tries;

	if (buf == NULL)
		return ACMEUP_ENOMEM;
	for (tries = 0; rc == 1 && tries < 2; tries++) {
		memcpy(buf, msg, len);
		n = len;
		rc = sign_once(z, buf, &n, len + GSS_ROOM, tctx);
	}
	if (rc == 1)
		rc = acmeup_fail(ACMEUP_ETSIG, "cannot sign the UPDATE of zone %s "
		                 "with GSS-TSIG: the Kerberos process is gone",
		                 z->name);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

int
dns_gss_verify(const struct dns_zone *z, const uint8_t *reply, size_t rlen,
               const struct tsig_ctx *tctx, struct tsig_result *res)
{
	struct gss_ctx_ent *c = ctx_lookup(z);
	int trc;

	if (c == NULL)
		return TSIG_EINVAL;
	trc = priv_gss_verify(c->g, reply, rlen, tctx, res);
	if (trc == 0 && !c->said_bare && priv_gss_prior_bare(c->g)) {
		log_debug("dns: %s: %s replies over the request MAC without its "
		          "length (Samba; RFC 8945 4.3.1 wants it): accepted from "
		          "this server", z->name, z->primary.text);
		c->said_bare = 1;
	}
	return trc;
}

void
dns_gss_drop(const struct dns_zone *z)
{
	size_t i;

	for (i = 0; i < nctxs; i++)
		if (ctxs[i].g != 0 && dns_addr_equal(&ctxs[i].primary,
		                                     &z->primary)) {
			priv_gss_free(ctxs[i].g);
			ctxs[i].g = 0;
		}
}

const char *
dns_gss_who_name(const struct dns_gss_who *who)
{
	const struct gss_cred_ent *e = cred_lookup(who);

	if (e != NULL)
		return priv_gss_cred_name(e->cred);
	return who->principal != NULL ? who->principal :
	       "the default principal";
}

const char *
dns_gss_principal(const struct dns_zone *z)
{
	return dns_gss_who_name(&z->gss);
}

int
dns_gss_describe(const struct dns_zone *z, char *buf, size_t len)
{
	const struct gss_ctx_ent *c = ctx_lookup(z);

	if (c == NULL)
		return 0;
	snprintf(buf, len, "ticket for %s, TKEY with %s done (%s), context "
	         "usable %lld s", c->service, z->primary.text, priv_gss_alg(c->g),
	         (long long)(c->expires - time(NULL)));
	return 1;
}

const char *
dns_zone_signer(const struct dns_zone *z)
{
	static char buf[600];

	if (!z->use_gss)
		return tsig_key_name(z->key);
	snprintf(buf, sizeof(buf), "GSS-TSIG %s", dns_gss_principal(z));
	return buf;
}

void
dns_gss_end(void)
{
	size_t i;

	priv_gss_end(); /* the contexts and credentials */
	for (i = 0; i < ncreds; i++) {
		free(creds[i].keytab);
		free(creds[i].principal);
	}
	nctxs = ncreds = 0;
}

void
dns_gss_separate(void)
{
	priv_gss_separate(1);
}
