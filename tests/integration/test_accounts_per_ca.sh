#!/usr/bin/env bash
# One account per CA in one state directory (issue 14 item 6):
#  1. an older acmeup's state (STATE/account.key, account.url) keeps its
#     account: the files move to STATE/accounts/ID, same key, same URL;
#  2. a second CA gets an account of its own (another key, another URL)
#     beside it, and the first CA's account is used again after it;
#  3. a cert block may name its CA (`server`): one `renew -c` issues each
#     certificate from its own CA (the issuers differ), each CA with its own
#     account, held by one keys process (the run confined once); `list` and
#     `account show --server` name the right account;
#  4. --dry-run against the staging-server uses the staging CA's own
#     account, never the production key;
#  5. EAB (eab-kid, eab-hmac-key) binds the global CA's account only: a
#     cert block's CA gets an account without it;
#  6. a cert block's server that is not https:// is a configuration error
#     naming file and line;
#  7. a run at five CAs (five directory URLs) is confined as one of two,
#     each CA with its own account; one at 65 CAs is refused (exit 2)
#     before anything is ordered.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

STATE=$TMP/state
A1=$(acct_dir "$STATE")
lab_pebble_up ca2 127.53.0.7
CA2=$LAB_PEBBLE_URL
A2=$(acct_dir "$STATE" "$CA2")
keyhash() { sha256sum <"$1" | cut -d' ' -f1; }
# one_keys_confined TAG WHAT: the run TAG (-v) had one keys process for
# its CAs (WHAT) and was confined: Landlock, and another user as root.
one_keys_confined() {
	[ "$(grep -c 'privsep: keys process [0-9]* holds the keys' "$TMP/$1.err")" = 1 ] ||
		{ show_output "$1"; fail "not one keys process for $2"; }
	grep -q "privsep: Landlock" "$TMP/$1.err" || { show_output "$1"; fail "a run of $2 without Landlock"; }
	if [ "$(id -u)" = 0 ]; then
		grep -q "privsep: this process is uid [1-9]" "$TMP/$1.err" ||
			{ show_output "$1"; fail "a run of $2 stayed root"; }
	fi
}
acct_url() { # SERVER: the account URL `account show` prints
	run_acmeup show account show --server "$1" --ca-bundle "$ACME_CA_BUNDLE" --state-dir "$STATE"
	[ "$RC" = 0 ] || { show_output show; fail "account show --server $1 exited $RC"; }
	sed -n 's/^account: //p' "$TMP/show.out"
}

# 1. The old layout, as an older acmeup left it.
N1=a$RANDOM$RANDOM.$ZONE
run_acmeup first "${ISSUE[@]}" -d "$N1" --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
[ -f "$A1/account.key" ] && [ -f "$A1/account.url" ] || fail "no account in $A1: $(ls -R "$STATE")"
[ "$(head -n 1 "$A1/directory")" = "$ACME_DIR" ] || fail "$A1/directory: $(cat "$A1/directory")"
URL1=$(cat "$A1/account.url")
K1=$(keyhash "$A1/account.key")
mv "$A1/account.key" "$A1/account.url" "$STATE/"
rm -r "$STATE/accounts"
N2=b$RANDOM$RANDOM.$ZONE
run_acmeup legacy "${ISSUE[@]}" -d "$N2" --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output legacy; fail "issue from the old layout exited $RC"; }
grep -q "account: $STATE/account.key moved to $A1 (this CA's account from now on)" "$TMP/legacy.err" ||
	{ show_output legacy; fail "the move of the old account was not said"; }
[ ! -e "$STATE/account.key" ] && [ "$(keyhash "$A1/account.key")" = "$K1" ] ||
	fail "the old account key did not move unchanged to $A1"
[ "$(cat "$A1/account.url")" = "$URL1" ] || fail "the account changed: $(cat "$A1/account.url"), was $URL1"
ok "old layout: account.key and account.url moved to accounts/${A1##*/}, same key, same account $URL1"

# 2. A second CA, then the first again.
N3=c$RANDOM$RANDOM.$ZONE
run_acmeup second issue --server "$CA2" --ca-bundle "$ACME_CA_BUNDLE" --resolver "$RESOLVER" \
	--email admin@example.test --agree-tos -d "$N3" --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out2"
[ "$RC" = 0 ] || { show_output second; fail "issue at the second CA exited $RC"; }
[ -f "$A2/account.key" ] || fail "no account for $CA2 in $A2"
URL2=$(cat "$A2/account.url")
[ "$URL2" != "$URL1" ] && [ "$(keyhash "$A2/account.key")" != "$K1" ] ||
	fail "the second CA shares the first one's account or key"
