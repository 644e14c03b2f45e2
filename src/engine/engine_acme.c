/* The ACME side of `issue`: contacts and account, certificate key or the
 * user's CSR, renewal information (RFC 9773). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/acme.h"
#include "acmeup/acme_ari.h"
#include "acmeup/certspec.h"
#include "acmeup/crypto.h"
#include "acmeup/engine.h"
#include "acmeup/engine_acme.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define FILE_MAX (1024 * 1024)

int
acme_contacts_from_emails(const char *const *emails, size_t n_emails,
                          struct acme_contacts *out)
{
	const char *e;
	size_t i;
	int n;

	out->n = 0;
	for (i = 0; i < n_emails && i < ACME_CONTACTS_MAX; i++) {
		e = emails[i];
		if (strncmp(e, "mailto:", 7) == 0)
			e += 7;
		if (e[0] == '\0' || strchr(e, '@') == NULL ||
		    strpbrk(e, ",; \t") != NULL)
			return acmeup_fail(ACMEUP_EUSAGE, "--email '%s' is not "
			    "one e-mail address", emails[i]);
		n = snprintf(out->buf[i], ACME_CONTACT_MAX, "mailto:%s", e);
		if (n < 0 || n >= ACME_CONTACT_MAX)
			return acmeup_fail(ACMEUP_EUSAGE, "--email '%s' is too "
			    "long", emails[i]);
		out->list[i] = out->buf[i];
		out->n++;
	}
	return 0;
}

int
engine_account(struct acme_client *c, const struct engine_config *cfg)
{
	struct acme_contacts ct;
	struct acme_account_req req = { 0 };
	int rc;

	rc = acme_contacts_from_emails(cfg->emails, cfg->n_emails, &ct);
	if (rc != 0)
		return rc;
	req.contacts = ct.list;
	req.n_contacts = ct.n;
	req.agree_tos = cfg->agree_tos;
	req.eab_kid = cfg->eab_kid;
	req.eab_hmac_key = cfg->eab_hmac_key;
	req.eab_alg = cfg->eab_alg;
	return acme_account_open(c, &req, NULL, NULL);
}

int
engine_csr_file(const char *path, uint8_t **der, size_t *len,
                char ***names, size_t *n)
{
	char *data = NULL;
	size_t dlen = 0;
	int rc;

	rc = fsafe_read(path, "CSR file", FSAFE_STRICT | FSAFE_FOLLOW,
	    FILE_MAX, &data, &dlen);
	if (rc == 0)
		rc = crypto_csr_load(data, dlen, der, len, names, n);
	if (rc != 0 && rc != ACMEUP_EIO && rc != ACMEUP_EUSAGE)
		rc = acmeup_err_context(rc, "--csr %s", path);
	/* the file given with --csr: missing, unreadable or no CSR */
	if (rc != 0 && rc != ACMEUP_ENOMEM)
		rc = ACMEUP_EUSAGE;
	if (rc == 0)
		log_stage("csr: %s names %zu DNS name%s", path, *n,
		    *n == 1 ? "" : "s");
	free(data);
	return rc;
}

/* certdir/file into buf. */
static int
cert_path(const char *certdir, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", certdir, file);

	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s",
		    certdir, file);
	return 0;
}

/* --reuse-key: the key in certdir/privkey.pem, if there is one (*out
 * NULL when not): no link followed below --out, not writable by group or
 * others (fsafe.h). */
static int
reuse_key(const char *certdir, const char *path, long owner,
          struct crypto_key **out)
{
	char *pem = NULL, desc[32];
	size_t len = 0;
	int rc;

	rc = store_cert_read_key(certdir, owner, FILE_MAX, &pem, &len);
	if (rc == 0 && pem == NULL)
		return 0;
	if (rc == 0)
		rc = crypto_key_from_pem(pem, len, out);
	if (rc != 0 && rc != ACMEUP_EIO && rc != ACMEUP_EUSAGE)
		rc = acmeup_err_context(rc, "--reuse-key %s", path);
	if (rc == 0) {
		crypto_key_describe(*out, desc, sizeof(desc));
		log_stage("key: reusing the %s key in %s", desc, path);
	}
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}

int
engine_cert_key_type(const struct cert_spec *s)
{
	return s->key_type_set ? s->key_type : CRYPTO_KEY_P256;
}

int
engine_cert_key(const struct cert_spec *s, const char *certdir,
                struct crypto_key **out)
{
	enum crypto_key_type t = (enum crypto_key_type)engine_cert_key_type(s);
	char path[PATH_MAX], desc[32];
	int rc;

	*out = NULL;
	rc = cert_path(certdir, "privkey.pem", path, sizeof(path));
	if (rc != 0)
		return rc;
	rc = s->reuse_key ? reuse_key(certdir, path, s->key_perms ?
	    s->key_uid : -1, out) : 0;
	if (rc != 0)
		return rc;
	if (*out != NULL) {
		if (s->key_type_set && !crypto_key_is_type(*out, t)) {
			crypto_key_describe(*out, desc, sizeof(desc));
			log_warn("--reuse-key keeps the %s key; --key-type %s "
			    "is ignored", desc, crypto_key_type_name(t));
		}
		return rc;
	}
	if (s->reuse_key)
		log_stage("key: no %s to reuse; making a new key", path);
	log_debug("key: new %s certificate key", crypto_key_type_name(t));
	return 0;
}

/* Log the CA's window (RFC 9773 4.2) for the certificate being replaced. */
static void
log_window(struct acme_client *c, const char *cert_id)
{
	struct acme_renewal_info ri = { .retry_after = -1 };
	char from[32], to[32];

	if (acme_renewal_info(c, cert_id, &ri) != 0) {
		log_warn("ari: %s", acmeup_errmsg(ACMEUP_EACME));
		acmeup_err_clear(); /* only logged */
		return;
	}
	ari_format_time(ri.start, from, sizeof(from));
	ari_format_time(ri.end, to, sizeof(to));
	log_stage("ari: the CA suggests renewing %s between %s and %s%s%s",
	    cert_id, from, to, ri.explanation_url != NULL ? "; see " : "",
	    ri.explanation_url != NULL ? ri.explanation_url : "");
	acme_renewal_info_clear(&ri);
}

int
engine_replaces(struct acme_client *c, const char *certdir,
                char **cert_id)
{
	char path[PATH_MAX], *pem = NULL;
	size_t len = 0;
	int rc;

	*cert_id = NULL;
	if (acme_client_directory(c)->renewal_info == NULL)
		return 0;
	rc = cert_path(certdir, "cert.pem", path, sizeof(path));
	if (rc == 0)
		rc = store_cert_read(certdir, "cert.pem", 0, FILE_MAX, &pem,
		    &len);
	if (rc == 0 && pem == NULL)
		return 0;
	if (rc == 0)
		rc = crypto_cert_ari_id(pem, len, cert_id);
	free(pem);
	if (rc != 0) {
		log_warn("ari: %s: %s; ordering without \"replaces\"", path,
		    acmeup_errmsg(rc));
		acmeup_err_clear();
		return 0;
	}
	log_window(c, *cert_id);
	return 0;
}
