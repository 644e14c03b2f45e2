/* Certificate keys (the main process's side): made with their CSR in the
 * keys process when one runs, else here; their PEM only for the file
 * writer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "priv_client.h"

struct priv_certkey {
	uint64_t id;              /* in the keys process, or 0 */
	struct crypto_key *local; /* without one */
};

/* names as one NUL-separated field. */
static int
put_names(const char *const *names, size_t n)
{
	size_t i, total = 0;
	char *all, *p;

	for (i = 0; i < n; i++)
		total += strlen(names[i]) + 1;
	all = malloc(total + 1);
	if (all == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0, p = all; i < n; i++) {
		memcpy(p, names[i], strlen(names[i]) + 1);
		p += strlen(names[i]) + 1;
	}
	priv_put_bytes(&priv_cl.req, all, total);
	free(all);
	return 0;
}

/* The request for a certificate key: the reused key as PEM (wiped after
 * sending), or none. */
static int
certkey_remote(int t, const struct crypto_key *reuse,
               const char *const *names, size_t n, struct priv_certkey *k,
               uint8_t **der, size_t *len)
{
	struct priv_reply r = { 0 };
	const struct priv_msg *m = &r.m;
	char *pem = NULL;
	size_t plen = 0;
	int rc = 0;

	if (priv_cl.died || priv_cl.fd < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "certificate key: %s",
		                   priv_cl.died_msg);
	if (reuse != NULL)
		rc = crypto_key_to_pem(reuse, &pem, &plen);
	priv_buf_start(&priv_cl.req, PRIV_CERTKEY_NEW);
	priv_put_num(&priv_cl.req, (uint64_t)t);
	priv_put_bytes(&priv_cl.req, pem, plen);
	if (pem != NULL) {
		explicit_bzero(pem, plen);
		free(pem);
	}
	if (rc == 0)
		rc = put_names(names, n);
	if (rc == 0)
		rc = priv_call(PRIV_CERTKEY_NEW, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "certificate key: %s",
		                 priv_cl.died_msg);
	if (rc == 0 && (m->f[0].num == 0 || m->f[0].num > PRIV_CERTKEYS_MAX))
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: certificate key "
		                 "id %llu", (unsigned long long)m->f[0].num);
	if (rc == 0)
		rc = priv_take(&m->f[1], der, len);
	if (rc == 0) {
		k->id = m->f[0].num;
		log_debug("privsep: %.*s certificate key %llu in the keys "
		          "process", (int)(m->f[2].len > 31 ? 31 : m->f[2].len),
		          (const char *)m->f[2].data, (unsigned long long)k->id);
	}
	priv_reply_free(&r);
	return rc;
}

static int
certkey_local(int t, const struct crypto_key *reuse,
              const char *const *names, size_t n, struct priv_certkey *k,
              uint8_t **der, size_t *len)
{
	char *pem = NULL;
	size_t plen = 0;
	int rc;

	if (reuse != NULL) { /* a copy of our own */
		rc = crypto_key_to_pem(reuse, &pem, &plen);
		if (rc == 0)
			rc = crypto_key_from_pem(pem, plen, &k->local);
		if (pem != NULL) {
			explicit_bzero(pem, plen);
			free(pem);
		}
	} else {
		rc = crypto_key_generate((enum crypto_key_type)t, &k->local);
	}
	if (rc == 0)
		rc = crypto_csr_new(k->local, names, n, der, len);
	return rc;
}

int
priv_certkey_new(int t, const struct crypto_key *reuse,
                 const char *const *names, size_t n,
                 struct priv_certkey **out, uint8_t **der, size_t *len)
{
	struct priv_certkey *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL)
		return ACMEUP_ENOMEM;
	if (priv_cl.started)
		rc = certkey_remote(t, reuse, names, n, k, der, len);
	else
		rc = certkey_local(t, reuse, names, n, k, der, len);
	if (rc != 0) {
		priv_certkey_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

int
priv_certkey_pem(struct priv_certkey *k, char **pem, size_t *len)
{
	struct priv_reply r = { 0 };
	int rc;

	if (k->local != NULL)
		return crypto_key_to_pem(k->local, pem, len);
	priv_buf_start(&priv_cl.req, PRIV_CERTKEY_PEM);
	priv_put_num(&priv_cl.req, k->id);
	rc = priv_call(PRIV_CERTKEY_PEM, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "certificate key: %s",
		                 priv_cl.died_msg);
	if (rc == 0)
		rc = priv_take(&r.m.f[0], (uint8_t **)pem, len);
	priv_reply_free(&r);
	return rc;
}

void
priv_certkey_free(struct priv_certkey *k)
{
	struct priv_reply r = { 0 };

	if (k == NULL)
		return;
	crypto_key_free(k->local);
	if (k->id != 0 && priv_cl.fd >= 0 && !priv_cl.died) {
		priv_buf_start(&priv_cl.req, PRIV_CERTKEY_FREE);
		priv_put_num(&priv_cl.req, k->id);
		if (priv_call(PRIV_CERTKEY_FREE, &r) != 0)
			acmeup_err_clear(); /* the key dies with the process */
		priv_reply_free(&r);
	}
	free(k);
}

