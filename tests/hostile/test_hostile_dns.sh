#!/usr/bin/env bash
# Hostile DNS peers (tests/hostile/fake_dns.py): relays before the lab
# primary (given as --zone-server: UPDATEs and the primary's SOA and TXT
# checks go there) and before the lab resolver (--resolver: zone
# discovery), each on its own port with its own mode, driven by
# `acmeup dns-check` (the DNS side of an issuance, no CA: a probe TXT
# added, its arrival proved, removed). Every mode runs side by side:
#   zone server  pass (control, exit 0); wrongid (forged replies with
#                another ID before each real one: ignored, exit 0);
#                wrongsrc (a forged REFUSED with the right ID from another
#                address before each real reply: ignored, exit 0);
#                noerror (UPDATEs answered by an unsigned NOERROR and never
#                passed on: not believed); forgetxt (TXT answered with a
#                value never published); badkey (--tsig-queries: signed
#                queries answered by a forged unsigned BADKEY: no unsigned
#                query may follow); txtloop (a compression loop in the
#                replies to the proof's TXT queries, after the UPDATE);
#                loop, pastend, trunc, huge, tcpshort (malformed replies
#                to every query). (A silent primary:
#                tests/integration/test_fault_dns_down.sh, test_fault_dns_midrun.sh.)
#   resolver     loop, pastend, trunc, huge, tcpshort, drop (silence)
# Each hostile one must fail (exit 1) within a time and memory bound, with
# no sanitizer report, no UPDATE at a name outside its own, and the zones
# clean afterwards.
# shellcheck source=tests/hostile/lib.sh
. "$(dirname "$0")/lib.sh"

R=$RANDOM$RANDOM
ZMODES=(pass wrongid wrongsrc noerror forgetxt badkey txtloop loop pastend trunc huge tcpshort)
RMODES=(loop pastend trunc huge tcpshort drop)
declare -A PORT
pairs=()
port=5400
for m in "${ZMODES[@]}"; do
	PORT[z-$m]=$port
	pairs+=("$PRIMARY:$port=$PRIMARY:53")
	port=$((port + 1))
done
for m in "${RMODES[@]}"; do
	PORT[r-$m]=$port
	pairs+=("$PRIMARY:$port=$RESOLVER:53")
	port=$((port + 1))
done
start_fake_dns "${pairs[@]}"
for k in "${!PORT[@]}"; do
	dns_mode "${PORT[$k]}" "${k#?-}"
done

# check KEY: dns-check of the name of KEY (z-MODE or r-MODE) through its
# relay.
check() {
	local key=$1 name=$1$R.$ZONE
	local -a args=(dns-check "$name" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state-$key"
		--propagation-timeout 3 --ttl 1)
	case $key in
	z-*) args+=(--resolver "$RESOLVER" --zone-server "$ZONE=$PRIMARY:${PORT[$key]}") ;;
	r-*) args+=(--resolver "$PRIMARY:${PORT[$key]}") ;;
	esac
	# badkey: the secondary does not know the key either (its honest
	# BADKEY is not what is tested): only the relay is asked.
	[ "$key" != z-badkey ] || args+=(--tsig-queries --skip-server "$SECONDARY")
	hostile_run "$key" 40 "${args[@]}" -v
}

mark=$(log_mark)
pids=()
for m in "${ZMODES[@]}"; do
	check "z-$m" &
	pids+=($!)
done
for m in "${RMODES[@]}"; do
	check "r-$m" &
	pids+=($!)
done
wait "${pids[@]}" || true

# Names a run may have changed (added, then removed): its own challenge
# name, unless the mode must keep acmeup from writing at all.
allowed=()
for m in "${ZMODES[@]}"; do
	case $m in noerror) ;; *) allowed+=("_acme-challenge.z-$m$R.$ZONE") ;; esac
done

hostile_load z-pass
RSS_MAX=$((RSS_KB + RSS_SLACK_KB))

verdict() { # KEY WANT_RC MAX_SECONDS
	hostile_load "$1"
	if declare -F "check_${1//-/_}" >/dev/null; then "check_${1//-/_}"; fi
	hostile_check "$1" "$2" "$3" "$RSS_MAX" "$mark" "" "" "" "${allowed[@]}"
	ok "$1: exit $RC in ${ELAPSED_MS} ms, ${RSS_KB} KiB ($(cat "$TMP/$1.err" "$TMP/$1.out" | grep -v '^\[' | grep -m1 'error\|PROBLEM\|OK' | cut -c1-160))"
}

check_z_wrongid() {
	relay_log "${PORT[z-wrongid]}" | grep -q ' update wrongid relayed' ||
		fail "z-wrongid: the relay passed no UPDATE"
}
check_z_wrongsrc() {
	relay_log "${PORT[z-wrongsrc]}" | grep -q 'forged from 127.0.0.1' ||
		fail "z-wrongsrc: the relay forged nothing"
}
# The proof failed after the record was added: it must be removed again.
check_z_txtloop() {
	[ "$(relay_log "${PORT[z-txtloop]}" | grep -c ' update txtloop relayed')" -ge 2 ] ||
		fail "z-txtloop: not both UPDATEs (add, remove) went through the relay"
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.z-txtloop$R.$ZONE")" ] ||
		fail "z-txtloop: the record was left on the primary"
}
check_z_noerror() {
	relay_log "${PORT[z-noerror]}" | grep -q 'forged unsigned NOERROR' ||
		fail "z-noerror: the relay forged nothing"
}
# RFC 8945 5.3.2: BADKEY comes unsigned, so anyone can send it; it must
# not switch acmeup's queries to that server to unsigned ones.
check_z_badkey() {
	local log
	log=$(relay_log "${PORT[z-badkey]}")
	grep -q 'forged BADKEY' <<<"$log" || fail "z-badkey: no signed query reached the relay"
	! grep -q ' query badkey relayed' <<<"$log" ||
		fail "z-badkey: after a forged unsigned BADKEY acmeup asked again unsigned ($(grep -c ' query badkey relayed' <<<"$log") queries): the --tsig-queries fallback trusts an unverified reply"
}

verdict z-pass 0 20
verdict z-wrongid 0 20
verdict z-wrongsrc 0 20
# A silent server costs 2 x 2 s per question asked of it.
for m in noerror forgetxt badkey txtloop loop pastend trunc huge tcpshort; do
	hostile_soft verdict "z-$m" 1 20
done
for m in "${RMODES[@]}"; do
	hostile_soft verdict "r-$m" 1 "$([ "$m" = drop ] && echo 30 || echo 20)"
done

assert_no_challenge_records
ok "no challenge records left in any zone"
hostile_done
