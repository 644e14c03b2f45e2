/* The files process (issue 13): started as root before the main process
 * gives up root, it is from then on the only writer of the state and
 * output directories. It does the file system calls the main process asks
 * for (fsop.h), as root, when its policy allows:
 * - a directory descriptor that comes with a request must be one of the
 *   trees it was given (--state-dir, the output directories: made before,
 *   opened once as it starts), or beneath one; a path (AT_FDCWD) must be a
 *   tree's own path and still lead to it, or its parent must be in a tree
 *   (links in that parent's path are the user's: followed);
 * - a name is one component, never "..", and nothing is opened through a
 *   symbolic link (O_NOFOLLOW); nothing named account.key* (the keys
 *   process's) is opened, renamed, linked or removed (a stat may see it),
 *   but for a rollover's commit or drop of the key the keys process
 *   staged (account.key.new renamed over account.key in its directory,
 *   or removed);
 * - modes lose set-id and sticky bits; fchmod and fchown only on what this
 *   process opened; links and renames stay within the trees.
 * It runs under seccomp: no socket but its own, no exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/fsop.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "priv_internal.h"

#define TREES_MAX 256
#define KNOWN_MAX 4096 /* inodes handed out, for fchmod/fchown */
#define DEPTH_MAX 64

struct ino {
	dev_t dev;
	ino_t ino;
};

static struct {
	const char *const *top;  /* the trees' paths (borrowed, copy of fork) */
	size_t ntop;
	struct ino tree[TREES_MAX];
	size_t ntree;
	struct ino known[KNOWN_MAX]; /* a ring */
	size_t nknown;
	pid_t pid;               /* in the main process; 0 once reaped */
	int fd;
	char died[120];          /* how it ended, once it has */
} fp = { .fd = -1 };

static int
same(const struct ino *a, const struct stat *st)
{
	return a->dev == st->st_dev && a->ino == st->st_ino;
}

static int
is_tree(const struct stat *st)
{
	size_t i;

	for (i = 0; i < fp.ntree; i++)
		if (same(&fp.tree[i], st))
			return 1;
	return 0;
}

static void
add_tree(int fd)
{
	struct stat st;

	if (fp.ntree < TREES_MAX && fstat(fd, &st) == 0 && !is_tree(&st))
		fp.tree[fp.ntree++] = (struct ino){ st.st_dev, st.st_ino };
}

static void
add_known(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		fp.known[fp.nknown++ % KNOWN_MAX] =
		    (struct ino){ st.st_dev, st.st_ino };
}

static int
is_known(int fd)
{
	struct stat st;
	size_t i, n = fp.nknown < KNOWN_MAX ? fp.nknown : KNOWN_MAX;

	if (fstat(fd, &st) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (same(&fp.known[i], &st))
			return 1;
	return 0;
}

/* dirfd is a directory in a tree: itself or an ancestor (by "..") is one. */
static int
within(int dirfd)
{
	struct stat st, up;
	int cur = dup(dirfd), next, depth, ok = 0;

	for (depth = 0; cur >= 0 && depth < DEPTH_MAX; depth++) {
		if (fstat(cur, &st) != 0 || !S_ISDIR(st.st_mode))
			break;
		if (is_tree(&st)) {
			ok = 1;
			break;
		}
		next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = next;
		if (cur < 0 || (fstat(cur, &up) == 0 && up.st_dev == st.st_dev &&
		    up.st_ino == st.st_ino))
			break; /* "/" */
	}
	if (cur >= 0)
		close(cur);
	return ok;
}

#define NAME_DOT 1  /* "." too */
#define NAME_KEYS 2 /* the keys process's files too (a stat: no content) */
#define NAME_STAGED 4 /* its staged key too (a rollover's drop) */

#define STAGED_KEY "account.key.new" /* store/account_key.c */

/* One component, not "..", "." only with NAME_DOT; nothing of the keys
 * process's unless NAME_KEYS. */
static int
name_ok(const char *name, int how)
{
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, "..") == 0 || (!(how & NAME_DOT) &&
	    strcmp(name, ".") == 0))
		return 0;
	return (how & NAME_KEYS) || strncmp(name, "account.key", 11) != 0 ||
	    ((how & NAME_STAGED) && strcmp(name, STAGED_KEY) == 0);
}

static int
is_top(const char *path)
{
	size_t i;

	for (i = 0; i < fp.ntop; i++)
		if (fp.top[i] != NULL && strcmp(fp.top[i], path) == 0)
			return 1;
	return 0;
}

