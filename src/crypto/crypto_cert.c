/* Certificates: DER of the leaf, ARI identifier (RFC 9773 4.1), validity,
 * subjectAltName DNS names, key match, issuer names of a chain (RFC 5280
 * 4.1). */
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

#define MAX_CHAIN 16
#define MAX_ID 64 /* AKI keyIdentifier and serial are at most 20 octets
                   * in practice (RFC 5280 4.1.2.2); allow more */

struct chain {
	gnutls_x509_crt_t *crt;
	unsigned int n;
};

static void
chain_free(struct chain *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		gnutls_x509_crt_deinit(c->crt[i]);
	gnutls_free(c->crt);
	c->crt = NULL;
	c->n = 0;
}

/* PEM certificates (one or a chain), or DER certificates. */
static int
chain_load(const char *pem, size_t len, struct chain *c)
{
	gnutls_x509_crt_fmt_t fmt = GNUTLS_X509_FMT_PEM;
	gnutls_datum_t d;
	int ret;

	c->crt = NULL;
	c->n = 0;
	if (pem == NULL || len == 0 || len > UINT32_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "certificate: empty input");
	if ((uint8_t)pem[0] == 0x30) /* DER SEQUENCE; PEM starts with text */
		fmt = GNUTLS_X509_FMT_DER;
	d.data = (unsigned char *)pem;
	d.size = (unsigned int)len;
	ret = gnutls_x509_crt_list_import2(&c->crt, &c->n, &d, fmt, 0);
	if (ret >= 0 && (c->n == 0 || c->n > MAX_CHAIN)) {
		chain_free(c);
		ret = GNUTLS_E_CERTIFICATE_LIST_UNSORTED;
	}
	if (ret < 0) {
		c->crt = NULL;
		c->n = 0;
		return acmeup_fail(ACMEUP_ECRYPTO, "certificate: not a PEM or "
		                   "DER X.509 certificate (%s)",
		                   gnutls_strerror(ret));
	}
	return 0;
}

int
crypto_cert_der(const char *pem, size_t len, uint8_t **der, size_t *der_len)
{
	struct chain c;
	gnutls_datum_t d = { NULL, 0 };
	uint8_t *copy = NULL;
	int ret;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crt_export2(c.crt[0], GNUTLS_X509_FMT_DER, &d);
	if (ret < 0) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "certificate: export: %s",
		                  gnutls_strerror(ret));
		goto out;
	}
	ret = crypto_datum_dup(&d, &copy);
	if (ret == 0) {
		*der = copy;
		*der_len = d.size;
	}
out:
	gnutls_free(d.data);
	chain_free(&c);
	return ret;
}

/* RFC 9773 4.1: the serial's DER INTEGER content octets, which keep the
 * leading zero octet of a serial whose high bit is set. */
static int
ari_serial(gnutls_x509_crt_t crt, char **out)
{
	uint8_t buf[MAX_ID + 1];
	size_t size = MAX_ID;
	int ret;

	ret = gnutls_x509_crt_get_serial(crt, buf + 1, &size);
	if (ret < 0 || size == 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "certificate: serial "
		                   "number: %s", gnutls_strerror(ret));
	if (buf[1] & 0x80) {
		buf[0] = 0;
		return b64url_encode(buf, size + 1, out);
	}
	return b64url_encode(buf + 1, size, out);
}

int
crypto_cert_ari_id(const char *pem, size_t len, char **out)
{
	struct chain c;
	uint8_t aki[MAX_ID];
	size_t aki_len = sizeof(aki), n;
	unsigned int critical = 0;
	char *a = NULL, *s = NULL, *id = NULL;
	int ret;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crt_get_authority_key_id(c.crt[0], aki, &aki_len,
	                                           &critical);
	if (ret < 0 || aki_len == 0) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "certificate has no authority "
		                  "key identifier, so no ARI identifier "
		                  "(RFC 9773 4.1)");
		goto out;
	}
	ret = b64url_encode(aki, aki_len, &a);
	if (ret == 0)
		ret = ari_serial(c.crt[0], &s);
	if (ret < 0)
		goto out;
	n = strlen(a) + 1 + strlen(s) + 1;
	id = malloc(n);
	if (id == NULL) {
		ret = acmeup_fail(ACMEUP_ENOMEM, "crypto: out of memory");
		goto out;
	}
	memcpy(id, a, strlen(a));
	id[strlen(a)] = '.';
	memcpy(id + strlen(a) + 1, s, strlen(s) + 1);
	*out = id;
