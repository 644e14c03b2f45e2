/* acmeup error convention.
 *
 * Every function that can fail returns 0 or a negative ACMEUP_E* code.
 * Where a person needs more than the code's text (which server, zone, key,
 * file, line), the failing function records a one-line detail with
 * acmeup_fail() and returns its code; the top level prints acmeup_errmsg().
 * The detail is process-global (acmeup is single-threaded).
 */
#ifndef ACMEUP_ERROR_H
#define ACMEUP_ERROR_H

enum {
	ACMEUP_OK = 0,
	ACMEUP_ENOMEM = -1,   /* out of memory */
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

/* Static text for a code; never NULL. */
const char *acmeup_strerror(int code);

/* Record a formatted detail for code and return code. */
int acmeup_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last recorded detail, or acmeup_strerror(code) when none was set since
 * the last acmeup_err_clear(). Borrowed; valid until the next acmeup_fail(). */
const char *acmeup_errmsg(int code);

void acmeup_err_clear(void);

#endif
