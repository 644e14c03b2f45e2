#!/usr/bin/env bash
# The account's lock: while a process holds
# <state>/accounts/ID/state.lock (the CA's account directory) exclusively
# (as an account rollover does), an issuance waits for it (and says so),
# then goes on once it is released; shared holders (other issuing runs) do
# not hold each other up.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

STATE=$TMP/state
A=$(acct_dir "$STATE") # the lab CA's account directory
mkdir -p -m 700 "$STATE" "$STATE/accounts" "$A"
holder=

stop_holder() {
	[ -z "$holder" ] || kill "$holder" 2>/dev/null || true
	cleanup
}
trap stop_holder EXIT

# --- an exclusive holder: the issuance waits, then proceeds ----------------------
(
	exec 9>>"$A/state.lock"
	flock -x 9
	printf '%s testhost\n' "$BASHPID" >"$A/state.lock"
	exec sleep 2
) &
holder=$!
for ((i = 0; i < 50; i++)); do
	[ -s "$A/state.lock" ] && break
	sleep 0.1
done
[ -s "$A/state.lock" ] || fail "the test's holder did not take the lock"

name=n$RANDOM$RANDOM.$ZONE
t0=$(date +%s%N)
run_acmeup wait "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" = 0 ] || { show_output wait; fail "issue after the lock was released exited $RC"; }
grep -q "lock: the state directory $A is busy; waiting up to 30 s" "$TMP/wait.err" ||
	{ show_output wait; fail "acmeup did not say it waits for the state directory"; }
[ "$ms" -ge 1000 ] || fail "acmeup did not wait for the holder (${ms} ms)"
[ "$(cert_dns_sans "$TMP/out/$name/cert.pem")" = "$name" ] || fail "no certificate for $name"
ok "waited ${ms} ms for the exclusive holder, then issued $name"
wait "$holder" 2>/dev/null || true
holder=

# --- shared holders do not block each other -------------------------------------
(
	exec 9>>"$A/state.lock"
	flock -s 9
	exec sleep 5
) &
holder=$!
sleep 0.2
name=n$RANDOM$RANDOM.$ZONE
run_acmeup shared "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output shared; fail "issue beside a shared holder exited $RC"; }
! grep -q "state directory .* is busy" "$TMP/shared.err" ||
	fail "a shared holder made the issuance wait"
ok "a shared holder does not hold up an issuance"

assert_no_challenge_records
ok "no challenge records left"
