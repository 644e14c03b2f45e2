/* --metrics-file: a node_exporter textfile (Prometheus text format 0.0.4)
 * after each issue or renew run, replaced atomically. Per certificate its
 * expiry and its last attempt (when, whether it worked, the last success);
 * per command the run's time, duration and exit status. A certificate the
 * run did not try keeps the attempt samples of the file's previous version,
 * and certificates and commands the run did not touch keep all theirs, so
 * one file covers every certificate whatever each run did. The previous
 * file is read as hostile input: only lines of our own families and form
 * are carried over, at most METRICS_MAX bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/store.h"
#include "metrics.h"
#include "report.h"

#define METRICS_MAX (1024 * 1024)
#define METRICS_LINE_MAX 1024

enum family {
	F_EXPIRY, F_ATTEMPT, F_SUCCESS, F_LAST_OK, /* label certificate */
	F_RUN_TIME, F_RUN_DURATION, F_RUN_EXIT,    /* label command */
	F_COUNT
};

static const struct {
	const char *name;
	const char *label;
	const char *help;
} families[F_COUNT] = {
	{ "acmeup_certificate_expiry_timestamp_seconds", "certificate",
	  "When the certificate in place expires (Unix time)." },
	{ "acmeup_certificate_last_attempt_timestamp_seconds", "certificate",
	  "When acmeup last tried to issue or renew the certificate." },
	{ "acmeup_certificate_last_attempt_success", "certificate",
	  "1 when that attempt got a certificate, 0 when it failed." },
	{ "acmeup_certificate_last_success_timestamp_seconds", "certificate",
	  "When acmeup last got a certificate under this name." },
	{ "acmeup_run_timestamp_seconds", "command",
	  "When the last run of the command ended." },
	{ "acmeup_run_duration_seconds", "command",
	  "How long the last run of the command took." },
	{ "acmeup_run_exit_code", "command",
	  "The exit status of the last run of the command (acmeup(1))." },
};

/* A label value as the format escapes it (backslash, double quote, line
 * feed); other control bytes become '?'. */
static void
put_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc('?', f);
		else
			fputc(*s, f);
	}
}

/* 1 when the run wrote a sample of family fam with label value v: then the
 * old file's sample for v is not carried. */
static int
run_has(const struct metrics_run *m, enum family fam, const char *v)
{
	const struct report *rep = m->report;
	const struct report_cert *c;
	size_t i;

	if (fam >= F_RUN_TIME)
		return strcmp(v, m->command) == 0;
	for (i = 0; rep != NULL && i < rep->n; i++) {
		c = &rep->certs[i];
		if (strcmp(c->name, v) != 0)
			continue;
		if (fam == F_EXPIRY)
			return c->not_after > 0;
		if (fam == F_LAST_OK)
			return c->action == REPORT_ISSUED ||
			    c->action == REPORT_RENEWED;
		return c->action != REPORT_NONE && c->action != REPORT_SKIPPED;
	}
	return 0;
}

/* Parse one line of the old file: our family, our label, a value
 * (escaped as put_label writes it, copied into v), a number. The family,
 * or -1 for anything else. */
static int
parse_line(const char *line, char *v, size_t vsize)
{
	const char *p, *q;
	char *end;
	size_t len, n;
	int fam;

	for (fam = 0; fam < F_COUNT; fam++) {
		len = strlen(families[fam].name);
		if (strncmp(line, families[fam].name, len) == 0 &&
		    line[len] == '{')
			break;
	}
	if (fam == F_COUNT)
		return -1;
	p = line + len + 1;
	len = strlen(families[fam].label);
	if (strncmp(p, families[fam].label, len) != 0 || p[len] != '=' ||
	    p[len + 1] != '"')
		return -1;
	p += len + 2;
	for (q = p, n = 0; *q != '"'; q++, n++) {
		if (*q == '\0' || (unsigned char)*q < 0x20 || n + 2 >= vsize)
			return -1;
		if (*q == '\\' && (q[1] == '\\' || q[1] == '"' || q[1] == 'n'))
			q++, n++;
		else if (*q == '\\')
			return -1;
	}
	memcpy(v, p, n);
	v[n] = '\0';
	if (q[1] != '}' || q[2] != ' ')
		return -1;
	errno = 0;
	(void)strtod(q + 3, &end);
	if (errno != 0 || end == q + 3 || *end != '\0')
		return -1;
	return fam;
}

/* The label value v (escaped) unescaped into out. */
static void
unescape(const char *v, char *out)
{
	for (; *v != '\0'; v++, out++) {
		if (*v != '\\')
			*out = *v;
		else if (*++v == 'n')
			*out = '\n';
		else
			*out = *v;
	}
	*out = '\0';
}

/* The old file's samples of family fam that the run did not replace. */
static void
put_carried(FILE *f, const struct metrics_run *m, const char *old,
            enum family fam)
{
	char line[METRICS_LINE_MAX + 1], v[METRICS_LINE_MAX], raw[METRICS_LINE_MAX];
	const char *p = old, *nl;
	size_t len;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len <= METRICS_LINE_MAX) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (parse_line(line, raw, sizeof(raw)) == (int)fam) {
				unescape(raw, v);
				if (!run_has(m, fam, v))
					fprintf(f, "%s\n", line);
			}
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
}

static void
put_sample(FILE *f, enum family fam, const char *v, double value)
{
	fprintf(f, "%s{%s=\"", families[fam].name, families[fam].label);
	put_label(f, v);
	if (fam == F_RUN_DURATION)
		fprintf(f, "\"} %.3f\n", value);
	else
		fprintf(f, "\"} %.0f\n", value);
}

/* The samples this run has for family fam. */
static void
put_run(FILE *f, const struct metrics_run *m, enum family fam)
{
	const struct report_cert *c;
	size_t i;

	if (fam == F_RUN_TIME || fam == F_RUN_DURATION || fam == F_RUN_EXIT) {
		put_sample(f, fam, m->command, fam == F_RUN_TIME ?
		    (double)m->now : fam == F_RUN_DURATION ? m->duration :
		    (double)m->exit_status);
		return;
	}
	for (i = 0; m->report != NULL && i < m->report->n; i++) {
		c = &m->report->certs[i];
		if (!run_has(m, fam, c->name))
			continue;
		if (fam == F_EXPIRY)
			put_sample(f, fam, c->name, (double)c->not_after);
		else if (fam == F_SUCCESS)
			put_sample(f, fam, c->name, c->action != REPORT_FAILED);
		else
			put_sample(f, fam, c->name, (double)m->now);
	}
}

/* The previous file, or NULL when there is none or it cannot be read
 * (a note is enough: the new file is written whole anyway). */
static char *
read_old(const char *path)
{
	char *data = NULL;
	size_t len;

	if (store_read(path, METRICS_MAX, &data, &len) != 0) {
		acmeup_err_clear();
		return NULL;
	}
	return data;
}

int
metrics_write(const struct metrics_run *m)
{
	char *old = NULL, *buf = NULL;
	size_t len = 0;
	FILE *f;
	int fam, rc;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "--metrics-file: out of memory");
	old = read_old(m->path);
	for (fam = 0; fam < F_COUNT; fam++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", families[fam].name,
		    families[fam].help, families[fam].name);
		put_run(f, m, (enum family)fam);
		put_carried(f, m, old, (enum family)fam);
	}
	if (fclose(f) != 0 || buf == NULL) {
		rc = acmeup_fail(ACMEUP_ENOMEM, "--metrics-file: out of memory");
		goto out;
	}
	rc = store_write(m->path, buf, len, 0644);
out:
	free(old);
	free(buf);
	return rc;
}
