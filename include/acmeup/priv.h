/* Privilege separation (src/priv/): the keys process.
 *
 * Before any network code runs, the engine registers the TSIG keys and
 * forks the keys process (priv_keys_start), which then opens the account
 * key. From its first request (or priv_keys_settle) on, the main process
 * holds no TSIG secret (wiped), and it never held the account's private
 * key; the keys process holds them, opens no socket and answers
 * typed, length-checked requests over a socketpair: a TSIG signature over
 * a DNS message, the check of a reply's TSIG, a JWS signature, a new
 * certificate key and its CSR, that key's PEM for the file writer.
 *
 * The signing functions below are the one place where TSIG and JWS
 * signing happens: with no keys process (other commands, --no-sandbox),
 * or for a key that was not registered, they sign in this process.
 *
 * When the keys process dies, the next request notices (or
 * priv_keys_check): the death is logged naming pid and signal, and a new
 * keys process, loading the TSIG keys from their files, takes over TSIG
 * signing so the records published can still be removed: sandboxed as
 * root, the files process starts it (priv_spare.c, with the key files
 * registered at priv_keys_settle); with a -y key (no file) or not root, a
 * standby keys process forked beside the first, idle until then, takes
 * over instead. JWS and certificate keys fail from then on.
 * priv_keys_died() tells the engine.
 */
#ifndef ACMEUP_PRIV_H
#define ACMEUP_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "acmeup/crypto.h"

struct tsig_ctx;
struct tsig_key;
struct tsig_result;

/* Register a TSIG key (file: its key file, for a new keys process after a
 * death; "-" or NULL when it came from -y) before priv_keys_start.
 * Borrowed; it must outlive priv_keys_stop. */
int priv_keys_add_tsig(struct tsig_key *key, const char *file);

/* Fork the keys process. sandbox: it installs its seccomp filter (where
 * available) before its first request other than priv_account_open. This
 * process's filter is installed (sandboxed), the key files registered
 * with the files process (sandboxed as root, every key from a file) or
 * else the standby (for -y keys, and always when sandboxed) forked, and
 * the registered TSIG secrets here wiped, while the keys process answers
 * its first request, or at priv_keys_settle(). */
int priv_keys_start(int sandbox);

/* When sandboxed, this process's seccomp filter; the key files left to
 * the files process, else the standby forked; the TSIG secrets here
 * wiped; now, if not yet: before any network code. */
void priv_keys_settle(void);

/* account_key_open (account_key.h) done by the keys process, which keeps
 * the key (and writes it when it makes one); *out is its public key alone
 * (crypto_key_from_public_der), owned by the caller, which must keep it
 * until priv_keys_stop. Without a keys process: account_key_open here. */
int priv_account_open(const char *dir, enum crypto_key_type type,
                      int type_given, struct crypto_key **out);

/* A key rollover's new account key (RFC 8555 7.3.5), made by the keys
 * process and staged there in dir/account.key.new (account_key_stage);
 * *out is its public key alone, which priv_jws_sign() signs with, owned by
 * the caller and kept until priv_keys_stop. Before the first signature
 * (the keys process seals then). Without a keys process: made and staged
 * here. */
int priv_account_stage(const char *dir, enum crypto_key_type type,
                       struct crypto_key **out);

/* A private key file (PEM; revoke --cert-key) read and kept by the keys
 * process (fsafe: regular file, safe mode; the path's links followed, as
 * for a file named on the command line); *out its public key alone, which
 * priv_jws_sign() signs with. Before the first signature. Without a keys
 * process: read here. */
int priv_key_load(const char *path, struct crypto_key **out);

/* End the keys process (EOF on its socket, then reap it) and forget the
 * registered keys. Safe without a start. */
void priv_keys_stop(void);

/* 1 when a keys process was started and one has died (its message, naming
 * the process and signal, in buf), else 0. Reaps a dead one first. */
