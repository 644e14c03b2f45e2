/* Remembered certificates (issue 14 item 2): STATE/certs/NAME.rec, one
 * per certificate issued with -d, so that list and renew find it later.
 * Lines "KEY VALUE": name, domain (repeated), out, key-type, server,
 * deploy-hook, key-owner, key-group, key-mode (numbers). Written
 * atomically (store_write_at); read as hostile input: no symbolic link,
 * owner and mode checked, size and lines bounded, every byte printable,
 * unknown keys refused. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
#include "acmeup/log.h"
#include "acmeup/store.h"
#include "store_internal.h"

#define REC_DIR "certs"
#define REC_SUFFIX ".rec"
#define REC_MAX 16384
#define REC_FILES_MAX 100000
#define REC_DOMAINS_MAX 100

/* A value fits on one line: printable bytes (UTF-8 allowed), no control
 * character. */
static int
value_ok(const char *v)
{
	const unsigned char *p;

	if (v == NULL || *v == '\0')
		return 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int
put(char *buf, size_t size, size_t *used, const char *key, const char *v)
{
	int n;

	if (v == NULL)
		return 0;
	if (!value_ok(v))
		return acmeup_fail(ACMEUP_EINVAL, "record: %s '%s' cannot be "
		    "kept on one line", key, v);
	n = snprintf(buf + *used, size - *used, "%s %s\n", key, v);
	if (n < 0 || (size_t)n >= size - *used)
		return acmeup_fail(ACMEUP_EINVAL, "record: longer than %d "
		    "bytes", REC_MAX);
	*used += (size_t)n;
	return 0;
}

static int
open_dir(const char *state_dir, int create, int *fd)
{
	char path[4096];
	int top = -1, rc;

	snprintf(path, sizeof(path), "%s/" REC_DIR, state_dir);
	rc = fsafe_open_top(state_dir, "state directory", create, 0700, &top);
	if (rc == 0)
		rc = fsafe_open_sub(top, REC_DIR, path, "certificate records",
		    create, 0700, fd, NULL);
	if (top >= 0)
		close(top);
	return rc;
}

int
store_cert_record_write(const char *state_dir,
                        const struct store_cert_record *r)
{
	char *buf = malloc(REC_MAX), name[300], path[4096];
	size_t used = 0, i;
	int fd = -1, rc;

	if (buf == NULL)
		return ACMEUP_ENOMEM;
	rc = put(buf, REC_MAX, &used, "name", r->name);
	for (i = 0; rc == 0 && i < r->n_domains; i++)
		rc = put(buf, REC_MAX, &used, "domain", r->domains[i]);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "out", r->out_dir);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "key-type", r->key_type);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "server", r->server);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "deploy-hook", r->deploy_hook);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "key-owner", r->key_owner);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "key-group", r->key_group);
	if (rc == 0)
		rc = put(buf, REC_MAX, &used, "key-mode", r->key_mode);
	if (rc == 0 && (strchr(r->name, '/') != NULL || r->name[0] == '.' ||
	    snprintf(name, sizeof(name), "%s" REC_SUFFIX, r->name) >=
	    (int)sizeof(name)))
		rc = acmeup_fail(ACMEUP_EINVAL, "record: bad name '%s'",
		    r->name);
	if (rc == 0)
		rc = open_dir(state_dir, 1, &fd);
	snprintf(path, sizeof(path), "%s/" REC_DIR, state_dir);
	if (rc == 0)
		rc = store_write_at(fd, path, name, buf, used, 0600);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* STATE/certs/NAME.revoked: the RFC 9773 certificate ID revoked. */
static int
revoked_file(const char *name, char *file, size_t len)
{
	int n = snprintf(file, len, "%s.revoked", name);

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0' ||
	    n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EINVAL, "record: bad name '%s'", name);
	return 0;
}

