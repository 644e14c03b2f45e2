/* gss_probe: one GSS-TSIG (RFC 3645) DNS UPDATE adding or deleting a TXT
 * record, over TCP: the TKEY exchange (key "<random>.sig-MNAME.", service
 * DNS@MNAME, credentials from KRB5CCNAME), then the UPDATE signed with the
 * context's MIC and its reply verified. For the lab's Kerberos tests; uses
 * libtsig's public interface only.
 *
 *   gss_probe [-o] ADDR MNAME ZONE OWNER TEXT|-d
 *
 * -o: algorithm gss.microsoft.com (as nsupdate -o), else gss-tsig.
 * Prints "tkey: ROUNDS rounds, answer signed|unsigned", "tkey: server's
 * expiry used|ignored, key usable N s" (tsig_tkey_expiry()), "update: rcode N, tsig: ..." (", request MAC without length"
 * when the reply verified only so: Samba) and "update: not allowed" for
 * REFUSED, or SERVFAIL after a good key exchange (Samba's answer when the
 * principal may not change the name); exit 0 when the UPDATE was answered
 * NOERROR with a reply that verifies, 1 when refused or not verified, 2 on
 * a local or GSS error. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tsig.h"
#include "tsig_gss.h"
#include "tsig_tkey.h"

#define MSG_MAX 65535
#define ROUNDS_MAX 8

static uint8_t msg[MSG_MAX], reply[MSG_MAX];

/* "a.b." into uncompressed wire form at p; the length, 0 when bad. */
static size_t
name_wire(const char *name, uint8_t *p, size_t cap)
{
	size_t n = 0, l;
	const char *dot;

	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot != NULL ? (size_t)(dot - name) : strlen(name);
		if (l == 0 || l > 63 || n + l + 2 > cap)
			return 0;
		p[n] = (uint8_t)l;
		memcpy(p + n + 1, name, l);
		n += l + 1;
		name += l + (dot != NULL);
	}
	p[n] = 0;
	return n + 1;
}

