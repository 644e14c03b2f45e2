/* PKCS#10 certificate signing requests (RFC 2986, RFC 8555 7.4). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509-ext.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

/* X.520 ub-common-name (RFC 5280 appendix A.1). */
#define CN_MAX 64

static int
csr_fail(const char *what, const char *name, int ret)
{
	return acmeup_fail(ACMEUP_ECRYPTO, "CSR: %s%s%s: %s", what,
	                   name != NULL ? " " : "", name != NULL ? name : "",
	                   gnutls_strerror(ret));
}

/* One subjectAltName extension with a dNSName per name, encoded once
 * (gnutls_x509_crq_set_subject_alt_name re-encodes the whole extension for
 * every name added). Critical when the subject is empty (RFC 5280
 * 4.2.1.6). */
static int
csr_sans(gnutls_x509_crq_t crq, const char *const *names, size_t n,
         unsigned critical)
{
	gnutls_subject_alt_names_t sans = NULL;
	gnutls_datum_t der = { NULL, 0 }, d;
	size_t i;
	int ret;

	ret = gnutls_subject_alt_names_init(&sans);
	if (ret < 0)
		return csr_fail("subjectAltName", NULL, ret);
	for (i = 0; i < n; i++) {
		d.data = (unsigned char *)(uintptr_t)names[i];
		d.size = (unsigned)strlen(names[i]);
		ret = gnutls_subject_alt_names_set(sans, GNUTLS_SAN_DNSNAME,
		                                   &d, NULL);
		if (ret < 0) {
			ret = csr_fail("subjectAltName", names[i], ret);
			goto out;
		}
	}
	ret = gnutls_x509_ext_export_subject_alt_names(sans, &der);
	if (ret >= 0)
		ret = gnutls_x509_crq_set_extension_by_oid(crq, "2.5.29.17",
		                                           der.data, der.size,
		                                           critical);
	if (ret < 0)
		ret = csr_fail("subjectAltName", NULL, ret);
out:
	gnutls_free(der.data);
	gnutls_subject_alt_names_deinit(sans);
	return ret < 0 ? ret : 0;
}

/* Subject CN = names[0] (when it fits), SAN dNSName for every name. */
static int
csr_names(gnutls_x509_crq_t crq, const char *const *names, size_t n)
{
	size_t len;
	int ret;

	len = strlen(names[0]);
	if (len <= CN_MAX) {
		ret = gnutls_x509_crq_set_dn_by_oid(crq,
		                                    GNUTLS_OID_X520_COMMON_NAME,
		                                    0, names[0], (unsigned)len);
		if (ret < 0)
			return csr_fail("common name", names[0], ret);
	}
	return csr_sans(crq, names, n, len > CN_MAX);
}

static int
csr_check_names(const char *const *names, size_t n)
{
	size_t i, len;

	if (names == NULL || n == 0)
		return acmeup_fail(ACMEUP_EINVAL, "CSR: no names");
	for (i = 0; i < n; i++) {
		len = names[i] != NULL ? strlen(names[i]) : 0;
		if (len == 0 || len > 253)
			return acmeup_fail(ACMEUP_EINVAL, "CSR: name %zu is empty "
			                   "or longer than 253 octets", i + 1);
	}
	return 0;
}

int
crypto_csr_new(const struct crypto_key *key, const char *const *names,
               size_t n, uint8_t **der, size_t *len)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_datum_t d = { NULL, 0 };
	uint8_t *copy = NULL;
	int ret;

	if (key->priv == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "CSR: this process holds no "
		                   "private key (the keys process signs)");
	ret = csr_check_names(names, n);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crq_init(&crq);
	if (ret < 0)
		return csr_fail("init", NULL, ret);
	ret = gnutls_x509_crq_set_version(crq, 1);
	if (ret < 0) {
		ret = csr_fail("version", NULL, ret);
		goto out;
	}
	ret = csr_names(crq, names, n);
	if (ret < 0)
		goto out;
	ret = gnutls_x509_crq_set_key(crq, key->x509);
	if (ret >= 0)
		ret = gnutls_x509_crq_privkey_sign(crq, key->priv,
		                                   GNUTLS_DIG_SHA256, 0);
	if (ret >= 0)
		ret = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &d);
	if (ret < 0) {
		ret = csr_fail("sign", names[0], ret);
		goto out;
	}
	ret = crypto_datum_dup(&d, &copy);
	if (ret < 0)
		goto out;
	*der = copy;
	*len = d.size;
