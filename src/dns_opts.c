/* The command line's DNS options as a struct dns_config: NAME=VALUE
 * options split into the config's per-zone entries and aliases, settings
 * for one zone from several options merged into one entry. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmeup/cli.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"

/* What dns_config_from_opts() allocates; cfg->owned points here. */
struct dns_opts_store {
	struct dns_zone_cfg zones[2 * CLI_MAX_DNS];
	struct dns_alias aliases[CLI_MAX_DNS];
	char *strs[4 * CLI_MAX_DNS];
	size_t nstrs;
};

/* A copy of s[0..n) kept in the store. */
static char *
keep(struct dns_opts_store *st, const char *s, size_t n)
{
	char *c;

	if (st->nstrs == sizeof(st->strs) / sizeof(st->strs[0]))
		return NULL;
	c = strndup(s, n);
	if (c != NULL)
		st->strs[st->nstrs++] = c;
	return c;
}

/* "NAME=VALUE" into a copy of NAME and VALUE (borrowing arg). */
static int
split_eq(struct dns_opts_store *st, const char *opt, const char *arg,
         const char *form, char **name, const char **value)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return acmeup_fail(ACMEUP_EUSAGE, "%s '%s': use %s", opt, arg, form);
	*name = keep(st, arg, (size_t)(eq - arg));
	*value = eq + 1;
	return *name == NULL ? ACMEUP_ENOMEM : 0;
}

/* The entry for zone (without trailing dot, any case), new when none. */
static struct dns_zone_cfg *
zone_slot(struct dns_config *cfg, struct dns_opts_store *st, char *zone)
{
	size_t i, len = strlen(zone);

	if (len > 1 && zone[len - 1] == '.')
		zone[len - 1] = '\0';
	for (i = 0; i < cfg->n_zones; i++)
		if (strcasecmp(st->zones[i].zone, zone) == 0)
			return &st->zones[i];
	st->zones[cfg->n_zones].zone = zone;
	return &st->zones[cfg->n_zones++];
}

/* FILE[:KEYNAME]: a ':' after the last '/' starts the key name. */
static int
zone_key(struct dns_opts_store *st, struct dns_zone_cfg *z, const char *v)
{
	const char *slash = strrchr(v, '/'), *colon = strrchr(v, ':');

	if (colon != NULL && (slash == NULL || colon > slash) && colon[1] != '\0'
	    && colon != v) {
		z->key_file = keep(st, v, (size_t)(colon - v));
		z->key_name = colon + 1;
		return z->key_file == NULL ? ACMEUP_ENOMEM : 0;
	}
	z->key_file = v;
	z->key_name = NULL;
	return 0;
}

static int
zones_from_opts(const struct opts *o, struct dns_config *cfg,
                struct dns_opts_store *st)
{
	const char *v;
	char *zone;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < o->n_zone_servers; i++) {
		rc = split_eq(st, "--zone-server", o->zone_servers[i],
		              "ZONE=HOST[:PORT]", &zone, &v);
		if (rc == 0)
			zone_slot(cfg, st, zone)->server = v;
	}
	for (i = 0; rc == 0 && i < o->n_zone_keys; i++) {
		rc = split_eq(st, "--zone-key", o->zone_keys[i],
		              "ZONE=FILE[:KEYNAME]", &zone, &v);
		if (rc == 0)
			rc = zone_key(st, zone_slot(cfg, st, zone), v);
	}
	for (i = 0; rc == 0 && i < o->n_aliases; i++) {
		rc = split_eq(st, "--challenge-alias", o->aliases[i],
		              "NAME=TARGET", &zone, &v);
		if (rc == 0) {
			st->aliases[cfg->n_aliases].name = zone;
			st->aliases[cfg->n_aliases++].target = v;
		}
	}
	return rc;
}

int
dns_config_from_opts(const struct opts *o, struct dns_config *cfg)
{
	struct dns_opts_store *st = calloc(1, sizeof(*st));
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (st == NULL)
		return ACMEUP_ENOMEM;
	cfg->owned = st;
	cfg->resolver = o->resolver;
	cfg->update_server = o->dns_server;
	cfg->key_file = o->tsig_key;
	cfg->key_name = o->tsig_key_name;
	cfg->key_arg = o->tsig_secret;
	cfg->skip_servers = o->skip_servers;
	cfg->n_skip_servers = o->n_skip_servers;
	cfg->tsig_queries = o->tsig_queries;
	cfg->ttl = o->ttl;
	cfg->timeout_ms = o->propagation_timeout_ms;
	cfg->zones = st->zones;
	cfg->aliases = st->aliases;
	rc = zones_from_opts(o, cfg, st);
	if (rc < 0)
		dns_config_clear(cfg);
	return rc;
}

void
dns_config_clear(struct dns_config *cfg)
{
	struct dns_opts_store *st;
	size_t i;

	if (cfg == NULL)
		return;
	st = cfg->owned;
	for (i = 0; st != NULL && i < st->nstrs; i++)
		free(st->strs[i]);
	free(st);
	memset(cfg, 0, sizeof(*cfg));
}
