#!/usr/bin/env bash
# acmeup list over the cert blocks of a configuration file, with real
# certificates from the lab's pebble (issued with `acmeup issue CERT...`
# from the same file, --json checked too): the table and the --json list
# agree with the certificates on disk (SANs, notAfter from openssl), the
# renewal time follows renew-before or the default rule, a missing
# certificate and one inside its renew-before are due, changed names are
# flagged. list contacts nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

R=$RANDOM$RANDOM
A=la$R.$ZONE
B=lb$R.$ZONE
D=ld$R.$ZONE
CONF=$TMP/acmeup.conf
OUT=$TMP/out

write_conf() { # extra names for cert a
	{
		lab_conf "$TMP/state" "$OUT"
		cat <<EOF

zone $ZONE {
    server $PRIMARY
}
cert a$R {
    domains $A $*
}
cert b$R {
    domains $B *.$B
    key-type p384
}
cert c$R {
    domains lc$R.$ZONE
}
cert d$R {
    domains $D
    renew-before 3650d
}
EOF
	} >"$CONF"
}
write_conf

run_acmeup issue issue -c "$CONF" "a$R" "b$R" "d$R" --json
if [ "$RC" != 0 ]; then
	show_output issue
	fail "acmeup issue -c FILE a b d exited $RC"
fi
python3 - "$TMP/issue.out" "$R" <<'EOF' || fail "issue --json: $(cat "$TMP/issue.out")"
import json, sys
r = json.load(open(sys.argv[1])); R = sys.argv[2]
assert r["command"] == "issue", r
names = [c["name"] for c in r["certificates"]]
assert names == ["a" + R, "b" + R, "d" + R], names
for c in r["certificates"]:
    assert c["action"] == "issued", c
    assert c["error"] is None, c
    assert c["expiry"].endswith("Z"), c
    assert c["files"]["fullchain"] == c["files"]["dir"] + "/fullchain.pem"
    assert c["not_before"] is not None and c["not_before"] < c["expiry"], c
assert r["summary"] == {"issued": 3, "renewed": 0, "skipped": 0, "failed": 0}, r["summary"]
EOF
ok "issue -c FILE CERT... --json: three certificates issued, summary counts"
left=$(challenge_records "$PRIMARY" "$ZONE" | grep -F "$R" || true)
[ -z "$left" ] || fail "challenge records left: $left"

# --- list --json against the files -------------------------------------------
run_acmeup list-json list -c "$CONF" --json
[ "$RC" = 0 ] || { show_output list-json; fail "list --json exited $RC"; }
for c in a b d; do
	openssl x509 -noout -enddate -startdate -in "$OUT/$c$R/cert.pem" >"$TMP/$c.dates" ||
		fail "cannot read $OUT/$c$R/cert.pem"
	cert_dns_sans "$OUT/$c$R/cert.pem" >"$TMP/$c.sans"
done
python3 - "$TMP/list-json.out" "$R" "$TMP" "$OUT" <<'EOF' || fail "list --json: $(cat "$TMP/list-json.out")"
import json, sys, datetime
r = json.load(open(sys.argv[1])); R, tmp, out = sys.argv[2:5]
assert r["command"] == "list", r
certs = {c["name"]: c for c in r["certificates"]}
assert list(certs) == ["a" + R, "b" + R, "c" + R, "d" + R], list(certs)

def rfc3339(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)

def openssl_dates(c):
    d = {}
    for line in open(f"{tmp}/{c}.dates"):
        k, v = line.strip().split("=", 1)
        d[k] = datetime.datetime.strptime(v, "%b %d %H:%M:%S %Y GMT").replace(
            tzinfo=datetime.timezone.utc)
    return d["notBefore"], d["notAfter"]

now = datetime.datetime.now(datetime.timezone.utc)
for c in "abd":
    e = certs[c + R]
    assert "action" not in e, e
    assert e["present"] is True and e["error"] is None, e
    nb, na = openssl_dates(c)
    assert rfc3339(e["expiry"]) == na, (e["expiry"], na)
    assert rfc3339(e["not_before"]) == nb, (e["not_before"], nb)
    sans = sorted(open(f"{tmp}/{c}.sans").read().split())
    assert sorted(e["cert_names"]) == sans == sorted(e["domains"]), (e, sans)
    assert e["files"]["cert"] == f"{out}/{c}{R}/cert.pem", e["files"]
    life = na - nb
    before = datetime.timedelta(days=3650) if c == "d" else (
        life / 3 if life < datetime.timedelta(days=90) else datetime.timedelta(days=30))
    want = na - before
    got = rfc3339(e["next_renewal"])
    assert abs((got - want).total_seconds()) <= 1, (c, got, want)
    assert e["due"] is (got <= now), e
