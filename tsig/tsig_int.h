/* libtsig internals: shared by the tsig/ sources and tsig's own tests.
 * Not part of the public interface (that is tsig.h); no GnuTLS types here.
 */
#ifndef TSIG_INT_H
#define TSIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tsig.h"

#define TSIG_TYPE 250       /* RFC 8945 4.2 */
#define TSIG_CLASS_ANY 255
#define TSIG_NAME_MAX 255   /* RFC 1035 2.3.4: wire form, with root label */
#define TSIG_MAC_MAX 64     /* SHA-512 */
#define TSIG_DEFAULT_FUDGE 300 /* RFC 8945 10 */
#define TSIG_TIME_MAX 0xffffffffffffULL /* 48-bit time signed */

struct tsig_alg {
	const char *name;      /* BIND's short form, "hmac-sha256" */
	const char *wire_name; /* RFC 8945 6: "hmac-sha256",
	                        * "HMAC-MD5.SIG-ALG.REG.INT" */
	int mac;               /* gnutls_mac_algorithm_t */
	size_t mac_len;        /* full HMAC output length */
};

struct tsig_key {
	char *name;                  /* lower case, no trailing dot; owned */
	const struct tsig_alg *alg;  /* static table entry */
	uint8_t *secret;             /* owned; wiped on free */
	size_t secret_len;
	uint8_t name_wire[TSIG_NAME_MAX]; /* canonical (lower case) wire form */
	size_t name_wire_len;
	uint8_t alg_wire[TSIG_NAME_MAX];  /* canonical wire form of wire_name */
	size_t alg_wire_len;
};

/* The TSIG variables of RFC 8945 4.3.3 that differ per message. */
struct tsig_vars {
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t error;
	const uint8_t *other; /* borrowed; other_len bytes */
	uint16_t other_len;
};

/* The TSIG RR's fields as found in a reply. */
struct tsig_rr {
	uint8_t name[TSIG_NAME_MAX]; /* canonical wire form */
	size_t name_len;
	uint8_t alg[TSIG_NAME_MAX];
	size_t alg_len;
	struct tsig_vars vars;
	const uint8_t *mac; /* into the message */
	uint16_t mac_len;
	uint16_t orig_id;
};

/* RFC 8945 4.3.3: the TSIG variables of key (its name and algorithm wire
 * forms) into buf (>= 2 * 255 + 18 bytes), other data left out. Returns
 * the length. */
size_t tsig_vars_encode(const struct tsig_key *key, const struct tsig_vars *vars,
                        uint8_t *buf);

/* A reply's TSIG RR (RFC 8945 5.3): found (*off its offset), parsed, its
 * error and time in r, and its key name and algorithm those of key;
 * TSIG_EUNSIGNED, TSIG_EKEYNAME or a parse error otherwise. */
int tsig_reply_rr(const struct tsig_key *key, const uint8_t *msg, size_t len,
                  size_t *off, struct tsig_rr *rr, struct tsig_result *r);

/* RFC 8945 5.2.3: TSIG_EBADTIME unless rr was signed within its fudge of
 * our clock (r->our_time), else 0. */
int tsig_time_check(const struct tsig_rr *rr, const struct tsig_result *r);

/* RFC 8945 4.2: the TSIG RR at msg[off..len), bounded by tsig_msg_walk(),
 * into rr, field by field. */
int tsig_rr_parse(const uint8_t *msg, size_t len, size_t off,
                  struct tsig_rr *rr);

/* Writes "fmt..." into err[0..errlen) when err is not NULL. */
void tsig_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Algorithm by name, case-insensitive, trailing dot optional; BIND short
 * form or RFC 8945 wire name. NULL when unknown. */
const struct tsig_alg *tsig_alg_lookup(const char *name);

/* Comma-separated list of the supported short names, for messages. */
const char *tsig_alg_names(void);

