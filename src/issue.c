/* The issue command: one order from account to stored certificate. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsig.h"

#include "acmeup/account_key.h"
#include "acmeup/acme.h"
#include "acmeup/acme_issue.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/journal.h"
#include "acmeup/error.h"
#include "acmeup/issue.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define AUTHZ_TIMEOUT_MS 120000
#define ORDER_TIMEOUT_MS 120000
#define CHALLENGE_PREFIX "_acme-challenge."

/* One pending dns-01 challenge. Strings owned. */
struct pending {
	char *authz_url;
	char *challenge_url;
	char *owner;  /* _acme-challenge.<identifier> */
	char *value;  /* TXT value */
};

struct order_run {
	struct acme_client *acme;
	struct acme_order order;
	char *order_url;
	struct pending *pend;
	size_t n_pend;
	char *names[CLI_MAX_DOMAINS];
	size_t n_names;
	uint8_t *csr;    /* --csr: the user's CSR (DER), else NULL */
	size_t csr_len;
	char *replaces;  /* RFC 9773 certificate ID being renewed, or NULL */
};

static void
order_run_clear(struct order_run *r)
{
	size_t i;

	for (i = 0; i < r->n_pend; i++) {
		free(r->pend[i].authz_url);
		free(r->pend[i].challenge_url);
		free(r->pend[i].owner);
		free(r->pend[i].value);
	}
	free(r->pend);
	for (i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->csr);
	free(r->replaces);
	acme_order_clear(&r->order);
	free(r->order_url);
	acme_client_free(r->acme);
}

/* Lower-case copy without a trailing dot; letters, digits, '-', '.', and
 * '*' only as the whole first label (RFC 8555 7.1.3). */
static int
normalize_name(const char *in, char **out)
{
	size_t len = strlen(in), i;
	char *s;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return acmeup_fail(ACMEUP_EUSAGE, "'%s' is not a DNS name", in);
	s = strndup(in, len);
	if (s == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < len; i++) {
		s[i] = (char)tolower((unsigned char)s[i]);
		if (isalnum((unsigned char)s[i]) || s[i] == '-' ||
		    (s[i] == '.' && i > 0 && s[i - 1] != '.') ||
		    (s[i] == '*' && i == 0 && len > 2 && s[1] == '.'))
			continue;
		free(s);
		return acmeup_fail(ACMEUP_EUSAGE, "'%s' is not a DNS name "
		    "(character %zu)", in, i + 1);
	}
	*out = s;
	return 0;
}

int
issue_cert_dirname(const char *name, char *buf, size_t len)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= len || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strchr(name, '/') != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "'%s' cannot be a "
		    "certificate name", name);
	for (i = 0; i <= n; i++)
		buf[i] = name[i] == '*' ? '_' : name[i];
	return 0;
}

/* RFC 8555 7.5 / 8.4: for each authorization not yet valid, its dns-01
 * challenge and the TXT record that answers it. */
static int
add_pending(struct order_run *r, const struct acme_authz *a, const char *url)
{
	const struct acme_challenge *ch = NULL;
	struct pending *p = &r->pend[r->n_pend];
	size_t i, olen;

	for (i = 0; i < a->n_challenges && ch == NULL; i++)
		if (strcmp(a->challenges[i].type, "dns-01") == 0)
			ch = &a->challenges[i];
	if (ch == NULL || ch->token == NULL)
		return acmeup_fail(ACMEUP_EACME, "the CA offers no dns-01 "
		    "challenge for %s", a->identifier);
	olen = strlen(CHALLENGE_PREFIX) + strlen(a->identifier) + 1;
	p->authz_url = strdup(url);
	p->challenge_url = strdup(ch->url);
	p->owner = malloc(olen);
	r->n_pend++;
	if (p->authz_url == NULL || p->challenge_url == NULL ||
	    p->owner == NULL)
		return ACMEUP_ENOMEM;
	snprintf(p->owner, olen, "%s%s", CHALLENGE_PREFIX, a->identifier);
	return acme_dns01_value(r->acme, ch->token, &p->value);
}

