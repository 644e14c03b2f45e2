#!/usr/bin/env bash
# docs/fleet.md, "every host renews its own", walked through against the
# lab with the real acmeup: the host's configuration block of the guide
# (lab addresses and a fresh name substituted) passes config-check; the
# first renew issues (exit 0) and runs contrib/hooks/reload-services with
# acmeup's ACMEUP_* variables; the next renew has nothing due (exit 3, which
# contrib/systemd's SuccessExitStatus= and contrib/cron's line treat as
# fine: the cron line prints nothing); list --json shows the certificate;
# a failing reload is exit 4 with the new certificate in place, as the
# guide's monitoring table says; no challenge record is left behind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$ACMEUP_SOURCE
n=fleet$RANDOM$RANDOM
host=$n.$ZONE

# The guide's second ```acmeup.conf block (the host's own file).
awk '$0 == "```acmeup.conf" { k++; on = (k == 2); next } on && $0 == "```" { exit } on' \
	"$SRC/docs/fleet.md" >"$TMP/guide.conf"
grep -q '^cert web01 {' "$TMP/guide.conf" || fail "docs/fleet.md: the host's configuration (cert web01) is gone"
{
	# ttl 1: the renewals below ask new values for the same name within
	# seconds; the CA's resolver must not keep the old one (default 10 s).
	printf '# lab settings\nca-bundle %s\nresolver %s\nstate-dir %s\nout %s\nttl 1\n' \
		"$ACME_CA_BUNDLE" "$RESOLVER" "$TMP/state" "$TMP/certs"
	sed -e "s|https://ca.contoso.com/acme/directory|$ACME_DIR|" \
		-e "s|/etc/acmeup/acmeup.key|$TSIG_KEY|" \
		-e "s|web01.contoso.com|$host|g; s|^cert web01 {|cert $n {|" \
		-e "s|/usr/local/lib/acmeup/reload-services|$SRC/contrib/hooks/reload-services|" \
		"$TMP/guide.conf"
} >"$TMP/acmeup.conf"

# Stand-ins for systemctl and nginx: the hook's reloads land in a log.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/systemctl" <<'STUB'
#!/bin/sh
echo "systemctl $* name=$ACMEUP_CERT_NAME domains=$ACMEUP_DOMAINS fullchain=$ACMEUP_FULLCHAIN_FILE" >>"$HOOK_LOG"
[ "$1" != reload ] || [ -z "${HOOK_FAIL:-}" ]
STUB
cat >"$TMP/bin/service" <<'STUB'
#!/bin/sh
if [ "$2" = status ]; then exec systemctl is-active --quiet "$1"; fi
exec systemctl "$2" "$1"
STUB
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/nginx"
chmod 755 "$TMP/bin"/*
export HOOK_LOG=$TMP/hook.log PATH="$TMP/bin:$PATH"
: >"$HOOK_LOG"

run_acmeup check config-check -c "$TMP/acmeup.conf"
[ "$RC" = 0 ] || { show_output check; fail "config-check rejects the guide's host configuration ($RC)"; }
ok "the guide's host configuration passes config-check"

# 1. First run: the certificate is missing, hence due.
run_acmeup renew1 renew -c "$TMP/acmeup.conf" --json
[ "$RC" = 0 ] || { show_output renew1; fail "the first renew exited $RC, not 0"; }
grep -q '"action": *"issued"' "$TMP/renew1.out" || { show_output renew1; fail "--json does not say issued"; }
[ "$(cert_dns_sans "$TMP/certs/$n/cert.pem")" = "$host" ] || fail "the certificate is not for $host"
grep -q "^systemctl reload nginx name=$n domains=$host fullchain=$TMP/certs/$n/fullchain.pem$" "$HOOK_LOG" ||
	fail "reload-services did not reload nginx with acmeup's variables: $(cat "$HOOK_LOG")"
ok "first renew: issued (exit 0), the deploy hook reloaded nginx with ACMEUP_CERT_NAME/DOMAINS/FULLCHAIN_FILE"

# 2. Second run: nothing due, exit 3, no hook; the cron line stays silent.
: >"$HOOK_LOG"
run_acmeup renew2 renew -c "$TMP/acmeup.conf"
[ "$RC" = 3 ] || { show_output renew2; fail "the second renew exited $RC, not 3 (nothing due)"; }
! grep -q reload "$HOOK_LOG" || fail "the hook ran although nothing changed"
sed -n 's/^SuccessExitStatus=//p' "$SRC/contrib/systemd/acmeup.service" | tr ' ' '\n' | grep -qx 3 ||
	fail "contrib/systemd/acmeup.service does not count 3 as success"
cmd=$(grep -E '^[0-9]+ +[0-9,]+ ' "$SRC/contrib/cron/acmeup" | sed -E 's/^([^ ]+ +){6}//' |
	sed 's/\\%/%/g; s|/etc/acmeup/acmeup.conf|'"$TMP/acmeup.conf"'|; s/logger -t acmeup/cat >\/dev\/null/')
out=$(PATH="$(dirname "$ACMEUP"):$PATH" timeout 120 /bin/sh -c "$cmd" </dev/null 2>&1) ||
	fail "the cron line failed"
[ -z "$out" ] || fail "the cron line printed (cron would mail) when nothing was due: $out"
ok "second renew: nothing due (exit 3), no hook; the unit counts it as success, the cron line is silent"

# 3. list --json: the certificate, its expiry, not due.
run_acmeup list list -c "$TMP/acmeup.conf" --json
[ "$RC" = 0 ] || { show_output list; fail "list exited $RC"; }
grep -q "\"name\": *\"$n\"" "$TMP/list.out" && grep -q '"due": *false' "$TMP/list.out" &&
	grep -qE '"expiry": *"[0-9]{4}-' "$TMP/list.out" || { show_output list; fail "list --json lacks the certificate's state"; }
ok "list --json: the certificate with its expiry, not due"

# 4. A reload that fails: exit 4, the new certificate in place.
old=$(pem_blocks "$TMP/certs/$n/cert.pem")
sleep 2 # the CA's resolver forgets the first run's TXT (TTL 1)
HOOK_FAIL=1 run_acmeup renew3 renew -c "$TMP/acmeup.conf" --force --json
[ "$RC" = 4 ] || { show_output renew3; fail "a failing deploy hook gave exit $RC, not 4"; }
[ "$(pem_blocks "$TMP/certs/$n/cert.pem")" != "$old" ] || fail "the renewed certificate is not in place"
grep -q '"action": *"renewed"' "$TMP/renew3.out" && grep -q '"hook_error": *"' "$TMP/renew3.out" ||
	{ show_output renew3; fail "--json does not report renewed with a hook_error"; }
ok "a failing reload: exit 4, renewed and in place, hook_error in the summary"

assert_no_challenge_records
ok "no challenge record left in the lab's zones"
