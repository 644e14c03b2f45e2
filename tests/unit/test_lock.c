/* lock_cert / lock_release: one holder per certificate, a message naming
 * the holder's PID, bounded waits, no stale locks, no lock inherited by a
 * deploy hook. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "hook.h"
#include "acmeup/lock.h"

static char state_dir[] = "/tmp/acmeup-test-lock.XXXXXX";

static char *
lock_path(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/locks/%s.lock", state_dir, name);
	return buf;
}

static const char *
slurp(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_exclusive(void **state)
{
	struct lock *a = NULL, *b = NULL, *c = NULL;
	char want[128], pidline[32], locks[512];
	struct stat st;
	int rc;

	(void)state;
	assert_int_equal(lock_cert(state_dir, "www", 0, &a), 0);
	assert_non_null(a);
	snprintf(pidline, sizeof(pidline), "%ld ", (long)getpid());
	assert_memory_equal(slurp(lock_path("www")), pidline, strlen(pidline));
	assert_int_equal(stat(lock_path("www"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(locks, sizeof(locks), "%s/locks", state_dir);
	assert_int_equal(stat(locks, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* A second open file description conflicts, even in one process. */
	acmeup_err_clear();
	rc = lock_cert(state_dir, "www", 0, &b);
	assert_int_equal(rc, ACMEUP_EBUSY);
	assert_null(b);
	snprintf(want, sizeof(want), "certificate www is being issued by "
	    "process %ld", (long)getpid());
	assert_non_null(strstr(acmeup_errmsg(rc), want));

	/* Another certificate is independent. */
	assert_int_equal(lock_cert(state_dir, "mail", 0, &c), 0);
	lock_release(c);

	lock_release(a);
	assert_string_equal(slurp(lock_path("www")), "");
	assert_int_equal(lock_cert(state_dir, "www", 0, &b), 0);
	lock_release(b);
	lock_release(NULL);
}

/* A child holds name's lock for hold_ms, then exits without releasing
 * (the kernel drops the flock). The lock is taken when this returns. */
