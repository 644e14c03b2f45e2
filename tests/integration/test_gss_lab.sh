#!/usr/bin/env bash
# The lab's Kerberos side for GSS-TSIG (issue 15): the KDC issues tickets
# for keytabs made at lab start, ns1 takes `nsupdate -g` (TKEY, RFC 3645)
# UPDATEs in gss.test from host/acmeup.gss.test below acmeup.gss.test
# (krb5-selfsub) and ns2 follows; a principal
# outside gss.test and the HMAC update key are refused and change nothing.
# libtsig's GSS-TSIG (tests/tools/gss_probe) does the same over TCP.
# Uses the lab's own KRB5_CONFIG and private credential caches.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${GSS_ZONE:-}" ] || fail "the lab has no Kerberos zone (old lab? tests/lab/lab start)"
export KRB5_CONFIG=$GSS_KRB5_CONFIG KRB5RCACHETYPE=none
NAME=_acme-challenge.$RUN_TAG.$GSS_HOST # krb5-selfsub: under its host name

# gss_update KEYTAB PRINCIPAL LINE: kinit from the keytab into a fresh cache,
# then one nsupdate -g UPDATE; sets RC.
gss_update() {
	local cc=$TMP/cc.$RANDOM
	RC=0
	KRB5CCNAME=FILE:$cc kinit -k -t "$1" "$2" 2>"$TMP/kinit.err" ||
		fail "kinit -k -t $1 $2: $(cat "$TMP/kinit.err")"
	printf 'server %s\nzone %s\n%s\nsend\n' "$PRIMARY" "$GSS_ZONE" "$3" |
		KRB5CCNAME=FILE:$cc timeout 20 nsupdate -g >"$TMP/nsupdate.out" 2>&1 || RC=$?
	rm -f "$cc"
}

gss_update "$GSS_KEYTAB" "$GSS_PRINCIPAL" "update add $NAME 60 TXT \"gss-$RUN_TAG\""
[ "$RC" = 0 ] || fail "nsupdate -g as $GSS_PRINCIPAL exited $RC: $(cat "$TMP/nsupdate.out")"
[ "$(zone_txt "$PRIMARY" "$NAME")" = "\"gss-$RUN_TAG\"" ] ||
	fail "ns1 does not hold the TXT at $NAME: '$(zone_txt "$PRIMARY" "$NAME")'"
# named prints the principal's @ as \@.
grep -qF "key ${GSS_PRINCIPAL/@/\\@}: updating zone '$GSS_ZONE/IN': adding an RR at '$NAME' TXT" \
	"$ACMEUP_LAB_DIR/ns1/named.log" || fail "ns1 did not log a GSS-TSIG update by $GSS_PRINCIPAL"
ok "nsupdate -g as $GSS_PRINCIPAL added TXT at $NAME on $PRIMARY"
for ((i = 0; i < 50; i++)); do
	[ -n "$(zone_txt "$SECONDARY" "$NAME")" ] && break
	sleep 0.1
done
[ "$(zone_txt "$SECONDARY" "$NAME")" = "\"gss-$RUN_TAG\"" ] || fail "ns2 did not follow $GSS_ZONE"
ok "ns2 follows $GSS_ZONE"

serial=$(zone_serial "$PRIMARY" "$GSS_ZONE")
gss_update "$GSS_NORIGHTS_KEYTAB" "$GSS_NORIGHTS_PRINCIPAL" "update add $NAME 60 TXT \"outsider\""
[ "$RC" != 0 ] || fail "nsupdate -g as $GSS_NORIGHTS_PRINCIPAL succeeded"
grep -q REFUSED "$TMP/nsupdate.out" || fail "outsider not REFUSED: $(cat "$TMP/nsupdate.out")"
[ "$(zone_serial "$PRIMARY" "$GSS_ZONE")" = "$serial" ] || fail "the refused update moved the serial"
ok "$GSS_NORIGHTS_PRINCIPAL is REFUSED, zone unchanged"

