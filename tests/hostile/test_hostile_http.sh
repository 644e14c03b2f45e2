#!/usr/bin/env bash
# A hostile CA abuses HTTP and JSON (tests/hostile/fake_acme.py; the
# authorizations are valid already, so no DNS is involved). After a first
# good issuance, a renewal of the same names gets, per mode:
#   endless    a certificate body that never ends (chunked, fast)
#   slow       a certificate body of one byte a second
#   certhttp   a certificate URL on http://
#   redirhttp  newOrder answers 307 to http:// (a sink that logs)
#   redirhost  newOrder answers 307 to https://localhost (another sink)
#   badjson    a cut-off JSON order
#   types      an order whose members have the wrong JSON types
#   hugejson   a 3.9 MB order (300000 authorization URLs)
#   deepjson   an array nested 1000000 deep
#   escape     a problem document whose detail holds terminal escapes and
#              a newline forging an "acmeup: certificate issued" line
#   retry0     after finalize the order stays "processing" with
#              Retry-After: 0 (stopped by SIGTERM after 7 s)
# The renewals run with --http-timeout 10: a stall is cut within 10 s (the
# default, 60 s, is the same code with another number).
# Each must fail (exit 1) without storing anything or running the hook,
# within time and memory bounds, following no redirect; retry0 must poll
# at most about once a second; escape must reach the terminal as
# printable text only, while --json keeps the CA's exact text. The runs go
# side by side, each with its own copy of the state and certificate.
# shellcheck source=tests/hostile/lib.sh
. "$(dirname "$0")/lib.sh"

start_fake_ca 127.53.0.9 16100
R=$RANDOM$RANDOM
NAMES=(-d "h$R.$ZONE" -d "w.h$R.$ZONE")

run_mode() { # MODE SECONDS [ARGS...]: a renewal through the fake CA in MODE
	local mode=$1 secs=$2
	shift 2
	hostile_run "$mode" "$secs" "${ISSUE[@]}" --server "$CA_URL/$mode/dir" \
		"${NAMES[@]}" --cert-name work --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state-$mode" --out "$TMP/out-$mode" \
		--deploy-hook "touch $TMP/hook.$mode" --http-timeout 10 "$@"
}

mkdir -p "$TMP/state-first" "$TMP/out-first"
hostile_run first 30 "${ISSUE[@]}" --server "$CA_URL/valid/dir" "${NAMES[@]}" \
	--cert-name work --tsig-key "$TSIG_KEY" --state-dir "$TMP/state-first" \
	--out "$TMP/out-first"
[ "$RC" = 0 ] || { show_output first; fail "first issuance: exit $RC"; }
RSS_MAX=$((RSS_KB + RSS_SLACK_KB))
BEFORE=$(snapshot "$TMP/out-first")
ok "first issuance: ${ELAPSED_MS} ms, ${RSS_KB} KiB"

MODES=(endless slow certhttp redirhttp redirhost badjson types hugejson deepjson escape retry0)
mark=$(log_mark)
pids=()
for mode in "${MODES[@]}"; do
	cp -a "$TMP/state-first" "$TMP/state-$mode"
	cp -a "$TMP/out-first" "$TMP/out-$mode"
	case $mode in
	endless | hugejson) run_mode "$mode" 55 & ;;
	slow) run_mode slow 55 & ;;
	escape) run_mode escape 40 --json & ;;
	retry0) HOSTILE_TERM=1 run_mode retry0 7 & ;;
	*) run_mode "$mode" 40 & ;;
	esac
	pids+=($!)
done
wait "${pids[@]}" || true

# check_mode MODE SECONDS: the common checks, then MODE's own.
# check_mode MODE SECONDS [EXIT]: the run of MODE exited EXIT (1) within
# SECONDS, and every rule of hostile_check holds.
check_mode() {
	local mode=$1
	hostile_load "$mode"
	hostile_check "$mode" "${3:-1}" "$2" "$RSS_MAX" "$mark" "$TMP/out-$mode" "$BEFORE" "$TMP/hook.$mode"
	if declare -F "check_$mode" >/dev/null; then "check_$mode"; fi
	ok "$mode: refused in ${ELAPSED_MS} ms, ${RSS_KB} KiB ($(tail -n 1 "$TMP/$mode.err" | cut -c1-160))"
}

# No redirect is followed: the sinks saw nothing.
check_sinks() {
	! grep -q " sink:" "$TMP/ca/requests.log" ||
		fail "a redirect or an http:// URL was followed: $(grep " sink:" "$TMP/ca/requests.log")"
}
check_redirhttp() { check_sinks; }
check_redirhost() { check_sinks; }
check_certhttp() { check_sinks; }

# Printable text on stderr; the exact text, escaped, in --json.
check_escape() {
	assert_printable escape
	"$PYTHON" - "$TMP/escape.out" <<-'PY' || fail "escape: --json does not keep the CA's exact detail"
		import json, sys
		forged = ("\x1b[31mred alert\x1b[0m\x1b]0;title\x07\n"
		          "acmeup: certificate issued for victim\r\n\x1b[2Kdone")
		with open(sys.argv[1]) as f:
		    err = json.load(f)["certificates"][0]["error"]
		sys.exit(0 if forged in err else 1)
	PY
}

# At most one poll a second after finalize (Retry-After: 0 is not obeyed
# literally); SIGTERM ends the run.
check_retry0() {
	local fin n span
	fin=$(ca_requests retry0 POST | awk '$4 ~ /\/finalize\// { print $1; exit }')
	[ -n "$fin" ] || fail "retry0: the order was never finalized"
	read -r n span < <(ca_requests retry0 POST | awk -v t="$fin" \
		'$4 ~ /\/order\// && $1 > t { n++; last = $1 } END { printf "%d %d\n", n, last - t + 1 }')
	[ "$n" -le $((span + 2)) ] ||
		fail "retry0: $n order polls in ${span} s after finalize (Retry-After: 0 obeyed literally)"
}

# retry0 ends by SIGTERM: acmeup's own exit status (143: 128 + SIGTERM).
for mode in "${MODES[@]}"; do
	case $mode in
	# 4 MB read (or parsed) under ASan on a loaded machine: up to 22 s seen.
	endless | hugejson) hostile_soft check_mode "$mode" 45 ;;
	# A byte a second is cut within --http-timeout 10.
	slow) hostile_soft check_mode slow 25 ;;
	retry0) hostile_soft check_mode retry0 15 143 ;;
	*) hostile_soft check_mode "$mode" 30 ;;
	esac
done
hostile_done
