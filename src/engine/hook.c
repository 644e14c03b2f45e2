/* Deploy hooks: a user's shell command, run after a certificate changed.
 *
 * Our values reach the command only through its environment, never by
 * pasting them into the command text, so no name can inject shell syntax.
 * The hook runs in a process group of its own so that a timeout or an
 * interrupt stops everything it started (TERM, then KILL after a grace
 * period). Everything the child does between fork() and execve() is
 * async-signal-safe: the environment is built before the fork. The hook
 * gets stdin, stdout and stderr only: every other descriptor (sockets to
 * the CA, lock and journal files) is closed, so that a daemon a hook
 * starts holds none of them.
 */
#define _GNU_SOURCE /* close_range() */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "hook.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"
#include "acmeup/proc.h"

extern char **environ;

#define HOOK_TIMEOUT_S 300
#define HOOK_GRACE_MS 5000
#define HOOK_POLL_MS 20
#define HOOK_SHOW 200 /* characters of the command shown in messages */

enum { V_NAME, V_DIR, V_KEY, V_CERT, V_CHAIN, V_FULLCHAIN, V_DOMAINS, N_VARS };
static const char *const var_names[N_VARS] = {
	"ACMEUP_CERT_NAME", "ACMEUP_CERT_DIR", "ACMEUP_KEY_FILE",
	"ACMEUP_CERT_FILE", "ACMEUP_CHAIN_FILE", "ACMEUP_FULLCHAIN_FILE",
	"ACMEUP_DOMAINS",
};

