/* libFuzzer target: TSIG key files (BIND and Knot, tsig_key_parse) and the
 * nsupdate -y form (tsig_key_from_arg) on the same input.
 *
 * Besides memory errors (ASan, UBSan) it checks the parsers' promises:
 * every failure explains itself in err, a loaded key can be selected again
 * by its own name, and loading is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tsig.h"

static void
check_failure(int rc, const char *err)
{
	if (rc != TSIG_ENOMEM && err[0] == '\0')
		abort(); /* every error names what was expected */
}

/* A key loaded without a name must load again by its name, alike. */
static void
check_reload(const char *text, size_t len, const struct tsig_key *key)
{
	struct tsig_key *again = NULL;
	char err[512] = "";
	int rc;

	rc = tsig_key_parse(text, len, "fuzz", tsig_key_name(key), &again,
	                    err, sizeof(err));
	if (rc != 0 || strcmp(tsig_key_name(again), tsig_key_name(key)) != 0 ||
	    strcmp(tsig_key_algorithm(again), tsig_key_algorithm(key)) != 0)
		abort();
	tsig_key_free(again);
}

static void
fuzz_keyfile(const char *text, size_t len)
{
	struct tsig_key *key = NULL;
	char err[512] = "";
	int rc;

	rc = tsig_key_parse(text, len, "fuzz", NULL, &key, err, sizeof(err));
	if (rc != 0) {
		check_failure(rc, err);
		if (key != NULL)
			abort(); /* *out only on success */
		return;
	}
	check_reload(text, len, key);
	tsig_key_free(key);
}

static void
fuzz_arg(const uint8_t *data, size_t size)
{
	struct tsig_key *key = NULL;
	char err[512] = "", *arg;
	int rc;

	arg = malloc(size + 1);
	if (arg == NULL)
		return;
	memcpy(arg, data, size);
	arg[size] = '\0';
	rc = tsig_key_from_arg(arg, &key, err, sizeof(err));
	if (rc != 0)
		check_failure(rc, err);
	else if (tsig_key_name(key) == NULL || tsig_key_name(key)[0] == '\0')
		abort();
	tsig_key_free(key);
	free(arg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_keyfile((const char *)data, size);
	if (size <= 1024)
		fuzz_arg(data, size);
	return 0;
}
