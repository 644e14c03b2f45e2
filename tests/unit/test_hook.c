/* hook_run: the environment a deploy hook sees, its stdin/stdout, how its
 * failure, death and hanging are reported, and that our values never
 * become shell syntax. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "hook.h"

static char tmpdir[] = "/tmp/acmeup-test-hook.XXXXXX";

static char *
tpath(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static const char *
slurp(const char *path)
{
	static char buf[16384];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* The line "NAME=..." of an env dump, without the newline; NULL if none. */
static const char *
env_line(const char *dump, const char *name)
{
	static char line[1024];
	size_t n = strlen(name);
	const char *p = dump, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
			if (len >= sizeof(line))
				len = sizeof(line) - 1;
			memcpy(line, p, len);
			line[len] = '\0';
			return line;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return NULL;
}

static struct cert_spec
spec_of(char *name, char **domains, size_t n)
{
	struct cert_spec s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.domains = domains;
	s.n_domains = n;
	return s;
}

static void
test_environment(void **state)
{
	char *domains[] = { "www.example.test", "*.example.test" };
	char name[] = "www";
	struct cert_spec s = spec_of(name, domains, 2);
	const char *dump;

	(void)state;
	setenv("HOOK_OUT", tpath("env"), 1);
	setenv("ACMEUP_CERT_NAME", "inherited-stale", 1);
	setenv("ACMEUP_TEST_KEEP", "kept", 1);
	assert_int_equal(hook_run("env > \"$HOOK_OUT\"", &s, "/srv/certs/www",
	    10), 0);
	dump = slurp(tpath("env"));
	assert_string_equal(env_line(dump, "ACMEUP_CERT_NAME"),
	    "ACMEUP_CERT_NAME=www");
	assert_string_equal(env_line(dump, "ACMEUP_CERT_DIR"),
	    "ACMEUP_CERT_DIR=/srv/certs/www");
	assert_string_equal(env_line(dump, "ACMEUP_KEY_FILE"),
	    "ACMEUP_KEY_FILE=/srv/certs/www/privkey.pem");
	assert_string_equal(env_line(dump, "ACMEUP_CERT_FILE"),
	    "ACMEUP_CERT_FILE=/srv/certs/www/cert.pem");
	assert_string_equal(env_line(dump, "ACMEUP_CHAIN_FILE"),
	    "ACMEUP_CHAIN_FILE=/srv/certs/www/chain.pem");
	assert_string_equal(env_line(dump, "ACMEUP_FULLCHAIN_FILE"),
	    "ACMEUP_FULLCHAIN_FILE=/srv/certs/www/fullchain.pem");
	assert_string_equal(env_line(dump, "ACMEUP_DOMAINS"),
	    "ACMEUP_DOMAINS=www.example.test *.example.test");
	assert_string_equal(env_line(dump, "ACMEUP_TEST_KEEP"),
	    "ACMEUP_TEST_KEEP=kept");
	unsetenv("ACMEUP_CERT_NAME");
	unsetenv("ACMEUP_TEST_KEEP");
}

/* Values with shell syntax arrive verbatim and run nothing. */
static void
test_no_injection(void **state)
{
	char *domains[] = { "$(touch PWNED)", "`touch PWNED`" };
	char name[] = "x;touch PWNED";
	struct cert_spec s = spec_of(name, domains, 2);
	char dir[600];
	const char *dump;

	(void)state;
	assert_int_equal(chdir(tmpdir), 0);
	snprintf(dir, sizeof(dir), "%s/a dir $(touch PWNED)", tmpdir);
	setenv("HOOK_OUT", tpath("env2"), 1);
	assert_int_equal(hook_run("printf '%s\\n' \"$ACMEUP_CERT_NAME\" "
	    "\"$ACMEUP_DOMAINS\" \"$ACMEUP_CERT_DIR\" > \"$HOOK_OUT\"", &s, dir,
	    10), 0);
	dump = slurp(tpath("env2"));
	assert_non_null(strstr(dump, "x;touch PWNED\n$(touch PWNED) `touch "
	    "PWNED`\n"));
	assert_non_null(strstr(dump, "/a dir $(touch PWNED)\n"));
	assert_int_equal(access(tpath("PWNED"), F_OK), -1);
}

/* stdin is /dev/null (a reading hook does not hang), stdout goes to our
 * stderr. */
