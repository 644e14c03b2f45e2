#!/usr/bin/env bash
# acmeup with GSS-TSIG (issue 15) against the lab's Kerberos zone gss.test
# (BIND ns1 with tkey-gssapi-keytab, krb5-selfsub below acmeup.gss.test;
# ns2 follows), the credentials taken from a keytab (no kinit, no cache):
#  1. 30 names (a name, its wildcard, 28 below it) in one GSS-TSIG UPDATE:
#     one TKEY exchange for the run, ns1 logs the principal's update, the
#     certificate holds the 30 names, nothing is left in the zone;
#  2. a principal without rights: REFUSED, named with principal and zone,
#     the serial does not move;
#  3. no credentials (no keytab, an empty cache), and an expired ticket:
#     exit 2 before the CA is asked, naming the principal and saying kinit;
#  4. kill -9 during the wait, then `acmeup cleanup` with no option: the
#     journal's GSS entry lets cleanup make a new context and remove it;
#  5. HMAC and GSS-TSIG mixed in one order by zone blocks, the GSS zone
#     reached through a CNAME (_acme-challenge.kerberos.contoso.test ->
#     kerberos.acmeup.gss.test): one certificate, both zones clean;
#  6. a server without a Kerberos service: the service principal it asked
#     for (DNS@ns1.example.test) is named, nothing is left;
#  7. ns1 forgets the context mid-run (rndc tsig-delete): the removal meets
#     BADKEY, a new context is made once, and the record is removed;
#  8. this host 10 minutes ahead (faketime): "clock skew", with the offset;
#  9. dns-check: principal, service ticket, TKEY done, canary write.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${GSS_ZONE:-}" ] || fail "the lab has no Kerberos zone (old lab? tests/lab/lab start)"
help=$("$ACMEUP" --help)
grep -q -- "--gss-keytab" <<<"$help" || fail "acmeup --help has no --gss-keytab"
# The lab's own Kerberos configuration; a cache that does not exist, so
# that only the keytab can give credentials.
export KRB5_CONFIG=$GSS_KRB5_CONFIG KRB5RCACHETYPE=none KRB5CCNAME=FILE:$TMP/no-cache
GSS=(--gss --gss-keytab "$GSS_KEYTAB" --gss-principal "$GSS_PRINCIPAL")
BASE=n$RUN_TAG.$GSS_HOST

# 1. Thirty names, one UPDATE, one context.
names=(-d "$BASE" -d "*.$BASE")
for ((i = 1; i <= 28; i++)); do
	names+=(-d "s$i.$BASE")
done
run_acmeup many "${ISSUE[@]}" "${names[@]}" "${GSS[@]}" --state-dir "$TMP/state" \
	--out "$TMP/out" --json -vv
[ "$RC" = 0 ] || { show_output many; fail "issue with GSS-TSIG exited $RC"; }
sans=$(cert_dns_sans "$TMP/out/$BASE/cert.pem" | wc -l)
[ "$sans" = 30 ] || fail "the certificate holds $sans names, want 30"
grep -q "dns: $GSS_ZONE: UPDATE adding 30 TXT accepted by $PRIMARY (key GSS-TSIG $GSS_PRINCIPAL" "$TMP/many.err" ||
	{ show_output many; fail "no single GSS-TSIG UPDATE of 30 TXT"; }
contexts=$(grep -c "GSS-TSIG context with $PRIMARY as $GSS_PRINCIPAL (service DNS/ns1.$GSS_ZONE" "$TMP/many.err" || true)
[ "$contexts" = 1 ] || { show_output many; fail "$contexts GSS-TSIG contexts made, want 1 for the run"; }
grep -q "dns: $GSS_ZONE: UPDATE deleting 30 TXT accepted by $PRIMARY (key GSS-TSIG" "$TMP/many.err" ||
	{ show_output many; fail "the removal did not go with GSS-TSIG"; }
