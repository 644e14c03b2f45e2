/* Unit tests of the DNS module's pure parts: address parsing, the RFC 2136
 * UPDATE layout, and TXT matching. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "../../src/dns_internal.h"

static void
test_hostport_split(void **state)
{
	char host[64];
	uint16_t port;

	(void)state;
	assert_int_equal(dns_hostport_split("127.53.0.10", host, sizeof(host),
	                                    &port), 0);
	assert_string_equal(host, "127.53.0.10");
	assert_int_equal(port, 0);
	assert_int_equal(dns_hostport_split("127.53.0.10:5300", host,
	                                    sizeof(host), &port), 0);
	assert_string_equal(host, "127.53.0.10");
	assert_int_equal(port, 5300);
	assert_int_equal(dns_hostport_split("[2001:db8::1]:53", host,
	                                    sizeof(host), &port), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 53);
	assert_int_equal(dns_hostport_split("2001:db8::1", host, sizeof(host),
	                                    &port), 0);
	assert_string_equal(host, "2001:db8::1");
	assert_int_equal(port, 0);
	assert_int_equal(dns_hostport_split("ns1.example.test:53", host,
	                                    sizeof(host), &port), 0);
	assert_string_equal(host, "ns1.example.test");
	assert_int_equal(port, 53);
}

static void
test_hostport_split_bad(void **state)
{
	static const char *const bad[] = {
		"", ":53", "host:", "host:0", "host:65536", "host:53x", "[::1",
		"[::1]x", "[]:53", "[::1]:",
	};
	char host[64];
	uint16_t port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_hostport_split(bad[i], host, sizeof(host),
		                                    &port), ACMEUP_EINVAL);
	/* too long for the buffer */
	assert_int_equal(dns_hostport_split("ns1.example.test", host, 8, &port),
	                 ACMEUP_EINVAL);
}

static void
test_addr_parse(void **state)
{
	struct dns_addr a;

	(void)state;
	assert_int_equal(dns_addr_parse("127.53.0.10", 53, &a), 0);
	assert_string_equal(a.text, "127.53.0.10");
	assert_string_equal(a.textport, "127.53.0.10:53");
	assert_int_equal(dns_addr_parse("127.53.0.10:5300", 53, &a), 0);
	assert_string_equal(a.text, "127.53.0.10:5300");
	assert_int_equal(dns_addr_parse("::1", 53, &a), 0);
	assert_string_equal(a.text, "::1");
	assert_string_equal(a.textport, "[::1]:53");
	assert_int_equal(dns_addr_parse("[::1]:5353", 53, &a), 0);
	assert_string_equal(a.text, "[::1]:5353");
	/* names are not addresses: no lookup happens here */
	assert_int_equal(dns_addr_parse("ns1.example.test", 53, &a),
	                 ACMEUP_EINVAL);
	assert_int_equal(dns_addr_parse("127.53.0.300", 53, &a), ACMEUP_EINVAL);
}

static void
zone_init(struct dns_zone *z, struct dns_rec *recs)
{
	memset(z, 0, sizeof(*z));
	z->apex = ldns_dname_new_frm_str("example.test");
	recs[0].owner = ldns_dname_new_frm_str("_acme-challenge.example.test");
	recs[0].value = "ab";
	recs[1].owner = ldns_dname_new_frm_str("_acme-challenge.example.test");
	recs[1].value = "cde";
	z->recs = recs;
	z->nrecs = 2;
}

static void
zone_fini(struct dns_zone *z)
{
	size_t i;

	for (i = 0; i < z->nrecs; i++)
		ldns_rdf_deep_free(z->recs[i].owner);
	ldns_rdf_deep_free(z->apex);
}

/* RFC 2136 2.2-2.5: header with opcode UPDATE and ZOCOUNT/PRCOUNT/UPCOUNT/
 * ADCOUNT, zone section "example.test SOA IN", then the update RRs;
 * ldns compresses names (RFC 1035 4.1.4). */
static const uint8_t update_hdr[] = {
	0x12, 0x34, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
	0x00, 0x06, 0x00, 0x01,
	15, '_', 'a', 'c', 'm', 'e', '-', 'c', 'h', 'a', 'l', 'l', 'e', 'n',
	'g', 'e', 0xc0, 0x0c, 0x00, 0x10,
};

static void
test_update_wire_add(void **state)
{
	static const uint8_t rest[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x03, 2, 'a', 'b',
		0xc0, 0x1e, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c,
		0x00, 0x04, 3, 'c', 'd', 'e',
	};
	struct dns_rec recs[2];
	struct dns_zone z;
	uint8_t *wire = NULL;
	size_t len = 0;

	(void)state;
	memset(recs, 0, sizeof(recs));
	zone_init(&z, recs);
	assert_int_equal(dns_update_wire(&z, DNS_UPDATE_ADD, 60, 0x1234, &wire,
	                                 &len), 0);
	assert_int_equal(len, sizeof(update_hdr) + sizeof(rest));
	assert_memory_equal(wire, update_hdr, sizeof(update_hdr));
	assert_memory_equal(wire + sizeof(update_hdr), rest, sizeof(rest));
	free(wire);
	zone_fini(&z);
}

/* RFC 2136 2.5.4: delete an RR from an RRset: class NONE, TTL 0. */
static void
test_update_wire_delete(void **state)
{
	static const uint8_t rest[] = {
		0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 2, 'a', 'b',
		0xc0, 0x1e, 0x00, 0x10, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x04, 3, 'c', 'd', 'e',
	};
	struct dns_rec recs[2];
	struct dns_zone z;
	uint8_t *wire = NULL;
	size_t len = 0;

	(void)state;
	memset(recs, 0, sizeof(recs));
	zone_init(&z, recs);
	assert_int_equal(dns_update_wire(&z, DNS_UPDATE_DELETE, 60, 0x1234,
	                                 &wire, &len), 0);
	assert_int_equal(len, sizeof(update_hdr) + sizeof(rest));
	assert_memory_equal(wire, update_hdr, sizeof(update_hdr));
	assert_memory_equal(wire + sizeof(update_hdr), rest, sizeof(rest));
	free(wire);
	zone_fini(&z);
}

static void
push_answer(ldns_pkt *p, const char *text)
{
	ldns_rr *rr = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL),
	                 LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
}

static void
test_txt_rrset_has(void **state)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rdf *owner = ldns_dname_new_frm_str("_acme-challenge.example.test");
	ldns_rdf *other = ldns_dname_new_frm_str("_acme-challenge.a.example.test");

	(void)state;
	push_answer(p, "_acme-challenge.example.test. 60 IN TXT \"abc\"");
	push_answer(p, "_ACME-challenge.example.test. 60 IN TXT \"de\" \"fgh\"");
	assert_int_equal(dns_txt_rrset_has(p, owner, "abc"), 1);
	/* RFC 7208 3.3 style: strings of one RR concatenated */
	assert_int_equal(dns_txt_rrset_has(p, owner, "defgh"), 1);
	assert_int_equal(dns_txt_rrset_has(p, owner, "de"), 0);
	assert_int_equal(dns_txt_rrset_has(p, owner, "abcde"), 0);
	assert_int_equal(dns_txt_rrset_has(p, owner, "ab"), 0);
	assert_int_equal(dns_txt_rrset_has(p, other, "abc"), 0);
	ldns_pkt_free(p);
	ldns_rdf_deep_free(owner);
	ldns_rdf_deep_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_split),
		cmocka_unit_test(test_hostport_split_bad),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_update_wire_add),
		cmocka_unit_test(test_update_wire_delete),
		cmocka_unit_test(test_txt_rrset_has),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
