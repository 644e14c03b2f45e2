/* Text for a person: what the CA, DNS servers and files we did not create
 * say is shown only as printable ASCII, bounded in length.
 *
 * The error detail (acmeup_fail) and the --json summary keep the exact
 * text (json-c escapes it); escaping happens where a line is written for a
 * person: log lines, the final error, reports on stdout. Every byte outside
 * 0x20..0x7e becomes \xHH, so an escape sequence or a newline from a peer
 * can neither drive the terminal nor forge a log line.
 */
#ifndef ACMEUP_TEXT_H
#define ACMEUP_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define TEXT_FIELD_MAX 512  /* one peer string within a message */
#define TEXT_LINE_MAX 4096  /* one written line, escaped */

/* Escape in[0..len) into out[0..size) (size >= 4; always NUL-terminated):
 * bytes outside 0x20..0x7e as \xHH. When it does not fit, as much as fits
 * followed by "...". Returns the length written. Pure. */
size_t text_printable(const char *in, size_t len, char *out, size_t size);

/* A peer string for a message: in itself when at most max bytes, else its
 * first bytes (not splitting a UTF-8 sequence) and "..." in buf[0..size),
 * size > max + 3. NULL stays NULL. Pure; does not escape. */
const char *text_clip(const char *in, size_t max, char *buf, size_t size);

/* printf to f, escaped as text_printable, but for one newline at the end
 * of the formatted text; at most TEXT_LINE_MAX bytes. Returns 0, or -1 on
 * a write error. */
int text_printf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As text_printf, with a va_list. */
int text_vprintf(FILE *f, const char *fmt, va_list ap);

/* "Did you mean": the candidate closest to a mistyped word (a setting of
 * the configuration file, a long option), within TEXT_NEAR_EDITS edits.
 *   struct text_near n;
 *   text_near_init(&n, word);
 *   for each candidate: text_near_offer(&n, candidate);
 *   n.best: the closest (the first of equals), or NULL when none is near.
 * Borrows word and the candidates. Pure. */
#define TEXT_NEAR_EDITS 2
#define TEXT_NEAR_LEN_MAX 64 /* longer words match nothing */

struct text_near {
	const char *word;
	const char *best;
	size_t dist;
};

void text_near_init(struct text_near *n, const char *word);
void text_near_offer(struct text_near *n, const char *candidate);

/* Edit (Levenshtein) distance of a and b; TEXT_NEAR_LEN_MAX when either
 * is that long or longer. */
size_t text_distance(const char *a, const char *b);

/* t (seconds since the epoch) in UTC by the strftime format fmt into buf,
 * or "@T" when it cannot be shown. */
void text_time(long long t, const char *fmt, char *buf, size_t len);

#endif
