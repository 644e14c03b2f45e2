# shellcheck shell=bash
# Helpers for the hostile-peer tests (tests/hostile/test_*.sh), on top of
# tests/integration/lib.sh (sourced here: the lab, $TMP, sanitizer reports,
# fail/ok). The peers are small Python programs of this directory (Debian's
# /usr/bin/python3, standard library only):
#   fake_acme.py  a fake CA over HTTPS, one mode per hostile behaviour,
#                 chosen by the first path segment: https://ADDR:PORT/MODE/dir
#   fake_dns.py   a DNS relay before a lab server that forges, mangles or
#                 drops per mode
# Each run of acmeup is checked the same way (hostile_check): its exit code,
# its time and its memory (GNU time's max RSS), the certificate of a first
# good issuance unchanged byte for byte, no deploy hook run, no UPDATE on
# the lab primary at a name outside the order (BIND's update log), and no
# sanitizer report (lib.sh, when the test exits).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HOSTILE_DIR=$ACMEUP_SOURCE/tests/hostile
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || fail "python3 is needed for the fake peers"
[ -x /usr/bin/time ] || fail "GNU time (/usr/bin/time, package time) is needed: tests/lib/deps.sh"
NAMED_LOG=$ACMEUP_LAB_DIR/ns1/named.log
# ASan keeps freed memory in quarantine (256 MB): a body read in growing
# chunks would look like that much RSS. A small one keeps the RSS bounds
# about acmeup's own memory (a use after free is still found).
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1"
# The RSS bound of a hostile run: the first good run's RSS plus this.
# shellcheck disable=SC2034 # for the tests
RSS_SLACK_KB=32768
HOSTILE_PIDS=()

hostile_cleanup() {
	local pid
	for pid in ${HOSTILE_PIDS[@]+"${HOSTILE_PIDS[@]}"}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	cleanup
}
trap hostile_cleanup EXIT

# start_fake_ca ADDR PORT: fake_acme.py on ADDR:PORT (the lab's pebble TLS
# certificate: ADDR one of 127.53.0.3-9), PORT+1 and 127.0.0.1:PORT+2 (its
# sinks); state in $TMP/ca (requests.log). Sets CA_URL (add MODE/dir).
start_fake_ca() {
	local addr=$1 port=$2 i
	mkdir -p "$TMP/ca"
	rm -f "$TMP/ca/ready" # an earlier CA's would end the wait below
	if ! ip -4 addr show dev lo | grep -q "inet $addr/"; then
		ip addr add "$addr/32" dev lo
		# shellcheck disable=SC2034 # lib.sh's cleanup removes it
		FRONT_ADDED=$addr
	fi
	"$PYTHON" "$HOSTILE_DIR/fake_acme.py" "$addr" "$port" \
		"$ACMEUP_LAB_DIR/pebble/cert.pem" "$ACMEUP_LAB_DIR/pebble/key.pem" \
		"$TMP/ca" >"$TMP/fake_acme.log" 2>&1 &
	HOSTILE_PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		if [ -e "$TMP/ca/ready" ]; then
			# shellcheck disable=SC2034 # for the tests
			CA_URL=https://$addr:$port
			return 0
		fi
		sleep 0.1
	done
	fail "the fake CA did not start: $(tail -n 5 "$TMP/fake_acme.log")"
}

# ca_requests MODE [METHOD]: lines of the fake CA's log for MODE.
ca_requests() {
	awk -v m="$1" -v meth="${2:-}" '$3 == m && (meth == "" || $2 == meth)' "$TMP/ca/requests.log" 2>/dev/null || true
}

# log_mark: the current length of BIND's (the primary's) log, for
# updates_since.
log_mark() { wc -l <"$NAMED_LOG"; }

# updates_since MARK: the owner names the primary changed (added or
# deleted an RR at) since MARK, one a line, lower case, sorted, unique.
updates_since() {
	tail -n +"$(($1 + 1))" "$NAMED_LOG" |
		sed -n "s/.*: updating zone '[^']*': \(adding\|deleting\) an RR at '\{0,1\}\([^' ]*\)'\{0,1\} .*/\2/p" |
		tr '[:upper:]' '[:lower:]' | sort -u
}

# snapshot DIR: sha256 of every file under DIR, sorted by path.

# hostile_run NAME SECONDS ARGS...: acmeup ARGS under GNU time, killed
# after SECONDS (with HOSTILE_TERM=1: SIGTERM then, and RC is acmeup's own
# status); sets RC (124, or 137 after SIGKILL: the bound was hit),
# ELAPSED_MS and RSS_KB (max resident set of acmeup); output in
# $TMP/NAME.{out,err}, the three numbers in $TMP/NAME.res (hostile_load
# NAME reads them back: for runs in the background).
hostile_run() {
	local name=$1 limit=$2 t0 rc=0 ms rss
	local -a to=(timeout --kill-after=3)
	shift 2
	[ -z "${HOSTILE_TERM:-}" ] || to+=(--preserve-status --signal=TERM)
	t0=$(date +%s%N)
	/usr/bin/time -f %M -o "$TMP/$name.rss" "${to[@]}" "$limit" \
		"$ACMEUP" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	rss=$(tail -n 1 "$TMP/$name.rss" 2>/dev/null) || rss=
	case $rss in '' | *[!0-9]*) rss=0 ;; esac
	echo "$rc $ms $rss" >"$TMP/$name.res"
	hostile_load "$name"
}

