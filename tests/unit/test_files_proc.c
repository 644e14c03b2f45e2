/* The files process (issue 13, priv_files.c) and its policy, through the
 * store's calls (fsop.h): within its tree the calls work (a store_write,
 * a directory, a rename, a stat); outside it, or by "..", a slash, a
 * symbolic link, or on account.key (but a rollover's commit or drop of
 * account.key.new), they fail with EACCES (ELOOP for the
 * link) and nothing happens; set-id bits are dropped; fchmod works only
 * on what it opened; a tree's path that now leads elsewhere is refused;
 * when it does not answer, the calls fail with EIO
 * and the loss is said once. fsop_req_check refuses malformed requests
 * (and tests/fuzz/fuzz_fsop_req.c). It keeps the standby's place: key
 * files registered before its first file request, one keys process
 * started with them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/fsop.h"
#include "acmeup/priv.h"
#include "acmeup/store.h"
#include "priv_internal.h"

static char top[] = "/tmp/acmeup-test-files.XXXXXX";
static char outside[] = "/tmp/acmeup-test-files-out.XXXXXX";

static int
top_fd(void)
{
	int fd = fsop_open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void
test_within(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	int d = top_fd(), f;

	(void)state;
	assert_int_equal(store_write_at(d, top, "a.txt", "hello", 5, 0644), 0);
	assert_int_equal(fsop_mkdirat(d, "sub", 0700), 0);
	assert_int_equal(fsop_renameat(d, "a.txt", d, "b.txt"), 0);
	assert_int_equal(fsop_fstatat(d, "b.txt", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_size, 5);
	snprintf(path, sizeof(path), "%s/b.txt", top);
	assert_int_equal(fsop_stat(path, &st), 0);
	f = fsop_openat(d, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f >= 0); /* a directory beneath the tree is in it */
	assert_int_equal(fsop_mkdirat(f, "deeper", 0700), 0);
	close(f);
	assert_int_equal(fsop_unlinkat(d, "b.txt", 0), 0);
	close(d);
}

