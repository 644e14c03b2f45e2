/* The issue command: the certificates of -d (or --csr), or the cert blocks
 * named on the command line, issued now in batches of -j orders. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/acme_challenge.h"
#include "acmeup/certspec.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/engine.h"
#include "acmeup/engine_acme.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "acmeup/store.h"
#include "cli_internal.h"

/* The alias names and targets (--challenge-alias, alias-to; name.h) and
 * the other DNS inputs (addresses, TSIG keys), checked before the CA is
 * asked anything: a missing key file is a configuration error (exit 2),
 * said once. */
static int
check_dns_config(const struct opts *o)
{
	struct dns_config cfg;
	int rc;

	rc = dns_config_from_opts(o, &cfg);
	if (rc == 0)
		rc = dns_config_check_names(&cfg);
	if (rc == 0)
		rc = dns_config_check_inputs(&cfg);
	dns_config_clear(&cfg);
	return rc;
}

/* 1 when `challenge` is dns-persist-01 alone: nothing is ever written to
 * DNS, and no TSIG key is needed (docs/persist.md). */
static int
persist_only(const struct opts *o)
{
	enum acme_chal_kind k[ACME_CHAL_PREFS_MAX];
	size_t n = 0;

	if (o->challenge == NULL ||
	    acme_chal_prefs_parse(o->challenge, "challenge", k, &n) != 0)
		return 0; /* a bad list is said when the specs are loaded */
	return n == 1 && k[0] == ACME_CHAL_DNS_PERSIST01;
}

/* What every run over certificates needs: a CA and a way to write DNS
 * (unless it never writes: challenge dns-persist-01 alone). */
int
issue_check_common(const struct opts *o, const char *cmd)
{
	if (o->server == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: give the ACME directory "
		    "URL with --server (or the server setting)", cmd);
	if (o->tsig_key != NULL && o->tsig_secret != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: give the TSIG key with "
		    "--tsig-key FILE or -y [ALG:]NAME:SECRET (one of them)",
		    cmd);
	if (o->tsig_key == NULL && o->tsig_secret == NULL && !o->gss &&
	    o->n_zone_keys == 0 && !config_zone_signs(o->config) &&
	    !persist_only(o))
		return acmeup_fail(ACMEUP_EUSAGE, "%s: give the TSIG key with "
		    "--tsig-key FILE, -y [ALG:]NAME:SECRET or --zone-key "
		    "ZONE=FILE, or --gss (or tsig-key, tsig-gss / zone blocks "
		    "in the configuration)", cmd);
	if (o->tsig_secret != NULL && o->tsig_key_name != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: --tsig-key-name goes "
		    "with --tsig-key; -y names the key itself", cmd);
	return check_dns_config(o);
}

int
issue_engine_open_opts(const struct opts *o, struct dns_config *dns,
                       const struct run_confine *rc,
                       struct issue_engine **out)
{
	struct engine_config cfg = {
		.state_dir = o->state_dir, .server = o->server,
		.ca_bundle = o->ca_bundle,
		.account_key_type = o->account_key_type,
		.account_key_type_set = o->account_key_type_set,
		.wait_rate_limit = o->wait_rate_limit,
		.emails = o->emails, .n_emails = o->n_emails,
		.agree_tos = o->agree_tos, .eab_kid = o->eab_kid,
		.eab_hmac_key = o->eab_hmac_key, .eab_alg = o->eab_alg,
		.dns = dns, .dry_run = o->dry_run, .no_sandbox = o->no_sandbox,
		.confine = rc != NULL && rc->confine,
		.write_dirs = rc != NULL ? rc->dirs : NULL,
		.n_write_dirs = rc != NULL ? rc->n : 0,
		.shared = rc != NULL ? rc->shared : NULL,
	};
	int r;

	_Static_assert(CLI_MAX_EMAILS <= ACME_CONTACTS_MAX,
	    "every --email fits the account's contacts");
	r = dns_config_from_opts(o, dns);
	if (r == 0)
		r = issue_engine_open(&cfg, out);
	return r;
}

