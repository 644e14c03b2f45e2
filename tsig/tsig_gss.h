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
 * the default cache (KRB5CCNAME). *out owned by the caller. */
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
 * "gss-tsig." as algorithm; the context must be complete (TSIG_EINVAL).
 * A ctx with mac_len 0 verifies the answer to an unsigned request: the
 * TKEY answer that completed the context (RFC 3645 4.1.3). */
int tsig_gss_sign(struct tsig_gss *g, uint8_t *msg, size_t *len, size_t cap,
                  struct tsig_ctx *ctx);
int tsig_gss_verify(struct tsig_gss *g, const uint8_t *msg, size_t len,
                    const struct tsig_ctx *ctx, struct tsig_result *res);

void tsig_gss_free(struct tsig_gss *g); /* accepts NULL */

#endif
