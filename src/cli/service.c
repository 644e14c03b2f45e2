/* acmeup as a systemd service of its own user (contrib/systemd):
 * - credentials (systemd.exec(5), "Credentials"): the unit hands root's
 *   key files to the unprivileged run with LoadCredential=NAME:PATH;
 *   acmeup finds them in $CREDENTIALS_DIRECTORY under the last component
 *   of the path the configuration names, so one configuration serves the
 *   unit and a root shell alike;
 * - the service user: a run as root accepts the files that user's runs
 *   left in the state and certificate directories (fsafe_trust_user). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/fsafe.h"
#include "acmeup/log.h"
#include "cli.h"
#include "cli_internal.h"

const char *
cli_credential(const char *path, char *buf, size_t size)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	const char *base;
	struct stat st;
	int n;

	if (path == NULL || dir == NULL || dir[0] != '/')
		return path;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return path;
	n = snprintf(buf, size, "%s/%s", dir, base);
	if (n < 0 || (size_t)n >= size || lstat(buf, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return path;
	log_debug("%s: the systemd credential %s", path, buf);
	return buf;
}

void
cli_service_user(const struct opts *o)
{
	if (geteuid() == 0)
		fsafe_trust_user(o->service_user != NULL ? o->service_user :
		    "acmeup");
}
