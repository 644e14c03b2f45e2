/* Waiting for children (proc.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/proc.h"

int
proc_watch(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0); /* -1: ENOSYS, EPERM */
#else
	(void)pid;
	return -1;
#endif
}

void
proc_nap(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	if (fd >= 0 && (poll(&p, 1, ms) >= 0 || errno == EINTR))
		return;
	nanosleep(&ts, NULL);
}

long long
proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
proc_reap_within(pid_t pid, int ms, int *status)
{
	long long end = proc_now_ms() + ms;
	int fd = -1, left;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		left = (int)(end - proc_now_ms());
		if (left <= 0)
			break;
		if (fd < 0)
			fd = proc_watch(pid);
		proc_nap(fd, fd >= 0 ? left : 1);
	}
	if (fd >= 0)
		close(fd);
	return r == pid ? 1 : r < 0 ? -1 : 0;
}