int
issue_jobs_new(const struct certspec_list *l, struct issue_job **out)
{
	size_t i;

	*out = calloc(l->n, sizeof(**out));
	if (*out == NULL && l->n > 0)
		return ACMEUP_ENOMEM;
	for (i = 0; i < l->n; i++)
		(*out)[i].spec = &l->specs[i];
	return 0;
}

static int
same_server(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The CA of spec s (as job_server). */
static const char *
spec_server(const struct opts *o, const struct cert_spec *s)
{
	return o->dry_run || s->server == NULL ? o->server : s->server;
}

/* More than ISSUE_SHARED_MAX CAs in l? */
static int
too_many_cas(const struct opts *o, const struct certspec_list *l)
{
	const char *seen[ISSUE_SHARED_MAX];
	const char *srv;
	size_t i, k, n = 0;

	for (i = 0; i < l->n; i++) {
		srv = spec_server(o, &l->specs[i]);
		for (k = 0; k < n && !same_server(seen[k], srv); k++)
			;
		if (k < n)
			continue;
		if (n == ISSUE_SHARED_MAX)
			return 1;
		seen[n++] = srv;
	}
	return 0;
}

int
issue_check_run(const struct opts *o, const struct certspec_list *l)
{
	size_t i;
	int rc;

	rc = store_dir_check(o->state_dir, "state directory");
	for (i = 0; rc == 0 && i < l->n; i++)
		rc = store_dir_check(l->specs[i].out_dir, "output directory");
	if (rc == 0 && !o->no_sandbox && too_many_cas(o, l))
		rc = acmeup_fail(ACMEUP_EUSAGE, "the certificates of this run "
		    "are at more than %d CAs, which one keys process cannot "
		    "serve confined: split them into several runs (renew -c "
		    "FILE NAME...)", ISSUE_SHARED_MAX);
	return rc;
}

static int
check_options(const struct opts *o)
{
	if (o->n_domains == 0 && o->csr == NULL && o->n_args == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: give the names with "
		    "-d (or a CSR with --csr), or name certificates of the "
		    "configuration (acmeup issue CERT...)");
	if ((o->n_domains > 0 || o->csr != NULL) && o->n_args > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: unexpected argument "
		    "'%s' (names go with -d; certificates of the "
		    "configuration without -d)", o->args[0]);
	if (o->csr != NULL && o->n_domains > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "issue: --csr takes the names "
		    "from the CSR; leave out -d");
	if (o->csr != NULL && (o->reuse_key || o->key_type_set))
		return acmeup_fail(ACMEUP_EUSAGE, "issue: with --csr the key "
		    "is the CSR's; --reuse-key and --key-type do not apply");
	return 0;
}

/* A copy of every string of the one ad-hoc spec made here. */
static void
own_spec_clear(struct cert_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_domains; i++)
		free(s->domains[i]);
	free(s->domains);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

/* The CSR's names normalised in place (name.h), each once. */
static int
csr_names_check(const char *path, char **names, size_t n)
{
	char where[300], *norm;
	size_t i, j;
	int rc;

	snprintf(where, sizeof(where), "--csr %s", path);
	for (i = 0; i < n; i++) {
		rc = name_check(names[i], NAME_CERT, where, &norm);
		if (rc != 0)
			return rc;
		free(names[i]);
		names[i] = norm;
		for (j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0)
				return acmeup_fail(ACMEUP_EUSAGE, "%s: %s is "
				    "listed twice", where, names[i]);
	}
	return 0;
}

/* --csr: one certificate, the CSR's names, named by --cert-name or the
 * first name. */
static int
csr_spec(const struct opts *o, struct cert_spec *s, struct issue_csr *csr)
{
	char **names = NULL, buf[256];
	size_t n = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = engine_csr_file(o->csr, &csr->der, &csr->len, &names, &n);
	if (rc == 0 && n == 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "--csr %s names no DNS name",
		    o->csr);
	if (rc == 0)
		rc = csr_names_check(o->csr, names, n);
	if (rc == 0)
		rc = name_cert_dirname(o->cert_name != NULL ? o->cert_name :
		    names[0], buf, sizeof(buf));
	if (rc == 0) {
		s->name = strdup(buf);
		s->domains = names;
		s->n_domains = n;
		names = NULL;
		rc = s->name == NULL ? ACMEUP_ENOMEM : 0;
	}
	crypto_names_free(names, n);
	s->out_dir = (char *)o->out_dir;
	s->preferred_chain = (char *)o->preferred_chain;
	s->profile = (char *)o->profile;
	s->challenge = (char *)o->challenge;
	s->persist_publish = o->persist_publish;
	s->deploy_hook = (char *)o->deploy_hook;
	s->renew_before = o->renew_before;
	return rc;
}

/* Jobs in batches of -j; a signal stops the run, the jobs not started
 * failing with it. */
static int
run_batches(struct issue_engine *e, const struct opts *o,
            struct issue_job **jobs, size_t n, void *arg)
{
	const struct issue_csr *csr = arg;
	size_t i, k, step = o->jobs > 0 ? o->jobs : ISSUE_PARALLEL_DEFAULT;
	int rc = 0;

	if (csr != NULL)
		issue_engine_set_csr(e, csr);
	for (i = 0; rc == 0 && i < n; i += k) {
		k = step < n - i ? step : n - i;
		rc = issue_engine_batch(e, jobs + i, k);
	}
	for (; rc != 0 && i < n; i++)
		issue_job_fail(jobs[i], rc);
	return rc;
}

/* The CA of job j: its cert block's (or remembered) server, else o's; a
 * dry run always o's, the staging CA. */
static const char *
job_server(const struct opts *o, const struct issue_job *j)
{
	return spec_server(o, j->spec);
}

/* jobs[from..n) of job_server srv not yet done into group; how many. */
static size_t
gather(const struct opts *o, struct issue_job *jobs, size_t from, size_t n,
       const char *srv, char *done, struct issue_job **group)
{
	size_t j, k = 0;

	for (j = from; j < n; j++) {
		if (!done[j] && same_server(job_server(o, &jobs[j]), srv)) {
			group[k++] = &jobs[j];
			done[j] = 1;
		}
	}
	return k;
}

/* One CA's jobs with its own engine (and account, store_account_dir). */
static int
run_group(const struct opts *o, const char *srv, struct issue_job **group,
          size_t k, const struct run_confine *cf, issue_group_fn *fn,
          void *arg)
{
	struct issue_engine *e = NULL;
	struct dns_config dns = { 0 };
	struct opts oc = *o;
	size_t i;
	int rc;

	oc.server = srv;
	if (!same_server(srv, o->server)) /* EAB binds the global CA's account */
		oc.eab_kid = oc.eab_hmac_key = NULL;
	rc = issue_engine_open_opts(&oc, &dns, cf, &e);
	if (rc == 0)
		rc = fn(e, &oc, group, k, arg);
	else
		for (i = 0; i < k; i++)
			issue_job_fail(group[i], rc);
	issue_engine_free(e);
	dns_config_clear(&dns);
	return rc;
}

/* A new entry of dirs (room for it), unless it is there already. */
static void
add_dir(struct run_confine *cf, const char *dir)
{
	size_t i;

	for (i = 0; dir != NULL && i < cf->n; i++)
		if (strcmp(cf->dirs[i], dir) == 0)
			return;
	if (dir != NULL)
		cf->dirs[cf->n++] = dir;
}

/* Landlock when jobs[0..n) are of one CA: the output directories and the
 * metrics file's (in metrics_dir, of at least PATH_MAX bytes). */
static void
confine_dirs(const struct opts *o, const struct issue_job *jobs, size_t n,
             struct run_confine *cf, char *metrics_dir)
{
	const char *srv;
	char *slash;
	size_t i, k;

	cf->confine = 1;
	for (i = 0; i < n; i++) {
		add_dir(cf, jobs[i].spec->out_dir);
		srv = job_server(o, &jobs[i]);
		for (k = 0; k < cf->n_servers &&
		    !same_server(cf->servers[k], srv); k++)
			;
		if (k < cf->n_servers || cf->too_many)
			continue;
		if (cf->n_servers == ISSUE_SHARED_MAX) {
			cf->too_many = 1; /* too many to share one keys process: */
			cf->confine = 0;  /* refused, or (--no-sandbox) each */
		} else {                  /* engine loads its keys */
			cf->servers[cf->n_servers++] = srv;
		}
	}
	if (o->metrics_file == NULL ||
	    snprintf(metrics_dir, PATH_MAX, "%s", o->metrics_file) >= PATH_MAX)
		return;
	slash = strrchr(metrics_dir, '/');
	if (slash == NULL)
		snprintf(metrics_dir, PATH_MAX, ".");
	else
		*slash = '\0';
	if (metrics_dir[0] == '\0') /* "/" would be no confinement */
		cf->confine = 0;
	add_dir(cf, metrics_dir);
}

/* The CAs of cf->servers share one DNS context and keys process, opened
 * (and confined) here. */
static int
open_shared(const struct opts *o, struct run_confine *cf)
{
	struct dns_config dns = { 0 };
	const char *kids[ISSUE_SHARED_MAX];
	struct engine_config cfg = {
		.state_dir = o->state_dir, .ca_bundle = o->ca_bundle,
		.account_key_type = o->account_key_type,
		.account_key_type_set = o->account_key_type_set,
		.dns = &dns, .no_sandbox = o->no_sandbox,
		.confine = cf->confine, .write_dirs = cf->dirs,
		.n_write_dirs = cf->n,
	};
	size_t i;
	int rc;

	for (i = 0; i < cf->n_servers; i++) /* EAB: the global CA's only */
		kids[i] = same_server(cf->servers[i], o->server) ?
		    o->eab_kid : NULL;
	rc = dns_config_from_opts(o, &dns);
	if (rc == 0)
		rc = issue_shared_open(&cfg, cf->servers, kids, cf->n_servers,
		    &cf->shared);
	dns_config_clear(&dns);
	return rc;
}

int
issue_by_ca(const struct opts *o, struct issue_job *jobs, size_t n,
            issue_group_fn *fn, void *arg)
{
	struct issue_job **group = calloc(n > 0 ? n : 1, sizeof(*group));
	char *done = calloc(n > 0 ? n : 1, 1), metrics_dir[PATH_MAX];
	struct run_confine cf = { .dirs = calloc(n + 1, sizeof(char *)) };
	const char *srv;
	size_t i, j, k;
	int rc = 0, grc;

	if (group == NULL || done == NULL || cf.dirs == NULL) {
		for (i = 0; i < n; i++)
			issue_job_fail(&jobs[i], ACMEUP_ENOMEM);
		free(group);
		free(done);
		free(cf.dirs);
		return ACMEUP_ENOMEM;
	}
	confine_dirs(o, jobs, n, &cf, metrics_dir);
	rc = engine_hooks_start(jobs, n, !o->no_sandbox && !o->dry_run);
	if (rc == 0 && cf.n_servers >= 2 && !cf.too_many)
		rc = open_shared(o, &cf);
	for (i = 0; rc != 0 && i < n; i++) { /* no hooks process or keys */
		issue_job_fail(&jobs[i], rc);
		done[i] = 1;
	}
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		srv = job_server(o, &jobs[i]);
		k = gather(o, jobs, i, n, srv, done, group);
		if (!same_server(srv, o->server))
			log_stage("CA %s: %zu certificate%s", srv, k,
			    k == 1 ? "" : "s");
		grc = run_group(o, srv, group, k, &cf, fn, arg);
		if (rc == 0)
			rc = grc;
		if (grc == ACMEUP_EINTR) { /* the other CAs' jobs too */
			for (j = i + 1; j < n; j++)
				if (!done[j])
					issue_job_fail(&jobs[j], grc);
			break;
		}
	}
	issue_shared_free(cf.shared);
	engine_hooks_stop();
	free(group);
	free(done);
	free(cf.dirs);
	return rc;
}

