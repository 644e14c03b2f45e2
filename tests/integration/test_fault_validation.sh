#!/usr/bin/env bash
# Validation fails because the CA's view differs from acmeup's; the CA's own
# reason must reach the user, the records must be removed, and the
# certificate issued before must stay as it was.
#  1. a wrong CNAME target: --challenge-alias sends NAME's TXT to
#     wrong-NAME in acme-challenges.contoso.test, but DNS has no CNAME at
#     _acme-challenge.NAME: acmeup sees its record at the target, the CA
#     finds nothing at the real name;
#  2. the record removed behind acmeup's back: a pebble whose VA waits
#     (PEBBLE_VA_SLEEPTIME=10, a random 0-9 s) validates after the record
#     was deleted with nsupdate the moment acmeup said "challenges
#     answered". When the VA happens to wait 0 s it may still see the
#     record: then the run succeeds and is tried again (3 times at most).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"


# first NAME: a certificate for NAME in $TMP/out to protect; sets BEFORE.
first() {
	run_acmeup "first-$1" "${ISSUE[@]}" -d "$1" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state" --out "$TMP/out" --ttl 1
	[ "$RC" = 0 ] || { show_output "first-$1"; fail "first issue of $1 exited $RC"; }
	BEFORE=$(snapshot "$TMP/out")
	sleep 2 # the resolver's copy of the TXT (TTL 1) expires
}

# failed TAG NAME: the run TAG exited 1 with the CA's reason in its last
# line (pebble: "Error retrieving TXT records for DNS challenge (DNS lookup
# for _acme-challenge.NAME returned ...)" on NXDOMAIN), and $TMP/out is as
# before.
failed() {
	local last
	[ "$RC" = 1 ] || { show_output "$1"; fail "$1: exit $RC, want 1"; }
	last=$(tail -n 1 "$TMP/$1.err")
	case $last in
	*"validation of $2 failed: unauthorized: "*"TXT records for DNS challenge"*"_acme-challenge.$2"*) ;;
	*) show_output "$1"; fail "$1: the CA's reason is not shown: $last" ;;
	esac
	[ "$(snapshot "$TMP/out")" = "$BEFORE" ] || fail "$1: the certificate directory changed"
	ok "$1: $last"
}

# --- 1. wrong CNAME target -------------------------------------------------------
name=n$RANDOM$RANDOM.$ZONE
target=wrong-$name.$ACME_ZONE
first "$name"
run_acmeup alias "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state-alias" --out "$TMP/out" --ttl 1 \
	--challenge-alias "$name=$target" -v
grep -q "UPDATE adding 1 TXT accepted" "$TMP/alias.err" ||
	{ show_output alias; fail "alias: the TXT at $target was never written"; }
failed alias "$name"
[ -z "$(zone_txt "$PRIMARY" "$target")" ] || fail "alias: the TXT at $target is still there"

# --- 2. removed behind acmeup's back -------------------------------------------
lab_pebble_up slowva2 127.53.0.5 PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=10
done_removed=
for try in 1 2 3; do
	name=n$RANDOM$RANDOM.$ZONE
	first "$name"
	tag=removed$try
	: >"$TMP/$tag.err"
	"$ACMEUP" "${ISSUE[@]}" --server "$LAB_PEBBLE_URL" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/state-$tag" --out "$TMP/out" --ttl 1 -v \
		>"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q "challenges answered" "$TMP/$tag.err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "challenges answered" "$TMP/$tag.err" ||
		{ kill "$pid" 2>/dev/null; wait "$pid" || true; show_output "$tag"; fail "$tag: never answered the challenges"; }
	printf 'server %s\nzone %s\nupdate delete _acme-challenge.%s. TXT\nsend\n' \
		"$PRIMARY" "$ZONE" "$name" | nsupdate -k "$TSIG_KEY" ||
		fail "$tag: nsupdate could not delete the record"
	RC=0
	wait "$pid" || RC=$?
	if [ "$RC" = 0 ]; then
		ok "$tag: the CA validated before the record was gone; again"
		continue
	fi
	failed "$tag" "$name"
	done_removed=1
	break
done
[ -n "$done_removed" ] || fail "the CA validated before the deletion 3 times"

assert_no_challenge_records
ok "no challenge records left in any zone"
