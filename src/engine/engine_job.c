/* One certificate's job (engine.h): its release and its failure record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "engine_internal.h"

void
issue_job_clear(struct issue_job *j)
{
	if (j == NULL)
		return;
	lock_release(j->lock);
	free(j->replaces);
	free(j->error);
	free(j->hook_error);
	free(j->why);
	memset(j, 0, sizeof(*j));
}

void
issue_job_fail(struct issue_job *j, int rc)
{
	if (j->action == ISSUE_FAILED)
		return;
	j->action = ISSUE_FAILED;
	j->rc = rc;
	free(j->error);
	j->error = strdup(acmeup_errmsg(rc));
	log_stage("%s: failed: %s", j->spec->name,
	    j->error != NULL ? j->error : acmeup_strerror(rc));
}

int
engine_certdir(const struct cert_spec *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", s->out_dir, s->name);

	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EUSAGE, "certificate %s: output "
		    "path too long", s->name);
	return 0;
}