static void
test_stdio(void **state)
{
	int saved, fd, rc;

	(void)state;
	setenv("HOOK_OUT", tpath("stdin"), 1);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(tpath("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	acmeup_err_clear();
	rc = hook_run("cat > \"$HOOK_OUT\"; echo to-stdout; echo to-stderr >&2",
	    NULL, "/srv/certs/plain", 10);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(rc, 0);
	assert_string_equal(slurp(tpath("stdin")), "");
	assert_non_null(strstr(slurp(tpath("stderr")), "to-stdout\n"));
	assert_non_null(strstr(slurp(tpath("stderr")), "to-stderr\n"));
}

/* Descriptors we hold (even without close-on-exec) stay ours. */
static void
test_no_inherited_fds(void **state)
{
	const char *fds;
	int fd;

	(void)state;
	fd = open(tpath("secret-held"), O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	setenv("HOOK_OUT", tpath("fds"), 1);
	assert_int_equal(hook_run("ls -l /proc/self/fd/ > \"$HOOK_OUT\"", NULL,
	    "/srv/certs/fds", 10), 0);
	close(fd);
	fds = slurp(tpath("fds"));
	assert_non_null(strstr(fds, "/proc/")); /* ls's own: the listing ran */
	assert_null(strstr(fds, "secret-held"));
}

static void
test_exit_status(void **state)
{
	const char *msg;
	char name[] = "web";
	struct cert_spec s = spec_of(name, NULL, 0);
	int rc;

	(void)state;
	acmeup_err_clear();
	rc = hook_run("echo failing >&2; exit 3", &s, "/srv/certs/web", 10);
	assert_int_equal(rc, ACMEUP_EHOOK);
	msg = acmeup_errmsg(rc);
	assert_non_null(strstr(msg, "deploy hook for web"));
	assert_non_null(strstr(msg, "exit status 3"));
	assert_non_null(strstr(msg, "echo failing >&2; exit 3"));

	acmeup_err_clear();
	rc = hook_run("/nonexistent/reload-nginx", &s, "/srv/certs/web", 10);
	assert_int_equal(rc, ACMEUP_EHOOK);
	assert_non_null(strstr(acmeup_errmsg(rc), "exit status 127 (command "
	    "not found?)"));

	acmeup_err_clear();
	rc = hook_run("kill -KILL $$", &s, "/srv/certs/web", 10);
	assert_int_equal(rc, ACMEUP_EHOOK);
	assert_non_null(strstr(acmeup_errmsg(rc), "killed by signal 9"));
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A hanging hook is stopped at the timeout, with whatever it started in
 * the background; one that ignores TERM gets KILL. */
static void
test_timeout(void **state)
{
	char pidbuf[32];
	long long t0;
	long bg;
	int rc;

	(void)state;
	setenv("HOOK_OUT", tpath("bgpid"), 1);
	t0 = mono_ms();
	acmeup_err_clear();
	rc = hook_run("sleep 60 & echo $! > \"$HOOK_OUT\"; wait", NULL,
	    "/srv/certs/slow", 1);
	assert_int_equal(rc, ACMEUP_EHOOK);
	assert_non_null(strstr(acmeup_errmsg(rc), "did not finish within 1 s"));
	assert_true(mono_ms() - t0 < 4000);
	snprintf(pidbuf, sizeof(pidbuf), "%s", slurp(tpath("bgpid")));
	bg = strtol(pidbuf, NULL, 10);
	assert_true(bg > 0);
	usleep(200000);
	/* Gone, or at most a zombie waiting for its new parent. */
	if (kill((pid_t)bg, 0) == 0) {
		char st[64];
		snprintf(st, sizeof(st), "/proc/%ld/stat", bg);
		assert_non_null(strstr(slurp(st), ") Z "));
	}

	t0 = mono_ms();
	acmeup_err_clear();
	rc = hook_run("trap '' TERM; sleep 60", NULL, "/srv/certs/slow", 1);
	assert_int_equal(rc, ACMEUP_EHOOK);
	assert_true(mono_ms() - t0 < 9000);
}

/* A hook that stops (as one reading the terminal would) is seen while
 * the wait watches for its exit, and ended. */
static void
test_stopped(void **state)
{
	long long t0;
	int rc;

	(void)state;
	t0 = mono_ms();
	acmeup_err_clear();
	rc = hook_run("kill -STOP $$", NULL, "/srv/certs/stop", 60);
	assert_int_equal(rc, ACMEUP_EHOOK);
	assert_non_null(strstr(acmeup_errmsg(rc), "was stopped by"));
	assert_true(mono_ms() - t0 < 30000); /* not the 60 s timeout */
}

static void
test_bad_args(void **state)
{
	(void)state;
	acmeup_err_clear();
	assert_int_equal(hook_run("", NULL, "/x", 1), ACMEUP_EINVAL);
	acmeup_err_clear();
	assert_int_equal(hook_run(NULL, NULL, "/x", 1), ACMEUP_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_no_injection),
		cmocka_unit_test(test_stdio),
		cmocka_unit_test(test_no_inherited_fds),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_bad_args),
	};
	char cmd[128];
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	acmeup_err_clear();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (chdir("/") != 0 || system(cmd) != 0)
		return 1;
	return rc;
}