hostile_load() {
	read -r RC ELAPSED_MS RSS_KB <"$TMP/$1.res" || fail "$1: no result"
}

# hostile_check NAME WANT_RC MAX_SECONDS MAX_RSS_KB MARK OUTDIR BEFORE
#               HOOKFILE ALLOWED...
# Fails unless the last hostile_run NAME exited WANT_RC within MAX_SECONDS
# using at most MAX_RSS_KB, OUTDIR still has the snapshot BEFORE, HOOKFILE
# does not exist, and every name the primary changed since MARK is one of
# ALLOWED (owner names, lower case). Every broken rule is named.
hostile_check() {
	local name=$1 want=$2 secs=$3 rss=$4 mark=$5 out=$6 before=$7 hook=$8 n bad='' why=''
	shift 8
	case $RC in
	"$want") ;;
	124 | 137) why+="; no result within its time bound (killed after ${ELAPSED_MS} ms)" ;;
	134) why+="; acmeup aborted (exit 134: a sanitizer report?), want exit $want" ;;
	*) why+="; exit $RC, want $want" ;;
	esac
	[ "$ELAPSED_MS" -le $((secs * 1000)) ] || why+="; took ${ELAPSED_MS} ms, more than $secs s"
	[ "$RSS_KB" -le "$rss" ] || why+="; max RSS ${RSS_KB} KiB, more than $rss KiB"
	if [ -n "$out" ] && [ "$(snapshot "$out")" != "$before" ]; then
		why+="; the working certificate in $out changed"
	fi
	[ -z "$hook" ] || [ ! -e "$hook" ] || why+="; the deploy hook ran"
	while read -r n; do
		[ -n "$n" ] || continue
		case " $* " in *" $n "*) ;; *) bad+=" $n" ;; esac
	done < <(updates_since "$mark")
	[ -z "$bad" ] || why+="; UPDATEs at names this run may not write:$bad"
	[ -n "$why" ] || return 0
	[ "$RC" = "$want" ] || show_output "$name"
	fail "$name: ${why#; }"
}

# hostile_soft CMD...: runs CMD (a function that may fail) in a subshell;
# a failure is counted in HOSTILE_FAILED (the reason is printed already),
# so that every mode is tried. hostile_done fails if any did.
HOSTILE_FAILED=()
hostile_soft() {
	("$@") || HOSTILE_FAILED+=("$2")
}
hostile_done() {
	[ ${#HOSTILE_FAILED[@]} = 0 ] || fail "hostile modes that failed: ${HOSTILE_FAILED[*]}"
}

# start_fake_dns LISTEN=UPSTREAM...: fake_dns.py relays (ADDR:PORT each);
# the mode of the one on port P is in $TMP/dnsmode/P (dns_mode P MODE), its
# log in $TMP/dns.log ("SECONDS PORT KIND MODE ACTION").
start_fake_dns() {
	mkdir -p "$TMP/dnsmode"
	"$PYTHON" "$HOSTILE_DIR/fake_dns.py" "$TMP/dnsmode" "$TMP/dns.log" "$@" \
		>"$TMP/fake_dns.out" 2>&1 &
	HOSTILE_PIDS+=($!)
	wait_line "$TMP/fake_dns.out" ready 10 ||
		fail "the DNS relay did not start: $(tail -n 5 "$TMP/fake_dns.out")"
}
dns_mode() { echo "$2" >"$TMP/dnsmode/$1"; }

# relay_log PORT: the relay log's lines for PORT.
relay_log() { awk -v p="$1" '$2 == p' "$TMP/dns.log" 2>/dev/null || true; }

# assert_printable NAME: the stderr of run NAME holds no control
# characters but newlines and tabs (the CA's ESC, BEL, CR stay out of the
# terminal), and no line the CA forged ("acmeup: certificate issued").
assert_printable() {
	local ctl
	ctl=$(LC_ALL=C tr -dc '\000-\010\013-\037\177' <"$TMP/$1.err" | wc -c)
	[ "$ctl" = 0 ] || fail "$1: $ctl control characters (ESC, BEL, CR) from the CA reach the terminal"
	! grep -q '^acmeup: certificate issued' "$TMP/$1.err" ||
		fail "$1: the CA forged a line \"acmeup: certificate issued ...\" on stderr"
}
