#!/usr/bin/env bash
# Privilege separation (issue 13, phase 1), seen from /proc during a run:
# while acmeup waits for a lagging secondary (the records published), the
# keys process is acmeup's only child; it has no descriptor but /dev/null,
# stderr and one socket, whose peer is in the main process; both run under
# a seccomp filter (Seccomp: 2; the main one as root only), the keys
# process as acmeup or nobody when started as root; neither has a
# descriptor to the TSIG key file or the account key. The main process's
# memory holds neither the TSIG secret nor the account key's private
# scalar, and the keys process's does (the scan can find them). Then the
# run ends well and leaves the zone clean; --no-sandbox keeps the keys
# process but installs no filter.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${LAG_SERVER:-}" ] || fail "the lab has no lagging secondary (old lab?)"
command -v ss >/dev/null || fail "ss (iproute2) is needed"
STATE=$TMP/state
NAME=n$RANDOM$RANDOM.$LAG_ZONE

# memscan PID HEX...: how often each byte string is in PID's memory.
memscan() {
	python3 - "$@" <<'EOF'
import sys
pid, needles = sys.argv[1], [bytes.fromhex(h) for h in sys.argv[2:]]
counts = [0] * len(needles)
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        f = line.split()
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        if "r" not in f[1] or hi - lo > 1 << 30 or f[-1] in ("[vvar]", "[vsyscall]"):
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        for i, n in enumerate(needles):
            counts[i] += data.count(n)
print(*counts)
EOF
}

# fds PID: "target" of every descriptor, one a line.
fds() { for f in /proc/"$1"/fd/*; do readlink "$f" || true; done; }

lab_lag never
"$ACMEUP" "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out" -v --propagation-timeout 60 \
	>"$TMP/run.out" 2>"$TMP/run.err" </dev/null &
pid=$!
TEST_PIDS+=("$pid")
if ! wait_line "$TMP/run.err" "waiting for 2 authoritative servers" 30; then
	show_output run
	fail "acmeup never started waiting"
fi
keys=$(tr -d ' ' <"/proc/$pid/task/$pid/children")
if ! [[ $keys =~ ^[0-9]+$ ]]; then
	fail "acmeup ($pid) has not exactly one child: '$keys'"
fi
ok "main process $pid, keys process $keys"

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
for p in "$pid" "$keys"; do
	if fds "$p" | grep -qF -e "$(realpath "$TSIG_KEY")" -e "account.key"; then
		fail "process $p has a descriptor to a key file: $(fds "$p" | tr '\n' ' ')"
	fi
done
ok "neither process has a descriptor to $TSIG_KEY or account.key"

# --- seccomp ------------------------------------------------------------------
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$keys/status" ||
	fail "keys process: $(grep Seccomp: "/proc/$keys/status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$keys/status" ||
	fail "keys process: $(grep NoNewPrivs "/proc/$keys/status")"
if [ "$(id -u)" = 0 ]; then
	grep -q '^Seccomp:[[:space:]]*2$' "/proc/$pid/status" ||
		fail "main process (root): $(grep Seccomp: "/proc/$pid/status")"
	user=$(id -u acmeup 2>/dev/null || id -u nobody)
	grep -q "^Uid:[[:space:]]*${user}[[:space:]]*${user}[[:space:]]*${user}[[:space:]]*${user}\$" \
		"/proc/$keys/status" || fail "keys process: $(grep Uid: "/proc/$keys/status"), want $user"
	grep -q '^Groups:[[:space:]]*$' "/proc/$keys/status" ||
		fail "keys process: $(grep Groups: "/proc/$keys/status")"
	ok "Seccomp: 2 in both processes; the keys process runs as uid $user, no groups"
else
	ok "Seccomp: 2 in the keys process (not root: no filter for the main one)"
fi

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

# --- --no-sandbox: the keys process without filters --------------------------
NAME2=n$RANDOM$RANDOM.$LAG_ZONE
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
ok "--no-sandbox: a keys process still holds the keys, no filter in either process"
