/* Waiting for a child without a fixed poll interval: a descriptor that
 * becomes readable when the child ends (pidfd, Linux 5.3), so a wait
 * wakes as it exits instead of at the next tick. */
#ifndef ACMEUP_PROC_H
#define ACMEUP_PROC_H

#include <sys/types.h>

/* A descriptor for pid (a child of ours) that proc_nap() watches, or -1
 * where the kernel has no pidfd (proc_nap() then sleeps). Close it. */
int proc_watch(pid_t pid);

/* Sleep up to ms, less when the process of fd (proc_watch, or -1) ends or
 * a signal arrives. Then waitpid() tells what happened. */
void proc_nap(int fd, int ms);

/* CLOCK_MONOTONIC in milliseconds. */
long long proc_now_ms(void);

/* Reap pid within ms: 1 with its wait status in *status, 0 when it is
 * still running, -1 when it is not a child of ours (errno). */
int proc_reap_within(pid_t pid, int ms, int *status);

#endif
