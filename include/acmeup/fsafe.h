/* Files we did not create are hostile input: the checks every module makes
 * before it trusts a file or directory (as OpenSSH's StrictModes and
 * OpenBSD acme-client do). No library dependencies.
 *
 * Every refusal records one line naming the path, what is wrong (mode,
 * owner, file type) and the fix, and returns ACMEUP_EUSAGE: a file set up
 * wrongly is a configuration error (exit 2 where it ends the run). */
#ifndef ACMEUP_FSAFE_H
#define ACMEUP_FSAFE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Flags for fsafe_open_read(). */
enum {
	FSAFE_FOLLOW = 1, /* the last component may be a symbolic link */
	FSAFE_STRICT = 2, /* also fsafe_check() (keys, config, state) */
};

/* st (of path, a kind such as "config file") is neither writable by group
 * or others nor owned by anyone but the running user or root. 0, or
 * ACMEUP_EUSAGE with "KIND PATH is mode 0777 (writable by group or
 * others); chmod go-w PATH" / "... is owned by uid N; chown ...". */
int fsafe_check(const char *path, const struct stat *st, const char *kind);

/* fsafe_check(), but owned by uid too is accepted (key-owner; -1: no
 * one more), and so is the user given to fsafe_trust_user(). */
int fsafe_check_owner(const char *path, const struct stat *st,
                      const char *kind, long uid);

/* From now on, files owned by user name (copied; NULL: none) count as the
 * running user's for the whole process: a run as root and the service
 * user's files. The name is looked up (NSS) only when a file of another
 * owner than root or the running user is met. */
void fsafe_trust_user(const char *name);

/* Open name for reading, relative to dirfd (AT_FDCWD for a plain path),
 * without blocking: O_NOFOLLOW (unless FSAFE_FOLLOW), O_NONBLOCK cleared
 * once open; fstat: a regular file only -- a symbolic link, FIFO, device,
 * socket or directory is refused at once. path names the file in
 * messages. *fd (close-on-exec) is the caller's on success. A missing file
 * is ACMEUP_EIO with errno left ENOENT. */
int fsafe_open_read(int dirfd, const char *name, const char *path,
                    const char *kind, int flags, int *fd);

/* Read all of fd (at most max bytes; more is an error naming path) into a
 * new NUL-terminated buffer *data (caller wipes and frees). */
int fsafe_read_fd(int fd, const char *path, size_t max, char **data,
                  size_t *len);

/* fsafe_open_read() + fsafe_read_fd() on a plain path. */
int fsafe_read(const char *path, const char *kind, int flags, size_t max,
               char **data, size_t *len);

/* The top directory path (--state-dir, --out: the user named it, so a
 * symbolic link in path is followed), created with mode and its missing
 * parents when create is set, opened O_DIRECTORY and checked with
 * fsafe_check(). *fd (close-on-exec) is the caller's. Missing and !create:
 * ACMEUP_EIO, errno ENOENT. */
int fsafe_open_top(const char *path, const char *kind, int create,
                   mode_t mode, int *fd);

/* The directory name (one component, never a symbolic link) under dirfd,
 * made with mode when missing and create is set; opened
 * O_DIRECTORY|O_NOFOLLOW and checked with fsafe_check(). path names it in
 * messages. *made (may be NULL): 1 when this call made it, so it was empty
 * as it was opened. */
int fsafe_open_sub(int dirfd, const char *name, const char *path,
                   const char *kind, int create, mode_t mode, int *fd,
                   int *made);

/* 1 when name exists under dirfd (not followed), 0 when not, negative
 * (recorded, naming path) on other errors. */
int fsafe_exists_at(int dirfd, const char *name, const char *path);

#endif
