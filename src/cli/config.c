/* acmeup.conf: tokenizer, parser and schema check (see config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "acmeup/error.h"
#include "acmeup/fsafe.h"
#include "acmeup/store.h"
#include "acmeup/text.h"
#include "options.h"

#define CONFIG_MAX (1024 * 1024)
#define MAX_VALUES 1000

enum kind { K_STR, K_LIST, K_BOOL, K_DURATION, K_UINT };

/* A setting of the file: an entry of options.c's table with a place in
 * the file (IN_GLOBAL, IN_ZONE, IN_CERT of options.h). */
struct setting {
	enum kind kind;
	unsigned where;
};

/* Tokenizer state over one buffer. */
struct lexer {
	const char *path;
	const char *p, *end;
	unsigned line;
};

static int
syntax(const struct lexer *lx, const char *what)
{
	return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s", lx->path, lx->line,
	    what);
}

/* A "quoted string" with \" and \\ escapes, on one line. */
static int
lex_quoted(struct lexer *lx, char **out)
{
	char *s = malloc((size_t)(lx->end - lx->p) + 1);
	size_t n = 0;

	if (s == NULL)
		return ACMEUP_ENOMEM;
	for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
		if (*lx->p == '\n')
			break;
		if (*lx->p == '\\' && lx->p + 1 < lx->end &&
		    (lx->p[1] == '"' || lx->p[1] == '\\'))
			lx->p++;
		s[n++] = *lx->p;
	}
	if (lx->p >= lx->end || *lx->p != '"') {
		free(s);
		return syntax(lx, "unterminated quoted string");
	}
	lx->p++;
	s[n] = '\0';
	*out = s;
	return 0;
}

/* Next word of the current statement: *out is NULL at its end (a newline,
 * which also counts the line, a ';', or the end of the text); "{" and "}"
 * are words of their own. */
static int
lex_word(struct lexer *lx, char **out, int *eol)
{
	const char *start;

	*out = NULL;
	*eol = 0;
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
	    *lx->p == '\r'))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == ';') {
		if (lx->p < lx->end && *lx->p++ == '\n')
			lx->line++;
		*eol = 1;
		return 0;
	}
	if (*lx->p == '"')
		return lex_quoted(lx, out);
	start = lx->p;
	if (*lx->p == '{' || *lx->p == '}')
		lx->p++;
	else
		while (lx->p < lx->end && !isspace((unsigned char)*lx->p) &&
		    *lx->p != '#' && *lx->p != ';' && *lx->p != '{' &&
		    *lx->p != '}' && *lx->p != '"')
			lx->p++;
	*out = strndup(start, (size_t)(lx->p - start));
	return *out == NULL ? ACMEUP_ENOMEM : 0;
}

static void
item_clear(struct config_item *it)
{
	size_t i;

	for (i = 0; i < it->n_values; i++)
		free(it->values[i]);
	free(it->values);
	free(it->key);
	memset(it, 0, sizeof(*it));
}

/* Words of one statement into it (key + values); it->key NULL for an empty
 * one. */
static int
lex_line(struct lexer *lx, struct config_item *it)
{
	char *w = NULL, **vals;
	int rc, eol = 0;

	memset(it, 0, sizeof(*it));
	it->line = lx->line;
	for (;;) {
		rc = lex_word(lx, &w, &eol);
		if (rc != 0 || eol || w == NULL)
			break;
		if (it->key == NULL) {
			it->key = w;
			continue;
		}
		vals = it->n_values < MAX_VALUES ? realloc(it->values,
		    (it->n_values + 1) * sizeof(*vals)) : NULL;
		if (vals == NULL) {
			free(w);
			rc = it->n_values < MAX_VALUES ? ACMEUP_ENOMEM :
			    syntax(lx, "too many values");
			break;
		}
		it->values = vals;
		it->values[it->n_values++] = w;
	}
	if (rc != 0)
		item_clear(it);
	return rc;
}

