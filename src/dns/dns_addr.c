/* Server addresses: literals with ports, resolv.conf, A/AAAA rdata. No
 * name lookups happen here. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "dns_internal.h"

/* Fill text/textport of a from its sockaddr and port. */
static void
addr_set_text(struct dns_addr *a)
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

void
dns_addr_add(struct dns_addr *list, size_t *n, size_t max,
             const struct dns_addr *a)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (dns_addr_equal(&list[i], a))
			return;
	if (*n < max)
		list[(*n)++] = *a;
}

int
dns_addr_from_rdf(const ldns_rdf *rd, uint16_t port, struct dns_addr *out)
{
	struct dns_addr a;

	memset(&a, 0, sizeof(a));
	if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_A && ldns_rdf_size(rd) == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a.sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ldns_rdf_data(rd), 4);
		a.salen = sizeof(*s4);
	} else if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_AAAA &&
	           ldns_rdf_size(rd) == 16) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ldns_rdf_data(rd), 16);
		a.salen = sizeof(*s6);
	} else {
		return -1;
	}
	addr_set_text(&a);
	*out = a;
	return 0;
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
	addr_set_text(&a);
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
		return acmeup_fail(ACMEUP_EUSAGE, "resolver \"%s\" is not an "
		                   "address: use ADDR, ADDR:PORT or [V6]:PORT", spec);
	return 0;
}
