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
 * deactivate, on out. Returns how many (nothing printed for none). */
int persist_list(const char *state_dir, FILE *out);

#endif
