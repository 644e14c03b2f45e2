/* A certificate's files, installed so that neither a failure nor a crash
 * loses the working key/certificate pair (store.h store_cert_commit).
 *
 * A commit, step by step:
 * 1. stage: every new file goes to a temp file DIR/.NAME.XXXXXX (mkstemp,
 *    fchmod before the first byte, write, fsync). A read-only or full disk
 *    shows here, before anything a server reads has changed.
 * 2. previous: the live files are hard-linked (copied where the file system
 *    has no links) into a fresh DIR/.previous.XXXXXX, synced, which then
 *    takes the place of DIR/previous in one renameat2(RENAME_EXCHANGE):
 *    previous/ is always one whole earlier version, never a mix.
 * 3. journal: DIR/.acmeup-commit lists "TEMP LIVE" for each staged file,
 *    written with store_write() (temp, fsync, rename, fsync DIR, which
 *    makes the temps' names durable too). Its existence is the commit
 *    point: a failure before it removes the temps and leaves every live
 *    file as it was.
 * 4. install: each temp is renamed over its live name, DIR is synced, the
 *    journal removed.
 *
 * Four renames cannot be one atomic step. After a crash (or power loss:
 * the renames reach the disk in order, the journal before all of them)
 * between two of them the journal is still there, and store_cert_recover()
 * -- run by the next acmeup before it looks at the files, and first thing
 * by every commit -- finishes the renames: the directory rolls forward to
 * the complete new version. Until then the rename order limits the damage
 * when the key changed. Servers read privkey+fullchain (nginx, HAProxy,
 * Postfix) or privkey+cert+chain (older Apache); renaming cert, privkey,
 * fullchain, chain in that order breaks at most one of the two pairs at
 * any moment, each for one rename:
 *   after cert.pem:      privkey+cert mismatched, privkey+fullchain old+old
 *   after privkey.pem:   privkey+cert new+new, privkey+fullchain mismatched
 *   after fullchain.pem: both pairs new; chain.pem old, which differs only
 *                        when the CA changed its intermediate
 * Renaming privkey.pem first or last would break both pairs at once. With
 * a reused key every intermediate state is a matching pair.
 *
 * --csr (key_pem NULL): the key is the user's. No privkey.pem is written
 * and an existing one is left alone -- it may be the very key the CSR was
 * made from; a warning says so when it does not match the new certificate.
 * previous/ is a snapshot of whatever live files there were.
 *
 * The caller holds the certificate's lock (lock.h): two commits on one
 * directory at once would remove each other's temp files.
 */
#define _GNU_SOURCE /* renameat2(), RENAME_EXCHANGE */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/store.h"
#include "store_internal.h"

#define JOURNAL_NAME ".acmeup-commit"
#define PREVIOUS "previous"
#define PREVIOUS_TMP ".previous."
#define KEY_MAX 65536
#define UNCHANGED "; the live certificate files are unchanged"

void (*store_cert_step_hook)(const char *step);

/* The files, in the order they replace the live ones (see above). */
enum { F_CERT, F_KEY, F_FULLCHAIN, F_CHAIN, N_FILES };
static const struct {
	const char *name;
	mode_t mode;
} files[N_FILES] = {
	[F_CERT] = { "cert.pem", 0644 },
	[F_KEY] = { "privkey.pem", 0600 },
	[F_FULLCHAIN] = { "fullchain.pem", 0644 },
	[F_CHAIN] = { "chain.pem", 0644 },
};

/* Base names of the staged temp files; "" where nothing is staged. */
struct staged {
	char tmp[N_FILES][64];
};

static void
step(const char *what)
{
	if (store_cert_step_hook != NULL)
		store_cert_step_hook(what);
}

static int
join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s", dir,
		    name);
	return 0;
}

/* name is prefix followed by exactly six more characters (mkstemp's). */
static int
is_temp_of(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && strlen(name) == n + 6 &&
	    strchr(name + n, '/') == NULL;
}

/* A temp file name a commit of ours made: ".cert.pem.XXXXXX", ... */
static int
is_staged_name(const char *name, const char **live)
{
	char prefix[32];
	int i;

	for (i = 0; i < N_FILES; i++) {
		snprintf(prefix, sizeof(prefix), ".%s.", files[i].name);
		if (is_temp_of(name, prefix)) {
			if (live != NULL)
				*live = files[i].name;
			return 1;
		}
	}
	return 0;
}

/* Remove the files in dir (one level: we never make subdirectories), then
 * dir. Best effort: what cannot be removed is reported and left. */
static void
remove_dir_flat(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	for (de = readdir(d); de != NULL; de = readdir(d)) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) != 0)
			log_warn("store: cannot remove %s/%s: %s", dir,
			    de->d_name, strerror(errno));
	}
	closedir(d);
	if (rmdir(dir) != 0)
		log_warn("store: cannot remove %s: %s", dir, strerror(errno));
}

