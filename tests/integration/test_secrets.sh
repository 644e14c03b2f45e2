#!/usr/bin/env bash
# Secrets and weak keys (issue 11): -y and --eab-hmac-key are gone from
# /proc/PID/cmdline while acmeup runs; --eab-hmac-key-file (and the
# configuration file's eab-hmac-key-file) binds an account at an EAB pebble
# and issues, and a key file open to group or others is refused; a TSIG key
# with hmac-md5 or a secret shorter than the MAC is warned about once,
# naming the key; --tsig-queries with a key the servers do not know fails
# at once, naming server and key (no fallback to unsigned queries).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

secret_of() {
	sed -n 's/^[[:space:]]*secret[[:space:]]*"\([^"]*\)";.*$/\1/p' "$1" | head -n 1
}

# --- the command line's secrets leave /proc/PID/cmdline -----------------------
SECRET=$(secret_of "$TSIG_KEY")
[ -n "$SECRET" ] || fail "no secret in $TSIG_KEY"
EAB=c2VjcmV0LWVhYi1rZXktb24tdGhlLWNvbW1hbmQtbGluZQ
lab_lag 4 # ns3 follows lag.test 4 s late: dns-check waits for it
NAME=n$RANDOM$RANDOM.$LAG_ZONE
(exec "$ACMEUP" dns-check --resolver "$RESOLVER" --state-dir "$TMP/s-cmd" \
	-y "acmeup-update:$SECRET" --eab-hmac-key="$EAB" "$NAME" \
	>"$TMP/cmd.out" 2>"$TMP/cmd.err" </dev/null) &
PID=$!
wait_line "$TMP/cmd.err" "UPDATE adding" 30 ||
	{ kill "$PID" 2>/dev/null; show_output cmd; fail "dns-check sent no UPDATE within 30 s"; }
CMDLINE=$(tr '\0' ' ' <"/proc/$PID/cmdline") || CMDLINE=
kill -0 "$PID" 2>/dev/null || fail "dns-check ended before /proc/$PID/cmdline was read"
for ((i = 0; i < 600; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill "$PID" 2>/dev/null || true
RC=0
wait "$PID" || RC=$?
[ "$RC" = 0 ] || { show_output cmd; fail "dns-check $NAME exited $RC"; }
[ -n "$CMDLINE" ] || fail "could not read /proc/$PID/cmdline"
case "$CMDLINE" in
*"$SECRET"* | *"$EAB"*) fail "a secret is readable in /proc/$PID/cmdline: $CMDLINE" ;;
esac
case "$CMDLINE" in
*" -y *************"*"--eab-hmac-key=*****"*) ;;
*) fail "cmdline without the overwritten secrets: $CMDLINE" ;;
esac
ok "/proc/PID/cmdline during the wait: ...$(printf '%s' "$CMDLINE" | grep -o -- '-y .*' | cut -c1-90)..."
lab_lag 0

# --- --eab-hmac-key-file ---------------------------------------------------------
lab_pebble_up eabfile 127.53.0.4 --eab
read -r kid1 hmac1 < <(sed -n 1p "$LAB_PEBBLE_EAB")
read -r kid2 hmac2 < <(sed -n 2p "$LAB_PEBBLE_EAB")
[ -n "$kid1" ] && [ -n "$hmac2" ] || fail "need two EAB pairs in $LAB_PEBBLE_EAB"
printf '%s\n' "$hmac1" >"$TMP/eab1.key"
chmod 640 "$TMP/eab1.key"
name=n$RANDOM$RANDOM.$ZONE
EABISSUE=("${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" --tsig-key "$TSIG_KEY"
	--state-dir "$TMP/s-eab1" --out "$TMP/out" --eab-kid "$kid1"
	--eab-hmac-key-file "$TMP/eab1.key")
run_acmeup open "${EABISSUE[@]}"
[ "$RC" = 2 ] || { show_output open; fail "a 0640 key file: exit $RC, want 2"; }
grep -qF -- "--eab-hmac-key-file $TMP/eab1.key: mode 0640 lets group or others at the key: chmod 600 it" "$TMP/open.err" ||
	{ show_output open; fail "a 0640 key file: unclear message"; }
[ ! -e "$TMP/s-eab1" ] || fail "a 0640 key file: the state dir was made all the same"
ok "a 0640 EAB key file is refused: $(tail -n 1 "$TMP/open.err" | cut -c1-110)..."

chmod 600 "$TMP/eab1.key"
run_acmeup eabfile "${EABISSUE[@]}"
[ "$RC" = 0 ] || { show_output eabfile; fail "issue with --eab-hmac-key-file exited $RC"; }
grep -q "bound to external account $kid1" "$TMP/eabfile.err" ||
	{ show_output eabfile; fail "the account was not bound to $kid1"; }