out:
	gnutls_free(d.data);
	gnutls_x509_crq_deinit(crq);
	return ret;
}

void
crypto_names_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
crypto_names_add(char ***names, size_t *n, const char *name, size_t len)
{
	char **grown, *s;
	size_t i;

	if (len == 0 || len > 253)
		return acmeup_fail(ACMEUP_EINVAL, "a DNS name in the CSR or "
		                   "certificate is empty or longer than 253 "
		                   "octets");
	/* A NUL inside a subjectAltName (the classic "a.test\0.evil" trick)
	 * would also cut the copy short. */
	if (memchr(name, '\0', len) != NULL)
		return acmeup_fail(ACMEUP_EINVAL, "a DNS name in the CSR or "
		                   "certificate holds a NUL byte");
	s = strndup(name, len);
	if (s == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "crypto: out of memory");
	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	for (i = 0; i < *n; i++) {
		if (strcmp((*names)[i], s) == 0) {
			free(s);
			return 0;
		}
	}
	grown = realloc(*names, (*n + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(s);
		return acmeup_fail(ACMEUP_ENOMEM, "crypto: out of memory");
	}
	grown[(*n)++] = s;
	*names = grown;
	return 0;
}

/* Every SAN dNSName, then the subject CN when not among them. */
static int
csr_read_names(gnutls_x509_crq_t crq, char ***names, size_t *n)
{
	char buf[256];
	size_t size;
	unsigned int i, critical;
	int ret, type;

	for (i = 0;; i++) {
		size = sizeof(buf);
		type = gnutls_x509_crq_get_subject_alt_name(crq, i, buf, &size,
		                                            NULL, &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			return csr_fail("subjectAltName", NULL, type);
		if (type != GNUTLS_SAN_DNSNAME)
			continue;
		ret = crypto_names_add(names, n, buf, size);
		if (ret < 0)
			return ret;
	}
	size = sizeof(buf);
	ret = gnutls_x509_crq_get_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0,
	                                    0, buf, &size);
	if (ret >= 0 && size > 0)
		return crypto_names_add(names, n, buf, size);
	return 0;
}

int
crypto_csr_load(const char *data, size_t len, uint8_t **der, size_t *der_len,
                char ***names, size_t *n)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_datum_t in, d = { NULL, 0 };
	char **list = NULL;
	size_t count = 0;
	uint8_t *copy = NULL;
	int ret;

	if (data == NULL || len == 0 || len > UINT32_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "CSR: empty input");
	in.data = (unsigned char *)data;
	in.size = (unsigned int)len;
	ret = gnutls_x509_crq_init(&crq);
	if (ret >= 0)
		ret = gnutls_x509_crq_import(crq, &in, (uint8_t)data[0] == 0x30 ?
		                             GNUTLS_X509_FMT_DER :
		                             GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		ret = csr_fail("not a PEM or DER certificate request", NULL,
		               ret);
		goto out;
	}
	ret = gnutls_x509_crq_verify(crq, 0);
	if (ret < 0) {
		ret = csr_fail("its signature does not verify", NULL, ret);
		goto out;
	}
	ret = csr_read_names(crq, &list, &count);
	if (ret == 0 && count == 0)
		ret = acmeup_fail(ACMEUP_EINVAL, "CSR: names no DNS name "
		                  "(neither subjectAltName dNSName nor CN)");
	if (ret < 0)
		goto out;
	ret = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &d);
	if (ret < 0) {
		ret = csr_fail("export", NULL, ret);
		goto out;
	}
	ret = crypto_datum_dup(&d, &copy);
	if (ret < 0)
		goto out;
	*der = copy;
	*der_len = d.size;
	*names = list;
	*n = count;
	list = NULL;
	count = 0;
out:
	crypto_names_free(list, count);
	gnutls_free(d.data);
	if (crq != NULL)
		gnutls_x509_crq_deinit(crq);
	return ret;
}
