# shellcheck shell=bash
# Shared helpers for the integration tests (sourced by test_*.sh).
#
# ctest sets ACMEUP (the binary), ACMEUP_SOURCE (repo root) and ACMEUP_LAB_DIR
# (the running lab). By hand:
#   tests/lab/lab start && ACMEUP=build/acmeup bash tests/integration/test_issue.sh
#
# The lab's resolver (unbound, which pebble asks) caches like a real one: a
# TXT answer for _acme-challenge.NAME is kept for the record's TTL, an
# NXDOMAIN for the zone's negative TTL (300 s). Within one lab run every test
# must therefore use names no other test uses, and the same script run twice
# (integration.test_issue and plain.test_issue) must too: build them from
# $RUN_TAG, a label fresh for each run of a test script, e.g.
# host1-$RUN_TAG.$ZONE (pebble does not need the host to exist). Names the
# lab itself fixes (intranet.contoso.test, limited.example.test, the trap)
# belong to one test each. The check: unbound logs every query it gets; when
# a test exits, the _acme-challenge names the CA looked up during it are
# recorded in $ACMEUP_LAB_DIR/ca-names, and the test fails if another test
# of this lab run looked up one of them (check_ca_names).
#
# The lab's zones, servers and keys are in $ACMEUP_LAB_DIR/env (sourced
# below; see tests/lab/README.md). Helpers for them:
#   assert_no_challenge_records   every lab zone on every server is clean
#   challenge_records SERVER [ZONE]   challenge data left there (AXFR)
#   zone_txt SERVER NAME          TXT data SERVER holds for NAME (+norec)
#   zone_serial SERVER ZONE       ZONE's SOA serial at SERVER
#   lab_lag SECONDS|never         how late ns3 follows lag.test (restored
#                                 when the test exits)
#   lab_pebble_up NAME ADDR [--eab] [--blocklist NAMES] [VAR=VALUE ...]
#                                 another pebble (stopped when the test
#                                 exits); sets LAB_PEBBLE_URL,
#                                 LAB_PEBBLE_MGMT, LAB_PEBBLE_EAB
# A test that fails while the lab's pebble does not answer (pebble 2.4 can
# deadlock) is run once more after a pebble restart: tests/lab/README.md,
# "A hung pebble". TEST_CLEANUP_EXTRA names a function of the test's to run
# when it exits.
# Every BIND server logs its queries ($PRIMARY_QUERYLOG, $NS6_QUERYLOG,
# $ACMEUP_LAB_DIR/nsN/queries.log): grep there to prove who was asked.
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

LAB_SCRIPT=$ACMEUP_SOURCE/tests/lab/lab
# A lab started by an older tests/lab/lab has only example.test.
LAB_ZONE_SERVERS=${LAB_ZONE_SERVERS:-$ZONE=$PRIMARY,$SECONDARY}
LAB_TXT_ZONES=${LAB_TXT_ZONES:-}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/acmeup-$TEST_NAME.XXXXXX")
# A label no other run of any test uses (8 hex digits).
# shellcheck disable=SC2034 # for the tests
RUN_TAG=t$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
# Where the CA's lookups of this test start in the resolver's query log.
CA_LOG=${RESOLVER_QUERYLOG:-}
CA_LOG_START=0
[ -z "$CA_LOG" ] || CA_LOG_START=$(stat -c %s "$CA_LOG" 2>/dev/null || echo 0)
# A sanitized acmeup (ACMEUP_SANITIZE=ON; tests/run) writes every ASan or
# UBSan report here and stops at the first one; the test fails on a report
# even when it expected acmeup to fail. Other programs ignore these.
SANITIZER_REPORTS=$TMP/sanitizer
mkdir -p "$SANITIZER_REPORTS"
TEST_ASAN_OPTIONS0=${ASAN_OPTIONS:-}
TEST_UBSAN_OPTIONS0=${UBSAN_OPTIONS:-}
TEST_ARGS=("$@")
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$SANITIZER_REPORTS/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$SANITIZER_REPORTS/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LAB_LAG_RESTORE= # the lag before the test's first lab_lag
LAB_PEBBLES=()   # extra pebbles the test started
FRONT_PID=       # the HTTPS front of start_front, if any
FRONT_ADDED=     # its loopback address, when start_front added it
TEST_PIDS=()     # background helpers of the test, killed when it exits
TEST_CLEANUP_EXTRA= # a function of the test's to run when it exits
cleanup() {
	local rc=$? name report reported='' pid hung=
	for pid in ${TEST_PIDS[@]+"${TEST_PIDS[@]}"}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for report in "$SANITIZER_REPORTS"/*; do
		[ -e "$report" ] || continue
		printf 'FAIL %s: sanitizer report %s:\n' "$TEST_NAME" "${report##*/}" >&2
		cat "$report" >&2
		reported=1
	done
	if [ "$rc" != 0 ] && [ -z "$reported" ] && [ -z "${ACMEUP_TEST_RETRY:-}" ] &&
		! pebble_answers "$ACME_DIR"; then
		hung=1
	fi
	if [ -n "$FRONT_PID" ]; then
		kill "$FRONT_PID" 2>/dev/null || true
		wait "$FRONT_PID" 2>/dev/null || true
	fi
	[ -z "$FRONT_ADDED" ] || ip addr del "$FRONT_ADDED/32" dev lo 2>/dev/null || true
	[ -z "$TEST_CLEANUP_EXTRA" ] || "$TEST_CLEANUP_EXTRA" || true
	for name in ${LAB_PEBBLES[@]+"${LAB_PEBBLES[@]}"}; do
		ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$LAB_SCRIPT" pebble-down "$name" || true
	done
	if [ -n "$LAB_LAG_RESTORE" ]; then
		ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$LAB_SCRIPT" lag "$LAB_LAG_RESTORE" 2>/dev/null || true
	fi
	check_ca_names || reported=1
	rm -rf "$TMP"
	[ -z "$hung" ] || retry_after_pebble_restart
	[ -z "$reported" ] || exit 1
}
trap cleanup EXIT

