/* store_account_dir / store_account_id (issue 14 item 6): the ID is the
 * first 16 hex digits of SHA-256("URL\nKID"); an older acmeup's
 * STATE/account.key moves to the account directory of its CA (no
 * account.url, or one below the directory URL's parent), not to another
 * CA's; a link in its place is refused and stays; reading without a CA
 * finds the one account there is. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "acmeup/store.h"

#define CA1 "https://ca.example/acme/p1/directory"
#define CA2 "https://ca.example/acme/p2/directory"

static char top[] = "/tmp/acmeup-test-acctdir.XXXXXX";

static void
put(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static int
exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void
test_id(void **state)
{
	char id[17];

	(void)state;
	/* printf 'https://ca.example/acme/p1/directory\n' | sha256sum */
	assert_int_equal(store_account_id(CA1, NULL, id, sizeof(id)), 0);
	assert_int_equal(strlen(id), 16);
	assert_string_equal(id, "44a8d21d022f430d");
	assert_int_equal(store_account_id(CA1, "kid-1", id, sizeof(id)), 0);
	assert_string_not_equal(id, "44a8d21d022f430d");
}

static void
test_legacy(void **state)
{
	char d1[PATH_MAX], d2[PATH_MAX], again[PATH_MAX];

	(void)state;
	assert_non_null(mkdtemp(top));
	put("account.key", "KEY\n");
	put("account.url", "https://ca.example/acme/p1/account/7\n");
	/* another CA (same origin, another path): the old files stay */
	assert_int_equal(store_account_dir(top, CA2, NULL, STORE_ACCT_MAKE |
	                                   STORE_ACCT_ADOPT, d2, sizeof(d2)), 0);
	assert_true(exists(top, "account.key"));
	assert_false(exists(d2, "account.key"));
	assert_true(exists(d2, "directory"));
	/* reading for their CA: the old layout stands in */
	assert_int_equal(store_account_dir(top, CA1, NULL, 0, d1, sizeof(d1)), 0);
	assert_string_equal(d1, top);
	/* their CA: moved in */
	assert_int_equal(store_account_dir(top, CA1, NULL, STORE_ACCT_MAKE |
	                                   STORE_ACCT_ADOPT, d1, sizeof(d1)), 0);
	assert_false(exists(top, "account.key"));
	assert_true(exists(d1, "account.key"));
	assert_true(exists(d1, "account.url"));
	assert_string_not_equal(d1, d2);
	/* without a CA, two accounts: the old layout's place */
	assert_int_equal(store_account_dir(top, NULL, NULL, 0, again,
	                                   sizeof(again)), 0);
	assert_string_equal(again, top);
}

static void
test_link_refused(void **state)
{
	char d[PATH_MAX], link[PATH_MAX];

	(void)state;
	snprintf(link, sizeof(link), "%s/account.key", top);
	assert_int_equal(symlink("/etc/hostname", link), 0);
	snprintf(d, sizeof(d), "%s/account.url", top);
	unlink(d);
	assert_int_equal(store_account_dir(top, "https://other.example/dir",
	                                   NULL, STORE_ACCT_MAKE | STORE_ACCT_ADOPT,
	                                   d, sizeof(d)), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "is a symbolic link"));
	acmeup_err_clear();
	assert_int_equal(unlink(link), 0); /* still there: not moved */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_link_refused),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
