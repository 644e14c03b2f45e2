/* TSIG keys: algorithms, names, secrets; error texts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "tsig_int.h"

/* RFC 8945 6: algorithm names on the wire. */
static const struct tsig_alg algs[] = {
	{ "hmac-md5", "HMAC-MD5.SIG-ALG.REG.INT", GNUTLS_MAC_MD5, 16 },
	{ "hmac-sha1", "hmac-sha1", GNUTLS_MAC_SHA1, 20 },
	{ "hmac-sha224", "hmac-sha224", GNUTLS_MAC_SHA224, 28 },
	{ "hmac-sha256", "hmac-sha256", GNUTLS_MAC_SHA256, 32 },
	{ "hmac-sha384", "hmac-sha384", GNUTLS_MAC_SHA384, 48 },
	{ "hmac-sha512", "hmac-sha512", GNUTLS_MAC_SHA512, 64 },
};

const char *
tsig_strerror(int code)
{
	switch (code) {
	case TSIG_OK: return "success";
	case TSIG_ENOMEM: return "out of memory";
	case TSIG_EINVAL: return "invalid argument";
	case TSIG_EFILE: return "key file unreadable";
	case TSIG_ESYNTAX: return "key file syntax error";
	case TSIG_ENOTFOUND: return "key not found in key file";
	case TSIG_EALG: return "unknown or unsupported TSIG algorithm";
	case TSIG_ENOSPACE: return "no room in the message for the TSIG record";
	case TSIG_EFORMAT: return "malformed DNS message or TSIG record";
	case TSIG_EUNSIGNED: return "reply to a signed request is not signed";
	case TSIG_EBADMAC: return "reply's TSIG MAC does not verify";
	case TSIG_EBADSIG: return "server reports TSIG BADSIG (secret differs)";
	case TSIG_EBADKEY:
		return "server reports TSIG BADKEY (key or algorithm unknown)";
	case TSIG_EBADTIME: return "TSIG BADTIME (clocks differ by more than fudge)";
	case TSIG_EBADTRUNC: return "TSIG BADTRUNC (MAC truncated too far)";
	case TSIG_EKEYNAME: return "reply signed with another key or algorithm";
	case TSIG_ECRYPTO: return "HMAC computation failed";
	case TSIG_EGSS: return "GSS-API (Kerberos) call failed";
	case TSIG_EUNAVAIL: return "GSS-TSIG is unavailable (built without GSS-API)";
	default: return "unknown TSIG error";
	}
}

void
tsig_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const struct tsig_alg *
tsig_alg_lookup(const char *name)
{
	size_t i, n;

	if (name == NULL)
		return NULL;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if ((strlen(algs[i].name) == n &&
		     strncasecmp(algs[i].name, name, n) == 0) ||
		    (strlen(algs[i].wire_name) == n &&
		     strncasecmp(algs[i].wire_name, name, n) == 0))
			return &algs[i];
	}
	return NULL;
}

const char *
tsig_alg_names(void)
{
	return "hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, "
	       "hmac-sha512";
}

const char *
tsig_alg_quote(const char *text, size_t len, char *buf, size_t buflen)
{
	size_t i;
	int sep = 0;

	for (i = 0; i < len; i++) {
		char c = text[i];

		sep |= c == '-' || c == '.';
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return "";
	}
	if (!sep || len > 40)
		return "";
	snprintf(buf, buflen, "\"%.*s\" ", (int)len, text);
	return buf;
}

/* RFC 1035 3.1 wire form, lower case (RFC 8945 4.3.3 canonical form). Plain
 * names only: printable ASCII, no spaces or backslash escapes. */
