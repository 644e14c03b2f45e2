#!/usr/bin/env bash
# The CA's resolver gets SERVFAIL (issue 16): servfail.test is served by
# ns1 (acmeup's view: --resolver ns1), but the lab's unbound, which pebble
# asks, is pointed at a server that refuses the zone, as behind a broken
# DNSSEC chain or a view that hides the zone from the CA. acmeup's proof
# passes, the CA's validation fails with pebble's raw rcode byte; acmeup
# must say that the CA's resolver got SERVFAIL (the hint is the feature:
# not "a cached older answer"), exit 1 with the failure in --json, and
# leave nothing in the zone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${SERVFAIL_ZONE:-}" ] || fail "the lab has no servfail.test (old lab? tests/lab/lab start)"
out=$(dig +time=3 +tries=1 "@$RESOLVER" "$SERVFAIL_ZONE" SOA | grep -o 'status: [A-Z]*')
[ "$out" = "status: SERVFAIL" ] || fail "the lab's resolver answers $SERVFAIL_ZONE with '$out'"

NAME=$RUN_TAG.$SERVFAIL_ZONE
run_acmeup servfail issue --server "$ACME_DIR" --ca-bundle "$ACME_CA_BUNDLE" \
	--resolver "$PRIMARY" --agree-tos -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --json
[ "$RC" = 1 ] || { show_output servfail; fail "issue exited $RC, want 1"; }
python3 - "$TMP/servfail.out" "$NAME" <<'PY' || { show_output servfail; fail "--json does not carry the SERVFAIL hint"; }
import json, sys
r = json.load(open(sys.argv[1]))
c = r["certificates"][0]
assert c["name"] == sys.argv[2] and c["action"] == "failed", c
assert "the CA's resolver got SERVFAIL" in c["error"], c["error"]
assert "cached older answer" not in c["error"], c["error"]
PY
[ ! -e "$TMP/out/$NAME/cert.pem" ] || fail "a certificate was stored"
grep -q "acme: challenges answered" "$TMP/servfail.err" || fail "the CA was never asked (acmeup's own proof failed?)"
ok "validation failed with the SERVFAIL hint: $(grep -o "the CA's resolver got SERVFAIL[^)]*" "$TMP/servfail.err" | head -n 1 | cut -c1-90)..."
assert_no_challenge_records
ok "nothing left in the zones"
