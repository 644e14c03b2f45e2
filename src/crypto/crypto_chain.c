/* The check of a downloaded certificate chain before anything is stored
 * (crypto_chain_check): strict PEM (RFC 8555 9.1, RFC 7468 3), bounded
 * size and count, the leaf's key and names are the CSR's, the leaf is
 * within its validity, and each certificate is signed by the next. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/x509-ext.h>

#include "acmeup/error.h"
#include "acmeup/text.h"
#include "crypto_internal.h"

#define PEM_BEGIN "-----BEGIN "
#define PEM_BEGIN_CERT "-----BEGIN CERTIFICATE-----"
#define PEM_END_CERT "-----END CERTIFICATE-----"
#define LABEL_MAX 40   /* longest PEM label shown in a message */
#define LIST_MAX 512   /* names shown in a message */
#define MAX_SANS 1000  /* subjectAltName entries read from the leaf */
#define OID_SAN "2.5.29.17"

struct parsed {
	gnutls_x509_crt_t crt[CRYPTO_CHAIN_MAX_CERTS];
	unsigned n;
};

static void
parsed_free(struct parsed *p)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		gnutls_x509_crt_deinit(p->crt[i]);
	p->n = 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 4648 4 alphabet and padding: what may sit between the lines. */
static int
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Printable copy of untrusted text for a message ('?' for the rest). */
static void
printable(const char *s, size_t len, char *buf, size_t size)
{
	size_t i;

	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[len] = '\0';
}

/* Text at pem[pos] that does not open a CERTIFICATE block. */
static int
not_cert_block(const char *pem, size_t len, size_t pos)
{
	size_t blen = strlen(PEM_BEGIN), max;
	const char *label, *end;
	char shown[LABEL_MAX + 1];

	if (len - pos <= blen || memcmp(pem + pos, PEM_BEGIN, blen) != 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "text at byte %zu is not a "
		    "PEM certificate (RFC 8555 9.1: certificates only)", pos);
	label = pem + pos + blen;
	max = len - pos - blen < LABEL_MAX ? len - pos - blen : LABEL_MAX;
	end = memchr(label, '-', max);
	printable(label, end != NULL ? (size_t)(end - label) : max, shown,
	    sizeof(shown));
	return acmeup_fail(ACMEUP_ECRYPTO, "a PEM \"%s\" block at byte %zu: "
	    "only CERTIFICATE blocks may appear (RFC 8555 9.1)", shown, pos);
}

static int
too_big(unsigned nr)
{
	return acmeup_fail(ACMEUP_ECRYPTO, "certificate %u is longer than "
	    "%d bytes of PEM", nr, CRYPTO_CHAIN_MAX_CERT_PEM);
}

/* Length of the CERTIFICATE block at pem[pos], END line included; between
 * the lines only base64 and white space (RFC 7468 3, no headers). */
static int
block_len(const char *pem, size_t len, size_t pos, unsigned nr, size_t *out)
{
	size_t blen = strlen(PEM_BEGIN_CERT), elen = strlen(PEM_END_CERT);
	size_t i, stop;

	if (len - pos < blen || memcmp(pem + pos, PEM_BEGIN_CERT, blen) != 0)
		return not_cert_block(pem, len, pos);
	stop = len - pos > CRYPTO_CHAIN_MAX_CERT_PEM ?
	    pos + CRYPTO_CHAIN_MAX_CERT_PEM : len;
	for (i = pos + blen; i < stop; i++) {
		if (pem[i] == '-' && stop - i >= elen &&
		    memcmp(pem + i, PEM_END_CERT, elen) == 0) {
			*out = i + elen - pos;
			return 0;
		}
		if (!is_b64(pem[i]) && !is_ws(pem[i]))
			return acmeup_fail(ACMEUP_ECRYPTO, "certificate %u: "
			    "byte %zu is not base64 (RFC 7468 3)", nr, i);
	}
	if (stop < len)
		return too_big(nr);
	return acmeup_fail(ACMEUP_ECRYPTO, "certificate %u at byte %zu has "
	    "no END CERTIFICATE line", nr, pos);
}

