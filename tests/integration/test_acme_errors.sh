#!/usr/bin/env bash
# What the lab's pebble can produce for real, each with its own clear
# message (the badNonce, externalAccountRequired and deactivated-account
# cases are in test_acme_nonce, test_acme_eab and test_acme_account):
# unauthorized (revoking another account's certificate), malformed, a
# profile the CA does not list, HTTPS only, the proxy taken from the
# environment, and a revocation without an account key.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

A=(--ca-bundle "$ACME_CA_BUNDLE")
name=n$RANDOM$RANDOM.$ZONE
run_acmeup issue "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/s1" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output issue; fail "issue exited $RC"; }

# --- unauthorized: another account may not revoke it ---------------------------
run_acmeup reg2 account register --server "$ACME_DIR" "${A[@]}" --state-dir "$TMP/s2" --agree-tos
[ "$RC" = 0 ] || { show_output reg2; fail "second account: exit $RC"; }
run_acmeup other revoke --server "$ACME_DIR" "${A[@]}" --state-dir "$TMP/s2" \
	--cert "$TMP/out/$name/cert.pem"
[ "$RC" = 1 ] || { show_output other; fail "revoking another account's certificate: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/other.err")
case $last in
*"revoke-cert (HTTP 403): unauthorized: "*"not associated with account"*"(the CA refused this account or key"*) ;;
*) fail "unclear unauthorized message: $last" ;;
esac
ok "unauthorized: $last"

# --- no account key: revoke never creates an account ---------------------------
run_acmeup nokey revoke --server "$ACME_DIR" "${A[@]}" --state-dir "$TMP/s3" \
	--cert "$TMP/out/$name/cert.pem"
[ "$RC" = 2 ] && grep -q 'no account key .*--cert-key' "$TMP/nokey.err" ||
	{ show_output nokey; fail "revoke without an account key: exit $RC"; }
[ -z "$(find "$TMP/s3" -name account.key 2>/dev/null)" ] || fail "revoke created an account key"
ok "revoke without an account key: $(tail -n 1 "$TMP/nokey.err" | cut -c1-100)..."

# --- profiles: pebble's directory lists none --------------------------------------
run_acmeup profile "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/s1" --out "$TMP/out" --profile shortlived
[ "$RC" = 2 ] && grep -q -- '--profile shortlived: the CA at .* lists no certificate profiles' "$TMP/profile.err" ||
	{ show_output profile; fail "--profile with a CA without profiles: exit $RC"; }
ok "--profile: $(tail -n 1 "$TMP/profile.err" | cut -c1-100)..."

# --- HTTPS only ------------------------------------------------------------------------
run_acmeup http account show --server "http://${ACME_DIR#https://}" "${A[@]}" --state-dir "$TMP/s1"
[ "$RC" = 2 ] && grep -q 'over HTTPS only' "$TMP/http.err" ||
	{ show_output http; fail "an http:// directory: exit $RC"; }
run_acmeup untrusted account show --server "$ACME_DIR" --state-dir "$TMP/s1" -v
[ "$RC" = 1 ] && grep -qi 'certificate' "$TMP/untrusted.err" ||
	{ show_output untrusted; fail "a CA not in the trust store: exit $RC"; }
ok "http:// refused; an untrusted HTTPS certificate refused ($(tail -n 1 "$TMP/untrusted.err" | cut -c1-80)...)"

# --- without --ca-bundle, the system bundle is trusted ----------------------------
# acmeup reads the system bundle file alone, not also every file of curl's
# CA directory. In a private mount namespace the lab CA stands in for it.
bundle=/etc/ssl/certs/ca-certificates.crt
grep -q "trusting the CAs in $bundle" "$TMP/untrusted.err" ||
	{ show_output untrusted; fail "no word of $bundle"; }
if [ "$(id -u)" = 0 ] && [ -f "$bundle" ] && command -v unshare >/dev/null; then
	RC=0
	unshare --mount sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
		"$ACME_CA_BUNDLE" "$bundle" "$ACMEUP" account show --server "$ACME_DIR" \
		--state-dir "$TMP/s1" >"$TMP/sysca.out" 2>"$TMP/sysca.err" || RC=$?
	[ "$RC" = 0 ] || { show_output sysca; fail "the system bundle ($bundle) was not trusted: exit $RC"; }
	# --ca-bundle replaces the system bundle: with another file given,
	# the CA that the system bundle trusts is not trusted.
	RC=0
	unshare --mount sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
		"$ACME_CA_BUNDLE" "$bundle" "$ACMEUP" account show --server "$ACME_DIR" \
		--ca-bundle "$TMP/out/$name/cert.pem" --state-dir "$TMP/s1" \
		>"$TMP/replaced.out" 2>"$TMP/replaced.err" || RC=$?
	[ "$RC" = 1 ] && grep -q 'certificate verification' "$TMP/replaced.err" ||
		{ show_output replaced; fail "--ca-bundle did not replace the system bundle: exit $RC"; }
	ok "without --ca-bundle, $bundle is the trust store; --ca-bundle replaces it"
fi

# --- the proxy comes from the environment ------------------------------------------
# Nothing listens on 127.53.0.59:9: the request must fail there, not at pebble.
RC=0
https_proxy=http://127.53.0.59:9 timeout 30 "$ACMEUP" account show --server "$ACME_DIR" \
	"${A[@]}" --state-dir "$TMP/s1" -v >"$TMP/proxy.out" 2>"$TMP/proxy.err" || RC=$?
[ "$RC" = 1 ] && grep -q '127.53.0.59' "$TMP/proxy.err" ||
	{ show_output proxy; fail "https_proxy was not used (exit $RC)"; }
grep -q 'using the proxy in \$https_proxy' "$TMP/proxy.err" || fail "-v does not say which proxy variable"
RC=0
https_proxy=http://127.53.0.59:9 no_proxy=127.53.0.1 timeout 30 "$ACMEUP" account show \
	--server "$ACME_DIR" "${A[@]}" --state-dir "$TMP/s1" >"$TMP/noproxy.out" 2>"$TMP/noproxy.err" || RC=$?
[ "$RC" = 0 ] || { show_output noproxy; fail "no_proxy was not honoured (exit $RC)"; }
ok "https_proxy used, no_proxy honoured"

assert_no_challenge_records
ok "no _acme-challenge records left"
