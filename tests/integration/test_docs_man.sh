#!/usr/bin/env bash
# The man pages docs/acmeup.1 and docs/acmeup.conf.5 render without warnings
# and cannot drift from the code: every long and short option of the option
# table (acmeup --list-options, src/cli/options.c), every command of
# src/cli/main.c's table and every exit code it defines, every deploy-hook
# variable of src/engine/hook.h is in acmeup(1); every setting of the
# table is in acmeup.conf(5).
# Needs groff (groff-base) and man (man-db); no lab, no network.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-docs-man.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_docs_man
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

MAN1=$SRC/docs/acmeup.1
MAN5=$SRC/docs/acmeup.conf.5
for f in "$MAN1" "$MAN5"; do
	[ -f "$f" ] || fail "$f is missing"
done
command -v groff >/dev/null || fail "groff is missing (apt-get install groff-base)"

# 1. No warnings from groff (every category: -ww) on a typesetter and on a
#    terminal, nor from man-db's man -l.
for f in "$MAN1" "$MAN5"; do
	for dev in ps utf8; do
		groff -man -ww -z -T"$dev" "$f" >"$TMP/groff.err" 2>&1 || true
		[ ! -s "$TMP/groff.err" ] ||
			fail "groff -man -ww -T$dev warns about ${f#"$SRC"/}: $(cat "$TMP/groff.err")"
	done
	if command -v man >/dev/null; then
		MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$f" \
			>"$TMP/man.out" 2>"$TMP/man.err" ||
			fail "man -l ${f#"$SRC"/} failed: $(cat "$TMP/man.err")"
		[ ! -s "$TMP/man.err" ] ||
			fail "man -l ${f#"$SRC"/} warns: $(cat "$TMP/man.err")"
		[ -s "$TMP/man.out" ] || fail "man -l ${f#"$SRC"/} rendered nothing"
	fi
done
ok "both pages render without warnings (groff -ww, man --warnings)"

# Plain ASCII text of a page on long lines without hyphenation, so an option
# is never split across lines.
render() {
	groff -man -Tascii -rLL=250n -rHY=0 -P-c -P-b -P-u -P-o "$1" 2>/dev/null |
		tr -d '\r'
}
render "$MAN1" >"$TMP/acmeup.1.txt"
render "$MAN5" >"$TMP/acmeup.conf.5.txt"

# Text of one section (heading at column 0, as the page renders it).
section() {
	awk -v h="$2" '$0 == h { f = 1; next } /^[A-Z]/ { f = 0 } f' "$1"
}

# 2. The sections a man page needs.
for h in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS FILES "EXIT STATUS" \
	ENVIRONMENT EXAMPLES STANDARDS "SEE ALSO"; do
	[ -n "$(section "$TMP/acmeup.1.txt" "$h")" ] ||
		fail "acmeup.1 has no (or an empty) $h section"
done
for h in NAME SYNOPSIS DESCRIPTION FILES EXAMPLES "SEE ALSO"; do
	[ -n "$(section "$TMP/acmeup.conf.5.txt" "$h")" ] ||
		fail "acmeup.conf.5 has no (or an empty) $h section"
done
for rfc in 8555 2136 8945 9773 7638 8914; do
	grep -q "RFC $rfc" <<<"$(section "$TMP/acmeup.1.txt" STANDARDS)" ||
		fail "acmeup.1 STANDARDS does not name RFC $rfc"
done
ok "acmeup.1 and acmeup.conf.5 have their sections; STANDARDS names the RFCs"

# has FILE WORD: WORD appears as a whole option or word (not a prefix of a
# longer one: --cert is not found in --cert-key).
has() {
	grep -qE -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|$)" "$1"
}

# 3. Every option of the table (acmeup --list-options: src/cli/options.c)
#    is in acmeup.1, long and short.
"$ACMEUP" --list-options >"$TMP/table"
awk -F '\t' '$1 ~ /^--/ { print substr($1, 3) }' "$TMP/table" >"$TMP/long"
[ "$(wc -l <"$TMP/long")" -ge 30 ] ||
	fail "acmeup --list-options gave only $(wc -l <"$TMP/long") long options"
section "$TMP/acmeup.1.txt" OPTIONS >"$TMP/options.txt"
missing=
while read -r o; do
	has "$TMP/options.txt" "--$o" || missing="$missing --$o"
done <"$TMP/long"
[ -z "$missing" ] || fail "acmeup.1 OPTIONS does not document:$missing (acmeup --list-options)"
ok "all $(wc -l <"$TMP/long") long options of acmeup --list-options are in acmeup.1 OPTIONS"

