/* The hooks process (issue 13): deploy hooks run from a process forked
 * before any sandbox, with the invoking user's privileges and no filter.
 * The process that talks to the CA and the DNS servers then needs no exec
 * (its seccomp filter refuses it), no files outside its own (Landlock) and
 * may set no_new_privs without breaking a hook's sudo.
 *
 * The hooks process knows the run's certificates from before the fork, in
 * its own copy of memory. The sandboxed process can only say "the hook of
 * certificate N", each at most once: the command, the directory and the
 * names come from that copy, never from the request.
 *
 * Over a SOCK_SEQPACKET socketpair: a request is one u32, the index; an
 * answer is struct answer. A message of any other length ends the
 * exchange. */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "engine_internal.h"
#include "hook.h"

#define HOOKS_MAX 10000 /* certificates in one run */

struct answer {
	int32_t rc;                       /* 0 or ACMEUP_E* */
	char detail[ACMEUP_ERRMSG_MAX];   /* NUL-terminated */
};

static struct {
	const struct cert_spec **spec;   /* borrowed, with a deploy hook */
	size_t n;
	int fd;                          /* ours; -1: no hooks process */
	pid_t pid;
} hp = { NULL, 0, -1, 0 };

/* In the hooks process: certificate i's hook, once. */
static void
run_one(uint32_t i, unsigned char *done, struct answer *a)
{
	char dir[PATH_MAX];
	int rc;

	memset(a, 0, sizeof(*a));
	if (i >= hp.n || done[i])
		rc = acmeup_fail(ACMEUP_EPROTO, "hooks process: no deploy "
		    "hook %u to run (asked again, or never named)", i);
	else
		rc = engine_certdir(hp.spec[i], dir, sizeof(dir));
	if (rc == 0) {
		done[i] = 1;
		rc = hook_run(hp.spec[i]->deploy_hook, hp.spec[i], dir, 0);
	}
	a->rc = rc;
	if (rc != 0)
		snprintf(a->detail, sizeof(a->detail), "%s",
		    acmeup_errmsg(rc));
	acmeup_err_clear();
}

/* The child keeps stdio and fd alone: the other processes' sockets must
 * see EOF when the main process closes them. fd, moved above stderr. */
static int
only_fd(int fd)
{
	if (fd <= STDERR_FILENO)
		fd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (fd > STDERR_FILENO + 1)
		close_range(STDERR_FILENO + 1, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	return fd;
}

static void __attribute__((noreturn))
serve(int fd)
{
	unsigned char *done = calloc(hp.n > 0 ? hp.n : 1, 1);
	struct answer a;
	uint32_t req[2];
	ssize_t r;

	while (done != NULL) {
		r = recv(fd, req, sizeof(req), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(req[0]))
			break; /* EOF: the run is over; else not ours */
		run_one(req[0], done, &a);
		if (send(fd, &a, sizeof(a), MSG_NOSIGNAL) != (ssize_t)sizeof(a))
			break;
	}
	_exit(0);
}

int
hook_proc_start(const struct cert_spec *const *specs, size_t n)
{
	const struct cert_spec **copy;
	int sv[2];
	size_t i;
	pid_t pid;

	if (hp.fd >= 0 || n == 0)
		return 0;
	if (n > HOOKS_MAX)
		return acmeup_fail(ACMEUP_EUSAGE, "over %d certificates with a "
		    "deploy hook in one run", HOOKS_MAX);
	copy = calloc(n, sizeof(*copy));
	if (copy == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < n; i++)
		copy[i] = specs[i];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		free(copy);
		return acmeup_fail(ACMEUP_EIO, "hooks process: socketpair: %s",
		    strerror(errno));
	}
	hp.spec = copy;
	hp.n = n;
	fflush(NULL); /* no buffered output written twice */
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		serve(only_fd(sv[1]));
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		hook_proc_stop();
		return acmeup_fail(ACMEUP_EIO, "hooks process: fork: %s",
		    strerror(errno));
	}
	hp.fd = sv[0];
	hp.pid = pid;
	log_debug("privsep: hooks process %ld runs the deploy hooks",
	    (long)pid);
	return 0;
}

/* The hooks process's end, named for the message: exit or signal. */
static int
died(const char *name)
{
	int status = 0;
	pid_t pid = hp.pid;

	close(hp.fd);
	hp.fd = -1;
	hp.pid = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s: the hooks "
		    "process %ld was killed by signal %d (%s)", name, (long)pid,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s: the hooks "
	    "process %ld ended", name, (long)pid);
}

static int
ask(uint32_t i, const char *name)
{
	struct answer a;
	ssize_t r;

	if (send(hp.fd, &i, sizeof(i), MSG_NOSIGNAL) != (ssize_t)sizeof(i))
		return died(name);
	do
		r = recv(hp.fd, &a, sizeof(a), 0);
	while (r < 0 && errno == EINTR); /* the hook is stopped there */
	if (r != (ssize_t)sizeof(a))
		return died(name);
	a.detail[sizeof(a.detail) - 1] = '\0';
	if (a.rc == 0)
		return 0;
	if (a.rc > 0 || a.rc < ACMEUP_ENOMEM)
		a.rc = ACMEUP_EHOOK;
	return acmeup_fail(a.rc, "%s", a.detail);
}

int
hook_deploy(const struct cert_spec *spec, const char *cert_dir)
{
	size_t i;

	if (hp.fd < 0)
		return hook_run(spec->deploy_hook, spec, cert_dir, 0);
	for (i = 0; i < hp.n; i++)
		if (hp.spec[i] == spec)
			return ask((uint32_t)i, spec->name);
	return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s: not known to "
	    "the hooks process", spec->name);
}

int
engine_hooks_start(const struct issue_job *jobs, size_t n, int sandbox)
{
	const struct cert_spec **specs;
	size_t i, k = 0;
	int rc;

	if (!sandbox || n == 0)
		return 0;
	specs = calloc(n, sizeof(*specs));
	if (specs == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < n; i++)
		if (jobs[i].spec->deploy_hook != NULL)
			specs[k++] = jobs[i].spec;
	rc = hook_proc_start(specs, k);
	free(specs);
	return rc;
}

void
engine_hooks_stop(void)
{
	hook_proc_stop();
}

void
hook_proc_stop(void)
{
	int status;

	if (hp.fd >= 0) {
		close(hp.fd); /* EOF: it exits */
		while (waitpid(hp.pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	hp.fd = -1;
	hp.pid = 0;
	free(hp.spec);
	hp.spec = NULL;
	hp.n = 0;
}
