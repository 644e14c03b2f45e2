#!/usr/bin/env bash
# A CA that rejects 90% of all good nonces (PEBBLE_WFE_NONCEREJECT=90).
# acmeup retries each badNonce with the nonce of the error response, at
# most 20 times in a row (RFC 8555 6.5; test_acme_nonce covers 50% and
# 100%). At 90% one request in about nine exhausts those retries (0.9^21),
# so a whole issuance may go either way, and the test accepts both outcomes
# the code promises:
#  - exit 0 and a new certificate for the name, after badNonce retries; or
#  - exit 1 with "rejected 21 nonces in a row (badNonce); giving up", the
#    certificate issued before unchanged.
# Either way the challenge records are gone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k 2); }

name=n$RANDOM$RANDOM.$ZONE
run_acmeup first "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --ttl 1
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
before=$(snapshot "$TMP/out")
sleep 2 # the resolver's copy of the first TXT (TTL 1) expires

lab_pebble_up nonce90 127.53.0.4 PEBBLE_WFE_NONCEREJECT=90
run_acmeup n90 "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
	--tsig-key "$TSIG_KEY" --state-dir "$TMP/state90" --out "$TMP/out" --ttl 1 -v
retries=$(grep -c 'badNonce from' "$TMP/n90.err" || true)
[ "$retries" -gt 0 ] || { show_output n90; fail "no badNonce retry: is PEBBLE_WFE_NONCEREJECT in effect?"; }
last=$(tail -n 1 "$TMP/n90.err")
case $RC in
0)
	[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "wrong certificate"
	[ "$(snapshot "$TMP/out")" != "$before" ] || fail "exit 0, but no new certificate"
	ok "issued with 90% of nonces rejected ($retries badNonce retries)"
	;;
1)
	case $last in
	*"rejected 21 nonces in a row (badNonce); giving up"*"badNonce:"*) ;;
	*) show_output n90; fail "unclear message after badNonce retries: $last" ;;
	esac
	[ "$(snapshot "$TMP/out")" = "$before" ] || fail "the certificate directory changed"
	ok "gave up after $retries badNonce retries, certificate unchanged: $last"
	;;
*) show_output n90; fail "exit $RC, want 0 or 1" ;;
esac

[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "a TXT for $name is on $PRIMARY"
assert_no_challenge_records
ok "no challenge records left in any zone"
