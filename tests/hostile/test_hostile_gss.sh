#!/usr/bin/env bash
# GSS-TSIG through hostile DNS relays (tests/hostile/fake_dns.py) before the
# lab primary of gss.test (--zone-server), driven by `acmeup dns-check`
# with the lab keytab (issue 15):
#   pass       control: exit 0, context under gss-tsig
#   gssalg     the key exchange under gss-tsig answered BADALG (a server
#              that knows only gss.microsoft.com): acmeup says so, makes
#              the context under gss.microsoft.com, exit 0
#   tkeynosig  the answer that completes the context stripped of its TSIG
#              (RFC 3645 4.1.3: it must be signed by the new context):
#              refused as forged, exit 1, no UPDATE sent
# Each within a time and memory bound, no sanitizer report, no UPDATE at
# a name outside its own, the zones clean afterwards.
# shellcheck source=tests/hostile/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${GSS_ZONE:-}" ] || fail "the lab has no Kerberos zone (old lab? tests/lab/lab start)"
export KRB5_CONFIG=$GSS_KRB5_CONFIG KRB5RCACHETYPE=none KRB5CCNAME=FILE:$TMP/no-cache
R=$RANDOM$RANDOM
MODES=(pass gssalg tkeynosig)
declare -A PORT
pairs=()
port=5440
for m in "${MODES[@]}"; do
	PORT[$m]=$port
	pairs+=("$PRIMARY:$port=$PRIMARY:53")
	port=$((port + 1))
done
start_fake_dns "${pairs[@]}"
for m in "${MODES[@]}"; do
	dns_mode "${PORT[$m]}" "$m"
done

# check MODE: dns-check of a name below the principal's host through the
# relay of MODE.
check() {
	hostile_run "$1" 30 dns-check "g$1$R.$GSS_HOST" --resolver "$RESOLVER" \
		--zone-server "$GSS_ZONE=$PRIMARY:${PORT[$1]}" --gss --gss-keytab "$GSS_KEYTAB" \
		--gss-principal "$GSS_PRINCIPAL" --state-dir "$TMP/state-$1" \
		--propagation-timeout 3 --ttl 1 -vv
}

mark=$(log_mark)
pids=()
for m in "${MODES[@]}"; do
	check "$m" &
	pids+=($!)
done
wait "${pids[@]}" || true
hostile_load pass
RSS_MAX=$((RSS_KB + RSS_SLACK_KB))
allowed=("_acme-challenge.gpass$R.$GSS_HOST" "_acme-challenge.ggssalg$R.$GSS_HOST")

hostile_check pass 0 20 "$RSS_MAX" "$mark" "" "" "" "${allowed[@]}"
grep -q "gss       ticket for DNS/ns1.$GSS_ZONE, TKEY with $PRIMARY:${PORT[pass]} done (gss-tsig)" "$TMP/pass.out" ||
	{ show_output pass; fail "pass: no context under gss-tsig"; }
ok "pass: exit 0 in ${ELAPSED_MS} ms, ${RSS_KB} KiB"

hostile_load gssalg
hostile_check gssalg 0 20 "$RSS_MAX" "$mark" "" "" "" "${allowed[@]}"
relay_log "${PORT[gssalg]}" | grep -q 'TKEY gss-tsig: BADALG' || fail "gssalg: the relay refused nothing"
grep -q "warning: dns: $GSS_ZONE: $PRIMARY:${PORT[gssalg]} refuses the GSS-TSIG algorithm gss-tsig: trying gss.microsoft.com" \
	"$TMP/gssalg.err" || { show_output gssalg; fail "gssalg: the refused algorithm was not said"; }
grep -q "gss       ticket for DNS/ns1.$GSS_ZONE, TKEY with $PRIMARY:${PORT[gssalg]} done (gss.microsoft.com)" "$TMP/gssalg.out" ||
	{ show_output gssalg; fail "gssalg: no context under gss.microsoft.com"; }
ok "gssalg: BADALG for gss-tsig, the context made under gss.microsoft.com, exit 0 in ${ELAPSED_MS} ms"

hostile_load tkeynosig
hostile_check tkeynosig 1 20 "$RSS_MAX" "$mark" "" "" "" "${allowed[@]}"
grep -q "the TKEY answer of $PRIMARY:${PORT[tkeynosig]} for zone $GSS_ZONE does not verify with the new context" "$TMP/tkeynosig.err" ||
	{ show_output tkeynosig; fail "tkeynosig: the unsigned TKEY answer was not refused as such"; }
! relay_log "${PORT[tkeynosig]}" | grep -q ' update ' || fail "tkeynosig: an UPDATE went out on an unverified context"
ok "tkeynosig: the unsigned TKEY answer refused, no UPDATE sent, exit 1 in ${ELAPSED_MS} ms"

assert_no_challenge_records
ok "no challenge records left in any zone"