/* Remember what -d issued (issue 14 item 2) so that list and renew find
 * it without -d; a failure only warns: the certificate is in place. */
static void
remember(const struct opts *o, const struct issue_job *j)
{
	/* crypto_key_type_parse()'s names, in enum crypto_key_type order */
	static const char *const key_types[] = { "p256", "p384", "rsa2048",
	    "rsa3072", "rsa4096" };
	const struct cert_spec *s = j->spec;
	struct store_cert_record r;
	char out[PATH_MAX], uid[24] = "", gid[24] = "", mode[8] = "";

	if (s->line != 0 || o->csr != NULL || o->dry_run ||
	    (j->action != ISSUE_ISSUED && j->action != ISSUE_RENEWED))
		return;
	memset(&r, 0, sizeof(r));
	r.name = s->name;
	r.domains = s->domains;
	r.n_domains = s->n_domains;
	r.out_dir = realpath(s->out_dir, out) != NULL ? out : s->out_dir;
	r.key_type = s->key_type >= 0 && s->key_type < 5 ?
	    (char *)key_types[s->key_type] : NULL;
	r.server = (char *)(s->server != NULL ? s->server : o->server);
	r.deploy_hook = s->deploy_hook;
	if (s->key_perms && s->key_uid >= 0)
		snprintf(uid, sizeof(uid), "%ld", s->key_uid);
	if (s->key_perms && s->key_gid >= 0)
		snprintf(gid, sizeof(gid), "%ld", s->key_gid);
	if (s->key_perms && s->key_mode != 0)
		snprintf(mode, sizeof(mode), "%04o", s->key_mode);
	r.key_owner = uid[0] != '\0' ? uid : NULL;
	r.key_group = gid[0] != '\0' ? gid : NULL;
	r.key_mode = mode[0] != '\0' ? mode : NULL;
	if (store_cert_record_write(o->state_dir, &r) != 0) {
		log_warn("issue: %s: not remembered for renew: %s", s->name,
		    acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
}

int
issue_run(const struct opts *o)
{
	struct certspec_list specs = { 0 };
	struct cert_spec own = { 0 };
	struct issue_csr csr = { 0 };
	struct issue_job *jobs = NULL;
	size_t i;
	int rc;

	rc = check_options(o);
	if (rc == 0)
		rc = issue_check_common(o, "issue");
	if (rc == 0 && o->csr != NULL) {
		rc = csr_spec(o, &own, &csr);
		specs.specs = &own;
		specs.n = 1;
	} else if (rc == 0) {
		rc = certspec_load(o, o->config, &specs);
	}
	if (rc == 0)
		rc = issue_jobs_new(&specs, &jobs);
	if (rc == 0)
		rc = issue_check_run(o, &specs);
	if (rc == 0) {
		(void)issue_by_ca(o, jobs, specs.n, run_batches,
		    o->csr ? &csr : NULL);
		acmeup_err_clear(); /* the jobs took their failures */
		for (i = 0; i < specs.n; i++)
			remember(o, &jobs[i]);
		rc = issue_summary(o, "issue", jobs, specs.n);
	}
	for (i = 0; jobs != NULL && i < specs.n; i++)
		issue_job_clear(&jobs[i]);
	free(jobs);
	if (o->csr != NULL)
		own_spec_clear(&own);
	else
		certspec_free(&specs);
	free(csr.der);
	return rc;
}
