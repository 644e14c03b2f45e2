#!/usr/bin/env bash
# Authoritative servers that never answer (issue 16). dead.test has NS
# ns1, ns2 and two addresses nothing serves: ns-refused (DEAD_SERVER,
# refused at once) and ns-silent (SILENT_SERVER, where this test holds a
# socket that reads and never answers, UDP and TCP). Such a server cannot
# hand the CA's resolver an old answer, so acmeup reports it once, leaves it
# out of the proof after its unreachable-after time (3 s by default) and
# issues, long before --propagation-timeout; a later batch of the same run
# does not wait for it again. With strict-servers the order fails instead,
# naming the server, after --unreachable-after. Nothing is left in the zone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${DEAD_ZONE:-}" ] || fail "the lab has no dead.test (old lab? tests/lab/lab start)"
ns=$(dig +time=2 +tries=1 +norec +short "@$PRIMARY" "$DEAD_ZONE" NS | sort | tr '\n' ' ')
[ "$ns" = "ns-refused.$DEAD_ZONE. ns-silent.$DEAD_ZONE. ns1.$ZONE. ns2.$ZONE. " ] ||
	fail "NS of $DEAD_ZONE is '$ns'"

# A mute server on SILENT_SERVER:53 for the test's lifetime.
python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((sys.argv[1], 53))
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((sys.argv[1], 53))
t.listen(8)
print("ready", flush=True)
time.sleep(300)' "$SILENT_SERVER" >"$TMP/mute.out" 2>&1 &
TEST_PIDS+=($!)
wait_line "$TMP/mute.out" ready 5 || fail "the mute server did not start: $(cat "$TMP/mute.out")"

# Two certificates, one a batch (-j 1): the second batch must not wait
# for the servers the first one left out.
tag=d$RANDOM$RANDOM
A=$tag-a.$DEAD_ZONE
B=$tag-b.$DEAD_ZONE
CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	printf 'cert a {\n    domains %s\n}\ncert b {\n    domains %s\n}\n' "$A" "$B"
} >"$CONF"
start=$(date +%s%N)
run_acmeup dead issue -c "$CONF" -j 1 --propagation-timeout 60 --json a b
ms=$((($(date +%s%N) - start) / 1000000))
[ "$RC" = 0 ] || { show_output dead; fail "issue exited $RC"; }
python3 - "$TMP/dead.out" <<'PY' || fail "--json: $(cat "$TMP/dead.out")"
import json, sys
r = json.load(open(sys.argv[1]))
acts = sorted((c["name"], c["action"]) for c in r["certificates"])
assert acts == [("a", "issued"), ("b", "issued")], acts
PY
[ "$(cert_dns_sans "$TMP/out/a/cert.pem")" = "$A" ] || fail "a: SANs $(cert_dns_sans "$TMP/out/a/cert.pem")"
[ "$(cert_dns_sans "$TMP/out/b/cert.pem")" = "$B" ] || fail "b: SANs $(cert_dns_sans "$TMP/out/b/cert.pem")"
[ "$ms" -lt 30000 ] || fail "took $ms ms: waited for the dead servers (--propagation-timeout 60)"
ok "issued $A and $B in two batches in $ms ms, not after the 60 s timeout"

# What a person reads: each dead server named once, the second batch
# not waiting for them (the report is the feature here).
err=$TMP/dead.err
for ip in "$DEAD_SERVER" "$SILENT_SERVER"; do
	n=$(grep -c "dns: $DEAD_ZONE: $ip gave no usable answer for 3000 ms" "$err" || true)
	[ "$n" = 1 ] || { show_output dead; fail "$ip reported $n times, not once"; }
	grep -q "dns: $DEAD_ZONE: not waiting for $ip (no usable answer earlier in this run)" "$err" ||
		{ show_output dead; fail "the second batch waited for $ip again"; }
done
grep "gave no usable answer" "$err" | sed 's/^/    /'
grep -q "(no reply)" <(grep "$SILENT_SERVER gave no usable answer" "$err") ||
	fail "$SILENT_SERVER was not silent (the mute socket did not hold it?)"
ok "each dead server reported once (refused, no reply), left out of the second batch"
assert_no_challenge_records
ok "nothing left in the zones"

# strict-servers (from the file) with unreachable-after 1 s on the command
# line: the order fails at once, naming a dead server; nothing is left.
C=$tag-c.$DEAD_ZONE
printf 'strict-servers yes\ncert c {\n    domains %s\n}\n' "$C" >>"$CONF"
start=$(date +%s%N)
run_acmeup strict issue -c "$CONF" --unreachable-after 1 --json c
ms=$((($(date +%s%N) - start) / 1000000))
[ "$RC" = 1 ] || { show_output strict; fail "strict: exit $RC, want 1"; }
python3 - "$TMP/strict.out" "$DEAD_SERVER" "$SILENT_SERVER" <<'PY' || { show_output strict; fail "strict: --json"; }
import json, sys
c = json.load(open(sys.argv[1]))["certificates"][0]
assert c["action"] == "failed", c
assert "strict-servers wants every server" in c["error"], c["error"]
assert sys.argv[2] in c["error"] or sys.argv[3] in c["error"], c["error"]
PY
[ ! -e "$TMP/out/c/cert.pem" ] || fail "strict: a certificate was stored"
[ "$ms" -lt 20000 ] || fail "strict: took $ms ms, not about 1 s more than the proof"
ok "strict-servers: failed in $ms ms: $(grep -o 'zone dead.test: .* strict-servers[^)]*' "$TMP/strict.err" | head -n 1 | cut -c1-120)"
assert_no_challenge_records
ok "nothing left after the strict failure"
