/* STATE/challenges: the validations the CA's resolver may still cache
 * (include/acmeup/challenge_cache.h), the wait they call for, and the
 * file, read as hostile input and written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/challenge_cache.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/fsop.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define MAGIC "acmeup-challenges 1"
#define LOCK_FILE "challenges.lock"
#define LOCK_TRIES 50      /* 100 ms apart: 5 s, then go on unlocked */
#define LINE_MAX_LEN 600   /* "AT TTL CHALLENGE OWNER" fits in 530 */
#define TICK_MS 200

void
chcache_clear(struct chcache *c)
{
	if (c == NULL)
		return;
	free(c->ents);
	memset(c, 0, sizeof(*c));
}

/* When the CA's cached copy of e's TXT has surely expired. */
static long long
expiry(const struct chcache_ent *e)
{
	return e->at + (long long)e->ttl + CHCACHE_MARGIN;
}

static int
names_meet(const struct chcache_ent *e, const char *name)
{
	return name != NULL && (strcasecmp(e->challenge, name) == 0 ||
	    strcasecmp(e->owner, name) == 0);
}

long long
chcache_wait(const struct chcache *c, const char *challenge,
             const char *owner, long long now, const struct chcache_ent **hit)
{
	const struct chcache_ent *best = NULL;
	long long left, most = 0, cap;
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++) {
		const struct chcache_ent *e = &c->ents[i];

		if (!names_meet(e, challenge) && !names_meet(e, owner))
			continue;
		left = expiry(e) - now;
		cap = (long long)e->ttl + CHCACHE_MARGIN;
		if (left > cap)
			left = cap;
		if (left > most) {
			most = left;
			best = e;
		}
	}
	if (hit != NULL)
		*hit = best;
	return most;
}

/* The entry made from the fields, names checked; 0 or ACMEUP_EINVAL. */
static int
ent_make(const char *challenge, const char *owner, unsigned ttl,
         long long at, struct chcache_ent *out)
{
	if (at <= 0 || ttl == 0 || ttl > CHCACHE_MAX_TTL ||
	    challenge == NULL || owner == NULL ||
	    name_normalize(challenge, NAME_OWNER, out->challenge, NULL) !=
	    NAME_OK ||
	    name_normalize(owner, NAME_OWNER, out->owner, NULL) != NAME_OK)
		return ACMEUP_EINVAL;
	out->at = at;
	out->ttl = ttl;
	return 0;
}

/* Add e, or keep the later of it and the entry with the same names. */
static int
ent_add(struct chcache *c, const struct chcache_ent *e)
{
	struct chcache_ent *grown;
	size_t i, cap;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->ents[i].challenge, e->challenge) != 0 ||
		    strcmp(c->ents[i].owner, e->owner) != 0)
			continue;
		if (expiry(e) > expiry(&c->ents[i]))
			c->ents[i] = *e;
		return 0;
	}
	if (c->n == c->cap) {
		cap = c->cap ? 2 * c->cap : 16;
		grown = realloc(c->ents, cap * sizeof(*grown));
		if (grown == NULL)
			return ACMEUP_ENOMEM;
		c->ents = grown;
		c->cap = cap;
	}
	c->ents[c->n++] = *e;
	return 0;
}

int
chcache_note(struct chcache *c, const char *challenge, const char *owner,
             unsigned ttl, long long at)
{
	struct chcache_ent e;

	if (ent_make(challenge, owner, ttl, at, &e) != 0)
		return ACMEUP_EINVAL;
	return ent_add(c, &e);
}

/* A decimal number of at most max, the whole of s. */
static int
parse_num(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return ACMEUP_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return ACMEUP_EINVAL;
	*out = v;
	return 0;
}

/* Split line (modified) at blanks into at most max fields; the count,
 * or max + 1 when there are more. */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		f[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
	}
}

/* One line "AT TTL CHALLENGE OWNER" (NUL-terminated) into *e. */
static int
parse_line(char *line, struct chcache_ent *e)
{
	long long at, ttl;
	char *f[4];

	if (split(line, f, 4) != 4 ||
	    parse_num(f[0], LLONG_MAX / 2, &at) != 0 ||
	    parse_num(f[1], CHCACHE_MAX_TTL, &ttl) != 0)
		return ACMEUP_EINVAL;
	return ent_make(f[2], f[3], (unsigned)ttl, at, e);
}

int
chcache_parse(const char *text, size_t len, long long now,
              struct chcache *c, size_t *skipped)
{
	char line[LINE_MAX_LEN + 1];
	struct chcache_ent e;
	size_t pos = 0, ll, bad = 0, lineno = 0;
	const char *nl;
	int rc = 0;

	chcache_clear(c);
	while (rc == 0 && pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		ll = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		if (ll > 0 && text[pos + ll - 1] == '\r')
			ll--;
		lineno++;
		if (ll <= LINE_MAX_LEN && memchr(text + pos, '\0', ll) == NULL) {
			memcpy(line, text + pos, ll);
			line[ll] = '\0';
		} else {
			line[0] = '\0';
			bad++;
		}
		pos += (nl != NULL ? (size_t)(nl - (text + pos)) + 1 : len - pos);
		if (lineno == 1 && strcmp(line, MAGIC) != 0) {
			bad += line[0] != '\0';
			break;
		}
		if (lineno == 1 || line[0] == '\0' || line[0] == '#')
			continue;
		if (parse_line(line, &e) != 0) {
			bad++;
			continue;
		}
		if (expiry(&e) <= now || e.at > now + CHCACHE_MAX_TTL)
			continue;
		rc = c->n < CHCACHE_MAX_ENTRIES ? ent_add(c, &e) : 0;
	}
	if (skipped != NULL)
		*skipped = bad;
	if (rc != 0)
		chcache_clear(c);
	return rc;
}

