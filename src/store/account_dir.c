/* One ACME account per CA (issue 14 item 6): STATE/accounts/ID/ holds
 * account.key, account.url and `directory` (the CA's directory URL and EAB
 * key id, for a person), ID the first 16 hex digits of SHA-256 of
 * "URL\nKID". The files of an older acmeup, STATE/account.key and
 * STATE/account.url, are the account of the CA account.url names, or,
 * without one, of the first CA used: they move there. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define ACCOUNTS "accounts"
#define LEGACY_KEY "account.key"

/* An account URL of the CA at directory URL dir: it starts with the
 * directory URL's parent ("https://ca/acme/p1/directory" ->
 * "https://ca/acme/p1/"), as RFC 8555 CAs lay them out; compared without
 * case. */
static int
same_ca(const char *account, const char *dir)
{
	const char *slash = strrchr(dir, '/');
	size_t n;

	if (strncasecmp(dir, "https://", 8) != 0 || slash == NULL ||
	    slash < dir + 8)
		return 0;
	n = (size_t)(slash - dir) + 1;
	return strncasecmp(account, dir, n) == 0;
}

/* STATE/accounts/ID/account.key exists. */
static int
account_has_key(const char *state_dir, const char *id)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s/%s", state_dir, ACCOUNTS, id,
	         LEGACY_KEY);
	return store_exists(path) == 1;
}

