# shellcheck shell=bash
# The lab's processes and loopback addresses (sourced by tests/lab/lab).
# Every service NAME lives in $LAB/NAME/ with its pid file NAME/pid and its
# output NAME/log; it is stopped by that pid only, never by name.

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Microseconds since the epoch, without a fork.
now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo "$t"
}

# Sets COMM to the command name (a pattern) a service's pid must have
# (guards against pid reuse).
svc_comm() {
	case $1 in
	ns[0-9]) COMM=named ;;
	knot) COMM=knotd ;;
	kdc) COMM=krb5kdc ;;
	pdns) COMM=pdns_server ;;
	lagger) COMM='python3*' ;; # python3, python3.11, ...
	pebble | pebble-*) COMM=pebble ;;
	*) COMM=$1 ;;
	esac
}

# True while pid $1 runs (a zombie awaiting its reaper does not count).
# Builtins only: the lab polls this a lot.
alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Sets PID to the pid of running service $1, or "".
svc_find() {
	local f=$LAB/$1/pid comm cmd
	PID=
	{ read -r PID <"$f"; } 2>/dev/null || PID=
	case $PID in '' | *[!0-9]*) PID= && return 0 ;; esac
	svc_comm "$1"
	{ read -r comm <"/proc/$PID/comm"; } 2>/dev/null || comm=
	# shellcheck disable=SC2053 # COMM may be a pattern
	if [[ $comm != $COMM ]] || ! alive "$PID"; then
		PID=
	elif [ "$1" = lagger ]; then
		# A python3 process: it must also run the lagger script.
		{ read -r -d '' cmd; read -r -d '' cmd; } <"/proc/$PID/cmdline" 2>/dev/null || true
		[ "${cmd##*/}" = lagger.py ] || PID=
	fi
	return 0
}

# Prints the pid of a running service, or nothing.
svc_pid() {
	svc_find "$1"
	[ -z "$PID" ] || echo "$PID"
}

# Stops services "$@" together: TERM to all, up to 10 s, then KILL; by pid.
svc_stop() {
	local svc pid i left
	local -a pids=()
	for svc in "$@"; do
		svc_find "$svc"
		if [ -n "$PID" ]; then
			kill -TERM "$PID" 2>/dev/null || true
			pids+=("$PID")
		fi
	done
	for ((i = 0; i < 750 && ${#pids[@]} > 0; i++)); do
		left=()
		for pid in "${pids[@]}"; do
			alive "$pid" && left+=("$pid")
		done
		pids=("${left[@]}")
		[ ${#pids[@]} = 0 ] && break
		if [ "$i" = 500 ]; then
			log "pids ${pids[*]} ignored TERM for 10 s; sending KILL"
			kill -KILL "${pids[@]}" 2>/dev/null || true
		fi
		sleep 0.02
	done
	for svc in "$@"; do
		rm -f "$LAB/$svc/pid"
	done
}

# Starts "$@" in the background as service $1 with its output in its log.
svc_spawn() {
	local svc=$1
	shift
	local pid i
	"$@" >"$LAB/$svc/log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$LAB/$svc/pid"
	# Until the forked shell has exec'd, its name is not the service's.
	for ((i = 0; i < 250; i++)); do
		svc_find "$svc"
		[ -n "$PID" ] && return 0
		alive "$pid" || return 0
		sleep 0.02
	done
}

log_tail() {
	local f
	for f in "$LAB/$1/log" "$LAB/$1/named.log"; do
		if [ -s "$f" ]; then
			log "--- last lines of $f ---"
			tail -n 25 "$f" >&2
		fi
	done
}

# wait_for SVC DESCRIPTION CHECK-COMMAND...: polls every 0.05 s, bounded by
# WAIT_SECONDS.
wait_for() {
	local svc=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + WAIT_SECONDS))
	while [ "$SECONDS" -lt "$deadline" ]; do
		svc_find "$svc"
		if [ -z "$PID" ]; then
			log "$svc exited during start-up"
			log_tail "$svc"
			return 1
		fi
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	log "$svc: $what not ready after $WAIT_SECONDS s"
	log_tail "$svc"
	return 1
}

# --- addresses --------------------------------------------------------------

# addr_add ADDR RECORD-FILE: adds ADDR/32 to lo unless present, noting it in
# RECORD-FILE so that it is removed again (and only then).
addr_add() {
	if ip -4 addr show dev lo | grep -q "inet $1/"; then
		return 0
	fi
	if ip addr add "$1/32" dev lo 2>/dev/null; then
		echo "$1" >>"$2"
	else
		# 127/8 is local on Linux: binding may still work.
		log "warning: could not add $1/32 to lo (not root?)"
	fi
}

# addrs_remove RECORD-FILE: removes the addresses addr_add noted there.
addrs_remove() {
	local a
	[ -f "$1" ] || return 0
	while read -r a; do
		if [ -n "$a" ]; then
			ip addr del "$a/32" dev lo 2>/dev/null || true
		fi
	done <"$1"
	rm -f "$1"
}

# ports_free ADDRS...: fails with the culprit when something listens on a
# lab port (53, 953, 14000, 15000) of one of ADDRS or of a wildcard address.
ports_free() {
	local busy
	busy=$(ss -Hlntup 2>/dev/null | awk -v addrs=" $* " '
		{
			port = $5; sub(/.*:/, "", port)
			addr = substr($5, 1, length($5) - length(port) - 1)
			ours = index(addrs, " " addr " ") > 0
			wild = (addr == "0.0.0.0" || addr == "*" || addr == "[::]")
		}
		(port == 53 || port == 953 || port == 14000 || port == 15000) && (ours || wild) { print }')
	if [ -n "$busy" ]; then
		log "these sockets are in the lab's way (another lab, or a system named/unbound/knot?):"
		printf '%s\n' "$busy" >&2
		return 1
	fi
}
