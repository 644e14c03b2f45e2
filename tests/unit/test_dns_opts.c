/* Unit tests of the DNS options: the command line's NAME=VALUE options as
 * a struct dns_config (per-zone entries merged, FILE:KEYNAME split), and
 * the context's checks and lookups (zones, keys, aliases, skipped
 * servers). Key files in a temporary directory; no network. */
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

#include "cli.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"
#include "tsig.h"
#include "cli_internal.h"

static char dir[64], key1[128], key2[128];

static void
write_key(const char *path, const char *name)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "key \"%s\" {\n\talgorithm hmac-sha256;\n\tsecret "
	        "\"R3HI8P6BKw9ZwXwN3VZKuQ==\";\n};\n", name);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/acmeup-test-opts.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(key1, sizeof(key1), "%s/update.key", dir);
	snprintf(key2, sizeof(key2), "%s/two.key", dir);
	write_key(key1, "acmeup-update");
	write_key(key2, "acme-other");
	log_init(-1);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
parse(struct opts *o, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return cli_parse(argc, argv, o);
}

static void
test_from_opts(void **state)
{
	char zk[200];
	char *argv[] = { "acmeup", "dns-check", "a.example.test",
	    "--zone-server", "acme-challenges.contoso.test.=ns1.x:5300",
	    "--zone-key", zk, "--zone-key", "knot.test=/k/knot.yaml",
	    "--challenge-alias", "*.wiki.contoso.test=wiki.acme.example.net",
	    "--skip-server", "127.53.0.13", "--tsig-queries", "--ttl", "30",
	    NULL };
	struct dns_config cfg;
	struct opts o;

	(void)state;
	snprintf(zk, sizeof(zk), "ACME-challenges.contoso.test=%s:acme-other",
	         key2);
	assert_int_equal(parse(&o, argv), 0);
	assert_int_equal(o.n_args, 1);
	assert_int_equal(dns_config_from_opts(&o, &cfg), 0);
	/* --zone-server and --zone-key for one zone are one entry */
	assert_int_equal(cfg.n_zones, 2);
	assert_string_equal(cfg.zones[0].zone, "acme-challenges.contoso.test");
	assert_string_equal(cfg.zones[0].server, "ns1.x:5300");
	assert_string_equal(cfg.zones[0].key_file, key2);
	assert_string_equal(cfg.zones[0].key_name, "acme-other");
	assert_string_equal(cfg.zones[1].zone, "knot.test");
	assert_string_equal(cfg.zones[1].key_file, "/k/knot.yaml");
	assert_null(cfg.zones[1].key_name);
	assert_int_equal(cfg.n_aliases, 1);
	assert_string_equal(cfg.aliases[0].name, "*.wiki.contoso.test");
	assert_string_equal(cfg.aliases[0].target, "wiki.acme.example.net");
	assert_int_equal(cfg.n_skip_servers, 1);
	assert_int_equal(cfg.tsig_queries, 1);
	assert_int_equal(cfg.ttl, 30);
	dns_config_clear(&cfg);
	dns_config_clear(NULL);
}

static void
test_bad_opts(void **state)
{
	char *a1[] = { "acmeup", "issue", "--zone-server", "nozone", NULL };
	char *a2[] = { "acmeup", "issue", "--challenge-alias", "=x", NULL };
	struct opts o;

	(void)state;
	acmeup_err_clear();
	assert_int_equal(parse(&o, a1), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "ZONE=HOST"));
	acmeup_err_clear();
	assert_int_equal(parse(&o, a2), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "NAME=TARGET"));
}

