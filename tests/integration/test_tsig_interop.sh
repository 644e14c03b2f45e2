#!/usr/bin/env bash
# TSIG interoperability of libtsig with the lab's BIND primary ($PRIMARY,
# $ZONE), Knot primary ($KNOT, $KNOT_ZONE) and PowerDNS primary ($PDNS,
# $PDNS_ZONE), through tests/tools/tsig_probe
# (one signed UPDATE, the signed reply verified):
# - every algorithm: add a TXT with the BIND-format key file, see it served,
#   delete it with the Knot-format file of the same key or with -y, see it
#   gone;
# - a key the server does not know (BADKEY), a wrong secret (BADSIG) and a
#   clock an hour behind (BADTIME, via the probe's time offset) each give
#   their own message, and change nothing;
# then acmeup itself: issue with a Knot key file (BIND zone) and with -y
# (Knot zone), and -y without an algorithm is hmac-sha256, never MD5.
# PowerDNS ($PDNS, $PDNS_ZONE) takes every algorithm too, but refuses a bad
# key, secret or time unsigned, without the TSIG error (tsig/README.md).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=${ACMEUP_TOOLS:-$(dirname "$ACMEUP")/tests/tools}/tsig_probe
[ -x "$PROBE" ] || fail "no tsig_probe at $PROBE (build tests/tools)"
for var in KNOT KNOT_ZONE PDNS PDNS_ZONE KEYS_DIR TSIG_ALGS UNKNOWN_KEY WRONG_KEY TSIG_KEY; do
	[ -n "${!var:-}" ] || fail "the lab's env lacks $var (lab too old?)"
done

# probe ARGS...: runs tsig_probe; its output in OUT, exit status in RC.
probe() {
	RC=0
	OUT=$("$PROBE" "$@" 2>&1) || RC=$?
}

txt_at() { dig +time=2 +tries=1 +short "@$1" "$2" TXT; }

# The base64 secret of a key file of either format.
secret_of() {
	sed -n 's/^[[:space:]]*secret:\{0,1\}[[:space:]]*"\{0,1\}\([^";]*\)"\{0,1\};\{0,1\}[[:space:]]*$/\1/p' "$1" |
		head -n 1
}

# expect TEXT WANT WHAT: fail unless TEXT contains WANT.
expect() {
	grep -qF -- "$2" <<<"$1" || fail "$3: got '$1', want '$2'"
}

