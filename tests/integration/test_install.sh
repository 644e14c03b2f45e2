#!/usr/bin/env bash
# `cmake --install` (contrib/install.cmake) into a DESTDIR, as a packager
# runs it: the binary, both man pages, the completion, the deploy hooks
# (executable, where the docs' deploy-hook lines point), the systemd units
# with ExecStart= naming the installed binary, the timer not enabled (no
# wants/ link), the cron file and the example configuration only as
# examples; the installed binary runs, and `config-check` accepts the
# example configuration once its key file exists. No lab needed.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
ACMEUP=${ACMEUP:?ACMEUP must name the built binary}
BUILD=$(cd "$(dirname "$ACMEUP")" && pwd)
TMP=$(mktemp -d /tmp/acmeup-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_install
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

[ -f "$BUILD/CMakeCache.txt" ] || fail "$BUILD is not the build tree of $ACMEUP"
ROOT=$TMP/root
DESTDIR=$ROOT cmake --install "$BUILD" --prefix /usr >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log" >&2; fail "cmake --install failed"; }

# 1. Every file where GNUInstallDirs and the docs say.
for f in usr/bin/acmeup usr/share/man/man1/acmeup.1 usr/share/man/man5/acmeup.conf.5 \
	usr/share/bash-completion/completions/acmeup \
	usr/lib/acmeup/reload-services usr/lib/acmeup/reload-renewed usr/lib/acmeup/copy-to-remote \
	usr/lib/systemd/system/acmeup.service usr/lib/systemd/system/acmeup.timer \
	usr/lib/systemd/system/acmeup-reload.service \
	usr/share/doc/acmeup/examples/acmeup.conf usr/share/doc/acmeup/examples/cron.d-acmeup; do
	[ -f "$ROOT/$f" ] || fail "/$f was not installed"
done
for f in usr/bin/acmeup usr/lib/acmeup/reload-services usr/lib/acmeup/reload-renewed \
	usr/lib/acmeup/copy-to-remote; do
	[ -x "$ROOT/$f" ] || fail "/$f is not executable"
done
cmp -s "$SRC/contrib/completion/acmeup.bash" "$ROOT/usr/share/bash-completion/completions/acmeup" ||
	fail "the installed completion differs from contrib/completion/acmeup.bash"
ok "binary, man pages, completion, hooks, units and examples installed under /usr"

# 2. Nothing runs by itself: no cron.d file, no timer link, no config in /etc.
[ ! -e "$ROOT/etc" ] || fail "the install wrote under /etc: $(cd "$ROOT" && find etc | head -n 3 | tr '\n' ' ')"
! find "$ROOT" -path '*timers.target.wants*' | grep -q . || fail "the timer was enabled"
ok "nothing enabled: no /etc, no timers.target.wants link"

# 3. The units name the installed binary, the rest as in contrib/systemd.
unit=$ROOT/usr/lib/systemd/system/acmeup.service
grep -qx 'ExecStart=/usr/bin/acmeup renew --config /etc/acmeup/acmeup.conf' "$unit" ||
	fail "ExecStart= of the installed unit: $(grep '^ExecStart=' "$unit")"
sed 's|/usr/local/bin/acmeup|/usr/bin/acmeup|g; s|/usr/local/lib/acmeup|/usr/lib/acmeup|g' \
	"$SRC/contrib/systemd/acmeup.service" | cmp -s - "$unit" ||
	fail "the installed acmeup.service differs from contrib's beyond its paths"
cmp -s "$SRC/contrib/systemd/acmeup.timer" "$ROOT/usr/lib/systemd/system/acmeup.timer" ||
	fail "the installed acmeup.timer differs from contrib's"
grep -qx 'ExecStart=/usr/lib/acmeup/reload-renewed' "$ROOT/usr/lib/systemd/system/acmeup-reload.service" ||
	fail "acmeup-reload.service does not run /usr/lib/acmeup/reload-renewed"
ok "acmeup.service runs /usr/bin/acmeup, acmeup-reload.service /usr/lib/acmeup/reload-renewed"

# 4. The installed binary runs; the example configuration passes
#    config-check once its TSIG key exists.
"$ROOT/usr/bin/acmeup" --version >"$TMP/version" || fail "the installed acmeup --version failed"
grep -q '^acmeup ' "$TMP/version" || fail "unexpected --version output: $(head -c 200 "$TMP/version")"
secret=$(head -c 32 /dev/urandom | base64)
printf 'key "acmeup" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$TMP/acmeup.key"
chmod 600 "$TMP/acmeup.key"
sed "s|/etc/acmeup/acmeup.key|$TMP/acmeup.key|" \
	"$ROOT/usr/share/doc/acmeup/examples/acmeup.conf" >"$TMP/acmeup.conf"
rc=0
"$ACMEUP" config-check -c "$TMP/acmeup.conf" >"$TMP/check.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$TMP/check.out" >&2; fail "config-check of the example configuration exited $rc"; }
ok "the installed binary runs; the example configuration passes config-check"