int priv_keys_died(char *buf, size_t len);

/* Pid of the current keys process, 0 when none. */
long priv_keys_pid(void);

/* tsig_sign() / tsig_verify() (tsig.h), in the keys process when the key
 * is registered there; same arguments and TSIG_* results. A keys process
 * that cannot be reached gives TSIG_ECRYPTO (its death logged). */
int priv_tsig_sign(const struct tsig_key *key, uint8_t *msg, size_t *len,
                   size_t cap, struct tsig_ctx *ctx);
int priv_tsig_verify(const struct tsig_key *key, const uint8_t *msg,
                     size_t len, const struct tsig_ctx *ctx,
                     struct tsig_result *res);

/* Before the first signature (after priv_account_open): the keys process
 * loads the TSIG keys that the journals under state_dir name (key files
 * only; -y keys are not recorded), so that cleaning up after a dead run
 * (dns_journal_recover) needs no key file opened here. Then it seals. */
int priv_journal_keys(const char *state_dir);

/* A key the keys process holds, by its file and name (a journal's, or one
 * registered); NULL when none (or no keys process). Borrowed. */
const struct tsig_key *priv_tsig_find(const char *file, const char *name);

/* crypto_sign() (crypto.h) for a JWS: in the keys process when key is one
 * priv_account_open gave. */
int priv_jws_sign(const struct crypto_key *key, const void *input,
                  size_t len, uint8_t **sig, size_t *siglen);

/* A certificate key: in the keys process when one runs, else here. */
struct priv_certkey;

/* A certificate key and its CSR (crypto_csr_new: CN names[0], SANs all):
 * reuse (borrowed; may be NULL) is taken over, else a new key of type t
 * (enum crypto_key_type) is made. *der allocated, caller frees. */
int priv_certkey_new(int t, const struct crypto_key *reuse,
                     const char *const *names, size_t n,
                     struct priv_certkey **out, uint8_t **der, size_t *len);

/* The key's PEM (PKCS#8) for the store to write; the caller wipes
 * (explicit_bzero) and frees it right after the write. */
int priv_certkey_pem(struct priv_certkey *k, char **pem, size_t *len);

void priv_certkey_free(struct priv_certkey *k); /* accepts NULL */

/* Seccomp (libseccomp) when built with ACMEUP_SECCOMP: a deny-list for the
 * main process (no exec, no ptrace, no kernel modules, no mounts, no
 * reading other processes' memory...), with no_new_privs. Once a process:
 * later calls do nothing. 0 when installed; ACMEUP_EIO when not available
 * (this build or this kernel; a detail recorded for the caller to say once). */
int priv_sandbox_main(void);

/* The files process (priv_files.c), forked as root: it will do the
 * store's calls (fsop.h) within the trees tops[0..n) (--state-dir, the
 * output directories; borrowed) only. Forked before any key is loaded, it
 * starts while this process goes on. */
int priv_files_start(const char *const *tops, size_t n);

/* From now on the store's calls go to the files process (when one was
 * started). Then priv_main_become() may drop root here. */
void priv_files_use(void);

/* 1 when the files process has ended (its message, naming the process
 * and signal, in buf), else 0. Reaps it first. */
int priv_files_died(char *buf, size_t len);

/* Become user acmeup, else nobody (no supplementary groups): *uid its uid.
 * ACMEUP_EIO with a detail when there is none or it fails. */
int priv_main_become(long *uid);

/* Landlock (priv_landlock.c): from now on this process may read the
 * system's files and ro[0..n_ro) (a file or a directory tree; NULL
 * entries skipped), read and write beneath rw[0..n_rw), which must exist,
 * and open nothing else; it executes nothing. Sets no_new_privs.
 * ACMEUP_EIO with a detail when the kernel has no Landlock. */
int priv_landlock(const char *const *rw, size_t n_rw, const char *const *ro,
                  size_t n_ro);

#endif
