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
 *
 * Files we did not create are hostile: DIR is opened once
 * (cert_dir_open: OUT checked for mode and owner, NAME never a
 * symbolic link) and everything below it is reached from that descriptor
 * with the *at() calls, following no symbolic link: a link planted as
 * DIR, previous/ or a live file is refused or replaced, never written
 * through.
 */
#define _GNU_SOURCE /* RENAME_EXCHANGE */
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
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
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

/* DIR, opened once: every file below is reached from fd. */
struct cdir {
	int fd;
	const char *path; /* for messages */
	int made;         /* made by this run: empty as it was opened */
};

static void
step(const char *what)
{
	if (store_cert_step_hook != NULL)
		store_cert_step_hook(what);
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

/* OUT/NAME split at the last '/': OUT ("." when none) and NAME. */
static int
split_dir(const char *dir, char *top, size_t size, const char **name)
{
	const char *slash = strrchr(dir, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(top, size, ".");
		*name = dir;
	} else {
		n = (size_t)(slash - dir);
		if (n >= size)
			return acmeup_fail(ACMEUP_EINVAL, "path too long: %s",
			    dir);
		memcpy(top, dir, n);
		top[n] = '\0';
		if (n == 0)
			snprintf(top, size, "/");
		*name = slash + 1;
	}
	if (**name == '\0' || strcmp(*name, ".") == 0 ||
	    strcmp(*name, "..") == 0)
		return acmeup_fail(ACMEUP_EINVAL, "'%s' cannot be a "
		    "certificate directory", dir);
	return 0;
}

/* DIR = OUT/NAME opened: OUT checked as store_dir_open() does; NAME a
 * directory, not a symbolic link, made 0755 when missing and create is
 * set (*made then 1; may be NULL). 1 when dir (or OUT) is missing and
 * !create. */
static int
cert_dir_open(const char *dir, int create, int *fd, int *made)
{
	char top[PATH_MAX];
	const char *name = NULL;
	struct stat st;
	int tfd = -1, rc;

	rc = split_dir(dir, top, sizeof(top), &name);
	if (rc != 0)
		return rc;
	if (!create && fsop_stat(top, &st) != 0 && errno == ENOENT)
		return 1;
	rc = fsafe_open_top(top, "output directory", create, 0755, &tfd);
	if (rc == 0 && !create) {
		rc = fsafe_exists_at(tfd, name, dir);
		if (rc < 0)
			acmeup_err_clear(); /* fsafe_open_sub says why */
		rc = rc == 0 ? 1 : 0;
	}
	if (rc == 0)
		rc = fsafe_open_sub(tfd, name, dir, "certificate directory",
		    create, 0755, fd, made);
	if (tfd >= 0)
		close(tfd);
	return rc;
}

/* Remove the files in the directory name of d (one level: we never make
 * subdirectories), then the directory; a symbolic link there is only
 * unlinked. Best effort: what cannot be removed is reported and left. */
static void
remove_dir_flat(const struct cdir *d, const char *name)
{
	struct dirent *de;
	DIR *sub;
	int fd;

	fd = fsop_openat(d->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			fsop_unlinkat(d->fd, name, 0);
		return;
	}
	sub = fdopendir(fd);
	if (sub == NULL) {
		close(fd);
		return;
	}
	for (de = readdir(sub); de != NULL; de = readdir(sub)) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fsop_unlinkat(dirfd(sub), de->d_name, 0) != 0)
			log_warn("store: cannot remove %s/%s/%s: %s", d->path,
			    name, de->d_name, strerror(errno));
	}
	closedir(sub);
	if (fsop_unlinkat(d->fd, name, AT_REMOVEDIR) != 0)
		log_warn("store: cannot remove %s/%s: %s", d->path, name,
		    strerror(errno));
}

/* Leftovers of a commit that died before its journal: staged temps, a
 * half-built .previous.XXXXXX, a journal's own temp. Best effort. */