shorts=$(awk -F '\t' '$1 ~ /^--/ && $2 != "-" { printf "%s", substr($2, 2) }' "$TMP/table")
[ -n "$shorts" ] || fail "acmeup --list-options names no short option"
missing=
for ((i = 0; i < ${#shorts}; i++)); do
	c=${shorts:i:1}
	has "$TMP/options.txt" "-$c" || missing="$missing -$c"
done
[ -z "$missing" ] || fail "acmeup.1 OPTIONS does not document:$missing (acmeup --list-options)"
ok "short options -$shorts are in acmeup.1 OPTIONS"

# 4. Every command of src/cli/main.c's table is in COMMANDS.
awk '/commands\[\] = \{/ { f = 1; next } f && /^};/ { f = 0 } f' "$SRC/src/cli/main.c" |
	grep -oE '\{ "[a-z0-9-]+"' | sed 's/^{ "//; s/"$//' >"$TMP/commands"
[ -s "$TMP/commands" ] || fail "no command table found in src/cli/main.c"
section "$TMP/acmeup.1.txt" COMMANDS >"$TMP/commands.txt"
missing=
while read -r c; do
	has "$TMP/commands.txt" "$c" || missing="$missing $c"
done <"$TMP/commands"
[ -z "$missing" ] || fail "acmeup.1 COMMANDS does not describe:$missing (src/cli/main.c commands[])"
ok "commands $(tr '\n' ' ' <"$TMP/commands")are in acmeup.1 COMMANDS"

# 5. Every exit code: 0-4 of the contract, and those the code defines
#    (ACMEUP_EXIT_* in include/acmeup/exitcode.h, EXIT_* in src/cli/main.c).
section "$TMP/acmeup.1.txt" "EXIT STATUS" >"$TMP/exit.txt"
codes=$( (printf '0\n1\n2\n3\n4\n'
	{ grep -hoE '^#define EXIT_[A-Z_]+ +[0-9]+' "$SRC/src/cli/main.c" || true; } |
		awk '{ print $3 }'
	{ grep -hoE 'ACMEUP_EXIT_[A-Z_]+ = [0-9]+' "$SRC"/include/acmeup/*.h || true; } |
		awk '{ print $3 }') | sort -un)
for n in $codes; do
	grep -qE "^ +$n( |$)" "$TMP/exit.txt" ||
		fail "acmeup.1 EXIT STATUS has no entry for $n"
done
ok "EXIT STATUS documents $(echo "$codes" | tr '\n' ' ')"

# 6. The deploy hook's environment (src/engine/hook.h).
section "$TMP/acmeup.1.txt" ENVIRONMENT >"$TMP/env.txt"
vars=$(grep -oE 'ACMEUP_[A-Z_]+' "$SRC/src/engine/hook.h" | grep -v '^ACMEUP_HOOK_H$' |
	grep -v '^ACMEUP_E' | sort -u)
[ -n "$vars" ] || fail "no ACMEUP_* variables found in src/engine/hook.h"
for v in $vars; do
	has "$TMP/env.txt" "$v" || fail "acmeup.1 ENVIRONMENT does not describe $v"
done
for v in https_proxy all_proxy no_proxy; do
	has "$TMP/env.txt" "$v" || fail "acmeup.1 ENVIRONMENT does not describe $v"
done
ok "ENVIRONMENT lists $(echo "$vars" | wc -l) deploy-hook variables and the proxies"

# 7. Every setting the configuration file takes (acmeup --list-options,
#    fifth column) is in acmeup.conf.5, and its block keywords.
awk -F '\t' '$5 != "-" { sub(/^--/, "", $1); print $1 }' "$TMP/table" >"$TMP/settings"
[ "$(wc -l <"$TMP/settings")" -ge 20 ] ||
	fail "acmeup --list-options names only $(wc -l <"$TMP/settings") settings"
missing=
while read -r s; do
	has "$TMP/acmeup.conf.5.txt" "$s" || missing="$missing $s"
done <"$TMP/settings"
[ -z "$missing" ] || fail "acmeup.conf.5 does not document:$missing (acmeup --list-options)"
for w in zone cert; do
	has "$TMP/acmeup.conf.5.txt" "$w" || fail "acmeup.conf.5 does not describe '$w' blocks"
done
ok "all $(wc -l <"$TMP/settings") settings of the option table are in acmeup.conf.5"

# 8. The pages name each other, and the NAME lines are what whatis expects.
grep -q '^\.TH ACMEUP 1 ' "$MAN1" || fail "acmeup.1: .TH ACMEUP 1 missing"
grep -q '^\.TH ACMEUP\.CONF 5 ' "$MAN5" || fail "acmeup.conf.5: .TH ACMEUP.CONF 5 missing"
grep -q 'acmeup.conf(5)' <<<"$(section "$TMP/acmeup.1.txt" "SEE ALSO")" ||
	fail "acmeup.1 SEE ALSO lacks acmeup.conf(5)"
grep -q 'acmeup(1)' <<<"$(section "$TMP/acmeup.conf.5.txt" "SEE ALSO")" ||
	fail "acmeup.conf.5 SEE ALSO lacks acmeup(1)"
grep -q 'acmeup - ' <<<"$(section "$TMP/acmeup.1.txt" NAME)" || fail "acmeup.1 NAME is not 'acmeup - ...'"
grep -q 'acmeup.conf - ' <<<"$(section "$TMP/acmeup.conf.5.txt" NAME)" ||
	fail "acmeup.conf.5 NAME is not 'acmeup.conf - ...'"
ok "the pages cross-reference each other"
