/* Files on disk: atomic writes, bounded reads, directories. */
#ifndef ACMEUP_STORE_H
#define ACMEUP_STORE_H

#include <stddef.h>
#include <sys/types.h>

/* Replace path atomically: temp file in the same directory (mkstemp), fchmod
 * to mode, write, fsync, rename over path, fsync the directory. On error the
 * old file is untouched and the temp file removed. */
int store_write(const char *path, const void *data, size_t len, mode_t mode);

/* store_write() of name in the directory dfd (named dpath in messages):
 * the temp file is made with O_CREAT|O_EXCL|O_NOFOLLOW, and renameat()
 * replaces name itself, never what a symbolic link there points to. */
int store_write_at(int dfd, const char *dpath, const char *name,
                   const void *data, size_t len, mode_t mode);

/* Read at most max bytes of path into *data (NUL-terminated; the caller
 * frees). A larger file is an error; so is anything but a regular file
 * (a FIFO is refused, never waited on). For files the user names (a
 * certificate to revoke): a symbolic link is followed. */
int store_read(const char *path, size_t max, char **data, size_t *len);

/* store_read() of name under dfd (dpath/name in messages), not following
 * a symbolic link; flags as fsafe_open_read() (FSAFE_STRICT for keys). */
int store_read_at(int dfd, const char *dpath, const char *name,
                  const char *kind, int flags, size_t max, char **data,
                  size_t *len);

/* The directory top (--state-dir, --out; a symbolic link in its path is
 * followed), or top/sub when sub is not NULL (one component, never a
 * symbolic link), created with mode when missing and create is set,
 * opened, and checked (fsafe.h: not writable by group or others, owned by
 * this user or root). *fd is the caller's. kind names it in messages
 * ("state directory"). */
int store_dir_open(const char *top, const char *sub, const char *kind,
                   int create, mode_t mode, int *fd);

/* 1 when path exists, 0 when it does not; negative on other errors. */
int store_exists(const char *path);

/* When path exists: it is a directory that store_dir_open() accepts (not
 * writable by group or others, owned by this user or root); else
 * ACMEUP_EUSAGE naming it, its mode, owner and the fix. 0 when missing
 * (it is made 0700/0755 when first used). */
int store_dir_check(const char *path, const char *kind);

/* privkey.pem's key-owner, key-group, key-mode (issue 14 item 7). */
struct store_key_perms {
	long uid;      /* or -1: the running user */
	long gid;      /* or -1: its group */
	unsigned mode; /* 0: 0600 */
};

/* A certificate's files, PEM text; key_pem NULL when the key is the user's
 * (--csr). Borrowed. */
struct cert_files {
	const char *key_pem;
	const char *cert_pem;      /* the leaf */
	const char *chain_pem;     /* the issuers */
	const char *fullchain_pem; /* leaf + issuers */
	const struct store_key_perms *key_perms; /* NULL: ours, 0600 */
};

/* Install a new version of dir/{privkey,cert,chain,fullchain}.pem (dir is
 * created 0755 when missing) so that a failure at any point leaves the live
 * files as they were: every new file is written and synced to a temp file
 * first; the current files are kept in dir/previous/ (replaced as a whole:
 * always one complete earlier version); then the new files replace the live
 * ones, one rename each, with a journal (dir/.acmeup-commit) that lets
 * store_cert_recover() finish the renames after a crash. privkey.pem is
 * 0600, the others 0644. A read-only or full disk is a clear error naming
 * the path. key_pem NULL (--csr): no privkey.pem is written and an existing
 * one is left alone (a warning when it is not the new certificate's key).
 * f and its strings are borrowed. The caller holds the certificate's lock
 * (lock.h). */
int store_cert_commit(const char *dir, const struct cert_files *f);

/* Finish a store_cert_commit() that a crash interrupted after its commit
 * point (roll forward to the new files), and remove the temp files of one
 * interrupted before it. Call it, holding the lock, before reading dir's
 * certificate (due checks, --reuse-key): otherwise a half-installed update
 * may pair a new certificate with the old key. 0 when dir is missing. */