assert certs["a" + R]["due"] is False and certs["b" + R]["due"] is False
assert certs["d" + R]["due"] is True and certs["d" + R]["why"] == "close to expiry", certs["d" + R]
m = certs["c" + R]
assert m["present"] is False and m["due"] is True and m["expiry"] is None, m
assert m["next_renewal"] is None and m["why"] == "no certificate yet", m
assert "cert_names" not in m, m
assert r["summary"] == {"issued": 0, "renewed": 0, "skipped": 0, "failed": 0}
EOF
ok "list --json: names, SANs, notBefore/notAfter as openssl reads them, renewal by the rule, due flags"

# --- the table ----------------------------------------------------------------
run_acmeup list list -c "$CONF"
[ "$RC" = 0 ] || { show_output list; fail "list exited $RC"; }
row() { grep -E "^$1 " "$TMP/list.out" || fail "no row for $1 in: $(cat "$TMP/list.out")"; }
head -n1 "$TMP/list.out" | grep -qE '^NAME +EXPIRES +RENEWAL +STATUS +DOMAINS$' ||
	fail "table header: $(head -n1 "$TMP/list.out")"
exp_a=$(date -u -d "$(sed -n 's/^notAfter=//p' "$TMP/a.dates")" '+%Y-%m-%d %H:%MZ')
row "a$R" | grep -qF "$exp_a" || fail "row a: $(row "a$R"), want expiry $exp_a"
row "a$R" | grep -qE " ok +$A\$" || fail "row a: $(row "a$R")"
row "b$R" | grep -qE " ok +$B \*\.$B\$" || fail "row b: $(row "b$R")"
row "c$R" | grep -qE "^c$R +- +now +missing +lc$R\.$ZONE\$" || fail "row c: $(row "c$R")"
row "d$R" | grep -qE " now +due +$D\$" || fail "row d: $(row "d$R")"
[ "$(wc -l <"$TMP/list.out")" = 5 ] || fail "table has $(wc -l <"$TMP/list.out") lines, want 5"
ok "table: ok, ok, missing, due; expiry as openssl reads it"

# Named certificates only; changed names flagged.
write_conf "x$R.$ZONE"
run_acmeup list-a list -c "$CONF" "a$R" "B$R"
[ "$RC" = 0 ] || { show_output list-a; fail "list a b exited $RC"; }
[ "$(wc -l <"$TMP/list-a.out")" = 3 ] || fail "list a b: $(cat "$TMP/list-a.out")"
grep -qE "^a$R .* now +names-changed +$A x$R\.$ZONE\$" "$TMP/list-a.out" ||
	fail "changed names not flagged as due now (renew renews it): $(cat "$TMP/list-a.out")"
ok "list CERT...: only those; a cert whose names changed is flagged, due now"

# -d without a file's cert blocks: the ad-hoc certificate under --out.
run_acmeup list-d list -c "$CONF" -d "$B" -d "*.$B" --cert-name "b$R" --json
[ "$RC" = 0 ] || { show_output list-d; fail "list -d exited $RC"; }
python3 - "$TMP/list-d.out" "$R" <<'EOF' || fail "list -d --json: $(cat "$TMP/list-d.out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert [c["name"] for c in r["certificates"]] == ["b" + sys.argv[2]], r
assert r["certificates"][0]["present"] is True, r
EOF
ok "list -d NAME --cert-name N: the one ad-hoc certificate"

# An unreadable cert.pem is reported, not fatal.
echo garbage >"$OUT/a$R/cert.pem"
run_acmeup list-broken list -c "$CONF" "a$R" --json
[ "$RC" = 0 ] || { show_output list-broken; fail "list with a broken cert.pem exited $RC"; }
python3 - "$TMP/list-broken.out" <<'EOF' || fail "list broken: $(cat "$TMP/list-broken.out")"
import json, sys
c = json.load(open(sys.argv[1]))["certificates"][0]
assert c["present"] is False and c["due"] is True and "certificate" in c["error"], c
EOF
ok "a broken cert.pem: present false, due, error text"
