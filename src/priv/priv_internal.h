/* The keys process's messages and its two sides (src/priv/ only).
 *
 * A message on the socketpair is a frame: u32 length (big-endian) of the
 * body, then the body: u16 type, u16 number of fields, and each field as
 * u8 kind (1 number: u64; 2 octets: u32 length, then the octets). Every
 * type has a fixed schema (which kinds, in which order), checked by the
 * decoder: a body that does not match it exactly is refused. */
#ifndef PRIV_INTERNAL_H
#define PRIV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define PRIV_MSG_MAX (256 * 1024) /* a body; a DNS message is 64 KiB at most */
#define PRIV_FIELDS_MAX 8
#define PRIV_NAMES_MAX 100        /* names in one CSR (RFC 8555 has none;
                                   * the CAs allow 100) */
#define PRIV_CERTKEYS_MAX 1024    /* certificate keys held at once */

enum priv_type {
	PRIV_TSIG_SIGN = 1,  /* id, time_offset, fudge, msg */
	PRIV_TSIG_VERIFY,    /* id, time_offset, fudge, mac, orig_id, reply */
	PRIV_JWS_SIGN,       /* id, input */
	PRIV_CERTKEY_NEW,    /* key type, reused key PEM (or empty), names */
	PRIV_CERTKEY_PEM,    /* certificate key id */
	PRIV_CERTKEY_FREE,   /* certificate key id */
	PRIV_ACCOUNT_OPEN,   /* state dir, key type, type given */
	PRIV_JOURNAL_KEYS,   /* state dir */
	PRIV_ACCOUNT_STAGE,  /* account dir, key type: a rollover's new key */
	PRIV_KEY_LOAD,       /* a key file's path (revoke --cert-key) */
	/* the Kerberos process (priv_gss.c): GSS-TSIG, ids from 1 */
	PRIV_GSS_CRED,       /* keytab, principal, which given (1, 2) */
	PRIV_GSS_NEW,        /* key name, host, credential id, microsoft */
	PRIV_GSS_STEP,       /* context id, the server's token */
	PRIV_GSS_SIGN,       /* id, time_offset, fudge, cap, msg */
	PRIV_GSS_VERIFY,     /* id, time_offset, fudge, mac, orig_id, reply */
	PRIV_GSS_FREE,       /* context id */
	PRIV_REPLY = 0x80,   /* | request type: that request's answer */
	PRIV_ERROR = 0xff,   /* rc (negative ACMEUP_E*), the detail */
};
/* Answers: TSIG_SIGN: trc, msg, mac, orig_id; TSIG_VERIFY: trc, error,
 * server_time, our_time; JWS_SIGN: sig; CERTKEY_NEW: id, csr, description;
 * CERTKEY_PEM: pem; CERTKEY_FREE: nothing; ACCOUNT_OPEN: id, public key
 * (SubjectPublicKeyInfo DER); ACCOUNT_STAGE, KEY_LOAD: the same;
 * JOURNAL_KEYS: the keys loaded, appended to
 * the TSIG ids in this order, as "file\0name\0algorithm\0" triples.
 * GSS_CRED: trc, id, principal, error text; GSS_NEW: trc, id, error text;
 * GSS_STEP: trc, done, token, error text, lifetime; GSS_SIGN: as
 * TSIG_SIGN; GSS_VERIFY: trc, error, server_time, our_time, prior_bare;
 * GSS_FREE: nothing. A trc is a TSIG_E* code (negative) as a number. */

struct priv_field {
	int is_num;
	uint64_t num;
	const uint8_t *data; /* octets: borrowed from the body */
	size_t len;
};

struct priv_msg {
	unsigned type;
	size_t n;
	struct priv_field f[PRIV_FIELDS_MAX];
};

/* A body being built. */
struct priv_buf {
	uint8_t *p;
	size_t len, cap;
	int failed;      /* out of memory or too large: sending fails */
};

/* Start a body of type t (wipes and reuses b's memory). */
void priv_buf_start(struct priv_buf *b, unsigned t);
void priv_put_num(struct priv_buf *b, uint64_t v);
void priv_put_bytes(struct priv_buf *b, const void *p, size_t len);
void priv_buf_free(struct priv_buf *b); /* wipes: bodies carry keys */

/* Decode body[0..len) against the schema of its type; fields borrow from
 * body. 0, or ACMEUP_EPROTO with a detail. */
int priv_msg_decode(const uint8_t *body, size_t len, struct priv_msg *m);

