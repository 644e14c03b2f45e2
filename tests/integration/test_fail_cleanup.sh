#!/usr/bin/env bash
# The CA's validation fails after the records were published: the CA's
# resolver (unbound) holds a cached NXDOMAIN for the challenge name — the
# negative-caching trap acmeup itself avoids — so the CA cannot see the
# record that both authoritative servers serve. acmeup must fail with the
# CA's own words for the name, write nothing, and remove the records.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

NAME=host5-$RUN_TAG.$ZONE
ans=$(dig +time=2 +tries=1 "@$RESOLVER" "_acme-challenge.$NAME" TXT | grep -c NXDOMAIN || true)
[ "$ans" -ge 1 ] || fail "could not seed the resolver's negative cache for _acme-challenge.$NAME"

OUT=$TMP/out
run_acmeup fail "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$OUT"
if [ "$RC" = 0 ]; then
	show_output fail
	fail "acmeup succeeded although the CA could not see the record"
fi
[ "$RC" = 1 ] || fail "exit $RC, want 1"
last=$(tail -n 1 "$TMP/fail.err")
case $last in
*"validation of $NAME failed"*) ;;
*) show_output fail; fail "last line does not say validation of $NAME failed: $last" ;;
esac
ok "exit 1: $last"

grep -q 'removing the challenge records after the failure' "$TMP/fail.err" ||
	{ show_output fail; fail "no cleanup step reported"; }
certs=$(find "$OUT" -name '*.pem' 2>/dev/null || true)
[ -z "$certs" ] || fail "files written despite the failure: $certs"
ok "no certificate written"

assert_no_challenge_records
ok "no _acme-challenge records in the zone after the failed order"
