#!/usr/bin/env bash
# A hostile CA chooses the names: its authorizations name what was not
# ordered (tests/hostile/fake_acme.py). The DNS side is the real lab: the
# records go by TSIG-signed UPDATE to the lab primary, whose update log
# shows every name changed.
#   baseline   the name and its wildcard, pending dns-01: issued, and only
#              _acme-challenge.NAME was touched (the control)
#   victim     the authorization names vNAME-label.ZONE instead of NAME
#   extra      one authorization more, for that victim
#   backslash  the identifier "x\.NAME": a label with a dot in it for ldns
#   long       a 5000-character identifier (crashed in group_records)
#   ip         an identifier of type ip
#   dupauthz   20 authorizations for the same name (20 TXT values)
#   escapeauthz  the validation fails with a problem whose detail holds
#              terminal escapes and a newline forging an acmeup line
# Each hostile order must fail (exit 1) before any UPDATE (escapeauthz:
# after its own records, removed again), leave the working certificate
# byte for byte, run no hook, stay within time and memory bounds, with no
# sanitizer report; escapeauthz must print the CA's text as printable
# characters only.
# shellcheck source=tests/hostile/lib.sh
. "$(dirname "$0")/lib.sh"

start_fake_ca 127.53.0.9 16100
R=$RANDOM$RANDOM
STATE=$TMP/state
OUT=$TMP/out

# --- the control: a good issuance through the fake CA and the lab's DNS -------
name=a$R.$ZONE
mark=$(log_mark)
hostile_run baseline 30 "${ISSUE[@]}" --server "$CA_URL/baseline/dir" \
	-d "$name" -d "*.$name" --cert-name work --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT" --deploy-hook "touch $TMP/hook.baseline"
[ "$RC" = 0 ] || { show_output baseline; fail "baseline: exit $RC"; }
[ -e "$TMP/hook.baseline" ] || fail "baseline: the deploy hook did not run"
[ "$(cert_dns_sans "$OUT/work/cert.pem" | tr '\n' ' ')" = "*.$name $name " ] ||
	fail "baseline: SANs $(cert_dns_sans "$OUT/work/cert.pem" | tr '\n' ' ')"
[ "$(updates_since "$mark")" = "_acme-challenge.$name" ] ||
	fail "baseline: the primary changed: $(updates_since "$mark" | tr '\n' ' ') (want _acme-challenge.$name)"
RSS_MAX=$((RSS_KB + RSS_SLACK_KB))
BEFORE=$(snapshot "$OUT")
ok "baseline: issued in ${ELAPSED_MS} ms, ${RSS_KB} KiB; only _acme-challenge.$name changed on the primary"

# hostile MODE [ALLOWED...]: a new order for a fresh name (and w.NAME)
# replacing the working certificate (a copy of it each); the CA's
# authorizations are MODE's. Only the names ALLOWED may be written.
hostile() {
	local mode=$1 n=$1$R.$ZONE out=$TMP/out-$1
	shift
	cp -a "$OUT" "$out"
	mark=$(log_mark)
	hostile_run "$mode" 40 "${ISSUE[@]}" --server "$CA_URL/$mode/dir" -d "$n" -d "w.$n" \
		--cert-name work --tsig-key "$TSIG_KEY" --state-dir "$STATE" \
		--out "$out" --deploy-hook "touch $TMP/hook.$mode"
	if declare -F "check_$mode" >/dev/null; then "check_$mode"; fi
	hostile_check "$mode" 1 30 "$RSS_MAX" "$mark" "$out" "$BEFORE" "$TMP/hook.$mode" "$@"
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.v$mode$R.$ZONE")" ] ||
		fail "$mode: a TXT is left at the victim"
	ok "$mode: refused in ${ELAPSED_MS} ms ($(tail -n 1 "$TMP/$mode.err" | cut -c1-160))"
}

check_escapeauthz() { assert_printable escapeauthz; }

# Nothing may be written, not even the order's own names; escapeauthz
# validates (and fails) for real, so its own names are written.
for mode in victim extra backslash long ip dupauthz; do
	hostile_soft hostile "$mode"
done
hostile_soft hostile escapeauthz "_acme-challenge.escapeauthz$R.$ZONE" \
	"_acme-challenge.w.escapeauthz$R.$ZONE"

assert_no_challenge_records
ok "no challenge records left in any zone"
hostile_done
