/* BIND key files: `key "name" { algorithm hmac-sha256; secret "..."; };` as
 * written by tsig-keygen, ddns-confgen or found in named.conf fragments.
 * Comments: //, # and C-style. Other top-level statements are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tsig_int.h"

#define KEYFILE_MAX (1024 * 1024)

enum tok_type { TOK_EOF, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE,
                TOK_SEMI };

struct token {
	enum tok_type type;
	const char *text; /* into the file buffer; quotes stripped */
	size_t len;
	int line;
};

struct lexer {
	const char *path;
	const char *p, *end;
	int line;
	char *err;
	size_t errlen;
};

/* One parsed key clause; secret owned and wiped. */
struct entry {
	char name[TSIG_NAME_MAX + 1]; /* lower case, no trailing dot */
	int line;
	const struct tsig_alg *alg;
	uint8_t *secret;
	size_t secret_len;
};

struct keyset {
	struct entry *v;
	size_t n, cap;
};

/* Skips blanks and comments; TSIG_ESYNTAX for an unterminated comment. */
static int
lex_skip(struct lexer *lx)
{
	int start;

	while (lx->p < lx->end) {
		char c = *lx->p;
		char d = lx->p + 1 < lx->end ? lx->p[1] : '\0';

		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		           c == '\v') {
			lx->p++;
		} else if (c == '#' || (c == '/' && d == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (c == '/' && d == '*') {
			start = lx->line;
			lx->p += 2;
			while (lx->p < lx->end && !(*lx->p == '*' &&
			       lx->p + 1 < lx->end && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			if (lx->p >= lx->end) {
				tsig_seterr(lx->err, lx->errlen, "%s:%d: comment "
				            "opened here is never closed with */",
				            lx->path, start);
				return TSIG_ESYNTAX;
			}
			lx->p += 2;
		} else {
			break;
		}
	}
	return 0;
}

static int
lex_string(struct lexer *lx, struct token *t)
{
	lx->p++;
	t->type = TOK_STRING;
	t->text = lx->p;
	while (lx->p < lx->end && *lx->p != '"') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		if (*lx->p == '\n')
			lx->line++;
		lx->p++;
	}
	if (lx->p >= lx->end) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: quoted string "
		            "opened here is never closed", lx->path, t->line);
		return TSIG_ESYNTAX;
	}
	t->len = (size_t)(lx->p - t->text);
	lx->p++;
	return 0;
}

static int
lex_next(struct lexer *lx, struct token *t)
{
	const char *s;
	int rc;

	rc = lex_skip(lx);
	if (rc != 0)
		return rc;
	t->line = lx->line;
	t->text = lx->p;
	t->len = 1;
	if (lx->p >= lx->end) {
		t->type = TOK_EOF;
		t->len = 0;
		return 0;
	}
	switch (*lx->p) {
	case '{': t->type = TOK_LBRACE; lx->p++; return 0;
	case '}': t->type = TOK_RBRACE; lx->p++; return 0;
	case ';': t->type = TOK_SEMI; lx->p++; return 0;
	case '"': return lex_string(lx, t);
	default: break;
	}
	t->type = TOK_WORD;
	for (s = lx->p; s < lx->end; s++) {
		if (strchr(" \t\r\n\f\v{};\"#", *s) != NULL ||
		    (*s == '/' && s + 1 < lx->end && (s[1] == '/' || s[1] == '*')))
			break;
	}
	t->len = (size_t)(s - lx->p);
	lx->p = s;
	return 0;
}

static int
tok_is(const struct token *t, const char *word)
{
	return t->type == TOK_WORD && strlen(word) == t->len &&
	       strncasecmp(t->text, word, t->len) == 0;
}

/* Describes a token for a message, into buf. Only keyword-like words are
 * quoted, never anything that could be (part of) a secret. */
