/* Command-line parsing (getopt_long) and help text. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/cli.h"
#include "acmeup/config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/text.h"

#define DEFAULT_STATE_DIR "/var/lib/acmeup"
#define DEFAULT_OUT_DIR "/etc/acmeup/certs"

enum {
	OPT_SERVER = 256, OPT_CA_BUNDLE, OPT_TSIG_KEY, OPT_TSIG_KEY_NAME,
	OPT_EMAIL, OPT_AGREE_TOS, OPT_OUT, OPT_STATE_DIR, OPT_CERT_NAME,
	OPT_DNS_SERVER, OPT_RESOLVER, OPT_PROPAGATION_TIMEOUT, OPT_TTL,
};

/* DNS options (issue 4), numbered apart from the others. */
enum {
	OPT_ZONE_SERVER = 768, OPT_ZONE_KEY, OPT_CHALLENGE_ALIAS,
	OPT_SKIP_SERVER, OPT_TSIG_QUERIES,
};

/* Configuration and fleet options (issue 6), numbered apart. */
enum {
	OPT_JSON = 1024, OPT_FORCE, OPT_DEPLOY_HOOK, OPT_RENEW_BEFORE,
};

/* ACME options (issue 5), numbered apart from the others. */
enum {
	OPT_EAB_KID = 512, OPT_EAB_HMAC_KEY, OPT_EAB_ALG, OPT_ACCOUNT_KEY_TYPE,
	OPT_KEY_TYPE, OPT_REUSE_KEY, OPT_CSR, OPT_PREFERRED_CHAIN, OPT_PROFILE,
	OPT_CERT, OPT_CERT_KEY, OPT_REASON, OPT_WAIT_RATE_LIMIT, OPT_YES,
	OPT_EAB_HMAC_KEY_FILE,
};

