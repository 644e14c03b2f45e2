/* Removing what runs that died left behind: each journal whose lock is
 * free is read, its records deleted by value (RFC 2136 2.5.4) from the
 * server that got them, with the key that added them; what cannot be
 * removed stays in the journal for the next try. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/error.h"
#include "acmeup/journal.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "dns_internal.h"
#include "tsig.h"

#define MAX_KEYS 32

struct keyring {
	const struct dns_ctx *ctx;  /* keys of the command line; may be NULL */
	struct {
		char *file, *name;
		struct tsig_key *key;   /* owned; NULL: could not be loaded */
		const struct tsig_key *found; /* or the keys process's */
	} ent[MAX_KEYS];
	size_t n;
};

static void
keyring_clear(struct keyring *kr)
{
	size_t i;

	for (i = 0; i < kr->n; i++) {
		free(kr->ent[i].file);
		free(kr->ent[i].name);
		tsig_key_free(kr->ent[i].key);
	}
	kr->n = 0;
}

/* A key of the command line named name, or NULL. */
static const struct tsig_key *
ctx_key_named(const struct dns_ctx *ctx, const char *name)
{
	size_t i;

	if (ctx == NULL)
		return NULL;
	if (ctx->key != NULL && strcmp(tsig_key_name(ctx->key), name) == 0)
		return ctx->key;
	for (i = 0; i < ctx->nzones; i++)
		if (ctx->zones[i].key != NULL &&
		    strcmp(tsig_key_name(ctx->zones[i].key), name) == 0)
			return ctx->zones[i].key;
	return NULL;
}

/* The key recorded as file/name: loaded from the file, else one of the
 * command line with that name; NULL (logged) when neither. */
static const struct tsig_key *
keyring_get(struct keyring *kr, const char *file, const char *name)
{
	const struct tsig_key *k;
	char err[512] = "";
	size_t i;
	int trc;

	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->ent[i].file, file) == 0 &&
		    strcmp(kr->ent[i].name, name) == 0)
			return kr->ent[i].key != NULL ? kr->ent[i].key :
			       kr->ent[i].found != NULL ? kr->ent[i].found :
			       ctx_key_named(kr->ctx, name);
	if (kr->n == MAX_KEYS)
		return ctx_key_named(kr->ctx, name);
	kr->ent[kr->n].file = strdup(file);
	kr->ent[kr->n].name = strdup(name);
	if (kr->ent[kr->n].file == NULL || kr->ent[kr->n].name == NULL) {
		free(kr->ent[kr->n].file);
		free(kr->ent[kr->n].name);
		return NULL;
	}
	if (strcmp(file, "-") != 0 && priv_keys_pid() > 0) {
		/* the keys process loaded it from the journal (or it is one of
		 * ours); this process opens no key file */
		kr->ent[kr->n].found = priv_tsig_find(file, name);
	} else if (strcmp(file, "-") != 0 &&
	    dns_key_file_load(file, name, &kr->ent[kr->n].key, &trc, err,
	                      sizeof(err)) != 0) {
		log_warn("dns: key %s from %s: %s", name, file, trc != 0 ? err :
		         acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
	k = kr->ent[kr->n].key != NULL ? kr->ent[kr->n].key :
	    kr->ent[kr->n].found != NULL ? kr->ent[kr->n].found :
	    ctx_key_named(kr->ctx, name);
	kr->n++;
	if (k == NULL)
		log_warn("dns: no key %s to remove records with: give it to "
		         "`acmeup cleanup` (--tsig-key FILE or -y)", name);
	return k;
}

/* The set's zone for one journal record (same zone, server and key). */
static int
journal_zone(struct dns_set *set, struct keyring *kr,
             const struct journal_rec *r, struct dns_zone **out)
{
	struct dns_zone z, *grown;
	size_t i;

	for (i = 0; i < set->nzones; i++) {
		struct dns_zone *c = &set->zones[i];

		if (strcmp(c->name, r->zone) == 0 &&
		    strcmp(c->primary.textport, r->server) == 0 &&
		    strcmp(c->key_file, r->key_file) == 0 &&
		    strcmp(c->key_name, r->key_name) == 0) {
			*out = c;
			return 0;
		}
	}
	memset(&z, 0, sizeof(z));
	if (dns_addr_parse(r->server, DNS_PORT, &z.primary) < 0)
		return acmeup_fail(ACMEUP_EINVAL, "journal: server \"%s\" is not an "
		                   "address", r->server);
	z.apex = dns_name_new(r->zone);
	z.name = strdup(r->zone);
	grown = realloc(set->zones, (set->nzones + 1) * sizeof(*grown));
	if (grown != NULL)
		set->zones = grown;
	if (z.apex == NULL || z.name == NULL || grown == NULL) {
		dns_zone_clear(&z);
		return ACMEUP_ENOMEM;
	}
	z.key_file = r->key_file;
	z.key_name = r->key_name;
	z.use_gss = dns_gss_from_journal(r->key_file, r->key_name, &z.gss);
	if (!z.use_gss)
		z.key = keyring_get(kr, r->key_file, r->key_name);
	z.added = 1;
	snprintf(z.from, sizeof(z.from), "the journal");
	set->zones[set->nzones] = z;
	*out = &set->zones[set->nzones++];
	return 0;
}

static int
journal_set(struct keyring *kr, const struct journal_rec *recs, size_t n,
            struct dns_set *set)
{
	struct dns_zone *z = NULL;
	struct dns_rec rec;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		rc = journal_zone(set, kr, &recs[i], &z);
		if (rc < 0)
			break;
		memset(&rec, 0, sizeof(rec));
		rec.owner = dns_name_new(recs[i].owner);
		rec.owner_text = strdup(recs[i].owner);
		rec.value = strdup(recs[i].value);
		rec.challenge = strdup(recs[i].owner);
		if (rec.owner == NULL || rec.owner_text == NULL ||
		    rec.value == NULL || rec.challenge == NULL || strlen(rec.value)
		    > 255) {
			dns_rec_clear(&rec);
			rc = acmeup_fail(ACMEUP_EINVAL, "journal: bad record %s",
			                 recs[i].owner);
			break;
		}
		rc = dns_zone_take_rec(z, &rec);
	}
	return rc;
}

