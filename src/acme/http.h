/* HTTP (src/acme/http.c), internal to src/acme/: the only place that
 * includes curl.
 *
 * HTTPS to the CA with certificate verification always on; ca_bundle adds a
 * private CA. Proxies come from the usual environment variables (curl's
 * defaults). Functions return 0 or ACMEUP_EHTTP with a detail naming the URL.
 */
#ifndef ACMEUP_HTTP_H
#define ACMEUP_HTTP_H

#include <stddef.h>

struct http_client; /* opaque */

/* A response. Every string is owned by the struct (NULL when absent) and
 * freed by http_response_clear(). body is NUL-terminated. */
struct http_response {
	long status;
	char *body;
	size_t body_len;
	char *content_type;
	char *location;
	char *replay_nonce;   /* RFC 8555 6.5 */
	long retry_after;     /* seconds; -1 when absent (RFC 8555 8.2) */
	char **links_alternate; /* Link: <...>;rel="alternate" (RFC 8555 7.4.2) */
	size_t n_links_alternate;
};

/* RFC 9110 10.2.3: a Retry-After value, delta-seconds or an HTTP-date,
 * as seconds after now (Unix time), capped at a day; a date in the past is
 * 0; anything unreadable (garbage, a negative number) is 10. Pure. */
long http_retry_after(const char *v, long long now);

/* ca_bundle may be NULL (system store). Borrowed only during the call.
 * *out owned by the caller. */
int http_client_new(const char *ca_bundle, struct http_client **out);

/* Every request's time in all from now on, in seconds (below 2: the
 * default, 60); a stall is cut after half of it (30 s at most). */
void http_set_timeout(unsigned seconds);
void http_client_free(struct http_client *c); /* accepts NULL */

/* GET, HEAD or POST url. resp is filled on success (any HTTP status but a
 * 3xx counts as success; the caller judges the status) and must be cleared
 * by the caller. For POST, body is sent with the given content type.
 * ACMEUP_EHTTP naming the URL for a transport error, a redirect (none is
 * followed), a body over 1 MiB (128 KiB when JSON), headers over 64 KiB, a
 * peer slower than 64 bytes/s for 30 s or a request over 60 s; only the
 * first 10 Link rel="alternate" are kept (the times: http_set_timeout). */
int http_get(struct http_client *c, const char *url, struct http_response *resp);
int http_head(struct http_client *c, const char *url, struct http_response *resp);
int http_post(struct http_client *c, const char *url, const char *content_type,
              const char *body, size_t len, struct http_response *resp);

void http_response_clear(struct http_response *resp); /* accepts NULL */

#endif
