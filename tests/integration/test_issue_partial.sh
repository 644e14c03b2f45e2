#!/usr/bin/env bash
# One batch, four certificates, two of them broken in different ways:
#   refused  its name is in contoso.test, where the key may not write: the
#            batch's UPDATE is refused, so each certificate's records are
#            published on their own and only this one fails;
#   unseen   the CA's resolver holds a cached NXDOMAIN for its challenge
#            name, so the CA's validation fails for it alone.
# The two good ones are issued; exit 4 (partial); --json names each
# outcome and error; nothing is left in any zone or journal.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

tag=p$RANDOM$RANDOM
CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	cat <<EOF

cert good1 {
    domains $tag-1.$ZONE *.$tag-1.$ZONE
}
cert refused {
    domains $tag-r.$CONTOSO
}
cert unseen {
    domains $tag-u.$ZONE
}
cert good2 {
    domains $tag-2.$KNOT_ZONE
}
EOF
} >"$CONF"

ans=$(dig +time=2 +tries=1 "@$RESOLVER" "_acme-challenge.$tag-u.$ZONE" TXT | grep -c NXDOMAIN || true)
[ "$ans" -ge 1 ] || fail "could not seed the resolver's negative cache for _acme-challenge.$tag-u.$ZONE"

run_acmeup partial issue -c "$CONF" --json good1 refused unseen good2
[ "$RC" = 4 ] || { show_output partial; fail "exit $RC, want 4 (partial)"; }
err=$TMP/partial.err
grep -q "warning: REFUSED .*contoso.test.*; publishing each certificate's records on its own" "$err" ||
	{ show_output partial; fail "no fallback to publishing each certificate on its own"; }
grep -q "refused: failed: REFUSED from $PRIMARY for zone $CONTOSO" "$err" ||
	{ show_output partial; fail "refused: no REFUSED failure"; }
grep -q "unseen: failed: validation of $tag-u.$ZONE failed" "$err" ||
	{ show_output partial; fail "unseen: no validation failure"; }
grep -q "issue: 2 issued, 0 renewed, 2 failed" "$err" || { show_output partial; fail "no summary"; }
[ "$(cert_dns_sans "$TMP/out/good1/cert.pem" | tr '\n' ' ')" = "*.$tag-1.$ZONE $tag-1.$ZONE " ] ||
	fail "good1's SANs"
[ "$(cert_dns_sans "$TMP/out/good2/cert.pem")" = "$tag-2.$KNOT_ZONE" ] || fail "good2's SANs"
for c in refused unseen; do
	[ ! -e "$TMP/out/$c/cert.pem" ] || fail "$c failed but its cert.pem was written"
done
ok "good1 and good2 issued; refused (UPDATE refused) and unseen (CA validation) failed alone; exit 4"

python3 - "$TMP/partial.out" <<'PY' || fail "--json: $(cat "$TMP/partial.out")"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in r["certificates"]}
assert c["good1"]["action"] == "issued" and not c["good1"].get("error"), c["good1"]
assert c["good2"]["action"] == "issued", c["good2"]
assert c["refused"]["action"] == "failed" and "REFUSED" in c["refused"]["error"], c["refused"]
assert c["unseen"]["action"] == "failed" and "validation of" in c["unseen"]["error"], c["unseen"]
assert r["summary"]["issued"] == 2 and r["summary"]["failed"] == 2, r["summary"]
# a failed first issue lists no files; an issued one its files and dates
assert c["refused"]["files"] is None and c["unseen"]["files"] is None, c["refused"]
assert c["good1"]["files"]["cert"].endswith("/good1/cert.pem"), c["good1"]
assert c["good1"]["not_before"] is not None, c["good1"]
PY
ok "--json: two issued, two failed with their reasons"

[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] || fail "journal files left"
assert_no_challenge_records
ok "no challenge records left in any zone"
