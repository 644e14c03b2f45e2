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
