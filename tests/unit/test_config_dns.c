/* Zone blocks of acmeup.conf as the DNS engine's per-zone settings: update
 * server, key (file, or a name in the global file), alias-to for a whole
 * subtree, skip-server and tsig-queries for one zone; the command line wins
 * per zone. Key files in a temporary directory; no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli.h"
#include "config.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"
#include "tsig.h"
#include "cli_internal.h"

static char dir[64], keys[128], other[128];

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/acmeup-test-cfgdns.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(keys, sizeof(keys), "%s/keys.key", dir);
	snprintf(other, sizeof(other), "%s/other.key", dir);
	f = fopen(keys, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "key \"k1\" {\n\talgorithm hmac-sha256;\n\tsecret "
	    "\"R3HI8P6BKw9ZwXwN3VZKuQ==\";\n};\nkey \"k2\" {\n\talgorithm "
	    "hmac-sha256;\n\tsecret \"UjNISThQNkJLdzlad1h3TjNWWkt1UT09\";\n};\n");
	fclose(f);
	f = fopen(other, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "key \"other\" {\n\talgorithm hmac-sha512;\n\tsecret "
	    "\"R3HI8P6BKw9ZwXwN3VZKuQ==\";\n};\n");
	fclose(f);
	chmod(keys, 0600);
	chmod(other, 0600);
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

/* The file (with %s for the key files) under the command line argv. */
static int
make_ctx(const char *fmt, const char **argv, struct config **cfg,
         struct dns_ctx **ctx)
{
	struct dns_config dc;
	struct opts o;
	char text[2048];
	int argc = 0, rc;

	while (argv[argc] != NULL)
		argc++;
	snprintf(text, sizeof(text), fmt, keys, other);
	*cfg = NULL;
	*ctx = NULL;
	acmeup_err_clear();
	rc = cli_parse(argc, (char **)argv, &o);
	if (rc == 0)
		rc = config_parse("d.conf", text, strlen(text), cfg);
	if (rc == 0)
		rc = config_apply(*cfg, &o);
	o.config = *cfg;
	if (rc == 0)
		rc = dns_config_from_opts(&o, &dc);
	if (rc == 0) {
		rc = dns_ctx_new(&dc, ctx);
		dns_config_clear(&dc);
	}
	return rc;
}

static const char conf[] =
    "tsig-key %s\n"
    "tsig-key-name k1\n"
    "skip-server 192.0.2.9\n"
    "zone acme.contoso.test. {\n"
    "  server 127.53.0.10:5300\n"
    "  tsig-key-name k2\n"
    "  skip-server 192.0.2.1 [::1]:5300\n"
    "  tsig-queries yes\n"
    "}\n"
    "zone other.test {\n"
    "  tsig-key %s\n"
    "}\n"
    "zone intranet.contoso.test {\n"
    "  alias-to _acme-challenge.acme.contoso.test\n"
    "}\n"
    "zone deep.intranet.contoso.test {\n"
    "  alias-to deep.acme.contoso.test\n"
    "}\n";

static void
test_zones(void **state)
{
	const char *argv[] = { "acmeup", "issue", NULL };
	struct config *cfg;
	struct dns_ctx *ctx;
	struct dns_addr a;
	ldns_rdf *acme = dns_name_new("acme.contoso.test"),
	         *oth = dns_name_new("other.test"),
	         *ex = dns_name_new("example.test");

	(void)state;
	assert_int_equal(make_ctx(conf, argv, &cfg, &ctx), 0);
	assert_string_equal(dns_ctx_zone(ctx, acme)->server, "127.53.0.10:5300");
	/* tsig-key-name alone: that key of the global file */
	assert_string_equal(tsig_key_name(dns_ctx_key(ctx, acme, NULL)), "k2");
	assert_string_equal(tsig_key_name(dns_ctx_key(ctx, oth, NULL)), "other");
	assert_string_equal(tsig_key_name(dns_ctx_key(ctx, ex, NULL)), "k1");
	/* tsig-queries for one zone only */
	assert_non_null(dns_ctx_query_key(ctx, acme));
	assert_null(dns_ctx_query_key(ctx, ex));
	/* skip-server: the zone's for that zone, the global for all */
	assert_int_equal(dns_addr_parse("192.0.2.1", 53, &a), 0);
	assert_true(dns_ctx_skipped(ctx, acme, &a));
	assert_false(dns_ctx_skipped(ctx, ex, &a));
	assert_false(dns_ctx_skipped(ctx, NULL, &a));
	assert_int_equal(dns_addr_parse("[::1]:5300", 53, &a), 0);
	assert_true(dns_ctx_skipped(ctx, acme, &a));
	assert_int_equal(dns_addr_parse("192.0.2.9", 53, &a), 0);
	assert_true(dns_ctx_skipped(ctx, ex, &a));
	dns_ctx_free(ctx);
	config_free(cfg);
	ldns_rdf_deep_free(acme);
	ldns_rdf_deep_free(oth);
	ldns_rdf_deep_free(ex);
}

