/* The certificates a command works on: -d names as one spec, or the cert
 * blocks of acmeup.conf; each setting from the command line, the cert
 * block, the globals (already in opts, see config_apply) or the default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmeup/acme_challenge.h"
#include "acmeup/certspec.h"
#include "cli.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "acmeup/store.h"
#include "cli_internal.h"

/* Where a setting comes from, for one spec: the block is NULL for -d. */
struct source {
	const struct opts *o;
	const struct config *cfg;
	const struct config_block *b;
};

/* The block's item for key unless the command line gave the option. */
static const struct config_item *
block_item(const struct source *src, const char *key)
{
	if (src->b == NULL || cli_given(src->o, key))
		return NULL;
	return config_get(src->cfg, src->b, key);
}

/* A copy of the block's value for key, else of dflt (opts: command line,
 * globals, default); *out NULL when both are. */
static int
pick_str(const struct source *src, const char *key, const char *dflt,
         char **out)
{
	const struct config_item *it = block_item(src, key);
	const char *v = it != NULL ? it->values[0] : dflt;

	*out = v != NULL ? strdup(v) : NULL;
	return v != NULL && *out == NULL ? ACMEUP_ENOMEM : 0;
}

/* Key type, reuse-key and renew-before. */
static int
pick_values(const struct source *src, struct cert_spec *s)
{
	const struct config_item *it;
	enum crypto_key_type t;
	unsigned secs = 0;

	s->key_type = src->o->key_type;
	s->reuse_key = src->o->reuse_key;
	s->renew_before = src->o->renew_before;
	it = block_item(src, "key-type");
	if (it != NULL) {
		if (crypto_key_type_parse(it->values[0], &t) != 0)
			return acmeup_err_context(ACMEUP_EUSAGE,
			    "%s:%u: key-type", src->cfg->path, it->line);
		s->key_type = (int)t;
	}
	it = block_item(src, "reuse-key");
	if (it != NULL)
		s->reuse_key = config_bool(it->values[0]);
	it = block_item(src, "renew-before");
	if (it != NULL) {
		if (config_seconds(it->values[0], &secs) != 0 || secs == 0)
			return acmeup_fail(ACMEUP_EUSAGE, "%s:%u: renew-before: "
			    "'%s' must be more than 0 seconds", src->cfg->path,
			    it->line, it->values[0]);
		s->renew_before = secs;
	}
	s->key_type_set = src->o->key_type_set ||
	    s->key_type != CRYPTO_KEY_P256;
	return 0;
}

/* key-owner, key-group, key-mode: the block's (checked here, naming its
 * line) or opts' (checked when read). */
static int
pick_keyperm(const struct source *src, struct cert_spec *s)
{
	static const char *const keys[] = { "key-owner", "key-group",
	    "key-mode" };
	const char *v[3] = { src->o->key_owner, src->o->key_group,
	    src->o->key_mode };
	const struct config_item *it;
	char ctx[512];
	int i, rc = 0;

	s->key_uid = -1;
	s->key_gid = -1;
	s->key_mode = 0;
	for (i = 0; rc == 0 && i < 3; i++) {
		it = block_item(src, keys[i]);
		if (it != NULL)
			v[i] = it->values[0];
		if (v[i] == NULL)
			continue;
		s->key_perms = 1;
		if (it != NULL)
			snprintf(ctx, sizeof(ctx), "%s:%u: %s", src->cfg->path,
			    it->line, keys[i]);
		else
			snprintf(ctx, sizeof(ctx), "%s", keys[i]);
		if (i == 0)
			rc = keyperm_owner(ctx, v[i], &s->key_uid);
		else if (i == 1)
			rc = keyperm_group(ctx, v[i], &s->key_gid);
		else
			rc = keyperm_mode(ctx, v[i], &s->key_mode);
	}
	return rc;
}

/* Normalized names (name_check, name.h), each once; where names the
 * origin in errors ("file:line: domains" or "-d"). */
