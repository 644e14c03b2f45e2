#!/usr/bin/env bash
# The lab itself: the resolver refuses names outside the lab zone, answers
# inside it, pebble's directory is reachable over TLS with the lab CA, an
# UPDATE signed with update.key reaches the secondary within 2 s, one signed
# with wrong.key is refused. Tells a broken lab apart from a broken acmeup.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$ACMEUP_SOURCE/tests/lab/lab" check ||
	fail "lab self-check failed (see above)"
assert_no_challenge_records
ok "lab self-check passed; zone clean"

# The suite's own check (lib.sh check_ca_names): a second test whose CA
# lookups meet a name another test of this lab run used fails, naming both.
probe_name=_acme-challenge.probe-$RUN_TAG.$ZONE
for p in probe_one probe_two; do
	cat >"$TMP/$p.sh" <<-EOS
		. "$ACMEUP_SOURCE/tests/integration/lib.sh"
		dig +time=2 +tries=1 +short "@\$RESOLVER" "$probe_name" TXT >/dev/null
	EOS
done
bash "$TMP/probe_one.sh" >"$TMP/probe_one.log" 2>&1 ||
	fail "a test with a name of its own failed the check: $(cat "$TMP/probe_one.log")"
rc=0
bash "$TMP/probe_two.sh" >"$TMP/probe_two.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a second test looking up $probe_name exited $rc, want 1"
grep -q "looked up $probe_name in this test and in probe_one" "$TMP/probe_two.log" ||
	fail "the clash is not named: $(cat "$TMP/probe_two.log")"
ok "a name two tests of one lab run look up fails the second ($probe_name)"
# The probes' lookups are theirs, not this test's.
CA_LOG_START=$(stat -c %s "$CA_LOG")

# A hung pebble (lib.sh retry_after_pebble_restart): a test that fails while
# the lab's pebble does not answer is run once more after a pebble restart;
# one that fails with pebble well is not. The first child stops pebble (as
# pebble 2.4's deadlock would) and fails on its first run only.
cat >"$TMP/hang.sh" <<EOS
PEBBLE_PROBE_SECONDS=2
. "$ACMEUP_SOURCE/tests/integration/lib.sh"
if [ -z "\${ACMEUP_TEST_RETRY:-}" ]; then
	kill -STOP "\$(cat "$ACMEUP_LAB_DIR/pebble/pid")"
	fail "first run, pebble stopped"
fi
d=\$(mktemp -d)
timeout 20 "\$ACMEUP" account register --server "\$ACME_DIR" \\
	--ca-bundle "\$ACME_CA_BUNDLE" --state-dir "\$d" --agree-tos >/dev/null 2>&1 ||
	fail "the restarted pebble does not answer"
rm -rf "\$d"
ok "second run"
EOS
old_pid=$(cat "$ACMEUP_LAB_DIR/pebble/pid")
rc=0
bash "$TMP/hang.sh" >"$TMP/hang.log" 2>&1 || rc=$?
new_pid=$(cat "$ACMEUP_LAB_DIR/pebble/pid")
[ "$rc" = 0 ] || fail "the test with a hung pebble exited $rc: $(cat "$TMP/hang.log")"
[ "$new_pid" != "$old_pid" ] || fail "pebble was not restarted (pid $old_pid)"
grep -q "ok hang: second run" "$TMP/hang.log" || fail "no second run: $(cat "$TMP/hang.log")"
ok "a test failing on a hung pebble: pebble restarted (pid $old_pid -> $new_pid), the test run once more and passed"
printf '. "%s/tests/integration/lib.sh"\nfail "a real failure"\n' "$ACMEUP_SOURCE" >"$TMP/real.sh"
rc=0
bash "$TMP/real.sh" >"$TMP/real.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a failing test with pebble well exited $rc, want 1"
[ "$(cat "$ACMEUP_LAB_DIR/pebble/pid")" = "$new_pid" ] || fail "pebble restarted for a real failure"
! grep -q "running the test once more" "$TMP/real.log" || fail "a real failure was retried: $(cat "$TMP/real.log")"
ok "a failure with pebble answering is not retried"
