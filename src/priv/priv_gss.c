/* The main process's side of the Kerberos process (priv_gss.h): the fork,
 * the requests, the standby's takeover; or, not separated, the same calls
 * here. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "acmeup/priv_gss.h"
#include "priv_client.h"
#include "priv_internal.h"
#include "tsig.h"
#include "tsig_gss.h"
#include "tsig_tkey.h"

#define CREDS_MAX 16           /* as the Kerberos process's tables */
#define CTXS_MAX 64

struct cred_ent {
	int used;
	char *keytab, *principal;  /* to acquire again after a takeover */
	char name[256];
	struct tsig_gss_cred *local; /* not separated */
};

struct ctx_ent {
	int used;
	unsigned gen;              /* the Kerberos process it lives in */
	int ms, bare;
	uint32_t lifetime;
	struct tsig_gss *local;    /* not separated */
};

static struct {
	int separate, sandbox, sealed;
	int fd, spare_fd;          /* -1: none */
	pid_t pid, spare_pid;
	unsigned gen;              /* takeovers so far */
	int died;
	char died_msg[200];
	struct priv_buf req;
	struct cred_ent cred[CREDS_MAX];
	struct ctx_ent ctx[CTXS_MAX];
} gs = { .fd = -1, .spare_fd = -1 };

void
priv_gss_separate(int sandbox)
{
	gs.separate = tsig_gss_available();
	gs.sandbox = sandbox;
}

void
priv_gss_seal(void)
{
	gs.sealed = 1;
}

long
priv_gss_pid(void)
{
	return gs.fd >= 0 ? (long)gs.pid : 0;
}

/* The child: stderr and its socket, the terminal's signals left to the
 * parent (which cleans up through it), dead with it; no exec. */
static void __attribute__((noreturn))
child(int fd, pid_t parent)
{
	fd = priv_child_start(fd, parent); /* not dumpable: tickets */
	if (gs.sandbox && priv_sandbox_main() != 0)
		acmeup_err_clear(); /* the main process says it once */
	priv_gss_serve(fd);
}

static int
spawn(int *fdp, pid_t *pidp)
{
	pid_t pid, parent = getpid();
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return acmeup_fail(ACMEUP_EIO, "Kerberos process: socketpair: %s",
		                   strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], parent);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return acmeup_fail(ACMEUP_EIO, "Kerberos process: fork: %s",
		                   strerror(errno));
	}
	*fdp = sv[0];
	*pidp = pid;
	return 0;
}

