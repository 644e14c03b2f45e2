# shellcheck shell=bash disable=SC2153 # globals come from tests/lab/lab
# The lab's Kerberos side (sourced by tests/lab/lab), for GSS-TSIG (RFC 3645):
# an MIT KDC (krb5kdc) for realm GSS_REALM on KDC_IP, its database, principals
# and keytabs made by kdb5_util and one kadmin.local run in $LAB/kdc, and a
# private KRB5_CONFIG / KRB5_KDC_PROFILE there (never /etc/krb5.conf). ns1
# serves gss.test with tkey-gssapi-keytab (DNS/ns1.gss.test) and lets each
# principal host/NAME@GSS_REALM change TXT at NAME and below (krb5-selfsub):
# host/acmeup.gss.test at *.acmeup.gss.test (GSS_HOST);
# host/outsider.other.test has a keytab but no rights in the zone.

# krb5_conf [REALM KDC ZONE]: a client configuration (KRB5_CONFIG): the
# lab's (GSS_REALM, KDC_IP, GSS_ZONE) by default, or samba.sh's.
krb5_conf() {
	local realm=${1:-$GSS_REALM} kdc=${2:-$KDC_IP} zone=${3:-$GSS_ZONE}
	cat <<-EOF
		# Written by tests/lab/lab.
		[libdefaults]
		 default_realm = $realm
		 dns_lookup_kdc = false
		 dns_lookup_realm = false
		 dns_canonicalize_hostname = false
		 rdns = false
		 udp_preference_limit = 1
		[realms]
		 $realm = {
		  kdc = $kdc
		 }
		[domain_realm]
		 .$zone = $realm
		 $zone = $realm
	EOF
}

# kdc_conf DIR: the KDC's profile (KRB5_KDC_PROFILE).
kdc_conf() {
	cat <<-EOF
		# Written by tests/lab/lab.
		[kdcdefaults]
		 kdc_listen = $KDC_IP:88
		 kdc_tcp_listen = $KDC_IP:88
		[realms]
		 $GSS_REALM = {
		  database_name = $1/principal
		  key_stash_file = $1/stash
		  acl_file = $1/kadm5.acl
		  kdc_listen = $KDC_IP:88
		  kdc_tcp_listen = $KDC_IP:88
		  supported_enctypes = aes256-cts-hmac-sha1-96:normal
		  max_life = 10h
		 }
		[logging]
		 kdc = FILE:$1/kdc.log
	EOF
}

# The principals and their keytabs: one kadmin.local reads them all.
kadmin_script() {
	local d=$1
	cat <<-EOF
		addprinc -randkey DNS/ns1.$GSS_ZONE
		addprinc -randkey $GSS_PRINCIPAL
		addprinc -randkey $GSS_NORIGHTS_PRINCIPAL
		ktadd -k $d/dns.keytab DNS/ns1.$GSS_ZONE
		ktadd -k $d/acmeup.keytab $GSS_PRINCIPAL
		ktadd -k $d/norights.keytab $GSS_NORIGHTS_PRINCIPAL
	EOF
}

write_kdc() {
	local d=$LAB/kdc
	mkdir -p "$d"
	krb5_conf >"$d/krb5.conf"
	kdc_conf "$d" >"$d/kdc.conf"
	: >"$d/kadm5.acl"
	# Every Kerberos library the lab starts reads these, never /etc/krb5.conf;
	# no replay cache under /var/tmp.
	export KRB5_CONFIG=$d/krb5.conf KRB5_KDC_PROFILE=$d/kdc.conf KRB5RCACHETYPE=none
	kdb5_util create -s -r "$GSS_REALM" -P lab-master-password -W >"$d/kdb5_util.log" 2>&1 || {
		cat "$d/kdb5_util.log" >&2
		return 1
	}
	kadmin_script "$d" | kadmin.local -r "$GSS_REALM" >"$d/kadmin.log" 2>&1 || {
		cat "$d/kadmin.log" >&2
		return 1
	}
	local kt
	for kt in dns acmeup norights; do
		if [ ! -s "$d/$kt.keytab" ]; then
			log "kadmin.local made no $d/$kt.keytab"
			cat "$d/kadmin.log" >&2
			return 1
		fi
	done
	chmod 600 "$d"/*.keytab
}

# gss.test: SOA MNAME ns1.gss.test (the service principal DNS/ns1.gss.test
# comes from it), NS ns1 and ns2.
write_zone_gss() {
	{
		soa_ns "$GSS_ZONE" "ns1.$GSS_ZONE" "ns1.$GSS_ZONE" "ns2.$GSS_ZONE"
		printf 'ns1\tIN A\t%s\nns2\tIN A\t%s\n' "$PRIMARY_IP" "$SECONDARY_IP"
	} >"$LAB/ns1/$GSS_ZONE.db"
}

# krb5kdc's TCP port answers: a KDC that has read its database.
kdc_up() {
	(exec 3<>"/dev/tcp/$KDC_IP/88") 2>/dev/null
}
