#!/usr/bin/env bash
# 50 names in one order, in two zones (46 in example.test on BIND, 4 in
# knot.test on Knot): exactly one UPDATE per zone carries all of the zone's
# additions (over TCP: 46 records do not fit 512 octets), as acmeup's -v
# output and the BIND primary's own log both show; one certificate with the
# 50 names; nothing left behind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${KNOT:-}" ] || fail "the lab has no Knot primary (old lab?)"
tag=b$RANDOM$RANDOM
args=()
for ((i = 1; i <= 46; i++)); do args+=(-d "$tag-$i.$ZONE"); done
for ((i = 47; i <= 50; i++)); do args+=(-d "$tag-$i.$KNOT_ZONE"); done

run_acmeup batch "${ISSUE[@]}" "${args[@]}" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output batch; fail "issue for 50 names exited $RC"; }
n=$(cert_dns_sans "$TMP/out/$tag-1.$ZONE/cert.pem" | grep -c "^$tag-")
[ "$n" = 50 ] || fail "the certificate has $n of the 50 names"
ok "one certificate with 50 names"

err=$TMP/batch.err
adds=$(grep -c "dns: $ZONE: UPDATE adding" "$err" || true)
[ "$adds" = 2 ] || { show_output batch; fail "$adds 'UPDATE adding' lines for $ZONE, want 2 (debug + accepted)"; }
grep -q "dns: $ZONE: UPDATE adding 46 TXT to $PRIMARY:53, key acmeup-update, [0-9]* octets (TCP)" "$err" ||
	{ show_output batch; fail "no single 46-record UPDATE over TCP to $ZONE"; }
grep -q "dns: $KNOT_ZONE: UPDATE adding 4 TXT to $KNOT:53" "$err" ||
	{ show_output batch; fail "no single 4-record UPDATE to $KNOT_ZONE"; }
n=$(grep -c "dns: $KNOT_ZONE: UPDATE adding" "$err" || true)
[ "$n" = 2 ] || fail "$n 'UPDATE adding' lines for $KNOT_ZONE, want 2"
ok "acmeup: one UPDATE per zone (46 TXT to $ZONE over TCP, 4 TXT to $KNOT_ZONE)"

# BIND logs each added RR with the client's address#port: one UPDATE
# message means one client port for all 46 of them.
log=$LAB_DIR/ns1/named.log
ports=$(grep "adding an RR at '_acme-challenge.$tag-" "$log" |
	sed -n 's/.*client @[^ ]* [0-9.]*#\([0-9]*\).*/\1/p' | sort -u)
rrs=$(grep -c "adding an RR at '_acme-challenge.$tag-" "$log" || true)
[ "$rrs" = 46 ] || fail "the BIND log shows $rrs added RRs, want 46"
[ "$(wc -l <<<"$ports")" = 1 ] || fail "the 46 RRs came from several clients/ports: $ports"
ok "BIND log: 46 RRs added by one message (client port $ports)"

timing() { grep "dns: $1: all" "$err" | sed 's/^\[ *\([0-9.]*\)s\] dns: /at \1 s: /'; }
ok "$(timing "$ZONE"); $(timing "$KNOT_ZONE")"

assert_no_challenge_records
ok "no challenge records left in any zone"
