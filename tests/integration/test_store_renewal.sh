#!/usr/bin/env bash
# Storage across a renewal: issue a name, issue it again, and check what an
# admin would: the live files are the new certificate with its own key, the
# first version sits byte for byte in previous/ (key still 0600, still
# matching its certificate), and no temp file or journal is left behind.
# Challenge records get --ttl 1 so that the lab's resolver does not answer
# the second order with the first order's cached TXT value.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

name=n$RANDOM$RANDOM.$ZONE
OUT=$TMP/out
dir=$OUT/$name
args=("${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state"
	--out "$OUT" --ttl 1)

# key_matches KEY CERT: the certificate's public key is the key's.
key_matches() {
	[ "$(openssl pkey -pubout -in "$1" 2>/dev/null)" = \
		"$(openssl x509 -noout -pubkey -in "$2" 2>/dev/null)" ]
}

run_acmeup first "${args[@]}"
[ "$RC" = 0 ] || { show_output first; fail "first issue of $name exited $RC"; }
[ ! -e "$dir/previous" ] || fail "previous/ exists after the first issuance"
mkdir "$TMP/v1"
cp -p "$dir"/*.pem "$TMP/v1/"
ok "first issuance: $(cd "$dir" && echo *)"

sleep 2 # the first TXT answer leaves the resolver's cache (TTL 1)
run_acmeup second "${args[@]}"
[ "$RC" = 0 ] || { show_output second; fail "second issue of $name exited $RC"; }

for f in privkey.pem cert.pem chain.pem fullchain.pem; do
	[ -f "$dir/previous/$f" ] || fail "previous/$f missing after the renewal"
	cmp -s "$TMP/v1/$f" "$dir/previous/$f" ||
		fail "previous/$f is not the first version's $f byte for byte"
done
ok "previous/ holds the first version byte for byte"

serial1=$(openssl x509 -noout -serial -in "$TMP/v1/cert.pem")
serial2=$(openssl x509 -noout -serial -in "$dir/cert.pem")
[ "$serial1" != "$serial2" ] || fail "cert.pem is still the first certificate ($serial1)"
cmp -s "$TMP/v1/privkey.pem" "$dir/privkey.pem" && fail "privkey.pem did not change (no --reuse-key)"
key_matches "$dir/privkey.pem" "$dir/cert.pem" || fail "live privkey.pem does not match live cert.pem"
key_matches "$dir/previous/privkey.pem" "$dir/previous/cert.pem" ||
	fail "previous/privkey.pem does not match previous/cert.pem"
[ "$(pem_blocks "$dir/fullchain.pem")" = "$(cat "$dir/cert.pem" "$dir/chain.pem" | tr -d '\r' | sed -n '/^-----BEGIN/,/^-----END/p')" ] ||
	fail "live fullchain.pem is not cert.pem + chain.pem"
ok "live files: the new certificate ($serial2) with its new key"

for f in "$dir/privkey.pem" "$dir/previous/privkey.pem"; do
	[ "$(file_mode "$f")" = 600 ] || fail "$f has mode $(file_mode "$f"), want 600"
done
for f in cert.pem chain.pem fullchain.pem; do
	[ "$(file_mode "$dir/$f")" = 644 ] || fail "$f has mode $(file_mode "$dir/$f"), want 644"
done
ok "privkey.pem 0600 (live and previous), the others 0644"

left=$(cd "$dir" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
[ "$left" = "cert.pem chain.pem fullchain.pem previous privkey.pem " ] ||
	fail "the certificate directory holds more than the four files and previous/: $left"
left=$(cd "$dir/previous" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
[ "$left" = "cert.pem chain.pem fullchain.pem privkey.pem " ] ||
	fail "previous/ holds: $left"
ok "no temp file, journal or old previous/ left"
