/* The keys process's messages: building, framing and the checked decoder
 * (priv_internal.h has the layout). Both sides treat what arrives as
 * untrusted: the keys process must not be driven by a corrupted network
 * process, nor the network process by a corrupted answer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "priv_internal.h"

#define KIND_NUM 1
#define KIND_BYTES 2

/* Schemas by type: 'n' a number, 'b' octets. */
static const struct {
	unsigned type;
	const char *schema;
} schemas[] = {
	{ PRIV_TSIG_SIGN, "nnnb" },
	{ PRIV_TSIG_VERIFY, "nnnbnb" },
	{ PRIV_JWS_SIGN, "nb" },
	{ PRIV_CERTKEY_NEW, "nbb" },
	{ PRIV_CERTKEY_PEM, "n" },
	{ PRIV_CERTKEY_FREE, "n" },
	{ PRIV_ACCOUNT_OPEN, "bnn" },
	{ PRIV_JOURNAL_KEYS, "b" },
	{ PRIV_ACCOUNT_STAGE, "bn" },
	{ PRIV_KEY_LOAD, "b" },
	{ PRIV_GSS_CRED, "bbn" },
	{ PRIV_GSS_NEW, "bbnn" },
	{ PRIV_GSS_STEP, "nb" },
	{ PRIV_GSS_SIGN, "nnnnb" },
	{ PRIV_GSS_VERIFY, "nnnbnb" },
	{ PRIV_GSS_FREE, "n" },
	{ PRIV_REPLY | PRIV_TSIG_SIGN, "nbbn" },
	{ PRIV_REPLY | PRIV_TSIG_VERIFY, "nnnn" },
	{ PRIV_REPLY | PRIV_JWS_SIGN, "b" },
	{ PRIV_REPLY | PRIV_CERTKEY_NEW, "nbb" },
	{ PRIV_REPLY | PRIV_CERTKEY_PEM, "b" },
	{ PRIV_REPLY | PRIV_CERTKEY_FREE, "" },
	{ PRIV_REPLY | PRIV_ACCOUNT_OPEN, "nb" },
	{ PRIV_REPLY | PRIV_JOURNAL_KEYS, "b" },
	{ PRIV_REPLY | PRIV_ACCOUNT_STAGE, "nb" },
	{ PRIV_REPLY | PRIV_KEY_LOAD, "nb" },
	{ PRIV_REPLY | PRIV_GSS_CRED, "nnbb" },
	{ PRIV_REPLY | PRIV_GSS_NEW, "nnb" },
	{ PRIV_REPLY | PRIV_GSS_STEP, "nnbbn" },
	{ PRIV_REPLY | PRIV_GSS_SIGN, "nbbn" },
	{ PRIV_REPLY | PRIV_GSS_VERIFY, "nnnnn" },
	{ PRIV_REPLY | PRIV_GSS_FREE, "" },
	{ PRIV_ERROR, "nb" },
};

static const char *
priv_msg_schema(unsigned t)
{
	size_t i;

	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
		if (schemas[i].type == t)
			return schemas[i].schema;
	return NULL;
}

static uint64_t
get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* Room for more octets; wiping what moves (bodies carry keys). */
static int
grow(struct priv_buf *b, size_t more)
{
	uint8_t *p;
	size_t cap;

	if (b->failed || b->len + more > PRIV_MSG_MAX + 4) {
		b->failed = 1;
		return -1;
	}
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(p, b->p, b->len);
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
priv_buf_start(struct priv_buf *b, unsigned t)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	b->len = 0;
	b->failed = 0;
	if (grow(b, 8) != 0)
		return;
	put_be(b->p, 0, 4); /* the frame's length, set by priv_send */
	put_be(b->p + 4, t, 2);
	put_be(b->p + 6, 0, 2);
	b->len = 8;
}

static void
count_field(struct priv_buf *b)
{
	uint64_t n = get_be(b->p + 6, 2);

	if (n >= PRIV_FIELDS_MAX)
		b->failed = 1;
	put_be(b->p + 6, n + 1, 2);
}

