#!/usr/bin/env bash
# The DNSSEC-aware proof (issue 16). The lab's sec.test is signed and is the
# trust anchor of unbound, the CA's validating resolver (lib/dnssec.sh):
#   good.sec.test  its DS in sec.test matches its KSK: acmeup checks the
#                  chain, waits until both servers serve the TXT with an
#                  RRSIG that validates (said per server), then the CA
#                  validates: a certificate for the name and its wildcard;
#   bad.sec.test   sec.test holds the DS of another key: acmeup reports the
#                  broken chain naming the DS and the zone's keys, before
#                  the CA is told (no challenge answered), exit 1, and
#                  removes its record;
#   example.test   unsigned: no DNSSEC line in the log.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${SEC_GOOD:-}" ] || fail "the lab has no signed zones (old lab?): restart it"

name=g-$RUN_TAG.$SEC_GOOD
run_acmeup good "${ISSUE[@]}" -d "$name" -d "*.$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --json
[ "$RC" = 0 ] || { show_output good; fail "signed zone: exit $RC"; }
[ "$(cert_dns_sans "$TMP/out/$name/cert.pem" | tr '\n' ' ')" = "*.$name $name " ] ||
	fail "signed zone: the certificate names $(cert_dns_sans "$TMP/out/$name/cert.pem" | tr '\n' ' ')"
grep -q "dns: $SEC_GOOD: signed; the parent's DS (key tag [0-9]*) matches DNSKEY [0-9]*, which signs the DNSKEY RRset" \
	"$TMP/good.err" || { show_output good; fail "signed zone: no chain check in the log"; }
for s in "$PRIMARY" "$SECONDARY"; do
	grep -q "dns: $SEC_GOOD: $s: the RRSIG over the TXT validates (DNSKEY [0-9]*)" "$TMP/good.err" ||
		{ show_output good; fail "signed zone: no RRSIG proof for $s in the log"; }
done
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "signed zone: TXT left on $PRIMARY"
ok "signed zone $SEC_GOOD: chain checked, the RRSIG over the TXT proven on $PRIMARY and $SECONDARY, issued for $name and *.$name, zone clean"

name=b-$RUN_TAG.$SEC_BAD
run_acmeup bad "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 1 ] || { show_output bad; fail "broken chain: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/bad.err")
case $last in
*"zone $SEC_BAD: DNSSEC chain broken: the parent's DS (key tag "*") matches none of the zone's DNSKEYs (key tags "*") at $PRIMARY"*) ;;
*) show_output bad; fail "broken chain: $last" ;;
esac
! grep -q "the CA is validating" "$TMP/bad.err" || fail "broken chain: the CA was told to validate"
[ ! -e "$TMP/out/$name" ] || fail "broken chain: a certificate directory was written"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "broken chain: TXT left on $PRIMARY"
ok "broken chain in $SEC_BAD: exit 1 before the CA was told, record removed: ${last:0:150}"

name=u-$RUN_TAG.$ZONE
run_acmeup plain "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output plain; fail "unsigned zone: exit $RC"; }
! grep -q "RRSIG\|DNSKEY\|DS (key tag" "$TMP/plain.err" || fail "unsigned zone: DNSSEC lines in the log"
ok "unsigned $ZONE: issued, no DNSSEC proof in the log"