# pebble_answers URL: true when the ACME server at URL creates an account
# within $PEBBLE_PROBE_SECONDS (8) s. An account takes pebble's store lock for writing, which a
# deadlocked pebble 2.4 never grants (tests/lab/README.md, "A hung pebble");
# its /dir still answers, so that is no probe.
pebble_answers() {
	local d rc=0
	d=$(mktemp -d "${TMPDIR:-/tmp}/acmeup-probe.XXXXXX")
	ASAN_OPTIONS="$TEST_ASAN_OPTIONS0" UBSAN_OPTIONS="$TEST_UBSAN_OPTIONS0" \
		timeout --kill-after=2 "${PEBBLE_PROBE_SECONDS:-8}" "$ACMEUP" account register --server "$1" \
		--ca-bundle "$ACME_CA_BUNDLE" --state-dir "$d" --agree-tos \
		>/dev/null 2>&1 </dev/null || rc=$?
	rm -rf "$d"
	return "$rc"
}

# retry_after_pebble_restart: the test failed and the lab's pebble no longer
# answers, a fault of the CA stand-in, not of acmeup: restart pebble and run
# the test once more from the start (same pid, so check_ca_names sees one
# test). A second failure stands.
retry_after_pebble_restart() {
	printf '%s: the lab pebble at %s does not answer (hung); restarting it and running the test once more\n' \
		"$TEST_NAME" "$ACME_DIR" >&2
	ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$LAB_SCRIPT" pebble-restart || exit 1
	trap - EXIT
	ASAN_OPTIONS="$TEST_ASAN_OPTIONS0" UBSAN_OPTIONS="$TEST_UBSAN_OPTIONS0" \
		ACMEUP_TEST_RETRY=1 exec bash "$0" "${TEST_ARGS[@]}"
}

# ca_names: the _acme-challenge names (and names below them) that anyone
# asked the lab's resolver for since this test started, lowercased, one a
# line. unbound logs "info: ADDR NAME. TYPE CLASS" per query (log-queries).
ca_names() {
	[ -n "$CA_LOG" ] && [ -f "$CA_LOG" ] || return 0
	tail -c "+$((CA_LOG_START + 1))" "$CA_LOG" |
		sed -n 's/.* info: [0-9a-fA-F.:]* \([^ ]*_acme-challenge[^ ]*\)\. [A-Z0-9]* IN$/\1/p' |
		tr '[:upper:]' '[:lower:]' | sort -u
}

