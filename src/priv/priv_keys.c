/* The keys process: holds the TSIG keys, the account key and the
 * certificate keys; answers one request at a time on its socketpair until
 * the other end closes it. It parses nothing from the network but the
 * TSIG record it verifies (tsig_verify), and every request is decoded
 * against its schema and bounded before use. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "priv_internal.h"
#include "tsig.h"

#define TSIG_ROOM 1024   /* RFC 8945 4.2: two names, fixed fields, MAC */
#define DNS_MSG_MAX 65535
#define SKEW_MAX 86400   /* s a request may shift our clock by (tests) */

/* A request's time offset and fudge (tsig_ctx), bounded. */
static int
ctx_ok(uint64_t offset, uint64_t fudge)
{
	int64_t o = (int64_t)offset;

	return o >= -SKEW_MAX && o <= SKEW_MAX && fudge <= 0xffff;
}

/* A TSIG key this process does not hold: out of range, or not reloaded
 * after a death (a -y key, or its file unreadable now). */
static int
no_key(uint64_t id)
{
	return acmeup_fail(ACMEUP_ETSIG, "keys process: no TSIG key %llu here "
	                   "(after a death only keys from files come back)",
	                   (unsigned long long)id);
}

static const struct tsig_key *
tsig_by_id(const struct priv_keys *k, uint64_t id)
{
	return id < k->t->ntsig ? k->t->tsig[id] : NULL;
}

static int
tsig_sign_req(struct priv_keys *k, const struct priv_msg *m)
{
	const struct tsig_key *key = tsig_by_id(k, m->f[0].num);
	struct tsig_ctx ctx = { .time_offset = (int64_t)m->f[1].num,
	                        .fudge = (uint16_t)m->f[2].num };
	size_t len = m->f[3].len;
	uint8_t *buf;
	int trc;

	if (key == NULL)
		return no_key(m->f[0].num);
	if (len > DNS_MSG_MAX || !ctx_ok(m->f[1].num, m->f[2].num))
		return acmeup_fail(ACMEUP_EINVAL, "TSIG sign request: a bad "
		                   "message or time");
	buf = malloc(len + TSIG_ROOM);
	if (buf == NULL)
		return ACMEUP_ENOMEM;
	memcpy(buf, m->f[3].data, len);
	trc = tsig_sign(key, buf, &len, len + TSIG_ROOM, &ctx);
	priv_buf_start(&k->out, PRIV_REPLY | PRIV_TSIG_SIGN);
	priv_put_num(&k->out, (uint64_t)(int64_t)trc);
	priv_put_bytes(&k->out, buf, trc == TSIG_OK ? len : 0);
	priv_put_bytes(&k->out, ctx.mac, trc == TSIG_OK ? ctx.mac_len : 0);
	priv_put_num(&k->out, ctx.orig_id);
	free(buf);
	return 0;
}

static int
tsig_verify_req(struct priv_keys *k, const struct priv_msg *m)
{
	const struct tsig_key *key = tsig_by_id(k, m->f[0].num);
	struct tsig_ctx ctx = { .time_offset = (int64_t)m->f[1].num,
	                        .fudge = (uint16_t)m->f[2].num,
	                        .orig_id = (uint16_t)m->f[4].num };
	struct tsig_result res = { 0 };
	int trc;

	if (key == NULL)
		return no_key(m->f[0].num);
	if (m->f[3].len > sizeof(ctx.mac) || m->f[5].len > DNS_MSG_MAX ||
	    !ctx_ok(m->f[1].num, m->f[2].num) || m->f[4].num > 0xffff)
		return acmeup_fail(ACMEUP_EINVAL, "TSIG verify request: a bad "
		                   "field");
	memcpy(ctx.mac, m->f[3].data, m->f[3].len);
	ctx.mac_len = m->f[3].len;
	trc = tsig_verify(key, m->f[5].data, m->f[5].len, &ctx, &res);
	priv_buf_start(&k->out, PRIV_REPLY | PRIV_TSIG_VERIFY);
	priv_put_num(&k->out, (uint64_t)(int64_t)trc);
	priv_put_num(&k->out, res.error);
	priv_put_num(&k->out, res.server_time);
	priv_put_num(&k->out, res.our_time);
	return 0;
}

