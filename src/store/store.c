/* Atomic file writes (temp, fsync, rename, fsync dir) and bounded reads. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
#include "acmeup/store.h"
#include "store_internal.h"

int
store_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
store_io_fail(int err, const char *kind, const char *path, const char *note)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	switch (err) {
	case EROFS:
		return acmeup_fail(ACMEUP_EIO, "%s %s is read-only (writing "
		    "%s)%s", kind, dirname(dir), path, note);
	case ENOSPC:
		return acmeup_fail(ACMEUP_EIO, "no space left on device "
		    "writing %s%s", path, note);
	case EDQUOT:
		return acmeup_fail(ACMEUP_EIO, "disk quota exceeded writing "
		    "%s%s", path, note);
	default:
		return acmeup_fail(ACMEUP_EIO, "cannot write %s: %s%s", path,
		    strerror(err), note);
	}
}

/* Six random characters from [A-Za-z0-9] (mkstemp's alphabet). */
static void
random_suffix(char out[7])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];
	int i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (i = 0; i < 6; i++)
			r[i] = (unsigned char)rand();
	for (i = 0; i < 6; i++)
		out[i] = abc[r[i] % (sizeof(abc) - 1)];
	out[6] = '\0';
}

int
store_mktemp_at(int dfd, const char *prefix, char *name, size_t size,
                mode_t mode)
{
	char sfx[7];
	int fd = -1, tries, n;

	for (tries = 0; fd < 0 && tries < 100; tries++) {
		random_suffix(sfx);
		n = snprintf(name, size, "%s%s", prefix, sfx);
		if (n < 0 || (size_t)n >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = fsop_openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			return -1;
	}
	if (fd >= 0 && fsop_created(fd, mode) != 0) {
		n = errno;
		close(fd);
		errno = n;
		return -1;
	}
	return fd;
}

int
store_mkdtemp_at(int dfd, const char *prefix, char *name, size_t size)
{
	char sfx[7];
	int tries, n;

	for (tries = 0; tries < 100; tries++) {
		random_suffix(sfx);
		n = snprintf(name, size, "%s%s", prefix, sfx);
		if (n < 0 || (size_t)n >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (fsop_mkdirat(dfd, name, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
store_write_at(int dfd, const char *dpath, const char *name,
               const void *data, size_t len, mode_t mode)
{
	char tmp[NAME_MAX + 1], prefix[NAME_MAX + 1], path[PATH_MAX];
	int fd = -1, rc = 0, n;

	n = snprintf(path, sizeof(path), "%s/%s", dpath, name);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    snprintf(prefix, sizeof(prefix), "%s.", name) >=
	    (int)sizeof(prefix) - 6)
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s",
		    dpath, name);
	tmp[0] = '\0';
	fd = store_mktemp_at(dfd, prefix, tmp, sizeof(tmp), mode);
	if (fd < 0)
		return store_io_fail(errno, "directory", path, "");
	if (store_write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		rc = store_io_fail(errno, "directory", path, "");
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n != 0) {
		rc = store_io_fail(errno, "directory", path, "");
		goto out;
	}
	if (fsop_renameat(dfd, tmp, dfd, name) != 0) {
		rc = acmeup_fail(ACMEUP_EIO, "cannot rename %s/%s to %s: %s",
		    dpath, tmp, path, strerror(errno));
		goto out;
	}
	if (fsync(dfd) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot sync the directory of "
		    "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		fsop_unlinkat(dfd, tmp, 0);
	return rc;
}

int
store_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char dir[PATH_MAX], base[PATH_MAX];
	int dfd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dfd = fsop_open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return store_io_fail(errno, "directory", path, "");
	rc = store_write_at(dfd, dir, basename(base), data, len, mode);
	close(dfd);
	return rc;
}

int
store_read(const char *path, size_t max, char **data, size_t *len)
{
	return fsafe_read(path, "file", FSAFE_FOLLOW, max, data, len);
}

int
store_read_at(int dfd, const char *dpath, const char *name, const char *kind,
              int flags, size_t max, char **data, size_t *len)
{
	char path[PATH_MAX];
	int fd = -1, rc;

	snprintf(path, sizeof(path), "%s/%s", dpath, name);
	rc = fsafe_open_read(dfd, name, path, kind, flags & ~FSAFE_FOLLOW,
	    &fd);
	if (rc == 0)
		rc = fsafe_read_fd(fd, path, max, data, len);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
store_dir_check(const char *path, const char *kind)
{
	struct stat st;
	int fd = -1, rc;

	if (fsop_stat(path, &st) != 0 && errno == ENOENT)
		return 0;
	rc = fsafe_open_top(path, kind, 0, 0, &fd);
	if (fd >= 0)
		close(fd);
	if (rc != ACMEUP_EIO)
		return rc;
	/* the detail stays; only the code becomes a usage error */
	return acmeup_fail(ACMEUP_EUSAGE, "%s", acmeup_errmsg(rc));
}

int
store_dir_open(const char *top, const char *sub, const char *kind,
               int create, mode_t mode, int *fd)
{
	char path[PATH_MAX];
	int tfd = -1, rc;

	rc = fsafe_open_top(top, kind, create, mode, &tfd);
	if (rc != 0 || sub == NULL) {
		if (rc == 0)
			*fd = tfd;
		return rc;
	}
	snprintf(path, sizeof(path), "%s/%s", top, sub);
	rc = fsafe_open_sub(tfd, sub, path, kind, create, mode, fd, NULL);
	close(tfd);
	return rc;
}

int
store_exists(const char *path)
{
	struct stat st;

	if (fsop_stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return acmeup_fail(ACMEUP_EIO, "cannot stat %s: %s", path,
	    strerror(errno));
}
