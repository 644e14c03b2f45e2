/* dns_txt_add's checks of its records, before any query or UPDATE: a
 * record it refuses leaves nothing to free wrongly (issue 11: the record
 * was cleared uninitialised, a SEGV in ldns_rdf_deep_free under ASan).
 * No network: every record here is refused before routing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "dns_internal.h"

static int
setup(void **state)
{
	struct dns_config cfg;
	struct dns_ctx *ctx = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.resolver = "127.0.0.1";
	if (dns_ctx_new(&cfg, &ctx) != 0)
		return -1;
	*state = ctx;
	return 0;
}

static int
teardown(void **state)
{
	dns_ctx_free(*state);
	return 0;
}

/* "_acme-challenge." + a name of len characters in labels of 63. */
static char *
long_owner(size_t len)
{
	const char *pre = "_acme-challenge.";
	size_t p = strlen(pre), i;
	char *s = malloc(p + len + 1);

	assert_non_null(s);
	memcpy(s, pre, p);
	for (i = 0; i < len; i++)
		s[p + i] = (i % 64 == 63) ? '.' : 'a';
	s[p + len - 1] = 'a';
	s[p + len] = '\0';
	return s;
}

static void
refused(struct dns_ctx *ctx, const char *owner, const char *value)
{
	struct dns_txt t = { owner, value };
	struct dns_set *set = NULL;

	acmeup_err_clear();
	assert_int_equal(dns_txt_add(ctx, NULL, &t, 1, &set), ACMEUP_EINVAL);
	assert_null(set);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EINVAL), "TXT record") ||
	    strstr(acmeup_errmsg(ACMEUP_EINVAL), "is not a DNS name"));
}

/* A valid 239-character name makes a 257-octet challenge owner (RFC 1035
 * 2.3.4: 255 at most): refused, no crash. */
static void
test_owner_too_long(void **state)
{
	char *owner = long_owner(239);

	refused(*state, owner, "v");
	free(owner);
	owner = long_owner(5000); /* as a hostile CA could once name it */
	refused(*state, owner, "v");
	free(owner);
}

static void
test_bad_records(void **state)
{
	char value[300];

	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	refused(*state, "_acme-challenge.a.test", value); /* TXT > 255 */
	refused(*state, "_acme-challenge.a.test", "");
	refused(*state, "test", "v");                     /* no parent */
	refused(*state, "a..test", "v");
}

/* The free function takes NULL and a zeroed record. */
static void
test_rec_clear_zeroed(void **state)
{
	struct dns_rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	dns_rec_clear(&r);
	dns_rec_clear(&r);
	dns_rec_clear(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_too_long),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_rec_clear_zeroed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
