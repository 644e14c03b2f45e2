/* The main process's side of privilege separation, shared by its files
 * (priv_client.c: the keys process's life, TSIG, JWS, account keys;
 * priv_certkey.c: certificate keys). Private to src/priv. */
#ifndef ACMEUP_PRIV_CLIENT_H
#define ACMEUP_PRIV_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acmeup/crypto.h"
#include "priv_internal.h"

#define PRIV_TSIG_MAX 64

/* What the main process knows of the keys process. */
struct priv_client {
	struct tsig_key *tsig[PRIV_TSIG_MAX]; /* registered, borrowed */
	char *file[PRIV_TSIG_MAX];            /* their key files, or NULL */
	int owned[PRIV_TSIG_MAX];             /* a journal's key: ours to free */
	size_t ntsig;
	struct crypto_key *acct[PRIV_ACCOUNTS_MAX]; /* public keys, by id */
	size_t nacct;
	int started;     /* a keys process was started */
	int unsettled;   /* not settled: the TSIG secrets not wiped here */
	int fd;          /* our end; -1 when none runs */
	pid_t pid;
	int spare_fd;    /* a standby keys process, for -y keys: -1 none */
	pid_t spare_pid;
	int spare_in_files; /* none: the files process starts one (priv_spare.c) */
	int foreign;     /* pid is the files process's child, not ours */
	int sandbox;
	long uid, gid;   /* the keys process's user (priv_sandbox_lookup) */
	int died;        /* one died: only TSIG is served from then on */
	char died_msg[200];
	struct priv_buf req;
};

extern struct priv_client priv_cl;

/* An answer: its body (wiped when freed: it may carry a key) and fields. */
struct priv_reply {
	uint8_t *body;
	size_t len;
	struct priv_msg m;
};

void priv_reply_free(struct priv_reply *r);

/* Send priv_cl.req, read the answer into *r (the caller frees it). A
 * PRIV_ERROR answer becomes the caller's failure; a lost keys process
 * ACMEUP_ECRYPTO (a new one, the files process's or the standby, then
 * serves TSIG). */
int priv_call(unsigned type, struct priv_reply *r);

/* priv_proc.c, for the keys and Kerberos processes. The child's start:
 * dead with its parent (which it checks is still parent), not dumpable,
 * the terminal's signals ignored, stdin and stdout /dev/null, every
 * descriptor but stdio and fd closed; fd, moved above stderr. */
int priv_child_start(int fd, pid_t parent);

/* Reap pid within a second, else kill it: its wait status, or -1 (not our
 * child any more, or not ours to kill: it dies with us then). */
int priv_reap(pid_t pid);

/* Send req on fd, call meanwhile (when not NULL) while the peer works on
 * it, and read the answer to a request of type into *r (the caller frees
 * it): ACMEUP_EIO when the socket is gone (errno kept); a PRIV_ERROR
 * answer becomes the failure it names; ACMEUP_EPROTO with who in the
 * detail for an answer out of protocol. */
int priv_exchange(int fd, const struct priv_buf *req, unsigned type,
                  const char *who, void (*meanwhile)(void),
                  struct priv_reply *r);

/* A copy of field f (NUL-terminated one past its length) into *out. */
int priv_take(const struct priv_field *f, uint8_t **out, size_t *len);

#endif
