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

/* Install a new version of dir/{privkey,cert,chain,fullchain}.pem so that a
 * failure at any point leaves the live files as they were: every new file
 * is written and synced first; the current files are kept in
 * dir/previous/; then the new files replace the live ones. privkey.pem is
 * 0600. A read-only or full disk is a clear error naming the path. */
int store_cert_commit(const char *dir, const struct cert_files *f);

#endif
