#!/usr/bin/env bash
# GSS-TSIG (RFC 3645) against Active Directory's DNS, as Samba 4.17's
# internal DNS server does it (issue 15): `lab samba-up` provisions a DC
# (or copies the cached tree) and starts it; libtsig (tests/tools/gss_probe), with
# the computer account ACMEUP$'s exported keytab, does the TKEY exchange
# and adds a TXT at _acme-challenge.NAME.ad.test, which Samba's DNS then
# serves; another computer account (OUTSIDER$) may not change that name
# (Samba: SERVFAIL, the request echoed unsigned, "not allowed"); ACMEUP$
# removes it again under gss.microsoft.com (nsupdate -o's algorithm).
# Samba's interop quirks are checked on the way: replies over the request
# MAC without its length, the TKEY expiry not trusted beyond the ticket.
# Then acmeup itself (issue --gss from ACMEUP$'s keytab; the CA's resolver
# stubs ad.test to the DC): a name and its wildcard, the same under
# gss.microsoft.com, and OUTSIDER$ at a name ACMEUP$ holds: "not allowed",
# named, no removal tried, no journal left (the zone shows nothing added).
# Skips (77) when Samba cannot provision a DC here.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=${ACMEUP_TOOLS:-$(dirname "$ACMEUP")/tests/tools}/gss_probe
[ -x "$PROBE" ] || fail "no gss_probe at $PROBE (build tests/tools)"
samba_down() { ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$LAB_SCRIPT" samba-down || true; }
TEST_CLEANUP_EXTRA=samba_down
RC=0
ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR timeout 150 "$LAB_SCRIPT" samba-up 2>"$TMP/samba-up.err" || RC=$?
if [ "$RC" = 77 ]; then
	printf 'SKIP %s: %s\n' "$TEST_NAME" "$(grep -m1 'cannot provision' "$TMP/samba-up.err")" >&2
	exit 77
fi
[ "$RC" = 0 ] || fail "lab samba-up exited $RC: $(cat "$TMP/samba-up.err")"
# shellcheck source=/dev/null
. "$ACMEUP_LAB_DIR/samba/env"
ok "$(grep -m1 'samba up' "$TMP/samba-up.err" | sed 's/^lab: //')"
export KRB5_CONFIG=$AD_KRB5_CONFIG KRB5RCACHETYPE=none
[ "$(dig +time=2 +tries=1 +short "@$AD_SERVER" "$AD_ZONE" SOA | cut -d' ' -f1)" = "$AD_DC." ] ||
	fail "$AD_SERVER does not serve $AD_ZONE with SOA MNAME $AD_DC"

# kin KEYTAB PRINCIPAL CACHE: a ticket from the keytab into a private cache.
kin() {
	KRB5CCNAME=FILE:$3 kinit -k -t "$1" "$2" 2>"$TMP/kinit.err" ||
		fail "kinit -k -t $1 $2: $(cat "$TMP/kinit.err")"
}
# probe CACHE [-o] OWNER TEXT|-d: gss_probe at the DC; OUT, RC.
probe() {
	local cc=$1
	local -a alg=()
	shift
	[ "$1" != -o ] || { alg=(-o) && shift; }
	RC=0
	OUT=$(KRB5CCNAME=FILE:$cc timeout 20 "$PROBE" ${alg[@]+"${alg[@]}"} "$AD_SERVER" "$AD_DC" \
		"$AD_ZONE" "$1" "$2" 2>&1) || RC=$?
}
kin "$AD_KEYTAB" "$AD_PRINCIPAL" "$TMP/cc.acmeup"
kin "$AD_OUTSIDER_KEYTAB" "$AD_OUTSIDER_PRINCIPAL" "$TMP/cc.outsider"
NAME=_acme-challenge.$RUN_TAG.$AD_ZONE

probe "$TMP/cc.acmeup" "$NAME" "samba-$RUN_TAG"
[ "$RC" = 0 ] || fail "gss_probe add as $AD_PRINCIPAL exited $RC: $OUT"
grep -qx "tkey: 1 rounds, answer signed" <<<"$OUT" || fail "TKEY answer not verified: $OUT"
grep -qx "update: rcode 0, tsig: success, request MAC without length" <<<"$OUT" ||
	fail "Samba's reply not verified in its layout (request MAC without length): $OUT"
# Samba echoes the times we asked for (a day); the key lives as long as the
# ticket (the lab KDC's default: 10 h)
usable=$(sed -n 's/^tkey: server.s expiry [a-z]*, key usable \([0-9]*\) s$/\1/p' <<<"$OUT")
{ [ -n "$usable" ] && [ "$usable" -gt 0 ] && [ "$usable" -le 36000 ]; } ||
	fail "TKEY key lifetime not bounded by the ticket: $OUT"
[ "$(zone_txt "$AD_SERVER" "$NAME")" = "\"samba-$RUN_TAG\"" ] ||
	fail "Samba's DNS does not serve the TXT at $NAME: '$(zone_txt "$AD_SERVER" "$NAME")'"
ok "$AD_PRINCIPAL added TXT at $NAME (TKEY, signed UPDATE, reply over the bare request MAC verified)"

probe "$TMP/cc.outsider" "$NAME" "outsider-$RUN_TAG"
{ [ "$RC" = 1 ] && grep -q "^tkey: 1 rounds, answer signed$" <<<"$OUT" &&
	grep -qx "update: rcode 2, tsig: reply to a signed request is not signed" <<<"$OUT" &&
	grep -qx "update: not allowed for this principal" <<<"$OUT"; } ||
	fail "$AD_OUTSIDER_PRINCIPAL at $NAME: want SERVFAIL after a good TKEY, not allowed; got $RC: $OUT"
[ "$(zone_txt "$AD_SERVER" "$NAME")" = "\"samba-$RUN_TAG\"" ] ||
	fail "the refused update changed $NAME: '$(zone_txt "$AD_SERVER" "$NAME")'"
ok "$AD_OUTSIDER_PRINCIPAL may not change $NAME (SERVFAIL after TKEY: not allowed), record unchanged"

probe "$TMP/cc.acmeup" -o "$NAME" -d
[ "$RC" = 0 ] || fail "gss_probe -o delete as $AD_PRINCIPAL exited $RC: $OUT"
[ -z "$(zone_txt "$AD_SERVER" "$NAME")" ] || fail "$NAME still holds TXT after the delete"
ok "deleted under gss.microsoft.com (Samba's gss-tsig-named TSIG verified); $NAME is empty"

# acmeup itself against the DC (the CA's resolver stubs ad.test to it):
# ACMEUP$ from its keytab, a name and its wildcard in one UPDATE, Samba's
# reply layout said at debug level; then under gss.microsoft.com.
AD_ISSUE=("${ISSUE[@]}" --gss --gss-keytab "$AD_KEYTAB" --gss-principal "$AD_PRINCIPAL")
export KRB5CCNAME=FILE:$TMP/no-cache
ANAME=a$RUN_TAG.$AD_ZONE
run_acmeup adissue "${AD_ISSUE[@]}" -d "$ANAME" -d "*.$ANAME" --state-dir "$TMP/s1" --out "$TMP/o1" -vv
[ "$RC" = 0 ] || { show_output adissue; fail "acmeup issue at the Samba DC exited $RC"; }
[ "$(cert_dns_sans "$TMP/o1/$ANAME/cert.pem" | tr '\n' ' ')" = "*.$ANAME $ANAME " ] ||
	fail "SANs: $(cert_dns_sans "$TMP/o1/$ANAME/cert.pem" | tr '\n' ' ')"
grep -q "dns: $AD_ZONE: UPDATE adding 2 TXT accepted by $AD_SERVER (key GSS-TSIG $AD_PRINCIPAL" "$TMP/adissue.err" ||
	{ show_output adissue; fail "no GSS-TSIG UPDATE of 2 TXT at $AD_SERVER"; }
grep -q "GSS-TSIG context with $AD_SERVER as $AD_PRINCIPAL (service DNS/$AD_DC" "$TMP/adissue.err" ||
	{ show_output adissue; fail "the context was not made for DNS/$AD_DC"; }
grep -q "replies over the request MAC without its length" "$TMP/adissue.err" ||
	{ show_output adissue; fail "Samba's reply layout was not said at debug level"; }
[ -z "$(zone_txt "$AD_SERVER" "_acme-challenge.$ANAME")" ] || fail "TXT left at _acme-challenge.$ANAME"
ok "acmeup issued $ANAME and *.$ANAME at the Samba DC as $AD_PRINCIPAL; the records are gone"
MSNAME=m$RUN_TAG.$AD_ZONE
run_acmeup adms "${AD_ISSUE[@]}" --gss-microsoft -d "$MSNAME" --state-dir "$TMP/s1" --out "$TMP/o1" -vv
[ "$RC" = 0 ] || { show_output adms; fail "acmeup --gss-microsoft exited $RC"; }
grep -q "GSS-TSIG context with $AD_SERVER as $AD_PRINCIPAL (service DNS/$AD_DC, key [0-9a-f]*.sig-$AD_DC, gss.microsoft.com)" \
	"$TMP/adms.err" || { show_output adms; fail "no gss.microsoft.com context"; }
[ -z "$(zone_txt "$AD_SERVER" "_acme-challenge.$MSNAME")" ] || fail "TXT left at _acme-challenge.$MSNAME"
ok "the same under gss.microsoft.com"

# OUTSIDER$ at a name ACMEUP$ holds (a placeholder, as docs/gss-tsig-ad.md
# recommends): "not allowed", named; the placeholder untouched.
ONAME=o$RUN_TAG.$AD_ZONE
probe "$TMP/cc.acmeup" "_acme-challenge.$ONAME" "placeholder"
[ "$RC" = 0 ] || fail "placeholder at _acme-challenge.$ONAME: $OUT"
run_acmeup adout "${ISSUE[@]}" --gss --gss-keytab "$AD_OUTSIDER_KEYTAB" \
	--gss-principal "$AD_OUTSIDER_PRINCIPAL" -d "$ONAME" --state-dir "$TMP/s2" --out "$TMP/o2"
[ "$RC" = 1 ] || { show_output adout; fail "OUTSIDER\$: exit $RC, want 1"; }
grep -qF "$AD_SERVER does not allow $AD_OUTSIDER_PRINCIPAL to add _acme-challenge.$ONAME in zone $AD_ZONE: SERVFAIL after a good GSS-TSIG key exchange" \
	"$TMP/adout.err" || { show_output adout; fail "the refusal is not said as not allowed"; }
[ -z "$(find "$TMP/s2/journal" -type f -name '*.journal' 2>/dev/null)" ] ||
	fail "a journal was left for records never added: $(cat "$TMP"/s2/journal/*.journal)"
grep -q "records not removed" "$TMP/adout.err" && { show_output adout; fail "a removal was tried and refused"; }
[ "$(zone_txt "$AD_SERVER" "_acme-challenge.$ONAME")" = '"placeholder"' ] ||
	fail "_acme-challenge.$ONAME changed: '$(zone_txt "$AD_SERVER" "_acme-challenge.$ONAME")'"
probe "$TMP/cc.acmeup" "_acme-challenge.$ONAME" -d
[ -z "$(zone_txt "$AD_SERVER" "_acme-challenge.$ONAME")" ] || fail "the placeholder is still there"
ok "$AD_OUTSIDER_PRINCIPAL: $(grep -m1 -o "$AD_SERVER does not allow.*exchange" "$TMP/adout.err"); no journal left"
