/* The one option table (see options.h) and what reads a value for it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "options.h"
#include "cli_internal.h"

#define O(f) offsetof(struct opts, f)
#define CERTS (CMD_ISSUE | CMD_RENEW)
#define CA (CMD_ISSUE | CMD_RENEW | CMD_ACCOUNT | CMD_REVOKE | CMD_PERSIST)
#define DNS (CMD_ISSUE | CMD_RENEW | CMD_DNS_CHECK | CMD_CLEANUP | \
             CMD_PERSIST)

enum { G_CERT, G_CA, G_DNS, G_REVOKE, G_FLEET, G_GENERAL, G_COUNT };

static const char *const group_title[G_COUNT] = {
	"Names and certificates", "The CA and the account", "DNS",
	"revoke, account and persist", "Configuration, fleets and output", "General",
};

static int set_secret(const struct opt_def *, const char *, const char *,
                      struct opts *);
static int set_eab_alg(const struct opt_def *, const char *, const char *,
                       struct opts *);
static int set_keyperm(const struct opt_def *, const char *, const char *,
                       struct opts *);
static int set_reason(const struct opt_def *, const char *, const char *,
                      struct opts *);

const struct opt_def opt_table[] = {
	{ "domain", 'd', ARG_LIST, CERTS | CMD_LIST | CMD_DNS_CHECK, 0,
	  O(domains), O(n_domains), 0, CLI_MAX_DOMAINS, 0, NULL, NULL, G_CERT,
	  "NAME", "name for the certificate (repeatable; *.NAME for a\n"
	  "wildcard)" },
	{ "domains", 0, ARG_LIST, 0, IN_CERT, 0, 0, 0, 0, 0, NULL, NULL,
	  G_CERT, NULL, NULL },
	{ "cert-name", 0, ARG_STR, CERTS, 0, O(cert_name), 0, 0, 0, 0, NULL,
	  NULL, G_CERT, "NAME", "directory name under --out (default: the first\n"
	  "name, '*' written as '_')" },
	{ "out", 0, ARG_STR, CERTS | CMD_LIST, IN_GLOBAL | IN_CERT, O(out_dir),
	  0, 0, 0, 0, NULL, NULL, G_CERT, "DIR", "where certificates go, as "
	  "DIR/NAME/{privkey,cert,\nchain,fullchain}.pem (default "
	  "/etc/acmeup/certs)" },
	{ "key-type", 0, ARG_KEYTYPE, CERTS, IN_GLOBAL | IN_CERT, O(key_type),
	  O(key_type_set), 0, 0, 0, NULL, NULL, G_CERT, "T", "certificate key "
	  "type: p256 (default), p384,\nrsa2048, rsa3072, rsa4096" },
	{ "reuse-key", 0, ARG_FLAG, CERTS, IN_GLOBAL | IN_CERT, O(reuse_key), 0,
	  0, 0, 0, NULL, NULL, G_CERT, NULL, "keep the key of the certificate "
	  "being renewed\n(DIR/NAME/privkey.pem) instead of a new one" },
	{ "key-owner", 0, ARG_CALL, CERTS, IN_GLOBAL | IN_CERT, O(key_owner),
	  0, 0, 0, 0, NULL, set_keyperm, G_CERT, "USER", "owner of privkey.pem "
	  "(a name or uid; default:\nthe running user), set before it is "
	  "renamed\ninto place" },
	{ "key-group", 0, ARG_CALL, CERTS, IN_GLOBAL | IN_CERT, O(key_group),
	  0, 0, 0, 0, NULL, set_keyperm, G_CERT, "GROUP", "group of "
	  "privkey.pem (a name or gid)" },
	{ "key-mode", 0, ARG_CALL, CERTS, IN_GLOBAL | IN_CERT, O(key_mode), 0,
	  0, 0, 0, NULL, set_keyperm, G_CERT, "MODE", "mode of privkey.pem, "
	  "octal (default 0600; 0640\nwith --key-group for a service's group)" },
	{ "csr", 0, ARG_STR, CMD_ISSUE, 0, O(csr), 0, 0, 0, 0, NULL, NULL,
	  G_CERT, "FILE", "finalize with this CSR (PEM or DER); the names\n"
	  "come from it, no -d, no privkey.pem written" },
	{ "preferred-chain", 0, ARG_STR, CERTS, IN_GLOBAL | IN_CERT,
	  O(preferred_chain), 0, 0, 0, 0, NULL, NULL, G_CERT, "CN", "pick the "
	  "chain whose topmost issuer has this\ncommon name, if the CA offers "
	  "it" },
	{ "profile", 0, ARG_STR, CERTS, IN_GLOBAL | IN_CERT, O(profile), 0, 0,
	  0, 0, NULL, NULL, G_CERT, "NAME", "certificate profile, one the CA's "
	  "directory lists" },
	{ "challenge", 0, ARG_STR, CERTS, IN_GLOBAL | IN_CERT, O(challenge), 0,
	  0, 0, 0, NULL, NULL, G_CERT, "LIST", "challenge types, in order of preference:\n"
	  "dns-persist-01 (a standing record, `acmeup\npersist`; used when "
	  "served), dns-01, dns-account-01\n(dns-01 under an account label); "
	  "default\ndns-persist-01,dns-01" },
	{ "persist-publish", 0, ARG_FLAG, CERTS, IN_GLOBAL, O(persist_publish),
	  0, 0, 0, 0, NULL, NULL, G_CERT, NULL, "publish the dns-persist-01 record "
	  "(as `acmeup\npersist`) when the CA offers the challenge and\nnone "
	  "is served, and answer it: later renewals\nwrite nothing to DNS" },
	{ "renew-before", 0, ARG_DURATION, CERTS | CMD_LIST,
	  IN_GLOBAL | IN_CERT, O(renew_before), 0, 1, 10u * 366 * 86400, 1,
	  NULL, NULL, G_CERT, "DUR", "renew this long before expiry: 30d, 720h,\n"
	  "or seconds (default 30d, a third of the lifetime\nfor certificates "
	  "living less than 90 days)" },
	{ "deploy-hook", 0, ARG_STR, CERTS, IN_GLOBAL | IN_CERT,
	  O(deploy_hook), 0, 0, 0, 0, NULL, NULL, G_CERT, "CMD", "run CMD "
	  "(/bin/sh -c) after a certificate changed" },
	{ "server", 0, ARG_STR, CA, IN_GLOBAL | IN_ZONE | IN_CERT, O(server),
	  0, 0, 0, 0, NULL, NULL, G_CA, "URL", "ACME directory URL (a cert "
	  "block's: its CA; a\nzone block's: where its UPDATEs go)" },
	{ "staging-server", 0, ARG_STR, CERTS, IN_GLOBAL, O(staging_server), 0,
	  0, 0, 0, NULL, NULL, G_CA, "URL", "the CA of --dry-run (a staging or "
	  "test CA)" },
	{ "ca-bundle", 0, ARG_STR, CA, IN_GLOBAL, O(ca_bundle), 0, 0, 0, 0,
	  NULL, NULL, G_CA, "FILE", "PEM file of CAs to trust for the ACME "
	  "server\n(default /etc/ssl/certs/ca-certificates.crt)" },
	{ "email", 0, ARG_LIST, CERTS | CMD_ACCOUNT | CMD_PERSIST, IN_GLOBAL, O(emails),
	  O(n_emails), 0, CLI_MAX_EMAILS, 0, NULL, NULL, G_CA, "ADDR",
	  "account contact (mailto:; repeatable)" },
	{ "agree-tos", 0, ARG_FLAG, CERTS | CMD_ACCOUNT | CMD_PERSIST, IN_GLOBAL,
	  O(agree_tos), 0, 0, 0, 0, NULL, NULL, G_CA, NULL, "agree to the CA's "
	  "terms of service (the URL is\nshown)" },
	{ "eab-kid", 0, ARG_STR, CERTS | CMD_ACCOUNT, IN_GLOBAL, O(eab_kid), 0,
	  0, 0, 0, NULL, NULL, G_CA, "KID", "External Account Binding key ID "
	  "from the CA" },
	{ "eab-hmac-key", 0, ARG_CALL, CERTS | CMD_ACCOUNT, IN_GLOBAL,
	  O(eab_hmac_key), 1, 0, 0, 0, NULL, set_secret, G_CA, "KEY", "its MAC "
	  "key, base64url as the CA gives it\n(hidden from the process list "
	  "once parsed;\nbriefly visible before: prefer "
	  "--eab-hmac-key-file)" },
	{ "eab-hmac-key-file", 0, ARG_STR, CERTS | CMD_ACCOUNT, IN_GLOBAL,
	  O(eab_hmac_key_file), 0, 0, 0, 0, NULL, NULL, G_CA, "FILE", "read "
	  "that key from FILE (mode 600 or 400)" },
	{ "eab-alg", 0, ARG_CALL, CERTS | CMD_ACCOUNT, IN_GLOBAL, O(eab_alg), 0,
	  0, 0, 0, NULL, set_eab_alg, G_CA, "ALG", "HS256 (default), HS384 or "
	  "HS512" },
	{ "account-key-type", 0, ARG_KEYTYPE, CERTS | CMD_ACCOUNT, IN_GLOBAL,
	  O(account_key_type), O(account_key_type_set), 0, 0, 0, NULL, NULL,
	  G_CA, "T", "key type of a new account key (choices of\n--key-type); "
	  "account rollover: the new key's" },
	{ "state-dir", 0, ARG_STR, CA | CMD_LIST | CMD_DNS_CHECK | CMD_CLEANUP |
	  CMD_FORGET,
	  IN_GLOBAL, O(state_dir), 0, 0, 0, 0, NULL, NULL, G_CA, "DIR",
	  "account key and state (default /var/lib/acmeup)" },
	{ "service-user", 0, ARG_STR, CA | CMD_LIST | CMD_DNS_CHECK |
	  CMD_CLEANUP, IN_GLOBAL, O(service_user), 0, 0, 0, 0, NULL, NULL, G_CA,
	  "USER", "the user acmeup.service runs as (default\nacmeup): a run as "
	  "root accepts its files" },
	{ "wait-rate-limit", 0, ARG_SECONDS, CA, IN_GLOBAL, O(wait_rate_limit),
	  0, 0, 3600, 1, NULL, NULL, G_CA, "SEC", "when the CA answers 429/503 "
	  "with a Retry-After\nof at most SEC, wait and retry (default: stop)" },
	{ "http-timeout", 0, ARG_SECONDS, CA, IN_GLOBAL, O(http_timeout), 0, 5,
	  3600, 1, NULL, NULL, G_CA, "SEC", "time one HTTPS request to the CA "
	  "may take\n(default 60; a stall of half of it is cut)" },
	{ "tsig-key", 0, ARG_STR, DNS, IN_GLOBAL | IN_ZONE, O(tsig_key), 0, 0,
	  0, 0, NULL, NULL, G_DNS, "FILE", "TSIG key file: BIND's key \"name\" "
	  "{ ... };\n(tsig-keygen) or Knot's key: section (keymgr -t)" },
	{ "tsig-key-name", 0, ARG_STR, DNS, IN_GLOBAL | IN_ZONE,
	  O(tsig_key_name), 0, 0, 0, 0, NULL, NULL, G_DNS, "N", "which key, "
	  "when FILE holds several" },
	{ "tsig-secret", 'y', ARG_CALL, DNS, 0, O(tsig_secret), 0, 0, 0, 0,
	  NULL, set_secret, G_DNS, "[ALG:]NAME:SECRET", "the key itself, as "
	  "for nsupdate -y; ALG defaults\nto hmac-sha256 (nsupdate's is "
	  "hmac-md5). Hidden\nfrom the process list once parsed, visible\n"
	  "before: prefer --tsig-key" },
	{ "dns-server", 0, ARG_STR, DNS, IN_GLOBAL, O(dns_server), 0, 0, 0, 0,
	  NULL, NULL, G_DNS, "H[:P]", "send UPDATEs here instead of the zone's "
	  "SOA MNAME" },
	{ "resolver", 0, ARG_STR, DNS, IN_GLOBAL, O(resolver), 0, 0, 0, 0, NULL,
	  NULL, G_DNS, "A[:P]", "resolver for zone discovery (default: the "
	  "first\nnameserver in /etc/resolv.conf)" },
	{ "caa-identity", 0, ARG_STR, CMD_DNS_CHECK, IN_GLOBAL, O(caa_identity),
	  0, 0, 0, 0, NULL, NULL, G_DNS, "DOMAIN", "dns-check: the CA's issuer "
	  "domain name for CAA\n(e.g. letsencrypt.org)" },
	{ "propagation-timeout", 0, ARG_SECONDS, DNS, IN_GLOBAL,
	  O(propagation_timeout_ms), 0, 1, 3600, 1000, NULL, NULL, G_DNS, "SEC",
	  "how long to wait for every authoritative server\nto answer the "
	  "records (default 120)" },
	{ "unreachable-after", 0, ARG_SECONDS, DNS, IN_GLOBAL,
	  O(unreachable_ms), 0, 1, 3600, 1000, NULL, NULL, G_DNS, "SEC", "an "
	  "authoritative server that gives no usable\nanswer this long is "
	  "left out of the proof, said\nonce (default 3): the CA's resolver "
	  "cannot get\nan old answer there either" },
	{ "strict-servers", 0, ARG_FLAG, DNS, IN_GLOBAL, O(strict_servers), 0,
	  0, 0, 0, NULL, NULL, G_DNS, NULL, "fail instead, naming the server: "
	  "every\nauthoritative server must serve the records" },
	{ "ttl", 0, ARG_SECONDS, DNS, IN_GLOBAL, O(ttl), 0, 0, 86400, 1, NULL,
	  NULL, G_DNS, "SEC", "TTL of the challenge records (default 10: the\n"
	  "CA's resolver caches them that long; a name\nvalidated again sooner "
	  "waits out the rest)" },
	{ "zone-server", 0, ARG_LIST, DNS, 0, O(zone_servers),
	  O(n_zone_servers), 0, CLI_MAX_DNS, 0, "ZONE=HOST[:PORT]", NULL, G_DNS,
	  "ZONE=HOST[:PORT]", "UPDATEs for ZONE go here (a hidden primary,\n"
	  "another port); repeatable" },
	{ "zone-key", 0, ARG_LIST, DNS, 0, O(zone_keys), O(n_zone_keys), 0,
	  CLI_MAX_DNS, 0, "ZONE=FILE[:KEYNAME]", NULL, G_DNS,
	  "ZONE=FILE[:KEYNAME]", "TSIG key for ZONE (default: --tsig-key); "
	  "repeatable" },
	{ "challenge-alias", 0, ARG_LIST, DNS, 0, O(aliases), O(n_aliases), 0,
	  CLI_MAX_DNS, 0, "NAME=TARGET", NULL, G_DNS, "NAME=TARGET", "write "
	  "NAME's challenge TXT at TARGET, whatever\nthe DNS says (for a CNAME "
	  "not visible from here)" },
	{ "alias-to", 0, ARG_STR, 0, IN_ZONE, 0, 0, 0, 0, 0, NULL, NULL, G_DNS,
	  NULL, NULL },
	{ "skip-server", 0, ARG_LIST, DNS, IN_GLOBAL | IN_ZONE,
	  O(skip_servers), O(n_skip_servers), 0, CLI_MAX_DNS, 0, NULL, NULL,
	  G_DNS, "ADDR", "do not wait for this authoritative server (one\nthe "
	  "CA cannot reach); repeatable" },
	{ "tsig-queries", 0, ARG_FLAG, DNS, IN_GLOBAL | IN_ZONE,
	  O(tsig_queries), 0, 0, 0, 0, NULL, NULL, G_DNS, NULL, "sign the "
	  "queries to authoritative servers with\nthe zone's key too (BIND "
	  "views matched by key);\neach must know the key: BADKEY is an error" },
	{ "gss", 0, ARG_FLAG, DNS, IN_GLOBAL | IN_ZONE, O(gss), 0, 0, 0, 0,
	  NULL, NULL, G_DNS, NULL, "sign UPDATEs with GSS-TSIG (RFC 3645,\n"
	  "Kerberos: Active Directory, FreeIPA) in\nzones without a key of "
	  "their own" },
	{ "tsig-gss", 0, ARG_FLAG, 0, IN_GLOBAL | IN_ZONE, O(gss), 0, 0, 0, 0,
	  NULL, NULL, G_DNS, NULL, "the file's name of gss" },
	{ "gss-keytab", 0, ARG_STR, DNS, IN_GLOBAL | IN_ZONE, O(gss_keytab), 0,
	  0, 0, 0, NULL, NULL, G_DNS, "FILE", "Kerberos keytab for --gss, taken "
	  "into a\nprivate memory cache (default: the cache\nof KRB5CCNAME; "
	  "kinit first)" },
	{ "gss-principal", 0, ARG_STR, DNS, IN_GLOBAL | IN_ZONE,
	  O(gss_principal), 0, 0, 0, 0, NULL, NULL, G_DNS, "P", "the client "
	  "principal (host/NAME@REALM;\ndefault: the keytab's first entry)" },
	{ "gss-microsoft", 0, ARG_FLAG, DNS, IN_GLOBAL, O(gss_microsoft), 0, 0,
	  0, 0, NULL, NULL, G_DNS, NULL, "GSS-TSIG algorithm gss.microsoft.com\n"
	  "(what nsupdate -o sends; Windows DNS)" },
	{ "cert", 0, ARG_STR, CMD_REVOKE, 0, O(cert), 0, 0, 0, 0, NULL, NULL,
	  G_REVOKE, "FILE", "revoke: the certificate (PEM; the first one "
	  "counts)" },
	{ "cert-key", 0, ARG_STR, CMD_REVOKE, 0, O(cert_key), 0, 0, 0, 0, NULL,
	  NULL, G_REVOKE, "FILE", "revoke: sign with the certificate's own key,\n"
	  "not the account's" },
	{ "reason", 0, ARG_CALL, CMD_REVOKE, 0, O(reason), 0, 0, 0, 0, NULL,
	  set_reason, G_REVOKE, "N", "revoke: RFC 5280 reason: 0 unspecified,\n"
	  "1 keyCompromise, 3 affiliationChanged,\n4 superseded, 5 "
	  "cessationOfOperation" },
	{ "remove", 0, ARG_FLAG, CMD_PERSIST, 0, O(persist_remove), 0, 0, 0, 0,
	  NULL, NULL, G_REVOKE, NULL, "persist: take this account's records "
	  "away" },
	{ "persist-until", 0, ARG_DURATION, CMD_PERSIST, 0, O(persist_until),
	  0, 1, 10u * 366 * 86400, 1, NULL, NULL, G_REVOKE, "DUR", "persist: "
	  "the record authorises this long\n(persistUntil=now+DUR; default: "
	  "no end)" },
	{ "issuer", 0, ARG_STR, CMD_PERSIST, 0, O(persist_issuer), 0, 0, 0, 0,
	  NULL, NULL, G_REVOKE, "NAME", "persist: the CA's issuer domain name "
	  "(default:\nthe first of the directory's caaIdentities)" },
	{ "yes", 0, ARG_FLAG, CMD_ACCOUNT, 0, O(yes), 0, 0, 0, 0, NULL, NULL,
	  G_REVOKE, NULL, "account deactivate: yes, for good" },
	{ "config", 'c', ARG_STR, CMD_ALL, 0, O(config_file), 0, 0, 0, 0, NULL,
	  NULL, G_FLEET, "FILE", "settings file (default /etc/acmeup/acmeup.conf;"
	  "\na missing default file is fine). Settings are\nnamed like the long "
	  "options; the command line\noverrides the file. See acmeup.conf(5)" },
	{ "jobs", 'j', ARG_UINT, CERTS, IN_GLOBAL, O(jobs), 0, 1, 1000, 0, NULL,
	  NULL, G_FLEET, "N", "orders per batch (default 10)" },
	{ "force", 0, ARG_FLAG, CMD_RENEW, 0, O(force), 0, 0, 0, 0, NULL, NULL,
	  G_FLEET, NULL, "renew even what is not due" },
	{ "dry-run", 0, ARG_FLAG, CERTS, 0, O(dry_run), 0, 0, 0, 0, NULL, NULL,
	  G_FLEET, NULL, "the whole flow (every certificate due) against\n"
	  "staging-server or the --server given; nothing\nstored, no hook, no "
	  "metrics" },
	{ "json", 0, ARG_FLAG, CERTS | CMD_LIST, 0, O(json), 0, 0, 0, 0, NULL,
	  NULL, G_FLEET, NULL, "a JSON summary on stdout (progress stays on\n"
	  "stderr)" },
	{ "metrics-file", 0, ARG_STR, CERTS, IN_GLOBAL, O(metrics_file), 0, 0,
	  0, 0, NULL, NULL, G_FLEET, "FILE", "after the run, write a Prometheus "
	  "textfile (node_exporter)\nthere: expiry, last attempt, run status" },
	{ "verbose", 'v', ARG_COUNT, CMD_ALL, 0, O(verbosity), 0, 0, 0, 0, NULL,
	  NULL, G_GENERAL, NULL, "more detail (-vv: protocol trace)" },
	{ "quiet", 'q', ARG_FLAG, CMD_ALL, 0, O(quiet), 0, 0, 0, 0, NULL, NULL,
	  G_GENERAL, NULL, "errors only (for cron): no progress or warning\n"
	  "line on stderr; failures are still said" },
	{ "no-sandbox", 0, ARG_FLAG, CERTS | CMD_CLEANUP | CMD_DNS_CHECK |
	  CMD_ACCOUNT | CMD_REVOKE | CMD_PERSIST, 0,
	  O(no_sandbox), 0, 0, 0, 0, NULL,
	  NULL, G_GENERAL, NULL, "debugging only (valgrind, strace): no seccomp\n"
	  "filter, no Landlock, no files, hooks or Kerberos\nprocess, no "
	  "change of user; the keys stay in the\nkeys process" },
	{ "help", 'h', ARG_NONE, CMD_ALL, 0, 0, 0, 0, 0, 0, NULL, NULL,
	  G_GENERAL, NULL, "this help (acmeup COMMAND --help: that command's)" },
	{ "list-options", 0, ARG_FLAG, 0, 0, O(list_options), 0, 0, 0, 0, NULL,
	  NULL, G_GENERAL, NULL, NULL },
	{ "version", 'V', ARG_NONE, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, G_GENERAL,
	  NULL, "print the version" },
};

const size_t opt_count = sizeof(opt_table) / sizeof(opt_table[0]);

_Static_assert(sizeof(opt_table) / sizeof(opt_table[0]) <= CLI_MAX_OPTIONS,
               "raise CLI_MAX_OPTIONS");

/* The value forms of the file and of durations on the command line (see
 * config.h). */
