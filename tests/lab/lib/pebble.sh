# shellcheck shell=bash
# The lab's ACME CAs (sourced by tests/lab/lab): the main pebble at
# 127.53.0.1 and extra instances with other settings at 127.53.0.3-9
# (pebble-up / pebble-down), all with one TLS certificate from the lab CA.

# Upstream pebble (dns-persist-01, dns-account-01; pebble-up --upstream):
# beside the checkout as CI sees it, ../shared/tools/pebble/pebble.
ACMEUP_PEBBLE_UPSTREAM=${ACMEUP_PEBBLE_UPSTREAM:-$LAB_SRC/../../../shared/tools/pebble/pebble}
# The issuer domain names it puts in dns-persist-01 challenges.
PEBBLE_CAA_IDENTITY=${PEBBLE_CAA_IDENTITY:-ca.acmeup.test}
PEBBLE_EAB_EXAMPLE=${PEBBLE_EAB_EXAMPLE:-/usr/share/doc/pebble/examples/pebble-config-external-account-bindings.json}

write_pebble_tls() {
	local d=$LAB/pebble a
	cat >"$d/ca.tmpl" <<-EOF
		cn = "acmeup lab TLS CA"
		organization = "acmeup lab"
		ca
		cert_signing_key
		expiration_days = 30
	EOF
	{
		printf 'cn = "pebble"\norganization = "acmeup lab"\n'
		for a in $PEBBLE_IP $EXTRA_PEBBLE_IPS; do
			printf 'ip_address = "%s"\n' "$a"
		done
		printf 'dns_name = "localhost"\ndns_name = "pebble"\n'
		printf 'tls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n'
	} >"$d/server.tmpl"
	certtool --generate-privkey --key-type=ecdsa --sec-param=high \
		--outfile "$d/ca-key.pem" 2>/dev/null
	certtool --generate-self-signed --load-privkey "$d/ca-key.pem" \
		--template "$d/ca.tmpl" --outfile "$LAB/pebble-ca.pem" 2>/dev/null
	certtool --generate-privkey --key-type=ecdsa --sec-param=high \
		--outfile "$d/key.pem" 2>/dev/null
	certtool --generate-certificate --load-privkey "$d/key.pem" \
		--load-ca-certificate "$LAB/pebble-ca.pem" \
		--load-ca-privkey "$d/ca-key.pem" --template "$d/server.tmpl" \
		--outfile "$d/cert.pem" 2>/dev/null
	chmod 600 "$d/ca-key.pem" "$d/key.pem"
}

# pebble_json ADDR: a configuration without EAB listening on ADDR. httpPort
# and tlsPort are where pebble's VA would connect for http-01 and
# tls-alpn-01; only dns-01 is used here, so nothing ever goes there.
pebble_json() {
	cat <<-EOF
		{
		  "pebble": {
		    "listenAddress": "$1:14000",
		    "managementListenAddress": "$1:15000",
		    "certificate": "$LAB/pebble/cert.pem",
		    "privateKey": "$LAB/pebble/key.pem",
		    "httpPort": 5002,
		    "tlsPort": 5001,
		    "ocspResponderURL": "",
		    "externalAccountBindingRequired": false
		  }
		}
	EOF
}

# pebble_eab_json ADDR: the package's EAB example with our addresses and
# certificate.
pebble_eab_json() {
	sed -e "s|\"listenAddress\": *\"[^\"]*\"|\"listenAddress\": \"$1:14000\"|" \
		-e "s|\"managementListenAddress\": *\"[^\"]*\"|\"managementListenAddress\": \"$1:15000\"|" \
		-e "s|\"certificate\": *\"[^\"]*\"|\"certificate\": \"$LAB/pebble/cert.pem\"|" \
		-e "s|\"privateKey\": *\"[^\"]*\"|\"privateKey\": \"$LAB/pebble/key.pem\"|" \
		"$PEBBLE_EAB_EXAMPLE"
}

# The "kid": "hmac" pairs of an EAB configuration, as "KID HMACKEY" lines.
pebble_eab_pairs() {
	sed -n '/"externalAccountMACKeys"/,/}/p' "$1" |
		sed -n 's/^[[:space:]]*"\([^"]*\)":[[:space:]]*"\([^"]*\)".*/\1 \2/p'
}

directory_up() {
	curl -sf --max-time 2 --cacert "$LAB/pebble-ca.pem" \
		"https://$1:14000/dir" | grep -q newAccount
}

write_pebble() {
	write_pebble_tls
	pebble_json "$PEBBLE_IP" >"$LAB/pebble/pebble.json"
}

spawn_pebble() {
	svc_spawn pebble env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
		pebble -config "$LAB/pebble/pebble.json" -dnsserver "$RESOLVER_IP:53"
}

# --- extra instances ----------------------------------------------------------

# The names of the extra pebbles that have a directory in $LAB.
extra_pebbles() {
	local d
	for d in "$LAB"/pebble-*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		echo "${d##*/pebble-}"
	done
}

do_pebble_down() {
	local name=$1
	case $name in '' | *[!A-Za-z0-9_-]*) die "bad pebble name '$name'" ;; esac
	[ -d "$LAB/pebble-$name" ] || return 0
	svc_stop "pebble-$name"
	addrs_remove "$LAB/pebble-$name/addr-added"
	rm -rf "${LAB:?}/pebble-$name"
}

