/* acmeup.conf(5): a small hand-edited format for DNS and PKI admins.
 *
 *   # global settings: the long option names, without "--"
 *   server     https://ca.example/directory
 *   email      pki@contoso.test
 *   resolver   10.0.0.53
 *
 *   zone acme-challenges.contoso.test {
 *       server     ns1.contoso.test:53
 *       tsig-key   /etc/acmeup/acme.key
 *   }
 *   zone intranet.contoso.test {
 *       alias-to   _acme-challenge.acme-challenges.contoso.test
 *   }
 *
 *   cert intranet {
 *       domains    intranet.contoso.test *.intranet.contoso.test
 *       deploy-hook "systemctl reload nginx"
 *   }
 *
 * One statement per line: a setting name and its values (words, or "quoted
 * strings" with \" and \\ escapes); '#' starts a comment. Blocks open with
 * '{' at the end of their header line and close with '}' on a line of its
 * own. config_parse() checks syntax and every setting against the schema
 * (known name, number of values, type); errors name file:line and setting.
 * Problems that do not stop the reading (a setting unknown, misplaced or
 * with a bad value, a block without domains or defined twice) are all
 * said: each on stderr but the last, which is the error, or "FILE: N
 * problems (each said above)" for several.
 * Every string is owned by the struct and freed by config_free().
 *
 * Globals apply where the command line did not give the option
 * (config_apply); zone blocks become the DNS engine's per-zone settings
 * (dns_config_from_opts); cert blocks become cert specs (certspec_load).
 */
#ifndef ACMEUP_CONFIG_H
#define ACMEUP_CONFIG_H

#include <stddef.h>

#define ACMEUP_DEFAULT_CONFIG "/etc/acmeup/acmeup.conf"

struct opts;

struct config_item {
	char *key;
	char **values;
	size_t n_values;
	unsigned line;
};

struct config_block {
	char *type; /* "zone" or "cert" */
	char *name;
	unsigned line;
	struct config_item *items;
	size_t n_items;
};

struct config {
	char *path;
	struct config_item *globals;
	size_t n_globals;
	struct config_block *blocks;
	size_t n_blocks;
};

/* Problems that do not stop a check: all are said, not just the first.
 * The latest is held back, so that one problem is said once, as the
 * command's error:
 *   struct config_problems pb = { 0, NULL };
 *   rc = config_problem(&pb, check_a());   0 when check_a() found one
 *   ...                                    (said later), ENOMEM stops
 *   rc = config_problems_end(&pb, path, ACMEUP_EUSAGE);
 *                 0, or code with the one problem, or "PATH: N problems
 *                 (each said above)"; pb.held freed */
struct config_problems {
	size_t n;
	char *held;
};
int config_problem(struct config_problems *p, int rc); /* rc 0: nothing */
int config_problems_end(struct config_problems *p, const char *path,
                        int code);

/* Parse text (len bytes, need not be NUL-terminated); path names it in
 * errors. *out owned by the caller, set only on success. */
int config_parse(const char *path, const char *text, size_t len,
                 struct config **out);

/* Read and parse a file (at most 1 MiB). */
int config_load(const char *path, struct config **out);

void config_free(struct config *cfg); /* accepts NULL */

/* The item named key in a block (block NULL: the globals), or NULL. The last
 * one wins when a setting is repeated and does not accumulate. Borrowed. */
const struct config_item *config_get(const struct config *cfg,
                                     const struct config_block *block,
                                     const char *key);

/* "90", "90s", "15m", "12h", "30d" → seconds. 0 or ACMEUP_EINVAL. */
int config_seconds(const char *v, unsigned *out);

/* 1 for yes/true/on, 0 otherwise (values were checked by config_parse). */
int config_bool(const char *v);

/* 1 when a zone block of cfg (may be NULL) says how its UPDATEs are
 * signed: a TSIG key (tsig-key, tsig-key-name) or tsig-gss yes. */
int config_zone_signs(const struct config *cfg);

/* The global settings of cfg into o wherever the command line did not
 * give the option (cli_given); values are checked as the options are
 * (ranges, key types), errors name file:line: setting. o borrows cfg's
 * strings. */
int config_apply(const struct config *cfg, struct opts *o);

/* main's step before every command: load o->config_file, or the default
 * file when it exists (a missing default is fine: *out NULL), apply it and
 * set o->config. *out (caller frees after the command) set on success. */
int config_setup(struct opts *o, struct config **out);

/* The config-check command (src/cmd_config_check.c). */
int config_check_run(const struct opts *o);

#endif
