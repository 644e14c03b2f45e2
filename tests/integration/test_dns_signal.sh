#!/usr/bin/env bash
# Interrupted during the propagation wait (ns3 holds lag.test back):
# SIGTERM and SIGINT must end the wait at once, remove the records, and exit
# 128 + the signal (143, 130); nothing is left in the zone or in the journal.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
lab_lag never

# interrupt SIGNAL: issue in the background, SIGNAL once it waits for ns3.
interrupt() {
	local sig=$1 name=n$RANDOM$RANDOM.$LAG_ZONE pid i rc=0 ttl
	"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state" --out "$TMP/out" -v \
		>"$TMP/$sig.out" 2>"$TMP/$sig.err" </dev/null &
	pid=$!
	if ! wait_line "$TMP/$sig.err" "waiting for 2 authoritative servers" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		show_output "$sig"
		fail "$sig: acmeup never started waiting"
	fi
	sleep 0.3
	ttl=$(dig +time=2 +tries=1 +norec +noall +answer "@$PRIMARY" "_acme-challenge.$name" TXT | awk '{print $2; exit}')
	[ "$ttl" = 10 ] ||
		{ kill -KILL "$pid"; show_output "$sig"; fail "$sig: TXT on $PRIMARY with TTL '$ttl', want 10 (the default)"; }
	signal_and_reap "$sig" "$pid" "$sig"
	rc=$RC
	[ "$rc" = "$((128 + $(kill -l "$sig")))" ] ||
		{ show_output "$sig"; fail "$sig: exit $rc after the signal, want 128 + SIG$sig"; }
	grep -q "interrupted by SIG$sig" "$TMP/$sig.err" ||
		{ show_output "$sig"; fail "$sig: no 'interrupted by SIG$sig'"; }
	grep -q "dns: $LAG_ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY" "$TMP/$sig.err" ||
		{ show_output "$sig"; fail "$sig: the record was not removed"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$sig: the TXT is still on $PRIMARY"
	[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] ||
		fail "$sig: journal files left: $(ls "$TMP/state/journal")"
	ok "$sig: TXT (TTL $ttl) on $PRIMARY during the wait; exit $rc, record removed, journal empty: $(tail -n 1 "$TMP/$sig.err")"
}

interrupt TERM
interrupt INT

lab_lag 0
assert_no_challenge_records
ok "no challenge records left in any zone"
