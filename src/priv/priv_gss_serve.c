/* The Kerberos process's side (priv_gss.h): the credentials and contexts
 * it holds, by id, and the requests it serves, each checked as if the
 * main process were hostile: ids in range and in use, texts without NUL,
 * sizes bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "priv_internal.h"
#include "tsig.h"
#include "tsig_gss.h"
#include "tsig_tkey.h"

#define CREDS_MAX 16
#define CTXS_MAX 64
#define TEXT_MAX 1024          /* a keytab's path, a principal, a name */
#define DNS_MSG_MAX 65535
#define GSS_ROOM 1024          /* TSIG RR: key name, algorithm, MIC */
#define SKEW_MAX 86400         /* s a request may shift our clock (tests) */

static struct tsig_gss_cred *creds[CREDS_MAX];
static struct tsig_gss *ctxs[CTXS_MAX];

/* Field f as a C string in buf: no NUL inside, shorter than len. */
static int
text(const struct priv_field *f, char *buf, size_t len)
{
	if (f->len >= len || memchr(f->data, '\0', f->len) != NULL)
		return acmeup_fail(ACMEUP_EPROTO, "Kerberos process: a text "
		                   "field of %zu octets", f->len);
	memcpy(buf, f->data, f->len);
	buf[f->len] = '\0';
	return 0;
}

static struct tsig_gss *
ctx_by_id(uint64_t id)
{
	return id >= 1 && id <= CTXS_MAX ? ctxs[id - 1] : NULL;
}

static int
no_ctx(uint64_t id)
{
	return acmeup_fail(ACMEUP_EPROTO, "Kerberos process: no context %llu",
	                   (unsigned long long)id);
}

static int
free_slot(void **slots, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (slots[i] == NULL)
			return (int)i;
	return acmeup_fail(ACMEUP_EPROTO, "Kerberos process: more than %zu "
	                   "credentials or contexts", n);
}

static int
cred_req(const struct priv_msg *m, struct priv_buf *out)
{
	char keytab[TEXT_MAX], principal[TEXT_MAX], err[1024] = "";
	uint64_t given = m->f[2].num;
	int slot, trc, rc;

	rc = text(&m->f[0], keytab, sizeof(keytab));
	if (rc == 0)
		rc = text(&m->f[1], principal, sizeof(principal));
	if (rc == 0 && given > 3)
		rc = acmeup_fail(ACMEUP_EPROTO, "Kerberos process: credentials "
		                 "request %llu", (unsigned long long)given);
	slot = rc == 0 ? free_slot((void **)creds, CREDS_MAX) : rc;
	if (slot < 0)
		return slot;
	trc = tsig_gss_cred_new(given & 1 ? keytab : NULL,
	                        given & 2 ? principal : NULL, &creds[slot],
	                        err, sizeof(err));
	priv_buf_start(out, PRIV_REPLY | PRIV_GSS_CRED);
	priv_put_num(out, (uint64_t)(int64_t)trc);
	priv_put_num(out, trc == 0 ? (uint64_t)slot + 1 : 0);
	priv_put_bytes(out, tsig_gss_cred_name(creds[slot]),
	               strlen(tsig_gss_cred_name(creds[slot])));
	priv_put_bytes(out, err, strlen(err));
	return 0;
}

