/* The --json summary of issue, renew and list (see report.h). json-c
 * objects never leave this file. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "acmeup/error.h"
#include "report.h"

/* Add a member, NULL values as JSON null; -1 when val could not be made
 * (a NULL object from a failed allocation counts as failure). */
static int
add(json_object *o, const char *key, json_object *val, int null_ok)
{
	if (val == NULL && !null_ok)
		return -1;
	return json_object_object_add(o, key, val) != 0 ? -1 : 0;
}

static int
add_str(json_object *o, const char *key, const char *s)
{
	return add(o, key, s != NULL ? json_object_new_string(s) : NULL,
	    s == NULL);
}

/* RFC 3339 UTC time, or null when unknown (0). */
static int
add_time(json_object *o, const char *key, long long t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return add_str(o, key, NULL);
	return add_str(o, key, buf);
}

static int
add_list(json_object *o, const char *key, char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	size_t i;
	int bad = 0;

	for (i = 0; a != NULL && i < n; i++)
		bad |= json_object_array_add(a, json_object_new_string(v[i]))
		    != 0 || json_object_array_get_idx(a, i) == NULL;
	if (bad) {
		json_object_put(a);
		return -1;
	}
	return add(o, key, a, 0);
}

/* "files": the certificate's directory and its four files. */
static int
add_files(json_object *o, const char *dir)
{
	static const char *const names[] = { "privkey", "cert", "chain",
	    "fullchain" };
	json_object *f = json_object_new_object();
	char path[4200];
	size_t i;
	int bad = f == NULL;

	if (!bad)
		bad |= add_str(f, "dir", dir);
	for (i = 0; !bad && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.pem", dir, names[i]);
		bad |= add_str(f, names[i], path);
	}
	if (bad) {
		json_object_put(f);
		return -1;
	}
	return add(o, "files", f, 0);
}

static json_object *
cert_object(const struct report_cert *c)
{
	json_object *o = json_object_new_object();
	const char *action = report_action_name(c->action);
	int bad = o == NULL;

	if (bad)
		return NULL;
	bad |= add_str(o, "name", c->name);
	bad |= add_list(o, "domains", c->domains, c->n_domains);
	if (action != NULL)
		bad |= add_str(o, "action", action);
	bad |= add_str(o, "error", c->error);
	bad |= add_str(o, "hook_error", c->hook_error);
	bad |= add_str(o, "why", c->why);
	bad |= add(o, "present", json_object_new_boolean(c->present), 0);
	bad |= add(o, "due", json_object_new_boolean(c->due), 0);
	bad |= add_time(o, "not_before", c->not_before);
	bad |= add_time(o, "expiry", c->not_after);
	bad |= add_time(o, "next_renewal", c->next_renewal);
	if (c->cert_names != NULL)
		bad |= add_list(o, "cert_names", c->cert_names,
		    c->n_cert_names);
	/* the files only where there are some: not for a failed first issue */
	bad |= c->present ? add_files(o, c->dir) : add(o, "files", NULL, 1);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *
summary_object(const struct report *r)
{
	static const enum report_action acts[] = { REPORT_ISSUED,
	    REPORT_RENEWED, REPORT_SKIPPED, REPORT_FAILED };
	json_object *o = json_object_new_object();
	size_t i;
	int bad = o == NULL;

	for (i = 0; !bad && i < sizeof(acts) / sizeof(acts[0]); i++)
		bad |= add(o, report_action_name(acts[i]),
		    json_object_new_int64((int64_t)report_count(r, acts[i])), 0);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *
report_object(const struct report *r, const char *command)
{
	json_object *o = json_object_new_object(), *a, *c;
	size_t i;
	int bad = o == NULL;

	if (bad)
		return NULL;
	bad |= add_str(o, "command", command);
	a = json_object_new_array();
	bad |= add(o, "certificates", a, 0);
	for (i = 0; !bad && i < r->n; i++) {
		c = cert_object(&r->certs[i]);
		bad |= c == NULL || json_object_array_add(a, c) != 0;
	}
	bad |= add(o, "summary", summary_object(r), 0);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int
report_print_json(const struct report *r, const char *command, FILE *out)
{
	json_object *o = report_object(r, command);
	const char *s;
	int rc = 0;

	if (o == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "--json: out of memory");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL || fprintf(out, "%s\n", s) < 0 || fflush(out) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "--json: cannot write the summary "
		    "to standard output");
	json_object_put(o);
	return rc;
}