/* Decode and parse one block. */
static int
block_parse(const char *pem, size_t len, unsigned nr, gnutls_x509_crt_t *out)
{
	gnutls_datum_t in = { (unsigned char *)(uintptr_t)pem, (unsigned)len };
	gnutls_datum_t der = { NULL, 0 };
	gnutls_x509_crt_t crt = NULL;
	int ret;

	ret = gnutls_pem_base64_decode2("CERTIFICATE", &in, &der);
	if (ret >= 0)
		ret = gnutls_x509_crt_init(&crt);
	if (ret >= 0)
		ret = gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
	gnutls_free(der.data);
	if (ret < 0) {
		if (crt != NULL)
			gnutls_x509_crt_deinit(crt);
		return acmeup_fail(ACMEUP_ECRYPTO, "certificate %u does not "
		    "parse: %s", nr, gnutls_strerror(ret));
	}
	*out = crt;
	return 0;
}

/* Every block of pem, which holds nothing else but white space. */
static int
chain_parse(const char *pem, size_t len, struct parsed *p)
{
	size_t pos = 0, blen = 0;
	int rc;

	p->n = 0;
	if (len > CRYPTO_CHAIN_MAX_PEM)
		return acmeup_fail(ACMEUP_ECRYPTO, "the chain is %zu bytes; "
		    "at most %d are taken", len, CRYPTO_CHAIN_MAX_PEM);
	for (;;) {
		while (pos < len && is_ws(pem[pos]))
			pos++;
		if (pos == len)
			break;
		if (p->n == CRYPTO_CHAIN_MAX_CERTS)
			return acmeup_fail(ACMEUP_ECRYPTO, "more than %d "
			    "certificates", CRYPTO_CHAIN_MAX_CERTS);
		rc = block_len(pem, len, pos, p->n + 1, &blen);
		if (rc == 0)
			rc = block_parse(pem + pos, blen, p->n + 1,
			    &p->crt[p->n]);
		if (rc != 0)
			return rc;
		p->n++;
		pos += blen;
	}
	if (p->n == 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "no PEM certificate in the "
		    "body");
	return 0;
}

/* SubjectPublicKeyInfo DER of a certificate or (crt NULL) of a CSR. */
static int
spki(gnutls_x509_crt_t crt, gnutls_x509_crq_t crq, gnutls_datum_t *out)
{
	gnutls_pubkey_t pub = NULL;
	int ret;

	ret = gnutls_pubkey_init(&pub);
	if (ret >= 0)
		ret = crt != NULL ? gnutls_pubkey_import_x509(pub, crt, 0) :
		    gnutls_pubkey_import_x509_crq(pub, crq, 0);
	if (ret >= 0)
		ret = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, out);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "%s public key: %s",
		    crt != NULL ? "the leaf's" : "the CSR's",
		    gnutls_strerror(ret));
	return 0;
}

/* The leaf's public key is the CSR's (RFC 8555 7.4: the CA certifies the
 * key of the CSR). */
static int
key_check(gnutls_x509_crt_t leaf, gnutls_x509_crq_t crq)
{
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	int rc;

	rc = spki(leaf, NULL, &a);
	if (rc == 0)
		rc = spki(NULL, crq, &b);
	if (rc == 0 && (a.size != b.size || memcmp(a.data, b.data,
	    a.size) != 0))
		rc = acmeup_fail(ACMEUP_ECRYPTO, "the leaf certifies another "
		    "public key than the CSR's");
	gnutls_free(a.data);
	gnutls_free(b.data);
	return rc;
}

/* Append a printable copy of s[0..len) to the comma-separated list in
 * buf, or "..." once it is full. */
static void
list_add(char *buf, size_t size, const char *s, size_t len)
{
	size_t at = strlen(buf);

	if (at >= 3 && strcmp(buf + at - 3, "...") == 0)
		return;
	if (at + len + 6 > size) {
		snprintf(buf + at, size - at, "%s...", at > 0 ? "," : "");
		return;
	}
	if (at > 0)
		buf[at++] = ',';
	printable(s, len, buf + at, size - at);
}

static const char *
san_type_name(unsigned type)
{
	switch (type) {
	case GNUTLS_SAN_IPADDRESS:
		return "<IP address>";
	case GNUTLS_SAN_RFC822NAME:
		return "<e-mail address>";
	case GNUTLS_SAN_URI:
		return "<URI>";
	default:
		return "<other name>";
	}
}

/* Mark every wanted name equal to s[0..len) (case-insensitive); 1 when
 * one was. */
