#!/usr/bin/env bash
# Certificates issued with -d are remembered (issue 14 item 2): the store
# writes STATE/certs/NAME.rec; list and renew without -d and without cert
# blocks use it; a cert block of the same name wins; a hostile record (a
# symbolic link, garbage) is ignored with a warning.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

CONF=$TMP/acmeup.conf
# TTL 1: the renewals below validate the same names at once (the wait
# for the CA's cache is test_ca_cache's).
{ lab_conf "$TMP/state" "$TMP/out"; echo "ttl 1"; } >"$CONF"
name=rem-$RUN_TAG.$ZONE

# As root, also the key's owner, group and mode (issue 14 item 7).
perms=()
want_perms=
if [ "$(id -u)" = 0 ] && getent group nogroup >/dev/null; then
	perms=(--key-owner nobody --key-group nogroup --key-mode 0640)
	want_perms="$(id -u nobody) $(getent group nogroup | cut -d: -f3) 640"
fi
run_acmeup issue issue -c "$CONF" -d "$name" -d "www.$name" --key-type p384 "${perms[@]}"
[ "$RC" = 0 ] || { show_output issue; fail "issue -d exited $RC"; }
rec=$TMP/state/certs/$name.rec
[ -f "$rec" ] && [ ! -L "$rec" ] || fail "no record $rec"
[ "$(stat -c %a "$rec")" = 600 ] || fail "record mode $(stat -c %a "$rec")"

json_of() {
	python3 - "$TMP/$1.out" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {}, {"r": r}))
PY
}

run_acmeup list list -c "$CONF" --json
[ "$RC" = 0 ] || { show_output list; fail "list exited $RC"; }
[ "$(json_of list 'len(r["certificates"])')" = 1 ] || { show_output list; fail "list: not one certificate"; }
[ "$(json_of list 'r["certificates"][0]["name"]')" = "$name" ] || { show_output list; fail "list: not $name"; }
[ "$(json_of list 'sorted(r["certificates"][0]["domains"])')" = "['$name', 'www.$name']" ] ||
	{ show_output list; fail "list: wrong names"; }
ok "issue -d: $rec written (0600); list --json shows it with its names"

serial_before=$(openssl x509 -noout -serial -in "$TMP/out/$name/cert.pem")
key_before=$(sha256sum <"$TMP/out/$name/privkey.pem")
run_acmeup renew renew -c "$CONF" --force --reuse-key --json
[ "$RC" = 0 ] || { show_output renew; fail "renew --force exited $RC"; }
[ "$(json_of renew 'r["certificates"][0]["action"]')" = renewed ] || { show_output renew; fail "renew: not renewed"; }
[ "$(openssl x509 -noout -serial -in "$TMP/out/$name/cert.pem")" != "$serial_before" ] ||
	fail "renew --force: the serial did not change"
openssl x509 -noout -text -in "$TMP/out/$name/cert.pem" | grep -q "NIST CURVE: P-384" ||
	fail "renew: the remembered key type p384 was not used"
[ "$(sha256sum <"$TMP/out/$name/privkey.pem")" = "$key_before" ] || fail "--reuse-key: the key changed"
if [ -n "$want_perms" ]; then
	[ "$(stat -c '%u %g %a' "$TMP/out/$name/privkey.pem")" = "$want_perms" ] ||
		fail "renew: privkey.pem is $(stat -c '%u %g %a' "$TMP/out/$name/privkey.pem"), not $want_perms"
fi
ok "renew --force --reuse-key without -d renewed it (new serial, same key, key type p384${want_perms:+, key owner/group/mode} kept)"

# A cert block of the same name wins: its out directory is used.
{ cat "$CONF"; printf 'cert %s {\n    domains %s\n    out %s\n}\n' "$name" "$name" "$TMP/blockout"; } >"$CONF.2"
chmod 600 "$CONF.2"
run_acmeup list2 list -c "$CONF.2" --json
[ "$(json_of list2 'len(r["certificates"])')" = 1 ] || { show_output list2; fail "block + record: not one certificate"; }
[ "$(json_of list2 'r["certificates"][0]["domains"]')" = "['$name']" ] ||
	{ show_output list2; fail "the cert block did not win"; }
