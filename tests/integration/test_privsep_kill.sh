#!/usr/bin/env bash
# kill -9 of the keys process mid-run (issue 13, phase 1): the main process
# says which process died of which signal, removes the records it published
# (signed by a new keys process that loads the TSIG key from its file),
# writes no certificate, leaves no journal, and exits 1.
#  1. killed during the propagation wait, which then times out: the first
#     request after the death is the removal's TSIG signature;
#  2. killed during the wait, which then succeeds: the first request is a
#     JWS (the challenge answer), which fails; the records still go.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"

# killed TAG NAME THEN ARGS...: issue NAME, SIGKILL the keys process during
# the propagation wait, then run THEN (a command), and reap acmeup into RC.
killed() {
	local tag=$1 name=$2 then=$3 pid keys
	shift 3
	"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/$tag" --out "$TMP/$tag-out" -v "$@" \
		>"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	pid=$!
	TEST_PIDS+=("$pid")
	if ! wait_line "$TMP/$tag.err" "waiting for 2 authoritative servers" 30; then
		show_output "$tag"
		fail "$tag: acmeup never started waiting"
	fi
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$tag: no TXT on $PRIMARY during the wait"
	keys=$(tr -d ' ' <"/proc/$pid/task/$pid/children")
	[ -n "$keys" ] || fail "$tag: acmeup has no keys process"
	kill -KILL "$keys"
	$then
	RC=0
	wait "$pid" || RC=$?
	KEYS_PID=$keys
}

# after TAG NAME: what must hold after a run whose keys process was killed.
after() {
	local tag=$1 name=$2
	[ "$RC" = 1 ] || { show_output "$tag"; fail "$tag: exited $RC, want 1"; }
	grep -q "^acmeup: error: the keys process (pid $KEYS_PID) was killed by signal 9 (Killed); run stopped$" \
		"$TMP/$tag.err" || { show_output "$tag"; fail "$tag: no error line naming the keys process and signal 9"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$tag: the TXT of $name is still on $PRIMARY"
	[ -z "$(find "$TMP/$tag/journal" -type f 2>/dev/null)" ] ||
		fail "$tag: journal left: $(ls "$TMP/$tag/journal")"
	[ ! -e "$TMP/$tag-out/$name" ] || fail "$tag: a certificate directory was written"
	grep -q "lag.test: UPDATE deleting 1 TXT accepted by $PRIMARY (key acmeup-update" "$TMP/$tag.err" ||
		{ show_output "$tag"; fail "$tag: the removal was not signed with acmeup-update"; }
}

lab_lag never
NAME1=n$RANDOM$RANDOM.$LAG_ZONE
killed timeout "$NAME1" : --propagation-timeout 4
after timeout "$NAME1"
ok "killed during a wait that timed out: exit 1, the record removed, nothing written"

NAME2=n$RANDOM$RANDOM.$LAG_ZONE
killed proved "$NAME2" "lab_lag 0" --propagation-timeout 60
after proved "$NAME2"
grep -q "failed: JWS: the keys process (pid $KEYS_PID) was killed by signal 9" "$TMP/proved.err" ||
	{ show_output proved; fail "proved: the order did not fail for want of a JWS"; }
ok "killed during a wait that then succeeded: the JWS failed, exit 1, the record removed"
