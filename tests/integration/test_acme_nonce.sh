#!/usr/bin/env bash
# Nonces (RFC 8555 6.5): with pebble rejecting half of all good nonces
# (PEBBLE_WFE_NONCEREJECT=50) acmeup still issues, retrying each badNonce
# with the nonce of the error response; when pebble rejects every nonce the
# retries are bounded and the message says so.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up nonce 127.53.0.3 PEBBLE_WFE_NONCEREJECT=50
name=n$RANDOM$RANDOM.$ZONE
run_acmeup half "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
	--tsig-key "$TSIG_KEY" --state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output half; fail "issue with 50% nonce rejection exited $RC"; }
[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "wrong certificate"
retries=$(grep -c 'badNonce from' "$TMP/half.err" || true)
[ "$retries" -gt 0 ] || fail "pebble rejected no nonce: is PEBBLE_WFE_NONCEREJECT in effect?"
ok "issued with 50% of nonces rejected ($retries badNonce retries)"

lab_pebble_up nonce 127.53.0.3 PEBBLE_WFE_NONCEREJECT=100
run_acmeup all account register --server "$LAB_PEBBLE_URL" \
	--ca-bundle "$ACME_CA_BUNDLE" --state-dir "$TMP/state2" --agree-tos
[ "$RC" = 1 ] || { show_output all; fail "every nonce rejected: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/all.err")
case $last in
*"rejected 21 nonces in a row (badNonce); giving up"*"badNonce:"*) ;;
*) fail "unclear message when every nonce is rejected: $last" ;;
esac
ok "every nonce rejected: bounded, $last"

assert_no_challenge_records
ok "no _acme-challenge records left"
