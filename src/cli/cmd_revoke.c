/* acmeup revoke --cert FILE [--reason N] [--cert-key FILE] (RFC 8555 7.6) */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/acme.h"
#include "acmeup/crypto.h"
#include "acmeup/engine.h"
#include "acmeup/error.h"
#include "acmeup/certspec.h"
#include "acmeup/log.h"
#include "acmeup/store.h"
#include "cli_internal.h"

#define FILE_MAX (1024 * 1024)

/* The file's bytes; *data NUL-terminated, caller wipes and frees. A file
 * named on the command line that cannot be read is a usage error. */
static int
read_file(const char *what, const char *path, char **data, size_t *len)
{
	int rc;

	rc = store_read(path, FILE_MAX, data, len);
	if (rc != 0 && rc != ACMEUP_EIO)
		rc = acmeup_err_context(rc, "%s %s", what, path);
	return rc == 0 || rc == ACMEUP_ENOMEM ? rc : ACMEUP_EUSAGE;
}

/* --cert-key: the certificate's own key, which must match it; read and
 * held by the keys process, which signs the JWS. */
static int
load_cert_key(const struct opts *o, const char *path, const char *cert,
              size_t cert_len, struct crypto_key **out)
{
	int rc;

	rc = engine_keys_start(NULL, NULL, !o->no_sandbox);
	if (rc == 0)
		rc = engine_keys_load(o->cert_key, out);
	if (rc == ACMEUP_EIO)
		rc = ACMEUP_EUSAGE; /* a file named on the command line */
	if (rc != 0 && rc != ACMEUP_ENOMEM)
		rc = acmeup_err_context(rc, "--cert-key %s", o->cert_key);
	if (rc == 0 && crypto_cert_key_matches(cert, cert_len, *out) != 0) {
		acmeup_err_clear(); /* replaced by the line below */
		rc = acmeup_fail(ACMEUP_EUSAGE, "--cert-key %s is not the key "
		    "of the certificate %s", o->cert_key, path);
		crypto_key_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The account key, which must exist: revoking never creates an account. */
static int
load_account_key(const struct opts *o, struct crypto_key **out)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int rc;

	rc = store_account_dir(o->state_dir, o->server, o->eab_kid, 0, dir,
	    sizeof(dir));
	if (rc == 0)
		rc = account_key_path(dir, NULL, path, sizeof(path));
	if (rc == 0 && store_exists(path) != 1) {
		acmeup_err_clear(); /* replaced by the line below */
		rc = acmeup_fail(ACMEUP_EUSAGE, "no account key %s: give the "
		    "--state-dir of the account that ordered the certificate, "
		    "or sign with the certificate's key (--cert-key FILE)",
		    path);
	}
	/* in the keys process, which signs the JWS */
	if (rc == 0)
		rc = engine_keys_start(NULL, NULL, !o->no_sandbox);
	if (rc == 0)
		rc = engine_keys_account(dir, CRYPTO_KEY_P256, 0, 0, out, NULL);
	return rc;
}

static int
check_options(const struct opts *o)
{
	if ((o->cert == NULL) == (o->n_args == 0))
		return acmeup_fail(ACMEUP_EUSAGE, "revoke: give the "
		    "certificate: its NAME (acmeup list) or --cert FILE");
	if (o->server == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "revoke: give the ACME "
		    "directory URL with --server");
	if (o->n_args > 1)
		return acmeup_fail(ACMEUP_EUSAGE, "revoke: one certificate at a "
		    "time; unexpected '%s'", o->args[1]);
	return 0;
}

/* Sign with the account (found, never created) or with the cert's key;
 * confined as issue is, when the state directory is there (nothing is
 * noted without it). */
static int
revoke_with(const struct opts *o, const struct crypto_key *key,
            const uint8_t *der, size_t der_len)
{
	struct acme_account_req req = { .only_existing = 1 };
	struct acme_client *acme = NULL;
	char ca[ENGINE_CA_COPY] = "";
	int rc = 0;

	if (o->state_dir != NULL && access(o->state_dir, F_OK) == 0)
		rc = engine_keys_confine(o->state_dir, o->ca_bundle,
		    !o->no_sandbox, ca, sizeof(ca));
	if (rc == 0)
		rc = acme_client_open(o->server, ca[0] != '\0' ? ca :
		    o->ca_bundle, key, o->wait_rate_limit, &acme);
	if (rc == 0 && o->cert_key == NULL)
		rc = acme_account_open(acme, &req, NULL, NULL);
	if (rc == 0)
		rc = acme_revoke(acme, der, der_len, o->reason);
	acme_client_free(acme);
	return rc;
}

/* The certificate to revoke: --cert, or NAME's cert.pem (a cert block or
 * a remembered certificate); *name (borrowed from the list, or NULL) the
 * certificate's name when known, for the revocation note. */
static int
find_cert(const struct opts *o, const struct certspec_list *specs,
          char *path, size_t len, const char **name)
{
	char want[PATH_MAX], have[PATH_MAX], p[PATH_MAX];
	size_t i;
	int n;

	*name = NULL;
	if (o->cert != NULL) {
		snprintf(path, len, "%s", o->cert);
		/* the live cert.pem of a known certificate: note it too */
		if (realpath(o->cert, want) == NULL)
			return 0;
		for (i = 0; i < specs->n && *name == NULL; i++) {
			n = snprintf(p, sizeof(p), "%s/%s/cert.pem",
			    specs->specs[i].out_dir, specs->specs[i].name);
			if (n > 0 && (size_t)n < sizeof(p) && realpath(p, have) !=
			    NULL && strcmp(want, have) == 0)
				*name = specs->specs[i].name;
		}
		return 0;
	}
	for (i = 0; i < specs->n; i++)
		if (strcmp(specs->specs[i].name, o->args[0]) == 0)
			break;
	if (i == specs->n)
		return acmeup_fail(ACMEUP_EUSAGE, "revoke: no certificate %s in "
		    "the configuration or remembered (acmeup list shows them)",
		    o->args[0]);
	n = snprintf(path, len, "%s/%s/cert.pem", specs->specs[i].out_dir,
	    specs->specs[i].name);
	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EUSAGE, "revoke: %s: path too long",
		    o->args[0]);
	*name = specs->specs[i].name;
	return 0;
}

