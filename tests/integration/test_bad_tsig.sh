#!/usr/bin/env bash
# Issue with a TSIG key that has the right name but the wrong secret: the
# primary refuses the UPDATE (BADSIG, RFC 8945 5.2). acmeup must fail, say who
# rejected what, write no certificate and leave nothing in the zone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

OUT=$TMP/out
run_acmeup badkey "${ISSUE[@]}" -d "host3-$RUN_TAG.$ZONE" --tsig-key "$WRONG_KEY" \
	--state-dir "$TMP/state" --out "$OUT"
if [ "$RC" = 0 ]; then
	show_output badkey
	fail "acmeup succeeded with the wrong TSIG secret ($WRONG_KEY)"
fi
ok "exit $RC with the wrong TSIG secret"

err=$(cat "$TMP/badkey.err")
for word in rejected signature acmeup-update "$PRIMARY"; do
	if ! grep -qiF -- "$word" <<<"$err"; then
		show_output badkey
		fail "stderr does not mention '$word' (want: the server $PRIMARY rejected the signature of key acmeup-update)"
	fi
done
ok "stderr: $(grep -iF rejected <<<"$err" | head -n 1)"

certs=$(find "$OUT" -name '*.pem' 2>/dev/null || true)
[ -z "$certs" ] || fail "files written despite the failure: $certs"
ok "no certificate or key written"

assert_no_challenge_records
ok "no _acme-challenge records in the zone"
