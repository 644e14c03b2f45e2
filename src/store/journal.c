/* The journal of records added (see include/acmeup/journal.h): files,
 * locks and the text format. Written before every UPDATE that adds
 * records, atomically (store_write); locks with flock(2), which the kernel
 * drops when the process dies however it dies. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
#include "acmeup/journal.h"
#include "acmeup/store.h"

#define MAGIC "acmeup-journal 1"
#define SUFFIX ".journal"
#define LOCK_SUFFIX ".lock"
#define MAX_BYTES (1024 * 1024)
#define MAX_RECS 10000
#define NFIELDS 6

struct journal {
	char path[PATH_MAX];
	char lock[PATH_MAX];
	char dir[PATH_MAX]; /* STATE/journal, for messages */
	int dfd;         /* STATE/journal: every file is reached from it */
	int fd;          /* the lock, flock()ed */
	int has_file;    /* the journal file exists (as far as we know) */
	pid_t pid;
	long long started;
};

struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	char *grown;
	size_t cap = b->cap ? b->cap : 256;

	while (b->len + n + 1 > cap)
		cap *= 2;
	if (cap != b->cap) {
		grown = realloc(b->p, cap);
		if (grown == NULL)
			return ACMEUP_ENOMEM;
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* One field: bytes outside '!'..'~' and '\' as \DDD (zone-file style). */
static int
add_field(struct buf *b, const char *s)
{
	char esc[8];
	int rc = 0;

	if (s == NULL || s[0] == '\0')
		return acmeup_fail(ACMEUP_EINVAL, "journal: empty field");
	rc = buf_add(b, " ", 1);
	for (; rc == 0 && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || c == '\\') {
			snprintf(esc, sizeof(esc), "\\%03u", c);
			rc = buf_add(b, esc, 4);
		} else {
			rc = buf_add(b, s, 1);
		}
	}
	return rc;
}

int
journal_format(const struct journal_rec *recs, size_t n, pid_t pid,
               long long started, char **out, size_t *len)
{
	struct buf b = { 0 };
	char line[160];
	size_t i;
	int rc;

	snprintf(line, sizeof(line), "# TXT records added by acmeup (pid %ld); "
	         "`acmeup cleanup` removes them\n" MAGIC "\npid %ld\ntime %lld\n",
	         (long)pid, (long)pid, started);
	rc = buf_add(&b, line, strlen(line));
	for (i = 0; rc == 0 && i < n; i++) {
		rc = buf_add(&b, "rec", 3);
		if (rc == 0)
			rc = add_field(&b, recs[i].zone);
		if (rc == 0)
			rc = add_field(&b, recs[i].server);
		if (rc == 0)
			rc = add_field(&b, recs[i].key_file);
		if (rc == 0)
			rc = add_field(&b, recs[i].key_name);
		if (rc == 0)
			rc = add_field(&b, recs[i].owner);
		if (rc == 0)
			rc = add_field(&b, recs[i].value);
		if (rc == 0)
			rc = buf_add(&b, "\n", 1);
	}
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

void
journal_recs_free(struct journal_rec *recs, size_t n)
{
	size_t i;

	for (i = 0; recs != NULL && i < n; i++) {
		free(recs[i].zone);
		free(recs[i].server);
		free(recs[i].key_file);
		free(recs[i].key_name);
		free(recs[i].owner);
		free(recs[i].value);
	}
	free(recs);
}

/* Decode one \DDD-escaped field in place; -1 when malformed. */
static int
unescape(char *s)
{
	char *w = s;
	int v;

	while (*s != '\0') {
		if (*s != '\\') {
			*w++ = *s++;
			continue;
		}
		if (!isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]) ||
		    !isdigit((unsigned char)s[3]))
			return -1;
		v = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		if (v == 0 || v > 255)
			return -1;
		*w++ = (char)v;
		s += 4;
	}
	*w = '\0';
	return 0;
}