int
store_cert_revoked_note(const char *state_dir, const char *name,
                        const char *cert_id)
{
	char file[300], path[4096], line[512];
	int fd = -1, rc, n;

	n = snprintf(line, sizeof(line), "%s\n", cert_id);
	rc = n < 0 || (size_t)n >= sizeof(line) ? acmeup_fail(ACMEUP_EINVAL,
	    "revoked: certificate ID too long") : revoked_file(name, file,
	    sizeof(file));
	if (rc == 0)
		rc = open_dir(state_dir, 1, &fd);
	snprintf(path, sizeof(path), "%s/" REC_DIR, state_dir);
	if (rc == 0)
		rc = store_write_at(fd, path, file, line, (size_t)n, 0600);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
store_cert_revoked_is(const char *state_dir, const char *name,
                      const char *cert_id)
{
	char file[300], path[4096], *data = NULL;
	size_t len = 0;
	int fd = -1, yes = 0;

	if (cert_id == NULL || revoked_file(name, file, sizeof(file)) != 0 ||
	    open_dir(state_dir, 0, &fd) != 0) {
		acmeup_err_clear();
		return 0;
	}
	snprintf(path, sizeof(path), "%s/" REC_DIR, state_dir);
	if (fsafe_exists_at(fd, file, path) == 1 && store_read_at(fd, path,
	    file, "revocation note", 0, 512, &data, &len) == 0) {
		while (len > 0 && data[len - 1] == '\n')
			data[--len] = '\0';
		yes = strcmp(data, cert_id) == 0;
	}
	acmeup_err_clear(); /* a note that cannot be read says nothing */
	free(data);
	close(fd);
	return yes;
}

int
store_cert_record_remove(const char *state_dir, const char *name)
{
	char file[300];
	int fd = -1, rc, n;

	n = snprintf(file, sizeof(file), "%s" REC_SUFFIX, name);
	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0' ||
	    n < 0 || (size_t)n >= sizeof(file))
		return acmeup_fail(ACMEUP_EUSAGE, "forget: '%s' is no "
		    "certificate name", name);
	rc = open_dir(state_dir, 0, &fd);
	if (rc == 0 && fsop_unlinkat(fd, file, 0) != 0)
		rc = errno == ENOENT ? acmeup_fail(ACMEUP_EUSAGE, "forget: no "
		    "remembered certificate %s (%s/" REC_DIR "/%s)", name,
		    state_dir, file) : acmeup_fail(ACMEUP_EIO, "forget: %s/"
		    REC_DIR "/%s: %s", state_dir, file, strerror(errno));
	if (rc == 0 && fsync(fd) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "forget: %s/" REC_DIR ": %s",
		    state_dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

void
store_cert_record_clear(struct store_cert_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_domains; i++)
		free(r->domains[i]);
	free(r->domains);
	free(r->name);
	free(r->out_dir);
	free(r->key_type);
	free(r->server);
	free(r->deploy_hook);
	free(r->key_owner);
	free(r->key_group);
	free(r->key_mode);
	memset(r, 0, sizeof(*r));
}

/* One "KEY VALUE" line into r. */
static int
parse_line(char *line, struct store_cert_record *r)
{
	static const char *const keys[] = { "name", "out", "key-type",
	    "server", "deploy-hook", "key-owner", "key-group", "key-mode" };
	char **slot[] = { &r->name, &r->out_dir, &r->key_type, &r->server,
	    &r->deploy_hook, &r->key_owner, &r->key_group, &r->key_mode };
	char *sp = strchr(line, ' '), *v, **d;
	size_t i;

	if (sp == NULL || !value_ok(sp + 1))
		return -1;
	*sp = '\0';
	v = strdup(sp + 1);
	if (v == NULL)
		return -1;
	if (strcmp(line, "domain") == 0 && r->n_domains < REC_DOMAINS_MAX) {
		d = realloc(r->domains, (r->n_domains + 1) * sizeof(*d));
		if (d == NULL) {
			free(v);
			return -1;
		}
		r->domains = d;
		r->domains[r->n_domains++] = v;
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(line, keys[i]) == 0 && *slot[i] == NULL) {
			*slot[i] = v;
			return 0;
		}
	free(v);
	return -1;
}

/* text (len bytes, NUL-terminated) as a record named file. */
static int
parse_record(char *text, size_t len, const char *file,
             struct store_cert_record *r)
{
	char *line = text, *nl;
	size_t n;

	if (strlen(text) != len || len == 0 || text[len - 1] != '\n')
		return -1;
	for (; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (parse_line(line, r) != 0)
			return -1;
	}
	n = strlen(file) - strlen(REC_SUFFIX);
	if (r->name == NULL || r->out_dir == NULL || r->n_domains == 0 ||
	    strlen(r->name) != n || strncmp(r->name, file, n) != 0)
		return -1;
	return 0;
}

/* name under dfd, if it is a good record, appended to *v. */
static int
load_one(int dfd, const char *dpath, const char *name,
         struct store_cert_record **v, size_t *n)
{
	struct store_cert_record r, *grown;
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = store_read_at(dfd, dpath, name, "certificate record",
	    FSAFE_STRICT, REC_MAX, &text, &len);
	if (rc == 0 && parse_record(text, len, name, &r) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "%s/%s: not a certificate record "
		    "of acmeup", dpath, name);
	free(text);
	if (rc == 0) {
		grown = realloc(*v, (*n + 1) * sizeof(**v));
		if (grown == NULL) {
			store_cert_record_clear(&r);
			return ACMEUP_ENOMEM;
		}
		*v = grown;
		(*v)[(*n)++] = r;
		return 0;
	}
	store_cert_record_clear(&r);
	log_warn("store: %s; ignored", acmeup_errmsg(rc));
	acmeup_err_clear();
	return 0;
}

static int
has_suffix(const char *s)
{
	size_t n = strlen(s), k = strlen(REC_SUFFIX);

	return s[0] != '.' && n > k && strcmp(s + n - k, REC_SUFFIX) == 0;
}

int
store_cert_records_load(const char *state_dir,
                        struct store_cert_record **out, size_t *n)
{
	char path[4096];
	struct dirent *de;
	DIR *dir = NULL;
	int fd = -1, rc = 0;
	size_t seen = 0;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/" REC_DIR, state_dir);
	if (fsafe_exists_at(AT_FDCWD, path, path) != 1) {
		acmeup_err_clear();
		return 0;
	}
	rc = open_dir(state_dir, 0, &fd);
	if (rc == 0) {
		dir = fdopendir(fd);
		if (dir == NULL)
			rc = acmeup_fail(ACMEUP_EIO, "cannot read %s: %s", path,
			    strerror(errno));
	}
	for (de = dir != NULL ? readdir(dir) : NULL; rc == 0 && de != NULL;
	    de = readdir(dir)) {
		if (!has_suffix(de->d_name))
			continue;
		if (++seen > REC_FILES_MAX)
			break;
		rc = load_one(dirfd(dir), path, de->d_name, out, n);
	}
	if (dir != NULL)
		closedir(dir);
	else if (fd >= 0)
		close(fd);
	return rc;
}

void
store_cert_records_free(struct store_cert_record *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		store_cert_record_clear(&v[i]);
	free(v);
}