static int
collect_challenges(struct order_run *r)
{
	struct acme_authz a = { 0 };
	size_t i;
	int rc = 0;

	r->pend = calloc(r->order.n_authorizations, sizeof(*r->pend));
	if (r->pend == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < r->order.n_authorizations && rc == 0; i++) {
		rc = acme_authz_get(r->acme, r->order.authorizations[i], &a);
		if (rc == 0 && strcmp(a.status, "valid") == 0)
			log_stage("acme: %s is already authorized",
			    a.identifier);
		else if (rc == 0 && strcmp(a.status, "pending") != 0)
			rc = acmeup_fail(ACMEUP_EACME, "authorization for %s "
			    "is %s", a.identifier, a.status);
		else if (rc == 0)
			rc = add_pending(r, &a, r->order.authorizations[i]);
		acme_authz_clear(&a);
	}
	return rc;
}

/* RFC 8555 7.5.1: answer every challenge, then wait for every
 * authorization. */
static int
validate(struct order_run *r)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < r->n_pend && rc == 0; i++)
		rc = acme_challenge_respond(r->acme, r->pend[i].challenge_url);
	if (rc == 0)
		log_stage("acme: challenges answered, the CA is validating");
	for (i = 0; i < r->n_pend && rc == 0; i++)
		rc = acme_authz_wait(r->acme, r->pend[i].authz_url,
		    AUTHZ_TIMEOUT_MS);
	if (rc == 0)
		log_stage("acme: all names validated");
	return rc;
}

/* Remove the records; a removal failure is reported but does not hide the
 * failure that came before it. */
static int
remove_records(struct dns_set *set, int rc)
{
	char first[1024] = "";
	int rc2;

	if (rc != 0) {
		snprintf(first, sizeof(first), "%s", acmeup_errmsg(rc));
		log_stage("dns: removing the challenge records after the "
		    "failure");
	}
	rc2 = dns_txt_remove(set);
	if (rc == 0)
		return rc2;
	if (rc2 != 0)
		log_warn("%s", acmeup_errmsg(rc2));
	return acmeup_fail(rc, "%s", first);
}

/* Publish, prove, validate; the records are removed whatever happens
 * (a signal included: the waits return ACMEUP_EINTR), and listed in a
 * journal under state_dir until they are, for `acmeup cleanup`. */
static int
prove_control(struct order_run *r, struct dns_ctx *dns,
              const char *state_dir)
{
	struct dns_txt *txt = NULL;
	struct dns_set *set = NULL;
	struct journal *j = NULL;
	size_t i;
	int rc;

	if (r->n_pend == 0)
		return 0;
	txt = calloc(r->n_pend, sizeof(*txt));
	if (txt == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < r->n_pend; i++) {
		txt[i].owner = r->pend[i].owner;
		txt[i].value = r->pend[i].value;
	}
	rc = journal_open(state_dir, &j);
	if (rc == 0)
		rc = dns_txt_add(dns, j, txt, r->n_pend, &set);
	if (rc == 0)
		rc = dns_txt_wait(set);
	if (rc == 0)
		rc = validate(r);
	if (set != NULL)
		rc = remove_records(set, rc);
	dns_set_free(set);
	journal_close(j);
	free(txt);
	return rc;
}

/* Split a PEM chain after its first certificate. */
static const char *
chain_rest(const char *pem)
{
	const char *end = strstr(pem, "-----END CERTIFICATE-----");

	if (end == NULL)
		return pem + strlen(pem);
	end += strlen("-----END CERTIFICATE-----");
	while (*end == '\r' || *end == '\n')
		end++;
	return end;
}

static int
write_file(const char *dir, const char *file, const char *data, size_t len,
           mode_t mode)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s", dir,
		    file);
	return store_write(path, data, len, mode);
}

