/* crypto_chain_check: the chain from the CA before anything is stored.
 * Everything is made here at run time with GnuTLS: a root, an
 * intermediate, an impostor with the intermediate's name, the CSR of our
 * key (crypto_csr_new) and leaves that differ from the good one in one
 * thing each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"

struct ca {
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
};

static const char *const names[] = { "a.example.test", "*.b.example.test" };
#define N_NAMES 2

static long long now;
static struct ca root, inter, impostor, not_ca;
static struct crypto_key *our_key;
static gnutls_x509_privkey_t other_key;
static gnutls_pubkey_t csr_pub;
static uint8_t *csr;
static size_t csr_len;
static char *root_pem, *inter_pem, *good_leaf;
static unsigned serial = 1;

static gnutls_x509_privkey_t
new_key(void)
{
	gnutls_x509_privkey_t k;

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	return k;
}

/* Version, serial, CN, dates (offsets from now). */
static gnutls_x509_crt_t
new_crt(const char *cn, long long nb, long long na)
{
	gnutls_x509_crt_t c;
	uint8_t s[2] = { (uint8_t)(serial >> 8), (uint8_t)serial };

	serial++;
	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, s, sizeof(s)), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(c,
	    (time_t)(now + nb)), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c,
	    (time_t)(now + na)), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(c,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)), 0);
	return c;
}

/* A CA certificate named cn, signed by issuer (NULL: itself). */
static void
make_ca(struct ca *out, const char *cn, const struct ca *issuer, int is_ca)
{
	out->key = new_key();
	out->crt = new_crt(cn, -86400, 365 * 86400LL);
	assert_int_equal(gnutls_x509_crt_set_key(out->crt, out->key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(out->crt,
	    is_ca, -1), 0);
	assert_int_equal(gnutls_x509_crt_set_key_usage(out->crt,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE), 0);
	if (issuer == NULL)
		issuer = out;
	assert_int_equal(gnutls_x509_crt_sign2(out->crt, issuer->crt,
	    issuer->key, GNUTLS_DIG_SHA256, 0), 0);
}

static void
ca_free(struct ca *c)
{
	gnutls_x509_crt_deinit(c->crt);
	gnutls_x509_privkey_deinit(c->key);
}

static char *
to_pem(gnutls_x509_crt_t crt)
{
	gnutls_datum_t d = { NULL, 0 };
	char *s;

	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
	    &d), 0);
	s = strndup((const char *)d.data, d.size);
	assert_non_null(s);
	gnutls_free(d.data);
	return s;
}

/* How a leaf differs from the good one. */
struct leaf_opt {
	const char *const *dns;     /* NULL: names[] */
	size_t n_dns;
	int ip;                     /* add IP 127.0.0.1 */
	int other;                  /* for other_key, not the CSR's */
	long long nb, na;           /* validity, offsets from now */
	const struct ca *issuer;    /* NULL: inter */
};

static char *
leaf_pem(const struct leaf_opt *o)
{
	static const uint8_t ip[4] = { 127, 0, 0, 1 };
	const char *const *dns = o->dns != NULL ? o->dns : names;
	size_t i, n = o->dns != NULL ? o->n_dns : N_NAMES;
	const struct ca *issuer = o->issuer != NULL ? o->issuer : &inter;
	gnutls_x509_crt_t c;
	char *pem;

	c = new_crt("leaf", o->nb != 0 ? o->nb : -60,
	    o->na != 0 ? o->na : 90 * 86400LL);
	if (o->other)
		assert_int_equal(gnutls_x509_crt_set_key(c, other_key), 0);
	else
		assert_int_equal(gnutls_x509_crt_set_pubkey(c, csr_pub), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(c, 0, -1), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c,
		    GNUTLS_SAN_DNSNAME, dns[i], (unsigned)strlen(dns[i]),
		    GNUTLS_FSAN_APPEND), 0);
	if (o->ip)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c,
		    GNUTLS_SAN_IPADDRESS, ip, sizeof(ip), GNUTLS_FSAN_APPEND),
		    0);
	assert_int_equal(gnutls_x509_crt_sign2(c, issuer->crt, issuer->key,
	    GNUTLS_DIG_SHA256, 0), 0);
	pem = to_pem(c);
	gnutls_x509_crt_deinit(c);
	return pem;
}

/* The strings up to NULL, concatenated; caller frees. */
static char *
cat(const char *first, ...)
{
	size_t len = 0, n;
	const char *s;
	char *out;
	va_list ap;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	out = malloc(len + 1);
	assert_non_null(out);
	len = 0;
	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *)) {
		n = strlen(s);
		memcpy(out + len, s, n);
		len += n;
	}
	va_end(ap);
	out[len] = '\0';
	return out;
}

static int
check_names(const char *pem, size_t len, const char *const *want, size_t n)
{
	struct crypto_chain_expect e = { .csr = csr, .csr_len = csr_len,
	    .names = want, .n_names = n, .now = now };

	acmeup_err_clear();
	return crypto_chain_check(pem, len, &e);
}

static int
check(const char *pem)
{
	return check_names(pem, strlen(pem), names, N_NAMES);
}

