/* The dns-check preflight: everything acmeup does in DNS for a name,
 * without a CA. Shows where the record goes and why, writes a probe TXT
 * there, times its arrival on every authoritative server, removes it, and
 * says in plain words what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "acmeup/text.h"
#include "dns_internal.h"
#include "tsig.h"

/* "x", "*.x" or "_acme-challenge.x" -> "_acme-challenge.x", x checked by
 * the rules of name.h. */
static int
challenge_of(const char *name, char *buf, size_t len)
{
	char *base = NULL;
	int n, rc;

	rc = name_check(name, NAME_CHALLENGE_OF, NULL, &base);
	if (rc != 0)
		return rc;
	n = snprintf(buf, len, "%s%s", NAME_CHALLENGE_PREFIX, base);
	free(base);
	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EUSAGE, "'%s' is too long", name);
	return 0;
}

static void
print_route(FILE *out, const struct dns_route *r, const struct dns_ctx *ctx)
{
	const struct dns_zinfo *zi = r->zone;
	char *chain = dns_route_chain_text(r), *target = dns_name_text(r->target);
	size_t i;

	text_printf(out, "  chain     %s%s\n", chain ? chain : "?",
	        r->nlinks == 0 ? " (no CNAME: the record goes here)" : "");
	text_printf(out, "  record    TXT at %s\n", target ? target : "?");
	text_printf(out, "  zone      %s\n", zi->name);
	text_printf(out, "  primary   %s (%s)\n", zi->nprimaries > 0 ?
	        zi->primaries[0].text : "no address", zi->from);
	if (zi->use_gss)
		text_printf(out, "  key       GSS-TSIG as %s (%s%s)\n",
		        dns_gss_who_name(&zi->gss), zi->gss.keytab != NULL ?
		        "keytab " : "the credential cache", zi->gss.keytab != NULL ?
		        zi->gss.keytab : "");
	else if (zi->key != NULL)
		text_printf(out, "  key       %s (%s, from %s)\n", tsig_key_name(zi->key),
		        tsig_key_algorithm(zi->key), strcmp(zi->key_file, "-") == 0
		        ? "-y" : zi->key_file);
	else
		text_printf(out, "  key       none for this zone\n");
	text_printf(out, "  servers  ");
	for (i = 0; i < zi->nservers; i++)
		text_printf(out, " %s%s", zi->servers[i].text,
		        dns_ctx_skipped(ctx, zi->apex, &zi->servers[i]) ? " (skipped)"
		        : "");
	text_printf(out, "\n");
	free(chain);
	free(target);
}

/* Arrival of the probe on each server, as the wait saw it. */
static void
print_proof(FILE *out, const struct dns_set *set)
{
	char gss[400];
	size_t k, i;

	for (k = 0; k < set->nzones; k++) {
		const struct dns_zone *z = &set->zones[k];

		if (z->use_gss && dns_gss_describe(z, gss, sizeof(gss)))
			text_printf(out, "  gss       %s\n", gss);
		text_printf(out, "  update    accepted by %s, serial %u -> %u\n",
		        z->primary.text, (unsigned)z->serial_before,
		        (unsigned)z->serial);
		for (i = 0; i < z->nsrv; i++) {
			if (z->srv[i].done)
				text_printf(out, "  arrival   %-15s %6lld ms after the UPDATE\n",
				        z->srv[i].addr.text, z->srv[i].ms);
			else if (z->srv[i].has_serial)
				text_printf(out, "  arrival   %-15s not yet: serial %u, the "
				        "primary has %u (%s)\n", z->srv[i].addr.text,
				        (unsigned)z->srv[i].serial, (unsigned)z->serial,
				        z->srv[i].why);
			else
				text_printf(out, "  arrival   %-15s not yet: %s\n",
				        z->srv[i].addr.text, z->srv[i].why);
		}
	}
}

/* What a person should do about a failure, by what failed. */
static const char *
advice(const char *stage, int rc, const char *detail)
{
	if (strcmp(stage, "caa") == 0)
		return "the CA will refuse this name: add an issue (issuewild "
		       "for a wildcard) property naming it, with dns-01 in any "
		       "validationmethods, or remove the record";
	if (strcmp(stage, "delegation") == 0)
		return "make the parent's NS set (the registrar or parent zone) "
		       "and the zone's apex NS set the same, each server "
		       "authoritative for the zone: a resolver may ask any";
	if (strcmp(stage, "route") == 0)
		return "the DNS does not lead to a name acmeup may write: fix the "
		       "CNAME or delegation as said above";
	if (rc == ACMEUP_EINTR)
		return "interrupted; the probe is removed all the same";
	if (rc == ACMEUP_ETSIG && strncmp(detail, "no TSIG key", 11) == 0)
		return "give the key for this zone (--tsig-key, -y or --zone-key)";
	if (rc == ACMEUP_ETSIG && (strstr(detail, "GSS-TSIG") != NULL ||
	                           strstr(detail, "TKEY") != NULL))
		return "Kerberos: see docs/gss-tsig.md, Errors (credentials, "
		       "the service principal, clocks, rights)";
	if (rc == ACMEUP_ETSIG)
		return "the server does not accept the key: its name, algorithm "
		       "and secret must match the key clause on the primary";
	if (rc == ACMEUP_ETIMEOUT)
		return "a server does not catch up: check NOTIFY and zone "
		       "transfers to it (or leave it out with --skip-server if "
		       "the CA cannot reach it)";
	if (strcmp(stage, "update") == 0)
		return "the primary does not take the record: see its "
		       "update-policy / ACL for this key and name";
	return "see the message above";
}