/* An unknown algorithm text[0..len) for a message: "'\"text\" '" when it
 * looks like an algorithm name (letters, digits, '.', '-', '_', with a '-'
 * or '.' that base64 lacks; at most 40 characters), else "" -- a secret
 * written in the wrong place is never shown. Into buf. */
const char *tsig_alg_quote(const char *text, size_t len, char *buf,
                           size_t buflen);

/* Text name ("Key-1.Example." or "key-1.example") to canonical wire form
 * (lower case, uncompressed) in out[0..TSIG_NAME_MAX). No escapes. */
int tsig_name_to_wire(const char *name, uint8_t *out, size_t *out_len);

/* A key from validated parts (the key file parser's way in); copies
 * secret. *out owned by the caller. */
int tsig_key_from_parts(const char *name, const struct tsig_alg *alg,
                        const uint8_t *secret, size_t secret_len,
                        struct tsig_key **out);

/* Key files: the parsers (tsig_bind.c, tsig_knot.c) fill a keyset through
 * the helpers in tsig_keyset.c, so every format reports errors alike. */

/* Where parse errors go: "src:line: ..." into err[0..errlen). */
struct tsig_src {
	const char *name; /* file name, for messages */
	char *err;        /* may be NULL */
	size_t errlen;
};

/* One key read from a file; secret owned, wiped by tsig_keyset_clear(). */
struct tsig_entry {
	char name[TSIG_NAME_MAX + 1]; /* lower case, no trailing dot */
	int line;                     /* where the key starts */
	const struct tsig_alg *alg;   /* NULL until given */
	uint8_t *secret;              /* NULL until given */
	size_t secret_len;
};

struct tsig_keyset {
	struct tsig_entry *v;
	size_t n, cap;
};

/* text[0..len) in lower case without its trailing dot into out; 0 when it
 * is a valid key name (one trailing dot allowed, "a.." is not). */
int tsig_name_normalize(const char *text, size_t len,
                        char out[TSIG_NAME_MAX + 1]);

/* Appends a key named text[0..len) (quotes already stripped) defined at
 * line: TSIG_ESYNTAX when the name is not a domain name or a key of that
 * name exists already. *out points into ks until the next add. */
int tsig_keyset_add(struct tsig_keyset *ks, const struct tsig_src *src,
                    int line, const char *text, size_t len,
                    struct tsig_entry **out);

/* The algorithm / base64 secret text[0..len) of e, given at line:
 * TSIG_EALG (unknown algorithm) or TSIG_ESYNTAX (second algorithm or
 * secret, secret not base64). The secret text is never quoted in err. */
int tsig_entry_set_alg(struct tsig_entry *e, const struct tsig_src *src,
                       int line, const char *text, size_t len);
int tsig_entry_set_secret(struct tsig_entry *e, const struct tsig_src *src,
                          int line, const char *text, size_t len);

/* TSIG_ESYNTAX "key "x" has no algorithm/secret" unless e is complete. */
int tsig_entry_check(const struct tsig_entry *e, const struct tsig_src *src);

void tsig_keyset_clear(struct tsig_keyset *ks); /* wipes the secrets */

/* 1 when text[0..len) is a short keyword-like word ([A-Za-z_-], at most
 * 24 characters) that messages may quote: never (part of) a secret. */
int tsig_word_is_safe(const char *text, size_t len);

/* The two key file formats, text[0..len) (no NUL bytes; not terminated)
 * into ks. BIND: `key "name" { algorithm A; secret "S"; };` with other
 * statements skipped. Knot: the YAML `key:` section (`- id: name`,
 * `algorithm: A`, `secret: S`), other sections skipped. */
int tsig_parse_bind(const struct tsig_src *src, const char *text, size_t len,
                    struct tsig_keyset *ks);
int tsig_parse_knot(const struct tsig_src *src, const char *text, size_t len,
                    struct tsig_keyset *ks);

/* Strict base64 (RFC 4648 4, padding required, whitespace ignored) of
 * text[0..len). *out is a new buffer the caller wipes and frees. */
