#!/usr/bin/env bash
# Files we did not create are hostile input (issue 11): acmeup refuses a
# state directory, output directory, config or key file that others can
# write, and follows no symbolic link below --state-dir and --out; a FIFO
# named as a key file fails at once. Each case asserts the exit code and
# that nothing outside acmeup's own files changed (sha256 before/after).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# snapshot DIR: sha256 of every file under DIR, relative names, sorted.
snapshot() {
	(cd "$1" && find . -type f -exec sha256sum {} + | sort -k 2)
}

# A private top for everything of this test (mktemp -d is 0700).
ROOT=$TMP/root
mkdir -m 700 "$ROOT"

# --- a state directory others can write: exit 2, nothing ordered -----------
STATE=$ROOT/state-777
OUT=$ROOT/out-777
mkdir -m 777 "$STATE"
chmod 777 "$STATE" # whatever the umask
NAME=n$RANDOM$RANDOM.$ZONE
run_acmeup state777 "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT"
[ "$RC" = 2 ] || { show_output state777; fail "0777 state dir: exit $RC, want 2"; }
grep -q "chmod go-w $STATE" "$TMP/state777.err" ||
	{ show_output state777; fail "the refusal does not name the fix"; }
[ -z "$(ls -A "$STATE")" ] || fail "files made in the refused state dir: $(ls -A "$STATE")"
[ ! -e "$OUT" ] || fail "the output directory was made"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] ||
	fail "a challenge record was published for $NAME"
ok "0777 state directory refused (exit 2), nothing ordered"

# --- a group-writable config with a deploy hook ----------------------------
STATE=$ROOT/state
OUT=$ROOT/out
CONF=$ROOT/acmeup.conf
MARK=$ROOT/hook-ran
NAME=n$RANDOM$RANDOM.$ZONE
{
	lab_conf "$STATE" "$OUT"
	printf 'ttl 1\n\ncert c {\n    domains %s\n    deploy-hook touch %s\n}\n' \
		"$NAME" "$MARK"
} >"$CONF"
chmod 664 "$CONF"
run_acmeup conf664 issue c -c "$CONF"
[ "$RC" = 2 ] || { show_output conf664; fail "0664 config: exit $RC, want 2"; }
grep -q "config file $CONF is mode 0664" "$TMP/conf664.err" ||
	{ show_output conf664; fail "the refusal does not name the config and its mode"; }
[ ! -e "$MARK" ] || fail "the deploy hook of a refused config ran"
[ ! -e "$OUT/c" ] || fail "a certificate was stored from a refused config"
ok "group-writable config with a deploy hook refused (exit 2)"

# --- a working certificate, to be kept through everything below ------------
GOOD=n$RANDOM$RANDOM.$ZONE
run_acmeup good "${ISSUE[@]}" -d "$GOOD" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT" --ttl 1
[ "$RC" = 0 ] || { show_output good; fail "issue of $GOOD exited $RC"; }
GOOD_SNAP=$(snapshot "$OUT/$GOOD")
[ "$(file_mode "$STATE")" = 700 ] || fail "state dir is $(file_mode "$STATE"), want 700"

# --- a symbolic link as account.key -----------------------------------------
STATE2=$ROOT/state-link
mkdir -m 700 "$STATE2"
cp "$(acct_dir "$STATE")/account.key" "$ROOT/other.key"
KEY_SNAP=$(sha256sum "$ROOT/other.key")
ln -s "$ROOT/other.key" "$STATE2/account.key"
NAME=n$RANDOM$RANDOM.$ZONE
run_acmeup keylink "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE2" --out "$OUT"
[ "$RC" = 2 ] || { show_output keylink; fail "symlinked account.key: exit $RC, want 2"; }
grep -q "account key $STATE2/account.key is a symbolic link" "$TMP/keylink.err" ||
	{ show_output keylink; fail "the refusal does not name the link"; }
[ -L "$STATE2/account.key" ] || fail "the account.key link was replaced"
[ "$(sha256sum "$ROOT/other.key")" = "$KEY_SNAP" ] || fail "the link's target changed"
[ ! -e "$OUT/$NAME" ] || fail "a certificate was stored with a linked account key"
ok "symlinked account.key refused"

