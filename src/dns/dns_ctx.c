/* The DNS configuration made usable: keys loaded and checked once, names
 * and addresses parsed, and the zones found during the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "dns_internal.h"
#include "tsig.h"

#define DEFAULT_TTL 10          /* the CA's resolver keeps the TXT this long */
#define DEFAULT_TIMEOUT_MS 120000
#define DEFAULT_UNREACHABLE_MS 3000

/* The file's absolute path, for the journal (read from another working
 * directory later); the name as given when it has none. */
static char *
abs_path(const char *file)
{
	char *p = realpath(file, NULL);

	return p != NULL ? p : strdup(file);
}

#define KEYFILE_MAX (1024 * 1024) /* tsig_key_parse()'s own limit */

int
dns_key_file_load(const char *file, const char *name, struct tsig_key **out,
                  int *trc, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*trc = 0;
	rc = fsafe_read(file, "TSIG key file", FSAFE_STRICT, KEYFILE_MAX,
	                &text, &len);
	if (rc != 0)
		return rc;
	*trc = tsig_key_parse(text, len, file, name, out, err, errlen);
	if (*trc != 0 && err != NULL && errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "%s", tsig_strerror(*trc));
	explicit_bzero(text, len);
	free(text);
	return *trc != 0 ? ACMEUP_ETSIG : 0;
}

/* Warnings, once per key, for a weak key: RFC 8945 6 says hmac-md5 MUST
 * NOT be used; a secret shorter than the MAC output weakens the HMAC
 * (RFC 2104 3: keys shorter than the output are strongly discouraged). */
static void
warn_weak_key(const struct tsig_key *key, const char *source)
{
	static char warned[16][256]; /* names warned about in this run */
	static size_t nwarned;
	size_t i, have = tsig_key_secret_len(key), want = tsig_key_mac_len(key);

	for (i = 0; i < nwarned; i++)
		if (strcmp(warned[i], tsig_key_name(key)) == 0)
			return;
	if (nwarned < sizeof(warned) / sizeof(warned[0]))
		snprintf(warned[nwarned++], sizeof(warned[0]), "%s",
		         tsig_key_name(key));
	if (strcmp(tsig_key_algorithm(key), "hmac-md5") == 0)
		log_warn("TSIG key %s (from %s) uses hmac-md5, which RFC 8945 "
		         "says must not be used: make an hmac-sha256 key "
		         "(tsig-keygen -a hmac-sha256)", tsig_key_name(key),
		         source);
	if (have < want)
		log_warn("TSIG key %s (from %s) has a %zu-octet secret, shorter "
		         "than the %zu-octet %s MAC: make a key with a secret "
		         "of at least %zu octets (tsig-keygen does)",
		         tsig_key_name(key), source, have, want,
		         tsig_key_algorithm(key), want);
}

/* A key from a file (BIND or Knot format). A file that cannot be read
 * or parsed is a configuration error (ACMEUP_EUSAGE). */
static int
read_key(const char *file, const char *name, struct tsig_key **out)
{
	char err[512] = "";
	int rc, trc;

	rc = dns_key_file_load(file, name, out, &trc, err, sizeof(err));
	if (rc == ACMEUP_EIO)
		return acmeup_err_context(ACMEUP_EUSAGE, "TSIG key");
	if (rc == ACMEUP_ETSIG)
		return acmeup_fail(ACMEUP_EUSAGE, "TSIG key: %s", err);
	return rc;
}

/* The -y key. */
static int
arg_key(const char *arg, struct tsig_key **out)
{
	char err[512] = "";
	int rc;

	rc = tsig_key_from_arg(arg, out, err, sizeof(err));
	if (rc != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "-y/--tsig-secret: %s",
		                   err[0] != '\0' ? err : tsig_strerror(rc));
	return 0;
}

/* read_key, logged without its secret. */
static int
load_key(const char *file, const char *name, struct tsig_key **out)
{
	int rc;

	rc = read_key(file, name, out);
	if (rc != 0)
		return rc;
	log_stage("dns: TSIG key %s (%s) from %s", tsig_key_name(*out),
	          tsig_key_algorithm(*out), file);
	warn_weak_key(*out, file);
	if (tsig_key_file_insecure(file) == 1)
		log_warn("TSIG key file %s is readable by group or others; chmod "
		         "600 it", file);
	return 0;
}

