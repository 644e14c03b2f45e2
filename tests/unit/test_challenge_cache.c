/* STATE/challenges (challenge_cache.h): the wait decision at fixed times,
 * the file's parsing as hostile input (garbage, huge, NUL bytes, dates
 * out of range, too many entries), expired entries pruned, the atomic
 * store in a real directory (a symbolic link there is replaced, never
 * followed; an oversized file is ignored and rewritten). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "acmeup/challenge_cache.h"
#include "acmeup/error.h"
#include "acmeup/log.h"

#define T0 1796400000LL
#define CA "_acme-challenge.a.example.test"
#define CB "_acme-challenge.b.example.test"
#define TGT "a.acme-challenges.contoso.test"

static char top[] = "/tmp/acmeup-test-chcache.XXXXXX";

/* --- the decision ------------------------------------------------------- */

static void
wait_none(void **state)
{
	struct chcache c = { 0 };
	const struct chcache_ent *hit = (const void *)&c;

	(void)state;
	assert_int_equal(chcache_wait(&c, CA, NULL, T0, &hit), 0);
	assert_null(hit);
	assert_int_equal(chcache_wait(NULL, CA, TGT, T0, NULL), 0);
}

static void
wait_remainder(void **state)
{
	struct chcache c = { 0 };
	const struct chcache_ent *hit = NULL;

	(void)state;
	assert_int_equal(chcache_note(&c, CA, CA, 10, T0), 0);
	/* TTL 10 + 1 s margin from T0. */
	assert_int_equal(chcache_wait(&c, CA, NULL, T0, &hit), 11);
	assert_non_null(hit);
	assert_string_equal(hit->challenge, CA);
	assert_int_equal(chcache_wait(&c, CA, NULL, T0 + 4, NULL), 7);
	assert_int_equal(chcache_wait(&c, CA, NULL, T0 + 10, NULL), 1);
	assert_int_equal(chcache_wait(&c, CA, NULL, T0 + 11, NULL), 0);
	assert_int_equal(chcache_wait(&c, CA, NULL, T0 + 500, NULL), 0);
	/* Another name: nothing; case does not matter. */
	assert_int_equal(chcache_wait(&c, CB, NULL, T0, NULL), 0);
	assert_int_equal(chcache_wait(&c, "_ACME-Challenge.A.example.TEST",
	    NULL, T0 + 1, NULL), 10);
	/* The clock set back: never more than TTL + margin. */
	assert_int_equal(chcache_wait(&c, CA, NULL, T0 - 3600, NULL), 11);
	chcache_clear(&c);
}

/* Through an alias: the CA caches the TXT at the target; another name
 * aliased to the same target meets it. */
static void
wait_alias(void **state)
{
	struct chcache c = { 0 };
	const struct chcache_ent *hit = NULL;

	(void)state;
	assert_int_equal(chcache_note(&c, CA, TGT, 30, T0), 0);
	assert_int_equal(chcache_wait(&c, CB, TGT, T0 + 1, &hit), 30);
	assert_string_equal(hit->owner, TGT);
	assert_int_equal(chcache_wait(&c, CB, NULL, T0 + 1, NULL), 0);
	/* Before publishing the target is unknown: the challenge name finds
	 * the entry. */
	assert_int_equal(chcache_wait(&c, CA, NULL, T0 + 1, NULL), 30);
	assert_int_equal(chcache_wait(&c, TGT, NULL, T0 + 1, NULL), 30);
	chcache_clear(&c);
}

/* The longest remainder wins; a refresh keeps the later entry. */
static void
wait_longest(void **state)
{
	struct chcache c = { 0 };
	const struct chcache_ent *hit = NULL;

	(void)state;
	assert_int_equal(chcache_note(&c, CA, CA, 10, T0), 0);
	assert_int_equal(chcache_note(&c, CA, TGT, 60, T0 - 30), 0);
	assert_int_equal(chcache_wait(&c, CA, NULL, T0, &hit), 31);
	assert_int_equal(hit->ttl, 60);
	assert_int_equal(chcache_note(&c, CA, CA, 10, T0 + 5), 0);
	assert_int_equal(chcache_note(&c, CA, CA, 10, T0 - 5), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ents[0].at, T0 + 5);
	assert_int_equal(chcache_wait(&c, CB, CA, T0 + 5, &hit), 26);
	assert_string_equal(hit->owner, TGT);
	chcache_clear(&c);
}

static void
note_checks(void **state)
{
	struct chcache c = { 0 };

	(void)state;
	assert_int_equal(chcache_note(&c, "a b.example", CA, 10, T0),
	    ACMEUP_EINVAL);
	assert_int_equal(chcache_note(&c, CA, "", 10, T0), ACMEUP_EINVAL);
	assert_int_equal(chcache_note(&c, CA, CA, 0, T0), ACMEUP_EINVAL);
	assert_int_equal(chcache_note(&c, CA, CA, 86401, T0), ACMEUP_EINVAL);
	assert_int_equal(chcache_note(&c, CA, CA, 10, 0), ACMEUP_EINVAL);
	assert_int_equal(chcache_note(&c, "_ACME-CHALLENGE.A.Example.Test.",
	    CA, 10, T0), 0);
	assert_string_equal(c.ents[0].challenge, CA);
	chcache_clear(&c);
}

