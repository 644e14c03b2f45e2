/* libtsig: Knot key files, format detection, keys from memory and the
 * nsupdate -y form. (BIND key files: test_tsig_key.c.)
 */
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

#include "tsig.h"
#include "tsig_int.h"

static char err[512];

/* `keymgr -t acmeup-test` (Knot 3.2), verbatim: the comment repeats the
 * secret in nsupdate's form. */
static const char keymgr_out[] =
	"# hmac-sha256:acmeup-test:d2pjS1FcS1uLgekIiEfIHlRx2a7fq3lKJ2Ecnu6o"
	"sJ8=\n"
	"key:\n"
	"  - id: acmeup-test\n"
	"    algorithm: hmac-sha256\n"
	"    secret: d2pjS1FcS1uLgekIiEfIHlRx2a7fq3lKJ2Ecnu6osJ8=\n";

/* A knot.conf: other sections (one with a `key:` item of its own), two
 * key sections, the dash at column 0 and further in, quoted ids, comments
 * everywhere, a comment item, CRLF line ends. knotc conf-check accepts
 * it. */
static const char knot_conf[] =
	"# knot.conf\n"
	"server:\n"
	"    listen: [ 127.0.0.1@53, ::1@53 ]\n"
	"    # key: in a comment\n"
	"\n"
	"key:\n"
	"- id: \"Alpha.Example.\"   # quoted, odd case\n"
	"  algorithm: hmac-sha224\n"
	"  secret: c2VjcmV0LWFscGhh\n"
	"  comment: \"first key\"\n"
	"-   id: beta\r\n"
	"    secret: \"c2VjcmV0LWJldGE=\"\r\n"
	"    algorithm: HMAC-SHA384\r\n"
	"\n"
	"acl:\n"
	"  - id: update\n"
	"    key: beta\n"
	"    action: update\n"
	"key:\n"
	"  -     id: gamma\n"
	"        # a comment line inside\n"
	"        algorithm: hmac-md5\n"
	"        secret: c2VjcmV0LWdhbW1h\n"
	"zone:\n"
	"  - domain: knot.test\n"
	"    acl: update\n";

static void
check_secret(const struct tsig_key *key, const char *plain)
{
	assert_int_equal(key->secret_len, strlen(plain));
	assert_memory_equal(key->secret, plain, strlen(plain));
}

/* Parses text as file "k.yaml" and selects name. */
static int
parse(const char *text, const char *name, struct tsig_key **key)
{
	err[0] = '\0';
	return tsig_key_parse(text, strlen(text), "k.yaml", name, key, err,
	                      sizeof(err));
}

/* Parsing must fail with rc and an err starting "k.yaml:line: " (line 0:
 * "k.yaml: ") that contains what and never the text "c2VjcmV0" (the
 * base64 of "secret" that the bad inputs use). */
static void
parse_fails(const char *text, const char *name, int rc, int line,
            const char *what)
{
	struct tsig_key *key = NULL;
	char prefix[64];

	assert_int_equal(parse(text, name, &key), rc);
	assert_null(key);
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "k.yaml:%d: ", line);
	else
		snprintf(prefix, sizeof(prefix), "k.yaml: ");
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, what) == NULL || strstr(err, "c2VjcmV0") != NULL)
		fail_msg("err \"%s\" lacks \"%s\" or \"%s\", or shows the "
		         "secret", err, prefix, what);
}

