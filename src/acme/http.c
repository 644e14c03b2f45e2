/* HTTPS to the CA through libcurl (GnuTLS flavour).
 *
 * The CA is untrusted input: a response is refused, without reading on,
 * when its body exceeds HTTP_MAX_BODY (HTTP_MAX_JSON for a JSON body), its
 * headers HTTP_MAX_HEADERS, when it is slower than HTTP_LOW_SPEED bytes/s
 * for HTTP_LOW_SPEED_TIME s (at most half the request time) or takes
 * longer than the request time (HTTP_TIMEOUT s, --http-timeout) in all, or
 * when it is a redirect (ACME needs none; docs/acme.md). HTTPS only. */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "http.h"
#include "acmeup/log.h"

/* Trusted without --ca-bundle: the system bundle (Debian's, also GnuTLS's
 * default trust file). Where it is missing, curl's default CA directory. */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define HTTP_MAX_BODY (1024 * 1024) /* a chain is 256 KiB at most (crypto.h) */
#define HTTP_MAX_JSON (128 * 1024)  /* an order of 100 names is ~20 KiB */
#define HTTP_MAX_HEADERS (64 * 1024) /* all header lines of a response */
#define HTTP_MAX_LINKS 10           /* alternate chains taken (RFC 8555 7.4.2) */
#define HTTP_TIMEOUT 60L            /* s, one request, connection included */
#define HTTP_LOW_SPEED 64L          /* bytes/s ... */
#define HTTP_LOW_SPEED_TIME 30L     /* ... for this long: a stalled peer */
#define RETRY_AFTER_MAX 86400

/* One request's time in all (http_set_timeout); the process's setting. */
static long request_timeout = HTTP_TIMEOUT;

/* One transfer: the response being filled and what stopped it. */
struct xfer {
	struct http_response *resp;
	size_t cap;          /* bytes allocated for resp->body */
	size_t max;          /* body limit, set at the first body byte */
	size_t header_bytes;
	const char *over;    /* "body", "headers" or "memory": why it
	                      * stopped */
};

struct http_client {
	CURL *curl;
	char *ca_bundle;
	char errbuf[CURL_ERROR_SIZE];
};

/* Say which proxy variable curl will use (never its value: it may hold a
 * password). */
static void
log_proxy(void)
{
	static const char *const vars[] = { "https_proxy", "HTTPS_PROXY",
	    "all_proxy", "ALL_PROXY" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		v = getenv(vars[i]);
		if (v != NULL && v[0] != '\0') {
			log_debug("http: using the proxy in $%s (no_proxy "
			    "honoured)", vars[i]);
			return;
		}
	}
}

/* Debian's libcurl links libssh2, and curl_global_init() calls
 * libssh2_init(0), which initialises all of OpenSSL (its config file and
 * providers): 1.8 MiB and a few ms for a protocol acmeup never speaks (HTTPS
 * only). Initialising libssh2 first without its crypto makes curl's call a
 * no-op. Only a libssh2 already loaded by curl is touched (RTLD_NOLOAD). */
#define LIBSSH2_INIT_NO_CRYPTO 0x0001

static void
skip_ssh_crypto(void)
{
	void *lib = dlopen("libssh2.so.1", RTLD_NOW | RTLD_NOLOAD);
	int (*init)(int);

	if (lib == NULL)
		return;
	*(void **)&init = dlsym(lib, "libssh2_init");
	if (init != NULL)
		init(LIBSSH2_INIT_NO_CRYPTO);
	dlclose(lib);
}

void
http_set_timeout(unsigned seconds)
{
	request_timeout = seconds >= 2 ? (long)seconds : HTTP_TIMEOUT;
}

int
http_client_new(const char *ca_bundle, struct http_client **out)
{
	struct http_client *c = NULL;
	int rc = ACMEUP_ENOMEM;

	skip_ssh_crypto();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return acmeup_fail(ACMEUP_EHTTP, "cannot initialise libcurl");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto out;
	c->curl = curl_easy_init();
	if (c->curl == NULL)
		goto out;
	if (ca_bundle == NULL && access(SYSTEM_CA_BUNDLE, R_OK) == 0)
		ca_bundle = SYSTEM_CA_BUNDLE;
	if (ca_bundle != NULL) {
		c->ca_bundle = strdup(ca_bundle);
		if (c->ca_bundle == NULL)
			goto out;
	}
	log_debug("http: trusting the CAs in %s", ca_bundle != NULL ?
	    ca_bundle : "libcurl's default CA directory");
	log_proxy();
	*out = c;
	c = NULL;
	rc = 0;
out:
	http_client_free(c);
	return rc;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->ca_bundle);
	free(c);
}

void
http_response_clear(struct http_response *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->body);
	free(r->content_type);
	free(r->location);
	free(r->replay_nonce);
	for (i = 0; i < r->n_links_alternate; i++)
		free(r->links_alternate[i]);
	free(r->links_alternate);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

