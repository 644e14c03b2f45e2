/* A certificate to issue or renew: from `-d` options (one ad-hoc spec) or
 * from a `cert NAME { }` block of acmeup.conf, with the command line
 * overriding the file. Built by certspec_load() (src/cli/certspec.c, the
 * command layer); consumed by the issue/renew engine. Strings are owned by
 * the certspec_list. */
#ifndef ACMEUP_CERTSPEC_H
#define ACMEUP_CERTSPEC_H

#include <stddef.h>

struct cert_spec {
	char *name;             /* directory name under out_dir ('*' as '_') */
	char **domains;         /* identifiers, first is the CN */
	size_t n_domains;
	char *out_dir;          /* certificates go to out_dir/name/ */
	int key_type;           /* enum crypto_key_type */
	int key_type_set;       /* asked for (--key-type, or not P-256):
	                         * reuse-key warns when the kept key is not */
	int reuse_key;
	int key_perms;          /* 1: one of key-owner, -group, -mode given;
	                         * 0: the three below are not used */
	long key_uid;           /* key-owner of privkey.pem, or -1 */
	long key_gid;           /* key-group, or -1 */
	unsigned key_mode;      /* key-mode; 0: 0600 */
	char *preferred_chain;  /* or NULL */
	char *profile;          /* or NULL */
	int persist_publish;    /* publish the dns-persist-01 record when
	                         * offered and none is served */
	char *challenge;        /* `challenge` list, checked
	                         * (acme_chal_prefs_parse); NULL: dns-01 */
	char *deploy_hook;      /* shell command, or NULL */
	char *server;           /* its CA's directory URL (cert block's
	                         * server, or remembered); NULL: the global */
	unsigned renew_before;  /* seconds before expiry; 0: the default
	                         * (30 days, or a third of a short lifetime) */
	unsigned line;          /* config line of the block; 0 for -d */
};

struct certspec_list {
	struct cert_spec *specs;
	size_t n;
};

void certspec_free(struct certspec_list *l); /* accepts NULL members */

#endif
