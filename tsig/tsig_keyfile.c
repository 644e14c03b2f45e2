/* Key files: reading, telling BIND from Knot, choosing the key. The
 * parsers are tsig_bind.c and tsig_knot.c; the checks common to both are
 * tsig_keyset.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tsig_int.h"

#define KEYFILE_MAX (1024 * 1024)

/* Skips blanks and comments of either format from p; returns where the
 * first statement starts (end when there is none). */
static const char *
skip_preamble(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
		    *p == '\f' || *p == '\v') {
			p++;
		} else if (*p == '#' || (*p == '/' && p + 1 < end &&
		           p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/');
			     p++)
				;
			p = p + 1 < end ? p + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

/* 1 when the first statement of text is `word:` (Knot YAML, e.g. `key:`
 * or `server:`); BIND statements never start so. */
static int
looks_like_knot(const char *text, size_t len)
{
	const char *end = text + len, *p = skip_preamble(text, end);
	const char *word = p;

	while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
	       *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
	       *p == '_'))
		p++;
	if (p == word)
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == ':';
}

/* Reads the whole file into *out (caller wipes and frees *out, *len bytes). */
static int
read_file(const char *path, char **out, size_t *len, char *err,
          size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc = TSIG_EFILE;

	/* O_NONBLOCK: a FIFO named as a key file is refused below (not a
	 * regular file), never waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		tsig_seterr(err, errlen, "%s: cannot open key file: %s", path,
		            strerror(errno));
		return TSIG_EFILE;
	}
	if (fstat(fd, &st) != 0) {
		tsig_seterr(err, errlen, "%s: cannot stat key file: %s", path,
		            strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEYFILE_MAX) {
		tsig_seterr(err, errlen, "%s: %s", path, !S_ISREG(st.st_mode) ?
		            "not a regular file" : "key file larger than 1 MiB");
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = TSIG_ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			tsig_seterr(err, errlen, "%s: cannot read key file: %s",
			            path, r < 0 ? strerror(errno) : "file shrank");
			goto out;
		}
		got += (size_t)r;
	}
	*out = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		gnutls_memset(buf, 0, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

/* "a, b, c" into out, for messages. */
static void
list_names(const struct tsig_keyset *ks, char *out, size_t outlen)
{
	size_t i, pos = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < ks->n && pos < outlen; i++) {
		n = snprintf(out + pos, outlen - pos, "%s%s", i ? ", " : "",
		             ks->v[i].name);
		if (n < 0)
			return;
		pos += (size_t)n;
	}
}

static int
select_key(const struct tsig_src *src, const struct tsig_keyset *ks,
           const char *name, int knot, const struct tsig_entry **out)
{
	char want[TSIG_NAME_MAX + 1], names[512];
	size_t i;

	list_names(ks, names, sizeof(names));
	if (ks->n == 0) {
		tsig_seterr(src->err, src->errlen, "%s: no TSIG key found "
		            "(expected %s)", src->name, knot ? "a key: section "
		            "with '- id: NAME', 'algorithm:' and 'secret:'" :
		            "a key \"name\" { algorithm ...; secret ...; }; "
		            "clause");
		return TSIG_ENOTFOUND;
	}
	if (name == NULL && ks->n == 1) {
		*out = &ks->v[0];
		return 0;
	}
	if (name == NULL) {
		tsig_seterr(src->err, src->errlen, "%s: holds %zu keys (%s); "
		            "name the one to use", src->name, ks->n, names);
		return TSIG_ENOTFOUND;
	}
	if (tsig_name_normalize(name, strlen(name), want) == 0) {
		for (i = 0; i < ks->n; i++) {
			if (strcmp(ks->v[i].name, want) == 0) {
				*out = &ks->v[i];
				return 0;
			}
		}
	}
	tsig_seterr(src->err, src->errlen, "%s: no key \"%s\" in the file "
	            "(keys: %s)", src->name, name, names);
	return TSIG_ENOTFOUND;
}

/* A NUL byte means a binary file (or a truncated copy): say where. */
static int
check_text(const struct tsig_src *src, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len), *p;
	int line = 1;

	if (nul == NULL)
		return 0;
	for (p = text; p < nul; p++)
		line += *p == '\n';
	tsig_seterr(src->err, src->errlen, "%s:%d: NUL byte: not a text key "
	            "file", src->name, line);
	return TSIG_ESYNTAX;
}

int
tsig_key_parse(const char *text, size_t len, const char *source,
               const char *name, struct tsig_key **out, char *err,
               size_t errlen)
{
	struct tsig_src src = { source != NULL ? source : "key", err, errlen };
	struct tsig_keyset ks = { 0 };
	const struct tsig_entry *e = NULL;
	int knot, rc;

	if ((text == NULL && len > 0) || out == NULL) {
		tsig_seterr(err, errlen, "no key text given");
		return TSIG_EINVAL;
	}
	if (len > KEYFILE_MAX) {
		tsig_seterr(err, errlen, "%s: key file larger than 1 MiB",
		            src.name);
		return TSIG_EINVAL;
	}
	if (text == NULL)
		text = "";
	rc = check_text(&src, text, len);
	if (rc != 0)
		return rc;
	knot = looks_like_knot(text, len);
	if (knot)
		rc = tsig_parse_knot(&src, text, len, &ks);
	else
		rc = tsig_parse_bind(&src, text, len, &ks);
	if (rc == 0)
		rc = select_key(&src, &ks, name, knot, &e);
	if (rc == 0)
		rc = tsig_key_from_parts(e->name, e->alg, e->secret,
		                         e->secret_len, out);
	tsig_keyset_clear(&ks);
	return rc;
}

int
tsig_key_load(const char *path, const char *name, struct tsig_key **out,
              char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (path == NULL || out == NULL) {
		tsig_seterr(err, errlen, "no key file given");
		return TSIG_EINVAL;
	}
	rc = read_file(path, &text, &len, err, errlen);
	if (rc == 0)
		rc = tsig_key_parse(text, len, path, name, out, err, errlen);
	if (text != NULL) {
		gnutls_memset(text, 0, len);
		free(text);
	}
	return rc;
}

int
tsig_key_file_insecure(const char *path)
{
	struct stat st;

	if (path == NULL || stat(path, &st) != 0)
		return TSIG_EFILE;
	return (st.st_mode & (S_IRGRP | S_IROTH)) != 0 ? 1 : 0;
}