/* Every key cfg names, read and freed again. */
static int
check_keys(const struct dns_config *cfg)
{
	struct tsig_key *key = NULL;
	size_t i;
	int rc = 0;

	if (cfg->key_arg != NULL)
		rc = arg_key(cfg->key_arg, &key);
	else if (cfg->key_file != NULL)
		rc = read_key(cfg->key_file, cfg->key_name, &key);
	tsig_key_free(key);
	for (i = 0; rc == 0 && i < cfg->n_zones; i++) {
		if (cfg->zones[i].key_file == NULL)
			continue;
		key = NULL;
		rc = read_key(cfg->zones[i].key_file, cfg->zones[i].key_name,
		              &key);
		tsig_key_free(key);
	}
	return rc;
}

/* "HOST[:PORT]" of an update server, what names it in the error. */
static int
check_hostport(const char *s, const char *what)
{
	struct dns_addr a;
	ldns_rdf *name = NULL;
	char host[256];
	uint16_t port;

	if (s == NULL || dns_addr_parse(s, DNS_PORT, &a) == 0)
		return 0;
	if (dns_hostport_split(s, host, sizeof(host), &port) == 0)
		name = dns_name_new(host);
	ldns_rdf_deep_free(name);
	if (name != NULL)
		return 0;
	return acmeup_fail(ACMEUP_EUSAGE, "%s \"%s\" is not HOST[:PORT]",
	                   what, s);
}

int
dns_config_check_inputs(const struct dns_config *cfg)
{
	struct dns_addr a;
	char what[300];
	size_t i;
	int rc;

	if (cfg->resolver != NULL && cfg->resolver[0] != '\0') {
		rc = dns_resolver_addr(cfg->resolver, &a);
		if (rc != 0)
			return rc;
	}
	rc = check_hostport(cfg->update_server, "update server");
	for (i = 0; rc == 0 && i < cfg->n_zones; i++) {
		snprintf(what, sizeof(what), "zone %s: server",
		         cfg->zones[i].zone != NULL ? cfg->zones[i].zone : "");
		rc = check_hostport(cfg->zones[i].server, what);
	}
	if (rc == 0) /* the Kerberos process forks before a key is read */
		rc = dns_gss_cfg_check(cfg);
	return rc == 0 ? check_keys(cfg) : rc;
}

static int
default_key(struct dns_ctx *ctx, const struct dns_config *cfg)
{
	int rc;

	if (cfg->key_arg != NULL) {
		rc = arg_key(cfg->key_arg, &ctx->key);
		if (rc != 0)
			return rc;
		log_stage("dns: TSIG key %s (%s) from -y", tsig_key_name(ctx->key),
		          tsig_key_algorithm(ctx->key));
		warn_weak_key(ctx->key, "-y");
		ctx->key_file = strdup("-");
		return ctx->key_file == NULL ? ACMEUP_ENOMEM : 0;
	}
	if (cfg->key_file == NULL)
		return 0;
	rc = load_key(cfg->key_file, cfg->key_name, &ctx->key);
	if (rc == 0) {
		ctx->key_file = abs_path(cfg->key_file);
		rc = ctx->key_file == NULL ? ACMEUP_ENOMEM : 0;
	}
	return rc;
}

/* Entry for apex, made when missing (entries for one zone merge). */
static int
zone_entry(struct dns_ctx *ctx, const char *zone, struct dns_zone_ent **out)
{
	struct dns_zone_ent *grown;
	ldns_rdf *apex = dns_name_new(zone);
	size_t i;

	if (apex == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "zone \"%s\" is not a DNS name",
		                   zone != NULL ? zone : "");
	for (i = 0; i < ctx->nzones; i++) {
		if (ldns_dname_compare(ctx->zones[i].apex, apex) == 0) {
			ldns_rdf_deep_free(apex);
			*out = &ctx->zones[i];
			return 0;
		}
	}
	grown = realloc(ctx->zones, (ctx->nzones + 1) * sizeof(*grown));
	if (grown == NULL) {
		ldns_rdf_deep_free(apex);
		return ACMEUP_ENOMEM;
	}
	ctx->zones = grown;
	memset(&grown[ctx->nzones], 0, sizeof(*grown));
	grown[ctx->nzones].apex = apex;
	*out = &grown[ctx->nzones++];
	return 0;
}