# No key file's secret may appear in what a person sees.
SECRETS=()
for f in "$KEYS_DIR"/*.key "$TSIG_KEY" "$WRONG_KEY"; do
	SECRETS+=("$(secret_of "$f")")
	[ -n "${SECRETS[-1]}" ] || fail "no secret found in $f"
done
assert_no_secret() {
	local s
	for s in "${SECRETS[@]}"; do
		case $1 in *"$s"*) fail "$2 shows a key's secret" ;; esac
	done
}

# every_algorithm KIND ADDR ZONE DELETE-KEY: DELETE-KEY is knot (the
# Knot-format file) or y (-y ALG:NAME:SECRET).
every_algorithm() {
	local kind=$1 addr=$2 zone=$3 del=$4 alg owner text
	local -a delkey
	for alg in $TSIG_ALGS; do
		if [ "$del" = y ]; then
			delkey=(-y "$alg:acmeup-$alg:$(secret_of "$KEYS_DIR/$alg.key")")
		else
			delkey=(-k "$KEYS_DIR/$alg.knot.yaml")
		fi
		owner=tsig-$alg-$RANDOM$RANDOM.$zone
		text=t$RANDOM$RANDOM
		probe -s "$addr" -z "$zone" -o "$owner" -t "$text" \
			-k "$KEYS_DIR/$alg.key"
		[ "$RC" = 0 ] || fail "$kind, $alg, add: $OUT"
		expect "$OUT" "key acmeup-$alg ($alg): rcode NOERROR, tsig: reply verified" \
			"$kind, $alg, add"
		[ "$(txt_at "$addr" "$owner")" = "\"$text\"" ] ||
			fail "$kind, $alg: $owner TXT \"$text\" not served after the add"
		probe -s "$addr" -z "$zone" -o "$owner" -t "$text" -d "${delkey[@]}"
		[ "$RC" = 0 ] || fail "$kind, $alg, delete: $OUT"
		[ -z "$(txt_at "$addr" "$owner")" ] ||
			fail "$kind, $alg: $owner TXT still served after the delete"
	done
	ok "$kind $addr: $TSIG_ALGS: add (BIND key file), delete ($del), replies verified"
}

# refused KIND ADDR ZONE WANT PROBE-ARGS...: the UPDATE is refused with
# WANT in the probe's line, and changes nothing. Sets OUT.
refused() {
	local kind=$1 addr=$2 zone=$3 want=$4 owner
	shift 4
	owner=tsig-bad-$RANDOM$RANDOM.$zone
	probe -s "$addr" -z "$zone" -o "$owner" "$@"
	[ "$RC" = 1 ] || fail "$kind: exit $RC, want 1: $OUT"
	expect "$OUT" "$want" "$kind"
	[ -z "$(txt_at "$addr" "$owner")" ] || fail "$kind: refused UPDATE added $owner"
	assert_no_secret "$OUT" "tsig_probe"
}

# tsig_errors KIND ADDR ZONE
tsig_errors() {
	local kind=$1 addr=$2 zone=$3 badkey badsig badtime skew
	refused "$kind BADKEY" "$addr" "$zone" "key acmeup-unknown (hmac-sha256): rcode NOTAUTH, tsig: server reports TSIG BADKEY (key or algorithm unknown) (TSIG error 17)" \
		-k "$UNKNOWN_KEY"
	badkey=$OUT
	refused "$kind BADSIG" "$addr" "$zone" "key acmeup-update (hmac-sha256): rcode NOTAUTH, tsig: server reports TSIG BADSIG (secret differs) (TSIG error 16)" \
		-k "$WRONG_KEY"
	badsig=$OUT
	refused "$kind BADTIME" "$addr" "$zone" "rcode NOTAUTH, tsig: TSIG BADTIME (clocks differ by more than fudge) (TSIG error 18), server time " \
		-k "$TSIG_KEY" -T -3600
	badtime=$OUT
	# RFC 8945 5.2.3: the server's clock, from the reply; we were 3600 s behind
	skew=$(sed -n 's/.*, skew \(-\{0,1\}[0-9]*\) s$/\1/p' <<<"$badtime")
	if [ -z "$skew" ] || [ "$skew" -lt 3595 ] || [ "$skew" -gt 3605 ]; then
		fail "$kind BADTIME: skew '$skew', want about 3600: $badtime"
	fi
	if [ "$badkey" = "$badsig" ] || [ "$badsig" = "$badtime" ] ||
		[ "$badkey" = "$badtime" ]; then
		fail "$kind: error messages not distinct"
	fi
	ok "$kind: ${badkey#*tsig: }"
	ok "$kind: ${badsig#*tsig: }"
	ok "$kind: ${badtime#*tsig: }"
}

every_algorithm BIND "$PRIMARY" "$ZONE" knot
every_algorithm Knot "$KNOT" "$KNOT_ZONE" y
every_algorithm PowerDNS "$PDNS" "$PDNS_ZONE" knot
tsig_errors BIND "$PRIMARY" "$ZONE"
tsig_errors Knot "$KNOT" "$KNOT_ZONE"

# PowerDNS (4.7) answers an unknown key, a wrong secret and a clock an hour
# off alike: REFUSED, unsigned (only its log tells them apart). Each must be
# refused and change nothing; acmeup's own message then says what it can.
pdns_refused="rcode REFUSED, tsig: reply to a signed request is not signed"
refused "PowerDNS unknown key" "$PDNS" "$PDNS_ZONE" "$pdns_refused" -k "$UNKNOWN_KEY"
refused "PowerDNS wrong secret" "$PDNS" "$PDNS_ZONE" "$pdns_refused" -k "$WRONG_KEY"
refused "PowerDNS clock" "$PDNS" "$PDNS_ZONE" "$pdns_refused" -k "$TSIG_KEY" -T -3600
ok "PowerDNS: unknown key, wrong secret and clock skew each refused unsigned, nothing changed"
run_acmeup pdns-wrong "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$PDNS_ZONE" --out "$TMP/certs" \
	--state-dir "$TMP/state" --tsig-key "$WRONG_KEY"
[ "$RC" = 1 ] || { show_output pdns-wrong; fail "acmeup with a wrong secret at PowerDNS: exit $RC, want 1"; }
grep -qF "server $PDNS refused the UPDATE of zone $PDNS_ZONE with key acmeup-update and did not sign its answer" \
	"$TMP/pdns-wrong.err" || { show_output pdns-wrong; fail "acmeup's message for PowerDNS's unsigned REFUSED"; }
assert_no_secret "$(cat "$TMP/pdns-wrong.err")" "acmeup pdns-wrong"
ok "acmeup: $(tail -n 1 "$TMP/pdns-wrong.err" | cut -c1-150)..."

# --- acmeup ------------------------------------------------------------------

knot_challenges() {
	dig +time=2 +tries=1 +nocmd +nostats +nocomments "@$1" "$KNOT_ZONE" AXFR |
		grep -v '^;' | grep -i '_acme-challenge' || true
}

# Knot holds no challenge record at once; its secondary (the lab's ns2)
# follows by NOTIFY + IXFR within 5 s.
assert_knot_zone_clean() {
	local left i
	left=$(knot_challenges "$KNOT")
	[ -z "$left" ] || fail "challenge records left in $KNOT_ZONE at $KNOT:
$left"
	for ((i = 0; i < 50; i++)); do
		left=$(knot_challenges "$SECONDARY")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "challenge records left in $KNOT_ZONE at $SECONDARY after 5 s:
$left"
}

# issue_ok NAME DOMAIN ARGS...: acmeup issue succeeds for DOMAIN alone.
issue_ok() {
	local name=$1 domain=$2 cert
	shift 2
	run_acmeup "$name" "${ISSUE[@]}" -d "$domain" --out "$TMP/certs" \
		--state-dir "$TMP/state" "$@"
	[ "$RC" = 0 ] || { show_output "$name"; fail "acmeup $name: exit $RC"; }
	cert=$TMP/certs/$domain/cert.pem
	[ -f "$cert" ] || fail "acmeup $name: no $cert"
	[ "$(cert_dns_sans "$cert")" = "$domain" ] ||
		fail "acmeup $name: SANs '$(cert_dns_sans "$cert" | tr '\n' ' ')', want $domain"
	assert_no_secret "$(cat "$TMP/$name.out" "$TMP/$name.err")" "acmeup $name"
}

domain=n$RANDOM$RANDOM.$ZONE
issue_ok knot-file "$domain" --tsig-key "$KEYS_DIR/hmac-sha384.knot.yaml"
grep -qF "TSIG key acmeup-hmac-sha384 (hmac-sha384)" "$TMP/knot-file.err" ||
	{ show_output knot-file; fail "acmeup did not report the Knot file's key"; }
assert_no_challenge_records
ok "acmeup issue $domain with a Knot key file (hmac-sha384) via BIND: cert, zone clean"

domain=n$RANDOM$RANDOM.$KNOT_ZONE
issue_ok y-default "$domain" -y "acmeup-update:$(secret_of "$TSIG_KEY")"
grep -qF "TSIG key acmeup-update (hmac-sha256) from -y" "$TMP/y-default.err" ||
	{ show_output y-default; fail "acmeup -y without algorithm is not hmac-sha256"; }
assert_knot_zone_clean
ok "acmeup issue $domain with -y NAME:SECRET (hmac-sha256) via Knot: cert, zone clean"

# An MD5 key given without its algorithm is taken as hmac-sha256: the server
# does not know that key, and the message says which algorithm was used.
run_acmeup y-md5 "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --out "$TMP/certs" \
	--state-dir "$TMP/state" -y "acmeup-hmac-md5:$(secret_of "$KEYS_DIR/hmac-md5.key")"
[ "$RC" = 1 ] || { show_output y-md5; fail "acmeup y-md5: exit $RC, want 1"; }
grep -qF "does not know key acmeup-hmac-md5 with algorithm hmac-sha256" "$TMP/y-md5.err" ||
	{ show_output y-md5; fail "acmeup y-md5: no BADKEY message naming hmac-sha256"; }
assert_no_secret "$(cat "$TMP/y-md5.err")" "acmeup y-md5"
assert_no_challenge_records
ok "-y NAME:SECRET of an MD5 key is hmac-sha256 (BADKEY), never a silent MD5"

run_acmeup both "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --tsig-key "$TSIG_KEY" \
	-y "acmeup-update:$(secret_of "$TSIG_KEY")"
if [ "$RC" != 2 ] || ! grep -qF -- "--tsig-key FILE or -y" "$TMP/both.err"; then
	show_output both
	fail "--tsig-key with -y: exit $RC, want 2 (usage)"
fi
ok "--tsig-key with -y is a usage error"
