#!/usr/bin/env bash
# A wildcard and its base name in one certificate: two TXT values at one
# name (_acme-challenge.host4-TAG.example.test), added in one UPDATE, both proven
# on both servers, both removed. --dns-server names the primary explicitly;
# the certificate directory is the first name with '*' written as '_'.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

H4=host4-$RUN_TAG.$ZONE

OUT=$TMP/out
run_acmeup wild "${ISSUE[@]}" -d "*.$H4" -d "$H4" \
	--tsig-key "$TSIG_KEY" --dns-server "$PRIMARY:53" \
	--state-dir "$TMP/state" --out "$OUT" -v
if [ "$RC" != 0 ]; then
	show_output wild
	fail "wildcard + base issuance exited $RC"
fi
ok "issue for *.$H4 + $H4 exited 0"

dir=$OUT/_.$H4
[ -s "$dir/cert.pem" ] || fail "no $dir/cert.pem (out dir: $(cd "$OUT" && find . -type f | tr '\n' ' '))"
sans=$(cert_dns_sans "$dir/cert.pem" | tr '\n' ' ')
[ "$sans" = "*.$H4 $H4 " ] ||
	fail "cert SANs are '$sans', want '*.$H4 $H4'"
ok "cert SANs: $sans"

grep -q 'UPDATE adding 2 TXT' "$TMP/wild.err" || {
	show_output wild
	fail "the two values did not go out in one UPDATE"
}
ok "both values at _acme-challenge.$H4 in one UPDATE"

assert_no_challenge_records
ok "no _acme-challenge records in the zone"