/* A revocation of a known certificate is noted (list, renew). */
static void
note_revoked(const struct opts *o, const char *name, const char *cert,
             size_t len)
{
	char *id = NULL;

	if (name == NULL)
		return;
	if (crypto_cert_ari_id(cert, len, &id) != 0 ||
	    store_cert_revoked_note(o->state_dir, name, id) != 0) {
		log_warn("revoke: %s revoked, but not noted for list and renew: "
		    "%s", name, acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
	free(id);
}

/* The CA of the certificate name (its cert block's or remembered server)
 * unless --server was given, else o's. */
static const char *
cert_server(const struct opts *o, const struct certspec_list *specs,
            const char *name)
{
	size_t i;

	for (i = 0; name != NULL && !cli_given(o, "server") && i < specs->n;
	     i++)
		if (specs->specs[i].name == name && specs->specs[i].server != NULL)
			return specs->specs[i].server;
	return o->server;
}

int
revoke_run(const struct opts *o)
{
	struct certspec_list specs = { NULL, 0 };
	struct crypto_key *key = NULL;
	struct opts all, oc;
	char path[PATH_MAX], *cert = NULL;
	const char *name = NULL;
	uint8_t *der = NULL;
	size_t cert_len = 0, der_len = 0;
	int rc;

	rc = check_options(o);
	/* every known certificate (NAME is ours to find, not a selection) */
	all = *o;
	all.n_args = 0;
	if (rc == 0)
		rc = certspec_load(&all, o->config, &specs);
	if (rc == 0)
		rc = find_cert(o, &specs, path, sizeof(path), &name);
	oc = *o;
	if (rc == 0)
		oc.server = cert_server(o, &specs, name);
	o = &oc; /* from here on, with the certificate's CA */
	if (rc == 0)
		rc = read_file("certificate", path, &cert, &cert_len);
	if (rc == 0)
		rc = crypto_cert_der(cert, cert_len, &der, &der_len);
	if (rc != 0 && rc != ACMEUP_EIO && rc != ACMEUP_EUSAGE)
		rc = acmeup_err_context(rc, "--cert %s", path);
	if (rc == 0)
		rc = o->cert_key != NULL ?
		    load_cert_key(o, path, cert, cert_len, &key) :
		    load_account_key(o, &key);
	if (rc == 0)
		rc = revoke_with(o, key, der, der_len);
	if (rc == 0)
		note_revoked(o, name, cert, cert_len);
	if (rc == 0 && o->reason >= 0)
		log_stage("revoke: %s revoked (reason %d), signed by the %s",
		    path, o->reason, o->cert_key != NULL ?
		    "certificate's key" : "account key");
	else if (rc == 0)
		log_stage("revoke: %s revoked, signed by the %s", path,
		    o->cert_key != NULL ? "certificate's key" : "account key");
	certspec_free(&specs);
	free(cert);
	free(der);
	engine_keys_stop(); /* before the key it borrows goes */
	crypto_key_free(key);
	return rc;
}
