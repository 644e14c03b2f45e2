/* The main process's side of the keys process: registration, the fork,
 * the wipe, the requests, and what happens when the keys process dies
 * (priv.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "priv_client.h"
#include "priv_internal.h"
#include "tsig.h"

#define KEY_FILE_MAX (1024 * 1024) /* a PEM private key, with room */

struct priv_client priv_cl = { .fd = -1, .spare_fd = -1 };

int
priv_keys_add_tsig(struct tsig_key *key, const char *file)
{
	char *copy = NULL;

	if (priv_cl.started || priv_cl.ntsig == PRIV_TSIG_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "keys process: more than %d "
		                   "TSIG keys, or registered too late", PRIV_TSIG_MAX);
	if (file != NULL && strcmp(file, "-") != 0 &&
	    (copy = strdup(file)) == NULL)
		return ACMEUP_ENOMEM;
	priv_cl.file[priv_cl.ntsig] = copy;
	priv_cl.tsig[priv_cl.ntsig++] = key;
	return 0;
}

long
priv_keys_pid(void)
{
	return priv_cl.fd >= 0 ? (long)priv_cl.pid : 0;
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
		if (priv_cl.file[i] != NULL && priv_cl.tsig[i] != NULL && tsig_key_load(priv_cl.file[i],
		    tsig_key_name(priv_cl.tsig[i]), &t->tsig[i], err, sizeof(err)) != 0)
			log_error("keys process: %s", err);
	}
}

/* The child: nothing but stderr and its socket, signals of the terminal
 * left to the parent (which cleans up), dead with it. */
static void __attribute__((noreturn))
child(int fd, int reload, int standby, pid_t parent)
{
	struct tsig_key *tsig[PRIV_TSIG_MAX];
	struct priv_table t = { .tsig = priv_cl.tsig, .ntsig = priv_cl.ntsig,
	                        .tsig_cap = PRIV_TSIG_MAX,
	                        .sandbox = priv_cl.sandbox, .uid = priv_cl.uid,
	                        .gid = priv_cl.gid,
	                        .no_files = reload || standby };

	fd = priv_child_start(fd, parent);
	if (reload) {
		t.tsig = tsig;
		reload_tsig(&t);
	}
	priv_keys_serve(fd, &t);
}

static int
spawn_into(int reload, int standby, int *fdp, pid_t *pidp)
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
		child(sv[1], reload, standby, parent);
	}
	close(sv[1]);
	*fdp = sv[0];
	*pidp = pid;
	log_debug("privsep: keys process %ld%s", (long)pid,
	          reload ? " (TSIG keys reloaded from their files)" : "");
	return 0;
}

static int
spawn(int reload)
{
	return spawn_into(reload, 0, &priv_cl.fd, &priv_cl.pid);
}

/* A -y key has no file to load again after a death, and a sandboxed
 * main process may not open the files (Landlock): a second keys process,
 * idle until the first dies, keeps every key (its requests then come to
 * it; it seals at the first). A failure only warns. */
