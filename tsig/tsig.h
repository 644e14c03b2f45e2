/* libtsig: TSIG keys and RFC 8945 message signing and verification.
 *
 * Stands alone (GnuTLS for HMAC, nothing else): works on DNS messages in
 * wire format, so any DNS library can use it. Functions return 0 or a
 * negative TSIG_E* code; tsig_strerror() gives its text. Where a person needs
 * detail (file and line, server time), it goes into the caller's err buffer.
 */
#ifndef TSIG_H
#define TSIG_H

#include <stddef.h>
#include <stdint.h>

enum {
	TSIG_OK = 0,
	TSIG_ENOMEM = -1,
	TSIG_EINVAL = -2,     /* bad argument */
	TSIG_EFILE = -3,      /* key file unreadable */
	TSIG_ESYNTAX = -4,    /* key file syntax error (detail: file:line) */
	TSIG_ENOTFOUND = -5,  /* no key of that name in the file */
	TSIG_EALG = -6,       /* unknown or unsupported algorithm */
	TSIG_ENOSPACE = -7,   /* message buffer too small for the TSIG RR */
	TSIG_EFORMAT = -8,    /* malformed message or TSIG RR */
	TSIG_EUNSIGNED = -9,  /* reply to a signed request carries no TSIG */
	TSIG_EBADMAC = -10,   /* reply's MAC does not verify with our key */
	TSIG_EBADSIG = -11,   /* server says: BADSIG (16), secret differs */
	TSIG_EBADKEY = -12,   /* server says: BADKEY (17), key unknown */
	TSIG_EBADTIME = -13,  /* BADTIME (18), from the server or our check */
	TSIG_EBADTRUNC = -14, /* BADTRUNC (22) or a too-short MAC */
	TSIG_EKEYNAME = -15,  /* reply signed by another key or algorithm */
	TSIG_ECRYPTO = -16,   /* HMAC computation failed */
	TSIG_EGSS = -17,      /* GSS-API call failed (detail in err) */
	TSIG_EUNAVAIL = -18,  /* built without GSS-API (ACMEUP_GSS off) */
};

/* RFC 8945 TSIG error field values. */
enum {
	TSIG_RCODE_BADSIG = 16,
	TSIG_RCODE_BADKEY = 17,
	TSIG_RCODE_BADTIME = 18,
	TSIG_RCODE_BADTRUNC = 22,
};

struct tsig_key; /* opaque; the secret is wiped by tsig_key_free() */

const char *tsig_strerror(int code);

/* Load a key from a key file in either format, told apart by content: a
 * file whose first statement is `word:` is Knot YAML, anything else BIND.
 * - BIND: `key "name" { algorithm hmac-sha256; secret "..."; };` as
 *   tsig-keygen and ddns-confgen write it; //, # and C-style comments;
 *   other top-level statements such as zone or options are skipped.
 * - Knot: the `key:` section as `keymgr -t NAME` prints it and knot.conf
 *   holds it (`- id: name`, `algorithm: hmac-sha256`, `secret: ...`, an
 *   optional `comment:`); # comments; other sections are skipped, so a
 *   whole knot.conf works.
 * Every key in the file is checked. name selects one key (case-insensitive,
 * trailing dot optional) when the file holds several; NULL takes the only
 * key (TSIG_ENOTFOUND listing the names when there are several). On error,
 * err (if not NULL) receives "file:line: what was expected" or "file: ..."
 * (errno text for unreadable files); it never holds a secret. The file text
 * is wiped from memory after parsing. *out is set only on success and owned
 * by the caller. */
int tsig_key_load(const char *path, const char *name, struct tsig_key **out,
                  char *err, size_t errlen);

/* tsig_key_load() on text[0..len) already in memory (any bytes; need not be
 * NUL-terminated; at most 1 MiB), named source in messages. Borrows text:
 * wiping it is the caller's business. */
int tsig_key_parse(const char *text, size_t len, const char *source,
                   const char *name, struct tsig_key **out, char *err,
                   size_t errlen);

/* A key from nsupdate's -y form, "[algorithm:]name:secret" (secret in
 * base64). Without an algorithm it is hmac-sha256, as tsig-keygen makes
 * keys -- not nsupdate's hmac-md5: no key silently becomes MD5. err never
 * holds the secret. *out owned by the caller. */
int tsig_key_from_arg(const char *arg, struct tsig_key **out, char *err,
                      size_t errlen);