int
config_seconds(const char *v, unsigned *out)
{
	unsigned long n, mul = 1;
	char *end = NULL;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return ACMEUP_EINVAL;
	n = strtoul(v, &end, 10);
	if (errno != 0)
		return ACMEUP_EINVAL;
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end != '\0')
		return ACMEUP_EINVAL;
	if (*end != '\0' && end[1] != '\0')
		return ACMEUP_EINVAL;
	if (n > 10UL * 366 * 86400 / mul)
		return ACMEUP_EINVAL;
	*out = (unsigned)(n * mul);
	return 0;
}

int
config_bool(const char *v)
{
	return strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0;
}

const struct opt_def *
opt_find(const char *name)
{
	size_t i;

	for (i = 0; i < opt_count; i++)
		if (strcmp(opt_table[i].name, name) == 0)
			return &opt_table[i];
	return NULL;
}

const struct opt_def *
opt_find_short(int c)
{
	size_t i;

	for (i = 0; c != 0 && i < opt_count; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

static void *
field(size_t off, struct opts *o)
{
	return (char *)o + off;
}

/* Secrets (-y, --eab-hmac-key): copied into the options' own storage
 * (slot aux) and wiped from argv by the parser; a file's value is not
 * argv and is used as it stands. */
static int
set_secret(const struct opt_def *d, const char *ctx, const char *v,
           struct opts *o)
{
	size_t slot = d->aux;
	char *copy;

	(void)ctx;
	copy = strdup(v);
	if (copy == NULL)
		return ACMEUP_ENOMEM;
	if (o->secrets[slot] != NULL) {
		explicit_bzero(o->secrets[slot], strlen(o->secrets[slot]));
		free(o->secrets[slot]);
	}
	o->secrets[slot] = copy;
	*(const char **)field(d->off, o) = copy;
	return 0;
}

static int
set_eab_alg(const struct opt_def *d, const char *ctx, const char *v,
            struct opts *o)
{
	if (strcmp(v, "HS256") != 0 && strcmp(v, "HS384") != 0 &&
	    strcmp(v, "HS512") != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is not HS256, HS384 "
		    "or HS512", ctx, v);
	*(const char **)field(d->off, o) = v;
	return 0;
}

/* key-owner, key-group, key-mode: checked now (keyperm.c), so that a bad
 * name is an error naming the option or file:line. */
static int
set_keyperm(const struct opt_def *d, const char *ctx, const char *v,
            struct opts *o)
{
	unsigned mode = 0;
	long id = 0;
	int rc;

	if (strcmp(d->name, "key-owner") == 0)
		rc = keyperm_owner(ctx, v, &id);
	else if (strcmp(d->name, "key-group") == 0)
		rc = keyperm_group(ctx, v, &id);
	else
		rc = keyperm_mode(ctx, v, &mode);
	if (rc == 0)
		*(const char **)field(d->off, o) = v;
	return rc;
}

/* RFC 5280 5.3.1 CRLReason, as a number or its name; 7 is unused. */
static int
set_reason(const struct opt_def *d, const char *ctx, const char *v,
           struct opts *o)
{
	static const char *const names[] = { "unspecified", "keyCompromise",
	    "cACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", NULL,
	    "removeFromCRL", "privilegeWithdrawn", "aACompromise" };
	char *end = NULL;
	long n;
	int i;

	(void)d;
	for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (names[i] != NULL && strcasecmp(v, names[i]) == 0) {
			o->reason = i;
			return 0;
		}
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 || n > 10 ||
	    n == 7)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is not an RFC 5280 "
		    "reason code (0-10 but 7, or a name such as keyCompromise, "
		    "superseded, cessationOfOperation)", ctx, v);
	o->reason = (int)n;
	return 0;
}

