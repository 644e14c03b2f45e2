#!/usr/bin/env bash
# acmeup config-check: a good file with the lab's real key files (BIND and
# Knot formats, several keys in one file) passes without contacting
# anything (its CA address answers nothing); each broken file exits 2 with
# FILE:LINE: SETTING: what. A configuration error stops other commands with
# exit 2 too. No CA needed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

CONF=$TMP/acmeup.conf
SHA512_KEY=$KEYS_DIR/hmac-sha512.key
KNOT_KEY=$KEYS_DIR/hmac-sha256.knot.yaml
cat "$TSIG_KEY" "$SHA512_KEY" >"$TMP/two.key"
chmod 600 "$TMP/two.key"
sha512_name=$(sed -n 's/^key "\([^"]*\)".*/\1/p' "$SHA512_KEY")
[ -n "$sha512_name" ] || fail "no key name in $SHA512_KEY"

# A file that needs nothing but itself: CA and resolver addresses that
# nothing answers on (config-check must not try them).
good() {
	cat <<EOF
# global settings
server https://127.53.0.250:1/dir
resolver 127.53.0.250
ca-bundle $ACME_CA_BUNDLE
tsig-key $TSIG_KEY
state-dir $TMP/state
out $TMP/out
renew-before 20d
email pki@example.test

zone acme-challenges.contoso.test {
    server 127.53.0.10:53
    tsig-key $TMP/two.key
    tsig-key-name $sha512_name
}
zone knot.test {
    tsig-key $KNOT_KEY
    skip-server 127.53.0.11
}
zone intranet.contoso.test {
    alias-to intranet.contoso.test.acme-challenges.contoso.test
}
cert web {
    domains web.example.test *.web.example.test
    key-type rsa2048
    deploy-hook "systemctl reload nginx"
}
cert other {
    domains other.example.test
    out $TMP/out2/deeper
}
EOF
}

good >"$CONF"
run_acmeup good config-check -c "$CONF"
if [ "$RC" != 0 ]; then
	show_output good
	fail "config-check of a good file exited $RC"
fi
[ "$(cat "$TMP/good.out")" = "ok: 2 certificates, 3 zones" ] ||
	fail "config-check printed '$(cat "$TMP/good.out")', want 'ok: 2 certificates, 3 zones'"
if [ -e "$TMP/state" ] || [ -e "$TMP/out2" ]; then
	fail "config-check created directories"
fi
ok "a good file with BIND, Knot and two-key files: 'ok: 2 certificates, 3 zones', exit 0"

# bad NAME SED-EXPR WANT...: the good file edited by SED-EXPR (or, with
# SED-EXPR "-", the file as it is in $CONF) must exit 2 with every WANT
# in the error line.
bad() {
	local name=$1 expr=$2 want
	shift 2
	if [ "$expr" != - ]; then
		good | sed -e "$expr" >"$CONF"
	fi
	run_acmeup "$name" config-check -c "$CONF"
	if [ "$RC" != 2 ]; then
		show_output "$name"
		fail "$name: config-check exited $RC, want 2"
	fi
	[ ! -s "$TMP/$name.out" ] || fail "$name: printed on stdout: $(cat "$TMP/$name.out")"
	for want in "$@"; do
		grep -qF -- "$want" "$TMP/$name.err" || {
			show_output "$name"
			fail "$name: no '$want' in the error"
		}
	done
	ok "$name: exit 2, $(grep -m1 'acmeup' "$TMP/$name.err")"
}

line_of() { grep -n -- "$1" <(good) | head -n1 | cut -d: -f1; }

l=$(line_of "tsig-key $TMP/two.key")
bad missing-key "s|tsig-key $TMP/two.key|tsig-key $TMP/nonexistent.key|" \
	"$CONF:$l: tsig-key: " "$TMP/nonexistent.key"

printf 'key "broken" {\n\talgorithm hmac-sha256;\n\tsecret "not base64!";\n};\n' >"$TMP/broken.key"
chmod 600 "$TMP/broken.key"
l=$(line_of "tsig-key $KNOT_KEY")
bad broken-key "s|tsig-key $KNOT_KEY|tsig-key $TMP/broken.key|" \
	"$CONF:$l: tsig-key: " "broken.key"

