/* libtsig key files, key parts, names and base64. */
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

static char dir[64];
static char path[128];
static char err[512];

/* `tsig-keygen -a hmac-sha512 k1` (BIND 9.18), verbatim. */
static const char keygen_k1[] =
	"key \"k1\" {\n"
	"\talgorithm hmac-sha512;\n"
	"\tsecret \"GfuoDiQrES8K4CsC1uPnduQQd/iWH49sfYJ1joItFbMofAEpTrpNNVN/"
	"77tgp8thdOr0OsSjRA8Z2CB3NdmMYw==\";\n"
	"};\n";

/* `ddns-confgen -a hmac-sha256 -k upd -z tsig.test` (BIND 9.18), verbatim
 * but for the comment lines after the update-policy. */
static const char confgen_upd[] =
	"# To activate this key, place the following in named.conf, and\n"
	"# in a separate keyfile on the system or systems from which nsupdate\n"
	"# will be run:\n"
	"key \"upd\" {\n"
	"\talgorithm hmac-sha256;\n"
	"\tsecret \"AUZtzeo/Xt/vHjRUw4vF3EZTjlLYyBJOzfeENXjaCDw=\";\n"
	"};\n"
	"\n"
	"# Then, in the \"zone\" definition statement for \"tsig.test\",\n"
	"# place an \"update-policy\" statement like this one, adjusted as \n"
	"# needed for your preferred permissions:\n"
	"update-policy {\n"
	"\t  grant upd zonesub ANY;\n"
	"};\n";

/* Hand-written: every comment style, unquoted and odd-case names, other
 * statements, keys on one line and spread over many. */
static const char several[] =
	"// named.conf fragment\n"
	"/* a comment\n"
	"   over lines { key \"nope\" { }; } */\n"
	"options { directory \"/var/cache/bind\"; listen-on { 127.0.0.1; }; };\n"
	"key alpha { algorithm hmac-sha256; secret \"c2VjcmV0LWFscGhh\"; };\n"
	"# hash comment\n"
	"KEY \"Beta.Example.\"   // trailing comment\n"
	"{\n"
	"\talgorithm\tHMAC-MD5.SIG-ALG.REG.INT.;  # wire name, with dot\n"
	"\tsecret \"c2Vj cmV0 LWJl dGE=\"; /* spaces in base64 */\n"
	"}\n"
	";\n"
	"zone \"tsig.test\" { type primary; file \"x\"; };\n"
	"key gamma{algorithm hmac-sha1;secret c2VjcmV0LWdhbW1h;};";

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tsig-test-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/key.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

static void
check_secret(const struct tsig_key *key, const char *plain)
{
	assert_int_equal(key->secret_len, strlen(plain));
	assert_memory_equal(key->secret, plain, strlen(plain));
}

/* Loading must fail with code rc and an err starting "path:line:" (line 0:
 * just "path:") and containing what. */
static void
load_fails(const char *text, const char *name, int rc, int line,
           const char *what)
{
	struct tsig_key *key = NULL;
	char prefix[192];

	write_file(text);
	err[0] = '\0';
	assert_int_equal(tsig_key_load(path, name, &key, err, sizeof(err)), rc);
	assert_null(key);
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, what) == NULL)
		fail_msg("err \"%s\" lacks \"%s\" or \"%s\"", err, prefix, what);
}