void
priv_put_num(struct priv_buf *b, uint64_t v)
{
	if (b->p == NULL || grow(b, 9) != 0)
		return;
	count_field(b);
	b->p[b->len] = KIND_NUM;
	put_be(b->p + b->len + 1, v, 8);
	b->len += 9;
}

void
priv_put_bytes(struct priv_buf *b, const void *p, size_t len)
{
	if (b->p == NULL || len > PRIV_MSG_MAX || grow(b, 5 + len) != 0)
		return;
	count_field(b);
	b->p[b->len] = KIND_BYTES;
	put_be(b->p + b->len + 1, len, 4);
	if (len > 0)
		memcpy(b->p + b->len + 5, p, len);
	b->len += 5 + len;
}

void
priv_buf_free(struct priv_buf *b)
{
	if (b == NULL || b->p == NULL)
		return;
	explicit_bzero(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* One field of kind k at body[*off..len). */
static int
decode_field(const uint8_t *body, size_t len, size_t *off, char k,
             struct priv_field *f)
{
	size_t o = *off, n;

	if (o >= len)
		return -1;
	if (k == 'n') {
		if (body[o] != KIND_NUM || len - o < 9)
			return -1;
		f->is_num = 1;
		f->num = get_be(body + o + 1, 8);
		*off = o + 9;
		return 0;
	}
	if (body[o] != KIND_BYTES || len - o < 5)
		return -1;
	n = (size_t)get_be(body + o + 1, 4);
	if (n > len - o - 5)
		return -1;
	f->is_num = 0;
	f->data = body + o + 5;
	f->len = n;
	*off = o + 5 + n;
	return 0;
}

int
priv_msg_decode(const uint8_t *body, size_t len, struct priv_msg *m)
{
	const char *schema;
	size_t off = 4, i, n;

	memset(m, 0, sizeof(*m));
	if (len < 4 || len > PRIV_MSG_MAX)
		return acmeup_fail(ACMEUP_EPROTO, "keys process message: %zu "
		                   "octets", len);
	m->type = (unsigned)get_be(body, 2);
	n = (size_t)get_be(body + 2, 2);
	schema = priv_msg_schema(m->type);
	if (schema == NULL || n != strlen(schema))
		return acmeup_fail(ACMEUP_EPROTO, "keys process message: type "
		                   "%u with %zu fields", m->type, n);
	for (i = 0; i < n; i++)
		if (decode_field(body, len, &off, schema[i], &m->f[i]) != 0)
			return acmeup_fail(ACMEUP_EPROTO, "keys process message "
			                   "type %u: field %zu malformed", m->type,
			                   i + 1);
	if (off != len)
		return acmeup_fail(ACMEUP_EPROTO, "keys process message type %u: "
		                   "%zu octets after the fields", m->type,
		                   len - off);
	m->n = n;
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ACMEUP_EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = EPIPE;
		if (r <= 0)
			return ACMEUP_EIO;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int
priv_send(int fd, const struct priv_buf *b)
{
	if (b->failed || b->p == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "keys process message: out of "
		                   "memory or over %d octets", PRIV_MSG_MAX);
	put_be(b->p, b->len - 4, 4);
	return write_all(fd, b->p, b->len);
}

int
priv_recv(int fd, uint8_t **body, size_t *len)
{
	uint8_t hdr[4], *p;
	size_t n;

	if (read_all(fd, hdr, sizeof(hdr)) != 0)
		return ACMEUP_EIO;
	n = (size_t)get_be(hdr, 4);
	if (n < 4 || n > PRIV_MSG_MAX)
		return acmeup_fail(ACMEUP_EPROTO, "keys process frame of %zu "
		                   "octets", n);
	p = malloc(n);
	if (p == NULL)
		return ACMEUP_ENOMEM;
	if (read_all(fd, p, n) != 0) {
		explicit_bzero(p, n);
		free(p);
		return ACMEUP_EIO;
	}
	*body = p;
	*len = n;
	return 0;
}

void
priv_status_text(int st, char *buf, size_t len)
{
	if (st == -1)
		snprintf(buf, len, "vanished");
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st),
		         strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
}
