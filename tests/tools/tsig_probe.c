/* tsig_probe: one TSIG-signed DNS UPDATE (RFC 2136) adding or deleting a
 * TXT record, sent over UDP; the reply's TSIG is verified (RFC 8945 5.3)
 * with libtsig. For interoperability tests against BIND and Knot; uses
 * libtsig's public interface only.
 *
 *   tsig_probe -s ADDR[:PORT] -z ZONE -o OWNER (-k FILE [-n NAME] | -y KEY)
 *              [-t TEXT] [-d] [-T OFFSET]
 *
 * -T signs with time(NULL) + OFFSET seconds (the BADTIME hook; the clock is
 * never touched). Prints one line, "rcode RCODE, tsig: ..."; exit 0 when
 * the server answered NOERROR with a reply that verifies, 1 when it
 * refused or the reply does not verify, 2 on a local error or no answer.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#define MSG_MAX 1024
#define REPLY_MAX 65535

struct probe {
	const char *server, *zone, *owner, *text;
	const char *key_file, *key_name, *key_arg;
	int delete;
	long long offset;
	struct sockaddr_in addr;
};

struct buf {
	uint8_t b[MSG_MAX];
	size_t len;
	int overflow;
};

static void
put(struct buf *m, const void *p, size_t n)
{
	if (m->overflow || n > sizeof(m->b) - m->len) {
		m->overflow = 1;
		return;
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void
put16(struct buf *m, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(m, b, 2);
}

/* RFC 1035 3.1: plain names only (no escapes); trailing dot optional. */
static int
put_name(struct buf *m, const char *name)
{
	const char *p = name, *dot;
	size_t n;

	while (*p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63)
			return -1;
		put(m, (uint8_t[]){ (uint8_t)n }, 1);
		put(m, p, n);
		p += n + (dot != NULL);
	}
	put(m, (uint8_t[]){ 0 }, 1);
	return m->overflow ? -1 : 0;
}

/* RFC 2136 2.5.1 add (class IN, TTL 60) / 2.5.4 delete an RR (class
 * NONE, TTL 0) of TXT text at owner, in zone. */
static int
build_update(const struct probe *p, uint16_t id, struct buf *m)
{
	size_t tlen = strlen(p->text);

	if (tlen > 255)
		return -1;
	put16(m, id);
	put16(m, 5 << 11); /* opcode UPDATE */
	put16(m, 1);       /* ZOCOUNT */
	put16(m, 0);       /* PRCOUNT */
	put16(m, 1);       /* UPCOUNT */
	put16(m, 0);       /* ADCOUNT */
	if (put_name(m, p->zone) != 0)
		return -1;
	put16(m, 6);       /* SOA */
	put16(m, 1);       /* IN */
	if (put_name(m, p->owner) != 0)
		return -1;
	put16(m, 16);      /* TXT */
	put16(m, p->delete ? 254 : 1);
	put16(m, 0);
	put16(m, p->delete ? 0 : 60);
	put16(m, (unsigned)tlen + 1);
	put(m, (uint8_t[]){ (uint8_t)tlen }, 1);
	put(m, p->text, tlen);
	return m->overflow ? -1 : 0;
}

static const char *
rcode_name(unsigned rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
		"NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
		"NXRRSET", "NOTAUTH", "NOTZONE" };

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] :
	       "RCODE?";
}

/* Sends m to the server and waits up to 3 s for the reply with id. */
static int
exchange(const struct probe *p, const struct buf *m, uint16_t id,
         uint8_t *reply, size_t *reply_len)
{
	struct timeval tv = { 3, 0 };
	ssize_t n;
	int fd, rc = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (const struct sockaddr *)&p->addr,
	            sizeof(p->addr)) != 0 ||
	    send(fd, m->b, m->len, 0) != (ssize_t)m->len)
		goto out;
	for (;;) {
		n = recv(fd, reply, REPLY_MAX, 0);
		if (n < 0)
			goto out;
		if (n >= 12 && ((reply[0] << 8) | reply[1]) == id &&
		    (reply[2] & 0x80) != 0)
			break;
	}
	*reply_len = (size_t)n;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "tsig_probe: %s: %s\n", p->server,
		        errno == EAGAIN ? "no answer within 3 s" :
		        strerror(errno));
	close(fd);
	return rc;
}

