#!/usr/bin/env bash
# Two runs on one certificate at once: the second fails fast (exit 1, no
# order, no DNS record) with "certificate NAME is being issued by process
# PID". First the lock is held by a process of the test (flock(1) on
# <state>/locks/NAME.lock, its PID written in the file); then by a real
# acmeup run, held in its (slow) deploy hook. A holder that died leaves no
# stale lock.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

name=n$RANDOM$RANDOM.$ZONE
STATE=$TMP/state
lockfile=$STATE/locks/$name.lock
args=("${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out")

HOLDERS=()
stop_holders() {
	local p
	for p in ${HOLDERS[@]+"${HOLDERS[@]}"}; do
		kill "$p" 2>/dev/null || true
	done
	cleanup
}
trap stop_holders EXIT

# wait_for FILE PATTERN: up to 30 s until FILE has a line matching.
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- held by the test ----------------------------------------------------------
mkdir -p "$STATE/locks"
chmod 700 "$STATE" "$STATE/locks"
(
	exec 9>>"$lockfile"
	flock -n 9 || exit 1
	echo "$BASHPID" >"$lockfile"
	exec sleep 60
) &
holder=$!
HOLDERS+=("$holder")
wait_for "$lockfile" "^$holder\$" || fail "the test's lock holder did not start"

t0=$(date +%s%N)
run_acmeup busy "${args[@]}"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" = 1 ] || { show_output busy; fail "acmeup exited $RC while the lock was held, want 1"; }
grep -qF "certificate $name is being issued by process $holder" "$TMP/busy.err" ||
	{ show_output busy; fail "no 'certificate $name is being issued by process $holder' in the output"; }
grep -qE 'UPDATE adding|acme: .*order' "$TMP/busy.err" &&
	{ show_output busy; fail "acmeup ordered or wrote DNS although the certificate was locked"; }
[ "$ms" -lt 5000 ] || fail "acmeup took $ms ms to give up: not fast"
[ ! -e "$TMP/out/$name" ] || fail "acmeup created $TMP/out/$name although it did not hold the lock"
ok "held by process $holder: exit 1 in $ms ms, '$(grep -F 'being issued by' "$TMP/busy.err" | tail -n 1)'"

# The holder dies (its PID still in the file): the lock is free at once.
kill "$holder"
wait "$holder" 2>/dev/null || true
run_acmeup after "${args[@]}"
[ "$RC" = 0 ] || { show_output after; fail "acmeup exited $RC after the holder died (stale lock?)"; }
ok "after the holder died: issued, no stale lock"

# --- held by another acmeup, busy in its deploy hook ------------------------------
name2=n$RANDOM$RANDOM.$ZONE
args2=("${ISSUE[@]}" -d "$name2" --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out")
"$ACMEUP" "${args2[@]}" --deploy-hook "sleep 20" >"$TMP/first.out" 2>"$TMP/first.err" </dev/null &
first=$!
HOLDERS+=("$first")
wait_for "$TMP/first.err" "running the deploy hook" ||
	{ tail -n 20 "$TMP/first.err" >&2; fail "the first acmeup never reached its deploy hook"; }
run_acmeup second "${args2[@]}"
[ "$RC" = 1 ] || { show_output second; fail "the second acmeup exited $RC while the first held the lock, want 1"; }
grep -qF "certificate $name2 is being issued by process $first" "$TMP/second.err" ||
	{ show_output second; fail "no 'certificate $name2 is being issued by process $first' in the output"; }
ok "two acmeup runs: the second exits 1 naming the first ($first)"
kill "$first" 2>/dev/null || true
wait "$first" 2>/dev/null || true
