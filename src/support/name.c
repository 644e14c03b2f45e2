/* The name rules of include/acmeup/name.h: LDH labels, the wildcard, IP
 * literals, lengths; normalisation; printable text for messages. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmeup/error.h"
#include "acmeup/name.h"

/* "_acme-challenge." in wire form: one length octet, 15 octets. */
#define CHALLENGE_WIRE 16

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s[0..len) (len <= NAME_TEXT_MAX) is an IPv4 or IPv6 literal. */
static int
ip_literal(const char *s, size_t len)
{
	unsigned char addr[16];
	char buf[NAME_BUF];

	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 ||
	    inet_pton(AF_INET6, buf, addr) == 1;
}

/* The last label is digits only: an address in some notation, never a
 * host name (RFC 1123 2.1: a top-level label is alphabetic; RFC 3696 2).
 * s is normalised. */
static int
numeric_top(const char *s)
{
	const char *last = strrchr(s, '.');
	size_t i;

	last = last != NULL ? last + 1 : s;
	for (i = 0; last[i] != '\0'; i++)
		if (last[i] < '0' || last[i] > '9')
			return 0;
	return i > 0;
}

/* One label s[0..len) copied lower-case to out; the rule it breaks. */
static enum name_rule
label_copy(const char *s, size_t len, unsigned flags, char *out, size_t *at)
{
	size_t i;
	char c;

	if (len == 0)
		return NAME_EMPTY_LABEL;
	for (i = 0; i < len; i++) {
		c = lower(s[i]);
		*at = i;
		if (c == '*')
			return NAME_STAR;
		if (!is_alnum(c) && c != '-' &&
		    !(c == '_' && (flags & NAME_UNDERSCORE)))
			return NAME_CHAR;
		out[i] = c;
	}
	*at = 0;
	if (len > NAME_LABEL_MAX)
		return NAME_LABEL_LONG;
	if (s[0] == '-' || s[len - 1] == '-') {
		*at = s[0] == '-' ? 0 : len - 1;
		return NAME_HYPHEN;
	}
	return NAME_OK;
}

/* The labels of in[start..len) into out[start..]; *at set on failure. */
static enum name_rule
labels_copy(const char *in, size_t start, size_t len, unsigned flags,
            char *out, size_t *at)
{
	const char *dot;
	size_t pos = start, n, off;
	enum name_rule r;

	for (;;) {
		dot = memchr(in + pos, '.', len - pos);
		n = dot != NULL ? (size_t)(dot - (in + pos)) : len - pos;
		off = 0;
		r = label_copy(in + pos, n, flags, out + pos, &off);
		if (r != NAME_OK) {
			*at = pos + off;
			return r;
		}
		pos += n;
		if (dot == NULL)
			return NAME_OK;
		out[pos++] = '.';
	}
}

/* NAME_CHALLENGE_OF: "x", "*.x" or "_acme-challenge.x" -> x. */
static enum name_rule
challenge_of(const char *in, char *out, size_t *at)
{
	size_t plen = strlen(NAME_CHALLENGE_PREFIX), skip = 0;
	enum name_rule r;

	if (strncmp(in, "*.", 2) == 0)
		skip = 2;
	else if (strncasecmp(in, NAME_CHALLENGE_PREFIX, plen) == 0)
		skip = plen;
	r = name_normalize(in + skip, NAME_CHALLENGE, out, at);
	if (at != NULL && r != NAME_OK)
		*at += skip;
	return r;
}

enum name_rule
name_normalize(const char *in, unsigned flags, char *out, size_t *at)
{
	size_t len, start = 0, where = 0;
	enum name_rule r = NAME_OK;

	if (flags & NAME_CHALLENGE_OF)
		return challenge_of(in, out, at);
	out[0] = '\0';
	len = strnlen(in, NAME_TEXT_MAX + 2);
	if (len > 0 && in[len - 1] == '.' && len <= NAME_TEXT_MAX + 1)
		len--;
	if (len == 0)
		r = NAME_EMPTY;
	else if (len > NAME_TEXT_MAX)
		r = NAME_LONG;
	else if (in[0] == '*' && (!(flags & NAME_WILDCARD) || len < 3 ||
	    in[1] != '.'))
		r = NAME_STAR;
	if (r == NAME_OK && in[0] == '*') {
		memcpy(out, "*.", 2);
		start = 2;
	}
	if (r == NAME_OK && ip_literal(in + start, len - start))
		r = NAME_IP;
	if (r == NAME_OK)
		r = labels_copy(in, start, len, flags, out, &where);
	if (r == NAME_OK) {
		out[len] = '\0';
		if (numeric_top(out + start))
			r = NAME_IP;
		/* RFC 1035 2.3.4: _acme-challenge.<base>, 16 + len + 2 octets */
		else if ((flags & NAME_CHALLENGE) &&
		    CHALLENGE_WIRE + (len - start) + 2 > NAME_TEXT_MAX + 2)
			r = NAME_CHALLENGE_LONG;
	}
	if (r != NAME_OK)
		out[0] = '\0';
	if (at != NULL)
		*at = where;
	return r;
}