static void
remove_strays(const struct cdir *d)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = fsop_openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (de = readdir(dir); de != NULL; de = readdir(dir)) {
		if (is_temp_of(de->d_name, PREVIOUS_TMP)) {
			log_debug("store: removing %s/%s, left by an earlier "
			    "run", d->path, de->d_name);
			remove_dir_flat(d, de->d_name);
		} else if (is_staged_name(de->d_name, NULL) ||
		    is_temp_of(de->d_name, JOURNAL_NAME ".")) {
			log_debug("store: removing %s/%s, left by an earlier "
			    "run", d->path, de->d_name);
			if (fsop_unlinkat(d->fd, de->d_name, 0) != 0)
				log_warn("store: cannot remove %s/%s: %s",
				    d->path, de->d_name, strerror(errno));
		}
	}
	closedir(dir);
}

/* One journal line "TEMP LIVE": rename TEMP over LIVE unless that was
 * done already (TEMP gone). line is modified. */
static int
redo_line(const struct cdir *d, char *line, unsigned lineno)
{
	char *sp = strchr(line, ' ');
	const char *name = NULL;

	if (sp != NULL)
		*sp = '\0';
	if (sp == NULL || !is_staged_name(line, &name) ||
	    strcmp(sp + 1, name) != 0)
		return acmeup_fail(ACMEUP_EIO, "%s/" JOURNAL_NAME ":%u: not a "
		    "line acmeup wrote; remove the file if no acmeup is "
		    "running", d->path, lineno);
	if (fsop_renameat(d->fd, line, d->fd, name) != 0 && errno != ENOENT)
		return acmeup_fail(ACMEUP_EIO, "cannot finish an interrupted "
		    "certificate update: rename %s/%s to %s/%s: %s", d->path,
		    line, d->path, name, strerror(errno));
	return 0;
}

/* Redo the renames the journal lists, then remove it. */
static int
roll_forward(const struct cdir *d)
{
	char *text = NULL, *line, *nl;
	size_t len = 0;
	unsigned lineno = 0;
	int rc;

	rc = store_read_at(d->fd, d->path, JOURNAL_NAME, "commit journal",
	    FSAFE_STRICT, 4096, &text, &len);
	for (line = text; rc == 0 && line != NULL && *line != '\0';
	    line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		rc = redo_line(d, line, ++lineno);
	}
	if (rc == 0 && fsync(d->fd) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot sync directory %s: %s",
		    d->path, strerror(errno));
	if (rc == 0 && fsop_unlinkat(d->fd, JOURNAL_NAME, 0) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot remove %s/" JOURNAL_NAME
		    ": %s", d->path, strerror(errno));
	if (rc == 0) {
		fsync(d->fd);
		log_warn("store: %s: finished installing the certificate that "
		    "an interrupted run left half-installed", d->path);
	}
	free(text);
	return rc;
}

static int
recover(const struct cdir *d)
{
	int rc = fsafe_exists_at(d->fd, JOURNAL_NAME, d->path);

	if (rc == 1)
		rc = roll_forward(d);
	if (rc == 0)
		remove_strays(d);
	return rc;
}

int
store_cert_recover(const char *dir)
{
	struct cdir d = { -1, dir, 0 };
	int rc;

	rc = cert_dir_open(dir, 0, &d.fd, NULL);
	if (rc == 1)
		return 0;
	if (rc == 0)
		rc = recover(&d);
	if (d.fd >= 0)
		close(d.fd);
	return rc;
}

int
store_cert_read(const char *dir, const char *name, int flags, size_t max,
                char **data, size_t *len)
{
	struct cdir d = { -1, dir, 0 };
	char path[PATH_MAX];
	int rc;

	*data = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = cert_dir_open(dir, 0, &d.fd, NULL);
	if (rc == 1)
		return 0;
	if (rc == 0)
		rc = fsafe_exists_at(d.fd, name, path);
	if (rc == 1)
		rc = store_read_at(d.fd, dir, name, (flags & FSAFE_STRICT) ?
		    "private key" : "certificate file", flags, max, data, len);
	if (d.fd >= 0)
		close(d.fd);
	return rc < 0 ? rc : 0;
}

/* privkey.pem's key-owner, key-group, key-mode on its temp fd, before the
 * rename: the key is never live with other permissions. */
static int
set_key_perms(int fd, const struct store_key_perms *p)
{
	if (p == NULL)
		return 0;
	if ((p->uid >= 0 || p->gid >= 0) &&
	    fsop_fchown(fd, p->uid >= 0 ? (uid_t)p->uid : (uid_t)-1,
	    p->gid >= 0 ? (gid_t)p->gid : (gid_t)-1) != 0)
		return -1;
	return fsop_fchmod(fd, p->mode != 0 ? (mode_t)p->mode : files[F_KEY].mode);
}

