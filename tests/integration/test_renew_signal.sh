#!/usr/bin/env bash
# A batch interrupted while it waits for propagation (ns3 holds lag.test
# back): three certificates, records in lag.test and example.test, one
# UPDATE per zone.
#   - SIGTERM: the wait ends at once, every record of the batch is removed,
#     no certificate is written, the journal is empty, exit 143 (128+15);
#   - kill -9: the records stay, listed in the journal; the next renew
#     removes them first, then issues all three (lag 0); nothing is left.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
tag=g$RANDOM$RANDOM
CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	cat <<EOF

cert c1 {
    domains $tag-1.$LAG_ZONE
}
cert c2 {
    domains $tag-2.$ZONE
}
cert c3 {
    domains $tag-3.$LAG_ZONE *.$tag-3.$LAG_ZONE
}
EOF
} >"$CONF"

# start NAME: renew in the background, until it waits for ns3; sets PID.
start() {
	"$ACMEUP" renew -c "$CONF" -v >"$TMP/$1.out" 2>"$TMP/$1.err" </dev/null &
	PID=$!
	if ! wait_line "$TMP/$1.err" "waiting for 2 authoritative servers" 30; then
		kill -KILL "$PID" 2>/dev/null || true
		show_output "$1"
		fail "$1: acmeup never started waiting"
	fi
	sleep 0.3
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$tag-3.$LAG_ZONE")" ] ||
		{ kill -KILL "$PID"; show_output "$1"; fail "$1: no TXT on $PRIMARY during the wait"; }
}

# --- SIGTERM ---------------------------------------------------------------------------
lab_lag never
start term
signal_and_reap TERM "$PID" term
rc=$RC
[ "$rc" = 143 ] || { show_output term; fail "exit $rc after SIGTERM, want 143 (128 + SIGTERM)"; }
grep -q "interrupted by SIGTERM" "$TMP/term.err" || { show_output term; fail "no 'interrupted by SIGTERM'"; }
grep -q "dns: $LAG_ZONE: UPDATE deleting 3 TXT accepted" "$TMP/term.err" ||
	{ show_output term; fail "the 3 lag.test records were not removed in one UPDATE"; }
grep -q "dns: $ZONE: UPDATE deleting 1 TXT accepted" "$TMP/term.err" ||
	{ show_output term; fail "the example.test record was not removed"; }
grep -q "renew: 0 issued, 0 renewed, 3 failed" "$TMP/term.err" ||
	{ show_output term; fail "want all three failed"; }
[ -z "$(find "$TMP/out" -name '*.pem' 2>/dev/null)" ] || fail "certificates written after SIGTERM"
[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] || fail "journal files left after SIGTERM"
for n in "$tag-1.$LAG_ZONE" "$tag-3.$LAG_ZONE" "$tag-2.$ZONE"; do
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$n")" ] || fail "TXT left at _acme-challenge.$n"
done
ok "SIGTERM during the batch's wait: all 4 records removed (one UPDATE per zone), nothing written, journal empty, exit 143"

# --- kill -9, then the next run ------------------------------------------------------
start kill
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
[ -n "$(find "$TMP/state/journal" -name '*.journal' 2>/dev/null)" ] || fail "no journal after kill -9"
[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$tag-2.$ZONE")" ] || fail "kill -9: the record is gone already?"
lab_lag 0
sleep 1
run_acmeup after renew -c "$CONF" -v --json
[ "$RC" = 0 ] || { show_output after; fail "renew after kill -9 exited $RC"; }
grep -q "dns: .*\.journal: 4 records left by acmeup pid $PID .*: removing" "$TMP/after.err" ||
	{ show_output after; fail "the dead run's journal was not taken up"; }
grep -q "could not be removed" "$TMP/after.err" && { show_output after; fail "the dead run's records could not be removed"; }
[ "$(json_summary "$TMP/after.out")" = "3 0 0 0" ] ||
	{ show_output after; fail "want all three issued: $(json_summary "$TMP/after.out")"; }
[ "$(cert_dns_sans "$TMP/out/c3/cert.pem" | tr '\n' ' ')" = "*.$tag-3.$LAG_ZONE $tag-3.$LAG_ZONE " ] ||
	fail "c3's SANs"
[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] || fail "journal files left"
ok "kill -9: records journalled; the next renew removed them and issued all three"

assert_no_challenge_records
ok "no challenge records left in any zone"
