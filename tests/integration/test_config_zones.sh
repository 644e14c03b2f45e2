#!/usr/bin/env bash
# Zone blocks of acmeup.conf drive the DNS engine as the --zone-* options
# do, checked with dns-check against the lab's servers: a zone's update
# server (by host name), its key (a name in a two-key file), tsig-queries
# for that zone, alias-to for every name below a zone, skip-server for one
# zone (a secondary that never catches up); the command line wins per zone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${ACME_ZONE:-}" ] || fail "the lab has no acme-challenges zone (old lab?)"
R=$RANDOM$RANDOM
CONF=$TMP/acmeup.conf
cat "$LIMITED_KEY" "$TSIG_KEY" >"$TMP/two.key"
chmod 600 "$TMP/two.key"

cat >"$CONF" <<EOF
resolver $RESOLVER
state-dir $TMP/state
tsig-key $LIMITED_KEY
propagation-timeout 3

zone $ACME_ZONE {
    server ns1.$CONTOSO:53
    tsig-key $TMP/two.key
    tsig-key-name acmeup-update
    tsig-queries yes
}
zone sub$R.$CONTOSO {
    alias-to alias-sub$R.$ACME_ZONE
}
zone $LAG_ZONE {
    tsig-key $TSIG_KEY
    skip-server $LAG_SERVER
}
EOF

run_acmeup check config-check -c "$CONF"
[ "$RC" = 0 ] || { show_output check; fail "config-check exited $RC"; }

# --- alias-to for a subtree, the target zone's server, key, signed queries ---
for host in h1 "*.h2"; do
	name=$host.sub$R.$CONTOSO
	run_acmeup alias dns-check -c "$CONF" -vv "$name"
	[ "$RC" = 0 ] || { show_output alias; fail "dns-check $name exited $RC"; }
	for want in "chain     _acme-challenge.${name#\*.} --challenge-alias alias-sub$R.$ACME_ZONE" \
		"record    TXT at alias-sub$R.$ACME_ZONE" \
		"primary   $PRIMARY (zone server ns1.$CONTOSO:53; SOA MNAME" \
		"key       acmeup-update (hmac-sha256, from $TMP/two.key)" "removed"; do
		grep -qF -- "$want" "$TMP/alias.out" || { show_output alias; fail "$name: report lacks '$want'"; }
	done
	grep -q "trace: dns: alias-sub$R.$ACME_ZONE TXT? to $PRIMARY:53 (RD=0, EDNS, TSIG)" "$TMP/alias.err" ||
		{ show_output alias; fail "$name: the proof queries to $ACME_ZONE were not signed"; }
done
ok "alias-to: h1 and *.h2 below sub$R.$CONTOSO go to alias-sub$R.$ACME_ZONE; zone server by name, tsig-key-name, tsig-queries"

# --- the command line wins per zone ---------------------------------------------
name=h3.sub$R.$CONTOSO
run_acmeup cli dns-check -c "$CONF" --zone-server "$ACME_ZONE=$PRIMARY" "$name"
[ "$RC" = 0 ] || { show_output cli; fail "dns-check --zone-server exited $RC"; }
grep -qF "primary   $PRIMARY (zone server $PRIMARY; SOA MNAME" "$TMP/cli.out" ||
	{ show_output cli; fail "--zone-server did not replace the zone block's server"; }
grep -qF "key       acmeup-update (hmac-sha256, from $TMP/two.key)" "$TMP/cli.out" ||
	{ show_output cli; fail "the zone block's key was lost"; }
ok "--zone-server overrides the block's server, the block's key stays"

# --- skip-server for one zone ---------------------------------------------------
lab_lag never
name=n$R.$LAG_ZONE
run_acmeup skip dns-check -c "$CONF" "$name"
[ "$RC" = 0 ] || { show_output skip; fail "dns-check $name with the zone's skip-server exited $RC"; }
grep -q "servers   .*$LAG_SERVER (skipped)" "$TMP/skip.out" ||
	{ show_output skip; fail "the report does not show $LAG_SERVER skipped"; }
grep -q "not waiting for $LAG_SERVER" "$TMP/skip.err" ||
	{ show_output skip; fail "no 'not waiting for $LAG_SERVER' line"; }
sed -e "/skip-server $LAG_SERVER/d" "$CONF" >"$TMP/noskip.conf"
run_acmeup noskip dns-check -c "$TMP/noskip.conf" "n2$R.$LAG_ZONE"
[ "$RC" = 1 ] || { show_output noskip; fail "without skip-server: exit $RC, want 1"; }
ok "skip-server in the $LAG_ZONE block: not waited for (without it: exit 1)"
lab_lag 0

for z in "$ACME_ZONE" "$LAG_ZONE"; do
	left=$(challenge_records "$PRIMARY" "$z" | grep -F "$R" || true)
	[ -z "$left" ] || fail "challenge records left in $z: $left"
done
ok "no probe left in $ACME_ZONE or $LAG_ZONE"
