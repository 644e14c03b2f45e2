/* The per-certificate summary of issue, renew and list (see report.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "report.h"

static void
cert_clear(struct report_cert *c)
{
	size_t i;

	for (i = 0; i < c->n_domains; i++)
		free(c->domains[i]);
	free(c->domains);
	for (i = 0; i < c->n_cert_names; i++)
		free(c->cert_names[i]);
	free(c->cert_names);
	free(c->name);
	free(c->dir);
	free(c->error);
	free(c->hook_error);
	free(c->why);
	memset(c, 0, sizeof(*c));
}

/* Name, domains and directory of spec into c. */
static int
cert_fill(struct report_cert *c, const struct cert_spec *spec)
{
	size_t i, len;

	c->name = strdup(spec->name);
	c->domains = calloc(spec->n_domains + 1, sizeof(*c->domains));
	len = strlen(spec->out_dir) + 1 + strlen(spec->name) + 1;
	c->dir = len <= PATH_MAX ? malloc(len) : NULL;
	if (c->name == NULL || c->domains == NULL || c->dir == NULL)
		return ACMEUP_ENOMEM;
	snprintf(c->dir, len, "%s/%s", spec->out_dir, spec->name);
	for (i = 0; i < spec->n_domains; i++) {
		c->domains[i] = strdup(spec->domains[i]);
		if (c->domains[i] == NULL)
			return ACMEUP_ENOMEM;
		c->n_domains++;
	}
	return 0;
}

int
report_add(struct report *r, const struct cert_spec *spec,
           struct report_cert **out)
{
	struct report_cert c, *grown;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = cert_fill(&c, spec);
	if (rc != 0) {
		cert_clear(&c);
		return rc;
	}
	grown = realloc(r->certs, (r->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		cert_clear(&c);
		return ACMEUP_ENOMEM;
	}
	r->certs = grown;
	grown[r->n] = c;
	*out = &grown[r->n++];
	return 0;
}

int
report_set(char **field, const char *text)
{
	char *copy = NULL;

	if (text != NULL) {
		copy = strdup(text);
		if (copy == NULL)
			return ACMEUP_ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

const char *
report_action_name(enum report_action a)
{
	switch (a) {
	case REPORT_ISSUED: return "issued";
	case REPORT_RENEWED: return "renewed";
	case REPORT_SKIPPED: return "skipped";
	case REPORT_FAILED: return "failed";
	default: return NULL;
	}
}

size_t
report_count(const struct report *r, enum report_action a)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->certs[i].action == a;
	return n;
}

void
report_clear(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		cert_clear(&r->certs[i]);
	free(r->certs);
	memset(r, 0, sizeof(*r));
}
