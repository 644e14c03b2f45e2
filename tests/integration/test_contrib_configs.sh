#!/usr/bin/env bash
# The example server configurations in contrib/ are accepted by the real
# servers: named-checkconf for BIND, knotc conf-check for Knot.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-contrib.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { printf 'FAIL test_contrib_configs: %s\n' "$*" >&2; exit 1; }

# BIND: the fragment's key include points at a real key made by tsig-keygen.
tsig-keygen -a hmac-sha256 acmeup >"$TMP/acmeup.key"
sed "s|/etc/bind/acmeup.key|$TMP/acmeup.key|" \
	"$SRC/contrib/bind/named.conf.acmeup" >"$TMP/named.conf"
named-checkconf "$TMP/named.conf" >"$TMP/bind.log" 2>&1 ||
	fail "named-checkconf rejects contrib/bind/named.conf.acmeup: $(cat "$TMP/bind.log")"
grep -q 'grant acmeup name _acme-challenge' "$TMP/named.conf" ||
	fail "the BIND example lost its per-name grant"
echo "ok test_contrib_configs: named-checkconf accepts contrib/bind/named.conf.acmeup"

# Knot: the whole file is a valid configuration.
knotc -c "$SRC/contrib/knot/knot.conf.acmeup" conf-check >"$TMP/knot.log" 2>&1 ||
	fail "knotc conf-check rejects contrib/knot/knot.conf.acmeup: $(cat "$TMP/knot.log")"
echo "ok test_contrib_configs: knotc conf-check accepts contrib/knot/knot.conf.acmeup"

# A broken file must be rejected (the check can fail).
printf 'zone "x" { type primary; update-policy { grant; }; };\n' >"$TMP/bad.conf"
if named-checkconf "$TMP/bad.conf" >/dev/null 2>&1; then
	fail "named-checkconf accepted a broken file; the check proves nothing"
fi
echo "ok test_contrib_configs: a broken configuration is rejected"
