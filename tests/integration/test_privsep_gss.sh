#!/usr/bin/env bash
# Privilege separation with GSS-TSIG (issue 13), against the lab's Kerberos
# zone: the credentials and contexts live in a Kerberos process of their
# own, so that the main process is confined as in an HMAC run.
#  1. During a run (ns2 held): the main process's children are the keys,
#     hooks, files, Kerberos and standby Kerberos processes (no TSIG key:
#     no standby keys process); the
#     main process runs as acmeup or nobody under seccomp, cannot open the
#     keytab (the test build's probe) nor has a descriptor to it; the
#     Kerberos process keeps the invoking user, runs under seccomp and has
#     one socket, whose peer is the main process's.
#     Then the run ends well: certificate, hook, zone clean, and both
#     Kerberos processes end at EOF (no other child keeps their sockets).
#  2. The Kerberos process killed during the wait: the run stops before
#     the CA validates (exit 1, naming the process and signal), the standby
#     acquires the credentials again, makes a new context and removes the
#     record; no certificate, no journal left.
#  3. The main process killed during the wait: `acmeup cleanup`, confined
#     too (its probe cannot open the keytab), removes the record through
#     the Kerberos process it starts for the journal's credentials.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${GSS_ZONE:-}" ] || fail "the lab has no Kerberos zone (old lab? tests/lab/lab start)"
command -v ss >/dev/null || fail "ss (iproute2) is needed"
export KRB5_CONFIG=$GSS_KRB5_CONFIG KRB5RCACHETYPE=none KRB5CCNAME=FILE:$TMP/no-cache
GSS=(--gss --gss-keytab "$GSS_KEYTAB" --gss-principal "$GSS_PRINCIPAL")
TEST_CLEANUP_EXTRA=resume_ns2
root=0
[ "$(id -u)" = 0 ] && root=1