/* Addresses "ADDR[:PORT]" into a new array; what names them in errors. */
static int
parse_skips(const char *const *list, size_t n, const char *what,
            struct dns_addr **out, size_t *nout)
{
	struct dns_addr *a;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	a = calloc(n, sizeof(*a));
	if (a == NULL)
		return ACMEUP_ENOMEM;
	*out = a;
	for (i = 0; i < n; i++) {
		if (dns_addr_parse(list[i], DNS_PORT, &a[i]) < 0)
			return acmeup_fail(ACMEUP_EUSAGE, "%sskip-server \"%s\" is "
			                   "not an address (ADDR, ADDR:PORT, [V6]:PORT)",
			                   what, list[i]);
		(*nout)++;
	}
	return 0;
}

static int
add_zone(struct dns_ctx *ctx, const struct dns_zone_cfg *zc)
{
	struct dns_zone_ent *e = NULL;
	char host[256], what[300];
	uint16_t port;
	int rc;

	rc = zone_entry(ctx, zc->zone, &e);
	if (rc < 0)
		return rc;
	e->tsig_queries |= zc->tsig_queries;
	snprintf(what, sizeof(what), "zone %s", zc->zone);
	if (zc->gss > 0 && zc->key_file != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "zone %s: tsig-gss and tsig-key "
		                   "both given: which one signs?", zc->zone);
	if ((zc->gss != 0 || zc->gss_keytab != NULL ||
	     zc->gss_principal != NULL) &&
	    (rc = dns_gss_cfg_set(&e->gss, zc->gss, zc->gss_keytab,
	                          zc->gss_principal, 0, what)) < 0)
		return rc;
	if (zc->n_skip_servers > 0) {
		free(e->skip);
		snprintf(what, sizeof(what), "zone %s: ", zc->zone);
		rc = parse_skips(zc->skip_servers, zc->n_skip_servers, what,
		                 &e->skip, &e->nskip);
		if (rc < 0)
			return rc;
	}
	if (zc->server != NULL) {
		if (dns_hostport_split(zc->server, host, sizeof(host), &port) < 0)
			return acmeup_fail(ACMEUP_EUSAGE, "zone %s: server \"%s\" is "
			                   "not HOST[:PORT]", zc->zone, zc->server);
		free(e->server);
		e->server = strdup(zc->server);
		if (e->server == NULL)
			return ACMEUP_ENOMEM;
	}
	if (zc->key_file == NULL)
		return 0;
	tsig_key_free(e->key);
	e->key = NULL;
	free(e->key_file);
	e->key_file = abs_path(zc->key_file);
	if (e->key_file == NULL)
		return ACMEUP_ENOMEM;
	rc = load_key(zc->key_file, zc->key_name, &e->key);
	if (rc == 0)
		log_debug("dns: key %s for zone %s", tsig_key_name(e->key),
		          zc->zone);
	return rc;
}

/* x (normalised, name.h) -> _acme-challenge.x (RFC 8555 8.4). */
static ldns_rdf *
challenge_name(const char *name)
{
	char buf[NAME_BUF + sizeof(NAME_CHALLENGE_PREFIX)];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s", NAME_CHALLENGE_PREFIX, name);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return dns_name_new(buf);
}

/* The alias's names by the rules of name.h, normalised into name and
 * target (NAME_BUF bytes each): NAME as dns-check takes it ("x", "*.x",
 * "_acme-challenge.x"), or an owner name for a subtree (a zone block);
 * TARGET an owner name ('_' allowed, no wildcard). */
static int
alias_names(const struct dns_alias *a, char *name, char *target)
{
	const char *bad = a->name != NULL ? a->name : "";
	char n[100], t[100], b[100];
	enum name_rule r;

	r = name_normalize(bad, a->subtree ? NAME_OWNER : NAME_CHALLENGE_OF,
	                   name, NULL);
	if (r == NAME_OK) {
		bad = a->target != NULL ? a->target : "";
		r = name_normalize(bad, NAME_OWNER, target, NULL);
	}
	if (r == NAME_OK)
		return 0;
	name_printable(a->name, n, sizeof(n));
	name_printable(a->target, t, sizeof(t));
	name_printable(bad, b, sizeof(b));
	return acmeup_fail(ACMEUP_EUSAGE, "challenge alias \"%s\" -> \"%s\": "
	                   "both must be DNS names (NAME=TARGET): '%s' is not a "
	                   "DNS name (%s)", n, t, b, name_rule_text(r));
}

