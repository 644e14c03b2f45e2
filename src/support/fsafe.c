/* Files we did not create are hostile input (include/acmeup/fsafe.h): the
 * mode and owner check, and opens that neither follow a symbolic link nor
 * block on a FIFO. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"

static const char *
type_name(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

/* KIND PATH is not what it must be (a regular file or a directory). */
static int
refuse_type(const char *path, const char *kind, mode_t m, const char *want)
{
	return acmeup_fail(ACMEUP_EUSAGE, "%s %s is %s, not %s: refused "
	    "(acmeup follows no symbolic link and reads no special file "
	    "there)", kind, path, type_name(m), want);
}

/* The service user (fsafe_trust_user): its name, and its uid once looked
 * up (-1: not yet or not found). */
static char trusted_name[64];
static long trusted_uid = -1;
static int trusted_looked_up;

void
fsafe_trust_user(const char *name)
{
	trusted_name[0] = '\0';
	trusted_uid = -1;
	trusted_looked_up = 0;
	if (name != NULL && strlen(name) < sizeof(trusted_name))
		memcpy(trusted_name, name, strlen(name) + 1);
}

/* uid is the trusted user's (looked up at the first foreign owner). */
static int
trusted(uid_t uid)
{
	const struct passwd *pw;

	if (trusted_name[0] == '\0')
		return 0;
	if (!trusted_looked_up) {
		trusted_looked_up = 1;
		pw = getpwnam(trusted_name);
		if (pw != NULL && pw->pw_uid != 0)
			trusted_uid = (long)pw->pw_uid;
	}
	return trusted_uid >= 0 && (long)uid == trusted_uid;
}

int
fsafe_check(const char *path, const struct stat *st, const char *kind)
{
	return fsafe_check_owner(path, st, kind, -1);
}

int
fsafe_check_owner(const char *path, const struct stat *st, const char *kind,
                  long uid)
{
	uid_t me = fsop_euid();
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s %s is mode %04o, owner "
		    "uid %ld: writable by group or others, refused; fix: "
		    "chmod go-w %s", kind, path, mode, (long)st->st_uid, path);
	if (st->st_uid != me && st->st_uid != 0 &&
	    (uid < 0 || (long)st->st_uid != uid) && !trusted(st->st_uid))
		return acmeup_fail(ACMEUP_EUSAGE, "%s %s is mode %04o, owner "
		    "uid %ld: owned by neither uid %ld (this run) nor root, "
		    "refused; fix: chown %ld %s", kind, path, mode,
		    (long)st->st_uid, (long)me, (long)me, path);
	return 0;
}

/* The open failed: say why, naming what is there instead. */
static int
open_fail(int dirfd, const char *name, const char *path, const char *kind,
          const char *want)
{
	struct stat st;
	int err = errno;

	if ((err == ELOOP || err == ENOTDIR || err == ENXIO) &&
	    fsop_fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return refuse_type(path, kind, st.st_mode, want);
	errno = err;
	return acmeup_fail(ACMEUP_EIO, "cannot open %s %s: %s", kind, path,
	    strerror(err));
}

int
fsafe_open_read(int dirfd, const char *name, const char *path,
                const char *kind, int flags, int *fd)
{
	int f, rc = 0, fl = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	struct stat st;

	if (!(flags & FSAFE_FOLLOW))
		fl |= O_NOFOLLOW;
	f = fsop_open_regular(dirfd, name, fl); /* looks first */
	if (f < 0 && errno == ENXIO && fsop_fstatat(dirfd, name, &st,
	    (flags & FSAFE_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode))
		return refuse_type(path, kind, st.st_mode, "a regular file");
	if (f < 0)
		return open_fail(dirfd, name, path, kind, "a regular file");
	if (fstat(f, &st) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot stat %s %s: %s", kind,
		    path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = refuse_type(path, kind, st.st_mode, "a regular file");
	else if (flags & FSAFE_STRICT)
		rc = fsafe_check(path, &st, kind);
	if (rc == 0 && fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "%s: fcntl: %s", path,
		    strerror(errno));
	if (rc != 0) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}

int
fsafe_read_fd(int fd, const char *path, size_t max, char **data, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t used = 0;
	ssize_t n;

	if (buf == NULL)
		return ACMEUP_ENOMEM;
	for (;;) {
		n = read(fd, buf + used, max + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used > max)
			break;
	}
	if (n < 0 || used > max) {
		explicit_bzero(buf, max + 1);
		free(buf);
		if (n < 0)
			return acmeup_fail(ACMEUP_EIO, "cannot read %s: %s",
			    path, strerror(errno));
		return acmeup_fail(ACMEUP_EIO, "%s is larger than %zu bytes",
		    path, max);
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
}

int
fsafe_read(const char *path, const char *kind, int flags, size_t max,
           char **data, size_t *len)
{
	int fd = -1, rc;

	rc = fsafe_open_read(AT_FDCWD, path, path, kind, flags, &fd);
	if (rc == 0)
		rc = fsafe_read_fd(fd, path, max, data, len);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* mkdir -p path with mode (existing directories are left as they are). */
static int
make_dirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i;

	if (len == 0 || len >= sizeof(buf))
		return acmeup_fail(ACMEUP_EINVAL, "bad directory name '%s'",
		    path);
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (fsop_mkdir(buf, mode) != 0 && errno != EEXIST)
			return acmeup_fail(ACMEUP_EIO, "cannot create directory "
			    "%s: %s", buf, strerror(errno));
		buf[i] = i == len ? '\0' : '/';
	}
	return 0;
}

/* fd is a directory that passes fsafe_check(); closed on error. */
static int
check_dir_fd(int fd, const char *path, const char *kind)
{
	struct stat st;
	int rc;

	if (fstat(fd, &st) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot stat %s %s: %s", kind,
		    path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = refuse_type(path, kind, st.st_mode, "a directory");
	else
		rc = fsafe_check(path, &st, kind);
	if (rc != 0)
		close(fd);
	return rc;
}

int
fsafe_open_top(const char *path, const char *kind, int create, mode_t mode,
               int *fd)
{
	int f, rc;

	f = fsop_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f < 0 && errno == ENOENT && create) {
		rc = make_dirs(path, mode);
		if (rc != 0)
			return rc;
		f = fsop_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (f < 0)
		return open_fail(AT_FDCWD, path, path, kind, "a directory");
	rc = check_dir_fd(f, path, kind);
	if (rc == 0)
		*fd = f;
	return rc;
}

int
fsafe_open_sub(int dirfd, const char *name, const char *path,
               const char *kind, int create, mode_t mode, int *fd,
               int *made)
{
	const int fl = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int f, rc, mk = 0;

	f = fsop_openat(dirfd, name, fl); /* made only when missing */
	if (f < 0 && errno == ENOENT && create) {
		mk = fsop_mkdirat(dirfd, name, mode) == 0;
		if (!mk && errno != EEXIST)
			return acmeup_fail(ACMEUP_EIO, "cannot create directory "
			    "%s: %s", path, strerror(errno));
		f = fsop_openat(dirfd, name, fl);
	}
	if (made != NULL)
		*made = mk && f >= 0;
	if (f < 0)
		return open_fail(dirfd, name, path, kind, "a directory");
	rc = check_dir_fd(f, path, kind);
	if (rc == 0)
		*fd = f;
	return rc;
}

int
fsafe_exists_at(int dirfd, const char *name, const char *path)
{
	struct stat st;

	if (fsop_fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return acmeup_fail(ACMEUP_EIO, "cannot stat %s: %s", path,
	    strerror(errno));
}
