#!/usr/bin/env bash
# ACME accounts against the lab's pebble (RFC 8555 7.3): register with two
# contacts (terms of service shown), show, find again, update the contacts,
# roll the key over and issue with the new key, revoke by the account and by
# the certificate's key (pebble's management interface must report both
# revoked, with the reason), then deactivate: the account is refused after.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

STATE=$TMP/state
A=$(acct_dir "$STATE") # this CA's account directory
OUT=$TMP/out
ACCT=(--server "$ACME_DIR" --ca-bundle "$ACME_CA_BUNDLE" --state-dir "$STATE")

expect_ok() { # NAME ARGS...
	local name=$1
	shift
	run_acmeup "$name" "$@"
	[ "$RC" = 0 ] || { show_output "$name"; fail "acmeup $name exited $RC"; }
}

# revocation status of a certificate file on pebble's management interface
cert_status() {
	local serial
	serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)
	curl -sf --max-time 10 --cacert "$ACME_CA_BUNDLE" \
		"$PEBBLE_MGMT/cert-status-by-serial/$serial" || echo '{}'
}

# --- register, show ---------------------------------------------------------
expect_ok register account register "${ACCT[@]}" --agree-tos \
	--email ops@example.test --email mailto:pki@example.test
url=$(sed -n 's/^account: //p' "$TMP/register.out")
[ -n "$url" ] || fail "register printed no account URL: $(cat "$TMP/register.out")"
grep -q 'agreeing to the terms of service at ' "$TMP/register.err" ||
	fail "the terms of service URL was not shown"
grep -q '^terms-of-service: ' "$TMP/register.out" || fail "no terms-of-service line"
[ "$(file_mode "$A/account.key")" = 600 ] || fail "account.key is not 0600"
ok "account registered: $url (terms of service shown, key 0600)"

expect_ok show account show "${ACCT[@]}"
[ "$(sed -n 's/^account: //p' "$TMP/show.out")" = "$url" ] || fail "show found another account"
[ "$(grep '^contact: ' "$TMP/show.out" | sort | tr '\n' ' ')" = \
	"contact: mailto:ops@example.test contact: mailto:pki@example.test " ] ||
	fail "contacts are not the two given: $(grep contact "$TMP/show.out")"
grep -q '^status: valid$' "$TMP/show.out" || fail "account is not valid"
grep -q '^key: ECDSA P-256 ' "$TMP/show.out" || fail "default account key is not P-256: $(grep key: "$TMP/show.out")"
ok "show: same account, both contacts, status valid, ECDSA P-256 key"

expect_ok again account register "${ACCT[@]}" --agree-tos
grep -q "using account $url" "$TMP/again.err" || fail "second register did not find the account"
ok "register again finds the account (onlyReturnExisting)"

# A key without an account: show must not create one.
run_acmeup nokey account show "${ACCT[@]}" --state-dir "$TMP/other"
[ "$RC" = 1 ] || fail "show with a fresh key exited $RC, want 1"
grep -q 'accountDoesNotExist' "$TMP/nokey.err" || fail "no accountDoesNotExist: $(tail -n 1 "$TMP/nokey.err")"
ok "show with an unknown key: $(tail -n 1 "$TMP/nokey.err" | cut -c1-100)..."

# --- update -------------------------------------------------------------------
expect_ok update account update "${ACCT[@]}" --email new@example.test
[ "$(grep '^contact: ' "$TMP/update.out")" = "contact: mailto:new@example.test" ] ||
	fail "update did not replace the contacts: $(grep contact "$TMP/update.out")"
ok "contacts updated"

# --- rollover, then issue with the new key ----------------------------------------
old_key=$(sha256sum <"$A/account.key")
expect_ok rollover account rollover "${ACCT[@]}" --account-key-type p384
[ "$(sed -n 's/^account: //p' "$TMP/rollover.out")" = "$url" ] || fail "rollover changed the account URL"
grep -q '^key: ECDSA P-384 ' "$TMP/rollover.out" || fail "new key is not P-384"
[ "$(sha256sum <"$A/account.key")" != "$old_key" ] || fail "account.key unchanged"
[ ! -e "$A/account.key.new" ] || fail "account.key.new left behind"
[ "$(file_mode "$A/account.key")" = 600 ] || fail "new account.key is not 0600"
ok "rollover to P-384, same account URL"