int
store_account_id(const char *url, const char *kid, char *out, size_t len)
{
	uint8_t h[32];
	char *in;
	size_t n, i;
	int rc;

	if (len < 17)
		return ACMEUP_EINVAL;
	n = strlen(url) + 2 + (kid != NULL ? strlen(kid) : 0);
	in = malloc(n);
	if (in == NULL)
		return ACMEUP_ENOMEM;
	snprintf(in, n, "%s\n%s", url, kid != NULL ? kid : "");
	rc = crypto_sha256(in, strlen(in), h);
	free(in);
	for (i = 0; rc == 0 && i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return rc;
}

/* The old layout's key belongs to url: no account.url beside it, or one
 * of that CA (same_ca). */
static int
legacy_is_ours(const char *state_dir, const char *url)
{
	char *old = NULL;
	int ours;

	store_account_url_read(state_dir, &old);
	ours = old == NULL || same_ca(old, url);
	free(old);
	return ours;
}

/* Move the old layout's files from sfd to afd (same file system); the
 * key only when it is a regular file (fsafe: a link planted there is
 * refused, naming it, and stays). */
static int
legacy_move(int sfd, int afd, const char *state_dir, const char *dir)
{
	static const char *const files[] = { LEGACY_KEY, "account.key.new",
	                                     "account.url" };
	char path[4096];
	size_t i;
	int fd = -1, rc;

	snprintf(path, sizeof(path), "%s/%s", state_dir, LEGACY_KEY);
	rc = fsafe_open_read(sfd, LEGACY_KEY, path, "account key", 0, &fd);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		return rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (fsop_renameat(sfd, files[i], afd, files[i]) != 0 && errno != ENOENT)
			return acmeup_fail(ACMEUP_EIO, "cannot move %s/%s to %s: %s",
			                   state_dir, files[i], dir, strerror(errno));
	if (fsync(afd) != 0 || fsync(sfd) != 0)
		return acmeup_fail(ACMEUP_EIO, "fsync %s: %s", dir,
		                   strerror(errno));
	log_stage("account: %s/%s moved to %s (this CA's account from now on)",
	          state_dir, LEGACY_KEY, dir);
	return 0;
}

/* STATE/accounts/ID made (0700) and its `directory` file written; with
 * STORE_ACCT_ADOPT, the old layout's files moved in when they are this
 * CA's. */
static int
account_make(const char *state_dir, const char *id, const char *url,
             const char *kid, int flags, const char *dir)
{
	char top[4096], text[2300];
	int sfd = -1, afd = -1, rc, n;

	n = snprintf(top, sizeof(top), "%s/%s", state_dir, ACCOUNTS);
	if (n < 0 || (size_t)n >= sizeof(top))
		return acmeup_fail(ACMEUP_EINVAL, "state directory path too long");
	rc = store_dir_open(state_dir, NULL, "state directory", 1, 0700, &sfd);
	if (rc == 0)
		rc = store_dir_open(state_dir, ACCOUNTS, "accounts directory", 1,
		                    0700, &afd);
	if (afd >= 0)
		close(afd);
	afd = -1;
	if (rc == 0)
		rc = store_dir_open(top, id, "account directory", 1, 0700, &afd);
	if (rc == 0 && (flags & STORE_ACCT_ADOPT) &&
	    fsop_faccessat(afd, LEGACY_KEY, F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
	    fsop_faccessat(sfd, LEGACY_KEY, F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    legacy_is_ours(state_dir, url))
		rc = legacy_move(sfd, afd, state_dir, dir);
	n = snprintf(text, sizeof(text), "%s\n%s%s%s", url, kid != NULL ?
	             "eab-kid " : "", kid != NULL ? kid : "", kid != NULL ?
	             "\n" : "");
	if (rc == 0 && n > 0 && (size_t)n < sizeof(text) &&
	    fsop_faccessat(afd, "directory", F_OK, AT_SYMLINK_NOFOLLOW) != 0)
		rc = store_write_at(afd, dir, "directory", text, (size_t)n, 0644);
	if (sfd >= 0)
		close(sfd);
	if (afd >= 0)
		close(afd);
	return rc;
}

/* Does account directory top/id name url (any when NULL) in its
 * `directory` file, read as hostile? */
static int
names_ca(const char *top, const char *id, const char *url)
{
	char dpath[4096], *text = NULL, *nl;
	size_t n = 0;
	int sub = -1, ours = 0;

	snprintf(dpath, sizeof(dpath), "%s/%s", top, id);
	if (store_dir_open(top, id, "account directory", 0, 0700, &sub) != 0) {
		acmeup_err_clear();
		return 0;
	}
	if (store_read_at(sub, dpath, "directory", "account directory file",
	                  0, 4096, &text, &n) == 0) {
		nl = strchr(text, '\n');
		if (nl != NULL)
			*nl = '\0';
		ours = url == NULL || strcmp(text, url) == 0;
	}
	acmeup_err_clear();
	free(text);
	close(sub);
	return ours;
}

/* The accounts of STATE/accounts for url (any CA when NULL): how many,
 * the first one's ID into id (17 octets). */
static size_t
accounts_of(const char *state_dir, const char *url, char *id)
{
	char top[4096];
	struct dirent *d;
	size_t count = 0;
	DIR *dir;
	int fd = -1;

	snprintf(top, sizeof(top), "%s/%s", state_dir, ACCOUNTS);
	if (store_dir_open(state_dir, ACCOUNTS, "accounts directory", 0, 0700,
	                   &fd) != 0) {
		acmeup_err_clear();
		return 0;
	}
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strlen(d->d_name) != 16 ||
		    strspn(d->d_name, "0123456789abcdef") != 16 ||
		    !names_ca(top, d->d_name, url))
			continue;
		if (count++ == 0)
			memcpy(id, d->d_name, 17);
	}
	closedir(dir);
	return count;
}

int
store_account_dir(const char *state_dir, const char *url, const char *kid,
                  int flags, char *out, size_t len)
{
	char id[17], found[17];
	int rc, n;

	/* no CA named (reading): the one account there is, else the old
	 * layout's files */
	if (url == NULL && accounts_of(state_dir, NULL, found) == 1)
		return snprintf(out, len, "%s/%s/%s", state_dir, ACCOUNTS, found) <
		       (int)len ? 0 : ACMEUP_EINVAL;
	if (url == NULL)
		return snprintf(out, len, "%s", state_dir) < (int)len ? 0 :
		       acmeup_fail(ACMEUP_EINVAL, "state directory path too long");
	rc = store_account_id(url, kid, id, sizeof(id));
	if (rc < 0)
		return rc;
	/* no EAB key id given: the CA's one account made with one */
	if (kid == NULL && !account_has_key(state_dir, id) &&
	    accounts_of(state_dir, url, found) == 1)
		memcpy(id, found, sizeof(id));
	n = snprintf(out, len, "%s/%s/%s", state_dir, ACCOUNTS, id);
	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EINVAL, "state directory path too long");
	if (flags & STORE_ACCT_MAKE)
		return account_make(state_dir, id, url, kid, flags, out);
	/* reading only: the old layout stands in while it is this CA's */
	if (store_exists(out) != 1 && legacy_is_ours(state_dir, url))
		return snprintf(out, len, "%s", state_dir) < (int)len ? 0 :
		       ACMEUP_EINVAL;
	return 0;
}