static int
take_domains(struct cert_spec *s, const char *const *in, size_t n,
             const char *where)
{
	size_t i, j;
	int rc;

	if (n > CLI_MAX_DOMAINS)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: %zu names; at most %d per "
		    "certificate", where, n, CLI_MAX_DOMAINS);
	s->domains = calloc(n, sizeof(*s->domains));
	if (s->domains == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < n; i++) {
		rc = name_check(in[i], NAME_CERT, where, &s->domains[i]);
		if (rc != 0)
			return rc;
		s->n_domains++;
		for (j = 0; j < i; j++)
			if (strcmp(s->domains[j], s->domains[i]) == 0)
				return acmeup_fail(ACMEUP_EUSAGE, "%s: %s is "
				    "listed twice", where, s->domains[i]);
	}
	return 0;
}

/* The directory name for name ('*' as '_'), owned by s; where
 * (or NULL) prefixes a failure. */
static int
take_name(struct cert_spec *s, const char *name, const char *where)
{
	char buf[256];
	int rc;

	rc = name_cert_dirname(name, buf, sizeof(buf));
	if (rc != 0)
		return where != NULL ? acmeup_err_context(rc, "%s", where) : rc;
	s->name = strdup(buf);
	return s->name == NULL ? ACMEUP_ENOMEM : 0;
}

/* The `challenge` list (acme_challenge.h), its place named on failure. */
static int
check_challenge(const struct source *src, const char *list)
{
	const struct config_item *it = block_item(src, "challenge");
	enum acme_chal_kind kinds[ACME_CHAL_PREFS_MAX];
	char where[300];
	size_t nk;

	if (it != NULL)
		snprintf(where, sizeof(where), "%s:%u: challenge",
		    src->cfg->path, it->line);
	else
		snprintf(where, sizeof(where), "challenge");
	return acme_chal_prefs_parse(list, where, kinds, &nk);
}

/* Everything but the names, from src. */
static int
fill_settings(const struct source *src, struct cert_spec *s)
{
	const struct opts *o = src->o;
	int rc;

	s->persist_publish = o->persist_publish;
	rc = pick_str(src, "out", o->out_dir, &s->out_dir);
	if (rc == 0)
		rc = pick_str(src, "preferred-chain", o->preferred_chain,
		    &s->preferred_chain);
	if (rc == 0)
		rc = pick_str(src, "profile", o->profile, &s->profile);
	if (rc == 0)
		rc = pick_str(src, "challenge", o->challenge, &s->challenge);
	if (rc == 0 && s->challenge != NULL)
		rc = check_challenge(src, s->challenge);
	if (rc == 0)
		rc = pick_str(src, "deploy-hook", o->deploy_hook,
		    &s->deploy_hook);
	if (rc == 0)
		rc = pick_str(src, "server", NULL, &s->server);
	if (rc == 0 && s->server != NULL &&
	    strncasecmp(s->server, "https://", 8) != 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "%s:%u: server: '%s' is not an "
		    "https:// ACME directory URL", src->cfg->path,
		    block_item(src, "server")->line, s->server);
	if (rc == 0)
		rc = pick_values(src, s);
	if (rc == 0)
		rc = pick_keyperm(src, s);
	return rc;
}

static void
spec_clear(struct cert_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_domains; i++)
		free(s->domains[i]);
	free(s->domains);
	free(s->name);
	free(s->out_dir);
	free(s->preferred_chain);
	free(s->profile);
	free(s->challenge);
	free(s->deploy_hook);
	free(s->server);
	memset(s, 0, sizeof(*s));
}

/* The -d names as one spec named by --cert-name or the first name. */
static int
spec_from_opts(const struct opts *o, struct cert_spec *s)
{
	struct source src = { o, NULL, NULL };
	int rc;

	rc = take_domains(s, o->domains, o->n_domains, "-d");
	if (rc == 0)
		rc = take_name(s, o->cert_name != NULL ? o->cert_name :
		    s->domains[0], o->cert_name != NULL ? "--cert-name" : NULL);
	if (rc == 0)
		rc = fill_settings(&src, s);
	return rc;
}

static int
spec_from_block(const struct opts *o, const struct config *cfg,
                const struct config_block *b, struct cert_spec *s)
{
	struct source src = { o, cfg, b };
	const struct config_item *it = config_get(cfg, b, "domains");
	char where[512];
	int rc;

	snprintf(where, sizeof(where), "%s:%u: cert %s", cfg->path, b->line,
	    b->name);
	rc = take_name(s, b->name, where);
	snprintf(where, sizeof(where), "%s:%u: domains", cfg->path, it->line);
	if (rc == 0)
		rc = take_domains(s, (const char *const *)it->values,
		    it->n_values, where);
	if (rc == 0)
		rc = fill_settings(&src, s);
	s->line = b->line;
	return rc;
}

