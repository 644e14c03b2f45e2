/* One DNS message exchange: UDP with retries and a TCP fallback on
 * truncation (RFC 1035 4.2, RFC 7766), every wait bounded and, except for
 * removals, cut short by SIGINT/SIGTERM. Queries carry EDNS (RFC 6891) so
 * that servers can say why with an Extended DNS Error (RFC 8914), and can
 * be TSIG-signed (RFC 8945) for servers whose views match on keys. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "dns_internal.h"
#include "tsig.h"

#define DNS_HDR 12
#define DNS_MSG_MAX 65535
#define TSIG_ROOM 1024 /* RFC 8945 4.2: two names, fixed fields, MAC */
#define EDNS_OPT_EDE 15

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

const char *
dns_type_name(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_SOA: return "SOA";
	case LDNS_RR_TYPE_NS: return "NS";
	case LDNS_RR_TYPE_A: return "A";
	case LDNS_RR_TYPE_AAAA: return "AAAA";
	case LDNS_RR_TYPE_TXT: return "TXT";
	case LDNS_RR_TYPE_CNAME: return "CNAME";
	default: return "query";
	}
}

int
dns_fail_prefix(int rc, const char *prefix)
{
	return acmeup_err_context(rc, "%s", prefix);
}

int
dns_interrupted(void)
{
	return interrupt_fail();
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

ldns_rdf *
dns_name_new(const char *text)
{
	ldns_rdf *n;

	if (text == NULL || text[0] == '\0')
		return NULL;
	n = ldns_dname_new_frm_str(text);
	if (n != NULL)
		ldns_dname2canonical(n);
	return n;
}

int
dns_at_or_below(const ldns_rdf *name, const ldns_rdf *apex)
{
	return ldns_dname_compare(name, apex) == 0 ||
	       ldns_dname_is_subdomain(name, apex);
}

/* RFC 8914 4: the registered INFO-CODEs. */
static const char *
ede_name(unsigned code)
{
	static const char *const names[] = {
		"Other Error", "Unsupported DNSKEY Algorithm",
		"Unsupported DS Digest Type", "Stale Answer", "Forged Answer",
		"DNSSEC Indeterminate", "DNSSEC Bogus", "Signature Expired",
		"Signature Not Yet Valid", "DNSKEY Missing", "RRSIGs Missing",
		"No Zone Key Bit Set", "NSEC Missing", "Cached Error",
		"Not Ready", "Blocked", "Censored", "Filtered", "Prohibited",
		"Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported",
		"No Reachable Authority", "Network Error", "Invalid Data",
	};

	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	return "unknown";
}

int
dns_ede_format(const uint8_t *opt, size_t len, char *buf, size_t buflen)
{
	char text[200];
	size_t off = 0, olen, i, n = 0;
	unsigned code, info;

	if (buflen > 0)
		buf[0] = '\0';
	while (opt != NULL && off + 4 <= len) {
		code = (unsigned)opt[off] << 8 | opt[off + 1];
		olen = (size_t)opt[off + 2] << 8 | opt[off + 3];
		off += 4;
		if (olen > len - off)
			return -1;
		if (code != EDNS_OPT_EDE || olen < 2) {
			off += olen;
			continue;
		}
		info = (unsigned)opt[off] << 8 | opt[off + 1];
		/* EXTRA-TEXT is UTF-8 from the network: keep printable ASCII. */
		for (i = 2; i < olen && n + 1 < sizeof(text); i++)
			text[n++] = isprint(opt[off + i]) ? (char)opt[off + i] : '?';
		text[n] = '\0';
		snprintf(buf, buflen, " (EDE %u %s%s%s)", info, ede_name(info),
		         n > 0 ? ": " : "", text);
		return (int)info;
	}
	return -1;
}

int
dns_ede_text(const ldns_pkt *p, char *buf, size_t buflen)
{
	const ldns_rdf *d = p != NULL ? ldns_pkt_edns_data(p) : NULL;

	if (buflen > 0)
		buf[0] = '\0';
	if (d == NULL)
		return -1;
	return dns_ede_format(ldns_rdf_data(d), ldns_rdf_size(d), buf, buflen);
}

/* Wait until fd is ready (POLLIN or POLLOUT) or deadline (log_elapsed_ms
 * time). 1 ready, 0 timed out, ACMEUP_EINTR on a signal when intr. */
static int
wait_fd(int fd, short events, long long deadline, int intr)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		if (intr && interrupt_pending())
			return dns_interrupted();
		left = deadline - log_elapsed_ms();
		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
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
               uint8_t *buf, size_t *n, long long deadline, int intr)
{
	ssize_t got;
	int rc;

	for (;;) {
		rc = wait_fd(fd, POLLIN, deadline, intr);
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
             unsigned timeout_ms, int tries, int intr, uint8_t **reply,
             size_t *rlen, int *truncated)
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
		                    log_elapsed_ms() + timeout_ms, intr);
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
        int writing, long long deadline, int intr)
{
	uint8_t *p = buf;
	ssize_t n;
	int rc;

	while (len > 0) {
		rc = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline, intr);
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
tcp_connect(const struct dns_addr *srv, long long deadline, int intr,
            int *out)
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
		rc = wait_fd(fd, POLLOUT, deadline, intr);
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
             unsigned timeout_ms, int intr, uint8_t **reply, size_t *rlen)
{
	long long deadline = log_elapsed_ms() + timeout_ms;
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	uint8_t *buf = NULL;
	size_t n;
	int fd = -1, rc;

	if (len > DNS_MSG_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "DNS message too large");
	rc = tcp_connect(srv, deadline, intr, &fd);
	if (rc < 0)
		goto out;
	rc = io_full(fd, srv, pre, 2, 1, deadline, intr);
	if (rc == 0)
		rc = io_full(fd, srv, (void *)msg, len, 1, deadline, intr);
	if (rc == 0)
		rc = io_full(fd, srv, pre, 2, 0, deadline, intr);
	if (rc < 0)
		goto out;
	n = (size_t)pre[0] << 8 | pre[1];
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	rc = io_full(fd, srv, buf, n, 0, deadline, intr);
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
             unsigned timeout_ms, int tries, int intr, uint8_t **reply,
             size_t *rlen)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int truncated = 0, rc;

	if (len < DNS_HDR)
		return acmeup_fail(ACMEUP_EINVAL, "DNS message too short");
	if (len > DNS_UDP_MAX) {
		log_trace("dns: %zu octets to %s: TCP", len, srv->textport);
		return tcp_exchange(srv, msg, len, timeout_ms, intr, reply, rlen);
	}
	rc = udp_exchange(srv, msg, len, timeout_ms, tries, intr, &buf, &n,
	                  &truncated);
	if (rc < 0)
		return rc;
	if (truncated) {
		free(buf);
		log_debug("dns: truncated reply from %s, retrying over TCP",
		          srv->textport);
		return tcp_exchange(srv, msg, len, timeout_ms, intr, reply, rlen);
	}
	*reply = buf;
	*rlen = n;
	return 0;
}

