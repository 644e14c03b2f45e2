/* src/priv/: the keys process's message codec, and the keys process itself
 * (forked by the test): TSIG signing through it with the secret wiped
 * here, the account key opened there, JWS, certificate keys, and a
 * SIGKILL: the death reported, TSIG signing resumed by a new process that
 * reloads the key from its file. The tests run in order (one process;
 * the account key request must be the keys process's first). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/priv.h"
#include "priv_internal.h"
#include "tsig.h"

#define SECRET "jl30KyQv/yRAIq6dHtt1CazGdo2++1ARoenvA6FqZUs="

static char dir[] = "/tmp/acmeup-test-priv.XXXXXX";
static char keyfile[600];
static struct tsig_key *tkey; /* registered: wiped here after the start */
static struct crypto_key *account;

/* A DNS query for example.test SOA: header and question. */
static const uint8_t query[] = {
	0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
	0x00, 0x06, 0x00, 0x01,
};

static void
test_codec_roundtrip(void **state)
{
	struct priv_buf b = { 0 };
	struct priv_msg m;

	(void)state;
	priv_buf_start(&b, PRIV_TSIG_SIGN);
	priv_put_num(&b, 3);
	priv_put_num(&b, (uint64_t)-5);
	priv_put_num(&b, 300);
	priv_put_bytes(&b, query, sizeof(query));
	assert_false(b.failed);
	assert_int_equal(priv_msg_decode(b.p + 4, b.len - 4, &m), 0);
	assert_int_equal(m.type, PRIV_TSIG_SIGN);
	assert_int_equal(m.n, 4);
	assert_int_equal(m.f[0].num, 3);
	assert_int_equal((int64_t)m.f[1].num, -5);
	assert_int_equal(m.f[3].len, sizeof(query));
	assert_memory_equal(m.f[3].data, query, sizeof(query));
	priv_buf_free(&b);
}

/* Each body must be refused with ACMEUP_EPROTO and a detail. */
static void
refused(const uint8_t *body, size_t len)
{
	struct priv_msg m;

	assert_int_equal(priv_msg_decode(body, len, &m), ACMEUP_EPROTO);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EPROTO), "keys process"));
	acmeup_err_clear();
}

static void
test_codec_refuses(void **state)
{
	/* CERTKEY_PEM: one number */
	uint8_t good[] = { 0, 5, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 7 };
	uint8_t b[sizeof(good) + 1];
	struct priv_msg m;

	(void)state;
	assert_int_equal(priv_msg_decode(good, sizeof(good), &m), 0);
	assert_int_equal(m.f[0].num, 7);
	refused(good, 3);                       /* no header */
	refused(good, sizeof(good) - 1);        /* the number cut */
	memcpy(b, good, sizeof(good));
	b[sizeof(good)] = 0;
	refused(b, sizeof(b));                  /* an octet after the fields */
	memcpy(b, good, sizeof(good));
	b[1] = 0x42;
	refused(b, sizeof(good));               /* no such type */
	b[1] = 5;
	b[3] = 2;
	refused(b, sizeof(good));               /* two fields for one */
	b[3] = 1;
	b[4] = 2;
	refused(b, sizeof(good));               /* octets where a number goes */
	/* JWS_SIGN with an octet field claiming more than there is */
	{
		uint8_t j[] = { 0, 3, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		                2, 0xff, 0xff, 0xff, 0xf0, 'x' };
		refused(j, sizeof(j));
	}
}

/* tsig_sign here, with the registered key: TSIG_OK while its secret is
 * still in this process, TSIG_EINVAL once wiped. */
static int
sign_here(void)
{
	uint8_t msg[sizeof(query) + 1024];
	size_t len = sizeof(query);
	struct tsig_ctx ctx = { 0 };

	memcpy(msg, query, sizeof(query));
	return tsig_sign(tkey, msg, &len, sizeof(msg), &ctx);
}

/* The secret stays here until the keys process's first request (the
 * standby is forked meanwhile): test_account_and_jws wipes it. */