/* 1 when path is readable by group or others (a shared TSIG secret should
 * not be), 0 when not, TSIG_EFILE when it cannot be stat()ed. Prints
 * nothing: warning the user is the caller's business. */
int tsig_key_file_insecure(const char *path);

/* Make a key from parts: name (e.g. "update-key"), algorithm (e.g.
 * "hmac-sha256"), secret in base64. *out owned by the caller. */
int tsig_key_new(const char *name, const char *algorithm,
                 const char *secret_b64, struct tsig_key **out,
                 char *err, size_t errlen);

void tsig_key_free(struct tsig_key *key); /* accepts NULL; wipes the secret */

/* Wipe and free the key's secret, keeping its name, algorithm and lengths
 * (for messages): a process that hands signing to another one holds no
 * secret. tsig_sign() and tsig_verify() then fail with TSIG_EINVAL.
 * Accepts NULL. */
void tsig_key_wipe_secret(struct tsig_key *key);

/* Borrowed strings, valid while the key lives. Name in lower case without
 * trailing dot, algorithm in BIND's short form ("hmac-sha256"). */
const char *tsig_key_name(const struct tsig_key *key);
const char *tsig_key_algorithm(const struct tsig_key *key);

/* Octets of the key's secret, and of its algorithm's full MAC output
 * (0 for NULL). A secret shorter than the MAC weakens it (RFC 2104 3;
 * RFC 8945 6 lists hmac-md5 as "MUST NOT" use). */
size_t tsig_key_secret_len(const struct tsig_key *key);
size_t tsig_key_mac_len(const struct tsig_key *key);

/* State kept between signing a request and verifying its reply. The caller
 * sets time_offset and fudge (zero them for the defaults) before
 * tsig_sign(), which fills in the rest. */
struct tsig_ctx {
	uint8_t mac[64];   /* request MAC */
	size_t mac_len;
	uint16_t orig_id;  /* request's message ID */
	int64_t time_offset; /* added to time(NULL) when signing; tests only */
	uint16_t fudge;    /* 0 means the default, 300 s */
};

/* RFC 8945 4.3.1: append a TSIG RR to the DNS message msg[0..*len) (which
 * must not already carry one: TSIG_EINVAL), increment ARCOUNT and update
 * *len. The message is walked first (TSIG_EFORMAT if malformed). cap is the
 * buffer's size (TSIG_ENOSPACE, msg unchanged, when the RR does not fit:
 * it needs at most 2 * 255 + 26 + 64 bytes). Time signed is time(NULL) +
 * ctx->time_offset. ctx receives the request MAC and ID for tsig_verify(). */
int tsig_sign(const struct tsig_key *key, uint8_t *msg, size_t *len,
              size_t cap, struct tsig_ctx *ctx);

/* Details of a verified or failed reply, for error messages. */
struct tsig_result {
	uint16_t error;          /* TSIG error field of the reply (0 if none) */
	uint64_t server_time;    /* time signed, or from other data on BADTIME */
	uint64_t our_time;
};

/* RFC 8945 5.3: verify the reply msg[0..len) to a request signed with ctx.
 * The reply must end with a TSIG RR (else TSIG_EUNSIGNED: servers that do
 * not know TSIG answer FORMERR unsigned, so look at the RCODE too) from the
 * same key and algorithm (else TSIG_EKEYNAME), whose MAC (over the request
 * MAC, the reply without its TSIG RR and with the original ID, and the TSIG
 * variables) verifies (TSIG_EBADMAC; a MAC truncated below RFC 8945
 * 5.2.2.1's minimum gives TSIG_EBADTRUNC), with time signed within the
 * reply's fudge of time(NULL) + ctx->time_offset (TSIG_EBADTIME). A reply
 * whose TSIG error is BADSIG/BADKEY/BADTIME/BADTRUNC returns
 * TSIG_EBADSIG/EBADKEY/EBADTIME/EBADTRUNC without checking the MAC (such
 * replies are usually unsigned, RFC 8945 5.3.2) -- except that a BADTIME
 * reply carrying a MAC (BIND signs them) must verify, else TSIG_EBADMAC; any
 * other error value gives TSIG_EFORMAT. The reply's header ID is not covered
 * by the MAC (the original ID is): the caller matches IDs. res (may be
 * NULL) is filled in either case: on BADTIME, server_time is the server's
 * clock from the other data (RFC 8945 5.2.3). */
int tsig_verify(const struct tsig_key *key, const uint8_t *msg, size_t len,
                const struct tsig_ctx *ctx, struct tsig_result *res);

#endif
