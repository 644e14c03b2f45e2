/* The ACME account key on disk: loaded or created, never sent anywhere. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/issue.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define KEY_FILE "account.key"
#define KEY_MAX (64 * 1024)

static int
create_key(const char *path, struct crypto_key **out)
{
	struct crypto_key *key = NULL;
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = crypto_key_generate_p256(&key);
	if (rc == 0)
		rc = crypto_key_to_pem(key, &pem, &len);
	if (rc == 0)
		rc = store_write(path, pem, len, 0600);
	if (rc == 0) {
		log_stage("account: new ECDSA P-256 key saved in %s", path);
		*out = key;
		key = NULL;
	}
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	crypto_key_free(key);
	return rc;
}

int
account_key_load(const char *dir, struct crypto_key **out)
{
	char path[PATH_MAX], *pem = NULL;
	size_t len = 0;
	int rc, n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, KEY_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return acmeup_fail(ACMEUP_EINVAL, "state directory name too "
		    "long: %s", dir);
	rc = store_mkdirs(dir, 0700);
	if (rc == 0)
		rc = store_exists(path);
	if (rc == 0)
		return create_key(path, out);
	if (rc < 0)
		return rc;
	rc = store_read(path, KEY_MAX, &pem, &len);
	if (rc == 0)
		rc = crypto_key_from_pem(pem, len, out);
	if (rc != 0 && rc != ACMEUP_EIO)
		rc = acmeup_fail(rc, "account key %s: %s", path,
		    acmeup_errmsg(rc));
	if (rc == 0)
		log_debug("account: key loaded from %s", path);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}
