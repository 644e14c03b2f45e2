/* File system calls of the store (src/store/, fsafe.c), direct or through
 * the files process (issue 13, src/priv/priv_files.c).
 *
 * Each fsop_* call has the signature and the errno of the system call it
 * is named after. Direct until fsop_broker_set(): then every call that
 * names a file goes to the files process, with the directory descriptors
 * it is relative to; the files process does it as the invoking user (root)
 * if its policy allows, and a descriptor it opens comes back over the
 * socket. So a process that has given up root keeps writing the state and
 * output directories, and nothing else.
 *
 * The wire (a SOCK_SEQPACKET socketpair): one struct fsop_req, with 0 to 2
 * descriptors (SCM_RIGHTS); one struct fsop_rep, with 0 or 1. */
#ifndef ACMEUP_FSOP_H
#define ACMEUP_FSOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define FSOP_PATH 4096 /* a path or name, with its NUL */

enum fsop_op {
	FSOP_OPENAT = 1, /* fd0, a, flags, mode -> descriptor */
	FSOP_MKDIRAT,    /* fd0, a, mode */
	FSOP_RENAMEAT2,  /* fd0, a, fd1, b, flags (0 or RENAME_EXCHANGE) */
	FSOP_UNLINKAT,   /* fd0, a, flags (0 or AT_REMOVEDIR) */
	FSOP_LINKAT,     /* fd0, a, fd1, b */
	FSOP_FCHMOD,     /* fd0, mode */
	FSOP_FCHOWN,     /* fd0, uid, gid */
	FSOP_FSTATAT,    /* fd0, a, flags (0 or AT_SYMLINK_NOFOLLOW) -> st */
	FSOP_FACCESSAT,  /* fd0, a, mode, flags */
	FSOP_OPENREG,    /* fd0, a, flags (read only) -> a regular file's */
	/* Not file system calls: the files process keeps the standby's place
	 * (issue 13, priv_spare.c). */
	FSOP_SPARE_ADD,  /* a: a TSIG key file, b: its key (before any other) */
	FSOP_SPARE,      /* fd0: a socket a keys process serves -> its pid */
	FSOP_OP_MAX = FSOP_SPARE,
};

/* A request. fd0/fd1: whether descriptor 0/1 came with it (else the
 * call's AT_FDCWD: a is then an absolute path). */
struct fsop_req {
	uint32_t op;
	uint32_t fd0, fd1;
	int32_t flags;
	uint32_t mode;
	int32_t uid, gid;
	char a[FSOP_PATH];
	char b[FSOP_PATH];
};

struct fsop_rep {
	int32_t rc;      /* >= 0, or -errno */
	uint32_t has_fd; /* a descriptor came with it (OPENAT) */
	struct stat st;  /* FSTATAT */
};

/* buf[0..len) is a well-formed request (its length, op, the descriptors
 * its op takes, NUL-terminated strings): 0 and *req a copy; -EPROTO. */
int fsop_req_check(const void *buf, size_t len, struct fsop_req *req);

/* From now on, calls go to the files process on fd (ours). euid: the
 * files process's user, for fsop_euid(). lost: called once when the files
 * process does not answer (every later call fails with EIO). */
void fsop_broker_set(int fd, uid_t euid, void (*lost)(void));

/* Once brokered, a directory of paths[0..n) (the files process's trees)
 * opened by its path (no O_CREAT) is opened once and handed out as a
 * duplicate from then on, and stat by its path is fstat of that
 * descriptor: each would be a round trip. fsop_broker_set() opens them
 * here, still as the files process's user. The paths are copied; at most
 * FSOP_KEEP_MAX, the rest opened each time. */
#define FSOP_KEEP_MAX 16
void fsop_keep(const char *const *paths, size_t n);

/* fd was just made by fsop_openat(O_CREAT | O_EXCL, mode): its mode is
 * made exactly mode (the umask may have taken bits). Brokered there is
 * nothing to do: the files process creates with umask 0. 0 or -1. */
int fsop_created(int fd, mode_t mode);

/* The user files are created as: the files process's when brokered. */
uid_t fsop_euid(void);

int fsop_openat(int dirfd, const char *name, int flags, ...); /* mode */
int fsop_open(const char *path, int flags); /* O_CREAT without mode: no */
/* openat(dirfd, name, flags) of a regular file to read (flags: O_RDONLY,
 * no O_CREAT): what is there is looked at first, as opening a device can
 * have effects of its own, and anything else is not opened: -1, ENXIO. */
int fsop_open_regular(int dirfd, const char *name, int flags);
int fsop_mkdirat(int dirfd, const char *name, mode_t mode);
int fsop_mkdir(const char *path, mode_t mode);
int fsop_renameat(int olddirfd, const char *oldname, int newdirfd,
                  const char *newname);
int fsop_renameat2(int olddirfd, const char *oldname, int newdirfd,
                   const char *newname, unsigned flags);
int fsop_unlinkat(int dirfd, const char *name, int flags);
int fsop_linkat(int olddirfd, const char *oldname, int newdirfd,
                const char *newname, int flags);
int fsop_fchmod(int fd, mode_t mode);
int fsop_fchown(int fd, uid_t uid, gid_t gid);
int fsop_fstatat(int dirfd, const char *name, struct stat *st, int flags);
int fsop_stat(const char *path, struct stat *st);
int fsop_lstat(const char *path, struct stat *st);
int fsop_faccessat(int dirfd, const char *name, int mode, int flags);

/* One message of len bytes with n (0..2) descriptors out; one in (at most
 * len bytes, up to 2 descriptors into fds, *n of them; more are closed).
 * Bytes, or -errno; -EPROTO for a message or descriptors cut short. */
ssize_t fsop_sendmsg(int fd, const void *buf, size_t len, const int *fds,
                     int n);
ssize_t fsop_recvmsg(int fd, void *buf, size_t len, int fds[2], int *n);

/* One exchange on fd: send req with the descriptors (-1: none), receive
 * the reply and its descriptor (*fd_out, -1 without). 0, or -errno. */
int fsop_call(int fd, const struct fsop_req *req, int fd0, int fd1,
              struct fsop_rep *rep, int *fd_out);

#endif
