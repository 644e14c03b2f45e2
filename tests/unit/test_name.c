/* The name rules (include/acmeup/name.h): each rule both ways, the length
 * boundaries (label 63/64 octets; name 253/254 characters, 255/256 octets
 * in wire form; _acme-challenge.<name> 255/256 octets), normalisation and
 * the printable form of hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "acmeup/name.h"

/* A name of len characters: labels of lab octets ("a"), the last one
 * shorter, joined by dots; suffix appended (counted in len). */
static char *
make_name(size_t len, size_t lab, const char *suffix)
{
	size_t slen = strlen(suffix), i;
	char *s = malloc(len + 1);

	assert_non_null(s);
	assert_true(len > slen);
	for (i = 0; i < len - slen; i++)
		s[i] = (i % (lab + 1) == lab) ? '.' : 'a';
	if (s[len - slen - 1] == '.')
		s[len - slen - 1] = 'b';
	memcpy(s + len - slen, suffix, slen + 1);
	return s;
}

static void
ok_as(const char *in, unsigned flags, const char *want)
{
	char out[NAME_BUF];
	enum name_rule r = name_normalize(in, flags, out, NULL);

	if (r != NAME_OK)
		fail_msg("'%s' refused: %s", in, name_rule_text(r));
	assert_string_equal(out, want);
}

static void
bad_as(const char *in, unsigned flags, enum name_rule want, size_t want_at)
{
	char out[NAME_BUF];
	size_t at = 999;
	enum name_rule r = name_normalize(in, flags, out, &at);

	if (r != want)
		fail_msg("'%s': rule %d (%s), want %d (%s)", in, r,
		    name_rule_text(r), want, name_rule_text(want));
	assert_string_equal(out, "");
	if (want_at != (size_t)-1)
		assert_int_equal(at, want_at);
}

#define ANY ((size_t)-1)

static void
test_normalise(void **state)
{
	(void)state;
	ok_as("Host1.Example.TEST", NAME_CERT, "host1.example.test");
	ok_as("host1.example.test.", NAME_CERT, "host1.example.test");
	ok_as("*.Example.test.", NAME_CERT, "*.example.test");
	ok_as("xn--bcher-kva.example", NAME_CERT, "xn--bcher-kva.example");
	ok_as("a-b.1c.example", NAME_CERT, "a-b.1c.example");
	ok_as("3com.example", NAME_CERT, "3com.example");
	ok_as("localhost", NAME_CERT, "localhost");
	/* one trailing dot only */
	bad_as("a.test..", NAME_CERT, NAME_EMPTY_LABEL, 7);
	bad_as("", NAME_CERT, NAME_EMPTY, ANY);
	bad_as(".", NAME_CERT, NAME_EMPTY, ANY);
}

/* RFC 1123 2.1 / RFC 952: letters, digits, '-'. */
static void
test_ldh(void **state)
{
	(void)state;
	bad_as("a b.test", NAME_CERT, NAME_CHAR, 1);
	bad_as("other_example.test", NAME_CERT, NAME_CHAR, 5);
	bad_as("a\\.b.test", NAME_CERT, NAME_CHAR, 1);
	bad_as("a\\046b.test", NAME_CERT, NAME_CHAR, 1);
	bad_as("a/b.test", NAME_CERT, NAME_CHAR, 1);
	bad_as("caf\xc3\xa9.test", NAME_CERT, NAME_CHAR, 3);
	bad_as("a.te\nst", NAME_CERT, NAME_CHAR, 4);
	bad_as("a:b.test", NAME_CERT, NAME_CHAR, 1);
	/* '_' only in owner names */
	ok_as("_acme-challenge.Intranet.test", NAME_OWNER,
	    "_acme-challenge.intranet.test");
	bad_as("_acme-challenge.intranet.test", NAME_CERT, NAME_CHAR, 0);
}

static void
test_hyphen(void **state)
{
	(void)state;
	bad_as("-a.test", NAME_CERT, NAME_HYPHEN, 0);
	bad_as("a-.test", NAME_CERT, NAME_HYPHEN, 1);
	bad_as("a.-test", NAME_CERT, NAME_HYPHEN, 2);
	bad_as("a.test-", NAME_CERT, NAME_HYPHEN, 6);
	bad_as("-", NAME_CERT, NAME_HYPHEN, 0);
	ok_as("a--b.test", NAME_CERT, "a--b.test");
}

