#!/usr/bin/env bash
# contrib/completion/acmeup.bash: sourced into bash, its completion function
# gives the expected suggestions for command lines (COMP_WORDS/COMP_CWORD as
# bash sets them), reading the options from the binary (acmeup
# --list-options, the table of src/cli/options.c: every option, with or
# without a value), and it knows every command of src/cli/main.c. No lab
# needed.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-contrib-completion.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_contrib_completion
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

COMPLETION=$SRC/contrib/completion/acmeup.bash
ACMEUP=${ACMEUP:?ACMEUP must name the built binary}
# The completion runs the acmeup it completes (COMP_WORDS[0]): this one.
PATH=$(cd "$(dirname "$ACMEUP")" && pwd):$PATH
[ -f "$COMPLETION" ] || fail "contrib/completion/acmeup.bash is missing"
if command -v shellcheck >/dev/null; then
	shellcheck -s bash "$COMPLETION" >"$TMP/sc.log" 2>&1 || fail "shellcheck: $(cat "$TMP/sc.log")"
	ok "shellcheck finds nothing in acmeup.bash"
else
	echo "skip $NAME: shellcheck is missing: acmeup.bash not linted"
fi
# shellcheck source=contrib/completion/acmeup.bash
. "$COMPLETION"
complete -p acmeup 2>/dev/null | grep -q -- '-F _acmeup acmeup' ||
	fail "sourcing it does not register _acmeup for acmeup"

cat >"$TMP/acmeup.conf" <<'CONF'
server https://ca.contoso.test/dir
cert intranet {
    domains intranet.contoso.test *.intranet.contoso.test   # two names
}
cert "irc" {
    domains irc.contoso.test
}
  cert wiki{
    domains wiki.contoso.test
  }
zone certs.contoso.test {
    tsig-key /etc/acmeup/k.key
}
CONF
mkdir -p "$TMP/dirs/state" "$TMP/dirs/stuff"
touch "$TMP/dirs/stuff.key"

