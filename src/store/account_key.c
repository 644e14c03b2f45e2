/* The ACME account key on disk: loaded or created, never sent anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
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

/* The state directory, opened (made 0700 when missing) and checked
 * (fsafe.h); the key files are reached from it, never through a link. */
static int
state_open(const char *dir, int *dfd)
{
	return store_dir_open(dir, NULL, "state directory", 1, 0700, dfd);
}

/* PEM of key to dir/name, 0600, atomically; the PEM is wiped. */
static int
write_key(int dfd, const char *dir, const char *name,
          const struct crypto_key *key)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = crypto_key_to_pem(key, &pem, &len);
	if (rc == 0)
		rc = store_write_at(dfd, dir, name, pem, len, 0600);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}

static int
create_key(int dfd, const char *dir, enum crypto_key_type type,
           struct crypto_key **out)
{
	struct crypto_key *key = NULL;
	int rc;

	rc = crypto_key_generate(type, &key);
	if (rc == 0)
		rc = write_key(dfd, dir, KEY_FILE, key);
	if (rc == 0) {
		log_stage("account: new %s key saved in %s/" KEY_FILE,
		    crypto_key_type_name(type), dir);
		*out = key;
		key = NULL;
	}
	crypto_key_free(key);
	return rc;
}

/* The key file: a regular file (no link, no FIFO), not writable by group
 * or others, owned by us or root. */
static int
read_key(int dfd, const char *dir, struct crypto_key **out)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = store_read_at(dfd, dir, KEY_FILE, "account key", FSAFE_STRICT,
	    KEY_MAX, &pem, &len);
	if (rc == 0)
		rc = crypto_key_from_pem(pem, len, out);
	if (rc != 0 && rc != ACMEUP_EIO && rc != ACMEUP_EUSAGE)
		rc = acmeup_err_context(rc, "account key %s/" KEY_FILE, dir);
	if (rc == 0)
		log_debug("account: key loaded from %s/" KEY_FILE, dir);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}

static int
open_at(int dfd, const char *dir, enum crypto_key_type type,
        struct crypto_key **out, int *created)
{
	char staged[PATH_MAX];
	int rc, staged_rc;

	rc = account_key_path(dir, NEW_SUFFIX, staged, sizeof(staged));
	if (rc == 0)
		rc = fsafe_exists_at(dfd, KEY_FILE, dir);
	if (rc < 0)
		return rc;
	staged_rc = fsafe_exists_at(dfd, KEY_FILE NEW_SUFFIX, staged);
	if (staged_rc < 0)
		acmeup_err_clear(); /* only a hint */
	if (staged_rc == 1)
		log_warn("%s exists: a key rollover did not finish; if the CA "
		    "already switched, that file holds the account's key",
		    staged);
	*created = !rc;
	if (rc == 1)
		return read_key(dfd, dir, out);
	return create_key(dfd, dir, type, out);
}

int
account_key_open(const char *dir, enum crypto_key_type type, int type_given,
                 struct crypto_key **out, int *created)
{
	struct crypto_key *key = NULL;
	char desc[32];
	int rc, dfd = -1, made = 0;

	rc = state_open(dir, &dfd);
	if (rc == 0)
		rc = open_at(dfd, dir, type, &key, &made);
	if (dfd >= 0)
		close(dfd);
	if (rc != 0)
		return rc;
	if (created != NULL)
		*created = made;
	crypto_key_describe(key, desc, sizeof(desc));
	if (type_given && !crypto_key_is_type(key, type))
		log_warn("account key %s/" KEY_FILE " is %s; --account-key-type "
		    "%s applies to new keys (change it with 'acmeup account "
		    "rollover')", dir, desc, crypto_key_type_name(type));
	*out = key;
	return 0;
}

/* 1 when dir/account.key exists (not followed), 0 when not. */
static int
key_exists(const char *dir)
{
	int rc, dfd = -1;

	rc = state_open(dir, &dfd);
	if (rc == 0)
		rc = fsafe_exists_at(dfd, KEY_FILE, dir);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

#define STATE_LOCK_WAIT_S 30

int
account_key_open_locked(const char *dir, enum crypto_key_type type,
                        int type_given, int keep_exclusive,
                        struct crypto_key **out, struct lock **lock)
{
	return account_key_open_locked_by(dir, type, type_given,
	    keep_exclusive, NULL, out, lock);
}

int
account_key_open_locked_by(const char *dir, enum crypto_key_type type,
                           int type_given, int keep_exclusive,
                           account_key_opener *open, struct crypto_key **out,
                           struct lock **lock)
{
	struct crypto_key *key = NULL;
	struct lock *l = NULL;
	int rc, exists;

	rc = lock_state(dir, keep_exclusive, STATE_LOCK_WAIT_S, &l);
	exists = rc == 0 ? key_exists(dir) : rc;
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
		rc = open != NULL ? open(dir, type, type_given, &key) :
		    account_key_open(dir, type, type_given, &key, NULL);
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
account_key_stage(const char *dir, const struct crypto_key *key)
{
	int rc, dfd = -1;

	rc = state_open(dir, &dfd);
	if (rc == 0)
		rc = write_key(dfd, dir, KEY_FILE NEW_SUFFIX, key);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

int
account_key_commit(const char *dir)
{
	int rc, dfd = -1;

	rc = state_open(dir, &dfd);
	if (rc != 0)
		return rc;
	if (fsop_renameat(dfd, KEY_FILE NEW_SUFFIX, dfd, KEY_FILE) != 0) {
		rc = acmeup_fail(ACMEUP_EIO, "rename %s/" KEY_FILE NEW_SUFFIX
		    " to %s/" KEY_FILE ": %s; the account now uses the key in "
		    "%s/" KEY_FILE NEW_SUFFIX, dir, dir, strerror(errno), dir);
	} else if (fsync(dfd) != 0) {
		log_warn("fsync %s: %s", dir, strerror(errno));
	}
	close(dfd);
	return rc;
}

void
account_key_unstage(const char *dir)
{
	int dfd = -1;

	if (state_open(dir, &dfd) != 0) {
		acmeup_err_clear();
		return;
	}
	if (fsop_unlinkat(dfd, KEY_FILE NEW_SUFFIX, 0) != 0 && errno != ENOENT)
		log_warn("could not remove %s/" KEY_FILE NEW_SUFFIX ": %s", dir,
		    strerror(errno));
	close(dfd);
}
