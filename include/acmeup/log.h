/* Progress and diagnostics on stderr.
 *
 * log_stage() prints one line per stage with the time since program start,
 * e.g. "[  0.412s] dns: example.test: update sent to 127.53.0.10".
 * log_debug() prints only at verbosity >= 1 (-v), log_trace() at >= 2 (-vv).
 * At LOG_QUIET (-q, for cron) only log_error() prints: no stage, warning
 * or progress line. Never pass secrets to any of these.
 */
#ifndef ACMEUP_LOG_H
#define ACMEUP_LOG_H

#define LOG_QUIET (-1)

void log_init(int verbosity); /* LOG_QUIET, 0, 1 (-v), 2 (-vv) */
int log_verbosity(void);

/* Milliseconds since log_init(), from the monotonic clock. */
long long log_elapsed_ms(void);

void log_stage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A failure the exit status alone does not explain (one certificate of
 * several, a deploy hook): printed at every verbosity, -q too. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A live status line for long waits, rewritten in place ("\r", erase line)
 * when stderr is a terminal; nothing otherwise. The next log line replaces
 * it. */
void log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Erase the live status line, if one is shown (before printing elsewhere). */
void log_progress_clear(void);

#endif
