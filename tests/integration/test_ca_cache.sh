#!/usr/bin/env bash
# The CA's resolver (the lab's unbound, as a real one) keeps the TXT of
# _acme-challenge.NAME for the record's TTL after a validation (issue 14):
# acmeup notes each validation in STATE/challenges and, before the next one
# of the same name, waits out what the CA may still cache.
#  1. issue NAME with --ttl 4, then at once again from the same state
#     directory: the second run waits ("acme: waiting N s: ...") before it
#     answers the challenge, and succeeds;
#  2. the same at once from a fresh state directory (no record): the CA
#     meets its cached older answer and the order fails, as before this
#     feature; a retry from that state directory then waits and succeeds;
#  3. a TTL longer than acmeup waits (300 s): the next run fails the
#     certificate before publishing anything, saying when a retry works;
#  4. SIGINT during the wait: ends it at once, records removed.
# Pebble reuses a valid authorization for the same account (at random):
# then there is no challenge and nothing to wait for. Where a run must
# validate again, the account key is removed first (a new account; the
# record in STATE/challenges stays).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# issue TAG STATE NAME [ARGS...]: run_acmeup TAG issuing NAME into $TMP/out.
issue() {
	local tag=$1 state=$2 name=$3
	shift 3
	run_acmeup "$tag" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$state" --out "$TMP/out" "$@"
}

# good TAG NAME: TAG exited 0 with a certificate for NAME.
good() {
	[ "$RC" = 0 ] || { show_output "$1"; fail "$1: exit $RC, want 0"; }
	[ "$(cert_dns_sans "$TMP/out/$2/cert.pem")" = "$2" ] ||
		fail "$1: the certificate is not for $2"
}

# stamp TAG PATTERN: the elapsed seconds (whole) of TAG's first stderr
# line matching PATTERN, or "".
stamp() {
	grep -m 1 -- "$2" "$TMP/$1.err" | sed -n 's/^\[ *\([0-9]*\)\.[0-9]*s\].*/\1/p'
}

# waited TAG NAME TTL: TAG said it waited for NAME's record (TTL TTL), at
# most TTL + 1 s, and answered the challenges only after that; sets WAITED.
waited() {
	local line w at answered
	line=$(grep -m 1 "acme: waiting [0-9]* s: the CA may still cache the previous record at _acme-challenge.$2 (TTL $3 s)" \
		"$TMP/$1.err") || { show_output "$1"; fail "$1: no wait for _acme-challenge.$2"; }
	w=$(sed -n 's/.*acme: waiting \([0-9]*\) s:.*/\1/p' <<<"$line")
	if [ "$w" -lt 1 ] || [ "$w" -gt $(($3 + 1)) ]; then
		show_output "$1"
		fail "$1: waited $w s, want 1..$(($3 + 1))"
	fi
	at=$(stamp "$1" "acme: waiting")
	answered=$(stamp "$1" "challenges answered")
	if [ -z "$answered" ] || [ $((answered - at)) -lt $((w - 1)) ]; then
		show_output "$1"
		fail "$1: answered the challenge at ${answered:-never} s, the $w s wait began at $at s"
	fi
	WAITED=$w
}

# --- 1. the same name again within the TTL ------------------------------------
name=again-$RUN_TAG.$ZONE
issue first "$TMP/s1" "$name" --ttl 4
good first "$name"
grep -Eq "^[0-9]+ 4 _acme-challenge\.$name _acme-challenge\.$name\$" "$TMP/s1/challenges" ||
	fail "first: no record of the validation in $TMP/s1/challenges: $(cat "$TMP/s1/challenges" 2>&1)"
[ "$(file_mode "$TMP/s1/challenges")" = 600 ] || fail "challenges is mode $(file_mode "$TMP/s1/challenges")"
rm "$(acct_dir "$TMP/s1")/account.key"
start=$SECONDS
issue again "$TMP/s1" "$name" --ttl 4
good again "$name"
if ! grep -q "acme: waiting" "$TMP/again.err" && [ $((SECONDS - start)) -ge 6 ]; then
	# The TTL had passed before the run got to the challenge.
	printf 'note %s: the second run took %s s, past the TTL; the wait not checked\n' \
		"$TEST_NAME" $((SECONDS - start)) >&2
