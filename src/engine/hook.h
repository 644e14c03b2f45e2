/* Deploy hook: a shell command run after a certificate changed. */
#ifndef ACMEUP_HOOK_H
#define ACMEUP_HOOK_H

#include <stddef.h>

struct cert_spec;

/* Run cmd with /bin/sh -c, stdin from /dev/null, in the environment plus
 * ACMEUP_CERT_NAME, ACMEUP_CERT_DIR, ACMEUP_KEY_FILE, ACMEUP_CERT_FILE,
 * ACMEUP_CHAIN_FILE, ACMEUP_FULLCHAIN_FILE and ACMEUP_DOMAINS (the names,
 * space-separated). Bounded by timeout_s (0: 300 s; then TERM, KILL).
 * Returns 0 when it exits 0, else ACMEUP_EHOOK with a detail naming the
 * command and its exit status or signal. Its output goes to our stderr. */
int hook_run(const char *cmd, const struct cert_spec *spec,
             const char *cert_dir, unsigned timeout_s);

#endif
