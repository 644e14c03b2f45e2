/* DNS names as acmeup takes them from people, files and the CA: one set of
 * rules, in one place, checked before any order is made or any DNS message
 * sent. No library behind it (libc only); the caller owns every buffer.
 *
 * A host name (the -d names, cert blocks, CSR names, the CA's identifiers):
 *   - labels of letters, digits and '-', not starting or ending with '-'
 *     (RFC 1123 2.1, RFC 952), each 1..63 octets (RFC 1035 2.3.4): no
 *     empty label ("a..b", ".a");
 *   - "*." only as the whole first label, where a wildcard is allowed
 *     (RFC 8555 7.1.3);
 *   - not an IP address: not an IPv4 or IPv6 literal, nor a name whose
 *     last label is all digits (RFC 1123 2.1, RFC 3696 2). acmeup asks
 *     only for "dns" identifiers;
 *   - presented in any case, with at most one trailing dot; normalised to
 *     lower case without it;
 *   - with NAME_CHALLENGE, its challenge owner "_acme-challenge.<name>"
 *     ("*." dropped) fits in 255 octets in wire form (RFC 1035 2.3.4,
 *     RFC 8555 8.4): the name is at most 237 characters.
 * An owner name (challenge-alias targets) may also hold '_' (RFC 8552
 * underscored labels such as _acme-challenge).
 */
#ifndef ACMEUP_NAME_H
#define ACMEUP_NAME_H

#include <stddef.h>

#define NAME_TEXT_MAX 253  /* a name in text form, no trailing dot: 255
                            * octets in wire form (RFC 1035 2.3.4) */
#define NAME_BUF (NAME_TEXT_MAX + 1)
#define NAME_LABEL_MAX 63
#define NAME_CHALLENGE_LABEL "_acme-challenge"
#define NAME_CHALLENGE_PREFIX NAME_CHALLENGE_LABEL "."

/* Flags: what a name may be. */
#define NAME_WILDCARD   0x1 /* "*." as the whole first label */
#define NAME_UNDERSCORE 0x2 /* '_' in labels (an owner, not a host) */
#define NAME_CHALLENGE  0x4 /* _acme-challenge.<name> fits in 255 octets */
#define NAME_CHALLENGE_OF 0x8 /* "x", "*.x" or "_acme-challenge.x" (any
                               * case), as dns-check and --challenge-alias
                               * take a name: out is x, checked with
                               * NAME_CHALLENGE; other flags ignored */
/* A certificate's name: -d, cert blocks, CSRs, the order's names. */
#define NAME_CERT (NAME_WILDCARD | NAME_CHALLENGE)
/* Where a challenge record may be sent: an alias target. */
#define NAME_OWNER NAME_UNDERSCORE

/* The rule a name breaks. */
enum name_rule {
	NAME_OK = 0,
	NAME_EMPTY,          /* "" or "." */
	NAME_CHAR,           /* a byte not allowed in a label */
	NAME_EMPTY_LABEL,    /* "a..b", ".a", "a.." */
	NAME_LABEL_LONG,     /* a label over 63 octets */
	NAME_HYPHEN,         /* a label starts or ends with '-' */
	NAME_STAR,           /* '*' other than a whole first "*." label, or
	                      * a wildcard where none is allowed */
	NAME_IP,             /* an IP address literal */
	NAME_LONG,           /* over 253 characters (255 octets in wire) */
	NAME_CHALLENGE_LONG, /* _acme-challenge.<name> over 255 octets */
};

/* Check in (NUL-terminated, any length) against the rules of flags; on
 * NAME_OK out (NAME_BUF bytes) holds the normalised name. On a failure out
 * holds "" and *at (may be NULL) the 0-based offset in in of the offending
 * byte or label. Pure. */
enum name_rule name_normalize(const char *in, unsigned flags, char *out,
                              size_t *at);

/* The rule broken, as words with its RFC ("a label starts or ends with
 * '-'; RFC 1123 2.1"). Static text. */
const char *name_rule_text(enum name_rule r);

/* name_normalize() for input from a person or a file: on failure
 * ACMEUP_EUSAGE with the detail "[<where>: ]'<in>' is not a DNS name
 * (character N: <rule>)" (in printable-escaped). *out is a new string the
 * caller frees. where may be NULL. */
int name_check(const char *in, unsigned flags, const char *where,
               char **out);

/* in as printable ASCII for a message or a log line: '\\' and bytes
 * outside 0x20..0x7e as \xNN; cut with "..." to fit len. Returns buf. */
const char *name_printable(const char *in, char *buf, size_t len);

/* Directory name for a certificate: the name with '*' as '_'. Rejects names
 * that could leave the output directory (ACMEUP_EUSAGE). buf receives the
 * result. */
int name_cert_dirname(const char *name, char *buf, size_t len);

#endif
