/* Command-line parsing (getopt_long) and help text. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/text.h"
#include "cli_internal.h"
#include "options.h"

#define DEFAULT_STATE_DIR "/var/lib/acmeup"
#define DEFAULT_OUT_DIR "/etc/acmeup/certs"

/* getopt_long's table, made from options.c's once: option i has val
 * 256 + i, or its short letter. */
static struct option long_opts[CLI_MAX_OPTIONS + 1];
static char short_opts[64];

static void
build_getopt(void)
{
	size_t i, k = 0, n = 0;

	if (long_opts[0].name != NULL)
		return;
	short_opts[k++] = ':';
	for (i = 0; i < opt_count; i++) {
		const struct opt_def *d = &opt_table[i];
		int takes = d->arg != ARG_FLAG && d->arg != ARG_COUNT &&
		    d->arg != ARG_NONE;

		if (d->commands == 0 && d->short_name == 0 &&
		    strcmp(d->name, "list-options") != 0)
			continue; /* a setting of the file only */
		long_opts[n].name = d->name;
		long_opts[n].has_arg = takes ? required_argument : no_argument;
		long_opts[n].val = d->short_name ? d->short_name : 256 + (int)i;
		n++;
		if (d->short_name && k + 3 < sizeof(short_opts)) {
			short_opts[k++] = (char)d->short_name;
			if (takes)
				short_opts[k++] = ':';
		}
	}
	short_opts[k] = '\0';
}

/* Per command: its usage lines and what it does (--help shows the
 * options of options.c's table that it takes). */
static const struct {
	const char *name;
	const char *usage;
	const char *about;
} command_help[] = {
	{ "issue",
"usage: acmeup issue -d NAME [-d NAME...] --server URL\n"
"                    {--tsig-key FILE | -y [ALG:]NAME:SECRET} [options]\n"
"       acmeup issue CERT... [-c FILE] [-j N] [options]\n",
"Issue a certificate for the -d names now (or the cert blocks named), whether\n"
"due or not: dns-01 records written with TSIG-signed DNS UPDATE, proven on\n"
"every authoritative server, removed again whatever happens.\n" },
	{ "renew",
"usage: acmeup renew [CERT...] [-c FILE] [-j N] [--force] [--json]\n",
"Each certificate of the configuration (or those named, or the -d names)\n"
"that is due: missing or unreadable; inside the CA's renewal window when it\n"
"offers ARI (RFC 9773; the new order names the certificate it replaces);\n"
"else renew-before its expiry. --force: all of them. Orders go in batches of\n"
"-j: one UPDATE per zone and one propagation wait for all the records of a\n"
"batch; one certificate failing does not stop the others; one whose lock\n"
"another run holds is skipped and counted as failed.\n" },
	{ "account",
"usage: acmeup account register|show|update|rollover|deactivate --server URL\n"
"                    [options]\n",
"The account of --state-dir/account.key:\n"
"  register     find the key's account, or create it (--email, --agree-tos,\n"
"               --eab-*, --account-key-type for a new key)\n"
"  show         print the account URL, status, contacts and key\n"
"  update       replace the contacts with the --email addresses\n"
"  rollover     move the account to a new key (--account-key-type; default\n"
"               the current type), RFC 8555 7.3.5\n"
"  deactivate   deactivate the account for good (needs --yes)\n" },
	{ "revoke",
"usage: acmeup revoke NAME|--cert FILE --server URL [--reason N]\n"
"                   [--cert-key FILE]\n",
"Revoke a certificate (RFC 8555 7.6): NAME's cert.pem (a cert block or a\n"
"certificate remembered from issue -d) or FILE, signed by the account key,\n"
"or by the certificate's own key with --cert-key FILE. A known\n"
"certificate's revocation is noted: list shows it revoked, renew renews it.\n" },
	{ "dns-check",
"usage: acmeup dns-check NAME... [--tsig-key FILE] [DNS options]\n",
"What issue would do in DNS for each NAME, without a CA: the CNAME chain,\n"
"the zone, its primary and key, a probe TXT added, its arrival timed on\n"
"every authoritative server, removed; problems said in plain words. Exit 0\n"
"when every name is fine.\n" },
	{ "cleanup",
"usage: acmeup cleanup [--state-dir DIR] [--tsig-key FILE | -y ...]\n",
"Remove the challenge records that runs killed mid-way (kill -9, power\n"
"loss) left behind, as listed in the journals under --state-dir (issue does\n"
"this too before it starts). Each record is removed with the key file and\n"
"key name that added it; a key given with -y, or a key file that is gone,\n"
"must be given again (--tsig-key, -y, --zone-key).\n" },
	{ "persist",
"usage: acmeup persist NAME... --server URL [--tsig-key FILE] [--remove]\n"
"                    [--persist-until DUR] [--issuer NAME]\n",
"Publish, for each NAME, the dns-persist-01 record\n"
"(draft-ietf-acme-dns-persist) that lets this account be validated for it\n"
"with no DNS change at all afterwards: _validation-persist.NAME TXT\n"
"\"<issuer>; accounturi=<account URL>\" (policy=wildcard for *.NAME), by\n"
"TSIG-signed UPDATE following CNAMEs, proved on every authoritative\n"
"server, and noted in --state-dir/persist. --remove takes this account's\n"
"records away again. Issuance uses them with challenge dns-persist-01.\n" },
	{ "forget",
"usage: acmeup forget NAME... [--state-dir DIR]\n",
"Forget certificates remembered from issue -d (--state-dir/certs/NAME.rec):\n"
"list and renew no longer take them. Their files under --out stay. A cert\n"
"block of the configuration is not touched (remove it from the file).\n" },
	{ "list",
"usage: acmeup list [CERT...] [--json]\n",
"Each certificate of the configuration (or of -d): its names, whether\n"
"cert.pem exists, its expiry, when it is due for renewal (renew-before;\n"
"renew also asks the CA's ARI), and flags: due, missing, names changed.\n" },
	{ "config-check",
"usage: acmeup config-check [-c FILE]\n",
"Read the configuration file and check it without contacting anything:\n"
"every setting, the key files (readable, parseable), key types, names, the\n"
"directories. Prints \"ok: N certificates, M zones\" or the first error as\n"
"FILE:LINE: SETTING: what (exit 2).\n" },
};

