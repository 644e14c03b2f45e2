/* STATE/persist (persist_track.h): notes added, replaced and removed; a
 * file with foreign lines or a foreign head; the list for `acmeup list`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "acmeup/persist_track.h"

static char dir[] = "/tmp/acmeup-persist-track.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_FILE);
	unlink(path);
	return rmdir(dir);
}

static void
write_file(const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, PERSIST_FILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
noted(const char *name, const char *want)
{
	char *v = NULL;

	assert_int_equal(persist_tracked(dir, name, &v), 0);
	if (want == NULL)
		assert_null(v);
	else
		assert_string_equal(v, want);
	free(v);
}

static void
add_replace_remove(void **state)
{
	(void)state;
	noted("a.test", NULL); /* no file yet */
	assert_int_equal(persist_track(dir, "a.test", "ca.test; accounturi=u1"),
	    0);
	assert_int_equal(persist_track(dir, "*.b.test",
	    "ca.test; accounturi=u1; policy=wildcard"), 0);
	noted("a.test", "ca.test; accounturi=u1");
	noted("*.b.test", "ca.test; accounturi=u1; policy=wildcard");
	noted("b.test", NULL);
	assert_int_equal(persist_track(dir, "a.test", "ca.test; accounturi=u2"),
	    0);
	noted("a.test", "ca.test; accounturi=u2");
	assert_int_equal(persist_track(dir, "a.test", NULL), 0);
	noted("a.test", NULL);
	noted("*.b.test", "ca.test; accounturi=u1; policy=wildcard");
	assert_int_equal(persist_list(dir, "u1", stderr), 1);
	/* for list --json: the records, and whose account they name */
	{
		struct persist_recs r;

		assert_int_equal(persist_records(dir, &r), 0);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.v[0].name, "*.b.test");
		assert_true(persist_value_account_is(r.v[0].value, "u1"));
		assert_false(persist_value_account_is(r.v[0].value, "u"));
		assert_false(persist_value_account_is(r.v[0].value, "u1;"));
		assert_false(persist_value_account_is(r.v[0].value, NULL));
		persist_records_clear(&r);
	}
}

/* A foreign head: nothing taken; junk lines dropped on the next write. */
static void
hostile_file(void **state)
{
	(void)state;
	write_file("not-ours 1\na.test\tx\n");
	noted("a.test", NULL);
	assert_int_equal(persist_list(dir, NULL, stderr), 0);
	write_file("acmeup-persist 1\njunk without a tab\na.test\tv1\n"
	    "a.test.evil\tv2\n\tempty name\nc.test\tv3");
	noted("a.test", "v1");
	noted("c.test", "v3");
	noted("a.test.evil", "v2");
	assert_int_equal(persist_track(dir, "c.test", NULL), 0);
	noted("a.test", "v1");
	noted("c.test", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_replace_remove),
		cmocka_unit_test(hostile_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
