# shellcheck shell=bash disable=SC2153 # globals come from tests/lab/lab and $LAB/env
# `lab check`: a self-test of a running lab (sourced by tests/lab/lab). It
# prints one "ok:" line per check and dies at the first failure, so that a
# broken lab is told apart from a broken acmeup. Every record it adds is
# under a fresh _acme-challenge name and removed again.

# nsupd KEY-FILE SERVER ZONE LINES...: one UPDATE; quiet; its status.
nsupd() {
	local key=$1 server=$2 zone=$3
	shift 3
	{
		printf 'server %s\nzone %s\n' "$server" "$zone"
		printf '%s\n' "$@"
		printf 'send\n'
	} | nsupdate -t 3 -k "$key" >/dev/null 2>&1
}

# txt_at SERVER NAME: the TXT data SERVER holds (no recursion).
txt_at() {
	dig +time=1 +tries=1 +norec +short "@$1" "$2" TXT 2>/dev/null || true
}

# wait_txt SERVER NAME WANT MAX-MS: polls every 10 ms until SERVER answers
# WANT ("" = nothing) for NAME; prints the milliseconds it took; fails after
# MAX-MS.
wait_txt() {
	local t0 now
	t0=$(now_us)
	while :; do
		now=$(now_us)
		if [ "$(txt_at "$1" "$2")" = "$3" ]; then
			echo $(((now - t0) / 1000))
			return 0
		fi
		[ $(((now - t0) / 1000)) -lt "$4" ] || return 1
		sleep 0.01
	done
}

# check_added KEY SERVER ZONE NAME: the check put a TXT at NAME; should a
# later step fail, check_undo removes it (so that one failed check does not
# fail every test after it on the records it left).
check_added() {
	printf '%s %s %s %s\n' "$@" >>"$LAB/check-undo"
}

# check_undo: removes what check_added listed and restores the lag (the EXIT
# trap of a failed check).
check_undo() {
	local key server zone name
	while read -r key server zone name; do
		nsupd "$key" "$server" "$zone" "update delete $name TXT" || true
	done <"$LAB/check-undo" 2>/dev/null
	rm -f "$LAB/check-undo"
	[ -z "${LAG_CHECK_OLD:-}" ] || do_lag "$LAG_CHECK_OLD" 2>/dev/null || true
}

# add_and_follow KEY PRIMARY ZONE SECONDARY NAME: adds a TXT at NAME, waits
# for SECONDARY to serve it, removes it, waits again; prints the latency.
add_and_follow() {
	local key=$1 primary=$2 zone=$3 secondary=$4 name=$5 ms ms2
	nsupd "$key" "$primary" "$zone" "update add $name 60 TXT \"lab-check\"" ||
		die "UPDATE of $zone at $primary with $key refused"
	check_added "$key" "$primary" "$zone" "$name"
	ms=$(wait_txt "$secondary" "$name" '"lab-check"' 3000) ||
		die "$secondary did not serve $name within 3 s of the UPDATE at $primary"
	nsupd "$key" "$primary" "$zone" "update delete $name TXT" ||
		die "delete in $zone at $primary with $key refused"
	ms2=$(wait_txt "$secondary" "$name" "" 3000) ||
		die "$secondary still serves $name 3 s after the delete at $primary"
	echo "$ms ms (delete $ms2 ms)"
}

check_resolver() {
	local out z
	out=$(dig +time=2 +tries=1 "@$RESOLVER" example.com A | grep -o 'status: [A-Z]*')
	[ "$out" = "status: REFUSED" ] || die "resolver answered example.com with '$out', want REFUSED"
	echo "ok: resolver refuses example.com"
	resolves || die "resolver does not resolve host1.$ZONE"
	for z in $LAB_ZONES; do
		[ "$z" != "$SERVFAIL_ZONE" ] && [ "$z" != "$SEC_BAD" ] || continue
		[ -n "$(dig +time=2 +tries=3 +short "@$RESOLVER" "$z" SOA)" ] ||
			die "resolver does not answer SOA $z"
	done
	echo "ok: resolver answers the SOA of each zone but $SERVFAIL_ZONE and $SEC_BAD"
	out=$(dig +time=2 +tries=1 "@$RESOLVER" "$SEC_GOOD" SOA | grep -o 'flags: [a-z ]*')
	case $out in *" ad"*) ;; *) die "resolver did not validate $SEC_GOOD SOA ($out)" ;; esac
	out=$(dig +time=3 +tries=1 "@$RESOLVER" "$SEC_BAD" SOA | grep -o 'status: [A-Z]*')
	[ "$out" = "status: SERVFAIL" ] || die "resolver answered $SEC_BAD with '$out', want SERVFAIL (bogus)"
	echo "ok: resolver validates $SEC_GOOD (AD) and answers SERVFAIL for $SEC_BAD (broken chain)"
	out=$(dig +time=3 +tries=1 "@$RESOLVER" "$SERVFAIL_ZONE" SOA | grep -o 'status: [A-Z]*')
	[ "$out" = "status: SERVFAIL" ] || die "resolver answered $SERVFAIL_ZONE with '$out', want SERVFAIL"
	echo "ok: resolver answers SERVFAIL for $SERVFAIL_ZONE (primary $PRIMARY serves it)"
}