static int
set_list(const struct opt_def *d, const char *ctx, const char *v,
         struct opts *o)
{
	const char **list = field(d->off, o);
	size_t *n = field(d->aux, o);

	if (d->form != NULL && (strchr(v, '=') == NULL || v[0] == '='))
		return acmeup_fail(ACMEUP_EUSAGE, "%s '%s': use %s", ctx, v,
		    d->form);
	if (*n >= d->hi)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: at most %u values", ctx,
		    d->hi);
	list[(*n)++] = v;
	if (d->off == O(emails))
		o->email = o->emails[0];
	return 0;
}

/* ARG_SECONDS, ARG_DURATION, ARG_UINT. The file's syntax was checked
 * with its schema (config.c): there only the range can be wrong. */
static int
set_number(const struct opt_def *d, const char *ctx, const char *v,
           int file, struct opts *o)
{
	int plain = (d->arg == ARG_SECONDS && !file) || d->arg == ARG_UINT;
	unsigned n = 0;
	char *end = NULL;
	long l;
	int ok;

	if (plain) {
		errno = 0;
		l = strtol(v, &end, 10);
		ok = errno == 0 && end != v && *end == '\0' && l >= (long)d->lo &&
		    l <= (long)d->hi;
		n = ok ? (unsigned)l : 0;
	} else {
		ok = config_seconds(v, &n) == 0 && n >= d->lo && n <= d->hi;
	}
	if (!ok && file)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is out of range (%u "
		    "to %u%s)", ctx, v, d->lo, d->hi, d->arg == ARG_UINT ? "" :
		    " seconds");
	if (!ok && !plain)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is not a duration "
		    "such as 30d, 720h or 2592000", ctx, v);
	if (!ok)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is not a number%s "
		    "from %u to %u", ctx, v, d->arg == ARG_UINT ? "" :
		    " of seconds", d->lo, d->hi);
	*(unsigned *)field(d->off, o) = n * (d->scale ? d->scale : 1);
	return 0;
}

