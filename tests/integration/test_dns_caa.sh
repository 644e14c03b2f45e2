#!/usr/bin/env bash
# dns-check reads CAA (RFC 8659) as the CA will: the relevant set is the
# first one climbing from the name (so names below caa-*.example.test have
# their parent's), "issuewild" governs a wildcard when present, and an
# RFC 8657 validationmethods without dns-01 forbids this client. The lab's
# example.test holds one set per case (tests/lab/README.md). Exit 1 and a
# PROBLEM line naming the record when CAA forbids; the probe runs all the
# same and leaves nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# check NAME WANT_RC [IDENTITY]: dns-check of NAME; sets OUT.
check() {
	local name=$1 want=$2 id=${3:-} run=c$((++N))
	run_acmeup "$run" dns-check "$name" --resolver "$RESOLVER" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state" ${id:+--caa-identity "$id"}
	OUT=$TMP/$run.out
	[ "$RC" = "$want" ] || { show_output "$run"; fail "dns-check $name ${id:+(CA $id) }exited $RC, want $want"; }
	grep -q "removed   the probe is gone" "$OUT" || { show_output "$run"; fail "$name: the probe did not run to its end"; }
}
N=0

check "h-$RUN_TAG.$ZONE" 0 pebble.test
grep -q "CAA       none at h-$RUN_TAG.$ZONE or above: any CA may issue" "$OUT" || fail "no CAA: not said"
check "h-$RUN_TAG.caa-ok.$ZONE" 0 pebble.test
grep -q "CAA       at caa-ok.$ZONE:" "$OUT" || fail "caa-ok: the relevant set's owner not named: $(cat "$OUT")"
grep -q "pebble.test may issue by dns-01" "$OUT" || fail "caa-ok: verdict"
ok "no CAA, and a parent's set allowing pebble.test by dns-01: exit 0"

check "*.w-$RUN_TAG.caa-ok.$ZONE" 1 pebble.test
grep -q "PROBLEM   CAA at caa-ok.$ZONE forbids the issuance for \*.w-$RUN_TAG.caa-ok.$ZONE: no issuewild property names pebble.test" "$OUT" ||
	fail "a wildcard under issuewild \";\": $(cat "$OUT")"
check "h-$RUN_TAG.caa-other.$ZONE" 1 pebble.test
grep -q "no issue property names pebble.test" "$OUT" || fail "caa-other: $(cat "$OUT")"
check "h-$RUN_TAG.caa-none.$ZONE" 1
grep -q 'no issue property names any CA (";" forbids all)' "$OUT" || fail "caa-none: $(cat "$OUT")"
check "h-$RUN_TAG.caa-methods.$ZONE" 1 pebble.test
grep -q "validationmethods leave out dns-01" "$OUT" || fail "caa-methods: $(cat "$OUT")"
check "h-$RUN_TAG.caa-crit.$ZONE" 1 pebble.test
grep -q "a critical property 'tbs'" "$OUT" || fail "caa-crit: $(cat "$OUT")"
ok "CAA forbidding: issuewild \";\" for a wildcard, another CA, \";\", validationmethods without dns-01, an unknown critical tag: exit 1, each reason said"

check "h2-$RUN_TAG.caa-other.$ZONE" 0
grep -q "give --caa-identity to check yours" "$OUT" || fail "without --caa-identity: $(cat "$OUT")"
ok "without --caa-identity a set naming some CA passes with a note"

# RFC 8657 accounturi: not compared while the state directory knows no
# account; after an issuance (which writes STATE/account.url) a set bound
# to another account forbids.
check "h-$RUN_TAG.caa-acct.$ZONE" 0 pebble.test
grep -q "an accounturi applies; acmeup's account is not known here" "$OUT" || fail "caa-acct before: $(cat "$OUT")"
run_acmeup issue "${ISSUE[@]}" -d "i-$RUN_TAG.$ZONE" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output issue; fail "issue exited $RC"; }
acct=$(cat "$(acct_dir "$TMP/state")/account.url")
case $acct in "$(dirname "$ACME_DIR")/my-account/"*) ;; *) fail "account.url: '$acct'" ;; esac
check "h2-$RUN_TAG.caa-acct.$ZONE" 1 pebble.test
grep -q "PROBLEM   CAA at caa-acct.$ZONE forbids the issuance for h2-$RUN_TAG.caa-acct.$ZONE: issue \".*\": its accounturi names another account than acmeup's $acct (RFC 8657 3)" "$OUT" ||
	fail "caa-acct after: $(cat "$OUT")"
ok "accounturi: not compared without a known account; after an issuance (account.url $acct) another account's set forbids: exit 1"

assert_no_challenge_records
ok "no probe left in any zone"
