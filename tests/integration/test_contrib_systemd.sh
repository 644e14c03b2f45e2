#!/usr/bin/env bash
# contrib/systemd: systemd-analyze verify accepts acmeup.service and
# acmeup.timer (with their Documentation= man pages found), the sandbox
# keeps the settings the issue asks for, ReadWritePaths= are the default
# --state-dir and --out of src/cli/cli.c, SuccessExitStatus= is the "nothing
# due" exit status of include/acmeup/exitcode.h and 128 + SIGTERM (a run
# stopped by systemctl stop, its records removed), and systemd-analyze
# security rates the service's exposure low. No lab, no running systemd
# needed (verify and security --offline work on files); skipped without
# systemd-analyze (apt-get install systemd).
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-contrib-systemd.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_contrib_systemd
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

UNIT=$SRC/contrib/systemd/acmeup.service
TIMER=$SRC/contrib/systemd/acmeup.timer
RELOADU=$SRC/contrib/systemd/acmeup-reload.service
[ -f "$UNIT" ] && [ -f "$TIMER" ] && [ -f "$RELOADU" ] ||
	fail "contrib/systemd/acmeup{,-reload}.service or acmeup.timer missing"

# setting FILE KEY: the values of KEY= in FILE, one line each.
setting() { sed -n "s/^$2=//p" "$1"; }

# 1. What the issue asks of the sandbox, read from the file itself.
state=$(sed -n 's/^#define DEFAULT_STATE_DIR "\(.*\)"$/\1/p' "$SRC/src/cli/cli.c")
out=$(sed -n 's/^#define DEFAULT_OUT_DIR "\(.*\)"$/\1/p' "$SRC/src/cli/cli.c")
[ -n "$state" ] && [ -n "$out" ] || fail "no DEFAULT_STATE_DIR / DEFAULT_OUT_DIR in src/cli/cli.c"
[ "$(setting "$UNIT" ReadWritePaths)" = "$state $out" ] ||
	fail "ReadWritePaths= is '$(setting "$UNIT" ReadWritePaths)', not the defaults '$state $out'"
for kv in ProtectSystem=strict NoNewPrivileges=yes ProtectHome=yes PrivateTmp=yes \
	Type=oneshot "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	SystemCallFilter=@system-service CapabilityBoundingSet=; do
	grep -qxF -- "$kv" "$UNIT" || fail "acmeup.service lacks $kv"
done
[ "$(grep -c '^ReadWritePaths=' "$UNIT")" = 1 ] || fail "more than one ReadWritePaths= line"
[ "$(grep -c '^CapabilityBoundingSet=' "$UNIT")" = 1 ] || fail "CapabilityBoundingSet= is given more than once"
nothing=$(sed -n 's/.*ACMEUP_EXIT_NOTHING = \([0-9]*\).*/\1/p' "$SRC/include/acmeup/exitcode.h")
[ -n "$nothing" ] || fail "no ACMEUP_EXIT_NOTHING in include/acmeup/exitcode.h"
signal=$(sed -n 's/.*ACMEUP_EXIT_SIGNAL = \([0-9]*\).*/\1/p' "$SRC/include/acmeup/exitcode.h")
[ -n "$signal" ] || fail "no ACMEUP_EXIT_SIGNAL in include/acmeup/exitcode.h"
[ "$(setting "$UNIT" SuccessExitStatus)" = "$nothing $((signal + 15))" ] ||
	fail "SuccessExitStatus= is not '$nothing $((signal + 15))' (nothing due; stopped by SIGTERM)"
grep -qE '^ExecStart=[^ ]*/acmeup renew (-c|--config) /etc/acmeup/acmeup.conf$' "$UNIT" ||
	fail "ExecStart= is not 'acmeup renew --config /etc/acmeup/acmeup.conf'"
grep -q '^OnCalendar=.*00,12:00' "$TIMER" || fail "the timer does not run twice a day"
grep -q '^RandomizedDelaySec=' "$TIMER" || fail "the timer has no RandomizedDelaySec="
# Issue 13: an unprivileged user, the TSIG key as a credential (named as
# the example configuration's key file, which acmeup looks up under its
# file name), the reloads in the root unit started on success.
for kv in User=acmeup Group=acmeup OnSuccess=acmeup-reload.service; do
	grep -qxF -- "$kv" "$UNIT" || fail "acmeup.service lacks $kv"
