#!/usr/bin/env bash
# A hidden primary (issue 4): hidden.test's SOA MNAME primary.hidden.test is
# ns1 (127.53.0.10), which takes the UPDATEs but is in no NS set (NS:
# ns2.example.test 127.53.0.11, ns6.hidden.test 127.53.0.14). acmeup must
# send the UPDATE there, poll it as well as both name servers, name it in
# its progress, and tell the CA only after all three answer. ns1's query log
# shows acmeup's TXT queries. dns-check lists the three servers.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${HIDDEN_ZONE:-}" ] || fail "the lab has no hidden.test (old lab? tests/lab/lab start)"
# The lab's shape, so that a failure below is acmeup's.
ns=$(dig +time=2 +tries=1 +norec +short "@$PRIMARY" "$HIDDEN_ZONE" NS | sort | tr '\n' ' ')
[ "$ns" = "ns2.$ZONE. ns6.$HIDDEN_ZONE. " ] || fail "NS of $HIDDEN_ZONE is '$ns'"

# --- issue -----------------------------------------------------------------------
NAME=n$RANDOM$RANDOM.$HIDDEN_ZONE
run_acmeup hidden "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" -v
[ "$RC" = 0 ] || { show_output hidden; fail "issue $NAME exited $RC"; }
[ -s "$TMP/out/$NAME/fullchain.pem" ] || fail "no certificate for $NAME"
err=$TMP/hidden.err
for want in "$HIDDEN_ZONE: primary $PRIMARY:53 (SOA MNAME $HIDDEN_PRIMARY)" \
	"dns: $HIDDEN_ZONE: UPDATE adding 1 TXT accepted by $PRIMARY" \
	"dns: $HIDDEN_ZONE: waiting for 3 authoritative servers" \
	"dns: $HIDDEN_ZONE: $PRIMARY answers, serial" \
	"dns: $HIDDEN_ZONE: $SECONDARY answers, serial" \
	"dns: $HIDDEN_ZONE: $NS6 answers, serial" \
	"dns: $HIDDEN_ZONE: all 3 servers answer"; do
	grep -qF -- "$want" "$err" || { show_output hidden; fail "progress lacks '$want'"; }
done
all=$(grep -n "dns: $HIDDEN_ZONE: all 3 servers answer" "$err" | head -n 1 | cut -d: -f1)
ca=$(grep -n "acme: challenges answered" "$err" | head -n 1 | cut -d: -f1)
if [ -z "$ca" ] || [ "$all" -gt "$ca" ]; then
	show_output hidden
	fail "the challenge was answered before all 3 servers served the record"
fi
ok "issued $NAME: UPDATE to the hidden primary $PRIMARY ($HIDDEN_PRIMARY), waited for it and both NS:"
grep "dns: $HIDDEN_ZONE: .* answers" "$err" | sed 's/^/    /'
# The hidden primary was asked for the TXT (it is in no NS set: only a
# client that polls the update target asks it).
grep -iF "query: _acme-challenge.$NAME IN TXT" "$PRIMARY_QUERYLOG" | grep -qF "($PRIMARY)" ||
	fail "ns1's query log ($PRIMARY_QUERYLOG) has no TXT query for _acme-challenge.$NAME"
ok "ns1's query log has acmeup's TXT queries for _acme-challenge.$NAME"

# --- dns-check: the three servers, the primary named ------------------------------
NAME=n$RANDOM$RANDOM.$HIDDEN_ZONE
run_acmeup check dns-check "$NAME" --resolver "$RESOLVER" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state"
[ "$RC" = 0 ] || { show_output check; fail "dns-check $NAME exited $RC"; }
out=$TMP/check.out
grep -q "primary   $PRIMARY (SOA MNAME $HIDDEN_PRIMARY)" "$out" ||
	{ show_output check; fail "dns-check does not name the primary $PRIMARY ($HIDDEN_PRIMARY)"; }
servers=$(sed -n 's/^  servers   //p' "$out" | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$servers" = "$PRIMARY $SECONDARY $NS6 " ] || { show_output check; fail "servers: '$servers'"; }
for s in "$PRIMARY" "$SECONDARY" "$NS6"; do
	grep -q "arrival   $s  *[0-9]* ms after the UPDATE" "$out" ||
		{ show_output check; fail "no arrival time for $s"; }
done
ok "dns-check $NAME:"
sed 's/^/    /' "$out"

assert_no_challenge_records
ok "no challenge records left in any zone"
