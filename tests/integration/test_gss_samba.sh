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