# complete LINE: the suggestions for LINE (the cursor at its end), sorted,
# on one line. Words split as bash does by default: at blanks, and '='
# stands alone (COMP_WORDBREAKS).
complete_line() {
	local line=$1 words=() w
	read -r -a words <<<"$(sed 's/=/ = /g' <<<"$line")"
	[[ $line == *" " || $line == *"=" ]] && words+=("")
	COMP_WORDS=("${words[@]}")
	COMP_CWORD=$((${#words[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_acmeup acmeup "${words[COMP_CWORD]}" "${words[COMP_CWORD - 1]:-}"
	for w in "${COMPREPLY[@]}"; do printf '%s\n' "$w"; done | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect LINE SUGGESTIONS: exactly these (sorted, space-separated).
expect() {
	local got
	got=$(complete_line "$1")
	[ "$got" = "$2" ] || fail "'$1<TAB>' gave '$got', not '$2'"
}
# expect_has LINE WORD... / expect_lacks LINE WORD...
expect_has() {
	local line=$1 got w
	shift
	got=" $(complete_line "$line") "
	for w in "$@"; do
		[[ $got == *" $w "* ]] || fail "'$line<TAB>' lacks '$w': $got"
	done
}
expect_lacks() {
	local line=$1 got w
	shift
	got=" $(complete_line "$line") "
	for w in "$@"; do
		[[ $got != *" $w "* ]] || fail "'$line<TAB>' offers '$w': $got"
	done
}

# 1. Commands and subcommands.
expect "acmeup " "account cleanup config-check dns-check forget help issue list persist renew revoke"
expect "acmeup re" "renew revoke"
expect "acmeup account " "deactivate register rollover show update"
expect "acmeup account sh" "show"
expect "acmeup account show " ""
ok "commands and account subcommands"

# 2. Options per command.
expect "acmeup renew --fo" "--force"
expect "acmeup issue --fo" ""
expect "acmeup renew --js" "--json"
expect "acmeup revoke --re" "--reason"
expect "acmeup config-check --" "--config --help --quiet --verbose"
expect_has "acmeup issue -" -d --domain --server --tsig-key --zone-key --deploy-hook --csr -c
expect_lacks "acmeup issue -" --force --yes --reason
expect_has "acmeup account --" --yes --email --eab-kid --agree-tos
expect_lacks "acmeup account --" --tsig-key --force
expect_has "acmeup cleanup --" --state-dir --tsig-key --zone-key --tsig-secret
expect "acmeup --vers" "--version"
ok "options differ per command (renew --force, account --yes, revoke --reason, ...)"

# 3. Option values.
expect "acmeup issue --key-type " "p256 p384 rsa2048 rsa3072 rsa4096"
expect "acmeup issue --key-type=rsa4" "rsa4096"
expect "acmeup account register --account-key-type p3" "p384"
expect "acmeup revoke --reason key" "keyCompromise"
expect "acmeup account register --eab-alg HS5" "HS512"
expect "acmeup issue --server " ""
expect "acmeup renew -j " ""
expect "acmeup list --state-dir $TMP/dirs/s" "$TMP/dirs/state $TMP/dirs/stuff"
expect "acmeup issue --tsig-key $TMP/dirs/stuff." "$TMP/dirs/stuff.key"
ok "key types, reasons, EAB algorithms, directories and files; nothing for free text"

# 4. Cert names and domains of the configuration given with -c/--config.
expect "acmeup renew -c $TMP/acmeup.conf " "intranet irc wiki"
expect "acmeup renew --config=$TMP/acmeup.conf i" "intranet irc"
expect "acmeup issue --config $TMP/acmeup.conf --out /tmp " "intranet irc wiki"
expect "acmeup list -v -c $TMP/acmeup.conf w" "wiki"
expect "acmeup issue -c $TMP/acmeup.conf -d x.contoso.test " ""
expect "acmeup dns-check -c $TMP/acmeup.conf irc" "irc.contoso.test"
expect "acmeup issue -c $TMP/acmeup.conf -d wi" "wiki.contoso.test"
expect "acmeup renew -c $TMP/missing.conf " ""
ok "cert names from the -c/--config file (option values skipped); domains for -d and dns-check"

# 5. The options come from the binary's table (acmeup --list-options,
#    src/cli/options.c): every option is offered by some command, and
#    exactly those with a VALUE are known to take one.
"$ACMEUP" --list-options | awk -F '\t' '$1 ~ /^--/' >"$TMP/table"
[ "$(wc -l <"$TMP/table")" -ge 30 ] || fail "acmeup --list-options gave only $(wc -l <"$TMP/table") options"
COMP_WORDS=(acmeup)
_acmeup_load
all=" "
# shellcheck disable=SC2154 # _acmeup_commands is set by acmeup.bash
for c in $_acmeup_commands ""; do
	all="$all$(_acmeup_command_opts "$c" | tr -s ' \t\n' ' ') "
done
missing='' wrong='' shorts=''
while IFS=$'\t' read -r o short value _; do
	for w in "$o" "$short"; do
		[ "$w" != - ] || continue
		[[ $all == *" $w "* ]] || missing="$missing $w"
		if [ "$value" != - ]; then
			_acmeup_takes_arg "$w" || wrong="$wrong $w(takes a value)"
		else
			! _acmeup_takes_arg "$w" || wrong="$wrong $w(takes no value)"
		fi
	done
	[ "$short" = - ] || shorts="$shorts${short#-}"
done <"$TMP/table"
[ -z "$missing" ] || fail "no command offers:$missing"
[ -z "$wrong" ] || fail "the completion is wrong for:$wrong"
awk '/commands\[\] = \{/ { f = 1; next } f && /^};/ { f = 0 } f' "$SRC/src/cli/main.c" |
	grep -oE '\{ "[a-z0-9-]+"' | sed 's/^{ "//; s/"$//' >"$TMP/commands"
while read -r c; do
	[[ " $(tr -s ' \t\n' ' ' <<<"$_acmeup_commands") " == *" $c "* ]] ||
		fail "command $c of src/cli/main.c is not completed"
done <"$TMP/commands"
ok "all $(wc -l <"$TMP/table") options of acmeup --list-options (-$shorts) and the commands of src/cli/main.c are known"
