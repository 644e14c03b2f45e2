/* libFuzzer target: the keys process's messages (src/priv/).
 *
 * The input is one message body as it arrives on the socketpair. Checks:
 * - priv_msg_decode: a failure is ACMEUP_EPROTO with a detail; a success
 *   has exactly its type's fields, every octet field inside the input,
 *   and encodes back (priv_buf) to the same octets: one encoding only.
 * - priv_gss_handle, the Kerberos process's side, holding nothing: its
 *   requests but GSS_CRED (which would ask Kerberos) get an answer that
 *   decodes.
 * - priv_keys_handle, the keys process's side, with a TSIG key loaded:
 *   every request gets an answer that decodes, either PRIV_ERROR with a
 *   negative code and a detail or the reply to that request type. Requests
 *   that open files (ACCOUNT_OPEN, JOURNAL_KEYS) or make keys (CERTKEY_NEW without a PEM;
 *   RSA 4096 takes seconds) are only decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "priv_internal.h"
#include "tsig.h"

static struct tsig_key *key;

static void
check_roundtrip(const uint8_t *data, size_t size, const struct priv_msg *m)
{
	struct priv_buf b = { 0 };
	size_t i;

	priv_buf_start(&b, m->type);
	for (i = 0; i < m->n; i++) {
		if (m->f[i].is_num) {
			priv_put_num(&b, m->f[i].num);
			continue;
		}
		if (m->f[i].data < data ||
		    m->f[i].data + m->f[i].len > data + size)
			abort(); /* a field outside the body */
		priv_put_bytes(&b, m->f[i].data, m->f[i].len);
	}
	if (b.failed || b.len != size + 4 || memcmp(b.p + 4, data, size) != 0)
		abort(); /* not the one encoding */
	priv_buf_free(&b);
}

static void
check_answer(unsigned type, const struct priv_buf *out)
{
	struct priv_msg a;

	if (out->failed || out->len < 8)
		abort();
	if (priv_msg_decode(out->p + 4, out->len - 4, &a) != 0)
		abort(); /* our own answer must decode */
	if (a.type == PRIV_ERROR) {
		if ((int64_t)a.f[0].num >= 0 || a.f[1].len == 0)
			abort(); /* a failure has a code and a detail */
		return;
	}
	if (a.type != (PRIV_REPLY | type))
		abort();
}

static void
handle(const uint8_t *data, size_t size, const struct priv_msg *m)
{
	struct tsig_key *keys[1] = { key };
	struct priv_table t = { .tsig = keys, .ntsig = 1, .tsig_cap = 1 };
	static struct priv_keys k;

	static struct priv_buf out;

	if (m->type >= PRIV_GSS_NEW && m->type <= PRIV_GSS_FREE) {
		/* the Kerberos process, which holds nothing here: every
		 * request must be refused, answered, without a GSS-API call */
		priv_gss_handle(data, size, &out);
		check_answer(m->type, &out);
	}
	if (m->type == PRIV_ACCOUNT_OPEN || m->type == PRIV_JOURNAL_KEYS ||
	    (m->type == PRIV_CERTKEY_NEW && m->f[1].len == 0))
		return;
	memset(&k, 0, sizeof(k));
	k.t = &t;
	k.sealed = 1; /* no seccomp in a fuzzer */
	priv_keys_handle(&k, data, size);
	check_answer(m->type, &k.out);
	priv_keys_clear(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct priv_msg m;
	int rc;

	if (key == NULL && tsig_key_new("fuzz-key", "hmac-sha256",
	    "jl30KyQv/yRAIq6dHtt1CazGdo2++1ARoenvA6FqZUs=", &key, NULL, 0) != 0)
		abort();
	rc = priv_msg_decode(data, size, &m);
	if (rc != 0) {
		if (rc != ACMEUP_EPROTO || acmeup_errmsg(rc)[0] == '\0')
			abort();
		acmeup_err_clear();
		return 0;
	}
	check_roundtrip(data, size, &m);
	if (m.type < PRIV_REPLY)
		handle(data, size, &m);
	return 0;
}