# check_ca_names: records this test's CA lookups in $ACMEUP_LAB_DIR/ca-names
# ("NAME TEST PID" lines) and fails, naming both tests, when another test of
# this lab run looked up the same name (see the header).
check_ca_names() {
	local reg=$ACMEUP_LAB_DIR/ca-names name other clash=
	[ -n "$CA_LOG" ] || return 0
	while read -r name; do
		[ -n "$name" ] || continue
		other=$(awk -v n="$name" -v me="$TEST_NAME $$" \
			'$1 == n && $2 " " $3 != me { print $2; exit }' "$reg" 2>/dev/null)
		if [ -n "$other" ]; then
			# shellcheck disable=SC2016 # the variable's name, for the reader
			printf 'FAIL %s: the CA looked up %s in this test and in %s (same lab run): its resolver caches the answer, so one order can meet the other'"'"'s record; use names of your own (%s)\n' \
				"$TEST_NAME" "$name" "$other" '$RUN_TAG' >&2
			clash=1
		fi
		printf '%s %s %s\n' "$name" "$TEST_NAME" "$$" >>"$reg"
	done < <(ca_names)
	[ -z "$clash" ]
}

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

# wait_line FILE PATTERN SECONDS: true once FILE has a line with PATTERN
# (checked every 0.1 s), false after SECONDS.
wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# signal_and_reap SIG PID NAME: send SIG to acmeup run NAME (started in the
# background as PID), give it 10 s to exit (else kill it and fail), and
# set RC to its exit status.
signal_and_reap() {
	local i
	kill "-$1" "$2"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$2" 2>/dev/null; then
		kill -KILL "$2"
		show_output "$3"
		fail "$3: acmeup still running 10 s after SIG$1"
	fi
	RC=0
	wait "$2" || RC=$?
}

show_output() {
	printf -- '--- acmeup %s: stderr ---\n' "$1" >&2
	tail -n 40 "$TMP/$1.err" >&2 || true
	printf -- '--- acmeup %s: stdout ---\n' "$1" >&2
	tail -n 20 "$TMP/$1.out" >&2 || true
}

# json_summary FILE: "issued renewed skipped failed" from the --json report
# of issue or renew in FILE (empty when it is not one).
json_summary() {
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(s["issued"], s["renewed"], s["skipped"], s["failed"])' "$1" 2>/dev/null || true
}

# The usual issue arguments against the lab; add -d NAME ... and more.
# shellcheck disable=SC2034 # used by the tests
ISSUE=(issue --server "$ACME_DIR" --ca-bundle "$ACME_CA_BUNDLE"
	--resolver "$RESOLVER" --email admin@example.test --agree-tos)

# acct_dir STATE [DIRECTORY_URL [EAB_KID]]: the account directory of that
# CA (default: the lab pebble) under STATE, as store_account_dir names it:
# STATE/accounts/ID, ID the first 16 hex digits of SHA-256("URL\nKID").
acct_dir() {
	local id
	id=$(printf '%s\n%s' "${2:-$ACME_DIR}" "${3:-}" | sha256sum | cut -c1-16)
	echo "$1/accounts/$id"
}

# lab_conf STATE OUT: the global settings of an acmeup.conf for the lab
# (CA, resolver, account, the update key), on stdout; cert and zone blocks
# follow.
lab_conf() {
	cat <<EOF
server      $ACME_DIR
ca-bundle   $ACME_CA_BUNDLE
resolver    $RESOLVER
email       admin@example.test
agree-tos   yes
tsig-key    $TSIG_KEY
state-dir   $1
out         $2
EOF
}

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

# zone_axfr SERVER ZONE: the zone's records at SERVER, SOA first; nothing
# when the transfer fails.
zone_axfr() {
	dig +time=2 +tries=1 +nocmd +nostats +nocomments "@$1" "$2" AXFR 2>/dev/null |
		grep -v '^;' | grep -v '^$' || true
}

# zone_serial SERVER ZONE: the SOA serial SERVER answers (no recursion), or "".
zone_serial() {
	local out
	out=$(dig +time=2 +tries=1 +norec +short "@$1" "$2" SOA 2>/dev/null) || true
	# shellcheck disable=SC2086 # split the SOA into its fields
	set -- $out
	echo "${3:-}"
}

