/* Internals of the DNS module (src/dns/ only; the rest of the program
 * sees include/acmeup/dns.h). The only header besides those files that
 * includes ldns.
 *
 * dns_addr.c    server addresses, resolv.conf
 * dns_query.c   one message over UDP/TCP with timeouts, EDNS, TSIG on
 *               queries, Extended DNS Errors (RFC 8914)
 * dns_ctx.c     the configuration made usable: keys, per-zone overrides,
 *               aliases, skipped servers, the zones found so far
 * dns_zone.c    zone cut (SOA walk), primaries
 * dns_servers.c the zone's authoritative servers (primaries and NS set)
 * dns_chase.c   where a challenge record goes: CNAME/DNAME chains,
 *               referrals, wildcard CNAMEs, asked of authoritative servers
 * dns_update.c  build, sign, send and check one UPDATE (RFC 2136, 8945)
 * dns_propagate.c SOA serials, TXT checks, the propagation wait
 * dns_set.c     dns_txt_add/dns_txt_remove: records grouped by zone
 * dns_recover.c removing what the journal of a dead run lists
 * dns_check.c   the dns-check preflight
 */
#ifndef ACMEUP_DNS_INTERNAL_H
#define ACMEUP_DNS_INTERNAL_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "acmeup/dns.h"

struct tsig_key;
struct tsig_ctx;
struct tsig_result;
struct journal;

#define DNS_PORT 53
#define DNS_UDP_MAX 512          /* larger requests go over TCP */
#define DNS_EDNS_SIZE 1232       /* our EDNS UDP payload size (RFC 6891) */
#define DNS_QUERY_TIMEOUT_MS 2000 /* one UDP try; one retry follows */
#define DNS_QUERY_TRIES 2
#define DNS_MAX_ADDRS 16          /* addresses kept per host name */
#define DNS_MAX_SERVERS 64        /* addresses kept per zone */
#define DNS_MAX_LINKS 8           /* CNAME/DNAME links followed */
#define DNS_MAX_REFERRALS 8

/* A server address; text is "192.0.2.1" or "[2001:db8::1]:5300" (port only
 * when not 53), textport always carries the port. */
struct dns_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[64];
	char textport[64];
};

/* GSS-TSIG credentials that sign a zone's UPDATEs (dns_gss.c). Strings
 * borrowed from the context or a journal record. */
struct dns_gss_who {
	const char *keytab;    /* NULL: the default credential cache */
	const char *principal; /* NULL: the keytab's first, the cache's own */
	int microsoft;         /* algorithm gss.microsoft.com, not gss-tsig */
};

/* A zone found during this run (cached in the context). Everything owned;
 * key borrowed from the context. */
struct dns_zinfo {
	ldns_rdf *apex;
	char *name;                 /* without trailing dot */
	ldns_rdf *mname;            /* SOA MNAME */
	struct dns_addr *primaries; /* where UPDATEs may go; may be empty */
	size_t nprimaries;
	char from[300];             /* how the primaries were chosen */
	const struct tsig_key *key; /* NULL: no key for this zone */
	const char *key_file;       /* for the journal; "-" for -y; for GSS
	                             * "gss:KEYTAB" (dns_ctx_gss) */
	int use_gss;                /* GSS-TSIG, not key */
	struct dns_gss_who gss;
	struct dns_addr *servers;   /* every authoritative address; NULL until
	                             * dns_zinfo_servers() */
	size_t nservers;
	int deleg_done;             /* dns_deleg_check() ran: its result */
	int deleg_rc;
	char deleg_err[512];
};

/* One TXT record we publish. owner is canonical (lower case); all owned. */
struct dns_rec {
	ldns_rdf *owner;
	char *owner_text; /* without trailing dot */
	char *value;
	char *challenge;  /* the _acme-challenge name it answers */
	char *via;        /* "CNAME", "DNAME", "--challenge-alias" or NULL */
};

