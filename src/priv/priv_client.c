/* The main process's side of the keys process: registration, the fork,
 * the wipe, the requests, and what happens when the keys process dies
 * (priv.h). */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "priv_internal.h"
#include "tsig.h"

#define KEY_FILE_MAX (1024 * 1024) /* a PEM private key, with room */

#define TSIG_MAX 64

static struct {
	struct tsig_key *tsig[TSIG_MAX]; /* registered, borrowed */
	char *file[TSIG_MAX];            /* their key files, or NULL */
	int owned[TSIG_MAX];             /* a journal's key: ours to free */
	size_t ntsig;
	struct crypto_key *acct[PRIV_ACCOUNTS_MAX]; /* public keys, by id */
	size_t nacct;
	int started;     /* a keys process was started */
	int fd;          /* our end; -1 when none runs */
	pid_t pid;
	int sandbox;
	long uid, gid;   /* the keys process's user (priv_sandbox_lookup) */
	int died;        /* one died: only TSIG is served from then on */
	char died_msg[200];
	struct priv_buf req;
} P = { .fd = -1 };

struct priv_certkey {
	uint64_t id;              /* in the keys process, or 0 */
	struct crypto_key *local; /* without one */
};

int
priv_keys_add_tsig(struct tsig_key *key, const char *file)
{
	char *copy = NULL;

	if (P.started || P.ntsig == TSIG_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "keys process: more than %d "
		                   "TSIG keys, or registered too late", TSIG_MAX);
	if (file != NULL && strcmp(file, "-") != 0 &&
	    (copy = strdup(file)) == NULL)
		return ACMEUP_ENOMEM;
	P.file[P.ntsig] = copy;
	P.tsig[P.ntsig++] = key;
	return 0;
}

long
priv_keys_pid(void)
{
	return P.fd >= 0 ? (long)P.pid : 0;
}

/* After a death: the TSIG keys again from their files (this new process
 * opens them; the main process never does). -y keys are gone. */
static void
reload_tsig(struct priv_table *t)
{
	char err[256];
	size_t i;

	for (i = 0; i < t->ntsig; i++) {
		t->tsig[i] = NULL; /* its requests fail */
		if (P.file[i] != NULL && P.tsig[i] != NULL && tsig_key_load(P.file[i],
		    tsig_key_name(P.tsig[i]), &t->tsig[i], err, sizeof(err)) != 0)
			log_error("keys process: %s", err);
	}
}

/* The child: nothing but stderr and its socket, signals of the terminal
 * left to the parent (which cleans up), dead with it. */
static void __attribute__((noreturn))
child(int fd, int reload, pid_t parent)
{
	struct tsig_key *tsig[TSIG_MAX];
	struct priv_table t = { .tsig = P.tsig, .ntsig = P.ntsig,
	                        .tsig_cap = TSIG_MAX,
	                        .sandbox = P.sandbox, .uid = P.uid,
	                        .gid = P.gid };
	int null;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0); /* the parent died before the line above */
	prctl(PR_SET_DUMPABLE, 0);
	if (fd <= STDERR_FILENO) /* stdin or stdout was closed */
		fd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	acmeup_err_clear();
	if (reload) {
		t.tsig = tsig;
		reload_tsig(&t);
	}
	priv_keys_serve(fd, &t);
}

static int
spawn(int reload)
{
	pid_t pid, parent = getpid();
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return acmeup_fail(ACMEUP_EIO, "keys process: socketpair: %s",
		                   strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return acmeup_fail(ACMEUP_EIO, "keys process: fork: %s",
		                   strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], reload, parent);
	}
	close(sv[1]);
	P.fd = sv[0];
	P.pid = pid;
	log_debug("privsep: keys process %ld%s", (long)pid,
	          reload ? " (TSIG keys reloaded from their files)" : "");
	return 0;
}