int
tsig_name_to_wire(const char *name, uint8_t *out, size_t *out_len)
{
	size_t n, i, lab = 0, pos = 1;

	if (name == NULL)
		return TSIG_EINVAL;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0)
		return TSIG_EINVAL;
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)name[i] : '.';

		if (c == '.') {
			if (pos - lab - 1 == 0 || pos - lab - 1 > 63)
				return TSIG_EINVAL;
			out[lab] = (uint8_t)(pos - lab - 1);
			lab = pos++;
			continue;
		}
		if (c <= ' ' || c > '~' || c == '\\' || pos + 1 >= TSIG_NAME_MAX)
			return TSIG_EINVAL;
		out[pos++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
	}
	out[lab] = 0;
	*out_len = pos;
	return 0;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
tsig_b64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t *buf;
	uint32_t acc = 0;
	size_t i, n = 0, chars = 0, pad = 0;
	int bits = 0, v, rc = TSIG_EINVAL;

	buf = malloc(len / 4 * 3 + 3);
	if (buf == NULL)
		return TSIG_ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		chars++;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || pad > 0)
			goto out;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (chars % 4 != 0 || pad > 2 || n == 0)
		goto out;
	*out = buf;
	*out_len = n;
	buf = NULL;
	rc = 0;
out:
	acc = 0;
	if (buf != NULL) {
		gnutls_memset(buf, 0, len / 4 * 3 + 3);
		free(buf);
	}
	return rc;
}

