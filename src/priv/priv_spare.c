/* The standby's place, kept by the files process (issue 13). When every
 * TSIG key of a sandboxed root run has a file, no standby keys process
 * waits beside the first: the main process registers the key files with
 * the files process while it is still trusted (before its first file
 * request, before any network code), and if the keys process dies, the
 * files process (root, no Landlock) forks a new one that loads them again
 * and serves on a socket the main process brought. The files process
 * holds file names only, never a secret; registrations close at the
 * first other request, and it starts one keys process at most. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acmeup/log.h"
#include "priv_client.h"
#include "priv_internal.h"
#include "tsig.h"

static struct {
	char *file[PRIV_TSIG_MAX]; /* by the main process's key index */
	char *name[PRIV_TSIG_MAX];
	size_t n;
	int closed;                /* a file request came: no more keys */
	int started;               /* the one keys process it may start */
} sp;

int
priv_spare_add(const char *file, const char *name)
{
	if (sp.closed || sp.n == PRIV_TSIG_MAX || file[0] != '/' ||
	    name[0] == '\0')
		return -EPERM;
	sp.file[sp.n] = strdup(file);
	sp.name[sp.n] = strdup(name);
	if (sp.file[sp.n] == NULL || sp.name[sp.n] == NULL) {
		free(sp.file[sp.n]);
		free(sp.name[sp.n]);
		return -ENOMEM;
	}
	sp.n++;
	return 0;
}

void
priv_spare_close(void)
{
	sp.closed = 1;
}

/* The new keys process: the registered keys from their files, at the
 * indices the main process knows them by; it seals at its first
 * request, as the first one did. A key that cannot be loaded is said,
 * and its requests fail. */
static void __attribute__((noreturn))
spare_child(int sock, pid_t parent)
{
	struct tsig_key *tsig[PRIV_TSIG_MAX];
	struct priv_table t = { .tsig = tsig, .ntsig = sp.n,
	                        .tsig_cap = PRIV_TSIG_MAX, .sandbox = 1,
	                        .uid = -1, .gid = -1, .no_files = 1 };
	char err[256];
	size_t i;

	sock = priv_child_start(sock, parent);
	for (i = 0; i < sp.n; i++) {
		tsig[i] = NULL;
		if (tsig_key_load(sp.file[i], sp.name[i], &tsig[i], err,
		    sizeof(err)) != 0)
			log_error("keys process: %s", err);
	}
	priv_keys_serve(sock, &t);
}

int
priv_spare_start(int sock)
{
	struct stat st;
	pid_t pid, parent = getpid();

	if (sock < 0 || fstat(sock, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -EINVAL;
	if (sp.n == 0)
		return -ENOENT;
	if (sp.started)
		return -EBUSY;
	signal(SIGCHLD, SIG_IGN); /* reaped by the kernel, not waited for */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		spare_child(sock, parent);
	sp.started = 1;
	return (int)pid;
}
