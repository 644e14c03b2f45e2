/* acmeup: certificates through dns-01 with TSIG-signed DNS UPDATE. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "acmeup/acme.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/exitcode.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"
#include "metrics.h"
#include "report.h"
#include "acmeup/text.h"
#include "cli_internal.h"
#include "options.h"

/* One entry per command; each lives in its own file. */
static const struct command {
	const char *name;
	int (*run)(const struct opts *o);
	int ca; /* talks to the CA: --server and --ca-bundle are checked */
} commands[] = {
	{ "issue", issue_run, 1 },
	{ "renew", renew_run, 1 },
	{ "account", account_run, 1 },
	{ "revoke", revoke_run, 1 },
	{ "dns-check", dns_check_run, 0 },
	{ "cleanup", cleanup_run, 0 },
	{ "list", list_run, 0 },
	{ "config-check", config_check_run, 0 },
	{ "persist", persist_run, 1 },
	{ "forget", forget_run, 0 },
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

/* ACMEUP_EXIT_* for a command's result (exitcode.h); 128 + N when
 * signal N stopped the run (the shell's convention for a process a signal
 * ended: 130 for SIGINT, 143 for SIGTERM), after its cleanup. */
static int
exit_status(int rc)
{
	if (rc != 0 && interrupt_pending() != 0)
		return ACMEUP_EXIT_SIGNAL + interrupt_pending();
	if (rc == ACMEUP_DONE_FAILED || rc == ACMEUP_DONE_NOTHING ||
	    rc == ACMEUP_DONE_PARTIAL)
		return rc;
	if (rc == ACMEUP_EUSAGE)
		return ACMEUP_EXIT_USAGE;
	if (rc == ACMEUP_EHOOK)
		return ACMEUP_EXIT_PARTIAL;
	return rc == 0 ? ACMEUP_EXIT_OK : ACMEUP_EXIT_FAILED;
}

/* The CA settings of a command that talks to the CA: configuration
 * errors (exit 2) before anything is asked. */
static int
check_ca_opts(const struct opts *o)
{
	if (o->server != NULL && strncasecmp(o->server, "https://", 8) != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "--server %s: acmeup talks to "
		    "ACME servers over HTTPS only (https://...)", o->server);
	if (o->ca_bundle != NULL && access(o->ca_bundle, R_OK) != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "--ca-bundle %s: %s",
		    o->ca_bundle, strerror(errno));
	acme_set_http_timeout(o->http_timeout);
	return 0;
}

/* The metrics file of an issue or renew run that got to its command. A
 * file that cannot be written fails a run that had worked. */
static int
write_metrics(const struct opts *o, const char *command, int status,
              const struct timespec *t0)
{
	struct metrics_run m = { o->metrics_file, command, o->report, status,
	    0, 0 };

	/* A run that ended before its summary has no certificates to show. */
	if (m.report != NULL && m.report->n == 0)
		m.report = NULL;
	struct timespec t1;
	int rc;

	if (o->metrics_file == NULL || o->dry_run || (strcmp(command,
	    "issue") != 0 && strcmp(command, "renew") != 0))
		return status;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m.duration = (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	m.now = (long long)time(NULL);
	rc = metrics_write(&m);
	if (rc == 0)
		return status;
	text_printf(stderr, "acmeup: error: %s\n", acmeup_errmsg(rc));
	return status == ACMEUP_EXIT_OK ? ACMEUP_EXIT_FAILED : status;
}

/* --dry-run talks to the --server given on the command line, else to
 * staging-server; never silently to the configured production CA, whose
 * rate limits a test would spend. */
static int
dry_run_server(struct opts *o)
{
	if (!o->dry_run || cli_given(o, "server"))
		return 0;
	if (o->staging_server == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "--dry-run needs a CA to try: "
		    "staging-server in the configuration, or --server URL");
	o->server = o->staging_server;
	return 0;
}

/* Parse, load the configuration, run the command; an exit status. */
static int
run(int argc, char **argv, struct opts *o)
{
	const struct command *cmd = NULL;
	struct config *cfg = NULL;
	struct report rep = { NULL, 0, 0, NULL, NULL };
	struct timespec t0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cli_parse(argc, argv, o);
	if (rc == 0 && o->help) {
		cli_usage(o->command);
		return 0;
	}
	if (rc == 0 && o->version) {
		printf("acmeup %s\n", ACMEUP_VERSION);
		return 0;
	}
	if (rc == 0 && o->list_options) {
		opt_list();
		return 0;
	}
	if (rc == 0 && o->command != NULL && strcmp(o->command, "help") == 0) {
		cli_usage(o->n_args > 0 ? o->args[0] : NULL);
		return 0;
	}
	if (rc == 0 && o->command == NULL)
		rc = acmeup_fail(ACMEUP_EUSAGE, "no command (see acmeup --help)");
	if (rc == 0) {
		cmd = find_command(o->command);
		if (cmd == NULL)
			rc = acmeup_fail(ACMEUP_EUSAGE, "unknown command '%s' (see "
			    "acmeup --help)", o->command);
	}
	if (rc == 0 && o->json && strcmp(cmd->name, "issue") != 0 &&
	    strcmp(cmd->name, "renew") != 0 && strcmp(cmd->name, "list") != 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "--json goes with issue, renew "
		    "and list, not %s", cmd->name);
	if (rc == 0) {
		log_init(o->quiet ? LOG_QUIET : o->verbosity);
		rc = config_setup(o, &cfg);
	}
	if (rc == 0)
		cli_service_user(o);
	if (rc == 0)
		rc = dry_run_server(o);
	if (rc == 0 && cmd->ca)
		rc = check_ca_opts(o);
	if (rc == 0)
		rc = cli_load_secrets(o);
	if (rc != 0) {
		text_printf(stderr, "acmeup: %s\n", acmeup_errmsg(rc));
		config_free(cfg);
		return ACMEUP_EXIT_USAGE;
	}
	interrupt_install();
	if (!o->no_sandbox) /* before the first GSS-TSIG credentials */
		dns_gss_separate();
	if (o->metrics_file != NULL)
		o->report = &rep;
	rc = crypto_init();
	if (rc == 0)
		rc = cmd->run(o);
	crypto_deinit();
	if (rc < 0) {
		log_progress_clear();
		text_printf(stderr, "acmeup: error: %s\n", acmeup_errmsg(rc));
	} else if (rc == 0) {
		log_stage("done");
	}
	rc = write_metrics(o, cmd->name, exit_status(rc), &t0);
	o->report = NULL;
	report_clear(&rep);
	config_free(cfg);
	return rc;
}

/* What stdout could not take (a reader gone: "acmeup list | head -n 1";
 * a full disk): a run that succeeded exits 1, since its report was lost,
 * and says so on stderr if it still can. A failed run has said why. */
static int
check_stdout(int status)
{
	int err = 0;

	errno = 0;
	if (fflush(stdout) != 0)
		err = errno;
	else if (!ferror(stdout))
		return status;
	if (status != ACMEUP_EXIT_OK && status != ACMEUP_EXIT_NOTHING)
		return status;
	text_printf(stderr, "acmeup: error: cannot write to standard "
	    "output%s%s\n", err != 0 ? ": " : "", err != 0 ? strerror(err) :
	    "");
	return ACMEUP_EXIT_FAILED;
}

int
main(int argc, char **argv)
{
	struct opts opts;
	int status;

	/* A closed pipe fails the write (EPIPE) instead of killing the run
	 * before its records are removed; hooks get SIGPIPE back (hook.c). */
	signal(SIGPIPE, SIG_IGN);
	status = run(argc, argv, &opts);
	cli_clear(&opts);
	return check_stdout(status);
}