int
dns_exchange_tcp(const struct dns_addr *srv, const uint8_t *msg, size_t len,
                 unsigned timeout_ms, int intr, uint8_t **reply, size_t *rlen)
{
	if (len < DNS_HDR)
		return acmeup_fail(ACMEUP_EINVAL, "DNS message too short");
	return tcp_exchange(srv, msg, len, timeout_ms, intr, reply, rlen);
}

int
dns_tsig_sign(const struct tsig_key *key, const uint8_t *msg, size_t len,
              uint8_t **out, size_t *outlen, struct tsig_ctx *ctx)
{
	uint8_t *buf = malloc(len + TSIG_ROOM);
	size_t n = len;
	int trc;

	if (buf == NULL)
		return ACMEUP_ENOMEM;
	memcpy(buf, msg, len);
	memset(ctx, 0, sizeof(*ctx));
	trc = priv_tsig_sign(key, buf, &n, len + TSIG_ROOM, ctx);
	if (trc != TSIG_OK) {
		free(buf);
		return acmeup_fail(ACMEUP_ETSIG, "cannot sign a DNS message with "
		                   "key %s: %s", tsig_key_name(key),
		                   tsig_strerror(trc));
	}
	*out = buf;
	*outlen = n;
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
query_wire(const ldns_rdf *name, ldns_rr_type type, int rd, int edns,
           uint8_t **wire, size_t *len)
{
	ldns_rdf *qname = ldns_rdf_clone(name);
	ldns_pkt *q = NULL;
	int rc = ACMEUP_ENOMEM;

	if (qname == NULL)
		goto out;
	q = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN,
	    (rd & DNS_Q_RD) ? LDNS_RD : 0);
	if (q == NULL) {
		ldns_rdf_deep_free(qname);
		goto out;
	}
	ldns_pkt_set_id(q, dns_random_id());
	if (rd & DNS_Q_CD)
		ldns_pkt_set_cd(q, 1);
	if (edns)
		ldns_pkt_set_edns_udp_size(q, DNS_EDNS_SIZE);
	if (edns && (rd & DNS_Q_DO))
		ldns_pkt_set_edns_do(q, 1);
	if (ldns_pkt2wire(wire, q, len) != LDNS_STATUS_OK)
		goto out;
	rc = 0;
out:
	ldns_pkt_free(q);
	return rc;
}

/* Verify a signed query's reply (RFC 8945 5.3). No fallback to unsigned
 * queries: a BADKEY reply is unsigned by definition (RFC 8945 5.3.2), so
 * anyone on the path could forge one to strip the signatures. */
