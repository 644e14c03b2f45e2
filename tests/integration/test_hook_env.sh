#!/usr/bin/env bash
# The deploy hook, as a user's script sees it: run after the certificate
# changed, with ACMEUP_CERT_NAME, ACMEUP_CERT_DIR, ACMEUP_KEY_FILE,
# ACMEUP_CERT_FILE, ACMEUP_CHAIN_FILE, ACMEUP_FULLCHAIN_FILE and
# ACMEUP_DOMAINS; the files it is pointed at are already the new ones; stdin
# is empty. A failing hook makes the run exit 4 with the hook's exit status
# in the error, and does not undo the new certificate.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

base=n$RANDOM$RANDOM
name=$base.$ZONE
alt=www.$base.$ZONE
OUT=$TMP/out
dir=$OUT/$name
HOOK_OUT=$TMP/hook-env
export HOOK_OUT

cat >"$TMP/hook.sh" <<'EOF'
#!/bin/sh
# Records what acmeup gives it, then exits $HOOK_EXIT.
env | grep -E '^ACMEUP_(CERT_NAME|CERT_DIR|KEY_FILE|CERT_FILE|CHAIN_FILE|FULLCHAIN_FILE|DOMAINS)=' |
	sort >"$HOOK_OUT"
sha256sum <"$ACMEUP_CERT_FILE" >"$HOOK_OUT.cert"
cat >"$HOOK_OUT.stdin"
echo "hook says hello on stdout"
exit "${HOOK_EXIT:-0}"
EOF
chmod 755 "$TMP/hook.sh"

args=("${ISSUE[@]}" -d "$name" -d "$alt" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state"
	--out "$OUT" --ttl 1 --deploy-hook "$TMP/hook.sh")

# --- a hook that succeeds -----------------------------------------------------
HOOK_EXIT=0 run_acmeup ok "${args[@]}"
[ "$RC" = 0 ] || { show_output ok; fail "issue with a succeeding hook exited $RC"; }
[ -s "$HOOK_OUT" ] || { show_output ok; fail "the deploy hook did not run"; }
want="ACMEUP_CERT_DIR=$dir
ACMEUP_CERT_FILE=$dir/cert.pem
ACMEUP_CERT_NAME=$name
ACMEUP_CHAIN_FILE=$dir/chain.pem
ACMEUP_DOMAINS=$name $alt
ACMEUP_FULLCHAIN_FILE=$dir/fullchain.pem
ACMEUP_KEY_FILE=$dir/privkey.pem"
got=$(cat "$HOOK_OUT")
[ "$got" = "$want" ] || fail "the hook's ACMEUP_* environment:
$got
--- want
$want"
ok "hook environment: all seven ACMEUP_* variables, exactly"
[ "$(cat "$HOOK_OUT.cert")" = "$(sha256sum <"$dir/cert.pem")" ] ||
	fail "the hook saw a cert.pem other than the one installed"
[ ! -s "$HOOK_OUT.stdin" ] || fail "the hook's stdin was not empty"
grep -q "hook says hello on stdout" "$TMP/ok.err" || fail "the hook's stdout did not reach acmeup's stderr"
grep -q "hook says hello" "$TMP/ok.out" && fail "the hook's output landed on acmeup's stdout"
ok "the hook saw the new cert.pem, an empty stdin; its output went to stderr"
cp -p "$dir/cert.pem" "$TMP/cert1.pem"

# --- a hook that fails ----------------------------------------------------------
sleep 2 # the first TXT answers leave the resolver's cache (TTL 1)
rm -f "$HOOK_OUT" "$HOOK_OUT.cert"
HOOK_EXIT=7 run_acmeup failing "${args[@]}"
[ "$RC" = 4 ] || { show_output failing; fail "issue with a failing hook exited $RC, want 4"; }
grep -qF "deploy hook for $name failed with exit status 7" "$TMP/failing.err" ||
	{ show_output failing; fail "no 'deploy hook for $name failed with exit status 7' in the output"; }
[ -s "$HOOK_OUT" ] || fail "the failing hook did not run"
cmp -s "$TMP/cert1.pem" "$dir/cert.pem" && fail "cert.pem is still the first certificate: the failing hook undid the renewal?"
cmp -s "$TMP/cert1.pem" "$dir/previous/cert.pem" || fail "previous/cert.pem is not the first certificate"
[ "$(cat "$HOOK_OUT.cert")" = "$(sha256sum <"$dir/cert.pem")" ] ||
	fail "the failing hook saw a cert.pem other than the one installed"
[ "$(openssl pkey -pubout -in "$dir/privkey.pem")" = "$(openssl x509 -noout -pubkey -in "$dir/cert.pem")" ] ||
	fail "after the failing hook, privkey.pem does not match cert.pem"
ok "failing hook: exit 4, '$(grep -F 'deploy hook for' "$TMP/failing.err" | tail -n 1)'; the new certificate stays"