/* Later expiry first (qsort). */
static int
by_expiry(const void *a, const void *b)
{
	long long x = expiry(a), y = expiry(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

int
chcache_format(const struct chcache *c, char **out, size_t *len)
{
	struct chcache_ent *sorted = NULL;
	size_t i, n = c->n, cap, used;
	char *buf;
	int k;

	if (n > CHCACHE_MAX_ENTRIES) {
		sorted = malloc(n * sizeof(*sorted));
		if (sorted == NULL)
			return ACMEUP_ENOMEM;
		memcpy(sorted, c->ents, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), by_expiry);
		n = CHCACHE_MAX_ENTRIES;
	}
	cap = sizeof(MAGIC) + 1 + n * (LINE_MAX_LEN + 1);
	buf = malloc(cap);
	if (buf == NULL) {
		free(sorted);
		return ACMEUP_ENOMEM;
	}
	used = (size_t)snprintf(buf, cap, "%s\n", MAGIC);
	for (i = 0; i < n; i++) {
		const struct chcache_ent *e = sorted ? &sorted[i] : &c->ents[i];

		k = snprintf(buf + used, cap - used, "%lld %u %s %s\n", e->at,
		    e->ttl, e->challenge, e->owner);
		if (k > 0 && (size_t)k < cap - used)
			used += (size_t)k;
	}
	free(sorted);
	*out = buf;
	*len = used;
	return 0;
}

/* STATE/challenges into c; *dfd (the state directory) stays open for the
 * caller when dfd is not NULL. Every failure but ENOMEM is a warning. */
static int
load_at(const char *state_dir, long long now, struct chcache *c, int *dfd)
{
	char *text = NULL;
	size_t len = 0, bad = 0;
	int fd = -1, rc;

	chcache_clear(c);
	rc = store_dir_open(state_dir, NULL, "state directory", 1, 0700, &fd);
	if (rc == 0)
		rc = store_read_at(fd, state_dir, CHCACHE_FILE,
		    "challenge record", FSAFE_STRICT, CHCACHE_MAX_BYTES, &text,
		    &len);
	if (rc == ACMEUP_EIO && errno == ENOENT && fd >= 0) {
		acmeup_err_clear();
		rc = 0; /* no earlier validation */
	} else if (rc == 0)
		rc = chcache_parse(text, len, now, c, &bad);
	if (rc == 0 && bad > 0)
		log_warn("%s/%s: %zu line%s not understood, ignored", state_dir,
		    CHCACHE_FILE, bad, bad == 1 ? "" : "s");
	if (rc != 0 && rc != ACMEUP_ENOMEM) {
		log_warn("%s; the CA may still cache records acmeup cannot "
		    "see", acmeup_errmsg(rc));
		acmeup_err_clear();
		rc = 0;
	}
	free(text);
	if (dfd != NULL && rc == 0)
		*dfd = fd;
	else if (fd >= 0)
		close(fd);
	return rc;
}

int
chcache_load(const char *state_dir, long long now, struct chcache *c)
{
	return load_at(state_dir, now, c, NULL);
}

/* flock(2) STATE/challenges.lock, a regular file reached without
 * following a link; bounded: after LOCK_TRIES, go on without (a lost
 * update costs a wait, not a certificate). -1 when not locked. */
static int
lock_file(int dfd)
{
	struct timespec pause = { 0, 100000000L };
	struct stat st;
	int fd, i;

	fd = fsop_openat(dfd, LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	for (i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		nanosleep(&pause, NULL);
	}
	close(fd);
	return -1;
}

int
chcache_store(const char *state_dir, const struct chcache *add,
              long long now)
{
	struct chcache c = { 0 };
	char *text = NULL;
	size_t i, len = 0;
	int dfd = -1, lfd = -1, rc;

	if (add == NULL || add->n == 0)
		return 0;
	rc = store_dir_open(state_dir, NULL, "state directory", 1, 0700, &dfd);
	if (rc == 0) {
		lfd = lock_file(dfd);
		close(dfd);
		dfd = -1;
		rc = load_at(state_dir, now, &c, &dfd);
	}
	for (i = 0; rc == 0 && i < add->n; i++)
		rc = ent_add(&c, &add->ents[i]);
	if (rc == 0)
		rc = chcache_format(&c, &text, &len);
	if (rc == 0 && dfd >= 0)
		rc = store_write_at(dfd, state_dir, CHCACHE_FILE, text, len,
		    0600);
	if (rc != 0 && rc != ACMEUP_ENOMEM) {
		log_warn("%s; a run within the TTL may meet the CA's cached "
		    "record", acmeup_errmsg(rc));
		acmeup_err_clear();
		rc = 0;
	}
	free(text);
	chcache_clear(&c);
	if (dfd >= 0)
		close(dfd);
	if (lfd >= 0)
		close(lfd); /* drops the flock */
	return rc;
}

long long
chcache_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (long long)time(NULL) + 1;
	return (long long)ts.tv_sec + (ts.tv_nsec > 0);
}

int
chcache_sleep(long long secs, const char *what)
{
	long long end = log_elapsed_ms() + secs * 1000, left;
	struct timespec ts;

	for (;;) {
		if (interrupt_pending())
			return interrupt_fail();
		left = end - log_elapsed_ms();
		if (left <= 0)
			break;
		log_progress("waiting %lld s: %s", (left + 999) / 1000, what);
		if (left > TICK_MS)
			left = TICK_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
	log_progress_clear();
	return 0;
}
