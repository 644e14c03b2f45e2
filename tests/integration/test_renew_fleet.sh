#!/usr/bin/env bash
# A fleet: $FLEET_SIZE hosts, each running its own acmeup (its own
# configuration, state and output directories, account) with a TSIG key
# that may write only its own challenge name (acmeup-fleet-N: TXT at
# _acme-challenge.fleetN.example.test), all renewing at the same moment
# into the one zone example.test. Every run must succeed, every record
# must be added and removed by its own key, the primary's log must show
# the updates interleaved (the runs really overlapped), and nothing may be
# left in the zone or in any journal.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=${FLEET_SIZE:-0}
[ "$N" -ge 2 ] || fail "the lab has no fleet keys (FLEET_SIZE unset; old lab?)"
[ -f "$KEYS_DIR/fleet-$N.key" ] || fail "no $KEYS_DIR/fleet-$N.key"
LOG=$LAB_DIR/ns1/named.log
log_start=$(wc -l <"$LOG")

# One configuration per host. The challenge names are fixed by the keys'
# grants, so a TTL of 1 s keeps the CA's resolver from holding a value of
# an earlier run of this test.
for ((i = 1; i <= N; i++)); do
	mkdir -p "$TMP/host$i"
	cat >"$TMP/host$i/acmeup.conf" <<EOF
server      $ACME_DIR
ca-bundle   $ACME_CA_BUNDLE
resolver    $RESOLVER
email       admin@fleet$i.example.test
agree-tos   yes
tsig-key    $KEYS_DIR/fleet-$i.key
ttl         1
state-dir   $TMP/host$i/state
out         $TMP/host$i/certs

cert host {
    domains fleet$i.$ZONE
}
EOF
done

pids=()
for ((i = 1; i <= N; i++)); do
	timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" renew \
		-c "$TMP/host$i/acmeup.conf" -v \
		>"$TMP/host$i.out" 2>"$TMP/host$i.err" </dev/null &
	pids+=($!)
done
bad=()
for ((i = 1; i <= N; i++)); do
	rc=0
	wait "${pids[$((i - 1))]}" || rc=$?
	[ "$rc" = 0 ] || bad+=("host$i:exit$rc")
done
if [ "${#bad[@]}" -gt 0 ]; then
	for h in "${bad[@]}"; do
		h=${h%%:*}
		printf -- '--- %s ---\n' "$h" >&2
		tail -n 5 "$TMP/$h.err" >&2
	done
	fail "${#bad[@]} of $N hosts failed: ${bad[*]}"
fi
ok "$N hosts renewed at once into $ZONE, each with its own key: all exited 0"

for ((i = 1; i <= N; i++)); do
	sans=$(cert_dns_sans "$TMP/host$i/certs/host/cert.pem" 2>/dev/null || true)
	[ "$sans" = "fleet$i.$ZONE" ] || fail "host$i: SANs '$sans'"
	grep -q "dns: $ZONE: UPDATE adding 1 TXT .*key acmeup-fleet-$i" "$TMP/host$i.err" ||
		{ show_output "host$i"; fail "host$i: no UPDATE with key acmeup-fleet-$i"; }
	grep -q "dns: $ZONE: UPDATE deleting 1 TXT accepted" "$TMP/host$i.err" ||
		{ show_output "host$i"; fail "host$i: its record was not removed"; }
	[ -z "$(find "$TMP/host$i/state/journal" -type f 2>/dev/null)" ] ||
		fail "host$i: journal files left"
done
ok "each certificate holds its host's name; each record went in and out with the host's key"

# The primary's view: per fleet name one add and one delete, each by the
# name's own key, and the runs overlapping (some host added its record
# before another host's record was gone).
tail -n +"$((log_start + 1))" "$LOG" |
	grep -E "_acme-challenge\.fleet[0-9]+\.$ZONE" >"$TMP/fleet.log" || true
overlap=$(python3 - "$TMP/fleet.log" "$N" <<'PY'
import re, sys
n = int(sys.argv[2])
ops = []
for l in open(sys.argv[1]):
    m = re.search(r"#(\d+)/key acmeup-fleet-(\d+): updating zone .*: "
                  r"(adding|deleting) an RR at '?_acme-challenge\.fleet(\d+)\.", l)
    if m:
        ops.append(m.groups())
# One message both adding and deleting is not acmeup's (the lab's own
# self-check probes the fleet keys that way).
both = {p for p, _, op, _ in ops if op == "adding"} & \
       {p for p, _, op, _ in ops if op == "deleting"}
live, most, seen = set(), 0, {}
for port, key, op, host in ops:
    if port in both:
        continue
    if key != host:
        sys.exit("fleet%s's record changed by key acmeup-fleet-%s" % (host, key))
    seen.setdefault(host, []).append(op)
    (live.add if op == "adding" else live.discard)(host)
    most = max(most, len(live))
missing = [h for h in map(str, range(1, n + 1)) if seen.get(h) != ["adding", "deleting"]]
if missing:
    sys.exit("not one add then one delete for fleet %s" % missing)
if live:
    sys.exit("still in the zone at the end: fleet %s" % sorted(live))
if most < 2:
    sys.exit("the runs never overlapped (one record at a time)")
print(most)
PY
) || fail "the primary's log ($TMP/fleet.log): $overlap"
ok "BIND log: every record added and removed by its own key; up to $overlap hosts' records in the zone at once"

assert_no_challenge_records
ok "no challenge records left in any zone"
