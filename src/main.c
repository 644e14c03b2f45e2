/* acmeup: certificates through dns-01 with TSIG-signed DNS UPDATE. */
#include <stdio.h>
#include <string.h>

#include "acmeup/acme_cmd.h"
#include "acmeup/cli.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/issue.h"
#include "acmeup/log.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* One entry per command; each lives in its own file. */
static const struct command {
	const char *name;
	int (*run)(const struct opts *o);
} commands[] = {
	{ "issue", issue_run },
	{ "account", account_run },
	{ "revoke", revoke_run },
	{ "dns-check", dns_check_run },
	{ "cleanup", cleanup_run },
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct opts opts;
	int rc;

	rc = cli_parse(argc, argv, &opts);
	if (rc == 0 && opts.help) {
		cli_usage();
		return 0;
	}
	if (rc == 0 && opts.version) {
		printf("acmeup %s\n", ACMEUP_VERSION);
		return 0;
	}
	if (rc == 0 && opts.command != NULL && strcmp(opts.command, "help") == 0) {
		cli_usage();
		return 0;
	}
	if (rc == 0 && opts.command == NULL)
		rc = acmeup_fail(ACMEUP_EUSAGE, "no command (see acmeup --help)");
	if (rc == 0) {
		cmd = find_command(opts.command);
		if (cmd == NULL)
			rc = acmeup_fail(ACMEUP_EUSAGE, "unknown command '%s' (see "
			    "acmeup --help)", opts.command);
	}
	if (rc != 0) {
		fprintf(stderr, "acmeup: %s\n", acmeup_errmsg(rc));
		return EXIT_USAGE;
	}
	log_init(opts.verbosity);
	interrupt_install();
	rc = crypto_init();
	if (rc == 0)
		rc = cmd->run(&opts);
	crypto_deinit();
	if (rc != 0) {
		fprintf(stderr, "acmeup: error: %s\n", acmeup_errmsg(rc));
		return rc == ACMEUP_EUSAGE ? EXIT_USAGE : EXIT_FAILED;
	}
	log_stage("done");
	return 0;
}
