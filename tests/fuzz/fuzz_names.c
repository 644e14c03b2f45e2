/* libFuzzer target: the name rules (include/acmeup/name.h) and the
 * matching of the CA's identifiers against the names asked for
 * (include/acmeup/acme_ident.h).
 *
 * Input: lines. Line 1 is a name, checked under every flag set; besides
 * memory errors it checks that an accepted name is normalised (lower case,
 * no trailing dot, at most 253 characters, normalising it again gives it
 * back), that ldns takes it, and that for a certificate's name ldns takes
 * its _acme-challenge owner (the issue 11 crash). Later lines are
 * "TYPE VALUE [w]" authorizations (and order identifiers) matched against
 * the accepted names of line 1 (split at ','), and the token of line 1:
 * a match must be for a name asked for, each at most once; a failure is
 * ACMEUP_EPROTO with a detail. name_printable must give printable ASCII
 * within its buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/acme_ident.h"
#include "acmeup/error.h"
#include "acmeup/name.h"
#include "dns_internal.h"

#define MAX_NAMES 8
#define MAX_AUTHZ 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ldns takes text as a name. */
static void
ldns_takes(const char *text)
{
	ldns_rdf *n = dns_name_new(text);

	if (n == NULL)
		abort();
	ldns_rdf_deep_free(n);
}

static void
check_name(const char *in, unsigned flags)
{
	char out[NAME_BUF], again[NAME_BUF], owner[NAME_BUF + 20];
	size_t i, len, at = 0;
	enum name_rule r = name_normalize(in, flags, out, &at);

	if (r != NAME_OK) {
		if (out[0] != '\0' || name_rule_text(r) == NULL)
			abort();
		return;
	}
	len = strlen(out);
	if (len == 0 || len > NAME_TEXT_MAX || out[len - 1] == '.')
		abort();
	for (i = 0; i < len; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			abort();
	if (!(flags & NAME_CHALLENGE_OF) &&
	    (name_normalize(out, flags, again, NULL) != NAME_OK ||
	    strcmp(out, again) != 0))
		abort();
	ldns_takes(out[0] == '*' ? out + 2 : out);
	if (flags & (NAME_CHALLENGE | NAME_CHALLENGE_OF)) {
		snprintf(owner, sizeof(owner), NAME_CHALLENGE_PREFIX "%s",
		    out[0] == '*' ? out + 2 : out);
		ldns_takes(owner);
	}
}

static void
check_printable(const char *in)
{
	char buf[40];
	size_t i, len;

	name_printable(in, buf, sizeof(buf));
	len = strnlen(buf, sizeof(buf));
	if (len >= sizeof(buf))
		abort();
	for (i = 0; i < len; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			abort();
}

static void
check_fail(int rc)
{
	if (rc != ACMEUP_EPROTO && rc != ACMEUP_ENOMEM)
		abort();
	if (rc == ACMEUP_EPROTO && acmeup_errmsg(rc)[0] == '\0')
		abort();
}

/* "TYPE VALUE [w]" into a (borrowing line, which is cut in place). */
static void
parse_authz(char *line, struct acme_authz *a)
{
	char *sp = strchr(line, ' '), *w;

	memset(a, 0, sizeof(*a));
	a->identifier_type = line;
	if (sp == NULL)
		return;
	*sp = '\0';
	a->identifier = sp + 1;
	w = strchr(sp + 1, ' ');
	if (w != NULL) {
		*w = '\0';
		a->wildcard = w[1] == 'w';
	}
}

/* The accepted names of list (split at ','), normalised, into names. */
static size_t
wanted(char *list, char names[][NAME_BUF])
{
	size_t n = 0, j;
	char *p = list, *comma;

	while (p != NULL && n < MAX_NAMES) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (name_normalize(p, NAME_CERT, names[n], NULL) == NAME_OK) {
			for (j = 0; j < n && strcmp(names[j], names[n]); j++)
				;
			n += j == n;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	return n;
}

static void
check_match(char *list, char **lines, size_t nl)
{
	char names[MAX_NAMES][NAME_BUF];
	const char *ptrs[MAX_NAMES];
	struct acme_authz a[MAX_AUTHZ];
	struct acme_identifier ids[MAX_AUTHZ];
	struct acme_order o;
	struct acme_ident_want w;
	unsigned char taken[MAX_NAMES] = { 0 };
	size_t n, i, k;
	int rc = 0;

	n = wanted(list, names);
	for (i = 0; i < n; i++)
		ptrs[i] = names[i];
	w.names = ptrs;
	w.n = n;
	w.order_url = "https://ca.test/order/1";
	memset(&o, 0, sizeof(o));
	for (i = 0; i < nl; i++) {
		parse_authz(lines[i], &a[i]);
		ids[i].type = a[i].identifier_type;
		ids[i].value = a[i].identifier;
	}
	o.identifiers = ids;
	o.n_identifiers = nl;
	o.authorizations = lines;
	o.n_authorizations = nl;
	rc = acme_ident_check_order(&o, &w);
	if (rc != 0)
		check_fail(rc);
	for (i = 0; i < nl; i++) {
		k = n;
		rc = acme_ident_match_authz(&a[i], &w, taken, &k);
		if (rc != 0) {
			check_fail(rc);
			continue;
		}
		if (k >= n || !taken[k] || strcmp(a[i].identifier_type, "dns"))
			abort();
	}
	rc = acme_ident_all_taken(taken, &w);
	if (rc != 0)
		check_fail(rc);
}

/* Cut text at its newlines: at most max lines into lines. */
static size_t
split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *nl;

	lines[n++] = text;
	while (n < max) {
		nl = strchr(lines[n - 1], '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		lines[n++] = nl + 1;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = { 0, NAME_WILDCARD, NAME_CERT,
	    NAME_OWNER, NAME_CHALLENGE, NAME_CHALLENGE_OF };
	struct acme_ident_want none = { NULL, 0, NULL };
	char *text = malloc(size + 1), *lines[MAX_AUTHZ + 1];
	size_t i, n;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	acmeup_err_clear();
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		check_name(text, flags[i]);
	check_printable(text);
	n = split_lines(text, lines, MAX_AUTHZ + 1);
	rc = acme_ident_check_token(lines[0], &none);
	if (rc != 0)
		check_fail(rc);
	if (n > 1)
		check_match(lines[0], lines + 1, n - 1);
	free(text);
	return 0;
}