fds() { for f in /proc/"$1"/fd/*; do readlink "$f" || true; done; }
status_is() { grep -q "^$2:[[:space:]]*$3\$" "/proc/$1/status"; }


# --- 1. the processes of a GSS-TSIG run ----------------------------------------
NAME=p$RUN_TAG.$GSS_HOST
ACMEUP_TEST_OPEN=$GSS_KEYTAB gss_held run "$NAME" "$TMP/state" --deploy-hook "touch $TMP/hook-ran"
pid=$PID
krb=$(sed -n 's/.*privsep: Kerberos process \([0-9]*\) holds the GSS-TSIG credentials (standby \([0-9]*\)).*/\1 \2/p' "$TMP/run.err")
read -r kp ks <<<"$krb"
[ -n "$kp" ] && [ -n "$ks" ] && [ "$ks" != 0 ] || { resume_ns2; show_output run; fail "no Kerberos process and standby said"; }
children=$(tr ' ' '\n' <"/proc/$pid/task/$pid/children" | grep -c . || true)
want=4 # Kerberos, its standby, keys (no TSIG key: no standby), hooks
[ "$root" = 1 ] && want=5 # the files process
grep -qw "$kp" "/proc/$pid/task/$pid/children" && grep -qw "$ks" "/proc/$pid/task/$pid/children" &&
	[ "$children" = "$want" ] ||
	{ resume_ns2; show_output run; fail "children of $pid: $(cat "/proc/$pid/task/$pid/children"), want $want with $kp and $ks"; }
for p in "$pid" "$kp"; do
	status_is "$p" Seccomp 2 && status_is "$p" NoNewPrivs 1 ||
		{ resume_ns2; fail "process $p: $(grep -e Seccomp: -e NoNewPrivs: "/proc/$p/status" | tr '\n' ' ')"; }
done
if [ "$root" = 1 ]; then
	user=$(id -u acmeup 2>/dev/null || id -u nobody)
	grep -q "^Uid:[[:space:]]*${user}[[:space:]]" "/proc/$pid/status" ||
		{ resume_ns2; fail "main process: $(grep Uid: "/proc/$pid/status"), want $user"; }
	grep -q "^Uid:[[:space:]]*0[[:space:]]" "/proc/$kp/status" ||
		{ resume_ns2; fail "Kerberos process: $(grep Uid: "/proc/$kp/status"), want root"; }
fi
kfds=$(fds "$kp")
[ "$(grep -c '^socket:' <<<"$kfds")" = 1 ] || { resume_ns2; fail "Kerberos process sockets: $kfds"; }
inode=$(sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' <<<"$kfds")
peer=$(ss -xpn | awk -v i="$inode" '$6 == i { print $8 }')
[ -n "$peer" ] && fds "$pid" | grep -qx "socket:\[$peer\]" ||
	{ resume_ns2; fail "the peer of the Kerberos process's socket ($inode) is not in the main process"; }
fds "$pid" | grep -qF "$GSS_KEYTAB" && { resume_ns2; fail "the main process has the keytab open"; }
grep -qxF "test: open $GSS_KEYTAB: Permission denied" <(cut -c13- "$TMP/run.err") ||
	{ resume_ns2; show_output run; fail "the main process could open $GSS_KEYTAB (or no probe ran)"; }
ok "main process $pid: uid ${user:-$(id -u)}, seccomp, cannot open the keytab (EACCES); Kerberos process $kp (standby $ks): uid $(id -u), seccomp, one socket to the main process"
resume_ns2
RC=0
wait "$pid" || RC=$?
[ "$RC" = 0 ] || { show_output run; fail "the GSS-TSIG run exited $RC"; }
[ "$(cert_dns_sans "$TMP/out-run/$NAME/cert.pem")" = "$NAME" ] || fail "no certificate for $NAME"
grep -q "dns: $GSS_ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY (key GSS-TSIG $GSS_PRINCIPAL" "$TMP/run.err" ||
	{ show_output run; fail "the record was not removed with GSS-TSIG"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] || fail "the TXT of $NAME is still on $PRIMARY"
[ -e "$TMP/hook-ran" ] || fail "the deploy hook did not run"
grep -q "did not end at EOF" "$TMP/run.err" &&
	{ show_output run; fail "a Kerberos process outlived the run's end (a socket kept open elsewhere)"; }
ok "the confined GSS-TSIG run issued for $NAME, ran its hook and left the zone clean; the Kerberos processes ended at EOF"

# --- 2. the Kerberos process killed ---------------------------------------------
NAME=k$RUN_TAG.$GSS_HOST
ACMEUP_TEST_OPEN=$GSS_KEYTAB gss_held kill "$NAME" "$TMP/state2"
pid=$PID
read -r kp ks <<<"$(sed -n 's/.*privsep: Kerberos process \([0-9]*\) holds the GSS-TSIG credentials (standby \([0-9]*\)).*/\1 \2/p' "$TMP/kill.err")"
[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] || { resume_ns2; fail "no TXT published for $NAME"; }
kill -KILL "$kp"
resume_ns2
RC=0
wait "$pid" || RC=$?
[ "$RC" = 1 ] || { show_output kill; fail "the Kerberos process killed: exit $RC, want 1"; }
grep -q "error: the Kerberos process (pid $kp) was killed by signal 9 (Killed); run stopped" "$TMP/kill.err" ||
	{ show_output kill; fail "the death is not said naming the process and signal"; }
grep -q "the standby Kerberos process (pid $ks) acquires the credentials again" "$TMP/kill.err" ||
	{ show_output kill; fail "the standby did not take over"; }
grep -q "dns: $GSS_ZONE: UPDATE deleting 1 TXT accepted by $PRIMARY (key GSS-TSIG $GSS_PRINCIPAL" "$TMP/kill.err" ||
	{ show_output kill; fail "the standby did not remove the record"; }
grep -q "acme: .*validat" "$TMP/kill.err" && grep -q "asking the CA to validate" "$TMP/kill.err" &&
	{ show_output kill; fail "the CA was asked to validate after the death"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] || fail "the TXT of $NAME is still on $PRIMARY"
[ ! -e "$TMP/out-kill/$NAME/cert.pem" ] || fail "a certificate was written after the death"
[ -z "$(ls "$TMP/state2/journal/" 2>/dev/null)" ] || fail "journals left: $(ls "$TMP/state2/journal/")"
ok "Kerberos process $kp killed: exit 1 naming it, the standby $ks made a new context and removed the record; no certificate, no journal"

# --- 3. cleanup, confined, through a Kerberos process ----------------------------
NAME=c$RUN_TAG.$GSS_HOST
ACMEUP_TEST_OPEN=$GSS_KEYTAB gss_held dead "$NAME" "$TMP/state3"
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
resume_ns2
[ -n "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] || fail "no TXT on $PRIMARY after kill -9"
ACMEUP_TEST_OPEN=$GSS_KEYTAB run_acmeup cleanup cleanup --state-dir "$TMP/state3" -vv
[ "$RC" = 0 ] || { show_output cleanup; fail "cleanup exited $RC"; }
grep -q "1 challenge record found in journals under $TMP/state3, 1 removed, 0 left" "$TMP/cleanup.out" ||
	{ show_output cleanup; fail "cleanup did not report 1 record removed"; }
grep -q "privsep: Kerberos process [0-9]* holds the GSS-TSIG credentials" "$TMP/cleanup.err" ||
	{ show_output cleanup; fail "cleanup started no Kerberos process"; }
grep -qxF "test: open $GSS_KEYTAB: Permission denied" <(cut -c13- "$TMP/cleanup.err") ||
	{ show_output cleanup; fail "cleanup's main process could open $GSS_KEYTAB (not confined)"; }
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] || fail "the TXT of $NAME is still on $PRIMARY"
ok "cleanup, confined (no keytab), removed the journal's record through its Kerberos process"
assert_no_challenge_records
