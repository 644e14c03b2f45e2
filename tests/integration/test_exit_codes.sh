#!/usr/bin/env bash
# Exit statuses and signals as a script or a scheduler sees them (issue 14,
# items 4 and 5):
#   - a missing TSIG key file: exit 2, one line, before the CA is asked;
#   - a mistyped long option: exit 2 naming the nearest one; an option
#     before the command works;
#   - SIGINT / SIGTERM during the propagation wait: 130 / 143, after the
#     records are removed;
#   - a reader that goes away (2>&1 | head -n 1): the run is not killed by
#     SIGPIPE, it finishes and removes its records; a --json report that
#     cannot be written makes a successful run exit 1;
#   - -q: a successful issue prints nothing on stderr; an error still one
#     line; a renew with one certificate of two failing, that one's line.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
STATE=$TMP/state
OUT=$TMP/out
COMMON=(--state-dir "$STATE" --out "$OUT")

# lines FILE: the number of lines in FILE.
lines() { wc -l <"$1" | tr -d ' '; }

# 1. A missing key file: a configuration error, said once, nothing asked.
run_acmeup nokey "${ISSUE[@]}" -d "nokey-$RUN_TAG.$ZONE" \
	--tsig-key "$TMP/missing.key" "${COMMON[@]}"
[ "$RC" = 2 ] || { show_output nokey; fail "missing key file: exit $RC, want 2"; }
[ "$(lines "$TMP/nokey.err")" = 1 ] ||
	{ show_output nokey; fail "missing key file: $(lines "$TMP/nokey.err") lines on stderr, want 1"; }
grep -qF "$TMP/missing.key" "$TMP/nokey.err" || { show_output nokey; fail "the error does not name the file"; }
[ -z "$(find "$STATE" -name account.key 2>/dev/null)" ] || fail "missing key file: an account key was made (the CA was asked)"
ok "missing TSIG key file: exit 2 before the CA is asked: $(cat "$TMP/nokey.err")"

# 2. A mistyped option; an ambiguous one; an option before the command.
run_acmeup typo "${ISSUE[@]}" -d "typo-$RUN_TAG.$ZONE" --tsig-key "$TSIG_KEY" \
	--propogation-timeout 30 "${COMMON[@]}"
[ "$RC" = 2 ] || { show_output typo; fail "mistyped option: exit $RC, want 2"; }
grep -qF "did you mean --propagation-timeout?" "$TMP/typo.err" ||
	{ show_output typo; fail "no suggestion for --propogation-timeout"; }
run_acmeup ambiguous "${ISSUE[@]}" -d "typo-$RUN_TAG.$ZONE" --tsig-ke "$TSIG_KEY"
if [ "$RC" != 2 ] || ! grep -qF -- "--tsig-key, --tsig-key-name" "$TMP/ambiguous.err"; then
	show_output ambiguous
	fail "ambiguous --tsig-ke: exit $RC, its candidates not named"
fi
ok "mistyped option: exit 2, $(cat "$TMP/typo.err")"

name=before-$RUN_TAG.$ZONE
run_acmeup before --verbose --tsig-key "$TSIG_KEY" "${ISSUE[@]}" -d "$name" "${COMMON[@]}"
[ "$RC" = 0 ] || { show_output before; fail "acmeup --verbose --tsig-key K issue ...: exit $RC, want 0"; }
[ "$(cert_dns_sans "$OUT/$name/cert.pem")" = "$name" ] || fail "option before the command: no certificate for $name"
grep -q "debug: " "$TMP/before.err" || fail "--verbose before the command was not applied"
ok "options before the command: issued $name with -v in effect"

# 3. -q: nothing on stderr for a success; one line for an error.
name=quiet-$RUN_TAG.$ZONE
run_acmeup quiet -q "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" "${COMMON[@]}"
[ "$RC" = 0 ] || { show_output quiet; fail "-q issue: exit $RC, want 0"; }
[ ! -s "$TMP/quiet.err" ] || { show_output quiet; fail "-q issue wrote to stderr"; }
[ "$(cert_dns_sans "$OUT/$name/cert.pem")" = "$name" ] || fail "-q issue: no certificate for $name"
run_acmeup quietfail "${ISSUE[@]}" -q -d "quietfail-$RUN_TAG.$ZONE" --tsig-key "$WRONG_KEY" "${COMMON[@]}"
[ "$RC" = 1 ] || { show_output quietfail; fail "-q with the wrong key: exit $RC, want 1"; }
if [ "$(lines "$TMP/quietfail.err")" != 1 ] ||
	! grep -q '^acmeup: error: .*signature' "$TMP/quietfail.err"; then
	show_output quietfail
	fail "-q with the wrong key: want one error line"
