#!/usr/bin/env bash
# Authorization reuse (RFC 8555 7.1.3, 7.5): pebble with PEBBLE_AUTHZREUSE=100
# hands the second order for the same name its valid authorization; acmeup
# must answer no challenge and write no DNS record for it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up reuse 127.53.0.6 PEBBLE_AUTHZREUSE=100
name=n$RANDOM$RANDOM.$ZONE
args=("${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" --tsig-key "$TSIG_KEY"
	--state-dir "$TMP/state" --out "$TMP/out")

run_acmeup first "${args[@]}"
[ "$RC" = 0 ] || { show_output first; fail "first order exited $RC"; }
grep -q 'UPDATE adding' "$TMP/first.err" || fail "the first order wrote no record?"
serial1=$(zone_serial "$PRIMARY" "$ZONE")
ok "first order validated through DNS"

run_acmeup second "${args[@]}"
[ "$RC" = 0 ] || { show_output second; fail "second order exited $RC"; }
grep -q "acme: $name is already authorized" "$TMP/second.err" ||
	{ show_output second; fail "second order did not reuse the authorization"; }
if grep -E 'UPDATE|challenges answered|dns: ' "$TMP/second.err" | grep -v 'TSIG key' >/dev/null; then
	show_output second
	fail "second order touched DNS or answered a challenge"
fi
[ "$(zone_serial "$PRIMARY" "$ZONE")" = "$serial1" ] || fail "the zone changed during the second order"
[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "wrong certificate"
ok "second order: authorization reused, no challenge, no DNS record, zone serial unchanged"

assert_no_challenge_records
ok "no _acme-challenge records left"