/* One authoritative server of a zone during the propagation wait. */
struct dns_wait_srv {
	struct dns_addr addr;
	int done;
	int unreachable; /* gave no usable answer for unreachable_ms: left out */
	long long fail_since; /* ms when its run of failures began, -1: none */
	long long ms;    /* after the UPDATE, when done */
	int has_serial;  /* serial is what the server last said */
	uint32_t serial;
	char why[160];   /* why not yet: "no reply", "NXDOMAIN for ..." */
	unsigned sig_tag; /* signed zone: the DNSKEY whose RRSIG proved it */
};

/* One zone and the records of it we publish; everything owned except key
 * and key_file (borrowed from the context or the journal's key list). */
struct dns_zone {
	ldns_rdf *apex;
	char *name;                /* without trailing dot, "." for the root */
	struct dns_addr *primaries; /* where UPDATEs may go */
	size_t nprimaries;
	char from[300];            /* how the primaries were chosen */
	struct dns_addr primary;   /* the one that answered; UPDATEs go there */
	const struct tsig_key *key;
	const char *key_file;
	const char *key_name;      /* recorded name, for a journal's zone whose
	                            * key could not be loaded; GSS: principal */
	int use_gss;               /* signed with GSS-TSIG (dns_gss.c) */
	struct dns_gss_who gss;
	char *mname;               /* SOA MNAME (GSS service), or NULL */
	struct dns_rec *recs;
	size_t nrecs;
	uint32_t serial_before;    /* primary's serial before our UPDATE */
	uint32_t serial;           /* primary's serial after it */
	long long sent_ms;         /* log_elapsed_ms() when the UPDATE went */
	int added;                 /* records (maybe) on the primary */
	struct dns_wait_srv *srv;  /* the proof, after dns_txt_wait */
	size_t nsrv;
	ldns_rr_list *dnskeys;     /* signed, chain checked: RRSIGs proven */
};

struct dns_set {
	struct dns_ctx *ctx;       /* borrowed; NULL for journal cleanups */
	struct journal *journal;   /* borrowed; may be NULL */
	unsigned ttl;
	unsigned timeout_ms;
	unsigned unreachable_ms;   /* see struct dns_config */
	int strict_servers;
	struct dns_zone *zones;
	size_t nzones;
};

/* An alias from the configuration: challenge name -> target. */
struct dns_alias_ent {
	ldns_rdf *name;            /* subtree: the zone, not a challenge name */
	ldns_rdf *target;
	int subtree;
};

/* GSS-TSIG settings (dns_gss_cfg.c); owned. */
struct dns_gss_cfg {
	int on;                    /* 1 yes, -1 no, 0 unset (zone: global) */
	char *keytab;              /* absolute; NULL: the credential cache */
	char *principal;
	int microsoft;
	char *file;                /* journal key file: "gss:KEYTAB" */
};

/* A per-zone override; key loaded from key_file. */
struct dns_zone_ent {
	ldns_rdf *apex;
	char *server;              /* HOST[:PORT] or NULL */
	struct tsig_key *key;      /* NULL: the default key */
	char *key_file;
	struct dns_addr *skip;     /* servers of this zone not waited for */
	size_t nskip;
	int tsig_queries;
	struct dns_gss_cfg gss;
};

struct dns_ctx {
	struct dns_addr resolver;
	struct tsig_key *key;      /* the default key, or NULL */
	char *key_file;            /* its file, "-" for -y */
	char *update_server;       /* global override, or NULL */
	struct dns_zone_ent *zones;
	size_t nzones;
	struct dns_alias_ent *aliases;
	size_t naliases;
	struct dns_addr *skip;
	size_t nskip;
	int tsig_queries;
	struct dns_gss_cfg gss;    /* the global GSS-TSIG setting */
	unsigned ttl;
	unsigned timeout_ms;
	unsigned unreachable_ms;
	int strict_servers;
	struct dns_addr silent[DNS_MAX_SERVERS]; /* left out of a proof in
	                            * this run: not waited for again */
	size_t nsilent;
	struct dns_zinfo **known;  /* zones found so far */
	size_t nknown;
};