static int
report_failure(FILE *out, const char *stage, int rc)
{
	const char *detail = acmeup_errmsg(rc);

	text_printf(out, "  PROBLEM   %s\n", detail);
	text_printf(out, "  advice    %s\n", advice(stage, rc, detail));
	return rc;
}

/* Add, prove and remove the probe; prints what happened. */
static int
probe(struct dns_ctx *ctx, struct journal *j, const char *challenge,
      FILE *out)
{
	struct dns_txt txt;
	struct dns_set *set = NULL;
	char value[64];
	int rc, rc2;

	snprintf(value, sizeof(value), "acmeup-dns-check-%04x%04x",
	         dns_random_id(), dns_random_id());
	txt.owner = challenge;
	txt.value = value;
	text_printf(out, "  probe     TXT \"%s\"\n", value);
	rc = dns_txt_add(ctx, j, &txt, 1, &set);
	if (rc < 0)
		return report_failure(out, "update", rc);
	rc = dns_txt_wait(set);
	print_proof(out, set);
	if (rc < 0)
		rc = report_failure(out, "wait", rc);
	rc2 = dns_txt_remove(set);
	if (rc2 == 0)
		text_printf(out, "  removed   the probe is gone from %s\n",
		        set->zones[0].primary.text);
	else if (rc == 0)
		rc = report_failure(out, "remove", rc2);
	dns_set_free(set);
	return rc;
}

int
dns_check_name(struct dns_ctx *ctx, struct journal *j, const char *name,
               const char *ca, const char *account, FILE *out)
{
	struct dns_route route;
	struct acmeup_err caa_err = { 0 }, deleg_err = { 0 };
	ldns_rdf *owner = NULL;
	char challenge[300];
	int rc, caa = 0, deleg = 0;

	memset(&route, 0, sizeof(route));
	text_printf(out, "%s\n", name);
	rc = challenge_of(name, challenge, sizeof(challenge));
	if (rc == 0) {
		owner = dns_name_new(challenge);
		rc = owner == NULL ? acmeup_fail(ACMEUP_EUSAGE, "'%s' is not a DNS "
		     "name", name) : dns_route_find(ctx, owner, &route);
		if (rc < 0 && rc != ACMEUP_EUSAGE)
			rc = report_failure(out, "route", rc);
	}
	if (rc == 0) {
		if (route.zone->servers == NULL)
			if (dns_zinfo_servers(ctx, route.zone) != 0)
				acmeup_err_clear(); /* printed as unknown */
		print_route(out, &route, ctx);
		caa = dns_caa_check(ctx, name, ca, account, out);
		if (caa < 0 && caa != ACMEUP_EINTR) {
			caa = acmeup_err_keep(&caa_err, report_failure(out,
			    "caa", caa));
			acmeup_err_clear();
		}
		if (caa != ACMEUP_EINTR)
			deleg = dns_deleg_check(ctx, route.zone, out);
		if (deleg < 0 && deleg != ACMEUP_EINTR) {
			deleg = acmeup_err_keep(&deleg_err, report_failure(out,
			    "delegation", deleg));
			acmeup_err_clear();
		}
		rc = caa == ACMEUP_EINTR || deleg == ACMEUP_EINTR ? ACMEUP_EINTR :
		    probe(ctx, j, challenge, out);
	}
	/* the probe went well: the CAA, then the delegation finding */
	if (rc == 0 && caa < 0)
		rc = acmeup_fail(caa, "%s", acmeup_err_text(&caa_err, caa));
	else if (rc == 0 && deleg < 0)
		rc = acmeup_fail(deleg, "%s", acmeup_err_text(&deleg_err, deleg));
	if (rc == 0)
		text_printf(out, "  OK        acmeup can publish and prove the "
		        "challenge for %s\n", name);
	fflush(out);
	dns_route_clear(&route);
	ldns_rdf_deep_free(owner);
	return rc;
}
