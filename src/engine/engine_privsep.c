/* The keys process for issue and renew (priv.h): started once every key is
 * loaded and before any network code, so that this process, which talks to
 * the CA and the DNS servers, holds no TSIG secret and no account key. */
#include <stdio.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "engine_internal.h"

int
engine_privsep_start(struct dns_ctx *dns, int sandbox)
{
	struct tsig_key *key;
	const char *file;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && dns != NULL &&
	    dns_ctx_key_at(dns, i, &key, &file) == 0; i++)
		if (key != NULL)
			rc = priv_keys_add_tsig(key, file);
	if (rc == 0)
		rc = priv_keys_start(sandbox);
	if (rc != 0)
		return rc;
	log_debug("privsep: keys process %ld holds the keys; this process "
	          "%ld none", priv_keys_pid(), (long)getpid());
	if (sandbox && priv_sandbox_main() != 0) {
		log_stage("%s", acmeup_errmsg(ACMEUP_EIO)); /* said once */
		acmeup_err_clear();
	}
	return 0;
}

int
engine_privsep_died(void)
{
	return priv_keys_died(NULL, 0);
}

int
engine_privsep_check(int rc)
{
	char msg[200];

	if (!priv_keys_died(msg, sizeof(msg)))
		return rc;
	acmeup_err_clear(); /* the death is the run's failure */
	return acmeup_fail(ACMEUP_ECRYPTO, "%s; run stopped", msg);
}

int
engine_keys_start(struct dns_ctx *dns, const char *state_dir, int sandbox)
{
	int rc = engine_privsep_start(dns, sandbox);

	if (rc == 0 && state_dir != NULL && priv_journal_keys(state_dir) != 0) {
		log_warn("%s", acmeup_errmsg(ACMEUP_EIO)); /* the keys given */
		acmeup_err_clear();
	}
	return rc;
}

void
engine_keys_stop(void)
{
	priv_keys_stop();
}

int
engine_keys_load(const char *path, struct crypto_key **out)
{
	return priv_key_load(path, out);
}

int
engine_keys_account_stage(const char *dir, int type, struct crypto_key **out)
{
	return priv_account_stage(dir, (enum crypto_key_type)type, out);
}

int
engine_keys_account(const char *dir, int type, int type_given,
                    int keep_exclusive, struct crypto_key **out,
                    struct lock **lock)
{
	if (lock == NULL)
		return priv_account_open(dir, (enum crypto_key_type)type,
		                         type_given, out);
	return account_key_open_locked_by(dir, (enum crypto_key_type)type,
	    type_given, keep_exclusive, priv_account_open, out, lock);
}