grep -qF "key ${GSS_PRINCIPAL/@/\\@}: updating zone '$GSS_ZONE/IN': adding an RR at '_acme-challenge.s28.$BASE' TXT" \
	"$ACMEUP_LAB_DIR/ns1/named.log" || fail "ns1 did not log an update by $GSS_PRINCIPAL"
[ "$(json_summary "$TMP/many.out")" = "1 0 0 0" ] || fail "--json: $(json_summary "$TMP/many.out")"
assert_no_challenge_records
ok "30 names in one GSS-TSIG UPDATE as $GSS_PRINCIPAL, one context for add and removal; ns1 logged the principal; nothing left"

# 2. A principal without rights on the names.
serial=$(zone_serial "$PRIMARY" "$GSS_ZONE")
run_acmeup norights "${ISSUE[@]}" -d "r$RUN_TAG.$GSS_HOST" --gss \
	--gss-keytab "$GSS_NORIGHTS_KEYTAB" --gss-principal "$GSS_NORIGHTS_PRINCIPAL" \
	--state-dir "$TMP/state2" --out "$TMP/out2"
[ "$RC" = 1 ] || { show_output norights; fail "a principal without rights: exit $RC, want 1"; }
grep -q "REFUSED from $PRIMARY for zone $GSS_ZONE: key GSS-TSIG $GSS_NORIGHTS_PRINCIPAL may not update _acme-challenge.r$RUN_TAG.$GSS_HOST" \
	"$TMP/norights.err" || { show_output norights; fail "the refusal does not name principal, zone and name"; }
[ "$(zone_serial "$PRIMARY" "$GSS_ZONE")" = "$serial" ] || fail "the refused UPDATE moved the serial"
[ ! -e "$TMP/out2/r$RUN_TAG.$GSS_HOST" ] || fail "a certificate directory was made"
ok "$GSS_NORIGHTS_PRINCIPAL: $(grep -m1 -o 'REFUSED from.*update-policy?)' "$TMP/norights.err")"

# 3. No credentials: neither a keytab nor a ticket in the cache.
run_acmeup nocreds "${ISSUE[@]}" -d "c$RUN_TAG.$GSS_HOST" --gss \
	--gss-principal "$GSS_PRINCIPAL" --state-dir "$TMP/state3" --out "$TMP/out3"
[ "$RC" = 2 ] || { show_output nocreds; fail "no credentials: exit $RC, want 2"; }
grep -q "GSS-TSIG: credentials of $GSS_PRINCIPAL from the credential cache: .*(kinit first, or give --gss-keytab)" \
	"$TMP/nocreds.err" || { show_output nocreds; fail "no credentials: not named"; }
[ "$(zone_serial "$PRIMARY" "$GSS_ZONE")" = "$serial" ] || fail "the serial moved without credentials"
grep -q "acme:" "$TMP/nocreds.err" && { show_output nocreds; fail "the CA was asked without credentials"; }
ok "no credentials: $(grep -m1 -o 'GSS-TSIG: .*' "$TMP/nocreds.err" | cut -c1-160)"

# ... and an expired ticket in the cache (kinit -l 1s).
KRB5CCNAME=FILE:$TMP/cc.short kinit -l 1s -k -t "$GSS_KEYTAB" "$GSS_PRINCIPAL" 2>"$TMP/kinit.err" ||
	fail "kinit -l 1s: $(cat "$TMP/kinit.err")"
sleep 1.5
KRB5CCNAME=FILE:$TMP/cc.short run_acmeup expired "${ISSUE[@]}" -d "e$RUN_TAG.$GSS_HOST" --gss \
	--state-dir "$TMP/state3" --out "$TMP/out3"
[ "$RC" = 2 ] || { show_output expired; fail "an expired ticket: exit $RC, want 2"; }
grep -q "GSS-TSIG: credentials of the default principal from the credential cache: the Kerberos ticket has expired (kinit first" \
	"$TMP/expired.err" || { show_output expired; fail "the expired ticket is not said"; }
