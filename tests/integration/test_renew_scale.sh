#!/usr/bin/env bash
# 20 certificates of 1-3 names (example.test on BIND, its wildcard, and
# knot.test on Knot) from one configuration file, renewed in one run with
# -j 10: two batches, each publishing its records with exactly one UPDATE
# per zone and removing them with one more; every certificate holds
# exactly its names; nothing is left in any zone. Then a second renew finds
# nothing due (exit 3), --force renews one named certificate (exit 0,
# "renewed", the previous version kept, --json says so), a name added to
# one block makes that certificate alone due, and a certificate whose lock
# another process holds is reported and skipped while the other is renewed
# (exit 4).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${KNOT:-}" ] || fail "the lab has no Knot primary (old lab?)"
N=20
J=10
tag=s$RANDOM$RANDOM
CONF=$TMP/acmeup.conf

# cert i: r<tag>-i.example.test, then *.r<tag>-i.example.test when
# i % 3 >= 1, then r<tag>-i.knot.test when i % 3 == 2.
names_of() {
	local i=$1 host=r$tag-$1
	echo "$host.$ZONE"
	[ $((i % 3)) -lt 1 ] || echo "*.$host.$ZONE"
	[ $((i % 3)) -lt 2 ] || echo "$host.$KNOT_ZONE"
}

{
	lab_conf "$TMP/state" "$TMP/out"
	cat <<EOF
jobs        $J
ttl         1
EOF
	for ((i = 1; i <= N; i++)); do
		printf '\ncert c%d {\n    domains %s\n}\n' "$i" "$(names_of "$i" | tr '\n' ' ')"
	done
} >"$CONF"

# --- first run: every certificate is missing, so due ---------------------------
ACMEUP_TIMEOUT=300 run_acmeup renew renew -c "$CONF" -v --json
[ "$RC" = 0 ] || { show_output renew; fail "renew of $N new certificates exited $RC"; }
err=$TMP/renew.err
for ((i = 1; i <= N; i++)); do
	want=$(names_of "$i" | sort)
	got=$(cert_dns_sans "$TMP/out/c$i/cert.pem" 2>/dev/null || true)
	[ "$got" = "$want" ] || fail "c$i: SANs '$(echo "$got" | tr '\n' ' ')', want '$(echo "$want" | tr '\n' ' ')'"
	for f in privkey.pem chain.pem fullchain.pem; do
		[ -s "$TMP/out/c$i/$f" ] || fail "c$i/$f missing"
	done
done
ok "$N certificates issued, each with exactly its names"

batches=$(( (N + J - 1) / J ))
[ "$(grep -c '^\[ *[0-9.]*s\] batch [0-9]*: ' "$err")" = "$batches" ] ||
	{ show_output renew; fail "want $batches batches"; }
# Each UPDATE shows twice: the debug line (-v) and "accepted".
for z in "$ZONE" "$KNOT_ZONE"; do
	adds=$(grep -c "dns: $z: UPDATE adding" "$err" || true)
	dels=$(grep -c "dns: $z: UPDATE deleting" "$err" || true)
	[ "$adds" = $((2 * batches)) ] ||
		{ grep "dns: $z: UPDATE" "$err" >&2; fail "$z: $adds 'UPDATE adding' lines, want $((2 * batches)) (one UPDATE per batch)"; }
	[ "$dels" = $((2 * batches)) ] ||
		{ grep "dns: $z: UPDATE" "$err" >&2; fail "$z: $dels 'UPDATE deleting' lines, want $((2 * batches))"; }
done
# Batch 1 (c1-c10): 10 names + 7 wildcards share 10 challenge names in
# example.test, with 17 values; 3 names in knot.test.
grep -q "dns: $ZONE: UPDATE adding 17 TXT .* accepted\|dns: $ZONE: UPDATE adding 17 TXT to" "$err" ||
	{ grep "dns: $ZONE: UPDATE" "$err" >&2; fail "no 17-record UPDATE for batch 1 in $ZONE"; }
grep -q "dns: $KNOT_ZONE: UPDATE adding 3 TXT" "$err" ||
	{ grep "dns: $KNOT_ZONE: UPDATE" "$err" >&2; fail "no 3-record UPDATE for batch 1 in $KNOT_ZONE"; }
