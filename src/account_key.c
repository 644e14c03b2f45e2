/* The ACME account key on disk: loaded or created, never sent anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/acme.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/issue.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define KEY_FILE "account.key"
#define NEW_SUFFIX ".new"
#define KEY_MAX (64 * 1024)

int
account_key_path(const char *dir, const char *suffix, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s/%s%s", dir, KEY_FILE,
	    suffix != NULL ? suffix : "");
	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EINVAL, "state directory name too "
		    "long: %s", dir);
	return 0;
}

/* PEM of key to path, 0600, atomically; the PEM is wiped. */
static int
write_key(const char *path, const struct crypto_key *key)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = crypto_key_to_pem(key, &pem, &len);
	if (rc == 0)
		rc = store_write(path, pem, len, 0600);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}

static int
create_key(const char *path, enum crypto_key_type type,
           struct crypto_key **out)
{
	struct crypto_key *key = NULL;
	int rc;

	rc = crypto_key_generate(type, &key);
	if (rc == 0)
		rc = write_key(path, key);
	if (rc == 0) {
		log_stage("account: new %s key saved in %s",
		    crypto_key_type_name(type), path);
		*out = key;
		key = NULL;
	}
	crypto_key_free(key);
	return rc;
}

static int
read_key(const char *path, struct crypto_key **out)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = store_read(path, KEY_MAX, &pem, &len);
	if (rc == 0)
		rc = crypto_key_from_pem(pem, len, out);
	if (rc != 0 && rc != ACMEUP_EIO)
		rc = acme_err_prefix(rc, "account key %s", path);
	if (rc == 0)
		log_debug("account: key loaded from %s", path);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}

int
account_key_open(const char *dir, enum crypto_key_type type, int type_given,
                 struct crypto_key **out, int *created)
{
	char path[PATH_MAX], staged[PATH_MAX], desc[32];
	struct crypto_key *key = NULL;
	int rc, exists;

	rc = account_key_path(dir, NULL, path, sizeof(path));
	if (rc == 0)
		rc = account_key_path(dir, NEW_SUFFIX, staged, sizeof(staged));
	if (rc == 0)
		rc = store_mkdirs(dir, 0700);
	if (rc == 0)
		rc = store_exists(path);
	if (rc < 0)
		return rc;
	if (store_exists(staged) == 1)
		log_warn("%s exists: a key rollover did not finish; if the CA "
		    "already switched, that file holds the account's key",
		    staged);
	exists = rc;
	if (exists)
		rc = read_key(path, &key);
	else
		rc = create_key(path, type, &key);
	if (rc != 0)
		return rc;
	if (created != NULL)
		*created = !exists;
	crypto_key_describe(key, desc, sizeof(desc));
	if (type_given && !crypto_key_is_type(key, type))
		log_warn("account key %s is %s; --account-key-type %s applies "
		    "to new keys (change it with 'acmeup account rollover')",
		    path, desc, crypto_key_type_name(type));
	*out = key;
	return 0;
}

#define STATE_LOCK_WAIT_S 30

int
account_key_open_locked(const char *dir, enum crypto_key_type type,
                        int type_given, int keep_exclusive,
                        struct crypto_key **out, struct lock **lock)
{
	struct crypto_key *key = NULL;
	struct lock *l = NULL;
	char path[PATH_MAX];
	int rc, exists;

	rc = account_key_path(dir, NULL, path, sizeof(path));
	if (rc == 0)
		rc = lock_state(dir, keep_exclusive, STATE_LOCK_WAIT_S, &l);
	exists = rc == 0 ? store_exists(path) : rc;
	if (exists == 0 && !keep_exclusive) {
		/* No key yet: create it under the exclusive lock (released
		 * first, so two shared holders never wait for each other). */
		lock_release(l);
		l = NULL;
		rc = lock_state(dir, 1, STATE_LOCK_WAIT_S, &l);
	} else if (exists < 0) {
		rc = exists;
	}
	if (rc == 0)
		rc = account_key_open(dir, type, type_given, &key, NULL);
	if (rc == 0 && !keep_exclusive)
		rc = lock_share(l);
	if (rc != 0) {
		crypto_key_free(key);
		lock_release(l);
		return rc;
	}
	*out = key;
	*lock = l;
	return 0;
}

int
account_key_load(const char *dir, struct crypto_key **out)
{
	return account_key_open(dir, CRYPTO_KEY_P256, 0, out, NULL);
}

int
account_key_stage(const char *dir, const struct crypto_key *key)
{
	char path[PATH_MAX];
	int rc;

	rc = account_key_path(dir, NEW_SUFFIX, path, sizeof(path));
	if (rc == 0)
		rc = write_key(path, key);
	return rc;
}

int
account_key_commit(const char *dir)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc, fd;

	rc = account_key_path(dir, NEW_SUFFIX, from, sizeof(from));
	if (rc == 0)
		rc = account_key_path(dir, NULL, to, sizeof(to));
	if (rc != 0)
		return rc;
	if (rename(from, to) != 0)
		return acmeup_fail(ACMEUP_EIO, "rename %s to %s: %s; the "
		    "account now uses the key in %s", from, to, strerror(errno),
		    from);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		if (fsync(fd) != 0)
			log_warn("fsync %s: %s", dir, strerror(errno));
		close(fd);
	}
	return 0;
}

void
account_key_unstage(const char *dir)
{
	char path[PATH_MAX];

	if (account_key_path(dir, NEW_SUFFIX, path, sizeof(path)) == 0 &&
	    unlink(path) != 0 && errno != ENOENT)
		log_warn("could not remove %s: %s", path, strerror(errno));
}
