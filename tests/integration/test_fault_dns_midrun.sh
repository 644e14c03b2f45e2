#!/usr/bin/env bash
# The primary fails mid-run: the challenge UPDATE is accepted, the one
# removing it is not. UPDATEs go (--zone-server) through a tiny UDP relay on
# $PRIMARY:5398 that forwards everything to the lab primary, except that,
# per the word in $TMP/mode, it treats removals (RFC 2136 2.5.4, class
# NONE) so:
#   drop    the primary is silent (no reply);
#   badsig  the primary refuses: the MAC arrives spoiled, as if the key had
#           changed on the primary mid-run (NOTAUTH, BADSIG: RFC 8945 5.2.2);
#   refuse  the primary refuses for real: the relay freezes the zone on it
#           (rndc freeze) and passes the removal on, which BIND answers
#           REFUSED (thawed afterwards);
#   pass    the primary works again.
# Queries pass, so the CA validates as usual; the shared primary itself is
# never stopped (only frozen for a moment). Each time acmeup must exit 1, name the records it could not
# remove and the journal that keeps them, leave the certificate issued before
# unchanged; once the primary works again, `acmeup cleanup` removes them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

RELAY=$PRIMARY:5398

cat >"$TMP/relay.py" <<'PY'
import os, socket, struct, sys, threading
listen, upstream, modefile = sys.argv[1], sys.argv[2], sys.argv[3]
rndc_conf, zone = sys.argv[4], sys.argv[5]
host, port = listen.rsplit(":", 1)
uhost, uport = upstream.rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, int(port)))
def skip_name(m, i):
    while m[i] != 0:
        if m[i] & 0xC0 == 0xC0:
            return i + 2
        i += m[i] + 1
    return i + 1
def is_delete(m):  # RFC 2136 2.5: a removal has class NONE or ANY
    if (m[2] >> 3) & 0xF != 5:
        return False
    zo, pr, up = struct.unpack("!HHH", m[4:10])
    i = 12
    for _ in range(zo):
        i = skip_name(m, i) + 4
    for _ in range(pr):
        i = skip_name(m, i) + 8
        i += 2 + struct.unpack("!H", m[i:i + 2])[0]
    if up == 0:
        return False
    i = skip_name(m, i)
    return struct.unpack("!H", m[i + 2:i + 4])[0] in (254, 255)
def relay(msg, peer):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.sendto(msg, (uhost, int(uport)))
        s.sendto(u.recv(65535), peer)
    except OSError:
        pass
    finally:
        u.close()
print("ready", flush=True)
while True:
    msg, peer = s.recvfrom(65535)
    try:
        mode = open(modefile).read().strip()
    except OSError:
        mode = "pass"
    if mode != "pass" and is_delete(msg):
        if mode == "drop":
            print("dropped a removal", flush=True)
            continue
        if mode == "refuse":
            import subprocess
            subprocess.run(["rndc", "-c", rndc_conf, "freeze", zone], check=True)
            print("froze the zone before a removal", flush=True)
            threading.Thread(target=relay, args=(msg, peer), daemon=True).start()
            continue
        # badsig: as if the key changed on the primary: the last octet of
        # the TSIG MAC (before original ID, error, other len) flipped
        msg = msg[:-7] + bytes([msg[-7] ^ 0xFF]) + msg[-6:]
        print("spoiled a removal", flush=True)
    threading.Thread(target=relay, args=(msg, peer), daemon=True).start()
PY
echo pass >"$TMP/mode"
python3 "$TMP/relay.py" "$RELAY" "$PRIMARY:53" "$TMP/mode" "$PRIMARY_RNDC_CONF" "$ZONE" \
	>"$TMP/relay.log" 2>&1 &
RELAY_PID=$!
FROZEN= # the zone is frozen on the primary (mode refuse)
thaw() {
	[ -z "$FROZEN" ] || rndc -c "$PRIMARY_RNDC_CONF" thaw "$ZONE" >/dev/null || return 1
	FROZEN=
}
stop_relay() {
	# On a failure midway the records are still there: the relay passes
	# again, the zone is thawed, and cleanup removes what the journals list.
	echo pass >"$TMP/mode"
	thaw || true
	local d
	for d in "$TMP"/state-*; do
		[ -d "$d/journal" ] || continue
		"$ACMEUP" cleanup --state-dir "$d" >/dev/null 2>&1 || true
	done
	kill "$RELAY_PID" 2>/dev/null || true
	wait "$RELAY_PID" 2>/dev/null || true
	cleanup
}
trap stop_relay EXIT
wait_line "$TMP/relay.log" ready 5 || fail "the relay did not start: $(cat "$TMP/relay.log")"