[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "wrong certificate for $name"
! grep -qF -- "$hmac1" "$TMP/eabfile.err" "$TMP/eabfile.out" || fail "the EAB key was printed"
ok "issued $name with an account bound by --eab-hmac-key-file ($kid1)"

# the configuration file's eab-hmac-key-file; the command line's key wins
printf '%s' "$hmac2" >"$TMP/eab2.key"
chmod 400 "$TMP/eab2.key"
{
	printf 'server %s\nca-bundle %s\nresolver %s\nagree-tos yes\n' \
		"$LAB_PEBBLE_URL" "$ACME_CA_BUNDLE" "$RESOLVER"
	printf 'eab-kid %s\neab-hmac-key-file %s\nstate-dir %s\n' "$kid2" "$TMP/eab2.key" "$TMP/s-eab2"
} >"$TMP/eab.conf"
chmod 600 "$TMP/eab.conf"
run_acmeup conf account register -c "$TMP/eab.conf" --eab-hmac-key "$hmac1"
[ "$RC" = 1 ] && grep -q "unauthorized" "$TMP/conf.err" ||
	{ show_output conf; fail "--eab-hmac-key over the file's key file: exit $RC, want 1 (kid2 with kid1's key)"; }
run_acmeup conf2 account register -c "$TMP/eab.conf"
[ "$RC" = 0 ] && grep -q "bound to external account $kid2" "$TMP/conf2.err" ||
	{ show_output conf2; fail "eab-hmac-key-file in the configuration file: exit $RC"; }
ok "eab-hmac-key-file in acmeup.conf binds $kid2; --eab-hmac-key on the command line replaces it"

# --- weak TSIG keys: one warning each, naming the key --------------------------
run_acmeup md5 dns-check --resolver "$RESOLVER" --state-dir "$TMP/s-md5" \
	--tsig-key "$KEYS_DIR/hmac-md5.key" "n$RANDOM$RANDOM.$ZONE"
[ "$RC" = 0 ] || { show_output md5; fail "dns-check with the hmac-md5 key exited $RC"; }
[ "$(grep -c "warning: TSIG key acmeup-hmac-md5 (from $KEYS_DIR/hmac-md5.key) uses hmac-md5, which RFC 8945 says must not be used" "$TMP/md5.err")" = 1 ] ||
	{ show_output md5; fail "not exactly one hmac-md5 warning"; }
ok "hmac-md5: $(grep -m1 'warning: TSIG' "$TMP/md5.err" | cut -c1-120)..."

run_acmeup short dns-check --resolver "$RESOLVER" --state-dir "$TMP/s-short" \
	-y "hmac-sha256:acmeup-short:AQ==" "n$RANDOM$RANDOM.$ZONE"
[ "$RC" = 1 ] || { show_output short; fail "dns-check with an unknown 1-octet key: exit $RC, want 1"; }
[ "$(grep -c "warning: TSIG key acmeup-short (from -y) has a 1-octet secret, shorter than the 32-octet hmac-sha256 MAC" "$TMP/short.err")" = 1 ] ||
	{ show_output short; fail "not exactly one short-secret warning"; }
ok "1-octet secret: $(grep -m1 'warning: TSIG' "$TMP/short.err" | cut -c1-120)..."

run_acmeup good dns-check --resolver "$RESOLVER" --state-dir "$TMP/s-good" \
	--tsig-key "$TSIG_KEY" "n$RANDOM$RANDOM.$ZONE"
[ "$RC" = 0 ] || { show_output good; fail "dns-check with the update key exited $RC"; }
! grep -q "warning: TSIG" "$TMP/good.err" || { show_output good; fail "a warning for a sound key"; }
ok "no warning for a 32-octet hmac-sha256 key"

# --- --tsig-queries: BADKEY is an error, never a switch to unsigned ------------
START=$SECONDS
run_acmeup badkey dns-check --resolver "$RESOLVER" --state-dir "$TMP/s-badkey" \
	--tsig-key "$UNKNOWN_KEY" --tsig-queries "n$RANDOM$RANDOM.$ZONE"
[ "$RC" = 1 ] || { show_output badkey; fail "--tsig-queries with an unknown key: exit $RC, want 1"; }
grep -q "answered .* (signed with key acmeup-unknown, --tsig-queries) with BADKEY: the server does not know key acmeup-unknown; acmeup does not fall back to unsigned queries" "$TMP/badkey.err" ||
	{ show_output badkey; fail "--tsig-queries BADKEY: no message naming server and key"; }
[ $((SECONDS - START)) -lt 20 ] || fail "--tsig-queries BADKEY took $((SECONDS - START)) s"
ok "--tsig-queries BADKEY: $(tail -n 1 "$TMP/badkey.err" | cut -c1-140)..."

assert_no_challenge_records
ok "no _acme-challenge records left"