# zone_txt SERVER NAME: the TXT data SERVER itself holds for NAME (no
# recursion), one record a line as dig prints it ("a" "b"), sorted; nothing
# when there is none (or NAME is a CNAME).
zone_txt() {
	dig +time=2 +tries=1 +norec +short "@$1" "$2" TXT 2>/dev/null |
		grep '^"' | sort || true
}

# challenge_filter ZONE: from AXFR lines on stdin, the challenge data (records
# at _acme-challenge names; every TXT in a zone delegated for challenges)
# that the lab itself did not put there.
challenge_filter() {
	local all=0 z base=$ACMEUP_LAB_DIR/baseline/$1
	for z in $LAB_TXT_ZONES; do
		[ "$z" != "$1" ] || all=1
	done
	[ -f "$base" ] || base=
	awk -v all_txt=$all -v base="$base" -f "$ACMEUP_SOURCE/tests/lab/challenge-lib.awk" \
		-f "$ACMEUP_SOURCE/tests/lab/challenge-records.awk"
}

# challenge_records SERVER [ZONE]: challenge data ZONE (default $ZONE) holds
# at SERVER (one AXFR).
challenge_records() {
	dig +time=2 +tries=1 +nocmd +nostats +nocomments "@$1" "${2:-$ZONE}" AXFR 2>/dev/null |
		challenge_filter "${2:-$ZONE}"
}

# axfr_serial: the serial of the first SOA in AXFR lines on stdin (builtins
# only).
axfr_serial() {
	local type serial
	while read -r _ _ _ type _ _ serial _; do
		if [ "$type" = SOA ]; then
			echo "$serial"
			return 0
		fi
	done
}

# serial_ge A B: RFC 1982 serial A is B or later.
serial_ge() {
	(((($1 - $2) & 0xffffffff) < 0x80000000))
}

# catch_up SERVER ZONE SERIAL SECONDS: waits until SERVER has SERIAL or
# later, polling every 50 ms, at most SECONDS (whole). False on timeout.
catch_up() {
	local s i
	for ((i = 0; i <= $4 * 20; i++)); do
		s=$(zone_serial "$1" "$2")
		if [ -n "$s" ] && serial_ge "$s" "$3"; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# How long (whole seconds) SERVER may take to follow its primary: NOTIFY +
# IXFR time (3 s), plus the lab lag for the lagging secondary; "never"
# when it does not follow at all now.
follow_seconds() {
	local lag
	if [ "$1" != "${LAG_SERVER:-}" ]; then
		echo 3
		return 0
	fi
	lag=$(cat "${LAG_FILE:-/dev/null}" 2>/dev/null) || lag=5
	case $lag in
	never) echo never ;;
	'' | *[!0-9.]*) echo 8 ;;
	*) echo $((${lag%%.*} + 4)) ;;
	esac
}

# zone_leftovers ZONE PRIMARY [SECONDARY...]: report lines for the challenge
# data ZONE holds on its servers (nothing when clean). One AXFR a server; a
# secondary behind the primary's serial is waited for (follow_seconds) and
# transferred again.
zone_leftovers() {
	local zone=$1 primary=$2 server axfr serial s left wait
	shift 2
	axfr=$(zone_axfr_raw "$primary" "$zone")
	serial=$(axfr_serial <<<"$axfr")
	if [ -z "$serial" ]; then
		printf 'the primary %s gives no AXFR of %s\n' "$primary" "$zone"
		return 0
	fi
	left=$(challenge_filter "$zone" <<<"$axfr")
	[ -z "$left" ] || printf 'challenge data left in %s on its primary %s:\n%s\n' "$zone" "$primary" "$left"
	for server in "$@"; do
		wait=$(follow_seconds "$server")
		if [ "$wait" = never ]; then
			printf 'note %s: %s not checked for %s (lab lag never)\n' \
				"$TEST_NAME" "$server" "$zone" >&2
			continue
		fi
		axfr=$(zone_axfr_raw "$server" "$zone")
		s=$(axfr_serial <<<"$axfr")
		if [ -z "$s" ] || ! serial_ge "$s" "$serial"; then
			catch_up "$server" "$zone" "$serial" "$wait" || true
			axfr=$(zone_axfr_raw "$server" "$zone")
			s=$(axfr_serial <<<"$axfr")
		fi
		left=$(challenge_filter "$zone" <<<"$axfr")
		[ -z "$left" ] || printf 'challenge data left in %s on %s (its serial %s, the primary'"'"'s %s; waited up to %s s):\n%s\n' \
			"$zone" "$server" "${s:-none}" "$serial" "$wait" "$left"
	done
	return 0
}

