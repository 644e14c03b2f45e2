/* GSS-TSIG settings: global and per zone, which zones use it, and how the
 * journal records it (key file "gss:KEYTAB", key name the principal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_internal.h"
#include "acmeup/error.h"

#define GSS_FILE_PREFIX "gss:"

void
dns_gss_cfg_clear(struct dns_gss_cfg *g)
{
	if (g == NULL)
		return;
	free(g->keytab);
	free(g->principal);
	free(g->file);
	memset(g, 0, sizeof(*g));
}

int
dns_gss_cfg_set(struct dns_gss_cfg *g, int on, const char *keytab,
                const char *principal, int microsoft, const char *what)
{
	size_t n;

	dns_gss_cfg_clear(g);
	g->on = on;
	g->microsoft = microsoft;
	if (keytab != NULL && access(keytab, R_OK) != 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s: cannot read the keytab %s",
		                   what, keytab);
	if (keytab != NULL &&
	    (g->keytab = realpath(keytab, NULL)) == NULL)
		return ACMEUP_ENOMEM;
	if (principal != NULL && (g->principal = strdup(principal)) == NULL)
		return ACMEUP_ENOMEM;
	n = sizeof(GSS_FILE_PREFIX) + (g->keytab != NULL ? strlen(g->keytab) : 0);
	g->file = malloc(n);
	if (g->file == NULL)
		return ACMEUP_ENOMEM;
	snprintf(g->file, n, "%s%s", GSS_FILE_PREFIX,
	         g->keytab != NULL ? g->keytab : "");
	return 0;
}

const struct dns_gss_cfg *
dns_gss_cfg_creds(const struct dns_gss_cfg *global,
                  const struct dns_gss_cfg *zone)
{
	if (zone != NULL && (zone->keytab != NULL || zone->principal != NULL))
		return zone;
	return global;
}

int
dns_gss_cfg_applies(const struct dns_gss_cfg *global,
                    const struct dns_gss_cfg *zone, int zone_key)
{
	/* a zone's own key or own setting first, then the global one */
	if (zone != NULL && zone->on != 0)
		return zone->on > 0;
	return !zone_key && global->on > 0;
}

void
dns_gss_cfg_who(const struct dns_gss_cfg *global,
                const struct dns_gss_cfg *zone, struct dns_gss_who *who)
{
	const struct dns_gss_cfg *c = dns_gss_cfg_creds(global, zone);

	who->keytab = c->keytab;
	who->principal = c->principal;
	who->microsoft = global->microsoft || (zone != NULL && zone->microsoft);
}

/* Credentials of the global setting and of every zone that uses GSS-TSIG,
 * acquired now (dns_gss_acquire). */
int
dns_gss_cfg_acquire(const struct dns_ctx *ctx)
{
	struct dns_gss_who who;
	size_t i;
	int rc = 0;

	memset(&who, 0, sizeof(who));
	if (ctx->gss.on > 0) {
		dns_gss_cfg_who(&ctx->gss, NULL, &who);
		rc = dns_gss_acquire(&who, "*");
	}
	for (i = 0; rc == 0 && i < ctx->nzones; i++) {
		const struct dns_zone_ent *e = &ctx->zones[i];
		char *name;

		if (!dns_gss_cfg_applies(&ctx->gss, &e->gss, e->key != NULL))
			continue;
		dns_gss_cfg_who(&ctx->gss, &e->gss, &who);
		name = dns_name_text(e->apex);
		rc = name == NULL ? ACMEUP_ENOMEM : dns_gss_acquire(&who, name);
		free(name);
	}
	return rc;
}

/* The GSS-TSIG credentials cfg names, acquired (and kept for the run). */
int
dns_gss_cfg_check(const struct dns_config *cfg)
{
	struct dns_gss_who who = { cfg->gss_keytab, cfg->gss_principal, 0 };
	const struct dns_zone_cfg *z;
	size_t i;
	int rc = cfg->gss ? dns_gss_acquire(&who, "*") : 0;

	for (i = 0; rc == 0 && i < cfg->n_zones; i++) {
		z = &cfg->zones[i];
		if (z->gss < 0 || (z->gss == 0 && (!cfg->gss || z->key_file)))
			continue;
		who.keytab = z->gss_keytab != NULL || z->gss_principal != NULL ?
		             z->gss_keytab : cfg->gss_keytab;
		who.principal = z->gss_keytab != NULL ||
		                z->gss_principal != NULL ? z->gss_principal :
		                cfg->gss_principal;
		rc = dns_gss_acquire(&who, z->zone);
	}
	return rc;
}

int
dns_gss_from_journal(const char *file, const char *name,
                     struct dns_gss_who *who)
{
	size_t n = strlen(GSS_FILE_PREFIX);

	if (file == NULL || strncmp(file, GSS_FILE_PREFIX, n) != 0)
		return 0;
	memset(who, 0, sizeof(*who));
	who->keytab = file[n] != '\0' ? file + n : NULL;
	who->principal = name != NULL && strcmp(name, "-") != 0 ? name : NULL;
	return 1;
}
