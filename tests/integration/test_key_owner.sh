#!/usr/bin/env bash
# key-owner, key-group, key-mode (issue 14 item 7): privkey.pem gets its
# owner, group and mode on the temp file, before the rename; --reuse-key
# accepts a key owned by the configured key-owner (the safe-file checks
# refuse any other foreign owner); a user that does not exist is a usage
# error naming file:line. Needs root (chown) and the users nobody and
# nogroup.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { ok "skipped: not root"; exit 0; }
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	{ ok "skipped: no user nobody or group nogroup"; exit 0; }
nobody_uid=$(id -u nobody)
nogroup_gid=$(getent group nogroup | cut -d: -f3)

CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	# TTL 1: the renewals below validate the same name at once (the wait
	# for the CA's cache is test_ca_cache's).
	cat <<EOF
ttl 1
key-mode 0640

cert svc {
    domains svc-$RUN_TAG.$ZONE
    key-owner nobody
    key-group nogroup
}
EOF
} >"$CONF"

run_acmeup issue issue -c "$CONF" --json svc
[ "$RC" = 0 ] || { show_output issue; fail "issue exited $RC"; }
key=$TMP/out/svc/privkey.pem
[ "$(stat -c '%u %g %a' "$key")" = "$nobody_uid $nogroup_gid 640" ] ||
	fail "privkey.pem is $(stat -c '%U(%u) %G(%g) %a' "$key"), not nobody nogroup 640"
[ "$(stat -c '%u %a' "$TMP/out/svc/cert.pem")" = "0 644" ] ||
	fail "cert.pem is $(stat -c '%u %a' "$TMP/out/svc/cert.pem"), not root 0644"
ok "issue: privkey.pem nobody:nogroup 0640, cert.pem root 0644"

key_before=$(sha256sum <"$key")
serial_before=$(openssl x509 -noout -serial -in "$TMP/out/svc/cert.pem")
run_acmeup renew renew -c "$CONF" --force --reuse-key svc
[ "$RC" = 0 ] || { show_output renew; fail "renew --force --reuse-key exited $RC"; }
[ "$(sha256sum <"$key")" = "$key_before" ] || fail "--reuse-key: the key changed"
[ "$(openssl x509 -noout -serial -in "$TMP/out/svc/cert.pem")" != "$serial_before" ] ||
	fail "renew --force: the certificate did not change"
[ "$(stat -c '%u %g %a' "$key")" = "$nobody_uid $nogroup_gid 640" ] ||
	fail "after renew privkey.pem is $(stat -c '%U %G %a' "$key")"
ok "renew --force --reuse-key: the key owned by key-owner is reused, same key, new certificate, same owner and mode"

# With another key-owner, the key owned by nobody is refused.
run_acmeup foreign renew -c "$CONF" --force --reuse-key --key-owner daemon svc
[ "$RC" = 2 ] || { show_output foreign; fail "a key owned by nobody with key-owner daemon: exit $RC, not 2"; }
[ "$(sha256sum <"$key")" = "$key_before" ] || fail "the refused run changed the key"
ok "a key owned by another user than key-owner is refused (exit 2)"

line=$(grep -n 'key-owner nobody' "$CONF" | cut -d: -f1)
sed -i "s/key-owner nobody/key-owner no-such-user-$RUN_TAG/" "$CONF"
run_acmeup bad renew -c "$CONF" --force svc
[ "$RC" = 2 ] || { show_output bad; fail "an unknown key-owner: exit $RC, not 2"; }
grep -q "$CONF:$line: key-owner: no user 'no-such-user-$RUN_TAG'" "$TMP/bad.err" ||
	{ show_output bad; fail "the error does not name $CONF:$line"; }
run_acmeup badcli issue -c "$CONF" --key-group "no-such-group-$RUN_TAG" -d "x-$RUN_TAG.$ZONE"
[ "$RC" = 2 ] || { show_output badcli; fail "an unknown --key-group: exit $RC, not 2"; }
run_acmeup badmode issue -c "$CONF" --key-mode 0666 -d "x-$RUN_TAG.$ZONE"
[ "$RC" = 2 ] || { show_output badmode; fail "--key-mode 0666: exit $RC, not 2"; }
ok "unknown user (naming file:line), unknown group, group-writable mode: usage errors (exit 2)"
