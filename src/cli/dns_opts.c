/* The command line's DNS options as a struct dns_config: NAME=VALUE
 * options split into the config's per-zone entries and aliases, settings
 * for one zone from several options merged into one entry; the zone blocks
 * of the configuration file first, so that the command line wins. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "config.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "cli_internal.h"

/* What dns_config_from_opts() allocates; cfg->owned points here. Room for
 * the command line's entries plus one per zone block. */
struct dns_opts_store {
	struct dns_zone_cfg *zones;
	struct dns_alias *aliases;
	char **strs;
	size_t nstrs, maxstrs;
};

/* A copy of s[0..n) kept in the store. */
static char *
keep(struct dns_opts_store *st, const char *s, size_t n)
{
	char *c;

	if (st->nstrs == st->maxstrs)
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

/* A zone block's tsig-key-name alone names a key in the global
 * tsig-key file. */
static int
zone_block_key(const struct opts *o, const struct config_block *b,
               struct dns_zone_cfg *z)
{
	const struct config *c = o->config;
	const struct config_item *key = config_get(c, b, "tsig-key");
	const struct config_item *name = config_get(c, b, "tsig-key-name");

	if (key == NULL && name == NULL)
		return 0;
	z->key_file = key != NULL ? key->values[0] : o->tsig_key;
	z->key_name = name != NULL ? name->values[0] : NULL;
	if (z->key_file == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "%s:%u: tsig-key-name: zone %s "
		                   "has no tsig-key, and there is no global one",
		                   c->path, name->line, b->name);
	return 0;
}

/* A zone block's GSS-TSIG settings (tsig-gss, or gss; gss-keytab,
 * gss-principal). */
static void
zone_block_gss(const struct opts *o, const struct config_block *b,
               struct dns_zone_cfg *z)
{
	const struct config_item *it = config_get(o->config, b, "tsig-gss");

	if (it == NULL)
		it = config_get(o->config, b, "gss");
	z->gss = it == NULL ? 0 : config_bool(it->values[0]) ? 1 : -1;
	it = config_get(o->config, b, "gss-keytab");
	z->gss_keytab = it != NULL ? it->values[0] : NULL;
	it = config_get(o->config, b, "gss-principal");
	z->gss_principal = it != NULL ? it->values[0] : NULL;
}

/* The zone blocks of the configuration file (RFC 2136 primary, TSIG key,
 * alias-to, skip-server, tsig-queries per zone). */
static int
zones_from_config(const struct opts *o, struct dns_config *cfg,
                  struct dns_opts_store *st)
{
	const struct config_block *b;
	const struct config_item *it;
	struct dns_zone_cfg *z;
	char *zone;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && o->config != NULL && i < o->config->n_blocks; i++) {
		b = &o->config->blocks[i];
		if (strcmp(b->type, "zone") != 0)
			continue;
		zone = keep(st, b->name, strlen(b->name));
		if (zone == NULL)
			return ACMEUP_ENOMEM;
		z = zone_slot(cfg, st, zone);
		it = config_get(o->config, b, "server");
		z->server = it != NULL ? it->values[0] : NULL;
		it = config_get(o->config, b, "skip-server");
		z->skip_servers = it != NULL ? (const char *const *)it->values : NULL;
		z->n_skip_servers = it != NULL ? it->n_values : 0;
		it = config_get(o->config, b, "tsig-queries");
		z->tsig_queries = it != NULL && config_bool(it->values[0]);
		zone_block_gss(o, b, z);
		it = config_get(o->config, b, "alias-to");
		if (it != NULL) {
			st->aliases[cfg->n_aliases].name = zone;
			st->aliases[cfg->n_aliases].subtree = 1;
			st->aliases[cfg->n_aliases++].target = it->values[0];
		}
		rc = zone_block_key(o, b, z);
	}
	return rc;
}

/* Room for the command line's entries and n zone blocks. */
static struct dns_opts_store *
store_new(size_t n)
{
	struct dns_opts_store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->maxstrs = 6 * CLI_MAX_DNS + 3 * n + 2;
	st->zones = calloc(2 * CLI_MAX_DNS + n, sizeof(*st->zones));
	st->aliases = calloc(CLI_MAX_DNS + n, sizeof(*st->aliases));
	st->strs = calloc(st->maxstrs, sizeof(*st->strs));
	if (st->zones == NULL || st->aliases == NULL || st->strs == NULL) {
		free(st->zones);
		free(st->aliases);
		free(st->strs);
		free(st);
		return NULL;
	}
	return st;
}

/* cfg->owned_free: the store and its strings. */
static void
store_free(void *owned)
{
	struct dns_opts_store *st = owned;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nstrs; i++)
		free(st->strs[i]);
	free(st->zones);
	free(st->aliases);
	free(st->strs);
	free(st);
}

/* *file, or a copy of its systemd credential's path (cli_credential). */
static int
credential_key(struct dns_opts_store *st, const char **file)
{
	char buf[PATH_MAX];
	const char *p = cli_credential(*file, buf, sizeof(buf));

	if (p == *file)
		return 0;
	*file = keep(st, p, strlen(p));
	return *file == NULL ? ACMEUP_ENOMEM : 0;
}

/* The key files, each replaced by its systemd credential when the unit
 * gave one. */
static int
credential_keys(struct dns_config *cfg, struct dns_opts_store *st)
{
	size_t i;
	int rc = credential_key(st, &cfg->key_file);

	if (rc == 0 && cfg->gss_keytab != NULL)
		rc = credential_key(st, &cfg->gss_keytab);
	for (i = 0; rc == 0 && i < cfg->n_zones; i++) {
		rc = credential_key(st, &st->zones[i].key_file);
		if (rc == 0 && st->zones[i].gss_keytab != NULL)
			rc = credential_key(st, &st->zones[i].gss_keytab);
	}
	return rc;
}

int
dns_config_from_opts(const struct opts *o, struct dns_config *cfg)
{
	struct dns_opts_store *st;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	st = store_new(o->config != NULL ? o->config->n_blocks : 0);
	if (st == NULL)
		return ACMEUP_ENOMEM;
	cfg->owned = st;
	cfg->owned_free = store_free;
	cfg->resolver = o->resolver;
	cfg->update_server = o->dns_server;
	cfg->key_file = o->tsig_key;
	cfg->key_name = o->tsig_key_name;
	cfg->key_arg = o->tsig_secret;
	cfg->skip_servers = o->skip_servers;
	cfg->n_skip_servers = o->n_skip_servers;
	cfg->tsig_queries = o->tsig_queries;
	cfg->gss = o->gss;
	cfg->gss_keytab = o->gss_keytab;
	cfg->gss_principal = o->gss_principal;
	cfg->gss_microsoft = o->gss_microsoft;
	cfg->ttl = o->ttl;
	cfg->timeout_ms = o->propagation_timeout_ms;
	cfg->unreachable_ms = o->unreachable_ms;
	cfg->strict_servers = o->strict_servers;
	cfg->zones = st->zones;
	cfg->aliases = st->aliases;
	rc = zones_from_config(o, cfg, st);
	if (rc == 0)
		rc = zones_from_opts(o, cfg, st);
	if (rc == 0)
		rc = credential_keys(cfg, st);
	if (rc < 0)
		dns_config_clear(cfg);
	return rc;
}
