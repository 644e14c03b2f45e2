/* The store's file system calls, direct or through the files process
 * (include/acmeup/fsop.h). */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/fsop.h"

static int broker = -1;
static uid_t broker_euid;
static void (*broker_lost)(void);
static int broker_dead;

static struct kept {
	char *path;
	int flags; /* of fd */
	int fd;    /* -1 until first opened */
} kept[FSOP_KEEP_MAX];
static size_t nkept;

#define KEPT_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC) /* fsafe_open_top */

void
fsop_broker_set(int fd, uid_t euid, void (*lost)(void))
{
	size_t i;

	/* The trees opened here, as the files process would: no round trip
	 * for them later. One that cannot be opened now is tried there. */
	for (i = 0; fd >= 0 && broker < 0 && i < nkept; i++) {
		if (kept[i].fd >= 0)
			continue;
		kept[i].flags = KEPT_FLAGS;
		kept[i].fd = open(kept[i].path, KEPT_FLAGS);
	}
	broker = fd;
	broker_euid = euid;
	broker_lost = lost;
	broker_dead = 0;
}

void
fsop_keep(const char *const *paths, size_t n)
{
	size_t i;

	for (i = 0; i < n && nkept < FSOP_KEEP_MAX; i++) {
		if (paths[i] == NULL ||
		    (kept[nkept].path = strdup(paths[i])) == NULL)
			continue; /* opened each time */
		kept[nkept++].fd = -1;
	}
}

int
fsop_created(int fd, mode_t mode)
{
	return broker >= 0 ? 0 : fchmod(fd, mode);
}

uid_t
fsop_euid(void)
{
	return broker >= 0 ? broker_euid : geteuid();
}

/* The descriptors each op takes: bit 0 fd0, bit 1 fd1 (a may be a path
 * instead of fd0 for the ops that take a name). */
static unsigned
op_fds(uint32_t op)
{
	switch (op) {
	case FSOP_RENAMEAT2:
	case FSOP_LINKAT:
		return 3;
	default:
		return 1;
	}
}

static int
has_nul(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int
fsop_req_check(const void *buf, size_t len, struct fsop_req *req)
{
	unsigned need;

	if (len != sizeof(*req))
		return -EPROTO;
	memcpy(req, buf, sizeof(*req));
	if (req->op < FSOP_OPENAT || req->op > FSOP_OP_MAX ||
	    req->fd0 > 1 || req->fd1 > 1 || !has_nul(req->a, FSOP_PATH) ||
	    !has_nul(req->b, FSOP_PATH))
		return -EPROTO;
	need = op_fds(req->op);
	if (req->fd1 && !(need & 2))
		return -EPROTO;
	if ((req->op == FSOP_FCHMOD || req->op == FSOP_FCHOWN ||
	    req->op == FSOP_SPARE) && !req->fd0)
		return -EPROTO;
	if (req->op == FSOP_SPARE_ADD && req->fd0)
		return -EPROTO;
	return 0;
}

ssize_t
fsop_sendmsg(int fd, const void *buf, size_t len, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 2)];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	ssize_t r;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (n > 2)
		return -EINVAL;
	if (n > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	do
		r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

ssize_t
fsop_recvmsg(int fd, void *buf, size_t len, int fds[2], int *n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 2)];
	struct iovec iov = { buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	int i, m, got;
	ssize_t r;

	*n = 0;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	do
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	for (c = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c != NULL;
	    c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		m = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < m; i++) {
			memcpy(&got, CMSG_DATA(c) + (size_t)i * sizeof(int),
			    sizeof(int));
			if (*n < 2)
				fds[(*n)++] = got;
			else
				close(got);
		}
	}
	if (r > 0 && (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		for (i = 0; i < *n; i++) /* the kernel closed the rest */
			close(fds[i]);
		*n = 0;
		return -EPROTO;
	}
	return r < 0 ? -errno : r;
}

