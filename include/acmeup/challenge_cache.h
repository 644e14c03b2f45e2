/* What the CA's resolver may still cache from our earlier validations.
 *
 * When acmeup asks the CA to validate a dns-01 challenge (RFC 8555 7.5.1),
 * the CA's resolver looks up _acme-challenge.NAME, follows any CNAME, and
 * keeps the TXT it finds for the record's TTL (RFC 1035 3.2.1, RFC 2181
 * 8). An order for the same name within that time meets the old value and
 * fails ("Correct value not found"). So acmeup notes, in STATE/challenges,
 * each challenge name, where its TXT went (the owner after CNAME/alias) and
 * the TTL and time of the validation, and before the next validation of
 * one of those names waits out what the CA may still cache, or, when that
 * is longer than CHCACHE_MAX_WAIT, fails the certificate saying when a
 * retry will work.
 *
 * STATE/challenges is text, written atomically (store_write_at) under an
 * flock on STATE/challenges.lock:
 *     acmeup-challenges 1
 *     AT TTL CHALLENGE OWNER
 * AT in seconds since the epoch, names lower case without the final dot.
 * It is read as hostile input: at most CHCACHE_MAX_BYTES, no symbolic
 * link followed, lines that do not parse skipped, expired entries dropped,
 * at most CHCACHE_MAX_ENTRIES kept. A file that cannot be read or written
 * costs only the wait (a warning), never the run.
 */
#ifndef ACMEUP_CHALLENGE_CACHE_H
#define ACMEUP_CHALLENGE_CACHE_H

#include <stddef.h>

#include "acmeup/name.h"

#define CHCACHE_FILE "challenges"
#define CHCACHE_MARGIN 1        /* seconds waited beyond the TTL */
#define CHCACHE_MAX_WAIT 300    /* longer remainders fail the certificate */
#define CHCACHE_MAX_TTL 86400   /* as --ttl; larger values are garbage */
#define CHCACHE_MAX_ENTRIES 4096
#define CHCACHE_MAX_BYTES (4 * 1024 * 1024)

/* One validation the CA was asked for. */
struct chcache_ent {
	long long at;               /* time(2) of the request (or later) */
	unsigned ttl;               /* TTL of the TXT published then */
	char challenge[NAME_BUF];   /* _acme-challenge.NAME */
	char owner[NAME_BUF];       /* where the TXT went (challenge when no
	                             * alias or CNAME) */
};

struct chcache {
	struct chcache_ent *ents;   /* owned */
	size_t n, cap;
};

void chcache_clear(struct chcache *c); /* accepts NULL and a zeroed c */

/* The seconds the CA may still cache an answer at challenge or owner
 * (owner NULL when not yet known) at time now: of the entries naming
 * either as their challenge or owner, the longest at + ttl +
 * CHCACHE_MARGIN - now, at most ttl + CHCACHE_MARGIN (a clock set back);
 * 0 when none. *hit (may be NULL) is that entry, or NULL. Names compared
 * without case. Pure. */
long long chcache_wait(const struct chcache *c, const char *challenge,
                       const char *owner, long long now,
                       const struct chcache_ent **hit);

/* Add (or refresh: same challenge and owner) an entry; the names are
 * checked as owner names (name.h) and normalised. ACMEUP_EINVAL for a
 * bad name or TTL, ACMEUP_ENOMEM. */
int chcache_note(struct chcache *c, const char *challenge, const char *owner,
                 unsigned ttl, long long at);

/* The entries of text (len bytes, a file's content) still live at now
 * into c (cleared first): lines that do not parse, expired entries and
 * entries dated after now + CHCACHE_MAX_TTL are skipped; without the
 * first line "acmeup-challenges 1" nothing is taken. *skipped (may be
 * NULL) counts the lines skipped for being garbage. Pure but for memory. */
int chcache_parse(const char *text, size_t len, long long now,
                  struct chcache *c, size_t *skipped);

/* c as the file's text: a new string *out (caller frees), *len bytes;
 * only the CHCACHE_MAX_ENTRIES entries that expire last when c has more. */
int chcache_format(const struct chcache *c, char **out, size_t *len);

/* STATE/challenges as chcache_parse() takes it at now. A missing file
 * is an empty c; a file that cannot be read is an empty c and a warning. */
int chcache_load(const char *state_dir, long long now, struct chcache *c);

/* Merge add (n entries) into STATE/challenges at now: under the lock,
 * read, drop what expired, add, write atomically. Failures are warnings
 * (the next run may then wait less than it should); ACMEUP_ENOMEM only. */
int chcache_store(const char *state_dir, const struct chcache *add,
                  long long now);

/* The wall clock, rounded up to the next second (an entry's at). */
long long chcache_now(void);

/* Sleep secs seconds, a status line counting down on a terminal.
 * ACMEUP_EINTR at SIGINT/SIGTERM/SIGHUP (interrupt.h). */
int chcache_sleep(long long secs, const char *what);

#endif
