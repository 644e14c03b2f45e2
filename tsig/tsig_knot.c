/* Knot DNS key files: the YAML `key:` section of knot.conf, as
 * `keymgr -t NAME` prints it:
 *
 *   key:
 *     - id: name
 *       algorithm: hmac-sha256
 *       secret: base64
 *
 * Knot's configuration is a YAML subset: block style, spaces for indenting
 * (no tabs), `#` comments, values plain or in double quotes (single quotes
 * are literal characters to knotd, so to us too). Each key starts with
 * `- id: name` on one line (knotd insists too). Other top-level sections
 * (server:, acl:, zone:, ...) and their indented lines are skipped, so a
 * whole knot.conf can be given.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tsig_int.h"

struct knot {
	const struct tsig_src *src;
	struct tsig_keyset *ks;
	int in_key;               /* inside a key: section */
	int in_item;              /* after a '-' of that section */
	struct tsig_entry *cur;   /* key being read; NULL before its id */
	size_t item_col;          /* column of the item's attributes */
	int line;
};

/* One line without its comment and trailing blanks. */
struct kline {
	const char *p; /* first non-blank character */
	size_t len;
	size_t indent; /* leading spaces */
};

/* Reports "src:line: what" and returns rc. */
static int
kerr(const struct knot *k, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
kerr(const struct knot *k, int rc, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tsig_seterr(k->src->err, k->src->errlen, "%s:%d: %s", k->src->name,
	            k->line, what);
	return rc;
}

/* Cuts a `#` comment (at the start or after a blank, outside quotes) and
 * trailing blanks from the line at p[0..len). */
static size_t
cut_comment(const char *p, size_t len)
{
	size_t i;
	int quoted = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (!quoted && p[i] == '#' &&
		         (i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t'))
			break;
	}
	while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t' ||
	       p[i - 1] == '\r'))
		i--;
	return i;
}

/* Splits "name: value" at p[0..len) into the name and the value (double
 * quotes stripped; value_len 0 when there is none). */
static int
split_item(const struct knot *k, const char *p, size_t len,
           const char **name, size_t *name_len, const char **value,
           size_t *value_len)
{
	const char *colon = memchr(p, ':', len), *v, *end = p + len;
	size_t n;

	if (colon == NULL || colon == p)
		return kerr(k, TSIG_ESYNTAX, "expected 'name: value'");
	for (n = (size_t)(colon - p); n > 0 && p[n - 1] == ' '; n--)
		;
	*name = p;
	*name_len = n;
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	if (v < end && *v == '"') {
		if (end - v < 2 || end[-1] != '"' ||
		    memchr(v + 1, '"', (size_t)(end - v - 2)) != NULL)
			return kerr(k, TSIG_ESYNTAX, "quoted value not closed "
			            "at the end of the line");
		v++;
		end--;
	}
	*value = v;
	*value_len = (size_t)(end - v);
	return 0;
}

static int
word_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

/* Ends the key being read (it must be complete). */
static int
end_item(struct knot *k)
{
	int rc = 0;

	if (k->cur != NULL)
		rc = tsig_entry_check(k->cur, k->src);
	k->cur = NULL;
	k->in_item = 0;
	k->item_col = 0;
	return rc;
}

/* A top-level line: `key:` opens our section, anything else `name:` one
 * we skip. */
static int
section(struct knot *k, const struct kline *l)
{
	const char *name, *value;
	size_t name_len, value_len;
	int rc;

	rc = end_item(k);
	if (rc != 0)
		return rc;
	if (memchr(l->p, ':', l->len) == NULL)
		return kerr(k, TSIG_ESYNTAX, "expected a section such as "
		            "'key:'");
	rc = split_item(k, l->p, l->len, &name, &name_len, &value,
	                &value_len);
	if (rc != 0)
		return rc;
	k->in_key = word_is(name, name_len, "key");
	if (k->in_key && value_len > 0)
		return kerr(k, TSIG_ESYNTAX, "expected the keys on the lines "
		            "after 'key:', each as '- id: NAME'");
	return 0;
}

/* "'name:'" for a message when name is keyword-like, else words that
 * cannot leak a secret written where a name belongs. */
