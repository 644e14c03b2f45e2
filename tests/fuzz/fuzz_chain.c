/* libFuzzer target: crypto_chain_check (src/crypto/crypto_chain.c), the check of
 * the chain the CA sends before anything is stored. The input is the body
 * as the CA would send it; the CSR is fixed: a fixed P-256 key (below, a
 * test key and nothing else) for a.example.test and *.b.example.test, and
 * the clock is fixed at 2027-01-15 (1800000000). The seeds in
 * corpus/fuzz_chain/ hold a chain made with openssl for that key, valid
 * 2026-12-04 .. 2036-12-01, so the fuzzer starts past the key and name
 * checks.
 *
 * Besides memory errors (ASan, UBSan) it checks that every failure is
 * ACMEUP_ECRYPTO with a detail of printable text, that the CSR's own
 * names give the same verdict as the ordered ones, and that an accepted
 * chain's leaf has the fixed key and exactly the ordered names as read by
 * the certificate readers of crypto_cert.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1800000000LL

static const char key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYBk6bOK4bw6k7rER\n"
	"eEsGpBY6UrGInctvpITIKgCPQEmhRANCAATPQOp7YdCjXnTYBwzmBrkkmRDrVsxu\n"
	"BPlOE9z6a1oL0jtHT+V4F8aQ1G+vCzDAXb5h/PX74wrIjoxS5ryWoTWq\n"
	"-----END PRIVATE KEY-----\n"
	;
static const char *const names[] = { "a.example.test", "*.b.example.test" };

static struct crypto_key *key;
static uint8_t *csr;
static size_t csr_len;

static void
setup(void)
{
	if (crypto_init() != 0 ||
	    crypto_key_from_pem(key_pem, strlen(key_pem), &key) != 0 ||
	    crypto_csr_new(key, names, 2, &csr, &csr_len) != 0)
		abort();
}

static void
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort(); /* CA bytes reached a message raw */
}

/* The leaf the check accepted is what the other readers see. */
static void
accepted(const char *pem, size_t len)
{
	char **got = NULL;
	size_t n = 0, i;

	if (crypto_cert_key_matches(pem, len, key) != 0 ||
	    crypto_cert_names(pem, len, &got, &n) != 0)
		abort();
	if (n != 2)
		abort();
	for (i = 0; i < n; i++)
		if (strcmp(got[i], names[0]) != 0 &&
		    strcmp(got[i], names[1]) != 0)
			abort();
	if (strcmp(got[0], got[1]) == 0)
		abort();
	crypto_names_free(got, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_chain_expect e = { .names = names, .n_names = 2,
	    .now = NOW };
	const char *pem = (const char *)data;
	int rc, again;

	if (key == NULL)
		setup();
	e.csr = csr;
	e.csr_len = csr_len;
	acmeup_err_clear();
	rc = crypto_chain_check(pem, size, &e);
	if (rc != 0 && rc != ACMEUP_ECRYPTO)
		abort();
	if (rc != 0)
		printable(acmeup_errmsg(rc));
	e.names = NULL;
	e.n_names = 0;
	again = crypto_chain_check(pem, size, &e);
	if (again != rc)
		abort(); /* the CSR's names are the ordered ones */
	if (rc == 0)
		accepted(pem, size);
	acmeup_err_clear();
	return 0;
}
