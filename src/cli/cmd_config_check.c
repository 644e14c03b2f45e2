/* The config-check command: the configuration file checked as far as can
 * be without contacting anything. Every error names file:line: setting. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsig.h"

#include "acmeup/certspec.h"
#include "cli.h"
#include "config.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "cli_internal.h"

/* "file:line: setting" for messages; line 0 when it is not in the file. */
static void
where(const struct config *cfg, const struct config_item *it,
      const char *key, char *buf, size_t len)
{
	if (it != NULL)
		snprintf(buf, len, "%s:%u: %s", cfg->path, it->line, it->key);
	else
		snprintf(buf, len, "%s: %s (default)", cfg->path, key);
}

/* The TSIG key file (and key name) loads; a missing key is the name's
 * setting's fault, anything else the file's. */
static int
check_key(const struct config *cfg, const struct config_item *file,
          const struct config_item *name)
{
	struct tsig_key *key = NULL;
	char err[512] = "", at[600];
	int rc, trc;

	rc = dns_key_file_load(file->values[0], name != NULL ?
	    name->values[0] : NULL, &key, &trc, err, sizeof(err));
	tsig_key_free(key);
	if (rc == 0)
		return 0;
	if (rc != ACMEUP_ETSIG) {
		/* The file itself refused or unreadable (fsafe.h). */
		where(cfg, file, "tsig-key", at, sizeof(at));
		return acmeup_err_context(ACMEUP_EUSAGE, "%s", at);
	}
	rc = trc;
	where(cfg, rc == TSIG_ENOTFOUND && name != NULL ? name : file,
	    "tsig-key", at, sizeof(at));
	return acmeup_fail(ACMEUP_EUSAGE, "%s: %s", at, err[0] != '\0' ? err :
	    tsig_strerror(rc));
}

/* The keys of a block (NULL: the globals); a tsig-key-name alone names a
 * key of the global file. */
static int
check_block_key(const struct config *cfg, const struct config_block *b)
{
	const struct config_item *file = config_get(cfg, b, "tsig-key");
	const struct config_item *name = config_get(cfg, b, "tsig-key-name");
	const struct config_item *gfile = config_get(cfg, NULL, "tsig-key");
	char at[600];

	if (file == NULL && name == NULL)
		return 0;
	if (file == NULL && (b == NULL || gfile == NULL)) {
		where(cfg, name, "tsig-key-name", at, sizeof(at));
		return acmeup_fail(ACMEUP_EUSAGE, "%s: there is no tsig-key "
		    "file to find key %s in", at, name->values[0]);
	}
	if (file == NULL)
		file = gfile;
	return check_key(cfg, file, name);
}

/* One DNS setting as the DNS engine reads it: a zone's name (key NULL),
 * server, skip-server or alias-to, the global resolver or skip-server.
 * No key is loaded, nothing is sent. */
static int
check_dns_item(const struct config *cfg, const struct config_block *b,
               const char *key)
{
	const struct config_item *it = key != NULL ? config_get(cfg, b, key) :
	    NULL;
	struct dns_zone_cfg z = { .zone = b != NULL ? b->name : NULL };
	struct dns_alias a = { b != NULL ? b->name : NULL, NULL, 1 };
	struct dns_config dc = { .resolver = "127.0.0.1", .zones = &z,
	    .n_zones = b != NULL, .aliases = &a };
	struct dns_ctx *ctx = NULL;
	const char **one = NULL;
	int rc;

	if (key != NULL && it == NULL)
		return 0;
	if (key != NULL && strcmp(key, "server") == 0)
		one = &z.server;
	else if (key != NULL && strcmp(key, "resolver") == 0)
		one = &dc.resolver;
	else if (key != NULL && strcmp(key, "alias-to") == 0)
		one = &a.target;
	if (one != NULL)
		*one = it->values[0];
	dc.n_aliases = a.target != NULL;
	if (key != NULL && strcmp(key, "skip-server") == 0 && b != NULL) {
		z.skip_servers = (const char *const *)it->values;
		z.n_skip_servers = it->n_values;
	} else if (key != NULL && strcmp(key, "skip-server") == 0) {
		dc.skip_servers = (const char *const *)it->values;
		dc.n_skip_servers = it->n_values;
	}
	rc = dns_ctx_new(&dc, &ctx);
	dns_ctx_free(ctx);
	if (rc != 0 && rc != ACMEUP_ENOMEM)
		rc = acmeup_err_context(ACMEUP_EUSAGE, "%s:%u: %s", cfg->path,
		    it != NULL ? it->line : b->line, it != NULL ? key : "zone");
	return rc;
}