/* Leftovers of a commit that died before its journal: staged temps, a
 * half-built .previous.XXXXXX, a journal's own temp. Best effort. */
static void
remove_strays(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	for (de = readdir(d); de != NULL; de = readdir(d)) {
		if (join(path, sizeof(path), dir, de->d_name) != 0)
			continue;
		if (is_temp_of(de->d_name, PREVIOUS_TMP)) {
			log_debug("store: removing %s, left by an earlier run",
			    path);
			remove_dir_flat(path);
		} else if (is_staged_name(de->d_name, NULL) ||
		    is_temp_of(de->d_name, JOURNAL_NAME ".")) {
			log_debug("store: removing %s, left by an earlier run",
			    path);
			if (unlink(path) != 0)
				log_warn("store: cannot remove %s: %s", path,
				    strerror(errno));
		}
	}
	closedir(d);
}

/* One journal line "TEMP LIVE": rename TEMP over LIVE unless that was
 * done already (TEMP gone). line is modified. */
static int
redo_line(const char *dir, const char *jpath, char *line, unsigned lineno)
{
	char tmp[PATH_MAX], live[PATH_MAX];
	char *sp = strchr(line, ' ');
	const char *name = NULL;
	int rc;

	if (sp != NULL)
		*sp = '\0';
	if (sp == NULL || !is_staged_name(line, &name) ||
	    strcmp(sp + 1, name) != 0)
		return acmeup_fail(ACMEUP_EIO, "%s:%u: not a line acmeup "
		    "wrote; remove the file if no acmeup is running", jpath,
		    lineno);
	rc = join(tmp, sizeof(tmp), dir, line);
	if (rc == 0)
		rc = join(live, sizeof(live), dir, name);
	if (rc != 0)
		return rc;
	if (rename(tmp, live) != 0 && errno != ENOENT)
		return acmeup_fail(ACMEUP_EIO, "cannot finish an interrupted "
		    "certificate update: rename %s to %s: %s", tmp, live,
		    strerror(errno));
	return 0;
}

/* Redo the renames a journal lists, then remove it. */
static int
roll_forward(const char *dir, const char *jpath)
{
	char *text = NULL, *line, *nl;
	size_t len = 0;
	unsigned lineno = 0;
	int rc;

	rc = store_read(jpath, 4096, &text, &len);
	for (line = text; rc == 0 && line != NULL && *line != '\0';
	    line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		rc = redo_line(dir, jpath, line, ++lineno);
	}
	if (rc == 0 && store_fsync_dir(dir) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot sync directory %s: %s",
		    dir, strerror(errno));
	if (rc == 0 && unlink(jpath) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot remove %s: %s", jpath,
		    strerror(errno));
	if (rc == 0) {
		store_fsync_dir(dir);
		log_warn("store: %s: finished installing the certificate that "
		    "an interrupted run left half-installed", dir);
	}
	free(text);
	return rc;
}

int
store_cert_recover(const char *dir)
{
	char jpath[PATH_MAX];
	int rc;

	rc = join(jpath, sizeof(jpath), dir, JOURNAL_NAME);
	if (rc == 0)
		rc = store_exists(jpath);
	if (rc == 1)
		rc = roll_forward(dir, jpath);
	if (rc == 0)
		remove_strays(dir);
	return rc;
}

/* Write data to a new temp file next to live file i; its base name goes
 * to st. */
static int
stage_one(const char *dir, int i, const char *data, struct staged *st)
{
	char tmp[PATH_MAX], live[PATH_MAX];
	size_t len = strlen(data);
	int fd = -1, rc, n;

	rc = join(live, sizeof(live), dir, files[i].name);
	if (rc != 0)
		return rc;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, files[i].name);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s", live);
	fd = store_mkstemp(tmp);
	if (fd < 0)
		return store_io_fail(errno, "output directory", live,
		    UNCHANGED);
	snprintf(st->tmp[i], sizeof(st->tmp[i]), "%s", strrchr(tmp, '/') + 1);
	if (fchmod(fd, files[i].mode) != 0 ||
	    store_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		rc = store_io_fail(errno, "output directory", live, UNCHANGED);
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n != 0)
		rc = store_io_fail(errno, "output directory", live, UNCHANGED);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void
unlink_staged(const char *dir, const struct staged *st)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < N_FILES; i++) {
		if (st->tmp[i][0] == '\0')
			continue;
		if (join(path, sizeof(path), dir, st->tmp[i]) == 0)
			unlink(path);
	}
}