/* One frame out (the whole body of b) / in (*body malloc'd, caller wipes
 * and frees). 0; ACMEUP_EIO on a closed or failed socket (errno kept),
 * ACMEUP_EPROTO on a frame over PRIV_MSG_MAX. */
int priv_send(int fd, const struct priv_buf *b);
int priv_recv(int fd, uint8_t **body, size_t *len);

#define PRIV_ACCOUNTS_MAX 72 /* a run at 64 CAs (ISSUE_SHARED_MAX), and rollover */

/* The keys process: serve requests on fd until EOF, then _exit. tsig: the
 * TSIG keys by registration id (NULL: that key failed to load); acct: the
 * account keys it opened, by id. sandbox: install the seccomp filter before
 * the first request that is not ACCOUNT_OPEN (which needs files). */
struct priv_table {
	struct tsig_key **tsig;
	size_t ntsig, tsig_cap;
	struct crypto_key *acct[PRIV_ACCOUNTS_MAX];
	size_t nacct;
	int sandbox;
	long uid, gid;   /* >= 0: setgid/setuid to these when sealing (root);
	                  * with sandbox and uid -1, looked up then */
	int no_files;    /* a standby or replacement: opens no file on request
	                  * (it may still be root until its first one) */
};
void priv_keys_serve(int fd, struct priv_table *t) __attribute__((noreturn));

/* priv_spare.c, in the files process (FSOP_SPARE_ADD, FSOP_SPARE): a TSIG
 * key file and its key's name registered (-EPERM after the first other
 * request, or for a relative path); registrations closed; a keys process
 * forked that loads them and serves on sock (a socket; once): its pid, or
 * -errno. */
int priv_spare_add(const char *file, const char *name);
void priv_spare_close(void);
int priv_spare_start(int sock);

/* priv_files.c, in the main process: the same, asked of the files
 * process. 0, or -errno (-ENODEV: no files process). *fd: our end of the
 * new keys process's socket; *pid its pid (not our child). */
int priv_files_spare_add(const char *file, const char *name);
int priv_files_spare(int *fd, long *pid);

/* The keys process's state; zero it and set t before use. */
struct priv_keys {
	struct priv_table *t;
	int sealed;      /* files done (account key): seccomp on if wanted */
	int seal_after;  /* seal once the current answer is sent */
	struct crypto_key *cert[PRIV_CERTKEYS_MAX]; /* by id - 1 */
	struct priv_buf out;
};

/* One request body: k->out holds its answer (a reply, or PRIV_ERROR with
 * the failure's code and detail). */
void priv_keys_handle(struct priv_keys *k, const uint8_t *body, size_t len);

/* Free the certificate keys and the answer buffer. */
void priv_keys_clear(struct priv_keys *k);

/* priv_load.c, before the seal: ACCOUNT_OPEN, ACCOUNT_STAGE, KEY_LOAD,
 * JOURNAL_KEYS. */
int priv_load_account(struct priv_keys *k, const struct priv_msg *m);
int priv_stage_account(struct priv_keys *k, const struct priv_msg *m);
int priv_load_keyfile(struct priv_keys *k, const struct priv_msg *m);
int priv_load_journal_keys(struct priv_keys *k, const struct priv_msg *m);

/* The Kerberos process (priv_gss_serve.c): one request body, its answer
 * in out (a reply, or PRIV_ERROR); and its loop, until EOF, then _exit. */
void priv_gss_handle(const uint8_t *body, size_t len, struct priv_buf *out);
void priv_gss_serve(int fd) __attribute__((noreturn));

/* "was killed by signal 9 (Killed)", "exited with status 1" or, for -1,
 * "vanished": what wait status st says of a process. */
void priv_status_text(int st, char *buf, size_t len);

/* Seccomp for the keys process: no socket, no exec, no open; for the
 * files process: no socket, no exec. ACMEUP_EIO when unavailable. */
int priv_sandbox_keys(void);
int priv_sandbox_files(void);

/* The user a root keys process becomes: acmeup, else nobody (looked up
 * by the keys process as it seals: NSS takes milliseconds, spent while the
 * main process fetches the CA's directory); *uid -1 when not root or
 * neither exists. */
void priv_sandbox_lookup(long *uid, long *gid);

/* Become uid/gid (no supplementary groups), keeping PR_SET_PDEATHSIG and
 * the undumpable flag. 0, or ACMEUP_EIO. */
int priv_sandbox_become(long uid, long gid);

#endif
