#!/usr/bin/env bash
# acmeup dns-check, the preflight an admin runs while arranging delegation:
# a good name through the CNAME delegation (chain, zone, primary, key, probe
# arrival on each server, removal), a name the key may not write (REFUSED,
# in plain words), a lagging zone (arrival times) and one that never
# catches up (the server named), --skip-server, --challenge-alias,
# --zone-server with a host name, --zone-key and --tsig-queries.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${ACME_ZONE:-}" ] || fail "the lab has no $ACME_ZONE (old lab?)"
CHECK=(dns-check --resolver "$RESOLVER" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state")

# --- good: wiki.contoso.test through the CNAME --------------------------------
run_acmeup good "${CHECK[@]}" "wiki.$CONTOSO"
[ "$RC" = 0 ] || { show_output good; fail "dns-check wiki.$CONTOSO exited $RC"; }
out=$TMP/good.out
for want in "chain     _acme-challenge.wiki.$CONTOSO CNAME wiki.$CONTOSO.$ACME_ZONE" \
	"record    TXT at wiki.$CONTOSO.$ACME_ZONE" "zone      $ACME_ZONE" \
	"key       acmeup-update (hmac-sha256, from $TSIG_KEY)" \
	"arrival   $PRIMARY " "arrival   $SECONDARY " "removed" "OK "; do
	grep -qF -- "$want" "$out" || { show_output good; fail "report lacks '$want'"; }
done
ok "good name:"
sed 's/^/    /' "$out"
[ -z "$(zone_txt "$PRIMARY" "wiki.$CONTOSO.$ACME_ZONE")" ] || fail "the probe is still there"

# --- refused: contoso.test itself (the key may not write there) ---------------
NAME=n$RANDOM$RANDOM.$CONTOSO
run_acmeup refused "${CHECK[@]}" "$NAME"
[ "$RC" = 1 ] || { show_output refused; fail "dns-check $NAME exit $RC, want 1"; }
grep -q "PROBLEM   REFUSED.* from $PRIMARY for zone $CONTOSO: key acmeup-update may not update _acme-challenge.$NAME" "$TMP/refused.out" ||
	{ show_output refused; fail "no REFUSED problem naming server, zone, key"; }
grep -q "advice    the primary does not take the record" "$TMP/refused.out" ||
	{ show_output refused; fail "no advice"; }
ok "refused name:"
sed 's/^/    /' "$TMP/refused.out"

# --- lagging zone: arrival on ns3 about 2 s after the UPDATE -------------------
# A change of an earlier test still waiting in the lagger would carry ours
# along early: ns3 catches up first.
lab_lag 0
catch_up "$LAG_SERVER" "$LAG_ZONE" "$(zone_serial "$PRIMARY" "$LAG_ZONE")" 5 || true
lab_lag 2
NAME=n$RANDOM$RANDOM.$LAG_ZONE
run_acmeup lag "${CHECK[@]}" "$NAME"
[ "$RC" = 0 ] || { show_output lag; fail "dns-check $NAME (lag 2 s) exited $RC"; }
ms=$(sed -n "s/^  arrival   $LAG_SERVER *\([0-9]*\) ms after the UPDATE/\1/p" "$TMP/lag.out")
[ -n "$ms" ] && [ "$ms" -ge 2000 ] && [ "$ms" -le 3500 ] ||
	{ show_output lag; fail "arrival on $LAG_SERVER: '$ms' ms, want 2000..3500"; }
ok "lagging zone: $LAG_SERVER after $ms ms"

# --- never, then the same with --skip-server -----------------------------------
lab_lag never
NAME=n$RANDOM$RANDOM.$LAG_ZONE
run_acmeup never "${CHECK[@]}" "$NAME" --propagation-timeout 2
[ "$RC" = 1 ] || { show_output never; fail "exit $RC, want 1"; }
grep -q "arrival   $LAG_SERVER *not yet: serial [0-9]*, the primary has [0-9]*" "$TMP/never.out" &&
	grep -q "advice    a server does not catch up" "$TMP/never.out" ||
	{ show_output never; fail "no lagging server and advice in the report"; }
ok "never: $(grep "arrival   $LAG_SERVER" "$TMP/never.out")"
run_acmeup skip "${CHECK[@]}" "$NAME" --skip-server "$LAG_SERVER"
[ "$RC" = 0 ] || { show_output skip; fail "with --skip-server $LAG_SERVER: exit $RC"; }
grep -q "servers   .*$LAG_SERVER (skipped)" "$TMP/skip.out" ||
	{ show_output skip; fail "the report does not show $LAG_SERVER skipped"; }
ok "--skip-server $LAG_SERVER: OK without it"
lab_lag 0

# --- alias, zone server by host name, zone key, signed queries ----------------
NAME=n$RANDOM$RANDOM.$CONTOSO
TARGET=alias-$NAME.$ACME_ZONE
run_acmeup alias dns-check --resolver "$RESOLVER" --state-dir "$TMP/state" \
	--tsig-key "$LIMITED_KEY" --zone-key "$ACME_ZONE=$TSIG_KEY:acmeup-update" \
	--zone-server "$ACME_ZONE=ns1.$CONTOSO:53" --challenge-alias "$NAME=$TARGET" \
	--tsig-queries -vv "$NAME"
[ "$RC" = 0 ] || { show_output alias; fail "alias check exited $RC"; }
for want in "chain     _acme-challenge.$NAME --challenge-alias $TARGET" \
	"primary   $PRIMARY (zone server ns1.$CONTOSO:53; SOA MNAME" \
	"key       acmeup-update"; do
	grep -qF -- "$want" "$TMP/alias.out" || { show_output alias; fail "report lacks '$want'"; }
done
grep -q "trace: dns: $TARGET TXT? to $PRIMARY:53 (RD=0, EDNS, TSIG)" "$TMP/alias.err" ||
	{ show_output alias; fail "the proof queries were not signed"; }
ok "--challenge-alias, --zone-server by name, --zone-key, --tsig-queries"

assert_no_challenge_records
ok "no challenge records left in any zone"
