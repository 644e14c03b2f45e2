#!/usr/bin/env bash
# A hostile CA sends a certificate that is not the one ordered
# (tests/hostile/fake_acme.py; the authorizations are valid already, so no
# DNS is involved). After a first good issuance, a renewal of the same
# names (--cert-name work) gets, per mode:
#   garbage     a PEM block that is not DER
#   otherkey    a certificate for another key than the CSR's
#   extrasan    one for the names and one more (the victim)
#   missingsan  one for the first name only
#   expired     one that expired in 2020
#   future      one valid from 2035 only
#   badchain    an intermediate that did not sign the leaf (same name,
#               another key)
#   hugechain   the intermediate repeated up to 3.7 MB
# Each must fail (exit 1) before anything is stored: the working files
# byte for byte, no deploy hook, no UPDATE, within time and memory bounds.
# The control: the same renewal from an honest CA (mode valid) replaces
# the certificate and runs the hook. The renewals run side by side, each
# with its own copy of the state and the working certificate.
# shellcheck source=tests/hostile/lib.sh
. "$(dirname "$0")/lib.sh"

start_fake_ca 127.53.0.9 16100
R=$RANDOM$RANDOM
NAMES=(-d "c$R.$ZONE" -d "w.c$R.$ZONE")

run_mode() { # MODE: a renewal through the fake CA in MODE
	hostile_run "$1" 40 "${ISSUE[@]}" --server "$CA_URL/$1/dir" "${NAMES[@]}" \
		--cert-name work --tsig-key "$TSIG_KEY" --state-dir "$TMP/state-$1" \
		--out "$TMP/out-$1" --deploy-hook "touch $TMP/hook.$1"
}

mkdir -p "$TMP/state-first" "$TMP/out-first"
hostile_run first 30 "${ISSUE[@]}" --server "$CA_URL/valid/dir" "${NAMES[@]}" \
	--cert-name work --tsig-key "$TSIG_KEY" --state-dir "$TMP/state-first" \
	--out "$TMP/out-first" --deploy-hook "touch $TMP/hook.first"
[ "$RC" = 0 ] || { show_output first; fail "first issuance: exit $RC"; }
[ -e "$TMP/hook.first" ] || fail "first issuance: the deploy hook did not run"
RSS_MAX=$((RSS_KB + RSS_SLACK_KB))
BEFORE=$(snapshot "$TMP/out-first")
ok "first issuance: ${ELAPSED_MS} ms, ${RSS_KB} KiB"

MODES=(garbage otherkey extrasan missingsan expired future badchain hugechain)
mark=$(log_mark)
pids=()
for mode in valid "${MODES[@]}"; do
	cp -a "$TMP/state-first" "$TMP/state-$mode"
	cp -a "$TMP/out-first" "$TMP/out-$mode"
	run_mode "$mode" &
	pids+=($!)
done
wait "${pids[@]}" || true

hostile_load valid
[ "$RC" = 0 ] || { show_output valid; fail "control: the honest renewal exited $RC"; }
[ "$(snapshot "$TMP/out-valid")" != "$BEFORE" ] || fail "control: the certificate did not change"
[ -e "$TMP/hook.valid" ] || fail "control: the deploy hook did not run"
ok "control: an honest renewal replaces the certificate and runs the hook"
# The control's finalize answered "valid" with the certificate URL: the
# next request is the download, not an order poll (RFC 8555 7.4; an
# immediate poll races the CA's issuance).
after=$(ca_requests valid POST | awk '$4 ~ /\/finalize\// { f = 1; next } f { print $4; exit }')
case $after in
*/cert/*) ;;
*) fail "control: after finalize acmeup sent POST ${after:-nothing}, not the certificate download" ;;
esac
ok "control: the certificate was fetched straight after finalize (no order poll)"

check_mode() {
	hostile_load "$1"
	hostile_check "$1" 1 30 "$RSS_MAX" "$mark" "$TMP/out-$1" "$BEFORE" "$TMP/hook.$1"
	ok "$1: refused in ${ELAPSED_MS} ms, ${RSS_KB} KiB ($(tail -n 1 "$TMP/$1.err" | cut -c1-160))"
}
for mode in "${MODES[@]}"; do
	hostile_soft check_mode "$mode"
done
hostile_done