check_pebble() {
	directory_up "$PEBBLE_IP" || die "pebble directory not reachable with $ACME_CA_BUNDLE"
	echo "ok: pebble directory over TLS with the lab CA"
}

# NOTIFY + IXFR to the secondary for each zone that takes UPDATEs.
check_follow() {
	local n=_acme-challenge.check$$
	echo "ok: $ZONE $PRIMARY -> $SECONDARY: $(add_and_follow "$TSIG_KEY" "$PRIMARY" "$ZONE" "$SECONDARY" "$n.$ZONE")"
	echo "ok: $ACME_ZONE $PRIMARY -> $SECONDARY: $(add_and_follow "$TSIG_KEY" "$PRIMARY" "$ACME_ZONE" "$SECONDARY" "check$$.$ACME_ZONE")"
	echo "ok: $KNOT_ZONE (Knot) $KNOT -> $SECONDARY (BIND): $(add_and_follow "$TSIG_KEY" "$KNOT" "$KNOT_ZONE" "$SECONDARY" "$n.$KNOT_ZONE")"
}

# Every algorithm's key on BIND and Knot; the keys and policies that must
# be refused.
check_keys() {
	local alg n=_acme-challenge.keys$$ z s
	for alg in $TSIG_ALGS; do
		for s in "$PRIMARY:$ZONE" "$KNOT:$KNOT_ZONE"; do
			z=${s#*:}
			nsupd "$KEYS_DIR/$alg.key" "${s%%:*}" "$z" "update add $n.$z 60 TXT \"$alg\"" \
				"update delete $n.$z TXT" || die "UPDATE of $z signed with acmeup-$alg refused"
		done
	done
	echo "ok: BIND ($ZONE) and Knot ($KNOT_ZONE) accept UPDATEs signed with each of $TSIG_ALGS"
	for s in "$PRIMARY:$ZONE" "$KNOT:$KNOT_ZONE"; do
		z=${s#*:}
		! nsupd "$WRONG_KEY" "${s%%:*}" "$z" "update add $n.$z 60 TXT x" ||
			die "${s%%:*} accepted an UPDATE signed with $WRONG_KEY"
		! nsupd "$KEYS_DIR/unknown.key" "${s%%:*}" "$z" "update add $n.$z 60 TXT x" ||
			die "${s%%:*} accepted an UPDATE signed with an unknown key"
		! nsupd "$TSIG_KEY" "${s%%:*}" "$z" "update add keys$$.$z 60 A 10.9.9.9" ||
			die "${s%%:*} let $KEY_NAME add an A record to $z"
	done
	echo "ok: BIND and Knot refuse the wrong secret, an unknown key, and non-TXT records"
}

check_policies() {
	local n=_acme-challenge.pol$$
	! nsupd "$TSIG_KEY" "$PRIMARY" "$CONTOSO" "update add $n.$CONTOSO 60 TXT x" ||
		die "$KEY_NAME may update $CONTOSO"
	! nsupd "$TSIG_KEY" "$PRIMARY" "$ACME_ZONE" "update add pol$$.$ACME_ZONE 60 A 10.9.9.9" ||
		die "$KEY_NAME may add an A record to $ACME_ZONE"
	echo "ok: $KEY_NAME may not update $CONTOSO, and only TXT in $ACME_ZONE"
	nsupd "$LIMITED_KEY" "$PRIMARY" "$ZONE" "update add _acme-challenge.limited.$ZONE 60 TXT \"p$$\"" \
		"update delete _acme-challenge.limited.$ZONE TXT \"p$$\"" ||
		die "acmeup-limited may not update _acme-challenge.limited.$ZONE"
	! nsupd "$LIMITED_KEY" "$PRIMARY" "$ZONE" "update add $n.$ZONE 60 TXT x" ||
		die "acmeup-limited may update $n.$ZONE"
	echo "ok: acmeup-limited may update _acme-challenge.limited.$ZONE only"
	check_fleet
}

# acmeup-fleet-N: TXT at _acme-challenge.fleetN only (each key once, and
# the first and last refused at another's name and for an A record).
check_fleet() {
	local i other
	[ -n "${FLEET_SIZE:-}" ] || die "\$LAB/env has no FLEET_SIZE (restart the lab)"
	for ((i = 1; i <= FLEET_SIZE; i++)); do
		nsupd "$KEYS_DIR/fleet-$i.key" "$PRIMARY" "$ZONE" \
			"update add _acme-challenge.fleet$i.$ZONE 60 TXT \"f$$\"" \
			"update delete _acme-challenge.fleet$i.$ZONE TXT \"f$$\"" ||
			die "acmeup-fleet-$i may not update _acme-challenge.fleet$i.$ZONE"
	done
	for i in 1 "$FLEET_SIZE"; do
		other=$((i % FLEET_SIZE + 1))
		! nsupd "$KEYS_DIR/fleet-$i.key" "$PRIMARY" "$ZONE" \
			"update add _acme-challenge.fleet$other.$ZONE 60 TXT x" ||
			die "acmeup-fleet-$i may update _acme-challenge.fleet$other.$ZONE"
		! nsupd "$KEYS_DIR/fleet-$i.key" "$PRIMARY" "$ZONE" \
			"update add _acme-challenge.fleet$i.$ZONE 60 A 10.9.9.9" ||
			die "acmeup-fleet-$i may add an A record"
	done
	echo "ok: acmeup-fleet-N (N=1..$FLEET_SIZE) may update TXT at _acme-challenge.fleetN.$ZONE only"
}

# The CNAME/DNAME data, asked of the primary directly: through the resolver
# the targets' NXDOMAIN would be cached for 300 s and hide what tests write.
check_aliases() {
	local out
	out=$(dig +time=1 +tries=1 +norec +short "@$PRIMARY" "_acme-challenge.x.trap.$ZONE" TXT)
	[ "$out" = "target.$ZONE." ] || die "the wildcard CNAME trap answers '$out'"
	out=$(dig +time=1 +tries=1 +norec +short "@$PRIMARY" "_acme-challenge.x.dn.$CONTOSO" TXT | head -n 1)
	[ "$out" = "$ACME_ZONE." ] || die "the DNAME answers '$out'"
	out=$(dig +time=1 +tries=1 +norec +short "@$SECONDARY" "_acme-challenge.chain.$CONTOSO" TXT | head -n 1)
	[ "$out" = "step1.$CONTOSO." ] || die "_acme-challenge.chain.$CONTOSO answers '$out' at $SECONDARY"
	echo "ok: trap, DNAME and CNAME chain in place on both servers"
}

# ns6 on [::1]:53 and nothing else there; v6.test followed over it;
# stale6.test's static copy; ns6.v6.test has only the address ::1.
check_v6() {
	local n=_acme-challenge.check$$ others out
	others=$(ss -Hlntup 2>/dev/null | awk '$5 == "[::1]:53"' | grep -v "pid=$(svc_pid ns6)," || true)
	[ -z "$others" ] || die "something besides ns6 listens on [::1]:53: $others"
	[ "$(ss -Hlntu 2>/dev/null | awk '$5 == "[::1]:53"' | wc -l)" -ge 2 ] ||
		die "ns6 does not listen on [::1]:53 (UDP and TCP)"
	out=$(dig +time=1 +tries=1 +norec "@$V6_SERVER" "$V6_ZONE" SOA | grep -c 'flags:.* aa' || true)
	[ "$out" = 1 ] || die "$V6_SERVER gives no authoritative SOA of $V6_ZONE"
	echo "ok: [$V6_SERVER]:53 is ns6 alone (TCP and UDP), authoritative for $V6_ZONE"
	echo "ok: $V6_ZONE $PRIMARY -> [$V6_SERVER]: $(add_and_follow "$TSIG_KEY" "$PRIMARY" "$V6_ZONE" "$V6_SERVER" "$n.$V6_ZONE")"
	out=$(dig +time=2 +tries=1 +short "@$RESOLVER" "ns6.$V6_ZONE" AAAA)
	[ "$out" = "$V6_SERVER" ] || die "the resolver answers '$out' for ns6.$V6_ZONE AAAA, want $V6_SERVER"
	[ -z "$(dig +time=2 +tries=1 +short "@$RESOLVER" "ns6.$V6_ZONE" A)" ] || die "ns6.$V6_ZONE has an A record"
	out=$(dig +time=1 +tries=1 +norec +short "@$PRIMARY" "$V6_ZONE" NS | sort | tr '\n' ' ')
	[ "$out" = "ns1.$ZONE. ns6.$V6_ZONE. " ] || die "NS of $V6_ZONE at $PRIMARY: '$out'"
	echo "ok: NS $V6_ZONE = ns1.$ZONE + ns6.$V6_ZONE, AAAA $V6_SERVER only (via the resolver)"
	[ "$(soa_serial "$V6_SERVER" "$STALE6_ZONE")" = 1 ] || die "$V6_SERVER: $STALE6_ZONE serial is not 1 (its static copy)"
	echo "ok: $STALE6_ZONE: [$V6_SERVER] serves its static copy (serial 1)"
}

# hidden.test: the primary is in no NS set, its MNAME resolves to it, and
# both secondaries follow it.
check_hidden() {
	local n=_acme-challenge.check$$.$HIDDEN_ZONE out s
	out=$(dig +time=1 +tries=1 +norec +short "@$PRIMARY" "$HIDDEN_ZONE" NS | sort | tr '\n' ' ')
	[ "$out" = "ns2.$ZONE. ns6.$HIDDEN_ZONE. " ] || die "NS of $HIDDEN_ZONE at $PRIMARY: '$out'"
	out=$(dig +time=2 +tries=1 +short "@$RESOLVER" "$HIDDEN_PRIMARY" A)
	[ "$out" = "$PRIMARY" ] || die "the resolver answers '$out' for $HIDDEN_PRIMARY A, want $PRIMARY"
	nsupd "$TSIG_KEY" "$PRIMARY" "$HIDDEN_ZONE" "update add $n 60 TXT \"lab-check\"" ||
		die "UPDATE of $HIDDEN_ZONE refused"
	check_added "$TSIG_KEY" "$PRIMARY" "$HIDDEN_ZONE" "$n"
	for s in "$SECONDARY" "$NS6"; do
		wait_txt "$s" "$n" '"lab-check"' 3000 >/dev/null || die "$s did not serve $n within 3 s"
	done
	nsupd "$TSIG_KEY" "$PRIMARY" "$HIDDEN_ZONE" "update delete $n TXT" || die "delete in $HIDDEN_ZONE refused"
	for s in "$SECONDARY" "$NS6"; do
		wait_txt "$s" "$n" "" 3000 >/dev/null || die "$s kept $n"
	done
	echo "ok: $HIDDEN_ZONE: SOA MNAME $HIDDEN_PRIMARY = $PRIMARY, NS ns2.$ZONE + ns6.$HIDDEN_ZONE follow it"
}

# The lagging secondary with a lag of 1 s (the lag and the zone restored
# afterwards, also when the check fails: check_undo).
check_lag() {
	local n=_acme-challenge.lag$$.$LAG_ZONE ms t0
	LAG_CHECK_OLD=$(cat "$LAB/lag")
	do_lag 1 2>/dev/null
	t0=$(now_us)
	nsupd "$TSIG_KEY" "$PRIMARY" "$LAG_ZONE" "update add $n 60 TXT \"lab-check\"" ||
		die "UPDATE of $LAG_ZONE refused"
	check_added "$TSIG_KEY" "$PRIMARY" "$LAG_ZONE" "$n"
	[ "$(txt_at "$PRIMARY" "$n")" = '"lab-check"' ] || die "the primary does not serve $n"
	# Never before the lag, counted from before the UPDATE was sent to
	# after the answer that showed the record (the lagger counts from when
	# it saw the change, which is later): no load on the machine makes it
	# early. Late by a loaded machine is fine, within 5 s.
	wait_txt "$LAG_SERVER" "$n" '"lab-check"' 5000 >/dev/null ||
		die "$LAG_SERVER did not serve $n within 5 s with a lag of 1 s"
	ms=$((($(now_us) - t0) / 1000))
	[ "$ms" -ge 1000 ] || die "$LAG_SERVER served $n $ms ms after the UPDATE was sent, before the lag of 1 s"
	nsupd "$TSIG_KEY" "$PRIMARY" "$LAG_ZONE" "update delete $n TXT" || die "delete in $LAG_ZONE refused"
	wait_txt "$LAG_SERVER" "$n" "" 2500 >/dev/null || die "$LAG_SERVER kept $n"
	do_lag "$LAG_CHECK_OLD" 2>/dev/null
	echo "ok: $LAG_SERVER followed $LAG_ZONE $ms ms after the UPDATE with a lag of 1 s (now $LAG_CHECK_OLD)"
	LAG_CHECK_OLD=
}

do_check() {
	[ -f "$LAB/env" ] || die "the lab is not running ($LAB/env missing)"
	# shellcheck disable=SC1091
	. "$LAB/env"
	rm -f "$LAB/check-undo"
	trap check_undo EXIT
	check_resolver
	check_pebble
	check_follow
	check_keys
	check_policies
	check_aliases
	check_v6
	check_hidden
	check_lag
	trap - EXIT
	rm -f "$LAB/check-undo"
}
