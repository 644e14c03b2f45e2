/* Printable text from hostile peers (issue 11): escaping, bounds, UTF-8
 * clipping, lines written for a person; the --json summary keeps the CA's
 * exact text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "acme_internal.h"
#include "acmeup/acme_types.h"
#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "report.h"
#include "acmeup/text.h"

/* A problem detail that clears the screen, forges a log line, rings. */
static const char evil[] = "bad\x1b[2J\r\n[   0.100s] done\a \xc3\xa9 \\ok";

static void
test_printable(void **state)
{
	char out[128];
	size_t n;

	(void)state;
	n = text_printable(evil, strlen(evil), out, sizeof(out));
	assert_string_equal(out, "bad\\x1b[2J\\x0d\\x0a[   0.100s] done\\x07 "
	    "\\xc3\\xa9 \\ok");
	assert_int_equal(n, strlen(out));
	for (n = 0; out[n] != '\0'; n++)
		assert_true(out[n] >= 0x20 && out[n] <= 0x7e);
	/* an embedded NUL is a byte like any other */
	text_printable("a\0b", 3, out, sizeof(out));
	assert_string_equal(out, "a\\x00b");
}

static void
test_printable_bounds(void **state)
{
	char big[5000], out[64];
	size_t n;

	(void)state;
	memset(big, 'A', sizeof(big));
	n = text_printable(big, sizeof(big), out, sizeof(out));
	assert_int_equal(n, sizeof(out) - 1);
	assert_string_equal(out + n - 3, "...");
	memset(big, 0x1b, sizeof(big)); /* escapes are not cut in half */
	n = text_printable(big, sizeof(big), out, sizeof(out));
	assert_true(n < sizeof(out));
	assert_string_equal(out + n - 3, "...");
	assert_int_equal((n - 3) % 4, 0);
	text_printable("abc", 3, out, 4); /* no room: just "..." */
	assert_string_equal(out, "...");
	text_printable("", 0, out, 4);
	assert_string_equal(out, "");
}

static void
test_clip(void **state)
{
	char in[600], buf[TEXT_FIELD_MAX + 4];
	const char *s;

	(void)state;
	assert_ptr_equal(text_clip("short", TEXT_FIELD_MAX, buf, sizeof(buf)),
	    "short");
	assert_null(text_clip(NULL, TEXT_FIELD_MAX, buf, sizeof(buf)));
	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	s = text_clip(in, TEXT_FIELD_MAX, buf, sizeof(buf));
	assert_int_equal(strlen(s), TEXT_FIELD_MAX + 3);
	assert_string_equal(s + TEXT_FIELD_MAX, "...");
	/* "é" (c3 a9) across the cut stays whole or goes */
	in[TEXT_FIELD_MAX - 1] = '\xc3';
	in[TEXT_FIELD_MAX] = '\xa9';
	s = text_clip(in, TEXT_FIELD_MAX, buf, sizeof(buf));
	assert_int_equal(strlen(s), TEXT_FIELD_MAX - 1 + 3);
	assert_string_equal(s + TEXT_FIELD_MAX - 1, "...");
}

/* What reaches the terminal: one final newline, no other byte < 0x20. */
static void
test_printf(void **state)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(text_printf(f, "acmeup: error: %s\n", evil), 0);
	assert_int_equal(text_printf(f, "%s", "no newline\x1b"), 0);
	fclose(f);
	assert_string_equal(text, "acmeup: error: bad\\x1b[2J\\x0d\\x0a[   "
	    "0.100s] done\\x07 \\xc3\\xa9 \\ok\nno newline\\x1b");
	for (i = 0; i < len; i++)
		assert_true(text[i] == '\n' || (text[i] >= 0x20 &&
		    text[i] <= 0x7e));
	free(text);
}

/* A CA problem document with control characters: the error detail and
 * --json keep its exact text (json-c escapes it for JSON). */
static void
test_json_keeps_exact(void **state)
{
	struct acme_problem p = { .type = "urn:ietf:params:acme:error:caa",
	    .detail = (char *)evil };
	char *domains[] = { "a.test" };
	struct cert_spec spec = { .name = "a.test", .domains = domains,
	    .n_domains = 1, .out_dir = "/out" };
	struct report rep = { 0 };
	struct report_cert *c = NULL;
	json_object *root, *certs, *err;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(report_add(&rep, &spec, &c), 0);
	c->action = REPORT_FAILED;
	assert_int_equal(report_set(&c->error,
	    acmeup_errmsg(acme_fail_problem(&p, "order"))), 0);
	assert_non_null(strstr(c->error, evil));
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(report_print_json(&rep, "issue", f), 0);
	fclose(f);
	assert_null(strchr(text, '\x1b'));
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "certificates", &certs));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(certs,
	    0), "error", &err));
	assert_non_null(strstr(json_object_get_string(err), evil));
	json_object_put(root);
	free(text);
	report_clear(&rep);
}

/* "Did you mean": Levenshtein distance and the nearest candidate within
 * TEXT_NEAR_EDITS, shared by config.c (settings) and cli.c (options). */
static void
test_near(void **state)
{
	static const char *const opts[] = { "propagation-timeout", "tsig-key",
	    "tsig-key-name", "ttl", "server" };
	struct text_near n;
	char long_word[100];
	size_t i;

	(void)state;
	assert_int_equal(text_distance("", ""), 0);
	assert_int_equal(text_distance("ttl", ""), 3);
	assert_int_equal(text_distance("kitten", "sitting"), 3);
	assert_int_equal(text_distance("tsig-kye", "tsig-key"), 2);
	text_near_init(&n, "propogation-timeout");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		text_near_offer(&n, opts[i]);
	assert_non_null(n.best);
	assert_string_equal(n.best, "propagation-timeout");
	/* three edits away: no suggestion */
	text_near_init(&n, "sevrre");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		text_near_offer(&n, opts[i]);
	assert_null(n.best);
	/* too long to compare: never near */
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	assert_int_equal(text_distance(long_word, long_word),
	    TEXT_NEAR_LEN_MAX);
	text_near_init(&n, long_word);
	text_near_offer(&n, long_word);
	assert_null(n.best);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_printable_bounds),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_json_keeps_exact),
		cmocka_unit_test(test_near),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
