/* What the keys process opens before its first signature (then it seals:
 * another user, the seccomp filter): the account key, and the TSIG keys
 * that the journals of dead runs name, so that the network process never
 * opens a key file, not even to clean up after a run killed mid-way. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/account_key.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/journal.h"
#include "acmeup/log.h"
#include "priv_internal.h"
#include "tsig.h"

#define KEYFILE_MAX (1024 * 1024) /* tsig_key_parse()'s own limit */

/* A state directory from a request: NUL-free, shorter than PATH_MAX. */
static int
get_dir(const struct priv_field *f, char dir[PATH_MAX])
{
	if (f->len == 0 || f->len >= PATH_MAX ||
	    memchr(f->data, 0, f->len) != NULL)
		return -1;
	memcpy(dir, f->data, f->len);
	dir[f->len] = '\0';
	return 0;
}

/* key kept as account key id nacct, its public key the answer to type. */
static int
account_reply(struct priv_keys *k, unsigned type, struct crypto_key *key)
{
	uint8_t *der = NULL;
	size_t len = 0;
	int rc = crypto_key_public_der(key, &der, &len);

	if (rc != 0) {
		crypto_key_free(key);
		return rc;
	}
	priv_buf_start(&k->out, PRIV_REPLY | type);
	priv_put_num(&k->out, k->t->nacct);
	priv_put_bytes(&k->out, der, len);
	k->t->acct[k->t->nacct++] = key;
	free(der);
	return 0;
}

/* An account key request's directory and key type (f[0], f[1]), checked,
 * with room for one more key. */
static int
account_req(const struct priv_keys *k, const struct priv_msg *m,
            char dir[PATH_MAX])
{
	if (k->t->nacct == PRIV_ACCOUNTS_MAX || m->f[1].num > 4 ||
	    get_dir(&m->f[0], dir) != 0)
		return acmeup_fail(ACMEUP_EINVAL, "account key request refused");
	return 0;
}

/* account_key_open in this process: the private key stays here. */
int
priv_load_account(struct priv_keys *k, const struct priv_msg *m)
{
	struct crypto_key *key = NULL;
	char dir[PATH_MAX];
	int rc;

	if ((rc = account_req(k, m, dir)) != 0)
		return rc;
	rc = account_key_open(dir, (enum crypto_key_type)m->f[1].num,
	                      m->f[2].num != 0, &key, NULL);
	return rc == 0 ? account_reply(k, PRIV_ACCOUNT_OPEN, key) : rc;
}

/* A rollover's new key (RFC 8555 7.3.5), made and staged in
 * dir/account.key.new here; the main process renames it once the CA has
 * switched. */
int
priv_stage_account(struct priv_keys *k, const struct priv_msg *m)
{
	struct crypto_key *key = NULL;
	char dir[PATH_MAX];
	int rc;

	if ((rc = account_req(k, m, dir)) != 0)
		return rc;
	rc = crypto_key_generate((enum crypto_key_type)m->f[1].num, &key);
	if (rc == 0)
		rc = account_key_stage(dir, key);
	if (rc != 0) {
		crypto_key_free(key);
		return rc;
	}
	return account_reply(k, PRIV_ACCOUNT_STAGE, key);
}

/* A private key file (PEM; revoke --cert-key), read here, kept for JWS
 * signing: the main process gets its public key alone. */
int
priv_load_keyfile(struct priv_keys *k, const struct priv_msg *m)
{
	struct crypto_key *key = NULL;
	char path[PATH_MAX], *pem = NULL;
	size_t len = 0;
	int rc;

	if (k->t->nacct == PRIV_ACCOUNTS_MAX || get_dir(&m->f[0], path) != 0)
		return acmeup_fail(ACMEUP_EINVAL, "key file request refused");
	rc = fsafe_read(path, "certificate key", FSAFE_FOLLOW, KEYFILE_MAX, &pem,
	                &len);
	if (rc == 0)
		rc = crypto_key_from_pem(pem, len, &key);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
	return rc == 0 ? account_reply(k, PRIV_KEY_LOAD, key) : rc;
}