/* 1 when the Content-Type is JSON (RFC 8555 6.2, RFC 7807). */
static int
is_json(const char *ct)
{
	size_t i;

	for (i = 0; ct != NULL && ct[i] != '\0' && ct[i] != ';'; i++)
		if (strncasecmp(ct + i, "json", 4) == 0)
			return 1;
	return 0;
}

/* Append to the body, growing it geometrically up to the limit; past the
 * limit, stop the transfer (curl reads no more). */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct http_response *r = x->resp;
	size_t n = size * nmemb, cap;
	char *p;

	if (x->max == 0)
		x->max = is_json(r->content_type) ? HTTP_MAX_JSON :
		    HTTP_MAX_BODY;
	if (n > x->max - r->body_len) {
		x->over = "body";
		return 0;
	}
	if (r->body_len + n + 1 > x->cap) {
		cap = x->cap < 4096 ? 4096 : x->cap * 2;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		if (cap > x->max + 1)
			cap = x->max + 1;
		p = realloc(r->body, cap);
		if (p == NULL) {
			x->over = "memory";
			return 0;
		}
		r->body = p;
		x->cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

/* Copy a header value without surrounding white space. */
static char *
header_value(const char *v, size_t len)
{
	char *s;

	while (len > 0 && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	s = malloc(len + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, v, len);
	s[len] = '\0';
	return s;
}

long
http_retry_after(const char *v, long long now)
{
	char *end = NULL;
	time_t when;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end != v && *end == '\0') /* a number, maybe out of range */
		return n < 0 ? 10 : errno != 0 || n > RETRY_AFTER_MAX ?
		    RETRY_AFTER_MAX : n;
	when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return 10;
	if (when <= now)
		return 0;
	return (long long)when - now > RETRY_AFTER_MAX ? RETRY_AFTER_MAX :
	    (long)(when - now);
}

/* Link: <url>;rel="alternate" (RFC 8288); other relations are ignored. */
static void
parse_link(struct http_response *r, const char *v)
{
	const char *lt = strchr(v, '<'), *gt;
	char **links;

	if (lt == NULL)
		return;
	gt = strchr(lt, '>');
	if (gt == NULL || strstr(gt, "rel=\"alternate\"") == NULL ||
	    r->n_links_alternate >= HTTP_MAX_LINKS)
		return;
	links = realloc(r->links_alternate,
	    (r->n_links_alternate + 1) * sizeof(*links));
	if (links == NULL)
		return;
	r->links_alternate = links;
	links[r->n_links_alternate] = header_value(lt + 1, (size_t)(gt - lt - 1));
	if (links[r->n_links_alternate] != NULL)
		r->n_links_alternate++;
}

/* Called by curl at least once a second, also while it connects or waits
 * for a server that sends nothing: a SIGINT/SIGTERM ends the transfer there
 * instead of after curl's own timeouts (up to HTTP_TIMEOUT s). */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return interrupt_pending() != 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct http_response *r = x->resp;
	size_t n = size * nmemb;
	const char *colon = memchr(data, ':', n);
	size_t klen, vlen;
	char *v;

	if (n > HTTP_MAX_HEADERS - x->header_bytes) {
		x->over = "headers";
		return 0;
	}
	x->header_bytes += n;
	if (colon == NULL)
		return n;
	klen = (size_t)(colon - data);
	vlen = n - klen - 1;
	v = header_value(colon + 1, vlen);
	if (v == NULL)
		return 0;
	if (klen == 12 && strncasecmp(data, "Replay-Nonce", klen) == 0) {
		free(r->replay_nonce);
		r->replay_nonce = v;
	} else if (klen == 8 && strncasecmp(data, "Location", klen) == 0) {
		free(r->location);
		r->location = v;
	} else if (klen == 12 && strncasecmp(data, "Content-Type", klen) == 0) {
		free(r->content_type);
		r->content_type = v;
	} else if (klen == 11 && strncasecmp(data, "Retry-After", klen) == 0) {
		r->retry_after = http_retry_after(v, (long long)time(NULL));
		free(v);
	} else if (klen == 4 && strncasecmp(data, "Link", klen) == 0) {
		parse_link(r, v);
		free(v);
	} else {
		free(v);
	}
	return n;
}

/* Options of one request (curl_easy_reset clears them after it). */
static void
set_options(struct http_client *c, const char *url, struct curl_slist *hdrs,
            struct xfer *x)
{
	CURL *h = c->curl;

