/* The key set a key file fills: adding keys, their algorithm and secret,
 * the checks common to both formats (tsig_bind.c, tsig_knot.c). */
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "tsig_int.h"

int
tsig_word_is_safe(const char *text, size_t len)
{
	size_t i;

	if (len == 0 || len > 24)
		return 0;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int
tsig_name_normalize(const char *text, size_t len, char out[TSIG_NAME_MAX + 1])
{
	uint8_t wire[TSIG_NAME_MAX];
	size_t i, wire_len;
	int rc;

	if (len > TSIG_NAME_MAX || memchr(text, '\0', len) != NULL)
		return TSIG_EINVAL;
	for (i = 0; i < len; i++)
		out[i] = (text[i] >= 'A' && text[i] <= 'Z') ?
		         (char)(text[i] + 32) : text[i];
	out[len] = '\0';
	rc = tsig_name_to_wire(out, wire, &wire_len);
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = '\0';
	return rc;
}

int
tsig_keyset_add(struct tsig_keyset *ks, const struct tsig_src *src, int line,
                const char *text, size_t len, struct tsig_entry **out)
{
	struct tsig_entry e = { 0 }, *v;
	size_t i, cap;

	if (tsig_name_normalize(text, len, e.name) != 0) {
		tsig_seterr(src->err, src->errlen, "%s:%d: key name \"%.*s\" is "
		            "not a valid domain name", src->name, line,
		            (int)(len > 64 ? 64 : len), text);
		return TSIG_ESYNTAX;
	}
	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->v[i].name, e.name) == 0) {
			tsig_seterr(src->err, src->errlen, "%s:%d: duplicate key "
			            "\"%s\" (first defined at line %d)", src->name,
			            line, e.name, ks->v[i].line);
			return TSIG_ESYNTAX;
		}
	}
	if (ks->n == ks->cap) {
		cap = ks->cap ? ks->cap * 2 : 4;
		v = realloc(ks->v, cap * sizeof(*v));
		if (v == NULL)
			return TSIG_ENOMEM;
		ks->v = v;
		ks->cap = cap;
	}
	e.line = line;
	ks->v[ks->n] = e;
	*out = &ks->v[ks->n++];
	return 0;
}

int
tsig_entry_set_alg(struct tsig_entry *e, const struct tsig_src *src, int line,
                   const char *text, size_t len)
{
	char buf[64], quoted[48];

	if (e->alg != NULL) {
		tsig_seterr(src->err, src->errlen, "%s:%d: key \"%s\" has a "
		            "second algorithm", src->name, line, e->name);
		return TSIG_ESYNTAX;
	}
	if (len < sizeof(buf) && memchr(text, '\0', len) == NULL) {
		memcpy(buf, text, len);
		buf[len] = '\0';
		e->alg = tsig_alg_lookup(buf);
	}
	if (e->alg == NULL) {
		tsig_seterr(src->err, src->errlen, "%s:%d: key \"%s\": unknown "
		            "algorithm %s(expected one of %s)", src->name, line,
		            e->name, tsig_alg_quote(text, len, quoted,
		                                    sizeof(quoted)),
		            tsig_alg_names());
		return TSIG_EALG;
	}
	return 0;
}

int
tsig_entry_set_secret(struct tsig_entry *e, const struct tsig_src *src,
                      int line, const char *text, size_t len)
{
	int rc;

	if (e->secret != NULL) {
		tsig_seterr(src->err, src->errlen, "%s:%d: key \"%s\" has a "
		            "second secret", src->name, line, e->name);
		return TSIG_ESYNTAX;
	}
	rc = tsig_b64_decode(text, len, &e->secret, &e->secret_len);
	if (rc == TSIG_EINVAL) {
		tsig_seterr(src->err, src->errlen, "%s:%d: key \"%s\": secret is "
		            "not valid base64", src->name, line, e->name);
		return TSIG_ESYNTAX;
	}
	return rc;
}

int
tsig_entry_check(const struct tsig_entry *e, const struct tsig_src *src)
{
	if (e->alg != NULL && e->secret != NULL)
		return 0;
	tsig_seterr(src->err, src->errlen, "%s:%d: key \"%s\" has no %s",
	            src->name, e->line, e->name,
	            e->alg == NULL ? "algorithm" : "secret");
	return TSIG_ESYNTAX;
}

void
tsig_keyset_clear(struct tsig_keyset *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++) {
		if (ks->v[i].secret != NULL)
			gnutls_memset(ks->v[i].secret, 0, ks->v[i].secret_len);
		free(ks->v[i].secret);
	}
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}