/* Clean one claimed journal; *left counts records still there. */
static int
clean_one(struct keyring *kr, struct journal *j, size_t *found, size_t *left)
{
	struct journal_rec *recs = NULL;
	struct dns_set set;
	long long started = 0;
	pid_t pid = 0;
	size_t n = 0, i, k;
	int rc;

	memset(&set, 0, sizeof(set));
	rc = journal_read(j, &recs, &n, &pid, &started);
	if (rc < 0)
		return rc;
	log_stage("dns: %s: %zu record%s left by acmeup pid %ld (started %lld s "
	          "ago): removing", journal_path(j), n, n == 1 ? "" : "s",
	          (long)pid, (long long)time(NULL) - started);
	set.journal = j;
	rc = journal_set(kr, recs, n, &set);
	if (rc == 0)
		rc = dns_txt_remove(&set);
	for (k = 0; k < set.nzones; k++)
		for (i = 0; set.zones[k].added && i < set.zones[k].nrecs; i++)
			(*left)++;
	*found += n;
	for (k = 0; k < set.nzones; k++)
		dns_zone_clear(&set.zones[k]);
	free(set.zones);
	journal_recs_free(recs, n);
	return rc;
}

int
dns_journal_recover(const struct dns_ctx *ctx, const char *state_dir,
                    size_t *found, size_t *left)
{
	struct keyring kr;
	struct journal *j = NULL;
	struct acmeup_err first = { 0 };
	char **paths = NULL;
	size_t n = 0, i, nfound = 0, nleft = 0;
	pid_t pid;
	int rc, ret = 0;

	memset(&kr, 0, sizeof(kr));
	kr.ctx = ctx;
	rc = journal_list(state_dir, &paths, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = journal_claim(paths[i], &j, &pid);
		if (rc == 0 && pid != 0)
			log_stage("dns: %s belongs to acmeup pid %ld, still running: "
			          "left alone", paths[i], (long)pid);
		if (rc == 1) {
			rc = clean_one(&kr, j, &nfound, &nleft);
			journal_close(j);
		}
		if (rc < 0 && ret == 0)
			ret = acmeup_err_keep(&first, rc);
		if (rc < 0 && rc != ACMEUP_ENOMEM)
			acmeup_err_clear(); /* kept; on with the next journal */
		rc = rc == ACMEUP_ENOMEM ? rc : 0;
	}
	keyring_clear(&kr);
	journal_paths_free(paths, n);
	if (found != NULL)
		*found = nfound;
	if (left != NULL)
		*left = nleft;
	if (rc < 0)
		return rc;
	return ret < 0 ? acmeup_fail(ret, "%s", acmeup_err_text(&first, ret))
	    : 0;
}

/* The GSS-TSIG credentials of one journal file (read as text: its lock
 * is the recovery's business, later). */
static void
journal_gss(const char *path)
{
	struct journal_rec *recs = NULL;
	struct dns_gss_who who;
	size_t n = 0, i;
	int rc = journal_peek(path, &recs, &n);

	for (i = 0; rc == 0 && i < n; i++)
		if (dns_gss_from_journal(recs[i].key_file, recs[i].key_name, &who))
			rc = dns_gss_acquire(&who, recs[i].zone);
	if (rc != 0) { /* the recovery says it again, where it fails */
		log_warn("dns: %s: %s", path, acmeup_errmsg(rc));
		acmeup_err_clear();
	}
	journal_recs_free(recs, n);
}

void
dns_journals_gss(const char *state_dir)
{
	char **paths = NULL;
	size_t n = 0, i;

	if (state_dir == NULL || journal_list(state_dir, &paths, &n) != 0) {
		acmeup_err_clear();
		return;
	}
	for (i = 0; i < n; i++)
		journal_gss(paths[i]);
	journal_paths_free(paths, n);
}