l=$(line_of "tsig-key-name $sha512_name")
bad wrong-key-name "s|tsig-key-name $sha512_name|tsig-key-name no-such-key|" \
	"$CONF:$l: tsig-key-name: " "no-such-key"

l=$(line_of "tsig-key $TSIG_KEY")
bad global-key "s|^tsig-key $TSIG_KEY|tsig-key $TMP/two.key|" \
	"$CONF:$l: tsig-key: " "two.key"

l=$(line_of "key-type rsa2048")
bad key-type "s|key-type rsa2048|key-type rsa1024|" "$CONF:$l: key-type: "

l=$(line_of "renew-before 20d")
bad typo "s|renew-before 20d|renew-befor 20d|" \
	"$CONF:$l: unknown setting 'renew-befor' (did you mean 'renew-before'?)"

l=$(line_of "cert other {")
bad same-cert "s|cert other {|cert WEB {|" "$CONF:$l: cert WEB is defined twice"

l=$(line_of "domains other.example.test")
bad bad-domain "s|domains other.example.test|domains other_example.test|" \
	"$CONF:$l: domains: 'other_example.test' is not a DNS name"

bad twice-domain "s|domains other.example.test|domains other.example.test Other.example.test.|" \
	"$CONF:$l: domains: other.example.test is listed twice"

: >"$TMP/afile"
l=$(line_of "out $TMP/out2/deeper")
bad out-dir "s|out $TMP/out2/deeper|out $TMP/afile/sub|" \
	"$CONF:$l: out: " "$TMP/afile is not a directory"

l=$(line_of "state-dir $TMP/state")
bad state-dir "s|state-dir $TMP/state|state-dir $TMP/afile|" \
	"$CONF:$l: state-dir: " "$TMP/afile is not a directory"

l=$(line_of "ca-bundle")
bad ca-bundle "s|ca-bundle $ACME_CA_BUNDLE|ca-bundle $TMP/no-ca.pem|" \
	"$CONF:$l: ca-bundle: $TMP/no-ca.pem: No such file or directory"

l=$(line_of "zone knot.test {")
bad empty-zone "/tsig-key $(printf '%s' "$KNOT_KEY" | sed 's|/|\\/|g')/d; /skip-server 127.53.0.11/d" \
	"$CONF:$l: zone knot.test has no settings"

l=$(line_of "skip-server 127.53.0.11")
bad skip-server "s|skip-server 127.53.0.11|skip-server ns2.example.test|" \
	"$CONF:$l: skip-server: zone knot.test: skip-server \"ns2.example.test\" is not an address"

l=$(line_of "server 127.53.0.10:53")
bad zone-server "s|server 127.53.0.10:53|server 127.53.0.10:99999|" \
	"$CONF:$l: server: zone acme-challenges.contoso.test: server \"127.53.0.10:99999\" is not HOST[:PORT]"

l=$(line_of "^resolver")
bad resolver "s|^resolver 127.53.0.250|resolver dns.example.test|" "$CONF:$l: resolver: "

l=$(line_of "alias-to")
bad alias "s|alias-to intranet.contoso.test.acme-challenges.contoso.test|alias-to bad..name|" \
	"$CONF:$l: alias-to: " '"bad..name": both must be DNS names'

l=$(line_of "zone knot.test {")
bad zone-name "s|zone knot.test {|zone knot..test {|" "$CONF:$l: zone: " '"knot..test" is not a DNS name'

l=$(line_of "zone intranet.contoso.test {")
bad underscore "s|zone intranet.contoso.test {|zone _acme-challenge.intranet.contoso.test {|; s|alias-to intranet.contoso.test.acme-challenges.contoso.test|alias-to nope..test|" \
	"$CONF:$((l + 1)): alias-to: " "_acme-challenge.intranet.contoso.test"

l=$(line_of "zone acme-challenges.contoso.test {")
bad zone-ttl "s|server 127.53.0.10:53|ttl 60|" \
	"$CONF:$((l + 1)): ttl does not belong in a zone block"

