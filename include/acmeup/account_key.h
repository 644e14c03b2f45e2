/* The ACME account key on disk, <state-dir>/account.key (0600, written
 * atomically). Only crypto and the JWS signer use it; it is never sent.
 * A key rollover (RFC 8555 7.3.5) stages the new key in account.key.new
 * before asking the CA, and renames it over account.key once the CA has
 * switched, so that a crash leaves one of the two keys usable. */
#ifndef ACMEUP_ACCOUNT_KEY_H
#define ACMEUP_ACCOUNT_KEY_H

#include "acmeup/crypto.h"

/* Load dir/account.key, or create a key of type there when there is none
 * (*created = 1). When the existing key is of another type and type_given,
 * a warning says that --account-key-type applies to new keys only. *out
 * owned by the caller; created may be NULL. */
int account_key_open(const char *dir, enum crypto_key_type type,
                     int type_given, struct crypto_key **out, int *created);

/* account_key_open under dir/state.lock (lock.h): shared for the run, so
 * that the key never changes under a running order, but exclusive while a
 * new key is created (two first runs never make two keys) and for the whole
 * run when keep_exclusive (rollover, deactivation). Waits up to 30 s for an
 * exclusive holder. *lock owned by the caller (lock_release). */
struct lock;
int account_key_open_locked(const char *dir, enum crypto_key_type type,
                            int type_given, int keep_exclusive,
                            struct crypto_key **out, struct lock **lock);

/* account_key_open_locked with open doing account_key_open's part (NULL:
 * account_key_open): the keys process opens it (priv_account_open). */
typedef int account_key_opener(const char *dir, enum crypto_key_type type,
                               int type_given, struct crypto_key **out);
int account_key_open_locked_by(const char *dir, enum crypto_key_type type,
                               int type_given, int keep_exclusive,
                               account_key_opener *open,
                               struct crypto_key **out, struct lock **lock);

/* Write key to dir/account.key.new (0600, atomically). */
int account_key_stage(const char *dir, const struct crypto_key *key);

/* Rename dir/account.key.new over dir/account.key and fsync dir. */
int account_key_commit(const char *dir);

/* Remove dir/account.key.new (after the CA refused the rollover). */
void account_key_unstage(const char *dir);

/* dir/account.key into buf. */
int account_key_path(const char *dir, const char *suffix, char *buf,
                     size_t len);

#endif
