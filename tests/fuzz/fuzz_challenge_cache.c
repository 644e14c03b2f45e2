/* libFuzzer target: STATE/challenges as chcache_parse() reads it
 * (include/acmeup/challenge_cache.h), at a fixed clock.
 *
 * Besides memory errors (ASan, UBSan) it checks the parser's promises:
 * every entry kept is live and dated at most a day ahead, its TTL within
 * bounds and its names normalised; at most CHCACHE_MAX_ENTRIES; the wait
 * for any of its names is at most TTL + margin; and what chcache_format()
 * writes parses back to the same entries with nothing skipped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/challenge_cache.h"
#include "acmeup/error.h"
#include "acmeup/name.h"

#define NOW 1796400000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_entry(const struct chcache *c, const struct chcache_ent *e)
{
	char norm[NAME_BUF];
	long long w;

	if (e->ttl == 0 || e->ttl > CHCACHE_MAX_TTL ||
	    e->at + (long long)e->ttl + CHCACHE_MARGIN <= NOW ||
	    e->at > NOW + CHCACHE_MAX_TTL)
		abort();
	if (name_normalize(e->challenge, NAME_OWNER, norm, NULL) != NAME_OK ||
	    strcmp(norm, e->challenge) != 0 ||
	    name_normalize(e->owner, NAME_OWNER, norm, NULL) != NAME_OK ||
	    strcmp(norm, e->owner) != 0)
		abort();
	w = chcache_wait(c, e->challenge, e->owner, NOW, NULL);
	if (w <= 0 || w > CHCACHE_MAX_TTL + CHCACHE_MARGIN)
		abort();
}

static void
same(const struct chcache *a, const struct chcache *b)
{
	size_t i;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++)
		if (a->ents[i].at != b->ents[i].at ||
		    a->ents[i].ttl != b->ents[i].ttl ||
		    strcmp(a->ents[i].challenge, b->ents[i].challenge) != 0 ||
		    strcmp(a->ents[i].owner, b->ents[i].owner) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chcache c = { 0 }, back = { 0 };
	size_t i, skipped = 0;
	char *text = NULL;
	size_t len = 0;

	if (chcache_parse((const char *)data, size, NOW, &c, &skipped) != 0)
		return 0; /* ENOMEM only */
	if (c.n > CHCACHE_MAX_ENTRIES)
		abort();
	for (i = 0; i < c.n; i++)
		check_entry(&c, &c.ents[i]);
	if (chcache_format(&c, &text, &len) == 0) {
		if (chcache_parse(text, len, NOW, &back, &skipped) != 0 ||
		    skipped != 0)
			abort();
		same(&c, &back);
	}
	free(text);
	chcache_clear(&back);
	chcache_clear(&c);
	acmeup_err_clear();
	return 0;
}
