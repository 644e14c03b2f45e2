/* Seccomp filters (libseccomp), deny-lists with EPERM/EACCES rather than
 * a kill, so a sanitizer or the C library taking an unexpected path fails
 * a call instead of killing the run.
 * - keys process: no socket of any kind, no exec, no open (its keys are
 *   loaded before), no ptrace or reading other processes' memory.
 * - main process: nothing a client needs and an attacker likes: exec,
 *   ptrace, other processes' memory, kernel modules, kexec, mounts, bpf,
 *   perf_event_open, keyrings, userfaultfd; with no_new_privs, as root or
 *   not. Deploy hooks run in the hooks process (engine/hook_proc.c),
 *   which has no filter, so a hook's sudo still works.
 * A sanitizer build keeps ptrace (LeakSanitizer's stop-the-world at exit)
 * and open in the keys process (ASan's report file, log_path); GCC's
 * sanitizers symbolize in the process, with no exec. */
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
#include <seccomp.h>

static const int hostile[] = {
#ifndef ACMEUP_SANITIZED
	SCMP_SYS(ptrace),
#endif
	SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev), SCMP_SYS(kexec_load),
	SCMP_SYS(kexec_file_load), SCMP_SYS(init_module),
	SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(mount),
	SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(bpf),
	SCMP_SYS(perf_event_open), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(userfaultfd), SCMP_SYS(acct),
	SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(reboot),
	SCMP_SYS(open_by_handle_at), SCMP_SYS(personality),
};

/* The keys process's; the files process's without the last N_OPEN. */
static const int keys_only[] = {
	SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect),
	SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4),
#ifndef ACMEUP_SANITIZED
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(creat),
	SCMP_SYS(open_tree),
#define N_OPEN 5
#else
#define N_OPEN 0
#endif
};

static const int no_exec[] = { SCMP_SYS(execve), SCMP_SYS(execveat) };

static int
add_all(scmp_filter_ctx ctx, const int *calls, size_t n, int err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (calls[i] >= 0 && /* unknown here: __NR_SCMP_ERROR */
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)err), calls[i],
		                     0) != 0)
			return -1;
	return 0;
}

/* keys: 0 the main process, 1 the keys process, 2 the files process. */
static int
install(int keys)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = -1;

	if (ctx == NULL)
		return acmeup_fail(ACMEUP_EIO, "seccomp: cannot make a filter");
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) == 0 &&
	    add_all(ctx, hostile, sizeof(hostile) / sizeof(hostile[0]),
	            EPERM) == 0 &&
	    add_all(ctx, no_exec, sizeof(no_exec) / sizeof(no_exec[0]),
	            EACCES) == 0 &&
	    (keys == 0 || add_all(ctx, keys_only, sizeof(keys_only) /
	                          sizeof(keys_only[0]) - (keys == 2 ? N_OPEN :
	                          0), EACCES) == 0))
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return acmeup_fail(ACMEUP_EIO, "seccomp: the kernel refused the "
		                   "filter (%d)", rc);
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