/* <out>/<name>/{privkey,chain,fullchain,cert}.pem, each atomically; the key
 * first, so a certificate never lands without its key. No privkey.pem when
 * key is NULL (--csr: the user holds the key). */
static int
store_certificate(const char *dir, const struct crypto_key *key,
                  const char *pem)
{
	const char *rest = chain_rest(pem);
	char *keypem = NULL;
	size_t keylen = 0;
	int rc;

	rc = store_mkdirs(dir, 0755);
	if (rc == 0 && key != NULL)
		rc = crypto_key_to_pem(key, &keypem, &keylen);
	if (rc == 0 && key != NULL)
		rc = write_file(dir, "privkey.pem", keypem, keylen, 0600);
	if (rc == 0)
		rc = write_file(dir, "chain.pem", rest, strlen(rest), 0644);
	if (rc == 0)
		rc = write_file(dir, "fullchain.pem", pem, strlen(pem), 0644);
	if (rc == 0)
		rc = write_file(dir, "cert.pem", pem, (size_t)(rest - pem),
		    0644);
	if (keypem != NULL) {
		explicit_bzero(keypem, keylen);
		free(keypem);
	}
	return rc;
}

/* Key (new of --key-type, or reused) and CSR for the names, or the user's
 * CSR; finalize, download (the preferred chain), store. */
static int
finish(struct order_run *r, const struct opts *o, const char *certdir)
{
	struct acme_finish_opts fo = { .timeout_ms = ORDER_TIMEOUT_MS,
	    .preferred_chain = o->preferred_chain };
	struct crypto_key *key = NULL;
	uint8_t *csr = NULL;
	size_t csr_len = 0;
	char *pem = NULL;
	int rc = 0;

	if (r->csr == NULL)
		rc = acme_issue_cert_key(o, certdir, &key);
	if (rc == 0 && r->csr == NULL)
		rc = crypto_csr_new(key, (const char *const *)r->names,
		    r->n_names, &csr, &csr_len);
	if (rc == 0)
		rc = acme_order_finalize(r->acme, r->order_url, &r->order,
		    r->csr != NULL ? r->csr : csr,
		    r->csr != NULL ? r->csr_len : csr_len, &fo, &pem);
	if (rc == 0)
		rc = store_certificate(certdir, key, pem);
	if (rc == 0)
		log_stage("store: certificate written to %s/", certdir);
	free(pem);
	free(csr);
	crypto_key_free(key);
	return rc;
}

/* The DNS side, before any order: keys loaded and checked, and what runs
 * killed mid-way left in the zones removed (a failure there is only
 * reported: those records do not stand in this order's way). */
static int
dns_setup(const struct opts *o, struct dns_ctx **out)
{
	struct dns_config cfg;
	size_t found = 0, left = 0;
	int rc;

	rc = dns_config_from_opts(o, &cfg);
	if (rc == 0)
		rc = dns_ctx_new(&cfg, out);
	dns_config_clear(&cfg);
	if (rc != 0)
		return rc;
	if (dns_journal_recover(*out, o->state_dir, &found, &left) != 0 ||
	    left > 0)
		log_warn("dns: %zu record%s left by an earlier run could not be "
		    "removed: %s", left, left == 1 ? "" : "s",
		    acmeup_errmsg(ACMEUP_EDNS));
	return 0;
}

