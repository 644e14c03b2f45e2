/* HTTPS to the CA through libcurl (GnuTLS flavour). */
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
#include "acmeup/http.h"
#include "acmeup/log.h"

/* Trusted without --ca-bundle: the system bundle (Debian's, also GnuTLS's
 * default trust file). Where it is missing, curl's default CA directory. */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define HTTP_MAX_BODY (4 * 1024 * 1024)
#define RETRY_AFTER_MAX 86400

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

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_response *r = arg;
	size_t n = size * nmemb;
	char *p;

	if (r->body_len + n > HTTP_MAX_BODY)
		return 0;
	p = realloc(r->body, r->body_len + n + 1);
	if (p == NULL)
		return 0;
	memcpy(p + r->body_len, data, n);
	r->body = p;
	r->body_len += n;
	p[r->body_len] = '\0';
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
	if (gt == NULL || strstr(gt, "rel=\"alternate\"") == NULL)
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

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_response *r = arg;
	size_t n = size * nmemb;
	const char *colon = memchr(data, ':', n);
	size_t klen, vlen;
	char *v;

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

static int
perform(struct http_client *c, const char *method, const char *url,
        struct curl_slist *hdrs, struct http_response *resp)
{
	CURL *h = c->curl;
	CURLcode cc;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (strncasecmp(url, "https://", 8) != 0) {
		rc = acmeup_fail(ACMEUP_EHTTP, "%s: acmeup talks to ACME "
		    "servers over HTTPS only", url);
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* HTTPS only, verified; no redirect may leave it either. Proxies come
	 * from https_proxy / all_proxy / no_proxy (curl's defaults). */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
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
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	c->errbuf[0] = '\0';
	log_trace("http: %s %s", method, url);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		rc = acmeup_fail(ACMEUP_EHTTP, "%s %s: %s", method, url,
		    c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(cc));
		http_response_clear(resp);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	log_trace("http: %ld from %s", resp->status, url);
out:
	curl_easy_reset(h);
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
