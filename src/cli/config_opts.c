/* The configuration file's global settings applied to struct opts where
 * the command line left them, and main's loading step (see config.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "acmeup/cli.h"
#include "acmeup/config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/store.h"

/* Settings that are one string, stored as the option's string. */
static const struct {
	const char *key;
	size_t off;
} str_settings[] = {
	{ "server", offsetof(struct opts, server) },
	{ "ca-bundle", offsetof(struct opts, ca_bundle) },
	{ "eab-kid", offsetof(struct opts, eab_kid) },
	{ "eab-hmac-key", offsetof(struct opts, eab_hmac_key) },
	{ "eab-hmac-key-file", offsetof(struct opts, eab_hmac_key_file) },
	{ "state-dir", offsetof(struct opts, state_dir) },
	{ "out", offsetof(struct opts, out_dir) },
	{ "preferred-chain", offsetof(struct opts, preferred_chain) },
	{ "profile", offsetof(struct opts, profile) },
	{ "deploy-hook", offsetof(struct opts, deploy_hook) },
	{ "resolver", offsetof(struct opts, resolver) },
	{ "dns-server", offsetof(struct opts, dns_server) },
	{ "tsig-key", offsetof(struct opts, tsig_key) },
	{ "tsig-key-name", offsetof(struct opts, tsig_key_name) },
};

/* Yes/no settings, stored as the option's flag. */
static const struct {
	const char *key;
	size_t off;
} bool_settings[] = {
	{ "agree-tos", offsetof(struct opts, agree_tos) },
	{ "reuse-key", offsetof(struct opts, reuse_key) },
	{ "tsig-queries", offsetof(struct opts, tsig_queries) },
};

/* Durations and counts with the command line's bounds. */
static const struct {
	const char *key;
	size_t off;
	unsigned lo, hi, scale;
} num_settings[] = {
	{ "renew-before", offsetof(struct opts, renew_before), 1,
	  10u * 366 * 86400, 1 },
	{ "propagation-timeout", offsetof(struct opts, propagation_timeout_ms),
	  1, 3600, 1000 },
	{ "ttl", offsetof(struct opts, ttl), 0, 86400, 1 },
	{ "wait-rate-limit", offsetof(struct opts, wait_rate_limit), 0, 3600,
	  1 },
	{ "jobs", offsetof(struct opts, jobs), 1, 1000, 1 },
};

/* The global item key unless the command line gave the option. */
static const struct config_item *
global(const struct config *cfg, const struct opts *o, const char *key)
{
	return cli_given(o, key) ? NULL : config_get(cfg, NULL, key);
}

static int
apply_numbers(const struct config *cfg, struct opts *o)
{
	const struct config_item *it;
	unsigned v = 0;
	size_t i;

	for (i = 0; i < sizeof(num_settings) / sizeof(num_settings[0]); i++) {
		it = global(cfg, o, num_settings[i].key);
		if (it == NULL)
			continue;
		if (config_seconds(it->values[0], &v) != 0 ||
		    v < num_settings[i].lo || v > num_settings[i].hi)
			return acmeup_fail(ACMEUP_EUSAGE, "%s:%u: %s: '%s' is out "
			    "of range (%u to %u%s)", cfg->path, it->line, it->key,
			    it->values[0], num_settings[i].lo, num_settings[i].hi,
			    strcmp(it->key, "jobs") == 0 ? "" : " seconds");
		*(unsigned *)(void *)((char *)o + num_settings[i].off) =
		    v * num_settings[i].scale;
	}
	return 0;
}

/* A key type name, checked where it stands in the file. */
static int
key_type(const struct config *cfg, const struct config_item *it, int *type,
         int *set)
{
	enum crypto_key_type t;

	if (crypto_key_type_parse(it->values[0], &t) != 0)
		return acmeup_err_context(ACMEUP_EUSAGE, "%s:%u: %s", cfg->path,
		    it->line, it->key);
	*type = (int)t;
	*set = 1;
	return 0;
}