static int
send_req(int fd, const struct fsop_req *req, int fd0, int fd1)
{
	int fds[2], n = 0;
	ssize_t r;

	if (fd0 >= 0)
		fds[n++] = fd0;
	if (fd1 >= 0)
		fds[n++] = fd1;
	r = fsop_sendmsg(fd, req, sizeof(*req), fds, n);
	return r == (ssize_t)sizeof(*req) ? 0 : r < 0 ? (int)r : -EPROTO;
}

/* The reply, and the descriptor that came with it (-1: none). */
static int
recv_rep(int fd, struct fsop_rep *rep, int *fd_out)
{
	int fds[2], n, i;
	ssize_t r = fsop_recvmsg(fd, rep, sizeof(*rep), fds, &n);

	if (r != (ssize_t)sizeof(*rep) || n > 1 || (n == 1) !=
	    (rep->has_fd != 0)) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		return r < 0 ? (int)r : -EPROTO;
	}
	*fd_out = n == 1 ? fds[0] : -1;
	return 0;
}

int
fsop_call(int fd, const struct fsop_req *req, int fd0, int fd1,
          struct fsop_rep *rep, int *fd_out)
{
	int rc = send_req(fd, req, fd0, fd1);

	*fd_out = -1;
	return rc != 0 ? rc : recv_rep(fd, rep, fd_out);
}

/* Build and send one request; the call's return value (errno set). */
static int
brokered(uint32_t op, int fd0, const char *a, int fd1, const char *b,
         int flags, mode_t mode, uid_t uid, gid_t gid, struct stat *st)
{
	struct fsop_req req;
	struct fsop_rep rep;
	int rc, got = -1;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.fd0 = fd0 >= 0;
	req.fd1 = fd1 >= 0;
	req.flags = flags;
	req.mode = (uint32_t)mode;
	req.uid = (int32_t)uid;
	req.gid = (int32_t)gid;
	if ((a != NULL && snprintf(req.a, sizeof(req.a), "%s", a) >=
	    (int)sizeof(req.a)) || (b != NULL && snprintf(req.b,
	    sizeof(req.b), "%s", b) >= (int)sizeof(req.b))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rc = broker_dead ? -EIO : fsop_call(broker, &req, fd0, fd1, &rep,
	    &got);
	if (rc != 0) {
		if (!broker_dead && broker_lost != NULL)
			broker_lost(); /* said once */
		broker_dead = 1;
		errno = EIO;
		return -1;
	}
	if (rep.rc < 0) {
		errno = -rep.rc;
		return -1;
	}
	if (st != NULL)
		*st = rep.st;
	return got >= 0 ? got : rep.rc;
}

static struct kept *
kept_dir(const char *path)
{
	size_t i;

	for (i = 0; broker >= 0 && i < nkept; i++)
		if (strcmp(kept[i].path, path) == 0)
			return &kept[i];
	return NULL;
}

/* An open of a kept directory by its path: a duplicate when opened before
 * with the same flags, else opened through the files process (and kept). */
static int
kept_open(struct kept *k, int flags)
{
	int fd;

	if (k->fd >= 0 && k->flags == flags)
		return fcntl(k->fd, F_DUPFD_CLOEXEC, 0);
	fd = brokered(FSOP_OPENAT, -1, k->path, -1, NULL, flags, 0, 0, 0,
	    NULL);
	if (fd >= 0 && k->fd < 0) {
		k->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		k->flags = flags;
	}
	return fd;
}

/* dirfd as sent: AT_FDCWD is none (a is a path). */
static int
dfd(int dirfd)
{
	return dirfd == AT_FDCWD ? -1 : dirfd;
}

int
fsop_openat(int dirfd, const char *name, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (broker < 0)
		return openat(dirfd, name, flags, mode);
	return brokered(FSOP_OPENAT, dfd(dirfd), name, -1, NULL, flags, mode,
	    0, 0, NULL);
}

/* Direct: the look, then the open (a file swapped in between is the
 * caller's fstat to find). */
static int
open_regular(int dirfd, const char *name, int flags)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, (flags & O_NOFOLLOW) ?
	    AT_SYMLINK_NOFOLLOW : 0) == 0 && !S_ISREG(st.st_mode)) {
		errno = ENXIO;
		return -1;
	}
	return openat(dirfd, name, flags);
}