static void
test_empty_label(void **state)
{
	(void)state;
	bad_as("a..test", NAME_CERT, NAME_EMPTY_LABEL, 2);
	bad_as(".a.test", NAME_CERT, NAME_EMPTY_LABEL, 0);
	bad_as("x..", NAME_CERT, NAME_EMPTY_LABEL, 2);
	bad_as("*..test", NAME_CERT, NAME_EMPTY_LABEL, 2);
}

/* RFC 8555 7.1.3: "*." as the whole first label only. */
static void
test_wildcard(void **state)
{
	(void)state;
	ok_as("*.a.test", NAME_CERT, "*.a.test");
	bad_as("*.a.test", NAME_CHALLENGE, NAME_STAR, 0);
	bad_as("*.a.test", NAME_OWNER, NAME_STAR, 0);
	bad_as("*", NAME_CERT, NAME_STAR, 0);
	bad_as("*.", NAME_CERT, NAME_STAR, 0);
	bad_as("*a.test", NAME_CERT, NAME_STAR, 0);
	bad_as("a*.test", NAME_CERT, NAME_STAR, 1);
	bad_as("a.*.test", NAME_CERT, NAME_STAR, 2);
	bad_as("*.*.a.test", NAME_CERT, NAME_STAR, 2);
}

static void
test_ip(void **state)
{
	(void)state;
	bad_as("192.0.2.1", NAME_CERT, NAME_IP, ANY);
	bad_as("192.0.2.1.", NAME_CERT, NAME_IP, ANY);
	bad_as("*.192.0.2.1", NAME_CERT, NAME_IP, ANY);
	bad_as("10.1", NAME_CERT, NAME_IP, ANY);
	bad_as("4294967295", NAME_CERT, NAME_IP, ANY);
	bad_as("a.123", NAME_OWNER, NAME_IP, ANY);
	bad_as("::1", NAME_CERT, NAME_IP, ANY);
	bad_as("2001:db8::1", NAME_CERT, NAME_IP, ANY);
	bad_as("[::1]", NAME_CERT, NAME_CHAR, 0);
	ok_as("1.2.3.a4", NAME_CERT, "1.2.3.a4");
	ok_as("123.example", NAME_CERT, "123.example");
}

/* RFC 1035 2.3.4: labels of 63 octets, names of 255 octets in wire form
 * (253 characters), and the challenge owner within 255 octets. */
static void
test_lengths(void **state)
{
	char *s, *s2, buf[80];

	(void)state;
	memset(buf, 'a', 63);
	memcpy(buf + 63, ".test", 6);
	ok_as(buf, NAME_CERT, buf);
	memset(buf, 'a', 64);
	memcpy(buf + 64, ".test", 6);
	bad_as(buf, NAME_CERT, NAME_LABEL_LONG, 0);
	memcpy(buf, "x.", 2);
	memset(buf + 2, 'b', 64);
	buf[66] = '\0';
	bad_as(buf, NAME_CERT, NAME_LABEL_LONG, 2);

	s = make_name(253, 63, ".test");     /* 255 octets in wire form */
	ok_as(s, NAME_OWNER, s);
	bad_as(s, NAME_CERT, NAME_CHALLENGE_LONG, ANY);
	free(s);
	s = make_name(254, 63, ".test");     /* 256 */
	bad_as(s, NAME_OWNER, NAME_LONG, ANY);
	free(s);
	s = make_name(254, 63, ".test.");    /* 253 and a trailing dot */
	s2 = strndup(s, 253);
	ok_as(s, NAME_OWNER, s2);
	free(s2);
	free(s);
	s = make_name(5000, 63, ".test");
	bad_as(s, NAME_CERT, NAME_LONG, ANY);
	free(s);

	/* _acme-challenge.<name>: 16 + len + 2 octets <= 255 */
	s = make_name(237, 63, ".test");
	ok_as(s, NAME_CERT, s);
	free(s);
	s = make_name(238, 63, ".test");
	bad_as(s, NAME_CERT, NAME_CHALLENGE_LONG, ANY);
	free(s);
	s = make_name(239, 63, ".test");     /* the crash of issue 11 */
	bad_as(s, NAME_CERT, NAME_CHALLENGE_LONG, ANY);
	free(s);
	s = make_name(239, 63, ".test");     /* "*." is not part of it */
	s[0] = '*';
	s[1] = '.';
	ok_as(s, NAME_CERT, s);
	free(s);
}

