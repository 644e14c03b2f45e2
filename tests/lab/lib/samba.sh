# shellcheck shell=bash disable=SC2153 # globals come from tests/lab/lab
# The lab's Active Directory side (sourced by tests/lab/lab), for GSS-TSIG
# against Samba's internal DNS server: `lab samba-up` provisions a Samba AD
# DC for realm AD_REALM (zone AD_ZONE, DC AD_DC on SAMBA_IP), caches the
# provisioned tree in $LAB/samba-cache (kept across lab runs while
# samba_stamp holds: provisioning takes 7-20 s), and starts `samba` from a
# fresh copy of it in $LAB/samba; `lab samba-down` (and `lab stop`)
# stops it by pid. Everything lives in the lab dir: an empty smb.conf of our
# own (never /etc/samba), private, state, cache, lock, pid, ncalrpc and log
# paths, and a private KRB5_CONFIG. Two computer accounts with exported
# keytabs: ACMEUP$ (AD_PRINCIPAL) and OUTSIDER$ (AD_OUTSIDER_PRINCIPAL); AD
# lets any account create a new name in the zone and only its owner (and
# admins) change it afterwards.

# samba_krb5_conf: the client configuration (KRB5_CONFIG) for AD_REALM.
samba_krb5_conf() {
	krb5_conf "$AD_REALM" "$SAMBA_IP" "$AD_ZONE"
}

# samba_opts DIR: the provision's --option arguments: only our address, all
# run-time paths in DIR, and only the services the tests need (KDC, DNS).
samba_opts() {
	local d=$1 o
	for o in "interfaces = $SAMBA_IP/32" "bind interfaces only = yes" \
		"pid directory = $d/run" "ncalrpc dir = $d/run/ncalrpc" \
		"winbindd socket directory = $d/run/winbindd" \
		"ntp signd socket directory = $d/run/ntp_signd" \
		"log file = $d/log.samba" "server services = kdc dns" \
		"allow dns updates = secure only"; do
		printf '%s\0' "--option=$o"
	done
}

# samba_provision DIR: a DC provisioned into DIR, its accounts and keytabs.
samba_provision() {
	local d=$1
	local -a opts
	rm -rf "$d"
	mkdir -p "$d/run"
	: >"$d/empty.conf" # -s: never merge the Debian template
	samba_krb5_conf >"$d/krb5.conf"
	mapfile -d '' opts < <(samba_opts "$d")
	timeout 120 samba-tool domain provision -s "$d/empty.conf" \
		--targetdir="$d" --realm="$AD_REALM" --domain="$AD_DOMAIN" \
		--server-role=dc --dns-backend=SAMBA_INTERNAL \
		--host-name="${AD_DC%%.*}" --host-ip="$SAMBA_IP" \
		--adminpass="$AD_ADMIN_PASSWORD" "${opts[@]}" >"$d/provision.log" 2>&1 || {
		tail -n 25 "$d/provision.log" >&2
		return 1
	}
	# provision copies the host's resolver as forwarder: nothing leaves loopback
	sed -i '/^[[:space:]]*dns forwarder[[:space:]]*=/d' "$d/etc/smb.conf"
	timeout 60 "$LAB_SRC/samba-accounts" "$d/etc/smb.conf" "$d" "$AD_HOST" "$AD_OUTSIDER" \
		>>"$d/provision.log" 2>&1 || {
		tail -n 25 "$d/provision.log" >&2
		return 1
	}
	chmod 600 "$d"/*.keytab
}

# Debian packages a DC needs beyond samba (tests/lib/deps.sh has them).
SAMBA_PACKAGES="samba samba-ad-provision samba-dsdb-modules samba-vfs-modules"

# samba_unprovisionable LOG: exit 77 naming the cause when the provision
# failed for want of a package (its templates, DSDB or VFS modules).
samba_unprovisionable() {
	local why
	why=$(grep -m1 -oE 'Please install [a-z-]+ package|Module \[[a-z_]+\] not found|Error loading module [^:]+' "$1") || return 0
	log "cannot provision a Samba DC here: $why ($SAMBA_PACKAGES)"
	exit 77
}

# samba_stamp: what the cached tree was made from (Samba's version, this
# script, samba-accounts, the lab path); another stamp provisions anew.
samba_stamp() {
	{
		samba -V
		cat "$LAB_SRC/lib/samba.sh" "$LAB_SRC/samba-accounts"
		echo "$LAB $SAMBA_IP $AD_REALM $AD_DC $AD_HOST $AD_OUTSIDER"
	} | sha256sum | cut -d' ' -f1
}

# samba_env: the variables a test sources ($LAB/samba/env).
samba_env() {
	cat <<-EOF
		# Written by tests/lab/lab samba-up; source it.
		AD_SERVER=$SAMBA_IP
		AD_REALM=$AD_REALM
		AD_ZONE=$AD_ZONE
		AD_DC=$AD_DC
		AD_PRINCIPAL='${AD_HOST^^}\$@$AD_REALM'
		AD_KEYTAB=$LAB/samba/$AD_HOST.keytab
		AD_OUTSIDER_PRINCIPAL='${AD_OUTSIDER^^}\$@$AD_REALM'
		AD_OUTSIDER_KEYTAB=$LAB/samba/$AD_OUTSIDER.keytab
		AD_KRB5_CONFIG=$LAB/samba/krb5.conf
	EOF
}

# samba_dns_up: the DC's DNS serves AD_ZONE.
samba_dns_up() {
	serves "$SAMBA_IP" "$AD_ZONE"
}

# lab samba-up: provision (once, cached) and start the DC; names its env
# file. Exit 77 when Samba cannot provision here (packages missing).
do_samba_up() {
	local t0 stamp cache=$LAB/samba-cache
	t0=$(now_us)
	if ! command -v samba >/dev/null || ! command -v samba-tool >/dev/null; then
		log "cannot provision a Samba DC here: no samba / samba-tool ($SAMBA_PACKAGES)"
		exit 77
	fi
	[ -f "$LAB/env" ] || die "the lab is not running: lab start"
	svc_stop samba
	addr_add "$SAMBA_IP" "$LAB/addrs-added"
	stamp=$(samba_stamp)
	if [ "$(cat "$cache/provisioned" 2>/dev/null)" != "$stamp" ]; then
		# provision at the run path (smb.conf holds absolute paths), then copy
		export KRB5_CONFIG=$LAB/samba/krb5.conf
		if ! samba_provision "$LAB/samba"; then
			samba_unprovisionable "$LAB/samba/provision.log"
			die "samba-tool domain provision failed ($LAB/samba/provision.log)"
		fi
		rm -rf "$cache"
		cp -a "$LAB/samba" "$cache"
		printf '%s\n' "$stamp" >"$cache/provisioned"
		log "provisioned $AD_REALM in $((($(now_us) - t0) / 1000)) ms"
	else
		rm -rf "${LAB:?}/samba"
		cp -a "$cache" "$LAB/samba"
	fi
	rm -f "$LAB/samba/provisioned"
	KRB5_CONFIG=$LAB/samba/krb5.conf svc_spawn samba samba -F --debug-stdout --no-process-group -M single \
		-s "$LAB/samba/etc/smb.conf"
	wait_for samba "SOA $AD_ZONE at $SAMBA_IP" samba_dns_up || {
		svc_stop samba
		die "samba did not serve $AD_ZONE at $SAMBA_IP"
	}
	samba_env >"$LAB/samba/env"
	log "samba up in $((($(now_us) - t0) / 1000)) ms; source $LAB/samba/env"
}

do_samba_down() {
	svc_stop samba
}
