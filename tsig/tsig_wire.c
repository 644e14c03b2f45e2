/* Walking DNS messages in wire format (RFC 1035 4.1), bounds-checked. */
#include "tsig_int.h"

#define PTR_JUMPS_MAX 64

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* RFC 1035 4.1.4: labels and compression pointers. Each pointer must point
 * before the label that holds it; with the 255-octet limit this ends every
 * walk. */
int
tsig_name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out,
               size_t *out_len)
{
	size_t pos = *off, next = 0, n = 0, ptr;
	int jumps = 0;
	uint8_t c;

	for (;;) {
		if (pos >= len)
			return TSIG_EFORMAT;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > PTR_JUMPS_MAX)
				return TSIG_EFORMAT;
			ptr = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
			if (ptr >= pos)
				return TSIG_EFORMAT;
			if (next == 0)
				next = pos + 2;
			pos = ptr;
			continue;
		}
		if ((c & 0xc0) != 0 || pos + 1 + c > len ||
		    n + 1 + c + (c != 0) > TSIG_NAME_MAX)
			return TSIG_EFORMAT;
		if (out != NULL) {
			size_t i;

			out[n] = c;
			for (i = 1; i <= c; i++) {
				uint8_t b = msg[pos + i];

				out[n + i] = (b >= 'A' && b <= 'Z') ?
				            (uint8_t)(b + 32) : b;
			}
		}
		n += 1 + (size_t)c;
		pos += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*off = next != 0 ? next : pos;
	if (out_len != NULL)
		*out_len = n;
	return 0;
}

/* Skips one RR at *off; *type receives its type. */
static int
rr_skip(const uint8_t *msg, size_t len, size_t *off, uint16_t *type)
{
	size_t pos = *off, rdlen;
	int rc;

	rc = tsig_name_read(msg, len, &pos, NULL, NULL);
	if (rc != 0)
		return rc;
	if (len - pos < 10)
		return TSIG_EFORMAT;
	*type = get16(msg + pos);
	rdlen = get16(msg + pos + 8);
	pos += 10;
	if (len - pos < rdlen)
		return TSIG_EFORMAT;
	*off = pos + rdlen;
	return 0;
}

int
tsig_msg_walk(const uint8_t *msg, size_t len, size_t *last_ar, int *tsig)
{
	size_t off = 12, start = len, i, nrr;
	uint16_t qd, type = 0;
	int rc;

	if (msg == NULL || len < 12)
		return TSIG_EFORMAT;
	qd = get16(msg + 4);
	nrr = (size_t)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
	for (i = 0; i < qd; i++) {
		rc = tsig_name_read(msg, len, &off, NULL, NULL);
		if (rc != 0)
			return rc;
		if (len - off < 4)
			return TSIG_EFORMAT;
		off += 4;
	}
	for (i = 0; i < nrr; i++) {
		start = off;
		rc = rr_skip(msg, len, &off, &type);
		if (rc != 0)
			return rc;
		/* RFC 8945 5.1: TSIG only as the last additional RR */
		if (type == TSIG_TYPE && i + 1 < nrr)
			return TSIG_EFORMAT;
	}
	if (off != len)
		return TSIG_EFORMAT;
	*last_ar = get16(msg + 10) > 0 ? start : len;
	*tsig = get16(msg + 10) > 0 && type == TSIG_TYPE;
	return 0;
}