static int
start_order(struct order_run *r, const struct opts *o,
            const struct crypto_key *account, const char *certdir)
{
	struct acme_order_req req = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < o->n_domains && rc == 0; i++) {
		rc = normalize_name(o->domains[i], &r->names[i]);
		if (rc == 0)
			r->n_names++;
	}
	if (rc == 0)
		rc = acme_client_open(o->server, o->ca_bundle, account,
		    o->wait_rate_limit, &r->acme);
	if (rc != 0)
		return rc;
	rc = acme_issue_account(r->acme, o);
	if (rc == 0)
		rc = acme_issue_replaces(r->acme, certdir, &r->replaces);
	req.names = (const char *const *)r->names;
	req.n = r->n_names;
	req.profile = o->profile;
	req.replaces = r->replaces;
	if (rc == 0)
		rc = acme_order_create(r->acme, &req, &r->order, &r->order_url);
	if (rc == 0)
		log_stage("acme: order %s for %zu name%s%s%s", r->order_url,
		    r->n_names, r->n_names == 1 ? "" : "s",
		    o->profile != NULL ? ", profile " : "",
		    o->profile != NULL ? o->profile : "");
	if (rc == 0)
		rc = collect_challenges(r);
	return rc;
}

/* --csr: the names come from the CSR. */
static int
load_csr(struct order_run *r, const struct opts *o)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	rc = acme_issue_csr_file(o->csr, &r->csr, &r->csr_len, &names, &n);
	if (rc == 0 && n > CLI_MAX_DOMAINS)
		rc = acmeup_fail(ACMEUP_EUSAGE, "--csr %s names %zu names; at "
		    "most %d", o->csr, n, CLI_MAX_DOMAINS);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = normalize_name(names[i], &r->names[i]);
		if (rc == 0)
			r->n_names++;
	}
	crypto_names_free(names, n);
	return rc;
}

static int
check_options(const struct opts *o)
{
	if (o->n_domains == 0 && o->csr == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: give at least one "
		    "name with -d (or a CSR with --csr)");
	if (o->server == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: give the ACME "
		    "directory URL with --server");
	if (o->tsig_key != NULL && o->tsig_secret != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: give the TSIG key "
		    "with --tsig-key FILE or -y [ALG:]NAME:SECRET (one of "
		    "them)");
	if (o->tsig_key == NULL && o->tsig_secret == NULL &&
	    o->n_zone_keys == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: give the TSIG key "
		    "with --tsig-key FILE, -y [ALG:]NAME:SECRET or --zone-key "
		    "ZONE=FILE");
	if (o->tsig_secret != NULL && o->tsig_key_name != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: --tsig-key-name goes "
		    "with --tsig-key; -y names the key itself");
	if (o->n_args > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: unexpected argument "
		    "'%s' (names go with -d)", o->args[0]);
	return acme_issue_check_options(o);
}

int
issue_run(const struct opts *o)
{
	struct order_run r = { 0 };
	struct crypto_key *account = NULL;
	struct dns_ctx *dns = NULL;
	char name[256], certdir[PATH_MAX];
	int rc, n;

	rc = check_options(o);
	if (rc == 0 && o->csr != NULL)
		rc = load_csr(&r, o);
	if (rc == 0)
		rc = issue_cert_dirname(o->cert_name != NULL ? o->cert_name :
		    r.n_names > 0 ? r.names[0] : o->domains[0], name,
		    sizeof(name));
	if (rc != 0) {
		order_run_clear(&r);
		return rc;
	}
	n = snprintf(certdir, sizeof(certdir), "%s/%s", o->out_dir, name);
	if (n < 0 || (size_t)n >= sizeof(certdir)) {
		order_run_clear(&r);
		return acmeup_fail(ACMEUP_EUSAGE, "--out path too long");
	}
	rc = dns_setup(o, &dns);
	if (rc == 0)
		rc = account_key_open(o->state_dir,
		    (enum crypto_key_type)o->account_key_type,
		    o->account_key_type_set, &account, NULL);
	if (rc == 0)
		rc = start_order(&r, o, account, certdir);
	if (rc == 0)
		rc = prove_control(&r, dns, o->state_dir);
	if (rc == 0)
		rc = finish(&r, o, certdir);
	order_run_clear(&r);
	crypto_key_free(account);
	dns_ctx_free(dns);
	return rc;
}
