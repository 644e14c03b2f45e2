/* Progress lines on stderr, stamped with time since start. Verbosity
 * LOG_QUIET (-q) keeps only log_error(). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/log.h"
#include "acmeup/proc.h"
#include "acmeup/text.h"

static int verbosity;
static int progress_shown; /* a log_progress line awaits erasing */
static struct timespec t0;
static int started;

void
log_init(int level)
{
	verbosity = level;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	started = 1;
}

int
log_verbosity(void)
{
	return verbosity;
}

long long
log_elapsed_ms(void)
{
	if (!started)
		log_init(verbosity);
	return proc_now_ms() - ((long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000);
}

static void
vlog(const char *tag, const char *fmt, va_list ap)
{
	long long ms = log_elapsed_ms();

	log_progress_clear();
	fprintf(stderr, "[%4lld.%03llds] %s", ms / 1000, ms % 1000, tag);
	text_vprintf(stderr, fmt, ap); /* peers' text: printable only */
	fputc('\n', stderr);
}

void
log_stage(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 0)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

void
log_trace(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 2)
		return;
	va_start(ap, fmt);
	vlog("trace: ", fmt, ap);
	va_end(ap);
}

void
log_progress_clear(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	progress_shown = 0;
}

void
log_progress(const char *fmt, ...)
{
	long long ms;
	va_list ap;

	if (verbosity < 0 || !isatty(STDERR_FILENO))
		return;
	ms = log_elapsed_ms();
	fprintf(stderr, "\r\033[K[%4lld.%03llds] ", ms / 1000, ms % 1000);
	va_start(ap, fmt);
	text_vprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = 1;
}