static void
test_start(void **state)
{
	(void)state;
	assert_int_equal(priv_keys_add_tsig(tkey, keyfile), 0);
	assert_int_equal(priv_keys_start(0), 0);
	assert_true(priv_keys_pid() > 0);
	assert_int_equal(sign_here(), TSIG_OK);
	assert_int_equal(priv_keys_add_tsig(tkey, NULL), ACMEUP_EINVAL);
	acmeup_err_clear();
}

/* priv_tsig_sign: the TSIG RR appended (ARCOUNT 1), the MAC returned. */
static void
sign_once(void)
{
	uint8_t msg[sizeof(query) + 1024];
	size_t len = sizeof(query);
	struct tsig_ctx ctx = { 0 };

	memcpy(msg, query, sizeof(query));
	assert_int_equal(priv_tsig_sign(tkey, msg, &len, sizeof(msg), &ctx),
	                 TSIG_OK);
	assert_true(len > sizeof(query) + 32);
	assert_int_equal(msg[11], 1);
	assert_int_equal(ctx.mac_len, 32);
	assert_int_equal(ctx.orig_id, 0x1234);
}

static void
test_tsig(void **state)
{
	struct tsig_ctx ctx = { 0 };
	struct tsig_result res;
	uint8_t reply[sizeof(query)];

	(void)state;
	sign_once();
	/* an unsigned reply, checked in the keys process */
	memcpy(reply, query, sizeof(query));
	reply[2] = 0x80;
	ctx.mac_len = 32;
	ctx.orig_id = 0x1234;
	assert_int_equal(priv_tsig_verify(tkey, reply, sizeof(reply), &ctx,
	                                  &res), TSIG_EUNSIGNED);
}

static void
test_account_and_jws(void **state)
{
	uint8_t *sig = NULL;
	size_t siglen = 0;
	char path[700];

	(void)state;
	assert_int_equal(priv_account_open(dir, CRYPTO_KEY_P256, 0, &account),
	                 0);
	assert_int_equal(sign_here(), TSIG_EINVAL); /* the first request wiped */
	snprintf(path, sizeof(path), "%s/account.key", dir);
	assert_int_equal(access(path, F_OK), 0); /* made there */
	assert_string_equal(crypto_key_jws_alg(account), "ES256");
	assert_int_equal(priv_jws_sign(account, "a.b", 3, &sig, &siglen), 0);
	assert_int_equal(siglen, 64);
	free(sig);
	/* here: a public key only */
	assert_int_equal(crypto_sign(account, "a.b", 3, &sig, &siglen),
	                 ACMEUP_EINVAL);
	acmeup_err_clear();
}

static void
test_certkey(void **state)
{
	const char *names[] = { "a.example.test", "b.example.test" };
	struct priv_certkey *k = NULL;
	struct crypto_key *back = NULL;
	uint8_t *der = NULL;
	size_t len = 0, plen = 0;
	char *pem = NULL;

	(void)state;
	assert_int_equal(priv_certkey_new(CRYPTO_KEY_P384, NULL, names, 2, &k,
	                                  &der, &len), 0);
	assert_true(len > 100);
	assert_int_equal(priv_certkey_pem(k, &pem, &plen), 0);
	assert_non_null(strstr(pem, "BEGIN PRIVATE KEY"));
	assert_int_equal(crypto_key_from_pem(pem, plen, &back), 0);
	assert_true(crypto_key_is_type(back, CRYPTO_KEY_P384));
	/* --reuse-key: the key handed over gives its own PEM back */
	free(der);
	der = NULL;
	priv_certkey_free(k);
	k = NULL;
	assert_int_equal(priv_certkey_new(CRYPTO_KEY_P256, back, names, 1, &k,
	                                  &der, &len), 0);
	explicit_bzero(pem, plen);
	free(pem);
	assert_int_equal(priv_certkey_pem(k, &pem, &plen), 0);
	assert_non_null(strstr(pem, "BEGIN PRIVATE KEY"));
	crypto_key_free(back);
	back = NULL;
	assert_int_equal(crypto_key_from_pem(pem, plen, &back), 0);
	assert_true(crypto_key_is_type(back, CRYPTO_KEY_P384));
	explicit_bzero(pem, plen);
	free(pem);
	free(der);
	crypto_key_free(back);
	priv_certkey_free(k);
}