out:
	free(a);
	free(s);
	chain_free(&c);
	return ret;
}

int
crypto_cert_validity(const char *pem, size_t len, long long *not_before,
                     long long *not_after)
{
	struct chain c;
	time_t nb, na;
	int ret;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	nb = gnutls_x509_crt_get_activation_time(c.crt[0]);
	na = gnutls_x509_crt_get_expiration_time(c.crt[0]);
	chain_free(&c);
	if (nb == (time_t)-1 || na == (time_t)-1)
		return acmeup_fail(ACMEUP_ECRYPTO, "certificate: unreadable "
		                   "validity period");
	*not_before = (long long)nb;
	*not_after = (long long)na;
	return 0;
}

int
crypto_cert_names(const char *pem, size_t len, char ***names, size_t *n)
{
	char buf[256], **list = NULL;
	size_t size, count = 0;
	unsigned int i, critical;
	struct chain c;
	int ret, type = 0;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	for (i = 0; ret == 0; i++) {
		size = sizeof(buf);
		type = gnutls_x509_crt_get_subject_alt_name(c.crt[0], i, buf,
		                                            &size, &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			ret = acmeup_fail(ACMEUP_ECRYPTO, "certificate: "
			                  "subjectAltName: %s", gnutls_strerror(type));
		else if (type == GNUTLS_SAN_DNSNAME)
			ret = crypto_names_add(&list, &count, buf, size);
	}
	chain_free(&c);
	if (ret < 0) {
		crypto_names_free(list, count);
		return ret;
	}
	*names = list;
	*n = count;
	return 0;
}

int
crypto_cert_key_matches(const char *pem, size_t len,
                        const struct crypto_key *key)
{
	unsigned char a[64], b[64];
	size_t la = sizeof(a), lb = sizeof(b);
	gnutls_pubkey_t pub = NULL;
	struct chain c;
	int ret;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crt_get_key_id(c.crt[0], GNUTLS_KEYID_USE_SHA256, a,
	                                 &la);
	chain_free(&c);
	/* the public half: a key the keys process holds is one alone */
	if (ret >= 0 && (ret = crypto_key_pubkey(key, &pub)) < 0)
		return ret;
	if (ret >= 0)
		ret = gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, b,
		                               &lb);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "key ID: %s",
		                   gnutls_strerror(ret));
	if (la != lb || memcmp(a, b, la) != 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "the key is not the "
		                   "certificate's key");
	return 0;
}

/* Issuer CN of crt into buf ("" when it has none). */
static void
issuer_cn(gnutls_x509_crt_t crt, char *buf, size_t len)
{
	size_t size = len;

	if (gnutls_x509_crt_get_issuer_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) < 0)
		buf[0] = '\0';
}

int
crypto_chain_issuer_rank(const char *pem, size_t len, const char *cn,
                         int *rank)
{
	char buf[256];
	struct chain c;
	unsigned int i;
	int ret, r = 0;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	for (i = 0; i < c.n; i++) {
		issuer_cn(c.crt[i], buf, sizeof(buf));
		if (strcmp(buf, cn) == 0)
			r = i + 1 == c.n ? 2 : (r > 1 ? r : 1);
	}
	chain_free(&c);
	*rank = r;
	return 0;
}

int
crypto_chain_top_issuer(const char *pem, size_t len, char **out)
{
	char buf[256];
	struct chain c;
	int ret;

	ret = chain_load(pem, len, &c);
	if (ret < 0)
		return ret;
	issuer_cn(c.crt[c.n - 1], buf, sizeof(buf));
	chain_free(&c);
	*out = strdup(buf[0] != '\0' ? buf : "?");
	return *out == NULL ? ACMEUP_ENOMEM : 0;
}
