/* Unit tests of the journal (src/store/journal.c): the text format, escaping,
 * rejecting damaged files, and the lock that tells a living run's journal
 * from a dead one's. Files in a temporary directory; no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "acmeup/journal.h"

static struct journal_rec recs[] = {
	{ "example.test", "127.53.0.10:53", "/etc/acmeup/update.key",
	  "acmeup-update", "_acme-challenge.host1.example.test",
	  "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0" },
	{ "acme-challenges.contoso.test", "[2001:db8::1]:5300",
	  "/etc/acme up/key file\\x", "k", "intranet.contoso.test.acme-"
	  "challenges.contoso.test", "value with spaces\tand\ntabs" },
};

static void
test_roundtrip(void **state)
{
	struct journal_rec *got = NULL;
	char *text = NULL;
	size_t len = 0, n = 0, i;
	long long started = 0;
	pid_t pid = 0;

	(void)state;
	assert_int_equal(journal_format(recs, 2, 4242, 1700000000, &text, &len),
	                 0);
	assert_int_equal(strlen(text), len);
	/* a person can read it: one line a record, no raw blanks in fields */
	assert_non_null(strstr(text, "\nrec example.test 127.53.0.10:53 "
	                       "/etc/acmeup/update.key acmeup-update "
	                       "_acme-challenge.host1.example.test "
	                       "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0\n"));
	assert_non_null(strstr(text, "/etc/acme\\032up/key\\032file\\092x"));
	assert_int_equal(journal_parse(text, "j", &got, &n, &pid, &started), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pid, 4242);
	assert_int_equal(started, 1700000000);
	for (i = 0; i < n; i++) {
		assert_string_equal(got[i].zone, recs[i].zone);
		assert_string_equal(got[i].server, recs[i].server);
		assert_string_equal(got[i].key_file, recs[i].key_file);
		assert_string_equal(got[i].key_name, recs[i].key_name);
		assert_string_equal(got[i].owner, recs[i].owner);
		assert_string_equal(got[i].value, recs[i].value);
	}
	journal_recs_free(got, n);
	free(text);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"rec a b c d e f\n",                       /* no magic line */
		"acmeup-journal 2\n",                      /* other version */
		"acmeup-journal 1\nrec a b c d e\n",       /* five fields */
		"acmeup-journal 1\nrec a b c d e f g\n",   /* seven */
		"acmeup-journal 1\nrec a  b c d e f\n",    /* empty field */
		"acmeup-journal 1\nrec a b c d e f\\09\n", /* short escape */
		"acmeup-journal 1\nrec a b c d e \\000\n", /* NUL */
		"acmeup-journal 1\nrec a b c d e \\256\n", /* > 255 */
		"acmeup-journal 1\npid x\n",
		"acmeup-journal 1\nsomething else\n",
	};
	struct journal_rec *got = NULL;
	char *text = NULL;
	long long started;
	size_t n, i;
	pid_t pid;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(journal_parse(bad[i], "j", &got, &n, &pid,
		                               &started), ACMEUP_EINVAL);
	/* comments and blank lines are fine; no records is fine */
	assert_int_equal(journal_parse("# x\n\nacmeup-journal 1\n", "j", &got,
	                               &n, &pid, &started), 0);
	assert_int_equal(n, 0);
	journal_recs_free(got, n);
	assert_int_equal(journal_format(recs, 0, 1, 1, &text, &n), 0);
	free(text);
}

static void
test_empty_field_refused(void **state)
{
	struct journal_rec r = recs[0];
	char *text = NULL;
	size_t len;

	(void)state;
	r.key_name = "";
	assert_int_equal(journal_format(&r, 1, 1, 1, &text, &len),
	                 ACMEUP_EINVAL);
	assert_null(text);
}

static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/acmeup-test-journal.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A journal held by a living run (its lock taken) is not claimed; once
 * the run is gone (lock released), it is, with its records. */
static void
test_claim(void **state)
{
	struct journal *j = NULL, *c = NULL;
	struct journal_rec *got = NULL;
	char **paths = NULL, path[512];
	long long started;
	size_t n = 0, k = 0;
	pid_t pid = 0;
	struct stat st;

	(void)state;
	assert_int_equal(journal_list(dir, &paths, &n), 0); /* no dir yet */
	assert_int_equal(n, 0);
	assert_int_equal(journal_open(dir, &j), 0);
	assert_int_equal(journal_write(j, recs, 1), 0);
	snprintf(path, sizeof(path), "%s", journal_path(j));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(journal_list(dir, &paths, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], path);
	/* held: flock is per open file, so this process counts as another */
	assert_int_equal(journal_claim(path, &c, &pid), 0);
	assert_int_equal(pid, getpid());
	/* the run ends with a record left (as after a failed removal) */
	journal_close(j);
	assert_int_equal(journal_claim(path, &c, &pid), 1);
	assert_int_equal(journal_read(c, &got, &k, &pid, &started), 0);
	assert_int_equal(k, 1);
	assert_string_equal(got[0].owner, recs[0].owner);
	journal_recs_free(got, k);
	assert_int_equal(journal_write(c, NULL, 0), 0);
	journal_close(c);
	journal_paths_free(paths, n);
	assert_int_equal(journal_list(dir, &paths, &n), 0);
	assert_int_equal(n, 0);
	/* nothing left behind: no journal, no lock file */
	snprintf(path, sizeof(path), "%s/journal", dir);
	assert_int_equal(rmdir(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_empty_field_refused),
		cmocka_unit_test_setup_teardown(test_claim, setup_dir,
		                                teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
