/* Command line: "acmeup COMMAND [options] [args]" parsed into one typed
 * options struct shared by every command; each command checks what it needs.
 * Strings borrow argv. */
#ifndef ACMEUP_CLI_H
#define ACMEUP_CLI_H

#include <stddef.h>

#define CLI_MAX_DOMAINS 100 /* RFC 8555 does not limit; CAs do (LE: 100) */
#define CLI_MAX_ARGS 100

struct opts {
	const char *command;       /* argv[1]; NULL for --help/--version */
	int help;                  /* --help given */
	int version;               /* --version given */
	const char *args[CLI_MAX_ARGS]; /* positional arguments */
	size_t n_args;
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

/* Parse argv into *o. Returns 0, or ACMEUP_EUSAGE with a detail. */
int cli_parse(int argc, char **argv, struct opts *o);

void cli_usage(void); /* full help on stdout */

#endif
