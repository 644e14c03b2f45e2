/* BIND key files: `key "name" { algorithm hmac-sha256; secret "..."; };` as
 * written by tsig-keygen, ddns-confgen or found in named.conf fragments.
 * Comments: //, # and C-style. Other top-level statements are skipped.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tsig_int.h"

enum tok_type { TOK_EOF, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE,
                TOK_SEMI };

struct token {
	enum tok_type type;
	const char *text; /* into the file buffer; quotes stripped */
	size_t len;
	int line;
};

struct lexer {
	const struct tsig_src *src;
	const char *p, *end;
	int line;
};

/* Skips a C-style comment at lx->p; TSIG_ESYNTAX when it never ends. */
static int
lex_comment(struct lexer *lx)
{
	int start = lx->line;

	lx->p += 2;
	while (lx->p < lx->end && !(*lx->p == '*' && lx->p + 1 < lx->end &&
	       lx->p[1] == '/')) {
		if (*lx->p == '\n')
			lx->line++;
		lx->p++;
	}
	if (lx->p >= lx->end) {
		tsig_seterr(lx->src->err, lx->src->errlen, "%s:%d: comment "
		            "opened here is never closed with */", lx->src->name,
		            start);
		return TSIG_ESYNTAX;
	}
	lx->p += 2;
	return 0;
}

/* Skips blanks and comments. */
static int
lex_skip(struct lexer *lx)
{
	int rc;

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
			rc = lex_comment(lx);
			if (rc != 0)
				return rc;
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
		tsig_seterr(lx->src->err, lx->src->errlen, "%s:%d: quoted string "
		            "opened here is never closed", lx->src->name, t->line);
		return TSIG_ESYNTAX;
	}
	t->len = (size_t)(lx->p - t->text);
	lx->p++;
	return 0;
}

/* A word ends at a blank, a brace, ';', a quote or a comment. The caller
 * has rejected NUL bytes, so every word is at least one byte long. */
static int
is_word_end(const char *s, const char *end)
{
	return strchr(" \t\r\n\f\v{};\"#", *s) != NULL ||
	       (*s == '/' && s + 1 < end && (s[1] == '/' || s[1] == '*'));
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
	for (s = lx->p + 1; s < lx->end && !is_word_end(s, lx->end); s++)
		;
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
	if (t->type == TOK_EOF)
		return "end of file";
	if (t->type == TOK_STRING)
		return "a quoted string";
	if (t->type == TOK_WORD && !tsig_word_is_safe(t->text, t->len))
		return "a word";
	snprintf(buf, buflen, "'%.*s'", (int)t->len, t->text);
	return buf;
}

/* Reports "src:line: expected WHAT, found TOKEN". */
static int
unexpected(struct lexer *lx, const struct token *t, const char *what)
{
	char buf[32];

	tsig_seterr(lx->src->err, lx->src->errlen, "%s:%d: expected %s, "
	            "found %s", lx->src->name, t->line, what,
	            tok_describe(t, buf, sizeof(buf)));
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
			tsig_seterr(lx->src->err, lx->src->errlen, "%s:%d: "
			            "statement starting with %s is not closed "
			            "with ';'", lx->src->name, first->line,
			            tok_describe(first, buf, sizeof(buf)));
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

/* `algorithm NAME;` or `secret "BASE64";` inside key e. */
static int
parse_attr(struct lexer *lx, struct tsig_entry *e, int is_alg)
{
	struct token t;
	int rc;

	rc = lex_next(lx, &t);
	if (rc != 0)
		return rc;
	if (t.type != TOK_WORD && t.type != TOK_STRING)
		return unexpected(lx, &t, is_alg ? "an algorithm name such as "
		                  "hmac-sha256" : "a quoted base64 secret");
	if (is_alg)
		rc = tsig_entry_set_alg(e, lx->src, t.line, t.text, t.len);
	else
		rc = tsig_entry_set_secret(e, lx->src, t.line, t.text, t.len);
	if (rc != 0)
		return rc;
	return expect(lx, TOK_SEMI, is_alg ? "';' after the algorithm" :
	              "';' after the secret");
}

/* The `{ ... };` of a key clause. */
static int
parse_key_body(struct lexer *lx, struct tsig_entry *e)
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
			rc = parse_attr(lx, e, 1);
		else if (tok_is(&t, "secret"))
			rc = parse_attr(lx, e, 0);
		else
			rc = unexpected(lx, &t, "'algorithm', 'secret' or '}'");
	}
	rc = expect(lx, TOK_SEMI, "';' after '}'");
	if (rc != 0)
		return rc;
	return tsig_entry_check(e, lx->src);
}

/* After the word `key`: name, body; appended to ks. */
static int
parse_key(struct lexer *lx, struct tsig_keyset *ks)
{
	struct token t;
	struct tsig_entry *e = NULL;
	int rc;

	rc = lex_next(lx, &t);
	if (rc != 0)
		return rc;
	if (t.type != TOK_WORD && t.type != TOK_STRING)
		return unexpected(lx, &t, "a key name after 'key'");
	rc = tsig_keyset_add(ks, lx->src, t.line, t.text, t.len, &e);
	if (rc != 0)
		return rc;
	return parse_key_body(lx, e);
}

int
tsig_parse_bind(const struct tsig_src *src, const char *text, size_t len,
                struct tsig_keyset *ks)
{
	struct lexer lx = { src, text, text + len, 1 };
	struct token t;
	int rc;

	for (;;) {
		rc = lex_next(&lx, &t);
		if (rc != 0)
			return rc;
		if (t.type == TOK_EOF)
			return 0;
		if (tok_is(&t, "key"))
			rc = parse_key(&lx, ks);
		else if (t.type == TOK_WORD)
			rc = skip_statement(&lx, &t);
		else
			rc = unexpected(&lx, &t, "a statement such as "
			                "key \"name\" { ... };");
		if (rc != 0)
			return rc;
	}
}
