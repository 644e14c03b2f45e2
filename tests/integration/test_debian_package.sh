#!/usr/bin/env bash
# debian/: `dpkg-buildpackage -b -us -uc` on a copy of the tree makes a
# package that lintian passes without errors; it holds the binary, the man
# pages, the completion, the hooks, the units (ExecStart=/usr/bin/acmeup)
# and the examples; its postinst creates the system user acmeup and never
# enables the timer (only re-enables it after an upgrade when the admin had
# enabled it); nothing under /etc is a conffile that would run by itself.
# The package is inspected, never installed. No lab needed; skipped
# without dpkg-buildpackage, debhelper or lintian (tests/lib/deps.sh
# installs them).
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-deb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_debian_package
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null || {
		echo "skip $NAME: $tool is missing (apt-get install dpkg-dev debhelper lintian)"
		exit 0
	}
done
version=$(sed -n '1s/^acmeup (\([^)]*\)).*/\1/p' "$SRC/debian/changelog")
[ -n "$version" ] || fail "no version in debian/changelog"
upstream=${version%-*}

# 1. Build from a copy of the tree's files (git's list when there is one).
tree=$TMP/acmeup-$upstream
mkdir -p "$tree"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
		grep -zv '^build/' | xargs -0 cp --parents -t "$tree")
else
	(cd "$SRC" && tar --exclude=./build -cf - .) | tar -C "$tree" -xf -
fi
(cd "$tree" && DEB_BUILD_OPTIONS="nocheck noopt parallel=1" \
	dpkg-buildpackage -b -us -uc >"$TMP/build.log" 2>&1) ||
	{ tail -n 30 "$TMP/build.log" >&2; fail "dpkg-buildpackage failed"; }
deb=$TMP/acmeup_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $(basename "$deb") was made"
# built with its filters and GSS-TSIG (Build-Depends), not without them
grep -q "Generating seccomp_bpf.h" "$TMP/build.log" ||
	fail "the package was built without the seccomp filters"
grep -q "GSS-TSIG: on" "$TMP/build.log" ||
	fail "the package was built without GSS-TSIG"
ok "dpkg-buildpackage made $(basename "$deb"), with the seccomp filters and GSS-TSIG"

# 2. lintian: no error.
lintian --fail-on error --no-tag-display-limit "$deb" >"$TMP/lintian.out" 2>&1 ||
	{ cat "$TMP/lintian.out" >&2; fail "lintian reports errors"; }
ok "lintian: no errors ($(grep -c '^W:' "$TMP/lintian.out" || true) warnings)"

# 3. Contents.
dpkg-deb -x "$deb" "$TMP/root"
dpkg-deb -e "$deb" "$TMP/control"
for f in usr/bin/acmeup usr/share/man/man1/acmeup.1.gz usr/share/man/man5/acmeup.conf.5.gz \
	usr/share/bash-completion/completions/acmeup usr/lib/acmeup/reload-services \
	lib/systemd/system/acmeup.service lib/systemd/system/acmeup.timer \
	lib/systemd/system/acmeup-reload.service usr/lib/acmeup/reload-renewed \
	usr/share/doc/acmeup/examples/acmeup.conf; do
	[ -e "$TMP/root/$f" ] || fail "the package lacks /$f"
done
grep -qx 'ExecStart=/usr/bin/acmeup renew --config /etc/acmeup/acmeup.conf' \
	"$TMP/root/lib/systemd/system/acmeup.service" || fail "ExecStart= does not name /usr/bin/acmeup"
[ ! -e "$TMP/root/etc" ] || fail "the package ships files under /etc"
"$TMP/root/usr/bin/acmeup" --version | grep -q "^acmeup $upstream" ||
	fail "the packaged binary does not report version $upstream"
ok "binary, man pages, completion, hooks, units (ExecStart=/usr/bin/acmeup), examples; nothing in /etc"

# 4. Maintainer scripts: the user made, the timer never enabled afresh.
post=$TMP/control/postinst
grep -q 'adduser --system' "$post" || fail "postinst does not create the system user"
grep -q 'acmeup$' <(grep -A1 'adduser --system' "$post") || fail "postinst creates another user than acmeup"
awk '/was-enabled/ { guard = 1 } /deb-systemd-helper enable/ && !guard { bad = 1 }
	END { exit bad }' "$post" || fail "postinst enables a unit without was-enabled"
! grep -q 'systemctl.*start' "$post" || fail "postinst starts a unit"
ok "postinst creates user acmeup; the timer is enabled only where the admin had it"