static void
test_ctx(void **state)
{
	static const struct dns_zone_cfg zones[] = {
		{ .zone = "acme-challenges.contoso.test", .server = "127.53.0.10:5300" },
		{ .zone = "Acme-Challenges.contoso.test.", .key_file = key2 },
	};
	static const struct dns_alias aliases[] = {
		{ "*.wiki.contoso.test", "wiki.acme.example.net", 0 },
		{ "_acme-challenge.b.test", "b.acme.example.net", 0 },
	};
	static const char *const skip[] = { "127.53.0.13", "[::1]:5300" };
	struct dns_config cfg = { .resolver = "127.0.0.1", .key_file = key1,
	    .zones = zones, .n_zones = 2, .aliases = aliases, .n_aliases = 2,
	    .skip_servers = skip, .n_skip_servers = 2, .tsig_queries = 1 };
	struct dns_ctx *ctx = NULL;
	struct dns_addr a;
	ldns_rdf *apex = dns_name_new("acme-challenges.contoso.test"),
	         *other = dns_name_new("example.test"),
	         *ch = dns_name_new("_acme-challenge.WIKI.contoso.test"),
	         *chb = dns_name_new("_acme-challenge.b.test");
	const char *file = NULL;
	char *t;

	(void)state;
	assert_int_equal(dns_ctx_new(&cfg, &ctx), 0);
	assert_int_equal(ctx->ttl, 10);          /* the default */
	assert_int_equal(ctx->timeout_ms, 120000);
	/* the two entries for one zone merged: server and key */
	assert_int_equal(ctx->nzones, 1);
	assert_string_equal(dns_ctx_zone(ctx, apex)->server, "127.53.0.10:5300");
	assert_string_equal(tsig_key_name(dns_ctx_key(ctx, apex, &file)),
	                    "acme-other");
	assert_string_equal(file, key2);
	assert_string_equal(tsig_key_name(dns_ctx_key(ctx, other, &file)),
	                    "acmeup-update");
	assert_string_equal(file, key1);
	assert_non_null(dns_ctx_query_key(ctx, other));
	/* "*.x" and "_acme-challenge.x" both name _acme-challenge.x */
	t = dns_name_text(dns_ctx_alias(ctx, ch));
	assert_string_equal(t, "wiki.acme.example.net");
	free(t);
	assert_non_null(dns_ctx_alias(ctx, chb));
	assert_null(dns_ctx_alias(ctx, other));
	assert_int_equal(dns_addr_parse("127.53.0.13:53", 53, &a), 0);
	assert_true(dns_ctx_skipped(ctx, NULL, &a));
	assert_int_equal(dns_addr_parse("127.53.0.13:54", 53, &a), 0);
	assert_false(dns_ctx_skipped(ctx, NULL, &a));
	assert_int_equal(dns_addr_parse("[::1]:5300", 53, &a), 0);
	assert_true(dns_ctx_skipped(ctx, NULL, &a));
	dns_ctx_free(ctx);
	ldns_rdf_deep_free(apex);
	ldns_rdf_deep_free(other);
	ldns_rdf_deep_free(ch);
	ldns_rdf_deep_free(chb);
}

static void
test_ctx_errors(void **state)
{
	static const struct dns_alias alias[] = { { "x.test", "", 0 } };
	static const char *const skip[] = { "ns1.example.test" };
	static const struct dns_zone_cfg zone[] = {
		{ .zone = "x.test", .key_file = "/nonexistent/acmeup.key" },
	};
	struct dns_config cfg = { .resolver = "127.0.0.1" };
	struct dns_ctx *ctx = NULL;

	(void)state;
	cfg.aliases = alias;
	cfg.n_aliases = 1;
	acmeup_err_clear();
	assert_int_equal(dns_ctx_new(&cfg, &ctx), ACMEUP_EUSAGE);
	cfg.n_aliases = 0;
	cfg.skip_servers = skip;
	cfg.n_skip_servers = 1;
	acmeup_err_clear();
	assert_int_equal(dns_ctx_new(&cfg, &ctx), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "ns1.example.test"));
	cfg.n_skip_servers = 0;
	cfg.zones = zone;
	cfg.n_zones = 1;
	/* a key file that is not there is a configuration error (exit 2),
	 * found by the check before the CA is asked and by the load */
	acmeup_err_clear();
	assert_int_equal(dns_config_check_inputs(&cfg), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE),
	                       "/nonexistent/acmeup.key"));
	acmeup_err_clear();
	assert_int_equal(dns_ctx_new(&cfg, &ctx), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE),
	                       "/nonexistent/acmeup.key"));
	cfg.n_zones = 0;
	cfg.key_arg = "hmac-sha256:k:!!!";
	acmeup_err_clear();
	assert_int_equal(dns_config_check_inputs(&cfg), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "-y"));
	cfg.key_arg = NULL;
	cfg.update_server = "bad host:x";
	acmeup_err_clear();
	assert_int_equal(dns_config_check_inputs(&cfg), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "bad host:x"));
	cfg.update_server = "[::1]:5353";
	assert_int_equal(dns_config_check_inputs(&cfg), 0);
	cfg.update_server = "ns1.example.test:53";
	assert_int_equal(dns_config_check_inputs(&cfg), 0);
	cfg.update_server = NULL;
	cfg.resolver = "not-an-address";
	acmeup_err_clear();
	assert_int_equal(dns_config_check_inputs(&cfg), ACMEUP_EUSAGE);
	acmeup_err_clear();
	assert_int_equal(dns_ctx_new(&cfg, &ctx), ACMEUP_EUSAGE);
	assert_null(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_opts),
		cmocka_unit_test(test_bad_opts),
		cmocka_unit_test(test_ctx),
		cmocka_unit_test(test_ctx_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