static void
test_keymgr(void **state)
{
	struct tsig_key *key = NULL;
	char dir[] = "/tmp/tsig-knot-XXXXXX", path[64];
	FILE *f;

	(void)state;
	assert_int_equal(parse(keymgr_out, NULL, &key), 0);
	assert_string_equal(tsig_key_name(key), "acmeup-test");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha256");
	assert_int_equal(key->secret_len, 32);
	assert_int_equal(key->secret[0], 0x77);
	tsig_key_free(key);
	key = NULL;
	/* the same from a file */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(keymgr_out, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tsig_key_load(path, "ACMEUP-TEST.", &key, err,
	                               sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "acmeup-test");
	tsig_key_free(key);
	unlink(path);
	rmdir(dir);
}

static void
test_knot_conf(void **state)
{
	struct tsig_key *key = NULL;

	(void)state;
	assert_int_equal(parse(knot_conf, "alpha.example", &key), 0);
	assert_string_equal(tsig_key_name(key), "alpha.example");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha224");
	check_secret(key, "secret-alpha");
	tsig_key_free(key);
	assert_int_equal(parse(knot_conf, "beta", &key), 0);
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha384");
	check_secret(key, "secret-beta");
	tsig_key_free(key);
	assert_int_equal(parse(knot_conf, "gamma.", &key), 0);
	assert_string_equal(tsig_key_algorithm(key), "hmac-md5");
	check_secret(key, "secret-gamma");
	tsig_key_free(key);
	parse_fails(knot_conf, NULL, TSIG_ENOTFOUND, 0,
	            "holds 3 keys (alpha.example, beta, gamma)");
	parse_fails(knot_conf, "update", TSIG_ENOTFOUND, 0,
	            "no key \"update\" in the file");
	parse_fails("server:\n  listen: 127.0.0.1@53\n", NULL, TSIG_ENOTFOUND,
	            0, "no TSIG key found (expected a key: section");
	parse_fails("key:\n", NULL, TSIG_ENOTFOUND, 0, "no TSIG key found");
}

static void
test_knot_errors(void **state)
{
	(void)state;
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha3\n", NULL,
	            TSIG_EALG, 3, "key \"k\": unknown algorithm \"hmac-sha3\" "
	            "(expected one of hmac-md5");
	parse_fails("key:\n  - id: k\n    algorithm: c2VjcmV0\n", NULL,
	            TSIG_EALG, 3, "key \"k\": unknown algorithm (expected");
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha1\n"
	            "    secret: c2VjcmV0*\n", NULL, TSIG_ESYNTAX, 4,
	            "key \"k\": secret is not valid base64");
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha1\n\n", NULL,
	            TSIG_ESYNTAX, 2, "key \"k\" has no secret");
	parse_fails("key:\n  - id: k\n    secret: c2VjcmV0\n  - id: l\n", NULL,
	            TSIG_ESYNTAX, 2, "key \"k\" has no algorithm");
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha1\n"
	            "    secret: c2VjcmV0\n    secret: c2VjcmV0\n", NULL,
	            TSIG_ESYNTAX, 5, "key \"k\" has a second secret");
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha1\n"
	            "    secret: c2VjcmV0\nkey:\n  - id: K.\n", NULL,
	            TSIG_ESYNTAX, 6, "duplicate key \"k\" (first defined at "
	            "line 2)");
	parse_fails("key:\n  - algorithm: hmac-sha1\n    id: k\n", NULL,
	            TSIG_ESYNTAX, 2, "expected 'id: NAME' first in a key, "
	            "found 'algorithm:'");
	parse_fails("key:\n  - id: k\n    id: l\n", NULL, TSIG_ESYNTAX, 3,
	            "key \"k\" has a second id");
	parse_fails("key:\n  - id: k\n    algoritm: hmac-sha1\n", NULL,
	            TSIG_ESYNTAX, 3, "key \"k\": expected 'algorithm:', "
	            "'secret:' or 'comment:', found 'algoritm:'");
	parse_fails("key:\n  - id: k\n    c2VjcmV0: x\n", NULL, TSIG_ESYNTAX,
	            3, "found an item that is no keyword");
	parse_fails("key:\n  - id: k\n    secret:\n      c2VjcmV0\n", NULL,
	            TSIG_ESYNTAX, 3, "expected a value after 'secret:'");
	parse_fails("key:\n  - id: k\n    c2VjcmV0\n", NULL, TSIG_ESYNTAX, 3,
	            "expected 'name: value'");
	parse_fails("key:\n  - id: k\n      algorithm: hmac-sha1\n", NULL,
	            TSIG_ESYNTAX, 3, "indentation differs from the key's "
	            "first item");
	parse_fails("key:\n\t- id: k\n", NULL, TSIG_ESYNTAX, 2,
	            "tab in the indentation");
	parse_fails("key:\n  id: k\n", NULL, TSIG_ESYNTAX, 2,
	            "expected '- id: NAME' to start a key");
	parse_fails("key:\n  -\n    id: k\n", NULL, TSIG_ESYNTAX, 2,
	            "expected '- id: NAME', found '-' alone");
	parse_fails("key: [ k ]\n", NULL, TSIG_ESYNTAX, 1,
	            "expected the keys on the lines after 'key:'");
	parse_fails("key:\n  - id: \"k\n", NULL, TSIG_ESYNTAX, 2,
	            "quoted value not closed");
	parse_fails("key:\n  - id: a..b\n", NULL, TSIG_ESYNTAX, 2,
	            "key name \"a..b\" is not a valid domain name");
	parse_fails("key:\n  - id: \"Alpha.E..\"\n", NULL, TSIG_ESYNTAX, 2,
	            "key name \"Alpha.E..\" is not a valid domain name");
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha1\n"
	            "    secret: c2VjcmV0\nkey\n", NULL, TSIG_ESYNTAX, 5,
	            "expected a section such as 'key:'");
	parse_fails("key:\n  - id: k\n    algorithm: hmac-sha1\n"
	            "key:\n", NULL, TSIG_ESYNTAX, 2, "key \"k\" has no secret");
}