int
priv_keys_start(int sandbox)
{
	size_t i;
	int rc;

	if (P.started)
		return 0;
	P.sandbox = sandbox;
	P.uid = P.gid = -1; /* the keys process looks its user up as it seals */
	rc = spawn(0);
	if (rc != 0)
		return rc;
	P.started = 1;
	for (i = 0; i < P.ntsig; i++)
		tsig_key_wipe_secret(P.tsig[i]);
	return 0;
}

/* Reap the keys process (it has closed its end, or must go): its wait
 * status, -1 when it is not our child any more. */
static int
reap(void)
{
	int st = 0, i;
	pid_t r = 0;

	for (i = 0; i < 1000 && (r = waitpid(P.pid, &st, WNOHANG)) == 0; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL); /* 1 s */
	if (r == 0) {
		kill(P.pid, SIGKILL);
		r = waitpid(P.pid, &st, 0);
	}
	return r == P.pid ? st : -1;
}

/* The keys process is gone (st: its wait status, or -1 to reap it): say
 * so, and start one that loads the TSIG keys from their files, so that the
 * published records can be removed. */
static void
lost(int st)
{
	char why[96];

	close(P.fd);
	P.fd = -1;
	if (st == -1)
		st = reap();
	if (st == -1)
		snprintf(why, sizeof(why), "vanished");
	else if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "was killed by signal %d (%s)",
		         WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(why, sizeof(why), "exited with status %d",
		         WEXITSTATUS(st));
	if (!P.died)
		snprintf(P.died_msg, sizeof(P.died_msg), "the keys process (pid "
		         "%ld) %s", (long)P.pid, why);
	P.died = 1;
	log_error("%s; a new keys process, with the TSIG keys from their "
	          "files only, removes the records", P.died_msg);
	if (spawn(1) != 0) {
		log_error("%s", acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
}

int
priv_keys_died(char *buf, size_t len)
{
	int st = 0;

	if (P.fd >= 0 && waitpid(P.pid, &st, WNOHANG) == P.pid)
		lost(st);
	if (P.died && buf != NULL)
		snprintf(buf, len, "%s", P.died_msg);
	return P.died;
}

/* An answer: its body (wiped when freed: it may carry a key) and fields. */
struct reply {
	uint8_t *body;
	size_t len;
	struct priv_msg m;
};

static void
reply_free(struct reply *r)
{
	if (r->body != NULL) {
		explicit_bzero(r->body, r->len);
		free(r->body);
	}
	r->body = NULL;
}

/* Send P.req, read the answer into *r (the caller frees it). A PRIV_ERROR answer becomes the caller's
 * failure; a lost process ACMEUP_ECRYPTO (after lost()). */
static int
call(unsigned type, struct reply *r)
{
	struct priv_msg *m = &r->m;
	int rc;

	r->body = NULL;
	r->len = 0;
	if (P.fd < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "no keys process (%s)",
		                   P.died_msg);
	rc = priv_send(P.fd, &P.req);
	if (rc == 0)
		rc = priv_recv(P.fd, &r->body, &r->len);
	if (rc == ACMEUP_EIO) {
		lost(-1);
		return ACMEUP_EIO;
	}
	if (rc == 0)
		rc = priv_msg_decode(r->body, r->len, m);
	if (rc == 0 && m->type == PRIV_ERROR) {
		rc = (int64_t)m->f[0].num < 0 && (int64_t)m->f[0].num >= -15 ?
		    (int)(int64_t)m->f[0].num : ACMEUP_ECRYPTO;
		return acmeup_fail(rc, "%.*s", (int)(m->f[1].len > 500 ? 500 :
		                   m->f[1].len), (const char *)m->f[1].data);
	}
	if (rc == 0 && m->type != (PRIV_REPLY | type))
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: answer of type "
		                 "%u to a request of type %u", m->type, type);
	if (rc == ACMEUP_EPROTO) { /* it is not to be trusted any more */
		kill(P.pid, SIGKILL);
		lost(-1);
	}
	return rc;
}

static int
tsig_id(const struct tsig_key *key)
{
	size_t i;

	if (!P.started)
		return -1;
	for (i = 0; i < P.ntsig; i++)
		if (P.tsig[i] == key)
			return (int)i;
	return -1;
}

static int
tsig_sign_once(int id, uint8_t *msg, size_t *len, size_t cap,
               struct tsig_ctx *ctx)
{
	struct reply r;
	const struct priv_msg *m = &r.m;
	int rc, trc = TSIG_ECRYPTO;

	priv_buf_start(&P.req, PRIV_TSIG_SIGN);
	priv_put_num(&P.req, (uint64_t)id);
	priv_put_num(&P.req, (uint64_t)ctx->time_offset);
	priv_put_num(&P.req, ctx->fudge);
	priv_put_bytes(&P.req, msg, *len);
	rc = call(PRIV_TSIG_SIGN, &r);
	if (rc == ACMEUP_EIO) {
		reply_free(&r);
		return 1; /* lost: try again once */
	}
	if (rc == 0 && (int64_t)m->f[0].num == TSIG_OK) {
		if (m->f[1].len > cap || m->f[1].len < *len ||
		    m->f[2].len > sizeof(ctx->mac) || m->f[3].num > 0xffff) {
			trc = TSIG_ENOSPACE;
		} else {
			memcpy(msg, m->f[1].data, m->f[1].len);
			*len = m->f[1].len;
			memcpy(ctx->mac, m->f[2].data, m->f[2].len);
			ctx->mac_len = m->f[2].len;
			ctx->orig_id = (uint16_t)m->f[3].num;
			trc = TSIG_OK;
		}
	} else if (rc == 0 && (int64_t)m->f[0].num < 0 &&
	           (int64_t)m->f[0].num >= TSIG_ECRYPTO) {
		trc = (int)(int64_t)m->f[0].num;
	}
	if (rc != 0) /* TSIG codes carry no detail: say it here */
		log_error("%s", acmeup_errmsg(rc));
	acmeup_err_clear();
	reply_free(&r);
	return trc;
}

int
priv_tsig_sign(const struct tsig_key *key, uint8_t *msg, size_t *len,
               size_t cap, struct tsig_ctx *ctx)
{
	int id = tsig_id(key), trc, tries = 0;

	if (id < 0)
		return tsig_sign(key, msg, len, cap, ctx);
	do
		trc = tsig_sign_once(id, msg, len, cap, ctx);
	while (trc == 1 && ++tries < 2);
	return trc == 1 ? TSIG_ECRYPTO : trc;
}

static int
tsig_verify_once(int id, const uint8_t *msg, size_t len,
                 const struct tsig_ctx *ctx, struct tsig_result *res)
{
	struct reply r;
	const struct priv_msg *m = &r.m;
	int rc, trc = TSIG_ECRYPTO;

	priv_buf_start(&P.req, PRIV_TSIG_VERIFY);
	priv_put_num(&P.req, (uint64_t)id);
	priv_put_num(&P.req, (uint64_t)ctx->time_offset);
	priv_put_num(&P.req, ctx->fudge);
	priv_put_bytes(&P.req, ctx->mac, ctx->mac_len);
	priv_put_num(&P.req, ctx->orig_id);
	priv_put_bytes(&P.req, msg, len);
	rc = call(PRIV_TSIG_VERIFY, &r);
	if (rc == ACMEUP_EIO) {
		reply_free(&r);
		return 1;
	}
	if (rc == 0 && (int64_t)m->f[0].num <= 0 &&
	    (int64_t)m->f[0].num >= TSIG_ECRYPTO) {
		trc = (int)(int64_t)m->f[0].num;
		if (res != NULL) {
			res->error = (uint16_t)m->f[1].num;
			res->server_time = m->f[2].num;
			res->our_time = m->f[3].num;
		}
	}
	if (rc != 0)
		log_error("%s", acmeup_errmsg(rc));
	acmeup_err_clear();
	reply_free(&r);
	return trc;
}

int
priv_tsig_verify(const struct tsig_key *key, const uint8_t *msg, size_t len,
                 const struct tsig_ctx *ctx, struct tsig_result *res)
{
	int id = tsig_id(key), trc, tries = 0;

	if (id < 0)
		return tsig_verify(key, msg, len, ctx, res);
	do
		trc = tsig_verify_once(id, msg, len, ctx, res);
	while (trc == 1 && ++tries < 2);
	return trc == 1 ? TSIG_ECRYPTO : trc;
}

/* Copy field f of m into a new buffer (+1 octet, NUL). */
static int
take(const struct priv_field *f, uint8_t **out, size_t *len)
{
	uint8_t *p = malloc(f->len + 1);

	if (p == NULL)
		return ACMEUP_ENOMEM;
	if (f->len > 0)
		memcpy(p, f->data, f->len);
	p[f->len] = 0;
	*out = p;
	*len = f->len;
	return 0;
}

int
priv_jws_sign(const struct crypto_key *key, const void *input, size_t len,
              uint8_t **sig, size_t *siglen)
{
	struct reply r;
	const struct priv_msg *m = &r.m;
	size_t i;
	int rc;

	for (i = 0; P.started && i < P.nacct && P.acct[i] != key; i++)
		;
	if (!P.started || i == P.nacct)
		return crypto_sign(key, input, len, sig, siglen);
	if (P.died)
		return acmeup_fail(ACMEUP_ECRYPTO, "JWS: the account key is gone: "
		                   "%s", P.died_msg);
	priv_buf_start(&P.req, PRIV_JWS_SIGN);
	priv_put_num(&P.req, i);
	priv_put_bytes(&P.req, input, len);
	rc = call(PRIV_JWS_SIGN, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "JWS: %s", P.died_msg);
	if (rc == 0)
		rc = take(&m->f[0], sig, siglen);
	reply_free(&r);
	return rc;
}

/* names as one NUL-separated field. */
static int
put_names(const char *const *names, size_t n)
{
	size_t i, total = 0;
	char *all, *p;

	for (i = 0; i < n; i++)
		total += strlen(names[i]) + 1;
	all = malloc(total + 1);
	if (all == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0, p = all; i < n; i++) {
		memcpy(p, names[i], strlen(names[i]) + 1);
		p += strlen(names[i]) + 1;
	}
	priv_put_bytes(&P.req, all, total);
	free(all);
	return 0;
}

/* The request for a certificate key: the reused key as PEM (wiped after
 * sending), or none. */
static int
certkey_remote(int t, const struct crypto_key *reuse,
               const char *const *names, size_t n, struct priv_certkey *k,
               uint8_t **der, size_t *len)
{
	struct reply r = { 0 };
	const struct priv_msg *m = &r.m;
	char *pem = NULL;
	size_t plen = 0;
	int rc = 0;

	if (P.died || P.fd < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "certificate key: %s",
		                   P.died_msg);
	if (reuse != NULL)
		rc = crypto_key_to_pem(reuse, &pem, &plen);
	priv_buf_start(&P.req, PRIV_CERTKEY_NEW);
	priv_put_num(&P.req, (uint64_t)t);
	priv_put_bytes(&P.req, pem, plen);
	if (pem != NULL) {
		explicit_bzero(pem, plen);
		free(pem);
	}
	if (rc == 0)
		rc = put_names(names, n);
	if (rc == 0)
		rc = call(PRIV_CERTKEY_NEW, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "certificate key: %s",
		                 P.died_msg);
	if (rc == 0 && (m->f[0].num == 0 || m->f[0].num > PRIV_CERTKEYS_MAX))
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: certificate key "
		                 "id %llu", (unsigned long long)m->f[0].num);
	if (rc == 0)
		rc = take(&m->f[1], der, len);
	if (rc == 0) {
		k->id = m->f[0].num;
		log_debug("privsep: %.*s certificate key %llu in the keys "
		          "process", (int)(m->f[2].len > 31 ? 31 : m->f[2].len),
		          (const char *)m->f[2].data, (unsigned long long)k->id);
	}
	reply_free(&r);
	return rc;
}