int store_cert_recover(const char *dir);

/* privkey.pem of dir as store_cert_read() with FSAFE_STRICT, but owned by
 * uid (key-owner; -1: none) is accepted as well as by us or root. */
int store_cert_read_key(const char *dir, long uid, size_t max, char **data,
                        size_t *len);

/* name (cert.pem, privkey.pem, ...) of the certificate directory dir
 * (OUT/NAME: OUT checked as store_dir_open() does, NAME never a symbolic
 * link) into *data as store_read_at() does; flags FSAFE_STRICT for the
 * key. 0 and *data NULL when dir or the file is missing. */
int store_cert_read(const char *dir, const char *name, int flags, size_t max,
                    char **data, size_t *len);

/* A certificate issued with -d, remembered in STATE/certs/NAME.rec
 * (cert_record.c; issue 14 item 2). Strings owned by the record. */
struct store_cert_record {
	char *name;          /* directory name under out_dir */
	char **domains;
	size_t n_domains;
	char *out_dir;
	char *key_type;      /* crypto_key_type_name(), or NULL */
	char *server;        /* the CA's directory URL, or NULL */
	char *deploy_hook;   /* or NULL */
	char *key_owner;     /* uid, gid, octal mode of privkey.pem, or NULL */
	char *key_group;
	char *key_mode;
};

/* Write r atomically (STATE/certs made 0700 when missing). A value that
 * does not fit on one line is ACMEUP_EINVAL. */
int store_cert_record_write(const char *state_dir,
                            const struct store_cert_record *r);

/* Every record of state_dir into *out (*n of them; none when the
 * directory is missing). A file that is not a good record is skipped
 * with a warning naming it. Free with store_cert_records_free(). */
int store_cert_records_load(const char *state_dir,
                            struct store_cert_record **out, size_t *n);
void store_cert_record_clear(struct store_cert_record *r);

/* STATE/certs/NAME.revoked: `revoke` notes the RFC 9773 certificate ID
 * of the certificate it revoked; _is() says whether cert_id is that one
 * (0 for none, or a note that cannot be read). */
int store_cert_revoked_note(const char *state_dir, const char *name,
                            const char *cert_id);
int store_cert_revoked_is(const char *state_dir, const char *name,
                          const char *cert_id);

/* `acmeup forget NAME`: remove STATE/certs/NAME.rec (and nothing else);
 * ACMEUP_EUSAGE naming it when there is none. */
int store_cert_record_remove(const char *state_dir, const char *name);
void store_cert_records_free(struct store_cert_record *v, size_t n);

/* One account per CA (account_dir.c): the directory of the account for
 * the CA at directory URL url and EAB key id kid (may be NULL) under
 * state_dir, STATE/accounts/ID (ID: store_account_id), into out. With
 * STORE_ACCT_MAKE it is made (0700) with a `directory` file naming url and
 * kid; with STORE_ACCT_ADOPT too, an older acmeup's STATE/account.key (and
 * account.url, account.key.new) moves in when it is this CA's: no
 * account.url beside it, or one below url's parent ("https://ca/acme/"). Without MAKE (reading),
 * out is state_dir itself while no account directory exists and the old
 * files are this CA's; url NULL gives state_dir. */
#define STORE_ACCT_MAKE 1
#define STORE_ACCT_ADOPT 2
int store_account_dir(const char *state_dir, const char *url, const char *kid,
                      int flags, char *out, size_t len);

/* The first 16 hex digits of SHA-256("URL\nKID") into out (17 octets). */
int store_account_id(const char *url, const char *kid, char *out, size_t len);

/* STATE/account.url (account_url.c): the account URL the last run used.
 * read: *url (caller frees) or NULL when missing or not a plain https URL;
 * write: replaced atomically when it changed. */
int store_account_url_read(const char *state_dir, char **url);
int store_account_url_write(const char *state_dir, const char *url);

#endif