	curl_easy_setopt(h, CURLOPT_URL, url);
	/* HTTPS only, verified. No redirect is followed (ACME needs none;
	 * a 3xx is an error, see finish()), and none could leave HTTPS.
	 * Proxies come from https_proxy / all_proxy / no_proxy (curl's
	 * defaults). */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "acmeup/" ACMEUP_VERSION);
	/* ACME is a sequence of small requests on one connection: HTTP/2
	 * would only add nghttp2's set-up. */
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* One CA file: Debian's libcurl would also read every file of
	 * /etc/ssl/certs (each CA twice), most of an issuance's CPU. */
	if (c->ca_bundle != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	}
	/* Bounds: time, speed, an announced Content-Length (on_body checks
	 * what actually comes); bodies are taken as sent, never decoded. */
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    request_timeout < 10 ? request_timeout : 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, request_timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
	    request_timeout / 2 < HTTP_LOW_SPEED_TIME ? request_timeout / 2 :
	    HTTP_LOW_SPEED_TIME);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)HTTP_MAX_BODY);
	curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	c->errbuf[0] = '\0';
}

/* A transfer curl did not complete: a limit of ours, or curl's words. */
static int
transfer_fail(struct http_client *c, const char *method, const char *url,
              const struct xfer *x, CURLcode cc)
{
	if (x->over != NULL && strcmp(x->over, "memory") == 0)
		return acmeup_fail(ACMEUP_ENOMEM, "%s %s: out of memory",
		    method, url);
	if (x->over != NULL && strcmp(x->over, "body") == 0)
		return acmeup_fail(ACMEUP_EHTTP, "%s %s: the response body is "
		    "larger than %zu bytes; acmeup stopped reading it", method,
		    url, x->max);
	if (x->over != NULL)
		return acmeup_fail(ACMEUP_EHTTP, "%s %s: the response headers "
		    "are larger than %d bytes; acmeup stopped reading them",
		    method, url, HTTP_MAX_HEADERS);
	if (cc == CURLE_FILESIZE_EXCEEDED)
		return acmeup_fail(ACMEUP_EHTTP, "%s %s: the response body "
		    "announced is larger than %d bytes; not read", method, url,
		    HTTP_MAX_BODY);
	return acmeup_fail(ACMEUP_EHTTP, "%s %s: %s", method, url,
	    c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
}

/* RFC 8555 needs no redirect, and one would move a signed request (its
 * JWS "url" is the old one) elsewhere: a 3xx is an error showing where it
 * pointed, in printable characters. */
static int
redirect_fail(const char *method, const char *url,
              const struct http_response *r)
{
	char where[201];
	size_t i;

	where[0] = '\0';
	for (i = 0; r->location != NULL && r->location[i] != '\0' &&
	    i + 1 < sizeof(where); i++)
		where[i] = isprint((unsigned char)r->location[i]) ?
		    r->location[i] : '?';
	where[i] = '\0';
	return acmeup_fail(ACMEUP_EHTTP, "%s %s: the server redirects (HTTP "
	    "%ld) to %s; acmeup follows no redirects (ACME needs none): give "
	    "the final https:// URL", method, url, r->status,
	    where[0] != '\0' ? where : "nowhere");
}

static int
perform(struct http_client *c, const char *method, const char *url,
        struct curl_slist *hdrs, struct http_response *resp)
{
	struct xfer x = { .resp = resp };
	CURLcode cc;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (strncasecmp(url, "https://", 8) != 0) {
		rc = acmeup_fail(ACMEUP_EHTTP, "%s: acmeup talks to ACME "
		    "servers over HTTPS only", url);
		goto out;
	}
	set_options(c, url, hdrs, &x);
	log_trace("http: %s %s", method, url);
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_ABORTED_BY_CALLBACK && interrupt_pending() != 0) {
		rc = acmeup_fail(ACMEUP_EINTR, "%s %s: interrupted by %s",
		    method, url, interrupt_name());
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = transfer_fail(c, method, url, &x, cc);
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	log_trace("http: %ld from %s", resp->status, url);
	if (resp->status >= 300 && resp->status < 400)
		rc = redirect_fail(method, url, resp);
out:
	if (rc != 0)
		http_response_clear(resp);
	curl_easy_reset(c->curl);
	return rc;
}

int
http_get(struct http_client *c, const char *url, struct http_response *resp)
{
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	return perform(c, "GET", url, NULL, resp);
}

int
http_head(struct http_client *c, const char *url, struct http_response *resp)
{
	curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	return perform(c, "HEAD", url, NULL, resp);
}

int
http_post(struct http_client *c, const char *url, const char *content_type,
          const char *body, size_t len, struct http_response *resp)
{
	struct curl_slist *hdrs = NULL, *tmp;
	char ct[128];
	int rc;

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	tmp = curl_slist_append(hdrs, ct);
	if (tmp == NULL)
		return ACMEUP_ENOMEM;
	hdrs = tmp;
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	rc = perform(c, "POST", url, hdrs, resp);
	curl_slist_free_all(hdrs);
	return rc;
}