int
fsop_open_regular(int dirfd, const char *name, int flags)
{
	if ((flags & (O_ACCMODE | O_CREAT | __O_TMPFILE)) != O_RDONLY) {
		errno = EINVAL;
		return -1;
	}
	if (broker < 0)
		return open_regular(dirfd, name, flags);
	return brokered(FSOP_OPENREG, dfd(dirfd), name, -1, NULL, flags, 0,
	    0, 0, NULL);
}

int
fsop_open(const char *path, int flags)
{
	struct kept *k = (flags & (O_DIRECTORY | O_CREAT)) == O_DIRECTORY ?
	    kept_dir(path) : NULL;

	return k != NULL ? kept_open(k, flags) : fsop_openat(AT_FDCWD, path,
	    flags);
}

int
fsop_mkdirat(int dirfd, const char *name, mode_t mode)
{
	if (broker < 0)
		return mkdirat(dirfd, name, mode);
	return brokered(FSOP_MKDIRAT, dfd(dirfd), name, -1, NULL, 0, mode, 0,
	    0, NULL);
}

int
fsop_mkdir(const char *path, mode_t mode)
{
	return fsop_mkdirat(AT_FDCWD, path, mode);
}

int
fsop_renameat2(int olddirfd, const char *oldname, int newdirfd,
               const char *newname, unsigned flags)
{
	if (broker < 0)
		return flags == 0 ? renameat(olddirfd, oldname, newdirfd,
		    newname) : renameat2(olddirfd, oldname, newdirfd, newname,
		    flags);
	return brokered(FSOP_RENAMEAT2, dfd(olddirfd), oldname,
	    dfd(newdirfd), newname, (int)flags, 0, 0, 0, NULL);
}

int
fsop_renameat(int olddirfd, const char *oldname, int newdirfd,
              const char *newname)
{
	return fsop_renameat2(olddirfd, oldname, newdirfd, newname, 0);
}

int
fsop_unlinkat(int dirfd, const char *name, int flags)
{
	if (broker < 0)
		return unlinkat(dirfd, name, flags);
	return brokered(FSOP_UNLINKAT, dfd(dirfd), name, -1, NULL, flags, 0,
	    0, 0, NULL);
}

int
fsop_linkat(int olddirfd, const char *oldname, int newdirfd,
            const char *newname, int flags)
{
	if (broker < 0)
		return linkat(olddirfd, oldname, newdirfd, newname, flags);
	return brokered(FSOP_LINKAT, dfd(olddirfd), oldname, dfd(newdirfd),
	    newname, flags, 0, 0, 0, NULL);
}

int
fsop_fchmod(int fd, mode_t mode)
{
	if (broker < 0)
		return fchmod(fd, mode);
	return brokered(FSOP_FCHMOD, fd, NULL, -1, NULL, 0, mode, 0, 0, NULL);
}

int
fsop_fchown(int fd, uid_t uid, gid_t gid)
{
	if (broker < 0)
		return fchown(fd, uid, gid);
	return brokered(FSOP_FCHOWN, fd, NULL, -1, NULL, 0, 0, uid, gid,
	    NULL);
}

int
fsop_fstatat(int dirfd, const char *name, struct stat *st, int flags)
{
	if (broker < 0)
		return fstatat(dirfd, name, st, flags);
	return brokered(FSOP_FSTATAT, dfd(dirfd), name, -1, NULL, flags, 0, 0,
	    0, st);
}

int
fsop_stat(const char *path, struct stat *st)
{
	struct kept *k = kept_dir(path);

	return k != NULL && k->fd >= 0 ? fstat(k->fd, st) :
	    fsop_fstatat(AT_FDCWD, path, st, 0);
}

int
fsop_lstat(const char *path, struct stat *st)
{
	return fsop_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

int
fsop_faccessat(int dirfd, const char *name, int mode, int flags)
{
	if (broker < 0)
		return faccessat(dirfd, name, mode, flags);
	return brokered(FSOP_FACCESSAT, dfd(dirfd), name, -1, NULL, flags,
	    (mode_t)mode, 0, 0, NULL);
}
