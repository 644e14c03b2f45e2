#!/usr/bin/env bash
# kill -9 during the propagation wait: the record stays in the zone, but
# the journal under the state directory lists it. `acmeup cleanup` removes
# exactly that record; and, a second time, the next `acmeup issue` run does
# it before anything else.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
STATE=$TMP/state

# killed NAME TAG: issue NAME in the background, kill -9 it during the wait.
killed() {
	local name=$1 tag=$2 pid
	"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$STATE" --out "$TMP/out" -v \
		>"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	pid=$!
	if ! wait_line "$TMP/$tag.err" "waiting for 2 authoritative servers" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		show_output "$tag"
		fail "$tag: acmeup never started waiting"
	fi
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$tag: no TXT on $PRIMARY after kill -9 (nothing to clean?)"
	grep -qF "_acme-challenge.$name" "$STATE"/journal/*.journal ||
		fail "$tag: the journal does not list _acme-challenge.$name"
	ok "$tag: killed during the wait; the record is on $PRIMARY and in $(ls "$STATE"/journal/*.journal)"
}

lab_lag never
NAME1=n$RANDOM$RANDOM.$LAG_ZONE
killed "$NAME1" kill1
run_acmeup cleanup cleanup --state-dir "$STATE"
[ "$RC" = 0 ] || { show_output cleanup; fail "acmeup cleanup exited $RC"; }
grep -q "1 challenge record found in journals under $STATE, 1 removed, 0 left" "$TMP/cleanup.out" ||
	{ show_output cleanup; fail "cleanup did not report 1 record removed"; }
grep -q "dns: $LAG_ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY (key acmeup-update" "$TMP/cleanup.err" ||
	{ show_output cleanup; fail "cleanup did not delete with key acmeup-update at $PRIMARY"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME1")" ] || fail "the TXT of $NAME1 is still on $PRIMARY"
[ -z "$(find "$STATE/journal" -type f)" ] || fail "journal files left: $(ls "$STATE/journal")"
ok "acmeup cleanup removed it: $(cat "$TMP/cleanup.out")"
run_acmeup cleanup2 cleanup --state-dir "$STATE"
[ "$RC" = 0 ] && grep -q "nothing to clean up" "$TMP/cleanup2.out" ||
	{ show_output cleanup2; fail "a second cleanup found something"; }
ok "a second cleanup has nothing to do"

NAME2=n$RANDOM$RANDOM.$LAG_ZONE
killed "$NAME2" kill2
lab_lag 0
NAME3=n$RANDOM$RANDOM.$ZONE
run_acmeup next "${ISSUE[@]}" -d "$NAME3" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output next; fail "the next issue exited $RC"; }
grep -q "1 record left by acmeup pid [0-9]* (started [0-9]* s ago): removing" "$TMP/next.err" ||
	{ show_output next; fail "the next issue did not take up the journal"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME2")" ] || fail "the TXT of $NAME2 is still on $PRIMARY"
[ -z "$(find "$STATE/journal" -type f)" ] || fail "journal files left: $(ls "$STATE/journal")"
ok "the next issue removed the record left by the killed run, then issued $NAME3"

assert_no_challenge_records
ok "no challenge records left in any zone"