int
store_cert_read_key(const char *dir, long uid, size_t max, char **data,
                    size_t *len)
{
	struct cdir d = { -1, dir, 0 };
	char path[PATH_MAX];
	struct stat st;
	int fd = -1, rc;

	*data = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, files[F_KEY].name);
	rc = cert_dir_open(dir, 0, &d.fd, NULL);
	if (rc == 1)
		return 0;
	if (rc == 0)
		rc = fsafe_exists_at(d.fd, files[F_KEY].name, path);
	if (rc == 1)
		rc = fsafe_open_read(d.fd, files[F_KEY].name, path,
		    "private key", 0, &fd);
	if (rc == 0 && fd >= 0 && fstat(fd, &st) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot stat %s: %s", path,
		    strerror(errno));
	if (rc == 0 && fd >= 0)
		rc = fsafe_check_owner(path, &st, "private key", uid);
	if (rc == 0 && fd >= 0)
		rc = fsafe_read_fd(fd, path, max, data, len);
	if (fd >= 0)
		close(fd);
	if (d.fd >= 0)
		close(d.fd);
	return rc < 0 ? rc : 0;
}

/* Write data to a new temp file next to live file i; its name goes to
 * st. */
static int
stage_one(const struct cdir *d, int i, const char *data,
          const struct cert_files *f, struct staged *st)
{
	char live[PATH_MAX], prefix[32];
	size_t len = strlen(data);
	int fd, rc = 0, n;

	snprintf(live, sizeof(live), "%s/%s", d->path, files[i].name);
	snprintf(prefix, sizeof(prefix), ".%s.", files[i].name);
	fd = store_mktemp_at(d->fd, prefix, st->tmp[i], sizeof(st->tmp[i]),
	    files[i].mode);
	if (fd < 0) {
		st->tmp[i][0] = '\0';
		return store_io_fail(errno, "output directory", live,
		    UNCHANGED);
	}
	if (store_write_all(fd, data, len) != 0 ||
	    (i == F_KEY && set_key_perms(fd, f->key_perms) != 0) ||
	    fsync(fd) != 0) {
		rc = store_io_fail(errno, "output directory", live, UNCHANGED);
		close(fd);
		return rc;
	}
	n = close(fd);
	if (n != 0)
		rc = store_io_fail(errno, "output directory", live, UNCHANGED);
	return rc;
}

static void
unlink_staged(const struct cdir *d, const struct staged *st)
{
	int i;

	for (i = 0; i < N_FILES; i++)
		if (st->tmp[i][0] != '\0')
			fsop_unlinkat(d->fd, st->tmp[i], 0);
}

static int
stage_all(const struct cdir *d, const struct cert_files *f,
          struct staged *st)
{
	const char *data[N_FILES];
	int i, rc = 0;

	data[F_CERT] = f->cert_pem;
	data[F_KEY] = f->key_pem;
	data[F_FULLCHAIN] = f->fullchain_pem;
	data[F_CHAIN] = f->chain_pem;
	for (i = 0; rc == 0 && i < N_FILES; i++) {
		if (data[i] != NULL)
			rc = stage_one(d, i, data[i], f, st);
	}
	return rc;
}

/* Copy the live file name of d to a new file name in pfd (the fresh
 * previous, kept names it) with its permissions and, as root, its owner
 * and group (key-owner, key-group), synced. */