int
opt_set(const struct opt_def *d, const char *ctx, const char *v, int file,
        struct opts *o)
{
	enum crypto_key_type t;

	switch (d->arg) {
	case ARG_FLAG:
		*(int *)field(d->off, o) = file ? config_bool(v) : 1;
		return 0;
	case ARG_COUNT:
		(*(int *)field(d->off, o))++;
		return 0;
	case ARG_STR:
		*(const char **)field(d->off, o) = v;
		return 0;
	case ARG_LIST:
		return set_list(d, ctx, v, o);
	case ARG_KEYTYPE:
		if (crypto_key_type_parse(v, &t) != 0)
			return acmeup_err_context(ACMEUP_EUSAGE, "%s", ctx);
		*(int *)field(d->off, o) = (int)t;
		*(int *)field(d->aux, o) = 1;
		return 0;
	case ARG_CALL:
		return d->set(d, ctx, v, o);
	case ARG_NONE:
		return 0;
	default:
		return set_number(d, ctx, v, file, o);
	}
}

int
opt_is_secret(const struct opt_def *d)
{
	return d->arg == ARG_CALL && d->set == set_secret;
}

unsigned
opt_command_bit(const char *command)
{
	static const struct {
		const char *name;
		unsigned bit;
	} cmds[] = {
		{ "issue", CMD_ISSUE }, { "renew", CMD_RENEW },
		{ "list", CMD_LIST }, { "account", CMD_ACCOUNT },
		{ "revoke", CMD_REVOKE }, { "dns-check", CMD_DNS_CHECK },
		{ "cleanup", CMD_CLEANUP }, { "config-check", CMD_CONFIG_CHECK },
		{ "persist", CMD_PERSIST }, { "forget", CMD_FORGET },
	};
	size_t i;

	for (i = 0; command != NULL && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, command) == 0)
			return cmds[i].bit;
	return 0;
}

