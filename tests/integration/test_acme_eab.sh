#!/usr/bin/env bash
# External Account Binding (RFC 8555 7.3.4) against pebble configured with
# the package's EAB example: without EAB the account is refused before any
# request, with a message naming the options; a wrong MAC key is refused by
# the CA (unauthorized); the right pair creates the account (HS256, and
# HS512 with another key) and a certificate is issued with it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up eab 127.53.0.4 --eab
[ -n "$LAB_PEBBLE_EAB" ] || fail "pebble-up --eab wrote no EAB pairs"
read -r kid1 hmac1 < <(sed -n 1p "$LAB_PEBBLE_EAB")
read -r kid2 hmac2 < <(sed -n 2p "$LAB_PEBBLE_EAB")
[ -n "$kid1" ] && [ -n "$hmac2" ] || fail "need two EAB pairs in $LAB_PEBBLE_EAB"
REG=(account register --server "$LAB_PEBBLE_URL" --ca-bundle "$ACME_CA_BUNDLE" --agree-tos)

run_acmeup none "${REG[@]}" --state-dir "$TMP/s-none"
[ "$RC" = 2 ] || { show_output none; fail "no EAB: exit $RC, want 2"; }
grep -q 'requires External Account Binding.*--eab-kid and --eab-hmac-key' "$TMP/none.err" ||
	fail "no EAB: unclear message: $(tail -n 1 "$TMP/none.err")"
ok "without EAB: $(tail -n 1 "$TMP/none.err" | cut -c1-120)..."

run_acmeup issue_none "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "n$RANDOM$RANDOM.$ZONE" \
	--tsig-key "$TSIG_KEY" --state-dir "$TMP/s-none" --out "$TMP/out"
[ "$RC" = 2 ] && grep -q 'requires External Account Binding' "$TMP/issue_none.err" ||
	{ show_output issue_none; fail "issue without EAB: exit $RC"; }
ok "issue without EAB refused the same way"

run_acmeup wrong "${REG[@]}" --state-dir "$TMP/s-wrong" --eab-kid "$kid1" --eab-hmac-key "$hmac2"
[ "$RC" = 1 ] || { show_output wrong; fail "wrong MAC key: exit $RC, want 1"; }
grep -q 'unauthorized: external account binding' "$TMP/wrong.err" ||
	fail "wrong MAC key: unclear message: $(tail -n 1 "$TMP/wrong.err")"
ok "wrong MAC key: $(tail -n 1 "$TMP/wrong.err" | cut -c1-120)..."

run_acmeup badkey "${REG[@]}" --state-dir "$TMP/s-wrong" --eab-kid "$kid1" --eab-hmac-key 'not+base64/url'
[ "$RC" = 2 ] && grep -q -- '--eab-hmac-key is not base64url' "$TMP/badkey.err" ||
	{ show_output badkey; fail "a non-base64url MAC key: exit $RC"; }
ok "a MAC key that is not base64url is a usage error"

run_acmeup hs256 "${REG[@]}" --state-dir "$TMP/s-256" --eab-kid "$kid1" --eab-hmac-key "$hmac1"
[ "$RC" = 0 ] || { show_output hs256; fail "EAB HS256 exited $RC"; }
grep -q "bound to external account $kid1" "$TMP/hs256.err" || fail "binding not reported"
ok "EAB HS256 ($kid1): $(sed -n 's/^account: //p' "$TMP/hs256.out")"

run_acmeup hs512 "${REG[@]}" --state-dir "$TMP/s-512" --eab-kid "$kid2" --eab-hmac-key "$hmac2" --eab-alg HS512
[ "$RC" = 0 ] || { show_output hs512; fail "EAB HS512 exited $RC"; }
ok "EAB HS512 ($kid2)"

name=n$RANDOM$RANDOM.$ZONE
run_acmeup issue "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" \
	--tsig-key "$TSIG_KEY" --state-dir "$TMP/s-256" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output issue; fail "issue with the bound account exited $RC"; }
[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "wrong certificate"
ok "issued $name with the EAB-bound account"

assert_no_challenge_records
ok "no _acme-challenge records left"