# blocklist_json NAME[,NAME]: the names as a JSON array of strings; dies on
# anything but letters, digits, '-', '.' and '*'.
blocklist_json() {
	local n out=
	local -a names
	IFS=, read -r -a names <<<"$1"
	[ ${#names[@]} -gt 0 ] || die "--blocklist needs NAME[,NAME]"
	for n in "${names[@]}"; do
		[[ $n =~ ^[A-Za-z0-9*._-]+$ ]] || die "bad --blocklist name '$n'"
		out="$out, \"$n\""
	done
	echo "[${out#, }]"
}

# pebble-up NAME ADDR [--eab] [--blocklist NAME[,NAME]] [VAR=VALUE ...]:
# prints the directory URL. --blocklist sets pebble's domainBlocklist: new
# orders for those names (and names under them) get rejectedIdentifier.
do_pebble_up() {
	local name=${1:-} addr=${2:-} eab=no d a i ok=no blocklist= bin=pebble
	[ $# -ge 2 ] || die "usage: lab pebble-up NAME ADDR [--eab] [--blocklist NAME[,NAME]] [VAR=VALUE ...]"
	shift 2
	case $name in '' | *[!A-Za-z0-9_-]*) die "bad pebble name '$name' (letters, digits, - and _)" ;; esac
	for a in $EXTRA_PEBBLE_IPS; do
		[ "$a" = "$addr" ] && ok=yes
	done
	[ $ok = yes ] || die "pebble address must be one of: $EXTRA_PEBBLE_IPS"
	if [ ! -f "$LAB/env" ] || [ ! -s "$LAB/pebble/cert.pem" ]; then
		die "the lab is not running: lab start"
	fi
	local -a vars=(PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0)
	while [ $# -gt 0 ]; do
		a=$1
		shift
		case $a in
		--eab) eab=yes ;;
		--upstream)
			[ -x "$ACMEUP_PEBBLE_UPSTREAM" ] || die "no upstream pebble at $ACMEUP_PEBBLE_UPSTREAM (ACMEUP_PEBBLE_UPSTREAM)"
			bin=$ACMEUP_PEBBLE_UPSTREAM
			;;
		--blocklist)
			[ $# -gt 0 ] || die "--blocklist needs NAME[,NAME]"
			blocklist=$(blocklist_json "$1")
			shift
			;;
		--blocklist=*) blocklist=$(blocklist_json "${a#--blocklist=}") ;;
		[A-Za-z_]*=*)
			[[ ${a%%=*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad variable '$a'"
			for i in "${!vars[@]}"; do
				[ "${vars[i]%%=*}" != "${a%%=*}" ] || unset 'vars[i]'
			done
			vars+=("$a")
			;;
		*) die "unexpected argument '$a' (want --eab, --blocklist NAMES or VAR=VALUE)" ;;
		esac
	done
	do_pebble_down "$name"
	ports_free "$addr" || die "$addr is taken (pebble-down the instance that holds it)"
	d=$LAB/pebble-$name
	mkdir -p "$d"
	addr_add "$addr" "$d/addr-added"
	if [ $eab = yes ]; then
		[ -r "$PEBBLE_EAB_EXAMPLE" ] || die "no EAB example at $PEBBLE_EAB_EXAMPLE (dpkg -L pebble)"
		pebble_eab_json "$addr" >"$d/pebble.json"
		pebble_eab_pairs "$d/pebble.json" >"$d/eab"
		[ -s "$d/eab" ] || die "no externalAccountMACKeys in $PEBBLE_EAB_EXAMPLE"
	else
		pebble_json "$addr" >"$d/pebble.json"
	fi
	if [ -n "$blocklist" ]; then
		sed -i "s|^\([[:space:]]*\)\"pebble\": *{|&\n\1  \"domainBlocklist\": $blocklist,|" "$d/pebble.json"
		grep -q '"domainBlocklist"' "$d/pebble.json" || die "could not add domainBlocklist to $d/pebble.json"
	fi
	if [ "$bin" != pebble ]; then
		sed -i "s|^\([[:space:]]*\)\"pebble\": *{|&\n\1  \"caaIdentities\": [\"$PEBBLE_CAA_IDENTITY\"],|" "$d/pebble.json"
		grep -q '"caaIdentities"' "$d/pebble.json" || die "could not add caaIdentities to $d/pebble.json"
	fi
	svc_spawn "pebble-$name" env "${vars[@]}" \
		"$bin" -config "$d/pebble.json" -dnsserver "$RESOLVER_IP:53"
	if ! wait_for "pebble-$name" "https://$addr:14000/dir" directory_up "$addr"; then
		do_pebble_down "$name"
		die "pebble $name did not start"
	fi
	{
		printf '# Written by tests/lab/lab pebble-up; source it.\n'
		printf 'ACME_DIR=https://%s:14000/dir\nPEBBLE_MGMT=https://%s:15000\n' "$addr" "$addr"
		[ $eab = no ] || printf 'EAB_FILE=%s/eab\n' "$d"
		printf 'PEBBLE_ENV=%q\n' "${vars[*]}"
		printf 'PEBBLE_BLOCKLIST=%q\n' "$blocklist"
	} >"$d/env"
	log "pebble $name up at $addr: ${vars[*]}$([ $eab = no ] || echo ', EAB required')$([ -z "$blocklist" ] || echo ", domainBlocklist $blocklist")"
	echo "https://$addr:14000/dir"
}
