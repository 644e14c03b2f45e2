#!/usr/bin/env bash
# One issuance under valgrind memcheck (--leak-check=full, any error or
# definite/indirect/possible leak fails): a fresh name, a wildcard with it,
# the TSIG-signed UPDATE, the wait, the order and its cleanup. Run by
# ctest (test "valgrind", with the optimised binary); by hand:
#   ACMEUP=build/acmeup ACMEUP_LAB_DIR=/path/to/lab bash tests/valgrind_issue.sh
# shellcheck source=tests/integration/lib.sh disable=SC2034
. "$(dirname "$0")/integration/lib.sh"

command -v valgrind >/dev/null || { echo "SKIP $TEST_NAME: no valgrind"; exit 77; }
NAME=vg$RANDOM$RANDOM.$ZONE
real=$ACMEUP
cat >"$TMP/acmeup" <<EOS
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	--log-file="$TMP/valgrind.log" "$real" "\$@"
EOS
chmod +x "$TMP/acmeup"
ACMEUP=$TMP/acmeup
ACMEUP_TIMEOUT=240
# --no-sandbox: valgrind does not know seccomp(2) (it warns, which fails
# this test); the keys process runs under it all the same.
run_acmeup vg "${ISSUE[@]}" -d "$NAME" -d "*.$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out" --no-sandbox
if [ "$RC" != 0 ]; then
	show_output vg
	cat "$TMP/valgrind.log" >&2
	fail "acmeup issue under valgrind exited $RC (99: memcheck errors or leaks)"
fi
# Valgrind 3.19 (Debian 12) does not know pidfd_open(2) (syscall 434): it
# warns and fails the call, and acmeup's waits fall back to sleeping
# (support/proc.c). That warning alone is not a finding; any other line is.
grep -v -e 'WARNING: unhandled amd64-linux syscall: 434$' \
	-e 'You may be able to write your own handler\.$' \
	-e 'Read the file README_MISSING_SYSCALL_OR_IOCTL\.$' \
	-e 'Nevertheless we consider this a bug\.  Please report$' \
	-e 'it at http://valgrind\.org/support/bug_reports\.html\.$' \
	"$TMP/valgrind.log" >"$TMP/valgrind.findings" || true
[ ! -s "$TMP/valgrind.findings" ] || { cat "$TMP/valgrind.log" >&2; fail "valgrind reported"; }
[ -s "$TMP/out/$NAME/fullchain.pem" ] || fail "no certificate written"
for srv in $PRIMARY $SECONDARY; do
	left=$(zone_txt "$srv" "_acme-challenge.$NAME")
	[ -z "$left" ] || fail "_acme-challenge.$NAME left on $srv: $left"
done
ok "issue -d $NAME -d *.$NAME under valgrind: no errors, no leaks"
