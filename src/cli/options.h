/* The one option table (options.c): every command-line option and every
 * setting of acmeup.conf, with where each may stand, which commands take
 * it, how its value is read and its help. The parser (cli.c), the
 * configuration file's schema (config.c) and global settings
 * (config_opts.c), --help and `acmeup --list-options` (which the bash
 * completion and the docs checks read) all come from it. */
#ifndef ACMEUP_CLI_OPTIONS_H
#define ACMEUP_CLI_OPTIONS_H

#include <stddef.h>

struct opts;

/* How the value is read. */
enum opt_arg {
	ARG_FLAG,     /* no value on the command line; yes/no in the file */
	ARG_COUNT,    /* no value; counts (-v) */
	ARG_STR,      /* one string */
	ARG_LIST,     /* repeatable on the command line; a list in the file */
	ARG_SECONDS,  /* whole seconds (a duration in the file), lo..hi */
	ARG_DURATION, /* 30d, 720h or seconds everywhere, lo..hi */
	ARG_UINT,     /* a whole number, lo..hi */
	ARG_KEYTYPE,  /* p256, p384, rsa2048, rsa3072, rsa4096 */
	ARG_CALL,     /* its own setter */
	ARG_NONE,     /* handled by the parser itself (-h, -V) */
};

/* Where acmeup.conf takes a setting of the option's name. */
#define IN_GLOBAL 1
#define IN_ZONE 2
#define IN_CERT 4

/* The commands that take an option (main.c's table). */
#define CMD_ISSUE 0x01u
#define CMD_RENEW 0x02u
#define CMD_LIST 0x04u
#define CMD_ACCOUNT 0x08u
#define CMD_REVOKE 0x10u
#define CMD_DNS_CHECK 0x20u
#define CMD_CLEANUP 0x40u
#define CMD_CONFIG_CHECK 0x80u
#define CMD_PERSIST 0x100u
#define CMD_FORGET 0x200u
#define CMD_ALL 0x3ffu

struct opt_def {
	const char *name;     /* --name, and the setting's name in the file */
	int short_name;       /* 'd', or 0 */
	enum opt_arg arg;
	unsigned commands;    /* CMD_*; 0: a setting of the file only */
	unsigned where;       /* IN_*: where the file takes it; 0: nowhere */
	size_t off;           /* its field in struct opts */
	size_t aux;           /* ARG_LIST: the count; ARG_KEYTYPE: the "given"
	                       * flag (both ints/size_t in struct opts) */
	unsigned lo, hi;      /* bounds; ARG_LIST: hi is the most values */
	unsigned scale;       /* ARG_SECONDS: stored as value * scale */
	const char *form;     /* ARG_LIST: "ZONE=HOST[:PORT]" when NAME=VALUE */
	int (*set)(const struct opt_def *d, const char *ctx, const char *v,
	           struct opts *o); /* ARG_CALL */
	int group;            /* help section (options.c) */
	const char *value;    /* help: the value's name ("URL"), or NULL */
	const char *help;     /* help: lines of at most 50 characters */
};

extern const struct opt_def opt_table[];
extern const size_t opt_count;

/* The entry of long name (or setting) name, or NULL. */
const struct opt_def *opt_find(const char *name);

/* The entry of short option c, or NULL. */
const struct opt_def *opt_find_short(int c);

/* Set d from value v. ctx names where v came from for errors: "--ttl"
 * for the command line, "FILE:LINE: ttl" for the file (file != 0: the
 * file's forms, a duration for seconds, yes/no for flags). */
int opt_set(const struct opt_def *d, const char *ctx, const char *v,
            int file, struct opts *o);

/* 1 for -y and --eab-hmac-key: the parser wipes their argv bytes. */
int opt_is_secret(const struct opt_def *d);

/* The command's CMD_* bit, or 0 for an unknown command. */
unsigned opt_command_bit(const char *command);

/* Full help (command NULL), or only what command takes. */
void opt_usage(const char *command);

/* One line an option or setting, for the completion and the docs checks:
 * "--name<TAB>-s|-<TAB>VALUE|-<TAB>command,...|-<TAB>global,zone,cert|-";
 * a setting of the file alone has no "--". */
void opt_list(void);

#endif
