/* STATE/persist: the dns-persist-01 records `acmeup persist` published
 * (store/persist_track.c), so that none is forgotten; list and dns-check
 * show them. Text, written atomically under the state lock:
 *     acmeup-persist 1
 *     <name> TAB <TXT value>
 * A line that is not of that form is dropped when the file is next
 * written; the file is ours but its values are checked before use. */
#ifndef ACMEUP_PERSIST_TRACK_H
#define ACMEUP_PERSIST_TRACK_H

#include <stdio.h>

#define PERSIST_FILE "persist"

/* Note value (NULL: none any more) as name's record. */
int persist_track(const char *state_dir, const char *name, const char *value);

/* name's noted value into *value (caller frees), NULL when none. */
int persist_tracked(const char *state_dir, const char *name, char **value);

/* Every noted record, for `acmeup list` (its table's end) and account
 * deactivate, on out, each marked as this account's or another's when
 * account (the last run's URL, STATE/account.url) is known. Returns how
 * many (nothing printed for none). */
int persist_list(const char *state_dir, const char *account, FILE *out);

/* 1 when value's accounturi is account (NULL: 0). */
int persist_value_account_is(const char *value, const char *account);

/* The noted records (at most PERSIST_RECS_MAX), for list --json. */
#define PERSIST_RECS_MAX 4096
struct persist_rec {
	char *name;
	char *value;
};
struct persist_recs {
	struct persist_rec *v;
	size_t n;
	int failed;
};
int persist_records(const char *state_dir, struct persist_recs *out);
void persist_records_clear(struct persist_recs *r); /* accepts NULL */

#endif
