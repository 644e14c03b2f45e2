/* Base64url without padding (RFC 4648 5, RFC 7515 2 and appendix C). */
#include <stdlib.h>
#include <string.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
b64url_encode(const void *data, size_t len, char **out)
{
	const uint8_t *p = data;
	size_t i, o = 0, olen;
	uint32_t v;
	char *s;

	if (len > (SIZE_MAX - 4) / 4 * 3)
		return acmeup_fail(ACMEUP_EINVAL, "base64url: input too large");
	olen = len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	s = malloc(olen + 1);
	if (s == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "base64url: out of memory");
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		s[o++] = b64url_alphabet[v >> 18 & 0x3f];
		s[o++] = b64url_alphabet[v >> 12 & 0x3f];
		s[o++] = b64url_alphabet[v >> 6 & 0x3f];
		s[o++] = b64url_alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		s[o++] = b64url_alphabet[v >> 18 & 0x3f];
		s[o++] = b64url_alphabet[v >> 12 & 0x3f];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		s[o++] = b64url_alphabet[v >> 18 & 0x3f];
		s[o++] = b64url_alphabet[v >> 12 & 0x3f];
		s[o++] = b64url_alphabet[v >> 6 & 0x3f];
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

/* Value of one base64url character, or -1. */
static int
b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Length of the data characters after dropping optional "=" padding, or
 * (size_t)-1 when the length or the padding is malformed. */
static size_t
b64url_datalen(const char *in, size_t inlen)
{
	size_t pad = 0, n;

	while (pad < 2 && pad < inlen && in[inlen - 1 - pad] == '=')
		pad++;
	if (pad > 0 && inlen % 4 != 0)
		return (size_t)-1;
	n = inlen - pad;
	if (n % 4 == 1)
		return (size_t)-1;
	return n;
}

int
b64url_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	size_t i, n, o = 0;
	uint32_t acc = 0;
	uint8_t *buf = NULL;
	int v, bits = 0, ret = 0;

	n = b64url_datalen(in, inlen);
	if (n == (size_t)-1)
		return acmeup_fail(ACMEUP_EINVAL, "base64url: bad length %zu",
		                   inlen);
	buf = malloc(n / 4 * 3 + 3);
	if (buf == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "base64url: out of memory");
	for (i = 0; i < n; i++) {
		v = b64url_value(in[i]);
		if (v < 0) {
			ret = acmeup_fail(ACMEUP_EINVAL, "base64url: invalid "
			                  "character at offset %zu", i);
			goto out;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* RFC 4648 3.5: the unused trailing bits must be zero. */
	if ((acc & ((1u << bits) - 1)) != 0) {
		ret = acmeup_fail(ACMEUP_EINVAL, "base64url: non-canonical "
		                  "final character");
		goto out;
	}
	*out = buf;
	*outlen = o;
	buf = NULL;
out:
	free(buf);
	return ret;
}