static int
query_verify(const struct dns_addr *srv, const struct tsig_key *key,
             const uint8_t *reply, size_t rlen, const struct tsig_ctx *tctx,
             const char *what)
{
	struct tsig_result res;
	int trc;

	memset(&res, 0, sizeof(res));
	trc = priv_tsig_verify(key, reply, rlen, tctx, &res);
	if (trc == TSIG_OK)
		return 0;
	if (trc == TSIG_EBADKEY)
		return acmeup_fail(ACMEUP_ETSIG, "%s answered %s (signed with "
		                   "key %s, --tsig-queries) with BADKEY: the "
		                   "server does not know key %s; acmeup does not "
		                   "fall back to unsigned queries (an unsigned "
		                   "BADKEY can be forged): give this server the "
		                   "key, or drop --tsig-queries",
		                   srv->text, what, tsig_key_name(key),
		                   tsig_key_name(key));
	return acmeup_fail(ACMEUP_ETSIG, "the reply from %s to %s (signed with "
	                   "key %s, --tsig-queries) does not verify: %s",
	                   srv->text, what, tsig_key_name(key),
	                   tsig_strerror(trc));
}

/* One query; signed when key is set. */
static int
query_once(const struct dns_addr *srv, const ldns_rdf *name,
           ldns_rr_type type, int rd, const struct tsig_key *key, int edns,
           unsigned timeout_ms, int tries, const char *what, ldns_pkt **out)
{
	uint8_t *wire = NULL, *msg = NULL, *reply = NULL;
	size_t wlen = 0, mlen = 0, rlen = 0;
	struct tsig_ctx tctx;
	ldns_pkt *r = NULL;
	int rc;

	rc = query_wire(name, type, rd, edns, &wire, &wlen);
	if (rc == 0 && key != NULL)
		rc = dns_tsig_sign(key, wire, wlen, &msg, &mlen, &tctx);
	if (rc < 0)
		goto out;
	log_trace("dns: %s to %s (RD=%d%s%s%s)", what, srv->textport,
	          (rd & DNS_Q_RD) ? 1 : 0, edns ? ", EDNS" : "",
	          edns && (rd & DNS_Q_DO) ? ", DO" : "",
	          key != NULL ? ", TSIG" : "");
	rc = dns_exchange(srv, key != NULL ? msg : wire, key != NULL ? mlen
	                  : wlen, timeout_ms, tries, 1, &reply, &rlen);
	if (rc == ACMEUP_ETIMEOUT) {
		acmeup_err_clear(); /* replaced by the line below */
		rc = acmeup_fail(ACMEUP_ETIMEOUT, "no reply from %s to %s after "
		                 "%d x %u ms", srv->textport, what, tries, timeout_ms);
	}
	if (rc == 0 && key != NULL)
		rc = query_verify(srv, key, reply, rlen, &tctx, what);
	if (rc < 0)
		goto out;
	if (ldns_wire2pkt(&r, reply, rlen) != LDNS_STATUS_OK ||
	    check_question(r, name, type) < 0) {
		rc = acmeup_fail(ACMEUP_EPROTO, "malformed or mismatched reply from "
		                 "%s to %s", srv->textport, what);
		goto out;
	}
	*out = r;
	r = NULL;
out:
	ldns_pkt_free(r);
	free(wire);
	free(msg);
	free(reply);
	return rc;
}

int
dns_query(const struct dns_addr *srv, const ldns_rdf *name,
          ldns_rr_type type, int rd, const struct tsig_key *key,
          unsigned timeout_ms, int tries, ldns_pkt **out)
{
	char *text = dns_name_text(name), what[300];
	ldns_pkt *r = NULL;
	unsigned rcode;
	int rc;

	if (text == NULL)
		return ACMEUP_ENOMEM;
	snprintf(what, sizeof(what), "%s %s?", text, dns_type_name(type));
	free(text);
	rc = query_once(srv, name, type, rd, key, 1, timeout_ms, tries, what,
	                &r);
	if (rc < 0)
		return rc;
	rcode = ldns_pkt_get_rcode(r);
	/* RFC 6891 7: a server that does not know EDNS answers without OPT. */
	if ((rcode == LDNS_RCODE_FORMERR || rcode == LDNS_RCODE_NOTIMPL) &&
	    ldns_pkt_edns_udp_size(r) == 0) {
		ldns_pkt_free(r);
		r = NULL;
		log_debug("dns: %s answered %s to EDNS: asking without",
		          srv->text, dns_rcode_name(rcode));
		rc = query_once(srv, name, type, rd, key, 0, timeout_ms, tries,
		                what, &r);
		if (rc < 0)
			return rc;
	}
	*out = r;
	return 0;
}

int
dns_resolver_query(const struct dns_addr *resolver, const ldns_rdf *name,
                   ldns_rr_type type, ldns_pkt **out)
{
	char *text;
	int rc;

	rc = dns_query(resolver, name, type, DNS_Q_RD, NULL,
	               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, out);
	if (rc < 0 || ldns_pkt_get_rcode(*out) != LDNS_RCODE_SERVFAIL)
		return rc;
	text = dns_name_text(name);
	log_stage("dns: resolver %s answered SERVFAIL to %s %s?: asking again "
	          "with checking disabled (CD), in case DNSSEC validation fails",
	          resolver->text, text != NULL ? text : "?",
	          dns_type_name(type));
	free(text);
	ldns_pkt_free(*out);
	*out = NULL;
	return dns_query(resolver, name, type, DNS_Q_RD | DNS_Q_CD, NULL,
	                 DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, out);
}