static int
jws_sign_req(struct priv_keys *k, const struct priv_msg *m)
{
	uint64_t id = m->f[0].num;
	uint8_t *sig = NULL;
	size_t len = 0;
	int rc;

	if (id >= k->t->nacct || k->t->acct[id] == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "JWS request: no account key "
		                   "%llu", (unsigned long long)id);
	rc = crypto_sign(k->t->acct[id], m->f[1].data, m->f[1].len, &sig, &len);
	if (rc != 0)
		return rc;
	priv_buf_start(&k->out, PRIV_REPLY | PRIV_JWS_SIGN);
	priv_put_bytes(&k->out, sig, len);
	free(sig);
	return 0;
}

/* The NUL-separated names of a CSR request, each non-empty and printable. */
static int
split_names(const struct priv_field *f, const char **names, size_t *n)
{
	const char *p = (const char *)f->data, *end = p + f->len;
	size_t i;

	*n = 0;
	if (f->len == 0 || end[-1] != '\0')
		return -1;
	while (p < end) {
		if (*n == PRIV_NAMES_MAX || *p == '\0')
			return -1;
		for (i = 0; p[i] != '\0'; i++)
			if ((unsigned char)p[i] <= ' ' ||
			    (unsigned char)p[i] >= 0x7f)
				return -1;
		names[(*n)++] = p;
		p += i + 1;
	}
	return 0;
}

static int
certkey_new_req(struct priv_keys *k, const struct priv_msg *m)
{
	const char *names[PRIV_NAMES_MAX];
	struct crypto_key *key = NULL;
	uint8_t *der = NULL;
	size_t n, len = 0, slot;
	char desc[32];
	int rc;

	for (slot = 0; slot < PRIV_CERTKEYS_MAX && k->cert[slot] != NULL; slot++)
		;
	if (slot == PRIV_CERTKEYS_MAX || m->f[0].num > 4 ||
	    split_names(&m->f[2], names, &n) != 0)
		return acmeup_fail(ACMEUP_EINVAL, "certificate key request: bad "
		                   "type or names, or too many keys");
	if (m->f[1].len > 0)
		rc = crypto_key_from_pem((const char *)m->f[1].data, m->f[1].len,
		                         &key);
	else
		rc = crypto_key_generate((enum crypto_key_type)m->f[0].num, &key);
	if (rc == 0)
		rc = crypto_csr_new(key, names, n, &der, &len);
	if (rc != 0) {
		crypto_key_free(key);
		return rc;
	}
	k->cert[slot] = key;
	crypto_key_describe(key, desc, sizeof(desc));
	priv_buf_start(&k->out, PRIV_REPLY | PRIV_CERTKEY_NEW);
	priv_put_num(&k->out, slot + 1);
	priv_put_bytes(&k->out, der, len);
	priv_put_bytes(&k->out, desc, strlen(desc));
	free(der);
	return 0;
}

static struct crypto_key **
cert_by_id(struct priv_keys *k, uint64_t id)
{
	if (id == 0 || id > PRIV_CERTKEYS_MAX || k->cert[id - 1] == NULL) {
		acmeup_fail(ACMEUP_EINVAL, "no certificate key %llu",
		            (unsigned long long)id);
		return NULL;
	}
	return &k->cert[id - 1];
}

static int
certkey_pem_req(struct priv_keys *k, const struct priv_msg *m)
{
	struct crypto_key **key = cert_by_id(k, m->f[0].num);
	char *pem = NULL;
	size_t len = 0;
	int rc;

	if (key == NULL)
		return ACMEUP_EINVAL;
	rc = crypto_key_to_pem(*key, &pem, &len);
	if (rc != 0)
		return rc;
	priv_buf_start(&k->out, PRIV_REPLY | PRIV_CERTKEY_PEM);
	priv_put_bytes(&k->out, pem, len);
	explicit_bzero(pem, len);
	free(pem);
	return 0;
}

static int
certkey_free_req(struct priv_keys *k, const struct priv_msg *m)
{
	struct crypto_key **key = cert_by_id(k, m->f[0].num);

	if (key == NULL)
		return ACMEUP_EINVAL;
	crypto_key_free(*key);
	*key = NULL;
	priv_buf_start(&k->out, PRIV_REPLY | PRIV_CERTKEY_FREE);
	return 0;
}

