/* acmeup forget NAME...: forget certificates remembered from `issue -d`
 * (STATE/certs/NAME.rec), so that list and renew no longer take them. The
 * certificate files under --out stay where they are. */
#include <stdio.h>

#include "cli.h"
#include "acmeup/error.h"
#include "acmeup/store.h"
#include "acmeup/text.h"
#include "cli_internal.h"

int
forget_run(const struct opts *o)
{
	size_t i;
	int rc = 0;

	if (o->n_args == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "forget: give the names of the "
		    "remembered certificates (acmeup list shows them)");
	for (i = 0; rc == 0 && i < o->n_args; i++) {
		rc = store_cert_record_remove(o->state_dir, o->args[i]);
		if (rc == 0)
			text_printf(stdout, "%s: forgotten (its files under --out "
			    "are left as they are)\n", o->args[i]);
	}
	return rc;
}
