#!/usr/bin/env bash
# Privilege separation (issue 13), seen from /proc during a run: while
# acmeup waits for a lagging secondary (the records published), its
# children are the keys process, the hooks process and, as root, the files
# process (which would start a keys process again from the key file), else
# a standby keys process. The keys process has no descriptor but
# /dev/null, stderr and one socket, whose peer is in the main process; the
# files process the same, and runs as root; the main and keys processes
# run under a seccomp filter with no_new_privs (Seccomp: 2, NoNewPrivs:
# 1), as acmeup or nobody when started as root; none has a descriptor to
# the TSIG key file or the account key. The main process cannot open the
# TSIG key file nor execute anything (another user, Landlock and seccomp;
# the test build's probes ACMEUP_TEST_OPEN, ACMEUP_TEST_EXEC), yet reads
# a --ca-bundle of mode 0600 (a copy made as root). The main process's
# memory holds neither the TSIG secret nor the account key's private
# scalar, and the keys process's does (the scan can find them). Then the
# run ends well and leaves the zone clean; the deploy hook ran from the
# hooks process, with no filter, and wrote outside the state and output
# directories. --no-sandbox keeps the keys process but installs no filter,
# and the probes succeed there. dns-check is confined the same way.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
command -v ss >/dev/null || fail "ss (iproute2) is needed"
STATE=$TMP/state
NAME=n$RANDOM$RANDOM.$LAG_ZONE


