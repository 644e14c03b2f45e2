/* Helpers shared by store.c (single files) and store_cert.c (a certificate's
 * set of files). Not for other modules. */
#ifndef ACMEUP_STORE_INTERNAL_H
#define ACMEUP_STORE_INTERNAL_H

#include <stddef.h>
#include <sys/types.h>

/* write(2) all of data, retrying on EINTR; -1 with errno set on error. */
int store_write_all(int fd, const void *data, size_t len);

/* mkstemp under dfd: a new file PREFIX + six random characters (name,
 * size bytes), O_CREAT|O_EXCL|O_NOFOLLOW, of exactly mode (fsop_created),
 * close-on-exec (hooks must not inherit it). The fd, or -1 with errno
 * set. */
int store_mktemp_at(int dfd, const char *prefix, char *name, size_t size,
                    mode_t mode);

/* mkdtemp under dfd: a new directory PREFIX + six random characters, 0700;
 * 0 or -1 with errno set. */
int store_mkdtemp_at(int dfd, const char *prefix, char *name, size_t size);

/* Record ACMEUP_EIO for errno err met while writing path, naming a
 * read-only file system ("<kind> DIR is read-only") or a full disk ("no
 * space left on device writing PATH") as such; note is appended (may be
 * ""). Returns ACMEUP_EIO. */
int store_io_fail(int err, const char *kind, const char *path,
                  const char *note);

/* Test seam: when set, store_cert_commit() calls it after each step
 * ("staged", "previous", "journal", "renamed cert.pem", ...) so that unit
 * tests can simulate a crash there (the hook _exit()s a forked child).
 * NULL in the program. */
extern void (*store_cert_step_hook)(const char *step);

#endif