static int
stage_all(const char *dir, const struct cert_files *f, struct staged *st)
{
	const char *data[N_FILES];
	int i, rc = 0;

	data[F_CERT] = f->cert_pem;
	data[F_KEY] = f->key_pem;
	data[F_FULLCHAIN] = f->fullchain_pem;
	data[F_CHAIN] = f->chain_pem;
	for (i = 0; rc == 0 && i < N_FILES; i++) {
		if (data[i] != NULL)
			rc = stage_one(dir, i, data[i], st);
	}
	return rc;
}

/* Copy src to a new file dst with src's permissions, synced. */
static int
copy_file(const char *src, const char *dst)
{
	char buf[8192];
	struct stat st;
	ssize_t n = 0;
	int in, out = -1, rc = 0;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return acmeup_fail(ACMEUP_EIO, "cannot read %s: %s", src,
		    strerror(errno));
	if (fstat(in, &st) != 0)
		goto fail;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || fchmod(out, st.st_mode & 07777) != 0)
		goto fail;
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && store_write_all(out, buf, (size_t)n)))
			goto fail;
		if (n == 0)
			break;
	}
	if (fsync(out) != 0)
		goto fail;
	goto out;
fail:
	rc = store_io_fail(errno, "output directory", dst, UNCHANGED);
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

/* dst as another name of src; a copy where the file system has no hard
 * links. Live files are only ever replaced by rename, never written in
 * place, so a link keeps the old content. */
static int
link_or_copy(const char *src, const char *dst)
{
	if (link(src, dst) == 0)
		return 0;
	if (errno == EPERM || errno == EXDEV || errno == EMLINK ||
	    errno == ENOTSUP || errno == EOPNOTSUPP)
		return copy_file(src, dst);
	return store_io_fail(errno, "output directory", dst, UNCHANGED);
}

