# bash completion for acmeup(1)
#
#   install -m 0644 acmeup.bash /usr/share/bash-completion/completions/acmeup
#   (or: . acmeup.bash in ~/.bashrc)
#
# Completes the command, its options, option values (key types, revocation
# reasons, files, directories) and, for issue, renew and list, the cert
# names of the configuration (-c FILE, else /etc/acmeup/acmeup.conf); for
# dns-check the names of its certificates. The options and which commands
# take them come from the binary itself (acmeup --list-options: the table
# of src/cli/options.c), so they cannot drift. Needs bash and awk (not the
# bash-completion package); tests/integration/test_contrib_completion.sh
# runs it.

# The option table of the acmeup being completed, one line an option:
# --name, -s or -, VALUE or -, the commands that take it, where the file
# takes it (acmeup --list-options; src/cli/options.c). Asked once per
# binary and modification time (_acmeup_load, in the completing shell).
_acmeup_load() {
	local bin=${COMP_WORDS[0]:-acmeup} path key
	path=$(type -P "$bin" 2>/dev/null) || path=$bin
	key="$path $(stat -c %Y "$path" 2>/dev/null)"
	[ "$key" = "${_acmeup_table_key:-}" ] && return 0
	_acmeup_table_text=$(command "$bin" --list-options 2>/dev/null) ||
		_acmeup_table_text=
	_acmeup_table_key=$key
}
_acmeup_table() {
	printf '%s\n' "${_acmeup_table_text:-}"
}

_acmeup_commands="issue renew list config-check account revoke dns-check persist
	forget cleanup help"

# The options of one command; with none (or an unknown one), those every
# command takes and --version.
_acmeup_command_opts() {
	local known=0
	case $1 in
	issue | renew | list | account | revoke | dns-check | cleanup | config-check | persist | forget) known=1 ;;
	esac
	_acmeup_table | awk -F '\t' -v c="$1" -v known="$known" '
		$1 !~ /^--/ { next }
		{
			n = split($4, cmds, ",")
			ok = 0
			for (i = 1; i <= n; i++)
				if (cmds[i] == c)
					ok = 1
			if (c == "" || !known)
				ok = ok || n == 8 || $1 == "--version"
			if (!ok)
				next
			print $1
			if ($2 != "-")
				print $2
		}'
}

# 0 when $1 is an option that takes a value.
_acmeup_takes_arg() {
	_acmeup_table | awk -F '\t' -v o="$1" '
		($1 == o || $2 == o) && $3 != "-" { found = 1 }
		END { exit !found }'
}

# The configuration file the command line names, or the default.
_acmeup_config() {
	local i w
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-c | --config)
			if [ "${COMP_WORDS[i + 1]}" = "=" ]; then
				w=${COMP_WORDS[i + 2]}
			else
				w=${COMP_WORDS[i + 1]}
			fi
			printf '%s\n' "${w/#\~/$HOME}"
			return ;;
		--config=*)
			w=${w#--config=}
			printf '%s\n' "${w/#\~/$HOME}"
			return ;;
		esac
	done
	echo /etc/acmeup/acmeup.conf
}

# The cert block names ("cert NAME {") of the configuration.
_acmeup_certs() {
	local f
	f=$(_acmeup_config)
	[ -r "$f" ] || return 0
	sed -nE 's/^[[:space:]]*cert[[:space:]]+"?([^"{[:space:]]+)"?[[:space:]]*\{.*/\1/p' "$f"
}

# The names of the certificates' "domains" lines.
_acmeup_domains() {
	local f
	f=$(_acmeup_config)
	[ -r "$f" ] || return 0
	sed -nE 's/#.*//; s/^[[:space:]]*domains[[:space:]]+//p' "$f" | tr -s ' \t"' '[\n*]'
}

# Values of an option's argument into COMPREPLY; 1 when it takes none.
_acmeup_complete_value() {
	local opt=$1 cur=$2
	case $opt in
	-c | --config | --tsig-key | --ca-bundle | --csr | --cert | --cert-key | \
		--eab-hmac-key-file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	--out | --state-dir)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	--key-type | --account-key-type)
		mapfile -t COMPREPLY < <(compgen -W "p256 p384 rsa2048 rsa3072 rsa4096" -- "$cur") ;;
	--eab-alg)
		mapfile -t COMPREPLY < <(compgen -W "HS256 HS384 HS512" -- "$cur") ;;
	--reason)
		mapfile -t COMPREPLY < <(compgen -W "unspecified keyCompromise
			cACompromise affiliationChanged superseded cessationOfOperation
			certificateHold removeFromCRL privilegeWithdrawn aACompromise" -- "$cur") ;;
	--deploy-hook)
		mapfile -t COMPREPLY < <(compgen -c -- "$cur") ;;
	-d | --domain)
		mapfile -t COMPREPLY < <(compgen -W "$(_acmeup_domains)" -- "$cur") ;;
	*)
		_acmeup_takes_arg "$opt" || return 1
		COMPREPLY=() ;;
	esac
	return 0
}

_acmeup() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' sub='' i w skip=0 has_d=0
	COMPREPLY=()
	_acmeup_load
	if ((COMP_CWORD > 0)); then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi
	# --opt=value, split at '=' by COMP_WORDBREAKS.
	if [ "$cur" = "=" ] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [ "$prev" = "=" ] && ((COMP_CWORD > 2)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
	# The command (the first word that is not an option or its value: options
	# may come before it) and what follows.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((skip)); then
			skip=0
			[ "$w" = "=" ] && skip=1
			continue
		fi
		case $w in
		-d | --domain | --domain=*) has_d=1 ;;
		esac
		if [[ $w == -* ]]; then
			[[ $w != *=* ]] && _acmeup_takes_arg "$w" && skip=1
			continue
		fi
		[ "$w" = "=" ] && continue
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ -z "$sub" ]; then
			sub=$w
		fi
	done
	if [[ $prev == -* ]] && _acmeup_complete_value "$prev" "$cur"; then
		return 0
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_acmeup_command_opts "$cmd")" -- "$cur")
		return 0
	fi
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "$_acmeup_commands" -- "$cur") ;;
	issue)
		((has_d)) ||
			mapfile -t COMPREPLY < <(compgen -W "$(_acmeup_certs)" -- "$cur") ;;
	renew | list)
		mapfile -t COMPREPLY < <(compgen -W "$(_acmeup_certs)" -- "$cur") ;;
	account)
		[ -n "$sub" ] ||
			mapfile -t COMPREPLY < <(compgen -W "register show update rollover deactivate" -- "$cur") ;;
	dns-check | persist)
		mapfile -t COMPREPLY < <(compgen -W "$(_acmeup_domains)" -- "$cur") ;;
	esac
	return 0
}

complete -F _acmeup acmeup
