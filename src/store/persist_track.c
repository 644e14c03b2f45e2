/* STATE/persist (persist_track.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/store.h"
#include "acmeup/text.h"
#include "acmeup/persist_track.h"

#define TRACK_MAX (1024 * 1024)
#define TRACK_HEAD "acmeup-persist 1\n"

/* STATE/persist's text ("" when there is none). */
static int
track_read(const char *path, char **text)
{
	size_t len = 0;

	if (store_exists(path) != 1) {
		*text = strdup("");
		return *text == NULL ? ACMEUP_ENOMEM : 0;
	}
	return store_read(path, TRACK_MAX, text, &len);
}

/* The line [p, nl) is "<name>\t<value>" for name. */
static int
line_of(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n + 1 && strncmp(p, name, n) == 0 && p[n] == '\t';
}

int
persist_track(const char *state_dir, const char *name, const char *value)
{
	char path[4096], *old = NULL, *buf = NULL;
	const char *p, *nl;
	size_t used = 0, cap, len;
	int rc, n;

	n = snprintf(path, sizeof(path), "%s/%s", state_dir, PERSIST_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return acmeup_fail(ACMEUP_EUSAGE, "state dir %s: path too long",
		    state_dir);
	rc = track_read(path, &old);
	if (rc != 0)
		return rc;
	cap = strlen(old) + strlen(name) + (value ? strlen(value) : 0) +
	    sizeof(TRACK_HEAD) + 4;
	buf = malloc(cap);
	if (buf == NULL) {
		free(old);
		return ACMEUP_ENOMEM;
	}
	used = (size_t)snprintf(buf, cap, "%s", TRACK_HEAD);
	p = strncmp(old, TRACK_HEAD, strlen(TRACK_HEAD)) == 0 ?
	    old + strlen(TRACK_HEAD) : old + strlen(old);
	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		len = (size_t)(nl - p);
		if (line_of(p, len, name) || memchr(p, '\t', len) == NULL)
			continue;
		memcpy(buf + used, p, len);
		used += len;
		buf[used++] = '\n';
	}
	if (value != NULL)
		used += (size_t)snprintf(buf + used, cap - used, "%s\t%s\n",
		    name, value);
	rc = store_write(path, buf, used, 0644);
	free(buf);
	free(old);
	return rc;
}


/* Each noted line of state_dir's file, name and value, to fn; the path
 * into path. Returns how many, or < 0. */
static int
persist_each(const char *state_dir, char *path, size_t plen,
             void (*fn)(const char *name, int nlen, const char *value,
                        int vlen, void *arg), void *arg)
{
	char *text = NULL;
	const char *p, *nl, *tab;
	int rc, n = 0;

	rc = snprintf(path, plen, "%s/%s", state_dir, PERSIST_FILE);
	if (rc < 0 || (size_t)rc >= plen)
		return 0;
	rc = track_read(path, &text);
	if (rc != 0 || strncmp(text, TRACK_HEAD, strlen(TRACK_HEAD)) != 0) {
		free(text);
		return rc < 0 ? rc : 0;
	}
	for (p = text + strlen(TRACK_HEAD); *p != '\0';
	    p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		tab = memchr(p, '\t', (size_t)(nl - p));
		if (tab == NULL)
			continue;
		fn(p, (int)(tab - p), tab + 1, (int)(nl - tab - 1), arg);
		n++;
	}
	free(text);
	return n;
}

struct find_arg {
	const char *name;
	char *value;
	int failed;
};

/* The value of the line for a->name (the first), copied. */
static void
find_line(const char *name, int nlen, const char *value, int vlen, void *a)
{
	struct find_arg *f = a;

	if (f->value != NULL || f->failed || (size_t)nlen != strlen(f->name) ||
	    strncmp(name, f->name, (size_t)nlen) != 0 || vlen <= 0)
		return;
	f->value = strndup(value, (size_t)vlen);
	f->failed = f->value == NULL;
}

int
persist_tracked(const char *state_dir, const char *name, char **value)
{
	struct find_arg f = { name, NULL, 0 };
	char path[4096];
	int rc = persist_each(state_dir, path, sizeof(path), find_line, &f);

	*value = f.value;
	if (rc >= 0 && f.failed)
		rc = ACMEUP_ENOMEM;
	return rc < 0 ? rc : 0;
}

struct list_arg {
	FILE *out;
	const char *path;
	const char *account;
	int shown;
};

int
persist_value_account_is(const char *value, const char *account)
{
	const char *a = strstr(value, "accounturi="), *end;

	if (a == NULL || account == NULL)
		return 0;
	a += 11;
	end = a + strcspn(a, ";");
	while (end > a && end[-1] == ' ')
		end--;
	return (size_t)(end - a) == strlen(account) &&
	    strncmp(a, account, (size_t)(end - a)) == 0;
}

/* One noted record as a line of `acmeup list`. */
static void
list_line(const char *name, int nlen, const char *value, int vlen, void *a)
{
	struct list_arg *l = a;
	char v[2048];
	int mine;

	snprintf(v, sizeof(v), "%.*s", vlen, value);
	mine = persist_value_account_is(v, l->account);
	if (l->shown++ == 0)
		text_printf(l->out, "\ndns-persist-01 records (%s; dns-check "
		    "NAME: still served and matching?)\n", l->path);
	text_printf(l->out, "%.*s  _validation-persist TXT \"%.*s\"%s\n", nlen,
	    name, vlen, value, l->account == NULL ? "" : mine ?
	    "  (this account)" : "  (ANOTHER account)");
}

int
persist_list(const char *state_dir, const char *account, FILE *out)
{
	char path[4096];
	struct list_arg l = { out, path, account, 0 };

	return persist_each(state_dir, path, sizeof(path), list_line, &l);
}

/* One noted record into the growing array. */
static void
rec_add(const char *name, int nlen, const char *value, int vlen, void *a)
{
	struct persist_recs *r = a;
	struct persist_rec *grown;

	if (r->failed || r->n == PERSIST_RECS_MAX)
		return;
	grown = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	if (grown == NULL) {
		r->failed = 1;
		return;
	}
	r->v = grown;
	r->v[r->n].name = strndup(name, (size_t)nlen);
	r->v[r->n].value = strndup(value, (size_t)vlen);
	if (r->v[r->n].name == NULL || r->v[r->n].value == NULL) {
		free(r->v[r->n].name);
		free(r->v[r->n].value);
		r->failed = 1;
		return;
	}
	r->n++;
}

int
persist_records(const char *state_dir, struct persist_recs *out)
{
	char path[4096];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = persist_each(state_dir, path, sizeof(path), rec_add, out);
	if (rc >= 0 && out->failed)
		rc = ACMEUP_ENOMEM;
	if (rc < 0)
		persist_records_clear(out);
	return rc < 0 ? rc : 0;
}

void
persist_records_clear(struct persist_recs *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].value);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
