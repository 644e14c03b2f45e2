#!/usr/bin/env bash
# contrib/hooks: shellcheck-clean (when shellcheck is installed), and they
# do what their comments say when run with the deploy-hook environment of
# acmeup(1): reload-services against stand-ins for systemctl/service and
# nginx; copy-to-remote against a stand-in ssh that runs the remote side
# here. No lab, no network.
set -euo pipefail
SRC=${ACMEUP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/acmeup-contrib-hooks.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
NAME=test_contrib_hooks
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
ok() { printf 'ok %s: %s\n' "$NAME" "$*"; }

RELOAD=$SRC/contrib/hooks/reload-services
RENEWED=$SRC/contrib/hooks/reload-renewed
COPY=$SRC/contrib/hooks/copy-to-remote
for h in "$RELOAD" "$RENEWED" "$COPY"; do
	[ -x "$h" ] || fail "${h#"$SRC"/} is missing or not executable"
done

# 1. shellcheck (as POSIX sh: both start with #!/bin/sh).
if command -v shellcheck >/dev/null; then
	shellcheck "$RELOAD" "$RENEWED" "$COPY" >"$TMP/sc.log" 2>&1 ||
		fail "shellcheck: $(cat "$TMP/sc.log")"
	ok "shellcheck finds nothing in reload-services, reload-renewed and copy-to-remote"
else
	echo "skip $NAME: shellcheck is missing (apt-get install shellcheck): hooks not linted"
fi

# A certificate directory as acmeup leaves it, and the hook's environment.
CERT=$TMP/certs/intranet
mkdir -p "$CERT"
for f in cert chain fullchain; do echo "-----BEGIN CERTIFICATE----- $f" >"$CERT/$f.pem"; done
chmod 644 "$CERT"/*.pem
echo "-----BEGIN PRIVATE KEY----- secret" >"$CERT/privkey.pem"
chmod 600 "$CERT/privkey.pem"
hook_env=(ACMEUP_CERT_NAME=intranet ACMEUP_CERT_DIR="$CERT"
	ACMEUP_KEY_FILE="$CERT/privkey.pem" ACMEUP_CERT_FILE="$CERT/cert.pem"
	ACMEUP_CHAIN_FILE="$CERT/chain.pem" ACMEUP_FULLCHAIN_FILE="$CERT/fullchain.pem"
	"ACMEUP_DOMAINS=intranet.contoso.test *.intranet.contoso.test")

# Stand-ins: systemctl and service answer from $RUNNING and $FAILING (service
# names separated by spaces) and log reloads; nginx -t fails when
# $NGINX_BAD is set. Whichever the hook picks (systemctl when
# /run/systemd/system exists) sees the same services.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/systemctl" <<'STUB'
#!/bin/sh
case $1 in
is-active) svc=$3 ;; reload) svc=$2 ;; *) exit 99 ;;
esac
echo "$1 $svc" >>"$HOOK_LOG"
case " $RUNNING " in *" $svc "*) ;; *) exit 3 ;; esac
[ "$1" = reload ] || exit 0
case " $FAILING " in *" $svc "*) exit 1 ;; esac
exit 0
STUB
cat >"$TMP/bin/service" <<'STUB'
#!/bin/sh
case $2 in
status) exec systemctl is-active --quiet "$1" ;;
reload) exec systemctl reload "$1" ;;
esac
exit 99
STUB
cat >"$TMP/bin/nginx" <<'STUB'
#!/bin/sh
echo "nginx $*" >>"$HOOK_LOG"
[ -z "${NGINX_BAD:-}" ]
STUB
chmod 755 "$TMP/bin"/*

# run_hook SCRIPT RUNNING FAILING [ARGS...]: sets RC, OUT (stderr) and LOG;
# the environment is the stand-ins' plus the variables of EXTRA_ENV.
run_hook() {
	local script=$1 running=$2 failing=$3
	shift 3
	: >"$TMP/log"
	RC=0
	OUT=$(env -i PATH="$TMP/bin:/usr/bin:/bin" HOOK_LOG="$TMP/log" \
		RUNNING="$running" FAILING="$failing" NGINX_BAD="${NGINX_BAD:-}" \
		"${EXTRA_ENV[@]}" "$script" "$@" 2>&1 </dev/null) || RC=$?
	LOG=$(cat "$TMP/log")
}
# run_reload RUNNING FAILING [ARGS...]: reload-services as a deploy hook.
run_reload() {
	EXTRA_ENV=("${hook_env[@]}")
	run_hook "$RELOAD" "$@"
}

run_reload "nginx postfix" "" nginx postfix
[ "$RC" = 0 ] || fail "reload-services nginx postfix failed ($RC): $OUT"
grep -q '^reload nginx$' <<<"$LOG" && grep -q '^reload postfix$' <<<"$LOG" ||
	fail "nginx and postfix were not both reloaded: $LOG"
grep -q '^nginx -t' <<<"$LOG" || fail "nginx -t was not run before the reload"
grep -q 'reloaded nginx for intranet.contoso.test \*.intranet.contoso.test' <<<"$OUT" ||
	fail "the hook did not name the reload and the names: $OUT"
ok "reload-services nginx postfix: checks nginx -t, reloads both, names ACMEUP_DOMAINS"

run_reload "postfix dovecot" ""
[ "$RC" = 0 ] || fail "reload-services without arguments failed ($RC): $OUT"
[ "$(grep -c '^reload ' <<<"$LOG")" = 2 ] && grep -q '^reload postfix$' <<<"$LOG" &&
	grep -q '^reload dovecot$' <<<"$LOG" || fail "without arguments it reloaded: $LOG"
! grep -q 'not running' <<<"$OUT" || fail "without arguments it complains of services not running: $OUT"
ok "without arguments: only the running ones of its list are reloaded, quietly"

run_reload "" "" inspircd
[ "$RC" = 0 ] || fail "a named service that is not running failed the hook: $OUT"
grep -q 'inspircd is not running' <<<"$OUT" || fail "a named service not running went unmentioned: $OUT"
! grep -q '^reload' <<<"$LOG" || fail "a service not running was reloaded: $LOG"
ok "a named service that is not running is mentioned and left alone"

run_reload "nginx postfix" "postfix" nginx postfix
[ "$RC" != 0 ] || fail "a failed reload did not fail the hook"
grep -q 'reloading postfix failed' <<<"$OUT" || fail "the failed reload is not named: $OUT"
grep -q '^reload nginx$' <<<"$LOG" || fail "one failure stopped the other reloads: $LOG"
NGINX_BAD=1 run_reload "nginx" "" nginx
[ "$RC" != 0 ] && grep -q 'nginx -t fails' <<<"$OUT" || fail "a failing nginx -t was not reported: $OUT"
! grep -q '^reload nginx$' <<<"$LOG" || fail "nginx was reloaded although nginx -t failed"
ok "a failed reload or nginx -t fails the hook (acmeup: exit 4), the others still reload"

mv "$CERT/fullchain.pem" "$TMP/fullchain.pem"
run_reload "nginx" "" nginx
mv "$TMP/fullchain.pem" "$CERT/fullchain.pem"
[ "$RC" != 0 ] && grep -q 'fullchain.pem is missing' <<<"$OUT" ||
	fail "a missing fullchain.pem was not reported: $OUT"
! grep -q '^reload' <<<"$LOG" || fail "reloaded with fullchain.pem missing"
RC=0
OUT=$(env -i PATH="$TMP/bin:/usr/bin:/bin" "$RELOAD" nginx 2>&1) || RC=$?
[ "$RC" != 0 ] && grep -q 'ACMEUP_CERT_NAME' <<<"$OUT" ||
	fail "run outside acmeup, the hook did not say so: $OUT"
ok "a missing file, or no ACMEUP_* environment, stops it before any reload"

# 1b. reload-renewed (acmeup-reload.service, root, after each run of the
#     unprivileged acmeup.service): one reload-services run when a
#     fullchain.pem is newer than its stamp; none otherwise; a failed
#     reload keeps the stamp so that the next run tries again.
mkdir -p "$TMP/reload-state" "$TMP/certs/mail"
cp "$CERT"/*.pem "$TMP/certs/mail/"
run_renewed() { # RUNNING FAILING [ARGS...]: reload-renewed on $TMP/certs
	EXTRA_ENV=(ACMEUP_CERTS="$TMP/certs" STATE_DIRECTORY="$TMP/reload-state")
	run_hook "$RENEWED" "$@"
}
run_renewed "nginx" "" nginx
[ "$RC" = 0 ] && [ "$(grep -c '^reload nginx$' <<<"$LOG")" = 1 ] ||
	fail "first run (no stamp): exit $RC, log: $LOG, out: $OUT"
grep -q 'changed since the last run: intranet mail' <<<"$OUT" || fail "first run: $OUT"
[ -f "$TMP/reload-state/stamp" ] || fail "no stamp written"
run_renewed "nginx" "" nginx
[ "$RC" = 0 ] && ! grep -q '^reload' <<<"$LOG" && grep -q 'no certificate .* changed' <<<"$OUT" ||
	fail "nothing changed: exit $RC, log: $LOG, out: $OUT"
touch -d '+2 seconds' "$TMP/certs/mail/fullchain.pem"
run_renewed "nginx postfix" "postfix" nginx postfix
[ "$RC" != 0 ] && grep -q '^reload nginx$' <<<"$LOG" && grep -q 'the next run tries again' <<<"$OUT" ||
	fail "failed reload: exit $RC, log: $LOG, out: $OUT"
run_renewed "nginx postfix" "" nginx postfix
[ "$RC" = 0 ] && grep -q '^reload postfix$' <<<"$LOG" && grep -q 'changed since the last run: mail$' <<<"$OUT" ||
	fail "retry after a failed reload: exit $RC, log: $LOG, out: $OUT"
ok "reload-renewed: reloads once when a certificate changed (all on the first run), nothing when none did, a failed reload retried next run"

# 2. copy-to-remote with an ssh that runs the remote command here: the last
#    argument is the command, the one before it the host.
cat >"$TMP/bin/ssh" <<'STUB'
#!/bin/sh
for a in "$@"; do host=$cmd; cmd=$a; done
echo "ssh $host" >>"$HOOK_LOG"
printf '%s\n' "$*" | grep -q 'BatchMode=yes' || exit 98
exec /bin/sh -c "$cmd"
STUB
chmod 755 "$TMP/bin/ssh"
REMOTE="$TMP/remote dir/it's here"
run_copy() {
	: >"$TMP/log"
	RC=0
	OUT=$(env -i PATH="$TMP/bin:/usr/bin:/bin" HOOK_LOG="$TMP/log" \
		ACMEUP_SSH_DIR="$TMP/ssh" "${hook_env[@]}" "$COPY" "$@" 2>&1 </dev/null) || RC=$?
	LOG=$(cat "$TMP/log")
}
run_copy "deploy@printer.contoso.test:$REMOTE" "touch '$TMP/reloaded'"
[ "$RC" = 0 ] || fail "copy-to-remote failed ($RC): $OUT"
grep -q '^ssh deploy@printer.contoso.test$' <<<"$LOG" || fail "ssh went to: $LOG"
for f in privkey cert chain fullchain; do
	cmp -s "$CERT/$f.pem" "$REMOTE/$f.pem" || fail "$f.pem did not arrive intact"
done
[ "$(stat -c %a "$REMOTE/privkey.pem")" = 600 ] ||
	fail "the remote privkey.pem is mode $(stat -c %a "$REMOTE/privkey.pem")"
[ "$(stat -c %a "$REMOTE/fullchain.pem")" = 644 ] ||
	fail "the remote fullchain.pem is mode $(stat -c %a "$REMOTE/fullchain.pem")"
[ -e "$TMP/reloaded" ] || fail "the remote command did not run"
[ -z "$(find "$REMOTE" -name '.acmeup.*')" ] || fail "a temporary directory was left behind"
ok "copy-to-remote: the four files arrive (key 0600) in a directory with blanks and a quote; the remote command runs"

run_copy "printer.contoso.test"
[ "$RC" = 2 ] && grep -q 'USER@HOST:DIR' <<<"$OUT" || fail "a bad target was not a usage error: $RC $OUT"
rm "$CERT/chain.pem"
run_copy "deploy@printer.contoso.test:$REMOTE"
[ "$RC" = 1 ] && grep -q 'chain.pem is missing' <<<"$OUT" || fail "a missing chain.pem was not reported: $RC $OUT"
[ -z "$LOG" ] || fail "ssh ran although a file was missing"
ok "copy-to-remote: a bad target and a missing file are reported before any ssh"
