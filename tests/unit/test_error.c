/* Error records (include/acmeup/error.h, issue 12): the first failure in
 * a record wins, context prefixes it, a job's record is its own, a handled
 * failure is cleared; a cleanup that fails after a failure does not hide
 * it. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/journal.h"

static int
reset(void **state)
{
	(void)state;
	acmeup_err_use(NULL);
	acmeup_err_clear();
	return 0;
}

static void
test_first_wins(void **state)
{
	(void)state;
	assert_string_equal(acmeup_errmsg(ACMEUP_EIO), "I/O error");
	/* none recorded: the code's text */
	assert_int_equal(acmeup_fail(ACMEUP_EDNS, "zone %s: REFUSED", "a.test"),
	    ACMEUP_EDNS);
	assert_int_equal(acmeup_fail(ACMEUP_EIO, "cannot close %s", "j"),
	    ACMEUP_EIO); /* returns its code, records nothing */
	assert_string_equal(acmeup_errmsg(ACMEUP_EIO), "zone a.test: REFUSED");
	acmeup_err_clear();
	assert_string_equal(acmeup_errmsg(ACMEUP_EDNS), acmeup_strerror(
	    ACMEUP_EDNS));
	acmeup_fail(ACMEUP_EIO, "cannot close %s", "j");
	assert_string_equal(acmeup_errmsg(ACMEUP_EIO), "cannot close j");
}

static void
test_context(void **state)
{
	(void)state;
	/* nothing recorded: the context and the code's text */
	assert_int_equal(acmeup_err_context(ACMEUP_ENOMEM, "--csr %s", "x"),
	    ACMEUP_ENOMEM);
	assert_string_equal(acmeup_errmsg(ACMEUP_ENOMEM), "--csr x: out of "
	    "memory");
	acmeup_err_clear();
	acmeup_fail(ACMEUP_ECRYPTO, "not a PEM key");
	acmeup_err_context(ACMEUP_ECRYPTO, "account key %s", "/s/account.key");
	acmeup_err_context(ACMEUP_EUSAGE, "config"); /* context may recode */
	assert_string_equal(acmeup_errmsg(ACMEUP_EUSAGE), "config: account "
	    "key /s/account.key: not a PEM key");
	/* a later failure still does not replace it */
	acmeup_fail(ACMEUP_EIO, "later");
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EIO), "not a PEM key"));
}

static void
test_use_keep(void **state)
{
	struct acmeup_err job = { 0 }, copy = { 0 }, *prev;

	(void)state;
	acmeup_fail(ACMEUP_EDNS, "process failure");
	prev = acmeup_err_use(&job);
	assert_string_equal(acmeup_errmsg(ACMEUP_EACME), acmeup_strerror(
	    ACMEUP_EACME)); /* a fresh record holds nothing */
	acmeup_fail(ACMEUP_EACME, "job failure");
	assert_string_equal(acmeup_errmsg(ACMEUP_EACME), "job failure");
	assert_ptr_equal(acmeup_err_use(prev), &job);
	assert_string_equal(acmeup_errmsg(ACMEUP_EDNS), "process failure");
	assert_int_equal(job.code, ACMEUP_EACME);
	assert_string_equal(acmeup_err_text(&job, 0), "job failure");
	assert_string_equal(acmeup_err_text(&copy, ACMEUP_EIO),
	    acmeup_strerror(ACMEUP_EIO));

	/* keep copies the current record once: the first wins there too */
	assert_int_equal(acmeup_err_keep(&copy, ACMEUP_EDNS), ACMEUP_EDNS);
	assert_string_equal(copy.msg, "process failure");
	acmeup_err_clear();
	acmeup_fail(ACMEUP_EIO, "second");
	acmeup_err_keep(&copy, ACMEUP_EIO);
	assert_string_equal(copy.msg, "process failure");
	assert_int_equal(copy.code, ACMEUP_EDNS);
	/* nothing recorded: the code's text, and a code even for 0 */
	acmeup_err_clear();
	memset(&copy, 0, sizeof(copy));
	acmeup_err_keep(&copy, ACMEUP_ETIMEOUT);
	assert_string_equal(copy.msg, acmeup_strerror(ACMEUP_ETIMEOUT));
	assert_int_equal(copy.code, ACMEUP_ETIMEOUT);
	assert_int_equal(acmeup_err_keep(NULL, ACMEUP_EIO), ACMEUP_EIO);
}

static void
test_enomem_is_a_code(void **state)
{
	(void)state;
	assert_int_not_equal(ACMEUP_ENOMEM, -1);
	assert_string_equal(acmeup_strerror(ACMEUP_ENOMEM), "out of memory");
}

/* A real failure (a journal line acmeup did not write), then cleanup that
 * fails too (a probe that cannot stat): the journal's line stays the
 * message. Under the old last-writer rule the probe's "cannot stat"
 * replaced it. */
static void
test_cleanup_keeps_first(void **state)
{
	char dir[] = "/tmp/acmeup-test-error.XXXXXX", path[64];
	struct journal_rec *recs = NULL;
	struct acmeup_err rm = { 0 }, *prev;
	size_t n = 0;
	pid_t pid = 0;
	long long started = 0;
	int dfd, fd, rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = openat(dfd, "file", O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/x", dir);

	rc = journal_parse("# acmeup journal v1\nrec broken\n", "/s/j.journal",
	    &recs, &n, &pid, &started);
	assert_int_equal(rc, ACMEUP_EINVAL);
	assert_int_equal(fsafe_exists_at(dfd, "file/x", path), ACMEUP_EIO);
	assert_non_null(strstr(acmeup_errmsg(rc), "/s/j.journal"));
	assert_null(strstr(acmeup_errmsg(rc), "cannot stat"));

	/* cleanup in a record of its own (as remove_batch): both kept */
	prev = acmeup_err_use(&rm);
	assert_int_equal(fsafe_exists_at(dfd, "file/x", path), ACMEUP_EIO);
	acmeup_err_use(prev);
	assert_non_null(strstr(rm.msg, "cannot stat"));
	assert_non_null(strstr(acmeup_errmsg(rc), "/s/j.journal"));

	unlinkat(dfd, "file", 0);
	close(dfd);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_wins, reset),
		cmocka_unit_test_setup(test_context, reset),
		cmocka_unit_test_setup(test_use_keep, reset),
		cmocka_unit_test_setup(test_enomem_is_a_code, reset),
		cmocka_unit_test_setup(test_cleanup_keeps_first, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