/* Where one challenge record goes (dns_chase.c). */
struct dns_route {
	ldns_rdf *challenge;             /* _acme-challenge.<name> */
	ldns_rdf *target;                /* the name that gets the TXT */
	ldns_rdf *links[DNS_MAX_LINKS];  /* each name the chain led to */
	char kinds[DNS_MAX_LINKS][8];    /* "CNAME", "DNAME", "alias" */
	size_t nlinks;
	struct dns_zinfo *zone;          /* borrowed from the context */
};

/* dns_addr.c */

/* Parse "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address;
 * no name lookups. Returns ACMEUP_EINVAL (no detail) when s is not an
 * address literal. */
int dns_addr_parse(const char *s, uint16_t defport, struct dns_addr *out);

/* Split "HOST[:PORT]" into host (copied into buf) and port (0 when none);
 * "[V6]:PORT" brackets are removed. */
int dns_hostport_split(const char *s, char *buf, size_t buflen,
                       uint16_t *port);

/* spec, or else the first nameserver of /etc/resolv.conf. */
int dns_resolver_addr(const char *spec, struct dns_addr *out);

int dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b);

/* Append a to list[*n] unless there already (or *n == max). */
void dns_addr_add(struct dns_addr *list, size_t *n, size_t max,
                  const struct dns_addr *a);

/* An address from A/AAAA rdata with port; -1 for other rdata. */
int dns_addr_from_rdf(const ldns_rdf *rd, uint16_t port,
                      struct dns_addr *out);

/* dns_query.c */

/* Send msg to srv and receive the reply with the same ID and QR=1: UDP
 * with `tries` attempts of timeout_ms each, then TCP on TC=1; TCP at once
 * when msg exceeds 512 octets. *reply (caller frees) set on success.
 * ACMEUP_ETIMEOUT when no reply came, ACMEUP_EDNS on socket errors (both
 * with a detail naming srv). When interruptible, a pending SIGINT/SIGTERM
 * ends the wait with ACMEUP_EINTR; removals pass 0 and run to the end. */
int dns_exchange(const struct dns_addr *srv, const uint8_t *msg, size_t len,
                 unsigned timeout_ms, int tries, int interruptible,
                 uint8_t **reply, size_t *rlen);

/* dns_query's rd: flags (1 is RD, as before). */
#define DNS_Q_RD 1
#define DNS_Q_DO 2 /* EDNS DO bit (RFC 3225): RRSIGs in the answer */
#define DNS_Q_CD 4 /* checking disabled (RFC 4035 3.2.2) */

/* One query for name/type (class IN, EDNS) to srv, RD as given; signed
 * with key and its reply verified when key is not NULL (RFC 8945); checks
 * ID, QR, opcode and question. Retries without EDNS on FORMERR/NOTIMP
 * (RFC 6891 7). *out (caller frees) is set whatever the rcode.
 * Interruptible. */
int dns_query(const struct dns_addr *srv, const ldns_rdf *name,
              ldns_rr_type type, int rd, const struct tsig_key *key,
              unsigned timeout_ms, int tries, ldns_pkt **out);

/* dns_exchange() over TCP whatever the size (TKEY, RFC 3645 4.1.1). */
int dns_exchange_tcp(const struct dns_addr *srv, const uint8_t *msg,
                     size_t len, unsigned timeout_ms, int interruptible,
                     uint8_t **reply, size_t *rlen);

/* dns_query() to a resolver, RD set. A SERVFAIL (a validating resolver's
 * answer to a broken DNSSEC chain) is asked again with CD, said once, so
 * that acmeup's own check can name what is broken. */
int dns_resolver_query(const struct dns_addr *resolver, const ldns_rdf *name,
                       ldns_rr_type type, ldns_pkt **out);

/* RFC 8945 4.3.1: msg[0..len) with a TSIG RR appended, in a new buffer;
 * ctx receives what tsig_verify() needs. Details name the key. */