/* What decides the format is the first statement, after comments. */
static void
test_detection(void **state)
{
	struct tsig_key *key = NULL;

	(void)state;
	assert_int_equal(parse("// BIND\n/* key: */\n# x\nkey \"k\" { "
	                       "algorithm hmac-sha1; secret \"c2VjcmV0\"; };",
	                       NULL, &key), 0);
	tsig_key_free(key);
	assert_int_equal(parse("\n# a: b\nkey :\n  - id: k\n    algorithm: "
	                       "hmac-sha1\n    secret: c2VjcmV0", NULL, &key),
	                 0);
	assert_string_equal(tsig_key_name(key), "k");
	tsig_key_free(key);
	/* a BIND statement is never `word:` */
	parse_fails("key k: { };\n", NULL, TSIG_ESYNTAX, 1,
	            "key \"k:\" has no algorithm");
}

/* Text from memory: not NUL-terminated, NUL bytes, empty, too large. */
static void
test_buffer(void **state)
{
	struct tsig_key *key = NULL;
	size_t n = strlen(keymgr_out);
	char *exact = malloc(n), *big;

	(void)state;
	assert_non_null(exact);
	memcpy(exact, keymgr_out, n);
	assert_int_equal(tsig_key_parse(exact, n, NULL, NULL, &key, err,
	                                sizeof(err)), 0);
	tsig_key_free(key);
	key = NULL;
	exact[n - 20] = '\0';
	assert_int_equal(tsig_key_parse(exact, n, NULL, NULL, &key, err,
	                                sizeof(err)), TSIG_ESYNTAX);
	assert_string_equal(err, "key:5: NUL byte: not a text key file");
	free(exact);
	assert_int_equal(tsig_key_parse("key k {\0", 8, "b", NULL, &key, err,
	                                sizeof(err)), TSIG_ESYNTAX);
	assert_string_equal(err, "b:1: NUL byte: not a text key file");
	/* these used to loop for ever in the BIND lexer */
	assert_int_equal(tsig_key_parse("options \0;", 10, "b", NULL, &key,
	                                err, sizeof(err)), TSIG_ESYNTAX);
	assert_int_equal(tsig_key_parse("\n\0", 2, "b", NULL, &key, err,
	                                sizeof(err)), TSIG_ESYNTAX);
	assert_string_equal(err, "b:2: NUL byte: not a text key file");
	assert_int_equal(tsig_key_parse(NULL, 0, "e", NULL, &key, err,
	                                sizeof(err)), TSIG_ENOTFOUND);
	assert_int_equal(tsig_key_parse(NULL, 1, "e", NULL, &key, NULL, 0),
	                 TSIG_EINVAL);
	big = calloc(1, 1024 * 1024 + 1);
	assert_non_null(big);
	assert_int_equal(tsig_key_parse(big, 1024 * 1024 + 1, "big", NULL,
	                                &key, err, sizeof(err)), TSIG_EINVAL);
	assert_non_null(strstr(err, "larger than 1 MiB"));
	free(big);
	assert_null(key);
}

