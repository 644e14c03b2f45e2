#!/usr/bin/env bash
# A Knot primary (knot.test at $KNOT, BIND secondary at $SECONDARY): the
# same UPDATE, TSIG and proof must work as with BIND. Knot notifies its
# secondary about 1 s after an UPDATE, so the proof waits for that.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${KNOT:-}" ] || fail "the lab has no Knot primary (old lab?)"
NAME=n$RANDOM$RANDOM.$KNOT_ZONE

run_acmeup knot "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output knot; fail "issue $NAME exited $RC"; }
[ "$(cert_dns_sans "$TMP/out/$NAME/cert.pem")" = "$NAME" ] || fail "wrong SANs"
ok "certificate for $NAME"
err=$TMP/knot.err
grep -q "dns: $KNOT_ZONE: UPDATE adding 1 TXT accepted by $KNOT " "$err" ||
	{ show_output knot; fail "the UPDATE did not go to Knot at $KNOT"; }
grep -q "dns: $KNOT_ZONE: $SECONDARY answers" "$err" ||
	{ show_output knot; fail "no proof from the secondary $SECONDARY"; }
grep -q "dns: $KNOT_ZONE: UPDATE deleting 1 TXT accepted by $KNOT " "$err" ||
	{ show_output knot; fail "no removal from Knot"; }
ok "$(grep "dns: $KNOT_ZONE: all" "$err" | sed 's/^\[ *//; s/s\] / s: /')"

assert_no_challenge_records
ok "no challenge records left in any zone"