static int
exchange(int fd, const uint8_t *q, size_t qlen, size_t *rlen)
{
	uint8_t hdr[2] = { (uint8_t)(qlen >> 8), (uint8_t)qlen };
	size_t want, got = 0;
	ssize_t n;

	if (write(fd, hdr, 2) != 2 || write(fd, q, qlen) != (ssize_t)qlen)
		return -1;
	if (recv(fd, hdr, 2, MSG_WAITALL) != 2)
		return -1;
	want = (size_t)(hdr[0] << 8 | hdr[1]);
	while (got < want) {
		n = recv(fd, reply + got, want - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	*rlen = want;
	return 0;
}

/* The TKEY rounds until the context is complete; 0 or exit status. */
static int
tkey(int fd, struct tsig_gss *g, const char *key, int *rounds, int *sig,
     int *trusted, uint32_t *expiry)
{
	uint8_t *tok = NULL, *in = NULL;
	size_t tlen = 0, inlen = 0, qlen, rlen;
	struct tsig_tkey tk;
	struct tsig_ctx ctx = { 0 };
	char err[512] = "";
	int done = 0, rc;
	uint16_t id;

	for (*rounds = 0; !done && *rounds < ROUNDS_MAX; ++*rounds) {
		rc = tsig_gss_step(g, in, inlen, &tok, &tlen, &done, err, sizeof(err));
		free(in);
		in = NULL;
		if (rc != 0) {
			printf("gss: %s: %s\n", tsig_strerror(rc), err);
			return 2;
		}
		if (tok == NULL)
			break; /* complete, nothing more to send */
		id = (uint16_t)rand();
		rc = tsig_tkey_query(key, tsig_gss_alg(g), tok, tlen, (uint32_t)time(NULL),
		                     86400, id, msg, &qlen, sizeof(msg));
		free(tok);
		tok = NULL;
		if (rc != 0 || exchange(fd, msg, qlen, &rlen) != 0) {
			printf("tkey: no answer\n");
			return 2;
		}
		rc = tsig_tkey_reply(reply, rlen, id, key, tsig_gss_alg(g), &tk);
		if (rc != 0 || tk.error != 0 || tk.mode != TSIG_TKEY_MODE_GSSAPI) {
			printf("tkey: rcode %d, error %d: %s\n", tk.rcode, tk.error,
			       tsig_strerror(rc));
			return 1;
		}
		inlen = tk.token_len;
		in = malloc(inlen + 1);
		if (in == NULL)
			return 2;
		memcpy(in, tk.token, inlen);
	}
	free(in);
	if (!done) {
		printf("tkey: context not complete after %d rounds\n", *rounds);
		return 1;
	}
	/* RFC 3645 4.1.3: the last answer is signed with the new context */
	*sig = tsig_gss_verify(g, reply, rlen, &ctx, NULL);
	/* Samba: expiration == inception; the context's lifetime counts */
	*expiry = tsig_tkey_expiry(&tk, (uint32_t)time(NULL), tsig_gss_lifetime(g));
	*trusted = tk.expiration > tk.inception;
	return 0;
}

static int
update(int fd, struct tsig_gss *g, char **argv)
{
	const char *zone = argv[3], *owner = argv[4], *text = argv[5];
	int del = strcmp(text, "-d") == 0, rc;
	size_t n = 12, l, tl = strlen(text), rlen;
	struct tsig_ctx ctx = { 0 };
	uint16_t id = (uint16_t)rand();

	memset(msg, 0, 12);
	msg[0] = (uint8_t)(id >> 8);
	msg[1] = (uint8_t)id;
	msg[2] = 5 << 3; /* UPDATE */
	msg[5] = 1;      /* ZOCOUNT */
	msg[9] = 1;      /* UPCOUNT */
	if ((l = name_wire(zone, msg + n, 300)) == 0 || tl > 255)
		return 2;
	n += l;
	memcpy(msg + n, "\0\6\0\1", 4); /* SOA IN */
	n += 4;
	if ((l = name_wire(owner, msg + n, 300)) == 0)
		return 2;
	n += l;
	if (del) { /* RFC 2136 2.5.2: TXT, class ANY, TTL 0, no RDATA */
		memcpy(msg + n, "\0\20\0\377\0\0\0\0\0\0", 10);
		n += 10;
	} else {
		memcpy(msg + n, "\0\20\0\1\0\0\0\74", 8);
		msg[n + 8] = (uint8_t)((tl + 1) >> 8);
		msg[n + 9] = (uint8_t)(tl + 1);
		msg[n + 10] = (uint8_t)tl;
		memcpy(msg + n + 11, text, tl);
		n += 11 + tl;
	}
	rc = tsig_gss_sign(g, msg, &n, sizeof(msg), &ctx);
	if (rc != 0 || exchange(fd, msg, n, &rlen) != 0) {
		printf("update: not sent: %s\n", tsig_strerror(rc));
		return 2;
	}
	if (rlen < 12 || reply[0] != msg[0] || reply[1] != msg[1])
		return 2;
	rc = tsig_gss_verify(g, reply, rlen, &ctx, NULL);
	printf("update: rcode %d, tsig: %s%s\n", reply[3] & 0xf,
	       tsig_strerror(rc), tsig_gss_prior_bare(g) ?
	       ", request MAC without length" : "");
	/* RFC 2136 3.8 REFUSED; Samba answers SERVFAIL to a principal that
	 * may not change the name, after the key exchange succeeded */
	if ((reply[3] & 0xf) == 5 ||
	    ((reply[3] & 0xf) == 2 && rc == TSIG_EUNSIGNED))
		printf("update: not allowed for this principal\n");
	return (reply[3] & 0xf) == 0 && rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct timeval tv = { 5, 0 };
	struct tsig_gss *g = NULL;
	char key[300], err[512] = "";
	int fd = -1, rc, rounds = 0, sig = -1, trusted = 0, ms = 0;
	uint32_t expiry = 0;

	if (argc > 1 && strcmp(argv[1], "-o") == 0) {
		ms = 1;
		argc--;
		argv++;
	}
	if (argc != 6 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: gss_probe [-o] ADDR MNAME ZONE OWNER TEXT|-d\n");
		return 2;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(key, sizeof(key), "%d.sig-%s", rand(), argv[2]);
	rc = tsig_gss_new(key, argv[2], &g, err, sizeof(err));
	if (rc != 0) {
		printf("gss: %s: %s\n", tsig_strerror(rc), err);
		return 2;
	}
	if (ms && tsig_gss_set_alg(g, TSIG_GSS_ALG_MS) != 0) {
		rc = 2;
		goto out;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		printf("connect %s: failed\n", argv[1]);
		rc = 2;
		goto out;
	}
	rc = tkey(fd, g, key, &rounds, &sig, &trusted, &expiry);
	if (rc == 0) {
		printf("tkey: %d rounds, answer %s\n", rounds,
		       sig == 0 ? "signed" : tsig_strerror(sig));
		printf("tkey: server's expiry %s, key usable %ld s\n",
		       trusted ? "used" : "ignored",
		       (long)expiry - (long)time(NULL));
		rc = update(fd, g, argv);
	}
out:
	if (fd >= 0)
		close(fd);
	tsig_gss_free(g);
	return rc;
}