/* The cert block named name (any case), or NULL. */
static const struct config_block *
find_cert(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->n_blocks; i++)
		if (strcmp(cfg->blocks[i].type, "cert") == 0 &&
		    strcasecmp(cfg->blocks[i].name, name) == 0)
			return &cfg->blocks[i];
	return NULL;
}

/* The blocks to load: every cert block, or those named in o->args (each
 * once). *sel (caller frees) gets up to cfg->n_blocks entries. */
static int
select_blocks(const struct opts *o, const struct config *cfg,
              const struct config_block ***sel, size_t *n)
{
	const struct config_block **s;
	size_t i, j, cap = (cfg != NULL ? cfg->n_blocks : 0) + o->n_args;

	*n = 0;
	s = calloc(cap > 0 ? cap : 1, sizeof(*s));
	if (s == NULL)
		return ACMEUP_ENOMEM;
	*sel = s;
	for (i = 0; o->n_args == 0 && cfg != NULL && i < cfg->n_blocks; i++)
		if (strcmp(cfg->blocks[i].type, "cert") == 0)
			s[(*n)++] = &cfg->blocks[i];
	for (i = 0; i < o->n_args; i++) {
		s[*n] = find_cert(cfg, o->args[i]);
		if (s[*n] == NULL)
			return acmeup_fail(ACMEUP_EUSAGE, "%s: no certificate "
			    "'%s' (no 'cert %s {' block)", cfg != NULL ?
			    cfg->path : o->config_file != NULL ?
			    o->config_file : ACMEUP_DEFAULT_CONFIG " (missing)",
			    o->args[i], o->args[i]);
		for (j = 0; j < *n; j++)
			if (s[j] == s[*n])
				return acmeup_fail(ACMEUP_EUSAGE, "certificate "
				    "'%s' is named twice", o->args[i]);
		(*n)++;
	}
	return 0;
}

/* Two certificates must not share a directory. */
static int
check_unique(const struct certspec_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(l->specs[i].name, l->specs[j].name) == 0 &&
			    strcmp(l->specs[i].out_dir, l->specs[j].out_dir) == 0)
				return acmeup_fail(ACMEUP_EUSAGE, "certificates "
				    "at lines %u and %u would share the directory "
				    "%s/%s", l->specs[j].line, l->specs[i].line,
				    l->specs[i].out_dir, l->specs[i].name);
	return 0;
}

static int
load_blocks(const struct opts *o, const struct config *cfg,
            struct certspec_list *l)
{
	const struct config_block **sel = NULL;
	size_t i, n = 0;
	int rc;

	rc = select_blocks(o, cfg, &sel, &n);
	if (rc == 0 && n > 0) {
		l->specs = calloc(n, sizeof(*l->specs));
		rc = l->specs == NULL ? ACMEUP_ENOMEM : 0;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		rc = spec_from_block(o, cfg, sel[i], &l->specs[i]);
		l->n++;
	}
	if (rc == 0)
		rc = check_unique(l);
	free(sel);
	return rc;
}

