#!/usr/bin/env bash
# The name rules (acmeup(1) NAMES, src/support/name.c), checked before any order:
# bad -d names, a bad --challenge-alias target and bad dns-check names exit
# 2 naming the name and the rule, with no order at pebble and nothing
# written to DNS (the primary's serial and the zones unchanged). A valid
# 239-character name (whose _acme-challenge owner is 257 octets) is refused
# the same way; it crashed acmeup before (issue 11). A name in upper case
# with a trailing dot is issued under its normalised form, and a
# 237-character name (a 255-octet challenge owner) is issued.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PEBBLE_LOG=$ACMEUP_LAB_DIR/pebble/log
[ -f "$PEBBLE_LOG" ] || fail "no pebble log at $PEBBLE_LOG"
orders() { grep -c 'POST /order-plz' "$PEBBLE_LOG" || true; }

R=n$RANDOM$RANDOM
# name_of LEN PREFIX: PREFIX, labels of at most 50 'a', and the zone: LEN
# characters in all.
name_of() {
	local len=$1 name=$2 rest n
	rest=$((len - ${#name} - ${#ZONE} - 1))
	while [ "$rest" -gt 0 ]; do
		if [ "$rest" = 1 ]; then
			name=c$name
			break
		fi
		n=$((rest - 1 > 50 ? 50 : rest - 1))
		[ $((rest - n - 1)) != 1 ] || n=$((n - 1))
		name+=.$(printf 'a%.0s' $(seq "$n"))
		rest=$((rest - n - 1))
	done
	printf '%s.%s' "$name" "$ZONE"
}

long239=$(name_of 239 "$R-239")
long237=$(name_of 237 "$R-237")
[ ${#long239} = 239 ] && [ ${#long237} = 237 ] ||
	fail "name_of made ${#long239} and ${#long237} characters"
label64=$(printf 'a%.0s' $(seq 64))

serial_before=$(zone_serial "$PRIMARY" "$ZONE")
orders_before=$(orders)
[ -n "$serial_before" ] || fail "no SOA serial for $ZONE at $PRIMARY"

# refused NAME WANT ARGS...: acmeup ARGS exits 2 with "is not a DNS name"
# and WANT (the rule) in its error.
refused() {
	local name=$1 want=$2
	shift 2
	run_acmeup "$name" "$@"
	if [ "$RC" != 2 ]; then
		show_output "$name"
		fail "$name: exit $RC, want 2"
	fi
	grep -qF -- "is not a DNS name" "$TMP/$name.err" &&
		grep -qF -- "$want" "$TMP/$name.err" || {
		show_output "$name"
		fail "$name: no 'is not a DNS name' and '$want' in the error"
	}
	ok "$name: exit 2, $(grep -m1 'acmeup' "$TMP/$name.err" | cut -c1-160)"
}

issue_d() {
	local name=$1
	shift
	refused "$name" "$WANT" "${ISSUE[@]}" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state" --out "$TMP/out" "$@"
}

WANT="'a..$R.$ZONE' is not a DNS name (character 3: an empty label"
issue_d empty-label -d "a..$R.$ZONE"
WANT="a label starts or ends with '-'"
issue_d leading-hyphen -d "-$R.$ZONE"
issue_d trailing-hyphen -d "$R-.$ZONE"
WANT="only letters, digits and '-'"
issue_d underscore -d "${R}_x.$ZONE"
issue_d escape -d "$R\\.x.$ZONE"
WANT="'$R\\x0ax.$ZONE'"
issue_d newline -d "$R"$'\n'"x.$ZONE"
WANT="a label longer than 63 octets"
issue_d label-64 -d "$label64.$R.$ZONE"
WANT="an IP address"
issue_d ipv4 -d 192.0.2.1
issue_d ipv6 -d 2001:db8::1
WANT="'*' only as the whole first label"
issue_d star-inside -d "a.*.$R.$ZONE"
issue_d star-glued -d "*$R.$ZONE"
# one bad name among good ones: nothing is ordered for the good ones
WANT="'x..$R.$ZONE'"
issue_d one-of-three -d "ok1-$R.$ZONE" -d "x..$R.$ZONE" -d "ok2-$R.$ZONE"
# issue 11: a valid name of 239 characters crashed acmeup (ASan SEGV in
# ldns_rdf_deep_free); its challenge owner would be 257 octets
WANT="_acme-challenge.<name> would be longer than 255 octets"
issue_d long-239 -d "$long239"
WANT="'bad..target.$ZONE' is not a DNS name (an empty label"
issue_d alias-target -d "alias-$R.$ZONE" \
	--challenge-alias "alias-$R.$ZONE=bad..target.$ZONE"

# a cert block of the configuration
{
	lab_conf "$TMP/state" "$TMP/out"
	printf 'cert web-%s {\n    domains ok-%s.%s -%s.%s\n}\n' "$R" "$R" \
		"$ZONE" "$R" "$ZONE"
} >"$TMP/acmeup.conf"
refused conf-block "domains: '-$R.$ZONE' is not a DNS name" \
	issue -c "$TMP/acmeup.conf" "web-$R"

# dns-check: the same rules before any probe is written
refused dns-check "'_acme-challenge.x..$R.$ZONE' is not a DNS name" \
	dns-check --resolver "$RESOLVER" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" "ok-$R.$ZONE" "_acme-challenge.x..$R.$ZONE"

[ "$(orders)" = "$orders_before" ] ||
	fail "pebble saw $(($(orders) - orders_before)) new order(s) for refused names"
ok "pebble saw no new order"
[ "$(zone_serial "$PRIMARY" "$ZONE")" = "$serial_before" ] ||
	fail "the serial of $ZONE at $PRIMARY changed: something was written"
assert_no_challenge_records
ok "$ZONE unchanged at $PRIMARY (serial $serial_before), no challenge records anywhere"

# --- normalised: upper case and a trailing dot -------------------------------
NAME=Up-$R.${ZONE^^}.
run_acmeup upper "${ISSUE[@]}" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state" \
	--out "$TMP/out" -d "$NAME"
[ "$RC" = 0 ] || { show_output upper; fail "issue -d $NAME exited $RC"; }
lower=up-$R.$ZONE
[ -s "$TMP/out/$lower/cert.pem" ] ||
	fail "no $TMP/out/$lower/cert.pem (out: $(ls "$TMP/out"))"
[ "$(cert_dns_sans "$TMP/out/$lower/cert.pem")" = "$lower" ] ||
	fail "SANs '$(cert_dns_sans "$TMP/out/$lower/cert.pem")', want '$lower'"
ok "-d $NAME issued as $lower (directory and SAN)"

# --- the longest name: _acme-challenge.<237 characters> is 255 octets --------
run_acmeup long-237 "${ISSUE[@]}" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state" \
	--out "$TMP/out" --cert-name "long-$R" -d "$long237"
[ "$RC" = 0 ] || { show_output long-237; fail "issue of a 237-character name exited $RC"; }
[ "$(cert_dns_sans "$TMP/out/long-$R/cert.pem")" = "$long237" ] ||
	fail "the 237-character name is not the certificate's SAN"
ok "a 237-character name (255-octet challenge owner) is issued"
assert_no_challenge_records
ok "no challenge records left"
