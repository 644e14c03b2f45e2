/* The account and revoke commands (src/cmd_account.c, src/cmd_revoke.c).
 * Each returns 0 or a negative ACMEUP_E* code with a detail. */
#ifndef ACMEUP_ACME_CMD_H
#define ACMEUP_ACME_CMD_H

#include "acmeup/cli.h"

/* acmeup account register|show|update|rollover|deactivate */
int account_run(const struct opts *o);

/* acmeup revoke --cert FILE [--reason N] [--cert-key FILE] */
int revoke_run(const struct opts *o);

#endif
