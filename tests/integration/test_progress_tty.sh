#!/usr/bin/env bash
# Long waits show a live status line when stderr is a terminal: acmeup runs
# under script(1) (a real pseudo-terminal) against lag.test with ns3 lagging
# 2 s; the line names the server awaited and is rewritten in place ("\r").
# With stderr a pipe, no such line (and no escape sequence) appears.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
command -v script >/dev/null || fail "script(1) (bsdutils) is missing"
lab_lag 2

name=n$RANDOM$RANDOM.$LAG_ZONE
cmd=$(printf '%q ' "$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out")
timeout 60 script -qefc "$cmd" "$TMP/tty.log" >/dev/null </dev/null ||
	fail "acmeup under a terminal failed: $(tr '\r' '\n' <"$TMP/tty.log" | tail -n 5)"
grep -q $'\r\e\[K\[ *[0-9.]*s\] dns: lag.test: waiting for '"$LAG_SERVER" "$TMP/tty.log" ||
	fail "no live line 'waiting for $LAG_SERVER' on the terminal: $(tr '\r' '\n' <"$TMP/tty.log" | grep -m3 lag.test)"
n=$(grep -o $'\r\e\[K\[[^\r]*waiting for' "$TMP/tty.log" | wc -l)
[ "$n" -ge 2 ] || fail "the live line was written $n times; it should update while waiting"
ok "on a terminal: $n updates of '$(grep -ao $'waiting for [^\r(]*([^)]*)' "$TMP/tty.log" | tail -n 1)'"

name=n$RANDOM$RANDOM.$LAG_ZONE
run_acmeup pipe "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output pipe; fail "issue with stderr to a file exited $RC"; }
! grep -q $'\e\[K' "$TMP/pipe.err" || fail "a live line (escape sequence) went to a file"
ok "not a terminal: no live line"

assert_no_challenge_records
ok "no challenge records left"
