/* Per-certificate locks: flock(2) on state_dir/locks/NAME.lock.
 *
 * The kernel drops a flock when its holder exits, however it exits, so a
 * crashed run never leaves a stale lock behind; the lock file itself stays
 * (removing it would let two runs lock two different inodes of one name).
 * The holder writes "PID HOST" into the file for the other run's message.
 * The descriptor is close-on-exec: deploy hooks do not inherit the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define LOCK_POLL_MS 100
#define HOLDER_MAX 320 /* "PID HOST\n" */

struct lock {
	int fd;
};

/* The holder's PID (0 when the file has none yet) and host ("" when it is
 * this host or unknown), from the lock file. */
static void
read_holder(int fd, long *pid, char *host, size_t size)
{
	char buf[HOLDER_MAX], self[HOST_NAME_MAX + 1] = "";
	char *end = NULL, *nl;
	ssize_t n;

	*pid = 0;
	host[0] = '\0';
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	errno = 0;
	*pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || *pid <= 0 || *pid > INT_MAX) {
		*pid = 0;
		return;
	}
	if (*end != ' ')
		return;
	nl = strchr(end + 1, '\n');
	if (nl != NULL)
		*nl = '\0';
	gethostname(self, sizeof(self) - 1);
	if (strcmp(end + 1, self) != 0)
		snprintf(host, size, "%s", end + 1);
}

static int
busy(int fd, const char *name, const char *path)
{
	char host[HOLDER_MAX];
	long pid;

	read_holder(fd, &pid, host, sizeof(host));
	if (pid == 0)
		return acmeup_fail(ACMEUP_EBUSY, "certificate %s is being "
		    "issued by another process (lock file %s)", name, path);
	if (host[0] != '\0')
		return acmeup_fail(ACMEUP_EBUSY, "certificate %s is being "
		    "issued by process %ld on host %s (lock file %s)", name,
		    pid, host, path);
	return acmeup_fail(ACMEUP_EBUSY, "certificate %s is being issued by "
	    "process %ld (lock file %s)", name, pid, path);
}

/* flock(fd) exclusively, waiting up to wait_s seconds for the holder. */
static int
take(int fd, const char *name, const char *path, unsigned wait_s)
{
	struct timespec nap = { 0, LOCK_POLL_MS * 1000000L };
	long long waited_ms = 0;
	int sig;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return acmeup_fail(ACMEUP_EIO, "cannot lock %s: %s",
			    path, strerror(errno));
		if (waited_ms >= (long long)wait_s * 1000)
			return busy(fd, name, path);
		if (waited_ms == 0)
			log_stage("lock: certificate %s is busy; waiting up to "
			    "%u s for the other run", name, wait_s);
		sig = interrupt_pending();
		if (sig != 0)
			return acmeup_fail(ACMEUP_EINTR, "interrupted by %s "
			    "while waiting for the lock of %s",
			    interrupt_name(), name);
		nanosleep(&nap, NULL);
		waited_ms += LOCK_POLL_MS;
	}
}

/* Ours now: "PID HOST\n" for the next run's message. */
static void
write_holder(int fd)
{
	char buf[HOLDER_MAX], host[HOST_NAME_MAX + 1] = "";
	int n;

	gethostname(host, sizeof(host) - 1);
	n = snprintf(buf, sizeof(buf), "%ld %s\n", (long)getpid(), host);
	if (n < 0 || (size_t)n >= sizeof(buf) || ftruncate(fd, 0) != 0 ||
	    pwrite(fd, buf, (size_t)n, 0) != n)
		log_debug("lock: cannot record our PID in the lock file: %s",
		    strerror(errno));
}

/* A certificate name is one path component. */
static int
check_name(const char *name)
{
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return acmeup_fail(ACMEUP_EINVAL, "certificate name '%s' "
		    "cannot name a lock file", name != NULL ? name : "");
	return 0;
}

int
lock_cert(const char *state_dir, const char *name, unsigned wait_s,
          struct lock **out)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct lock *l = NULL;
	int fd = -1, rc, n;

	rc = check_name(name);
	if (rc != 0)
		return rc;
	n = snprintf(dir, sizeof(dir), "%s/locks", state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/%s.lock", dir, name) >=
	    (int)sizeof(path))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s.lock",
		    dir, name);
	rc = store_mkdirs(dir, 0700);
	if (rc != 0)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return acmeup_fail(ACMEUP_EIO, "cannot open lock file %s: %s",
		    path, strerror(errno));
	rc = take(fd, name, path, wait_s);
	if (rc != 0)
		goto out;
	l = malloc(sizeof(*l));
	if (l == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	write_holder(fd);
	l->fd = fd;
	fd = -1;
	log_debug("lock: holding %s", path);
	*out = l;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

void
lock_release(struct lock *l)
{
	if (l == NULL)
		return;
	if (ftruncate(l->fd, 0) != 0)
		log_debug("lock: cannot clear the lock file: %s",
		    strerror(errno));
	close(l->fd); /* drops the flock */
	free(l);
}