/* Settings with checks or lists of their own. */
static int
apply_special(const struct config *cfg, struct opts *o)
{
	const struct config_item *it;
	size_t i;
	int rc = 0;

	it = global(cfg, o, "key-type");
	if (it != NULL)
		rc = key_type(cfg, it, &o->key_type, &o->key_type_set);
	it = global(cfg, o, "account-key-type");
	if (rc == 0 && it != NULL)
		rc = key_type(cfg, it, &o->account_key_type,
		    &o->account_key_type_set);
	it = global(cfg, o, "eab-alg");
	if (rc == 0 && it != NULL) {
		if (strcmp(it->values[0], "HS256") != 0 &&
		    strcmp(it->values[0], "HS384") != 0 &&
		    strcmp(it->values[0], "HS512") != 0)
			return acmeup_fail(ACMEUP_EUSAGE, "%s:%u: eab-alg: '%s' is "
			    "not HS256, HS384 or HS512", cfg->path, it->line,
			    it->values[0]);
		o->eab_alg = it->values[0];
	}
	it = global(cfg, o, "email");
	if (rc == 0 && it != NULL && it->n_values > CLI_MAX_EMAILS)
		return acmeup_fail(ACMEUP_EUSAGE, "%s:%u: email: at most %d "
		    "addresses", cfg->path, it->line, CLI_MAX_EMAILS);
	for (i = 0; rc == 0 && it != NULL && i < it->n_values; i++)
		o->emails[o->n_emails++] = it->values[i];
	if (o->n_emails > 0)
		o->email = o->emails[0];
	it = global(cfg, o, "skip-server");
	if (rc == 0 && it != NULL && it->n_values > CLI_MAX_DNS)
		return acmeup_fail(ACMEUP_EUSAGE, "%s:%u: skip-server: at most "
		    "%d addresses", cfg->path, it->line, CLI_MAX_DNS);
	for (i = 0; rc == 0 && it != NULL && i < it->n_values; i++)
		o->skip_servers[o->n_skip_servers++] = it->values[i];
	return rc;
}

int
config_apply(const struct config *cfg, struct opts *o)
{
	const struct config_item *it;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(str_settings) / sizeof(str_settings[0]); i++) {
		it = global(cfg, o, str_settings[i].key);
		if (it != NULL)
			*(const char **)(void *)((char *)o + str_settings[i].off) =
			    it->values[0];
	}
	for (i = 0; i < sizeof(bool_settings) / sizeof(bool_settings[0]); i++) {
		it = global(cfg, o, bool_settings[i].key);
		if (it != NULL)
			*(int *)(void *)((char *)o + bool_settings[i].off) =
			    config_bool(it->values[0]);
	}
	/* either form of the EAB key on the command line replaces the file's */
	if (cli_given(o, "eab-hmac-key-file") && !cli_given(o, "eab-hmac-key"))
		o->eab_hmac_key = NULL;
	if (cli_given(o, "eab-hmac-key") && !cli_given(o, "eab-hmac-key-file"))
		o->eab_hmac_key_file = NULL;
	if (o->tsig_secret != NULL) { /* -y replaces the file's key */
		if (!cli_given(o, "tsig-key"))
			o->tsig_key = NULL;
		if (!cli_given(o, "tsig-key-name"))
			o->tsig_key_name = NULL;
	}
	rc = apply_numbers(cfg, o);
	if (rc == 0)
		rc = apply_special(cfg, o);
	return rc;
}

int
config_setup(struct opts *o, struct config **out)
{
	const char *path = o->config_file != NULL ? o->config_file :
	    ACMEUP_DEFAULT_CONFIG;
	struct config *cfg = NULL;
	int rc;

	*out = NULL;
	if (o->config_file == NULL) {
		rc = store_exists(path);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return rc;
	}
	rc = config_load(path, &cfg);
	if (rc == 0)
		rc = config_apply(cfg, o);
	if (rc != 0) {
		config_free(cfg);
		return rc;
	}
	o->config = cfg;
	*out = cfg;
	return 0;
}
