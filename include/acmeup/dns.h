/* DNS module: the only place (with tsig/) that handles DNS wire data; the
 * only place that includes ldns.
 *
 * Finds where each challenge record goes (CNAME/DNAME chains asked of the
 * authoritative servers, never of a caching resolver), publishes the dns-01
 * TXT records with one TSIG-signed UPDATE per zone (RFC 2136, RFC 8945) to
 * each zone's primary, proves that every authoritative server answers them,
 * and removes exactly what it added — also after a crash, from the journal.
 * Functions return 0 or a negative ACMEUP_E* code with a detail (server,
 * zone, key, rcode, TSIG error, Extended DNS Error) from acmeup_fail().
 */
#ifndef ACMEUP_DNS_H
#define ACMEUP_DNS_H

#include <stddef.h>
#include <stdio.h>

struct journal;
struct tsig_key;

/* Settings for one zone (a --zone-server / --zone-key, or a zone block of
 * the configuration file). zone is the apex the records land in, matched
 * exactly. Every member may be NULL except zone. Borrowed. */
struct dns_zone_cfg {
	const char *zone;
	const char *server;   /* "HOST[:PORT]": UPDATEs go here, not to MNAME */
	const char *key_file; /* TSIG key for this zone */
	const char *key_name; /* which key in key_file */
	const char *const *skip_servers; /* "ADDR[:PORT]" of this zone left
	                                  * out of the proof */
	size_t n_skip_servers;
	int tsig_queries;     /* sign queries to this zone's servers */
	int gss;              /* GSS-TSIG: 1 yes, -1 no, 0 as the global */
	const char *gss_keytab;    /* or the global one */
	const char *gss_principal; /* or the global one */
};

/* An explicit alias: the TXT for name goes to target, whatever the DNS
 * says (for CNAMEs not visible from here). name is the certificate name
 * ("intranet.contoso.test", "*.x" counts as "x") or its challenge name
 * ("_acme-challenge.intranet.contoso.test"); target is the full owner
 * name of the TXT. Borrowed. */
struct dns_alias {
	const char *name;
	const char *target;
	int subtree;          /* 1: name and every name below it (a zone
	                       * block's alias-to), all to the one target */
};

struct dns_config {
	const char *resolver;      /* "ADDR[:PORT]" for discovery queries;
	                            * NULL: first nameserver in /etc/resolv.conf */
	const char *update_server; /* "HOST[:PORT]" for every zone without its
	                            * own; NULL: each zone's SOA MNAME */
	const char *key_file;      /* default TSIG key file, or NULL */
	const char *key_name;      /* which key in it, or NULL */
	const char *key_arg;       /* or the key as "[ALG:]NAME:SECRET" (-y) */
	const struct dns_zone_cfg *zones;
	size_t n_zones;
	const struct dns_alias *aliases;
	size_t n_aliases;
	const char *const *skip_servers; /* "ADDR[:PORT]" left out of the proof */
	size_t n_skip_servers;
	int tsig_queries;          /* sign queries to authoritative servers */
	int gss;                   /* UPDATEs signed with GSS-TSIG (RFC 3645)
	                            * in zones without a key of their own */
	const char *gss_keytab;    /* NULL: the credential cache (KRB5CCNAME) */
	const char *gss_principal; /* NULL: the keytab's first, the cache's */
	int gss_microsoft;         /* algorithm gss.microsoft.com */
	unsigned ttl;              /* TXT TTL in seconds; 0 means 10 */
	unsigned timeout_ms;       /* propagation bound; 0 means 120000 */
	unsigned unreachable_ms;   /* an authoritative server that gives no
	                            * usable answer this long is left out of
	                            * the proof (reported once); 0: 3000 */
	int strict_servers;        /* instead fail then, naming it */
	void *owned;               /* storage of whoever filled cfg (as
	                            * dns_config_from_opts()), or NULL */
	void (*owned_free)(void *owned); /* frees owned; NULL: nothing */
};