static const char *
describe(const char *name, size_t len, char *buf, size_t buflen)
{
	if (!tsig_word_is_safe(name, len))
		return "an item that is no keyword";
	snprintf(buf, buflen, "'%.*s:'", (int)len, name);
	return buf;
}

/* One `name: value` of the key being read. */
static int
attribute(struct knot *k, const char *p, size_t len)
{
	const char *name, *value;
	char what[32];
	size_t name_len, value_len;
	int is_id, rc;

	rc = split_item(k, p, len, &name, &name_len, &value, &value_len);
	if (rc != 0)
		return rc;
	is_id = word_is(name, name_len, "id");
	if (k->cur == NULL && !is_id)
		return kerr(k, TSIG_ESYNTAX, "expected 'id: NAME' first in a "
		            "key, found %s", describe(name, name_len, what,
		                                      sizeof(what)));
	if (value_len == 0 && !word_is(name, name_len, "comment"))
		return kerr(k, TSIG_ESYNTAX, "expected a value after %s",
		            describe(name, name_len, what, sizeof(what)));
	if (is_id && k->cur != NULL)
		return kerr(k, TSIG_ESYNTAX, "key \"%s\" has a second id; "
		            "start another key with '- id: NAME'", k->cur->name);
	if (is_id)
		return tsig_keyset_add(k->ks, k->src, k->line, value,
		                       value_len, &k->cur);
	if (word_is(name, name_len, "algorithm"))
		return tsig_entry_set_alg(k->cur, k->src, k->line, value,
		                          value_len);
	if (word_is(name, name_len, "secret"))
		return tsig_entry_set_secret(k->cur, k->src, k->line, value,
		                             value_len);
	if (word_is(name, name_len, "comment"))
		return 0;
	return kerr(k, TSIG_ESYNTAX, "key \"%s\": expected 'algorithm:', "
	            "'secret:' or 'comment:', found %s", k->cur->name,
	            describe(name, name_len, what, sizeof(what)));
}

/* An indented line of the key: section: `- id: x` or `name: value`. */
static int
key_line(struct knot *k, const struct kline *l)
{
	size_t skip = 1;
	int rc;

	if (l->p[0] == '-' && (l->len == 1 || l->p[1] == ' ')) {
		rc = end_item(k);
		if (rc != 0)
			return rc;
		while (skip < l->len && l->p[skip] == ' ')
			skip++;
		if (skip == l->len) /* knotd wants the id on the dash line */
			return kerr(k, TSIG_ESYNTAX, "expected '- id: NAME', "
			            "found '-' alone");
		k->in_item = 1;
		k->item_col = l->indent + skip;
		return attribute(k, l->p + skip, l->len - skip);
	}
	if (!k->in_item)
		return kerr(k, TSIG_ESYNTAX, "expected '- id: NAME' to start "
		            "a key");
	if (l->indent != k->item_col)
		return kerr(k, TSIG_ESYNTAX, "indentation differs from the "
		            "key's first item");
	return attribute(k, l->p, l->len);
}

static int
one_line(struct knot *k, const char *p, size_t len)
{
	struct kline l = { p, len, 0 };

	while (l.indent < len && p[l.indent] == ' ')
		l.indent++;
	if (l.indent < len && p[l.indent] == '\t')
		return kerr(k, TSIG_ESYNTAX, "tab in the indentation (Knot's "
		            "configuration indents with spaces)");
	l.p = p + l.indent;
	l.len = cut_comment(l.p, len - l.indent);
	if (l.len == 0)
		return 0;
	if (l.indent == 0 && l.p[0] != '-')
		return section(k, &l);
	if (!k->in_key)
		return 0; /* inside a section we do not use */
	return key_line(k, &l);
}

int
tsig_parse_knot(const struct tsig_src *src, const char *text, size_t len,
                struct tsig_keyset *ks)
{
	struct knot k = { src, ks, 0, 0, NULL, 0, 0 };
	const char *p = text, *end = text + len, *nl;
	int rc;

	while (p < end) {
		k.line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		rc = one_line(&k, p, (size_t)(nl - p));
		if (rc != 0)
			return rc;
		p = nl + 1;
	}
	return end_item(&k);
}