static int
copy_file(const struct cdir *d, int pfd, const char *name, const char *kept)
{
	char buf[8192];
	struct stat st;
	ssize_t n = 0;
	int in, out = -1, rc = 0;

	in = fsop_openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (in < 0)
		return acmeup_fail(ACMEUP_EIO, "cannot read %s/%s: %s", d->path,
		    name, strerror(errno));
	if (fstat(in, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	out = fsop_openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (out < 0 || (fsop_euid() == 0 && fsop_fchown(out, st.st_uid, st.st_gid) !=
	    0) || fsop_fchmod(out, st.st_mode & 07777) != 0)
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
	rc = store_io_fail(errno, "output directory", kept, UNCHANGED);
out:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

/* The live file name as another name in pfd; a copy where the file system
 * has no hard links. Live files are only ever replaced by rename, never
 * written in place, so a link keeps the old content. linkat() without
 * AT_SYMLINK_FOLLOW links a symbolic link itself, never its target. */
static int
link_or_copy(const struct cdir *d, int pfd, const char *name,
             const char *kept)
{
	if (fsop_linkat(d->fd, name, pfd, name, 0) == 0)
		return 0;
	if (errno == EPERM || errno == EXDEV || errno == EMLINK ||
	    errno == ENOTSUP || errno == EOPNOTSUPP)
		return copy_file(d, pfd, name, kept);
	return store_io_fail(errno, "output directory", kept, UNCHANGED);
}

/* Put the fully built directory fresh in the place of previous/. */
static int
swap_in(const struct cdir *d, const char *fresh)
{
	char old[64], prev[PATH_MAX];

	snprintf(prev, sizeof(prev), "%s/" PREVIOUS, d->path);
	if (fsop_renameat2(d->fd, fresh, d->fd, PREVIOUS, RENAME_EXCHANGE) == 0) {
		remove_dir_flat(d, fresh); /* now the version before previous */
		return 0;
	}
	if (errno == ENOENT && fsop_renameat(d->fd, fresh, d->fd, PREVIOUS) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return store_io_fail(errno, "output directory", prev,
		    UNCHANGED);
	/* No RENAME_EXCHANGE here: move the old one aside, then rename. */
	if (store_mkdtemp_at(d->fd, PREVIOUS_TMP, old, sizeof(old)) != 0 ||
	    fsop_renameat(d->fd, PREVIOUS, d->fd, old) != 0 ||
	    fsop_renameat(d->fd, fresh, d->fd, PREVIOUS) != 0)
		return store_io_fail(errno, "output directory", prev,
		    UNCHANGED);
	remove_dir_flat(d, old);
	return 0;
}

/* The live files linked into pfd, synced. */
static int
fill_previous(const struct cdir *d, int pfd, const char *fresh)
{
	char kept[PATH_MAX];
	struct stat st;
	int rc = 0, i;

	for (i = 0; rc == 0 && i < N_FILES; i++) {
		snprintf(kept, sizeof(kept), "%s/%s/%s", d->path, fresh,
		    files[i].name);
		if (fsop_fstatat(d->fd, files[i].name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			rc = link_or_copy(d, pfd, files[i].name, kept);
	}
	if (rc == 0 && fsync(pfd) != 0)
		rc = store_io_fail(errno, "output directory", kept, UNCHANGED);
	return rc;
}

/* Snapshot the live files into a fresh dir (mode of DIR) under a temp
 * name (fresh, size bytes); *have set when there was a certificate to
 * keep. */
static int
build_previous(const struct cdir *d, char *fresh, size_t size, int *have)
{
	struct stat st;
	int pfd, rc, i;

	/* A certificate to keep: cert.pem or fullchain.pem. */
	*have = 0;
	for (i = 0; i < N_FILES; i++) {
		if (i == F_KEY || i == F_CHAIN)
			continue;
		if (fsop_fstatat(d->fd, files[i].name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			*have = 1;
	}
	if (!*have)
		return 0;
	if (store_mkdtemp_at(d->fd, PREVIOUS_TMP, fresh, size) != 0) {
		fresh[0] = '\0';
		return store_io_fail(errno, "output directory", d->path,
		    UNCHANGED);
	}
	pfd = fsop_openat(d->fd, fresh, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (pfd < 0)
		return store_io_fail(errno, "output directory", d->path,
		    UNCHANGED);
	if (fstat(d->fd, &st) == 0)
		fsop_fchmod(pfd, st.st_mode & 07777);
	rc = fill_previous(d, pfd, fresh);
	close(pfd);
	return rc;
}

/* DIR/previous/ becomes a copy of the live files, in one step. */
static int
keep_previous(const struct cdir *d)
{
	char fresh[64] = "";
	struct stat st;
	int rc = 0, have = 0;

	if (fsop_fstatat(d->fd, PREVIOUS, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(st.st_mode))
		rc = acmeup_fail(ACMEUP_EIO, "%s/" PREVIOUS " is not a "
		    "directory, so the current certificate cannot be kept "
		    "there; move it away%s", d->path, UNCHANGED);
	if (rc == 0)
		rc = build_previous(d, fresh, sizeof(fresh), &have);
	if (rc == 0 && have)
		rc = swap_in(d, fresh);
	if (rc == 0 && have && fsync(d->fd) != 0)
		rc = store_io_fail(errno, "output directory", d->path,
		    UNCHANGED);
	if (rc != 0 && fresh[0] != '\0')
		remove_dir_flat(d, fresh);
	return rc;
}

/* The commit point: DIR/.acmeup-commit lists what install() renames. */
static int
write_journal(const struct cdir *d, const struct staged *st)
{
	char text[512];
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
	return store_write_at(d->fd, d->path, JOURNAL_NAME, text, used, 0600);
}

/* Rename the staged files over the live ones in files[] order. */
static int
install(const struct cdir *d, const struct staged *st)
{
	char what[64];
	int i, rc = 0;

	for (i = 0; rc == 0 && i < N_FILES; i++) {
		if (st->tmp[i][0] == '\0')
			continue;
		if (fsop_renameat(d->fd, st->tmp[i], d->fd, files[i].name) != 0)
			rc = acmeup_fail(ACMEUP_EIO, "cannot rename %s/%s to "
			    "%s/%s: %s; the next run finishes the update (%s/"
			    JOURNAL_NAME ")", d->path, st->tmp[i], d->path,
			    files[i].name, strerror(errno), d->path);
		snprintf(what, sizeof(what), "renamed %s", files[i].name);
		if (rc == 0)
			step(what);
	}
	if (rc == 0 && fsync(d->fd) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "cannot sync directory %s: %s",
		    d->path, strerror(errno));
	if (rc == 0 && (fsop_unlinkat(d->fd, JOURNAL_NAME, 0) != 0 ||
	    fsync(d->fd) != 0))
		log_warn("store: cannot remove %s/" JOURNAL_NAME ": %s",
		    d->path, strerror(errno));
	return rc;
}

/* --csr: say so when the privkey.pem left in place is not the new
 * certificate's key. Never fails the commit. */
static void
check_kept_key(const struct cdir *d, const struct cert_files *f)
{
	struct crypto_key *key = NULL;
	char *pem = NULL;
	size_t len = 0;

	if (fsafe_exists_at(d->fd, files[F_KEY].name, d->path) != 1)
		goto out;
	if (store_cert_read_key(d->path, f->key_perms != NULL ?
	    f->key_perms->uid : -1, KEY_MAX, &pem,
	    &len) != 0 || pem == NULL ||
	    crypto_key_from_pem(pem, len, &key) != 0 ||
	    crypto_cert_key_matches(f->cert_pem, strlen(f->cert_pem),
	    key) != 0)
		log_warn("store: %s/%s is not the key of the new certificate "
		    "(issued for your CSR); it was left as it was", d->path,
		    files[F_KEY].name);
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
	struct cdir d = { -1, dir, 0 };
	struct staged st;
	int rc, committed = 0;

	memset(&st, 0, sizeof(st));
	if (f == NULL || f->cert_pem == NULL || f->cert_pem[0] == '\0' ||
	    f->fullchain_pem == NULL || f->fullchain_pem[0] == '\0' ||
	    f->chain_pem == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "no certificate to store in "
		    "%s", dir);
	rc = cert_dir_open(dir, 1, &d.fd, &d.made);
	if (rc == 0 && !d.made) /* a new one holds nothing to finish or keep */
		rc = recover(&d);
	if (rc == 0)
		rc = stage_all(&d, f, &st);
	if (rc != 0)
		goto out;
	step("staged");
	rc = d.made ? 0 : keep_previous(&d);
	if (rc == 0)
		step("previous");
	if (rc == 0)
		rc = write_journal(&d, &st);
	if (rc != 0)
		goto out;
	committed = 1;
	step("journal");
	rc = install(&d, &st);
	if (rc == 0 && f->key_pem == NULL)
		check_kept_key(&d, f);
out:
	if (!committed && d.fd >= 0)
		unlink_staged(&d, &st);
	if (d.fd >= 0)
		close(d.fd);
	return rc;
}
