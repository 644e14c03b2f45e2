#!/usr/bin/env bash
# CNAME delegation, as a DNS team sets it up (docs/delegation.md):
# _acme-challenge.intranet.contoso.test CNAME
# intranet.contoso.test.acme-challenges.contoso.test, the delegated zone
# being the only one key acmeup-update may write. acmeup must follow the
# CNAME by asking the authoritative servers, write the TXT in the delegated
# zone, leave the parent untouched, and get the certificate. Then a 2-link
# chain, a DNAME path, and a CNAME loop (a clear error, nothing written).
# Names used: intranet, chain, x and loop .contoso.test (fixed in the lab),
# and wiki without the CA.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${ACME_ZONE:-}" ] || fail "the lab has no $ACME_ZONE (old lab?)"
parent_serial=$(zone_serial "$PRIMARY" "$CONTOSO")

# --- one link ----------------------------------------------------------------
run_acmeup intranet "${ISSUE[@]}" -d "intranet.$CONTOSO" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" -vv
[ "$RC" = 0 ] || { show_output intranet; fail "issue intranet.$CONTOSO exited $RC"; }
sans=$(cert_dns_sans "$TMP/out/intranet.$CONTOSO/cert.pem")
[ "$sans" = "intranet.$CONTOSO" ] || fail "cert SANs '$sans', want intranet.$CONTOSO"
ok "certificate for intranet.$CONTOSO through the CNAME"

err=$TMP/intranet.err
grep -q "dns: _acme-challenge.intranet.$CONTOSO CNAME intranet.$CONTOSO.$ACME_ZONE (zone $ACME_ZONE)" "$err" ||
	{ show_output intranet; fail "no route line naming the CNAME and zone $ACME_ZONE"; }
grep -q "dns: $ACME_ZONE: UPDATE adding 1 TXT accepted by $PRIMARY" "$err" ||
	{ show_output intranet; fail "the TXT did not go to $ACME_ZONE"; }
if grep -q "dns: $CONTOSO: UPDATE" "$err"; then
	show_output intranet
	fail "an UPDATE went to the parent zone $CONTOSO"
fi
ok "the TXT went to $ACME_ZONE, no UPDATE to $CONTOSO"
[ "$(zone_serial "$PRIMARY" "$CONTOSO")" = "$parent_serial" ] ||
	fail "the serial of $CONTOSO moved ($parent_serial -> $(zone_serial "$PRIMARY" "$CONTOSO"))"
ok "$CONTOSO untouched (serial $parent_serial)"
# Negative caching: the resolver (also the CA's) was never asked about the
# challenge name or the CNAME target, only about parent names.
asked=$(grep "trace: dns: .* to $RESOLVER:53" "$err" | sed 's/.*trace: dns: //')
bad=$(grep -iE "_acme-challenge|$CONTOSO\.$ACME_ZONE " <<<"$asked" || true)
[ -z "$bad" ] || fail "the resolver was asked about a challenge name or CNAME target (or its parent): $bad"
ok "the resolver was asked only: $(cut -d' ' -f1,2 <<<"$asked" | sort -u | tr '\n' ' ')"

# --- two links, and a DNAME, in one order ------------------------------------
run_acmeup chain "${ISSUE[@]}" -d "chain.$CONTOSO" -d "x.$CONTOSO" \
	--tsig-key "$TSIG_KEY" --state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output chain; fail "issue chain + x exited $RC"; }
sans=$(cert_dns_sans "$TMP/out/chain.$CONTOSO/cert.pem" | tr '\n' ' ')
[ "$sans" = "chain.$CONTOSO x.$CONTOSO " ] || fail "cert SANs '$sans'"
grep -q "CNAME step1.$CONTOSO CNAME chain.$CONTOSO.$ACME_ZONE (zone $ACME_ZONE)" "$TMP/chain.err" ||
	{ show_output chain; fail "the 2-link chain is not shown"; }
grep -q "_acme-challenge.x.$CONTOSO CNAME _acme-challenge.x.dn.$CONTOSO DNAME _acme-challenge.x.$ACME_ZONE (zone $ACME_ZONE)" "$TMP/chain.err" ||
	{ show_output chain; fail "the DNAME path is not shown"; }
n=$(grep -c "dns: $ACME_ZONE: UPDATE adding 2 TXT accepted" "$TMP/chain.err" || true)
[ "$n" = 1 ] || { show_output chain; fail "want one UPDATE adding both TXT to $ACME_ZONE, saw $n"; }
ok "2-link chain and DNAME followed; both TXT in one UPDATE to $ACME_ZONE"

# --- a name the key may not write, next to a delegated one ---------------------
# (wiki, which only dns-check uses too: the order fails before the CA is
# told, so no resolver ever sees the name.)
NAME=n$RANDOM$RANDOM.$CONTOSO
run_acmeup hint "${ISSUE[@]}" -d "wiki.$CONTOSO" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 1 ] || { show_output hint; fail "intranet + $NAME: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/hint.err")
case $last in
*"REFUSED from $PRIMARY for zone $CONTOSO: key acmeup-update may not update _acme-challenge.$NAME"*"_acme-challenge.wiki.$CONTOSO reaches the delegated zone $ACME_ZONE by CNAME: did you mean a CNAME for _acme-challenge.$NAME too?"*) ;;
*) show_output hint; fail "no hint at the delegated zone: $last" ;;
esac
if grep -q "dns: $ACME_ZONE: UPDATE adding 1 TXT accepted" "$TMP/hint.err"; then
	grep -q "dns: $ACME_ZONE: UPDATE deleting 1 TXT accepted" "$TMP/hint.err" ||
		{ show_output hint; fail "the record added in $ACME_ZONE was not removed"; }
fi
[ -z "$(zone_txt "$PRIMARY" "wiki.$CONTOSO.$ACME_ZONE")" ] || fail "TXT left at wiki.$CONTOSO.$ACME_ZONE"
ok "$last"

# --- a loop --------------------------------------------------------------------
run_acmeup loop "${ISSUE[@]}" -d "loop.$CONTOSO" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 1 ] || { show_output loop; fail "loop.$CONTOSO: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/loop.err")
case $last in
*"CNAME loop: _acme-challenge.loop.$CONTOSO CNAME loop1.$CONTOSO CNAME loop2.$CONTOSO CNAME loop1.$CONTOSO"*) ;;
*) show_output loop; fail "no clear loop error: $last" ;;
esac
grep -q "UPDATE" "$TMP/loop.err" && { show_output loop; fail "an UPDATE was sent for the loop"; }
ok "loop reported: $last"

assert_no_challenge_records
ok "no challenge records left in any zone"