# midrun MODE LOGLINE WANT: a renewal whose removal meets MODE; its log
# line LOGLINE shows; its error WANT names the server.
midrun() {
	local mode=$1 logline=$2 want=$3 name before st=$TMP/state-$1
	echo pass >"$TMP/mode"
	name=n$RANDOM$RANDOM.$ZONE
	run_acmeup "first-$mode" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state" --out "$TMP/out" --ttl 1
	[ "$RC" = 0 ] || { show_output "first-$mode"; fail "first issue exited $RC"; }
	before=$(snapshot "$TMP/out")
	sleep 2 # the resolver's copy of the first TXT (TTL 1) expires

	# A new account, so that the first one's authorization is not reused.
	echo "$mode" >"$TMP/mode"
	[ "$mode" != refuse ] || FROZEN=1
	run_acmeup "$mode" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$st" --out "$TMP/out" --zone-server "$ZONE=$RELAY" --ttl 1 -v
	echo pass >"$TMP/mode"
	thaw || fail "$mode: rndc thaw $ZONE failed"
	grep -q "$logline" "$TMP/relay.log" || { show_output "$mode"; fail "$mode: the relay did nothing"; }
	[ "$RC" = 1 ] || { show_output "$mode"; fail "$mode: exit $RC, want 1"; }
	grep -q "UPDATE adding 1 TXT accepted by $RELAY" "$TMP/$mode.err" ||
		{ show_output "$mode"; fail "$mode: the add was not accepted through the relay"; }
	grep -q "warning: dns: $ZONE: records not removed: .*$want" "$TMP/$mode.err" ||
		{ show_output "$mode"; fail "$mode: no warning with \"$want\""; }
	grep -q "dns: $ZONE: left at $RELAY: _acme-challenge.$name TXT" "$TMP/$mode.err" ||
		{ show_output "$mode"; fail "$mode: the stale record _acme-challenge.$name is not reported"; }
	grep -q "records left are listed in $st/journal/.*acmeup cleanup" "$TMP/$mode.err" ||
		{ show_output "$mode"; fail "$mode: the journal and acmeup cleanup are not named"; }
	ok "$mode: $(grep -m1 "records not removed" "$TMP/$mode.err" | sed 's/^\[[^]]*\] //')"
	ok "$mode: $(grep -m1 "left at $RELAY" "$TMP/$mode.err" | sed 's/^\[[^]]*\] //')"

	[ "$(snapshot "$TMP/out")" = "$before" ] || fail "$mode: the certificate directory changed"
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$mode: no stale TXT on $PRIMARY (nothing to clean?)"
	grep -qF "_acme-challenge.$name" "$st"/journal/*.journal ||
		fail "$mode: the journal does not list _acme-challenge.$name"
	ok "$mode: the record stays on $PRIMARY and in the journal; the certificate is unchanged"

	run_acmeup "cleanup-$mode" cleanup --state-dir "$st"
	[ "$RC" = 0 ] || { show_output "cleanup-$mode"; fail "$mode: acmeup cleanup exited $RC"; }
	grep -q "1 challenge record found in journals under $st, 1 removed, 0 left" "$TMP/cleanup-$mode.out" ||
		{ show_output "cleanup-$mode"; fail "$mode: cleanup did not report 1 record removed"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$mode: the TXT of $name is still on $PRIMARY"
	ok "$mode: acmeup cleanup removed it: $(cat "$TMP/cleanup-$mode.out")"
}

midrun drop "dropped a removal" "no reply from $RELAY"
midrun badsig "spoiled a removal" "$RELAY"
midrun refuse "froze the zone" "REFUSED from $RELAY for zone $ZONE: it does not let key [^ ]* remove .*zone frozen"

assert_no_challenge_records
ok "no challenge records left in any zone"
