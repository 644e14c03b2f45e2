#!/usr/bin/env bash
# PowerDNS as the zone's primary (issue 16): pdns.test on pdns_server 4.7
# (gsqlite3), updates allowed by its TSIG-ALLOW-DNSUPDATE metadata, the
# serial moved by SOA-EDIT-DNSUPDATE, the BIND secondary ns2 following by
# NOTIFY-DNSUPDATE. A name and its wildcard in one order: both TXT records
# in one UPDATE, proven on PowerDNS and ns2, the certificate's SANs exactly
# the two names, nothing left on either server.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${PDNS_ZONE:-}" ] || fail "the lab has no PowerDNS zone (old lab? tests/lab/lab start)"
NAME=$RUN_TAG.$PDNS_ZONE
run_acmeup pdns "${ISSUE[@]}" -d "$NAME" -d "*.$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --json
[ "$RC" = 0 ] || { show_output pdns; fail "issue exited $RC"; }
want=$(printf '%s\n' "$NAME" "*.$NAME" | sort)
[ "$(cert_dns_sans "$TMP/out/$NAME/cert.pem")" = "$want" ] ||
	fail "SANs: $(cert_dns_sans "$TMP/out/$NAME/cert.pem" | tr '\n' ' ')"
err=$TMP/pdns.err
grep -q "dns: $PDNS_ZONE: UPDATE adding 2 TXT accepted by $PDNS " "$err" ||
	{ show_output pdns; fail "not one UPDATE of 2 TXT to PowerDNS"; }
grep -q "dns: $PDNS_ZONE: all 2 servers answer" "$err" ||
	{ show_output pdns; fail "PowerDNS and ns2 were not both proven"; }
ok "issued $NAME + *.$NAME through PowerDNS: $(grep -o "all 2 servers answer.*" "$err")"
assert_no_challenge_records
ok "nothing left on PowerDNS or its secondary"
