/* acmeup cleanup: remove the challenge records that runs killed mid-way
 * (kill -9, power loss) left behind, as their journals under the state
 * directory list them. Journals of runs still alive are left alone. The
 * keys process holds the TSIG keys, the journals' ones included (it opens
 * their files), the Kerberos process the GSS-TSIG credentials, while this
 * process, confined as for issue, talks to the servers. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "acmeup/dns.h"
#include "acmeup/engine.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "cli_internal.h"

/* Keys on the command line stand in for -y keys and lost key files. */
static int
cli_keys(const struct opts *o, struct dns_ctx **ctx)
{
	struct dns_config cfg;
	int rc;

	*ctx = NULL;
	if (o->tsig_key == NULL && o->tsig_secret == NULL && o->n_zone_keys == 0)
		return 0;
	rc = dns_config_from_opts(o, &cfg);
	if (rc == 0) /* GSS-TSIG credentials first: the Kerberos process */
		rc = dns_config_check_inputs(&cfg); /* forks before a key is read */
	if (rc == 0)
		rc = dns_ctx_new(&cfg, ctx);
	dns_config_clear(&cfg);
	return rc;
}

int
cleanup_run(const struct opts *o)
{
	struct dns_ctx *ctx = NULL;
	size_t found = 0, left = 0;
	int rc;

	if (o->n_args > 0 || o->n_domains > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "cleanup takes no names: it "
		                   "removes what the journals under --state-dir list");
	rc = cli_keys(o, &ctx);
	if (rc == 0)
		rc = engine_keys_start(ctx, o->state_dir, !o->no_sandbox);
	/* Then, as for issue: the files process, another user, Landlock (a
	 * missing state directory is not made: there is nothing to clean). */
	if (rc == 0 && access(o->state_dir, F_OK) == 0)
		rc = engine_keys_confine(o->state_dir, NULL, !o->no_sandbox,
		    NULL, 0);
	if (rc < 0) {
		dns_ctx_free(ctx);
		return rc;
	}
	rc = dns_journal_recover(ctx, o->state_dir, &found, &left);
	engine_keys_stop(); /* before the keys it borrows go */
	dns_ctx_free(ctx);
	if (found == 0 && rc == 0)
		printf("nothing to clean up under %s\n", o->state_dir);
	else
		printf("%zu challenge record%s found in journals under %s, %zu "
		       "removed, %zu left\n", found, found == 1 ? "" : "s",
		       o->state_dir, found - left, left);
	if (rc == 0 && left > 0)
		rc = acmeup_fail(ACMEUP_EDNS, "%zu record%s could not be removed; "
		                 "the journal keeps them for the next try", left,
		                 left == 1 ? "" : "s");
	return rc;
}