# zone_axfr_raw SERVER ZONE: dig's AXFR output (nothing on failure).
zone_axfr_raw() {
	dig +time=2 +tries=1 +nocmd +nostats +nocomments "@$1" "$2" AXFR 2>/dev/null || true
}

# challenge_sweep: "clean" when one dig transferring every lab zone from
# every server that serves it finds no challenge data and no secondary
# behind its primary (tests/lab/challenge-sweep.awk), else "slow". About
# 0.1 s, against 1.7 s for the zone-by-zone check below.
challenge_sweep() {
	local zs zone server role plan=''
	local -a q=() servers
	for zs in $LAB_ZONE_SERVERS; do
		zone=${zs%%=*}
		role=P
		IFS=, read -r -a servers <<<"${zs#*=}"
		for server in "${servers[@]}"; do
			if [ "$server" = "${LAG_SERVER:-}" ] && [ "$(follow_seconds "$server")" = never ]; then
				echo slow
				return 0
			fi
			plan+="$zone $server $role;"
			q+=("$zone" AXFR "@$server")
			role=S
		done
	done
	dig +time=2 +tries=1 +nocmd +nostats +nocomments "${q[@]}" 2>/dev/null |
		awk -v plan="${plan%;}" -v txt_zones="$LAB_TXT_ZONES" \
			-v basedir="$ACMEUP_LAB_DIR/baseline" \
			-f "$ACMEUP_SOURCE/tests/lab/challenge-lib.awk" \
			-f "$ACMEUP_SOURCE/tests/lab/challenge-sweep.awk"
}

