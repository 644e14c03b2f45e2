/* Cert specs and the configuration's globals: the command line over the
 * cert block over the globals over the defaults, and every error naming
 * file:line: setting. No files, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/certspec.h"
#include "cli.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "cli_internal.h"

static const char conf[] =
    "key-type p384\n"
    "out /g\n"
    "renew-before 20d\n"
    "reuse-key yes\n"
    "deploy-hook \"global hook\"\n"
    "cert a {\n"
    "  domains A.test *.a.test.\n"
    "  key-type rsa2048\n"
    "  out /c\n"
    "  reuse-key no\n"
    "  profile short\n"
    "}\n"
    "cert b {\n"
    "  domains b.test\n"
    "}\n";

/* argv from a NULL-terminated list; parse, apply text as c.conf, load. */
static int
load(const char *text, const char **argv, struct config **cfg,
     struct opts *o, struct certspec_list *l)
{
	int argc = 0, rc;

	while (argv[argc] != NULL)
		argc++;
	*cfg = NULL;
	acmeup_err_clear();
	rc = cli_parse(argc, (char **)argv, o);
	if (rc == 0 && text != NULL)
		rc = config_parse("c.conf", text, strlen(text), cfg);
	if (rc == 0 && *cfg != NULL)
		rc = config_apply(*cfg, o);
	o->config = *cfg;
	if (rc == 0 && l != NULL)
		rc = certspec_load(o, *cfg, l);
	return rc;
}

static void
test_precedence_file(void **state)
{
	const char *argv[] = { "acmeup", "renew", NULL };
	struct certspec_list l = { 0 };
	struct config *cfg;
	struct opts o;

	(void)state;
	assert_int_equal(load(conf, argv, &cfg, &o, &l), 0);
	assert_int_equal(l.n, 2);
	/* cert a: its block wins over the globals */
	assert_string_equal(l.specs[0].name, "a");
	assert_int_equal(l.specs[0].n_domains, 2);
	assert_string_equal(l.specs[0].domains[0], "a.test");
	assert_string_equal(l.specs[0].domains[1], "*.a.test");
	assert_int_equal(l.specs[0].key_type, CRYPTO_KEY_RSA2048);
	assert_string_equal(l.specs[0].out_dir, "/c");
	assert_int_equal(l.specs[0].reuse_key, 0);
	assert_string_equal(l.specs[0].profile, "short");
	assert_int_equal(l.specs[0].line, 6);
	/* globals where the block says nothing */
	assert_int_equal(l.specs[0].renew_before, 20 * 86400);
	assert_string_equal(l.specs[0].deploy_hook, "global hook");
	/* cert b: globals only, defaults under them */
	assert_int_equal(l.specs[1].key_type, CRYPTO_KEY_P384);
	assert_string_equal(l.specs[1].out_dir, "/g");
	assert_int_equal(l.specs[1].reuse_key, 1);
	assert_null(l.specs[1].profile);
	assert_null(l.specs[1].preferred_chain);
	certspec_free(&l);
	config_free(cfg);
}

static void
test_precedence_cli(void **state)
{
	const char *argv[] = { "acmeup", "renew", "B", "--key-type", "p256",
	    "--out", "/cli", "--renew-before", "5d", "--deploy-hook", "cli",
	    NULL };
	const char *argv2[] = { "acmeup", "renew", "a", "--reuse-key", NULL };
	struct certspec_list l = { 0 };
	struct config *cfg;
	struct opts o;

	(void)state;
	assert_int_equal(load(conf, argv, &cfg, &o, &l), 0);
	assert_int_equal(l.n, 1); /* only the one named (any case) */
	assert_string_equal(l.specs[0].name, "b");
	assert_int_equal(l.specs[0].key_type, CRYPTO_KEY_P256);
	assert_string_equal(l.specs[0].out_dir, "/cli");
	assert_int_equal(l.specs[0].renew_before, 5 * 86400);
	assert_string_equal(l.specs[0].deploy_hook, "cli");
	certspec_free(&l);
	config_free(cfg);
	assert_int_equal(load(conf, argv2, &cfg, &o, &l), 0);
	assert_int_equal(l.specs[0].reuse_key, 1); /* over the block's no */
	assert_int_equal(l.specs[0].key_type, CRYPTO_KEY_RSA2048);
	certspec_free(&l);
	config_free(cfg);
}