static const char *
tok_describe(const struct token *t, char *buf, size_t buflen)
{
	size_t i;

	if (t->type == TOK_EOF)
		return "end of file";
	if (t->type == TOK_STRING)
		return "a quoted string";
	for (i = 0; t->type == TOK_WORD && i < t->len; i++) {
		char c = t->text[i];

		if (t->len > 24 || !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return "a word";
	}
	snprintf(buf, buflen, "'%.*s'", (int)t->len, t->text);
	return buf;
}

/* Reports "path:line: expected WHAT, found TOKEN". */
static int
unexpected(struct lexer *lx, const struct token *t, const char *what)
{
	char buf[32];

	tsig_seterr(lx->err, lx->errlen, "%s:%d: expected %s, found %s",
	            lx->path, t->line, what, tok_describe(t, buf, sizeof(buf)));
	return TSIG_ESYNTAX;
}

static int
expect(struct lexer *lx, enum tok_type type, const char *what)
{
	struct token t;
	int rc;

	rc = lex_next(lx, &t);
	if (rc != 0)
		return rc;
	return t.type == type ? 0 : unexpected(lx, &t, what);
}

/* Skips a statement we do not use, up to its ';' outside braces. */
static int
skip_statement(struct lexer *lx, const struct token *first)
{
	struct token t;
	char buf[32];
	int depth = 0, rc;

	for (;;) {
		rc = lex_next(lx, &t);
		if (rc != 0)
			return rc;
		if (t.type == TOK_EOF) {
			tsig_seterr(lx->err, lx->errlen, "%s:%d: statement starting "
			            "with %s is not closed with ';'", lx->path,
			            first->line, tok_describe(first, buf,
			                                      sizeof(buf)));
			return TSIG_ESYNTAX;
		}
		if (t.type == TOK_LBRACE)
			depth++;
		else if (t.type == TOK_RBRACE && depth > 0)
			depth--;
		else if (t.type == TOK_RBRACE)
			return unexpected(lx, &t, "';'");
		else if (t.type == TOK_SEMI && depth == 0)
			return 0;
	}
}

/* `algorithm NAME;` inside key e. */
static int
parse_algorithm(struct lexer *lx, struct entry *e)
{
	struct token t;
	char buf[64];
	int rc;

	rc = lex_next(lx, &t);
	if (rc != 0)
		return rc;
	if (t.type != TOK_WORD && t.type != TOK_STRING)
		return unexpected(lx, &t, "an algorithm name such as hmac-sha256");
	if (e->alg != NULL) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: key \"%s\" has a second "
		            "algorithm", lx->path, t.line, e->name);
		return TSIG_ESYNTAX;
	}
	if (t.len < sizeof(buf)) {
		memcpy(buf, t.text, t.len);
		buf[t.len] = '\0';
		e->alg = tsig_alg_lookup(buf);
	}
	if (e->alg == NULL) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: key \"%s\": unknown "
		            "algorithm \"%.*s\" (expected one of %s)", lx->path,
		            t.line, e->name, (int)(t.len > 40 ? 40 : t.len),
		            t.text, tsig_alg_names());
		return TSIG_EALG;
	}
	return expect(lx, TOK_SEMI, "';' after the algorithm");
}

/* `secret "BASE64";` inside key e. */
static int
parse_secret(struct lexer *lx, struct entry *e)
{
	struct token t;
	int rc;

	rc = lex_next(lx, &t);
	if (rc != 0)
		return rc;
	if (t.type != TOK_STRING && t.type != TOK_WORD)
		return unexpected(lx, &t, "a quoted base64 secret");
	if (e->secret != NULL) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: key \"%s\" has a second "
		            "secret", lx->path, t.line, e->name);
		return TSIG_ESYNTAX;
	}
	rc = tsig_b64_decode(t.text, t.len, &e->secret, &e->secret_len);
	if (rc == TSIG_EINVAL) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: key \"%s\": secret is not "
		            "valid base64", lx->path, t.line, e->name);
		return TSIG_ESYNTAX;
	}
	if (rc != 0)
		return rc;
	return expect(lx, TOK_SEMI, "';' after the secret");
}

/* The `{ ... };` of a key clause. */
static int
parse_key_body(struct lexer *lx, struct entry *e)
{
	struct token t;
	int rc;

	rc = expect(lx, TOK_LBRACE, "'{' after the key name");
	for (;;) {
		if (rc != 0)
			return rc;
		rc = lex_next(lx, &t);
		if (rc != 0)
			return rc;
		if (t.type == TOK_RBRACE)
			break;
		if (tok_is(&t, "algorithm"))
			rc = parse_algorithm(lx, e);
		else if (tok_is(&t, "secret"))
			rc = parse_secret(lx, e);
		else
			rc = unexpected(lx, &t, "'algorithm', 'secret' or '}'");
	}
	rc = expect(lx, TOK_SEMI, "';' after '}'");
	if (rc != 0)
		return rc;
	if (e->alg == NULL || e->secret == NULL) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: key \"%s\" has no %s",
		            lx->path, e->line, e->name,
		            e->alg == NULL ? "algorithm" : "secret");
		return TSIG_ESYNTAX;
	}
	return 0;
}

/* Lower case, no trailing dot; 0 when name is a valid key name. */
static int
normalize_name(const char *text, size_t len, char out[TSIG_NAME_MAX + 1])
{
	uint8_t wire[TSIG_NAME_MAX];
	size_t i, wire_len;

	if (len > TSIG_NAME_MAX)
		return TSIG_EINVAL;
	for (i = 0; i < len; i++)
		out[i] = (text[i] >= 'A' && text[i] <= 'Z') ?
		         (char)(text[i] + 32) : text[i];
	if (len > 0 && out[len - 1] == '.')
		len--;
	out[len] = '\0';
	return tsig_name_to_wire(out, wire, &wire_len);
}

