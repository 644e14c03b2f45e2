/* The engine's ACME glue (src/engine/engine_acme.c), shared with the
 * account and issue commands: contacts and account, the certificate key
 * or the user's CSR, and renewal information (RFC 9773). */
#ifndef ACMEUP_ENGINE_ACME_H
#define ACMEUP_ENGINE_ACME_H

#include <stddef.h>
#include <stdint.h>

struct acme_client;
struct cert_spec;
struct crypto_key;
struct engine_config;

#define ACME_CONTACT_MAX 320
#define ACME_CONTACTS_MAX 10 /* as many as --email may be given */

/* The e-mail addresses emails[0..n) (at most ACME_CONTACTS_MAX are
 * taken) as "mailto:" URLs (RFC 8555 7.3); list borrows buf. */
struct acme_contacts {
	char buf[ACME_CONTACTS_MAX][ACME_CONTACT_MAX];
	const char *list[ACME_CONTACTS_MAX];
	size_t n;
};

int acme_contacts_from_emails(const char *const *emails, size_t n,
                              struct acme_contacts *out);

/* Find or create the account of the client's key with cfg's contacts,
 * terms agreement and External Account Binding. */
int engine_account(struct acme_client *c, const struct engine_config *cfg);

/* --csr FILE: its DER and DNS names (crypto_csr_load), with the file named
 * in errors. Caller frees *der and the names (crypto_names_free). */
int engine_csr_file(const char *path, uint8_t **der, size_t *len,
                    char ***names, size_t *n);

/* The certificate key of s to reuse: certdir/privkey.pem with reuse_key
 * when it exists, else *out NULL (priv_certkey_new makes a new key of
 * engine_cert_key_type(s), in the keys process). *out owned by the
 * caller. */
int engine_cert_key(const struct cert_spec *s, const char *certdir,
                    struct crypto_key **out);

/* s's key type for a new key (enum crypto_key_type): P-256 unless set. */
int engine_cert_key_type(const struct cert_spec *s);

/* RFC 9773: when certdir/cert.pem exists and the CA offers renewalInfo,
 * log the CA's suggested window and set *cert_id (caller frees) for the new
 * order's "replaces"; else *cert_id = NULL. Problems only warn. */
int engine_replaces(struct acme_client *c, const char *certdir,
                    char **cert_id);

#endif