static int
new_req(const struct priv_msg *m, struct priv_buf *out)
{
	char key[TEXT_MAX], host[TEXT_MAX], err[1024] = "";
	uint64_t cred = m->f[2].num;
	int slot, trc, rc;

	rc = text(&m->f[0], key, sizeof(key));
	if (rc == 0)
		rc = text(&m->f[1], host, sizeof(host));
	if (rc == 0 && (cred < 1 || cred > CREDS_MAX || creds[cred - 1] == NULL))
		rc = acmeup_fail(ACMEUP_EPROTO, "Kerberos process: no credentials "
		                 "%llu", (unsigned long long)cred);
	slot = rc == 0 ? free_slot((void **)ctxs, CTXS_MAX) : rc;
	if (slot < 0)
		return slot;
	trc = tsig_gss_new(key, host, &ctxs[slot], err, sizeof(err));
	if (trc == 0)
		trc = tsig_gss_use_cred(ctxs[slot], creds[cred - 1]);
	if (trc == 0 && m->f[3].num != 0)
		trc = tsig_gss_set_alg(ctxs[slot], TSIG_GSS_ALG_MS);
	if (trc != 0) {
		tsig_gss_free(ctxs[slot]);
		ctxs[slot] = NULL;
	}
	priv_buf_start(out, PRIV_REPLY | PRIV_GSS_NEW);
	priv_put_num(out, (uint64_t)(int64_t)trc);
	priv_put_num(out, trc == 0 ? (uint64_t)slot + 1 : 0);
	priv_put_bytes(out, err, strlen(err));
	return 0;
}

static int
step_req(const struct priv_msg *m, struct priv_buf *out)
{
	struct tsig_gss *g = ctx_by_id(m->f[0].num);
	uint8_t *tok = NULL;
	size_t tlen = 0;
	char err[1024] = "";
	int done = 0, trc;

	if (g == NULL)
		return no_ctx(m->f[0].num);
	if (m->f[1].len > TSIG_TKEY_TOKEN_MAX)
		return acmeup_fail(ACMEUP_EPROTO, "Kerberos process: a token of "
		                   "%zu octets", m->f[1].len);
	trc = tsig_gss_step(g, m->f[1].len > 0 ? m->f[1].data : NULL,
	                    m->f[1].len, &tok, &tlen, &done, err, sizeof(err));
	priv_buf_start(out, PRIV_REPLY | PRIV_GSS_STEP);
	priv_put_num(out, (uint64_t)(int64_t)trc);
	priv_put_num(out, (uint64_t)done);
	priv_put_bytes(out, tok, tok != NULL ? tlen : 0);
	priv_put_bytes(out, err, strlen(err));
	priv_put_num(out, done ? tsig_gss_lifetime(g) : 0);
	free(tok);
	return 0;
}

/* The request's tsig_ctx fields: time offset, fudge (and MAC, ID). */
static int
ctx_fields(uint64_t offset, uint64_t fudge)
{
	int64_t o = (int64_t)offset;

	if (o < -SKEW_MAX || o > SKEW_MAX || fudge > 0xffff)
		return acmeup_fail(ACMEUP_EPROTO, "Kerberos process: a bad time "
		                   "offset or fudge");
	return 0;
}

static int
sign_req(const struct priv_msg *m, struct priv_buf *out)
{
	struct tsig_gss *g = ctx_by_id(m->f[0].num);
	struct tsig_ctx ctx = { .time_offset = (int64_t)m->f[1].num,
	                        .fudge = (uint16_t)m->f[2].num };
	uint64_t cap = m->f[3].num;
	size_t len = m->f[4].len;
	uint8_t *buf;
	int rc, trc;

	if (g == NULL)
		return no_ctx(m->f[0].num);
	rc = ctx_fields(m->f[1].num, m->f[2].num);
	if (rc == 0 && (len > DNS_MSG_MAX || cap < len ||
	    cap > DNS_MSG_MAX + GSS_ROOM))
		rc = acmeup_fail(ACMEUP_EPROTO, "Kerberos process: a message of "
		                 "%zu octets in %llu", len, (unsigned long long)cap);
	if (rc != 0)
		return rc;
	buf = malloc((size_t)cap + 1);
	if (buf == NULL)
		return ACMEUP_ENOMEM;
	memcpy(buf, m->f[4].data, len);
	trc = tsig_gss_sign(g, buf, &len, (size_t)cap, &ctx);
	priv_buf_start(out, PRIV_REPLY | PRIV_GSS_SIGN);
	priv_put_num(out, (uint64_t)(int64_t)trc);
	priv_put_bytes(out, buf, trc == TSIG_OK ? len : 0);
	priv_put_bytes(out, ctx.mac, trc == TSIG_OK ? ctx.mac_len : 0);
	priv_put_num(out, ctx.orig_id);
	free(buf);
	return 0;
}