static const struct option long_opts[] = {
	{ "domain", required_argument, NULL, 'd' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
	{ "tsig-key", required_argument, NULL, OPT_TSIG_KEY },
	{ "tsig-key-name", required_argument, NULL, OPT_TSIG_KEY_NAME },
	{ "tsig-secret", required_argument, NULL, 'y' },
	{ "email", required_argument, NULL, OPT_EMAIL },
	{ "agree-tos", no_argument, NULL, OPT_AGREE_TOS },
	{ "eab-kid", required_argument, NULL, OPT_EAB_KID },
	{ "eab-hmac-key", required_argument, NULL, OPT_EAB_HMAC_KEY },
	{ "eab-hmac-key-file", required_argument, NULL, OPT_EAB_HMAC_KEY_FILE },
	{ "eab-alg", required_argument, NULL, OPT_EAB_ALG },
	{ "account-key-type", required_argument, NULL, OPT_ACCOUNT_KEY_TYPE },
	{ "key-type", required_argument, NULL, OPT_KEY_TYPE },
	{ "reuse-key", no_argument, NULL, OPT_REUSE_KEY },
	{ "csr", required_argument, NULL, OPT_CSR },
	{ "preferred-chain", required_argument, NULL, OPT_PREFERRED_CHAIN },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "cert-key", required_argument, NULL, OPT_CERT_KEY },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "wait-rate-limit", required_argument, NULL, OPT_WAIT_RATE_LIMIT },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "cert-name", required_argument, NULL, OPT_CERT_NAME },
	{ "dns-server", required_argument, NULL, OPT_DNS_SERVER },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "propagation-timeout", required_argument, NULL,
	  OPT_PROPAGATION_TIMEOUT },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "zone-server", required_argument, NULL, OPT_ZONE_SERVER },
	{ "zone-key", required_argument, NULL, OPT_ZONE_KEY },
	{ "challenge-alias", required_argument, NULL, OPT_CHALLENGE_ALIAS },
	{ "skip-server", required_argument, NULL, OPT_SKIP_SERVER },
	{ "tsig-queries", no_argument, NULL, OPT_TSIG_QUERIES },
	{ "config", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "deploy-hook", required_argument, NULL, OPT_DEPLOY_HOOK },
	{ "renew-before", required_argument, NULL, OPT_RENEW_BEFORE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

_Static_assert(sizeof(long_opts) / sizeof(long_opts[0]) <= CLI_MAX_OPTIONS,
               "raise CLI_MAX_OPTIONS");

void
cli_usage(void)
{
	fputs(
"usage: acmeup issue -d NAME [-d NAME...] --server URL\n"
"                    {--tsig-key FILE | -y [ALG:]NAME:SECRET} [options]\n"
"       acmeup issue CERT... [-c FILE] [-j N] [options]\n"
"       acmeup renew [CERT...] [-c FILE] [-j N] [--force] [--json]\n"
"       acmeup account register|show|update|rollover|deactivate --server URL\n"
"                    [options]\n"
"       acmeup revoke --cert FILE --server URL [--reason N] [--cert-key FILE]\n"
"       acmeup dns-check NAME... [--tsig-key FILE] [DNS options]\n"
"       acmeup cleanup [--state-dir DIR] [--tsig-key FILE | -y ...]\n"
"       acmeup list [CERT...] [--json]\n"
"       acmeup config-check [-c FILE]\n"
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
"                           (default /etc/ssl/certs/ca-certificates.crt)\n"
"      --tsig-key FILE      TSIG key file: BIND's key \"name\" { ... }; (tsig-keygen)\n"
"                           or Knot's key: section (keymgr -t)\n"
"      --tsig-key-name N    which key, when FILE holds several\n"
"  -y, --tsig-secret [ALG:]NAME:SECRET\n"
"                           the key itself, as for nsupdate -y; ALG defaults\n"
"                           to hmac-sha256 (nsupdate's is hmac-md5). Hidden\n"
"                           from the process list once parsed, visible\n"
"                           before: prefer --tsig-key\n"
"      --email ADDR         account contact (mailto:; repeatable)\n"
"      --agree-tos          agree to the CA's terms of service (the URL is\n"
"                           shown)\n"
"      --eab-kid KID        External Account Binding key ID from the CA\n"
"      --eab-hmac-key KEY   its MAC key, base64url as the CA gives it (hidden\n"
"                           from the process list once parsed; briefly\n"
"                           visible before: prefer --eab-hmac-key-file)\n"
"      --eab-hmac-key-file FILE  read that key from FILE (mode 600 or 400)\n"
"      --eab-alg ALG        HS256 (default), HS384 or HS512\n"
"      --account-key-type T key type of a new account key: p256 (default),\n"
"                           p384, rsa2048, rsa3072, rsa4096\n"
"      --key-type T         certificate key type, same choices (default p256)\n"
"      --reuse-key          keep the key of the certificate being renewed\n"
"                           (DIR/NAME/privkey.pem) instead of a new one\n"
"      --csr FILE           finalize with this CSR (PEM or DER); the names\n"
"                           come from it, no -d, no privkey.pem written\n"
"      --preferred-chain CN pick the chain whose topmost issuer has this\n"
"                           common name, if the CA offers it\n"
"      --profile NAME       certificate profile, one the CA's directory lists\n"
"      --wait-rate-limit SEC\n"
"                           when the CA answers 429/503 with a Retry-After of\n"
"                           at most SEC, wait and retry (default: stop)\n"
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
"      --ttl SEC            TTL of the challenge records (default 10: the CA's\n"
"                           resolver caches them that long; a name validated\n"
"                           again sooner waits out the rest)\n"
"      --zone-server ZONE=HOST[:PORT]\n"
"                           UPDATEs for ZONE go here (a hidden primary, another\n"
"                           port); repeatable\n"
"      --zone-key ZONE=FILE[:KEYNAME]\n"
"                           TSIG key for ZONE (default: --tsig-key); repeatable\n"
"      --challenge-alias NAME=TARGET\n"
"                           write NAME's challenge TXT at TARGET, whatever the\n"
"                           DNS says (for a CNAME not visible from here)\n"
"      --skip-server ADDR   do not wait for this authoritative server (one the\n"
"                           CA cannot reach); repeatable\n"
"      --tsig-queries       sign the queries to authoritative servers with the\n"
"                           zone's key too (BIND views matched by key); each\n"
"                           must know the key: BADKEY is an error\n"
"\n"
"  acmeup follows CNAME/DNAME chains from _acme-challenge.NAME (8 links at\n"
"  most) by asking the authoritative servers directly: the challenge name is\n"
"  never sent to a caching resolver before its record exists.\n"
"  -v, --verbose            more detail (-vv: protocol trace)\n"
"  -q, --quiet              errors only (for cron): no progress or warning\n"
"                           line on stderr; failures are still said\n"
"  -h, --help               this help\n"
"  -V, --version            print the version\n"
"\n"
"Configuration and fleet options (every command):\n"
"  -c, --config FILE        settings file (default " ACMEUP_DEFAULT_CONFIG ";\n"
"                           a missing default file is fine). Settings are\n"
"                           named like the long options; the command line\n"
"                           overrides the file. See acmeup.conf(5)\n"
"      --json               issue, renew, list: a JSON summary on stdout\n"
"                           (progress stays on stderr)\n"
"      --force              renew: renew even what is not due\n"
"  -j, --jobs N             issue, renew: orders per batch (default 10)\n"
"      --deploy-hook CMD    run CMD (/bin/sh -c) after a certificate changed\n"
"      --renew-before DUR   renew this long before expiry: 30d, 720h, or\n"
"                           seconds (default 30d, a third of the lifetime for\n"
"                           certificates living less than 90 days)\n"
"\n"
"Options may also come before the command (acmeup -v issue ...).\n"
"\n"
"Exit status: 0 success (a certificate issued or renewed, or the command did\n"
"its job); 1 failure (one-line reason on stderr), or a report that could not\n"
"be written to stdout; 2 usage or configuration error, said in one line: a\n"
"bad option, a missing or unparsable TSIG key file, a config error, a\n"
"state/out directory, config or key file that group or others can write,\n"
"or a symbolic link or FIFO where a key, journal or certificate directory\n"
"belongs (see SECURITY in acmeup(1)); 3 nothing to do (renew: nothing due);\n"
"4 partial failure (some certificates failed, or a deploy hook failed);\n"
"128+N stopped by signal N after removing its records (130 SIGINT,\n"
"143 SIGTERM). SIGPIPE is ignored: a closed pipe does not stop a run.\n",
	    stdout);
	fputs(
"\n"
"account SUBCOMMAND (the key is --state-dir/account.key):\n"
"  register     find the key's account, or create it (--email, --agree-tos,\n"
"               --eab-*, --account-key-type for a new key)\n"
"  show         print the account URL, status, contacts and key\n"
"  update       replace the contacts with the --email addresses\n"
"  rollover     move the account to a new key (--account-key-type; default\n"
"               the current type), RFC 8555 7.3.5\n"
"  deactivate   deactivate the account for good (needs --yes)\n"
"\n"
"revoke: revoke a certificate (RFC 8555 7.6), signed by the account key, or\n"
"by the certificate's own key with --cert-key FILE.\n"
"      --cert FILE          the certificate (PEM; the first one counts)\n"
"      --reason N           RFC 5280 reason: 0 unspecified, 1 keyCompromise,\n"
"                           3 affiliationChanged, 4 superseded,\n"
"                           5 cessationOfOperation (number or name)\n"
"\n"
"dns-check NAME...: what issue would do in DNS for each NAME, without a CA:\n"
"the CNAME chain, the zone, its primary and key, a probe TXT added, its\n"
"arrival timed on every authoritative server, removed; problems said in\n"
"plain words. Takes the DNS options of issue (and -d NAME). Exit 0 when\n"
"every name is fine.\n"
"\n"
"issue CERT...: the cert blocks named, issued now whether due or not.\n"
"renew [CERT...]: each certificate of the configuration (or those named, or\n"
"the -d names) that is due: missing or unreadable; inside the CA's renewal\n"
"window when it offers ARI (RFC 9773; the new order names the certificate\n"
"it replaces); else renew-before its expiry. --force: all of them. Orders go\n"
"in batches of -j: one UPDATE per zone and one propagation wait for all the\n"
"records of a batch; one certificate failing does not stop the others; one\n"
"whose lock another run holds is skipped and counted as failed.\n"
"\n"
"list [CERT...]: each certificate of the configuration (or of -d): its\n"
"names, whether cert.pem exists, its expiry, when it is due for renewal\n"
"(renew-before; renew also asks the CA's ARI), and flags: due, missing,\n"
"names changed. --json for a machine-readable list.\n"
"\n"
"config-check: read the configuration file and check it without contacting\n"
"anything: every setting, the key files (readable, parseable), key types,\n"
"names, the directories. Prints \"ok: N certificates, M zones\" or the first\n"
"error as FILE:LINE: SETTING: what (exit 2).\n"
"\n"
"cleanup: remove the challenge records that runs killed mid-way (kill -9,\n"
"power loss) left behind, as listed in the journals under --state-dir\n"
"(issue does this too before it starts). Each record is removed with the key\n"
"file and key name that added it; a key given with -y, or a key file that is\n"
"gone, must be given again (--tsig-key, -y, --zone-key).\n"
"\n"
"HTTPS to the CA is always verified (--ca-bundle: a private CA instead of the\n"
"system's); a proxy is taken from https_proxy / all_proxy (no_proxy\n"
"honoured).\n", stdout);
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

/* RFC 5280 5.3.1 CRLReason, as a number or its name; 7 is unused. */
static int
parse_reason(const char *arg, int *out)
{
	static const char *const names[] = { "unspecified", "keyCompromise",
	    "cACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", NULL,
	    "removeFromCRL", "privilegeWithdrawn", "aACompromise" };
	char *end = NULL;
	long v;
	int i;

	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (names[i] != NULL && strcasecmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > 10 ||
	    v == 7)
		return acmeup_fail(ACMEUP_EUSAGE, "--reason: '%s' is not an "
		    "RFC 5280 reason code (0-10 but 7, or a name such as "
		    "keyCompromise, superseded, cessationOfOperation)", arg);
	*out = (int)v;
	return 0;
}

static int
parse_key_type(const char *opt, const char *arg, int *type, int *set)
{
	enum crypto_key_type t;

	if (crypto_key_type_parse(arg, &t) != 0)
		return acmeup_err_context(ACMEUP_EUSAGE, "%s", opt);
	*type = (int)t;
	*set = 1;
	return 0;
}

/* The options of issue 5: accounts, keys, chains, revocation. */
static int
set_acme_option(int c, const char *arg, struct opts *o)
{
	switch (c) {
	case OPT_EAB_KID: o->eab_kid = arg; return 0;
	case OPT_EAB_HMAC_KEY_FILE: o->eab_hmac_key_file = arg; return 0;
	case OPT_EAB_ALG:
		if (strcmp(arg, "HS256") != 0 && strcmp(arg, "HS384") != 0 &&
		    strcmp(arg, "HS512") != 0)
			return acmeup_fail(ACMEUP_EUSAGE, "--eab-alg: '%s' is "
			    "not HS256, HS384 or HS512", arg);
		o->eab_alg = arg;
		return 0;
	case OPT_ACCOUNT_KEY_TYPE:
		return parse_key_type("--account-key-type", arg,
		    &o->account_key_type, &o->account_key_type_set);
	case OPT_KEY_TYPE:
		return parse_key_type("--key-type", arg, &o->key_type,
		    &o->key_type_set);
	case OPT_REUSE_KEY: o->reuse_key = 1; return 0;
	case OPT_CSR: o->csr = arg; return 0;
	case OPT_PREFERRED_CHAIN: o->preferred_chain = arg; return 0;
	case OPT_PROFILE: o->profile = arg; return 0;
	case OPT_CERT: o->cert = arg; return 0;
	case OPT_CERT_KEY: o->cert_key = arg; return 0;
	case OPT_REASON: return parse_reason(arg, &o->reason);
	case OPT_WAIT_RATE_LIMIT:
		return parse_seconds("--wait-rate-limit", arg, 0, 3600,
		    &o->wait_rate_limit);
	case OPT_YES: o->yes = 1; return 0;
	default:
		return acmeup_fail(ACMEUP_EUSAGE, "unknown option (see "
		    "acmeup --help)");
	}
}

/* The repeatable DNS options of issue 4. */
static int
push_dns(const char *opt, const char *arg, const char *form,
         const char **list, size_t *n)
{
	if (form != NULL && (strchr(arg, '=') == NULL || arg[0] == '='))
		return acmeup_fail(ACMEUP_EUSAGE, "%s '%s': use %s", opt, arg,
		    form);
	if (*n == CLI_MAX_DNS)
		return acmeup_fail(ACMEUP_EUSAGE, "at most %d %s", CLI_MAX_DNS,
		    opt);
	list[(*n)++] = arg;
	return 0;
}

static int
set_dns_option(int c, const char *arg, struct opts *o)
{
	switch (c) {
	case OPT_ZONE_SERVER:
		return push_dns("--zone-server", arg, "ZONE=HOST[:PORT]",
		    o->zone_servers, &o->n_zone_servers);
	case OPT_ZONE_KEY:
		return push_dns("--zone-key", arg, "ZONE=FILE[:KEYNAME]",
		    o->zone_keys, &o->n_zone_keys);
	case OPT_CHALLENGE_ALIAS:
		return push_dns("--challenge-alias", arg, "NAME=TARGET",
		    o->aliases, &o->n_aliases);
	case OPT_SKIP_SERVER:
		return push_dns("--skip-server", arg, NULL, o->skip_servers,
		    &o->n_skip_servers);
	default:
		o->tsig_queries = 1;
		return 0;
	}
}

/* The options of issue 6: configuration, renew, reports, hooks. */
static int
set_fleet_option(int c, const char *arg, struct opts *o)
{
	unsigned v = 0;

	switch (c) {
	case 'c': o->config_file = arg; return 0;
	case OPT_JSON: o->json = 1; return 0;
	case OPT_FORCE: o->force = 1; return 0;
	case 'j':
		if (parse_seconds("--jobs", arg, 1, 1000, &o->jobs) != 0) {
			acmeup_err_clear(); /* replaced by the line below */
			return acmeup_fail(ACMEUP_EUSAGE, "--jobs: '%s' is not a "
			    "number from 1 to 1000", arg);
		}
		return 0;
	case OPT_DEPLOY_HOOK: o->deploy_hook = arg; return 0;
	case OPT_RENEW_BEFORE:
		if (config_seconds(arg, &v) != 0 || v == 0)
			return acmeup_fail(ACMEUP_EUSAGE, "--renew-before: '%s' "
			    "is not a duration such as 30d, 720h or 2592000",
			    arg);
		o->renew_before = v;
		return 0;
	default:
		return set_acme_option(c, arg, o);
	}
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
	case OPT_EMAIL:
		if (o->n_emails == CLI_MAX_EMAILS)
			return acmeup_fail(ACMEUP_EUSAGE, "at most %d --email",
			    CLI_MAX_EMAILS);
		o->emails[o->n_emails++] = arg;
		o->email = o->emails[0];
		break;
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
	case 'q': o->quiet = 1; break;
	case OPT_ZONE_SERVER: case OPT_ZONE_KEY: case OPT_CHALLENGE_ALIAS:
	case OPT_SKIP_SERVER: case OPT_TSIG_QUERIES:
		rc = set_dns_option(c, arg, o);
		break;
	default:
		rc = set_fleet_option(c, arg, o);
	}
	return rc;
}

/* Index in long_opts of the option getopt_long returned. */
static int
option_index(int c, int longindex)
{
	int i;

	if (longindex >= 0)
		return longindex;
	for (i = 0; long_opts[i].name != NULL; i++)
		if (long_opts[i].val == c)
			return i;
	return -1;
}

int
cli_given(const struct opts *o, const char *name)
{
	int i;

	for (i = 0; long_opts[i].name != NULL; i++)
		if (strcmp(long_opts[i].name, name) == 0)
			return o->given[i];
	return 0;
}

/* Keep a copy of the secret arg in *slot (and *field), then overwrite the
 * argv bytes so /proc/PID/cmdline no longer shows it. */
static int
take_secret(char *arg, char **slot, const char **field)
{
	char *copy = strdup(arg);

	if (copy == NULL)
		return ACMEUP_ENOMEM;
	if (*slot != NULL) {
		explicit_bzero(*slot, strlen(*slot));
		free(*slot);
	}
	*slot = copy;
	*field = copy;
	memset(arg, '*', strlen(arg));
	return 0;
}

/* The long option named by "--NAME" or "--NAME=VALUE", or NULL. */
static const struct option *
long_option(const char *arg, char *name, size_t size)
{
	size_t n = strcspn(arg + 2, "=");
	int i;

	snprintf(name, size, "%.*s", (int)n, arg + 2);
	for (i = 0; long_opts[i].name != NULL; i++)
		if (strcmp(long_opts[i].name, name) == 0)
			return &long_opts[i];
	return NULL;
}

/* An unknown "--NAME": the options it abbreviates (getopt_long takes an
 * unambiguous prefix, so two or more), or the nearest by spelling. */
static int
unknown_long(const char *arg, const char *name)
{
	char many[512] = "";
	struct text_near near;
	size_t len = strlen(name), used = 0, k = 0;
	int i, n;

	text_near_init(&near, name);
	for (i = 0; long_opts[i].name != NULL; i++) {
		text_near_offer(&near, long_opts[i].name);
		if (len == 0 || strncmp(long_opts[i].name, name, len) != 0)
			continue;
		n = snprintf(many + used, sizeof(many) - used, "%s--%s",
		    k++ > 0 ? ", " : "", long_opts[i].name);
		if (n > 0 && (size_t)n < sizeof(many) - used)
			used += (size_t)n;
	}
	if (k > 1)
		return acmeup_fail(ACMEUP_EUSAGE, "ambiguous option '%s' (%s?)",
		    arg, many);
	if (near.best != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "unknown option '%s' (did you "
		    "mean --%s?)", arg, near.best);
	return acmeup_fail(ACMEUP_EUSAGE, "unknown option '%s' (see acmeup "
	    "--help)", arg);
}

/* The error for what getopt_long refused: c is '?' (unknown, or a value
 * given to an option that takes none) or ':' (its value missing). The
 * option is argv[optind - 1] when long; optopt holds a short one. */
static int
bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	const struct option *lo = NULL;
	char name[TEXT_NEAR_LEN_MAX + 1];
	int is_long = optopt == 0 || optopt >= 256;

	if (!is_long && strncmp(arg, "--", 2) == 0) {
		lo = long_option(arg, name, sizeof(name));
		is_long = lo != NULL && lo->val == optopt;
	}
	if (!is_long)
		return acmeup_fail(ACMEUP_EUSAGE, c == ':' ? "option '-%c' needs "
		    "a value (see acmeup --help)" : "unknown option '-%c' (see "
		    "acmeup --help)", optopt);
	if (strncmp(arg, "--", 2) != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "bad option '%s' (see acmeup "
		    "--help)", arg);
	lo = long_option(arg, name, sizeof(name));
	if (c == ':')
		return acmeup_fail(ACMEUP_EUSAGE, "option '%s' needs a value "
		    "(see acmeup --help)", arg);
	if (lo != NULL && lo->has_arg == no_argument)
		return acmeup_fail(ACMEUP_EUSAGE, "option '--%s' takes no value",
		    lo->name);
	return unknown_long(arg, name);
}

