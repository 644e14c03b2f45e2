#!/usr/bin/env bash
# dns-persist-01 (draft-ietf-acme-dns-persist) against the upstream pebble
# (skips without it): `acmeup persist` publishes _validation-persist.NAME,
# issuance then answers dns-persist-01 with no UPDATE (the zone's SOA
# serial unchanged), a wildcard through policy=wildcard, a record for
# another account or CA is no match (and dns-check says why), cleanup
# leaves the records alone, `persist --remove` leaves the zone as before,
# and the CNAME-delegated case (the lab's _validation-persist.wiki.contoso.test
# CNAME into acme-challenges.contoso.test). persist is confined (issue 13):
# another user, Landlock, the TSIG key and, with GSS-TSIG, the keytab out
# of reach, the Kerberos process started before.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_upstream persist 127.53.0.9
NOKEY=(--server "$LAB_PEBBLE_URL" --ca-bundle "$ACME_CA_BUNDLE"
	--resolver "$RESOLVER" --email admin@example.test --agree-tos)
CA=("${NOKEY[@]}" --tsig-key "$TSIG_KEY")
A=$TMP/state-a
ISS=$PEBBLE_CAA_IDENTITY

# txt OWNER: the TXT data the primary holds at OWNER.
txt() { zone_txt "$PRIMARY" "$1"; }

# account_url STATE
account_url() {
	run_acmeup "show-${1##*/}" account show "${CA[@]}" --state-dir "$1"
	sed -n 's/^account: //p' "$TMP/show-${1##*/}.out"
}

# issue_serial TAG NAME STATE [ARGS...]: issue; RC set; the serial of $ZONE
# before and after in S0/S1.
issue_serial() {
	local tag=$1 name=$2 state=$3
	shift 3
	S0=$(zone_serial "$PRIMARY" "$ZONE")
	run_acmeup "$tag" issue "${CA[@]}" -d "$name" \
		--state-dir "$state" --out "$TMP/out" -v "$@"
	S1=$(zone_serial "$PRIMARY" "$ZONE")
}

# --- persist, then issue twice with no UPDATE ----------------------------------
N=p$RANDOM$RANDOM.$ZONE
ACMEUP_TEST_OPEN=$TSIG_KEY run_acmeup persist1 persist "$N" "${CA[@]}" --state-dir "$A" -v
[ "$RC" = 0 ] || { show_output persist1; fail "persist $N exited $RC"; }
confined persist1 "$TSIG_KEY"
URL=$(account_url "$A")
[ -n "$URL" ] || fail "no account URL for $A"
want="\"$ISS; accounturi=$URL\""
[ "$(txt "_validation-persist.$N")" = "$want" ] ||
	fail "_validation-persist.$N holds '$(txt "_validation-persist.$N")', want $want"
grep -q "^$N	$ISS; accounturi=$URL\$" "$A/persist" ||
	fail "$A/persist does not note $N: $(cat "$A/persist" 2>/dev/null)"
ok "persist published $want at _validation-persist.$N and noted it, confined (another user, Landlock; the TSIG key: EACCES)"

run_acmeup persist1b persist "$N" "${CA[@]}" --state-dir "$A"
[ "$RC" = 0 ] && ! grep -q "UPDATE adding" "$TMP/persist1b.err" ||
	{ show_output persist1b; fail "persist $N again sent an UPDATE or failed ($RC)"; }
ok "persist again: the record stands, no UPDATE"

for k in 1 2; do
	issue_serial "issue$k" "$N" "$A"
	[ "$RC" = 0 ] || { show_output "issue$k"; fail "issue $k of $N exited $RC"; }
	[ -n "$S0" ] && [ "$S0" = "$S1" ] ||
		fail "issue $k of $N: the serial of $ZONE went $S0 -> $S1"
	! grep -q "UPDATE adding" "$TMP/issue$k.err" || fail "issue $k of $N sent an UPDATE"
	[ "$(cert_dns_sans "$TMP/out/$N/cert.pem")" = "$N" ] ||
		fail "issue $k: the certificate does not name $N"
done
grep -q "answering dns-persist-01" "$TMP/issue1.err" ||
	fail "the first issuance did not answer dns-persist-01"