static void
test_outside(void **state)
{
	char path[PATH_MAX];
	int d = top_fd(), etc = open("/etc", O_RDONLY | O_DIRECTORY), o;

	(void)state;
	assert_true(etc >= 0);
	errno = 0;
	assert_int_equal(fsop_openat(etc, "hostname", O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_open("/etc/hostname", O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_openat(d, "../x", O_WRONLY | O_CREAT, 0600), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_openat(d, "..", O_RDONLY | O_DIRECTORY), -1);
	assert_int_equal(errno, EACCES);
	snprintf(path, sizeof(path), "%s/x", outside);
	assert_int_equal(fsop_openat(d, path, O_WRONLY | O_CREAT, 0600), -1);
	assert_int_equal(errno, EACCES);
	o = open(outside, O_RDONLY | O_DIRECTORY);
	assert_int_equal(fsop_renameat(d, "sub", o, "stolen"), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_unlinkat(etc, "hostname", 0), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(access(path, F_OK), -1); /* nothing made there */
	close(o);
	close(etc);
	close(d);
}

static void
test_keys_and_links(void **state)
{
	char path[PATH_MAX];
	int d = top_fd();

	(void)state;
	snprintf(path, sizeof(path), "%s/account.key", top);
	close(open(path, O_WRONLY | O_CREAT, 0600)); /* as the keys process */
	assert_int_equal(fsop_openat(d, "account.key", O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_renameat(d, "account.key", d, "copy"), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_linkat(d, "account.key", d, "copy", 0), -1);
	assert_int_equal(errno, EACCES);
	snprintf(path, sizeof(path), "%s/link", top);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(fsop_openat(d, "link", O_RDONLY), -1);
	assert_int_equal(errno, ELOOP);
	close(d);
}

/* A rollover's staged key: committed over account.key in its own
 * directory, or dropped; nothing else of the keys process's moves. */
static void
test_staged_key(void **state)
{
	char path[PATH_MAX], sub[PATH_MAX];
	int d = top_fd(), s;

	(void)state;
	snprintf(path, sizeof(path), "%s/account.key.new", top);
	close(open(path, O_WRONLY | O_CREAT, 0600)); /* as the keys process */
	snprintf(sub, sizeof(sub), "%s/other-account", top);
	assert_int_equal(mkdir(sub, 0700), 0);
	s = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(s >= 0);
	assert_int_equal(fsop_openat(d, "account.key.new", O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	/* not to another directory, nor under another name */
	assert_int_equal(fsop_renameat(d, "account.key.new", s, "account.key"),
	    -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_renameat(d, "account.key.new", d, "copy"), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_linkat(d, "account.key.new", d, "account.key", 0),
	    -1);
	assert_int_equal(errno, EACCES);
	/* nor something of ours put in its place */
	close(fsop_openat(d, "mine", O_WRONLY | O_CREAT, 0600));
	assert_int_equal(fsop_renameat(d, "mine", d, "account.key.new"), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(fsop_renameat(d, "mine", d, "account.key"), -1);
	assert_int_equal(errno, EACCES);
	/* the commit */
	assert_int_equal(fsop_renameat(d, "account.key.new", d, "account.key"),
	    0);
	snprintf(path, sizeof(path), "%s/account.key", top);
	assert_int_equal(access(path, F_OK), 0);
	/* the drop: account.key.new only */
	assert_int_equal(fsop_unlinkat(d, "account.key", 0), -1);
	assert_int_equal(errno, EACCES);
	snprintf(path, sizeof(path), "%s/account.key.new", top);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(fsop_unlinkat(d, "account.key.new", 0), 0);
	assert_int_equal(access(path, F_OK), -1);
	close(s);
	close(d);
}

static void
test_modes(void **state)
{
	struct stat st;
	int d = top_fd(), f, mine;
	char path[PATH_MAX];

	(void)state;
	f = fsop_openat(d, "setuid", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    04755);
	assert_true(f >= 0);
	assert_int_equal(fsop_fchmod(f, 06755), 0);
	assert_int_equal(fstat(f, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	close(f);
	snprintf(path, sizeof(path), "%s/mine", outside);
	mine = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(mine >= 0);
	assert_int_equal(fsop_fchmod(mine, 0644), -1); /* not one of its own */
	assert_int_equal(errno, EACCES);
	assert_int_equal(fstat(mine, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(mine);
	close(d);
}

/* The tree's path swapped for a link elsewhere: not a tree by that path. */
static void
test_top_swapped(void **state)
{
	char moved[PATH_MAX];

	(void)state;
	snprintf(moved, sizeof(moved), "%s.moved", top);
	assert_int_equal(rename(top, moved), 0);
	assert_int_equal(symlink("/etc", top), 0);
	assert_int_equal(fsop_open(top, O_RDONLY | O_DIRECTORY), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(unlink(top), 0);
	assert_int_equal(rename(moved, top), 0);
	close(top_fd()); /* itself again */
}

/* A tree opened by its path once: duplicates after (no round trip), still
 * that directory when the path is swapped for a link; stat by the path is
 * fstat of it. */
static void
test_kept(void **state)
{
	struct stat a, b, st;
	char moved[PATH_MAX];
	int f1 = top_fd(), f2 = top_fd(), f3;

	(void)state;
	assert_int_equal(fstat(f1, &a), 0);
	assert_int_equal(fstat(f2, &b), 0);
	assert_true(f1 != f2 && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	snprintf(moved, sizeof(moved), "%s.moved", top);
	assert_int_equal(rename(top, moved), 0);
	assert_int_equal(symlink("/etc", top), 0);
	f3 = top_fd();
	assert_int_equal(fstat(f3, &st), 0);
	assert_true(st.st_ino == a.st_ino && st.st_dev == a.st_dev);
	assert_int_equal(fsop_stat(top, &st), 0);
	assert_true(st.st_ino == a.st_ino && st.st_dev == a.st_dev);
	assert_int_equal(unlink(top), 0);
	assert_int_equal(rename(moved, top), 0);
	close(f1);
	close(f2);
	close(f3);
}

/* A create through the files process has exactly its mode (its umask is
 * 0; ours does not count); fsop_created() has nothing left to do. */
static void
test_created(void **state)
{
	struct stat st;
	mode_t old = umask(077);
	int d = top_fd(), f;

	(void)state;
	f = fsop_openat(d, "exact", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0664);
	assert_true(f >= 0);
	assert_int_equal(fsop_created(f, 0664), 0);
	assert_int_equal(fstat(f, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0664);
	umask(old);
	close(f);
	close(d);
}

/* fsop_open_regular through the files process: a regular file opens;
 * what is not one (a FIFO, which would open, a directory, a link) is
 * looked at there and not opened (ENXIO); a write or create is no read
 * (EINVAL); the tree's rules still hold (EACCES). */
static void
test_regular(void **state)
{
	char path[PATH_MAX];
	int d = top_fd(), f;

	(void)state;
	assert_int_equal(store_write_at(d, top, "plain", "x", 1, 0600), 0);
	snprintf(path, sizeof(path), "%s/fifo", top);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(symlinkat("plain", d, "to-plain"), 0);
	f = fsop_open_regular(d, "plain", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f >= 0);
	close(f);
	errno = 0;
	assert_int_equal(fsop_open_regular(d, "fifo", O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC), -1);
	assert_int_equal(errno, ENXIO);
	assert_int_equal(fsop_mkdirat(d, "dir", 0700), 0);
	assert_int_equal(fsop_open_regular(d, "dir", O_RDONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, ENXIO);
	assert_int_equal(fsop_open_regular(d, "to-plain", O_RDONLY |
	    O_NOFOLLOW | O_CLOEXEC), -1);
	assert_int_equal(errno, ENXIO);
	assert_int_equal(fsop_open_regular(d, "plain", O_RDWR), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fsop_open_regular(d, "new", O_RDONLY | O_CREAT), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fsop_open_regular(AT_FDCWD, "/etc/hostname",
	    O_RDONLY), -1);
	assert_int_equal(errno, EACCES);
	unlinkat(d, "plain", 0);
	unlinkat(d, "fifo", 0);
	unlinkat(d, "to-plain", 0);
	unlinkat(d, "dir", AT_REMOVEDIR);
	close(d);
}

static int lost_calls;

static void
lost(void)
{
	lost_calls++;
}

/* Last (it leaves the files process behind): a broker that does not
 * answer fails every call with EIO, and the loss is said once. */
static void
test_lost(void **state)
{
	int sv[2], d = top_fd();

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	                            sv), 0);
	close(sv[1]);
	fsop_broker_set(sv[0], 0, lost);
	assert_int_equal(fsop_mkdirat(d, "x", 0700), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(fsop_openat(d, "y", O_RDONLY), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(lost_calls, 1);
	fsop_broker_set(-1, 0, NULL);
	close(sv[0]);
	close(d);
}

/* First (registrations close at the first file request): the files
 * process takes key files by absolute path only, starts one keys process
 * with them (its child, not ours) on a socket we keep, and no second;
 * after a file request it takes no more key files. */
static void
test_spare(void **state)
{
	char key[PATH_MAX];
	long pid = 0;
	int fd = -1, d, st;

	(void)state;
	snprintf(key, sizeof(key), "%s/k.key", outside);
	assert_int_equal(priv_files_spare_add("k.key", "k"), -EPERM);
	assert_int_equal(priv_files_spare_add(key, "k"), 0);
	assert_int_equal(priv_files_spare(&fd, &pid), 0);
	assert_true(fd >= 0 && pid > 0);
	assert_int_equal(waitpid((pid_t)pid, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD); /* the files process's child */
	assert_int_equal(kill((pid_t)pid, 0), 0);
	assert_int_equal(priv_files_spare(&d, &pid), -EBUSY);
	close(fd); /* it ends at EOF */
	d = top_fd();
	assert_int_equal(fsop_mkdirat(d, "after", 0700), 0);
	assert_int_equal(priv_files_spare_add(key, "k"), -EPERM);
	close(d);
}

static void
test_req_check(void **state)
{
	static struct fsop_req q, out;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.op = FSOP_OPENAT;
	q.fd0 = 1;
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), 0);
	assert_int_equal(fsop_req_check(&q, sizeof(q) - 1, &out), -EPROTO);
	q.op = FSOP_OP_MAX + 1;
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), -EPROTO);
	q.op = FSOP_OPENAT;
	q.fd1 = 1; /* OPENAT takes one descriptor */
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), -EPROTO);
	q.fd1 = 0;
	memset(q.a, 'x', sizeof(q.a)); /* no NUL */
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), -EPROTO);
	memset(&q, 0, sizeof(q));
	q.op = FSOP_FCHMOD; /* without its descriptor */
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), -EPROTO);
	q.op = FSOP_SPARE; /* without its socket */
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), -EPROTO);
	q.op = FSOP_SPARE_ADD;
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), 0);
	q.fd0 = 1; /* names only */
	assert_int_equal(fsop_req_check(&q, sizeof(q), &out), -EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spare),
		cmocka_unit_test(test_req_check),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_keys_and_links),
		cmocka_unit_test(test_staged_key),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_top_swapped),
		cmocka_unit_test(test_kept),
		cmocka_unit_test(test_created),
		cmocka_unit_test(test_regular),
		cmocka_unit_test(test_lost),
	};
	const char *tops[1];
	char cmd[2 * PATH_MAX];
	int rc;

	if (mkdtemp(top) == NULL || mkdtemp(outside) == NULL)
		return 1;
	tops[0] = top;
	if (priv_files_start(tops, 1) != 0)
		return 1;
	priv_files_use();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", top, outside);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