static char *
str_join(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* "ACMEUP_DOMAINS=a b c" */
static char *
domains_var(const struct cert_spec *spec)
{
	size_t len = strlen(var_names[V_DOMAINS]) + 2, i, n, used;
	char *s;

	for (i = 0; spec != NULL && i < spec->n_domains; i++)
		len += strlen(spec->domains[i]) + 1;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	used = (size_t)snprintf(s, len, "%s=", var_names[V_DOMAINS]);
	for (i = 0; spec != NULL && i < spec->n_domains; i++) {
		n = strlen(spec->domains[i]);
		if (i > 0)
			s[used++] = ' ';
		memcpy(s + used, spec->domains[i], n);
		used += n;
	}
	s[used] = '\0';
	return s;
}

/* Our N_VARS "NAME=value" strings, in var_names order. */
static int
our_vars(const struct cert_spec *spec, const char *dir, const char *name,
         char **vars)
{
	static const char *const files[] = { NULL, NULL, "/privkey.pem",
	    "/cert.pem", "/chain.pem", "/fullchain.pem" };
	int i;

	vars[V_NAME] = str_join(var_names[V_NAME], "=", name);
	vars[V_DIR] = str_join(var_names[V_DIR], "=", dir);
	for (i = V_KEY; i <= V_FULLCHAIN; i++) {
		vars[i] = NULL;
		if (vars[V_DIR] != NULL)
			vars[i] = str_join(var_names[i], vars[V_DIR] +
			    strlen(var_names[V_DIR]), files[i]);
	}
	vars[V_DOMAINS] = domains_var(spec);
	for (i = 0; i < N_VARS; i++) {
		if (vars[i] == NULL)
			return ACMEUP_ENOMEM;
	}
	return 0;
}

/* 1 when environ entry e sets one of our variables. */
static int
is_ours(const char *e)
{
	size_t n;
	int i;

	for (i = 0; i < N_VARS; i++) {
		n = strlen(var_names[i]);
		if (strncmp(e, var_names[i], n) == 0 && e[n] == '=')
			return 1;
	}
	return 0;
}

static void
env_free(char **env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* Our environment with the ACMEUP_* variables set for this certificate
 * (replacing any inherited ones). *out: NULL-terminated, every string
 * owned; free with env_free(). */
static int
hook_env(const struct cert_spec *spec, const char *dir, const char *name,
         char ***out)
{
	char *vars[N_VARS] = { NULL };
	char **env = NULL;
	size_t n = 0, used = 0, i;
	int rc;

	rc = our_vars(spec, dir, name, vars);
	while (rc == 0 && environ != NULL && environ[n] != NULL)
		n++;
	if (rc == 0)
		env = calloc(n + N_VARS + 1, sizeof(*env));
	if (rc == 0 && env == NULL)
		rc = ACMEUP_ENOMEM;
	for (i = 0; rc == 0 && i < n; i++) {
		if (is_ours(environ[i]))
			continue;
		env[used] = str_join(environ[i], "", "");
		if (env[used++] == NULL)
			rc = ACMEUP_ENOMEM;
	}
	for (i = 0; rc == 0 && i < N_VARS; i++) {
		env[used++] = vars[i];
		vars[i] = NULL;
	}
	for (i = 0; i < N_VARS; i++)
		free(vars[i]);
	if (rc != 0) {
		env_free(env);
		return rc;
	}
	*out = env;
	return 0;
}

/* In the child: stdin /dev/null, stdout to our stderr, no other
 * descriptor, default signals, own process group; then sh -c cmd.
 * Async-signal-safe calls only. */
static void
child(const char *cmd, int devnull, char **env, int maxfd)
{
	int fd;

	struct sigaction sa;
	sigset_t none;
	char *argv[4];

	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	if (dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(126);
	if (close_range(3, ~0U, 0) != 0) {
		for (fd = 3; fd < maxfd; fd++)
			close(fd);
	}
	execve("/bin/sh", argv, env);
	_exit(127);
}

/* waitpid(pid) for at most ms (-1: until it ends); 1 when it ended (status
 * in *status), 0 when still running, stopped (*stopped) or interrupted.
 * It wakes as the hook exits (proc_watch); a stop is seen within
 * HOOK_POLL_MS. */
static int
wait_for(pid_t pid, long long ms, int *status, int *stopped, int *sig)
{
	long long end = proc_now_ms() + ms;
	int fd = proc_watch(pid), rc;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG | WUNTRACED);
		if (r == pid && WIFSTOPPED(*status)) {
			*stopped = WSTOPSIG(*status);
			rc = 0;
			break;
		}
		rc = 1;
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		rc = 0;
		if (ms >= 0 && proc_now_ms() >= end)
			break;
		if (sig != NULL && interrupt_pending() != 0) {
			*sig = interrupt_pending();
			break;
		}
		proc_nap(fd, HOOK_POLL_MS);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* TERM the hook's process group, KILL it after the grace period, reap. */
static void
stop_hook(pid_t pid, int *status)
{
	int stopped = 0;

	kill(-pid, SIGTERM);
	kill(-pid, SIGCONT);
	if (wait_for(pid, HOOK_GRACE_MS, status, &stopped, NULL) == 1)
		return;
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* The detail for a hook that did not exit 0. */
static int
hook_failed(const char *name, const char *cmd, int status)
{
	const char *hint = "";
	int code;

	if (WIFSIGNALED(status))
		return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s was "
		    "killed by signal %d (%s): %.*s", name, WTERMSIG(status),
		    strsignal(WTERMSIG(status)), HOOK_SHOW, cmd);
	code = WEXITSTATUS(status);
	if (code == 127)
		hint = " (command not found?)";
	else if (code == 126)
		hint = " (not executable?)";
	return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s failed with "
	    "exit status %d%s: %.*s", name, code, hint, HOOK_SHOW, cmd);
}

/* Wait for the hook within timeout_s; stop it on timeout, when the
 * terminal stops it, or on SIGINT/SIGTERM. */
static int
supervise(pid_t pid, const char *name, const char *cmd, unsigned timeout_s)
{
	int status = 0, stopped = 0, sig = 0;

	if (wait_for(pid, (long long)timeout_s * 1000, &status, &stopped,
	    &sig) == 1)
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 :
		    hook_failed(name, cmd, status);
	stop_hook(pid, &status);
	if (stopped != 0)
		return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s was "
		    "stopped by %s (did it read from the terminal?) and has "
		    "been ended: %.*s", name, strsignal(stopped), HOOK_SHOW,
		    cmd);
	if (sig != 0)
		return acmeup_fail(ACMEUP_EINTR, "interrupted by %s: the "
		    "deploy hook for %s has been stopped", interrupt_name(),
		    name);
	return acmeup_fail(ACMEUP_EHOOK, "deploy hook for %s did not finish "
	    "within %u s and has been stopped: %.*s", name, timeout_s,
	    HOOK_SHOW, cmd);
}

int
hook_run(const char *cmd, const struct cert_spec *spec,
         const char *cert_dir, unsigned timeout_s)
{
	char dirbuf[PATH_MAX], **env = NULL;
	const char *name;
	long maxfd = sysconf(_SC_OPEN_MAX);
	int devnull = -1, rc;
	pid_t pid;

	if (cmd == NULL || cmd[0] == '\0' || cert_dir == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "no deploy hook to run");
	if (timeout_s == 0)
		timeout_s = HOOK_TIMEOUT_S;
	snprintf(dirbuf, sizeof(dirbuf), "%s", cert_dir);
	name = spec != NULL && spec->name != NULL ? spec->name :
	    basename(dirbuf);
	rc = hook_env(spec, cert_dir, name, &env);
	if (rc != 0)
		goto out;
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		rc = acmeup_fail(ACMEUP_EIO, "cannot open /dev/null: %s",
		    strerror(errno));
		goto out;
	}
	log_debug("hook: %s: /bin/sh -c %.*s", name, HOOK_SHOW, cmd);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = acmeup_fail(ACMEUP_EHOOK, "cannot start the deploy hook "
		    "for %s: fork: %s", name, strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(cmd, devnull, env, (int)maxfd);
	setpgid(pid, pid); /* also here: kill(-pid) must not race the child */
	rc = supervise(pid, name, cmd, timeout_s);
	if (rc == 0)
		log_stage("hook: %s: deploy hook done", name);
out:
	if (devnull >= 0)
		close(devnull);
	env_free(env);
	return rc;
}
