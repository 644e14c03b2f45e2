/* Atomic file writes (temp, fsync, rename, fsync dir) and bounded reads. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/store.h"
#include "store_internal.h"

int
store_mkdirs(const char *path, mode_t mode)
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
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return acmeup_fail(ACMEUP_EIO, "cannot create directory "
			    "%s: %s", buf, strerror(errno));
		buf[i] = i == len ? '\0' : '/';
	}
	return 0;
}

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
store_fsync_dir(const char *dir)
{
	int fd, rc = 0, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0)
		rc = -1;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
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

int
store_mkstemp(char *tmpl)
{
	int fd = mkstemp(tmpl), saved;

	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		saved = errno;
		close(fd);
		unlink(tmpl);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The directory of path, for fsync. */
static int
fsync_parent(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	return store_fsync_dir(dirname(buf));
}

int
store_write(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd = -1, rc = 0, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s", path);
	fd = store_mkstemp(tmp);
	if (fd < 0)
		return store_io_fail(errno, "directory", path, "");
	if (fchmod(fd, mode) != 0 || store_write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		rc = store_io_fail(errno, "directory", path, "");
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = store_io_fail(errno, "directory", path, "");
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = acmeup_fail(ACMEUP_EIO, "cannot rename %s to %s: %s", tmp,
		    path, strerror(errno));
		goto out;
	}
	if (fsync_parent(path) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot sync the directory of "
		    "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
store_read(const char *path, size_t max, char **data, size_t *len)
{
	char *buf = NULL;
	size_t used = 0;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return acmeup_fail(ACMEUP_EIO, "cannot open %s: %s", path,
		    strerror(errno));
	buf = malloc(max + 1);
	if (buf == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + used, max + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = acmeup_fail(ACMEUP_EIO, "cannot read %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			rc = acmeup_fail(ACMEUP_EIO, "%s is larger than %zu "
			    "bytes", path, max);
			goto out;
		}
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	buf = NULL;
out:
	if (buf != NULL) {
		explicit_bzero(buf, max + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

int
store_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return acmeup_fail(ACMEUP_EIO, "cannot stat %s: %s", path,
	    strerror(errno));
}
