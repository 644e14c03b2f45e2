/* acmeup.conf parser: a full example, and every error names file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "acmeup/error.h"

static const char example[] =
    "# global defaults\n"
    "server https://ca.example/dir\n"
    "email pki@contoso.test ops@contoso.test\n"
    "agree-tos yes\n"
    "renew-before 30d; propagation-timeout 2m\n"
    "\n"
    "zone acme-challenges.contoso.test {\n"
    "    server ns1.contoso.test:5353   # hidden primary\n"
    "    tsig-key \"/etc/acmeup/acme key.key\"\n"
    "    skip-server 192.0.2.1 2001:db8::1\n"
    "}\n"
    "cert intranet {\n"
    "\tdomains intranet.contoso.test *.intranet.contoso.test\n"
    "\tdeploy-hook \"systemctl reload \\\"nginx\\\"\"\n"
    "}\n"
    "ttl 10";

static void
test_example(void **state)
{
	struct config *cfg = NULL;
	const struct config_item *it;
	unsigned secs = 0;

	(void)state;
	assert_int_equal(config_parse("t.conf", example, strlen(example), &cfg),
	    0);
	assert_int_equal(cfg->n_globals, 6);
	it = config_get(cfg, NULL, "email");
	assert_int_equal(it->n_values, 2);
	assert_string_equal(it->values[1], "ops@contoso.test");
	assert_int_equal(it->line, 3);
	it = config_get(cfg, NULL, "propagation-timeout");
	assert_int_equal(config_seconds(it->values[0], &secs), 0);
	assert_int_equal(secs, 120);
	assert_int_equal(cfg->n_blocks, 2);
	assert_string_equal(cfg->blocks[0].type, "zone");
	assert_string_equal(cfg->blocks[0].name, "acme-challenges.contoso.test");
	it = config_get(cfg, &cfg->blocks[0], "tsig-key");
	assert_string_equal(it->values[0], "/etc/acmeup/acme key.key");
	it = config_get(cfg, &cfg->blocks[0], "server");
	assert_string_equal(it->values[0], "ns1.contoso.test:5353");
	it = config_get(cfg, &cfg->blocks[1], "deploy-hook");
	assert_string_equal(it->values[0], "systemctl reload \"nginx\"");
	it = config_get(cfg, &cfg->blocks[1], "domains");
	assert_string_equal(it->values[1], "*.intranet.contoso.test");
	assert_non_null(config_get(cfg, NULL, "ttl"));
	config_free(cfg);
}

struct bad {
	const char *text;
	const char *error;
};

static const struct bad bad[] = {
	{ "serverr https://x\n", "c.conf:1: unknown setting 'serverr' (did you "
	  "mean 'server'?)" },
	{ "\n\nfrobnicate 1\n", "c.conf:3: unknown setting 'frobnicate'" },
	{ "domains a.test\n", "c.conf:1: domains does not belong outside a "
	  "block (it goes in a cert block)" },
	{ "zone z.test {\n domains a\n}\n", "c.conf:2: domains does not belong "
	  "in a zone block" },
	{ "server\n", "c.conf:1: server: a value is missing" },
	{ "server a b\n", "c.conf:1: server takes one value, not 2" },
	{ "agree-tos maybe\n", "c.conf:1: agree-tos: 'maybe' is not yes or no" },
	{ "ttl 10x\n", "c.conf:1: ttl: '10x' is not a duration" },
	{ "jobs 4h\n", "c.conf:1: jobs: '4h' is not a whole number" },
	{ "server \"https://x\n", "c.conf:1: unterminated quoted string" },
	{ "zone z.test {\nserver a\n", "c.conf:1: zone z.test is not closed" },
	{ "}\n", "c.conf:1: '}' without an open block" },
	{ "zone a {\ncert b {\n", "c.conf:2: blocks do not nest: close 'zone a' "
	  "(line 1) first" },
	{ "cert a {\ndomains x\n}\ncert A {\ndomains y\n}\n", "c.conf:4: cert A "
	  "is defined twice (first at line 1)" },
	{ "cert a {\nkey-type rsa-2048\n}\n", "c.conf:1: cert a has no "
	  "'domains'" },
	{ "view x {\n}\n", "c.conf:1: unknown block 'view'" },
	{ "zone {\n}\n", "c.conf:1: zone needs exactly one name before '{'" },
	{ "server { x\n", "c.conf:1: '{' must end a block's header line" },
	/* the DNS engine has one TTL and one propagation bound per run */
	{ "zone z.test {\n ttl 10\n}\n", "c.conf:2: ttl does not belong in a "
	  "zone block (it goes outside any block)" },
	{ "zone z.test {\n propagation-timeout 10\n}\n", "c.conf:2: "
	  "propagation-timeout does not belong in a zone block" },
	{ "cert a {\n domains a.test\n alias-to b.test\n}\n", "c.conf:3: "
	  "alias-to does not belong in a cert block (it goes in a zone block)" },
	{ "wait-rate-limit soon\n", "c.conf:1: wait-rate-limit: 'soon' is not "
	  "a duration" },
};

static void
test_errors(void **state)
{
	struct config *cfg = NULL;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		acmeup_err_clear();
		rc = config_parse("c.conf", bad[i].text, strlen(bad[i].text),
		    &cfg);
		assert_int_equal(rc, ACMEUP_EINVAL);
		assert_null(cfg);
		if (strncmp(acmeup_errmsg(rc), bad[i].error,
		    strlen(bad[i].error)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i,
			    acmeup_errmsg(rc), bad[i].error);
	}
}

/* Every problem of a file is found in one reading: the error counts them. */
static void
test_all_problems(void **state)
{
	const char *text = "frobnicate yes\nttl soon\ncert a {\n  bogus 1\n"
	    "}\ncert a {\n  domains a.example\n}\n";
	struct config *cfg = NULL;
	int rc;

	(void)state;
	acmeup_err_clear();
	rc = config_parse("c.conf", text, strlen(text), &cfg);
	assert_int_equal(rc, ACMEUP_EINVAL);
	assert_null(cfg);
	assert_string_equal(acmeup_errmsg(rc),
	    "c.conf: 5 problems (each said above)");
}

static void
test_durations(void **state)
{
	unsigned s = 0;

	(void)state;
	assert_int_equal(config_seconds("90", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(config_seconds("15m", &s), 0);
	assert_int_equal(s, 900);
	assert_int_equal(config_seconds("30d", &s), 0);
	assert_int_equal(s, 2592000);
	assert_int_not_equal(config_seconds("-1", &s), 0);
	assert_int_not_equal(config_seconds("", &s), 0);
	assert_int_not_equal(config_seconds("1dd", &s), 0);
	assert_int_not_equal(config_seconds("99999999999d", &s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_problems),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