/* Options and positional arguments; argv[0] is the program's or the
 * command's name. GNU getopt permutes, so options and arguments mix. */
static int
parse_options(int argc, char **argv, struct opts *o)
{
	int c, rc = 0, longindex, i;

	opterr = 0;
	optind = 0; /* GNU: start afresh, whatever an earlier parse left */
	while (rc == 0) {
		longindex = -1;
		optopt = 0;
		c = getopt_long(argc, argv, ":c:d:j:y:vqhV", long_opts,
		    &longindex);
		if (c == -1)
			break;
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		i = option_index(c, longindex);
		if (i >= 0)
			o->given[i] = 1;
		if (c == 'h' || c == 'V') {
			o->help |= c == 'h';
			o->version |= c == 'V';
			continue;
		}
		if (c == 'y')
			rc = take_secret(optarg, &o->secrets[0], &o->tsig_secret);
		else if (c == OPT_EAB_HMAC_KEY)
			rc = take_secret(optarg, &o->secrets[1],
			    &o->eab_hmac_key);
		else
			rc = set_option(c, optarg, o);
	}
	for (; rc == 0 && optind < argc; optind++) {
		if (o->n_args == CLI_MAX_ARGS)
			return acmeup_fail(ACMEUP_EUSAGE, "more than %d "
			    "arguments", CLI_MAX_ARGS);
		o->args[o->n_args++] = argv[optind];
	}
	if (rc == 0 && o->quiet && o->verbosity > 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "-q/--quiet and -v/--verbose: "
		    "give one");
	return rc;
}

