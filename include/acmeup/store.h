/* Files on disk: atomic writes, bounded reads, directories. */
#ifndef ACMEUP_STORE_H
#define ACMEUP_STORE_H

#include <stddef.h>
#include <sys/types.h>

/* Create path and its missing parents with mode (existing ones are left
 * as they are). */
int store_mkdirs(const char *path, mode_t mode);

/* Replace path atomically: temp file in the same directory (mkstemp), fchmod
 * to mode, write, fsync, rename over path, fsync the directory. On error the
 * old file is untouched and the temp file removed. */
int store_write(const char *path, const void *data, size_t len, mode_t mode);

/* Read at most max bytes of path into *data (NUL-terminated; the caller
 * frees). A larger file is an error. */
int store_read(const char *path, size_t max, char **data, size_t *len);

/* 1 when path exists, 0 when it does not; negative on other errors. */
int store_exists(const char *path);

/* A certificate's files, PEM text; key_pem NULL when the key is the user's
 * (--csr). Borrowed. */
struct cert_files {
	const char *key_pem;
	const char *cert_pem;      /* the leaf */
	const char *chain_pem;     /* the issuers */
	const char *fullchain_pem; /* leaf + issuers */
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

#endif
