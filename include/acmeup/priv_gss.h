/* The Kerberos process (src/priv/priv_gss.c, priv_gss_serve.c): GSS-TSIG
 * (tsig_gss.h) with the credentials and security contexts in a process of
 * their own, so that the process that talks to the CA and the DNS servers
 * holds no Kerberos ticket or key and can give up root and its files.
 *
 * After priv_gss_separate(), the first credential acquisition forks the
 * Kerberos process and a standby beside it, as the invoking user, with
 * nothing loaded yet: every credential is acquired there. It opens the
 * keytab and cache, talks to the KDC, makes the contexts (the tokens are
 * carried here, in TKEY) and signs and checks with them; it executes
 * nothing (seccomp). When it dies, the standby takes over: it acquires the
 * credentials again, and the contexts are made anew (priv_gss_valid).
 * Without priv_gss_separate() (--no-sandbox, a build without GSS-API) the
 * same calls run in this process.
 *
 * Credentials and contexts are ids from 1. Results are TSIG_* codes
 * (tsig.h); a Kerberos process that cannot be reached gives TSIG_ECRYPTO
 * (its death logged). */
#ifndef ACMEUP_PRIV_GSS_H
#define ACMEUP_PRIV_GSS_H

#include <stddef.h>
#include <stdint.h>

struct tsig_ctx;
struct tsig_result;

/* From now on, GSS-TSIG in the Kerberos process (forked at the first
 * priv_gss_cred_new); sandbox: it installs the seccomp filter. */
void priv_gss_separate(int sandbox);

/* No Kerberos process may be forked from now on (this process is about to
 * be confined): a credential not acquired yet is refused, naming why. */
void priv_gss_seal(void);

/* tsig_gss_cred_new(): *id > 0. err as there. */
int priv_gss_cred_new(const char *keytab, const char *principal, int *id,
                      char *err, size_t errlen);

/* The principal of credential id ("" when none); borrowed. */
const char *priv_gss_cred_name(int id);

/* A context (tsig_gss_new, tsig_gss_use_cred, and with ms
 * tsig_gss_set_alg(TSIG_GSS_ALG_MS)): *id > 0. */
int priv_gss_new(const char *key_name, const char *host, int cred, int ms,
                 int *id, char *err, size_t errlen);

/* tsig_gss_step(), tsig_gss_sign(), tsig_gss_verify() on context id. */
int priv_gss_step(int id, const uint8_t *in, size_t in_len, uint8_t **out,
                  size_t *out_len, int *done, char *err, size_t errlen);
int priv_gss_sign(int id, uint8_t *msg, size_t *len, size_t cap,
                  struct tsig_ctx *ctx);
int priv_gss_verify(int id, const uint8_t *msg, size_t len,
                    const struct tsig_ctx *ctx, struct tsig_result *res);

/* tsig_gss_alg(), tsig_gss_prior_bare(), tsig_gss_lifetime() of id (the
 * lifetime as of the step that completed it). */
const char *priv_gss_alg(int id);
int priv_gss_prior_bare(int id);
uint32_t priv_gss_lifetime(int id);

/* 0 when id's Kerberos process has died since it was made (make a new
 * one), else 1. */
int priv_gss_valid(int id);

void priv_gss_free(int id); /* accepts 0 */

/* End the Kerberos processes (EOF, then reap) or, without them, free the
 * credentials and contexts here. */
void priv_gss_end(void);

/* 1 when a Kerberos process was started and one has died (its message,
 * naming the process and signal, in buf), else 0. */
int priv_gss_died(char *buf, size_t len);

/* Pid of the Kerberos process serving now, 0 when none. */
long priv_gss_pid(void);

#endif
