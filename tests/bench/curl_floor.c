/* The memory floor of libcurl-gnutls: one HTTPS GET and nothing else, set
 * up as acmeup's http.c sets it up (one CA file, HTTP/1.1, libssh2 without
 * its OpenSSL). tests/bench/compare builds it and reports its peak RSS
 * beside acmeup's. Usage: curl_floor URL CA-FILE; exit 0 on a 2xx. */
#include <dlfcn.h>
#include <stdio.h>

#include <curl/curl.h>

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

int
main(int argc, char **argv)
{
	void *ssh2;
	int (*init)(int);
	CURL *h;
	CURLcode cc;
	long status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: curl_floor URL CA-FILE\n");
		return 2;
	}
	ssh2 = dlopen("libssh2.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (ssh2 != NULL) {
		*(void **)&init = dlsym(ssh2, "libssh2_init");
		if (init != NULL)
			init(0x0001); /* LIBSSH2_INIT_NO_CRYPTO */
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	h = curl_easy_init();
	if (h == NULL)
		return 1;
	curl_easy_setopt(h, CURLOPT_URL, argv[1]);
	curl_easy_setopt(h, CURLOPT_CAINFO, argv[2]);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "curl_floor: %s\n", curl_easy_strerror(cc));
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return status >= 200 && status < 300 ? 0 : 1;
}