/* "rec F1 ... F6" into r (fields copied). line is modified. */
static int
parse_rec(char *line, struct journal_rec *r)
{
	char *f[NFIELDS], *p = line + 3, **dst[NFIELDS];
	size_t i;

	dst[0] = &r->zone;
	dst[1] = &r->server;
	dst[2] = &r->key_file;
	dst[3] = &r->key_name;
	dst[4] = &r->owner;
	dst[5] = &r->value;
	for (i = 0; i < NFIELDS; i++) {
		if (*p != ' ')
			return -1;
		f[i] = ++p;
		while (*p != ' ' && *p != '\0')
			p++;
		if (p == f[i])
			return -1;
	}
	if (*p != '\0')
		return -1;
	for (i = 0; i < NFIELDS; i++) {
		if (i < NFIELDS - 1)
			f[i + 1][-1] = '\0';
		if (unescape(f[i]) < 0)
			return -1;
	}
	for (i = 0; i < NFIELDS; i++) {
		*dst[i] = strdup(f[i]);
		if (*dst[i] == NULL)
			return ACMEUP_ENOMEM;
	}
	return 0;
}

static int
parse_number(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* One line of the journal into the state; -1 when malformed. */
static int
parse_line(char *line, int *seen_magic, struct journal_rec *recs, size_t *n,
           long long *pid, long long *started)
{
	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (!*seen_magic) {
		*seen_magic = strcmp(line, MAGIC) == 0;
		return *seen_magic ? 0 : -1;
	}
	if (strncmp(line, "pid ", 4) == 0)
		return parse_number(line + 4, pid);
	if (strncmp(line, "time ", 5) == 0)
		return parse_number(line + 5, started);
	if (strncmp(line, "rec ", 4) != 0 || *n == MAX_RECS)
		return -1;
	memset(&recs[*n], 0, sizeof(recs[0]));
	(*n)++;
	return parse_rec(line, &recs[*n - 1]);
}

int
journal_parse(const char *text, const char *path, struct journal_rec **recs,
              size_t *n, pid_t *pid, long long *started)
{
	struct journal_rec *list = calloc(MAX_RECS, sizeof(*list));
	char *copy = strdup(text), *line, *next;
	long long p = 0, t = 0;
	size_t cnt = 0;
	unsigned lineno = 0;
	int magic = 0, rc = 0;

	if (list == NULL || copy == NULL)
		rc = ACMEUP_ENOMEM;
	for (line = copy; rc == 0 && line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		rc = parse_line(line, &magic, list, &cnt, &p, &t);
		if (rc == -1)
			rc = acmeup_fail(ACMEUP_EINVAL, "%s:%u: not a journal line "
			                 "(remove the file after checking the zones by "
			                 "hand)", path, lineno);
	}
	if (rc == 0 && !magic)
		rc = acmeup_fail(ACMEUP_EINVAL, "%s: not an acmeup journal", path);
	free(copy);
	if (rc < 0) {
		journal_recs_free(list, cnt);
		return rc;
	}
	*recs = list;
	*n = cnt;
	*pid = (pid_t)p;
	*started = t;
	return 0;
}

/* STATE/journal, created 0700 when missing, into buf; opened into *dfd
 * (STATE checked for mode and owner, journal never a symbolic link). */
static int
journal_dir(const char *state_dir, char *buf, size_t len, int create,
            int *dfd)
{
	int n = snprintf(buf, len, "%s/journal", state_dir);

	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EINVAL, "state directory path too long");
	return store_dir_open(state_dir, "journal", "state directory", create,
	                      0700, dfd);
}

/* The base name of a path of ours. */
static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* The lock file name under j->dfd, created when create (exclusively when
 * excl): a regular file, never a link, never blocking. */