done
key=$(sed -n 's/^tsig-key *//p' "$SRC/contrib/acmeup.conf.example" | head -n 1)
grep -qxF "LoadCredential=$(basename "$key"):$key" "$UNIT" ||
	fail "acmeup.service has no LoadCredential=$(basename "$key"):$key (the example's key)"
grep -q '^ExecStart=/usr/local/lib/acmeup/reload-renewed$' "$RELOADU" ||
	fail "acmeup-reload.service does not run reload-renewed"
! grep -q '^\[Install\]' "$RELOADU" || fail "acmeup-reload.service can be enabled on its own"
ok "sandbox settings, User=acmeup, LoadCredential=$(basename "$key"):$key, OnSuccess=acmeup-reload.service, ReadWritePaths=$state $out, SuccessExitStatus=$nothing $((signal + 15)), twice-daily timer"

if ! command -v systemd-analyze >/dev/null; then
	echo "skip $NAME: systemd-analyze is missing (apt-get install systemd): units not verified"
	exit 0
fi

# 2. systemd-analyze verify: the units as installed, with ExecStart= pointing
#    at an executable and the man pages of Documentation= on MANPATH.
mkdir -p "$TMP/units" "$TMP/bin" "$TMP/man/man1" "$TMP/man/man5"
printf '#!/bin/sh\nexit 3\n' >"$TMP/bin/acmeup"
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/reload-renewed"
chmod 755 "$TMP/bin/acmeup" "$TMP/bin/reload-renewed"
cp "$SRC/docs/acmeup.1" "$TMP/man/man1/"
cp "$SRC/docs/acmeup.conf.5" "$TMP/man/man5/"
sed "s|^ExecStart=[^ ]*/acmeup |ExecStart=$TMP/bin/acmeup |" "$UNIT" >"$TMP/units/acmeup.service"
cp "$TIMER" "$TMP/units/acmeup.timer"
sed "s|^ExecStart=.*/reload-renewed|ExecStart=$TMP/bin/reload-renewed|" "$RELOADU" \
	>"$TMP/units/acmeup-reload.service"
verify() {
	(cd "$TMP/units" && MANPATH=$TMP/man systemd-analyze verify "$@") >"$TMP/verify.log" 2>&1
}
verify acmeup.service acmeup-reload.service acmeup.timer ||
	fail "systemd-analyze verify rejects the units: $(cat "$TMP/verify.log")"
[ ! -s "$TMP/verify.log" ] ||
	fail "systemd-analyze verify complains: $(cat "$TMP/verify.log")"
ok "systemd-analyze verify accepts acmeup.service, acmeup-reload.service and acmeup.timer without a word"

# The check can fail: an unknown setting and a missing man page are reported.
sed 's/^ProtectHome=yes$/ProtectHomes=yes/' "$TMP/units/acmeup.service" >"$TMP/units/bad.service"
verify bad.service || true
grep -q "Unknown key 'ProtectHomes'" "$TMP/verify.log" ||
	fail "systemd-analyze verify did not notice an unknown key: $(cat "$TMP/verify.log")"
rm "$TMP/units/bad.service" "$TMP/man/man5/acmeup.conf.5"
verify acmeup.service || true
grep -q 'acmeup.conf(5)' "$TMP/verify.log" ||
	fail "systemd-analyze verify did not notice a missing man page: $(cat "$TMP/verify.log")"
ok "systemd-analyze verify reports an unknown key and a missing man page (the check works)"

# 3. The exposure systemd-analyze security gives the sandbox (0 best, 10
#    worst): below 2.0, the root unit's before issue 13.
(cd "$TMP/units" && systemd-analyze security --offline=true --no-pager acmeup.service) \
	>"$TMP/security.log" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for acmeup.service: \([0-9.]*\).*/\1/p' "$TMP/security.log")
[ -n "$score" ] || fail "systemd-analyze security gave no score: $(tail -5 "$TMP/security.log")"
awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' ||
	fail "systemd-analyze security rates the exposure $score (2.0 or more)"
ok "systemd-analyze security --offline rates the exposure $score of 10"