static int
refused(void)
{
	return acmeup_fail(ACMEUP_EINVAL, "keys process: no file is opened "
	                   "after the first request that signs");
}

/* No more files from here on: the filter, once. */
static void
seal(struct priv_keys *k)
{
	if (k->sealed)
		return;
	k->sealed = 1;
	if (!k->t->sandbox)
		return;
	if (k->t->uid < 0)
		priv_sandbox_lookup(&k->t->uid, &k->t->gid);
	/* Root no more (root without CAP_SETUID, as in the systemd unit,
	 * stays: said once), then the filter. */
	if (k->t->uid >= 0 && priv_sandbox_become(k->t->uid, k->t->gid) != 0) {
		log_stage("%s; it stays uid %ld", acmeup_errmsg(ACMEUP_EIO),
		         (long)getuid());
		acmeup_err_clear();
	}
	if (priv_sandbox_keys() != 0)
		acmeup_err_clear(); /* the main process says it once */
}

static int
dispatch(struct priv_keys *k, const uint8_t *body, size_t len)
{
	struct priv_msg m;
	int rc, closed;

	rc = priv_msg_decode(body, len, &m);
	if (rc != 0)
		return rc;
	/* The files first (the account key, the journals' TSIG keys), then
	 * the seal: any other request, or the journals' keys, seals. A
	 * standby or replacement opens none: it comes to serve a main process
	 * that may have lost its trust, and may still be root. */
	closed = k->sealed || k->t->no_files;
	if (m.type == PRIV_ACCOUNT_OPEN)
		return closed ? refused() : priv_load_account(k, &m);
	if (m.type == PRIV_ACCOUNT_STAGE)
		return closed ? refused() : priv_stage_account(k, &m);
	if (m.type == PRIV_KEY_LOAD)
		return closed ? refused() : priv_load_keyfile(k, &m);
	if (m.type == PRIV_JOURNAL_KEYS) {
		rc = closed ? refused() : priv_load_journal_keys(k, &m);
		k->seal_after = 1; /* before the next request is read */
		return rc;
	}
	seal(k);
	switch (m.type) {
	case PRIV_TSIG_SIGN:
		return tsig_sign_req(k, &m);
	case PRIV_TSIG_VERIFY:
		return tsig_verify_req(k, &m);
	case PRIV_JWS_SIGN:
		return jws_sign_req(k, &m);
	case PRIV_CERTKEY_NEW:
		return certkey_new_req(k, &m);
	case PRIV_CERTKEY_PEM:
		return certkey_pem_req(k, &m);
	case PRIV_CERTKEY_FREE:
		return certkey_free_req(k, &m);
	default:
		return acmeup_fail(ACMEUP_EPROTO, "keys process: message type %u "
		                   "is no request", m.type);
	}
}

void
priv_keys_handle(struct priv_keys *k, const uint8_t *body, size_t len)
{
	const char *msg;
	int rc;

	rc = dispatch(k, body, len);
	if (rc == 0)
		return;
	msg = acmeup_errmsg(rc);
	priv_buf_start(&k->out, PRIV_ERROR);
	priv_put_num(&k->out, (uint64_t)(int64_t)rc);
	priv_put_bytes(&k->out, msg, strlen(msg));
	acmeup_err_clear();
}

void
priv_keys_clear(struct priv_keys *k)
{
	size_t i;

	for (i = 0; i < PRIV_CERTKEYS_MAX; i++) {
		crypto_key_free(k->cert[i]);
		k->cert[i] = NULL;
	}
	priv_buf_free(&k->out);
}

void
priv_keys_serve(int fd, struct priv_table *t)
{
	static struct priv_keys k; /* 8 KiB of slots: not on the stack */
	uint8_t *body;
	size_t len;

	k.t = t;
	/* A frame that cannot be read (closed, or over the limit: the stream
	 * is lost) ends the process. */
	while (priv_recv(fd, &body, &len) == 0) {
		priv_keys_handle(&k, body, len);
		explicit_bzero(body, len);
		free(body);
		if (priv_send(fd, &k.out) != 0)
			break;
		if (k.seal_after) {
			k.seal_after = 0;
			seal(&k);
		}
	}
	priv_keys_clear(&k); /* the certificate keys wiped */
	_exit(0);
}