#define SECRET_FILE_MAX 4096

/* Read a small secret file of ours (fsafe: a regular file, no link, no
 * FIFO to hang on, not writable by others), not readable by group or
 * others either (OpenSSH refuses such private key files too). *out gets
 * the text without trailing white space. */
static int
read_secret_file(const char *path, char **out)
{
	const char *kind = "--eab-hmac-key-file";
	char *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd = -1, rc;

	rc = fsafe_open_read(AT_FDCWD, path, path, kind, FSAFE_STRICT, &fd);
	if (rc == 0 && fstat(fd, &st) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "%s %s: %s", kind, path,
		    strerror(errno));
	else if (rc == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "%s %s: mode %04o lets group "
		    "or others at the key: chmod 600 it", kind, path,
		    (unsigned)(st.st_mode & 07777));
	if (rc == 0)
		rc = fsafe_read_fd(fd, path, SECRET_FILE_MAX, &buf, &n);
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		return rc == ACMEUP_ENOMEM ? rc : ACMEUP_EUSAGE;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n == 0 || strlen(buf) != n) {
		explicit_bzero(buf, n);
		free(buf);
		return acmeup_fail(ACMEUP_EUSAGE, "%s %s: no key in it (or a "
		    "NUL byte)", kind, path);
	}
	*out = buf;
	return 0;
}