static void
spawn_standby(void)
{
	size_t i;

	for (i = 0; i < priv_cl.ntsig && priv_cl.file[i] != NULL; i++)
		;
	if (priv_cl.ntsig == 0 || (i == priv_cl.ntsig && !priv_cl.sandbox))
		return;
	if (spawn_into(0, 1, &priv_cl.spare_fd, &priv_cl.spare_pid) != 0) {
		log_warn("%s: the TSIG keys cannot outlive a keys process death",
		         acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
		return;
	}
	log_debug("privsep: standby keys process %ld, with the TSIG keys",
	          (long)priv_cl.spare_pid);
}

/* Sandboxed as root, every TSIG key from a file: instead of a standby,
 * the files process is told the key files now (this process is still
 * trusted) and starts a keys process with them if this one dies. 1 when
 * it took them all. */
static int
spare_in_files(void)
{
	size_t i;

	if (!priv_cl.sandbox || priv_cl.ntsig == 0)
		return 0;
	for (i = 0; i < priv_cl.ntsig; i++)
		if (priv_cl.file[i] == NULL)
			return 0;
	for (i = 0; i < priv_cl.ntsig; i++)
		if (priv_files_spare_add(priv_cl.file[i],
		    tsig_key_name(priv_cl.tsig[i])) != 0)
			return 0; /* no files process: a standby then */
	priv_cl.spare_in_files = 1;
	log_debug("privsep: no standby keys process: the files process starts "
	          "one again from the %zu TSIG key files if needed",
	          priv_cl.ntsig);
	return 1;
}

/* This process's filter (sandboxed), the standby forked (it inherits the
 * filter), then the TSIG secrets here wiped: while the keys process
 * answers its first request (the filter and a fork cost about a
 * millisecond each), else when called (priv.h). */
void
priv_keys_settle(void)
{
	size_t i;

	if (!priv_cl.unsettled)
		return;
	priv_cl.unsettled = 0;
	if (priv_cl.sandbox && priv_sandbox_main() != 0) {
		log_stage("%s", acmeup_errmsg(ACMEUP_EIO)); /* said once */
		acmeup_err_clear();
	}
	if (!spare_in_files())
		spawn_standby();
	for (i = 0; i < priv_cl.ntsig; i++)
		tsig_key_wipe_secret(priv_cl.tsig[i]);
}

int
priv_keys_start(int sandbox)
{
	int rc;

	if (priv_cl.started)
		return 0;
	priv_cl.sandbox = sandbox;
	priv_cl.uid = priv_cl.gid = -1; /* the keys process looks its user up as it seals */
	rc = spawn(0);
	if (rc != 0)
		return rc;
	priv_cl.started = 1;
	priv_cl.unsettled = 1;
	return 0;
}

static int
reap(void)
{
	return priv_cl.foreign ? -1 : priv_reap(priv_cl.pid);
}

/* The files process's keys process takes over: 1, else 0 (said). */
static int
spare_from_files(void)
{
	long pid;
	int fd, rc;

	if (!priv_cl.spare_in_files)
		return 0;
	rc = priv_files_spare(&fd, &pid);
	if (rc != 0) {
		log_error("the files process cannot start a keys process: %s",
		          strerror(-rc));
		return 0;
	}
	priv_cl.fd = fd;
	priv_cl.pid = (pid_t)pid;
	priv_cl.foreign = 1;
	log_error("%s; a new keys process (pid %ld), started by the files "
	          "process with the TSIG keys from their files, removes the "
	          "records", priv_cl.died_msg, pid);
	return 1;
}

/* The keys process is gone (st: its wait status, or -1 to reap it): say
 * so, and start one that loads the TSIG keys from their files, so that the
 * published records can be removed. */
static void
lost(int st)
{
	char why[96];

	priv_keys_settle(); /* a standby, with the keys still here */
	close(priv_cl.fd);
	priv_cl.fd = -1;
	if (st == -1)
		st = reap();
	priv_cl.foreign = 0;
	priv_status_text(st, why, sizeof(why));
	if (!priv_cl.died)
		snprintf(priv_cl.died_msg, sizeof(priv_cl.died_msg), "the keys process (pid "
		         "%ld) %s", (long)priv_cl.pid, why);
	priv_cl.died = 1;
	if (priv_cl.spare_fd >= 0) { /* the standby takes over, -y keys and all */
		priv_cl.fd = priv_cl.spare_fd;
		priv_cl.pid = priv_cl.spare_pid;
		priv_cl.spare_fd = -1;
		log_error("%s; the standby keys process (pid %ld), with every TSIG "
		          "key, removes the records", priv_cl.died_msg, (long)priv_cl.pid);
		return;
	}
	if (spare_from_files())
		return;
	log_error("%s; a new keys process, with the TSIG keys from their "
	          "files only, removes the records", priv_cl.died_msg);
	if (spawn(1) != 0) {
		log_error("%s", acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
}

int
priv_keys_died(char *buf, size_t len)
{
	int st = 0;

	if (priv_cl.fd >= 0 && !priv_cl.foreign &&
	    waitpid(priv_cl.pid, &st, WNOHANG) == priv_cl.pid)
		lost(st);
	if (priv_cl.died && buf != NULL)
		snprintf(buf, len, "%s", priv_cl.died_msg);
	return priv_cl.died;
}

void
priv_reply_free(struct priv_reply *r)
{
	if (r->body != NULL) {
		explicit_bzero(r->body, r->len);
		free(r->body);
	}
	r->body = NULL;
}

/* Send priv_cl.req, read the answer into *r (the caller frees it). A PRIV_ERROR answer becomes the caller's
 * failure; a lost process ACMEUP_ECRYPTO (after lost()). */
int
priv_call(unsigned type, struct priv_reply *r)
{
	int rc;

	r->body = NULL;
	r->len = 0;
	if (priv_cl.fd < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "no keys process (%s)",
		                   priv_cl.died_msg);
	rc = priv_exchange(priv_cl.fd, &priv_cl.req, type, "keys process",
	    priv_keys_settle, r);
	if (rc == ACMEUP_EIO) {
		lost(-1);
		return ACMEUP_EIO;
	}
	if (rc == ACMEUP_EPROTO) { /* it is not to be trusted any more */
		kill(priv_cl.pid, SIGKILL);
		lost(-1);
	}
	return rc;
}

static int
tsig_id(const struct tsig_key *key)
{
	size_t i;

	if (!priv_cl.started)
		return -1;
	for (i = 0; i < priv_cl.ntsig; i++)
		if (priv_cl.tsig[i] == key)
			return (int)i;
	return -1;
}

static int
tsig_sign_once(int id, uint8_t *msg, size_t *len, size_t cap,
               struct tsig_ctx *ctx)
{
	struct priv_reply r;
	const struct priv_msg *m = &r.m;
	int rc, trc = TSIG_ECRYPTO;

	priv_buf_start(&priv_cl.req, PRIV_TSIG_SIGN);
	priv_put_num(&priv_cl.req, (uint64_t)id);
	priv_put_num(&priv_cl.req, (uint64_t)ctx->time_offset);
	priv_put_num(&priv_cl.req, ctx->fudge);
	priv_put_bytes(&priv_cl.req, msg, *len);
	rc = priv_call(PRIV_TSIG_SIGN, &r);
	if (rc == ACMEUP_EIO) {
		priv_reply_free(&r);
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
	priv_reply_free(&r);
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
	struct priv_reply r;
	const struct priv_msg *m = &r.m;
	int rc, trc = TSIG_ECRYPTO;

	priv_buf_start(&priv_cl.req, PRIV_TSIG_VERIFY);
	priv_put_num(&priv_cl.req, (uint64_t)id);
	priv_put_num(&priv_cl.req, (uint64_t)ctx->time_offset);
	priv_put_num(&priv_cl.req, ctx->fudge);
	priv_put_bytes(&priv_cl.req, ctx->mac, ctx->mac_len);
	priv_put_num(&priv_cl.req, ctx->orig_id);
	priv_put_bytes(&priv_cl.req, msg, len);
	rc = priv_call(PRIV_TSIG_VERIFY, &r);
	if (rc == ACMEUP_EIO) {
		priv_reply_free(&r);
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
	priv_reply_free(&r);
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
int
priv_take(const struct priv_field *f, uint8_t **out, size_t *len)
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
	struct priv_reply r;
	const struct priv_msg *m = &r.m;
	size_t i;
	int rc;

	for (i = 0; priv_cl.started && i < priv_cl.nacct && priv_cl.acct[i] != key; i++)
		;
	if (!priv_cl.started || i == priv_cl.nacct)
		return crypto_sign(key, input, len, sig, siglen);
	if (priv_cl.died)
		return acmeup_fail(ACMEUP_ECRYPTO, "JWS: the account key is gone: "
		                   "%s", priv_cl.died_msg);
	priv_buf_start(&priv_cl.req, PRIV_JWS_SIGN);
	priv_put_num(&priv_cl.req, i);
	priv_put_bytes(&priv_cl.req, input, len);
	rc = priv_call(PRIV_JWS_SIGN, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "JWS: %s", priv_cl.died_msg);
	if (rc == 0)
		rc = priv_take(&m->f[0], sig, siglen);
	priv_reply_free(&r);
	return rc;
}

void
priv_keys_stop(void)
{
	int keys = priv_cl.fd >= 0, spare = priv_cl.spare_fd >= 0;
	size_t i;

	/* EOF to both first: they exit side by side, then both are reaped */
	if (keys)
		close(priv_cl.fd);
	if (spare)
		close(priv_cl.spare_fd);
	priv_cl.fd = priv_cl.spare_fd = -1;
	if (keys)
		(void)reap();
	if (spare)
		(void)priv_reap(priv_cl.spare_pid);
	for (i = 0; i < priv_cl.ntsig; i++) {
		free(priv_cl.file[i]);
		if (priv_cl.owned[i])
			tsig_key_free(priv_cl.tsig[i]);
	}
	memset(priv_cl.owned, 0, sizeof(priv_cl.owned));
	priv_buf_free(&priv_cl.req);
	memset(priv_cl.tsig, 0, sizeof(priv_cl.tsig));
	memset(priv_cl.file, 0, sizeof(priv_cl.file));
	memset(priv_cl.acct, 0, sizeof(priv_cl.acct));
	priv_cl.ntsig = priv_cl.nacct = 0;
	priv_cl.started = priv_cl.unsettled = 0; /* died and died_msg stay */
	priv_cl.spare_in_files = priv_cl.foreign = 0;
}

/* An account key the keys process opened or made (request type, already
 * in priv_cl.req): its public key into *out, kept at the id it answered. */
static int
account_call(enum priv_type type, struct crypto_key **out)
{
	struct priv_reply r = { 0 };
	const struct priv_msg *m = &r.m;
	int rc;

	rc = priv_call(type, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "account key: %s", priv_cl.died_msg);
	if (rc == 0 && (m->f[0].num >= PRIV_ACCOUNTS_MAX ||
	    priv_cl.acct[m->f[0].num] != NULL))
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: account key id "
		                 "%llu", (unsigned long long)m->f[0].num);
	if (rc == 0)
		rc = crypto_key_from_public_der(m->f[1].data, m->f[1].len, out);
	if (rc == 0) {
		priv_cl.acct[m->f[0].num] = *out;
		if (m->f[0].num >= priv_cl.nacct)
			priv_cl.nacct = m->f[0].num + 1;
	}
	priv_reply_free(&r);
	return rc;
}

int
priv_account_open(const char *dir, enum crypto_key_type type,
                  int type_given, struct crypto_key **out)
{
	if (!priv_cl.started)
		return account_key_open(dir, type, type_given, out, NULL);
	priv_buf_start(&priv_cl.req, PRIV_ACCOUNT_OPEN);
	priv_put_bytes(&priv_cl.req, dir, strlen(dir));
	priv_put_num(&priv_cl.req, (uint64_t)type);
	priv_put_num(&priv_cl.req, type_given != 0);
	return account_call(PRIV_ACCOUNT_OPEN, out);
}

int
priv_key_load(const char *path, struct crypto_key **out)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	if (priv_cl.started) {
		priv_buf_start(&priv_cl.req, PRIV_KEY_LOAD);
		priv_put_bytes(&priv_cl.req, path, strlen(path));
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

	if (!priv_cl.started) {
		rc = crypto_key_generate(type, out);
		if (rc == 0 && (rc = account_key_stage(dir, *out)) != 0) {
			crypto_key_free(*out);
			*out = NULL;
		}
		return rc;
	}
	priv_buf_start(&priv_cl.req, PRIV_ACCOUNT_STAGE);
	priv_put_bytes(&priv_cl.req, dir, strlen(dir));
	priv_put_num(&priv_cl.req, (uint64_t)type);
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
	priv_cl.file[priv_cl.ntsig] = strdup(file);
	priv_cl.owned[priv_cl.ntsig] = 1;
	priv_cl.tsig[priv_cl.ntsig++] = stub;
}

int
priv_journal_keys(const char *state_dir)
{
	struct priv_reply r = { 0 };
	const char *p, *end, *parts[3];
	size_t i;
	int rc;

	if (!priv_cl.started)
		return 0;
	priv_buf_start(&priv_cl.req, PRIV_JOURNAL_KEYS);
	priv_put_bytes(&priv_cl.req, state_dir, strlen(state_dir));
	rc = priv_call(PRIV_JOURNAL_KEYS, &r);
	if (rc == ACMEUP_EIO)
		rc = acmeup_fail(ACMEUP_ECRYPTO, "journal keys: %s", priv_cl.died_msg);
	if (rc != 0) {
		priv_reply_free(&r);
		return rc;
	}
	p = (const char *)r.m.f[0].data;
	end = p + r.m.f[0].len;
	if (r.m.f[0].len > 0 && end[-1] != '\0')
		rc = acmeup_fail(ACMEUP_EPROTO, "keys process: journal keys");
	while (rc == 0 && p < end && priv_cl.ntsig < PRIV_TSIG_MAX) {
		for (i = 0; i < 3; i++) { /* file, name, algorithm */
			parts[i] = p < end ? p : "";
			p += p < end ? strlen(p) + 1 : 0;
		}
		add_stub(parts[0], parts[1], parts[2]);
		log_debug("privsep: key %s from %s (a journal's) in the keys "
		          "process", parts[1], parts[0]);
	}
	priv_reply_free(&r);
	return rc;
}

const struct tsig_key *
priv_tsig_find(const char *file, const char *name)
{
	size_t i;

	for (i = 0; priv_cl.started && i < priv_cl.ntsig; i++)
		if (priv_cl.tsig[i] != NULL && priv_cl.file[i] != NULL &&
		    strcmp(priv_cl.file[i], file) == 0 &&
		    strcasecmp(tsig_key_name(priv_cl.tsig[i]), name) == 0)
			return priv_cl.tsig[i];
	return NULL;
}