/* Frees cfg->owned (with cfg->owned_free) and zeroes cfg (src/dns/
 * dns_config.c). Accepts NULL. */
void dns_config_clear(struct dns_config *cfg);

/* The names of cfg's aliases by the rules of name.h (NAME as "x", "*.x"
 * or "_acme-challenge.x", or a zone for a subtree; TARGET an owner name),
 * without loading anything: ACMEUP_EUSAGE naming the alias and the rule.
 * dns_ctx_new() checks the same. */
int dns_config_check_names(const struct dns_config *cfg);

/* The inputs of cfg a person wrote, checked before the CA is asked
 * anything, logging nothing: the resolver's address, the update servers'
 * HOST[:PORT], and every TSIG key (the default key, -y, each zone's key
 * file) read and freed again. ACMEUP_EUSAGE naming the option, zone or
 * file. dns_ctx_new() checks the same when it loads them. */
int dns_config_check_inputs(const struct dns_config *cfg);

/* GSS-TSIG credentials and contexts from now on in a Kerberos process of
 * their own (priv_gss.h), forked at the first acquisition (which
 * dns_config_check_inputs makes before it reads any TSIG key file). */
void dns_gss_separate(void);

/* The GSS-TSIG credentials that the journals under state_dir name,
 * acquired now (the Kerberos process forked, if not yet), so that a
 * confined process can still remove those records; a failure is logged
 * (the removal names it again). */
void dns_journals_gss(const char *state_dir);

struct dns_ctx; /* the config made usable: keys loaded, addresses parsed */

/* Load and check every key, parse every address and name in cfg (which is
 * borrowed only during the call). Errors name the key file or option. */
int dns_ctx_new(const struct dns_config *cfg, struct dns_ctx **out);
void dns_ctx_free(struct dns_ctx *ctx); /* accepts NULL; wipes keys */

/* The TSIG keys ctx holds, for the keys process (priv.h): slot 0 the
 * default key, then one per zone; *key NULL when a slot has none, *file
 * its key file ("-" for -y). 0, or -1 past the last slot. */
int dns_ctx_key_at(struct dns_ctx *ctx, size_t i, struct tsig_key **key,
                   const char **file);

/* One TXT record to publish: owner is the challenge name, e.g.
 * "_acme-challenge.host1.example.test" (trailing dot optional); value is the
 * TXT string (RFC 8555 8.4). Borrowed. */
struct dns_txt {
	const char *owner;
	const char *value;
};

struct dns_set; /* records added; opaque */

/* For each record: find where it goes (alias, CNAME/DNAME chain), the zone
 * and its primary and key; record everything in the journal j (when not
 * NULL) before any UPDATE; send one signed UPDATE per zone adding every
 * record of that zone (RFC 2136 2.5.1); require NOERROR and a verified TSIG
 * reply; and check that the primary's SOA serial moved and it answers the
 * records. *out (caller frees with dns_set_free) is set only on success; on
 * failure, whatever was added is removed again before returning. ctx and j
 * must outlive the set. */
int dns_txt_add(struct dns_ctx *ctx, struct journal *j,
                const struct dns_txt *recs, size_t n, struct dns_set **out);

/* Wait, polling quickly then backing off, until the primary and every
 * address of every NS of each zone answers every added TXT value directly
 * (RD=0). Bounded by the propagation timeout; on timeout the detail names
 * the servers that lag, with their SOA serials. Progress lines per zone
 * and server. ACMEUP_EINTR on SIGINT/SIGTERM. */
int dns_txt_wait(struct dns_set *set);

/* A record meant to stay (dns-persist-01): dns_txt_add() of the n records
 * (no journal: nothing to clean up later), dns_txt_wait(), and on a
 * failed wait the records removed again. */
int dns_txt_publish(struct dns_ctx *ctx, const struct dns_txt *recs,
                    size_t n);

/* Delete exactly the added RRs by value (RFC 2136 2.5.4), one UPDATE per
 * zone, even after a signal. Tries every zone even after an error; returns
 * the first error. What was removed is taken off the journal (the journal
 * file goes once nothing is left). */
