#!/usr/bin/env bash
# Interrupted while the CA validates (issue 4; test_dns_signal covers the
# DNS wait): a pebble without PEBBLE_VA_NOSLEEP sleeps a random 0..29 s
# (PEBBLE_VA_SLEEPTIME=30) before it looks at the record, so acmeup sits in
# its authorization poll. SIGTERM and SIGINT there must end the poll at
# once, remove the records, exit 128 + the signal saying "interrupted", and leave no
# certificate and no journal entry.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up slowva 127.53.0.8 PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=30

# interrupt SIGNAL: issue in the background, SIGNAL once the CA validates.
interrupt() {
	local sig=$1 name=n$RANDOM$RANDOM.$ZONE pid i rc=0 t0 ms
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
	ok "$sig in the authorization poll: gone after $ms ms, exit $rc, record removed, no certificate, journal empty: $(tail -n 1 "$TMP/$sig.err")"
}

interrupt TERM
interrupt INT

assert_no_challenge_records
ok "no challenge records left in any zone"