ok "an expired ticket: $(grep -m1 -o 'GSS-TSIG: .*' "$TMP/expired.err")"

# 4. kill -9 while ns2 is held, then cleanup from the journal alone.
TEST_CLEANUP_EXTRA=resume_ns2
KNAME=k$RUN_TAG.$GSS_HOST
gss_held kill "$KNAME" "$TMP/state4"
pid=$PID
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
resume_ns2
[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$KNAME")" ] || fail "no TXT on $PRIMARY after kill -9"
grep -q "gss:$GSS_KEYTAB" "$TMP"/state4/journal/*.journal ||
	fail "the journal does not name the keytab: $(cat "$TMP"/state4/journal/*.journal)"
run_acmeup cleanup cleanup --state-dir "$TMP/state4" -v
[ "$RC" = 0 ] || { show_output cleanup; fail "cleanup exited $RC"; }
grep -q "1 challenge record found in journals under $TMP/state4, 1 removed, 0 left" "$TMP/cleanup.out" ||
	{ show_output cleanup; fail "cleanup did not report 1 record removed"; }
grep -q "dns: $GSS_ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY (key GSS-TSIG $GSS_PRINCIPAL" "$TMP/cleanup.err" ||
	{ show_output cleanup; fail "cleanup did not remove it with GSS-TSIG"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$KNAME")" ] || fail "the TXT of $KNAME is still on $PRIMARY"
ok "killed during the wait; cleanup made a new GSS-TSIG context from the journal and removed the record"

# 5. A configuration that mixes HMAC (global key) and GSS-TSIG (zone block).
lab_conf "$TMP/state5" "$TMP/out5" >"$TMP/mixed.conf"
cat >>"$TMP/mixed.conf" <<EOF
zone $GSS_ZONE {
	tsig-gss      yes
	gss-keytab    $GSS_KEYTAB
	gss-principal $GSS_PRINCIPAL
}
EOF
MNAME=m$RUN_TAG.$ZONE
run_acmeup mixed issue -c "$TMP/mixed.conf" -d "$MNAME" -d kerberos.contoso.test --ttl 1 -v
[ "$RC" = 0 ] || { show_output mixed; fail "the mixed order exited $RC"; }
[ "$(cert_dns_sans "$TMP/out5/$MNAME/cert.pem" | tr '\n' ' ')" = "kerberos.contoso.test $MNAME " ] ||
	fail "mixed: SANs $(cert_dns_sans "$TMP/out5/$MNAME/cert.pem" | tr '\n' ' ')"
grep -q "dns: $ZONE: UPDATE adding 1 TXT accepted by $PRIMARY (key acmeup-update" "$TMP/mixed.err" ||
	{ show_output mixed; fail "mixed: $ZONE was not updated with the HMAC key"; }
grep -q "dns: $GSS_ZONE: UPDATE adding 1 TXT accepted by $PRIMARY (key GSS-TSIG $GSS_PRINCIPAL" "$TMP/mixed.err" ||
	{ show_output mixed; fail "mixed: $GSS_ZONE was not updated with GSS-TSIG"; }
grep -qF "kerberos.$GSS_HOST" "$TMP/mixed.err" || { show_output mixed; fail "mixed: the CNAME was not followed"; }
ok "one order over $ZONE (HMAC) and $GSS_ZONE (GSS-TSIG, through the CNAME of kerberos.contoso.test)"

# 6. GSS-TSIG to a server that has no Kerberos service.
run_acmeup noservice "${ISSUE[@]}" -d "u$RUN_TAG.$ZONE" "${GSS[@]}" \
	--state-dir "$TMP/state6" --out "$TMP/out6"
[ "$RC" = 1 ] || { show_output noservice; fail "no service principal: exit $RC, want 1"; }
grep -q "GSS-TSIG for zone $ZONE at $PRIMARY as $GSS_PRINCIPAL: DNS@ns1.$ZONE: .*not found in Kerberos database (the KDC must know the service" \
	"$TMP/noservice.err" || { show_output noservice; fail "the unknown service principal is not named"; }
ok "no service: $(grep -m1 -o 'GSS-TSIG for zone.*' "$TMP/noservice.err")"

# 7. The server forgets the context mid-run (rndc tsig-delete, as after a
# restart): the removal meets BADKEY, and a new context removes the record.
RNAME=f$RUN_TAG.$GSS_HOST
gss_held forget "$RNAME" "$TMP/state7"
pid=$PID
key=$(sed -n 's/.*GSS-TSIG context with .* key \([0-9a-f]*\.sig-[^,]*\), .*/\1/p' "$TMP/forget.err" | head -1)
RNDC=(rndc -k "$ACMEUP_LAB_DIR/ns3/rndc.key" -s "$PRIMARY")
timeout 10 "${RNDC[@]}" tsig-delete "$key" >"$TMP/rndc.out" 2>&1 ||
	{ resume_ns2; kill -KILL "$pid"; fail "rndc tsig-delete $key: $(cat "$TMP/rndc.out")"; }
