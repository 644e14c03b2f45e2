# shellcheck shell=bash disable=SC2153 # globals come from tests/lab/lab
# The lab's PowerDNS (sourced by tests/lab/lab): pdns_server 4.7 with the
# gsqlite3 backend, primary of pdns.test on PDNS_IP. RFC 2136 updates are
# allowed per zone by metadata, as a PowerDNS admin sets them up:
# TSIG-ALLOW-DNSUPDATE names the keys (the update key and every acmeup-ALG
# key), SOA-EDIT-DNSUPDATE INCREASE moves the serial, NOTIFY-DNSUPDATE 1
# sends NOTIFY after each update (the zone must be of kind MASTER: a native
# zone notifies nobody; and NOTIFY must leave from PDNS_IP, the address ns2
# takes it from), so that the BIND secondary ns2 follows.

PDNS_SCHEMA=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql

# pdns_key_sql BIND-KEY-FILE: SQL that puts the key into PowerDNS's tsigkeys
# table and lets it update the zone (what `pdnsutil import-tsig-key` and
# `set-meta ZONE TSIG-ALLOW-DNSUPDATE` do, without a process per key).
pdns_key_sql() {
	local name alg secret
	read -r name alg secret < <(bind_key_parts "$1")
	printf "INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('%s', '%s', '%s');\n" \
		"$name" "$alg" "$secret"
	printf "INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'TSIG-ALLOW-DNSUPDATE', '%s');\n" \
		"$name"
}

# The zone as SQL (one sqlite3 process: pdnsutil takes ~0.1 s a call). Of
# kind MASTER: a NATIVE zone sends no NOTIFY.
pdns_zone_sql() {
	local z=$PDNS_ZONE f
	cat <<-EOF
		INSERT INTO domains (id, name, type) VALUES (1, '$z', 'MASTER');
		INSERT INTO records (domain_id, name, type, content, ttl, auth) VALUES
		  (1, '$z', 'SOA', 'ns1.$z hostmaster.$z 1 3600 600 86400 300', 300, 1),
		  (1, '$z', 'NS', 'ns1.$z', 300, 1),
		  (1, '$z', 'NS', 'ns2.$ZONE', 300, 1),
		  (1, 'ns1.$z', 'A', '$PDNS_IP', 300, 1);
		INSERT INTO domainmetadata (domain_id, kind, content) VALUES
		  (1, 'SOA-EDIT-DNSUPDATE', 'INCREASE'),
		  (1, 'NOTIFY-DNSUPDATE', '1');
	EOF
	for f in $(update_key_files); do
		pdns_key_sql "$f"
	done
}

write_pdns() {
	local d=$LAB/pdns
	mkdir -p "$d"
	rm -f "$d/pdns.sqlite3"
	{
		cat "$PDNS_SCHEMA"
		pdns_zone_sql
	} | sqlite3 "$d/pdns.sqlite3" || return 1
	cat >"$d/pdns.conf" <<-EOF
		# Written by tests/lab/lab.
		launch=gsqlite3
		gsqlite3-database=$d/pdns.sqlite3
		local-address=$PDNS_IP
		local-port=53
		query-local-address=$PDNS_IP
		socket-dir=$d
		daemon=no
		guardian=no
		disable-syslog=yes
		loglevel=4
		primary=yes
		dnsupdate=yes
		allow-dnsupdate-from=127.0.0.0/8
		allow-axfr-ips=127.0.0.0/8
		also-notify=$SECONDARY_IP
	EOF
}