static int
find_setting(const char *key, struct setting *out)
{
	const struct opt_def *d = opt_find(key);

	if (d == NULL || d->where == 0)
		return 0;
	out->where = d->where;
	switch (d->arg) {
	case ARG_FLAG: out->kind = K_BOOL; break;
	case ARG_LIST: out->kind = K_LIST; break;
	case ARG_SECONDS: case ARG_DURATION: out->kind = K_DURATION; break;
	case ARG_UINT: out->kind = K_UINT; break;
	default: out->kind = K_STR; break;
	}
	return 1;
}

/* The setting closest to a mistyped key, or NULL. */
static const char *
suggest(const char *key)
{
	struct text_near near;
	size_t i;

	text_near_init(&near, key);
	for (i = 0; i < opt_count; i++)
		if (opt_table[i].where != 0)
			text_near_offer(&near, opt_table[i].name);
	return near.best;
}

static int
is_bool(const char *v)
{
	static const char *const words[] = { "yes", "no", "true", "false",
	    "on", "off" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(v, words[i]) == 0)
			return 1;
	return 0;
}

static int
check_value(const char *path, const struct config_item *it,
            const struct setting *s)
{
	const char *v = it->n_values > 0 ? it->values[0] : "";
	unsigned secs;

	if (it->n_values == 0)
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s: a value is "
		    "missing", path, it->line, it->key);
	if (s->kind != K_LIST && it->n_values > 1)
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s takes one value, "
		    "not %zu (quote a value with spaces)", path, it->line,
		    it->key, it->n_values);
	if (s->kind == K_BOOL && !is_bool(v))
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s: '%s' is not yes "
		    "or no", path, it->line, it->key, v);
	if (s->kind == K_DURATION && config_seconds(v, &secs) != 0)
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s: '%s' is not a "
		    "duration (e.g. 90, 90s, 15m, 12h, 30d)", path, it->line,
		    it->key, v);
	if (s->kind == K_UINT && (config_seconds(v, &secs) != 0 ||
	    strspn(v, "0123456789") != strlen(v)))
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s: '%s' is not a "
		    "whole number", path, it->line, it->key, v);
	return 0;
}

/* Schema check of one setting found in block type where. */
static int
check_item(const char *path, const struct config_item *it, unsigned where)
{
	struct setting set;
	const struct setting *s = &set;
	const char *hint;

	if (!find_setting(it->key, &set)) {
		hint = suggest(it->key);
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: unknown setting "
		    "'%s'%s%s%s", path, it->line, it->key,
		    hint != NULL ? " (did you mean '" : "",
		    hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
	}
	if ((s->where & where) == 0)
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s does not belong "
		    "%s (it goes %s)", path, it->line, it->key,
		    where == IN_GLOBAL ? "outside a block" : where == IN_ZONE ?
		    "in a zone block" : "in a cert block",
		    s->where & IN_CERT ? "in a cert block" : s->where & IN_ZONE ?
		    "in a zone block" : "outside any block");
	return check_value(path, it, s);
}

/* Append *it to a growable item array (taking its strings). */
static int
push_item(struct config_item **arr, size_t *n, struct config_item *it)
{
	struct config_item *p = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (p == NULL)
		return ACMEUP_ENOMEM;
	*arr = p;
	p[(*n)++] = *it;
	memset(it, 0, sizeof(*it));
	return 0;
}

