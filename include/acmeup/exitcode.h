/* Exit status of acmeup (documented in acmeup(1) and acmeup --help), and
 * the positive "done" results a command returns so main can tell them
 * apart (main maps them). The positive results equal their exit status.
 *
 * A command's run function returns:
 *   0                    success: something was issued or renewed, or the
 *                        command did its job           -> exit 0
 *   ACMEUP_DONE_FAILED   every certificate failed, each failure already
 *                        reported (main prints nothing more) -> exit 1
 *   ACMEUP_DONE_NOTHING  nothing to do (renew: nothing due) -> exit 3
 *   ACMEUP_DONE_PARTIAL  some certificates done, some failed, or a deploy
 *                        hook failed (details already reported) -> exit 4
 *   a negative ACMEUP_E* code with a detail:
 *                        ACMEUP_EUSAGE (bad command line or configuration)
 *                        -> exit 2; ACMEUP_EHOOK (the certificate changed,
 *                        its hook failed) -> exit 4; anything else -> exit 1
 * Whatever it returns but 0: when SIGINT, SIGTERM or SIGHUP stopped the
 * run, exit 128 + the signal's number (130, 143, 129), as a shell reports
 * a process the signal ended. A run that succeeded whose report could not
 * be written to stdout exits 1.
 */
#ifndef ACMEUP_EXITCODE_H
#define ACMEUP_EXITCODE_H

enum {
	ACMEUP_EXIT_OK = 0,
	ACMEUP_EXIT_FAILED = 1,
	ACMEUP_EXIT_USAGE = 2,   /* usage or configuration error */
	ACMEUP_EXIT_NOTHING = 3, /* nothing to do */
	ACMEUP_EXIT_PARTIAL = 4, /* partial failure */
	ACMEUP_EXIT_SIGNAL = 128, /* + the signal that stopped the run */
};

enum {
	ACMEUP_DONE_FAILED = ACMEUP_EXIT_FAILED,
	ACMEUP_DONE_NOTHING = ACMEUP_EXIT_NOTHING,
	ACMEUP_DONE_PARTIAL = ACMEUP_EXIT_PARTIAL,
};

#endif