ok "a cert block of the same name wins over the record"

# Hostile records: a symbolic link and garbage are ignored with a warning.
ln -s "$rec" "$TMP/state/certs/link.rec"
printf 'name x\nfoo bar\n' >"$TMP/state/certs/x.rec"
chmod 600 "$TMP/state/certs/x.rec"
run_acmeup list3 list -c "$CONF" --json
[ "$RC" = 0 ] || { show_output list3; fail "list with hostile records exited $RC"; }
[ "$(json_of list3 'len(r["certificates"])')" = 1 ] || { show_output list3; fail "hostile records were listed"; }
grep -q "link.rec is a symbolic link" "$TMP/list3.err" || { show_output list3; fail "no warning for the link"; }
grep -q "x.rec: not a certificate record" "$TMP/list3.err" || { show_output list3; fail "no warning for garbage"; }
ok "a symbolic link and a garbage record are ignored with a warning"

# revoke NAME (issue 14 items 2 and 8): the remembered certificate's
# cert.pem is revoked at the CA and noted; list says revoked; renew, though
# it is not due by date, renews it; the new one is not revoked.
rm -f "$TMP/state/certs/link.rec" "$TMP/state/certs/x.rec"
serial_revoked=$(openssl x509 -noout -serial -in "$TMP/out/$name/cert.pem")
run_acmeup revoke revoke "$name" -c "$CONF"
[ "$RC" = 0 ] || { show_output revoke; fail "revoke $name exited $RC"; }
[ -f "$TMP/state/certs/$name.revoked" ] || fail "revoke: no note $TMP/state/certs/$name.revoked"
run_acmeup list5 list -c "$CONF" --json
[ "$(json_of list5 'r["certificates"][0]["revoked"]')" = True ] || { show_output list5; fail "list --json: not revoked"; }
[ "$(json_of list5 'r["certificates"][0]["due"]')" = True ] || { show_output list5; fail "list --json: a revoked certificate is not due"; }
run_acmeup list6 list -c "$CONF"
grep -q "revoked" "$TMP/list6.out" || { show_output list6; fail "list: the status is not revoked"; }
run_acmeup renew2 renew -c "$CONF" --json
[ "$RC" = 0 ] || { show_output renew2; fail "renew after revoke exited $RC"; }
[ "$(json_of renew2 'r["certificates"][0]["action"]')" = renewed ] || { show_output renew2; fail "renew: the revoked certificate was not renewed"; }
[ "$(openssl x509 -noout -serial -in "$TMP/out/$name/cert.pem")" != "$serial_revoked" ] || fail "renew: same serial"
run_acmeup list7 list -c "$CONF" --json
[ "$(json_of list7 'r["certificates"][0]["revoked"]')" = False ] || { show_output list7; fail "list: the new certificate counted as revoked"; }
ok "revoke $name: noted; list says revoked (due); renew replaced it; the new one is not revoked"

# forget NAME: the record goes, the files under --out stay; list and renew
# no longer take it; an unknown name is a usage error naming it.
before=$(sha256sum "$TMP/out/$name/cert.pem" "$TMP/out/$name/privkey.pem")
run_acmeup forget forget "$name" -c "$CONF"
[ "$RC" = 0 ] || { show_output forget; fail "forget exited $RC"; }
[ ! -e "$rec" ] || fail "forget: $rec is still there"
[ "$(sha256sum "$TMP/out/$name/cert.pem" "$TMP/out/$name/privkey.pem")" = "$before" ] ||
	fail "forget touched the files under --out"
run_acmeup list4 list -c "$CONF" --json
[ "$RC" = 0 ] || { show_output list4; fail "list after forget exited $RC"; }
[ "$(json_of list4 'len(r["certificates"])')" = 0 ] || { show_output list4; fail "list still shows $name"; }
run_acmeup forget2 forget "$name" -c "$CONF"
[ "$RC" = 2 ] || { show_output forget2; fail "forget of an unknown name exited $RC, want 2"; }
grep -q "forget: no remembered certificate $name" "$TMP/forget2.err" || { show_output forget2; fail "forget2: the name not said"; }
ok "forget $name: the record gone, the files under --out unchanged, list empty; again: exit 2 naming it"