/* rec's value, unless the command line gave key. */
static int
rec_str(const struct opts *o, const char *key, const char *v, char **slot)
{
	char *copy;

	if (v == NULL || cli_given(o, key))
		return 0;
	copy = strdup(v);
	if (copy == NULL)
		return ACMEUP_ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

/* The record's key-owner, key-group, key-mode (numbers), unless the
 * command line gave them. */
static int
rec_keyperm(const struct opts *o, const struct store_cert_record *r,
            const char *where, struct cert_spec *s)
{
	int rc = 0;

	if (r->key_owner != NULL && !cli_given(o, "key-owner"))
		rc = keyperm_owner(where, r->key_owner, &s->key_uid);
	if (rc == 0 && r->key_group != NULL && !cli_given(o, "key-group"))
		rc = keyperm_group(where, r->key_group, &s->key_gid);
	if (rc == 0 && r->key_mode != NULL && !cli_given(o, "key-mode"))
		rc = keyperm_mode(where, r->key_mode, &s->key_mode);
	if (r->key_owner != NULL || r->key_group != NULL ||
	    r->key_mode != NULL)
		s->key_perms = 1;
	return rc;
}

/* A remembered certificate (store_cert_records_load) as a spec: its
 * names, out, key type and hook, the rest as for -d. */
static int
spec_from_record(const struct opts *o, const struct store_cert_record *r,
                 struct cert_spec *s)
{
	struct source src = { o, NULL, NULL };
	enum crypto_key_type t;
	char where[512];
	int rc;

	snprintf(where, sizeof(where), "%s/certs/%.200s.rec", o->state_dir,
	    r->name);
	rc = take_domains(s, (const char *const *)r->domains, r->n_domains,
	    where);
	if (rc == 0)
		rc = take_name(s, r->name, where);
	if (rc == 0 && strcmp(s->name, r->name) != 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "%s: bad name", where);
	if (rc == 0)
		rc = fill_settings(&src, s);
	if (rc == 0)
		rc = rec_str(o, "out", r->out_dir, &s->out_dir);
	if (rc == 0)
		rc = rec_str(o, "deploy-hook", r->deploy_hook, &s->deploy_hook);
	if (rc == 0)
		rc = rec_str(o, "server", r->server, &s->server);
	if (rc == 0 && s->server != NULL &&
	    strncasecmp(s->server, "https://", 8) != 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "%s: server '%.80s' is not an "
		    "https:// URL", where, s->server);
	if (rc == 0)
		rc = rec_keyperm(o, r, where, s);
	if (rc == 0 && r->key_type != NULL && !cli_given(o, "key-type")) {
		if (crypto_key_type_parse(r->key_type, &t) != 0)
			return acmeup_err_context(ACMEUP_EUSAGE, "%s", where);
		s->key_type = (int)t;
		s->key_type_set = t != CRYPTO_KEY_P256;
	}
	return rc;
}

static int
has_spec(const struct certspec_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->specs[i].name, name) == 0)
			return 1;
	return 0;
}

/* The remembered certificates whose names no cert block has (the blocks
 * win). A bad record is skipped with a warning naming it. */
static int
load_records(const struct opts *o, struct certspec_list *l)
{
	struct store_cert_record *recs = NULL;
	struct cert_spec *grown;
	size_t n = 0, i;
	int rc;

	if (o->state_dir == NULL)
		return 0;
	rc = store_cert_records_load(o->state_dir, &recs, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		if (has_spec(l, recs[i].name))
			continue;
		grown = realloc(l->specs, (l->n + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = ACMEUP_ENOMEM;
			break;
		}
		l->specs = grown;
		memset(&l->specs[l->n], 0, sizeof(*grown));
		rc = spec_from_record(o, &recs[i], &l->specs[l->n]);
		if (rc == ACMEUP_ENOMEM)
			break;
		if (rc != 0) {
			log_warn("%s; ignored", acmeup_errmsg(rc));
			acmeup_err_clear();
			spec_clear(&l->specs[l->n]);
			rc = 0;
			continue;
		}
		l->n++;
	}
	store_cert_records_free(recs, n);
	return rc;
}

int
certspec_load(const struct opts *o, const struct config *cfg,
              struct certspec_list *out)
{
	struct certspec_list l = { NULL, 0 };
	int rc;

	if (o->n_domains > 0 && o->n_args > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "give names with -d or "
		    "certificates of the configuration ('%s'), not both",
		    o->args[0]);
	if (o->n_domains == 0 && o->cert_name != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "--cert-name goes with -d "
		    "(a cert block is named by its block)");
	if (o->n_domains > 0) {
		l.specs = calloc(1, sizeof(*l.specs));
		if (l.specs == NULL)
			return ACMEUP_ENOMEM;
		l.n = 1;
		rc = spec_from_opts(o, &l.specs[0]);
	} else {
		rc = load_blocks(o, cfg, &l);
		if (rc == 0 && o->n_args == 0)
			rc = load_records(o, &l);
		if (rc == 0)
			rc = check_unique(&l);
	}
	if (rc != 0) {
		certspec_free(&l);
		return rc;
	}
	*out = l;
	return 0;
}

void
certspec_free(struct certspec_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; l->specs != NULL && i < l->n; i++)
		spec_clear(&l->specs[i]);
	free(l->specs);
	l->specs = NULL;
	l->n = 0;
}