RC=0
printf 'server %s\nzone %s\nupdate add %s 60 TXT "hmac"\nsend\n' "$PRIMARY" "$GSS_ZONE" "$NAME" |
	timeout 20 nsupdate -k "$TSIG_KEY" >"$TMP/hmac.out" 2>&1 || RC=$?
[ "$RC" != 0 ] || fail "the HMAC key may update $GSS_ZONE"
grep -q REFUSED "$TMP/hmac.out" || fail "the HMAC key was not REFUSED: $(cat "$TMP/hmac.out")"
[ "$(zone_serial "$PRIMARY" "$GSS_ZONE")" = "$serial" ] || fail "the HMAC update moved the serial"
ok "the HMAC key is REFUSED in $GSS_ZONE"

# libtsig's own GSS-TSIG (tests/tools/gss_probe): TKEY over TCP, the
# completing answer verified, the UPDATE signed and its reply verified.
PROBE=${ACMEUP_TOOLS:-$(dirname "$ACMEUP")/tests/tools}/gss_probe
[ -x "$PROBE" ] || fail "no gss_probe at $PROBE (build tests/tools)"
CC=FILE:$TMP/cc.probe
KRB5CCNAME=$CC kinit -k -t "$GSS_KEYTAB" "$GSS_PRINCIPAL" || fail "kinit $GSS_PRINCIPAL"
# probe ARGS...: gss_probe with the acmeup ticket; OUT, RC.
probe() {
	RC=0
	OUT=$(KRB5CCNAME=$CC timeout 20 "$PROBE" "$@" 2>&1) || RC=$?
}
PNAME=_acme-challenge.p$RUN_TAG.$GSS_HOST
probe "$PRIMARY" "ns1.$GSS_ZONE" "$GSS_ZONE" "$PNAME" "probe-$RUN_TAG"
[ "$RC" = 0 ] || fail "gss_probe add exited $RC: $OUT"
grep -q "^tkey: 1 rounds, answer signed$" <<<"$OUT" || fail "TKEY answer not verified: $OUT"
[ "$(zone_txt "$PRIMARY" "$PNAME")" = "\"probe-$RUN_TAG\"" ] || fail "gss_probe's TXT is not at $PNAME"
probe "$PRIMARY" "ns1.$GSS_ZONE" "$GSS_ZONE" "$PNAME" -d
{ [ "$RC" = 0 ] && [ -z "$(zone_txt "$PRIMARY" "$PNAME")" ]; } || fail "gss_probe delete ($RC): $OUT"
ok "libtsig GSS-TSIG: TKEY (1 round, signed answer verified), UPDATE add and delete verified"
probe "$PRIMARY" "ns1.$GSS_ZONE" "$GSS_ZONE" "_acme-challenge.p$RUN_TAG.$GSS_ZONE" nope
{ [ "$RC" = 1 ] && grep -q "update: rcode 5, tsig: success" <<<"$OUT"; } ||
	fail "gss_probe outside $GSS_HOST: want signed REFUSED, got $RC: $OUT"
probe "$PRIMARY" "nosuch.$GSS_ZONE" "$GSS_ZONE" "$PNAME" nope
{ [ "$RC" = 2 ] && grep -q "DNS@nosuch.$GSS_ZONE: .*not found in Kerberos database" <<<"$OUT"; } ||
	fail "unknown service: want exit 2 naming DNS@nosuch.$GSS_ZONE, got $RC: $OUT"
ok "signed REFUSED outside $GSS_HOST; an unknown service principal is named"

gss_update "$GSS_KEYTAB" "$GSS_PRINCIPAL" "update delete $NAME TXT"
[ "$RC" = 0 ] || fail "nsupdate -g delete exited $RC: $(cat "$TMP/nsupdate.out")"
[ -z "$(zone_txt "$PRIMARY" "$NAME")" ] || fail "$NAME still holds TXT"
assert_no_challenge_records
ok "deleted again; nothing left in the lab's zones"
