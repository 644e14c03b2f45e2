#!/usr/bin/env bash
# A CA that rejects 90% of all good nonces (PEBBLE_WFE_NONCEREJECT=90).
# acmeup retries each badNonce with the nonce of the error response, at
# most 20 times in a row (RFC 8555 6.5; test_acme_nonce covers 50% and
# 100%). At 90% one request in about nine exhausts those retries (0.9^21),
# so one issuance (about ten requests) succeeds about one time in three.
# The test issues again until one run succeeds (at most 40 runs: all
# failing has odds of about 1 in 10^6) and holds every run to what the code
# promises:
#  - exit 0 and a new certificate for the name, after badNonce retries; or
#  - exit 1 with "rejected 21 nonces in a row (badNonce); giving up", the
#    certificate there before unchanged.
# Either way the challenge records are gone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"


name=n$RANDOM$RANDOM.$ZONE
run_acmeup first "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --ttl 1
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
before=$(snapshot "$TMP/out")
sleep 2 # the resolver's copy of the first TXT (TTL 1) expires

lab_pebble_up nonce90 127.53.0.4 PEBBLE_WFE_NONCEREJECT=90
runs=0 failures=0 retries=0 issued=
while [ -z "$issued" ] && [ "$runs" -lt 40 ]; do
	runs=$((runs + 1))
	run_acmeup "n90-$runs" "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
		--tsig-key "$TSIG_KEY" --state-dir "$TMP/state90" --out "$TMP/out" --ttl 1 -v
	retries=$((retries + $(grep -c 'badNonce from' "$TMP/n90-$runs.err" || true)))
	last=$(tail -n 1 "$TMP/n90-$runs.err")
	case $RC in
	0)
		[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "wrong certificate"
		[ "$(snapshot "$TMP/out")" != "$before" ] || fail "run $runs: exit 0, but no new certificate"
		issued=1
		;;
	1)
		case $last in
		*"rejected 21 nonces in a row (badNonce); giving up"*"badNonce:"*) ;;
		*) show_output "n90-$runs"; fail "run $runs: unclear message after badNonce retries: $last" ;;
		esac
		[ "$(snapshot "$TMP/out")" = "$before" ] || fail "run $runs: the certificate directory changed"
		failures=$((failures + 1)) gave_up=$last
		sleep 2 # the resolver's copy of this run's TXT (TTL 1) expires
		;;
	*) show_output "n90-$runs"; fail "run $runs: exit $RC, want 0 or 1" ;;
	esac
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "run $runs: a TXT for $name is left on $PRIMARY"
done
[ "$retries" -gt 0 ] || fail "no badNonce retry: is PEBBLE_WFE_NONCEREJECT in effect?"
[ -n "$issued" ] || fail "no success in $runs runs at 90% nonce rejection"
ok "issued at run $runs with 90% of nonces rejected ($retries badNonce retries in all)"
[ "$failures" = 0 ] || ok "$failures run(s) gave up cleanly, the old certificate unchanged (last: $gave_up)"

assert_no_challenge_records
ok "no challenge records left in any zone"