int tsig_b64_decode(const char *text, size_t len, uint8_t **out,
                    size_t *out_len);

/* Reads the possibly compressed name at msg[*off] into canonical wire form
 * (lower case) in out[0..TSIG_NAME_MAX), advancing *off past it. Bounds and
 * pointer loops checked: TSIG_EFORMAT on anything malformed. out may be
 * NULL to skip the name. */
int tsig_name_read(const uint8_t *msg, size_t len, size_t *off,
                   uint8_t *out, size_t *out_len);

/* Walks the whole message (header, every RR of every section) and sets
 * *last_ar to the offset of the last additional RR, or to len when ARCOUNT
 * is 0. *tsig is 1 when that RR is a TSIG. TSIG_EFORMAT when the message is
 * malformed, has trailing bytes, or has a TSIG RR anywhere but last. */
int tsig_msg_walk(const uint8_t *msg, size_t len, size_t *last_ar, int *tsig);

/* RFC 8945 4.3.3 / 5.3: the MAC over [prior MAC (2-byte length + MAC) when
 * prior is not NULL] + hdr[0..12) + body[0..body_len) + TSIG variables of key
 * and vars. hdr is passed apart so a reply's ID and ARCOUNT can be restored
 * without copying the message. mac receives key->alg->mac_len bytes. */
int tsig_mac_compute(const struct tsig_key *key, const uint8_t *prior,
                     size_t prior_len, const uint8_t hdr[12],
                     const uint8_t *body, size_t body_len,
                     const struct tsig_vars *vars, uint8_t *mac);

/* RFC 8945 4.2: append a TSIG RR of key with vars, MAC mac[0..mac_len) and
 * original ID orig_id to msg[0..*len), increment ARCOUNT and update *len.
 * TSIG_ENOSPACE when cap is too small (msg unchanged). */
int tsig_rr_append(const struct tsig_key *key, uint8_t *msg, size_t *len,
                   size_t cap, const struct tsig_vars *vars,
                   const uint8_t *mac, size_t mac_len, uint16_t orig_id);

/* GSS-TSIG MICs (tsig_mic.c): how a reply's MIC covers the request MAC.
 * RFC: with its 2-byte length (RFC 8945 4.3.1); BARE: without it (Samba
 * 4.17); ANY: not known yet, the first reply over a request MAC tells. */
enum { TSIG_PRIOR_ANY = 0, TSIG_PRIOR_RFC = 1, TSIG_PRIOR_BARE = 2 };

/* 0 when mic[0..mic_len) is a valid MIC over in[0..in_len). */
typedef int (*tsig_mic_fn)(void *arg, const uint8_t *in, size_t in_len,
                           const uint8_t *mic, size_t mic_len);

/* The RFC 8945 4.3 input into *buf (malloc'd, *len bytes): prior MAC in
 * layout (none when prior is NULL), hdr, body, the variables of key. */
int tsig_mic_input(const struct tsig_key *key, const uint8_t *prior,
                   size_t prior_len, int layout, const uint8_t hdr[12],
                   const uint8_t *body, size_t body_len,
                   const struct tsig_vars *vars, uint8_t **buf, size_t *len);

/* As tsig_verify(), the MIC checked by fn: over ctx's request MAC in
 * *layout; with TSIG_PRIOR_ANY (and a request MAC) RFC then BARE is tried
 * and *layout set to the one that verified. ctx->mac_len 0: no prior MAC
 * (RFC 3645 4.1.3, the TKEY answer). The reply's TSIG RR must name key;
 * the input holds in_key's name and algorithm (NULL: key's). A reply
 * carrying the request's own MAC back (Samba's refusal echoes the whole
 * request) is TSIG_EUNSIGNED. */
int tsig_mic_verify(const struct tsig_key *key, const struct tsig_key *in_key,
                    const uint8_t *msg, size_t len, const struct tsig_ctx *ctx,
                    int *layout, tsig_mic_fn fn, void *arg,
                    struct tsig_result *res);

#endif
