/* SIGINT/SIGTERM/SIGHUP: the handler only sets a flag; long waits poll it
 * and return ACMEUP_EINTR so that cleanup still runs; main then exits 128 +
 * the signal (exitcode.h). SIGPIPE is ignored (main.c): a write to a closed
 * pipe fails instead of ending the run. */
#ifndef ACMEUP_INTERRUPT_H
#define ACMEUP_INTERRUPT_H

void interrupt_install(void);
int interrupt_pending(void); /* the signal number, or 0 */

/* "SIGINT", "SIGTERM", "SIGHUP" or "a signal": for messages. Static. */
const char *interrupt_name(void);

/* Record "interrupted by SIGTERM" (etc.) and return ACMEUP_EINTR. */
int interrupt_fail(void);

#endif
