/* dns_dnssec_txt (src/dns/dns_dnssec.c): the RRSIG over a TXT RRset in an
 * authoritative answer, checked against the zone's DNSKEYs. Real
 * signatures made here with ldns: valid; none; expired; by a key that is
 * not the zone's; over other data than served; an unsigned zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns_internal.h"

#define OWNER "_acme-challenge.x.sec.test."

/* A key list holding one new ECDSA key (ldns_key_list_free frees both),
 * its DNSKEY RR in *rr, the key's tag set for the RRSIGs it makes. */
static ldns_key_list *
new_key(ldns_rr **rr)
{
	ldns_key_list *kl = ldns_key_list_new();
	ldns_key *k = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
	ldns_rdf *owner = NULL;

	assert_non_null(k);
	assert_int_equal(ldns_str2rdf_dname(&owner, "sec.test."), LDNS_STATUS_OK);
	ldns_key_set_pubkey_owner(k, owner);
	ldns_key_set_flags(k, 256);
	*rr = ldns_key2rr(k);
	assert_non_null(*rr);
	ldns_key_set_keytag(k, ldns_calc_keytag(*rr));
	assert_non_null(kl);
	ldns_key_list_push_key(kl, k);
	return kl;
}

static ldns_rr *
txt(const char *value)
{
	char text[200];
	ldns_rr *rr = NULL;

	snprintf(text, sizeof(text), "%s 60 IN TXT \"%s\"", OWNER, value);
	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL),
	                 LDNS_STATUS_OK);
	return rr;
}

/* An answer with the TXT value, signed by the key of kl (NULL: unsigned)
 * over the value signed_value, valid from now + from to now + until s. */
static ldns_pkt *
answer(const char *value, ldns_key_list *kl, const char *signed_value,
       long from, long until)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr_list *set = ldns_rr_list_new(), *sigs;
	ldns_key *k;
	size_t i;

	assert_non_null(p);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, txt(value));
	if (kl != NULL) {
		k = ldns_key_list_key(kl, 0);
		ldns_rr_list_push_rr(set, txt(signed_value));
		ldns_key_set_inception(k, (uint32_t)(time(NULL) + from));
		ldns_key_set_expiration(k, (uint32_t)(time(NULL) + until));
		sigs = ldns_sign_public(set, kl);
		assert_non_null(sigs);
		for (i = 0; i < ldns_rr_list_rr_count(sigs); i++)
			ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER,
			                 ldns_rr_clone(ldns_rr_list_rr(sigs, i)));
		ldns_rr_list_deep_free(sigs);
	}
	ldns_rr_list_deep_free(set);
	return p;
}

/* zone_key: the zone's DNSKEY RR (NULL: unsigned). */
static int
check(const ldns_rr *zone_key, ldns_pkt *p, unsigned *tag, char *why,
      size_t len)
{
	struct dns_zone z;
	ldns_rdf *owner = NULL;
	int rc;

	memset(&z, 0, sizeof(z));
	if (zone_key != NULL) {
		z.dnskeys = ldns_rr_list_new();
		ldns_rr_list_push_rr(z.dnskeys, ldns_rr_clone(zone_key));
	}
	assert_int_equal(ldns_str2rdf_dname(&owner, OWNER), LDNS_STATUS_OK);
	why[0] = '\0';
	rc = dns_dnssec_txt(&z, p, owner, tag, why, len);
	ldns_rdf_deep_free(owner);
	ldns_rr_list_deep_free(z.dnskeys);
	ldns_pkt_free(p);
	return rc;
}

static void
test_rrsig(void **state)
{
	ldns_rr *krr, *orr;
	ldns_key_list *k = new_key(&krr), *other = new_key(&orr);
	uint16_t ktag = ldns_calc_keytag(krr);
	unsigned tag = 0;
	char why[200];

	(void)state;
	/* Valid: 1, the key's tag. */
	assert_int_equal(check(krr, answer("v1", k, "v1", -60, 3600), &tag, why,
	                       sizeof(why)), 1);
	assert_int_equal(tag, ktag);
	/* No RRSIG: wait. */
	assert_int_equal(check(krr, answer("v1", NULL, NULL, 0, 0), &tag, why,
	                       sizeof(why)), 0);
	assert_string_equal(why, "no RRSIG over the TXT yet");
	/* Expired an hour ago. */
	assert_int_equal(check(krr, answer("v1", k, "v1", -7200, -3600), &tag,
	                       why, sizeof(why)), 0);
	assert_non_null(strstr(why, "does not validate"));
	assert_non_null(strstr(why, "expired"));
	/* Signed by a key the zone does not have. */
	assert_int_equal(check(krr, answer("v1", other, "v1", -60, 3600), &tag,
	                       why, sizeof(why)), 0);
	assert_non_null(strstr(why, "does not validate"));
	/* A signature over other data than served. */
	assert_int_equal(check(krr, answer("v1", k, "v2", -60, 3600), &tag, why,
	                       sizeof(why)), 0);
	assert_non_null(strstr(why, "does not validate"));
	/* Unsigned zone: nothing to prove. */
	assert_int_equal(check(NULL, answer("v1", NULL, NULL, 0, 0), &tag, why,
	                       sizeof(why)), 1);
	ldns_rr_free(krr);
	ldns_rr_free(orr);
	ldns_key_list_free(k);
	ldns_key_list_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrsig),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
