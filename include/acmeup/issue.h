/* One certificate, end to end: account, order, DNS proof, finalize, store,
 * cleanup. */
#ifndef ACMEUP_ISSUE_H
#define ACMEUP_ISSUE_H

#include "acmeup/cli.h"

struct crypto_key;

/* Run the issue command. Returns 0 or a negative ACMEUP_E* code with a
 * detail. */
int issue_run(const struct opts *opts);

/* Load the account key from dir/account.key, or create a P-256 key there
 * (0600, atomically) when there is none. *out owned by the caller. */
int account_key_load(const char *dir, struct crypto_key **out);

/* Directory name for a certificate: the name with '*' as '_'. Rejects names
 * that could leave the output directory. buf receives the result. */
int issue_cert_dirname(const char *name, char *buf, size_t len);

#endif
