# shellcheck shell=bash
# DNSSEC in the lab (issue 16): a signed parent sec.test that unbound, the
# CA's resolver, trusts (its KSK's DS is unbound's trust anchor), and two
# signed children on ns1 (primary, inline-signing every UPDATE into the
# zone it serves: auto-dnssec maintain, inline-signing, keys made here) and
# ns2 (secondary):
#   good.sec.test   the parent's DS matches its KSK: validates
#   bad.sec.test    the parent's DS is of another key: a broken chain, the
#                   CA's resolver answers SERVFAIL for every name in it
# Keys: $LAB/ns1/dnssec (ECDSA P-256, a KSK and a ZSK per zone), made at
# each start (ms).

# dnssec_keys ZONE: a KSK and a ZSK for ZONE in $LAB/ns1/dnssec.
dnssec_keys() {
	dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K "$LAB/ns1/dnssec" "$1" >/dev/null &&
		dnssec-keygen -q -a ECDSAP256SHA256 -K "$LAB/ns1/dnssec" "$1" >/dev/null
}

# dnssec_ds ZONE: the DS (SHA-256) of ZONE's KSK, one line.
dnssec_ds() {
	local k
	for k in "$LAB/ns1/dnssec/K$1."+*.key; do
		if grep -q ' 257 3 ' "$k"; then
			dnssec-dsfromkey -2 "$k"
		fi
	done
}

write_zones_dnssec() {
	local d=$LAB/ns1/dnssec z stray
	mkdir -p "$d"
	for z in "$SEC_ZONE" "$SEC_GOOD" "$SEC_BAD"; do
		dnssec_keys "$z" || return 1
	done
	# The bad child's DS: of a key that is not in its zone.
	stray=$(mktemp -d "$LAB/ns1/stray.XXXXXX")
	dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K "$stray" "$SEC_BAD" >/dev/null || return 1
	{
		soa_ns "$SEC_ZONE" "ns1.$ZONE" "ns1.$ZONE" "ns2.$ZONE"
		for z in "$SEC_GOOD" "$SEC_BAD"; do
			printf '%s.\tIN NS\tns1.%s.\n%s.\tIN NS\tns2.%s.\n' "$z" "$ZONE" "$z" "$ZONE"
		done
		dnssec_ds "$SEC_GOOD"
		dnssec-dsfromkey -2 "$stray"/K*.key
	} >"$LAB/ns1/$SEC_ZONE.db"
	rm -rf "$stray"
	for z in "$SEC_GOOD" "$SEC_BAD"; do
		soa_ns "$z" "ns1.$ZONE" "ns1.$ZONE" "ns2.$ZONE" >"$LAB/ns1/$z.db"
	done
	# unbound's trust anchor: the parent's KSK.
	dnssec_ds "$SEC_ZONE" >"$LAB/dnssec-anchor"
}

# dnssec_zone ZONE SECONDARY: ns1's zone statement, inline-signed (the
# serial served is the signed zone's, as with dnssec-policy).
dnssec_zone() {
	printf 'zone "%s" {\n\ttype primary;\n\tfile "%s/%s.db";\n' "$1" "$LAB/ns1" "$1"
	printf '\tnotify explicit; also-notify { %s; }; notify-delay 0;\n' "$2"
	printf '\tkey-directory "%s/dnssec";\n\tauto-dnssec maintain;\n\tinline-signing yes;\n' "$LAB/ns1"
	printf '\tupdate-policy {\n\t\tgrant %s zonesub TXT;\n\t};\n};\n' "$KEY_NAME"
}

# signed SERVER ZONE: SERVER serves ZONE's SOA with its RRSIG.
signed() {
	dig +time=1 +tries=1 +norec +dnssec "@$1" "$2" SOA 2>/dev/null |
		grep -q "RRSIG[[:space:]]*SOA"
}

# signed_all SERVER ZONE...: every ZONE signed at SERVER.
signed_all() {
	local s=$1 z
	shift
	for z in "$@"; do
		signed "$s" "$z" || return 1
	done
}
