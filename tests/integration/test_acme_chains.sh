#!/usr/bin/env bash
# Alternate chains (RFC 8555 7.4.2): pebble with PEBBLE_ALTERNATE_ROOTS=2
# offers three chains through Link: rel="alternate". --preferred-chain
# "<issuer CN>" must pick the chain whose topmost certificate that root
# issued; the default and an unknown CN keep the first chain.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up chains 127.53.0.5 PEBBLE_ALTERNATE_ROOTS=2
STATE=$TMP/state

# root i's subject CN, from pebble's management interface
root_cn() {
	curl -sf --max-time 10 --cacert "$ACME_CA_BUNDLE" "$LAB_PEBBLE_MGMT/roots/$1" >"$TMP/root$1.pem" ||
		fail "cannot fetch $LAB_PEBBLE_MGMT/roots/$1"
	cert_subject "$TMP/root$1.pem" | sed -n 's/.*CN=\([^,]*\).*/\1/p'
}
# the issuer CN of the last certificate in a PEM file
top_issuer_cn() {
	awk '/BEGIN CERT/ { n++ } { print > (dir "/top." n) } END { print n }' dir="$TMP" "$1" >"$TMP/ncerts"
	cert_issuer "$TMP/top.$(cat "$TMP/ncerts")" | sed -n 's/.*CN=\([^,]*\).*/\1/p'
}

cn0=$(root_cn 0)
cn1=$(root_cn 1)
cn2=$(root_cn 2)
[ -n "$cn0" ] && [ -n "$cn1" ] && [ -n "$cn2" ] && [ "$cn1" != "$cn2" ] ||
	fail "pebble does not show three roots: '$cn0' '$cn1' '$cn2'"

for want in "$cn2" "$cn1"; do
	name=n$RANDOM$RANDOM.$ZONE
	run_acmeup "pref" "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
		--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out" \
		--preferred-chain "$want"
	[ "$RC" = 0 ] || { show_output pref; fail "--preferred-chain '$want' exited $RC"; }
	got=$(top_issuer_cn "$TMP/out/$name/chain.pem")
	[ "$got" = "$want" ] || fail "--preferred-chain '$want': chain.pem's topmost issuer is '$got'"
	got=$(top_issuer_cn "$TMP/out/$name/fullchain.pem")
	[ "$got" = "$want" ] || fail "--preferred-chain '$want': fullchain.pem's topmost issuer is '$got'"
	certtool --verify --load-ca-certificate "$TMP/root$([ "$want" = "$cn1" ] && echo 1 || echo 2).pem" \
		--infile "$TMP/out/$name/fullchain.pem" >"$TMP/verify.log" 2>&1 ||
		fail "fullchain.pem does not verify to the asked root: $(tail -n 2 "$TMP/verify.log")"
	ok "--preferred-chain '$want': chain issued by it, verifies to that root"
done

name=n$RANDOM$RANDOM.$ZONE
run_acmeup default "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output default; fail "default chain: exit $RC"; }
[ "$(top_issuer_cn "$TMP/out/$name/chain.pem")" = "$cn0" ] || fail "default chain is not root 0's"
ok "no --preferred-chain: the default chain ($cn0)"

name=n$RANDOM$RANDOM.$ZONE
run_acmeup unknown "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out" \
	--preferred-chain "No Such Root"
[ "$RC" = 0 ] || { show_output unknown; fail "unknown preferred chain: exit $RC"; }
[ "$(top_issuer_cn "$TMP/out/$name/chain.pem")" = "$cn0" ] || fail "unknown CN did not keep the default chain"
grep -q 'no chain of the 3 offered is issued by "No Such Root"' "$TMP/unknown.err" ||
	fail "no warning for an unknown CN: $(grep -i chain "$TMP/unknown.err")"
ok "unknown CN: warning, default chain kept"

assert_no_challenge_records
ok "no _acme-challenge records left"
