#!/usr/bin/env bash
# A key the primary allows at one name only (acmeup-limited, at
# _acme-challenge.limited.example.test): that name works; any other is
# REFUSED, and the error names the rcode, the zone, the server and the key,
# with the name that was refused. Nothing is left behind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LIMITED_KEY:-}" ] || fail "the lab has no limited key (old lab?)"
NAME=n$RANDOM$RANDOM.$ZONE

run_acmeup refused "${ISSUE[@]}" -d "$NAME" --tsig-key "$LIMITED_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 1 ] || { show_output refused; fail "exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/refused.err")
case $last in
*"REFUSED"*" from $PRIMARY for zone $ZONE: key acmeup-limited may not update _acme-challenge.$NAME"*) ;;
*) show_output refused; fail "the error does not name rcode, server, zone, key and name: $last" ;;
esac
ok "$last"

run_acmeup limited "${ISSUE[@]}" -d "limited.$ZONE" --tsig-key "$LIMITED_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output limited; fail "limited.$ZONE with its own key exited $RC"; }
ok "limited.$ZONE issued with acmeup-limited"

assert_no_challenge_records
ok "no challenge records left in any zone"
