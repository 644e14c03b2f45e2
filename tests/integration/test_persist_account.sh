#!/usr/bin/env bash
# dns-account-01 (draft-ietf-acme-scoped-dns-challenges) against the
# upstream pebble (skips without it): two accounts (two state dirs) issue
# the same name at the same moment, each under its own
# _<label>._acme-challenge owner; both succeed and nothing is left. Then
# the delegated case: the account's owner under a DNAME in contoso.test
# leads into acme-challenges.contoso.test, where the TXT goes.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_upstream persist-account 127.53.0.9
UP=(issue --server "$LAB_PEBBLE_URL" --ca-bundle "$ACME_CA_BUNDLE"
	--resolver "$RESOLVER" --email admin@example.test --agree-tos
	--tsig-key "$TSIG_KEY" --challenge dns-account-01)

# label URL: lowercase base32 of the first 10 octets of SHA-256(URL).
label() {
	python3 -c 'import base64, hashlib, sys
print(base64.b32encode(hashlib.sha256(sys.argv[1].encode()).digest()[:10]).decode().lower())' "$1"
}

# account_url STATE: the account URL of STATE/account.key at the CA.
account_url() {
	run_acmeup "show-${1##*/}" account show --server "$LAB_PEBBLE_URL" \
		--ca-bundle "$ACME_CA_BUNDLE" --state-dir "$1"
	sed -n 's/^account: //p' "$TMP/show-${1##*/}.out"
}

# --- two accounts, one name, at once -----------------------------------------
N=n$RANDOM$RANDOM.$ZONE
for a in a b; do
	timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" "${UP[@]}" -d "$N" \
		--state-dir "$TMP/state-$a" --out "$TMP/out-$a" -v \
		>"$TMP/two-$a.out" 2>"$TMP/two-$a.err" </dev/null &
	eval "pid_$a=\$!"
done
rc_a=0 rc_b=0
# shellcheck disable=SC2154 # set by eval
wait "$pid_a" || rc_a=$?
# shellcheck disable=SC2154
wait "$pid_b" || rc_b=$?
for a in a b; do
	rc=rc_$a
	if [ "${!rc}" != 0 ]; then
		show_output "two-$a"
		fail "account $a: issue -d $N --challenge dns-account-01 exited ${!rc}"
	fi
	[ "$(cert_dns_sans "$TMP/out-$a/$N/cert.pem")" = "$N" ] ||
		fail "account $a: the certificate does not name exactly $N"
	grep -q "answering dns-account-01" "$TMP/two-$a.err" ||
		fail "account $a: dns-account-01 was not the challenge answered"
done
ok "two accounts issued $N at the same moment by dns-account-01"

url_a=$(account_url "$TMP/state-a")
url_b=$(account_url "$TMP/state-b")
[ -n "$url_a" ] && [ -n "$url_b" ] && [ "$url_a" != "$url_b" ] ||
	fail "want two accounts, got '$url_a' and '$url_b'"
for a in a b; do
	u=url_$a
	owner=_$(label "${!u}")._acme-challenge.$N
	grep -q "UPDATE adding 1 TXT" "$TMP/two-$a.err" ||
		fail "account $a: no UPDATE adding its record"
	grep -qi "$owner" "$PRIMARY_QUERYLOG" ||
		fail "account $a: the primary was never asked about $owner"
done
ok "each account's record went to its own _<label>._acme-challenge owner"
assert_no_challenge_records
ok "nothing left in the zones"

# --- delegated by DNAME -------------------------------------------------------
# contoso.test holds "dn DNAME acme-challenges.contoso.test." (tests/lab/lib/
# dns.sh): the account's owner under it is a CNAME the server synthesises
# (RFC 6672) into the delegated zone, where the TXT goes.
H=n$RANDOM$RANDOM.dn.$CONTOSO
owner=_$(label "$url_a")._acme-challenge.$H
run_acmeup dname "${UP[@]}" -d "$H" --state-dir "$TMP/state-a" \
	--out "$TMP/out-a" -v
if [ "$RC" != 0 ]; then
	show_output dname
	fail "issue -d $H through the DNAME exited $RC"
fi
grep -q "DNAME" "$TMP/dname.err" && grep -q "zone $ACME_ZONE" "$TMP/dname.err" ||
	{ show_output dname; fail "the record for $owner did not follow the DNAME into $ACME_ZONE"; }
ok "dns-account-01 for $H: the record went into $ACME_ZONE by the DNAME"
assert_no_challenge_records
ok "nothing left after the delegated case"