static struct entry *
keyset_add(struct keyset *ks)
{
	struct entry *v;

	if (ks->n == ks->cap) {
		v = realloc(ks->v, (ks->cap ? ks->cap * 2 : 4) * sizeof(*v));
		if (v == NULL)
			return NULL;
		ks->v = v;
		ks->cap = ks->cap ? ks->cap * 2 : 4;
	}
	memset(&ks->v[ks->n], 0, sizeof(ks->v[0]));
	return &ks->v[ks->n++];
}

static void
keyset_clear(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		if (ks->v[i].secret != NULL)
			gnutls_memset(ks->v[i].secret, 0, ks->v[i].secret_len);
		free(ks->v[i].secret);
	}
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

/* After the word `key`: name, body; appended to ks. */
static int
parse_key(struct lexer *lx, struct keyset *ks)
{
	struct token t;
	struct entry *e;
	size_t i;
	int rc;

	rc = lex_next(lx, &t);
	if (rc != 0)
		return rc;
	if (t.type != TOK_WORD && t.type != TOK_STRING)
		return unexpected(lx, &t, "a key name after 'key'");
	e = keyset_add(ks);
	if (e == NULL)
		return TSIG_ENOMEM;
	e->line = t.line;
	if (normalize_name(t.text, t.len, e->name) != 0) {
		tsig_seterr(lx->err, lx->errlen, "%s:%d: key name \"%.*s\" is not "
		            "a valid domain name", lx->path, t.line,
		            (int)(t.len > 64 ? 64 : t.len), t.text);
		return TSIG_ESYNTAX;
	}
	for (i = 0; i + 1 < ks->n; i++) {
		if (strcmp(ks->v[i].name, e->name) == 0) {
			tsig_seterr(lx->err, lx->errlen, "%s:%d: duplicate key "
			            "\"%s\" (first defined at line %d)", lx->path,
			            t.line, e->name, ks->v[i].line);
			return TSIG_ESYNTAX;
		}
	}
	return parse_key_body(lx, e);
}

static int
parse_file(struct lexer *lx, struct keyset *ks)
{
	struct token t;
	int rc;

	for (;;) {
		rc = lex_next(lx, &t);
		if (rc != 0)
			return rc;
		if (t.type == TOK_EOF)
			return 0;
		if (tok_is(&t, "key"))
			rc = parse_key(lx, ks);
		else if (t.type == TOK_WORD)
			rc = skip_statement(lx, &t);
		else
			rc = unexpected(lx, &t, "a statement such as "
			                "key \"name\" { ... };");
		if (rc != 0)
			return rc;
	}
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

	fd = open(path, O_RDONLY | O_CLOEXEC);
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
list_names(const struct keyset *ks, char *out, size_t outlen)
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
select_key(const char *path, const struct keyset *ks, const char *name,
           const struct entry **out, char *err, size_t errlen)
{
	char want[TSIG_NAME_MAX + 1], names[512];
	size_t i;

	list_names(ks, names, sizeof(names));
	if (ks->n == 0) {
		tsig_seterr(err, errlen, "%s: no key \"name\" { ... }; clause "
		            "found", path);
		return TSIG_ENOTFOUND;
	}
	if (name == NULL && ks->n == 1) {
		*out = &ks->v[0];
		return 0;
	}
	if (name == NULL) {
		tsig_seterr(err, errlen, "%s: holds %zu keys (%s); name the one "
		            "to use", path, ks->n, names);
		return TSIG_ENOTFOUND;
	}
	if (normalize_name(name, strlen(name), want) == 0) {
		for (i = 0; i < ks->n; i++) {
			if (strcmp(ks->v[i].name, want) == 0) {
				*out = &ks->v[i];
				return 0;
			}
		}
	}
	tsig_seterr(err, errlen, "%s: no key \"%s\" in the file (keys: %s)",
	            path, name, names);
	return TSIG_ENOTFOUND;
}

int
tsig_key_load(const char *path, const char *name, struct tsig_key **out,
              char *err, size_t errlen)
{
	struct lexer lx = { 0 };
	struct keyset ks = { 0 };
	const struct entry *e = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (path == NULL || out == NULL) {
		tsig_seterr(err, errlen, "no key file given");
		return TSIG_EINVAL;
	}
	rc = read_file(path, &text, &len, err, errlen);
	if (rc != 0)
		goto out;
	lx.path = path;
	lx.p = text;
	lx.end = text + len;
	lx.line = 1;
	lx.err = err;
	lx.errlen = errlen;
	rc = parse_file(&lx, &ks);
	if (rc == 0)
		rc = select_key(path, &ks, name, &e, err, errlen);
	if (rc == 0)
		rc = tsig_key_from_parts(e->name, e->alg, e->secret,
		                         e->secret_len, out);
out:
	if (text != NULL) {
		gnutls_memset(text, 0, len);
		free(text);
	}
	keyset_clear(&ks);
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
