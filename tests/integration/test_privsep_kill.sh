#!/usr/bin/env bash
# kill -9 of the keys process mid-run (issue 13): the main process says
# which process died of which signal, removes the records it published
# (signed by a keys process the files process starts from the key file,
# or, with a -y key or not root, the standby keys process, forked beside
# the first and idle until then: the sandboxed main process may not open
# the key file),
# writes no certificate, leaves no journal, and exits 1.
#  1. killed during the propagation wait, which then times out: the first
#     request after the death is the removal's TSIG signature; the same
#     with a -y key; with --no-sandbox (no standby), a new keys process
#     loads the key from its file;
#  2. killed during the wait, which then succeeds: the run stops before
#     the CA is asked to validate (no JWS is tried); the records still go.
#  3. acmeup itself killed (-9) during the wait, with a key file of its
#     own: its keys process dies with it; the next run's keys process loads
#     that key (the journal names it) and the record goes, and (strace,
#     where installed) no process but the keys process opened the file.
#  4. the same with `acmeup cleanup` as the next run; dns-check holds its
#     TSIG key in a keys process too;
#  5. account show, revoke and rollover: only their keys process opens
#     account.key; a rollover's new key is made and written there too
#     (and committed by the files process); each is confined as issue is;
#     revoke --cert-key: only the keys process opens the certificate's key;
#  6. the hooks process killed during the wait: the certificate stays, its
#     deploy hook fails naming the process and signal, exit 4;
#  7. the files process killed during the wait (as root): the run stops
#     before the CA validates, the record goes, nothing is written, exit 1.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"

# killed TAG NAME THEN ARGS...: issue NAME (with KEYARGS), SIGKILL the
# keys process during the propagation wait, then run THEN (a command), and
# reap acmeup into RC.
KEYARGS=(--tsig-key "$TSIG_KEY")
killed() {
	local tag=$1 name=$2 then=$3 pid keys
	shift 3
	"$ACMEUP" "${ISSUE[@]}" -d "$name" "${KEYARGS[@]}" \
		--state-dir "$TMP/$tag" --out "$TMP/$tag-out" -v "$@" \
		>"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	pid=$!
	TEST_PIDS+=("$pid")
	if ! wait_line "$TMP/$tag.err" "waiting for 2 authoritative servers" 30; then
		show_output "$tag"
		fail "$tag: acmeup never started waiting"
	fi
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$tag: no TXT on $PRIMARY during the wait"
	# the one that holds the keys (with -y, a standby waits beside it)
	keys=$(sed -n 's/.*privsep: keys process \([0-9]*\) holds the keys.*/\1/p' "$TMP/$tag.err")
	[ -n "$keys" ] && grep -qw "$keys" "/proc/$pid/task/$pid/children" ||
		fail "$tag: acmeup has no keys process"
	kill -KILL "$keys"
	$then
	RC=0
	wait "$pid" || RC=$?
	KEYS_PID=$keys
}

