#!/usr/bin/env bash
# A renewal that cannot write its files must leave the working certificate
# alone. Real failures, not permissions (we are root):
#  1. the output directory becomes read-only while acmeup runs: a bind
#     mount, remounted read-only while acmeup is held (SIGSTOP) right after
#     its challenge UPDATE, before it validates and stores;
#  2. the output directory's file system is full: a 256 KiB tmpfs, filled
#     up to two pages, so that the first new files fit and a later one not.
# Each time: exit 1, an error naming the path and the cause, the live files
# byte-identical to before, previous/ unchanged, no temp file left.
# Mounts are undone when the test exits.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "skip: needs root for mount"; exit 77; }

MOUNTS=()
undo_mounts() {
	local m
	for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	cleanup
}
trap undo_mounts EXIT

# snapshot DIR: sha256 of every file under DIR, relative names, sorted.
snapshot() {
	(cd "$1" && find . -type f -exec sha256sum {} + | sort -k 2)
}

# issue_args NAME OUT: the issue arguments for NAME into OUT.
issue_args() {
	ARGS=("${ISSUE[@]}" -d "$1" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state"
		--out "$2" --ttl 1)
}

# first_issue NAME OUT: a certificate to protect, plus a renewal so that
# previous/ exists too.
first_issue() {
	issue_args "$1" "$2"
	run_acmeup "first-$1" "${ARGS[@]}"
	[ "$RC" = 0 ] || { show_output "first-$1"; fail "first issue of $1 exited $RC"; }
	sleep 2 # resolver cache (TTL 1)
	run_acmeup "renew-$1" "${ARGS[@]}"
	[ "$RC" = 0 ] || { show_output "renew-$1"; fail "second issue of $1 exited $RC"; }
	[ -d "$2/$1/previous" ] || fail "no previous/ after the renewal of $1"
	sleep 2
}

# assert_untouched DIR BEFORE: DIR's files are as in snapshot BEFORE.
assert_untouched() {
	local now
	now=$(snapshot "$1")
	[ "$now" = "$2" ] || fail "the certificate directory changed:
--- before
$2
--- after
$now"
}

# --- 1. read-only mid-run ----------------------------------------------------
name=n$RANDOM$RANDOM.$ZONE
mkdir -p "$TMP/real" "$TMP/ro"
mount --bind "$TMP/real" "$TMP/ro" || fail "mount --bind failed"
MOUNTS+=("$TMP/ro")
first_issue "$name" "$TMP/ro"
dir=$TMP/ro/$name
before=$(snapshot "$dir")

# The run orders a fresh name (--cert-name keeps the directory): pebble may
# reuse an authorization, and only a new one makes acmeup send an UPDATE,
# after which validation and finalization take 100 ms or more. Its stderr
# comes through a FIFO, so it is stopped the moment it reports the UPDATE.
fresh=fresh$RANDOM$RANDOM.$ZONE
issue_args "$fresh" "$TMP/ro"
mkfifo "$TMP/ro-run.fifo"
"$ACMEUP" "${ARGS[@]}" --cert-name "$name" >"$TMP/ro-run.out" 2>"$TMP/ro-run.fifo" </dev/null &
pid=$!
held=0
while IFS= read -r line; do
	printf '%s\n' "$line" >>"$TMP/ro-run.err"
	if [ "$held" = 0 ] && [[ $line == *"UPDATE adding"* ]]; then
		kill -STOP "$pid"
		held=1
		mount -o remount,ro,bind "$TMP/ro" || { kill -CONT "$pid"; fail "remount read-only failed"; }
		kill -CONT "$pid"
	fi
done <"$TMP/ro-run.fifo"
RC=0
wait "$pid" || RC=$?
[ "$held" = 1 ] || { cat "$TMP/ro-run.err" >&2; fail "acmeup sent no UPDATE (exit $RC)"; }
[ "$RC" = 1 ] || { cat "$TMP/ro-run.err" >&2; fail "acmeup exited $RC with its output directory read-only, want 1"; }
grep -qF "output directory $dir is read-only" "$TMP/ro-run.err" ||
	{ tail -n 5 "$TMP/ro-run.err" >&2; fail "no 'output directory $dir is read-only' in the error"; }
grep -qF "the live certificate files are unchanged" "$TMP/ro-run.err" ||
	fail "the error does not say the live files are unchanged"
ok "read-only mid-run: exit 1, $(grep -F 'read-only' "$TMP/ro-run.err" | tail -n 1)"
mount -o remount,rw,bind "$TMP/ro" || fail "remount read-write failed"
assert_untouched "$dir" "$before"
ok "read-only mid-run: every file (live and previous/) byte-identical, nothing left behind"
# Only this test's name: other runs may be using the shared lab right now.
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$fresh")" ] ||
	fail "challenge record for $fresh left on $PRIMARY: $(zone_txt "$PRIMARY" "_acme-challenge.$fresh")"
ok "read-only mid-run: challenge record for $fresh removed"

# --- 2. full disk ------------------------------------------------------------
name=n$RANDOM$RANDOM.$ZONE
mkdir -p "$TMP/small"
mount -t tmpfs -o size=256k,mode=0755 acmeup-test "$TMP/small" || fail "mount tmpfs failed"
MOUNTS+=("$TMP/small")
first_issue "$name" "$TMP/small"
dir=$TMP/small/$name
before=$(snapshot "$dir")
# Leave two pages: cert.pem and privkey.pem fit, fullchain.pem does not,
# so the failure comes half-way through the new files.
avail=$(df --output=avail "$TMP/small" | tail -n 1 | tr -d ' ')
dd if=/dev/zero of="$TMP/small/filler" bs=4k count=$((avail / 4 - 2)) >/dev/null 2>&1 ||
	fail "could not fill the tmpfs"
avail=$(df --output=avail "$TMP/small" | tail -n 1 | tr -d ' ')
[ "$avail" = 8 ] || fail "the tmpfs has $avail KiB free, want 8: $(df "$TMP/small" | tail -n 1)"

issue_args "$name" "$TMP/small"
run_acmeup full "${ARGS[@]}"
[ "$RC" = 1 ] || { show_output full; fail "acmeup exited $RC on a full disk, want 1"; }
grep -qF "no space left on device writing $dir/fullchain.pem" "$TMP/full.err" ||
	{ show_output full; fail "no 'no space left on device writing $dir/fullchain.pem' in the error"; }
ok "full disk: exit 1, $(grep -F 'no space left' "$TMP/full.err" | tail -n 1)"
rm -f "$TMP/small/filler"
assert_untouched "$dir" "$before"
ok "full disk: every file (live and previous/) byte-identical, nothing left behind"
