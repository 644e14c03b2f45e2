/* The journal: which challenge records this run added, on disk before the
 * UPDATE goes out, so that after kill -9 or a power loss the next run (or
 * `acmeup cleanup`) removes exactly those records, with the key that added
 * them. One file per run under STATE_DIR/journal/ (ID.journal, written
 * atomically with store_write), next to ID.lock, which the run holds
 * flock()ed while it lives: a journal whose lock is free belongs to a run
 * that died. Key files and key names are recorded, never secrets.
 * Plain text (one record a line), readable by a person. */
#ifndef ACMEUP_JOURNAL_H
#define ACMEUP_JOURNAL_H

#include <stddef.h>
#include <sys/types.h>

/* One TXT record added. Strings owned by whoever filled the struct;
 * journal_read() results are freed with journal_recs_free(). */
struct journal_rec {
	char *zone;     /* apex, without trailing dot */
	char *server;   /* "ADDR:PORT" the UPDATE went to */
	char *key_file; /* the TSIG key file; "-" for a key given with -y */
	char *key_name;
	char *owner;    /* the TXT's owner name */
	char *value;    /* the TXT value */
};

struct journal; /* opaque */

/* A new journal for this run under state_dir (created 0700 when missing):
 * takes its lock; no file is written until journal_write(). */
int journal_open(const char *state_dir, struct journal **out);

/* Replace the journal's records with recs[0..n) atomically; n == 0
 * removes the file. */
int journal_write(struct journal *j, const struct journal_rec *recs,
                  size_t n);

/* Release the lock and free j; the lock file goes too when no records
 * are left. Accepts NULL. */
void journal_close(struct journal *j);

const char *journal_path(const struct journal *j); /* borrowed */

/* Every journal file under state_dir (none when the directory is
 * missing). *paths (each and the array) owned by the caller. */
int journal_list(const char *state_dir, char ***paths, size_t *n);
void journal_paths_free(char **paths, size_t n);

/* Take the journal at path for cleaning: 1 claimed (*out set), 0 when a
 * living run holds it or it is gone already (*pid = its writer, from the
 * file, or 0). */
int journal_claim(const char *path, struct journal **out, pid_t *pid);

/* The records of a claimed journal, with its writer's pid and start time
 * (seconds since the epoch). */
int journal_read(const struct journal *j, struct journal_rec **recs,
                 size_t *n, pid_t *pid, long long *started);
void journal_recs_free(struct journal_rec *recs, size_t n);

/* The records of the journal file at path, read as text without taking
 * it (its lock is the recovery's business): to learn which keys and
 * credentials the journals name before the recovery. */
int journal_peek(const char *path, struct journal_rec **recs, size_t *n);

/* The file format, for tests: text of recs, and recs from text. */
int journal_format(const struct journal_rec *recs, size_t n, pid_t pid,
                   long long started, char **out, size_t *len);
int journal_parse(const char *text, const char *path,
                  struct journal_rec **recs, size_t *n, pid_t *pid,
                  long long *started);

#endif