int
dns_config_check_names(const struct dns_config *cfg)
{
	char name[NAME_BUF], target[NAME_BUF];
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < cfg->n_aliases; i++)
		rc = alias_names(&cfg->aliases[i], name, target);
	return rc;
}

static int
add_alias(struct dns_ctx *ctx, const struct dns_alias *a)
{
	struct dns_alias_ent e, *grown;
	char name[NAME_BUF], target[NAME_BUF];
	int rc;

	rc = alias_names(a, name, target);
	if (rc != 0)
		return rc;
	e.name = a->subtree ? dns_name_new(name) : challenge_name(name);
	e.target = dns_name_new(target);
	e.subtree = a->subtree;
	if (e.name == NULL || e.target == NULL ||
	    ldns_dname_label_count(e.target) < 2) {
		ldns_rdf_deep_free(e.name);
		ldns_rdf_deep_free(e.target);
		return acmeup_fail(ACMEUP_EUSAGE, "challenge alias \"%s\" -> \"%s\":"
		                   " both must be DNS names (NAME=TARGET)",
		                   a->name ? a->name : "", a->target ? a->target : "");
	}
	grown = realloc(ctx->aliases, (ctx->naliases + 1) * sizeof(*grown));
	if (grown == NULL) {
		ldns_rdf_deep_free(e.name);
		ldns_rdf_deep_free(e.target);
		return ACMEUP_ENOMEM;
	}
	ctx->aliases = grown;
	grown[ctx->naliases++] = e;
	return 0;
}

static int
add_skips(struct dns_ctx *ctx, const struct dns_config *cfg)
{
	return parse_skips(cfg->skip_servers, cfg->n_skip_servers, "--",
	                   &ctx->skip, &ctx->nskip);
}

static int
ctx_fill(struct dns_ctx *ctx, const struct dns_config *cfg)
{
	size_t i;
	int rc;

	ctx->ttl = cfg->ttl ? cfg->ttl : DEFAULT_TTL;
	ctx->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	ctx->unreachable_ms = cfg->unreachable_ms ? cfg->unreachable_ms
	    : DEFAULT_UNREACHABLE_MS;
	ctx->strict_servers = cfg->strict_servers;
	ctx->tsig_queries = cfg->tsig_queries;
	if (cfg->gss && (cfg->key_file != NULL || cfg->key_arg != NULL))
		return acmeup_fail(ACMEUP_EUSAGE, "--gss and a TSIG key (--tsig-key "
		                   "or -y) both given: which one signs? (zone "
		                   "blocks may mix them)");
	rc = dns_gss_cfg_set(&ctx->gss, cfg->gss ? 1 : 0, cfg->gss_keytab,
	                     cfg->gss_principal, cfg->gss_microsoft,
	                     "--gss-keytab");
	if (rc == 0)
		rc = dns_resolver_addr(cfg->resolver, &ctx->resolver);
	if (rc == 0)
		rc = default_key(ctx, cfg);
	if (rc == 0 && cfg->update_server != NULL) {
		ctx->update_server = strdup(cfg->update_server);
		if (ctx->update_server == NULL)
			rc = ACMEUP_ENOMEM;
	}
	for (i = 0; rc == 0 && i < cfg->n_zones; i++)
		rc = add_zone(ctx, &cfg->zones[i]);
	for (i = 0; rc == 0 && i < cfg->n_aliases; i++)
		rc = add_alias(ctx, &cfg->aliases[i]);
	if (rc == 0)
		rc = add_skips(ctx, cfg);
	if (rc == 0)
		rc = dns_gss_cfg_acquire(ctx);
	return rc;
}