/* "  -d, --domain NAME" padded to column 27, then the help's lines. */
static void
print_option(const struct opt_def *d)
{
	char head[80];
	const char *p = d->help, *nl;
	int n;

	n = snprintf(head, sizeof(head), "  %c%c%s--%s%s%s",
	    d->short_name ? '-' : ' ', d->short_name ? d->short_name : ' ',
	    d->short_name ? ", " : "  ", d->name, d->value ? " " : "",
	    d->value ? d->value : "");
	if (n >= 27)
		printf("%s\n%27s", head, "");
	else
		printf("%-27s", head);
	while ((nl = strchr(p, '\n')) != NULL) {
		printf("%.*s\n%27s", (int)(nl - p), p, "");
		p = nl + 1;
	}
	printf("%s\n", p);
}

void
opt_usage(const char *command)
{
	unsigned bit = opt_command_bit(command);
	size_t i;
	int g;

	for (g = 0; g < G_COUNT; g++) {
		int shown = 0;

		for (i = 0; i < opt_count; i++) {
			const struct opt_def *d = &opt_table[i];

			if (d->group != g || d->help == NULL ||
			    (bit != 0 && (d->commands & bit) == 0))
				continue;
			if (shown++ == 0)
				printf("\n%s:\n", group_title[g]);
			print_option(d);
		}
	}
}

