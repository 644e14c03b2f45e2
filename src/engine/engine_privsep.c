/* The keys process for issue and renew (priv.h): started once every key is
 * loaded and before any network code, so that this process, which talks to
 * the CA and the DNS servers, holds no TSIG secret and no account key. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/account_key.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "acmeup/priv_gss.h"
#include "acmeup/store.h"
#include "engine_internal.h"

#define CA_BUNDLE_MAX (16 * 1024 * 1024)

int
engine_privsep_start(struct dns_ctx *dns, const char *state_dir, int sandbox)
{
	struct tsig_key *key;
	const char *file;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && dns != NULL &&
	    dns_ctx_key_at(dns, i, &key, &file) == 0; i++)
		if (key != NULL)
			rc = priv_keys_add_tsig(key, file);
	if (rc == 0)
		rc = priv_keys_start(sandbox);
	if (rc != 0)
		return rc;
	log_debug("privsep: keys process %ld holds the keys; this process "
	          "%ld none", priv_keys_pid(), (long)getpid());
	if (sandbox) /* dead runs' GSS-TSIG records: before confinement */
		dns_journals_gss(state_dir);
	return 0; /* this process's filter: at priv_keys_settle() */
}

/* The directories this process writes, made when missing (Landlock rules
 * need them), into rw (state_dir first). How many, or negative. */
static int
write_dirs(const struct engine_config *cfg, const char **rw)
{
	size_t i, n = 0;
	int fd, rc;

	rw[n++] = cfg->state_dir;
	if (store_dir_open(cfg->state_dir, NULL, "state directory", 1, 0700,
	    &fd) == 0)
		close(fd);
	else
		acmeup_err_clear(); /* said where it is used */
	for (i = 0; i < cfg->n_write_dirs; i++) {
		rc = store_dir_open(cfg->write_dirs[i], NULL, "output directory",
		    1, 0755, &fd);
		if (rc != 0)
			return rc;
		close(fd);
		rw[n++] = cfg->write_dirs[i];
	}
	return (int)n;
}

/* The CA bundle (read as root) copied into a memory file, which the other
 * user can open as ca ("/proc/self/fd/N", kept open for the run). */
