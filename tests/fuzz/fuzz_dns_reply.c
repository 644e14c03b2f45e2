/* libFuzzer target: a DNS reply as it comes off the wire, through what
 * src/dns_*.c does with one: TSIG verification of a signed query's reply
 * (tsig_verify, RFC 8945 5.3), ldns_wire2pkt, then the reply readers the
 * other modules use: Extended DNS Errors (RFC 8914, dns_ede_text), the TXT
 * RRset check of the propagation wait (dns_txt_rrset_has) and A/AAAA rdata
 * as server addresses (dns_addr_from_rdf), with names as text.
 *
 * Besides memory errors (ASan, UBSan) it checks that a good address comes
 * back with its text set and that the EDE text is NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"
#include "tsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

/* ldns 1.8.3 ldns_wire2pkt leaks the TSIG RR it has read when a later RR
 * of the additional section is missing ("additional section incomplete"):
 * a library bug, not ours. Suppressed by name, which needs full stacks
 * for allocations inside libldns (built without frame pointers). */
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:ldns_wire2pkt\n";
}

/* The lab's key type; the secret is a test value. */
#define KEY_ARG "hmac-sha256:acmeup-key:" \
	"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0="

static struct tsig_key *key;
static struct tsig_ctx tctx;

/* A signed query, so that tsig_verify has a request MAC to check against. */
static void
setup(void)
{
	static const uint8_t q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 6, 0, 1 };
	uint8_t msg[512];
	size_t len = sizeof(q);
	char err[200];

	if (tsig_key_from_arg(KEY_ARG, &key, err, sizeof(err)) != TSIG_OK)
		abort();
	memcpy(msg, q, sizeof(q));
	memset(&tctx, 0, sizeof(tctx));
	if (tsig_sign(key, msg, &len, sizeof(msg), &tctx) != TSIG_OK)
		abort();
}

static void
rr_list(const ldns_pkt *p, const ldns_rr_list *l)
{
	struct dns_addr a;
	const ldns_rr *rr;
	char *text;
	size_t i, j;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++) {
		rr = ldns_rr_list_rr(l, i);
		text = dns_name_text(ldns_rr_owner(rr));
		free(text);
		(void)dns_type_name(ldns_rr_get_type(rr));
		(void)dns_txt_rrset_has(p, ldns_rr_owner(rr), "fuzz");
		(void)dns_txt_rrset_has(p, ldns_rr_owner(rr), "");
		for (j = 0; j < ldns_rr_rd_count(rr); j++) {
			memset(&a, 0, sizeof(a));
			if (dns_addr_from_rdf(ldns_rr_rdf(rr, j), 53, &a) == 0 &&
			    (a.text[0] == '\0' || a.textport[0] == '\0'))
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsig_result res;
	ldns_pkt *p = NULL;
	char ede[300];

	if (key == NULL)
		setup();
	memset(&res, 0, sizeof(res));
	(void)tsig_verify(key, data, size, &tctx, &res);
	if (ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK)
		return 0;
	(void)dns_rcode_name(ldns_pkt_get_rcode(p));
	(void)dns_ede_text(p, ede, sizeof(ede));
	if (memchr(ede, '\0', sizeof(ede)) == NULL)
		abort();
	rr_list(p, ldns_pkt_question(p));
	rr_list(p, ldns_pkt_answer(p));
	rr_list(p, ldns_pkt_authority(p));
	rr_list(p, ldns_pkt_additional(p));
	ldns_pkt_free(p);
	return 0;
}
