#!/usr/bin/env bash
# Issue a certificate for host1-TAG.example.test from the lab's pebble over DNS-01
# (TSIG-signed UPDATE to the BIND primary), check it as its user would, check
# the zone is clean afterwards, then issue for host2-TAG with the same state dir
# and check the account key was reused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Names of this run alone: integration.test_issue and plain.test_issue run
# this script within the record TTL of each other (lib.sh: RUN_TAG).
H1=host1-$RUN_TAG.$ZONE
H2=host2-$RUN_TAG.$ZONE

STATE=$TMP/state
OUT=$TMP/out

# --- first issuance ---------------------------------------------------------
run_acmeup issue1 "${ISSUE[@]}" -d "$H1" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT"
if [ "$RC" != 0 ]; then
	show_output issue1
	fail "acmeup issue -d "$H1" exited $RC"
fi
ok "issue for $H1 exited 0"

dir=$OUT/$H1
for f in privkey.pem cert.pem chain.pem fullchain.pem; do
	[ -s "$dir/$f" ] || fail "$dir/$f missing or empty (out dir holds: $(cd "$OUT" && find . -type f | tr '\n' ' '))"
done
ok "privkey.pem cert.pem chain.pem fullchain.pem written"

mode=$(file_mode "$dir/privkey.pem")
[ "$mode" = 600 ] || fail "privkey.pem has mode $mode, want 600"
ok "privkey.pem mode 0600"

sans=$(cert_dns_sans "$dir/cert.pem")
[ "$sans" = "$H1" ] || fail "cert SANs are '$(echo "$sans" | tr '\n' ' ')', want exactly $H1"
[ -z "$(cert_ip_sans "$dir/cert.pem")" ] || fail "cert has IP SANs: $(cert_ip_sans "$dir/cert.pem")"
ok "cert SAN is exactly $H1"

# The key in privkey.pem is the certificate's.
cert_pub=$(openssl x509 -noout -pubkey -in "$dir/cert.pem") || fail "cannot read cert.pem"
key_pub=$(openssl pkey -pubout -in "$dir/privkey.pem") || fail "cannot read privkey.pem"
[ "$cert_pub" = "$key_pub" ] || fail "privkey.pem does not match the certificate's public key"
ok "privkey.pem matches cert.pem"

# Issued by pebble: the cert's issuer is chain.pem's first subject, and the
# whole chain verifies up to the root pebble publishes on its management port.
issuer=$(cert_issuer "$dir/cert.pem")
chain_subject=$(cert_subject "$dir/chain.pem")
if [ -z "$issuer" ] || [ "$issuer" != "$chain_subject" ]; then
	fail "cert issuer '$issuer' is not chain.pem's subject '$chain_subject'"
fi
curl -sf --max-time 10 --cacert "$ACME_CA_BUNDLE" -o "$TMP/root.pem" \
	"$PEBBLE_MGMT/roots/0" || fail "cannot fetch pebble's root from $PEBBLE_MGMT/roots/0"
certtool --verify --load-ca-certificate "$TMP/root.pem" \
	--infile "$dir/fullchain.pem" >"$TMP/verify.log" 2>&1 ||
	fail "fullchain.pem does not verify against pebble's root: $(tail -n 3 "$TMP/verify.log")"
ok "issued by pebble ($issuer), chain verifies to its root"

[ "$(pem_blocks "$dir/fullchain.pem")" = "$(cat "$dir/cert.pem" "$dir/chain.pem" | tr -d '\r' | sed -n '/^-----BEGIN/,/^-----END/p')" ] ||
	fail "fullchain.pem is not cert.pem followed by chain.pem"
ok "fullchain.pem = cert.pem + chain.pem"

assert_no_challenge_records
ok "no _acme-challenge records left on $PRIMARY or $SECONDARY"

# --- second issuance, same account --------------------------------------------
# Every private key under the state dir (the account key among them).
state_keys() {
	grep -rl -- '-----BEGIN.*PRIVATE KEY-----' "$STATE" 2>/dev/null | sort |
		while read -r f; do sha256sum "$f"; done
}
keys_before=$(state_keys)
[ -n "$keys_before" ] || fail "no private key under the state dir $STATE after issuing (files: $(cd "$STATE" 2>/dev/null && find . -type f | tr '\n' ' '))"

run_acmeup issue2 "${ISSUE[@]}" -d "$H2" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT"
if [ "$RC" != 0 ]; then
	show_output issue2
	fail "second acmeup issue -d "$H2" exited $RC"
fi
[ "$(cert_dns_sans "$OUT/$H2/cert.pem")" = "$H2" ] ||
	fail "second cert's SANs are not exactly $H2"
ok "second issuance ($H2) with the same state dir"

keys_after=$(state_keys)
[ "$keys_before" = "$keys_after" ] || fail "account key changed or was added to:
before: $keys_before
after:  $keys_after"
ok "account key reused unchanged"

# The first certificate is untouched by the second run.
[ "$(cert_dns_sans "$dir/cert.pem")" = "$H1" ] ||
	fail "host1's cert.pem changed after issuing host2"

assert_no_challenge_records
ok "no _acme-challenge records left after the second issuance"