int
dns_ctx_new(const struct dns_config *cfg, struct dns_ctx **out)
{
	struct dns_ctx *ctx = calloc(1, sizeof(*ctx));
	int rc;

	if (ctx == NULL)
		return ACMEUP_ENOMEM;
	rc = ctx_fill(ctx, cfg);
	if (rc < 0) {
		dns_ctx_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

static void
zinfo_free(struct dns_zinfo *zi)
{
	if (zi == NULL)
		return;
	ldns_rdf_deep_free(zi->apex);
	ldns_rdf_deep_free(zi->mname);
	free(zi->name);
	free(zi->primaries);
	free(zi->servers);
	free(zi);
}

void
dns_ctx_free(struct dns_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	for (i = 0; i < ctx->nzones; i++) {
		ldns_rdf_deep_free(ctx->zones[i].apex);
		free(ctx->zones[i].server);
		tsig_key_free(ctx->zones[i].key);
		free(ctx->zones[i].key_file);
		free(ctx->zones[i].skip);
		dns_gss_cfg_clear(&ctx->zones[i].gss);
	}
	free(ctx->zones);
	for (i = 0; i < ctx->naliases; i++) {
		ldns_rdf_deep_free(ctx->aliases[i].name);
		ldns_rdf_deep_free(ctx->aliases[i].target);
	}
	free(ctx->aliases);
	for (i = 0; i < ctx->nknown; i++)
		zinfo_free(ctx->known[i]);
	free(ctx->known);
	free(ctx->skip);
	free(ctx->update_server);
	tsig_key_free(ctx->key);
	free(ctx->key_file);
	dns_gss_cfg_clear(&ctx->gss);
	dns_gss_end();
	free(ctx);
}

const struct dns_zone_ent *
dns_ctx_zone(const struct dns_ctx *ctx, const ldns_rdf *apex)
{
	size_t i;

	for (i = 0; i < ctx->nzones; i++)
		if (ldns_dname_compare(ctx->zones[i].apex, apex) == 0)
			return &ctx->zones[i];
	return NULL;
}

int
dns_ctx_key_at(struct dns_ctx *ctx, size_t i, struct tsig_key **key,
               const char **file)
{
	if (i > ctx->nzones)
		return -1;
	*key = i == 0 ? ctx->key : ctx->zones[i - 1].key;
	*file = i == 0 ? ctx->key_file : ctx->zones[i - 1].key_file;
	return 0;
}

const struct tsig_key *
dns_ctx_key(const struct dns_ctx *ctx, const ldns_rdf *apex,
            const char **key_file)
{
	const struct dns_zone_ent *e = dns_ctx_zone(ctx, apex);

	if (e != NULL && e->key != NULL) {
		if (key_file != NULL)
			*key_file = e->key_file;
		return e->key;
	}
	if (key_file != NULL)
		*key_file = ctx->key_file;
	return ctx->key;
}

int
dns_ctx_gss(const struct dns_ctx *ctx, const ldns_rdf *apex,
            struct dns_gss_who *who, const char **file)
{
	const struct dns_zone_ent *e = dns_ctx_zone(ctx, apex);
	const struct dns_gss_cfg *zone = e != NULL ? &e->gss : NULL;
	const struct dns_gss_cfg *c;

	if (!dns_gss_cfg_applies(&ctx->gss, zone, e != NULL && e->key != NULL))
		return 0;
	dns_gss_cfg_who(&ctx->gss, zone, who);
	c = dns_gss_cfg_creds(&ctx->gss, zone);
	*file = c->file != NULL ? c->file : ctx->gss.file;
	return 1;
}

const struct tsig_key *
dns_ctx_query_key(const struct dns_ctx *ctx, const ldns_rdf *apex)
{
	const struct dns_zone_ent *e;

	if (ctx == NULL)
		return NULL;
	e = dns_ctx_zone(ctx, apex);
	if (!ctx->tsig_queries && (e == NULL || !e->tsig_queries))
		return NULL;
	return dns_ctx_key(ctx, apex, NULL);
}

/* An exact alias first; else the deepest subtree alias holding the name
 * the challenge is for (_acme-challenge.NAME). */
const ldns_rdf *
dns_ctx_alias(const struct dns_ctx *ctx, const ldns_rdf *challenge)
{
	const struct dns_alias_ent *best = NULL;
	ldns_rdf *name = NULL;
	size_t i;

	for (i = 0; i < ctx->naliases; i++)
		if (!ctx->aliases[i].subtree &&
		    ldns_dname_compare(ctx->aliases[i].name, challenge) == 0)
			return ctx->aliases[i].target;
	for (i = 0; i < ctx->naliases; i++) {
		if (!ctx->aliases[i].subtree)
			continue;
		if (name == NULL)
			name = ldns_dname_left_chop(challenge);
		if (name != NULL && dns_at_or_below(name, ctx->aliases[i].name) &&
		    (best == NULL || ldns_dname_label_count(best->name) <
		                     ldns_dname_label_count(ctx->aliases[i].name)))
			best = &ctx->aliases[i];
	}
	ldns_rdf_deep_free(name);
	return best != NULL ? best->target : NULL;
}

int
dns_ctx_skipped(const struct dns_ctx *ctx, const ldns_rdf *apex,
                const struct dns_addr *a)
{
	const struct dns_zone_ent *e;
	size_t i;

	for (i = 0; ctx != NULL && i < ctx->nskip; i++)
		if (dns_addr_equal(&ctx->skip[i], a))
			return 1;
	e = ctx != NULL && apex != NULL ? dns_ctx_zone(ctx, apex) : NULL;
	for (i = 0; e != NULL && i < e->nskip; i++)
		if (dns_addr_equal(&e->skip[i], a))
			return 1;
	return 0;
}

struct dns_zinfo *
dns_ctx_known_above(struct dns_ctx *ctx, const ldns_rdf *name)
{
	struct dns_zinfo *best = NULL;
	size_t i;

	for (i = 0; i < ctx->nknown; i++) {
		struct dns_zinfo *zi = ctx->known[i];

		if (dns_at_or_below(name, zi->apex) &&
		    (best == NULL || ldns_dname_label_count(zi->apex) >
		                     ldns_dname_label_count(best->apex)))
			best = zi;
	}
	return best;
}

/* Primaries of a new zone: the zone's server, the global one, or MNAME. */
static int
zinfo_primaries(const struct dns_ctx *ctx, struct dns_zinfo *zi)
{
	const struct dns_zone_ent *e = dns_ctx_zone(ctx, zi->apex);
	const char *server = e != NULL && e->server != NULL ? e->server
	                     : ctx->update_server;
	char *mname = dns_name_text(zi->mname);
	const char *gss_file = NULL;
	int rc;

	if (mname == NULL)
		return ACMEUP_ENOMEM;
	if (server != NULL)
		snprintf(zi->from, sizeof(zi->from), "%s %s; SOA MNAME %s",
		         e != NULL && e->server != NULL ? "zone server" :
		         "--dns-server", server, mname);
	else
		snprintf(zi->from, sizeof(zi->from), "SOA MNAME %s", mname);
	free(mname);
	rc = dns_primary_find(&ctx->resolver, server, zi->mname, &zi->primaries,
	                      &zi->nprimaries);
	zi->key = dns_ctx_key(ctx, zi->apex, &zi->key_file);
	zi->use_gss = dns_ctx_gss(ctx, zi->apex, &zi->gss, &gss_file);
	if (zi->use_gss) {
		zi->key = NULL;
		zi->key_file = gss_file;
	}
	return rc;
}

int
dns_ctx_zinfo(struct dns_ctx *ctx, const ldns_rdf *apex,
              const ldns_rdf *mname, struct dns_zinfo **out)
{
	struct dns_zinfo *zi, **grown;
	size_t i;
	int rc;

	for (i = 0; i < ctx->nknown; i++) {
		if (ldns_dname_compare(ctx->known[i]->apex, apex) == 0) {
			*out = ctx->known[i];
			return 0;
		}
	}
	zi = calloc(1, sizeof(*zi));
	grown = realloc(ctx->known, (ctx->nknown + 1) * sizeof(*grown));
	if (grown != NULL)
		ctx->known = grown;
	if (zi == NULL || grown == NULL) {
		free(zi);
		return ACMEUP_ENOMEM;
	}
	zi->apex = ldns_rdf_clone(apex);
	zi->mname = ldns_rdf_clone(mname);
	if (zi->apex != NULL)
		ldns_dname2canonical(zi->apex);
	zi->name = zi->apex != NULL ? dns_name_text(zi->apex) : NULL;
	rc = zi->name == NULL || zi->mname == NULL ? ACMEUP_ENOMEM
	     : zinfo_primaries(ctx, zi);
	if (rc < 0) {
		zinfo_free(zi);
		return rc;
	}
	ctx->known[ctx->nknown++] = zi;
	log_debug("dns: zone %s: primary %s via %s", zi->name,
	          zi->nprimaries > 0 ? zi->primaries[0].text : "(no address)",
	          zi->from);
	*out = zi;
	return 0;
}
