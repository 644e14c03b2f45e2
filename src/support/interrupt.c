/* SIGINT/SIGTERM become a flag that long waits check. */
#include <signal.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/interrupt.h"

static volatile sig_atomic_t pending;

static void
on_signal(int sig)
{
	pending = sig;
}

void
interrupt_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
interrupt_pending(void)
{
	return pending;
}

const char *
interrupt_name(void)
{
	switch (pending) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "a signal";
	}
}

int
interrupt_fail(void)
{
	return acmeup_fail(ACMEUP_EINTR, "interrupted by %s", interrupt_name());
}