/* -y fails with rc and err containing what, never the secret. */
static void
arg_fails(const char *arg, int rc, const char *what)
{
	struct tsig_key *key = NULL;

	err[0] = '\0';
	assert_int_equal(tsig_key_from_arg(arg, &key, err, sizeof(err)), rc);
	assert_null(key);
	if (strstr(err, what) == NULL || strstr(err, "c2Vj") != NULL)
		fail_msg("err \"%s\" lacks \"%s\" or shows the secret", err,
		         what);
}

static void
test_arg(void **state)
{
	struct tsig_key *key = NULL;
	char longname[300];

	(void)state;
	/* no algorithm: hmac-sha256 (not nsupdate's hmac-md5) */
	assert_int_equal(tsig_key_from_arg("k:c2VjcmV0", &key, err,
	                                   sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "k");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha256");
	check_secret(key, "secret");
	tsig_key_free(key);
	assert_int_equal(tsig_key_from_arg("HMAC-SHA512:Update.Key.:c2VjcmV0",
	                                   &key, err, sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "update.key");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha512");
	tsig_key_free(key);
	assert_int_equal(tsig_key_from_arg("hmac-md5.sig-alg.reg.int:k:"
	                                   "c2VjcmV0", &key, err, sizeof(err)),
	                 0);
	assert_string_equal(tsig_key_algorithm(key), "hmac-md5");
	tsig_key_free(key);
	key = NULL;
	arg_fails("c2VjcmV0", TSIG_EINVAL, "expected [algorithm:]name:secret, "
	          "found no ':'");
	arg_fails(":c2VjcmV0", TSIG_EINVAL, "found no name");
	arg_fails("hmac-sha1::c2VjcmV0", TSIG_EINVAL, "found no name");
	arg_fails("k:", TSIG_EINVAL, "TSIG key \"k\": expected "
	          "[algorithm:]name:secret, found no secret");
	arg_fails("hmac-sha3:k:c2VjcmV0", TSIG_EALG,
	          "unknown algorithm \"hmac-sha3\"");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	longname[100] = ':';
	longname[102] = ':';
	arg_fails(longname, TSIG_EALG, "unknown algorithm (expected one of");
	longname[100] = 'a';
	longname[102] = 'a';
	longname[290] = ':';
	arg_fails(longname, TSIG_EINVAL, "a name longer than 255 characters");
	arg_fails("k:hmac-sha256:c2VjcmV0", TSIG_EINVAL, "\"hmac-sha256\" is "
	          "an algorithm, not a key name");
	arg_fails("hmac-sha256:c2VjcmV0", TSIG_EINVAL, "\"hmac-sha256\" is an "
	          "algorithm, not a key name");
	arg_fails("k:c2VjcmV0*", TSIG_EINVAL, "secret is not valid base64");
	arg_fails("k:l:c2VjcmV0", TSIG_EALG, "TSIG key \"l\": unknown "
	          "algorithm (expected one of");
	arg_fails("c2VjcmV0:l:bmFtZQ==", TSIG_EALG, "TSIG key \"l\": unknown "
	          "algorithm (expected one of");
	arg_fails("a b:c2VjcmV0", TSIG_EINVAL, "is not a valid domain name");
	assert_int_equal(tsig_key_from_arg(NULL, &key, NULL, 0), TSIG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keymgr),
		cmocka_unit_test(test_knot_conf),
		cmocka_unit_test(test_knot_errors),
		cmocka_unit_test(test_detection),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
