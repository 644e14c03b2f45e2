/* fsafe.h and the directory-descriptor store: files we did not create are
 * hostile. Real files: a 0777 directory, a file owned by nobody, symbolic
 * links at each level below --state-dir and --out, a FIFO (never waited
 * on: an alarm fails the test if an open blocks). */
#include <errno.h>
#include <pwd.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/account_key.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/journal.h"
#include "acmeup/lock.h"
#include "acmeup/store.h"

#define NOBODY 65534

static char top[] = "/tmp/acmeup-test-fsafe.XXXXXX";

static const char *
p(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static const char *
slurp(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static int
has(const char *needle)
{
	return strstr(acmeup_errmsg(ACMEUP_EUSAGE), needle) != NULL;
}

static void
on_alarm(int sig)
{
	(void)sig;
	fail_msg("an open blocked (FIFO waited on)");
}

static int
setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/acmeup-test-fsafe.XXXXXX");
	assert_non_null(mkdtemp(top));
	signal(SIGALRM, on_alarm);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* Mode and owner: the message names path, mode, owner and the fix. */
static void
test_check(void **state)
{
	struct stat st;
	char want[600];

	(void)state;
	assert_int_equal(mkdir(p("d777"), 0700), 0);
	assert_int_equal(chmod(p("d777"), 0777), 0);
	assert_int_equal(stat(p("d777"), &st), 0);
	acmeup_err_clear();
	assert_int_equal(fsafe_check(p("d777"), &st, "state directory"),
	    ACMEUP_EUSAGE);
	snprintf(want, sizeof(want), "state directory %s is mode 0777",
	    p("d777"));
	assert_true(has(want));
	snprintf(want, sizeof(want), "chmod go-w %s", p("d777"));
	assert_true(has(want));

	put(p("g"), "x", 0620);
	assert_int_equal(stat(p("g"), &st), 0);
	acmeup_err_clear();
	assert_int_equal(fsafe_check(p("g"), &st, "key"), ACMEUP_EUSAGE);

	put(p("nobody"), "x", 0600);
	assert_int_equal(chown(p("nobody"), NOBODY, NOBODY), 0);
	assert_int_equal(stat(p("nobody"), &st), 0);
	acmeup_err_clear();
	assert_int_equal(fsafe_check(p("nobody"), &st, "key"), ACMEUP_EUSAGE);
	assert_true(has("owner uid 65534"));
	assert_true(has("chown"));
	/* The service user's files are accepted (a run as root); another
	 * name, or none, changes nothing. */
	fsafe_trust_user("no-such-user-acmeup-test");
	assert_int_equal(fsafe_check(p("nobody"), &st, "key"), ACMEUP_EUSAGE);
	if (getpwuid(NOBODY) != NULL) {
		fsafe_trust_user(getpwuid(NOBODY)->pw_name);
		assert_int_equal(fsafe_check(p("nobody"), &st, "key"), 0);
	}
	fsafe_trust_user(NULL);
	assert_int_equal(fsafe_check(p("nobody"), &st, "key"), ACMEUP_EUSAGE);

	put(p("ok"), "x", 0644);
	assert_int_equal(stat(p("ok"), &st), 0);
	assert_int_equal(fsafe_check(p("ok"), &st, "key"), 0);
	assert_int_equal(stat("/", &st), 0); /* root's, 0755 */
	assert_int_equal(fsafe_check("/", &st, "dir"), 0);
}

/* Links, FIFOs, devices and directories are refused at once. */
static void
test_open_read(void **state)
{
	char *data = NULL;
	size_t len = 0;
	int fd = -1;

	(void)state;
	put(p("f"), "hello", 0600);
	assert_int_equal(symlink(p("f"), p("link")), 0);
	assert_int_equal(mkfifo(p("fifo"), 0600), 0);
	alarm(5);
	acmeup_err_clear();
	assert_int_equal(fsafe_read(p("link"), "key", FSAFE_STRICT, 100, &data,
	    &len), ACMEUP_EUSAGE);
	assert_true(has("is a symbolic link"));
	acmeup_err_clear();
	assert_int_equal(fsafe_read(p("fifo"), "key", 0, 100, &data, &len),
	    ACMEUP_EUSAGE);
	assert_true(has("is a FIFO"));
	acmeup_err_clear();
	assert_int_equal(fsafe_read(p("fifo"), "key", FSAFE_FOLLOW, 100, &data,
	    &len), ACMEUP_EUSAGE);
	acmeup_err_clear();
	assert_int_equal(symlink(p("fifo"), p("to-fifo")), 0);
	assert_int_equal(fsafe_read(p("to-fifo"), "key", FSAFE_FOLLOW, 100,
	    &data, &len), ACMEUP_EUSAGE);
	assert_true(has("is a FIFO")); /* what the followed link leads to */
	acmeup_err_clear();
	assert_int_equal(fsafe_read("/dev/zero", "key", FSAFE_FOLLOW, 100,
	    &data, &len), ACMEUP_EUSAGE);
	assert_true(has("character device"));
	acmeup_err_clear();
	assert_int_equal(fsafe_read(top, "key", 0, 100, &data, &len),
	    ACMEUP_EUSAGE);
	assert_true(has("is a directory"));
	alarm(0);
	acmeup_err_clear();
	assert_int_equal(fsafe_read(p("missing"), "key", 0, 100, &data, &len),
	    ACMEUP_EIO);
	acmeup_err_clear();
	assert_int_equal(fsafe_read(p("f"), "key", 0, 4, &data, &len),
	    ACMEUP_EIO);

	assert_int_equal(fsafe_read(p("link"), "cert", FSAFE_FOLLOW, 100,
	    &data, &len), 0);
	assert_string_equal(data, "hello");
	free(data);
	assert_int_equal(fsafe_open_read(AT_FDCWD, p("f"), p("f"), "key",
	    FSAFE_STRICT, &fd), 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	assert_int_equal(chmod(p("f"), 0666), 0);
	acmeup_err_clear();
	assert_int_equal(fsafe_read(p("f"), "key", FSAFE_STRICT, 100, &data,
	    &len), ACMEUP_EUSAGE);
}

/* store_dir_open: the top is followed and checked; below it, no link. */
static void
test_dir_open(void **state)
{
	int fd = -1;

	(void)state;
	assert_int_equal(mkdir(p("real"), 0700), 0);
	assert_int_equal(symlink(p("real"), p("toplink")), 0);
	assert_int_equal(store_dir_open(p("toplink"), "sub", "state directory",
	    1, 0700, &fd), 0);
	close(fd);
	assert_int_equal(symlink(p("real"), p("real/linked")), 0);
	acmeup_err_clear();
	assert_int_equal(store_dir_open(p("real"), "linked", "state directory",
	    1, 0700, &fd), ACMEUP_EUSAGE);
	assert_true(has("is a symbolic link"));
	assert_int_equal(mkdir(p("wide"), 0700), 0);
	assert_int_equal(chmod(p("wide"), 0777), 0);
	acmeup_err_clear();
	assert_int_equal(store_dir_open(p("wide"), NULL, "state directory", 1,
	    0700, &fd), ACMEUP_EUSAGE);
	acmeup_err_clear();
	assert_int_equal(store_dir_check(p("wide"), "state directory"),
	    ACMEUP_EUSAGE);
	assert_int_equal(store_dir_check(p("not-there"), "state directory"), 0);
	assert_int_equal(mkdir(p("real/foreign"), 0700), 0);
	assert_int_equal(chown(p("real/foreign"), NOBODY, NOBODY), 0);
	acmeup_err_clear();
	assert_int_equal(store_dir_open(p("real"), "foreign", "state directory",
	    0, 0700, &fd), ACMEUP_EUSAGE);
	assert_true(has("owner uid 65534"));
}

static const struct cert_files certs = {
	"KEY\n", "CERT\n", "CHAIN\n", "CERT\nCHAIN\n", NULL,
};

/* out/NAME a link: refused, the target untouched; a 0777 out refused. */
static void
test_cert_dir_links(void **state)
{
	char *data = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(mkdir(p("out"), 0755), 0);
	assert_int_equal(mkdir(p("victim"), 0700), 0);
	put(p("victim/privkey.pem"), "PRECIOUS\n", 0600);
	assert_int_equal(symlink(p("victim"), p("out/a")), 0);
	acmeup_err_clear();
	assert_int_equal(store_cert_commit(p("out/a"), &certs), ACMEUP_EUSAGE);
	assert_true(has("is a symbolic link"));
	assert_string_equal(slurp(p("victim/privkey.pem")), "PRECIOUS\n");
	assert_int_equal(store_exists(p("victim/cert.pem")), 0);
	acmeup_err_clear();
	assert_int_equal(store_cert_recover(p("out/a")), ACMEUP_EUSAGE);

	assert_int_equal(mkdir(p("out777"), 0755), 0);
	assert_int_equal(chmod(p("out777"), 0777), 0);
	acmeup_err_clear();
	assert_int_equal(store_cert_commit(p("out777/a"), &certs),
	    ACMEUP_EUSAGE);
	assert_int_equal(store_exists(p("out777/a")), 0);

	/* A live file or previous/ planted as a link: the link is replaced
	 * (renameat) or refused, its target never written. */
	assert_int_equal(mkdir(p("out/b"), 0755), 0);
	assert_int_equal(symlink(p("victim/privkey.pem"),
	    p("out/b/privkey.pem")), 0);
	acmeup_err_clear();
	assert_int_equal(store_cert_read(p("out/b"), "privkey.pem",
	    FSAFE_STRICT, 100, &data, &len), ACMEUP_EUSAGE);
	assert_int_equal(store_cert_commit(p("out/b"), &certs), 0);
	assert_string_equal(slurp(p("out/b/privkey.pem")), "KEY\n");
	assert_string_equal(slurp(p("victim/privkey.pem")), "PRECIOUS\n");
	assert_int_equal(symlink(p("victim"), p("out/b/previous")), 0);
	acmeup_err_clear();
	assert_int_equal(store_cert_commit(p("out/b"), &certs), ACMEUP_EIO);
	assert_string_equal(slurp(p("victim/privkey.pem")), "PRECIOUS\n");
	assert_int_equal(store_exists(p("victim/cert.pem")), 0);
	assert_int_equal(store_cert_read(p("out/b"), "cert.pem", 0, 100, &data,
	    &len), 0);
	assert_string_equal(data, "CERT\n");
	free(data);
	assert_int_equal(store_cert_read(p("out/none"), "cert.pem", 0, 100,
	    &data, &len), 0);
	assert_null(data);
}

/* The state directory: account key, locks and journals. */
/* The account key of st/, made (P-256) when missing. */
static int
load_key(struct crypto_key **key)
{
	acmeup_err_clear(); /* each try's failure in a record of its own */
	return account_key_open(p("st"), CRYPTO_KEY_P256, 0, key, NULL);
}

static void
test_state_links(void **state)
{
	struct crypto_key *key = NULL;
	struct journal *j = NULL;
	struct lock *l = NULL;

	(void)state;
	assert_int_equal(mkdir(p("st"), 0700), 0);
	put(p("elsewhere.key"), "x", 0600);
	assert_int_equal(symlink(p("elsewhere.key"), p("st/account.key")), 0);
	assert_int_equal(load_key(&key), ACMEUP_EUSAGE);
	assert_true(has("account key"));
	assert_null(key);
	assert_int_equal(unlink(p("st/account.key")), 0);
	assert_int_equal(mkfifo(p("st/account.key"), 0600), 0);
	alarm(5);
	assert_int_equal(load_key(&key), ACMEUP_EUSAGE);
	alarm(0);
	assert_int_equal(unlink(p("st/account.key")), 0);
	assert_int_equal(load_key(&key), 0);
	crypto_key_free(key);
	assert_int_equal(chmod(p("st/account.key"), 0620), 0);
	key = NULL;
	assert_int_equal(load_key(&key), ACMEUP_EUSAGE);

	assert_int_equal(mkdir(p("elsewhere"), 0700), 0);
	assert_int_equal(symlink(p("elsewhere"), p("st/locks")), 0);
	acmeup_err_clear();
	assert_int_equal(lock_cert(p("st"), "c", 0, &l), ACMEUP_EUSAGE);
	assert_int_equal(symlink(p("elsewhere"), p("st/journal")), 0);
	acmeup_err_clear();
	assert_int_equal(journal_open(p("st"), &j), ACMEUP_EUSAGE);
	assert_int_equal(symlink(p("elsewhere.key"), p("st/state.lock")), 0);
	acmeup_err_clear();
	assert_int_equal(lock_state(p("st"), 1, 0, &l), ACMEUP_EUSAGE);
	assert_string_equal(slurp(p("elsewhere.key")), "x");
	assert_int_equal(store_exists(p("elsewhere/c.lock")), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dir_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_dir_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_links, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
