/* The command line (issue 14): what a mistyped, ambiguous or incomplete
 * option is told, options before the command, -q. No files, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "acmeup/error.h"

#define MAX_ARGV 16

/* cli_parse over a NULL-terminated list (copied: argv must be writable). */
static int
parse(struct opts *o, const char *const *list)
{
	static char store[MAX_ARGV][64];
	char *argv[MAX_ARGV + 1];
	int argc = 0;

	for (; list[argc] != NULL && argc < MAX_ARGV; argc++) {
		snprintf(store[argc], sizeof(store[argc]), "%s", list[argc]);
		argv[argc] = store[argc];
	}
	argv[argc] = NULL;
	acmeup_err_clear();
	return cli_parse(argc, argv, o);
}

/* parse() fails with ACMEUP_EUSAGE and a detail holding want. */
static void
refused(const char *const *list, const char *want)
{
	struct opts o;

	assert_int_equal(parse(&o, list), ACMEUP_EUSAGE);
	if (strstr(acmeup_errmsg(ACMEUP_EUSAGE), want) == NULL)
		fail_msg("'%s' does not hold '%s'", acmeup_errmsg(ACMEUP_EUSAGE),
		    want);
	cli_clear(&o);
}

static void
test_bad_options(void **state)
{
	(void)state;
	refused((const char *[]){ "acmeup", "issue", "--propogation-timeout",
	    "5", NULL }, "unknown option '--propogation-timeout' (did you "
	    "mean --propagation-timeout?)");
	refused((const char *[]){ "acmeup", "issue", "--tsig-kye=k", NULL },
	    "did you mean --tsig-key?");
	refused((const char *[]){ "acmeup", "issue", "--zzzzzz", NULL },
	    "unknown option '--zzzzzz' (see acmeup --help)");
	refused((const char *[]){ "acmeup", "issue", "--eab", NULL },
	    "ambiguous option '--eab' (--eab-kid, --eab-hmac-key, "
	    "--eab-hmac-key-file, --eab-alg?)");
	refused((const char *[]){ "acmeup", "list", "--json=yes", NULL },
	    "option '--json' takes no value");
	refused((const char *[]){ "acmeup", "issue", "--verbose=2", NULL },
	    "option '--verbose' takes no value");
	refused((const char *[]){ "acmeup", "issue", "--server", NULL },
	    "option '--server' needs a value");
	refused((const char *[]){ "acmeup", "issue", "--domain", NULL },
	    "option '--domain' needs a value");
	refused((const char *[]){ "acmeup", "issue", "-d", NULL },
	    "option '-d' needs a value");
	refused((const char *[]){ "acmeup", "issue", "-x", NULL },
	    "unknown option '-x'");
	refused((const char *[]){ "acmeup", "issue", "--json", "-vx", NULL },
	    "unknown option '-x'");
	/* the state of getopt is reset between parses */
	refused((const char *[]){ "acmeup", "issue", "-xv", NULL },
	    "unknown option '-x'");
	refused((const char *[]){ "acmeup", "issue", "-q", "-v", NULL },
	    "-q/--quiet and -v/--verbose");
}

static void
test_options_first(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(parse(&o, (const char *[]){ "acmeup", "--verbose",
	    "-c", "f.conf", "issue", "-d", "a.test", NULL }), 0);
	assert_non_null(o.command);
	assert_string_equal(o.command, "issue");
	assert_int_equal(o.n_args, 0);
	assert_int_equal(o.verbosity, 1);
	assert_string_equal(o.config_file, "f.conf");
	assert_int_equal(o.n_domains, 1);
	assert_string_equal(o.domains[0], "a.test");
	cli_clear(&o);

	assert_int_equal(parse(&o, (const char *[]){ "acmeup", "-q",
	    "dns-check", "a.test", "b.test", NULL }), 0);
	assert_string_equal(o.command, "dns-check");
	assert_int_equal(o.n_args, 2);
	assert_string_equal(o.args[0], "a.test");
	assert_string_equal(o.args[1], "b.test");
	assert_int_equal(o.quiet, 1);
	assert_true(cli_given(&o, "quiet"));
	cli_clear(&o);

	/* options alone: no command (main says so) */
	assert_int_equal(parse(&o, (const char *[]){ "acmeup", "-v", NULL }),
	    0);
	assert_null(o.command);
	cli_clear(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_options_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