# The file named with -c must exist; the default may be missing.
run_acmeup missing-file config-check -c "$TMP/nope.conf"
[ "$RC" = 2 ] || fail "config-check -c of a missing file exited $RC, want 2"
grep -qF "$TMP/nope.conf" "$TMP/missing-file.err" || fail "the error does not name $TMP/nope.conf"
ok "a missing -c file: exit 2, named"
if [ ! -e /etc/acmeup/acmeup.conf ]; then
	run_acmeup no-default config-check
	[ "$RC" = 2 ] || fail "config-check without a file exited $RC, want 2"
	grep -qF "/etc/acmeup/acmeup.conf does not exist" "$TMP/no-default.err" ||
		fail "config-check without a file: $(cat "$TMP/no-default.err")"
	run_acmeup no-default-list list -d x.example.test --out "$TMP/o"
	[ "$RC" = 0 ] || fail "list without the default file exited $RC, want 0"
	ok "no default file: config-check says so (exit 2); other commands run (exit 0)"
fi

# Other commands stop at a configuration error with exit 2.
good | sed -e 's|key-type rsa2048|key-type rsa1024|' >"$CONF"
run_acmeup list-bad list -c "$CONF"
[ "$RC" = 2 ] || fail "list with a bad cert block exited $RC, want 2"
good | sed -e 's|^renew-before 20d|jobs 0|' >"$CONF"
run_acmeup issue-bad issue -c "$CONF" -d x.example.test
[ "$RC" = 2 ] || fail "issue with a bad global setting exited $RC, want 2"
grep -qF "$CONF:" "$TMP/issue-bad.err" || fail "issue's error does not name $CONF: $(cat "$TMP/issue-bad.err")"
good >"$CONF"
run_acmeup unknown-cert list -c "$CONF" nosuch
[ "$RC" = 2 ] || fail "list of an unknown certificate exited $RC, want 2"
grep -qF "$CONF: no certificate 'nosuch'" "$TMP/unknown-cert.err" ||
	fail "unknown certificate: $(cat "$TMP/unknown-cert.err")"
ok "list/issue stop at configuration errors with exit 2"

# Every problem at once (issue 14 item 3). Settings: three broken lines,
# each said with its line, then the count; exit 2.
good | sed -e 's|^renew-before 20d|renew-before soon|' -e 's|^email pki@example.test|emial pki@example.test|' >"$CONF"
printf 'ttl many\n' >>"$CONF"
run_acmeup three config-check -c "$CONF"
[ "$RC" = 2 ] || { show_output three; fail "three broken settings: exit $RC, want 2"; }
for want in "renew-before: 'soon' is not a duration" "unknown setting 'emial'" "ttl: 'many' is not" "$CONF: 3 problems"; do
	grep -qF "$want" "$TMP/three.err" || { show_output three; fail "three broken settings: no '$want'"; }
done
[ "$(grep -c "^acmeup: .*$CONF:[0-9]*: " "$TMP/three.err")" = 3 ] ||
	{ show_output three; fail "not one FILE:LINE line per problem"; }
ok "three broken settings: each said with its line, then '3 problems'; exit 2"

# What the cert blocks need: a CA and a key; and a directory that cannot
# be made. All said in one run.
printf 'state-dir %s/file/state\ncert c {\n    domains x.example.test\n}\n' "$TMP" >"$CONF"
touch "$TMP/file"
run_acmeup needs config-check -c "$CONF"
[ "$RC" = 2 ] || { show_output needs; fail "no server, no key, bad state-dir: exit $RC, want 2"; }
for want in "server: not set" "no TSIG key anywhere" "state-dir" "$CONF: 3 problems"; do
	grep -qF "$want" "$TMP/needs.err" || { show_output needs; fail "no server/key/dir: no '$want'"; }
done
[ -z "$(cat "$TMP/needs.out")" ] || fail "a failed check printed on stdout: $(cat "$TMP/needs.out")"
ok "cert blocks without server and key, state-dir under a file: all three said in one run; exit 2"

# Without cert blocks the file may serve dns-check alone: notes, exit 0.
printf 'resolver 127.53.0.250\nstate-dir %s/state\n' "$TMP" >"$CONF"
run_acmeup dnsonly config-check -c "$CONF"
[ "$RC" = 0 ] || { show_output dnsonly; fail "a dns-check-only file: exit $RC, want 0"; }
for want in "^note: no server" "^note: no tsig-key" "^ok: 0 certificates"; do
	grep -q "$want" "$TMP/dnsonly.out" || { show_output dnsonly; fail "dns-check-only file: no '$want'"; }
done
ok "a file without cert blocks, server or key: notes on what it cannot do alone; exit 0"