/* A zone block: its name, something to do, its settings and its key;
 * each problem counted in pb. */
static int
check_zone(const struct config *cfg, const struct config_block *b,
           struct config_problems *pb)
{
	static const char *const keys[] = { NULL, "server", "skip-server",
	    "alias-to" };
	size_t i;
	int rc = 0;

	if (b->n_items == 0)
		return config_problem(pb, acmeup_fail(ACMEUP_EUSAGE, "%s:%u: "
		    "zone %s has no settings", cfg->path, b->line, b->name));
	if (strchr(b->name, '*') != NULL)
		return config_problem(pb, acmeup_fail(ACMEUP_EUSAGE, "%s:%u: "
		    "zone: '%s' is not a zone name", cfg->path, b->line,
		    b->name));
	for (i = 0; rc == 0 && i < sizeof(keys) / sizeof(keys[0]); i++)
		rc = config_problem(pb, check_dns_item(cfg, b, keys[i]));
	if (rc == 0)
		rc = config_problem(pb, check_block_key(cfg, b));
	return rc;
}

/* dir exists as a directory we can write, or can be created: its
 * nearest existing parent is. */
static int
check_dir(const struct config *cfg, const struct config_item *it,
          const char *key, const char *dir)
{
	char path[PATH_MAX], at[600], *slash;
	struct stat st;
	int n;

	n = snprintf(path, sizeof(path), "%s", dir);
	where(cfg, it, key, at, sizeof(at));
	if (n < 0 || (size_t)n >= sizeof(path) || path[0] == '\0')
		return acmeup_fail(ACMEUP_EUSAGE, "%s: bad directory '%s'", at,
		    dir);
	while (stat(path, &st) != 0) {
		slash = strrchr(path, '/');
		if ((errno != ENOENT && errno != ENOTDIR) || slash == NULL)
			return acmeup_fail(ACMEUP_EUSAGE, "%s: %s: %s", at, path,
			    errno == ENOENT ? "relative path does not exist" :
			    strerror(errno));
		*(slash == path ? slash + 1 : slash) = '\0';
	}
	if (!S_ISDIR(st.st_mode))
		return acmeup_fail(ACMEUP_EUSAGE, "%s: %s is not a directory",
		    at, path);
	if (access(path, W_OK | X_OK) != 0 && strcmp(path, dir) == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: %s is not writable: %s",
		    at, dir, strerror(errno));
	if (access(path, W_OK | X_OK) != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: %s cannot be created: %s "
		    "is not writable: %s", at, dir, path, strerror(errno));
	return 0;
}

/* What the DNS engine makes of the file (addresses, names, keys), as the
 * commands will; nothing is sent. */
static int
check_dns(const struct opts *o)
{
	struct dns_config dc;
	struct dns_ctx *ctx = NULL;
	int rc;

	rc = dns_config_from_opts(o, &dc);
	if (rc == 0)
		rc = dns_ctx_new(&dc, &ctx);
	dns_ctx_free(ctx);
	dns_config_clear(&dc);
	if (rc != 0 && rc != ACMEUP_ENOMEM)
		rc = acmeup_err_context(ACMEUP_EUSAGE, "%s", o->config->path);
	return rc;
}

/* The setting key for a spec's block, else the global one, else NULL. */
static const struct config_item *
item_for(const struct opts *o, const struct config_block *b, const char *key)
{
	const struct config_item *it;

	if (cli_given(o, key))
		return NULL;
	it = b != NULL ? config_get(o->config, b, key) : NULL;
	return it != NULL ? it : config_get(o->config, NULL, key);
}

/* The zone blocks, then the directories and files every command needs;
 * each problem counted in pb. */
