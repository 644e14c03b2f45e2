/* Unit tests of the DNS module's pure parts: address parsing, the RFC 2136
 * UPDATE layout, and TXT matching. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/error.h"
#include "dns_internal.h"

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
	assert_int_equal(dns_update_wire(&z, DNS_UPDATE_ADD, 60, 0x1234, 0,
	                                 &wire, &len), 0);
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
	assert_int_equal(dns_update_wire(&z, DNS_UPDATE_DELETE, 60, 0x1234, 0,
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

/* RFC 6891 6.1.2: with edns the UPDATE ends with an OPT RR (root owner,
 * type 41, class = UDP payload size, TTL 0, no options); ARCOUNT 1. The
 * TSIG RR is appended after it (RFC 8945 4.3.1 wants TSIG last). */
static void
test_update_wire_edns(void **state)
{
	static const uint8_t opt[] = {
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct dns_rec recs[2];
	struct dns_zone z;
	uint8_t *wire = NULL;
	size_t len = 0;

	(void)state;
	memset(recs, 0, sizeof(recs));
	zone_init(&z, recs);
	assert_int_equal(dns_update_wire(&z, DNS_UPDATE_ADD, 10, 0x1234, 1,
	                                 &wire, &len), 0);
	assert_true(len > sizeof(opt));
	assert_int_equal(wire[10], 0);
	assert_int_equal(wire[11], 1);
	assert_memory_equal(wire + len - sizeof(opt), opt, sizeof(opt));
	free(wire);
	zone_fini(&z);
}

/* RFC 8914 2: option 15 = INFO-CODE (2 octets) + EXTRA-TEXT; other
 * options are skipped; a truncated option list gives nothing. */
static void
test_ede_format(void **state)
{
	static const uint8_t opts[] = {
		0x00, 0x0a, 0x00, 0x02, 0xab, 0xcd,             /* COOKIE, bogus */
		0x00, 0x0f, 0x00, 0x0e, 0x00, 0x12,             /* EDE 18 */
		'n', 'o', 't', ' ', 'a', 'l', 'l', 'o', 'w', 0x07, 'd', '!',
	};
	static const uint8_t bare[] = { 0x00, 0x0f, 0x00, 0x02, 0x00, 0x14 };
	static const uint8_t cut[] = { 0x00, 0x0f, 0x00, 0x09, 0x00, 0x14 };
	char buf[128];

	(void)state;
	assert_int_equal(dns_ede_format(opts, sizeof(opts), buf, sizeof(buf)),
	                 18);
	assert_string_equal(buf, " (EDE 18 Prohibited: not allow?d!)");
	assert_int_equal(dns_ede_format(bare, sizeof(bare), buf, sizeof(buf)),
	                 20);
	assert_string_equal(buf, " (EDE 20 Not Authoritative)");
	assert_int_equal(dns_ede_format(cut, sizeof(cut), buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(dns_ede_format(NULL, 0, buf, sizeof(buf)), -1);
}

static void
check_subst(const char *name, const char *from, const char *to,
            const char *want)
{
	ldns_rdf *n = dns_name_new(name), *f = dns_name_new(from);
	ldns_rdf *t = dns_name_new(to), *r, *w;

	r = dns_dname_substitute(n, f, t);
	if (want == NULL) {
		assert_null(r);
	} else {
		w = dns_name_new(want);
		assert_non_null(r);
		assert_int_equal(ldns_dname_compare(r, w), 0);
		ldns_rdf_deep_free(w);
	}
	ldns_rdf_deep_free(r);
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(f);
	ldns_rdf_deep_free(t);
}

/* RFC 6672 2.2: the owner's suffix is replaced by the DNAME target. */
static void
test_dname_substitute(void **state)
{
	char longlabel[70], longname[300];

	(void)state;
	check_subst("_acme-challenge.x.dn.contoso.test.", "dn.contoso.test.",
	            "acme-challenges.contoso.test.",
	            "_acme-challenge.x.acme-challenges.contoso.test.");
	check_subst("a.b.example.", "example.", "example.net.",
	            "a.b.example.net.");
	/* not below the DNAME owner, or the owner itself: no substitution */
	check_subst("dn.contoso.test.", "dn.contoso.test.", "x.test.", NULL);
	check_subst("a.other.test.", "dn.contoso.test.", "x.test.", NULL);
	/* longer than 255 octets: YXDOMAIN in RFC 6672, no target here */
	memset(longlabel, 'a', 63);
	longlabel[63] = '\0';
	snprintf(longname, sizeof(longname), "%s.%s.%s.d.", longlabel,
	         longlabel, longlabel);
	check_subst(longname, "d.", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	            "bbbbbbbbbbbbb.cc.", NULL);
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
		cmocka_unit_test(test_update_wire_edns),
		cmocka_unit_test(test_ede_format),
		cmocka_unit_test(test_dname_substitute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
