/* Helpers shared by store.c (single files) and store_cert.c (a certificate's
 * set of files). Not for other modules. */
#ifndef ACMEUP_STORE_INTERNAL_H
#define ACMEUP_STORE_INTERNAL_H

#include <stddef.h>

/* write(2) all of data, retrying on EINTR; -1 with errno set on error. */
int store_write_all(int fd, const void *data, size_t len);

/* mkstemp(tmpl) with FD_CLOEXEC set (hooks must not inherit it); -1 with
 * errno set on error. */
int store_mkstemp(char *tmpl);

/* fsync the directory dir itself; -1 with errno set on error. */
int store_fsync_dir(const char *dir);

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