static int
verify_req(const struct priv_msg *m, struct priv_buf *out)
{
	struct tsig_gss *g = ctx_by_id(m->f[0].num);
	struct tsig_ctx ctx = { .time_offset = (int64_t)m->f[1].num,
	                        .fudge = (uint16_t)m->f[2].num,
	                        .orig_id = (uint16_t)m->f[4].num };
	struct tsig_result res = { 0 };
	int rc, trc;

	if (g == NULL)
		return no_ctx(m->f[0].num);
	rc = ctx_fields(m->f[1].num, m->f[2].num);
	if (rc == 0 && (m->f[3].len > sizeof(ctx.mac) ||
	    m->f[5].len > DNS_MSG_MAX || m->f[4].num > 0xffff))
		rc = acmeup_fail(ACMEUP_EPROTO, "Kerberos process: a bad "
		                 "verify request");
	if (rc != 0)
		return rc;
	memcpy(ctx.mac, m->f[3].data, m->f[3].len);
	ctx.mac_len = m->f[3].len;
	trc = tsig_gss_verify(g, m->f[5].data, m->f[5].len, &ctx, &res);
	priv_buf_start(out, PRIV_REPLY | PRIV_GSS_VERIFY);
	priv_put_num(out, (uint64_t)(int64_t)trc);
	priv_put_num(out, res.error);
	priv_put_num(out, res.server_time);
	priv_put_num(out, res.our_time);
	priv_put_num(out, (uint64_t)tsig_gss_prior_bare(g));
	return 0;
}

static int
free_req(const struct priv_msg *m, struct priv_buf *out)
{
	uint64_t id = m->f[0].num;

	if (ctx_by_id(id) == NULL)
		return no_ctx(id);
	tsig_gss_free(ctxs[id - 1]);
	ctxs[id - 1] = NULL;
	priv_buf_start(out, PRIV_REPLY | PRIV_GSS_FREE);
	return 0;
}

static int
dispatch(const uint8_t *body, size_t len, struct priv_buf *out)
{
	struct priv_msg m;
	int rc = priv_msg_decode(body, len, &m);

	if (rc != 0)
		return rc;
	switch (m.type) {
	case PRIV_GSS_CRED:
		return cred_req(&m, out);
	case PRIV_GSS_NEW:
		return new_req(&m, out);
	case PRIV_GSS_STEP:
		return step_req(&m, out);
	case PRIV_GSS_SIGN:
		return sign_req(&m, out);
	case PRIV_GSS_VERIFY:
		return verify_req(&m, out);
	case PRIV_GSS_FREE:
		return free_req(&m, out);
	default:
		return acmeup_fail(ACMEUP_EPROTO, "Kerberos process: message type "
		                   "%u is no request of its", m.type);
	}
}

void
priv_gss_handle(const uint8_t *body, size_t len, struct priv_buf *out)
{
	const char *msg;
	int rc = dispatch(body, len, out);

	if (rc == 0)
		return;
	msg = acmeup_errmsg(rc);
	priv_buf_start(out, PRIV_ERROR);
	priv_put_num(out, (uint64_t)(int64_t)rc);
	priv_put_bytes(out, msg, strlen(msg));
	acmeup_err_clear();
}

void
priv_gss_serve(int fd)
{
	struct priv_buf out = { 0 };
	uint8_t *body;
	size_t len, i;

	while (priv_recv(fd, &body, &len) == 0) {
		priv_gss_handle(body, len, &out);
		explicit_bzero(body, len);
		free(body);
		if (priv_send(fd, &out) != 0)
			break;
	}
	priv_buf_free(&out);
	for (i = 0; i < CTXS_MAX; i++)
		tsig_gss_free(ctxs[i]);
	for (i = 0; i < CREDS_MAX; i++)
		tsig_gss_cred_free(creds[i]);
	_exit(0);
}