# after TAG NAME: what must hold after a run whose keys process was killed.
after() {
	local tag=$1 name=$2
	[ "$RC" = 1 ] || { show_output "$tag"; fail "$tag: exited $RC, want 1"; }
	grep -q "^acmeup: error: the keys process (pid $KEYS_PID) was killed by signal 9 (Killed); run stopped$" \
		"$TMP/$tag.err" || { show_output "$tag"; fail "$tag: no error line naming the keys process and signal 9"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$tag: the TXT of $name is still on $PRIMARY"
	[ -z "$(find "$TMP/$tag/journal" -type f 2>/dev/null)" ] ||
		fail "$tag: journal left: $(ls "$TMP/$tag/journal")"
	[ ! -e "$TMP/$tag-out/$name" ] || fail "$tag: a certificate directory was written"
	grep -q "lag.test: UPDATE deleting 1 TXT accepted by $PRIMARY (key acmeup-update" "$TMP/$tag.err" ||
		{ show_output "$tag"; fail "$tag: the removal was not signed with acmeup-update"; }
}

lab_lag never
NAME1=n$RANDOM$RANDOM.$LAG_ZONE
killed timeout "$NAME1" : --propagation-timeout 4
after timeout "$NAME1"
if [ "$(id -u)" = 0 ]; then
	# no standby: the files process started a keys process from the file
	grep -q "a new keys process (pid [0-9]*), started by the files process with the TSIG keys from their files, removes the records" \
		"$TMP/timeout.err" || { show_output timeout; fail "timeout: the files process started no keys process"; }
fi
ok "killed during a wait that timed out: exit 1, the record removed, nothing written"

# A -y key has no file to load again: the standby keys process removes it.
secret=$(sed -n 's/.*secret "\([^"]*\)".*/\1/p' "$TSIG_KEY")
alg=$(sed -n 's/.*algorithm \([a-z0-9-]*\);.*/\1/p' "$TSIG_KEY")
NAMEY=n$RANDOM$RANDOM.$LAG_ZONE
KEYARGS=(-y "$alg:acmeup-update:$secret")
killed ykey "$NAMEY" : --propagation-timeout 4
KEYARGS=(--tsig-key "$TSIG_KEY")
after ykey "$NAMEY"
grep -q "the standby keys process (pid [0-9]*), with every TSIG key, removes the records" "$TMP/ykey.err" ||
	{ show_output ykey; fail "ykey: the standby keys process did not take over"; }
ok "a -y key: after the death, the standby keys process removed the record"

NAMEN=n$RANDOM$RANDOM.$LAG_ZONE
killed nosandbox "$NAMEN" : --propagation-timeout 4 --no-sandbox
after nosandbox "$NAMEN"
grep -q "a new keys process, with the TSIG keys from their files only, removes the records" "$TMP/nosandbox.err" ||
	{ show_output nosandbox; fail "nosandbox: no new keys process loaded the key file"; }
ok "--no-sandbox: after the death, a new keys process loaded the key file and removed the record"

NAME2=n$RANDOM$RANDOM.$LAG_ZONE
killed proved "$NAME2" "lab_lag 0" --propagation-timeout 60
after proved "$NAME2"
grep -q "the keys process (pid $KEYS_PID) was killed by signal 9 (Killed); run stopped" "$TMP/proved.err" ||
	{ show_output proved; fail "proved: the run did not stop naming the keys process"; }
grep -q "JWS" "$TMP/proved.err" && { show_output proved; fail "proved: a JWS was tried after the death"; }
ok "killed during a wait that then succeeded: the run stopped before validation, exit 1, the record removed"

# --- 3. the journal's key goes to the next run's keys process ----------------
# dead_run TAG NAME KEYFILE: issue NAME with KEYFILE (state $TMP/TAG), kill -9
# acmeup during the wait; its keys process must die with it and the record
# stay. DEAD_PID: the killed acmeup.
dead_run() {
	local tag=$1 name=$2 key=$3 pid keys i
	lab_lag never
	"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$key" \
		--state-dir "$TMP/$tag" --out "$TMP/$tag-out" -v \
		>"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	pid=$!
	TEST_PIDS+=("$pid")
	wait_line "$TMP/$tag.err" "waiting for 2 authoritative servers" 30 ||
		{ show_output "$tag"; fail "$tag: acmeup never started waiting"; }
	keys=$(cat "/proc/$pid/task/$pid/children")
	[ -n "$keys" ] || fail "$tag: acmeup has no child"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	for k in $keys; do
		for ((i = 0; i < 50; i++)); do kill -0 "$k" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$k" 2>/dev/null && fail "$tag: the keys process $k outlived acmeup"
	done
	[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] ||
		fail "$tag: no TXT on $PRIMARY after kill -9"
	lab_lag 0
	DEAD_PID=$pid
}

# traced TAG ARGS...: acmeup ARGS under strace (open, openat) where
# installed, into TAG.out/TAG.err and $TMP/TAG.strace; sets RC.
traced() {
	local tag=$1 trace=()
	shift
	# LeakSanitizer cannot work under ptrace: leaks are not checked here.
	command -v strace >/dev/null &&
		trace=(env "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0" strace -f -qq
			-e "trace=open,openat" -o "$TMP/$tag.strace")
	RC=0
	timeout 120 "${trace[@]}" "$ACMEUP" "$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err" \
		</dev/null || RC=$?
}

# only_keys_opened TAG FILE [WHAT]: strace of TAG shows FILE opened (as a
# path, or, for a file under a directory descriptor, by its last
# component), by a process other than the first (main) one; a refused
# open (the test probe's) does not count.
only_keys_opened() {
	local main openers what="the journal's key file"
	[ -z "${3:-}" ] || what=$3
	if [ ! -f "$TMP/$1.strace" ]; then
		ok "(strace not installed: who opened the key file is not checked)"
		return
	fi
	main=$(awk '{ print $1; exit }' "$TMP/$1.strace")
	openers=$(grep -F -e "$2" -e "\"$(basename "$2")\"" "$TMP/$1.strace" |
		grep -v ' = -1 E' | awk '{ print $1 }' | sort -u)
	[ -n "$openers" ] || fail "$1: strace saw no open of $2"
	grep -qx "$main" <<<"$openers" && fail "$1: the main process ($main) opened $2"
	ok "$1: strace: only the keys process ($openers) opened $what, not the main one ($main)"
}

mkdir -m 0700 "$TMP/jkey"
install -m 0600 "$TSIG_KEY" "$TMP/jkey/update.key"
NAME3=n$RANDOM$RANDOM.$LAG_ZONE
dead_run dead "$NAME3" "$TMP/jkey/update.key"
NAME4=n$RANDOM$RANDOM.$ZONE
traced next "${ISSUE[@]}" -d "$NAME4" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/dead" --out "$TMP/dead-out" -v
[ "$RC" = 0 ] || { show_output next; fail "next: exited $RC"; }
grep -q "privsep: key acmeup-update from $TMP/jkey/update.key (a journal's) in the keys process" "$TMP/next.err" ||
	{ show_output next; fail "next: the keys process did not load the journal's key"; }
grep -q "1 record left by acmeup pid $DEAD_PID" "$TMP/next.err" ||
	{ show_output next; fail "next: the journal was not taken up"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME3")" ] ||
	fail "next: the TXT of $NAME3 is still on $PRIMARY"
ok "kill -9 of acmeup: its keys process died with it; the next run's keys process loaded the journal's key and the record went"
only_keys_opened next "$TMP/jkey/update.key"

# --- 4. acmeup cleanup, and dns-check, hold their keys the same way ----------
install -m 0600 "$TSIG_KEY" "$TMP/jkey/cleanup.key"
NAME5=n$RANDOM$RANDOM.$LAG_ZONE
dead_run dead2 "$NAME5" "$TMP/jkey/cleanup.key"
traced cleanup cleanup --state-dir "$TMP/dead2" -v
[ "$RC" = 0 ] || { show_output cleanup; fail "cleanup: exited $RC"; }
grep -q "privsep: key acmeup-update from $TMP/jkey/cleanup.key (a journal's) in the keys process" "$TMP/cleanup.err" ||
	{ show_output cleanup; fail "cleanup: the keys process did not load the journal's key"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME5")" ] ||
	fail "cleanup: the TXT of $NAME5 is still on $PRIMARY"
ok "cleanup: the keys process loaded the journal's key, the record went (exit 0)"
only_keys_opened cleanup "$TMP/jkey/cleanup.key"
run_acmeup check dns-check "n$RANDOM$RANDOM.$ZONE" --resolver "$RESOLVER" \
	--tsig-key "$TSIG_KEY" --state-dir "$TMP/check" -v
[ "$RC" = 0 ] || { show_output check; fail "dns-check: exited $RC"; }
grep -q "privsep: keys process [0-9]* holds the keys; this process [0-9]* none" "$TMP/check.err" ||
	{ show_output check; fail "dns-check: no keys process"; }
ok "dns-check: its TSIG key is in a keys process (exit 0)"

# --- 5. account and revoke: the account key only in the keys process -------
CAOPTS=(--server "$ACME_DIR" --ca-bundle "$ACME_CA_BUNDLE")
AD=$(acct_dir "$TMP/dead")
ACMEUP_TEST_OPEN=$AD/account.key traced acct account show "${CAOPTS[@]}" --state-dir "$TMP/dead" -v
[ "$RC" = 0 ] || { show_output acct; fail "account show: exited $RC"; }
only_keys_opened acct "$AD/account.key" account.key
confined acct "$AD/account.key"
ACMEUP_TEST_OPEN=$AD/account.key traced revoke revoke "${CAOPTS[@]}" --state-dir "$TMP/dead" \
	--cert "$TMP/dead-out/$NAME4/cert.pem" -v
[ "$RC" = 0 ] || { show_output revoke; fail "revoke: exited $RC"; }
only_keys_opened revoke "$AD/account.key" account.key
confined revoke "$AD/account.key"
old=$(sha256sum <"$AD/account.key")
ACMEUP_TEST_OPEN=$AD/account.key traced roll account rollover "${CAOPTS[@]}" --state-dir "$TMP/dead" -v
[ "$RC" = 0 ] || { show_output roll; fail "account rollover: exited $RC"; }
confined roll "$AD/account.key"
[ "$(sha256sum <"$AD/account.key")" != "$old" ] && [ ! -e "$AD/account.key.new" ] ||
	fail "account rollover: the key did not change, or account.key.new is left"
only_keys_opened roll "$AD/account.key" "the old key"
if [ -f "$TMP/roll.strace" ]; then # the new key: written (a temporary file) there
	main=$(awk '{ print $1; exit }' "$TMP/roll.strace")
	writers=$(grep -F 'account.key.new' "$TMP/roll.strace" | awk '{ print $1 }' | sort -u)
	[ -n "$writers" ] || fail "roll: strace saw no write of account.key.new"
	! grep -qx "$main" <<<"$writers" || fail "roll: the main process ($main) wrote account.key.new"
fi
NAME6=n$RANDOM$RANDOM.$ZONE
run_acmeup own "${ISSUE[@]}" -d "$NAME6" --tsig-key "$TSIG_KEY" --state-dir "$TMP/dead" \
	--out "$TMP/dead-out"
[ "$RC" = 0 ] || { show_output own; fail "issue $NAME6: exited $RC"; }
traced ownkey revoke "${CAOPTS[@]}" --state-dir "$TMP/nostate" \
	--cert "$TMP/dead-out/$NAME6/cert.pem" --cert-key "$TMP/dead-out/$NAME6/privkey.pem"
[ "$RC" = 0 ] || { show_output ownkey; fail "revoke --cert-key: exited $RC"; }
only_keys_opened ownkey "$TMP/dead-out/$NAME6/privkey.pem" "the certificate's key"
ok "account show, revoke (account key, and --cert-key) and rollover: exit 0, every key opened by the keys process alone; all but --cert-key without a state directory confined"

# --- 6. the hooks process killed mid-run ---------------------------------------
# child_killed TAG NAME WHAT ARGS...: issue NAME (state $TMP/TAG), held in
# the propagation wait; kill -9 its WHAT process ("hooks", "files"), as its
# -v line names it; then let the wait end. Sets RC and KILLED (the pid).
child_killed() {
	local tag=$1 name=$2 what=$3 pid
	shift 3
	lab_lag never
	"$ACMEUP" "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
		--state-dir "$TMP/$tag" --out "$TMP/$tag-out" -v \
		--propagation-timeout 60 "$@" >"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null &
	pid=$!
	TEST_PIDS+=("$pid")
	wait_line "$TMP/$tag.err" "waiting for 2 authoritative servers" 30 ||
		{ show_output "$tag"; fail "$tag: acmeup never started waiting"; }
	KILLED=$(sed -n "s/.*privsep: $what process \([0-9]*\) .*/\1/p" "$TMP/$tag.err")
	[ -n "$KILLED" ] && grep -qw "$KILLED" "/proc/$pid/task/$pid/children" ||
		fail "$tag: acmeup has no $what process"
	kill -KILL "$KILLED"
	lab_lag 0
	RC=0
	wait "$pid" || RC=$?
}

# The certificate is stored, its deploy hook fails naming the hooks process
# and signal 9, nothing else runs the hook, the zone is clean, exit 4.
NAMEH=n$RANDOM$RANDOM.$LAG_ZONE
child_killed hk "$NAMEH" hooks --deploy-hook "touch '$TMP/hk-ran'"
hooks=$KILLED
[ "$RC" = 4 ] || { show_output hk; fail "hk: exited $RC, want 4 (a deploy hook failed)"; }
grep -q "deploy hook for $NAMEH: the hooks process $hooks was killed by signal 9 (Killed)" "$TMP/hk.err" ||
	{ show_output hk; fail "hk: no message naming the hooks process and signal 9"; }
openssl x509 -in "$TMP/hk-out/$NAMEH/cert.pem" -noout -checkend 0 >/dev/null ||
	fail "hk: no valid certificate stored"
[ ! -e "$TMP/hk-ran" ] || fail "hk: the deploy hook ran after all"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAMEH")" ] ||
	fail "hk: the TXT of $NAMEH is still on $PRIMARY"
