/* store_cert_commit / store_cert_recover: the live files never change on a
 * failure before the commit point, previous/ is one whole version, and a
 * crash at any step leaves a directory that recovery makes consistent. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "acmeup/store.h"
#include "store_internal.h"

static const char *const names[] = { "privkey.pem", "cert.pem", "chain.pem",
	"fullchain.pem" };

struct gen {
	char key[64], cert[64], chain[64], full[128];
	struct cert_files f;
};

/* Version tag of every file: "KEY-A", "CERT-A", ... */
static void
gen_init(struct gen *g, char tag, int with_key)
{
	snprintf(g->key, sizeof(g->key), "KEY-%c\n", tag);
	snprintf(g->cert, sizeof(g->cert), "CERT-%c\n", tag);
	snprintf(g->chain, sizeof(g->chain), "CHAIN-%c\n", tag);
	snprintf(g->full, sizeof(g->full), "CERT-%c\nCHAIN-%c\n", tag, tag);
	g->f.key_pem = with_key ? g->key : NULL;
	g->f.cert_pem = g->cert;
	g->f.chain_pem = g->chain;
	g->f.fullchain_pem = g->full;
	g->f.key_perms = NULL;
}

static char *
path_of(const char *dir, const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Contents of dir/name, or "" when missing. Static buffer. */
static const char *
slurp(const char *dir, const char *name)
{
	static char buf[4][256];
	static int i;
	FILE *fp = fopen(path_of(dir, name), "r");
	size_t n = 0;

	i = (i + 1) % 4;
	if (fp != NULL) {
		n = fread(buf[i], 1, sizeof(buf[i]) - 1, fp);
		fclose(fp);
	}
	buf[i][n] = '\0';
	return buf[i];
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* The version tag (A, B, ...) of dir's file, '-' when missing. */
static char
tag_of(const char *dir, const char *name)
{
	const char *s = strchr(slurp(dir, name), '-');

	return s != NULL ? s[1] : '-';
}

/* Entries of dir other than the four live files and previous/. */
static int
n_extra(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;
	size_t i;

	assert_non_null(d);
	for (de = readdir(d); de != NULL; de = readdir(d)) {
		int known = strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "previous") == 0;
		for (i = 0; i < 4; i++)
			known |= strcmp(de->d_name, names[i]) == 0;
		if (!known) {
			print_message("extra entry %s/%s\n", dir, de->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	char top[] = "/tmp/acmeup-test-store.XXXXXX", *dir;

	/* The certificate directory one level down: its parent (the --out
	 * directory) must not be world-writable like /tmp itself. */
	assert_non_null(mkdtemp(top));
	dir = malloc(sizeof(top) + 2);
	assert_non_null(dir);
	snprintf(dir, sizeof(top) + 2, "%s/c", top);
	*state = dir;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_non_null(strrchr(cmd, '/'));
	snprintf(strrchr(cmd, '/'), 2, "'");
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static void
test_first_and_renewal(void **state)
{
	const char *top = *state;
	char dir[512], prev[600];
	struct gen a, b, c;

	snprintf(dir, sizeof(dir), "%s/out/www.example.test", top);
	snprintf(prev, sizeof(prev), "%s/previous", dir);
	gen_init(&a, 'A', 1);
	gen_init(&b, 'B', 1);
	gen_init(&c, 'C', 1);
	assert_int_equal(store_cert_commit(dir, &a.f), 0);
	assert_string_equal(slurp(dir, "privkey.pem"), a.key);
	assert_string_equal(slurp(dir, "cert.pem"), a.cert);
	assert_string_equal(slurp(dir, "chain.pem"), a.chain);
	assert_string_equal(slurp(dir, "fullchain.pem"), a.full);
	assert_int_equal(mode_of(path_of(dir, "privkey.pem")), 0600);
	assert_int_equal(mode_of(path_of(dir, "cert.pem")), 0644);
	assert_int_equal(mode_of(path_of(dir, "fullchain.pem")), 0644);
	assert_int_equal(store_exists(prev), 0); /* nothing to keep yet */
	assert_int_equal(n_extra(dir), 0);

	assert_int_equal(store_cert_commit(dir, &b.f), 0);
	assert_string_equal(slurp(dir, "cert.pem"), b.cert);
	assert_string_equal(slurp(dir, "privkey.pem"), b.key);
	assert_string_equal(slurp(prev, "privkey.pem"), a.key);
	assert_string_equal(slurp(prev, "cert.pem"), a.cert);
	assert_string_equal(slurp(prev, "chain.pem"), a.chain);
	assert_string_equal(slurp(prev, "fullchain.pem"), a.full);
	assert_int_equal(mode_of(path_of(prev, "privkey.pem")), 0600);
	assert_int_equal(n_extra(dir), 0);

	/* previous/ is replaced as a whole: exactly version B, no A left. */
	assert_int_equal(store_cert_commit(dir, &c.f), 0);
	assert_string_equal(slurp(dir, "fullchain.pem"), c.full);
	assert_string_equal(slurp(prev, "privkey.pem"), b.key);
	assert_string_equal(slurp(prev, "fullchain.pem"), b.full);
	assert_int_equal(n_extra(dir), 0);
	assert_int_equal(n_extra(prev), 0);
}

/* --csr: no privkey.pem written; one in place stays, and is kept in
 * previous/ with the rest of the live set. */
static void
test_csr_keeps_key(void **state)
{
	const char *dir = *state;
	char prev[600];
	struct gen a, b;

	snprintf(prev, sizeof(prev), "%s/previous", dir);
	gen_init(&a, 'A', 0);
	assert_int_equal(store_cert_commit(dir, &a.f), 0);
	assert_int_equal(store_exists(path_of(dir, "privkey.pem")), 0);
	assert_string_equal(slurp(dir, "cert.pem"), a.cert);

	/* The user's own key, put there by them. */
	assert_int_equal(store_write(path_of(dir, "privkey.pem"), "USERKEY\n",
	    8, 0600), 0);
	gen_init(&b, 'B', 0);
	assert_int_equal(store_cert_commit(dir, &b.f), 0);
	assert_string_equal(slurp(dir, "privkey.pem"), "USERKEY\n");
	assert_string_equal(slurp(dir, "cert.pem"), b.cert);
	assert_string_equal(slurp(prev, "cert.pem"), a.cert);
	assert_string_equal(slurp(prev, "privkey.pem"), "USERKEY\n");
	assert_int_equal(n_extra(dir), 0);
}

/* A failure before the commit point: previous is a file, so no previous/
 * can be made. Everything live stays, no temp files stay. */
static void
test_fail_previous(void **state)
{
	const char *dir = *state;
	struct gen a, b;
	int rc;

	gen_init(&a, 'A', 1);
	gen_init(&b, 'B', 1);
	assert_int_equal(store_cert_commit(dir, &a.f), 0);
	assert_int_equal(store_write(path_of(dir, "previous"), "x", 1, 0644),
	    0);
	acmeup_err_clear();
	rc = store_cert_commit(dir, &b.f);
	assert_int_equal(rc, ACMEUP_EIO);
	assert_non_null(strstr(acmeup_errmsg(rc), path_of(dir, "previous")));
	assert_non_null(strstr(acmeup_errmsg(rc), "unchanged"));
	assert_string_equal(slurp(dir, "privkey.pem"), a.key);
	assert_string_equal(slurp(dir, "cert.pem"), a.cert);
	assert_string_equal(slurp(dir, "chain.pem"), a.chain);
	assert_string_equal(slurp(dir, "fullchain.pem"), a.full);
	assert_int_equal(unlink(path_of(dir, "previous")), 0);
	assert_int_equal(n_extra(dir), 0);
}

/* A write that fails half-way (RLIMIT_FSIZE: EFBIG on the big file). */
static void
test_fail_write(void **state)
{
	const char *dir = *state;
	struct rlimit old, small = { 64, 64 };
	struct gen a, b;
	char big[200];
	int rc;

	gen_init(&a, 'A', 1);
	gen_init(&b, 'B', 1);
	memset(big, 'F', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	b.f.fullchain_pem = big;
	assert_int_equal(store_cert_commit(dir, &a.f), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	acmeup_err_clear();
	rc = store_cert_commit(dir, &b.f);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(rc, ACMEUP_EIO);
	print_message("%s\n", acmeup_errmsg(rc));
	assert_non_null(strstr(acmeup_errmsg(rc),
	    path_of(dir, "fullchain.pem")));
	assert_string_equal(slurp(dir, "privkey.pem"), a.key);
	assert_string_equal(slurp(dir, "cert.pem"), a.cert);
	assert_string_equal(slurp(dir, "fullchain.pem"), a.full);
	assert_int_equal(store_exists(path_of(dir, "previous")), 0);
	assert_int_equal(n_extra(dir), 0);
}

static const char *crash_at;

static void
crash_hook(const char *step)
{
	if (strcmp(step, crash_at) == 0)
		_exit(0);
}

/* Run a commit of b in a child that dies right after step. */
static void
commit_and_crash(const char *dir, struct gen *b, const char *step)
{
	pid_t pid;
	int status = 0;

	crash_at = step;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		store_cert_step_hook = crash_hook;
		store_cert_commit(dir, &b->f);
		_exit(3); /* the step never came */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A crash after every step: before recovery, privkey+cert and
 * privkey+fullchain are never both mismatched; after recovery all four
 * files are one version (the old one before the journal, else the new). */
static void
test_crash_every_step(void **state)
{
	static const char *const steps[] = { "staged", "previous", "journal",
		"renamed cert.pem", "renamed privkey.pem",
		"renamed fullchain.pem", "renamed chain.pem" };
	const char *top = *state;
	char dir[512];
	struct gen a, b;
	size_t i, k;
	char want, kt;

	gen_init(&a, 'A', 1);
	gen_init(&b, 'B', 1);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/crash%zu", top, i);
		assert_int_equal(store_cert_commit(dir, &a.f), 0);
		commit_and_crash(dir, &b, steps[i]);
		kt = tag_of(dir, "privkey.pem");
		assert_false(kt != tag_of(dir, "cert.pem") &&
		    kt != tag_of(dir, "fullchain.pem"));
		assert_int_equal(store_cert_recover(dir), 0);
		want = i < 2 ? 'A' : 'B';
		for (k = 0; k < 4; k++) {
			if (tag_of(dir, names[k]) != want)
				fail_msg("crash after %s: %s is version %c, "
				    "want %c", steps[i], names[k],
				    tag_of(dir, names[k]), want);
		}
		assert_int_equal(n_extra(dir), 0);
		assert_int_equal(tag_of(path_of(dir, "previous"), "cert.pem"),
		    i < 1 ? '-' : 'A');
		/* The next commit works normally. */
		assert_int_equal(store_cert_commit(dir, &a.f), 0);
		assert_int_equal(tag_of(dir, "cert.pem"), 'A');
	}
}

/* Recovery keeps what is not ours, refuses a journal it did not write. */
static void
test_recover_strays(void **state)
{
	const char *dir = *state;
	char sub[600];
	int rc;

	snprintf(sub, sizeof(sub), "%s/.previous.abcDEF", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(store_write(path_of(sub, "cert.pem"), "x", 1, 0644),
	    0);
	assert_int_equal(store_write(path_of(dir, ".cert.pem.Zz0123"), "x", 1,
	    0644), 0);
	assert_int_equal(store_write(path_of(dir, ".cert.pem.notours"), "x",
	    1, 0644), 0);
	assert_int_equal(store_write(path_of(dir, "notes.txt"), "x", 1, 0644),
	    0);
	assert_int_equal(store_cert_recover(dir), 0);
	assert_int_equal(store_exists(sub), 0);
	assert_int_equal(store_exists(path_of(dir, ".cert.pem.Zz0123")), 0);
	assert_int_equal(store_exists(path_of(dir, ".cert.pem.notours")), 1);
	assert_int_equal(store_exists(path_of(dir, "notes.txt")), 1);

	assert_int_equal(store_write(path_of(dir, ".acmeup-commit"),
	    "../../etc/passwd cert.pem\n", 26, 0600), 0);
	acmeup_err_clear();
	rc = store_cert_recover(dir);
	assert_int_equal(rc, ACMEUP_EIO);
	assert_non_null(strstr(acmeup_errmsg(rc), ".acmeup-commit:1"));
	assert_int_equal(store_cert_recover("/nonexistent/acmeup-test"), 0);
}

static void
test_messages(void **state)
{
	int rc;

	(void)state;
	acmeup_err_clear();
	rc = store_io_fail(EROFS, "output directory", "/x/y/cert.pem", "");
	assert_int_equal(rc, ACMEUP_EIO);
	assert_string_equal(acmeup_errmsg(rc), "output directory /x/y is "
	    "read-only (writing /x/y/cert.pem)");
	acmeup_err_clear();
	rc = store_io_fail(ENOSPC, "output directory", "/x/y/cert.pem", "; z");
	assert_string_equal(acmeup_errmsg(rc), "no space left on device "
	    "writing /x/y/cert.pem; z");
	acmeup_err_clear();
	rc = store_cert_commit("/tmp", &(struct cert_files){ 0 });
	assert_int_equal(rc, ACMEUP_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_and_renewal, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_csr_keeps_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fail_previous, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fail_write, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crash_every_step, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_recover_strays, setup,
		    teardown),
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
