/* acmeup error convention.
 *
 * Every function that can fail returns 0 or a negative ACMEUP_E* code
 * (never a bare -1). Where a person needs more than the code's text (which
 * server, zone, key, file, line), the failing function records a one-line
 * detail with acmeup_fail() and returns its code; a caller that knows more
 * context prefixes it with acmeup_err_context(); the top level prints
 * acmeup_errmsg().
 *
 * Details go to the current error record: the process's own, or one a
 * caller made current for a job or context (acmeup_err_use()), as curl
 * keeps an error buffer per handle. In a record the first failure wins:
 * cleanup that fails after it cannot overwrite it. A caller that handles a
 * failure and goes on (a warning, a fallback) drops it with
 * acmeup_err_clear(), so that the next failure is recorded.
 */
#ifndef ACMEUP_ERROR_H
#define ACMEUP_ERROR_H

enum {
	ACMEUP_OK = 0,
	ACMEUP_ENOMEM = -15,  /* out of memory (not -1: that is no code) */
	ACMEUP_EINVAL = -2,   /* invalid argument or input */
	ACMEUP_EIO = -3,      /* file or system I/O error */
	ACMEUP_ECRYPTO = -4,  /* key, signature or certificate error */
	ACMEUP_EHTTP = -5,    /* transport error talking to the CA */
	ACMEUP_EACME = -6,    /* the CA answered with a problem document */
	ACMEUP_EPROTO = -7,   /* malformed or unexpected data from a peer */
	ACMEUP_EDNS = -8,     /* DNS query failed or answered with an error */
	ACMEUP_ETSIG = -9,    /* TSIG key or signature error */
	ACMEUP_ETIMEOUT = -10, /* a bounded wait ran out */
	ACMEUP_EUSAGE = -11,  /* bad command line */
	ACMEUP_EINTR = -12,   /* interrupted by a signal */
	ACMEUP_EBUSY = -13,   /* another process holds the lock */
	ACMEUP_EHOOK = -14,   /* a deploy hook failed */
};

#define ACMEUP_ERRMSG_MAX 1024

/* One error record: the first failure recorded in it, or none. */
struct acmeup_err {
	int code;                      /* 0: no failure recorded */
	char msg[ACMEUP_ERRMSG_MAX];
};

/* Static text for a code; never NULL. */
const char *acmeup_strerror(int code);

/* Make e the current record (NULL: the process's own) and return the one
 * current before, for the caller to restore with acmeup_err_use(prev). */
struct acmeup_err *acmeup_err_use(struct acmeup_err *e);

/* Record a formatted detail for code in the current record unless it holds
 * a failure already (the first wins); return code. */
int acmeup_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefix the current record's detail with "context: " (recording
 * "context: strerror(code)" when it holds none); return code. */
int acmeup_err_context(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The current record's detail, or acmeup_strerror(code) when it holds
 * none. Borrowed; valid until the record changes. */
const char *acmeup_errmsg(int code);

/* e's detail, or acmeup_strerror(code) when it holds none. Borrowed. */
const char *acmeup_err_text(const struct acmeup_err *e, int code);

/* The current record forgets its failure (the caller handled it). */
void acmeup_err_clear(void);

/* Copy the current record's failure (or strerror(code)) into e unless e
 * holds one already; return code. */
int acmeup_err_keep(struct acmeup_err *e, int code);

#endif