static int
check_paths(const struct opts *o, const struct certspec_list *specs,
            size_t *zones, struct config_problems *pb)
{
	const struct config *cfg = o->config;
	const struct config_item *it;
	size_t i, k = 0;
	int rc = config_problem(pb, check_block_key(cfg, NULL));

	if (rc == 0)
		rc = config_problem(pb, check_dns_item(cfg, NULL, "resolver"));
	if (rc == 0)
		rc = config_problem(pb, check_dns_item(cfg, NULL,
		    "skip-server"));
	for (i = 0; rc == 0 && i < cfg->n_blocks; i++)
		if (strcmp(cfg->blocks[i].type, "zone") == 0) {
			rc = check_zone(cfg, &cfg->blocks[i], pb);
			(*zones)++;
		}
	if (rc == 0)
		rc = config_problem(pb, check_dir(cfg, item_for(o, NULL,
		    "state-dir"), "state-dir", o->state_dir));
	for (i = 0; rc == 0 && i < cfg->n_blocks && k < specs->n; i++)
		if (strcmp(cfg->blocks[i].type, "cert") == 0)
			rc = config_problem(pb, check_dir(cfg, item_for(o,
			    &cfg->blocks[i], "out"), "out",
			    specs->specs[k++].out_dir));
	it = item_for(o, NULL, "ca-bundle");
	if (rc == 0 && it != NULL && access(it->values[0], R_OK) != 0)
		rc = config_problem(pb, acmeup_fail(ACMEUP_EUSAGE, "%s:%u: "
		    "ca-bundle: %s: %s", cfg->path, it->line, it->values[0],
		    strerror(errno)));
	return rc;
}

/* What renewing the file's certificates needs that no single setting's
 * check sees: a CA (server) and a TSIG key somewhere. With cert blocks a
 * missing one is a problem (counted in pb); without, a note of what the
 * file cannot do alone. */
static int
check_needs(const struct opts *o, size_t certs, struct config_problems *pb)
{
	const char *path = o->config->path;
	int no_key = o->tsig_key == NULL && o->tsig_secret == NULL &&
	    !o->gss && !config_zone_signs(o->config);
	int rc = 0;

	if (certs == 0) {
		if (o->server == NULL)
			printf("note: no server: issue, renew, account and "
			    "revoke need --server\n");
		if (no_key)
			printf("note: no tsig-key: issue, renew and cleanup "
			    "need --tsig-key or -y\n");
		return 0;
	}
	if (o->server == NULL)
		rc = config_problem(pb, acmeup_fail(ACMEUP_EUSAGE, "%s: server: "
		    "not set, but the cert blocks need a CA: its ACME "
		    "directory URL (server URL)", path));
	if (rc == 0 && no_key)
		rc = config_problem(pb, acmeup_fail(ACMEUP_EUSAGE, "%s: "
		    "tsig-key: no TSIG key anywhere, but the cert blocks need "
		    "one to write their records (tsig-key FILE globally or in "
		    "a zone block)", path));
	return rc;
}

int
config_check_run(const struct opts *o)
{
	struct certspec_list specs = { NULL, 0 };
	struct config_problems pb = { 0, NULL };
	size_t zones = 0;
	int rc;

	if (o->config == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "config-check: %s does not "
		    "exist (give the file with -c FILE)", ACMEUP_DEFAULT_CONFIG);
	if (o->n_args > 0 || o->n_domains > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "config-check checks the "
		    "whole file; it takes no certificate names");
	rc = config_problem(&pb, certspec_load(o, o->config, &specs));
	if (rc == 0)
		rc = check_needs(o, specs.n, &pb);
	if (rc == 0)
		rc = check_paths(o, &specs, &zones, &pb);
	if (rc == 0 && pb.n == 0)	/* its errors repeat the ones above */
		rc = config_problem(&pb, check_dns(o));
	if (rc == 0)
		rc = config_problems_end(&pb, o->config->path, ACMEUP_EUSAGE);
	free(pb.held);
	if (rc == 0)
		printf("ok: %zu certificate%s, %zu zone%s\n", specs.n,
		    specs.n == 1 ? "" : "s", zones, zones == 1 ? "" : "s");
	certspec_free(&specs);
	return rc;
}