static int
ca_copy(const char *path, char *ca, size_t len)
{
	char *data = NULL;
	size_t n = 0;
	int fd, rc;

	if (path == NULL)
		return 0; /* the system's, readable by all */
	rc = store_read(path, CA_BUNDLE_MAX, &data, &n);
	if (rc != 0)
		return acmeup_err_context(rc, "--ca-bundle");
	fd = memfd_create("acmeup-ca-bundle", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		rc = acmeup_fail(ACMEUP_EIO, "--ca-bundle %s: a copy in "
		    "memory: %s", path, strerror(errno));
	free(data);
	if (rc != 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	snprintf(ca, len, "/proc/self/fd/%d", fd);
	return 0;
}

/* As root: this process becomes acmeup or nobody. 1 when it did, 0 when
 * it stays root (said). */
static int
drop_root(void)
{
	long uid;

	if (priv_main_become(&uid) != 0) {
		log_stage("%s", acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
		return 0;
	}
	log_debug("privsep: this process is uid %ld now", uid);
	return 1;
}

int
engine_confine_start(const struct engine_config *cfg, struct confinement *c)
{
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (!cfg->confine || cfg->no_sandbox)
		return 0;
	c->rw = calloc(cfg->n_write_dirs + 1, sizeof(*c->rw));
	if (c->rw == NULL)
		return ACMEUP_ENOMEM;
	c->n = write_dirs(cfg, c->rw);
	if (c->n < 0) {
		rc = c->n;
		engine_confine_clear(c);
		return rc;
	}
	c->on = 1;
	if (geteuid() != 0)
		return 0;
	rc = ca_copy(cfg->ca_bundle, c->ca, sizeof(c->ca));
	if (rc == 0)
		rc = priv_files_start(c->rw, (size_t)c->n);
	c->files = rc == 0;
	return rc;
}

int
engine_confine(const struct engine_config *cfg, struct confinement *c)
{
	const char *ro;
	int dropped;

	if (!c->on)
		return 0;
	priv_gss_seal(); /* Kerberos is the Kerberos process's from now on */
	dropped = c->files && drop_root();
	/* Given up root, this process writes nothing itself. */
	ro = dropped ? NULL : cfg->ca_bundle; /* else a copy, in c->ca */
	if (priv_landlock(c->rw, dropped ? 0 : (size_t)c->n, &ro, 1) != 0) {
		log_stage("%s", acmeup_errmsg(ACMEUP_EIO)); /* said once */
		acmeup_err_clear();
	}
	free(c->rw); /* the files process has its own copy */
	c->rw = NULL;
	return 0;
}

int
engine_accounts_opened(const struct engine_config *cfg, struct confinement *c)
{
	int rc;

	priv_keys_settle(); /* no TSIG secret here from now on */
	priv_files_use(); /* its writes: the locks taken here, as root */
	if (priv_journal_keys(cfg->state_dir) != 0) {
		log_warn("%s", acmeup_errmsg(ACMEUP_EIO)); /* cleanup may fail */
		acmeup_err_clear();
	}
	rc = engine_confine(cfg, c);
	if (rc == 0)
		engine_test_probe();
	return rc;
}

void
engine_confine_clear(struct confinement *c)
{
	free(c->rw);
	c->rw = NULL;
}

int
engine_keys_confine(const char *state_dir, const char *ca_bundle,
                    int sandbox, char *ca, size_t ca_len)
{
	struct engine_config cfg = { .state_dir = state_dir, .confine = 1,
	                             .ca_bundle = ca_bundle,
	                             .no_sandbox = !sandbox };
	struct confinement c;
	int rc = engine_confine_start(&cfg, &c);

	priv_files_use();
	if (rc == 0)
		rc = engine_confine(&cfg, &c);
	engine_confine_clear(&c);
	if (rc == 0 && ca != NULL)
		snprintf(ca, ca_len, "%s", c.ca);
	if (rc == 0)
		engine_test_probe();
	return rc;
}

#ifdef ACMEUP_TEST_HOOKS
/* The test build only: ACMEUP_TEST_EXEC=PATH run in a child (its errno as
 * the exit status). */
static int
probe_exec(const char *path)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(errno > 0 && errno < 126 ? errno : 126);
	}
	if (pid < 0)
		return errno;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
engine_test_probe(void)
{
	const char *p = getenv("ACMEUP_TEST_OPEN");
	int fd, err;

	if (p != NULL) {
		fd = open(p, O_RDONLY | O_CLOEXEC);
		log_stage("test: open %s: %s", p, fd >= 0 ? "done" :
		    strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	p = getenv("ACMEUP_TEST_EXEC");
	if (p != NULL) {
		err = probe_exec(p);
		log_stage("test: exec %s: %s", p, err == 0 ? "done" :
		    err < 0 ? "killed" : strerror(err));
	}
}
#else
void
engine_test_probe(void)
{
}
#endif

int
engine_privsep_died(void)
{
	return priv_keys_died(NULL, 0) || priv_files_died(NULL, 0) ||
	    priv_gss_died(NULL, 0);
}

/* rc, or, when the files process has died, ACMEUP_EIO naming it: nothing
 * could be stored, so the run stops before the CA validates or issues. */
static int
files_check(int rc)
{
	char msg[200];

	if (!priv_files_died(msg, sizeof(msg)))
		return rc;
	acmeup_err_clear(); /* the death is the run's failure */
	return acmeup_fail(ACMEUP_EIO, "%s; run stopped", msg);
}

int
engine_privsep_check(int rc)
{
	char msg[200];

	if (priv_gss_died(msg, sizeof(msg))) { /* the standby removes */
		acmeup_err_clear();
		return acmeup_fail(ACMEUP_ETSIG, "%s; run stopped", msg);
	}
	if (!priv_keys_died(msg, sizeof(msg)))
		return files_check(rc);
	acmeup_err_clear(); /* the death is the run's failure */
	return acmeup_fail(ACMEUP_ECRYPTO, "%s; run stopped", msg);
}

int
engine_keys_start(struct dns_ctx *dns, const char *state_dir, int sandbox)
{
	int rc = engine_privsep_start(dns, state_dir, sandbox);

	priv_keys_settle(); /* no TSIG secret here from now on */
	if (rc == 0 && state_dir != NULL && priv_journal_keys(state_dir) != 0) {
		log_warn("%s", acmeup_errmsg(ACMEUP_EIO)); /* the keys given */
		acmeup_err_clear();
	}
	return rc;
}

void
engine_keys_stop(void)
{
	priv_keys_stop();
}

int
engine_keys_load(const char *path, struct crypto_key **out)
{
	return priv_key_load(path, out);
}

int
engine_keys_account_stage(const char *dir, int type, struct crypto_key **out)
{
	return priv_account_stage(dir, (enum crypto_key_type)type, out);
}

int
engine_keys_account(const char *dir, int type, int type_given,
                    int keep_exclusive, struct crypto_key **out,
                    struct lock **lock)
{
	if (lock == NULL)
		return priv_account_open(dir, (enum crypto_key_type)type,
		                         type_given, out);
	return account_key_open_locked_by(dir, (enum crypto_key_type)type,
	    type_given, keep_exclusive, priv_account_open, out, lock);
}
