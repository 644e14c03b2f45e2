/* Seccomp filters: deny-lists with EPERM/EACCES (src/priv/seccomp_gen.c
 * says what each process may not do, and compiles them with libseccomp at
 * build time), loaded with no_new_privs. Deploy hooks run in the hooks
 * process (engine/hook_proc.c), which has no filter, so a hook's sudo
 * still works. */
#define _GNU_SOURCE /* setresuid, setresgid */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/priv.h"
#include "priv_internal.h"

/* name in /etc/passwd itself: system users are there, and reading the
 * file loads no NSS module (about 4 ms). NULL when not there. Only when
 * neither acmeup nor nobody is there is NSS asked. */
static struct passwd *
local_user(const char *name)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw = NULL;

	while (f != NULL && (pw = fgetpwent(f)) != NULL &&
	    strcmp(pw->pw_name, name) != 0)
		;
	if (f != NULL)
		fclose(f);
	return pw;
}

void
priv_sandbox_lookup(long *uid, long *gid)
{
	struct passwd *pw = NULL;

	*uid = *gid = -1;
	if (geteuid() != 0)
		return;
	pw = local_user("acmeup");
	if (pw == NULL)
		pw = local_user("nobody");
	if (pw == NULL) /* neither is in /etc/passwd: NSS */
		pw = getpwnam("acmeup");
	if (pw == NULL)
		pw = getpwnam("nobody");
	if (pw == NULL || pw->pw_uid == 0)
		return;
	*uid = (long)pw->pw_uid;
	*gid = (long)pw->pw_gid;
}

int
priv_sandbox_become(long uid, long gid)
{
	if (setgroups(0, NULL) != 0 || setresgid((gid_t)gid, (gid_t)gid,
	    (gid_t)gid) != 0 || setresuid((uid_t)uid, (uid_t)uid,
	    (uid_t)uid) != 0)
		return acmeup_fail(ACMEUP_EIO, "keys process: cannot become uid "
		                   "%ld: %s", uid, strerror(errno));
	/* A change of credentials clears both. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	return 0;
}

#ifdef ACMEUP_HAVE_SECCOMP
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "seccomp_bpf.h" /* bpf_main, bpf_keys, bpf_files: seccomp_gen.c */

#define PROG(a) { (unsigned short)(sizeof(a) / sizeof((a)[0])), \
	          (struct sock_filter *)(a) }

/* keys: 0 the main process, 1 the keys process, 2 the files process. The
 * programs were compiled by libseccomp at build time (seccomp_gen.c);
 * loading one is two system calls. */
static int
install(int keys)
{
	struct sock_fprog prog[] = { PROG(bpf_main), PROG(bpf_keys),
	                             PROG(bpf_files) };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog[keys]) != 0)
		return acmeup_fail(ACMEUP_EIO, "seccomp: the kernel refused the "
		                   "filter: %s", strerror(errno));
	return 0;
}

int
priv_sandbox_keys(void)
{
	return install(1);
}

int
priv_sandbox_files(void)
{
	return install(2);
}

int
priv_sandbox_main(void)
{
	static int done;

	if (done) /* one filter, whatever the number of engines */
		return 0;
	done = 1;
	return install(0);
}

#else

int
priv_sandbox_files(void)
{
	return priv_sandbox_keys();
}

int
priv_sandbox_keys(void)
{
	return acmeup_fail(ACMEUP_EIO, "seccomp: this acmeup is built "
	                   "without libseccomp");
}

int
priv_sandbox_main(void)
{
	return priv_sandbox_keys();
}

#endif