static int
load_key(const struct probe *p, struct tsig_key **key)
{
	char err[512] = "";
	int rc;

	if (p->key_arg != NULL)
		rc = tsig_key_from_arg(p->key_arg, key, err, sizeof(err));
	else
		rc = tsig_key_load(p->key_file, p->key_name, key, err,
		                   sizeof(err));
	if (rc != 0)
		fprintf(stderr, "tsig_probe: %s\n", err[0] != '\0' ? err :
		        tsig_strerror(rc));
	return rc;
}

/* Prints the outcome line; returns the exit status. */
static int
report(const struct probe *p, const struct tsig_key *key,
       const uint8_t *reply, int vrc, const struct tsig_result *res)
{
	unsigned rcode = reply[3] & 0x0f;

	printf("server %s zone %s key %s (%s): rcode %s, tsig: %s",
	       p->server, p->zone, tsig_key_name(key), tsig_key_algorithm(key),
	       rcode_name(rcode), vrc == 0 ? "reply verified" :
	       tsig_strerror(vrc));
	if (res->error != 0)
		printf(" (TSIG error %u)", res->error);
	if (vrc == TSIG_EBADTIME)
		printf(", server time %llu, ours %llu, skew %lld s",
		       (unsigned long long)res->server_time,
		       (unsigned long long)res->our_time,
		       (long long)(res->server_time - res->our_time));
	printf("\n");
	return rcode == 0 && vrc == 0 ? 0 : 1;
}

static int
run(struct probe *p)
{
	struct tsig_key *key = NULL;
	struct tsig_ctx ctx = { 0 };
	struct tsig_result res = { 0 };
	struct buf m = { 0 };
	uint8_t *reply = malloc(REPLY_MAX);
	size_t reply_len = 0;
	uint16_t id;
	int rc = 2, vrc;

	id = (uint16_t)(time(NULL) ^ getpid() ^ (uintptr_t)&m);
	if (reply == NULL || load_key(p, &key) != 0)
		goto out;
	if (build_update(p, id, &m) != 0) {
		fprintf(stderr, "tsig_probe: zone, owner or text too long\n");
		goto out;
	}
	ctx.time_offset = p->offset;
	vrc = tsig_sign(key, m.b, &m.len, sizeof(m.b), &ctx);
	if (vrc != 0) {
		fprintf(stderr, "tsig_probe: sign: %s\n", tsig_strerror(vrc));
		goto out;
	}
	if (exchange(p, &m, id, reply, &reply_len) != 0)
		goto out;
	vrc = tsig_verify(key, reply, reply_len, &ctx, &res);
	rc = report(p, key, reply, vrc, &res);
out:
	tsig_key_free(key);
	free(reply);
	return rc;
}

/* ADDR or ADDR:PORT (IPv4) into p->addr. */
static int
parse_server(struct probe *p, const char *arg)
{
	char host[64];
	const char *colon = strchr(arg, ':');
	size_t n = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
	char *end = NULL;
	long port = 53;

	if (n >= sizeof(host))
		return -1;
	memcpy(host, arg, n);
	host[n] = '\0';
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
			return -1;
	}
	p->addr.sin_family = AF_INET;
	p->addr.sin_port = htons((uint16_t)port);
	p->server = arg;
	return inet_pton(AF_INET, host, &p->addr.sin_addr) == 1 ? 0 : -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: tsig_probe -s ADDR[:PORT] -z ZONE -o OWNER "
	        "(-k FILE [-n NAME] | -y [ALG:]NAME:SECRET)\n"
	        "                  [-t TEXT] [-d] [-T OFFSET]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct probe p = { .text = "tsig_probe" };
	char *end = NULL;
	int c;

	while ((c = getopt(argc, argv, "s:z:o:k:n:y:t:dT:")) != -1) {
		switch (c) {
		case 's':
			if (parse_server(&p, optarg) != 0)
				return usage();
			break;
		case 'z': p.zone = optarg; break;
		case 'o': p.owner = optarg; break;
		case 'k': p.key_file = optarg; break;
		case 'n': p.key_name = optarg; break;
		case 'y': p.key_arg = optarg; break;
		case 't': p.text = optarg; break;
		case 'd': p.delete = 1; break;
		case 'T':
			errno = 0;
			p.offset = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    p.offset < -86400LL * 365 || p.offset > 86400LL * 365)
				return usage();
			break;
		default: return usage();
		}
	}
	if (optind != argc || p.server == NULL || p.zone == NULL ||
	    p.owner == NULL || (p.key_file == NULL) == (p.key_arg == NULL))
		return usage();
	return run(&p);
}