/* pem is refused with a detail holding what. */
static void
refused(const char *pem, size_t len, const char *what)
{
	const char *msg;

	assert_int_equal(check_names(pem, len, names, N_NAMES),
	    ACMEUP_ECRYPTO);
	msg = acmeup_errmsg(ACMEUP_ECRYPTO);
	if (strstr(msg, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", msg, what);
}

/* A leaf made with o, followed by the intermediate, is refused. */
static void
leaf_refused(const struct leaf_opt *o, const char *what)
{
	char *leaf = leaf_pem(o), *chain = cat(leaf, inter_pem, NULL);

	refused(chain, strlen(chain), what);
	free(chain);
	free(leaf);
}

static int
setup(void **state)
{
	gnutls_x509_crq_t crq;
	gnutls_datum_t d;
	struct leaf_opt good = { 0 };

	(void)state;
	crypto_init();
	now = (long long)time(NULL);
	make_ca(&root, "Test Root", NULL, 1);
	make_ca(&inter, "Test Inter", &root, 1);
	make_ca(&impostor, "Test Inter", NULL, 1); /* same DN, another key */
	make_ca(&not_ca, "Not A CA", &root, 0);
	other_key = new_key();
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &our_key), 0);
	assert_int_equal(crypto_csr_new(our_key, names, N_NAMES, &csr,
	    &csr_len), 0);
	d.data = csr;
	d.size = (unsigned)csr_len;
	assert_int_equal(gnutls_x509_crq_init(&crq), 0);
	assert_int_equal(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER),
	    0);
	assert_int_equal(gnutls_pubkey_init(&csr_pub), 0);
	assert_int_equal(gnutls_pubkey_import_x509_crq(csr_pub, crq, 0), 0);
	gnutls_x509_crq_deinit(crq);
	root_pem = to_pem(root.crt);
	inter_pem = to_pem(inter.crt);
	good_leaf = leaf_pem(&good);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(good_leaf);
	free(inter_pem);
	free(root_pem);
	free(csr);
	gnutls_pubkey_deinit(csr_pub);
	gnutls_x509_privkey_deinit(other_key);
	crypto_key_free(our_key);
	ca_free(&not_ca);
	ca_free(&impostor);
	ca_free(&inter);
	ca_free(&root);
	crypto_deinit();
	return 0;
}

/* Leaf + intermediate (pebble's and Let's Encrypt's shape), with the root,
 * the leaf alone, CRLF lines, the CSR's own names. */
