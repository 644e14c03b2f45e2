/* acmeup: certificates through dns-01 with TSIG-signed DNS UPDATE. */
#include <stdio.h>

#include "acmeup/cli.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/issue.h"
#include "acmeup/log.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

int
main(int argc, char **argv)
{
	struct issue_opts opts;
	enum cli_command cmd;
	int rc;

	rc = cli_parse(argc, argv, &cmd, &opts);
	if (rc != 0) {
		fprintf(stderr, "acmeup: %s\n", acmeup_errmsg(rc));
		return EXIT_USAGE;
	}
	if (cmd == CLI_HELP) {
		cli_usage();
		return 0;
	}
	if (cmd == CLI_VERSION) {
		printf("acmeup %s\n", ACMEUP_VERSION);
		return 0;
	}
	log_init(opts.verbosity);
	interrupt_install();
	rc = crypto_init();
	if (rc == 0)
		rc = issue_run(&opts);
	crypto_deinit();
	if (rc != 0) {
		fprintf(stderr, "acmeup: error: %s\n", acmeup_errmsg(rc));
		return rc == ACMEUP_EUSAGE ? EXIT_USAGE : EXIT_FAILED;
	}
	log_stage("done");
	return 0;
}