/* --- the file's text ---------------------------------------------------- */

static void
parse_good(void **state)
{
	const char *t = "acmeup-challenges 1\n"
	    "1796400000 10 " CA " " CA "\n"
	    "# a comment\n\n"
	    "1796400005\t30\t" CB "\t" TGT "\r\n";
	struct chcache c = { 0 };
	size_t bad = 9;

	(void)state;
	assert_int_equal(chcache_parse(t, strlen(t), T0, &c, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ents[1].at, T0 + 5);
	assert_int_equal(c.ents[1].ttl, 30);
	assert_string_equal(c.ents[1].owner, TGT);
	chcache_clear(&c);
}

static void
parse_garbage(void **state)
{
	char t[2000];
	struct chcache c = { 0 };
	size_t bad = 0, n;

	(void)state;
	n = (size_t)snprintf(t, sizeof(t), "acmeup-challenges 1\n"
	    "1796400000 10 " CA "\n"                       /* 3 fields */
	    "1796400000 10 " CA " " CA " extra\n"         /* 5 fields */
	    "-5 10 " CA " " CA "\n"                        /* negative */
	    "1796400000 0x10 " CA " " CA "\n"              /* not decimal */
	    "99999999999999999999999 10 " CA " " CA "\n"   /* overflow */
	    "1796400000 86401 " CA " " CA "\n"             /* TTL too long */
	    "1796400000 10 bad!name.test " CA "\n"         /* bad name */
	    "1796400000 10 " CA " a..b\n"                  /* empty label */
	    "1796400000 10 %s " CA "\n"                    /* 300 chars */
	    "1796400000 10 " CB " " CB "\n",               /* the good one */
	    "x.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(chcache_parse(t, n, T0, &c, &bad), 0);
	assert_int_equal(bad, 9);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ents[0].challenge, CB);
	chcache_clear(&c);
}

/* A NUL byte, an endless line, no magic, no final newline. */
static void
parse_hostile(void **state)
{
	const char head[] = "acmeup-challenges 1\n";
	const char ok[] = "1796400000 10 " CA " " CA;
	struct chcache c = { 0 };
	size_t bad = 0, n = 100000;
	char *t = malloc(n);

	(void)state;
	assert_non_null(t);
	memcpy(t, head, sizeof(head) - 1);
	memset(t + sizeof(head) - 1, 'x', n - sizeof(head) + 1);
	assert_int_equal(chcache_parse(t, n, T0, &c, &bad), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(bad, 1);

	n = (size_t)snprintf(t, 1000, "%s1796400000 10 %s%c %s\n%s", head,
	    CB, '\0', CB, ok);
	assert_int_equal(chcache_parse(t, n, T0, &c, &bad), 0);
	assert_int_equal(bad, 1);
	assert_int_equal(c.n, 1); /* the last line, without a newline */
	assert_string_equal(c.ents[0].challenge, CA);

	n = (size_t)snprintf(t, 1000, "acmeup-challenges 2\n%s\n", ok);
	assert_int_equal(chcache_parse(t, n, T0, &c, &bad), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(bad, 1);
	assert_int_equal(chcache_parse("", 0, T0, &c, &bad), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(bad, 0);
	free(t);
}

/* Expired entries and entries dated too far ahead are dropped. */
static void
parse_prunes(void **state)
{
	const char *t = "acmeup-challenges 1\n"
	    "1796399989 10 " CA " " CA "\n"   /* expired at T0 */
	    "1796399990 10 " CB " " CB "\n"   /* 1 s left */
	    "1796500000 10 " CA " " TGT "\n"; /* over a day ahead */
	struct chcache c = { 0 };
	size_t bad = 0;

	(void)state;
	assert_int_equal(chcache_parse(t, strlen(t), T0, &c, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ents[0].challenge, CB);
	assert_int_equal(chcache_wait(&c, CB, NULL, T0, NULL), 1);
	chcache_clear(&c);
}

/* format, then parse: the same entries; over the cap, the latest kept. */
static void
format_round_trip(void **state)
{
	struct chcache c = { 0 }, back = { 0 };
	char name[64], *text = NULL;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < CHCACHE_MAX_ENTRIES + 10; i++) {
		snprintf(name, sizeof(name), "_acme-challenge.h%zu.test", i);
		assert_int_equal(chcache_note(&c, name, name, 10,
		    T0 + (long long)i), 0);
	}
	assert_int_equal(chcache_format(&c, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_int_equal(chcache_parse(text, len, T0, &back, NULL), 0);
	assert_int_equal(back.n, CHCACHE_MAX_ENTRIES);
	/* The 10 that expire first are the ones left out. */
	assert_int_equal(chcache_wait(&back, "_acme-challenge.h9.test", NULL,
	    T0, NULL), 0);
	assert_int_equal(chcache_wait(&back, "_acme-challenge.h10.test", NULL,
	    T0 + 10, NULL), 11);
	free(text);
	chcache_clear(&back);
	chcache_clear(&c);
}

/* --- the file ------------------------------------------------------------ */

static const char *
p(const char *name)
{
	static char buf[2][512];
	static int i;

	i = (i + 1) % 2;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0600), 0);
}

static void
file_store_load(void **state)
{
	struct chcache add = { 0 }, c = { 0 };
	struct stat st;

	(void)state;
	/* No file yet: nothing to wait for. */
	assert_int_equal(chcache_load(top, T0, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(chcache_note(&add, CA, CA, 10, T0), 0);
	assert_int_equal(chcache_store(top, &add, T0), 0);
	assert_int_equal(stat(p(CHCACHE_FILE), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	chcache_clear(&add);
	/* A later store prunes what expired by then and keeps the rest. */
	assert_int_equal(chcache_note(&add, CB, CB, 10, T0 + 5), 0);
	assert_int_equal(chcache_store(top, &add, T0 + 12), 0);
	assert_int_equal(chcache_load(top, T0 + 5, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ents[0].challenge, CB);
	chcache_clear(&add);
	chcache_clear(&c);
}

/* A symbolic link at STATE/challenges is not followed: not read, and
 * replaced by the file (its target untouched). */
static void
file_symlink(void **state)
{
	struct chcache add = { 0 }, c = { 0 };
	char buf[64] = "";
	struct stat st;
	FILE *fp;

	(void)state;
	put(p("elsewhere"), "acmeup-challenges 1\n"
	    "1796400000 10 " CA " " CA "\n");
	unlink(p(CHCACHE_FILE));
	assert_int_equal(symlink(p("elsewhere"), p(CHCACHE_FILE)), 0);
	assert_int_equal(chcache_load(top, T0, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(chcache_note(&add, CB, CB, 10, T0), 0);
	assert_int_equal(chcache_store(top, &add, T0), 0);
	assert_int_equal(lstat(p(CHCACHE_FILE), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	fp = fopen(p("elsewhere"), "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_non_null(strstr(buf, CA));
	assert_int_equal(chcache_load(top, T0, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ents[0].challenge, CB);
	chcache_clear(&add);
	chcache_clear(&c);
}

/* Over CHCACHE_MAX_BYTES: ignored (a warning), then rewritten small. */
static void
file_huge(void **state)
{
	struct chcache add = { 0 }, c = { 0 };
	struct stat st;
	int fd;

	(void)state;
	unlink(p(CHCACHE_FILE));
	fd = open(p(CHCACHE_FILE), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "acmeup-challenges 1\n", 20), 20);
	assert_int_equal(ftruncate(fd, CHCACHE_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(chcache_load(top, T0, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(chcache_note(&add, CA, CA, 10, T0), 0);
	assert_int_equal(chcache_store(top, &add, T0), 0);
	assert_int_equal(stat(p(CHCACHE_FILE), &st), 0);
	assert_true(st.st_size < 200);
	assert_int_equal(chcache_load(top, T0, &c), 0);
	assert_int_equal(c.n, 1);
	chcache_clear(&add);
	chcache_clear(&c);
}

/* Two processes noting at once: the lock loses no update. */
static void
file_concurrent(void **state)
{
	struct chcache add = { 0 }, c = { 0 };
	char name[64];
	int i, status = -1;
	pid_t pid;

	(void)state;
	unlink(p(CHCACHE_FILE));
	pid = fork();
	assert_true(pid >= 0);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "_acme-challenge.%s%d.test",
		    pid == 0 ? "child" : "parent", i);
		chcache_clear(&add);
		if (chcache_note(&add, name, name, 60, T0) != 0 ||
		    chcache_store(top, &add, T0) != 0) {
			if (pid == 0)
				_exit(1);
			fail();
		}
	}
	chcache_clear(&add);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(chcache_load(top, T0, &c), 0);
	assert_int_equal(c.n, 40);
	chcache_clear(&c);
}

static int
setup(void **state)
{
	(void)state;
	log_init(0);
	return mkdtemp(top) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(p(CHCACHE_FILE));
	unlink(p("challenges.lock"));
	unlink(p("elsewhere"));
	return rmdir(top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wait_none),
		cmocka_unit_test(wait_remainder),
		cmocka_unit_test(wait_alias),
		cmocka_unit_test(wait_longest),
		cmocka_unit_test(note_checks),
		cmocka_unit_test(parse_good),
		cmocka_unit_test(parse_garbage),
		cmocka_unit_test(parse_hostile),
		cmocka_unit_test(parse_prunes),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(file_store_load),
		cmocka_unit_test(file_symlink),
		cmocka_unit_test(file_huge),
		cmocka_unit_test(file_concurrent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