static void
test_death(void **state)
{
	char msg[200], want[100];
	long pid = priv_keys_pid();
	uint8_t *sig = NULL;
	size_t siglen = 0;

	(void)state;
	assert_int_equal(priv_keys_died(msg, sizeof(msg)), 0);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	usleep(100000);
	/* the next TSIG request notices, and a new process signs */
	sign_once();
	assert_int_equal(priv_keys_died(msg, sizeof(msg)), 1);
	snprintf(want, sizeof(want), "the keys process (pid %ld) was killed "
	         "by signal 9", pid);
	assert_non_null(strstr(msg, want));
	assert_true(priv_keys_pid() > 0 && priv_keys_pid() != pid);
	/* the account key went with it */
	assert_int_equal(priv_jws_sign(account, "a.b", 3, &sig, &siglen),
	                 ACMEUP_ECRYPTO);
	acmeup_err_clear();
	priv_keys_stop();
	assert_int_equal(priv_keys_pid(), 0);
	assert_int_equal(priv_keys_died(NULL, 0), 1); /* the run's result */
}

/* One ACCOUNT_OPEN of dir handled by a keys process's state over t: the
 * answer's type. */
static unsigned
account_open_in(struct priv_table *t, const char *dir)
{
	static struct priv_keys k;
	struct priv_buf b = { 0 };
	struct priv_msg m;
	unsigned type;

	memset(&k, 0, sizeof(k));
	k.t = t;
	priv_buf_start(&b, PRIV_ACCOUNT_OPEN);
	priv_put_bytes(&b, dir, strlen(dir));
	priv_put_num(&b, CRYPTO_KEY_P256);
	priv_put_num(&b, 0);
	assert_false(b.failed);
	priv_keys_handle(&k, b.p + 4, b.len - 4);
	assert_int_equal(priv_msg_decode(k.out.p + 4, k.out.len - 4, &m), 0);
	type = m.type;
	priv_keys_clear(&k);
	priv_buf_free(&b);
	acmeup_err_clear();
	return type;
}

/* A standby or replacement keys process (no_files) opens no file on
 * request, even as its first: an account open is refused and no key is
 * made; the first keys process makes it. */
static void
test_no_files(void **state)
{
	char dir[] = "/tmp/acmeup-test-nofiles.XXXXXX", key[PATH_MAX];
	struct priv_table t = { .no_files = 1 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/account.key", dir);
	assert_int_equal(account_open_in(&t, dir), PRIV_ERROR);
	assert_int_equal(access(key, F_OK), -1);
	t.no_files = 0;
	assert_int_equal(account_open_in(&t, dir), PRIV_REPLY | PRIV_ACCOUNT_OPEN);
	assert_int_equal(access(key, F_OK), 0);
	assert_int_equal(t.nacct, 1);
	crypto_key_free(t.acct[0]);
	unlink(key);
	rmdir(dir);
}

/* fn in a child; its exit status (77: no seccomp here). */
static int
in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0)
		_exit(fn());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The keys process's filter: no socket, no exec. */
static int
keys_filtered(void)
{
	char *argv[] = { "/bin/true", NULL }, *envp[] = { NULL };

	if (priv_sandbox_keys() != 0)
		return 77;
	if (socket(AF_INET, SOCK_DGRAM, 0) >= 0 || errno != EACCES)
		return 1;
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return 2;
	execve(argv[0], argv, envp);
	return errno == EACCES ? 0 : 3;
}

/* The main process's filter (root): kernel modules and bpf refused with
 * EPERM (without it, root gets EFAULT for these bad arguments). */
static int
main_filtered(void)
{
	if (priv_sandbox_main() != 0)
		return 77;
	if (syscall(SYS_init_module, NULL, 0, "") == 0 || errno != EPERM)
		return 1;
	if (syscall(SYS_bpf, 5, NULL, 0) == 0 || errno != EPERM)
		return 2;
	return socket(AF_INET, SOCK_DGRAM, 0) >= 0 ? 0 : 3; /* net stays */
}

/* The files process's filter: no socket, no exec; open stays. */
static int
files_filtered(void)
{
	char *argv[] = { "/bin/true", NULL }, *envp[] = { NULL };
	int fd;

	if (priv_sandbox_files() != 0)
		return 77;
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EACCES)
		return 1;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 2;
	close(fd);
	execve(argv[0], argv, envp);
	return errno == EACCES ? 0 : 3;
}

