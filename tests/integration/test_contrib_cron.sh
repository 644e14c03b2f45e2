#!/usr/bin/env bash
# contrib/cron/acmeup: one cron.d job line running "acmeup renew --config
# /etc/acmeup/acmeup.conf" as root twice a day; run as cron runs it (the
# command after '%' handling, by /bin/sh) against a stand-in acmeup for
# each exit status: 0 (renewed) and 3 (nothing due) print nothing (no
# mail), 1, 2 and 4 print the status and acmeup's output; every run goes to
# logger. The random-minute recipe in its comment works. No lab needed.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-contrib-cron.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_contrib_cron
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

CRON=$SRC/contrib/cron/acmeup
[ -f "$CRON" ] || fail "contrib/cron/acmeup is missing"

# 1. Shape: comments, NAME=value lines and exactly one job line of the
#    system crontab format (5 time fields, user, command).
grep -vE '^[[:space:]]*(#|$)' "$CRON" | grep -vE '^[A-Z_]+=' >"$TMP/jobs" || true
[ "$(wc -l <"$TMP/jobs")" = 1 ] || fail "expected one job line, found: $(cat "$TMP/jobs")"
read -r min hour dom mon dow user cmd <"$TMP/jobs"
[[ $min =~ ^[0-9]+$ ]] && [ "$min" -le 59 ] || fail "minute field '$min' is not 0-59"
[[ $hour =~ ^[0-9]+,[0-9]+$ ]] || fail "hour field '$hour' is not two hours (twice a day)"
[ "$dom $mon $dow" = "* * *" ] || fail "day fields are '$dom $mon $dow', not every day"
[ "$user" = root ] || fail "runs as '$user', not root"
grep -q '^SHELL=/bin/sh$' "$CRON" || fail "no SHELL=/bin/sh"
ok "one job line: minute $min, hours $hour, as root"

# cron's '%' rule (crontab(5)): an unescaped '%' ends the command (the rest
# is its stdin); '\%' is a literal '%'.
cmd=$(printf '%s' "$cmd" | awk '{
	out = ""
	for (i = 1; i <= length($0); i++) {
		c = substr($0, i, 1)
		if (c == "\\" && substr($0, i + 1, 1) == "%") { out = out "%"; i++; continue }
		if (c == "%") break
		out = out c
	}
	print out
}')
grep -q 'acmeup renew' <<<"$cmd" || fail "the command lost 'acmeup renew' to a '%': $cmd"

# 2. Run it as cron would, with stand-ins for acmeup and logger on PATH.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/acmeup" <<'STUB'
#!/bin/sh
printf '%s\n' "$*" >"$ACMEUP_TEST_DIR/args"
echo "acmeup: renew: progress line" >&2
echo "acmeup: certificate x: it went like this"
exit "$ACMEUP_TEST_RC"
STUB
cat >"$TMP/bin/logger" <<'STUB'
#!/bin/sh
printf '%s\n' "$*" >"$ACMEUP_TEST_DIR/logger.args"
cat >"$ACMEUP_TEST_DIR/logger.in"
STUB
chmod 755 "$TMP/bin/acmeup" "$TMP/bin/logger"
for rc in 0 1 2 3 4; do
	rm -f "$TMP/args" "$TMP/logger.in"
	out=$(cd "$TMP" && env -i PATH="$TMP/bin:/usr/bin:/bin" ACMEUP_TEST_DIR="$TMP" \
		ACMEUP_TEST_RC=$rc /bin/sh -c "$cmd" </dev/null 2>&1) ||
		fail "the cron command itself failed for exit status $rc"
	[ "$(cat "$TMP/args")" = "renew --config /etc/acmeup/acmeup.conf" ] ||
		fail "acmeup was run as 'acmeup $(cat "$TMP/args")'"
	grep -q 'progress line' "$TMP/logger.in" && grep -q 'went like this' "$TMP/logger.in" ||
		fail "exit $rc: logger did not get acmeup's output"
	grep -q -- '-t acmeup' "$TMP/logger.args" || fail "logger is not tagged acmeup"
	case $rc in
	0 | 3)
		[ -z "$out" ] || fail "exit $rc printed (cron would mail it): $out" ;;
	*)
		grep -q "exit status $rc" <<<"$out" && grep -q 'progress line' <<<"$out" ||
			fail "exit $rc: the output does not say so: $out" ;;
	esac
done
ok "exit 0 and 3 are silent; 1, 2 and 4 print the status and acmeup's output; all go to logger"

# 3. The random-minute recipe of the comment turns the line into another
#    valid one.
recipe=$(sed -n 's/^#   //p' "$CRON")
[ -n "$recipe" ] || fail "no recipe for a random minute in the comment"
(cd "$TMP" && cp "$CRON" acmeup && mkdir -p etc/cron.d &&
	eval "$(sed 's|/etc/cron.d/|etc/cron.d/|' <<<"$recipe")") ||
	fail "the random-minute recipe failed: $recipe"
read -r m2 h2 _ <<<"$(grep -vE '^[[:space:]]*(#|$)' "$TMP/etc/cron.d/acmeup" | grep -vE '^[A-Z_]+=')"
[[ $m2 =~ ^[0-9]+$ && $h2 =~ ^[0-9]+,[0-9]+$ ]] || fail "the recipe made '$m2 $h2'"
h2a=${h2%,*} h2b=${h2#*,}
[ "$h2a" -le 11 ] && [ "$h2b" = $((h2a + 12)) ] && [ "$m2" -le 59 ] ||
	fail "the recipe made minute $m2 hours $h2"
ok "the random-minute recipe gives minute $m2, hours $h2"
