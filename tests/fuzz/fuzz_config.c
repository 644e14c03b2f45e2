/* libFuzzer target: acmeup.conf (config_parse), then what every command
 * makes of it: the globals applied to the options (config_apply) and the
 * cert blocks as cert specs (certspec_load).
 *
 * Besides memory errors (ASan, UBSan) it checks the parser's promises:
 * nothing is returned on failure, every failure names the file (and so
 * file:line), and a parsed file gives one spec per cert block or an error
 * that names the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/certspec.h"
#include "cli.h"
#include "config.h"
#include "acmeup/error.h"
#include "cli_internal.h"

#define PATH "fuzz.conf"

static void
check_failure(int rc)
{
	if (rc != ACMEUP_ENOMEM &&
	    strncmp(acmeup_errmsg(rc), PATH, strlen(PATH)) != 0)
		abort(); /* every error names the file */
}

/* What a command does with the file: globals, then the cert blocks. */
static void
use(const struct config *cfg)
{
	static char *argv[] = { "acmeup", "list", NULL };
	struct certspec_list l = { NULL, 0 };
	struct opts o;
	size_t i, certs = 0;
	int rc;

	if (cli_parse(2, argv, &o) != 0)
		abort();
	acmeup_err_clear();
	rc = config_apply(cfg, &o);
	if (rc != 0) {
		check_failure(rc);
		cli_clear(&o); /* the file's eab-hmac-key is a wiped copy */
		return;
	}
	o.config = cfg;
	for (i = 0; i < cfg->n_blocks; i++)
		certs += strcmp(cfg->blocks[i].type, "cert") == 0;
	rc = certspec_load(&o, cfg, &l);
	if (rc == 0 && l.n != certs)
		abort();
	if (rc != 0 && rc != ACMEUP_ENOMEM &&
	    strstr(acmeup_errmsg(rc), PATH) == NULL &&
	    strstr(acmeup_errmsg(rc), "would share the directory") == NULL)
		abort();
	certspec_free(&l);
	cli_clear(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	int rc;

	acmeup_err_clear();
	rc = config_parse(PATH, (const char *)data, size, &cfg);
	if (rc != 0) {
		check_failure(rc);
		if (cfg != NULL)
			abort(); /* *out only on success */
		return 0;
	}
	use(cfg);
	config_free(cfg);
	return 0;
}
