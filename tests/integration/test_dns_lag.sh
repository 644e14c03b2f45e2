#!/usr/bin/env bash
# A secondary that lags: ns3 ($LAG_SERVER) follows lag.test 5 s after the
# primary. The CA must be told only once ns3 serves the record: acmeup's own
# timestamps (-v) must show ns3 answering about 5 s after the UPDATE (not
# earlier, not much later: polling, not a fixed sleep) and the challenges
# answered after that. Then a lag of "never": a timeout that names ns3 and
# its serial, and the records removed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
LAG=5

# stamp FILE PATTERN: the [  s.mmm] time (ms) of the first line matching.
stamp() {
	local line
	line=$(grep -m 1 -- "$2" "$1") || return 1
	line=${line#[}
	line=${line%%s]*}
	line=${line// /}
	echo $((10#${line%.*} * 1000 + 10#${line#*.}))
}

lab_lag "$LAG"
NAME=n$RANDOM$RANDOM.$LAG_ZONE
run_acmeup lag "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output lag; fail "issue $NAME with ns3 lagging exited $RC"; }
err=$TMP/lag.err
sent=$(stamp "$err" "dns: $LAG_ZONE: UPDATE adding 1 TXT accepted") || { show_output lag; fail "no UPDATE line"; }
ns3=$(stamp "$err" "dns: $LAG_ZONE: $LAG_SERVER answers") || { show_output lag; fail "no line for $LAG_SERVER"; }
told=$(stamp "$err" "acme: challenges answered") || { show_output lag; fail "no 'challenges answered' line"; }
after=$(sed -n "s/.*dns: $LAG_ZONE: $LAG_SERVER answers, serial [0-9]* (\([0-9]*\) ms after the UPDATE).*/\1/p" "$err")
[ -n "$after" ] || { show_output lag; fail "no ms after the UPDATE for $LAG_SERVER"; }
[ "$after" -ge $((LAG * 1000)) ] || fail "$LAG_SERVER answered $after ms after the UPDATE, before the ${LAG} s lag?"
[ "$after" -le $((LAG * 1000 + 1500)) ] ||
	fail "$LAG_SERVER answered $after ms after the UPDATE: more than 1.5 s after it had the record"
[ "$told" -ge "$ns3" ] || fail "challenges answered at $told ms, before $LAG_SERVER answered ($ns3 ms)"
ok "UPDATE at $sent ms; $LAG_SERVER answers $after ms after it (lag ${LAG} s); CA told at $told ms"
grep "dns: $LAG_ZONE: " "$err" | sed 's/^/    /'

# --- never ---------------------------------------------------------------------
lab_lag never
NAME=n$RANDOM$RANDOM.$LAG_ZONE
run_acmeup never "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --propagation-timeout 3
[ "$RC" = 1 ] || { show_output never; fail "exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/never.err")
primary_serial=$(zone_serial "$PRIMARY" "$LAG_ZONE")
case $last in
*"after 3 s not every server answers the TXT records: zone $LAG_ZONE: $LAG_SERVER has serial "*", the primary $PRIMARY has "*) ;;
*) show_output never; fail "the timeout does not name $LAG_SERVER and its serial: $last" ;;
esac
ok "$last"
grep -q "dns: $LAG_ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY" "$TMP/never.err" ||
	{ show_output never; fail "the record was not removed after the timeout"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] || fail "the TXT is still on $PRIMARY"
ok "record removed from $PRIMARY (serial now $primary_serial)"

lab_lag 0 # let ns3 catch up before checking it
assert_no_challenge_records
ok "no challenge records left in any zone"
