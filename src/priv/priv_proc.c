/* What the keys and Kerberos processes' lives share (priv_client.h): the
 * child's start, the reap, one request and its answer. */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/proc.h"
#include "priv_client.h"
#include "priv_internal.h"

int
priv_child_start(int fd, pid_t parent)
{
	int null;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0); /* the parent died before the line above */
	prctl(PR_SET_DUMPABLE, 0);
	if (fd <= STDERR_FILENO) /* stdin or stdout was closed */
		fd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	signal(SIGINT, SIG_IGN); /* the parent cleans up through us */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	acmeup_err_clear();
	return fd;
}

int
priv_reap(pid_t pid)
{
	int st = 0, r = proc_reap_within(pid, 1000, &st);
	pid_t w;

	if (r == 0 && kill(pid, SIGKILL) == 0) { /* EPERM: root's, we are not */
		while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
		r = w == pid;
	}
	return r == 1 ? st : -1;
}

int
priv_exchange(int fd, const struct priv_buf *req, unsigned type,
              const char *who, void (*meanwhile)(void),
              struct priv_reply *r)
{
	struct priv_msg *m = &r->m;
	int rc;

	r->body = NULL;
	r->len = 0;
	rc = priv_send(fd, req);
	if (rc == 0 && meanwhile != NULL)
		meanwhile();
	if (rc == 0)
		rc = priv_recv(fd, &r->body, &r->len);
	if (rc == ACMEUP_EIO)
		return rc;
	if (rc == 0)
		rc = priv_msg_decode(r->body, r->len, m);
	if (rc == 0 && m->type == PRIV_ERROR) {
		rc = (int64_t)m->f[0].num < 0 && (int64_t)m->f[0].num >= -15 ?
		    (int)(int64_t)m->f[0].num : ACMEUP_ECRYPTO;
		return acmeup_fail(rc, "%.*s", (int)(m->f[1].len > 500 ? 500 :
		                   m->f[1].len), (const char *)m->f[1].data);
	}
	if (rc == 0 && m->type != (PRIV_REPLY | type))
		rc = acmeup_fail(ACMEUP_EPROTO, "%s: answer of type %u to a "
		                 "request of type %u", who, m->type, type);
	return rc;
}