const char *
name_rule_text(enum name_rule r)
{
	switch (r) {
	case NAME_OK:
		return "a DNS name";
	case NAME_EMPTY:
		return "empty";
	case NAME_CHAR:
		return "a label holds only letters, digits and '-'; "
		    "RFC 1123 2.1";
	case NAME_EMPTY_LABEL:
		return "an empty label; RFC 1035 2.3.4";
	case NAME_LABEL_LONG:
		return "a label longer than 63 octets; RFC 1035 2.3.4";
	case NAME_HYPHEN:
		return "a label starts or ends with '-'; RFC 1123 2.1";
	case NAME_STAR:
		return "'*' only as the whole first label \"*.\" of a "
		    "certificate's name; RFC 8555 7.1.3";
	case NAME_IP:
		return "an IP address, or its last label is all digits; "
		    "RFC 1123 2.1: acmeup asks for DNS names only";
	case NAME_LONG:
		return "longer than 253 characters, 255 octets; RFC 1035 "
		    "2.3.4";
	case NAME_CHALLENGE_LONG:
		return "_acme-challenge.<name> would be longer than 255 octets, "
		    "the name is at most 237 characters; RFC 1035 2.3.4";
	}
	return "not a DNS name";
}

/* The detail of a failure: "'<in>' is not a DNS name (...)". */
static int
fail_name(const char *in, const char *where, enum name_rule r, size_t at)
{
	char shown[128], pos[48] = "";

	if (r == NAME_CHAR || r == NAME_EMPTY_LABEL || r == NAME_LABEL_LONG ||
	    r == NAME_HYPHEN || r == NAME_STAR)
		snprintf(pos, sizeof(pos), "character %zu: ", at + 1);
	name_printable(in, shown, sizeof(shown));
	return acmeup_fail(ACMEUP_EUSAGE, "%s%s'%s' is not a DNS name (%s%s)",
	    where != NULL ? where : "", where != NULL ? ": " : "", shown, pos,
	    name_rule_text(r));
}

int
name_check(const char *in, unsigned flags, const char *where, char **out)
{
	char buf[NAME_BUF];
	size_t at = 0;
	enum name_rule r;

	if (in == NULL)
		return fail_name("", where, NAME_EMPTY, 0);
	r = name_normalize(in, flags, buf, &at);
	if (r != NAME_OK)
		return fail_name(in, where, r, at);
	*out = strdup(buf);
	return *out == NULL ? ACMEUP_ENOMEM : 0;
}

/* Octets c takes in printable form. */
static size_t
esc_len(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e && c != '\\' ? 1 : 4;
}

const char *
name_printable(const char *in, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, total = 0, room, i;
	unsigned char c;

	if (len < 4) { /* not even "..." */
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	if (in == NULL)
		in = "";
	for (i = 0; in[i] != '\0' && total < len; i++)
		total += esc_len((unsigned char)in[i]);
	room = total < len ? len - 1 : len - 4; /* keep room for "..." */
	for (i = 0; in[i] != '\0'; i++) {
		c = (unsigned char)in[i];
		if (n + esc_len(c) > room)
			break;
		if (esc_len(c) == 1) {
			buf[n++] = (char)c;
			continue;
		}
		buf[n++] = '\\';
		buf[n++] = 'x';
		buf[n++] = hex[c >> 4];
		buf[n++] = hex[c & 0xf];
	}
	if (total >= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

int
name_cert_dirname(const char *name, char *buf, size_t len)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= len || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strchr(name, '/') != NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "'%s' cannot be a "
		    "certificate name", name);
	for (i = 0; i <= n; i++)
		buf[i] = name[i] == '*' ? '_' : name[i];
	return 0;
}