ok "two issuances of $N by dns-persist-01, serial $S1 unchanged"
run_acmeup nokey issue "${NOKEY[@]}" -d "$N" --state-dir "$A" --out "$TMP/out" \
	--challenge dns-persist-01
[ "$RC" = 0 ] || { show_output nokey; fail "issue $N with challenge dns-persist-01 and no TSIG key exited $RC"; }
ok "challenge dns-persist-01 alone issues with no TSIG key at all"

# An account key rollover keeps the account URL, so the record still
# authorises it: the next issuance writes nothing either.
AD=$(acct_dir "$A" "$LAB_PEBBLE_URL") # its account directory
key0=$(sha256sum <"$AD/account.key")
run_acmeup roll account rollover "${NOKEY[@]}" --state-dir "$A"
[ "$RC" = 0 ] || { show_output roll; fail "account rollover exited $RC"; }
[ "$(sha256sum <"$AD/account.key")" != "$key0" ] || fail "rollover: account.key unchanged"
S0=$(zone_serial "$PRIMARY" "$ZONE")
run_acmeup afterroll issue "${NOKEY[@]}" -d "$N" --state-dir "$A" --out "$TMP/out" \
	--challenge dns-persist-01
[ "$RC" = 0 ] || { show_output afterroll; fail "issue $N after the rollover exited $RC"; }
[ "$S0" = "$(zone_serial "$PRIMARY" "$ZONE")" ] || fail "issue after the rollover changed $ZONE"
[ "$(cat "$AD/account.url")" = "$URL" ] || fail "the account URL changed with the rollover: $(cat "$AD/account.url")"
ok "after an account key rollover ($URL kept) $N issues by its record, no UPDATE, no TSIG key"

run_acmeup list list -d "$N" --state-dir "$A" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output list; fail "list exited $RC"; }
grep -q "^$N  _validation-persist TXT \"$ISS; accounturi=$URL\"  (this account)$" "$TMP/list.out" ||
	{ show_output list; fail "list does not show the persist record of $N as this account's"; }
run_acmeup listj list -d "$N" --state-dir "$A" --out "$TMP/out" --json
[ "$RC" = 0 ] || { show_output listj; fail "list --json exited $RC"; }
python3 - "$TMP/listj.out" "$N" "$ISS; accounturi=$URL" <<'PY' || { show_output listj; fail "list --json: the persist record"; }
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if {"name": sys.argv[2], "value": sys.argv[3], "this_account": True} in r["persist"] else 1)
PY
ok "list shows the persist record, as this account's (text and --json)"

# --- first issuance publishes (--persist-publish), the second writes nothing ----
F=f$RANDOM$RANDOM.$ZONE
issue_serial first "$F" "$A" --persist-publish
[ "$RC" = 0 ] || { show_output first; fail "issue $F --persist-publish exited $RC"; }
[ "$(txt "_validation-persist.$F")" = "$want" ] ||
	fail "issue --persist-publish left '$(txt "_validation-persist.$F")' at _validation-persist.$F"
grep -q "^$F	$ISS; accounturi=$URL\$" "$A/persist" || fail "$A/persist does not note $F"
grep -q "answering dns-persist-01" "$TMP/first.err" || fail "the first issuance of $F did not answer dns-persist-01"
issue_serial second "$F" "$A"
[ "$RC" = 0 ] || { show_output second; fail "second issue of $F exited $RC"; }
[ -n "$S0" ] && [ "$S0" = "$S1" ] || fail "second issue of $F: serial $S0 -> $S1"
ok "the first issuance of $F published its record, the second left the serial at $S1"

# --- persistUntil --------------------------------------------------------------
U=u$RANDOM$RANDOM.$ZONE
run_acmeup persistu persist "$U" "${CA[@]}" --state-dir "$A" --persist-until 30d
[ "$RC" = 0 ] || { show_output persistu; fail "persist $U --persist-until 30d exited $RC"; }
until=$(txt "_validation-persist.$U" | sed -n 's/.*; persistUntil=\([0-9]*\)"$/\1/p')
now=$(date +%s)
[ -n "$until" ] && [ "$until" -ge $((now + 30 * 86400 - 60)) ] && [ "$until" -le $((now + 30 * 86400)) ] ||
	fail "_validation-persist.$U holds '$(txt "_validation-persist.$U")', want persistUntil=now+30d"