static void
test_keygen_file(void **state)
{
	struct tsig_key *key = NULL;

	(void)state;
	write_file(keygen_k1);
	assert_int_equal(tsig_key_load(path, NULL, &key, err, sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "k1");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha512");
	assert_int_equal(key->secret_len, 64);
	assert_int_equal(key->secret[0], 0x19);
	assert_int_equal(key->secret[63], 0x63);
	assert_int_equal(key->name_wire_len, 4);
	assert_memory_equal(key->name_wire, "\002k1\000", 4);
	tsig_key_free(key);
	key = NULL;
	assert_int_equal(tsig_key_load(path, "K1.", &key, err, sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "k1");
	tsig_key_free(key);
}

static void
test_confgen_file(void **state)
{
	struct tsig_key *key = NULL;

	(void)state;
	write_file(confgen_upd);
	assert_int_equal(tsig_key_load(path, NULL, &key, err, sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "upd");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha256");
	assert_int_equal(key->secret_len, 32);
	tsig_key_free(key);
}

static void
test_several_keys(void **state)
{
	struct tsig_key *key = NULL;

	(void)state;
	write_file(several);
	assert_int_equal(tsig_key_load(path, "alpha", &key, err, sizeof(err)),
	                 0);
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha256");
	check_secret(key, "secret-alpha");
	tsig_key_free(key);
	assert_int_equal(tsig_key_load(path, "BETA.example", &key, err,
	                               sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "beta.example");
	assert_string_equal(tsig_key_algorithm(key), "hmac-md5");
	assert_int_equal(key->alg_wire_len, 26);
	assert_memory_equal(key->alg_wire, "\010hmac-md5\007sig-alg\003reg\003int",
	                    26);
	check_secret(key, "secret-beta");
	tsig_key_free(key);
	assert_int_equal(tsig_key_load(path, "gamma", &key, err, sizeof(err)),
	                 0);
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha1");
	check_secret(key, "secret-gamma");
	tsig_key_free(key);
}

static void
test_selection_errors(void **state)
{
	(void)state;
	load_fails(several, NULL, TSIG_ENOTFOUND, 0,
	           "holds 3 keys (alpha, beta.example, gamma)");
	load_fails(several, "delta", TSIG_ENOTFOUND, 0,
	           "no key \"delta\" in the file (keys: alpha, beta.example, "
	           "gamma)");
	load_fails("# nothing\noptions { };\n", NULL, TSIG_ENOTFOUND, 0,
	           "no TSIG key found (expected a key \"name\" {");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	load_fails("key k {\n algorithm hmac-sha3;\n secret \"AAAA\";\n};\n",
	           NULL, TSIG_EALG, 2, "unknown algorithm \"hmac-sha3\"");
	/* a secret where the algorithm belongs is not shown */
	load_fails("key k {\n algorithm \"c2VjcmV0\";\n};\n", NULL, TSIG_EALG,
	           2, "key \"k\": unknown algorithm (expected one of");
	load_fails("key k {\n algorithm hmac-sha1;\n secret \"AA*A\";\n};\n",
	           NULL, TSIG_ESYNTAX, 3, "secret is not valid base64");
	load_fails("key k {\n algorithm hmac-sha1;\n secret \"AAA\";\n};\n",
	           NULL, TSIG_ESYNTAX, 3, "secret is not valid base64");
	load_fails("\nkey k {\n algorithm hmac-sha1;\n};\n", NULL,
	           TSIG_ESYNTAX, 2, "key \"k\" has no secret");
	load_fails("key k {\n secret \"AAAA\";\n};\n", NULL, TSIG_ESYNTAX, 1,
	           "key \"k\" has no algorithm");
	load_fails("key k { algorithm hmac-sha1; secret \"AAAA\"; };\n"
	           "\n# again\nkey \"K.\" { algorithm hmac-sha1; "
	           "secret \"AAAA\"; };\n", NULL, TSIG_ESYNTAX, 4,
	           "duplicate key \"k\" (first defined at line 1)");
	load_fails("key k { algorithm hmac-sha1 secret \"AAAA\"; };\n", NULL,
	           TSIG_ESYNTAX, 1, "expected ';' after the algorithm, found "
	           "'secret'");
	load_fails("key k { algorithm hmac-sha1; secret \"AAAA\"; }\n", NULL,
	           TSIG_ESYNTAX, 2, "expected ';' after '}', found end of file");
	load_fails("key k {\n algorithm hmac-sha1;\n secret \"AAAA\";\n", NULL,
	           TSIG_ESYNTAX, 4, "expected 'algorithm', 'secret' or '}'");
	load_fails("key k { algorithm hmac-sha1; secrte \"AAAA\"; };", NULL,
	           TSIG_ESYNTAX, 1, "found 'secrte'");
	load_fails("\n\n/* open\n\nkey k { };", NULL, TSIG_ESYNTAX, 3,
	           "comment opened here is never closed");
	load_fails("key \"k { };\n", NULL, TSIG_ESYNTAX, 1,
	           "quoted string opened here is never closed");
	load_fails("key \"a..b\" { };\n", NULL, TSIG_ESYNTAX, 1,
	           "key name \"a..b\" is not a valid domain name");
	/* found by fuzz_tsig_keyfile: was loaded as "a." */
	load_fails("key \"a..\" { };\n", NULL, TSIG_ESYNTAX, 1,
	           "key name \"a..\" is not a valid domain name");
	load_fails("key { };\n", NULL, TSIG_ESYNTAX, 1,
	           "expected a key name after 'key', found '{'");
	load_fails("options { x; };\n};\n", NULL, TSIG_ESYNTAX, 2,
	           "expected a statement");
	load_fails("options { x; }\n", NULL, TSIG_ESYNTAX, 1,
	           "statement starting with 'options' is not closed with ';'");
	load_fails("key k { algorithm hmac-sha1; \"c2VjcmV0\"; };", NULL,
	           TSIG_ESYNTAX, 1, "expected 'algorithm', 'secret' or '}', "
	           "found a quoted string");
	load_fails("key k { algorithm hmac-sha1; c2VjcmV0; };", NULL,
	           TSIG_ESYNTAX, 1, "found a word");
	load_fails("key k { algorithm hmac-sha1; algorithm hmac-sha1; };", NULL,
	           TSIG_ESYNTAX, 1, "key \"k\" has a second algorithm");
}

static void
test_unreadable(void **state)
{
	struct tsig_key *key = NULL;
	char missing[160];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing.key", dir);
	assert_int_equal(tsig_key_load(missing, NULL, &key, err, sizeof(err)),
	                 TSIG_EFILE);
	assert_null(key);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(tsig_key_load(dir, NULL, &key, err, sizeof(err)),
	                 TSIG_EFILE);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(tsig_key_load(NULL, NULL, &key, NULL, 0), TSIG_EINVAL);
}

static void
test_insecure(void **state)
{
	char missing[160];

	(void)state;
	write_file(keygen_k1);
	assert_int_equal(tsig_key_file_insecure(path), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(tsig_key_file_insecure(path), 1);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(tsig_key_file_insecure(path), 1);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(tsig_key_file_insecure(path), 0);
	snprintf(missing, sizeof(missing), "%s/missing.key", dir);
	assert_int_equal(tsig_key_file_insecure(missing), TSIG_EFILE);
}

static void
test_key_new(void **state)
{
	struct tsig_key *key = NULL;

	(void)state;
	assert_int_equal(tsig_key_new("Update-Key.Example.", "HMAC-SHA384.",
	                              "c2VjcmV0", &key, err, sizeof(err)), 0);
	assert_string_equal(tsig_key_name(key), "update-key.example");
	assert_string_equal(tsig_key_algorithm(key), "hmac-sha384");
	check_secret(key, "secret");
	tsig_key_free(key);
	key = NULL;
	assert_int_equal(tsig_key_new("k", "hmac-sha3", "c2VjcmV0", &key, err,
	                              sizeof(err)), TSIG_EALG);
	assert_non_null(strstr(err, "unknown algorithm \"hmac-sha3\""));
	assert_non_null(strstr(err, "hmac-sha512"));
	assert_int_equal(tsig_key_new("k", "hmac-sha256", "c2Vjc*mV0", &key,
	                              err, sizeof(err)), TSIG_EINVAL);
	assert_string_equal(err, "TSIG key \"k\": secret is not valid base64");
	assert_int_equal(tsig_key_new("bad key", "hmac-sha256", "c2VjcmV0",
	                              &key, err, sizeof(err)), TSIG_EINVAL);
	assert_non_null(strstr(err, "\"bad key\" is not a valid domain name"));
	assert_int_equal(tsig_key_new(NULL, "hmac-sha256", "c2VjcmV0", &key,
	                              NULL, 0), TSIG_EINVAL);
	assert_null(key);
	tsig_key_free(NULL);
	assert_null(tsig_key_name(NULL));
}

static void
b64_is(const char *text, int rc, const char *plain)
{
	uint8_t *out = NULL;
	size_t n = 0;

	assert_int_equal(tsig_b64_decode(text, strlen(text), &out, &n), rc);
	if (rc == 0) {
		assert_int_equal(n, strlen(plain));
		assert_memory_equal(out, plain, n);
	}
	free(out);
}

static void
test_base64(void **state)
{
	(void)state;
	/* RFC 4648 10 test vectors */
	b64_is("Zg==", 0, "f");
	b64_is("Zm8=", 0, "fo");
	b64_is("Zm9v", 0, "foo");
	b64_is("Zm9vYg==", 0, "foob");
	b64_is("Zm9vYmE=", 0, "fooba");
	b64_is("Zm9vYmFy", 0, "foobar");
	b64_is(" Zm9v\n\tYmFy ", 0, "foobar");
	b64_is("", TSIG_EINVAL, NULL);
	b64_is("Zg", TSIG_EINVAL, NULL);
	b64_is("Z===", TSIG_EINVAL, NULL);
	b64_is("Zg=a", TSIG_EINVAL, NULL);
	b64_is("Zg==Zm9v", TSIG_EINVAL, NULL);
	b64_is("Zm9v-_==", TSIG_EINVAL, NULL);
}

static void
name_is(const char *name, int rc, const char *wire, size_t wire_len)
{
	uint8_t out[TSIG_NAME_MAX];
	size_t n = 0;

	assert_int_equal(tsig_name_to_wire(name, out, &n), rc);
	if (rc == 0 && wire != NULL) {
		assert_int_equal(n, wire_len);
		assert_memory_equal(out, wire, wire_len);
	}
}

static void
test_names(void **state)
{
	char label63[64], name255[256], name254[256];
	size_t i;

	(void)state;
	name_is("a", 0, "\001a\000", 3);
	name_is("Key.EXAMPLE.", 0, "\003key\007example\000", 13);
	name_is("", TSIG_EINVAL, NULL, 0);
	name_is(".", TSIG_EINVAL, NULL, 0);
	name_is("a..b", TSIG_EINVAL, NULL, 0);
	name_is(".a", TSIG_EINVAL, NULL, 0);
	name_is("a\\.b", TSIG_EINVAL, NULL, 0);
	memset(label63, 'x', 63);
	label63[63] = '\0';
	name_is(label63, 0, NULL, 0);
	memset(name255, 'x', 64);
	name255[64] = '\0';
	name_is(name255, TSIG_EINVAL, NULL, 0);
	/* labels of 63, 63, 63 and 61: 253 characters, 255 octets on the wire */
	for (i = 0; i < 253; i++)
		name254[i] = (i % 64 == 63) ? '.' : 'y';
	name254[253] = '\0';
	name_is(name254, 0, NULL, 0);
	memcpy(name255, name254, 253);
	name255[253] = 'z';
	name255[254] = '\0';
	name_is(name255, TSIG_EINVAL, NULL, 0);
}

static void
test_strerror(void **state)
{
	int code;

	(void)state;
	for (code = 0; code >= TSIG_ECRYPTO; code--)
		assert_string_not_equal(tsig_strerror(code), "unknown TSIG error");
	assert_string_equal(tsig_strerror(-99), "unknown TSIG error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keygen_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confgen_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection_errors, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insecure, setup, teardown),
		cmocka_unit_test(test_key_new),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