static pid_t
hold_in_child(const char *name, int hold_ms, const char *content)
{
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lock *l = NULL;
		close(p[0]);
		if (lock_cert(state_dir, name, 0, &l) != 0)
			_exit(2);
		if (content != NULL) {
			int fd = open(lock_path(name), O_WRONLY | O_TRUNC);
			if (fd < 0 || write(fd, content, strlen(content)) < 0)
				_exit(3);
			close(fd);
		}
		if (write(p[1], "x", 1) != 1)
			_exit(4);
		usleep((useconds_t)hold_ms * 1000);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
reap(pid_t pid)
{
	int status = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_other_process(void **state)
{
	struct lock *l = NULL;
	char want[128];
	long long t0;
	pid_t pid;
	int rc;

	(void)state;
	pid = hold_in_child("api", 3000, NULL);
	acmeup_err_clear();
	rc = lock_cert(state_dir, "api", 0, &l);
	assert_int_equal(rc, ACMEUP_EBUSY);
	snprintf(want, sizeof(want), "certificate api is being issued by "
	    "process %ld (lock file %s)", (long)pid, lock_path("api"));
	assert_string_equal(acmeup_errmsg(rc), want);

	/* A bounded wait that runs out. */
	t0 = mono_ms();
	acmeup_err_clear();
	rc = lock_cert(state_dir, "api", 1, &l);
	assert_int_equal(rc, ACMEUP_EBUSY);
	assert_true(mono_ms() - t0 >= 1000 && mono_ms() - t0 < 2500);
	reap(pid);

	/* The holder died holding it: no stale lock. */
	assert_int_equal(lock_cert(state_dir, "api", 0, &l), 0);
	lock_release(l);

	/* A bounded wait that outlasts the holder. */
	pid = hold_in_child("api", 700, NULL);
	t0 = mono_ms();
	assert_int_equal(lock_cert(state_dir, "api", 10, &l), 0);
	assert_true(mono_ms() - t0 < 3000);
	lock_release(l);
	reap(pid);
}

/* A holder on another host sharing the state directory; one that has not
 * written its PID yet. */
static void
test_holder_text(void **state)
{
	struct lock *l = NULL;
	pid_t pid;
	int rc;

	(void)state;
	pid = hold_in_child("shared", 1000, "4242 otherhost.example\n");
	acmeup_err_clear();
	rc = lock_cert(state_dir, "shared", 0, &l);
	assert_int_equal(rc, ACMEUP_EBUSY);
	assert_non_null(strstr(acmeup_errmsg(rc), "certificate shared is being "
	    "issued by process 4242 on host otherhost.example"));
	reap(pid);

	pid = hold_in_child("shared", 1000, "");
	acmeup_err_clear();
	rc = lock_cert(state_dir, "shared", 0, &l);
	assert_int_equal(rc, ACMEUP_EBUSY);
	assert_non_null(strstr(acmeup_errmsg(rc), "certificate shared is being "
	    "issued by another process"));
	reap(pid);
}

static void
test_bad_names(void **state)
{
	struct lock *l = NULL;

	(void)state;
	acmeup_err_clear();
	assert_int_equal(lock_cert(state_dir, "a/b", 0, &l), ACMEUP_EINVAL);
	acmeup_err_clear();
	assert_int_equal(lock_cert(state_dir, "..", 0, &l), ACMEUP_EINVAL);
	acmeup_err_clear();
	assert_int_equal(lock_cert(state_dir, "", 0, &l), ACMEUP_EINVAL);
	assert_null(l);
}

/* A deploy hook run while we hold the lock neither inherits it nor is
 * blocked by it from other certificates. */
static void
test_not_inherited(void **state)
{
	struct lock *l = NULL;
	char out[600], cmd[700];
	const char *fds;

	(void)state;
	assert_int_equal(lock_cert(state_dir, "hooked", 0, &l), 0);
	snprintf(out, sizeof(out), "%s/fds", state_dir);
	snprintf(cmd, sizeof(cmd), "ls -l /proc/self/fd/ > '%s'", out);
	assert_int_equal(hook_run(cmd, NULL, "/srv/certs/hooked", 10), 0);
	fds = slurp(out);
	assert_non_null(strstr(fds, "/proc/")); /* ls's own fd, so it ran */
	assert_null(strstr(fds, "hooked.lock"));
	lock_release(l);
}

/* The state lock: shared holders coexist; an exclusive one waits for them
 * and is refused while they stay; lock_share lets shared holders in. */
static void
test_state_lock(void **state)
{
	struct lock *a = NULL, *b = NULL, *x = NULL;
	char path[600];
	int rc;

	(void)state;
	assert_int_equal(lock_state(state_dir, 0, 0, &a), 0);
	assert_int_equal(lock_state(state_dir, 0, 0, &b), 0);
	acmeup_err_clear();
	rc = lock_state(state_dir, 1, 0, &x);
	assert_int_equal(rc, ACMEUP_EBUSY);
	snprintf(path, sizeof(path), "the state directory %s is in use by "
	    "another process (lock file %s/state.lock)", state_dir, state_dir);
	assert_string_equal(acmeup_errmsg(rc), path);
	lock_release(a);
	lock_release(b);
	assert_int_equal(lock_state(state_dir, 1, 0, &x), 0);
	acmeup_err_clear();
	assert_int_equal(lock_state(state_dir, 0, 0, &a), ACMEUP_EBUSY);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EBUSY), "is in use by "
	    "process"));
	assert_int_equal(lock_share(x), 0);
	assert_int_equal(lock_state(state_dir, 0, 0, &a), 0);
	lock_release(a);
	lock_release(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclusive),
		cmocka_unit_test(test_other_process),
		cmocka_unit_test(test_holder_text),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_not_inherited),
		cmocka_unit_test(test_state_lock),
	};
	char cmd[128];
	int rc;

	if (mkdtemp(state_dir) == NULL)
		return 1;
	acmeup_err_clear();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