resume_ns2
RC=0
wait "$pid" || RC=$?
[ "$RC" = 0 ] || { show_output forget; fail "forget: exit $RC"; }
grep -q "$PRIMARY rejected the GSS-TSIG context; a new one" "$TMP/forget.err" ||
	{ show_output forget; fail "forget: the rejected context was not said"; }
contexts=$(grep -c "GSS-TSIG context with $PRIMARY as $GSS_PRINCIPAL" "$TMP/forget.err" || true)
[ "$contexts" = 2 ] || { show_output forget; fail "forget: $contexts contexts, want 2"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$RNAME")" ] || fail "forget: the TXT of $RNAME is still on $PRIMARY"
ok "ns1 forgot the context (rndc tsig-delete $key): BADKEY on the removal, a new context, removed"

# 8. This host's clock 10 minutes ahead (faketime): the TKEY answer's time
# tells by how much, and dns-check says so.
command -v faketime >/dev/null || fail "faketime is missing (tests/lib/deps.sh installs it)"
ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 ACMEUP=faketime run_acmeup skew \
	-f +10m "$ACMEUP" dns-check --resolver "$RESOLVER" -d "w$RUN_TAG.$GSS_HOST" "${GSS[@]}"
[ "$RC" = 1 ] || { show_output skew; fail "clock skew: exit $RC, want 1"; }
grep -Eq "clock skew: $PRIMARY is (59[0-9]|60[0-9]) s behind this host \(its TKEY answer for zone $GSS_ZONE is signed at" \
	"$TMP/skew.err" || { show_output skew; fail "clock skew: the offset is not said"; }
ok "$(grep -m1 -o 'clock skew: [^(]*' "$TMP/skew.err")"

# 9. dns-check in the Kerberos zone: principal, ticket, TKEY, canary write.
run_acmeup check dns-check --resolver "$RESOLVER" -d "d$RUN_TAG.$GSS_HOST" "${GSS[@]}"
[ "$RC" = 0 ] || { show_output check; fail "dns-check exited $RC"; }
for want in "key       GSS-TSIG as $GSS_PRINCIPAL (keytab $GSS_KEYTAB)" \
	"gss       ticket for DNS/ns1.$GSS_ZONE, TKEY with $PRIMARY done (gss-tsig)" \
	"update    accepted by $PRIMARY" "OK        acmeup can publish and prove"; do
	grep -qF -- "$want" "$TMP/check.out" || { show_output check; fail "dns-check: no '$want'"; }
done
ok "dns-check shows the principal, the service ticket, the TKEY and the canary write"

assert_no_challenge_records
ok "no challenge records left in any zone"
