#!/usr/bin/env bash
# The zone's primary is down before the run: --zone-server points the
# UPDATEs of example.test at a port where nothing listens (127.53.0.10:5399,
# the lab primary's address, so only the port is wrong). acmeup exits 1 with
# an error naming the server and the zone, writes nothing into DNS and
# leaves the certificate it issued before byte for byte as it was. (The
# faulty run uses a new account: the first one's authorization would be
# reused, with no DNS at all.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DOWN=$PRIMARY:5399

name=n$RANDOM$RANDOM.$ZONE
run_acmeup first "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
before=$(snapshot "$TMP/out")

run_acmeup down "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state2" --out "$TMP/out" --zone-server "$ZONE=$DOWN"
[ "$RC" = 1 ] || { show_output down; fail "primary down: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/down.err")
case $last in
*"$DOWN"*) ;;
*) show_output down; fail "the error does not name the server $DOWN: $last" ;;
esac
case $last in
*"$ZONE"*) ;;
*) show_output down; fail "the error does not name the zone $ZONE: $last" ;;
esac
ok "primary down: $last"

[ "$(snapshot "$TMP/out")" = "$before" ] || fail "the certificate directory changed"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "a TXT for $name is on $PRIMARY"
[ -z "$(find "$TMP/state2/journal" -type f 2>/dev/null)" ] ||
	fail "journal entries left: $(cat "$TMP"/state2/journal/*)"
ok "the certificate is unchanged, no journal entry"

assert_no_challenge_records
ok "no challenge records left in any zone"
