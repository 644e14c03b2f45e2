/* SIGINT/SIGTERM: the handler only sets a flag; long waits poll it and
 * return ACMEUP_EINTR so that cleanup still runs. */
#ifndef ACMEUP_INTERRUPT_H
#define ACMEUP_INTERRUPT_H

void interrupt_install(void);
int interrupt_pending(void); /* the signal number, or 0 */

#endif
