# bash completion for acmeup(1)
#
#   install -m 0644 acmeup.bash /usr/share/bash-completion/completions/acmeup
#   (or: . acmeup.bash in ~/.bashrc)
#
# Completes the command, its options, option values (key types, revocation
# reasons, files, directories) and, for issue, renew and list, the cert
# names of the configuration (-c FILE, else /etc/acmeup/acmeup.conf); for
# dns-check the names of its certificates. Needs nothing but bash (not the
# bash-completion package). tests/integration/test_contrib_completion.sh
# checks it against src/cli/cli.c's option table.

# Options that take a value (the next word, or --opt=value).
_acmeup_arg_opts="-c --config -d --domain -j --jobs -y --tsig-secret
	--server --ca-bundle --tsig-key --tsig-key-name --email --eab-kid
	--eab-hmac-key --eab-hmac-key-file --eab-alg --account-key-type
	--key-type --csr
	--preferred-chain --profile --cert --cert-key --reason --wait-rate-limit
	--out --state-dir --cert-name --dns-server --resolver
	--propagation-timeout --ttl --zone-server --zone-key --challenge-alias
	--skip-server --deploy-hook --renew-before"

# Option groups; each command offers the groups that apply to it.
_acmeup_common_opts="-c --config -v --verbose -q --quiet -h --help"
_acmeup_ca_opts="--server --ca-bundle --email --agree-tos --eab-kid
	--eab-hmac-key --eab-hmac-key-file --eab-alg --account-key-type
	--state-dir --wait-rate-limit"
_acmeup_cert_opts="--out --key-type --reuse-key --preferred-chain --profile
	--deploy-hook --renew-before --json"
_acmeup_dns_opts="--tsig-key --tsig-key-name -y --tsig-secret --dns-server
	--resolver --propagation-timeout --ttl --zone-server --zone-key
	--challenge-alias --skip-server --tsig-queries"

_acmeup_commands="issue renew list config-check account revoke dns-check
	cleanup help"

# The options of one command.
_acmeup_command_opts() {
	case $1 in
	issue)
		echo "$_acmeup_common_opts -d --domain --cert-name --csr -j --jobs" \
			"$_acmeup_cert_opts $_acmeup_ca_opts $_acmeup_dns_opts" ;;
	renew)
		echo "$_acmeup_common_opts -j --jobs --force" \
			"$_acmeup_cert_opts $_acmeup_ca_opts $_acmeup_dns_opts" ;;
	list)
		echo "$_acmeup_common_opts --json --out --state-dir --renew-before" \
			"-d --domain" ;;
	config-check)
		echo "$_acmeup_common_opts" ;;
	account)
		echo "$_acmeup_common_opts $_acmeup_ca_opts --yes" ;;
	revoke)
		echo "$_acmeup_common_opts --cert --cert-key --reason --server" \
			"--ca-bundle --state-dir --wait-rate-limit" ;;
	dns-check)
		echo "$_acmeup_common_opts -d --domain --state-dir $_acmeup_dns_opts" ;;
	cleanup)
		echo "$_acmeup_common_opts --state-dir $_acmeup_dns_opts" ;;
	*)
		echo "$_acmeup_common_opts -V --version" ;;
	esac
}

# 0 when $1 is an option that takes a value.
_acmeup_takes_arg() {
	local o
	for o in $_acmeup_arg_opts; do
		[ "$o" = "$1" ] && return 0
	done
	return 1
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
	dns-check)
		mapfile -t COMPREPLY < <(compgen -W "$(_acmeup_domains)" -- "$cur") ;;
	esac
	return 0
}

complete -F _acmeup acmeup
