# shellcheck shell=bash
# Shared helpers for the integration tests (sourced by test_*.sh).
#
# ctest sets ACMEUP (the binary), ACMEUP_SOURCE (repo root) and ACMEUP_LAB_DIR
# (the running lab). By hand:
#   tests/lab/lab start && ACMEUP=build/acmeup bash tests/integration/test_issue.sh
#
# The lab's resolver (unbound, which pebble asks) caches like a real one: a
# TXT answer for _acme-challenge.NAME is kept for the record's TTL, an
# NXDOMAIN for the zone's negative TTL (300 s). Within one lab run, give each
# test its own names from host1..host9.example.test:
#   test_issue    host1, host2
#   test_bad_tsig host3
#   test_wildcard host4 (and *.host4)
#   test_fail_cleanup host5
set -euo pipefail

ACMEUP_SOURCE=${ACMEUP_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ACMEUP=${ACMEUP:-$ACMEUP_SOURCE/build/acmeup}
ACMEUP_LAB_DIR=${ACMEUP_LAB_DIR:-$ACMEUP_SOURCE/build/lab}
ACMEUP_TIMEOUT=${ACMEUP_TIMEOUT:-120} # seconds for one acmeup run
TEST_NAME=$(basename "$0" .sh)

fail() {
	printf 'FAIL %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}
ok() { printf 'ok %s: %s\n' "$TEST_NAME" "$*"; }

[ -x "$ACMEUP" ] || fail "no acmeup binary at $ACMEUP"
[ -f "$ACMEUP_LAB_DIR/env" ] ||
	fail "the lab is not running ($ACMEUP_LAB_DIR/env missing): tests/lab/lab start"
# shellcheck source=/dev/null
. "$ACMEUP_LAB_DIR/env"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/acmeup-$TEST_NAME.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT

# run_acmeup NAME ARGS...: runs acmeup with its stdout/stderr in
# $TMP/NAME.out / $TMP/NAME.err; sets RC. Never fails by itself.
run_acmeup() {
	local name=$1
	shift
	RC=0
	timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null || RC=$?
	if [ "$RC" = 124 ]; then
		show_output "$name"
		fail "acmeup $name: no result within $ACMEUP_TIMEOUT s"
	fi
}

show_output() {
	printf -- '--- acmeup %s: stderr ---\n' "$1" >&2
	tail -n 40 "$TMP/$1.err" >&2 || true
	printf -- '--- acmeup %s: stdout ---\n' "$1" >&2
	tail -n 20 "$TMP/$1.out" >&2 || true
}

# The usual issue arguments against the lab; add -d NAME ... and more.
# shellcheck disable=SC2034 # used by the tests
ISSUE=(issue --server "$ACME_DIR" --ca-bundle "$ACME_CA_BUNDLE"
	--resolver "$RESOLVER" --email admin@example.test --agree-tos)

# --- certificates -----------------------------------------------------------

# DNS SANs of a PEM certificate, one a line, sorted.
cert_dns_sans() {
	certtool -i --infile "$1" | sed -n 's/^[[:space:]]*DNSname: //p' | sort
}

cert_ip_sans() {
	certtool -i --infile "$1" | sed -n 's/^[[:space:]]*IPAddress: //p'
}

# Issuer / subject DN of the first certificate in a PEM file.
cert_issuer() {
	certtool -i --infile "$1" | sed -n 's/^[[:space:]]*Issuer: //p' | head -n 1
}
cert_subject() {
	certtool -i --infile "$1" | sed -n 's/^[[:space:]]*Subject: //p' | head -n 1
}

# PEM blocks of a file without blank lines or CRs, to compare bundles.
pem_blocks() {
	tr -d '\r' <"$1" | sed -n '/^-----BEGIN/,/^-----END/p'
}

file_mode() { stat -c %a "$1"; }

# --- the zone ---------------------------------------------------------------

# _acme-challenge records the zone holds at SERVER (AXFR).
challenge_records() {
	dig +time=2 +tries=1 +nocmd +nostats +nocomments "@$1" "$ZONE" AXFR |
		grep -v '^;' | grep -i '_acme-challenge' || true
}

# Fails if either authoritative server still holds an _acme-challenge record.
# The primary must be clean at once; the secondary gets NOTIFY + IXFR time
# (3 s) to follow.
assert_no_challenge_records() {
	local left i
	left=$(challenge_records "$PRIMARY")
	[ -z "$left" ] || fail "challenge records left on the primary $PRIMARY:
$left"
	for ((i = 0; i < 30; i++)); do
		left=$(challenge_records "$SECONDARY")
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || fail "challenge records left on the secondary $SECONDARY after 3 s:
$left"
	# The servers must still answer the zone at all (AXFR worked).
	[ -n "$(dig +time=2 +tries=1 +short "@$PRIMARY" "$ZONE" SOA)" ] ||
		fail "the primary $PRIMARY does not answer SOA $ZONE"
}
