/* key-owner, key-group, key-mode (issue 14 item 7): a user or group name
 * (or number) and an octal mode for privkey.pem, checked where they are
 * read so that an error names the option or file:line. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "acmeup/error.h"
#include "cli_internal.h"

#define ID_MAX 2147483646L

/* v as a decimal id, or -1 when it is not all digits. */
static long
numeric_id(const char *v)
{
	char *end = NULL;
	long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > ID_MAX)
		return -1;
	return n;
}

int
keyperm_owner(const char *ctx, const char *v, long *uid)
{
	struct passwd *pw;
	long n = numeric_id(v);

	if (n >= 0) {
		*uid = n;
		return 0;
	}
	errno = 0;
	pw = *v != '\0' ? getpwnam(v) : NULL;
	if (pw == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: no user '%s' on this "
		    "system", ctx, v);
	*uid = (long)pw->pw_uid;
	return 0;
}

int
keyperm_group(const char *ctx, const char *v, long *gid)
{
	struct group *gr;
	long n = numeric_id(v);

	if (n >= 0) {
		*gid = n;
		return 0;
	}
	errno = 0;
	gr = *v != '\0' ? getgrnam(v) : NULL;
	if (gr == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: no group '%s' on this "
		    "system", ctx, v);
	*gid = (long)gr->gr_gid;
	return 0;
}

/* Octal, at most 0777, never writable by group or others (the safe-file
 * checks would refuse the key on the next --reuse-key), readable by its
 * owner. */
int
keyperm_mode(const char *ctx, const char *v, unsigned *mode)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = *v >= '0' && *v <= '7' ? strtol(v, &end, 8) : -1;
	if (n < 0 || errno != 0 || *end != '\0' || n > 0777 ||
	    (n & 0022) != 0 || (n & 0400) == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: '%s' is not a key mode: "
		    "octal such as 0600 or 0640, readable by the owner, "
		    "writable by no one else", ctx, v);
	*mode = (unsigned)n;
	return 0;
}
