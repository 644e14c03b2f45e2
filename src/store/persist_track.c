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

int
persist_tracked(const char *state_dir, const char *name, char **value)
{
	char path[4096], *text = NULL;
	const char *p, *nl;
	size_t len;
	int rc, n;

	*value = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", state_dir, PERSIST_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	rc = track_read(path, &text);
	if (rc != 0 || strncmp(text, TRACK_HEAD, strlen(TRACK_HEAD)) != 0) {
		free(text);
		return rc;
	}
	for (p = text + strlen(TRACK_HEAD); *p != '\0' && *value == NULL;
	    p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		len = (size_t)(nl - p);
		if (line_of(p, len, name))
			*value = strndup(p + strlen(name) + 1,
			    len - strlen(name) - 1);
	}
	free(text);
	return 0;
}

int
persist_list(const char *state_dir, FILE *out)
{
	char path[4096], *text = NULL;
	const char *p, *nl, *tab;
	int rc, n, head = 0;

	n = snprintf(path, sizeof(path), "%s/%s", state_dir, PERSIST_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
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
		if (head == 0)
			fputc('\n', out);
		if (head++ == 0)
			text_printf(out, "dns-persist-01 records (%s; dns-check "
			    "NAME: still served and matching?)\n", path);
		text_printf(out, "%.*s  _validation-persist TXT \"%.*s\"\n",
		    (int)(tab - p), p, (int)(nl - tab - 1), tab + 1);
	}
	free(text);
	return head;
}