/* Put the fully built directory fresh in the place of prev. */
static int
swap_in(const char *dir, const char *fresh, const char *prev)
{
	char old[PATH_MAX];
	int n;

	if (renameat2(AT_FDCWD, fresh, AT_FDCWD, prev, RENAME_EXCHANGE) == 0) {
		remove_dir_flat(fresh); /* now the version before previous */
		return 0;
	}
	if (errno == ENOENT && rename(fresh, prev) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return store_io_fail(errno, "output directory", prev,
		    UNCHANGED);
	/* No RENAME_EXCHANGE here: move the old one aside, then rename. */
	n = snprintf(old, sizeof(old), "%s/" PREVIOUS_TMP "XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(old) || mkdtemp(old) == NULL ||
	    rename(prev, old) != 0 || rename(fresh, prev) != 0)
		return store_io_fail(errno, "output directory", prev,
		    UNCHANGED);
	remove_dir_flat(old);
	return 0;
}

/* Snapshot the live files into a fresh dir (mode of dir) under a temp
 * name; *have set when there was a certificate to keep. */
static int
build_previous(const char *dir, char *fresh, size_t size, int *have)
{
	char live[PATH_MAX], kept[PATH_MAX];
	struct stat st;
	int rc = 0, i, n;

	/* A certificate to keep: cert.pem or fullchain.pem. */
	*have = 0;
	for (i = 0; i < N_FILES; i++) {
		if (i == F_KEY || i == F_CHAIN)
			continue;
		if (join(live, sizeof(live), dir, files[i].name) == 0 &&
		    lstat(live, &st) == 0)
			*have = 1;
	}
	if (!*have)
		return 0;
	n = snprintf(fresh, size, "%s/" PREVIOUS_TMP "XXXXXX", dir);
	if (n < 0 || (size_t)n >= size)
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s", dir);
	if (mkdtemp(fresh) == NULL) {
		fresh[0] = '\0';
		return store_io_fail(errno, "output directory", dir, UNCHANGED);
	}
	if (stat(dir, &st) == 0)
		chmod(fresh, st.st_mode & 07777);
	for (i = 0; rc == 0 && i < N_FILES; i++) {
		rc = join(live, sizeof(live), dir, files[i].name);
		if (rc == 0)
			rc = join(kept, sizeof(kept), fresh, files[i].name);
		if (rc == 0 && lstat(live, &st) == 0)
			rc = link_or_copy(live, kept);
	}
	if (rc == 0 && store_fsync_dir(fresh) != 0)
		rc = store_io_fail(errno, "output directory", fresh, UNCHANGED);
	return rc;
}

/* DIR/previous/ becomes a copy of the live files, in one step. */
static int
keep_previous(const char *dir)
{
	char fresh[PATH_MAX] = "", prev[PATH_MAX];
	struct stat st;
	int rc, have = 0;

	rc = join(prev, sizeof(prev), dir, PREVIOUS);
	if (rc == 0 && lstat(prev, &st) == 0 && !S_ISDIR(st.st_mode))
		rc = acmeup_fail(ACMEUP_EIO, "%s is not a directory, so the "
		    "current certificate cannot be kept there; move it "
		    "away%s", prev, UNCHANGED);
	if (rc == 0)
		rc = build_previous(dir, fresh, sizeof(fresh), &have);
	if (rc == 0 && have)
		rc = swap_in(dir, fresh, prev);
	if (rc == 0 && have && store_fsync_dir(dir) != 0)
		rc = store_io_fail(errno, "output directory", prev, UNCHANGED);
	if (rc != 0 && fresh[0] != '\0')
		remove_dir_flat(fresh);
	return rc;
}

/* The commit point: DIR/.acmeup-commit lists what install() renames. */
static int
write_journal(const char *dir, const struct staged *st)
{
	char path[PATH_MAX], text[512];
	size_t used = 0;
	int i, n;

	for (i = 0; i < N_FILES; i++) {
		if (st->tmp[i][0] == '\0')
			continue;
		n = snprintf(text + used, sizeof(text) - used, "%s %s\n",
		    st->tmp[i], files[i].name);
		if (n < 0 || (size_t)n >= sizeof(text) - used)
			return acmeup_fail(ACMEUP_EINVAL, "journal too long");
		used += (size_t)n;
	}
	n = join(path, sizeof(path), dir, JOURNAL_NAME);
	if (n != 0)
		return n;
	return store_write(path, text, used, 0600);
}

/* Rename the staged files over the live ones in files[] order. */
static int
install(const char *dir, const struct staged *st)
{
	char tmp[PATH_MAX], live[PATH_MAX], what[64];
	int i, rc = 0;

	for (i = 0; rc == 0 && i < N_FILES; i++) {
		if (st->tmp[i][0] == '\0')
			continue;
		rc = join(tmp, sizeof(tmp), dir, st->tmp[i]);
		if (rc == 0)
			rc = join(live, sizeof(live), dir, files[i].name);
		if (rc == 0 && rename(tmp, live) != 0)
			rc = acmeup_fail(ACMEUP_EIO, "cannot rename %s to %s: "
			    "%s; the next run finishes the update (%s/"
			    JOURNAL_NAME ")", tmp, live, strerror(errno), dir);
		snprintf(what, sizeof(what), "renamed %s", files[i].name);
		if (rc == 0)
			step(what);
	}
	if (rc == 0 && store_fsync_dir(dir) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot sync directory %s: %s",
		    dir, strerror(errno));
	if (rc == 0 && join(tmp, sizeof(tmp), dir, JOURNAL_NAME) == 0 &&
	    (unlink(tmp) != 0 || store_fsync_dir(dir) != 0))
		log_warn("store: cannot remove %s: %s", tmp, strerror(errno));
	return rc;
}

/* --csr: say so when the privkey.pem left in place is not the new
 * certificate's key. Never fails the commit. */
static void
check_kept_key(const char *dir, const struct cert_files *f)
{
	char path[PATH_MAX];
	struct crypto_key *key = NULL;
	char *pem = NULL;
	size_t len = 0;

	if (join(path, sizeof(path), dir, files[F_KEY].name) != 0 ||
	    store_exists(path) != 1)
		goto out;
	if (store_read(path, KEY_MAX, &pem, &len) != 0 ||
	    crypto_key_from_pem(pem, len, &key) != 0 ||
	    crypto_cert_key_matches(f->cert_pem, strlen(f->cert_pem),
	    key) != 0)
		log_warn("store: %s is not the key of the new certificate "
		    "(issued for your CSR); it was left as it was", path);
out:
	acmeup_err_clear();
	crypto_key_free(key);
	if (pem != NULL) {
		explicit_bzero(pem, len);
		free(pem);
	}
}

int
store_cert_commit(const char *dir, const struct cert_files *f)
{
	struct staged st;
	int rc, committed = 0;

	memset(&st, 0, sizeof(st));
	if (f == NULL || f->cert_pem == NULL || f->cert_pem[0] == '\0' ||
	    f->fullchain_pem == NULL || f->fullchain_pem[0] == '\0' ||
	    f->chain_pem == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "no certificate to store in "
		    "%s", dir);
	rc = store_mkdirs(dir, 0755);
	if (rc == 0)
		rc = store_cert_recover(dir);
	if (rc == 0)
		rc = stage_all(dir, f, &st);
	if (rc != 0)
		goto out;
	step("staged");
	rc = keep_previous(dir);
	if (rc == 0)
		step("previous");
	if (rc == 0)
		rc = write_journal(dir, &st);
	if (rc != 0)
		goto out;
	committed = 1;
	step("journal");
	rc = install(dir, &st);
	if (rc == 0 && f->key_pem == NULL)
		check_kept_key(dir, f);
out:
	if (!committed)
		unlink_staged(dir, &st);
	return rc;
}
