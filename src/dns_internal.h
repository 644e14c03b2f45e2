/* Internals of the DNS module (src/dns_*.c only; the rest of the program
 * sees include/acmeup/dns.h). The only header besides those files that
 * includes ldns.
 *
 * dns_query.c   addresses, one query or message over UDP/TCP with timeouts
 * dns_zone.c    zone cut, primary and authoritative server discovery
 * dns_update.c  build, sign, send and check one UPDATE (RFC 2136, RFC 8945)
 * dns_verify.c  SOA serials, TXT checks, the propagation wait
 * dns_set.c     dns_txt_add/dns_txt_remove: records grouped by zone
 */
#ifndef ACMEUP_DNS_INTERNAL_H
#define ACMEUP_DNS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

struct tsig_key;

#define DNS_PORT 53
#define DNS_UDP_MAX 512          /* RFC 1035 4.2.1, no EDNS on our side */
#define DNS_QUERY_TIMEOUT_MS 2000 /* one UDP try; one retry follows */
#define DNS_QUERY_TRIES 2
#define DNS_MAX_ADDRS 16          /* addresses kept per host name */

/* A server address; text is "192.0.2.1" or "[2001:db8::1]:5300" (port only
 * when not 53), textport always carries the port. */
struct dns_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[64];
	char textport[64];
};

/* One TXT record we publish. owner is canonical (lower case); all owned. */
struct dns_rec {
	ldns_rdf *owner;
	char *owner_text; /* without trailing dot */
	char *value;
};

/* One zone and the records of it we publish; everything owned. */
struct dns_zone {
	ldns_rdf *apex;
	char *name;                /* without trailing dot, "." for the root */
	struct dns_addr *primaries; /* where UPDATEs may go */
	size_t nprimaries;
	struct dns_addr primary;   /* the one that answered; UPDATEs go there */
	struct dns_rec *recs;
	size_t nrecs;
	uint32_t serial;           /* primary's serial after our last UPDATE */
	long long sent_ms;         /* log_elapsed_ms() when the UPDATE went */
	int added;                 /* records (maybe) on the primary */
};

struct dns_set {
	struct dns_addr resolver;
	const struct tsig_key *key; /* borrowed */
	unsigned ttl;
	unsigned timeout_ms;
	struct dns_zone *zones;
	size_t nzones;
};

/* dns_query.c */

/* Parse "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address;
 * no name lookups. Returns ACMEUP_EINVAL (no detail) when s is not an
 * address literal. */
int dns_addr_parse(const char *s, uint16_t defport, struct dns_addr *out);

/* Split "HOST[:PORT]" into host (copied into buf) and port; "[V6]:PORT"
 * brackets are removed. */
int dns_hostport_split(const char *s, char *buf, size_t buflen,
                       uint16_t *port);

/* spec, or else the first nameserver of /etc/resolv.conf. */
int dns_resolver_addr(const char *spec, struct dns_addr *out);

/* Fill text/textport of a from its sockaddr and port. */
void dns_addr_set_text(struct dns_addr *a);
int dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b);

/* Send msg to srv and receive the reply with the same ID and QR=1: UDP
 * with `tries` attempts of timeout_ms each, then TCP on TC=1; TCP at once
 * when msg exceeds 512 octets. *reply (caller frees) set on success.
 * ACMEUP_ETIMEOUT when no reply came, ACMEUP_EDNS on socket errors (both
 * with a detail naming srv), ACMEUP_EINTR when a signal arrived. */
int dns_exchange(const struct dns_addr *srv, const uint8_t *msg, size_t len,
                 unsigned timeout_ms, int tries, uint8_t **reply,
                 size_t *rlen);

/* One query for name/type (class IN) to srv, RD as given; checks ID, QR,
 * opcode and question. *out (caller frees) is set whatever the rcode. */
int dns_query(const struct dns_addr *srv, const ldns_rdf *name,
              ldns_rr_type type, int rd, unsigned timeout_ms, int tries,
              ldns_pkt **out);

/* Random 16-bit message ID (getrandom). */
uint16_t dns_random_id(void);

/* "NOERROR", "REFUSED", ... (static). */
const char *dns_rcode_name(unsigned rcode);

/* Record "prefix: <current detail>" as the detail of rc; returns rc. */
int dns_fail_prefix(int rc, const char *prefix);

/* Name as text without trailing dot ("." for the root); caller frees. */
char *dns_name_text(const ldns_rdf *name);

/* dns_zone.c */

/* The zone holding owner and its SOA MNAME, by SOA queries to the resolver
 * starting at owner's parent (never owner itself: RFC 2308 negative
 * caching would hide the record from the CA). New rdfs, caller frees. */
int dns_zone_find(const struct dns_addr *resolver, const ldns_rdf *owner,
                  ldns_rdf **zone, ldns_rdf **mname);

/* A and AAAA of name via the resolver, with port. *out (caller frees) may
 * be empty. */
int dns_resolve_host(const struct dns_addr *resolver, const ldns_rdf *name,
                     uint16_t port, struct dns_addr **out, size_t *n);

/* Where UPDATEs for zone go: update_server ("HOST[:PORT]") when set, else
 * the MNAME's addresses. */
int dns_primary_find(const struct dns_addr *resolver,
                     const char *update_server, const ldns_rdf *mname,
                     const char *zone, struct dns_addr **out, size_t *n);

/* Every primary address plus every address of every NS of the zone (NS
 * RRset read from the primary, RD=0; addresses via the resolver), without
 * duplicates. *out (caller frees) is set on success. */
int dns_zone_servers(const struct dns_addr *resolver,
                     const struct dns_zone *z, struct dns_addr **out,
                     size_t *n);

/* dns_update.c */

enum dns_update_op { DNS_UPDATE_ADD, DNS_UPDATE_DELETE };

/* RFC 2136 UPDATE for z's records: add (class IN, ttl) or delete each RR by
 * value (2.5.4: class NONE, TTL 0), unsigned, as wire bytes with the given
 * ID. *wire (caller frees) set on success. */
int dns_update_wire(const struct dns_zone *z, enum dns_update_op op,
                    unsigned ttl, uint16_t id, uint8_t **wire, size_t *len);

/* Sign the UPDATE with key, send it to z->primary, verify the reply's TSIG
 * and require NOERROR. Details name server, zone and key. */
int dns_update_send(const struct dns_set *set, struct dns_zone *z,
                    enum dns_update_op op);

/* dns_verify.c */

/* The SOA serial of zone from srv directly (RD=0, AA required). */
int dns_soa_serial(const struct dns_addr *srv, const ldns_rdf *zone,
                   unsigned timeout_ms, int tries, uint32_t *serial);

/* After an UPDATE adding z's records: the primary's serial differs from
 * before (polled briefly) and the primary answers every value. */
int dns_verify_primary(struct dns_zone *z, uint32_t before);

/* Whether the TXT RRset at owner (answer section of reply) holds value:
 * the character-strings of one RR concatenated equal value. */
int dns_txt_rrset_has(const ldns_pkt *reply, const ldns_rdf *owner,
                      const char *value);

#endif