/* Copies secret[0..len); name must already be valid. */
static int
key_build(const char *name, const struct tsig_alg *alg, const uint8_t *secret,
          size_t secret_len, struct tsig_key **out)
{
	struct tsig_key *key;
	size_t i, n;
	int rc = TSIG_ENOMEM;

	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return TSIG_ENOMEM;
	key->alg = alg;
	if (tsig_name_to_wire(name, key->name_wire, &key->name_wire_len) != 0 ||
	    tsig_name_to_wire(alg->wire_name, key->alg_wire,
	                      &key->alg_wire_len) != 0) {
		rc = TSIG_EINVAL;
		goto out;
	}
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	key->name = malloc(n + 1);
	key->secret = malloc(secret_len);
	if (key->name == NULL || key->secret == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		char c = name[i];

		key->name[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	key->name[n] = '\0';
	memcpy(key->secret, secret, secret_len);
	key->secret_len = secret_len;
	*out = key;
	key = NULL;
	rc = 0;
out:
	tsig_key_free(key);
	return rc;
}

/* Internal entry for the key file parser: validated parts. */
int
tsig_key_from_parts(const char *name, const struct tsig_alg *alg,
                    const uint8_t *secret, size_t secret_len,
                    struct tsig_key **out)
{
	if (name == NULL || alg == NULL || secret == NULL || secret_len == 0 ||
	    out == NULL)
		return TSIG_EINVAL;
	return key_build(name, alg, secret, secret_len, out);
}

int
tsig_key_new(const char *name, const char *algorithm, const char *secret_b64,
             struct tsig_key **out, char *err, size_t errlen)
{
	const struct tsig_alg *alg;
	uint8_t wire[TSIG_NAME_MAX];
	uint8_t *secret = NULL;
	char quoted[48];
	size_t wire_len, secret_len = 0;
	int rc;

	if (name == NULL || algorithm == NULL || secret_b64 == NULL ||
	    out == NULL) {
		tsig_seterr(err, errlen, "TSIG key needs a name, an algorithm "
		            "and a secret");
		return TSIG_EINVAL;
	}
	if (tsig_name_to_wire(name, wire, &wire_len) != 0) {
		tsig_seterr(err, errlen, "TSIG key name \"%s\" is not a valid "
		            "domain name (printable ASCII, labels of 1-63 "
		            "characters, no spaces or escapes)", name);
		return TSIG_EINVAL;
	}
	alg = tsig_alg_lookup(algorithm);
	if (alg == NULL) {
		tsig_seterr(err, errlen, "TSIG key \"%s\": unknown algorithm "
		            "%s(expected one of %s)", name, tsig_alg_quote(
		            algorithm, strlen(algorithm), quoted, sizeof(quoted)),
		            tsig_alg_names());
		return TSIG_EALG;
	}
	rc = tsig_b64_decode(secret_b64, strlen(secret_b64), &secret,
	                     &secret_len);
	if (rc == TSIG_EINVAL)
		tsig_seterr(err, errlen, "TSIG key \"%s\": secret is not valid "
		            "base64", name);
	if (rc != 0)
		goto out;
	rc = key_build(name, alg, secret, secret_len, out);
out:
	if (secret != NULL) {
		gnutls_memset(secret, 0, secret_len);
		free(secret);
	}
	return rc;
}

void
tsig_key_free(struct tsig_key *key)
{
	if (key == NULL)
		return;
	if (key->secret != NULL) {
		gnutls_memset(key->secret, 0, key->secret_len);
		free(key->secret);
	}
	free(key->name);
	gnutls_memset(key, 0, sizeof(*key));
	free(key);
}

void
tsig_key_wipe_secret(struct tsig_key *key)
{
	if (key == NULL || key->secret == NULL)
		return;
	gnutls_memset(key->secret, 0, key->secret_len);
	free(key->secret);
	key->secret = NULL; /* secret_len stays, for messages */
}

const char *
tsig_key_name(const struct tsig_key *key)
{
	return key != NULL ? key->name : NULL;
}

const char *
tsig_key_algorithm(const struct tsig_key *key)
{
	return key != NULL ? key->alg->name : NULL;
}

size_t
tsig_key_secret_len(const struct tsig_key *key)
{
	return key != NULL ? key->secret_len : 0;
}

size_t
tsig_key_mac_len(const struct tsig_key *key)
{
	return key != NULL ? key->alg->mac_len : 0;
}

/* Copies arg[0..len) into buf[0..size) as a string; 0 when it fits. */
static int
copy_part(const char *arg, size_t len, char *buf, size_t size)
{
	if (len >= size)
		return TSIG_EINVAL;
	memcpy(buf, arg, len);
	buf[len] = '\0';
	return 0;
}

/* nsupdate -y: "[algorithm:]name:secret". The secret is never quoted in
 * err; the name and algorithm may be. */
int
tsig_key_from_arg(const char *arg, struct tsig_key **out, char *err,
                  size_t errlen)
{
	char alg[64] = "hmac-sha256", name[TSIG_NAME_MAX + 2] = "";
	const char *c1, *c2;

	if (arg == NULL || out == NULL) {
		tsig_seterr(err, errlen, "no TSIG key given");
		return TSIG_EINVAL;
	}
	c1 = strchr(arg, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c1 == NULL) {
		tsig_seterr(err, errlen, "TSIG key: expected [algorithm:]name:"
		            "secret, found no ':'");
		return TSIG_EINVAL;
	}
	if (c2 != NULL && copy_part(arg, (size_t)(c1 - arg), alg,
	                            sizeof(alg)) != 0) {
		tsig_seterr(err, errlen, "TSIG key: unknown algorithm (expected "
		            "one of %s)", tsig_alg_names());
		return TSIG_EALG;
	}
	if (c2 != NULL)
		arg = c1 + 1;
	else
		c2 = c1;
	if (c2 == arg || copy_part(arg, (size_t)(c2 - arg), name,
	                           sizeof(name)) != 0) {
		tsig_seterr(err, errlen, "TSIG key: expected [algorithm:]name:"
		            "secret, found %s", c2 == arg ? "no name" :
		            "a name longer than 255 characters");
		return TSIG_EINVAL;
	}
	if (tsig_alg_lookup(name) != NULL) {
		tsig_seterr(err, errlen, "TSIG key: \"%s\" is an algorithm, not "
		            "a key name (expected [algorithm:]name:secret)", name);
		return TSIG_EINVAL;
	}
	if (c2[1] == '\0') {
		tsig_seterr(err, errlen, "TSIG key \"%s\": expected "
		            "[algorithm:]name:secret, found no secret", name);
		return TSIG_EINVAL;
	}
	return tsig_key_new(name, alg, c2 + 1, out, err, errlen);
}
