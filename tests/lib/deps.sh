# shellcheck shell=bash
# Debian packages acmeup needs to build and to run its test lab.
#
#   . tests/lib/deps.sh
#   acmeup_deps_install     install what is missing (root; apt-get), then make
#                           sure no system DNS server stands in the lab's way
#
# Installing bind9, unbound or knot on Debian would start their system
# services. A system named listens on every address by default and picks up new
# ones as they appear, so it would take the lab's 127.53.0.x:53: the install
# runs under a policy-rc.d that forbids starting services, the new services
# are disabled at boot, and a system server already running is stopped when it
# would collide with the lab.

ACMEUP_DEPS=(
	build-essential cmake pkg-config libseccomp-dev
	libldns-dev libgnutls28-dev libcurl4-gnutls-dev libjson-c-dev libcmocka-dev
	pebble bind9 bind9-utils bind9-dnsutils unbound knot knot-dnsutils
	pdns-server pdns-backend-sqlite3 sqlite3
	# GSS-TSIG: the lab's MIT KDC, kinit, nsupdate -g; the build's GSS-API
	krb5-kdc krb5-admin-server krb5-user libkrb5-dev
	# GSS-TSIG's clock-skew case (test_gss_issue: acmeup 10 minutes ahead)
	faketime
	# GSS-TSIG against Active Directory: the lab's Samba AD DC (lab samba-up);
	# no samba-ad-dc (it pulls winbind and its NSS/PAM modules)
	samba samba-ad-provision samba-dsdb-modules samba-vfs-modules
	gnutls-bin openssl iproute2 curl ca-certificates
	# checks of the fuzz targets, shell scripts, man pages and systemd units
	clang libclang-rt-14-dev shellcheck groff-base man-db systemd python3 bsdutils
	# the hostile-peer tests: GNU time's max RSS (/usr/bin/time)
	time
	# test_privsep_kill: which process opens a key file
	strace
	# the Debian package (test_debian_package)
	dpkg-dev debhelper lintian
)
# The packages whose system service would compete for port 53.
ACMEUP_DNS_SERVICES=(named unbound knot pdns)

acmeup_deps_log() { printf 'deps: %s\n' "$*" >&2; }

# Prints the packages of "$@" that are not installed.
acmeup_deps_missing() {
	local p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed'; then
			printf '%s\n' "$p"
		fi
	done
}

# apt-get install "$@" with service starts forbidden (in a subshell so the
# policy-rc.d it adds is removed on any exit).
acmeup_deps_apt() (
	local policy=/usr/sbin/policy-rc.d
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -e "$policy" ]; then
		trap 'rm -f "$policy"' EXIT
		printf '#!/bin/sh\n# acmeup tests/lib/deps.sh: no service starts during install\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	fi
	apt-get update -qq || exit 1
	apt-get install -y -qq --no-install-recommends "$@" || exit 1
)

# Keeps the system services of freshly installed DNS servers from starting
# at boot.
acmeup_deps_disable_services() {
	local svc
	for svc in "${ACMEUP_DNS_SERVICES[@]}"; do
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable "$svc" >/dev/null 2>&1 || true
		fi
		if command -v update-rc.d >/dev/null 2>&1 && [ -e "/etc/init.d/$svc" ]; then
			update-rc.d "$svc" disable >/dev/null 2>&1 || true
		fi
	done
}

# True when the system service $1 is running (not a lab instance: those have
# no unit and write no system pid file).
acmeup_deps_service_running() {
	if [ -d /run/systemd/system ]; then
		systemctl is-active --quiet "$1" 2>/dev/null
	elif [ -x "/etc/init.d/$1" ]; then
		"/etc/init.d/$1" status >/dev/null 2>&1
	else
		return 1
	fi
}

# True when pid $1 listens on port 53 on a wildcard or a lab address (the
# lab's ns6 takes [::1]:53, where a system unbound listens by default).
acmeup_deps_pid_in_way() {
	ss -Hlnup 2>/dev/null | grep "pid=$1," |
		grep -qE '(0\.0\.0\.0|\*|\[::\]|\[::1\]|127\.53\.0\.[0-9]+):53 '
}

# Stops system named (it listens on every address, new ones included) and a
# system unbound/knot that listens on a wildcard or lab address or ::1.
acmeup_deps_quiet_services() {
	local svc pid in_way
	for svc in "${ACMEUP_DNS_SERVICES[@]}"; do
		acmeup_deps_service_running "$svc" || continue
		in_way=no
		if [ "$svc" = named ]; then
			in_way=yes
		else
			for pid in $(pidof "$([ "$svc" = knot ] && echo knotd || echo "$svc")" 2>/dev/null); do
				acmeup_deps_pid_in_way "$pid" && in_way=yes
			done
		fi
		[ "$in_way" = yes ] || continue
		acmeup_deps_log "stopping the system $svc service: it would take the lab's 127.53.0.x:53"
		if [ -d /run/systemd/system ]; then
			systemctl stop "$svc" || return 1
		else
			"/etc/init.d/$svc" stop >/dev/null || return 1
		fi
	done
}

acmeup_deps_install() {
	local missing
	missing=$(acmeup_deps_missing "${ACMEUP_DEPS[@]}")
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086 # one package a word
		set -- $missing
		if [ "$(id -u)" != 0 ]; then
			acmeup_deps_log "missing packages: $*"
			acmeup_deps_log "install them as root: apt-get install --no-install-recommends $*"
			return 1
		fi
		acmeup_deps_log "installing: $*"
		acmeup_deps_apt "$@" || {
			acmeup_deps_log "apt-get install failed"
			return 1
		}
		acmeup_deps_disable_services
	fi
	if [ "$(id -u)" = 0 ]; then
		acmeup_deps_quiet_services
	fi
}