else
	waited again "$name" 4
	ok "again within the TTL: waited $WAITED s, then validated; exit 0"
fi

# --- 2. no record: the CA's cached answer; the retry waits --------------------
name=fresh-$RUN_TAG.$ZONE
issue cached "$TMP/s2" "$name" --ttl 8
good cached "$name"
start=$SECONDS
issue norecord "$TMP/s3" "$name" --ttl 8
if [ "$RC" = 0 ] && [ $((SECONDS - start)) -ge 7 ]; then
	# The CA's copy had expired: the machine was too slow to show it.
	printf 'note %s: the run without a record took %s s, past the TTL; not checked\n' \
		"$TEST_NAME" $((SECONDS - start)) >&2
else
	[ "$RC" = 1 ] || { show_output norecord; fail "norecord: exit $RC, want 1 (the CA's cached answer)"; }
	last=$(tail -n 1 "$TMP/norecord.err")
	case $last in
	*"validation of $name failed: unauthorized: "*"a cached older answer"*) ;;
	*) show_output norecord; fail "norecord: not the CA's cached answer: $last" ;;
	esac
	! grep -q "acme: waiting" "$TMP/norecord.err" || fail "norecord: waited without a record"
	ok "without a record: $last"
	issue retry "$TMP/s3" "$name" --ttl 8
	good retry "$name"
	waited retry "$name" 8
	ok "the retry from the failed run's state directory waited $WAITED s, then validated"
fi

# --- 3. longer than acmeup waits: fail before publishing ----------------------
name=long-$RUN_TAG.$ZONE
issue long "$TMP/s4" "$name" --ttl 400
good long "$name"
rm "$(acct_dir "$TMP/s4")/account.key"
before=$(snapshot "$TMP/out/$name")
serial=$(zone_serial "$PRIMARY" "$ZONE")
issue late "$TMP/s4" "$name"
[ "$RC" = 1 ] || { show_output late; fail "late: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/late.err")
case $last in
*"the CA may still cache the previous TXT record at _acme-challenge.$name (TTL 400 s) for "*" s, longer than acmeup waits (300 s): retry after 2"*" UTC"*) ;;
*) show_output late; fail "late: not the message: $last" ;;
esac
! grep -q "UPDATE adding" "$TMP/late.err" || { show_output late; fail "late: published a record"; }
[ "$(zone_serial "$PRIMARY" "$ZONE")" = "$serial" ] || fail "late: the zone changed"
[ "$(snapshot "$TMP/out/$name")" = "$before" ] || fail "late: the certificate changed"
ok "TTL 400: $last"

# --- 4. SIGINT during the wait --------------------------------------------------
name=sig-$RUN_TAG.$ZONE
issue sigfirst "$TMP/s5" "$name" --ttl 20
good sigfirst "$name"
rm "$(acct_dir "$TMP/s5")/account.key"
"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" --state-dir "$TMP/s5" \
	--out "$TMP/out" --ttl 20 >"$TMP/sig.out" 2>"$TMP/sig.err" </dev/null &
pid=$!
if ! wait_line "$TMP/sig.err" "acme: waiting" 30; then
	kill -KILL "$pid" 2>/dev/null || true
	show_output sig
	fail "sig: acmeup never started waiting"
fi
kill -INT "$pid"
for ((i = 0; i < 50; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	show_output sig
	fail "sig: still waiting 5 s after SIGINT"
fi
rc=0
wait "$pid" || rc=$?
[ "$rc" != 0 ] || { show_output sig; fail "sig: exit 0 after SIGINT"; }
grep -q "interrupted by SIGINT" "$TMP/sig.err" || { show_output sig; fail "sig: no 'interrupted by SIGINT'"; }
! grep -q "challenges answered" "$TMP/sig.err" || { show_output sig; fail "sig: answered the challenge"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "sig: the TXT is still on $PRIMARY"
[ -z "$(find "$TMP/s5/journal" -type f 2>/dev/null)" ] || fail "sig: journal files left"
ok "SIGINT during the wait: exit $rc within 5 s, record removed"

assert_no_challenge_records
ok "no challenge records left in any zone"