static int
open_lock_at(struct journal *j, int create, int excl)
{
	struct stat st;
	int fl = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;

	if (create)
		fl |= O_CREAT | (excl ? O_EXCL : 0);
	j->fd = fsop_openat(j->dfd, base_of(j->lock), fl, 0600);
	if (j->fd < 0)
		return -1;
	if (fstat(j->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(j->fd);
		j->fd = -1;
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
journal_open(const char *state_dir, struct journal **out)
{
	struct journal *j = calloc(1, sizeof(*j));
	char dir[PATH_MAX];
	unsigned rnd = 0;
	int rc;

	if (j == NULL)
		return ACMEUP_ENOMEM;
	j->fd = -1;
	j->dfd = -1;
	rc = journal_dir(state_dir, dir, sizeof(dir), 1, &j->dfd);
	snprintf(j->dir, sizeof(j->dir), "%s", dir);
	if (rc < 0)
		goto out;
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (unsigned)time(NULL);
	j->pid = getpid();
	j->started = (long long)time(NULL);
	if (snprintf(j->path, sizeof(j->path), "%s/%ld-%08x" SUFFIX, dir,
	             (long)j->pid, rnd) >= (int)sizeof(j->path) ||
	    snprintf(j->lock, sizeof(j->lock), "%s/%ld-%08x" LOCK_SUFFIX, dir,
	             (long)j->pid, rnd) >= (int)sizeof(j->lock)) {
		rc = acmeup_fail(ACMEUP_EINVAL, "state directory path too long");
		goto out;
	}
	/* Blocking flock: a cleanup that found the new lock file before our
	 * flock lets go at once, seeing no journal yet. */
	if (open_lock_at(j, 1, 1) != 0 || flock(j->fd, LOCK_EX) != 0) {
		rc = acmeup_fail(ACMEUP_EIO, "cannot create and lock %s: %s",
		                 j->lock, strerror(errno));
		goto out;
	}
out:
	if (rc < 0) {
		if (j->fd >= 0) {
			close(j->fd);
			fsop_unlinkat(j->dfd, base_of(j->lock), 0);
		}
		if (j->dfd >= 0)
			close(j->dfd);
		free(j);
		return rc;
	}
	*out = j;
	return 0;
}

int
journal_write(struct journal *j, const struct journal_rec *recs, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (n == 0) {
		if (fsop_unlinkat(j->dfd, base_of(j->path), 0) != 0 && errno != ENOENT)
			return acmeup_fail(ACMEUP_EIO, "cannot remove %s: %s", j->path,
			                   strerror(errno));
		j->has_file = 0;
		return 0;
	}
	rc = journal_format(recs, n, j->pid, j->started, &text, &len);
	if (rc == 0)
		rc = store_write_at(j->dfd, j->dir, base_of(j->path),
		                    text, len, 0600);
	if (rc == 0)
		j->has_file = 1;
	free(text);
	return rc;
}

/* 1 when j's file exists, 0 when not, -1 when that is unknown; records
 * nothing (a probe in cleanup must not fill the caller's record). */
static int
exists_quiet(const struct journal *j)
{
	struct acmeup_err probe = { 0 }, *prev;
	int rc;

	prev = acmeup_err_use(&probe);
	rc = fsafe_exists_at(j->dfd, base_of(j->path), j->path);
	acmeup_err_use(prev);
	return rc < 0 ? -1 : rc;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (!exists_quiet(j))
		fsop_unlinkat(j->dfd, base_of(j->lock), 0);
	if (j->fd >= 0)
		close(j->fd); /* releases the flock */
	close(j->dfd);
	free(j);
}

const char *
journal_path(const struct journal *j)
{
	return j->path;
}

void
journal_paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; paths != NULL && i < n; i++)
		free(paths[i]);
	free(paths);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

int
journal_list(const char *state_dir, char ***paths, size_t *n)
{
	char dir[PATH_MAX], **list = NULL, **grown;
	struct dirent *e;
	struct stat st;
	size_t cnt = 0;
	DIR *d;
	int rc, dfd = -1;

	*paths = NULL;
	*n = 0;
	if (snprintf(dir, sizeof(dir), "%s/journal", state_dir) <
	    (int)sizeof(dir) && fsop_lstat(dir, &st) != 0 && errno == ENOENT)
		return 0;
	rc = journal_dir(state_dir, dir, sizeof(dir), 0, &dfd);
	if (rc < 0)
		return rc;
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return acmeup_fail(ACMEUP_EIO, "cannot read %s: %s", dir,
		                   strerror(errno));
	}
	for (e = readdir(d); rc == 0 && e != NULL; e = readdir(d)) {
		if (e->d_name[0] == '.' || !has_suffix(e->d_name, SUFFIX))
			continue;
		grown = realloc(list, (cnt + 1) * sizeof(*list));
		if (grown == NULL) {
			rc = ACMEUP_ENOMEM;
			break;
		}
		list = grown;
		list[cnt] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (list[cnt] == NULL) {
			rc = ACMEUP_ENOMEM;
			break;
		}
		snprintf(list[cnt], strlen(dir) + strlen(e->d_name) + 2, "%s/%s",
		         dir, e->d_name);
		cnt++;
	}
	closedir(d);
	if (rc < 0) {
		journal_paths_free(list, cnt);
		return rc;
	}
	*paths = list;
	*n = cnt;
	return 0;
}

/* The lock file of a journal path, opened (made when missing). */
static int
open_lock(struct journal *j)
{
	size_t len = strlen(j->path) - strlen(SUFFIX);

	if (len + strlen(LOCK_SUFFIX) >= sizeof(j->lock))
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s", j->path);
	memcpy(j->lock, j->path, len);
	snprintf(j->lock + len, sizeof(j->lock) - len, LOCK_SUFFIX);
	if (open_lock_at(j, 0, 0) != 0 && errno == ENOENT)
		open_lock_at(j, 1, 0);
	if (j->fd < 0)
		return acmeup_fail(ACMEUP_EIO, "cannot open %s: %s", j->lock,
		                   strerror(errno));
	return 0;
}

/* j->dfd: the directory of j->path (STATE/journal, from journal_list),
 * opened as journal_dir() does. */
static int
open_parent(struct journal *j)
{
	char top[PATH_MAX], *slash;
	const char *sub;

	snprintf(top, sizeof(top), "%s", j->path);
	slash = strrchr(top, '/');
	if (slash == NULL || slash == top)
		return acmeup_fail(ACMEUP_EINVAL, "%s is not a journal of a "
		                   "state directory", j->path);
	*slash = '\0';
	snprintf(j->dir, sizeof(j->dir), "%s", top);
	slash = strrchr(top, '/');
	if (slash == NULL)
		return store_dir_open(".", top, "state directory", 0, 0700,
		                      &j->dfd);
	*slash = '\0';
	sub = slash + 1;
	return store_dir_open(top[0] != '\0' ? top : "/", sub,
	                      "state directory", 0, 0700, &j->dfd);
}

/* A living run holds the lock: whose journal is it? */
static int
claim_busy(struct journal *j, pid_t *pid, int err)
{
	struct journal_rec *recs = NULL;
	long long started = 0;
	size_t n = 0;

	if (err != EWOULDBLOCK)
		return acmeup_fail(ACMEUP_EIO, "cannot lock %s: %s", j->lock,
		                   strerror(err));
	if (journal_read(j, &recs, &n, pid, &started) == 0)
		journal_recs_free(recs, n);
	return 0;
}

int
journal_claim(const char *path, struct journal **out, pid_t *pid)
{
	struct journal *j = calloc(1, sizeof(*j));
	struct journal_rec *recs = NULL;
	size_t n = 0;
	int rc = 0, skip = 0;

	*pid = 0;
	if (j == NULL)
		return ACMEUP_ENOMEM;
	j->fd = -1;
	j->dfd = -1;
	if (strlen(path) >= sizeof(j->path) || !has_suffix(path, SUFFIX))
		rc = acmeup_fail(ACMEUP_EINVAL, "%s is not a journal", path);
	else
		memcpy(j->path, path, strlen(path) + 1);
	if (rc == 0)
		rc = open_parent(j);
	if (rc == 0)
		rc = open_lock(j);
	if (rc == 0 && flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
		rc = claim_busy(j, pid, errno);
		skip = 1;
	}
	/* Gone between listing and locking: its run finished it. */
	if (rc == 0 && !skip && exists_quiet(j) != 1)
		skip = 1;
	if (rc < 0 || skip) {
		if (j->fd >= 0)
			close(j->fd);
		if (j->dfd >= 0)
			close(j->dfd);
		free(j);
		return rc;
	}
	j->has_file = 1;
	/* Rewrites keep the writer's pid and start time. */
	if (journal_read(j, &recs, &n, &j->pid, &j->started) == 0)
		journal_recs_free(recs, n);
	*out = j;
	return 1;
}

int
journal_read(const struct journal *j, struct journal_rec **recs, size_t *n,
             pid_t *pid, long long *started)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = store_read_at(j->dfd, j->dir, base_of(j->path),
	                   "journal", FSAFE_STRICT, MAX_BYTES, &text, &len);
	if (rc == 0 && strlen(text) != len)
		rc = acmeup_fail(ACMEUP_EINVAL, "%s: NUL byte in a journal",
		                 j->path);
	if (rc == 0)
		rc = journal_parse(text, j->path, recs, n, pid, started);
	free(text);
	return rc;
}

int
journal_peek(const char *path, struct journal_rec **recs, size_t *n)
{
	long long started;
	char *text = NULL;
	size_t len = 0;
	pid_t pid;
	int rc;

	rc = fsafe_read(path, "journal", FSAFE_STRICT, MAX_BYTES, &text, &len);
	if (rc == 0 && strlen(text) != len)
		rc = acmeup_fail(ACMEUP_EINVAL, "%s: NUL byte in a journal", path);
	if (rc == 0)
		rc = journal_parse(text, path, recs, n, &pid, &started);
	free(text);
	return rc;
}