/* "zone NAME {" or "cert NAME {": open a new block. */
static int
open_block(struct config *cfg, struct config_item *it)
{
	struct config_block *b;

	if (strcmp(it->key, "zone") != 0 && strcmp(it->key, "cert") != 0)
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: unknown block '%s' "
		    "(blocks are 'zone NAME {' and 'cert NAME {')", cfg->path,
		    it->line, it->key);
	if (it->n_values != 2)
		return acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s needs exactly one "
		    "name before '{'", cfg->path, it->line, it->key);
	b = realloc(cfg->blocks, (cfg->n_blocks + 1) * sizeof(*b));
	if (b == NULL)
		return ACMEUP_ENOMEM;
	cfg->blocks = b;
	b = &cfg->blocks[cfg->n_blocks++];
	memset(b, 0, sizeof(*b));
	b->type = it->key;
	b->name = it->values[0];
	b->line = it->line;
	free(it->values[1]);
	free(it->values);
	memset(it, 0, sizeof(*it));
	return 0;
}

int
config_problem(struct config_problems *p, int rc)
{
	if (rc == 0 || rc == ACMEUP_ENOMEM)
		return rc;
	if (p->held != NULL)
		text_printf(stderr, "acmeup: %s\n", p->held);
	free(p->held);
	p->held = strdup(acmeup_errmsg(rc));
	acmeup_err_clear();
	p->n++;
	return p->held != NULL ? 0 : ACMEUP_ENOMEM;
}

int
config_problems_end(struct config_problems *p, const char *path, int code)
{
	int rc = 0;

	if (p->n == 1)
		rc = acmeup_fail(code, "%s", p->held);
	else if (p->n > 1) {
		text_printf(stderr, "acmeup: %s\n", p->held);
		rc = acmeup_fail(code, "%s: %zu problems (each said above)",
		    path, p->n);
	}
	free(p->held);
	p->held = NULL;
	return rc;
}

/* One non-blank line: block open/close or a setting. *block is the open
 * block or NULL. A setting's own problem is counted in *pb, the line
 * skipped. */
static int
parse_statement(struct config *cfg, struct config_item *it,
                struct config_block **block, struct config_problems *pb)
{
	size_t i;
	int rc;

	if (strcmp(it->key, "}") == 0) {
		if (*block == NULL || it->n_values > 0)
			return acmeup_fail(ACMEUP_EINVAL, "%s:%u: '}' without "
			    "an open block", cfg->path, it->line);
		*block = NULL;
		return 0;
	}
	for (i = 0; i < it->n_values; i++)
		if (strcmp(it->values[i], "{") == 0 && i + 1 == it->n_values) {
			if (*block != NULL)
				return acmeup_fail(ACMEUP_EINVAL, "%s:%u: blocks "
				    "do not nest: close '%s %s' (line %u) first",
				    cfg->path, it->line, (*block)->type,
				    (*block)->name, (*block)->line);
			rc = open_block(cfg, it);
			if (rc == 0)
				*block = &cfg->blocks[cfg->n_blocks - 1];
			return rc;
		} else if (strcmp(it->values[i], "{") == 0 ||
		    strcmp(it->values[i], "}") == 0) {
			return acmeup_fail(ACMEUP_EINVAL, "%s:%u: '%s' must end "
			    "a block's header line or stand alone", cfg->path,
			    it->line, it->values[i]);
		}
	rc = check_item(cfg->path, it, *block == NULL ? IN_GLOBAL :
	    strcmp((*block)->type, "zone") == 0 ? IN_ZONE : IN_CERT);
	if (rc != 0)
		return config_problem(pb, rc);
	if (*block == NULL)
		return push_item(&cfg->globals, &cfg->n_globals, it);
	return push_item(&(*block)->items, &(*block)->n_items, it);
}

static int
check_blocks(const struct config *cfg, struct config_problems *pb)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && i < cfg->n_blocks; i++) {
		if (strcmp(cfg->blocks[i].type, "cert") == 0 &&
		    config_get(cfg, &cfg->blocks[i], "domains") == NULL)
			rc = config_problem(pb, acmeup_fail(ACMEUP_EINVAL, "%s:%u: cert "
			    "%s has no 'domains'", cfg->path,
			    cfg->blocks[i].line, cfg->blocks[i].name));
		for (j = 0; rc == 0 && j < i; j++)
			if (strcmp(cfg->blocks[i].type, cfg->blocks[j].type) ==
			    0 && strcasecmp(cfg->blocks[i].name,
			    cfg->blocks[j].name) == 0) {
				rc = config_problem(pb, acmeup_fail(ACMEUP_EINVAL,
				    "%s:%u: %s %s is defined twice (first at "
				    "line %u)", cfg->path, cfg->blocks[i].line,
				    cfg->blocks[i].type, cfg->blocks[i].name,
				    cfg->blocks[j].line));
				break;
			}
	}
	return rc;
}

