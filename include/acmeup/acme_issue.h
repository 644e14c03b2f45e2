/* The ACME side of `acmeup issue` (src/acme_issue.c), shared with the
 * account command: contacts and account, the certificate key or the user's
 * CSR, and renewal information (RFC 9773). */
#ifndef ACMEUP_ACME_ISSUE_H
#define ACMEUP_ACME_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include "acmeup/cli.h"

struct acme_client;
struct crypto_key;

#define ACME_CONTACT_MAX 320

/* The --email addresses as "mailto:" URLs (RFC 8555 7.3); list borrows
 * buf. */
struct acme_contacts {
	char buf[CLI_MAX_EMAILS][ACME_CONTACT_MAX];
	const char *list[CLI_MAX_EMAILS];
	size_t n;
};

int acme_contacts_from_opts(const struct opts *o, struct acme_contacts *out);

/* Find or create the account of the client's key with o's contacts, terms
 * agreement and External Account Binding. */
int acme_issue_account(struct acme_client *c, const struct opts *o);

/* Combinations of --csr, -d, --reuse-key, --key-type that make no sense. */
int acme_issue_check_options(const struct opts *o);

/* --csr FILE: its DER and DNS names (crypto_csr_load), with the file named
 * in errors. Caller frees *der and the names (crypto_names_free). */
int acme_issue_csr_file(const char *path, uint8_t **der, size_t *len,
                        char ***names, size_t *n);

/* The certificate key: certdir/privkey.pem with --reuse-key when it exists,
 * else a new key of --key-type (P-256 by default). *out owned by the
 * caller. */
int acme_issue_cert_key(const struct opts *o, const char *certdir,
                        struct crypto_key **out);

/* RFC 9773: when certdir/cert.pem exists and the CA offers renewalInfo,
 * log the CA's suggested window and set *cert_id (caller frees) for the new
 * order's "replaces"; else *cert_id = NULL. Problems only warn. */
int acme_issue_replaces(struct acme_client *c, const char *certdir,
                        char **cert_id);

#endif