ok "persist --persist-until 30d: persistUntil=$until"

# --- cleanup leaves them --------------------------------------------------------
run_acmeup cleanup cleanup --state-dir "$A" --tsig-key "$TSIG_KEY" --resolver "$RESOLVER"
[ "$RC" = 0 ] || { show_output cleanup; fail "cleanup exited $RC"; }
[ "$(txt "_validation-persist.$N")" = "$want" ] || fail "cleanup removed the persist record of $N"
ok "cleanup leaves the persist record"

# --- wildcard ---------------------------------------------------------------------
W=w$RANDOM$RANDOM.$ZONE
run_acmeup persistw persist "*.$W" "${CA[@]}" --state-dir "$A"
[ "$RC" = 0 ] || { show_output persistw; fail "persist *.$W exited $RC"; }
[ "$(txt "_validation-persist.$W")" = "\"$ISS; accounturi=$URL; policy=wildcard\"" ] ||
	fail "_validation-persist.$W holds '$(txt "_validation-persist.$W")'"
issue_serial issuew "*.$W" "$A" --challenge dns-persist-01
[ "$RC" = 0 ] || { show_output issuew; fail "issue *.$W exited $RC"; }
[ "$S0" = "$S1" ] || fail "issue *.$W changed the serial $S0 -> $S1"
[ "$(cert_dns_sans "$TMP/out/_.$W/cert.pem")" = "*.$W" ] || fail "no certificate for *.$W"
ok "*.$W issued through policy=wildcard"

# --- another account, another CA: no match ----------------------------------------
for case in account ca; do
	M=$case$RANDOM$RANDOM.$ZONE
	run_acmeup "persist-$case" persist "$M" "${CA[@]}" --state-dir "$A"
	[ "$RC" = 0 ] || { show_output "persist-$case"; fail "persist $M exited $RC"; }
	if [ $case = account ]; then
		bad="$ISS; accounturi=${URL%/*}/someone-else"
		words="another account"
	else
		bad="other-ca.test; accounturi=$URL"
		words="another CA"
	fi
	printf 'server %s\nzone %s\nupdate delete _validation-persist.%s. TXT\nupdate add _validation-persist.%s. 60 TXT "%s"\nsend\n' \
		"$PRIMARY" "$ZONE" "$M" "$M" "$bad" | nsupdate -k "$TSIG_KEY" ||
		fail "nsupdate could not replace the record of $M"
	issue_serial "issue-$case" "$M" "$A" --challenge dns-persist-01
	[ "$RC" != 0 ] || fail "issue of $M by a record for $words succeeded"
	grep -q "no matching dns-persist-01 record" "$TMP/issue-$case.err" ||
		{ show_output "issue-$case"; fail "issue of $M: not the no-match error"; }
	run_acmeup "check-$case" dns-check "$M" --state-dir "$A" --tsig-key "$TSIG_KEY" \
		--resolver "$RESOLVER"
	grep -q "names $words" "$TMP/check-$case.out" ||
		{ show_output "check-$case"; fail "dns-check $M does not say the record names $words"; }
	grep -q "noted record is not served" "$TMP/check-$case.out" ||
		fail "dns-check $M does not say the noted record is gone"
	printf 'server %s\nzone %s\nupdate delete _validation-persist.%s. TXT\nsend\n' \
		"$PRIMARY" "$ZONE" "$M" | nsupdate -k "$TSIG_KEY" || true
	ok "a record naming $words is no match; dns-check says so"
done

# --- CNAME-delegated ---------------------------------------------------------------
C=wiki.$CONTOSO
run_acmeup persistc persist "$C" "${CA[@]}" --state-dir "$A" -v
[ "$RC" = 0 ] || { show_output persistc; fail "persist $C exited $RC"; }
[ "$(txt "wiki-persist.$ACME_ZONE")" = "$want" ] ||
	fail "wiki-persist.$ACME_ZONE holds '$(txt "wiki-persist.$ACME_ZONE")', want $want"
ok "persist $C followed the CNAME into $ACME_ZONE"
S0=$(zone_serial "$PRIMARY" "$ACME_ZONE")
run_acmeup issuec issue "${CA[@]}" -d "$C" --state-dir "$A" --out "$TMP/out" \
	--challenge dns-persist-01