int
cli_load_secrets(struct opts *o)
{
	int rc;

	if (o->eab_hmac_key_file == NULL)
		return 0;
	if (o->eab_hmac_key != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "--eab-hmac-key and "
		    "--eab-hmac-key-file (or eab-hmac-key-file in the "
		    "configuration file): give one");
	if (o->secrets[2] != NULL) {
		o->eab_hmac_key = o->secrets[2];
		return 0;
	}
	rc = read_secret_file(o->eab_hmac_key_file, &o->secrets[2]);
	if (rc == 0)
		o->eab_hmac_key = o->secrets[2];
	return rc;
}

void
cli_clear(struct opts *o)
{
	size_t i;

	for (i = 0; i < sizeof(o->secrets) / sizeof(o->secrets[0]); i++) {
		if (o->secrets[i] == NULL)
			continue;
		explicit_bzero(o->secrets[i], strlen(o->secrets[i]));
		free(o->secrets[i]);
		o->secrets[i] = NULL;
	}
	o->tsig_secret = NULL;
	o->eab_hmac_key = NULL;
}

int
cli_parse(int argc, char **argv, struct opts *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->reason = -1;
	o->state_dir = DEFAULT_STATE_DIR;
	o->out_dir = DEFAULT_OUT_DIR;
	if (argc < 2)
		return acmeup_fail(ACMEUP_EUSAGE, "no command (see acmeup "
		    "--help)");
	if (argv[1][0] != '-') {
		o->command = argv[1];
		return parse_options(argc - 1, argv + 1, o);
	}
	/* Options before the command ("acmeup -v issue ..."): the first
	 * argument that is not an option is the command. */
	rc = parse_options(argc, argv, o);
	if (rc == 0 && o->n_args > 0) {
		o->command = o->args[0];
		o->n_args--;
		memmove(o->args, o->args + 1, o->n_args * sizeof(o->args[0]));
	}
	return rc;
}
