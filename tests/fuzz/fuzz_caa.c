/* libFuzzer target: dns-check's CAA verdict (dns_caa_judge, src/dns/
 * dns_caa.c, RFC 8659 and RFC 8657) on a DNS answer as a resolver sends
 * it.
 *
 * Input: one byte of options (bit 0: the name is a wildcard; bit 1: no CA
 * identity given; bit 2: the CA is "ca.test", else "pebble.test"; bit 3:
 * the account is unknown, else https://ca.test/acct/1), then
 * the answer as wire bytes. Besides memory errors it checks: the verdict
 * is 0 or ACMEUP_EDNS, a refusal says why; what is printed is printable
 * text and newlines; the verdict does not depend on the output stream; an
 * answer without a CAA record never forbids.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "acmeup/error.h"
#include "dns_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] > 0x7e))
			abort();
}

static size_t
caa_count(const ldns_pkt *p)
{
	const ldns_rr_list *l = ldns_pkt_answer(p);
	size_t i, n = 0;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_CAA;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name, *ca, *acct;
	ldns_pkt *p = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	int rc, again;

	if (size < 1)
		return 0;
	name = (data[0] & 1) ? "*.host.example.test" : "host.example.test";
	ca = (data[0] & 2) ? NULL : (data[0] & 4) ? "ca.test" : "pebble.test";
	acct = (data[0] & 8) ? NULL : "https://ca.test/acct/1";
	if (ldns_wire2pkt(&p, data + 1, size - 1) != LDNS_STATUS_OK)
		return 0;
	out = open_memstream(&buf, &len);
	if (out == NULL)
		abort();
	rc = dns_caa_judge(p, "example.test", name, ca, acct, out);
	if (rc != 0 && (rc != ACMEUP_EDNS || acmeup_errmsg(rc)[0] == '\0'))
		abort();
	if (rc != 0 && caa_count(p) == 0)
		abort();
	acmeup_err_clear();
	fclose(out);
	printable(buf, len);
	free(buf);
	out = fopen("/dev/null", "w");
	if (out == NULL)
		abort();
	again = dns_caa_judge(p, "example.test", name, ca, acct, out);
	fclose(out);
	acmeup_err_clear();
	if (again != rc)
		abort();
	ldns_pkt_free(p);
	return 0;
}
