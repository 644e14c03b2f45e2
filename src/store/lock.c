/* Per-certificate locks: flock(2) on state_dir/locks/NAME.lock; and the
 * state directory's lock, state_dir/state.lock: shared by runs that use the
 * account key, exclusive while the key is created or changed.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
#include "acmeup/interrupt.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define LOCK_POLL_MS 100
#define HOLDER_MAX 320 /* "PID HOST\n" */

struct lock {
	int fd;
	int exclusive;
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

/* What a lock guards, for messages: "certificate NAME is being issued",
 * "the state directory DIR is in use". */
struct what {
	const char *noun; /* "certificate x", "the state directory /y" */
	const char *busy; /* "is being issued by", "is in use by" */
};

static int
busy(int fd, const struct what *w, const char *path)
{
	char host[HOLDER_MAX];
	long pid;

	read_holder(fd, &pid, host, sizeof(host));
	if (pid == 0)
		return acmeup_fail(ACMEUP_EBUSY, "%s %s another process (lock "
		    "file %s)", w->noun, w->busy, path);
	if (host[0] != '\0')
		return acmeup_fail(ACMEUP_EBUSY, "%s %s process %ld on host %s "
		    "(lock file %s)", w->noun, w->busy, pid, host, path);
	return acmeup_fail(ACMEUP_EBUSY, "%s %s process %ld (lock file %s)",
	    w->noun, w->busy, pid, path);
}

/* flock(fd, op), waiting up to wait_s seconds for the holder. */
static int
take(int fd, int op, const struct what *w, const char *path, unsigned wait_s)
{
	struct timespec nap = { 0, LOCK_POLL_MS * 1000000L };
	long long waited_ms = 0;
	int sig;

	for (;;) {
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return acmeup_fail(ACMEUP_EIO, "cannot lock %s: %s",
			    path, strerror(errno));
		if (waited_ms >= (long long)wait_s * 1000)
			return busy(fd, w, path);
		if (waited_ms == 0)
			log_stage("lock: %s is busy; waiting up to %u s for the "
			    "other run", w->noun, wait_s);
		sig = interrupt_pending();
		if (sig != 0)
			return acmeup_fail(ACMEUP_EINTR, "interrupted by %s "
			    "while waiting for the lock of %s",
			    interrupt_name(), w->noun);
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

/* Open (creating) name under dfd (path in messages) without following a
 * link or blocking: a regular file of ours only. */
static int
open_lock_file(int dfd, const char *name, const char *path, int *out)
{
	struct stat st;
	int fd, rc = 0;

	fd = fsop_openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK, 0600);
	if (fd < 0 && errno == ELOOP)
		return acmeup_fail(ACMEUP_EUSAGE, "lock file %s is a symbolic "
		    "link: refused", path);
	if (fd < 0)
		return acmeup_fail(ACMEUP_EIO, "cannot open lock file %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot stat lock file %s: %s",
		    path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = acmeup_fail(ACMEUP_EUSAGE, "lock file %s is not a regular "
		    "file: refused", path);
	else
		rc = fsafe_check(path, &st, "lock file");
	if (rc != 0) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/* Open (creating) name under dfd and take it with op; the holder's PID is
 * recorded for exclusive locks. */
static int
lock_path(int dfd, const char *name, const char *path, int op,
          const struct what *w, unsigned wait_s, struct lock **out)
{
	struct lock *l = NULL;
	int fd = -1, rc;

	rc = open_lock_file(dfd, name, path, &fd);
	if (rc != 0)
		return rc;
	rc = take(fd, op, w, path, wait_s);
	if (rc != 0)
		goto out;
	l = malloc(sizeof(*l));
	if (l == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	if (op == LOCK_EX)
		write_holder(fd);
	l->fd = fd;
	l->exclusive = op == LOCK_EX;
	fd = -1;
	log_debug("lock: holding %s (%s)", path, op == LOCK_EX ? "exclusive" :
	    "shared");
	*out = l;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
lock_cert(const char *state_dir, const char *name, unsigned wait_s,
          struct lock **out)
{
	char dir[PATH_MAX], path[PATH_MAX], noun[PATH_MAX + 16];
	char base[NAME_MAX + 1];
	struct what w = { noun, "is being issued by" };
	int rc, n, dfd = -1;

	rc = check_name(name);
	if (rc != 0)
		return rc;
	n = snprintf(dir, sizeof(dir), "%s/locks", state_dir);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/%s.lock", dir, name) >=
	    (int)sizeof(path) || strlen(name) + 6 > sizeof(base))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s.lock",
		    dir, name);
	rc = store_dir_open(state_dir, "locks", "state directory", 1, 0700,
	    &dfd);
	if (rc != 0)
		return rc;
	snprintf(noun, sizeof(noun), "certificate %s", name);
	snprintf(base, sizeof(base), "%s.lock", name);
	rc = lock_path(dfd, base, path, LOCK_EX, &w, wait_s, out);
	close(dfd);
	return rc;
}

int
lock_state(const char *state_dir, int exclusive, unsigned wait_s,
           struct lock **out)
{
	char path[PATH_MAX], noun[PATH_MAX + 32];
	struct what w = { noun, "is in use by" };
	int rc, n, dfd = -1;

	n = snprintf(path, sizeof(path), "%s/state.lock", state_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/state.lock",
		    state_dir);
	rc = store_dir_open(state_dir, NULL, "state directory", 1, 0700, &dfd);
	if (rc != 0)
		return rc;
	snprintf(noun, sizeof(noun), "the state directory %s", state_dir);
	rc = lock_path(dfd, "state.lock", path, exclusive ? LOCK_EX : LOCK_SH,
	    &w, wait_s, out);
	close(dfd);
	return rc;
}

int
lock_share(struct lock *l)
{
	if (!l->exclusive)
		return 0;
	if (ftruncate(l->fd, 0) != 0 || flock(l->fd, LOCK_SH) != 0)
		return acmeup_fail(ACMEUP_EIO, "cannot share the state lock: "
		    "%s", strerror(errno));
	l->exclusive = 0;
	return 0;
}

void
lock_release(struct lock *l)
{
	if (l == NULL)
		return;
	if (l->exclusive && ftruncate(l->fd, 0) != 0)
		log_debug("lock: cannot clear the lock file: %s",
		    strerror(errno));
	close(l->fd); /* drops the flock */
	free(l);
}
