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

/* The hooks process (hook_proc.c), started before any sandbox with
 * specs[0..n) (borrowed: they must outlive it), the certificates whose
 * deploy hook it may run, each once. Nothing when n is 0. */
int hook_proc_start(const struct cert_spec *const *specs, size_t n);
void hook_proc_stop(void); /* EOF to it, then reaped; safe without */

/* spec's deploy hook for the certificate in cert_dir: by the hooks
 * process when one runs (which takes its own cert_dir), else hook_run()
 * here. */
int hook_deploy(const struct cert_spec *spec, const char *cert_dir);

#endif