int
config_parse(const char *path, const char *text, size_t len,
             struct config **out)
{
	struct lexer lx = { path, text, text + len, 1 };
	struct config_block *block = NULL;
	struct config_item it = { 0 };
	struct config_problems pb = { 0, NULL };
	struct config *cfg;
	int rc = ACMEUP_ENOMEM;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->path = strdup(path)) == NULL)
		goto out;
	rc = 0;
	while (rc == 0 && lx.p < lx.end) {
		rc = lex_line(&lx, &it);
		if (rc == 0 && it.key != NULL)
			rc = parse_statement(cfg, &it, &block, &pb);
		item_clear(&it);
	}
	if (rc == 0 && block != NULL)
		rc = acmeup_fail(ACMEUP_EINVAL, "%s:%u: %s %s is not closed "
		    "with '}'", path, block->line, block->type, block->name);
	if (rc == 0)
		rc = check_blocks(cfg, &pb);
	if (rc != 0 && pb.held != NULL)	/* a syntax error ends the reading */
		text_printf(stderr, "acmeup: %s\n", pb.held);
	if (rc == 0)
		rc = config_problems_end(&pb, path, ACMEUP_EINVAL);
	free(pb.held);
	if (rc == 0) {
		*out = cfg;
		cfg = NULL;
	}
out:
	config_free(cfg);
	return rc;
}

int
config_load(const char *path, struct config **out)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	/* It names hooks that run as this user: a file others can write
	 * is refused, as is a link or a FIFO (fsafe.h). */
	rc = fsafe_read(path, "config file", FSAFE_STRICT, CONFIG_MAX, &text,
	    &len);
	if (rc == 0)
		rc = config_parse(path, text, len, out);
	free(text);
	return rc;
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_globals; i++)
		item_clear(&cfg->globals[i]);
	free(cfg->globals);
	for (i = 0; i < cfg->n_blocks; i++) {
		for (j = 0; j < cfg->blocks[i].n_items; j++)
			item_clear(&cfg->blocks[i].items[j]);
		free(cfg->blocks[i].items);
		free(cfg->blocks[i].type);
		free(cfg->blocks[i].name);
	}
	free(cfg->blocks);
	free(cfg->path);
	free(cfg);
}

const struct config_item *
config_get(const struct config *cfg, const struct config_block *block,
           const char *key)
{
	const struct config_item *items = block != NULL ? block->items :
	    cfg->globals;
	size_t n = block != NULL ? block->n_items : cfg->n_globals;
	const struct config_item *found = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(items[i].key, key) == 0)
			found = &items[i];
	return found;
}

/* A zone block's yes/no setting key, 0 when absent. */
static int
block_yes(const struct config *cfg, const struct config_block *b,
          const char *key)
{
	const struct config_item *it = config_get(cfg, b, key);

	return it != NULL && config_bool(it->values[0]);
}

int
config_zone_signs(const struct config *cfg)
{
	const struct config_block *b;
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->n_blocks; i++) {
		b = &cfg->blocks[i];
		if (strcmp(b->type, "zone") == 0 &&
		    (config_get(cfg, b, "tsig-key") != NULL ||
		     config_get(cfg, b, "tsig-key-name") != NULL ||
		     block_yes(cfg, b, "tsig-gss") || block_yes(cfg, b, "gss")))
			return 1;
	}
	return 0;
}
