#!/usr/bin/env bash
# Interrupted while the CA validates (issue 4; test_dns_signal covers the
# DNS wait): a pebble without PEBBLE_VA_NOSLEEP sleeps a random 0..29 s
# (PEBBLE_VA_SLEEPTIME=30) before it looks at the record, so acmeup sits in
# its authorization poll. SIGTERM and SIGINT there must end the poll at
# once, remove the records, exit 128 + the signal saying "interrupted", and leave no
# certificate and no journal entry. The same when the CA stops answering
# (its process stopped) and acmeup waits inside an HTTPS request: the signal
# ends the request (curl's own limit would take 30 s).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up slowva 127.53.0.8 PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=30

PEBBLE_PID=$(cat "$ACMEUP_LAB_DIR/pebble-slowva/pid")
CA_STOPPED=
resume_ca() {
	[ -z "$CA_STOPPED" ] || kill -CONT "$PEBBLE_PID" 2>/dev/null || true
	CA_STOPPED=
}
TEST_CLEANUP_EXTRA=resume_ca

# interrupt SIGNAL [hung]: issue in the background, SIGNAL once the CA
# validates; with "hung", first stop the CA's process so that acmeup's next
# poll request waits for an answer that never comes.
interrupt() {
	local sig=$1 how=${2:-} name=n$RANDOM$RANDOM.$ZONE pid i rc=0 t0 ms
	"$ACMEUP" issue --server "$LAB_PEBBLE_URL" --ca-bundle "$ACME_CA_BUNDLE" \
		--resolver "$RESOLVER" --email admin@example.test --agree-tos \
		-d "$name" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state" \
		--out "$TMP/out" -v >"$TMP/$sig.out" 2>"$TMP/$sig.err" </dev/null &
	pid=$!
	if ! wait_line "$TMP/$sig.err" "acme: challenges answered" 30; then
		kill -KILL "$pid" 2>/dev/null || true
		show_output "$sig"
		fail "$sig: acmeup never answered the challenge"
	fi
	# In the authorization poll now; the record is in the zone.
	sleep 0.5
	if [ "$how" = hung ]; then
		kill -STOP "$PEBBLE_PID"
		CA_STOPPED=1
		sleep 1.5
	fi
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		{ kill -KILL "$pid"; show_output "$sig"; fail "$sig: no TXT on $PRIMARY while the CA validates"; }
	t0=$(date +%s%N)
	kill "-$sig" "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		show_output "$sig"
		fail "$sig: acmeup still running 5 s after the signal"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	wait "$pid" || rc=$?
	resume_ca
	if grep -q "acme: all names validated" "$TMP/$sig.err"; then
		show_output "$sig"
		fail "$sig: pebble validated before the signal (its random sleep was < 0.5 s); rerun"
	fi
	[ "$rc" = "$((128 + $(kill -l "$sig")))" ] ||
		{ show_output "$sig"; fail "$sig: exit $rc after the signal, want 128 + SIG$sig"; }
	grep -q "interrupted" "$TMP/$sig.err" ||
		{ show_output "$sig"; fail "$sig: no 'interrupted' on stderr"; }
	grep -q "dns: $ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY" "$TMP/$sig.err" ||
		{ show_output "$sig"; fail "$sig: the record was not removed"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$sig: the TXT is still on $PRIMARY"
	[ ! -e "$TMP/out/$name" ] || fail "$sig: $TMP/out/$name exists: $(ls "$TMP/out/$name")"
	[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] ||
		fail "$sig: journal files left: $(ls "$TMP/state/journal")"
	ok "$sig in the authorization poll${how:+ (CA hung)}: gone after $ms ms, exit $rc, record removed, no certificate, journal empty: $(tail -n 1 "$TMP/$sig.err")"
}

interrupt TERM
interrupt INT
interrupt INT hung
grep -q "POST https://[^ ]*: interrupted by SIGINT" "$TMP/INT.err" ||
	{ show_output INT; fail "INT with the CA hung: the request to it was not what the signal ended"; }

assert_no_challenge_records
ok "no challenge records left in any zone"