static void
test_domains_spec(void **state)
{
	const char *argv[] = { "acmeup", "issue", "-d", "*.W.test", "-d",
	    "w.test", NULL };
	const char *argv2[] = { "acmeup", "issue", "-d", "x.test",
	    "--cert-name", "web", NULL };
	struct certspec_list l = { 0 };
	struct config *cfg;
	struct opts o;

	(void)state;
	/* no file: the built-in defaults */
	assert_int_equal(load(NULL, argv, &cfg, &o, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.specs[0].name, "_.w.test");
	assert_string_equal(l.specs[0].domains[0], "*.w.test");
	assert_int_equal(l.specs[0].key_type, CRYPTO_KEY_P256);
	assert_string_equal(l.specs[0].out_dir, "/etc/acmeup/certs");
	assert_int_equal(l.specs[0].renew_before, 0);
	assert_null(l.specs[0].deploy_hook);
	assert_int_equal(l.specs[0].line, 0);
	certspec_free(&l);
	/* -d with a file: its globals, not its cert blocks */
	assert_int_equal(load(conf, argv2, &cfg, &o, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.specs[0].name, "web");
	assert_int_equal(l.specs[0].key_type, CRYPTO_KEY_P384);
	assert_string_equal(l.specs[0].out_dir, "/g");
	certspec_free(&l);
	config_free(cfg);
}

struct bad {
	const char *text;
	const char *args[8];
	const char *error;
};

static const struct bad bad[] = {
	{ conf, { "renew", "zz" }, "c.conf: no certificate 'zz'" },
	{ conf, { "renew", "a", "A" }, "certificate 'A' is named twice" },
	{ conf, { "issue", "-d", "x.test", "a" }, "give names with -d or "
	  "certificates of the configuration ('a'), not both" },
	{ conf, { "renew", "--cert-name", "x" }, "--cert-name goes with -d" },
	{ "cert a {\n domains x.test\n key-type dsa\n}\n", { "renew" },
	  "c.conf:3: key-type: " },
	{ "cert a {\n domains \"a b.test\"\n}\n", { "renew" }, "c.conf:2: "
	  "domains: 'a b.test' is not a DNS name (character 2: a label holds "
	  "only letters, digits and '-'" },
	{ "cert a {\n domains x.test X.test.\n}\n", { "renew" }, "c.conf:2: "
	  "domains: x.test is listed twice" },
	{ "cert a {\n domains x.test\n renew-before 0\n}\n", { "renew" },
	  "c.conf:3: renew-before: '0' must be more than 0 seconds" },
	{ "cert a* {\n domains x.test\n}\ncert a_ {\n domains y.test\n}\n",
	  { "renew" }, "certificates at lines 1 and 4 would share the "
	  "directory /etc/acmeup/certs/a_" },
	{ "cert .. {\n domains x.test\n}\n", { "renew" }, "c.conf:1: cert ..: "
	  "'..' cannot be a certificate name" },
	{ NULL, { "issue", "-d", "x..test" }, "-d: 'x..test' is not a DNS "
	  "name" },
	/* globals, checked as the options are */
	{ "\nkey-type ed448\n", { "list" }, "c.conf:2: key-type: " },
	{ "ttl 2d\n", { "list" }, "c.conf:1: ttl: '2d' is out of range (0 to "
	  "86400 seconds)" },
	{ "propagation-timeout 0\n", { "list" }, "c.conf:1: "
	  "propagation-timeout: '0' is out of range (1 to 3600 seconds)" },
	{ "jobs 0\n", { "list" }, "c.conf:1: jobs: '0' is out of range (1 to "
	  "1000)" },
	{ "eab-alg HS1\n", { "list" }, "c.conf:1: eab-alg: 'HS1' is not "
	  "HS256" },
	{ "account-key-type rsa1024\n", { "list" }, "c.conf:1: "
	  "account-key-type: " },
};

static void
test_errors(void **state)
{
	const char *argv[10];
	struct certspec_list l = { 0 };
	struct config *cfg;
	struct opts o;
	size_t i, j;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = "acmeup";
		for (j = 0; bad[i].args[j] != NULL; j++)
			argv[j + 1] = bad[i].args[j];
		argv[j + 1] = NULL;
		l.n = 99;
		acmeup_err_clear();
		rc = load(bad[i].text, argv, &cfg, &o, &l);
		if (rc != ACMEUP_EUSAGE)
			fail_msg("case %zu: rc %d (%s)", i, rc,
			    acmeup_errmsg(rc));
		assert_int_equal(l.n, 99); /* untouched on failure */
		if (strncmp(acmeup_errmsg(rc), bad[i].error,
		    strlen(bad[i].error)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i,
			    acmeup_errmsg(rc), bad[i].error);
		config_free(cfg);
	}
}

static void
test_apply(void **state)
{
	static const char text[] =
	    "server https://file/dir\n"
	    "email a@x.test b@x.test\n"
	    "tsig-key /k.key\n"
	    "tsig-key-name k1\n"
	    "propagation-timeout 2m\n"
	    "agree-tos yes\n"
	    "skip-server 192.0.2.1 192.0.2.2\n"
	    "jobs 20\n"
	    "state-dir /s\n";
	const char *argv[] = { "acmeup", "issue", "-c", "x.conf", "--server",
	    "https://cli/dir", "-j", "3", NULL };
	char secret[] = "k2:c2VjcmV0"; /* writable: cli_parse overwrites it */
	const char *argv2[] = { "acmeup", "issue", "--email", "c@x.test", "-y",
	    secret, NULL };
	struct config *cfg;
	struct opts o;

	(void)state;
	assert_int_equal(load(text, argv, &cfg, &o, NULL), 0);
	assert_true(cli_given(&o, "config")); /* -c counts as --config */
	assert_true(cli_given(&o, "server"));
	assert_false(cli_given(&o, "email"));
	assert_string_equal(o.server, "https://cli/dir");
	assert_int_equal(o.jobs, 3);
	assert_int_equal(o.n_emails, 2);
	assert_string_equal(o.email, "a@x.test");
	assert_string_equal(o.emails[1], "b@x.test");
	assert_string_equal(o.tsig_key, "/k.key");
	assert_int_equal(o.propagation_timeout_ms, 120000);
	assert_int_equal(o.agree_tos, 1);
	assert_int_equal(o.n_skip_servers, 2);
	assert_string_equal(o.state_dir, "/s");
	config_free(cfg);
	/* the command line's list replaces the file's; -y replaces its key */
	assert_int_equal(load(text, argv2, &cfg, &o, NULL), 0);
	assert_int_equal(o.n_emails, 1);
	assert_string_equal(o.email, "c@x.test");
	assert_null(o.tsig_key);
	assert_null(o.tsig_key_name);
	assert_int_equal(o.jobs, 20);
	/* the secret is kept, its argv bytes are gone (/proc/PID/cmdline) */
	assert_string_equal(o.tsig_secret, "k2:c2VjcmV0");
	assert_string_equal(secret, "***********");
	cli_clear(&o);
	assert_null(o.tsig_secret);
	config_free(cfg);
}

/* --eab-hmac-key: copied, argv overwritten in each spelling; the command
 * line's key or key file replaces the file's, both at once is an error. */
static void
test_eab_key_sources(void **state)
{
	const char *text = "eab-kid kid-1\neab-hmac-key-file /nonexistent\n";
	char k1[] = "--eab-hmac-key=c2VjcmV0", k2[] = "c2VjcmV0";
	const char *argv1[] = { "acmeup", "issue", k1, NULL };
	const char *argv2[] = { "acmeup", "issue", "--eab-hmac-key", k2, NULL };
	const char *argv3[] = { "acmeup", "issue", "--eab-hmac-key-file",
	    "/k", NULL };
	const char *text2 = "eab-hmac-key c2VjcmV0\n";
	struct config *cfg;
	struct opts o;

	(void)state;
	assert_int_equal(load(text, argv1, &cfg, &o, NULL), 0);
	assert_string_equal(o.eab_hmac_key, "c2VjcmV0");
	assert_null(o.eab_hmac_key_file); /* the file's is replaced */
	assert_string_equal(k1, "--eab-hmac-key=********");
	assert_int_equal(cli_load_secrets(&o), 0);
	cli_clear(&o);
	config_free(cfg);
	assert_int_equal(load(NULL, argv2, &cfg, &o, NULL), 0);
	assert_string_equal(k2, "********");
	cli_clear(&o);
	assert_int_equal(load(text2, argv3, &cfg, &o, NULL), 0);
	assert_null(o.eab_hmac_key); /* the file's key is replaced */
	assert_string_equal(o.eab_hmac_key_file, "/k");
	acmeup_err_clear();
	assert_int_equal(cli_load_secrets(&o), ACMEUP_EUSAGE); /* no /k */
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "/k"));
	cli_clear(&o);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence_file),
		cmocka_unit_test(test_precedence_cli),
		cmocka_unit_test(test_eab_key_sources),
		cmocka_unit_test(test_domains_spec),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