static int
certkey_local(int t, const struct crypto_key *reuse,
              const char *const *names, size_t n, struct priv_certkey *k,
              uint8_t **der, size_t *len)
{
	char *pem = NULL;
	size_t plen = 0;
	int rc;

	if (reuse != NULL) { /* a copy of our own */
		rc = crypto_key_to_pem(reuse, &pem, &plen);
		if (rc == 0)
			rc = crypto_key_from_pem(pem, plen, &k->local);
		if (pem != NULL) {
			explicit_bzero(pem, plen);
			free(pem);
		}
	} else {
		rc = crypto_key_generate((enum crypto_key_type)t, &k->local);
	}
	if (rc == 0)
		rc = crypto_csr_new(k->local, names, n, der, len);
	return rc;
}

int
priv_certkey_new(int t, const struct crypto_key *reuse,
                 const char *const *names, size_t n,
                 struct priv_certkey **out, uint8_t **der, size_t *len)
{
	struct priv_certkey *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL)
		return ACMEUP_ENOMEM;
	if (P.started)
		rc = certkey_remote(t, reuse, names, n, k, der, len);
	else
		rc = certkey_local(t, reuse, names, n, k, der, len);
	if (rc != 0) {
		priv_certkey_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

int
priv_certkey_pem(struct priv_certkey *k, char **pem, size_t *len)
{
	struct reply r = { 0 };
	int rc;

	if (k->local != NULL)
		return crypto_key_to_pem(k->local, pem, len);
	priv_buf_start(&P.req, PRIV_CERTKEY_PEM);
	priv_put_num(&P.req, k->id);
	rc = call(PRIV_CERTKEY_PEM, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "certificate key: %s",
		                 P.died_msg);
	if (rc == 0)
		rc = take(&r.m.f[0], (uint8_t **)pem, len);
	reply_free(&r);
	return rc;
}

void
priv_certkey_free(struct priv_certkey *k)
{
	struct reply r = { 0 };

	if (k == NULL)
		return;
	crypto_key_free(k->local);
	if (k->id != 0 && P.fd >= 0 && !P.died) {
		priv_buf_start(&P.req, PRIV_CERTKEY_FREE);
		priv_put_num(&P.req, k->id);
		if (call(PRIV_CERTKEY_FREE, &r) != 0)
			acmeup_err_clear(); /* the key dies with the process */
		reply_free(&r);
	}
	free(k);
}

void
priv_keys_stop(void)
{
	size_t i;

	if (P.fd >= 0) {
		close(P.fd); /* EOF: the keys process exits */
		P.fd = -1;
		(void)reap();
	}
	for (i = 0; i < P.ntsig; i++) {
		free(P.file[i]);
		if (P.owned[i])
			tsig_key_free(P.tsig[i]);
	}
	memset(P.owned, 0, sizeof(P.owned));
	priv_buf_free(&P.req);
	memset(P.tsig, 0, sizeof(P.tsig));
	memset(P.file, 0, sizeof(P.file));
	memset(P.acct, 0, sizeof(P.acct));
	P.ntsig = P.nacct = 0;
	P.started = 0; /* died and died_msg stay: the run's result */
}

/* An account key the keys process opened or made (request type, already
 * in P.req): its public key into *out, kept at the id it answered. */
static int
account_call(enum priv_type type, struct crypto_key **out)
{
	struct reply r = { 0 };
	const struct priv_msg *m = &r.m;
	int rc;

	rc = call(type, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "account key: %s", P.died_msg);
	if (rc == 0 && (m->f[0].num >= PRIV_ACCOUNTS_MAX ||
	    P.acct[m->f[0].num] != NULL))
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: account key id "
		                 "%llu", (unsigned long long)m->f[0].num);
	if (rc == 0)
		rc = crypto_key_from_public_der(m->f[1].data, m->f[1].len, out);
	if (rc == 0) {
		P.acct[m->f[0].num] = *out;
		if (m->f[0].num >= P.nacct)
			P.nacct = m->f[0].num + 1;
	}
	reply_free(&r);
	return rc;
}

