/* Printable, bounded text from untrusted peers (see text.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acmeup/text.h"

#define ELLIPSIS "..."

size_t
text_printable(const char *in, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, room = size - sizeof(ELLIPSIS); /* keep "...\0" */
	unsigned char b;

	for (i = 0; i < len; i++) {
		b = (unsigned char)in[i];
		if (b >= 0x20 && b <= 0x7e) {
			if (o + 1 > room)
				break;
			out[o++] = (char)b;
			continue;
		}
		if (o + 4 > room)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[b >> 4];
		out[o++] = hex[b & 0xf];
	}
	if (i < len) {
		memcpy(out + o, ELLIPSIS, sizeof(ELLIPSIS) - 1);
		o += sizeof(ELLIPSIS) - 1;
	}
	out[o] = '\0';
	return o;
}

const char *
text_clip(const char *in, size_t max, char *buf, size_t size)
{
	size_t n;

	if (in == NULL || strnlen(in, max + 1) <= max || size < max + 4)
		return in;
	n = max;
	/* back off over UTF-8 continuation bytes to the start of a sequence */
	while (n > 0 && ((unsigned char)in[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, in, n);
	memcpy(buf + n, ELLIPSIS, sizeof(ELLIPSIS));
	return buf;
}

int
text_vprintf(FILE *f, const char *fmt, va_list ap)
{
	char raw[TEXT_LINE_MAX], safe[TEXT_LINE_MAX];
	size_t len, flen = strlen(fmt);
	int n, nl, cut;

	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		return -1;
	nl = flen > 0 && fmt[flen - 1] == '\n';
	cut = (size_t)n >= sizeof(raw);
	len = cut ? sizeof(raw) - 1 : (size_t)n - (size_t)nl;
	text_printable(raw, len, safe, sizeof(safe));
	if (fputs(safe, f) == EOF || (cut && fputs(ELLIPSIS, f) == EOF) ||
	    (nl && fputc('\n', f) == EOF))
		return -1;
	return 0;
}

int
text_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = text_vprintf(f, fmt, ap);
	va_end(ap);
	return rc;
}

/* Levenshtein distance, one row at a time; TEXT_NEAR_LEN_MAX or more
 * for longer words (never a near match). */
size_t
text_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp;
	size_t row[TEXT_NEAR_LEN_MAX];

	if (la >= TEXT_NEAR_LEN_MAX || lb >= TEXT_NEAR_LEN_MAX)
		return TEXT_NEAR_LEN_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j] > row[j - 1] + 1)
				row[j] = row[j - 1] + 1;
			if (row[j] > tmp + 1)
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

void
text_near_init(struct text_near *n, const char *word)
{
	n->word = word;
	n->best = NULL;
	n->dist = TEXT_NEAR_EDITS + 1;
}

void
text_near_offer(struct text_near *n, const char *candidate)
{
	size_t d = text_distance(n->word, candidate);

	if (d < n->dist) {
		n->dist = d;
		n->best = candidate;
	}
}

void
text_time(long long t, const char *fmt, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "@%lld", t);
}
