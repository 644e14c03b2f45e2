/* Command-line parsing (getopt_long) and help text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/cli.h"
#include "acmeup/error.h"

#define DEFAULT_STATE_DIR "/var/lib/acmeup"
#define DEFAULT_OUT_DIR "/etc/acmeup/certs"

enum {
	OPT_SERVER = 256, OPT_CA_BUNDLE, OPT_TSIG_KEY, OPT_TSIG_KEY_NAME,
	OPT_EMAIL, OPT_AGREE_TOS, OPT_OUT, OPT_STATE_DIR, OPT_CERT_NAME,
	OPT_DNS_SERVER, OPT_RESOLVER, OPT_PROPAGATION_TIMEOUT, OPT_TTL,
};

static const struct option long_opts[] = {
	{ "domain", required_argument, NULL, 'd' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
	{ "tsig-key", required_argument, NULL, OPT_TSIG_KEY },
	{ "tsig-key-name", required_argument, NULL, OPT_TSIG_KEY_NAME },
	{ "email", required_argument, NULL, OPT_EMAIL },
	{ "agree-tos", no_argument, NULL, OPT_AGREE_TOS },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "cert-name", required_argument, NULL, OPT_CERT_NAME },
	{ "dns-server", required_argument, NULL, OPT_DNS_SERVER },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "propagation-timeout", required_argument, NULL,
	  OPT_PROPAGATION_TIMEOUT },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void
cli_usage(void)
{
	fputs(
"usage: acmeup issue -d NAME [-d NAME...] --server URL --tsig-key FILE\n"
"                    [options]\n"
"       acmeup --help | --version\n"
"\n"
"Get a certificate from an ACME (RFC 8555) CA through the dns-01 challenge,\n"
"writing the _acme-challenge TXT records with TSIG-signed DNS UPDATE\n"
"(RFC 2136, RFC 8945) to each zone's primary. The CA is told to validate only\n"
"once every authoritative server answers the records; the records are\n"
"removed again whether the order succeeds or not.\n"
"\n"
"Options for issue:\n"
"  -d, --domain NAME        name for the certificate (repeatable; *.NAME for a\n"
"                           wildcard)\n"
"      --server URL         ACME directory URL\n"
"      --ca-bundle FILE     PEM file of CAs to trust for the ACME server\n"
"      --tsig-key FILE      BIND-style TSIG key file (key \"name\" { ... };)\n"
"      --tsig-key-name N    which key, when FILE holds several\n"
"      --email ADDR         account contact (mailto:)\n"
"      --agree-tos          agree to the CA's terms of service\n"
"      --out DIR            where certificates go, as DIR/NAME/{privkey,cert,\n"
"                           chain,fullchain}.pem (default " DEFAULT_OUT_DIR ")\n"
"      --cert-name NAME     directory name under --out (default: the first\n"
"                           name, '*' written as '_')\n"
"      --state-dir DIR      account key and state (default " DEFAULT_STATE_DIR ")\n"
"      --dns-server H[:P]   send UPDATEs here instead of the zone's SOA MNAME\n"
"      --resolver A[:P]     resolver for zone discovery (default: the first\n"
"                           nameserver in /etc/resolv.conf)\n"
"      --propagation-timeout SEC\n"
"                           how long to wait for every authoritative server\n"
"                           to answer the records (default 120)\n"
"      --ttl SEC            TTL of the challenge records (default 60)\n"
"  -v, --verbose            more detail (-vv: protocol trace)\n"
"  -h, --help               this help\n"
"  -V, --version            print the version\n"
"\n"
"Exit status: 0 certificate issued; 1 failure (one-line reason on stderr);\n"
"2 usage error.\n", stdout);
}

/* Whole number of seconds in [lo, hi]. */
static int
parse_seconds(const char *opt, const char *arg, unsigned lo, unsigned hi,
              unsigned *out)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < (long)lo ||
	    v > (long)hi)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is not a number of "
		    "seconds from %u to %u", opt, arg, lo, hi);
	*out = (unsigned)v;
	return 0;
}

static int
set_option(int c, const char *arg, struct opts *o)
{
	unsigned sec = 0;
	int rc = 0;

	switch (c) {
	case 'd':
		if (o->n_domains == CLI_MAX_DOMAINS)
			return acmeup_fail(ACMEUP_EUSAGE, "at most %d names "
			    "per certificate", CLI_MAX_DOMAINS);
		o->domains[o->n_domains++] = arg;
		break;
	case OPT_SERVER: o->server = arg; break;
	case OPT_CA_BUNDLE: o->ca_bundle = arg; break;
	case OPT_TSIG_KEY: o->tsig_key = arg; break;
	case OPT_TSIG_KEY_NAME: o->tsig_key_name = arg; break;
	case OPT_EMAIL: o->email = arg; break;
	case OPT_AGREE_TOS: o->agree_tos = 1; break;
	case OPT_OUT: o->out_dir = arg; break;
	case OPT_STATE_DIR: o->state_dir = arg; break;
	case OPT_CERT_NAME: o->cert_name = arg; break;
	case OPT_DNS_SERVER: o->dns_server = arg; break;
	case OPT_RESOLVER: o->resolver = arg; break;
	case OPT_PROPAGATION_TIMEOUT:
		rc = parse_seconds("--propagation-timeout", arg, 1, 3600, &sec);
		o->propagation_timeout_ms = sec * 1000;
		break;
	case OPT_TTL:
		rc = parse_seconds("--ttl", arg, 0, 86400, &o->ttl);
		break;
	case 'v': o->verbosity++; break;
	default:
		rc = acmeup_fail(ACMEUP_EUSAGE, "unknown option (see "
		    "acmeup --help)");
	}
	return rc;
}

/* Options and positional arguments of one command; argv[0] is the
 * command's name. GNU getopt permutes, so options and arguments mix. */
static int
parse_options(int argc, char **argv, struct opts *o)
{
	int c, rc = 0;

	opterr = 0;
	optind = 1;
	while (rc == 0) {
		c = getopt_long(argc, argv, "d:vhV", long_opts, NULL);
		if (c == -1)
			break;
		if (c == 'h' || c == 'V') {
			o->help |= c == 'h';
			o->version |= c == 'V';
			continue;
		}
		if (c == '?' || c == ':')
			return acmeup_fail(ACMEUP_EUSAGE, "bad or incomplete "
			    "option '%s' (see acmeup --help)", argv[optind - 1]);
		rc = set_option(c, optarg, o);
	}
	for (; rc == 0 && optind < argc; optind++) {
		if (o->n_args == CLI_MAX_ARGS)
			return acmeup_fail(ACMEUP_EUSAGE, "more than %d "
			    "arguments", CLI_MAX_ARGS);
		o->args[o->n_args++] = argv[optind];
	}
	return rc;
}

int
cli_parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->state_dir = DEFAULT_STATE_DIR;
	o->out_dir = DEFAULT_OUT_DIR;
	if (argc < 2)
		return acmeup_fail(ACMEUP_EUSAGE, "no command (see acmeup "
		    "--help)");
	if (argv[1][0] != '-') {
		o->command = argv[1];
		return parse_options(argc - 1, argv + 1, o);
	}
	return parse_options(argc, argv, o);
}