static int
names_mark(const char *const *want, size_t n, unsigned char *seen,
           const unsigned char *s, size_t len)
{
	size_t k;
	int hit = 0;

	for (k = 0; k < n; k++) {
		if (strlen(want[k]) == len &&
		    strncasecmp(want[k], (const char *)s, len) == 0) {
			seen[k] = 1;
			hit = 1;
		}
	}
	return hit;
}

/* The leaf's subjectAltName extension, read once; NULL *out when it has
 * none. */
static int
sans_load(gnutls_x509_crt_t leaf, gnutls_subject_alt_names_t *out)
{
	gnutls_datum_t ext = { NULL, 0 }, dup = { NULL, 0 };
	unsigned critical = 0;
	int ret;

	*out = NULL;
	ret = gnutls_x509_crt_get_extension_by_oid2(leaf, OID_SAN, 0, &ext,
	    &critical);
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		return 0;
	if (ret >= 0 && gnutls_x509_crt_get_extension_by_oid2(leaf, OID_SAN,
	    1, &dup, &critical) >= 0) {
		gnutls_free(dup.data);
		gnutls_free(ext.data);
		return acmeup_fail(ACMEUP_ECRYPTO, "the leaf has two "
		    "subjectAltName extensions (RFC 5280 4.2)");
	}
	if (ret >= 0)
		ret = gnutls_subject_alt_names_init(out);
	if (ret >= 0)
		ret = gnutls_x509_ext_import_subject_alt_names(&ext, *out, 0);
	gnutls_free(ext.data);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "the leaf's subjectAltName: "
		    "%s", gnutls_strerror(ret));
	return 0;
}

/* Walk the SANs: the list shown in have, *bad when one is not wanted. */
static int
sans_walk(gnutls_subject_alt_names_t sans, const char *const *want,
          size_t n, unsigned char *seen, char *have, int *bad)
{
	gnutls_datum_t san, oid;
	const char *label;
	unsigned i, type;
	int ret;

	for (i = 0; sans != NULL; i++) {
		ret = gnutls_subject_alt_names_get(sans, i, &type, &san, &oid);
		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (ret < 0 || i == MAX_SANS)
			return acmeup_fail(ACMEUP_ECRYPTO, "the leaf's "
			    "subjectAltName %u: %s", i + 1, ret < 0 ?
			    gnutls_strerror(ret) : "too many names");
		if (type != GNUTLS_SAN_DNSNAME) {
			label = san_type_name(type);
			list_add(have, LIST_MAX, label, strlen(label));
			*bad = 1;
			continue;
		}
		if (!names_mark(want, n, seen, san.data, san.size))
			*bad = 1;
		list_add(have, LIST_MAX, (const char *)san.data, san.size);
	}
	return 0;
}

/* RFC 8555 7.4, 11.1: the leaf's subjectAltNames are exactly the ordered
 * DNS names, as a set, case-insensitive; no other kind of name (acmeup
 * orders "dns" identifiers only). */
static int
names_check(gnutls_x509_crt_t leaf, const char *const *want, size_t n)
{
	gnutls_subject_alt_names_t sans = NULL;
	char have[LIST_MAX] = "", ordered[LIST_MAX] = "";
	unsigned char *seen = calloc(n + 1, 1);
	int rc, bad = 0;
	size_t k;

	if (seen == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "crypto: out of memory");
	rc = sans_load(leaf, &sans);
	if (rc == 0)
		rc = sans_walk(sans, want, n, seen, have, &bad);
	for (k = 0; k < n; k++) {
		bad |= !seen[k];
		list_add(ordered, sizeof(ordered), want[k], strlen(want[k]));
	}
	if (rc == 0 && bad)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "the leaf is for names %s, "
		    "ordered %s", have[0] != '\0' ? have : "(none)", ordered);
	if (sans != NULL)
		gnutls_subject_alt_names_deinit(sans);
	free(seen);
	return rc;
}