waits=$(grep -c "acme: challenges answered" "$err" || true)
[ "$waits" = "$batches" ] || fail "$waits 'challenges answered' lines, want $batches"
ok "$batches batches, one UPDATE per zone each to add and one to remove"
[ "$(json_summary "$TMP/renew.out")" = "20 0 0 0" ] ||
	{ tail -n 3 "$err" >&2; fail "--json summary '$(json_summary "$TMP/renew.out")', want 20 issued"; }
ok "--json: 20 issued, 0 renewed, 0 skipped, 0 failed"

assert_no_challenge_records
ok "no challenge records left in any zone"
[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] ||
	fail "journal files left: $(ls "$TMP/state/journal")"

# --- nothing due -----------------------------------------------------------------
run_acmeup again renew -c "$CONF"
[ "$RC" = 3 ] || { show_output again; fail "second renew exited $RC, want 3 (nothing due)"; }
grep -q "UPDATE" "$TMP/again.err" && fail "second renew sent an UPDATE"
ok "second renew: nothing due, exit 3"

# --- --force on one certificate, with --json ----------------------------------------
# New challenge values for the same names: the CA's resolver must not hold
# the first run's (TTL 1 s above).
sleep 2
old=$(sha256sum <"$TMP/out/c5/cert.pem")
run_acmeup force renew -c "$CONF" --force --json c5
[ "$RC" = 0 ] || { show_output force; fail "renew --force c5 exited $RC"; }
[ "$(sha256sum <"$TMP/out/c5/cert.pem")" != "$old" ] || fail "c5's cert.pem did not change"
[ "$(sha256sum <"$TMP/out/c5/previous/cert.pem")" = "$old" ] || fail "c5's previous/cert.pem is not the old certificate"
python3 - "$TMP/force.out" <<'PY' || fail "--json output: $(cat "$TMP/force.out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["command"] == "renew", r
certs = r["certificates"]
assert [c["name"] for c in certs] == ["c5"], certs
assert certs[0]["action"] == "renewed", certs[0]
assert r["summary"]["renewed"] == 1, r["summary"]
PY
ok "renew --force c5: renewed, previous version kept, --json says renewed"
assert_no_challenge_records

# --- a name added to one certificate's block -------------------------------------------
# Only c7 is due (its names are not the configured ones), and gets the new
# name.
extra=x$tag-7.$ZONE
sed -i "s/^\( *domains r$tag-7\.$ZONE .*\)\$/\1 $extra/" "$CONF"
grep -q "$extra" "$CONF" || fail "could not add $extra to c7's block"
run_acmeup names renew -c "$CONF" --json
[ "$RC" = 0 ] || { show_output names; fail "renew after adding a name to c7 exited $RC"; }
grep -q "renew: c7 is due: its names are not the ones configured" "$TMP/names.err" ||
	{ show_output names; fail "c7 not due for its changed names"; }
[ "$(json_summary "$TMP/names.out")" = "0 1 19 0" ] ||
	{ show_output names; fail "want c7 alone renewed: $(json_summary "$TMP/names.out")"; }
want=$( (names_of 7; echo "$extra") | sort)
[ "$(cert_dns_sans "$TMP/out/c7/cert.pem")" = "$want" ] || fail "c7's SANs after the change"
ok "a name added to c7's block: c7 alone renewed, with the new name"

# --- a certificate another run holds ------------------------------------------------
# This shell holds c3's lock: c3 is reported and skipped, c4 renewed (exit 4).
LOCKF=$TMP/state/locks/c3.lock
[ -f "$LOCKF" ] || fail "no lock file $LOCKF after the runs"
exec 8>>"$LOCKF"
flock -n 8 || fail "cannot take $LOCKF"
printf '%s %s\n' "$$" "$(hostname)" >"$LOCKF"
sleep 1
run_acmeup locked renew -c "$CONF" --force --json c3 c4
exec 8>&-
[ "$RC" = 4 ] || { show_output locked; fail "renew with c3 locked exited $RC, want 4"; }
grep -q "c3: failed: certificate c3 is being issued by process $$" "$TMP/locked.err" ||
	{ show_output locked; fail "no 'c3 is being issued by process $$'"; }
[ "$(json_summary "$TMP/locked.out")" = "0 1 0 1" ] ||
	{ show_output locked; fail "want c4 renewed and c3 failed: $(json_summary "$TMP/locked.out")"; }
ok "c3 locked by another process: reported and skipped, c4 renewed, exit 4"
assert_no_challenge_records