static void
test_good(void **state)
{
	char *a = cat(good_leaf, inter_pem, NULL);
	char *b = cat("\n", good_leaf, "\n\n", inter_pem, root_pem, "\n", NULL);
	char *crlf = malloc(2 * strlen(a) + 1);
	size_t i, j = 0;

	(void)state;
	assert_non_null(crlf);
	for (i = 0; a[i] != '\0'; i++) {
		if (a[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = a[i];
	}
	crlf[j] = '\0';
	assert_int_equal(check(a), 0);
	assert_int_equal(check(b), 0);
	assert_int_equal(check(good_leaf), 0);
	assert_int_equal(check(crlf), 0);
	assert_int_equal(check_names(a, strlen(a), NULL, 0), 0);
	free(crlf);
	free(b);
	free(a);
}

/* Names compare as a set, case-insensitive; a name ordered twice or named
 * twice is one name. */
static void
test_names_set(void **state)
{
	static const char *const mixed[] = { "*.B.example.TEST",
	    "A.Example.Test", "a.example.test" };
	static const char *const twice[] = { "a.example.test",
	    "*.b.example.test", "a.example.test" };
	struct leaf_opt o = { .dns = mixed, .n_dns = 3 };
	char *leaf = leaf_pem(&o), *chain = cat(leaf, inter_pem, NULL);

	(void)state;
	assert_int_equal(check(chain), 0);
	assert_int_equal(check_names(chain, strlen(chain), twice, 3), 0);
	free(chain);
	free(leaf);
}

static void
test_other_key(void **state)
{
	struct leaf_opt o = { .other = 1 };

	(void)state;
	leaf_refused(&o, "the leaf certifies another public key than the "
	    "CSR's");
}

static void
test_extra_name(void **state)
{
	static const char *const extra[] = { "a.example.test",
	    "*.b.example.test", "victim.example.test" };
	struct leaf_opt o = { .dns = extra, .n_dns = 3 };

	(void)state;
	leaf_refused(&o, "the leaf is for names a.example.test,"
	    "*.b.example.test,victim.example.test, ordered a.example.test,"
	    "*.b.example.test");
}

static void
test_missing_name(void **state)
{
	struct leaf_opt o = { .dns = names, .n_dns = 1 };
	struct leaf_opt none = { .dns = names, .n_dns = 0 };

	(void)state;
	leaf_refused(&o, "the leaf is for names a.example.test, ordered "
	    "a.example.test,*.b.example.test");
	leaf_refused(&none, "the leaf is for names (none), ordered");
}

/* acmeup orders dns identifiers only: an IP address SAN is a name we did
 * not order. */
static void
test_ip_name(void **state)
{
	struct leaf_opt o = { .ip = 1 };

	(void)state;
	leaf_refused(&o, "for names a.example.test,*.b.example.test,"
	    "<IP address>, ordered");
}

static void
test_validity(void **state)
{
	struct leaf_opt expired = { .nb = -90 * 86400LL, .na = -10 };
	struct leaf_opt early = { .nb = 3600 };
	struct leaf_opt skew = { .nb = CRYPTO_CHAIN_SKEW - 30 };
	char *leaf = leaf_pem(&skew), *chain = cat(leaf, inter_pem, NULL);

	(void)state;
	leaf_refused(&expired, "the leaf expired at ");
	leaf_refused(&early, "the leaf is not valid before ");
	assert_int_equal(check(chain), 0);
	free(chain);
	free(leaf);
}

/* Signed by a CA with the intermediate's name but another key; by a
 * certificate that is no CA; followed by the root instead of its issuer;
 * the same certificate twice. */
static void
test_links(void **state)
{
	struct leaf_opt o = { .issuer = &impostor };
	struct leaf_opt by_leaf = { .issuer = &not_ca };
	char *leaf = leaf_pem(&by_leaf), *nc = to_pem(not_ca.crt);
	char *skip = cat(good_leaf, root_pem, NULL);
	char *twice = cat(good_leaf, good_leaf, NULL);
	char *bad_ca = cat(leaf, nc, root_pem, NULL);

	(void)state;
	leaf_refused(&o, "certificate 1 is not signed by certificate 2: The "
	    "certificate is NOT trusted. The signature in the certificate is "
	    "invalid.");
	refused(bad_ca, strlen(bad_ca), "certificate 1 is not signed by "
	    "certificate 2: The certificate is NOT trusted. The certificate "
	    "issuer is not a CA.");
	free(bad_ca);
	free(leaf);
	free(nc);
	refused(skip, strlen(skip), "certificate 1's issuer is not the "
	    "subject of certificate 2");
	refused(twice, strlen(twice), "certificate 2 repeats certificate 1");
	free(twice);
	free(skip);
}

/* RFC 8555 9.1: certificates and nothing else. */
static void
test_garbage(void **state)
{
	char *between = cat(good_leaf, "hello\n", inter_pem, NULL);
	char *after = cat(good_leaf, inter_pem, "\x1b[2J", NULL);
	char *key = cat(good_leaf, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", NULL);
	char *hdr = cat("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n"
	    "\nAAAA\n-----END CERTIFICATE-----\n", NULL);
	char *bad = cat("-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n", NULL);
	char *open = cat(good_leaf, "-----BEGIN CERTIFICATE-----\nAAAA\n", NULL);
	char nul[] = "-----BEGIN CERTIFICATE-----\0\n";

	(void)state;
	refused(between, strlen(between), "text at byte ");
	refused(after, strlen(after), "is not a PEM certificate");
	refused(key, strlen(key), "a PEM \"PRIVATE KEY\" block at byte ");
	refused(hdr, strlen(hdr), "certificate 1: byte 32 is not base64");
	refused(bad, strlen(bad), "certificate 1 does not parse");
	refused(open, strlen(open), "certificate 2 at byte ");
	refused(nul, sizeof(nul) - 1, "is not base64");
	refused("", 0, "no PEM certificate");
	refused(" \r\n\t", 4, "no PEM certificate");
	free(open);
	free(bad);
	free(hdr);
	free(key);
	free(after);
	free(between);
}

/* At most 10 certificates, 64 KiB each, 256 KiB in all: refused before
 * anything past the limit is parsed. */
static void
test_limits(void **state)
{
	char *many = cat(good_leaf, inter_pem, inter_pem, inter_pem, inter_pem,
	    inter_pem, inter_pem, inter_pem, inter_pem, inter_pem, inter_pem,
	    NULL);
	size_t big = CRYPTO_CHAIN_MAX_CERT_PEM + 100, len;
	char *fat = malloc(big + 1), *huge, *chain;

	(void)state;
	refused(many, strlen(many), "more than 10 certificates");
	/* a block over the size limit, its END line never reached */
	assert_non_null(fat);
	memset(fat, 'A', big);
	fat[big] = '\0';
	chain = cat(good_leaf, "-----BEGIN CERTIFICATE-----\n", fat,
	    "\n-----END CERTIFICATE-----\n", NULL);
	refused(chain, strlen(chain), "certificate 2 is longer than 65536 "
	    "bytes");
	free(chain);
	/* the whole body over its limit, even if only white space */
	len = CRYPTO_CHAIN_MAX_PEM + 1;
	huge = malloc(len + 1);
	assert_non_null(huge);
	memset(huge, '\n', len);
	memcpy(huge, good_leaf, strlen(good_leaf));
	huge[len] = '\0';
	refused(huge, len, "the chain is 262145 bytes; at most 262144");
	free(huge);
	free(fat);
	free(many);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_names_set),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_extra_name),
		cmocka_unit_test(test_missing_name),
		cmocka_unit_test(test_ip_name),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