fi
ok "-q: a success says nothing on stderr; a failure one line: $(cat "$TMP/quietfail.err")"

# -q renew of two certificates, one failing (the wrong key for lag.test):
# exit 4 and one line, the failed certificate's.
good=qgood-$RUN_TAG.$ZONE
bad=qbad-$RUN_TAG.$LAG_ZONE
{
	lab_conf "$STATE" "$OUT"
	cat <<EOF
zone $LAG_ZONE {
    tsig-key $WRONG_KEY
}
cert qgood {
    domains $good
}
cert qbad {
    domains $bad
}
EOF
} >"$TMP/quiet.conf"
chmod 600 "$TMP/quiet.conf"
run_acmeup quietrenew renew -q -c "$TMP/quiet.conf"
[ "$RC" = 4 ] || { show_output quietrenew; fail "-q renew, one of two failing: exit $RC, want 4"; }
if [ "$(lines "$TMP/quietrenew.err")" != 1 ] || ! grep -q "qbad: failed: .*signature" "$TMP/quietrenew.err"; then
	show_output quietrenew
	fail "-q renew: want one line, qbad's failure"
fi
[ "$(cert_dns_sans "$OUT/qgood/cert.pem")" = "$good" ] || fail "-q renew: no certificate for $good"
ok "-q renew, one of two failing: exit 4, one line: $(cat "$TMP/quietrenew.err")"

# 4. SIGINT and SIGTERM while ns3 holds lag.test back: 128 + the signal.
lab_lag never
interrupt() {
	local sig=$1 name=$2 pid i rc=0
	"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" "${COMMON[@]}" -v \
		>"$TMP/$sig.out" 2>"$TMP/$sig.err" </dev/null &
	pid=$!
	if ! wait_line "$TMP/$sig.err" "waiting for 2 authoritative servers" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		show_output "$sig"
		fail "$sig: acmeup never started waiting"
	fi
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		{ kill -KILL "$pid"; show_output "$sig"; fail "$sig: no TXT on $PRIMARY during the wait"; }
	signal_and_reap "$sig" "$pid" "$sig"
	rc=$RC
	[ "$rc" = "$3" ] || { show_output "$sig"; fail "$sig: exit $rc, want $3"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "$sig: the TXT is still on $PRIMARY"
	[ -z "$(find "$STATE/journal" -type f 2>/dev/null)" ] || fail "$sig: journal files left"
	ok "SIG$sig in the propagation wait: exit $rc, record removed"
}
interrupt INT "int-$RUN_TAG.$LAG_ZONE" 130
interrupt TERM "term-$RUN_TAG.$LAG_ZONE" 143
lab_lag 0

# 5. The reader goes away after the first line: no death by SIGPIPE (141),
# the run finishes: certificate written, records removed, exit 0.
name=pipe-$RUN_TAG.$ZONE
set +e
timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" "${ISSUE[@]}" -d "$name" \
	--tsig-key "$TSIG_KEY" "${COMMON[@]}" -vv 2>&1 </dev/null | head -n 1 >"$TMP/pipe.first"
st=("${PIPESTATUS[@]}")
set -e
[ "${st[0]}" != 141 ] || fail "2>&1 | head -n 1: acmeup died of SIGPIPE (exit 141)"
[ "${st[0]}" = 0 ] || fail "2>&1 | head -n 1: exit ${st[0]}, want 0"
[ -s "$TMP/pipe.first" ] || fail "head got no line"
[ "$(cert_dns_sans "$OUT/$name/cert.pem")" = "$name" ] || fail "closed pipe: no certificate for $name"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "closed pipe: the TXT is still on $PRIMARY"
ok "2>&1 | head -n 1: exit 0, certificate written, record removed"

# The --json report to a reader that is gone: the certificate is issued
# and the records removed, but the report is lost: exit 1, said on stderr.
name=json-$RUN_TAG.$ZONE
set +e
timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" "${ISSUE[@]}" -d "$name" \
	--tsig-key "$TSIG_KEY" "${COMMON[@]}" --json 2>"$TMP/json.err" </dev/null | true
st=("${PIPESTATUS[@]}")
set -e
[ "${st[0]}" = 1 ] || { cat "$TMP/json.err" >&2; fail "--json | true: exit ${st[0]}, want 1"; }
grep -q "cannot write" "$TMP/json.err" || { cat "$TMP/json.err" >&2; fail "--json | true: the lost report is not said"; }
[ "$(cert_dns_sans "$OUT/$name/cert.pem")" = "$name" ] || fail "--json | true: no certificate for $name"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "--json | true: the TXT is still on $PRIMARY"
ok "--json | true: certificate written, record removed, exit 1: $(tail -n 1 "$TMP/json.err")"

assert_no_challenge_records
ok "no challenge records left in any zone"