/* alias target of _acme-challenge.NAME, or NULL; caller frees. */
static char *
alias_of(const struct dns_ctx *ctx, const char *name)
{
	char buf[300];
	ldns_rdf *ch;
	const ldns_rdf *t;

	snprintf(buf, sizeof(buf), "_acme-challenge.%s", name);
	ch = dns_name_new(buf);
	t = dns_ctx_alias(ctx, ch);
	ldns_rdf_deep_free(ch);
	return t != NULL ? dns_name_text(t) : NULL;
}

static void
test_alias_subtree(void **state)
{
	const char *argv[] = { "acmeup", "issue", "--challenge-alias",
	    "x.intranet.contoso.test=exact.acme.contoso.test", NULL };
	struct config *cfg;
	struct dns_ctx *ctx;
	char *t;

	(void)state;
	assert_int_equal(make_ctx(conf, argv, &cfg, &ctx), 0);
	/* the zone itself, names below it, wildcards: one target */
	t = alias_of(ctx, "intranet.contoso.test");
	assert_string_equal(t, "_acme-challenge.acme.contoso.test");
	free(t);
	t = alias_of(ctx, "Host1.Intranet.contoso.test");
	assert_string_equal(t, "_acme-challenge.acme.contoso.test");
	free(t);
	/* the deepest block wins; an exact alias wins over any block */
	t = alias_of(ctx, "a.deep.intranet.contoso.test");
	assert_string_equal(t, "deep.acme.contoso.test");
	free(t);
	t = alias_of(ctx, "x.intranet.contoso.test");
	assert_string_equal(t, "exact.acme.contoso.test");
	free(t);
	assert_null(alias_of(ctx, "contoso.test"));
	assert_null(alias_of(ctx, "xintranet.contoso.test"));
	dns_ctx_free(ctx);
	config_free(cfg);
}

static void
test_cli_wins(void **state)
{
	char zk[200];
	const char *argv[] = { "acmeup", "issue", "--zone-server",
	    "acme.contoso.test=127.53.0.11", "--zone-key", zk, NULL };
	struct config *cfg;
	struct dns_ctx *ctx;
	ldns_rdf *acme = dns_name_new("acme.contoso.test");

	(void)state;
	snprintf(zk, sizeof(zk), "acme.contoso.test=%s", other);
	assert_int_equal(make_ctx(conf, argv, &cfg, &ctx), 0);
	assert_string_equal(dns_ctx_zone(ctx, acme)->server, "127.53.0.11");
	assert_string_equal(tsig_key_name(dns_ctx_key(ctx, acme, NULL)),
	    "other");
	/* the zone's other settings stay */
	assert_non_null(dns_ctx_query_key(ctx, acme));
	dns_ctx_free(ctx);
	config_free(cfg);
	ldns_rdf_deep_free(acme);
}

static void
test_errors(void **state)
{
	const char *argv[] = { "acmeup", "issue", NULL };
	struct config *cfg;
	struct dns_ctx *ctx;

	(void)state;
	assert_int_equal(make_ctx("zone z.test {\n  tsig-key-name k1\n}\n",
	    argv, &cfg, &ctx), ACMEUP_EUSAGE);
	assert_string_equal(acmeup_errmsg(ACMEUP_EUSAGE), "d.conf:2: "
	    "tsig-key-name: zone z.test has no tsig-key, and there is no "
	    "global one");
	config_free(cfg);
	assert_int_equal(make_ctx("zone z.test {\n  skip-server ns1.z.test\n"
	    "}\n", argv, &cfg, &ctx), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "zone z.test: "
	    "skip-server \"ns1.z.test\" is not an address"));
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_alias_subtree),
		cmocka_unit_test(test_cli_wins),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