N1=n$RANDOM$RANDOM.$ZONE
N2=n$RANDOM$RANDOM.$ZONE
expect_ok issue1 "${ISSUE[@]}" --state-dir "$STATE" --out "$OUT" -d "$N1" --tsig-key "$TSIG_KEY"
grep -q "using account $url" "$TMP/issue1.err" || fail "issue after rollover did not use $url"
ok "issued $N1 with the rolled-over key"

# --- revoke -----------------------------------------------------------------------
expect_ok revoke1 revoke "${ACCT[@]}" --cert "$OUT/$N1/cert.pem" --reason keyCompromise
st=$(cert_status "$OUT/$N1/cert.pem")
echo "$st" | grep -q '"Status": *"Revoked"' || fail "pebble does not report $N1 revoked: $st"
echo "$st" | grep -q '"Reason": *1' || fail "pebble does not report reason 1: $st"
ok "revoked by the account key; pebble reports Revoked, reason 1"

run_acmeup revoke2 revoke "${ACCT[@]}" --cert "$OUT/$N1/cert.pem"
[ "$RC" = 1 ] && grep -q 'alreadyRevoked' "$TMP/revoke2.err" ||
	{ show_output revoke2; fail "second revocation: exit $RC, no alreadyRevoked"; }
ok "revoking again: alreadyRevoked"

expect_ok issue2 "${ISSUE[@]}" --state-dir "$STATE" --out "$OUT" -d "$N2" --tsig-key "$TSIG_KEY"
run_acmeup wrongkey revoke "${ACCT[@]}" --cert "$OUT/$N2/cert.pem" --cert-key "$OUT/$N1/privkey.pem"
[ "$RC" = 2 ] && grep -q 'is not the key of the certificate' "$TMP/wrongkey.err" ||
	{ show_output wrongkey; fail "a foreign --cert-key was not refused (exit $RC)"; }
expect_ok revoke3 revoke --server "$ACME_DIR" --ca-bundle "$ACME_CA_BUNDLE" \
	--state-dir "$TMP/nostate" --cert "$OUT/$N2/cert.pem" \
	--cert-key "$OUT/$N2/privkey.pem" --reason 4
st=$(cert_status "$OUT/$N2/cert.pem")
echo "$st" | grep -q '"Status": *"Revoked"' || fail "pebble does not report $N2 revoked: $st"
echo "$st" | grep -q '"Reason": *4' || fail "pebble does not report reason 4: $st"
[ -z "$(find "$TMP/nostate" -name account.key 2>/dev/null)" ] || fail "revoking with --cert-key created an account key"
ok "revoked by the certificate's own key (no account); reason 4"

# --- deactivate ---------------------------------------------------------------------
run_acmeup noyes account deactivate "${ACCT[@]}"
[ "$RC" = 2 ] || fail "deactivate without --yes exited $RC, want 2"
expect_ok deactivate account deactivate "${ACCT[@]}" --yes
grep -q '^status: deactivated$' "$TMP/deactivate.out" || fail "status is not deactivated"
run_acmeup refused "${ISSUE[@]}" --state-dir "$STATE" --out "$OUT" \
	-d "n$RANDOM$RANDOM.$ZONE" --tsig-key "$TSIG_KEY"
[ "$RC" = 1 ] || fail "issue with a deactivated account exited $RC, want 1"
grep -q 'deactivated and cannot be used again' "$TMP/refused.err" ||
	{ show_output refused; fail "no clear deactivated message"; }
ok "deactivated account refused: $(tail -n 1 "$TMP/refused.err" | cut -c1-110)..."

assert_no_challenge_records
ok "no _acme-challenge records left"