/* RFC 5280 4.1.2.5: notBefore <= now (+ skew) <= notAfter. */
static int
validity_check(gnutls_x509_crt_t leaf, long long now)
{
	time_t nb = gnutls_x509_crt_get_activation_time(leaf);
	time_t na = gnutls_x509_crt_get_expiration_time(leaf);
	char a[32], b[32];

	if (nb == (time_t)-1 || na == (time_t)-1)
		return acmeup_fail(ACMEUP_ECRYPTO, "the leaf's validity "
		    "period is unreadable");
	text_time(now, "%Y-%m-%dT%H:%M:%SZ", b, sizeof(b));
	if ((long long)nb > now + CRYPTO_CHAIN_SKEW) {
		text_time((long long)nb, "%Y-%m-%dT%H:%M:%SZ", a, sizeof(a));
		return acmeup_fail(ACMEUP_ECRYPTO, "the leaf is not valid "
		    "before %s (now %s)", a, b);
	}
	if ((long long)na < now) {
		text_time((long long)na, "%Y-%m-%dT%H:%M:%SZ", a, sizeof(a));
		return acmeup_fail(ACMEUP_ECRYPTO, "the leaf expired at %s "
		    "(now %s)", a, b);
	}
	return 0;
}

/* Why crt[i] does not verify with crt[i + 1]: GnuTLS's words. */
static int
link_fail(unsigned i, unsigned status, int ret)
{
	gnutls_datum_t why = { NULL, 0 };
	const char *text;
	size_t n;
	int rc;

	if (ret >= 0)
		ret = gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &why, 0);
	text = ret < 0 ? gnutls_strerror(ret) : (const char *)why.data;
	n = strlen(text);
	while (n > 0 && text[n - 1] == ' ')
		n--;
	rc = acmeup_fail(ACMEUP_ECRYPTO, "certificate %u is not signed by "
	    "certificate %u: %.*s", i + 1, i + 2, (int)n, text);
	gnutls_free(why.data);
	return rc;
}

/* RFC 8555 9.1: each certificate is certified by the next one (issuer DN
 * and signature). The topmost need not be a root, and only the leaf's
 * dates count (a cross-signed intermediate may have expired). */
static int
links_check(const struct parsed *p)
{
	const unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
	    GNUTLS_VERIFY_DO_NOT_ALLOW_SAME;
	unsigned i, status;
	int ret;

	for (i = 0; i + 1 < p->n; i++) {
		if (gnutls_x509_crt_equals(p->crt[i], p->crt[i + 1]))
			return acmeup_fail(ACMEUP_ECRYPTO, "certificate %u "
			    "repeats certificate %u", i + 2, i + 1);
		if (!gnutls_x509_crt_check_issuer(p->crt[i], p->crt[i + 1]))
			return acmeup_fail(ACMEUP_ECRYPTO, "certificate %u's "
			    "issuer is not the subject of certificate %u",
			    i + 1, i + 2);
		status = 0;
		ret = gnutls_x509_crt_verify(p->crt[i], &p->crt[i + 1], 1,
		    flags, &status);
		if (ret < 0 || status != 0)
			return link_fail(i, status, ret);
	}
	return 0;
}

static int
csr_import(const struct crypto_chain_expect *e, gnutls_x509_crq_t *out)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)e->csr,
	    (unsigned)e->csr_len };
	int ret;

	*out = NULL;
	if (e->csr == NULL || e->csr_len == 0 || e->csr_len > UINT32_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "chain check: no CSR");
	ret = gnutls_x509_crq_init(out);
	if (ret >= 0)
		ret = gnutls_x509_crq_import(*out, &d, GNUTLS_X509_FMT_DER);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "chain check: the CSR: %s",
		    gnutls_strerror(ret));
	return 0;
}

int
crypto_chain_check(const char *pem, size_t len,
                   const struct crypto_chain_expect *e)
{
	struct parsed p = { .n = 0 };
	gnutls_x509_crq_t crq = NULL;
	const char *const *names = e->names;
	char **csr_names = NULL;
	uint8_t *der = NULL;
	size_t n = e->n_names, n_csr = 0, der_len = 0;
	int rc;

	rc = csr_import(e, &crq);
	if (rc == 0 && names == NULL) {
		rc = crypto_csr_load((const char *)e->csr, e->csr_len, &der,
		    &der_len, &csr_names, &n_csr);
		names = (const char *const *)csr_names;
		n = n_csr;
	}
	if (rc == 0)
		rc = chain_parse(pem, len, &p);
	if (rc == 0)
		rc = key_check(p.crt[0], crq);
	if (rc == 0)
		rc = names_check(p.crt[0], names, n);
	if (rc == 0)
		rc = validity_check(p.crt[0], e->now);
	if (rc == 0)
		rc = links_check(&p);
	parsed_free(&p);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	crypto_names_free(csr_names, n_csr);
	free(der);
	return rc;
}