static void
list_where(unsigned where)
{
	static const char *const names[] = { "global", "zone", "cert" };
	int k, first = 1;

	for (k = 0; k < 3; k++) {
		if ((where & (1u << k)) == 0)
			continue;
		printf("%s%s", first ? "" : ",", names[k]);
		first = 0;
	}
	printf("%s\n", first ? "-" : "");
}

void
opt_list(void)
{
	static const char *const names[] = { "issue", "renew", "list",
	    "account", "revoke", "dns-check", "cleanup", "config-check",
	    "persist", "forget" };
	size_t i, k;

	for (i = 0; i < opt_count; i++) {
		const struct opt_def *d = &opt_table[i];
		int cli = d->commands != 0 || d->short_name != 0, first = 1;

		if (d->help == NULL && d->where == 0)
			continue; /* hidden: --list-options */
		printf("%s%s\t", cli ? "--" : "", d->name);
		if (d->short_name)
			printf("-%c\t", d->short_name);
		else
			printf("-\t");
		printf("%s\t", d->value != NULL ? d->value : "-");
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if ((d->commands & (1u << k)) == 0)
				continue;
			printf("%s%s", first ? "" : ",", names[k]);
			first = 0;
		}
		printf("%s\t", first ? "-" : "");
		list_where(d->where);
	}
}
