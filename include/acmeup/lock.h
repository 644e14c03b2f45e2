/* Advisory locks (flock) so that cron, a manual run and hosts sharing a
 * state directory never work on the same certificate at once. */
#ifndef ACMEUP_LOCK_H
#define ACMEUP_LOCK_H

struct lock; /* opaque */

/* Take state_dir/locks/<name>.lock exclusively. With wait_s 0, fail at once
 * with ACMEUP_EBUSY ("certificate NAME is being issued by process PID")
 * when another process holds it; else wait up to wait_s seconds.
 * *out owned by the caller; lock_release() frees it. */
int lock_cert(const char *state_dir, const char *name, unsigned wait_s,
              struct lock **out);

/* Take state_dir/state.lock: shared (exclusive 0) by runs that use the
 * account key, exclusive while it is created or changed (rollover,
 * deactivation). Waits up to wait_s seconds, then ACMEUP_EBUSY naming the
 * exclusive holder's PID. *out owned by the caller. */
int lock_state(const char *state_dir, int exclusive, unsigned wait_s,
               struct lock **out);

/* Turn an exclusive lock into a shared one (after the account key exists).
 * Another process may take it in between; callers only need "no exclusive
 * holder from now on". */
int lock_share(struct lock *l);

void lock_release(struct lock *l); /* accepts NULL */

#endif
