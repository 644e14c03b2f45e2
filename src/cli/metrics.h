/* --metrics-file: the node_exporter textfile of an issue or renew run
 * (metrics.c; the families are listed in acmeup(1)). */
#ifndef ACMEUP_METRICS_H
#define ACMEUP_METRICS_H

struct report;

struct metrics_run {
	const char *path;            /* the textfile, replaced atomically */
	const char *command;         /* "issue" or "renew" */
	const struct report *report; /* the run's certificates, or NULL when
	                              * it ended before any */
	int exit_status;             /* what acmeup exits with */
	double duration;             /* seconds */
	long long now;               /* the run's end, Unix time */
};

/* Write m->path: this run's samples, and those of the previous file that
 * the run did not replace. */
int metrics_write(const struct metrics_run *m);

#endif
