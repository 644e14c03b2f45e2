/* One error convention: negative codes plus one recorded detail line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acmeup/error.h"

static char detail[1024];

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

/* Formats into a local first: an argument may be the current detail
 * (acmeup_fail(rc, "context: %s", acmeup_errmsg(rc))). */
int
acmeup_fail(int code, const char *fmt, ...)
{
	char buf[sizeof(detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memcpy(detail, buf, sizeof(detail));
	return code;
}

const char *
acmeup_errmsg(int code)
{
	if (detail[0] != '\0')
		return detail;
	return acmeup_strerror(code);
}

void
acmeup_err_clear(void)
{
	detail[0] = '\0';
}