# Fails if any lab zone, on any server that serves it, holds challenge data
# (records at _acme-challenge names; any TXT in acme-challenges.contoso.test)
# beyond what the lab put there. Primaries must be clean at once; each
# secondary gets until it has caught up with its primary's serial (3 s, or
# the lab lag + 4 s for the lagging one; a lag of "never" skips it, with a
# note). When the sweep finds everything clean at once, that is all;
# otherwise one AXFR per zone per server, the zones checked in parallel.
assert_no_challenge_records() {
	local zs zone servers i n=0 report='' part
	local -a pids=()
	[ "$(challenge_sweep)" != clean ] || return 0
	for zs in $LAB_ZONE_SERVERS; do
		zone=${zs%%=*}
		servers=${zs#*=}
		# shellcheck disable=SC2086 # one server a word
		zone_leftovers "$zone" ${servers//,/ } >"$TMP/leftovers.$n" &
		pids+=($!)
		n=$((n + 1))
	done
	wait "${pids[@]}" || true
	for ((i = 0; i < n; i++)); do
		part=$(<"$TMP/leftovers.$i")
		rm -f "$TMP/leftovers.$i"
		[ -z "$part" ] || report+=$part$'\n'
	done
	[ -z "$report" ] || fail "${report%$'\n'}"
}

# lab_lag SECONDS|never: ns3 ($LAG_SERVER) follows lag.test that late from
# now on; the lag the lab had is restored when the test exits.
lab_lag() {
	if [ -z "$LAB_LAG_RESTORE" ]; then
		LAB_LAG_RESTORE=$(cat "$LAG_FILE" 2>/dev/null) || LAB_LAG_RESTORE=5
	fi
	ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$LAB_SCRIPT" lag "$1" 2>/dev/null ||
		fail "tests/lab/lab lag $1 failed"
}

# lab_pebble_up NAME ADDR [--eab] [--blocklist NAMES] [VAR=VALUE ...]:
# another pebble (see tests/lab/README.md), stopped when the test exits.
# Sets LAB_PEBBLE_URL (its directory), LAB_PEBBLE_MGMT (management) and
# LAB_PEBBLE_EAB (its "KID HMACKEY" file with --eab, else "").
# shellcheck disable=SC2034 # for the tests
lab_pebble_up() {
	local url
	url=$(ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$LAB_SCRIPT" pebble-up "$@") ||
		fail "tests/lab/lab pebble-up $* failed"
	LAB_PEBBLES+=("$1")
	LAB_PEBBLE_URL=$url
	LAB_PEBBLE_MGMT=https://$2:15000
	LAB_PEBBLE_EAB=
	[ ! -s "$ACMEUP_LAB_DIR/pebble-$1/eab" ] || LAB_PEBBLE_EAB=$ACMEUP_LAB_DIR/pebble-$1/eab
}

# lab_pebble_upstream NAME ADDR: lab_pebble_up with the upstream pebble
# (dns-persist-01, dns-account-01; tests/lab/lib/pebble.sh), whose
# dns-persist-01 issuer name is $PEBBLE_CAA_IDENTITY. Exits 77 (skip) when
# $ACMEUP_PEBBLE_UPSTREAM (default ../shared/tools/pebble/pebble beside
# the checkout) is absent.
ACMEUP_PEBBLE_UPSTREAM=${ACMEUP_PEBBLE_UPSTREAM:-$ACMEUP_SOURCE/../shared/tools/pebble/pebble}
PEBBLE_CAA_IDENTITY=${PEBBLE_CAA_IDENTITY:-ca.acmeup.test}
export ACMEUP_PEBBLE_UPSTREAM PEBBLE_CAA_IDENTITY
lab_pebble_upstream() {
	if [ ! -x "$ACMEUP_PEBBLE_UPSTREAM" ]; then
		printf 'skip %s: no upstream pebble at %s\n' "$TEST_NAME" "$ACMEUP_PEBBLE_UPSTREAM"
		exit 77
	fi
	lab_pebble_up "$1" "$2" --upstream
}

# --- an HTTPS front before pebble (features pebble 2.4 lacks) ----------------

# start_front SCRIPT ADDR PORT: runs the python3 HTTPS server SCRIPT with the
# arguments ADDR PORT ACME_DIR CA_BUNDLE CERT KEY STATEDIR (the lab's pebble
# certificate is valid for 127.53.0.1 and .3-.9), waits (5 s at most) for it
# to create STATEDIR/ready, and stops it when the test exits.
start_front() {
	local script=$1 addr=$2 port=$3 i
	mkdir -p "$TMP/front"
	rm -f "$TMP/front/ready" # an earlier front's would end the wait below
	if ! ip -4 addr show dev lo | grep -q "inet $addr/"; then
		ip addr add "$addr/32" dev lo
		FRONT_ADDED=$addr
	fi
	python3 "$script" "$addr" "$port" "$ACME_DIR" "$ACME_CA_BUNDLE" \
		"$ACMEUP_LAB_DIR/pebble/cert.pem" "$ACMEUP_LAB_DIR/pebble/key.pem" \
		"$TMP/front" >"$TMP/front.log" 2>&1 &
	FRONT_PID=$!
	for ((i = 0; i < 50; i++)); do
		[ -e "$TMP/front/ready" ] && return 0
		sleep 0.1
	done
	fail "the front did not start: $(tail -n 5 "$TMP/front.log")"
}

# A tiny python3 HTTPS server of a test's own, a hostile or failing CA in
# one mode at a time: $TMP/front.py, run as "front.py ADDR:PORT CERT KEY
# MODE", prints "ready" once it listens. front_selfsigned ADDR:PORT makes
# its certificate ($TMP/front.pem, $TMP/front.key; give acmeup
# --ca-bundle $TMP/front.pem); front_py_up ADDR:PORT MODE (re)starts it,
# front_py_down stops it (also when the test exits).
front_selfsigned() {
	printf 'cn = "acmeup test front"\nip_address = "%s"\nexpiration_days = 2\ntls_www_server\n' \
		"${1%:*}" >"$TMP/front.cfg"
	certtool --generate-privkey --key-type ecdsa --outfile "$TMP/front.key" 2>/dev/null
	certtool --generate-self-signed --load-privkey "$TMP/front.key" \
		--template "$TMP/front.cfg" --outfile "$TMP/front.pem" 2>/dev/null
}
front_py_up() {
	local i
	front_py_down
	# Emptied here, not by the child's redirection: that runs after the
	# fork, and the loop below could read the last front's "ready".
	: >"$TMP/front.log"
	python3 "$TMP/front.py" "$1" "$TMP/front.pem" "$TMP/front.key" "$2" \
		>>"$TMP/front.log" 2>&1 &
	FRONT_PID=$!
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$TMP/front.log" && return 0
		sleep 0.1
	done
	fail "the HTTPS front did not start: $(cat "$TMP/front.log")"
}
front_py_down() {
	[ -z "$FRONT_PID" ] || { kill "$FRONT_PID" 2>/dev/null || true; wait "$FRONT_PID" 2>/dev/null || true; }
	FRONT_PID=
}

# snapshot DIR: every file below DIR with its SHA-256, to compare before
# and after (the working certificate unchanged).
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k 2); }

# cert_id PEM: the RFC 9773 4.1 certificate identifier, computed with
# openssl: base64url(AKI keyIdentifier) "." base64url(serial content octets,
# with a leading zero when the high bit is set).
cert_id() {
	local aki serial
	aki=$(openssl x509 -in "$1" -noout -ext authorityKeyIdentifier |
		sed -n 's/^[[:space:]]*\(keyid:\)\{0,1\}\([0-9A-Fa-f:]\{8,\}\)$/\2/p' | tr -d ':')
	serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)
	[ $((${#serial} % 2)) = 0 ] || serial=0$serial
	case $serial in [89A-Fa-f]*) serial=00$serial ;; esac
	printf '%s.%s' "$(printf '%s' "$aki" | hex_b64url)" "$(printf '%s' "$serial" | hex_b64url)"
}
hex_b64url() { xxd -r -p | basenc --base64url | tr -d '=\n'; }

# memscan PID HEX...: how often each byte string is in PID's memory.
memscan() {
	python3 - "$@" <<'PYEOF'
import sys
pid, needles = sys.argv[1], [bytes.fromhex(h) for h in sys.argv[2:]]
counts = [0] * len(needles)
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        f = line.split()
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        if "r" not in f[1] or hi - lo > 1 << 30 or f[-1] in ("[vvar]", "[vsyscall]"):
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        for i, n in enumerate(needles):
            counts[i] += data.count(n)
print(*counts)
PYEOF
}

# confined TAG FILE: the run TAG (run_acmeup, with -v and
# ACMEUP_TEST_OPEN=FILE) was confined as issue is (issue 13): its main
# process gave up root (when run as root), Landlock held it, and the test
# build's probe could not open FILE.
confined() {
	local err=$TMP/$1.err
	if [ "$(id -u)" = 0 ]; then
		grep -q "privsep: this process is uid [1-9]" "$err" ||
			{ show_output "$1"; fail "$1: the main process stayed root"; }
	fi
	grep -q "privsep: Landlock" "$err" || { show_output "$1"; fail "$1: no Landlock"; }
	grep -qxF "test: open $2: Permission denied" <(cut -c13- "$err") ||
		{ show_output "$1"; fail "$1: the main process's probe of $2 did not get EACCES"; }
}

# resume_ns2: the lab's ns2, stopped by gss_held, answers again.
resume_ns2() { kill -CONT "$(cat "$ACMEUP_LAB_DIR/ns2/pid")" 2>/dev/null || true; }

# gss_held TAG NAME STATE [ARGS...]: issue NAME with GSS-TSIG (the test's
# GSS options) in the background (PID) while the lab's ns2 is stopped,
# until it waits for the proof; ns2 stays stopped (resume_ns2: the test
# names it in TEST_CLEANUP_EXTRA). What acmeup asks the resolver (the
# name's SOA, the servers' addresses) is asked first, so that the answers
# do not depend on whether unbound picks the stopped ns2.
gss_held() {
	local tag=$1 name=$2 state=$3 q
	shift 3
	for q in "$name SOA" "ns1.$GSS_ZONE A" "ns1.$GSS_ZONE AAAA" "ns2.$GSS_ZONE A" "ns2.$GSS_ZONE AAAA"; do
		# shellcheck disable=SC2086 # name and type
		dig +time=2 +tries=2 +short "@$RESOLVER" $q >/dev/null 2>&1 || true
	done
	kill -STOP "$(cat "$ACMEUP_LAB_DIR/ns2/pid")"
	"$ACMEUP" "${ISSUE[@]}" -d "$name" "${GSS[@]}" --state-dir "$state" \
		--out "$TMP/out-$tag" -vv "$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	PID=$!
	TEST_PIDS+=("$PID")
	if ! wait_line "$TMP/$tag.err" "waiting for 2 authoritative servers" 30; then
		kill -KILL "$PID" 2>/dev/null || true
		resume_ns2
		show_output "$tag"
		fail "$tag: acmeup never started waiting"
	fi
}