case $URL2 in "$(dirname "$CA2")/"*) ;; *) fail "the second account $URL2 is not at $CA2" ;; esac
N4=d$RANDOM$RANDOM.$ZONE
run_acmeup again "${ISSUE[@]}" -d "$N4" --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output again; fail "issue at the first CA again exited $RC"; }
[ "$(cat "$A1/account.url")" = "$URL1" ] && [ "$(keyhash "$A1/account.key")" = "$K1" ] ||
	fail "the first CA's account changed after the second CA's run"
[ "$(acct_url "$CA2")" = "$URL2" ] || fail "account show --server $CA2 names another account"
ok "second CA: its own account $URL2 (another key); the first CA's $URL1 used again"

# 3. Cert blocks, each with its CA (the global server is the first).
lab_conf "$STATE" "$TMP/out3" >"$TMP/ca.conf"
M1=e$RANDOM$RANDOM.$ZONE
M2=f$RANDOM$RANDOM.$ZONE
cat >>"$TMP/ca.conf" <<EOF
cert one {
	domains $M1
}
cert two {
	domains $M2
	server  $CA2
}
EOF
run_acmeup blocks renew -c "$TMP/ca.conf" --json -v
[ "$RC" = 0 ] || { show_output blocks; fail "renew of two CAs' cert blocks exited $RC"; }
# the 4 remembered ones are not due; N3's record names the second CA
[ "$(json_summary "$TMP/blocks.out")" = "2 0 4 0" ] || fail "--json: $(json_summary "$TMP/blocks.out")"
grep -q "CA $CA2: 2 certificates" "$TMP/blocks.err" || { show_output blocks; fail "the second CA's group (two, and $N3 remembered) was not said"; }
i1=$(cert_issuer "$TMP/out3/one/cert.pem")
i2=$(cert_issuer "$TMP/out3/two/cert.pem")
[ "$i1" = "$(cert_issuer "$TMP/out/$N1/cert.pem")" ] || fail "cert one is not from the first CA: $i1"
[ "$i2" = "$(cert_issuer "$TMP/out2/$N3/cert.pem")" ] || fail "cert two is not from $CA2: $i2"
[ "$i1" != "$i2" ] || fail "both certificates have the issuer $i1"
[ "$(cat "$A1/account.url")" = "$URL1" ] && [ "$(cat "$A2/account.url")" = "$URL2" ] ||
	fail "a cert block's CA used another account"
[ "$(find "$STATE/accounts" -name account.key | wc -l)" = 2 ] || fail "accounts: $(ls "$STATE/accounts")"
# One keys process for both CAs (issue 13): the run is confined once.
one_keys_confined blocks "two CAs"
ok "renew -c: cert one from the first CA ($i1), cert two from $CA2 ($i2), each with its account, one keys process, confined"

# 4. A dry run against the staging-server: the staging CA's own account.
lab_pebble_up stagingca 127.53.0.8
STG=$LAB_PEBBLE_URL
A3=$(acct_dir "$STATE" "$STG")
echo "staging-server $STG" >>"$TMP/ca.conf"
snap=$(snapshot "$TMP/out3")
run_acmeup dry renew -c "$TMP/ca.conf" --dry-run one
[ "$RC" = 0 ] || { show_output dry; fail "dry run exited $RC"; }
[ -f "$A3/account.key" ] && [ "$(keyhash "$A3/account.key")" != "$K1" ] ||
	fail "the dry run did not use an account of its own for $STG"
[ "$(keyhash "$A1/account.key")" = "$K1" ] || fail "the dry run changed the production key"
[ "$(snapshot "$TMP/out3")" = "$snap" ] || fail "the dry run changed files under --out"
ok "--dry-run: the staging CA's own account (accounts/${A3##*/}), production key and files untouched"

