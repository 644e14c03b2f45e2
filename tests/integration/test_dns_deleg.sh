#!/usr/bin/env bash
# dns-check's delegation check (issue 16): the parent's NS set (its
# referral) against the zone's apex NS set, and every listed server asked
# for the zone's SOA without recursion.
#   lame.knot.test     knot.test (Knot) delegates to ns1, ns2 and
#                      ns1.knot.test, which is Knot and answers with a
#                      referral (no AA); the apex lists ns1 and ns2: dns-check
#                      names the extra NS and the lame server, exit 1, even
#                      though the probe itself goes through;
#   dead.test          two NS that never answer (refused, or silent): both
#                      named lame with the reason, exit 1;
#   acme-challenges.contoso.test   parent and child on the same servers: no
#                      referral to compare (said), exit 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAME_ZONE:-}" ] || fail "the lab has no $LAME_ZONE (old lab?): restart it"

check() { # TAG NAME: dns-check NAME into TAG.out/.err, RC
	run_acmeup "$1" dns-check "$2" --resolver "$RESOLVER" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state"
}

check lame "x-$RUN_TAG.$LAME_ZONE"
[ "$RC" = 1 ] || { show_output lame; fail "lame delegation: exit $RC, want 1"; }
grep -qx "  parent    $KNOT_ZONE: NS only at the parent: ns1.$KNOT_ZONE; only at the apex: none" "$TMP/lame.out" ||
	{ show_output lame; fail "lame delegation: the NS difference is not shown"; }
grep -qx "  lame      ns1.$KNOT_ZONE ($KNOT) for $LAME_ZONE: an answer without AA" "$TMP/lame.out" ||
	{ show_output lame; fail "lame delegation: the lame server is not named"; }
grep -q "^  removed   the probe is gone" "$TMP/lame.out" || { show_output lame; fail "lame delegation: the probe did not run"; }
last=$(tail -n 1 "$TMP/lame.err")
case $last in
*"zone $LAME_ZONE: the parent $KNOT_ZONE and the zone's apex name other NS (only at the parent: ns1.$KNOT_ZONE; only at the apex: none); ns1.$KNOT_ZONE ($KNOT): an answer without AA"*) ;;
*) show_output lame; fail "lame delegation: $last" ;;
esac
ok "lame delegation: exit 1, $last"

check dead "x-$RUN_TAG.$DEAD_ZONE"
[ "$RC" = 1 ] || { show_output dead; fail "dead.test: exit $RC, want 1"; }
for a in "$DEAD_SERVER" "$SILENT_SERVER"; do
	grep -q "^  lame      ns-[a-z]*.$DEAD_ZONE ($a) for $DEAD_ZONE: \(no reply\|$a:53 refused the connection\)" "$TMP/dead.out" ||
		{ show_output dead; fail "dead.test: $a not named lame"; }
done
ok "dead.test: both dead NS named lame (refused or silent), exit 1"

# Two names of one zone: the delegation is checked once (a silent server's
# timeouts are not paid again), the second name gets the same finding.
run_acmeup dead2 dns-check "a-$RUN_TAG.$DEAD_ZONE" "b-$RUN_TAG.$DEAD_ZONE" \
	--resolver "$RESOLVER" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state"
[ "$RC" = 1 ] || { show_output dead2; fail "two names in dead.test: exit $RC, want 1"; }
n=$(grep -c "^  lame      " "$TMP/dead2.out" || true)
[ "$n" = 2 ] || { show_output dead2; fail "two names in dead.test: $n lame lines, want the 2 servers once"; }
grep -qx "  parent    zone $DEAD_ZONE: as checked above" "$TMP/dead2.out" ||
	{ show_output dead2; fail "the second name does not refer to the first check"; }
[ "$(grep -c '^  PROBLEM' "$TMP/dead2.out")" = 2 ] ||
	{ show_output dead2; fail "the second name did not get the same finding"; }
ok "two names in $DEAD_ZONE: the delegation checked once, the second name 'as checked above', both failing"

check same "x-$RUN_TAG.$ACME_ZONE"
[ "$RC" = 0 ] || { show_output same; fail "$ACME_ZONE: exit $RC, want 0"; }
grep -qx "  parent    $CONTOSO: no referral (its servers serve the zone too, or none answers): the delegation not compared" \
	"$TMP/same.out" || { show_output same; fail "$ACME_ZONE: the parent line"; }
! grep -q "^  lame" "$TMP/same.out" || fail "$ACME_ZONE: a lame server reported"
ok "$ACME_ZONE: parent and child on the same servers: not compared, no lame server, exit 0"
assert_no_challenge_records