/* The key name@file, checked as dns_key_file_load does (fsafe: owner,
 * mode, no link), into *out; logged when it cannot be. */
static int
load_key(const char *file, const char *name, struct tsig_key **out)
{
	char *text = NULL, err[512] = "";
	size_t len = 0;
	int trc;

	if (fsafe_read(file, "TSIG key file", FSAFE_STRICT, KEYFILE_MAX,
	    &text, &len) != 0) {
		log_warn("dns: key %s from %s: %s", name, file,
		         acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
		return -1;
	}
	trc = tsig_key_parse(text, len, file, name, out, err, sizeof(err));
	explicit_bzero(text, len);
	free(text);
	if (trc != 0)
		log_warn("dns: key %s from %s: %s", name, file,
		         err[0] != '\0' ? err : tsig_strerror(trc));
	return trc != 0 ? -1 : 0;
}

/* 1 when file/name was listed already (in list[0..len)). */
static int
listed(const char *list, size_t len, const char *file, const char *name)
{
	size_t i = 0, f, n;

	while (i < len) { /* triples: file, name, algorithm */
		f = strlen(list + i) + 1;
		n = strlen(list + i + f) + 1;
		if (strcmp(list + i, file) == 0 &&
		    strcmp(list + i + f, name) == 0)
			return 1;
		i += f + n + strlen(list + i + f + n) + 1;
	}
	return 0;
}

/* Append "file\0name\0algorithm\0" to *list. */
static int
list_add(char **list, size_t *len, const char *file,
         const struct tsig_key *key)
{
	const char *parts[3] = { file, tsig_key_name(key),
	                         tsig_key_algorithm(key) };
	size_t i, add = 0;
	char *p;

	for (i = 0; i < 3; i++)
		add += strlen(parts[i]) + 1;
	p = realloc(*list, *len + add);
	if (p == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < 3; i++) {
		memcpy(p + *len, parts[i], strlen(parts[i]) + 1);
		*len += strlen(parts[i]) + 1;
	}
	*list = p;
	return 0;
}

/* The keys one journal file names (read as text: its lock is the
 * recovery's business, later). */
static int
journal_keys(struct priv_keys *k, const char *path, char **list,
             size_t *len)
{
	struct journal_rec *recs = NULL;
	struct tsig_key *key;
	size_t n = 0, i;
	int rc = journal_peek(path, &recs, &n);

	for (i = 0; rc == 0 && i < n; i++) {
		/* "-": a -y key; "gss:KEYTAB": GSS-TSIG, no key file */
		if (strcmp(recs[i].key_file, "-") == 0 ||
		    strncmp(recs[i].key_file, "gss:", 4) == 0 ||
		    listed(*list, *len, recs[i].key_file, recs[i].key_name) ||
		    k->t->ntsig == k->t->tsig_cap ||
		    load_key(recs[i].key_file, recs[i].key_name, &key) != 0)
			continue;
		rc = list_add(list, len, recs[i].key_file, key);
		if (rc == 0)
			k->t->tsig[k->t->ntsig++] = key;
		else
			tsig_key_free(key);
	}
	journal_recs_free(recs, n);
	return rc;
}

int
priv_load_journal_keys(struct priv_keys *k, const struct priv_msg *m)
{
	char dir[PATH_MAX], **paths = NULL, *list = NULL;
	size_t n = 0, i, len = 0;
	int rc;

	if (get_dir(&m->f[0], dir) != 0)
		return acmeup_fail(ACMEUP_EINVAL, "journal keys request refused");
	rc = journal_list(dir, &paths, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = journal_keys(k, paths[i], &list, &len);
		if (rc != 0 && rc != ACMEUP_ENOMEM) {
			/* gone meanwhile, or bad: the recovery says so */
			log_debug("privsep: %s", acmeup_errmsg(rc));
			acmeup_err_clear();
			rc = 0;
		}
	}
	journal_paths_free(paths, n);
	if (rc == 0) {
		priv_buf_start(&k->out, PRIV_REPLY | PRIV_JOURNAL_KEYS);
		priv_put_bytes(&k->out, list, len);
	}
	free(list);
	return rc;
}
