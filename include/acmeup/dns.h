/* DNS module: the only place (with tsig/) that handles DNS wire data; the
 * only place that includes ldns.
 *
 * Publishes the dns-01 TXT records with TSIG-signed UPDATEs (RFC 2136,
 * RFC 8945) to each zone's primary, proves that every authoritative server
 * answers them, and removes exactly what it added. Functions return 0 or a
 * negative ACMEUP_E* code with a detail (server, zone, key, rcode, TSIG
 * error) recorded by acmeup_fail().
 */
#ifndef ACMEUP_DNS_H
#define ACMEUP_DNS_H

#include <stddef.h>

struct tsig_key;

struct dns_config {
	const char *resolver;      /* "ADDR[:PORT]" for discovery queries;
	                            * NULL: first nameserver in /etc/resolv.conf */
	const char *update_server; /* "HOST[:PORT]" override of the SOA MNAME;
	                            * NULL: the zone's SOA MNAME, port 53 */
	const struct tsig_key *key; /* borrowed; signs every UPDATE */
	unsigned ttl;              /* TXT TTL in seconds; 0 means 60 */
	unsigned timeout_ms;       /* propagation bound; 0 means 120000 */
};

/* One TXT record to publish: owner is the challenge name, e.g.
 * "_acme-challenge.host1.example.test" (trailing dot optional); value is the
 * TXT string (RFC 8555 8.4). Borrowed. */
struct dns_txt {
	const char *owner;
	const char *value;
};

struct dns_set; /* records added; opaque */

/* For each record: find the zone (SOA walk up the labels, via the resolver)
 * and its primary; send one signed UPDATE per zone adding every record of
 * that zone (RFC 2136 2.5.1); require NOERROR and a verified TSIG reply; and
 * check that the primary's SOA serial moved. *out (caller frees with
 * dns_set_free) is set only on success; on failure, whatever was added is
 * removed again before returning. */
int dns_txt_add(const struct dns_config *cfg, const struct dns_txt *recs,
                size_t n, struct dns_set **out);

/* Wait, polling quickly then backing off, until the primary and every
 * address of every NS of each zone answers every added TXT value directly
 * (RD=0). Bounded by cfg->timeout_ms; on timeout the detail names the
 * servers that lag, with their SOA serials. Progress lines per zone. */
int dns_txt_wait(struct dns_set *set);

/* Delete exactly the added RRs by value (RFC 2136 2.5.4), one UPDATE per
 * zone. Tries every zone even after an error; returns the first error. */
int dns_txt_remove(struct dns_set *set);

void dns_set_free(struct dns_set *set); /* accepts NULL; does not remove */

#endif