int dns_tsig_sign(const struct tsig_key *key, const uint8_t *msg,
                  size_t len, uint8_t **out, size_t *outlen,
                  struct tsig_ctx *ctx);

/* Random 16-bit message ID (getrandom). */
uint16_t dns_random_id(void);

/* "NOERROR", "REFUSED", ... (static). */
const char *dns_rcode_name(unsigned rcode);
const char *dns_type_name(ldns_rr_type t);

/* RFC 8914: the first Extended DNS Error in the OPT RDATA opt[0..len) as
 * " (EDE 18 Prohibited: text)", or "" when there is none. Returns the
 * INFO-CODE, or -1 when none. Text is sanitized (printable ASCII). */
int dns_ede_format(const uint8_t *opt, size_t len, char *buf, size_t buflen);

/* The same for a parsed reply. */
int dns_ede_text(const ldns_pkt *p, char *buf, size_t buflen);

/* Record "prefix: <current detail>" as the detail of rc; returns rc. */
int dns_fail_prefix(int rc, const char *prefix);

/* ACMEUP_EINTR with "interrupted by SIGTERM" as the detail. */
int dns_interrupted(void);

/* Name as text without trailing dot ("." for the root); caller frees. */
char *dns_name_text(const ldns_rdf *name);

/* Canonical (lower-case) name from text, or NULL. Caller frees. */
ldns_rdf *dns_name_new(const char *text);

/* name equals apex or lies below it */
int dns_at_or_below(const ldns_rdf *name, const ldns_rdf *apex);

/* dns_gss_cfg.c */

/* Fill g from a setting (on: 1, -1, 0) and its credentials (copied; the
 * keytab made absolute); EUSAGE naming what when the keytab is missing. */
int dns_gss_cfg_set(struct dns_gss_cfg *g, int on, const char *keytab,
                    const char *principal, int microsoft, const char *what);
void dns_gss_cfg_clear(struct dns_gss_cfg *g);

/* Whether a zone's UPDATEs use GSS-TSIG: its own setting (zone may be
 * NULL), else, when it has no key of its own, the global one. */
int dns_gss_cfg_applies(const struct dns_gss_cfg *global,
                        const struct dns_gss_cfg *zone, int zone_key);

/* The zone's own credentials when it names any, else the global ones. */
const struct dns_gss_cfg *dns_gss_cfg_creds(const struct dns_gss_cfg *global,
                                            const struct dns_gss_cfg *zone);

/* who (borrowing) from those credentials and the algorithm setting. */
void dns_gss_cfg_who(const struct dns_gss_cfg *global,
                     const struct dns_gss_cfg *zone, struct dns_gss_who *who);

/* The GSS-TSIG credentials cfg names, acquired now and kept for the run
 * (dns_config_check_inputs: before the CA is asked). */
int dns_gss_cfg_check(const struct dns_config *cfg);

/* Acquire the credentials of ctx's GSS-TSIG settings now (EUSAGE). */
int dns_gss_cfg_acquire(const struct dns_ctx *ctx);

/* The journal's key file of a GSS zone, "gss:KEYTAB" ("gss:" for the
 * credential cache), read back into who (borrowing from file and name);
 * 0 when file is not such an entry. */
int dns_gss_from_journal(const char *file, const char *name,
                         struct dns_gss_who *who);

/* dns_gss.c: GSS-TSIG (RFC 3645) for z (z->use_gss). */

/* dns_tsig_sign() with the context for z's primary and credentials, made
 * by a TKEY exchange with the primary when there is none (or it ends);
 * errors name zone, primary, principal and service. */
int dns_gss_sign(const struct dns_zone *z, const uint8_t *msg, size_t len,
                 uint8_t **out, size_t *outlen, struct tsig_ctx *tctx);

/* tsig_verify() of a reply with that context: TSIG_* codes. */
int dns_gss_verify(const struct dns_zone *z, const uint8_t *reply,
                   size_t rlen, const struct tsig_ctx *tctx,
                   struct tsig_result *res);