static const char exit_help[] =
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
"143 SIGTERM). SIGPIPE is ignored: a closed pipe does not stop a run.\n"
"\n"
"acmeup follows CNAME/DNAME chains from _acme-challenge.NAME (8 links at\n"
"most) by asking the authoritative servers directly: the challenge name is\n"
"never sent to a caching resolver before its record exists. HTTPS to the CA\n"
"is always verified (--ca-bundle: a private CA instead of the system's); a\n"
"proxy is taken from https_proxy / all_proxy (no_proxy honoured).\n";

void
cli_usage(const char *command)
{
	size_t i, n = sizeof(command_help) / sizeof(command_help[0]);

	for (i = 0; command != NULL && i < n; i++) {
		if (strcmp(command_help[i].name, command) != 0)
			continue;
		printf("%s\n%s", command_help[i].usage, command_help[i].about);
		opt_usage(command);
		return;
	}
	for (i = 0; i < n; i++)
		printf("%s%s", i == 0 ? "" : "       ",
		    command_help[i].usage + (i == 0 ? 0 : strlen("usage: ")));
	printf("       acmeup COMMAND --help | --help | --version\n\n"
	    "Get a certificate from an ACME (RFC 8555) CA through the dns-01 "
	    "challenge,\nwriting the _acme-challenge TXT records with "
	    "TSIG-signed DNS UPDATE\n(RFC 2136, RFC 8945) to each zone's "
	    "primary. The CA is told to validate only\nonce every authoritative "
	    "server answers the records; the records are\nremoved again whether "
	    "the order succeeds or not.\n");
	opt_usage(NULL);
	fputs(exit_help, stdout);
	for (i = 0; i < n; i++)
		printf("\n%s: %s", command_help[i].name, command_help[i].about);
}
/* The table entry of what getopt_long returned. */
static const struct opt_def *
option_of(int c)
{
	return c >= 256 && (size_t)(c - 256) < opt_count ?
	    &opt_table[c - 256] : opt_find_short(c);
}

int
cli_given(const struct opts *o, const char *name)
{
	const struct opt_def *d = opt_find(name);

	return d != NULL ? o->given[d - opt_table] : 0;
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
	const struct opt_def *d;
	char ctx[64];
	int c, rc = 0, longindex;

	build_getopt();
	opterr = 0;
	optind = 0; /* GNU: start afresh, whatever an earlier parse left */
	while (rc == 0) {
		longindex = -1;
		optopt = 0;
		c = getopt_long(argc, argv, short_opts, long_opts, &longindex);
		if (c == -1)
			break;
		if (c == '?' || c == ':')
			return bad_option(c, argv);
		d = option_of(c);
		if (d == NULL)
			return acmeup_fail(ACMEUP_EUSAGE, "unknown option (see "
			    "acmeup --help)");
		o->given[d - opt_table] = 1;
		o->help |= c == 'h';
		o->version |= c == 'V';
		o->list_options |= strcmp(d->name, "list-options") == 0;
		snprintf(ctx, sizeof(ctx), "--%s", d->name);
		rc = opt_set(d, ctx, optarg, 0, o);
		/* a secret's copy is taken: /proc/PID/cmdline shows '*' now */
		if (rc == 0 && opt_is_secret(d))
			memset(optarg, '*', strlen(optarg));
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
	char path[PATH_MAX];
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
	rc = read_secret_file(cli_credential(o->eab_hmac_key_file, path,
	    sizeof(path)), &o->secrets[2]);
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