# 5. EAB binds the global CA's account only: a cert block's CA gets none.
lab_pebble_up eabca 127.53.0.4 --eab
EAB_CA=$LAB_PEBBLE_URL
read -r kid hmac < <(sed -n 1p "$LAB_PEBBLE_EAB")
S6=$TMP/state-eab
lab_conf "$S6" "$TMP/out6" | sed "s|^server .*|server $EAB_CA|" >"$TMP/eab.conf"
M3=g$RANDOM$RANDOM.$ZONE
M4=h$RANDOM$RANDOM.$ZONE
cat >>"$TMP/eab.conf" <<EOF
eab-kid      $kid
eab-hmac-key $hmac
cert bound {
	domains $M3
}
cert other {
	domains $M4
	server  $CA2
}
EOF
run_acmeup eab renew -c "$TMP/eab.conf" -v
[ "$RC" = 0 ] || { show_output eab; fail "renew with EAB at the global CA and a block at $CA2 exited $RC"; }
grep -q "bound to external account $kid" "$TMP/eab.err" || { show_output eab; fail "the global CA's account was not EAB-bound"; }
[ "$(cat "$(acct_dir "$S6" "$EAB_CA" "$kid")/directory")" = "$EAB_CA"$'\n'"eab-kid $kid" ] ||
	fail "the EAB account's directory file: $(cat "$(acct_dir "$S6" "$EAB_CA" "$kid")/directory")"
[ "$(cat "$(acct_dir "$S6" "$CA2")/directory")" = "$CA2" ] ||
	fail "the cert block's CA got the EAB key id: $(cat "$S6"/accounts/*/directory)"
ok "EAB ($kid) bound the global CA's account; the cert block's CA $CA2 got an account without it"

# 6. A cert block's CA must be https://.
printf 'cert bad {\n\tdomains x.%s\n\tserver  http://127.53.0.1:14000/dir\n}\n' "$ZONE" >>"$TMP/ca.conf"
run_acmeup badsrv renew -c "$TMP/ca.conf" bad
[ "$RC" = 2 ] || { show_output badsrv; fail "an http:// cert block server: exit $RC, want 2"; }
grep -q "$TMP/ca.conf:[0-9]*: server: 'http://127.53.0.1:14000/dir' is not an https:// ACME directory URL" \
	"$TMP/badsrv.err" || { show_output badsrv; fail "the bad server is not named with file and line"; }
ok "a cert block's http:// server: exit 2, named with file and line"

# 7. Five CAs in one run: five URLs of the lab CA, five accounts.
S7=$TMP/state7
lab_conf "$S7" "$TMP/out7" >"$TMP/five.conf"
for k in 1 2 3 4 5; do
	printf 'cert c%s {\n\tdomains c%s%s.%s\n\tserver  %s?ca=%s\n}\n' \
		"$k" "$k" "$RANDOM" "$ZONE" "$ACME_DIR" "$k"
done >>"$TMP/five.conf"
run_acmeup five renew -c "$TMP/five.conf" --json -vv
[ "$RC" = 0 ] || { show_output five; fail "renew at five CAs exited $RC"; }
[ "$(json_summary "$TMP/five.out")" = "5 0 0 0" ] || fail "five CAs --json: $(json_summary "$TMP/five.out")"
for k in 1 2 3 4 5; do
	d=$(acct_dir "$S7" "$ACME_DIR?ca=$k")
	[ -f "$d/account.key" ] && [ -f "$d/account.url" ] || fail "no account for CA $k in $d"
	name=$(sed -n "/^cert c$k {/,/}/s/^[[:space:]]*domains //p" "$TMP/five.conf")
	[ "$(cert_dns_sans "$TMP/out7/c$k/cert.pem")" = "$name" ] || fail "cert c$k: SANs $(cert_dns_sans "$TMP/out7/c$k/cert.pem"), want $name"
done
[ "$(sort -u "$S7"/accounts/*/account.url | wc -l)" = 5 ] || fail "five CAs share accounts: $(cat "$S7"/accounts/*/account.url)"
one_keys_confined five "five CAs"
ok "five CAs in one run: five accounts, five certificates, one keys process, confined"

# ... and 65 are more than one keys process serves confined.
lab_conf "$TMP/state65" "$TMP/out65" >"$TMP/many.conf"
for k in $(seq 1 65); do
	printf 'cert m%s {\n\tdomains m%s.%s\n\tserver  %s?ca=%s\n}\n' "$k" "$k" "$ZONE" "$ACME_DIR" "$k"
done >>"$TMP/many.conf"
run_acmeup many renew -c "$TMP/many.conf"
[ "$RC" = 2 ] || { show_output many; fail "a run at 65 CAs: exit $RC, want 2"; }
grep -q "at more than 64 CAs, which one keys process cannot serve confined: split them" "$TMP/many.err" ||
	{ show_output many; fail "the refusal of 65 CAs does not say why"; }
[ ! -e "$TMP/state65/accounts" ] && [ ! -e "$TMP/out65" ] || fail "the refused run made accounts or output: $(ls "$TMP/state65" "$TMP/out65" 2>&1)"
ok "65 CAs in one run: exit 2 before any account or order, saying why"

assert_no_challenge_records
ok "no challenge records left in any zone"