/* Where a request's name lies: *dfd (ours to close, or AT_FDCWD with
 * *name the whole path, for a tree's own path) and *name. -errno. */
static int
place(int fd, char *a, int how, int *dfd, const char **name)
{
	char *slash;

	*dfd = -1;
	*name = a;
	if (fd >= 0) {
		if (!within(fd) || !name_ok(a, how))
			return -EACCES;
		*dfd = dup(fd);
		return *dfd >= 0 ? 0 : -errno;
	}
	if (is_top(a)) {
		*dfd = AT_FDCWD;
		return 0;
	}
	slash = strrchr(a, '/');
	if (slash == NULL || slash[1] == '\0')
		return -EACCES;
	*name = slash + 1;
	*slash = '\0';
	*dfd = open(slash == a ? "/" : a, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (*dfd < 0)
		return -errno;
	if (!within(*dfd) || !name_ok(*name, how)) {
		close(*dfd);
		*dfd = -1;
		return -EACCES;
	}
	return 0;
}

static int
done(int r)
{
	return r < 0 ? -errno : r;
}

/* OPENREG: what is there is a regular file (a look before the open, in
 * this process: opening a device can have effects of its own). */
static int
regular_at(int dfd, const char *name, int flags)
{
	struct stat st;

	if ((flags & (O_ACCMODE | O_CREAT | __O_TMPFILE)) != O_RDONLY)
		return -EINVAL;
	if (fstatat(dfd, name, &st, (flags & O_NOFOLLOW) ?
	    AT_SYMLINK_NOFOLLOW : 0) == 0 && !S_ISREG(st.st_mode))
		return -ENXIO;
	return 0;
}

/* OPENAT, OPENREG: *out the descriptor to send. */
static int
do_open(struct fsop_req *q, int fd0, int *out)
{
	int dot = (q->flags & O_DIRECTORY) && (q->flags & O_ACCMODE) ==
	    O_RDONLY && !(q->flags & O_CREAT) ? NAME_DOT : 0;
	const char *name;
	int dfd, rc = place(fd0, q->a, dot, &dfd, &name), f = -1, fl;

	if (rc != 0)
		return rc;
	fl = q->flags | O_CLOEXEC | (dfd == AT_FDCWD ? 0 : O_NOFOLLOW);
	if (q->op == FSOP_OPENREG)
		rc = regular_at(dfd, name, fl);
	if (rc == 0)
		f = openat(dfd, name, fl, q->mode & 0777);
	if (rc == 0 && f < 0)
		rc = -errno;
	if (dfd >= 0)
		close(dfd);
	if (f >= 0 && dfd == AT_FDCWD && !within(f)) {
		close(f); /* a tree's path that leads elsewhere now */
		return -EACCES;
	}
	if (f >= 0) {
		add_known(f);
		*out = f;
	}
	return rc;
}

/* A call on one place: MKDIRAT, UNLINKAT, FSTATAT, FACCESSAT. */
static int
do_one(struct fsop_req *q, int fd0, struct stat *st)
{
	int stat = q->op == FSOP_FSTATAT || q->op == FSOP_FACCESSAT;
	const char *name;
	int dfd, rc = place(fd0, q->a, stat ? NAME_KEYS : q->op ==
	    FSOP_UNLINKAT && q->flags == 0 ? NAME_STAGED : 0, &dfd, &name);

	if (rc != 0)
		return rc;
	switch (q->op) {
	case FSOP_MKDIRAT:
		rc = done(mkdirat(dfd, name, q->mode & 0777));
		break;
	case FSOP_UNLINKAT:
		rc = q->flags & ~AT_REMOVEDIR ? -EINVAL :
		    done(unlinkat(dfd, name, q->flags));
		break;
	case FSOP_FSTATAT:
		rc = q->flags & ~AT_SYMLINK_NOFOLLOW ? -EINVAL :
		    done(fstatat(dfd, name, st, q->flags));
		break;
	default:
		rc = done(faccessat(dfd, name, (int)q->mode, q->flags &
		    AT_SYMLINK_NOFOLLOW));
	}
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* RFC 8555 7.3.5: the CA took the staged key; it becomes account.key in
 * the same directory (the names exactly: nothing else is put there). */
static int
staged_commit(const struct fsop_req *q, int fd0, int fd1)
{
	struct stat a, b;

	return q->op == FSOP_RENAMEAT2 && q->flags == 0 &&
	    strcmp(q->a, STAGED_KEY) == 0 && strcmp(q->b, "account.key") == 0 &&
	    fstat(fd0, &a) == 0 && fstat(fd1, &b) == 0 && S_ISDIR(a.st_mode) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* RENAMEAT2, LINKAT: both places in trees. */
static int
do_two(struct fsop_req *q, int fd0, int fd1)
{
	if (fd0 < 0 || fd1 < 0 || !within(fd0) || !within(fd1))
		return -EACCES;
	if (staged_commit(q, fd0, fd1))
		return done(renameat(fd0, q->a, fd1, q->b));
	if (!name_ok(q->a, 0) || !name_ok(q->b, 0))
		return -EACCES;
	if (q->op == FSOP_LINKAT)
		return q->flags != 0 ? -EINVAL :
		    done(linkat(fd0, q->a, fd1, q->b, 0));
	if (q->flags & ~(RENAME_EXCHANGE | RENAME_NOREPLACE))
		return -EINVAL;
	return done(renameat2(fd0, q->a, fd1, q->b, (unsigned)q->flags));
}

static int
handle(struct fsop_req *q, int fd0, int fd1, struct fsop_rep *rep, int *out)
{
	switch (q->op) {
	case FSOP_OPENAT:
	case FSOP_OPENREG:
		return do_open(q, fd0, out);
	case FSOP_RENAMEAT2:
	case FSOP_LINKAT:
		return do_two(q, fd0, fd1);
	case FSOP_FCHMOD:
		return !is_known(fd0) ? -EACCES : done(fchmod(fd0, q->mode &
		    0777));
	case FSOP_FCHOWN:
		return !is_known(fd0) ? -EACCES : done(fchown(fd0,
		    (uid_t)q->uid, (gid_t)q->gid));
	case FSOP_SPARE_ADD:
		return priv_spare_add(q->a, q->b);
	case FSOP_SPARE:
		return priv_spare_start(fd0);
	default:
		return do_one(q, fd0, &rep->st);
	}
}

/* One request in, with its descriptors; -1 at EOF or on a malformed one. */
static int
recv_req(int fd, struct fsop_req *q, int *fd0, int *fd1)
{
	static char buf[sizeof(struct fsop_req) + 1];
	int fds[2], n, i;
	ssize_t r = fsop_recvmsg(fd, buf, sizeof(buf), fds, &n);

	if (r <= 0 || fsop_req_check(buf, (size_t)r, q) != 0 ||
	    (int)(q->fd0 + q->fd1) != n) {
		for (i = 0; i < n; i++)
			close(fds[i]);
		return -1;
	}
	*fd0 = q->fd0 ? fds[0] : -1;
	*fd1 = q->fd1 ? fds[q->fd0 ? 1 : 0] : -1;
	return 0;
}

static int
send_rep(int fd, const struct fsop_rep *rep, int out)
{
	return fsop_sendmsg(fd, rep, sizeof(*rep), &out, out >= 0 ? 1 : 0) ==
	    (ssize_t)sizeof(*rep) ? 0 : -1;
}

static void __attribute__((noreturn))
serve(int fd)
{
	static struct fsop_req q;
	struct fsop_rep rep;
	int fd0, fd1, out, sent;

	while (recv_req(fd, &q, &fd0, &fd1) == 0) {
		memset(&rep, 0, sizeof(rep));
		out = -1;
		if (q.op != FSOP_SPARE_ADD)
			priv_spare_close();
		rep.rc = handle(&q, fd0, fd1, &rep, &out);
		rep.has_fd = out >= 0;
		sent = send_rep(fd, &rep, out);
		if (out >= 0)
			close(out); /* the main process's now (a lock's too) */
		if (fd0 >= 0)
			close(fd0);
		if (fd1 >= 0)
			close(fd1);
		if (sent != 0)
			break;
	}
	_exit(0);
}

static void __attribute__((noreturn))
child(int fd)
{
	size_t i;
	int t, null;

	signal(SIGINT, SIG_IGN); /* the main process cleans up through us */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_DUMPABLE, 0);
	umask(0); /* every create names its mode (fsop_created) */
	if (fd <= STDERR_FILENO)
		fd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) { /* stderr stays, for its messages */
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	for (i = 0; i < fp.ntop; i++) {
		t = fp.top[i] != NULL ? open(fp.top[i], O_PATH | O_DIRECTORY |
		    O_CLOEXEC) : -1;
		if (t >= 0) {
			add_tree(t);
			close(t);
		}
	}
	if (priv_sandbox_files() != 0)
		acmeup_err_clear(); /* the main process said so for its own */
	serve(fd);
}

/* The files process ended with wait status st: say so once. */
static void
ended(int st)
{
	char why[96];

	priv_status_text(st, why, sizeof(why));
	snprintf(fp.died, sizeof(fp.died), "the files process (pid %ld) %s",
	    (long)fp.pid, why);
	log_error("%s: nothing more can be written", fp.died);
	fp.pid = 0;
}

/* fsop's call when the files process does not answer. */
static void
lost(void)
{
	int st = 0;

	if (fp.pid <= 0)
		return;
	while (waitpid(fp.pid, &st, 0) < 0 && errno == EINTR)
		;
	ended(st);
}

int
priv_files_died(char *buf, size_t len)
{
	int st = 0;

	if (fp.pid > 0 && waitpid(fp.pid, &st, WNOHANG) == fp.pid)
		ended(st);
	if (fp.died[0] != '\0' && buf != NULL)
		snprintf(buf, len, "%s", fp.died);
	return fp.died[0] != '\0';
}

int
priv_files_start(const char *const *tops, size_t n)
{
	int sv[2];
	pid_t pid;

	if (fp.fd >= 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return acmeup_fail(ACMEUP_EIO, "files process: socketpair: %s",
		    strerror(errno));
	fp.top = tops;
	fp.ntop = n;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child(sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return acmeup_fail(ACMEUP_EIO, "files process: fork: %s",
		    strerror(errno));
	}
	fp.top = NULL; /* the child's copy only */
	fp.ntop = 0;
	fsop_keep(tops, n); /* each top opened once through it */
	fp.fd = sv[0];
	fp.pid = pid;
	return 0;
}

/* One request outside fsop (the spare's) with descriptor fd0 (-1:
 * none): its rc (>= 0, or -errno; -ENODEV with no files process). */
static int
files_call(struct fsop_req *q, int fd0)
{
	struct fsop_rep rep;
	int rc, got = -1;

	if (fp.fd < 0 || fp.pid <= 0)
		return -ENODEV;
	q->fd0 = fd0 >= 0;
	rc = fsop_call(fp.fd, q, fd0, -1, &rep, &got);
	if (got >= 0)
		close(got);
	return rc != 0 ? rc : rep.rc;
}

int
priv_files_spare_add(const char *file, const char *name)
{
	static struct fsop_req q;

	memset(&q, 0, sizeof(q));
	q.op = FSOP_SPARE_ADD;
	if (snprintf(q.a, sizeof(q.a), "%s", file) >= (int)sizeof(q.a) ||
	    snprintf(q.b, sizeof(q.b), "%s", name) >= (int)sizeof(q.b))
		return -ENAMETOOLONG;
	return files_call(&q, -1);
}

int
priv_files_spare(int *fd, long *pid)
{
	static struct fsop_req q;
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	memset(&q, 0, sizeof(q));
	q.op = FSOP_SPARE;
	rc = files_call(&q, sv[1]);
	close(sv[1]);
	if (rc <= 0) {
		close(sv[0]);
		return rc < 0 ? rc : -EPROTO;
	}
	*fd = sv[0];
	*pid = rc;
	return 0;
}

void
priv_files_use(void)
{
	if (fp.fd < 0 || fp.pid <= 0)
		return;
	fsop_broker_set(fp.fd, geteuid(), lost);
	log_debug("privsep: files process %ld writes the state and output "
	    "directories", (long)fp.pid);
}

int
priv_main_become(long *uid)
{
	long gid;

	priv_sandbox_lookup(uid, &gid);
	if (*uid < 0)
		return acmeup_fail(ACMEUP_EIO, "no user acmeup or nobody to "
		    "become: this process stays root");
	if (setgroups(0, NULL) != 0 || setresgid((gid_t)gid, (gid_t)gid,
	    (gid_t)gid) != 0 || setresuid((uid_t)*uid, (uid_t)*uid,
	    (uid_t)*uid) != 0)
		return acmeup_fail(ACMEUP_EIO, "cannot become uid %ld: %s "
		    "(no CAP_SETUID?): this process stays root", *uid,
		    strerror(errno));
#ifdef ACMEUP_SANITIZED
	prctl(PR_SET_DUMPABLE, 1); /* LeakSanitizer ptraces us at exit */
#endif
	return 0;
}
