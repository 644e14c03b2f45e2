/* The --json summary of issue, renew and list (see report.h), written
 * directly: a few objects of strings, times, booleans and counts need no
 * JSON library (json-c stays behind the acme module). Strings are escaped
 * as RFC 8259 7 asks; bytes from 0x80 up pass as they are. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acmeup/error.h"
#include "acmeup/persist_track.h"
#include "report.h"

/* One output and where it stands: the indent of the open object or array,
 * whether its first member was written. */
struct jw {
	FILE *out;
	int depth;
	int first;
};

/* A JSON string (RFC 8259 7), or null for NULL. */
static void
put_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* The next member's start: a comma after the first, a new line, the
 * indent, and "key": when key is not NULL (array elements have none). */
static void
next(struct jw *w, const char *key)
{
	fprintf(w->out, "%s\n%*s", w->first ? "" : ",", 2 * w->depth, "");
	w->first = 0;
	if (key != NULL) {
		put_str(w->out, key);
		fputs(": ", w->out);
	}
}

static void
open_(struct jw *w, const char *key, char bracket)
{
	if (key != NULL || w->depth > 0)
		next(w, key);
	fputc(bracket, w->out);
	w->depth++;
	w->first = 1;
}

static void
close_(struct jw *w, char bracket)
{
	w->depth--;
	if (w->first)
		fputc(bracket, w->out); /* empty: [] or {} */
	else
		fprintf(w->out, "\n%*s%c", 2 * w->depth, "", bracket);
	w->first = 0;
}

static void
str(struct jw *w, const char *key, const char *s)
{
	next(w, key);
	put_str(w->out, s);
}

/* RFC 3339 UTC time, or null when unknown (0). */
static void
time_(struct jw *w, const char *key, long long t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		str(w, key, NULL);
	else
		str(w, key, buf);
}

static void
list(struct jw *w, const char *key, char *const *v, size_t n)
{
	size_t i;

	open_(w, key, '[');
	for (i = 0; i < n; i++)
		str(w, NULL, v[i]);
	close_(w, ']');
}

/* "files": the certificate's directory and its four files, or null when
 * no certificate is there (a failed first issue). */
static void
files(struct jw *w, const struct report_cert *c)
{
	static const char *const names[] = { "privkey", "cert", "chain",
	    "fullchain" };
	char path[4200];
	size_t i;

	if (!c->present) {
		str(w, "files", NULL);
		return;
	}
	open_(w, "files", '{');
	str(w, "dir", c->dir);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.pem", c->dir, names[i]);
		str(w, names[i], path);
	}
	close_(w, '}');
}

static void
cert(struct jw *w, const struct report_cert *c)
{
	const char *action = report_action_name(c->action);

	open_(w, NULL, '{');
	str(w, "name", c->name);
	list(w, "domains", c->domains, c->n_domains);
	if (action != NULL)
		str(w, "action", action);
	str(w, "error", c->error);
	str(w, "hook_error", c->hook_error);
	str(w, "why", c->why);
	next(w, "present");
	fputs(c->present ? "true" : "false", w->out);
	next(w, "due");
	fputs(c->due ? "true" : "false", w->out);
	next(w, "revoked");
	fputs(c->revoked ? "true" : "false", w->out);
	time_(w, "not_before", c->not_before);
	time_(w, "expiry", c->not_after);
	time_(w, "next_renewal", c->next_renewal);
	if (c->cert_names != NULL)
		list(w, "cert_names", c->cert_names, c->n_cert_names);
	files(w, c);
	close_(w, '}');
}

/* list: the noted dns-persist-01 records, each with whether it names the
 * account of the last run (null when that is not known). */
static void
persist_recs(struct jw *w, const struct report *r)
{
	size_t i;

	open_(w, "persist", '[');
	for (i = 0; i < r->persist->n; i++) {
		open_(w, NULL, '{');
		str(w, "name", r->persist->v[i].name);
		str(w, "value", r->persist->v[i].value);
		next(w, "this_account");
		fputs(r->account == NULL ? "null" : persist_value_account_is(
		    r->persist->v[i].value, r->account) ? "true" : "false",
		    w->out);
		close_(w, '}');
	}
	close_(w, ']');
}

int
report_print_json(const struct report *r, const char *command, FILE *out)
{
	static const enum report_action acts[] = { REPORT_ISSUED,
	    REPORT_RENEWED, REPORT_SKIPPED, REPORT_FAILED };
	struct jw w = { out, 0, 1 };
	size_t i;

	open_(&w, NULL, '{');
	str(&w, "command", command);
	next(&w, "dry_run");
	fputs(r->dry_run ? "true" : "false", out);
	open_(&w, "certificates", '[');
	for (i = 0; i < r->n; i++)
		cert(&w, &r->certs[i]);
	close_(&w, ']');
	if (r->persist != NULL)
		persist_recs(&w, r);
	open_(&w, "summary", '{');
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		next(&w, report_action_name(acts[i]));
		fprintf(out, "%zu", report_count(r, acts[i]));
	}
	close_(&w, '}');
	close_(&w, '}');
	if (fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out))
		return acmeup_fail(ACMEUP_EIO, "--json: cannot write the summary "
		    "to standard output");
	return 0;
}
