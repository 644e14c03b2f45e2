# shellcheck shell=bash disable=SC2153 # globals come from tests/lab/lab
# The lab's DNS side (sourced by tests/lab/lab): TSIG keys, zone files and the
# configurations of BIND (ns1 primary, ns2 secondary, ns3 lagging secondary,
# ns6 secondary also on [::1]:53), Knot (primary of knot.test) and unbound
# (the CA's resolver).

# --- keys -------------------------------------------------------------------

# bind_key_parts BIND-KEY-FILE: "NAME ALGORITHM SECRET" of its key.
bind_key_parts() {
	awk '
		/^key / { name = $2; gsub(/"/, "", name) }
		$1 == "algorithm" { alg = $2; sub(/;$/, "", alg) }
		$1 == "secret" { sec = $2; gsub(/[";]/, "", sec) }
		END { print name, alg, sec }' "$1"
}

# knot_key_yaml BIND-KEY-FILE: the same key in Knot's format (as keymgr -t
# prints it).
knot_key_yaml() {
	local name alg secret
	read -r name alg secret < <(bind_key_parts "$1")
	printf 'key:\n  - id: %s\n    algorithm: %s\n    secret: %s\n' "$name" "$alg" "$secret"
}

# keygen ALG NAME FILE: tsig-keygen in the background; its pid joins PIDS.
keygen() {
	tsig-keygen -a "$1" "$2" >"$3" &
	PIDS+=($!)
}

# fleet_key NAME: an hmac-sha256 key file as tsig-keygen writes it (32 random
# bytes), without its start-up cost: the lab makes many of these.
fleet_key() {
	local secret
	secret=$(head -c 32 /dev/urandom | base64 -w 0)
	printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$1" "$secret"
}

write_keys() {
	local alg k=$LAB/keys pid i
	PIDS=()
	mkdir -p "$k"
	keygen hmac-sha256 "$KEY_NAME" "$LAB/update.key"
	# Same name, another secret: what a misconfigured client would hold.
	keygen hmac-sha256 "$KEY_NAME" "$LAB/wrong.key"
	for alg in $TSIG_ALGS; do
		keygen "$alg" "acmeup-$alg" "$k/$alg.key"
	done
	keygen hmac-sha256 "$LIMITED_KEY_NAME" "$k/limited.key"
	# One key a host for the fleet tests: acmeup-fleet-N, its own name only.
	for ((i = 1; i <= FLEET_SIZE; i++)); do
		fleet_key "acmeup-fleet-$i" >"$k/fleet-$i.key"
	done
	# A key no lab server knows (BADKEY).
	keygen hmac-sha256 acmeup-unknown "$k/unknown.key"
	keygen hmac-sha256 lab-rndc "$LAB/ns3/rndc.key"
	for pid in "${PIDS[@]}"; do
		wait "$pid"
	done
	knot_key_yaml "$LAB/update.key" >"$k/update.knot.yaml"
	for alg in $TSIG_ALGS; do
		knot_key_yaml "$k/$alg.key" >"$k/$alg.knot.yaml"
	done
	chmod 600 "$LAB/update.key" "$LAB/wrong.key" "$k"/* "$LAB/ns3/rndc.key"
}

# The BIND key files every server that takes UPDATEs includes.
update_key_files() {
	local alg
	echo "$LAB/update.key"
	for alg in $TSIG_ALGS; do
		echo "$LAB/keys/$alg.key"
	done
	echo "$LAB/keys/limited.key"
}

# --- zone files -------------------------------------------------------------

# soa_ns ZONE MNAME NS...: $ORIGIN, SOA (negative TTL 300 s, RFC 2308; refresh
# 3600 s so that only NOTIFY or the lagger moves a secondary) and NS records.
soa_ns() {
	local zone=$1 mname=$2 ns
	shift 2
	# shellcheck disable=SC2016 # $ORIGIN and $TTL are zone file directives
	printf '$ORIGIN %s.\n$TTL 300\n' "$zone"
	printf '@\tIN SOA\t%s. hostmaster.%s. 1 3600 600 86400 300\n' "$mname" "$zone"
	for ns in "$@"; do
		printf '@\tIN NS\t%s.\n' "$ns"
	done
}

write_zone_example() {
	local i
	{
		soa_ns "$ZONE" "ns1.$ZONE" "ns1.$ZONE" "ns2.$ZONE"
		cat <<-EOF
			@	IN A	10.0.0.100
			ns1	IN A	$PRIMARY_IP
			ns2	IN A	$SECONDARY_IP
			; A wildcard CNAME swallows _acme-challenge.x.trap (the trap).
			*.trap	IN CNAME	target.$ZONE.
			target	IN A	10.0.0.200
			; CAA (RFC 8659, 8657) for dns-check: each subtree its own set.
			caa-none	IN CAA	0 issue ";"
			caa-other	IN CAA	0 issue "ca.example.net"
			caa-methods	IN CAA	0 issue "pebble.test; validationmethods=http-01"
			caa-ok	IN CAA	0 issue "pebble.test; validationmethods=dns-01,http-01"
			caa-ok	IN CAA	0 issuewild ";"
			caa-crit	IN CAA	128 tbs "x"
			caa-crit	IN CAA	0 issue "pebble.test"
			caa-acct	IN CAA	0 issue "pebble.test; accounturi=https://127.53.0.1:14000/my-account/other"
		EOF
		for i in 1 2 3 4 5 6 7 8 9; do
			printf 'host%d\tIN A\t10.0.0.%d\n' "$i" "$i"
		done
	} >"$LAB/ns1/$ZONE.db"
}

# contoso.test delegates acme-challenges.contoso.test and points its
# _acme-challenge names there by CNAME (one link, two links, a loop, and a
# CNAME into a DNAME); _acme-challenge.kerberos points into the Kerberos
# zone (GSS-TSIG updates only), below $GSS_HOST.
write_zone_contoso() {
	local a=$ACME_ZONE.
	{
		soa_ns "$CONTOSO" "ns1.$CONTOSO" "ns1.$CONTOSO" "ns2.$CONTOSO"
		cat <<-EOF
			ns1	IN A	$PRIMARY_IP
			ns2	IN A	$SECONDARY_IP
			intranet	IN A	10.0.1.1
			wiki	IN A	10.0.1.2
			_acme-challenge.intranet	IN CNAME	intranet.$CONTOSO.$a
			_acme-challenge.wiki	IN CNAME	wiki.$CONTOSO.$a
			_validation-persist.wiki	IN CNAME	wiki-persist.$a
			_acme-challenge.chain	IN CNAME	step1.$CONTOSO.
			step1	IN CNAME	chain.$CONTOSO.$a
			_acme-challenge.loop	IN CNAME	loop1.$CONTOSO.
			loop1	IN CNAME	loop2.$CONTOSO.
			loop2	IN CNAME	loop1.$CONTOSO.
			dn	IN DNAME	$a
			_acme-challenge.x	IN CNAME	_acme-challenge.x.dn.$CONTOSO.
			kerberos	IN A	10.0.1.3
			_acme-challenge.kerberos	IN CNAME	kerberos.$GSS_HOST.
			acme-challenges	IN NS	ns1.$a
			acme-challenges	IN NS	ns2.$a
			ns1.acme-challenges	IN A	$PRIMARY_IP
			ns2.acme-challenges	IN A	$SECONDARY_IP
		EOF
	} >"$LAB/ns1/$CONTOSO.db"
	{
		soa_ns "$ACME_ZONE" "ns1.$ACME_ZONE" "ns1.$ACME_ZONE" "ns2.$ACME_ZONE"
		printf 'ns1\tIN A\t%s\nns2\tIN A\t%s\n' "$PRIMARY_IP" "$SECONDARY_IP"
	} >"$LAB/ns1/$ACME_ZONE.db"
}

# lame.knot.test: served by ns1 (primary) and ns2; its apex NS set is
# those two, while knot.test (Knot) delegates to ns1.knot.test as well,
# which is Knot, which answers for it with a referral (no AA): a lame
# delegation for dns-check (test_dns_deleg).
write_zone_lame() {
	soa_ns "$LAME_ZONE" "ns1.$ZONE" "ns1.$ZONE" "ns2.$ZONE" >"$LAB/ns1/$LAME_ZONE.db"
}

write_zone_lag() {
	{
		soa_ns "$LAG_ZONE" "ns1.$ZONE" "ns1.$ZONE" "ns3.$LAG_ZONE"
		printf 'ns3\tIN A\t%s\n' "$LAG_IP"
	} >"$LAB/ns1/$LAG_ZONE.db"
}

# v6.test: NS ns1.example.test (IPv4) and ns6.v6.test, whose only address
# is ::1 (ns6): a client must query an AAAA address to see every server.
# stale6.test: the same shape, but ns6 serves a static copy of its own
# (serial 1, never updated): a client that waits for ::1 times out there.
write_zone_v6() {
	local z
	for z in "$V6_ZONE" "$STALE6_ZONE"; do
		{
			soa_ns "$z" "ns1.$ZONE" "ns1.$ZONE" "ns6.$z"
			printf 'ns6\tIN AAAA\t%s\n' "$V6_IP"
		} >"$LAB/ns1/$z.db"
	done
	cp "$LAB/ns1/$STALE6_ZONE.db" "$LAB/ns6/$STALE6_ZONE.db"
}

# hidden.test: a hidden primary. SOA MNAME primary.hidden.test (the address
# of ns1, which takes the UPDATEs); NS ns2.example.test and ns6.hidden.test
# only, so ns1 is in no NS set.
write_zone_hidden() {
	{
		soa_ns "$HIDDEN_ZONE" "primary.$HIDDEN_ZONE" "ns2.$ZONE" "ns6.$HIDDEN_ZONE"
		printf 'primary\tIN A\t%s\nns6\tIN A\t%s\n' "$PRIMARY_IP" "$NS6_IP"
	} >"$LAB/ns1/$HIDDEN_ZONE.db"
}

write_zone_knot() {
	{
		soa_ns "$KNOT_ZONE" "ns1.$KNOT_ZONE" "ns1.$KNOT_ZONE" "ns2.$ZONE"
		printf 'ns1\tIN A\t%s\nhost1\tIN A\t10.0.2.1\n' "$KNOT_IP"
		# lame.knot.test: one NS more than its apex lists, ns1.knot.test,
		# which does not serve it (write_zone_lame)
		printf 'lame\tIN NS\t%s.\n' "ns1.$ZONE" "ns2.$ZONE" "ns1.$KNOT_ZONE"
	} >"$LAB/knot/storage/$KNOT_ZONE.zone"
}

# --- BIND ---------------------------------------------------------------------

# named_common DIR ADDR [CONTROLS [V6-ADDR]]: options every BIND instance
# shares. Queries are logged to DIR/queries.log (at most 2 x 20 MB), so a
# test can tell which server a client asked.
named_common() {
	cat <<-EOF
		options {
			directory "$1";
			pid-file none;
			lock-file "$1/named.lock";
			session-keyfile "$1/session.key";
			managed-keys-directory "$1";
			listen-on port 53 { $2; };
			listen-on-v6 port 53 { ${4:-none}; };
			querylog yes;
			query-source address $2;
			notify-source $2;
			transfer-source $2;
			recursion no;
			dnssec-validation no;
			allow-query { 127.0.0.0/8; ::1; };
			allow-transfer { 127.0.0.0/8; ::1; };
			automatic-interface-scan no;
			serial-query-rate 1000;
			notify-rate 1000;
			startup-notify-rate 1000;${5:-}
		};
		controls { ${3:-} };
		logging {
			channel lab { file "$1/named.log"; severity info; print-time yes; print-category yes; };
			channel lab_queries { file "$1/queries.log" versions 2 size 20m; severity info; print-time yes; };
			category queries { lab_queries; };
			category default { lab; };
			category update { lab; };
			category update-security { lab; };
			category notify { lab; };
			category xfer-in { lab; };
			category xfer-out { lab; };
			category lame-servers { null; };
		};
	EOF
}

# The fleet keys (BIND files; ns1 only): acmeup-fleet-N for N in 1..FLEET_SIZE.
fleet_key_files() {
	local i
	for ((i = 1; i <= FLEET_SIZE; i++)); do
		echo "$LAB/keys/fleet-$i.key"
	done
}

# The grants of example.test: every lab key may change TXT anywhere, except
# acmeup-limited and acmeup-fleet-N, which may change TXT at one name only
# (_acme-challenge.limited, _acme-challenge.fleetN).
example_policy() {
	local alg i
	printf '\t\tgrant %s zonesub TXT;\n' "$KEY_NAME"
	for alg in $TSIG_ALGS; do
		printf '\t\tgrant acmeup-%s zonesub TXT;\n' "$alg"
	done
	printf '\t\tgrant %s name _acme-challenge.limited.%s. TXT;\n' "$LIMITED_KEY_NAME" "$ZONE"
	for ((i = 1; i <= FLEET_SIZE; i++)); do
		printf '\t\tgrant acmeup-fleet-%d name _acme-challenge.fleet%d.%s. TXT;\n' "$i" "$i" "$ZONE"
	done
}

# primary_zone ZONE NOTIFY-ADDR|none [POLICY-LINES]: a zone clause of ns1.
# dead.test: NS ns1.example.test, ns2.example.test and two servers that
# never answer: ns-refused.dead.test (DEAD_IP, nothing bound: refused at
# once) and ns-silent.dead.test (SILENT_IP, on lo: refused too, or silent
# while a test holds a mute socket there).
write_zone_dead() {
	{
		soa_ns "$DEAD_ZONE" "ns1.$ZONE" "ns1.$ZONE" "ns2.$ZONE" \
			"ns-refused.$DEAD_ZONE" "ns-silent.$DEAD_ZONE"
		printf 'ns-refused\tIN A\t%s\nns-silent\tIN A\t%s\n' "$DEAD_IP" "$SILENT_IP"
	} >"$LAB/ns1/$DEAD_ZONE.db"
}

# servfail.test: NS ns1.example.test, which serves it and takes UPDATEs;
# but unbound (the CA's resolver) is stubbed to Knot, which refuses it, so
# the CA gets SERVFAIL for every name in it, as behind a broken DNSSEC chain
# or a view that hides the zone from the CA.
write_zone_servfail() {
	soa_ns "$SERVFAIL_ZONE" "ns1.$ZONE" "ns1.$ZONE" >"$LAB/ns1/$SERVFAIL_ZONE.db"
}

primary_zone() {
	local notify="notify explicit; also-notify { $2; }; notify-delay 0;"
	[ "$2" = none ] && notify="notify no;"
	printf 'zone "%s" {\n\ttype primary;\n\tfile "%s/%s.db";\n\t%s\n' \
		"$1" "$LAB/ns1" "$1" "$notify"
	if [ -n "${3:-}" ]; then
		printf '\tupdate-policy {\n%s\n\t};\n' "$3"
	fi
	printf '};\n'
}

write_named_primary() {
	local d=$LAB/ns1 f
	# A control channel (key lab-rndc, $PRIMARY_IP:953) for fault tests
	# that freeze a zone mid-run ($PRIMARY_RNDC_CONF).
	{
		cat "$LAB/ns3/rndc.key"
		printf 'options { default-server %s; default-port 953; default-key "lab-rndc"; };\n' "$PRIMARY_IP"
	} >"$d/rndc.conf"
	chmod 600 "$d/rndc.conf"
	{
		printf 'include "%s/ns3/rndc.key";\n' "$LAB"
		named_common "$d" "$PRIMARY_IP" \
			"inet $PRIMARY_IP port 953 allow { 127.0.0.0/8; } keys { \"lab-rndc\"; };" "" \
			"$(printf '\n\ttkey-gssapi-keytab "%s";' "$LAB/kdc/dns.keytab")"
		for f in $(update_key_files) $(fleet_key_files); do
			printf 'include "%s";\n' "$f"
		done
		primary_zone "$ZONE" "$SECONDARY_IP" "$(example_policy)"
		# The parent: no grant at all, a static zone.
		primary_zone "$CONTOSO" "$SECONDARY_IP"
		primary_zone "$ACME_ZONE" "$SECONDARY_IP" \
			"$(printf '\t\tgrant %s subdomain %s. TXT;' "$KEY_NAME" "$ACME_ZONE")"
		# No NOTIFY for lag.test: the lagger moves ns3.
		primary_zone "$LAG_ZONE" none \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		primary_zone "$V6_ZONE" "$NS6_IP" \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		# Nobody follows: ns6 serves a static copy of its own.
		primary_zone "$STALE6_ZONE" none \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		primary_zone "$HIDDEN_ZONE" "$SECONDARY_IP; $NS6_IP" \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		primary_zone "$DEAD_ZONE" "$SECONDARY_IP" \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		primary_zone "$SERVFAIL_ZONE" none \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		# GSS-TSIG only: host/NAME@realm may change TXT at NAME and below.
		primary_zone "$GSS_ZONE" "$SECONDARY_IP" \
			"$(printf '\t\tgrant %s krb5-selfsub . TXT;' "$GSS_REALM")"
		primary_zone "$LAME_ZONE" "$SECONDARY_IP" \
			"$(printf '\t\tgrant %s zonesub TXT;' "$KEY_NAME")"
		# Signed, every UPDATE too (lib/dnssec.sh).
		dnssec_zone "$SEC_ZONE" "$SECONDARY_IP"
		dnssec_zone "$SEC_GOOD" "$SECONDARY_IP"
		dnssec_zone "$SEC_BAD" "$SECONDARY_IP"
	} >"$d/named.conf"
}

# secondary_zone DIR ZONE PRIMARY-ADDR
secondary_zone() {
	printf 'zone "%s" {\n\ttype secondary;\n\tprimaries { %s; };\n\tfile "%s/%s.bak";\n\tnotify no;\n};\n' \
		"$2" "$3" "$1" "$2"
}

write_named_secondary() {
	local d=$LAB/ns2 z
	{
		named_common "$d" "$SECONDARY_IP"
		# acmeup-update, for the queries --tsig-queries signs (no UPDATE here)
		printf 'include "%s";\n' "$LAB/update.key"
		for z in "$ZONE" "$CONTOSO" "$ACME_ZONE"; do
			secondary_zone "$d" "$z" "$PRIMARY_IP"
		done
		secondary_zone "$d" "$KNOT_ZONE" "$KNOT_IP"
		secondary_zone "$d" "$HIDDEN_ZONE" "$PRIMARY_IP"
		secondary_zone "$d" "$DEAD_ZONE" "$PRIMARY_IP"
		secondary_zone "$d" "$PDNS_ZONE" "$PDNS_IP"
		secondary_zone "$d" "$GSS_ZONE" "$PRIMARY_IP"
		for z in "$SEC_ZONE" "$SEC_GOOD" "$SEC_BAD" "$LAME_ZONE"; do
			secondary_zone "$d" "$z" "$PRIMARY_IP"
		done
	} >"$d/named.conf"
}

# ns6: secondary of v6.test and hidden.test on NS6_IP (NOTIFY, transfers)
# and [::1]:53; stale6.test is a static primary copy that never changes.
write_named_v6() {
	local d=$LAB/ns6
	{
		named_common "$d" "$NS6_IP" "" "$V6_IP"
		secondary_zone "$d" "$V6_ZONE" "$PRIMARY_IP"
		secondary_zone "$d" "$HIDDEN_ZONE" "$PRIMARY_IP"
		printf 'zone "%s" {\n\ttype primary;\n\tfile "%s/%s.db";\n\tnotify no;\n};\n' \
			"$STALE6_ZONE" "$d" "$STALE6_ZONE"
	} >"$d/named.conf"
}

# ns3: secondary of lag.test that nobody notifies; the lagger makes it
# transfer through its control channel (rndc, key lab-rndc, 127.53.0.13:953).
write_named_lagging() {
	local d=$LAB/ns3
	{
		cat "$d/rndc.key"
		printf 'options { default-server %s; default-port 953; default-key "lab-rndc"; };\n' "$LAG_IP"
	} >"$d/rndc.conf"
	chmod 600 "$d/rndc.conf"
	{
		printf 'include "%s/rndc.key";\n' "$d"
		named_common "$d" "$LAG_IP" \
			"inet $LAG_IP port 953 allow { 127.0.0.0/8; } keys { \"lab-rndc\"; };"
		secondary_zone "$d" "$LAG_ZONE" "$PRIMARY_IP"
	} >"$d/named.conf"
}

# --- Knot ---------------------------------------------------------------------

# Knot's key section: the items of every update key, from the BIND files.
knot_keys() {
	local f
	echo "key:"
	for f in $(update_key_files); do
		knot_key_yaml "$f" | sed 1d
	done
}

write_knot() {
	local d=$LAB/knot alg ids=$KEY_NAME
	for alg in $TSIG_ALGS; do
		ids="$ids, acmeup-$alg"
	done
	mkdir -p "$d/storage" "$d/run"
	write_zone_knot
	cat >"$d/knot.conf" <<-EOF
		# Written by tests/lab/lab.
		server:
		    rundir: "$d/run"
		    listen: $KNOT_IP@53
		    udp-workers: 2
		    tcp-workers: 2
		    background-workers: 2
		log:
		  - target: stderr
		    any: info
		database:
		    storage: "$d/storage"
		$(knot_keys)
		remote:
		  - id: ns2
		    address: $SECONDARY_IP@53
		    via: $KNOT_IP
		acl:
		  - id: lab-update
		    key: [$ids]
		    action: update
		    update-type: [TXT]
		  - id: lab-transfer
		    address: 127.0.0.0/8
		    action: transfer
		zone:
		  - domain: $KNOT_ZONE
		    storage: "$d/storage"
		    file: "$KNOT_ZONE.zone"
		    notify: ns2
		    acl: [lab-update, lab-transfer]
		    zonefile-sync: -1
		    journal-content: changes
	EOF
}

# --- unbound ----------------------------------------------------------------

write_unbound() {
	local d=$LAB/unbound z
	# Root hints pointing at the lab primary (which refuses "."): even a
	# bug in the refuse rules below cannot send a query off loopback.
	cat >"$d/root.hints" <<-EOF
		.			3600000	NS	lab-root.
		lab-root.		3600000	A	$PRIMARY_IP
	EOF
	{
		cat <<-EOF
			server:
				verbosity: 1
				log-queries: yes
				interface: $RESOLVER_IP
				port: 53
				do-ip4: yes
				do-ip6: no
				outgoing-interface: $RESOLVER_IP
				access-control: 0.0.0.0/0 refuse
				access-control: 127.0.0.0/8 allow
				username: ""
				chroot: ""
				directory: "$d"
				logfile: ""
				use-syslog: no
				log-time-ascii: yes
				root-hints: "$d/root.hints"
				module-config: "validator iterator"
				trust-anchor: "$(cat "$LAB/dnssec-anchor")"
				val-log-level: 2
				# acmeup shares this resolver with the CA: a signed
				# NXDOMAIN or NSEC that acmeup's own lookups bring in must
				# not deny the CA a name published after (RFC 8020, 8198).
				aggressive-nsec: no
				harden-below-nxdomain: no
				do-not-query-localhost: no
				num-threads: 1
				local-zone: "." refuse
		EOF
		for z in $LAB_ZONES; do
			printf '\tlocal-zone: "%s." transparent\n' "$z"
			# Only sec.test and its children are validated.
			case $z in "$SEC_ZONE" | *".$SEC_ZONE") continue ;; esac
			printf '\tdomain-insecure: "%s."\n' "$z"
		done
		# The Samba DC's zone (lab samba-up; SERVFAIL while it is down).
		printf '\tlocal-zone: "%s." transparent\n\tdomain-insecure: "%s."\n' \
			"$AD_ZONE" "$AD_ZONE"
		printf '\nstub-zone:\n\tname: "%s."\n\tstub-addr: %s\n' "$AD_ZONE" "$SAMBA_IP"
		for z in $LAB_ZONES; do
			printf '\nstub-zone:\n\tname: "%s."\n' "$z"
			# shellcheck disable=SC2046 # one address a word
			printf '\tstub-addr: %s\n' $(stub_addrs "$z")
		done
		printf '\nremote-control:\n\tcontrol-enable: no\n'
	} >"$d/unbound.conf"
}

# --- probes -----------------------------------------------------------------

# soa_serial SERVER ZONE: the zone's serial at SERVER (no recursion), or "".
soa_serial() {
	local out
	out=$(dig +time=1 +tries=1 +norec +short "@$1" "$2" SOA 2>/dev/null) || true
	# shellcheck disable=SC2086 # split the SOA into its fields
	set -- $out
	# dig 9.18 prints ";; communications error ... refused" to stdout
	case ${3:-} in '' | *[!0-9]*) ;; *) echo "$3" ;; esac
}

# serves SERVER ZONE...: SERVER answers the SOA of every ZONE.
serves() {
	local server=$1 z
	shift
	for z in "$@"; do
		[ -n "$(soa_serial "$server" "$z")" ] || return 1
	done
}

resolves() {
	[ "$(dig +time=1 +tries=1 +short "@$RESOLVER_IP" "host1.$ZONE" A)" = 10.0.0.1 ]
}