ok "hooks process killed: exit 4 naming it and signal 9, the certificate stored, the hook not run, the zone clean"

# --- 7. the files process killed mid-run (as root) -------------------------
# Nothing can be stored any more: the run stops before the CA validates,
# removes the record, names the process and signal, and exits 1; no
# certificate is written. The journal it could not remove names a record
# already gone: the next run finds nothing to remove.
if [ "$(id -u)" = 0 ]; then
	NAMEF=n$RANDOM$RANDOM.$LAG_ZONE
	child_killed fk "$NAMEF" files
	files=$KILLED
	[ "$RC" = 1 ] || { show_output fk; fail "fk: exited $RC, want 1"; }
	grep -q "^acmeup: error: the files process (pid $files) was killed by signal 9 (Killed); run stopped$" "$TMP/fk.err" ||
		{ show_output fk; fail "fk: no error line naming the files process and signal 9"; }
	! grep -q "challenges answered" "$TMP/fk.err" ||
		{ show_output fk; fail "fk: the CA was still asked to validate"; }
	[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAMEF")" ] ||
		fail "fk: the TXT of $NAMEF is still on $PRIMARY"
	[ ! -e "$TMP/fk-out/$NAMEF" ] || fail "fk: a certificate directory was written"
	"$ACMEUP" cleanup --state-dir "$TMP/fk" --resolver "$RESOLVER" >"$TMP/fk2.out" 2>"$TMP/fk2.err" ||
		{ show_output fk2; fail "fk: cleanup after it failed"; }
	[ -z "$(find "$TMP/fk/journal" -name '*.journal' 2>/dev/null)" ] ||
		fail "fk: cleanup left the journal"
	ok "files process killed: the run stopped before validation, exit 1 naming it and signal 9, the record removed, nothing written; cleanup then removed the journal"
fi