int
priv_account_open(const char *dir, enum crypto_key_type type,
                  int type_given, struct crypto_key **out)
{
	if (!P.started)
		return account_key_open(dir, type, type_given, out, NULL);
	priv_buf_start(&P.req, PRIV_ACCOUNT_OPEN);
	priv_put_bytes(&P.req, dir, strlen(dir));
	priv_put_num(&P.req, (uint64_t)type);
	priv_put_num(&P.req, type_given != 0);
	return account_call(PRIV_ACCOUNT_OPEN, out);
}

int
priv_key_load(const char *path, struct crypto_key **out)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	if (P.started) {
		priv_buf_start(&P.req, PRIV_KEY_LOAD);
		priv_put_bytes(&P.req, path, strlen(path));
		return account_call(PRIV_KEY_LOAD, out);
	}
	rc = fsafe_read(path, "certificate key", FSAFE_FOLLOW, KEY_FILE_MAX,
	                &pem, &len);
	if (rc == 0)
		rc = crypto_key_from_pem(pem, len, out);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc;
}

int
priv_account_stage(const char *dir, enum crypto_key_type type,
                   struct crypto_key **out)
{
	int rc;

	if (!P.started) {
		rc = crypto_key_generate(type, out);
		if (rc == 0 && (rc = account_key_stage(dir, *out)) != 0) {
			crypto_key_free(*out);
			*out = NULL;
		}
		return rc;
	}
	priv_buf_start(&P.req, PRIV_ACCOUNT_STAGE);
	priv_put_bytes(&P.req, dir, strlen(dir));
	priv_put_num(&P.req, (uint64_t)type);
	return account_call(PRIV_ACCOUNT_STAGE, out);
}

