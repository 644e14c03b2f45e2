#!/usr/bin/env bash
# Every certificate key type (--key-type) and every account key type
# (--account-key-type) against the lab's pebble: the certificate's public key
# is checked with certtool, the account key with `account show`. Then
# --reuse-key keeps the key on renewal, and --csr finalizes with a CSR the
# user made (certtool), taking the names from it and writing no key.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

OUT=$TMP/out

# "EC SECP384R1" or "RSA 3072": the certificate's public key as certtool
# sees it.
cert_key() {
	certtool -i --infile "$1" | awk '
		/Subject Public Key Algorithm: RSA/ { alg = "RSA" }
		/Subject Public Key Algorithm: EC/ { alg = "EC" }
		/Modulus \(bits [0-9]+\)/ { match($0, /[0-9]+/); bits = substr($0, RSTART, RLENGTH) }
		/Curve:/ { curve = $2 }
		END { print alg, (alg == "RSA" ? bits : curve) }'
}

# account type / certificate type / certtool's view of the certificate key
while read -r acct cert want_alg want_size acct_alg acct_size; do
	want="$want_alg $want_size"
	acct_desc="$acct_alg $acct_size"
	name=n$RANDOM$RANDOM.$ZONE
	state=$TMP/state-$acct
	run_acmeup "$cert" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$state" --out "$OUT" --key-type "$cert" \
		--account-key-type "$acct"
	[ "$RC" = 0 ] || { show_output "$cert"; fail "issue with --key-type $cert --account-key-type $acct exited $RC"; }
	got=$(cert_key "$OUT/$name/cert.pem")
	[ "$got" = "$want" ] || fail "--key-type $cert: certificate key is '$got', want '$want'"
	key_pub=$(openssl pkey -pubout -in "$OUT/$name/privkey.pem")
	[ "$key_pub" = "$(openssl x509 -noout -pubkey -in "$OUT/$name/cert.pem")" ] ||
		fail "--key-type $cert: privkey.pem is not the certificate's key"
	run_acmeup "show-$acct" account show --server "$ACME_DIR" \
		--ca-bundle "$ACME_CA_BUNDLE" --state-dir "$state"
	grep -q "^key: $acct_desc " "$TMP/show-$acct.out" ||
		fail "--account-key-type $acct: account show says '$(grep key: "$TMP/show-$acct.out")', want $acct_desc"
	ok "certificate key $cert ($got), account key $acct ($acct_desc)"
done <<-EOF
	p256 p384 EC SECP384R1 ECDSA P-256
	p384 rsa2048 RSA 2048 ECDSA P-384
	rsa2048 rsa3072 RSA 3072 RSA 2048
	rsa3072 rsa4096 RSA 4096 RSA 3072
	rsa4096 p256 EC SECP256R1 RSA 4096
EOF

# --- --reuse-key: the renewal keeps the certificate's key ----------------------
# Each order uses a fresh name (the lab's resolver caches challenge answers
# for their TTL); --cert-name keeps them in one directory, as a renewal.
STATE=$TMP/state-p256
dir=$OUT/renewed
run_acmeup first "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --cert-name renewed \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT" --key-type p384
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
key1=$(sha256sum <"$dir/privkey.pem")
serial1=$(openssl x509 -in "$dir/cert.pem" -noout -serial)
run_acmeup reuse "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --cert-name renewed \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT" --reuse-key
[ "$RC" = 0 ] || { show_output reuse; fail "issue --reuse-key exited $RC"; }
[ "$(sha256sum <"$dir/privkey.pem")" = "$key1" ] || fail "--reuse-key changed privkey.pem"
[ "$(openssl x509 -in "$dir/cert.pem" -noout -serial)" != "$serial1" ] ||
	fail "--reuse-key did not write a new certificate"
[ "$(cert_key "$dir/cert.pem")" = "EC SECP384R1" ] || fail "reused key is not the P-384 one"
grep -q 'reusing the ECDSA P-384 key' "$TMP/reuse.err" || fail "reuse not reported"
run_acmeup fresh "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --cert-name renewed \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT"
[ "$RC" = 0 ] || { show_output fresh; fail "renewal without --reuse-key exited $RC"; }
[ "$(sha256sum <"$dir/privkey.pem")" != "$key1" ] || fail "renewal without --reuse-key kept the key"
ok "--reuse-key keeps privkey.pem on renewal; without it a new key is made"

# --- --csr: the user's CSR and key ----------------------------------------------
c1=n$RANDOM$RANDOM.$ZONE
c2=n$RANDOM$RANDOM.$ZONE
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$TMP/csr-key.pem" 2>/dev/null
printf 'cn = "%s"\ndns_name = "%s"\ndns_name = "%s"\n' "$c1" "$c1" "$c2" >"$TMP/csr.tmpl"
certtool --generate-request --load-privkey "$TMP/csr-key.pem" \
	--template "$TMP/csr.tmpl" --outfile "$TMP/req.pem" 2>/dev/null
run_acmeup csr "${ISSUE[@]}" --csr "$TMP/req.pem" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT"
[ "$RC" = 0 ] || { show_output csr; fail "issue --csr exited $RC"; }
[ "$(cert_dns_sans "$OUT/$c1/cert.pem" | tr '\n' ' ')" = "$(printf '%s\n%s\n' "$c1" "$c2" | sort | tr '\n' ' ')" ] ||
	fail "--csr certificate SANs: $(cert_dns_sans "$OUT/$c1/cert.pem" | tr '\n' ' ')"
[ ! -e "$OUT/$c1/privkey.pem" ] || fail "--csr wrote a privkey.pem"
[ "$(openssl pkey -pubout -in "$TMP/csr-key.pem")" = "$(openssl x509 -noout -pubkey -in "$OUT/$c1/cert.pem")" ] ||
	fail "--csr certificate is not for the CSR's key"
ok "--csr: names from the CSR ($c1, $c2), the CSR's key, no privkey.pem"

run_acmeup csr_d "${ISSUE[@]}" --csr "$TMP/req.pem" -d "$c1" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT"
[ "$RC" = 2 ] || fail "--csr with -d exited $RC, want 2"
printf 'garbage' >"$TMP/bad.csr"
run_acmeup csr_bad "${ISSUE[@]}" --csr "$TMP/bad.csr" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT"
[ "$RC" = 2 ] && grep -q -- "--csr $TMP/bad.csr" "$TMP/csr_bad.err" ||
	{ show_output csr_bad; fail "a bad CSR: exit $RC without naming the file"; }
ok "--csr with -d is a usage error; a bad CSR names the file"

assert_no_challenge_records
ok "no _acme-challenge records left"
