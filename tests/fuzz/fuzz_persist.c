/* libFuzzer target: the dns-persist-01 record parser (acme_persist_match,
 * acme_challenge.h) on a TXT value as a DNS server serves it, and the
 * record acmeup writes for the value's own issuer and account
 * (acme_persist_value) read back.
 *
 * Input: the TXT value (joined strings). Besides memory errors it checks:
 * the verdict is one of the enum's; a match needs the account URL and an
 * issuer given; a record built by acme_persist_value always matches its
 * own issuer and account, with policy=wildcard for a wildcard.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/acme_challenge.h"
#include "acmeup/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ACCT "https://ca.test/acct/1"

static void
roundtrip(const char *issuer, const char *account)
{
	const char *iss[] = { issuer };
	char *v = NULL;
	int w;

	for (w = 0; w <= 1; w++) {
		if (acme_persist_value(issuer, account, w, 0, &v) != 0) {
			acmeup_err_clear();
			return; /* unfit for a record: refused */
		}
		if (acme_persist_match(v, iss, 1, account, w, 0) !=
		    PERSIST_MATCH)
			abort();
		free(v);
		v = NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const iss[] = { "ca.test", "other.test" };
	enum acme_persist_why why;
	char *value = malloc(size + 1), *semi;

	if (value == NULL)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	why = acme_persist_match(value, iss, 2, ACCT, size & 1, 1800000000);
	if (why > PERSIST_EXPIRED || acme_persist_why_text(why)[0] == '?')
		abort();
	if (why == PERSIST_MATCH && strstr(value, ACCT) == NULL)
		abort();
	if (acme_persist_match(value, iss, 0, ACCT, 0, 0) == PERSIST_MATCH)
		abort(); /* no issuer, no match */
	semi = strchr(value, ';');
	if (semi != NULL) {
		*semi = '\0';
		roundtrip(value, semi + 1);
	}
	free(value);
	return 0;
}