/* Errors for people: exit 2 (ACMEUP_EUSAGE), the name and the rule. */
static void
test_check_message(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(name_check("Web.Test.", NAME_CERT, "-d", &out), 0);
	assert_string_equal(out, "web.test");
	free(out);
	out = NULL;
	acmeup_err_clear();
	assert_int_equal(name_check("a..test", NAME_CERT, "-d", &out),
	    ACMEUP_EUSAGE);
	assert_null(out);
	assert_string_equal(acmeup_errmsg(ACMEUP_EUSAGE), "-d: 'a..test' is "
	    "not a DNS name (character 3: an empty label; RFC 1035 2.3.4)");
	acmeup_err_clear();
	assert_int_equal(name_check("1.2.3.4", NAME_CERT, NULL, &out),
	    ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "'1.2.3.4' is "
	    "not a DNS name (an IP address"));
	acmeup_err_clear();
	assert_int_equal(name_check("a\x1b[2Jb.test", NAME_CERT, NULL, &out),
	    ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE),
	    "'a\\x1b[2Jb.test' is not a DNS name (character 2"));
}

static void
test_challenge_of(void **state)
{
	char out[NAME_BUF], big[300];
	size_t at = 0, i;

	(void)state;
	assert_int_equal(name_normalize("Www.Test", NAME_CHALLENGE_OF, out,
	    NULL), NAME_OK);
	assert_string_equal(out, "www.test");
	assert_int_equal(name_normalize("*.www.test", NAME_CHALLENGE_OF, out,
	    NULL), NAME_OK);
	assert_string_equal(out, "www.test");
	assert_int_equal(name_normalize("_ACME-Challenge.www.test.",
	    NAME_CHALLENGE_OF, out, NULL), NAME_OK);
	assert_string_equal(out, "www.test");
	assert_int_equal(name_normalize("_acme-challenge.w_w.test",
	    NAME_CHALLENGE_OF, out, &at), NAME_CHAR);
	assert_int_equal(at, 17);
	assert_int_equal(name_normalize("*.", NAME_CHALLENGE_OF, out, NULL),
	    NAME_EMPTY);
	assert_int_equal(name_normalize("*.*.a.test", NAME_CHALLENGE_OF, out,
	    NULL), NAME_STAR);
	/* 237 characters after the prefix fit, 238 do not */
	memset(big, 'a', sizeof(big));
	memcpy(big, "_acme-challenge.", 16);
	for (i = 16 + 63; i < 16 + 238; i += 64)
		big[i] = '.';
	big[16 + 237] = '\0';
	assert_int_equal(name_normalize(big, NAME_CHALLENGE_OF, out, NULL),
	    NAME_OK);
	big[16 + 237] = 'a';
	big[16 + 238] = '\0';
	assert_int_equal(name_normalize(big, NAME_CHALLENGE_OF, out, NULL),
	    NAME_CHALLENGE_LONG);
}

static void
test_printable(void **state)
{
	char buf[20], big[200];

	(void)state;
	assert_string_equal(name_printable("a.test", buf, sizeof(buf)),
	    "a.test");
	assert_string_equal(name_printable("a\\b\n\x7f\xff", buf, sizeof(buf)),
	    "a\\x5cb\\x0a\\x7f\\xff");
	name_printable("0123456789abcdefghijklmnop", buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_non_null(strstr(buf, "..."));
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	name_printable(big, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(name_printable("abc", buf, 4), "abc");
	assert_string_equal(name_printable("abcd", buf, 4), "...");
	assert_string_equal(name_printable("abc", buf, 3), "");
	assert_string_equal(name_printable("abcdefgh", buf, 8), "abcd...");
	assert_string_equal(name_printable("abcdefg", buf, 8), "abcdefg");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_ldh),
		cmocka_unit_test(test_hyphen),
		cmocka_unit_test(test_empty_label),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_check_message),
		cmocka_unit_test(test_challenge_of),
		cmocka_unit_test(test_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
