/* STATE/account.url: the URL of the account the last run used (RFC 8555
 * 7.3), for what works without the CA: dns-check compares it with a CAA
 * accounturi (RFC 8657 3). Written only when it changes; read as hostile
 * (bounded, https:// and printable, or ignored). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/store.h"

#define URL_FILE "account.url"
#define URL_MAX 1024

static int
url_ok(const char *u, size_t n)
{
	size_t i;

	if (n < 9 || n > URL_MAX || strncmp(u, "https://", 8) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (u[i] <= 0x20 || u[i] > 0x7e)
			return 0;
	return 1;
}

int
store_account_url_read(const char *state_dir, char **url)
{
	char path[4096], *data = NULL;
	size_t len = 0;
	int n;

	*url = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", state_dir, URL_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	if (store_read(path, URL_MAX + 2, &data, &len) != 0) { /* or none */
		acmeup_err_clear();
		return 0;
	}
	while (len > 0 && data[len - 1] == '\n')
		data[--len] = '\0';
	if (!url_ok(data, len)) {
		free(data);
		return 0;
	}
	*url = data;
	return 0;
}

int
store_account_url_write(const char *state_dir, const char *url)
{
	char path[4096], line[URL_MAX + 2], *old = NULL;
	size_t n = strlen(url);
	int rc;

	if (!url_ok(url, n))
		return acmeup_fail(ACMEUP_EINVAL, "account URL '%.80s' not kept: "
		                   "not an https URL", url);
	rc = snprintf(path, sizeof(path), "%s/%s", state_dir, URL_FILE);
	if (rc < 0 || (size_t)rc >= sizeof(path))
		return acmeup_fail(ACMEUP_EINVAL, "state directory path too long");
	store_account_url_read(state_dir, &old);
	rc = old != NULL && strcmp(old, url) == 0;
	free(old);
	if (rc)
		return 0;
	memcpy(line, url, n);
	line[n] = '\n';
	return store_write(path, line, n + 1, 0644);
}