int dns_txt_remove(struct dns_set *set);

void dns_set_free(struct dns_set *set); /* accepts NULL; does not remove */

/* Where set put the TXT answering challenge (an owner given to
 * dns_txt_add): the owner name after aliases and CNAME/DNAME chains,
 * without the final dot, borrowed from set; NULL when set holds no record
 * for challenge. *ttl (may be NULL) is the TTL it was published with. */
const char *dns_set_owner(const struct dns_set *set, const char *challenge,
                          unsigned *ttl);

/* Remove the records listed in the journals of runs that died (kill -9,
 * power loss) under state_dir, each with the key file and key name that
 * added it; keys ctx holds (may be NULL) stand in for -y keys and
 * unreadable files with the same key name. Journals of running processes
 * are left alone. *left (may be NULL) counts records that could not be
 * removed (their journals stay). Returns the first error. */
int dns_journal_recover(const struct dns_ctx *ctx, const char *state_dir,
                        size_t *found, size_t *left);

/* The dns-check preflight for one certificate name: route (alias, CNAME
 * chain, zone, primary, key), the name's CAA (dns_caa_check, for the CA
 * whose issuer domain is ca and the account URL account, each NULL when
 * unknown), the zone's delegation, then a probe TXT added
 * (journalled in j), its arrival timed on every authoritative server, and
 * removed. Writes a report for a person to out; returns 0 when all went
 * well, else the first failure with its detail. */
int dns_check_name(struct dns_ctx *ctx, struct journal *j, const char *name,
                   const char *ca, const char *account, FILE *out);

/* RFC 8659: the relevant CAA RRset of name ("*.x" for a wildcard) through
 * the resolver, printed to out, and whether it lets the CA with issuer
 * domain ca (NULL: any) issue by dns-01 (RFC 8657 validationmethods) for
 * the account URL account (RFC 8657 accounturi; NULL: unknown, not
 * compared). 0 when it does or there is no CAA; ACMEUP_EDNS with the
 * reason when it forbids or the lookup fails. */
int dns_caa_check(const struct dns_ctx *ctx, const char *name,
                  const char *ca, const char *account, FILE *out);

/* TXT values standing at an owner (dns-persist-01). All owned. */
struct dns_served {
	char **values;  /* each RR's strings joined (at most 32 RRs, 2048
	                 * octets each; longer ones and ones with NUL left
	                 * out): hostile text, check before use */
	size_t n;
	char *target;   /* the owner after aliases and CNAME/DNAME */
	char *chain;    /* "a CNAME b" when a chain led there, else NULL */
};
void dns_served_clear(struct dns_served *s); /* accepts NULL */

/* The TXT RRset at owner (a name; "_validation-persist.x") after aliases
 * and the CNAME/DNAME chain, from the first of its zone's authoritative
 * servers that answers authoritatively (RD=0); none there: n 0. *out
 * (clear with dns_served_clear) only on success. */
int dns_txt_served(struct dns_ctx *ctx, const char *owner,
                   struct dns_served *out);

/* The records routed (aliases, CNAME/DNAME) and their zones' primaries
 * found as dns_txt_add does, nothing sent: dns_txt_remove(*out) then
 * deletes exactly them (a standing record no run of ours added). */
int dns_txt_claim(struct dns_ctx *ctx, const struct dns_txt *recs, size_t n,
                  struct dns_set **out);

struct tsig_key;

/* The TSIG key name (NULL: the only one) of file, the file opened as
 * fsafe.h says (a regular file: no symbolic link, no FIFO; not writable by
 * group or others; owned by this user or root) and its text given to
 * tsig_key_parse(), then wiped. 0; a refusal of the file (ACMEUP_EUSAGE or
 * ACMEUP_EIO, recorded); or ACMEUP_ETSIG with *trc the tsig code and err
 * its message. *out owned by the caller. */
int dns_key_file_load(const char *file, const char *name,
                      struct tsig_key **out, int *trc, char *err,
                      size_t errlen);

#endif
