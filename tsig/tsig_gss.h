/* libtsig: GSS-TSIG (RFC 3645) on the system GSS-API (MIT Kerberos).
 *
 * The security context is made with gss_init_sec_context() for a service
 * such as "DNS@ns1.example." (mutual, replay and integrity), one token
 * round at a time: the caller carries the tokens in TKEY messages
 * (tsig_tkey.h) to the server. Then messages are signed with gss_get_mic()
 * over the RFC 8945 4.3 TSIG input and replies checked with
 * gss_verify_mic(). Built without GSS-API (CMake ACMEUP_GSS off or no
 * krb5-gssapi), every function but tsig_gss_free() returns TSIG_EUNAVAIL. */
#ifndef TSIG_GSS_H
#define TSIG_GSS_H

#include <stddef.h>
#include <stdint.h>

#include "tsig.h"

struct tsig_gss; /* opaque: one context with one server */

/* 1 when this build has GSS-TSIG, 0 when not. */
int tsig_gss_available(void);

/* A context for key_name (the TKEY owner, "<random>.sig-<primary>.") with
 * the service "DNS@<host>" (host: the zone's SOA MNAME), credentials from
 * the default cache (KRB5CCNAME), algorithm TSIG_GSS_ALG
 * (tsig_gss_set_alg()). *out owned by the caller. */
int tsig_gss_new(const char *key_name, const char *host, struct tsig_gss **out,
                 char *err, size_t errlen);

/* One gss_init_sec_context() round: in[0..in_len) is the server's token
 * (NULL, 0 at first). *out (malloc'd, free() it; NULL when none) is the
 * token to send; *done is 1 once the context is complete, and then the
 * server's last token must have been given here (mutual authentication).
 * err names the service and the GSS-API's major and minor texts. */
int tsig_gss_step(struct tsig_gss *g, const uint8_t *in, size_t in_len,
                  uint8_t **out, size_t *out_len, int *done, char *err,
                  size_t errlen);

/* As tsig_sign() and tsig_verify(), with the context's MIC as the MAC and
 * tsig_gss_alg() as algorithm; the context must be complete (TSIG_EINVAL).
 * A ctx with mac_len 0 verifies the answer to an unsigned request: the
 * TKEY answer that completed the context (RFC 3645 4.1.3). Samba 4.17
 * interop: replies over the request MAC without its length are accepted
 * (tsig_gss_prior_bare()); under TSIG_GSS_ALG_MS a TSIG RR naming
 * "gss-tsig" whose MIC covers "gss.microsoft.com" is accepted; a reply
 * that carries the request's own TSIG RR back (Samba's SERVFAIL to a
 * principal without rights echoes the request) is TSIG_EUNSIGNED. */
int tsig_gss_sign(struct tsig_gss *g, uint8_t *msg, size_t *len, size_t cap,
                  struct tsig_ctx *ctx);
int tsig_gss_verify(struct tsig_gss *g, const uint8_t *msg, size_t len,
                    const struct tsig_ctx *ctx, struct tsig_result *res);

/* The algorithm name of the TKEY and TSIG RRs: TSIG_GSS_ALG ("gss-tsig",
 * RFC 3645, the default) or TSIG_GSS_ALG_MS ("gss.microsoft.com", what
 * Windows DNS and nsupdate -o use; Samba takes both); case-insensitive,
 * trailing dot optional. Only before the first tsig_gss_step()
 * (TSIG_EINVAL); TSIG_EALG for another name. tsig_gss_alg() gives the
 * one in use (borrowed, static). */
int tsig_gss_set_alg(struct tsig_gss *g, const char *alg);
const char *tsig_gss_alg(const struct tsig_gss *g);

/* 1 once the server's replies verified over the request MAC without its
 * 2-byte length (Samba 4.17; RFC 8945 4.3.1 wants it): the first reply to
 * a signed request tells which layout the server uses, and the context
 * accepts only that one afterwards. For a debug message. */
int tsig_gss_prior_bare(const struct tsig_gss *g);

/* Seconds the complete context remains valid (gss_context_time(); the
 * Kerberos ticket's end), 0 when expired, incomplete or unavailable. Use
 * it, not a TKEY answer's expiration (tsig_tkey_expiry()). */
uint32_t tsig_gss_lifetime(const struct tsig_gss *g);

void tsig_gss_free(struct tsig_gss *g); /* accepts NULL */

/* Initiator credentials, shared by the contexts of a run. */
struct tsig_gss_cred;

/* With a keytab: principal's key (NULL: the keytab's first entry) taken
 * into a private MEMORY credential cache, so no kinit is needed and the
 * user's cache is never written. Without: the default credential cache
 * (KRB5CCNAME), for principal when given. The credentials are acquired
 * now: err names the principal, the keytab or cache, and the GSS-API's
 * reason (no credentials, expired ticket, unknown principal). *out owned
 * by the caller. */
int tsig_gss_cred_new(const char *keytab, const char *principal,
                      struct tsig_gss_cred **out, char *err, size_t errlen);

/* The principal the credentials are for ("host/x@REALM"); borrowed. */
const char *tsig_gss_cred_name(const struct tsig_gss_cred *c);

void tsig_gss_cred_free(struct tsig_gss_cred *c); /* accepts NULL */

/* Make g's context with c (borrowed: it must outlive g) instead of the
 * default credentials; before the first tsig_gss_step() (TSIG_EINVAL). */
int tsig_gss_use_cred(struct tsig_gss *g, const struct tsig_gss_cred *c);

#endif