/* A key the keys process loaded from a journal: here its name and
 * algorithm only (for messages and the TSIG RR's fields are its business),
 * at the next id; NULL (never matched) when it cannot be made. */
static void
add_stub(const char *file, const char *name, const char *alg)
{
	struct tsig_key *stub = NULL;

	if (tsig_key_new(name, alg, "AAAA", &stub, NULL, 0) == 0)
		tsig_key_wipe_secret(stub);
	P.file[P.ntsig] = strdup(file);
	P.owned[P.ntsig] = 1;
	P.tsig[P.ntsig++] = stub;
}

int
priv_journal_keys(const char *state_dir)
{
	struct reply r = { 0 };
	const char *p, *end, *parts[3];
	size_t i;
	int rc;

	if (!P.started)
		return 0;
	priv_buf_start(&P.req, PRIV_JOURNAL_KEYS);
	priv_put_bytes(&P.req, state_dir, strlen(state_dir));
	rc = call(PRIV_JOURNAL_KEYS, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "journal keys: %s", P.died_msg);
	if (rc != 0) {
		reply_free(&r);
		return rc;
	}
	p = (const char *)r.m.f[0].data;
	end = p + r.m.f[0].len;
	if (r.m.f[0].len > 0 && end[-1] != '\0')
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: journal keys");
	while (rc == 0 && p < end && P.ntsig < TSIG_MAX) {
		for (i = 0; i < 3; i++) { /* file, name, algorithm */
			parts[i] = p < end ? p : "";
			p += p < end ? strlen(p) + 1 : 0;
		}
		add_stub(parts[0], parts[1], parts[2]);
		log_debug("privsep: key %s from %s (a journal's) in the keys "
		          "process", parts[1], parts[0]);
	}
	reply_free(&r);
	return rc;
}

const struct tsig_key *
priv_tsig_find(const char *file, const char *name)
{
	size_t i;

	for (i = 0; P.started && i < P.ntsig; i++)
		if (P.tsig[i] != NULL && P.file[i] != NULL &&
		    strcmp(P.file[i], file) == 0 &&
		    strcasecmp(tsig_key_name(P.tsig[i]), name) == 0)
			return P.tsig[i];
	return NULL;
}