# fds PID: "target" of every descriptor, one a line.
fds() { for f in /proc/"$1"/fd/*; do readlink "$f" || true; done; }

# The hook says where it ran: uid, filter, and a file outside STATE and out.
HOOK='{ id -u; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; } >"$HOOK_OUT"'
export HOOK_OUT=$TMP/hook.txt
# A CA bundle only root may read: the main process, another user by then,
# reads a copy in memory.
install -m 0600 "$ACME_CA_BUNDLE" "$TMP/ca.pem"
lab_lag never
ACMEUP_TEST_OPEN=$TSIG_KEY ACMEUP_TEST_EXEC=/bin/true \
"$ACMEUP" "${ISSUE[@]}" --ca-bundle "$TMP/ca.pem" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out" -v --propagation-timeout 60 \
	--deploy-hook "$HOOK" >"$TMP/run.out" 2>"$TMP/run.err" </dev/null &
pid=$!
TEST_PIDS+=("$pid")
if ! wait_line "$TMP/run.err" "waiting for 2 authoritative servers" 30; then
	show_output run
	fail "acmeup never started waiting"
fi
keys=$(sed -n 's/.*privsep: keys process \([0-9]*\) holds the keys.*/\1/p' "$TMP/run.err")
standby=$(sed -n 's/.*privsep: standby keys process \([0-9]*\),.*/\1/p' "$TMP/run.err")
hooks=$(sed -n 's/.*privsep: hooks process \([0-9]*\) runs.*/\1/p' "$TMP/run.err")
files=$(sed -n 's/.*privsep: files process \([0-9]*\) writes.*/\1/p' "$TMP/run.err")
root=0
[ "$(id -u)" = 0 ] && root=1
[ "$root" = 1 ] && [ -z "$files" ] && fail "run as root, but no files process"
if [ "$root" = 1 ]; then
	[ -z "$standby" ] || fail "run as root with a key file, yet a standby keys process ($standby)"
	grep -q "privsep: no standby keys process: the files process starts one again from the 1 TSIG key files" \
		"$TMP/run.err" || fail "run as root: the key file was not left to the files process"
else
	[ -n "$standby" ] || fail "not root: no standby keys process"
fi
want=$(printf '%s\n' "$keys" $standby "$hooks" $files | sort -n | tr '\n' ' ')
have=$(tr ' ' '\n' <"/proc/$pid/task/$pid/children" | grep . | sort -n | tr '\n' ' ')
[ -n "$keys" ] && [ -n "$hooks" ] && [ "$want" = "$have" ] ||
	fail "acmeup ($pid) children '$have', want keys, hooks and files (or standby) processes '$want'"
ok "main process $pid; keys process $keys, hooks process $hooks, files process ${files:-none}, standby ${standby:-none}"

# --- descriptors --------------------------------------------------------------
kfds=$(fds "$keys")
ksock=$(grep -c '^socket:' <<<"$kfds" || true)
[ "$ksock" = 1 ] || fail "keys process: $ksock sockets, want 1: $kfds"
other=$(grep -v -e '^socket:' -e '^/dev/null$' -e "^$TMP/run.err\$" <<<"$kfds" || true)
[ -z "$other" ] || fail "keys process has other descriptors: $other"
inode=$(sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' <<<"$kfds")
# ss -x: the unix socket's own inode and its peer's; the peer is the main's.
peer=$(ss -xpn | awk -v i="$inode" '$6 == i { print $8 }')
[ -n "$peer" ] || fail "keys process socket $inode is no connected unix socket"
fds "$pid" | grep -qx "socket:\[$peer\]" ||
	fail "the peer of the keys process's socket ($peer) is not in the main process"
ok "keys process: /dev/null, stderr and one unix socket, whose peer is the main process's"
if [ -n "$files" ]; then
	ffds=$(fds "$files")
	[ "$(grep -c '^socket:' <<<"$ffds")" = 1 ] ||
		fail "files process: sockets: $ffds"
	other=$(grep -v -e '^socket:' -e '^/dev/null$' -e "^$TMP/run.err\$" <<<"$ffds" || true)
	[ -z "$other" ] || fail "files process has other descriptors between requests: $other"
	inode=$(sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' <<<"$ffds")
	peer=$(ss -xpn | awk -v i="$inode" '$6 == i { print $8 }')
	[ -n "$peer" ] && fds "$pid" | grep -qx "socket:\[$peer\]" ||
		fail "the peer of the files process's socket ($inode) is not in the main process"
	ok "files process: stderr and one unix socket, whose peer is the main process's"
fi
for p in "$pid" "$keys" $files; do
	if fds "$p" | grep -qF -e "$(realpath "$TSIG_KEY")" -e "account.key"; then
		fail "process $p has a descriptor to a key file: $(fds "$p" | tr '\n' ' ')"
	fi
done
ok "no process has a descriptor to $TSIG_KEY or account.key"

# --- seccomp ------------------------------------------------------------------
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$keys/status" ||
	fail "keys process: $(grep Seccomp: "/proc/$keys/status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$keys/status" ||
	fail "keys process: $(grep NoNewPrivs "/proc/$keys/status")"
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$pid/status" ||
	fail "main process: $(grep Seccomp: "/proc/$pid/status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status" ||
	fail "main process: $(grep NoNewPrivs "/proc/$pid/status")"
grep -q '^Seccomp:[[:space:]]*0$' "/proc/$hooks/status" ||
	fail "hooks process: $(grep Seccomp: "/proc/$hooks/status"), want none"
if [ "$root" = 1 ]; then
	user=$(id -u acmeup 2>/dev/null || id -u nobody)
	for p in "$keys" "$pid"; do
		grep -q "^Uid:[[:space:]]*${user}[[:space:]]*${user}[[:space:]]*${user}[[:space:]]*${user}\$" \
			"/proc/$p/status" || fail "process $p: $(grep Uid: "/proc/$p/status"), want $user"
		grep -q '^Groups:[[:space:]]*$' "/proc/$p/status" ||
			fail "process $p: $(grep Groups: "/proc/$p/status")"
	done
	grep -q '^Uid:[[:space:]]*0[[:space:]]' "/proc/$files/status" &&
		grep -q '^Seccomp:[[:space:]]*2$' "/proc/$files/status" ||
		fail "files process: $(grep -e Uid: -e Seccomp: "/proc/$files/status" | tr '\n' ' '), want root and a filter"
	ok "Seccomp: 2 and no_new_privs in both processes, none in the hooks process; the keys and main processes run as uid $user, no groups; the files process as root, with a filter"
else
	ok "Seccomp: 2 and no_new_privs in both processes, none in the hooks process"
fi
# The test build's probes, run once the main process is sandboxed.
grep -qxF "test: open $TSIG_KEY: Permission denied" <(cut -c13- "$TMP/run.err") ||
	{ show_output run; fail "the main process could open $TSIG_KEY (or no probe ran: a build without ACMEUP_TEST_HOOKS?)"; }
grep -qxF "test: exec /bin/true: Permission denied" <(cut -c13- "$TMP/run.err") ||
	{ show_output run; fail "the main process could execute /bin/true"; }
ok "the main process cannot open $TSIG_KEY (EACCES) nor execute /bin/true"

# --- memory -------------------------------------------------------------------
secret=$(sed -n 's/.*secret "\([^"]*\)".*/\1/p' "$TSIG_KEY")
raw=$(printf %s "$secret" | base64 -d | od -An -tx1 | tr -d ' \n')
text=$(printf %s "$secret" | od -An -tx1 | tr -d ' \n')
# The account key's private scalar, big-endian (DER) and little-endian
# (GnuTLS's bignums on x86).
d=$(openssl pkey -in "$(acct_dir "$STATE")/account.key" -text -noout |
	sed -n '/^priv:/,/^pub:/p' | grep -v -e '^priv:' -e '^pub:' |
	tr -d ' :\n' | sed 's/^00//')
[ "${#d}" = 64 ] || fail "no P-256 scalar read from $(acct_dir "$STATE")/account.key: '$d'"
dle=$(fold -w2 <<<"$d" | tac | tr -d '\n')
read -r kraw _ kbe kle <<<"$(memscan "$keys" "$raw" "$text" "$d" "$dle")"
if [ "$kraw" -lt 1 ] || [ $((kbe + kle)) -lt 1 ]; then
	fail "the scan finds no key in the keys process (raw $kraw, d $kbe/$kle)"
fi
read -r mraw mtext mbe mle <<<"$(memscan "$pid" "$raw" "$text" "$d" "$dle")"
if [ "$mraw" != 0 ] || [ "$mtext" != 0 ]; then
	fail "the main process holds the TSIG secret ($mraw raw, $mtext base64)"
fi
if [ "$mbe" != 0 ] || [ "$mle" != 0 ]; then
	fail "the main process holds the account key ($mbe/$mle copies)"
fi
ok "the TSIG secret and the account key are in the keys process's memory, not the main's"

# --- the run ends well --------------------------------------------------------
lab_lag 0
RC=0
wait "$pid" || RC=$?
[ "$RC" = 0 ] || { show_output run; fail "acmeup exited $RC"; }
openssl x509 -in "$TMP/out/$NAME/cert.pem" -noout -checkend 0 >/dev/null ||
	fail "no valid certificate for $NAME"
[ "$(openssl pkey -in "$TMP/out/$NAME/privkey.pem" -pubout | sha256sum)" = \
	"$(openssl x509 -in "$TMP/out/$NAME/cert.pem" -noout -pubkey | sha256sum)" ] ||
	fail "privkey.pem (from the keys process) does not match cert.pem"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] ||
	fail "the TXT of $NAME is still on $PRIMARY"
ok "issued, privkey.pem matches, the zone is clean"
[ -f "$HOOK_OUT" ] || { show_output run; fail "the deploy hook wrote no $HOOK_OUT"; }
[ "$(sed -n 1p "$HOOK_OUT")" = "$(id -u)" ] && grep -q '^Seccomp:[[:space:]]*0$' "$HOOK_OUT" ||
	fail "deploy hook: $(tr '\n' ' ' <"$HOOK_OUT"), want uid $(id -u) and no filter"
ok "the deploy hook ran as uid $(id -u) with no filter, and wrote outside the state and output directories"

# --- --no-sandbox: the keys process without filters --------------------------
NAME2=n$RANDOM$RANDOM.$LAG_ZONE
ACMEUP_TEST_OPEN=$TSIG_KEY ACMEUP_TEST_EXEC=/bin/true \
"$ACMEUP" "${ISSUE[@]}" -d "$NAME2" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out" -v --no-sandbox \
	>"$TMP/plain.out" 2>"$TMP/plain.err" </dev/null &
pid=$!
TEST_PIDS+=("$pid")
lab_lag never
if ! wait_line "$TMP/plain.err" "waiting for 2 authoritative servers" 30; then
	show_output plain
	fail "--no-sandbox: acmeup never started waiting"
fi
keys=$(tr -d ' ' <"/proc/$pid/task/$pid/children")
[ -n "$keys" ] || fail "--no-sandbox: no keys process"
for p in "$pid" "$keys"; do
	grep -q '^Seccomp:[[:space:]]*0$' "/proc/$p/status" ||
		fail "--no-sandbox: process $p: $(grep Seccomp: "/proc/$p/status")"
done
read -r mraw _ <<<"$(memscan "$pid" "$raw" "$text")"
[ "$mraw" = 0 ] || fail "--no-sandbox: the main process holds the TSIG secret"
lab_lag 0
RC=0
wait "$pid" || RC=$?
[ "$RC" = 0 ] || { show_output plain; fail "--no-sandbox: exited $RC"; }
grep -qxF "test: open $TSIG_KEY: done" <(cut -c13- "$TMP/plain.err") &&
	grep -qxF "test: exec /bin/true: done" <(cut -c13- "$TMP/plain.err") ||
	{ show_output plain; fail "--no-sandbox: the probes did not succeed"; }
ok "--no-sandbox: a keys process still holds the keys, no filter in either process; the probes open and execute"

# --- dns-check: the same confinement (it parses DNS answers only) -----------
ACMEUP_TEST_OPEN=$TSIG_KEY "$ACMEUP" dns-check --resolver "$RESOLVER" \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" -vv "n$RANDOM.$ZONE" \
	>"$TMP/check.out" 2>"$TMP/check.err" </dev/null ||
	{ show_output check; fail "dns-check failed"; }
grep -qxF "test: open $TSIG_KEY: Permission denied" <(cut -c13- "$TMP/check.err") ||
	{ show_output check; fail "dns-check: the main process could open $TSIG_KEY"; }
if [ "$root" = 1 ]; then
	grep -q "privsep: this process is uid $user now" "$TMP/check.err" ||
		{ show_output check; fail "dns-check: the main process stayed root"; }
fi
grep -q "^  OK " "$TMP/check.out" || { show_output check; fail "dns-check: no OK"; }
ok "dns-check: its main process cannot open $TSIG_KEY either (and runs as uid ${user:-$(id -u)}); the check passes"