/* Acquire who's credentials now (kept for the run), so that missing or
 * expired ones are a configuration error (ACMEUP_EUSAGE) found before the
 * CA is asked; zone names the zone (or "*") in the message. */
int dns_gss_acquire(const struct dns_gss_who *who, const char *zone);

/* Forget the contexts with z's primary (it rejected one): the next
 * dns_gss_sign() makes a new one. */
void dns_gss_drop(const struct dns_zone *z);

/* The principal z (or who) signs as, for messages (borrowed). */
const char *dns_gss_principal(const struct dns_zone *z);
const char *dns_gss_who_name(const struct dns_gss_who *who);

/* "ticket for DNS/host, TKEY with ADDR done (alg), context usable N s"
 * into buf when z's primary has a context: 1, else 0 (dns-check). */
int dns_gss_describe(const struct dns_zone *z, char *buf, size_t len);

/* What signs z's UPDATEs, for messages: the key's name, or "GSS-TSIG
 * <principal>" (one static buffer: once per message). */
const char *dns_zone_signer(const struct dns_zone *z);

/* Free every GSS-TSIG context and credential (end of run). */
void dns_gss_end(void);

/* dns_ctx.c */

/* The override entry for apex, or NULL. */
const struct dns_zone_ent *dns_ctx_zone(const struct dns_ctx *ctx,
                                        const ldns_rdf *apex);

/* The key for apex: the zone's own, else the default (may be NULL). */
const struct tsig_key *dns_ctx_key(const struct dns_ctx *ctx,
                                   const ldns_rdf *apex,
                                   const char **key_file);

/* 1 when apex's UPDATEs are signed with GSS-TSIG (the zone's setting,
 * else the global one), with *who the credentials and *file the journal's
 * key file entry ("gss:KEYTAB"; borrowed); else 0. */
int dns_ctx_gss(const struct dns_ctx *ctx, const ldns_rdf *apex,
                struct dns_gss_who *who, const char **file);

/* The key to sign queries to apex's servers with: NULL unless
 * --tsig-queries (or the zone's tsig-queries). */
const struct tsig_key *dns_ctx_query_key(const struct dns_ctx *ctx,
                                         const ldns_rdf *apex);

/* The target of an alias for challenge, or NULL (borrowed). */
const ldns_rdf *dns_ctx_alias(const struct dns_ctx *ctx,
                              const ldns_rdf *challenge);

/* Whether a is a server to leave out of the proof: --skip-server, or
 * the skip-server of apex's zone block (apex may be NULL). */
int dns_ctx_skipped(const struct dns_ctx *ctx, const ldns_rdf *apex,
                    const struct dns_addr *a);

/* The deepest known zone at or above name, or NULL. */
struct dns_zinfo *dns_ctx_known_above(struct dns_ctx *ctx,
                                      const ldns_rdf *name);

/* The known zone apex, or a new entry with its primaries looked up.
 * Borrows apex and mname. */
int dns_ctx_zinfo(struct dns_ctx *ctx, const ldns_rdf *apex,
                  const ldns_rdf *mname, struct dns_zinfo **out);

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

/* Where UPDATEs for zone go: server ("HOST[:PORT]") when set, else the
 * MNAME's addresses (none is not an error here: the caller decides). */
int dns_primary_find(const struct dns_addr *resolver, const char *server,
                     const ldns_rdf *mname, struct dns_addr **out,
                     size_t *n);

/* dns_servers.c */

/* Every primary address plus every address of every NS of the zone (NS
 * RRset asked of a primary directly, RD=0, else of the resolver;
 * addresses via the resolver), without duplicates; cached in zi. */
int dns_zinfo_servers(const struct dns_ctx *ctx, struct dns_zinfo *zi);

/* dns_chase.c */

/* Where the TXT for challenge goes: an alias, else the CNAME/DNAME chain
 * as the authoritative servers answer it (RD=0), at most DNAME_MAX_LINKS
 * links, loops and wildcard CNAMEs reported. Fills *route (free with
 * dns_route_clear) only on success. */
