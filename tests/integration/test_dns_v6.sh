#!/usr/bin/env bash
# Every address of every name server, AAAA included (issue 4): v6.test's NS
# set is ns1.example.test (IPv4) and ns6.v6.test, whose only address is ::1.
# Issuance must wait for [::1]:53 too: acmeup names ::1 in its progress, and
# ns6's query log shows the TXT query arriving on ::1. stale6.test has the
# same shape, but ::1 serves a static copy that never gets the record: the
# wait must fail there, naming ::1 and its serial (so ::1 is not just asked
# but waited for); --skip-server ::1 lets it through.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${V6_ZONE:-}" ] || fail "the lab has no v6.test / ns6 (old lab? tests/lab/lab start)"

# The first TXT query for _acme-challenge.$1 that reached ns6 on ::1, from
# its query log; named may write the log a moment late: up to 2 s.
ns6_txt_query() {
	local i q
	for ((i = 0; i < 20; i++)); do
		q=$(grep -iF "query: _acme-challenge.$1 IN TXT" "$NS6_QUERYLOG" |
			grep -F "($V6_SERVER)" | head -n 1)
		[ -n "$q" ] && break
		sleep 0.1
	done
	printf '%s' "$q"
}

# --- issue through v6.test: ::1 polled ----------------------------------------
NAME=n$RANDOM$RANDOM.$V6_ZONE
run_acmeup v6 "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output v6; fail "issue $NAME exited $RC"; }
[ -s "$TMP/out/$NAME/fullchain.pem" ] || fail "no certificate for $NAME"
err=$TMP/v6.err
grep -q "dns: $V6_ZONE: waiting for 2 authoritative servers" "$err" ||
	{ show_output v6; fail "acmeup did not wait for 2 servers ($PRIMARY and $V6_SERVER)"; }
grep -q "dns: $V6_ZONE: $V6_SERVER answers, serial [0-9]*" "$err" ||
	{ show_output v6; fail "no '$V6_SERVER answers' in the progress"; }
# The CA was told only after ::1 answered.
v6_line=$(grep -n "dns: $V6_ZONE: $V6_SERVER answers" "$err" | head -n 1 | cut -d: -f1)
ca_line=$(grep -n "acme: challenges answered" "$err" | head -n 1 | cut -d: -f1)
if [ -z "$ca_line" ] || [ "$v6_line" -gt "$ca_line" ]; then
	show_output v6
	fail "the challenge was answered before $V6_SERVER served the record"
fi
# ns6 saw the TXT query on ::1 (BIND's query log ends with the address the
# query came to).
q=$(ns6_txt_query "$NAME")
[ -n "$q" ] || fail "ns6's query log ($NS6_QUERYLOG) has no TXT query for _acme-challenge.$NAME on $V6_SERVER"
ok "issued $NAME; waited for $V6_SERVER: $(grep "dns: $V6_ZONE: $V6_SERVER answers" "$err" | head -n 1)"
ok "ns6 query log: ${q#* client }"

# --- stale6.test: ::1 never gets the record, the wait fails there -------------
NAME=n$RANDOM$RANDOM.$STALE6_ZONE
CHECK=(dns-check --resolver "$RESOLVER" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state")
log_before=$(wc -l <"$NS6_QUERYLOG")
run_acmeup stale "${CHECK[@]}" "$NAME" --propagation-timeout 2 -v
[ "$RC" = 1 ] || { show_output stale; fail "dns-check $NAME: exit $RC, want 1"; }
out=$TMP/stale.out
grep -q "servers   $PRIMARY $V6_SERVER\$" "$out" ||
	{ show_output stale; fail "the servers are not $PRIMARY and $V6_SERVER"; }
grep -q "arrival   $V6_SERVER  *not yet: serial 1, the primary has [0-9]*" "$out" ||
	{ show_output stale; fail "no 'not yet' for $V6_SERVER with its serial 1"; }
grep -q "PROBLEM   .*$V6_SERVER has serial 1, the primary $PRIMARY has [0-9]*" "$out" ||
	{ show_output stale; fail "the problem does not name $V6_SERVER"; }
grep -q "removed   the probe is gone from $PRIMARY" "$out" ||
	{ show_output stale; fail "the probe was not removed"; }
ok "stale6: $(grep "PROBLEM" "$out" | sed 's/^ *//')"
# ::1 was asked during the wait: while its serial is the one from before
# the UPDATE acmeup asks only the SOA, so any query for the zone counts.
for ((i = 0; i < 20; i++)); do
	tail -n "+$((log_before + 1))" "$NS6_QUERYLOG" | grep -iF "$STALE6_ZONE" |
		grep -qF "($V6_SERVER)" && break
	sleep 0.1
done
[ "$i" -lt 20 ] || fail "ns6's query log shows no query for $STALE6_ZONE on $V6_SERVER during the wait"

# --skip-server with an IPv6 literal: the same zone passes without ::1.
NAME=n$RANDOM$RANDOM.$STALE6_ZONE
run_acmeup skip "${CHECK[@]}" "$NAME" --propagation-timeout 2 --skip-server "$V6_SERVER"
[ "$RC" = 0 ] || { show_output skip; fail "dns-check $NAME --skip-server $V6_SERVER: exit $RC"; }
grep -q "servers   .*$V6_SERVER (skipped)" "$TMP/skip.out" ||
	{ show_output skip; fail "$V6_SERVER not shown as skipped"; }
ok "--skip-server $V6_SERVER: $(grep 'servers' "$TMP/skip.out" | sed 's/^ *//')"

assert_no_challenge_records
ok "no challenge records left in any zone (::1 included)"
