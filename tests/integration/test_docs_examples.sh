#!/usr/bin/env bash
# The configuration examples of the documentation are accepted by the
# programs they are for: in docs/fleet.md every ```named block by
# named-checkconf, every ```yaml block by knotc conf-check, every
# ```acmeup.conf block by "acmeup config-check"; the example of
# docs/acmeup.conf.5 (between its example-begin/end marks) and of the
# header of src/cli/config.h by "acmeup config-check" too. Paths of
# key files and CA bundles point at real files made here. No lab needed.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
ACMEUP=${ACMEUP:-$SRC/build/acmeup}
TMP=$(mktemp -d /tmp/acmeup-docs-examples.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_docs_examples
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

[ -x "$ACMEUP" ] || fail "no acmeup binary at $ACMEUP (set ACMEUP)"
FLEET=$SRC/docs/fleet.md
[ -f "$FLEET" ] || fail "docs/fleet.md is missing"

# blocks FILE LANG: the fenced blocks of LANG in FILE as $TMP/LANG.N; prints
# how many.
blocks() {
	awk -v lang="$2" -v dir="$TMP" '
		$0 == "```" lang { n++; f = dir "/" lang "." n; printf "" > f; on = 1; next }
		on && $0 == "```" { on = 0; close(f); next }
		on { print > f }
		END { print n + 0 }' "$1"
}

# make_files CONF: absolute paths under /etc/ in CONF moved under $TMP, and
# the key files (*.key: a TSIG key made by tsig-keygen) and CA bundles
# (*.pem) it names created there.
make_files() {
	local conf=$1 p
	sed -i "s|\"/etc/|\"$TMP/etc/|g; s|\([[:space:]]\)/etc/|\1$TMP/etc/|g" "$conf"
	for p in $(grep -oE "$TMP/etc/[^\"[:space:];]+\.(key|pem)" "$conf" | sort -u); do
		mkdir -p "$(dirname "$p")"
		case $p in
		*.key)
			[ -e "$p" ] || tsig-keygen -a hmac-sha256 "$(basename "$p" .key)" >"$p"
			chmod 600 "$p" ;;
		*.pem) [ -e "$p" ] || cp "$SRC/contrib/bind/named.conf.acmeup" "$p" ;;
		esac
	done
}

# config_check FILE WHAT: acmeup config-check accepts FILE.
config_check() {
	local rc=0
	make_files "$1"
	mkdir -p "$TMP/state" "$TMP/out"
	"$ACMEUP" config-check -c "$1" --state-dir "$TMP/state" --out "$TMP/out" \
		>"$TMP/cc.out" 2>"$TMP/cc.err" </dev/null || rc=$?
	[ "$rc" = 0 ] || fail "acmeup config-check rejects $2 (exit $rc): $(cat "$TMP/cc.err")
--- the file:
$(cat "$1")"
	grep -q '^ok: ' "$TMP/cc.out" || fail "config-check of $2 did not say ok: $(cat "$TMP/cc.out")"
}

# 1. named.conf fragments.
n=$(blocks "$FLEET" named)
[ "$n" -ge 2 ] || fail "docs/fleet.md has $n \`\`\`named blocks, expected the central and per-host ones"
for ((i = 1; i <= n; i++)); do
	make_files "$TMP/named.$i"
	named-checkconf "$TMP/named.$i" >"$TMP/bind.log" 2>&1 ||
		fail "named-checkconf rejects \`\`\`named block $i of docs/fleet.md: $(cat "$TMP/bind.log")"
done
grep -h 'grant' "$TMP"/named.* | grep -q 'name _acme-challenge\..* TXT;' ||
	fail "docs/fleet.md lost its per-name TXT grants"
ok "named-checkconf accepts the $n BIND blocks of docs/fleet.md"

# 2. Knot fragments.
n=$(blocks "$FLEET" yaml)
for ((i = 1; i <= n; i++)); do
	knotc -c "$TMP/yaml.$i" conf-check >"$TMP/knot.log" 2>&1 ||
		fail "knotc conf-check rejects \`\`\`yaml block $i of docs/fleet.md: $(cat "$TMP/knot.log")"
done
ok "knotc conf-check accepts the $n Knot blocks of docs/fleet.md"

# 3. acmeup.conf examples: fleet.md, the man page, the header comment.
n=$(blocks "$FLEET" acmeup.conf)
[ "$n" -ge 2 ] || fail "docs/fleet.md has $n \`\`\`acmeup.conf blocks, expected 2"
for ((i = 1; i <= n; i++)); do
	config_check "$TMP/acmeup.conf.$i" "\`\`\`acmeup.conf block $i of docs/fleet.md"
done
ok "acmeup config-check accepts the $n configurations of docs/fleet.md"

# The man page's example, unescaped from roff.
sed -n '/^\.\\" example-begin/,/^\.\\" example-end/p' "$SRC/docs/acmeup.conf.5" |
	grep -vE '^\.' | sed 's/\\-/-/g; s/\\(dq/"/g; s/\\e/\\/g; s/\\(aq/'"'"'/g' \
	>"$TMP/man.conf"
[ "$(grep -c '^cert ' "$TMP/man.conf")" -ge 1 ] || fail "no example found in docs/acmeup.conf.5"
! grep -q '\\' "$TMP/man.conf" || fail "roff escapes left in the example: $(grep '\\' "$TMP/man.conf")"
config_check "$TMP/man.conf" "the EXAMPLES of docs/acmeup.conf.5"
ok "acmeup config-check accepts the example of acmeup.conf(5)"

# The example in the header comment of src/cli/config.h.
sed -n '1,/\*\//p' "$SRC/src/cli/config.h" |
	awk '/^ \*   / { seen = 1; sub(/^ \*   /, ""); print; next }
		/^ \*$/ && seen { print ""; next }
		/^ \* [^ ]/ && seen { exit }' >"$TMP/header.conf"
if grep -q '^cert ' "$TMP/header.conf"; then
	config_check "$TMP/header.conf" "the example in src/cli/config.h"
	ok "acmeup config-check accepts the example in src/cli/config.h"
fi

# 4. The check can fail: a misspelt setting is exit 2 naming file:line.
cp "$TMP/acmeup.conf.1" "$TMP/bad.conf"
printf 'cert x {\n    domains x.contoso.com\n    renew-befor 20d\n}\n' >>"$TMP/bad.conf"
rc=0
"$ACMEUP" config-check -c "$TMP/bad.conf" --state-dir "$TMP/state" --out "$TMP/out" \
	>/dev/null 2>"$TMP/cc.err" </dev/null || rc=$?
[ "$rc" = 2 ] && grep -q "bad.conf:$(wc -l <"$TMP/bad.conf" | awk '{ print $1 - 1 }'): unknown setting 'renew-befor'" "$TMP/cc.err" ||
	fail "a misspelt setting gave exit $rc: $(cat "$TMP/cc.err")"
ok "a misspelt setting is rejected with exit 2 and file:line (the check works)"