/* The Kerberos process and its standby, at the first need. */
static int
start(void)
{
	int rc;

	if (gs.fd >= 0 || gs.died)
		return gs.fd >= 0 ? 0 : acmeup_fail(ACMEUP_EIO, "%s",
		                                     gs.died_msg);
	if (gs.sealed)
		return acmeup_fail(ACMEUP_EIO, "no Kerberos process, and this "
		                   "process is confined now");
	rc = spawn(&gs.fd, &gs.pid);
	if (rc != 0)
		return rc;
	if (spawn(&gs.spare_fd, &gs.spare_pid) != 0) {
		log_warn("%s: GSS-TSIG cannot outlive a Kerberos process death",
		         acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
	log_debug("privsep: Kerberos process %ld holds the GSS-TSIG "
	          "credentials (standby %ld)", (long)gs.pid, (long)gs.spare_pid);
	return 0;
}

static int reacquire(void);

/* The Kerberos process is gone (st: its wait status, -1 to reap it): say
 * so; the standby takes over with the credentials acquired again. */
static void
lost(int st)
{
	char why[96];

	close(gs.fd);
	gs.fd = -1;
	if (st == -1)
		st = priv_reap(gs.pid);
	priv_status_text(st, why, sizeof(why));
	if (!gs.died)
		snprintf(gs.died_msg, sizeof(gs.died_msg), "the Kerberos process "
		         "(pid %ld) %s", (long)gs.pid, why);
	gs.died = 1;
	gs.gen++; /* its contexts are gone */
	if (gs.spare_fd < 0) {
		log_error("%s; no standby: GSS-TSIG ends here", gs.died_msg);
		return;
	}
	gs.fd = gs.spare_fd;
	gs.pid = gs.spare_pid;
	gs.spare_fd = -1;
	log_error("%s; the standby Kerberos process (pid %ld) acquires the "
	          "credentials again and removes the records", gs.died_msg,
	          (long)gs.pid);
	if (reacquire() != 0) {
		log_error("%s", acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
	}
}

int
priv_gss_died(char *buf, size_t len)
{
	int st = 0;

	if (gs.fd >= 0 && waitpid(gs.pid, &st, WNOHANG) == gs.pid)
		lost(st);
	if (gs.died && buf != NULL)
		snprintf(buf, len, "%s", gs.died_msg);
	return gs.died;
}

/* Send gs.req, read the answer (r->m decoded; the caller frees r). A
 * PRIV_ERROR answer becomes the caller's failure; a lost process
 * ACMEUP_EIO (after lost()); an answer out of protocol kills it. */
static int
call(unsigned type, struct priv_reply *r)
{
	int rc;

	r->body = NULL;
	if (gs.fd < 0)
		return acmeup_fail(ACMEUP_EIO, "no Kerberos process (%s)",
		                   gs.died_msg);
	rc = priv_exchange(gs.fd, &gs.req, type, "Kerberos process", NULL,
	    r);
	if (rc == ACMEUP_EIO) {
		lost(-1);
		return acmeup_fail(ACMEUP_EIO, "%s", gs.died_msg);
	}
	if (rc == ACMEUP_EPROTO) { /* not to be trusted any more */
		kill(gs.pid, SIGKILL);
		lost(-1);
	}
	return rc;
}

/* A TSIG code from field f, TSIG_EGSS when it is none. */
static int
trc_of(const struct priv_field *f)
{
	int64_t v = (int64_t)f->num;

	return v <= 0 && v >= TSIG_EUNAVAIL ? (int)v : TSIG_EGSS;
}

/* An ACMEUP failure (its detail) as a TSIG code with err. */
static int
failed(int rc, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", acmeup_errmsg(rc));
	acmeup_err_clear();
	return TSIG_EGSS;
}

static void
text_out(const struct priv_field *f, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return;
	snprintf(buf, len, "%.*s", (int)(f->len < len ? f->len : len - 1),
	         (const char *)f->data);
}

/* CRED for slot i (acquire, or acquire again): the id must be i + 1. */
static int
cred_call(size_t i, char *err, size_t errlen)
{
	struct cred_ent *c = &gs.cred[i];
	struct priv_reply r = { 0 };
	int rc, trc;

	priv_buf_start(&gs.req, PRIV_GSS_CRED);
	priv_put_bytes(&gs.req, c->keytab ? c->keytab : "",
	               c->keytab ? strlen(c->keytab) : 0);
	priv_put_bytes(&gs.req, c->principal ? c->principal : "",
	               c->principal ? strlen(c->principal) : 0);
	priv_put_num(&gs.req, (c->keytab ? 1u : 0u) | (c->principal ? 2u : 0u));
	rc = call(PRIV_GSS_CRED, &r);
	if (rc != 0) {
		priv_reply_free(&r);
		return failed(rc, err, errlen);
	}
	trc = trc_of(&r.m.f[0]);
	if (trc == 0 && r.m.f[1].num != i + 1)
		trc = TSIG_EGSS;
	text_out(&r.m.f[2], c->name, sizeof(c->name));
	text_out(&r.m.f[3], err, errlen);
	priv_reply_free(&r);
	return trc;
}

/* After a takeover: the same credentials, in the same order. */
static int
reacquire(void)
{
	char err[512] = "";
	size_t i;

	for (i = 0; i < CREDS_MAX && gs.cred[i].used; i++)
		if (cred_call(i, err, sizeof(err)) != 0)
			return acmeup_fail(ACMEUP_EIO, "the standby Kerberos "
			                   "process: credentials of %s: %s",
			                   gs.cred[i].name, err);
	return 0;
}

static char *
dup_or_null(const char *s, int *bad)
{
	char *d = s != NULL ? strdup(s) : NULL;

	*bad |= s != NULL && d == NULL;
	return d;
}

int
priv_gss_cred_new(const char *keytab, const char *principal, int *id,
                  char *err, size_t errlen)
{
	struct cred_ent *c = NULL;
	size_t i;
	int bad = 0, rc, trc;

	for (i = 0; i < CREDS_MAX && c == NULL; i++)
		if (!gs.cred[i].used)
			c = &gs.cred[i];
	if (c == NULL)
		return TSIG_EINVAL;
	i--;
	if (!gs.separate) {
		trc = tsig_gss_cred_new(keytab, principal, &c->local, err, errlen);
		if (trc == 0)
			snprintf(c->name, sizeof(c->name), "%s",
			         tsig_gss_cred_name(c->local));
	} else {
		rc = start();
		if (rc != 0)
			return failed(rc, err, errlen);
		c->keytab = dup_or_null(keytab, &bad);
		c->principal = dup_or_null(principal, &bad);
		trc = bad ? TSIG_ENOMEM : cred_call(i, err, errlen);
	}
	if (trc != 0) {
		free(c->keytab);
		free(c->principal);
		memset(c, 0, sizeof(*c));
		return trc;
	}
	c->used = 1;
	*id = (int)i + 1;
	return 0;
}

const char *
priv_gss_cred_name(int id)
{
	return id >= 1 && id <= CREDS_MAX && gs.cred[id - 1].used ?
	       gs.cred[id - 1].name : "";
}

static struct ctx_ent *
ctx_of(int id)
{
	struct ctx_ent *e = id >= 1 && id <= CTXS_MAX ? &gs.ctx[id - 1] : NULL;

	return e != NULL && e->used ? e : NULL;
}

int
priv_gss_valid(int id)
{
	const struct ctx_ent *e = ctx_of(id);

	return e != NULL && (!gs.separate || (e->gen == gs.gen && gs.fd >= 0));
}

/* Not separated: a context in this process, in slot *id. */
static int
new_local(const char *key_name, const char *host, int cred, int ms,
          int *id, char *err, size_t errlen)
{
	struct ctx_ent *e = NULL;
	size_t i;
	int trc;

	for (i = 0; i < CTXS_MAX && e == NULL; i++)
		if (!gs.ctx[i].used)
			e = &gs.ctx[i];
	if (e == NULL || cred < 1 || cred > CREDS_MAX)
		return TSIG_EINVAL;
	trc = tsig_gss_new(key_name, host, &e->local, err, errlen);
	if (trc == 0)
		trc = tsig_gss_use_cred(e->local, gs.cred[cred - 1].local);
	if (trc == 0 && ms)
		trc = tsig_gss_set_alg(e->local, TSIG_GSS_ALG_MS);
	if (trc != 0) {
		tsig_gss_free(e->local);
		e->local = NULL;
		return trc;
	}
	e->used = 1;
	e->ms = ms;
	*id = (int)i;
	return 0;
}

int
priv_gss_new(const char *key_name, const char *host, int cred, int ms,
             int *id, char *err, size_t errlen)
{
	struct priv_reply r = { 0 };
	struct ctx_ent *e;
	uint64_t got;
	int rc, trc;

	if (!gs.separate) {
		trc = new_local(key_name, host, cred, ms, id, err, errlen);
		*id += trc == 0;
		return trc;
	}
	priv_buf_start(&gs.req, PRIV_GSS_NEW);
	priv_put_bytes(&gs.req, key_name, strlen(key_name));
	priv_put_bytes(&gs.req, host, strlen(host));
	priv_put_num(&gs.req, (uint64_t)cred);
	priv_put_num(&gs.req, ms != 0);
	rc = call(PRIV_GSS_NEW, &r);
	if (rc != 0) {
		priv_reply_free(&r);
		return failed(rc, err, errlen);
	}
	trc = trc_of(&r.m.f[0]);
	got = r.m.f[1].num;
	text_out(&r.m.f[2], err, errlen);
	priv_reply_free(&r);
	if (trc != 0)
		return trc;
	if (got < 1 || got > CTXS_MAX)
		return TSIG_EGSS;
	e = &gs.ctx[got - 1];
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->gen = gs.gen;
	e->ms = ms != 0;
	*id = (int)got;
	return 0;
}

/* A context's request: 0 and the reply, or a TSIG code (err set). */
static int
ctx_call(int id, unsigned type, struct priv_reply *r, char *err,
         size_t errlen)
{
	int rc;

	r->body = NULL;
	if (!priv_gss_valid(id)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "the context is gone with %s",
			         gs.died_msg[0] ? gs.died_msg : "its process");
		return TSIG_ECRYPTO;
	}
	rc = call(type, r);
	if (rc == 0)
		return 0;
	priv_reply_free(r);
	if (err == NULL) /* TSIG codes carry no detail: say it here */
		log_error("%s", acmeup_errmsg(rc));
	failed(rc, err, errlen);
	return TSIG_ECRYPTO;
}

int
priv_gss_step(int id, const uint8_t *in, size_t in_len, uint8_t **out,
              size_t *out_len, int *done, char *err, size_t errlen)
{
	struct priv_reply r;
	int trc;

	*out = NULL;
	*out_len = 0;
	*done = 0;
	if (!gs.separate)
		return ctx_of(id) == NULL ? TSIG_EINVAL : tsig_gss_step(
		       gs.ctx[id - 1].local, in, in_len, out, out_len, done, err,
		       errlen);
	priv_buf_start(&gs.req, PRIV_GSS_STEP);
	priv_put_num(&gs.req, (uint64_t)id);
	priv_put_bytes(&gs.req, in, in != NULL ? in_len : 0);
	trc = ctx_call(id, PRIV_GSS_STEP, &r, err, errlen);
	if (trc != 0)
		return trc;
	trc = trc_of(&r.m.f[0]);
	text_out(&r.m.f[3], err, errlen);
	if (trc == 0 && r.m.f[2].len > TSIG_TKEY_TOKEN_MAX)
		trc = TSIG_EGSS;
	if (trc == 0 && r.m.f[2].len > 0 &&
	    priv_take(&r.m.f[2], out, out_len) != 0) {
		acmeup_err_clear();
		trc = TSIG_ENOMEM;
	}
	if (trc == 0) {
		*done = r.m.f[1].num != 0;
		gs.ctx[id - 1].lifetime = (uint32_t)(r.m.f[4].num > UINT32_MAX ?
		                          UINT32_MAX : r.m.f[4].num);
	}
	priv_reply_free(&r);
	return trc;
}

/* The head of a SIGN or VERIFY request: the context and the clock. */
static void
ctx_req(unsigned type, int id, const struct tsig_ctx *ctx)
{
	priv_buf_start(&gs.req, type);
	priv_put_num(&gs.req, (uint64_t)id);
	priv_put_num(&gs.req, (uint64_t)ctx->time_offset);
	priv_put_num(&gs.req, ctx->fudge);
}

int
priv_gss_sign(int id, uint8_t *msg, size_t *len, size_t cap,
              struct tsig_ctx *ctx)
{
	struct priv_reply r;
	const struct priv_msg *m = &r.m;
	int trc;

	if (!gs.separate)
		return ctx_of(id) == NULL ? TSIG_EINVAL :
		       tsig_gss_sign(gs.ctx[id - 1].local, msg, len, cap, ctx);
	ctx_req(PRIV_GSS_SIGN, id, ctx);
	priv_put_num(&gs.req, cap);
	priv_put_bytes(&gs.req, msg, *len);
	trc = ctx_call(id, PRIV_GSS_SIGN, &r, NULL, 0);
	if (trc != 0)
		return trc;
	trc = trc_of(&m->f[0]);
	if (trc == 0 && (m->f[1].len > cap || m->f[1].len < *len ||
	    m->f[2].len > sizeof(ctx->mac) || m->f[3].num > 0xffff))
		trc = TSIG_ENOSPACE;
	if (trc == 0) {
		memcpy(msg, m->f[1].data, m->f[1].len);
		*len = m->f[1].len;
		memcpy(ctx->mac, m->f[2].data, m->f[2].len);
		ctx->mac_len = m->f[2].len;
		ctx->orig_id = (uint16_t)m->f[3].num;
	}
	priv_reply_free(&r);
	return trc;
}

int
priv_gss_verify(int id, const uint8_t *msg, size_t len,
                const struct tsig_ctx *ctx, struct tsig_result *res)
{
	struct priv_reply r;
	const struct priv_msg *m = &r.m;
	int trc;

	if (!gs.separate)
		return ctx_of(id) == NULL ? TSIG_EINVAL :
		       tsig_gss_verify(gs.ctx[id - 1].local, msg, len, ctx, res);
	ctx_req(PRIV_GSS_VERIFY, id, ctx);
	priv_put_bytes(&gs.req, ctx->mac, ctx->mac_len);
	priv_put_num(&gs.req, ctx->orig_id);
	priv_put_bytes(&gs.req, msg, len);
	trc = ctx_call(id, PRIV_GSS_VERIFY, &r, NULL, 0);
	if (trc != 0)
		return trc;
	trc = trc_of(&m->f[0]);
	if (res != NULL) {
		res->error = (uint16_t)m->f[1].num;
		res->server_time = m->f[2].num;
		res->our_time = m->f[3].num;
	}
	gs.ctx[id - 1].bare = m->f[4].num != 0;
	priv_reply_free(&r);
	return trc;
}

const char *
priv_gss_alg(int id)
{
	const struct ctx_ent *e = ctx_of(id);

	if (e != NULL && e->local != NULL)
		return tsig_gss_alg(e->local);
	return e != NULL && e->ms ? TSIG_GSS_ALG_MS : TSIG_GSS_ALG;
}

int
priv_gss_prior_bare(int id)
{
	const struct ctx_ent *e = ctx_of(id);

	if (e != NULL && e->local != NULL)
		return tsig_gss_prior_bare(e->local);
	return e != NULL && e->bare;
}

uint32_t
priv_gss_lifetime(int id)
{
	const struct ctx_ent *e = ctx_of(id);

	if (e != NULL && e->local != NULL)
		return tsig_gss_lifetime(e->local);
	return e != NULL ? e->lifetime : 0;
}

void
priv_gss_free(int id)
{
	struct ctx_ent *e = ctx_of(id);
	struct priv_reply r;

	if (e == NULL)
		return;
	if (e->local == NULL && priv_gss_valid(id)) {
		priv_buf_start(&gs.req, PRIV_GSS_FREE);
		priv_put_num(&gs.req, (uint64_t)id);
		if (ctx_call(id, PRIV_GSS_FREE, &r, NULL, 0) == 0)
			priv_reply_free(&r);
	}
	tsig_gss_free(e->local);
	memset(e, 0, sizeof(*e));
}

static void
stop(int *fd, pid_t pid)
{
	int st;

	if (*fd < 0)
		return;
	close(*fd); /* EOF: it ends */
	*fd = -1;
	st = priv_reap(pid);
	if (st == -1 || WIFSIGNALED(st)) /* another process kept its socket */
		log_warn("the Kerberos process (pid %ld) did not end at EOF "
		         "within 1 s", (long)pid);
}

void
priv_gss_end(void)
{
	size_t i;

	for (i = 0; i < CTXS_MAX; i++) {
		tsig_gss_free(gs.ctx[i].local);
		memset(&gs.ctx[i], 0, sizeof(gs.ctx[i]));
	}
	for (i = 0; i < CREDS_MAX; i++) {
		tsig_gss_cred_free(gs.cred[i].local);
		free(gs.cred[i].keytab);
		free(gs.cred[i].principal);
		memset(&gs.cred[i], 0, sizeof(gs.cred[i]));
	}
	stop(&gs.fd, gs.pid);
	stop(&gs.spare_fd, gs.spare_pid);
	priv_buf_free(&gs.req);
}
