/* libFuzzer target: a GSS-TSIG reply's TSIG RR and MIC checks
 * (tsig_mic_verify), the layouts of the request MAC (RFC 8945 with its
 * length, Samba's without), Samba's gss-tsig-named RR under
 * gss.microsoft.com and the echoed request TSIG, with SHA-256 of the input
 * as a stand-in MIC (no GSS-API).
 *
 * Input: one flag byte (bit 0: a request MAC; bits 1-2: the layout known
 * before; bit 3: the MIC over gss.microsoft.com), then the reply. Besides
 * memory errors it checks that only the documented codes come back, that
 * the layout changes only from unknown and only on success, and that the
 * check is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "tsig.h"
#include "tsig_int.h"
#include "tsig_tkey.h"

#define KEY "1234.sig-dc1.ad.test."

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fake_mic(void *arg, const uint8_t *in, size_t in_len, const uint8_t *mic,
         size_t mic_len)
{
	uint8_t d[32];

	(void)arg;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, in_len, d) != 0)
		return -1;
	return mic_len == sizeof(d) && memcmp(mic, d, sizeof(d)) == 0 ? 0 : -1;
}

static void
key_init(struct tsig_key *k, const char *alg)
{
	memset(k, 0, sizeof(*k));
	if (tsig_name_to_wire(KEY, k->name_wire, &k->name_wire_len) != 0 ||
	    tsig_name_to_wire(alg, k->alg_wire, &k->alg_wire_len) != 0)
		abort();
}

static int
known(int rc)
{
	switch (rc) {
	case 0: case TSIG_EFORMAT: case TSIG_EUNSIGNED: case TSIG_EKEYNAME:
	case TSIG_EBADMAC: case TSIG_EBADSIG: case TSIG_EBADKEY:
	case TSIG_EBADTIME: case TSIG_ENOMEM:
		return 1;
	default:
		return 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t req_mac[28] = { 0x04, 0x04, 0x05, 0xff, 1, 2, 3 };
	struct tsig_key k, ms;
	struct tsig_ctx ctx = { 0 };
	int before, l1, l2, rc1, rc2;

	if (size < 1)
		return 0;
	key_init(&k, TSIG_GSS_ALG);
	key_init(&ms, TSIG_GSS_ALG_MS);
	if (data[0] & 1) {
		memcpy(ctx.mac, req_mac, sizeof(req_mac));
		ctx.mac_len = sizeof(req_mac);
	}
	before = (data[0] >> 1) & 3;
	if (before > TSIG_PRIOR_BARE)
		before = TSIG_PRIOR_ANY;
	l1 = l2 = before;
	rc1 = tsig_mic_verify(&k, data[0] & 8 ? &ms : NULL, data + 1, size - 1,
	                      &ctx, &l1, fake_mic, NULL, NULL);
	rc2 = tsig_mic_verify(&k, data[0] & 8 ? &ms : NULL, data + 1, size - 1,
	                      &ctx, &l2, fake_mic, NULL, NULL);
	if (!known(rc1) || rc1 != rc2 || l1 != l2)
		abort();
	if (l1 != before && (rc1 != 0 || before != TSIG_PRIOR_ANY ||
	                     ctx.mac_len == 0))
		abort();
	return 0;
}
