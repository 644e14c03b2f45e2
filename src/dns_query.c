/* Server addresses and one DNS message exchange: UDP with retries and a
 * TCP fallback on truncation (RFC 1035 4.2, RFC 7766), every wait bounded. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

#define DNS_HDR 12
#define DNS_MSG_MAX 65535

void
dns_addr_set_text(struct dns_addr *a)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;
	int v6 = a->sa.ss_family == AF_INET6;
	const void *bin;

	if (v6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->sa;

		bin = &s6->sin6_addr;
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)&a->sa;

		bin = &s4->sin_addr;
		port = ntohs(s4->sin_port);
	}
	if (inet_ntop(a->sa.ss_family, bin, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	snprintf(a->textport, sizeof(a->textport), v6 ? "[%s]:%u" : "%s:%u",
	         host, port);
	if (port == DNS_PORT)
		snprintf(a->text, sizeof(a->text), "%s", host);
	else
		snprintf(a->text, sizeof(a->text), "%s", a->textport);
}

int
dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		return ACMEUP_EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "HOST", "HOST:PORT", "[V6]", "[V6]:PORT", or a bare IPv6 address (two or
 * more colons, no port). *port is 0 when none was given. */
int
dns_hostport_split(const char *s, char *buf, size_t buflen, uint16_t *port)
{
	const char *host = s, *colon = strchr(s, ':'), *rest = NULL;
	size_t hlen = strlen(s);
	uint16_t p = 0;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return ACMEUP_EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		rest = close[1] == ':' ? close + 2 : NULL;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		hlen = (size_t)(colon - s);
		rest = colon + 1;
	}
	if (hlen == 0 || hlen >= buflen)
		return ACMEUP_EINVAL;
	if (rest != NULL && parse_port(rest, &p) < 0)
		return ACMEUP_EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	*port = p;
	return 0;
}

int
dns_addr_parse(const char *s, uint16_t defport, struct dns_addr *out)
{
	struct addrinfo hints, *ai = NULL;
	struct dns_addr a;
	char host[INET6_ADDRSTRLEN + 32];
	uint16_t port;

	if (dns_hostport_split(s, host, sizeof(host), &port) < 0)
		return ACMEUP_EINVAL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST; /* never a name lookup */
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || ai == NULL)
		return ACMEUP_EINVAL;
	memset(&a, 0, sizeof(a));
	if (ai->ai_addrlen > sizeof(a.sa)) {
		freeaddrinfo(ai);
		return ACMEUP_EINVAL;
	}
	memcpy(&a.sa, ai->ai_addr, ai->ai_addrlen);
	a.salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (port == 0)
		port = defport;
	if (a.sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a.sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&a.sa)->sin_port = htons(port);
	dns_addr_set_text(&a);
	*out = a;
	return 0;
}

/* The address of the first "nameserver" line (resolv.conf(5)). */
static int
resolv_conf_first(const char *path, struct dns_addr *out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *p, *end;
	size_t cap = 0;
	int rc = 1;

	if (f == NULL)
		return acmeup_fail(ACMEUP_EIO, "cannot read %s (%s); set the "
		                   "resolver (ADDR[:PORT])", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "nameserver", 10) != 0 ||
		    !isspace((unsigned char)p[10]))
			continue;
		p += 10;
		while (isspace((unsigned char)*p))
			p++;
		end = p;
		while (*end != '\0' && !isspace((unsigned char)*end))
			end++;
		*end = '\0';
		if (dns_addr_parse(p, DNS_PORT, out) == 0) {
			rc = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc != 0)
		return acmeup_fail(ACMEUP_EDNS, "%s names no nameserver; set the "
		                   "resolver (ADDR[:PORT])", path);
	return 0;
}

int
dns_resolver_addr(const char *spec, struct dns_addr *out)
{
	if (spec == NULL || spec[0] == '\0')
		return resolv_conf_first("/etc/resolv.conf", out);
	if (dns_addr_parse(spec, DNS_PORT, out) < 0)
		return acmeup_fail(ACMEUP_EINVAL, "resolver \"%s\" is not an "
		                   "address: use ADDR, ADDR:PORT or [V6]:PORT", spec);
	return 0;
}

uint16_t
dns_random_id(void)
{
	uint16_t id = 0;

	/* A short read leaves a predictable ID, never a crash; getrandom on
	 * 2 octets does not block after boot. */
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(log_elapsed_ms() * 2654435761u);
	return id;
}

const char *
dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "unknown rcode";
}

int
dns_fail_prefix(int rc, const char *prefix)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", acmeup_errmsg(rc));
	return acmeup_fail(rc, "%s: %s", prefix, buf);
}

char *
dns_name_text(const ldns_rdf *name)
{
	char *s = ldns_rdf2str(name);
	size_t len;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len > 1 && s[len - 1] == '.')
		s[len - 1] = '\0';
	return s;
}

static const char *
type_name(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_SOA: return "SOA";
	case LDNS_RR_TYPE_NS: return "NS";
	case LDNS_RR_TYPE_A: return "A";
	case LDNS_RR_TYPE_AAAA: return "AAAA";
	case LDNS_RR_TYPE_TXT: return "TXT";
	default: return "query";
	}
}