# --- a symbolic link as out/NAME: the key is not written where it points ----
VICTIM=$ROOT/victim
mkdir -m 700 "$VICTIM"
echo "precious" >"$VICTIM/privkey.pem"
echo "also precious" >"$VICTIM/notes"
VICTIM_SNAP=$(snapshot "$VICTIM")
NAME=n$RANDOM$RANDOM.$ZONE
ln -s "$VICTIM" "$OUT/$NAME"
run_acmeup outlink "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$OUT" --ttl 1
[ "$RC" = 2 ] || { show_output outlink; fail "symlinked out/NAME: exit $RC, want 2"; }
grep -q "certificate directory $OUT/$NAME is a symbolic link" "$TMP/outlink.err" ||
	{ show_output outlink; fail "the refusal does not name the link"; }
[ "$(snapshot "$VICTIM")" = "$VICTIM_SNAP" ] || fail "the link's target changed"
[ "$(ls -A "$VICTIM" | wc -l)" = 2 ] || fail "files appeared in the link's target: $(ls -A "$VICTIM")"
[ -L "$OUT/$NAME" ] || fail "the out/NAME link was replaced"
[ "$(snapshot "$OUT/$GOOD")" = "$GOOD_SNAP" ] || fail "the working certificate changed"
ok "symlinked out/NAME refused, its target and the working certificate unchanged"

# --- a FIFO as the TSIG key file: fails at once -----------------------------
mkfifo -m 600 "$ROOT/tsig.fifo"
NAME=n$RANDOM$RANDOM.$ZONE
start=$(date +%s)
RC=0
timeout --kill-after=2 20 "$ACMEUP" "${ISSUE[@]}" -d "$NAME" \
	--tsig-key "$ROOT/tsig.fifo" --state-dir "$STATE" --out "$OUT" \
	>"$TMP/fifo.out" 2>"$TMP/fifo.err" </dev/null || RC=$?
took=$(($(date +%s) - start))
[ "$RC" != 124 ] && [ "$RC" != 137 ] || fail "a FIFO as the TSIG key file hung (timeout)"
[ "$RC" != 0 ] || fail "a FIFO as the TSIG key file was accepted"
[ "$took" -le 10 ] || fail "a FIFO as the TSIG key file took $took s"
grep -q "TSIG key file $ROOT/tsig.fifo is a FIFO" "$TMP/fifo.err" ||
	{ show_output fifo; fail "the refusal does not name the FIFO"; }
ok "FIFO as the TSIG key file refused in $took s (exit $RC)"

# --- a symbolic link as the journal directory, and as a journal file --------
STATE3=$ROOT/state-journal
mkdir -m 700 "$STATE3"
cp -p "$(acct_dir "$STATE")/account.key" "$STATE3/account.key"
mkdir -m 700 "$ROOT/jtarget"
ln -s "$ROOT/jtarget" "$STATE3/journal"
NAME=n$RANDOM$RANDOM.$ZONE
run_acmeup jdir "${ISSUE[@]}" -d "$NAME" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE3" --out "$OUT" --ttl 1
[ "$RC" != 0 ] || { show_output jdir; fail "a symlinked journal dir was used"; }
grep -q "$STATE3/journal is a symbolic link" "$TMP/jdir.err" ||
	{ show_output jdir; fail "the refusal does not name the journal link"; }
[ -z "$(ls -A "$ROOT/jtarget")" ] || fail "files written through the journal link"
[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$NAME")" ] ||
	fail "a record was published without a journal"
[ ! -e "$OUT/$NAME" ] || fail "a certificate was stored"

rm "$STATE3/journal"
mkdir -m 700 "$STATE3/journal"
printf 'acmeup-journal 1\npid 1\ntime 1\n' >"$ROOT/planted.journal"
PLANT_SNAP=$(sha256sum "$ROOT/planted.journal")
ln -s "$ROOT/planted.journal" "$STATE3/journal/1-0badf00d.journal"
run_acmeup jfile cleanup --state-dir "$STATE3" --tsig-key "$TSIG_KEY" \
	--resolver "$RESOLVER"
grep -q "journal $STATE3/journal/1-0badf00d.journal is a symbolic link" "$TMP/jfile.err" ||
	{ show_output jfile; fail "cleanup did not refuse the journal link"; }
[ "$(sha256sum "$ROOT/planted.journal")" = "$PLANT_SNAP" ] ||
	fail "the journal link's target changed"
[ -L "$STATE3/journal/1-0badf00d.journal" ] || fail "the journal link was replaced"
ok "symlinked journal directory and journal file refused"

[ "$(snapshot "$OUT/$GOOD")" = "$GOOD_SNAP" ] || fail "the working certificate changed"
assert_no_challenge_records
ok "working certificate unchanged; no challenge record left"
