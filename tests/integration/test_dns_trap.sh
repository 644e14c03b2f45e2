#!/usr/bin/env bash
# A wildcard CNAME swallows challenge names: *.trap.example.test CNAME
# target.example.test, so _acme-challenge.NAME.trap.example.test "is" a
# CNAME to target.example.test. Writing the TXT there would hand it to every
# name under the wildcard; acmeup must say so (naming the wildcard) and
# write nothing — through issue and through dns-check.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${TRAP:-}" ] || fail "the lab has no wildcard trap (old lab?)"
NAME=n$RANDOM$RANDOM.$TRAP
before=$(zone_serial "$PRIMARY" "$ZONE")

run_acmeup trap "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 1 ] || { show_output trap; fail "exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/trap.err")
for want in "_acme-challenge.$NAME is a CNAME to target.$ZONE only through the wildcard *.$TRAP" \
	"--challenge-alias"; do
	case $last in
	*"$want"*) ;;
	*) show_output trap; fail "the error does not say '$want': $last" ;;
	esac
done
ok "issue: $last"
[ "$(zone_serial "$PRIMARY" "$ZONE")" = "$before" ] ||
	fail "$ZONE changed (serial $before -> $(zone_serial "$PRIMARY" "$ZONE"))"
[ -z "$(zone_txt "$PRIMARY" "target.$ZONE")" ] || fail "TXT written at target.$ZONE"
ok "nothing written (serial of $ZONE still $before)"

run_acmeup check dns-check "x$NAME" --tsig-key "$TSIG_KEY" \
	--resolver "$RESOLVER" --state-dir "$TMP/state"
[ "$RC" = 1 ] || { show_output check; fail "dns-check exit $RC, want 1"; }
grep -q "PROBLEM   _acme-challenge.x$NAME is a CNAME to target.$ZONE only through the wildcard \*.$TRAP" "$TMP/check.out" ||
	{ show_output check; fail "dns-check does not report the wildcard"; }
ok "dns-check reports the wildcard"

assert_no_challenge_records
ok "no challenge records left in any zone"