[ "$RC" = 0 ] || { show_output issuec; fail "issue $C exited $RC"; }
[ "$S0" = "$(zone_serial "$PRIMARY" "$ACME_ZONE")" ] || fail "issue $C changed $ACME_ZONE"
ok "$C issued by dns-persist-01 through the CNAME, no UPDATE"

# --- account deactivate offers to take them away first ----------------------------
run_acmeup deact account deactivate "${NOKEY[@]}" --state-dir "$A"
[ "$RC" = 2 ] || { show_output deact; fail "account deactivate without --yes exited $RC, want 2"; }
grep -q "^$N  _validation-persist TXT" "$TMP/deact.err" && grep -q "persist NAME... --remove" "$TMP/deact.err" ||
	{ show_output deact; fail "account deactivate does not list the persist records and how to remove them"; }
ok "account deactivate lists the persist records and offers persist --remove"

ACMEUP_TEST_OPEN=$(acct_dir "$A" "$LAB_PEBBLE_URL")/account.key \
	run_acmeup deactyes account deactivate "${NOKEY[@]}" --state-dir "$A" --yes -v
[ "$RC" = 0 ] || { show_output deactyes; fail "account deactivate --yes exited $RC"; }
confined deactyes "$(acct_dir "$A" "$LAB_PEBBLE_URL")/account.key"

# --- remove: the account is gone; the notes and the TSIG key suffice ---------------
ACMEUP_TEST_OPEN=$TSIG_KEY run_acmeup remove persist "$N" "$F" "$U" "*.$W" "$C" --remove \
	--resolver "$RESOLVER" --tsig-key "$TSIG_KEY" --state-dir "$A" -v
[ "$RC" = 0 ] || { show_output remove; fail "persist --remove (no CA, account deactivated) exited $RC"; }
confined remove "$TSIG_KEY"
for o in "_validation-persist.$N" "_validation-persist.$F" "_validation-persist.$U" "_validation-persist.$W" "wiki-persist.$ACME_ZONE"; do
	[ -z "$(txt "$o")" ] || fail "$o still holds $(txt "$o")"
done
! grep -q "^$N	\|^$F	\|^\*\.$W	\|^$C	" "$A/persist" || fail "$A/persist still notes them: $(cat "$A/persist")"
ok "persist --remove, after the account's deactivation and without --server, took the records away and the notes (confined)"
# --- GSS-TSIG: its Kerberos process starts before the run is confined -------------
if [ -n "${GSS_ZONE:-}" ]; then
	G=g$RUN_TAG.$GSS_HOST
	GSS=(--gss --gss-keytab "$GSS_KEYTAB" --gss-principal "$GSS_PRINCIPAL")
	export KRB5_CONFIG=$GSS_KRB5_CONFIG KRB5RCACHETYPE=none KRB5CCNAME=FILE:$TMP/no-cache
	ACMEUP_TEST_OPEN=$GSS_KEYTAB run_acmeup gss persist "$G" "${NOKEY[@]}" "${GSS[@]}" \
		--state-dir "$TMP/state-gss" -v
	[ "$RC" = 0 ] || { show_output gss; fail "persist $G with GSS-TSIG exited $RC"; }
	confined gss "$GSS_KEYTAB"
	grep -q "privsep: Kerberos process [0-9]* holds the GSS-TSIG credentials" "$TMP/gss.err" ||
		{ show_output gss; fail "persist with GSS-TSIG: no Kerberos process"; }
	[ -n "$(txt "_validation-persist.$G")" ] || fail "persist $G with GSS-TSIG published nothing"
	ACMEUP_TEST_OPEN=$GSS_KEYTAB run_acmeup gssrm persist "$G" --remove --resolver "$RESOLVER" \
		"${GSS[@]}" --state-dir "$TMP/state-gss" -v
	[ "$RC" = 0 ] || { show_output gssrm; fail "persist --remove $G with GSS-TSIG exited $RC"; }
	confined gssrm "$GSS_KEYTAB"
	[ -z "$(txt "_validation-persist.$G")" ] || fail "_validation-persist.$G still holds $(txt "_validation-persist.$G")"
	ok "persist and persist --remove with GSS-TSIG, confined (the keytab: EACCES), through the Kerberos process"
fi

assert_no_challenge_records
ok "nothing left in the zones"
