/* Command line: parses argv into typed options. Strings borrow argv. */
#ifndef ACMEUP_CLI_H
#define ACMEUP_CLI_H

#include <stddef.h>

#define CLI_MAX_DOMAINS 100 /* RFC 8555 does not limit; CAs do (LE: 100) */

enum cli_command { CLI_NONE, CLI_ISSUE, CLI_HELP, CLI_VERSION };

struct issue_opts {
	const char *domains[CLI_MAX_DOMAINS];
	size_t n_domains;
	const char *server;        /* ACME directory URL */
	const char *ca_bundle;
	const char *tsig_key;      /* key file */
	const char *tsig_key_name;
	const char *email;
	int agree_tos;
	const char *out_dir;
	const char *state_dir;
	const char *cert_name;
	const char *dns_server;
	const char *resolver;
	unsigned propagation_timeout_ms;
	unsigned ttl;
	int verbosity;
};

/* Parse argv. Returns 0 and the command, or ACMEUP_EUSAGE with a detail. */
int cli_parse(int argc, char **argv, enum cli_command *cmd,
              struct issue_opts *opts);

void cli_usage(void); /* full help on stdout */

#endif