int dns_route_find(struct dns_ctx *ctx, const ldns_rdf *challenge,
                   struct dns_route *route);
void dns_route_clear(struct dns_route *r);

/* "a CNAME b DNAME c" for messages; caller frees. */
char *dns_route_chain_text(const struct dns_route *r);

/* Replace suffix `from` of name by `to` (RFC 6672 2.2 DNAME
 * substitution); NULL when the result is too long. */
ldns_rdf *dns_dname_substitute(const ldns_rdf *name, const ldns_rdf *from,
                               const ldns_rdf *to);

/* dns_update.c */

enum dns_update_op { DNS_UPDATE_ADD, DNS_UPDATE_DELETE };

/* RFC 2136 UPDATE for z's records: add (class IN, ttl) or delete each RR by
 * value (2.5.4: class NONE, TTL 0), with an EDNS OPT when edns, unsigned,
 * as wire bytes with the given ID. *wire (caller frees) set on success. */
int dns_update_wire(const struct dns_zone *z, enum dns_update_op op,
                    unsigned ttl, uint16_t id, int edns, uint8_t **wire,
                    size_t *len);

/* Sign the UPDATE with z->key, send it to z->primary, verify the reply's
 * TSIG and require NOERROR. Details name server, zone and key, and the
 * CNAME that led there. Deletions are not interruptible. */
int dns_update_send(const struct dns_set *set, struct dns_zone *z,
                    enum dns_update_op op);

/* dns_propagate.c */

/* The SOA serial of zone from srv directly (RD=0, AA required). */
int dns_soa_serial(const struct dns_addr *srv, const ldns_rdf *zone,
                   const struct tsig_key *key, unsigned timeout_ms,
                   int tries, uint32_t *serial);

/* After an UPDATE adding z's records: the primary's serial differs from
 * before (polled briefly) and the primary answers every value. */
int dns_verify_primary(const struct dns_set *set, struct dns_zone *z);

/* Whether the TXT RRset at owner (answer section of reply) holds value:
 * the character-strings of one RR concatenated equal value. */
int dns_txt_rrset_has(const ldns_pkt *reply, const ldns_rdf *owner,
                      const char *value);

/* dns_set.c */

void dns_zone_clear(struct dns_zone *z);

/* Take rec into z; a duplicate (same owner and value) is dropped. */
int dns_zone_take_rec(struct dns_zone *z, struct dns_rec *rec);

void dns_rec_clear(struct dns_rec *r);

/* dns_dnssec.c. Before the wait: z's DNSKEYs at its primary and, when the
 * parent has a DS, the chain (ACMEUP_EDNS naming DS and keys when broken);
 * z->dnskeys is set for a validated signed zone. Per TXT answer (asked
 * with DO): 1 when the RRSIG over owner's TXT RRset validates (or z is not
 * signed), *tag its key; 0 with why when not (yet); < 0 on ENOMEM. */
int dns_dnssec_prepare(const struct dns_set *set, struct dns_zone *z);
int dns_dnssec_txt(const struct dns_zone *z, const ldns_pkt *reply,
                   const ldns_rdf *owner, unsigned *tag, char *why,
                   size_t len);

/* dns_caa.c: the CAA records in pkt's answer as the relevant set (at:
 * its owner) for name (a "*." wildcard takes issuewild when the set has
 * one), the CA's issuer domain ca (NULL: any) and acmeup's account URL
 * (NULL: unknown): printed to out, then 0 when they let the CA issue by
 * dns-01 for that account, else ACMEUP_EDNS saying why. */
int dns_caa_judge(const ldns_pkt *pkt, const char *at, const char *name,
                  const char *ca, const char *account, FILE *out);

/* dns_deleg.c: zi's delegation (the parent's NS set vs the apex's) and
 * lame servers, printed to out; 0, or ACMEUP_EDNS naming the first
 * problem. Once per zone and context: later names of the zone get "as
 * checked above" and the same result. */
int dns_deleg_check(const struct dns_ctx *ctx, struct dns_zinfo *zi,
                    FILE *out);

#endif