/* Wait until fd is ready (POLLIN or POLLOUT) or deadline (log_elapsed_ms
 * time). 1 ready, 0 timed out, ACMEUP_EINTR on a signal. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline - log_elapsed_ms();
		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno == EINTR)
			return ACMEUP_EINTR;
		if (n < 0)
			return acmeup_fail(ACMEUP_EIO, "poll: %s", strerror(errno));
	}
}

/* Is buf[0..n) the reply to msg: same ID, QR=1 (RFC 1035 4.1.1)? */
static int
is_reply(const uint8_t *msg, const uint8_t *buf, size_t n)
{
	return n >= DNS_HDR && buf[0] == msg[0] && buf[1] == msg[1] &&
	       (buf[2] & 0x80) != 0;
}

/* Receive on the connected UDP socket until the reply to msg arrives or
 * deadline. 1 got it (*n set), 0 timed out, < 0 error. Replies with
 * another ID are dropped (RFC 5452 9.1). */
static int
udp_recv_reply(int fd, const struct dns_addr *srv, const uint8_t *msg,
               uint8_t *buf, size_t *n, long long deadline)
{
	ssize_t got;
	int rc;

	for (;;) {
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc <= 0)
			return rc;
		got = recv(fd, buf, DNS_MSG_MAX, 0);
		if (got < 0 && errno == ECONNREFUSED)
			return acmeup_fail(ACMEUP_EDNS, "%s refused the connection "
			                   "(no DNS server listening there?)",
			                   srv->textport);
		if (got < 0 && errno != EINTR && errno != EAGAIN)
			return acmeup_fail(ACMEUP_EDNS, "receiving from %s: %s",
			                   srv->textport, strerror(errno));
		if (got > 0 && is_reply(msg, buf, (size_t)got)) {
			*n = (size_t)got;
			return 1;
		}
	}
}

