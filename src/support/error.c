/* One error convention: negative codes plus one detail line per error
 * record; the first failure in a record wins (see error.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acmeup/error.h"

static struct acmeup_err process_err;
static struct acmeup_err *cur = &process_err;

const char *
acmeup_strerror(int code)
{
	switch (code) {
	case ACMEUP_OK: return "success";
	case ACMEUP_ENOMEM: return "out of memory";
	case ACMEUP_EINVAL: return "invalid input";
	case ACMEUP_EIO: return "I/O error";
	case ACMEUP_ECRYPTO: return "cryptographic error";
	case ACMEUP_EHTTP: return "HTTP transport error";
	case ACMEUP_EACME: return "the CA reported a problem";
	case ACMEUP_EPROTO: return "protocol error";
	case ACMEUP_EDNS: return "DNS error";
	case ACMEUP_ETSIG: return "TSIG error";
	case ACMEUP_ETIMEOUT: return "timed out";
	case ACMEUP_EUSAGE: return "usage error";
	case ACMEUP_EINTR: return "interrupted";
	case ACMEUP_EBUSY: return "locked by another process";
	case ACMEUP_EHOOK: return "deploy hook failed";
	default: return "unknown error";
	}
}

struct acmeup_err *
acmeup_err_use(struct acmeup_err *e)
{
	struct acmeup_err *prev = cur;

	cur = e != NULL ? e : &process_err;
	return prev;
}

static void
record(int code, const char *fmt, va_list ap)
{
	vsnprintf(cur->msg, sizeof(cur->msg), fmt, ap);
	cur->code = code != 0 ? code : ACMEUP_EINVAL;
}

int
acmeup_fail(int code, const char *fmt, ...)
{
	va_list ap;

	if (cur->code != 0)
		return code;
	va_start(ap, fmt);
	record(code, fmt, ap);
	va_end(ap);
	return code;
}

/* Formats into a local first: an argument may be the current detail. */
int
acmeup_err_context(int code, const char *fmt, ...)
{
	char prefix[ACMEUP_ERRMSG_MAX / 2], rest[ACMEUP_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(rest, sizeof(rest), "%s", acmeup_errmsg(code));
	snprintf(cur->msg, sizeof(cur->msg), "%s: %s", prefix, rest);
	if (cur->code == 0)
		cur->code = code != 0 ? code : ACMEUP_EINVAL;
	return code;
}

const char *
acmeup_err_text(const struct acmeup_err *e, int code)
{
	if (e != NULL && e->code != 0)
		return e->msg;
	return acmeup_strerror(code);
}

const char *
acmeup_errmsg(int code)
{
	return acmeup_err_text(cur, code);
}

void
acmeup_err_clear(void)
{
	cur->code = 0;
	cur->msg[0] = '\0';
}

int
acmeup_err_keep(struct acmeup_err *e, int code)
{
	if (e == NULL || e->code != 0 || e == cur)
		return code;
	snprintf(e->msg, sizeof(e->msg), "%s", acmeup_errmsg(code));
	e->code = code != 0 ? code : ACMEUP_EINVAL;
	return code;
}