static void
test_sandbox(void **state)
{
	int rc;

	(void)state;
	rc = in_child(keys_filtered);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
	assert_int_equal(in_child(files_filtered), 0);
	if (geteuid() != 0)
		return;
	assert_int_equal(in_child(main_filtered), 0);
}

/* The Kerberos process's side (priv_gss_serve.c): requests it must refuse
 * (answered PRIV_ERROR with a negative code and a detail), without any
 * Kerberos call: unknown ids, texts with NUL, bad flags, another
 * process's request types. */
static void
gss_refused(struct priv_buf *req, const char *detail)
{
	struct priv_buf out = { 0 };
	struct priv_msg m;

	assert_false(req->failed);
	priv_gss_handle(req->p + 4, req->len - 4, &out);
	assert_int_equal(priv_msg_decode(out.p + 4, out.len - 4, &m), 0);
	assert_int_equal(m.type, PRIV_ERROR);
	assert_true((int64_t)m.f[0].num < 0);
	if (memmem(m.f[1].data, m.f[1].len, detail, strlen(detail)) == NULL)
		fail_msg("answer '%.*s' lacks '%s'", (int)m.f[1].len,
		         (const char *)m.f[1].data, detail);
	priv_buf_free(&out);
}

static void
test_gss_refuses(void **state)
{
	struct priv_buf b = { 0 };

	(void)state;
	priv_buf_start(&b, PRIV_GSS_STEP);
	priv_put_num(&b, 1);
	priv_put_bytes(&b, "tok", 3);
	gss_refused(&b, "no context 1");
	priv_buf_start(&b, PRIV_GSS_FREE);
	priv_put_num(&b, 65);
	gss_refused(&b, "no context 65");
	priv_buf_start(&b, PRIV_GSS_SIGN);
	priv_put_num(&b, 0);
	priv_put_num(&b, 0);
	priv_put_num(&b, 300);
	priv_put_num(&b, 1024);
	priv_put_bytes(&b, query, sizeof(query));
	gss_refused(&b, "no context 0");
	priv_buf_start(&b, PRIV_GSS_NEW);
	priv_put_bytes(&b, "1.sig-ns1.example.test", 22);
	priv_put_bytes(&b, "ns1.example.test", 16);
	priv_put_num(&b, 3);
	priv_put_num(&b, 0);
	gss_refused(&b, "no credentials 3");
	priv_buf_start(&b, PRIV_GSS_CRED);
	priv_put_bytes(&b, "/etc/krb5.keytab\0x", 18);
	priv_put_bytes(&b, "", 0);
	priv_put_num(&b, 1);
	gss_refused(&b, "text field of 18 octets");
	priv_buf_start(&b, PRIV_GSS_CRED);
	priv_put_bytes(&b, "", 0);
	priv_put_bytes(&b, "", 0);
	priv_put_num(&b, 4);
	gss_refused(&b, "credentials request 4");
	priv_buf_start(&b, PRIV_TSIG_SIGN); /* the keys process's */
	priv_put_num(&b, 0);
	priv_put_num(&b, 0);
	priv_put_num(&b, 300);
	priv_put_bytes(&b, query, sizeof(query));
	gss_refused(&b, "is no request of its");
	priv_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_refuses),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_account_and_jws), /* the first request */
		cmocka_unit_test(test_tsig),
		cmocka_unit_test(test_certkey),
		cmocka_unit_test(test_death),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_gss_refuses),
		cmocka_unit_test(test_no_files),
	};
	char cmd[128];
	FILE *fp;
	int rc;

	if (mkdtemp(dir) == NULL || crypto_init() != 0)
		return 1;
	snprintf(keyfile, sizeof(keyfile), "%s/update.key", dir);
	fp = fopen(keyfile, "w");
	if (fp == NULL)
		return 1;
	fprintf(fp, "key \"test-key\" {\n\talgorithm hmac-sha256;\n\t"
	        "secret \"" SECRET "\";\n};\n");
	fclose(fp);
	if (tsig_key_new("test-key", "hmac-sha256", SECRET, &tkey, NULL, 0) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_key_free(account);
	tsig_key_free(tkey);
	crypto_deinit();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