/* RFC 1035 4.2.1 over UDP; *truncated set on TC=1 (then no reply). */
static int
udp_exchange(const struct dns_addr *srv, const uint8_t *msg, size_t len,
             unsigned timeout_ms, int tries, uint8_t **reply, size_t *rlen,
             int *truncated)
{
	int fd, rc = ACMEUP_ENOMEM, i;
	uint8_t *buf = malloc(DNS_MSG_MAX);
	size_t n = 0;

	fd = socket(srv->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (buf == NULL || fd < 0 ||
	    connect(fd, (const struct sockaddr *)&srv->sa, srv->salen) < 0) {
		rc = buf == NULL ? ACMEUP_ENOMEM : acmeup_fail(ACMEUP_EDNS,
		     "cannot reach %s: %s", srv->textport, strerror(errno));
		goto out;
	}
	rc = 0;
	for (i = 0; i < tries && rc == 0; i++) {
		if (send(fd, msg, len, 0) < 0) {
			rc = acmeup_fail(ACMEUP_EDNS, "sending to %s: %s%s",
			                 srv->textport, strerror(errno),
			                 errno == ECONNREFUSED ? " (no DNS server "
			                 "listening there?)" : "");
			goto out;
		}
		rc = udp_recv_reply(fd, srv, msg, buf, &n,
		                    log_elapsed_ms() + timeout_ms);
	}
	if (rc == 0) {
		rc = acmeup_fail(ACMEUP_ETIMEOUT, "no reply from %s after %d x "
		                 "%u ms", srv->textport, tries, timeout_ms);
		goto out;
	}
	if (rc < 0)
		goto out;
	*truncated = (buf[2] & 0x02) != 0;
	*reply = buf;
	*rlen = n;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* Read or write exactly len octets on the non-blocking fd by deadline. */
static int
io_full(int fd, const struct dns_addr *srv, void *buf, size_t len,
        int writing, long long deadline)
{
	uint8_t *p = buf;
	ssize_t n;
	int rc;

	while (len > 0) {
		rc = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
		if (rc == 0)
			return acmeup_fail(ACMEUP_ETIMEOUT, "no reply from %s over "
			                   "TCP in time", srv->textport);
		if (rc < 0)
			return rc;
		n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return acmeup_fail(ACMEUP_EDNS, "TCP to %s: %s", srv->textport,
			                   n == 0 ? "connection closed" : strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
tcp_connect(const struct dns_addr *srv, long long deadline, int *out)
{
	int fd, err = 0, rc;
	socklen_t elen = sizeof(err);

	fd = socket(srv->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd < 0)
		return acmeup_fail(ACMEUP_EDNS, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)&srv->sa, srv->salen) < 0 &&
	    errno != EINPROGRESS) {
		err = errno;
	} else {
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc <= 0) {
			close(fd);
			return rc < 0 ? rc : acmeup_fail(ACMEUP_ETIMEOUT, "no TCP "
			       "connection to %s in time", srv->textport);
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
	}
	if (err != 0) {
		close(fd);
		return acmeup_fail(ACMEUP_EDNS, "TCP to %s: %s", srv->textport,
		                   strerror(err));
	}
	*out = fd;
	return 0;
}

/* RFC 1035 4.2.2 / RFC 7766 8: two-octet length prefix. */
static int
tcp_exchange(const struct dns_addr *srv, const uint8_t *msg, size_t len,
             unsigned timeout_ms, uint8_t **reply, size_t *rlen)
{
	long long deadline = log_elapsed_ms() + timeout_ms;
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	uint8_t *buf = NULL;
	size_t n;
	int fd = -1, rc;

	if (len > DNS_MSG_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "DNS message too large");
	rc = tcp_connect(srv, deadline, &fd);
	if (rc < 0)
		goto out;
	rc = io_full(fd, srv, pre, 2, 1, deadline);
	if (rc == 0)
		rc = io_full(fd, srv, (void *)msg, len, 1, deadline);
	if (rc == 0)
		rc = io_full(fd, srv, pre, 2, 0, deadline);
	if (rc < 0)
		goto out;
	n = (size_t)pre[0] << 8 | pre[1];
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	rc = io_full(fd, srv, buf, n, 0, deadline);
	if (rc == 0 && !is_reply(msg, buf, n))
		rc = acmeup_fail(ACMEUP_EPROTO, "TCP reply from %s does not match "
		                 "the request (ID or QR)", srv->textport);
	if (rc < 0)
		goto out;
	*reply = buf;
	*rlen = n;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

int
dns_exchange(const struct dns_addr *srv, const uint8_t *msg, size_t len,
             unsigned timeout_ms, int tries, uint8_t **reply, size_t *rlen)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int truncated = 0, rc;

	if (len < DNS_HDR)
		return acmeup_fail(ACMEUP_EINVAL, "DNS message too short");
	if (len > DNS_UDP_MAX) {
		log_trace("dns: %zu octets to %s: TCP", len, srv->textport);
		return tcp_exchange(srv, msg, len, timeout_ms, reply, rlen);
	}
	rc = udp_exchange(srv, msg, len, timeout_ms, tries, &buf, &n, &truncated);
	if (rc < 0)
		return rc;
	if (truncated) {
		free(buf);
		log_debug("dns: truncated reply from %s, retrying over TCP",
		          srv->textport);
		return tcp_exchange(srv, msg, len, timeout_ms, reply, rlen);
	}
	*reply = buf;
	*rlen = n;
	return 0;
}

/* The reply answers our question (RFC 5452 9.1): opcode QUERY, one
 * question, same name and type. */
static int
check_question(const ldns_pkt *r, const ldns_rdf *name, ldns_rr_type type)
{
	const ldns_rr_list *q = ldns_pkt_question(r);
	const ldns_rr *rr;

	if (ldns_pkt_get_opcode(r) != LDNS_PACKET_QUERY ||
	    ldns_rr_list_rr_count(q) != 1)
		return -1;
	rr = ldns_rr_list_rr(q, 0);
	if (ldns_rr_get_type(rr) != type ||
	    ldns_dname_compare(ldns_rr_owner(rr), name) != 0)
		return -1;
	return 0;
}

static int
query_wire(const ldns_rdf *name, ldns_rr_type type, int rd, uint8_t **wire,
           size_t *len)
{
	ldns_rdf *qname = ldns_rdf_clone(name);
	ldns_pkt *q = NULL;
	int rc = ACMEUP_ENOMEM;

	if (qname == NULL)
		goto out;
	q = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	if (q == NULL) {
		ldns_rdf_deep_free(qname);
		goto out;
	}
	ldns_pkt_set_id(q, dns_random_id());
	if (ldns_pkt2wire(wire, q, len) != LDNS_STATUS_OK)
		goto out;
	rc = 0;
out:
	ldns_pkt_free(q);
	return rc;
}

int
dns_query(const struct dns_addr *srv, const ldns_rdf *name,
          ldns_rr_type type, int rd, unsigned timeout_ms, int tries,
          ldns_pkt **out)
{
	uint8_t *wire = NULL, *reply = NULL;
	size_t wlen = 0, rlen = 0;
	ldns_pkt *r = NULL;
	char *text = dns_name_text(name);
	int rc;

	rc = query_wire(name, type, rd, &wire, &wlen);
	if (rc < 0 || text == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	log_trace("dns: %s %s? to %s (RD=%d)", text, type_name(type),
	          srv->textport, rd ? 1 : 0);
	rc = dns_exchange(srv, wire, wlen, timeout_ms, tries, &reply, &rlen);
	if (rc == ACMEUP_ETIMEOUT)
		rc = acmeup_fail(ACMEUP_ETIMEOUT, "no reply from %s to %s %s "
		                 "after %d x %u ms", srv->textport, type_name(type),
		                 text, tries, timeout_ms);
	if (rc < 0)
		goto out;
	if (ldns_wire2pkt(&r, reply, rlen) != LDNS_STATUS_OK ||
	    check_question(r, name, type) < 0) {
		rc = acmeup_fail(ACMEUP_EPROTO, "malformed or mismatched reply from "
		                 "%s to %s %s", srv->textport, type_name(type), text);
		goto out;
	}
	*out = r;
	r = NULL;
out:
	ldns_pkt_free(r);
	free(wire);
	free(reply);
	free(text);
	return rc;
}
