/* store_cert_record_write / store_cert_records_load (issue 14 item 2):
 * a record round-trips; a hostile file in STATE/certs (oversized, unknown
 * key, control bytes, wrong name, no domain, a symbolic link) is skipped,
 * never loaded. */
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

static char top[] = "/tmp/acmeup-test-record.XXXXXX";

static void
put_file(const char *name, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/certs/%s", top, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	chmod(path, 0600);
}

/* A string literal's bytes, without its terminating NUL. */
#define PUT(name, lit) put_file(name, lit, sizeof(lit) - 1)

static void
test_round_trip_and_hostile(void **state)
{
	char *domains[] = { "a.example.test", "*.a.example.test" };
	struct store_cert_record r = { 0 }, *v = NULL;
	char big[20000], path[512];
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(top));
	r.name = "a.example.test";
	r.domains = domains;
	r.n_domains = 2;
	r.out_dir = "/etc/acmeup/certs";
	r.key_type = "p384";
	r.deploy_hook = "systemctl reload nginx";
	r.key_mode = "0640";
	assert_int_equal(store_cert_record_write(top, &r), 0);
	r.deploy_hook = "two\nlines";
	assert_int_equal(store_cert_record_write(top, &r), ACMEUP_EINVAL);
	acmeup_err_clear();

	PUT("unknown.rec", "name unknown\ndomain u.test\nout /x\nevil yes\n");
	PUT("ctl.rec", "name ctl\ndomain c\x01.test\nout /x\n");
	PUT("other.rec", "name not-other\ndomain o.test\nout /x\n");
	PUT("nodomain.rec", "name nodomain\nout /x\n");
	PUT("twice.rec", "name twice\nname twice\ndomain t.test\nout /x\n");
	PUT("nul.rec", "name nul\ndomain n.test\nout /x\0\n");
	PUT("good.rec", "name good\ndomain g.test\nout /x\n");
	memset(big, 'a', sizeof(big));
	put_file("big.rec", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/certs/link.rec", top);
	assert_int_equal(symlink("a.example.test.rec", path), 0);

	assert_int_equal(store_cert_records_load(top, &v, &n), 0);
	assert_int_equal(n, 2);
	if (strcmp(v[0].name, "good") == 0) {
		struct store_cert_record t = v[0];

		v[0] = v[1];
		v[1] = t;
	}
	assert_string_equal(v[1].name, "good");
	assert_string_equal(v[0].name, "a.example.test");
	assert_int_equal(v[0].n_domains, 2);
	assert_string_equal(v[0].domains[1], "*.a.example.test");
	assert_string_equal(v[0].out_dir, "/etc/acmeup/certs");
	assert_string_equal(v[0].key_type, "p384");
	assert_string_equal(v[0].deploy_hook, "systemctl reload nginx");
	assert_string_equal(v[0].key_mode, "0640");
	assert_null(v[0].server);
	assert_null(v[0].key_owner);
	store_cert_records_free(v, n);
	snprintf(path, sizeof(path), "rm -rf '%s'", top);
	assert_int_equal(system(path), 0);
}

static void
test_missing_dir(void **state)
{
	struct store_cert_record *v = NULL;
	size_t n = 5;

	(void)state;
	assert_int_equal(store_cert_records_load("/nonexistent/acmeup", &v,
	    &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_hostile),
		cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
