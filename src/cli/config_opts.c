/* The configuration file's global settings applied to struct opts where
 * the command line left them (by options.c's table), and main's loading
 * step (see config.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/store.h"
#include "options.h"

/* One global setting into o, as the command line would set it; its errors
 * name FILE:LINE: KEY. */
static int
apply_item(const struct config *cfg, const struct opt_def *d,
           const struct config_item *it, struct opts *o)
{
	char ctx[600];
	size_t i;
	int rc = 0;

	snprintf(ctx, sizeof(ctx), "%s:%u: %s", cfg->path, it->line, it->key);
	if (d->arg == ARG_LIST && it->n_values > d->hi)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: at most %u values", ctx,
		    d->hi);
	for (i = 0; rc == 0 && i < it->n_values; i++) {
		rc = opt_set(d, ctx, it->values[i], 1, o);
		if (d->arg != ARG_LIST)
			break;
	}
	return rc;
}

int
config_apply(const struct config *cfg, struct opts *o)
{
	const struct config_item *it;
	size_t i;
	int rc = 0;

	/* The file's settings where the command line left them (options.c's
	 * table: the entries the file takes outside a block). */
	for (i = 0; rc == 0 && i < opt_count; i++) {
		const struct opt_def *d = &opt_table[i];

		if ((d->where & IN_GLOBAL) == 0 || cli_given(o, d->name))
			continue;
		it = config_get(cfg, NULL, d->name);
		if (it != NULL)
			rc = apply_item(cfg, d, it, o);
	}
	if (rc != 0)
		return rc;
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
	return 0;
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
