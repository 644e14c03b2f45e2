#!/usr/bin/env bash
# acmeup as an unprivileged service user (issue 13: contrib/systemd runs it
# as User=acmeup with its TSIG key given by LoadCredential=). Run as nobody,
# the state and certificate directories the user's own, the configuration
# naming root's key file (0600, unreadable to nobody):
#   - without $CREDENTIALS_DIRECTORY: exit 2 naming the key file;
#   - with the key in a credentials directory the way systemd hands it over
#     (CREDENTIALS_DIRECTORY, a file of the key file's name, the service
#     user's, 0400): issue works, the certificate has the names, its files
#     are nobody's, the zone is clean afterwards; -v says which credential;
#   - renew of the certificate that is not due: exit 3, nothing written;
#   - a root run beside the unit: root refuses nobody's files unless nobody
#     is the service-user, renews with them then; after the unit's
#     `chown -R --from=root` (ExecStartPre=) the service user renews again.
# Needs root (to become nobody).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { ok "skipped: not root"; exit 0; }
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	{ ok "skipped: no user nobody or group nogroup"; exit 0; }

# as_nobody NAME ARGS...: run_acmeup as nobody:nogroup, no other groups.
as_nobody() {
	local name=$1
	shift
	RC=0
	timeout --kill-after=5 "$ACMEUP_TIMEOUT" setpriv --reuid nobody \
		--regid nogroup --clear-groups --inh-caps=-all \
		env ${CREDS:+CREDENTIALS_DIRECTORY=$CREDS} "$ACMEUP" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null || RC=$?
}

# The test's files: TMP is root's 0700; nobody gets its own corner, and the
# sanitizer's report directory.
chmod 0711 "$TMP"
chmod 0777 "$SANITIZER_REPORTS"
creds=$TMP/credentials
install -d -o nobody -g nogroup -m 0500 "$creds"
key_name=$(basename "$TSIG_KEY")
install -o nobody -g nogroup -m 0400 "$TSIG_KEY" "$creds/$key_name"
install -d -o nobody -g nogroup -m 0700 "$TMP/state" "$TMP/out"

name=svc-$RUN_TAG.$ZONE
CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	echo "ttl 1" # the renewals below validate the same names at once
	printf 'cert svc {\n    domains %s *.%s\n}\n' "$name" "$name"
} >"$CONF"
chmod 0644 "$CONF"

setpriv --reuid nobody --regid nogroup --clear-groups cat "$TSIG_KEY" >/dev/null 2>&1 &&
	fail "nobody can read the original key $TSIG_KEY"

CREDS=
as_nobody nocreds issue -c "$CONF" --json svc
[ "$RC" = 2 ] || { show_output nocreds; fail "issue as nobody without credentials exited $RC, want 2"; }
grep -q "$TSIG_KEY" "$TMP/nocreds.err" || { show_output nocreds; fail "the error does not name $TSIG_KEY"; }
[ ! -e "$TMP/out/svc" ] || fail "a failed issue wrote $TMP/out/svc"
ok "as nobody without credentials: exit 2, $(tail -n 1 "$TMP/nocreds.err" | cut -c1-120)"

CREDS=$creds
as_nobody issue issue -c "$CONF" --json -v svc
[ "$RC" = 0 ] || { show_output issue; fail "issue as nobody exited $RC"; }
[ "$(cert_dns_sans "$TMP/out/svc/cert.pem" | tr '\n' ' ')" = "*.$name $name " ] ||
	fail "the certificate names $(cert_dns_sans "$TMP/out/svc/cert.pem" | tr '\n' ' ')"
owners=$(stat -c '%U:%G %a %n' "$TMP/out/svc/privkey.pem" "$TMP/out/svc/cert.pem" |
	sed "s|$TMP/out/svc/||" | tr '\n' ' ')
[ "$owners" = "nobody:nogroup 600 privkey.pem nobody:nogroup 644 cert.pem " ] ||
	fail "files: $owners"
grep -q "$TSIG_KEY: the systemd credential $creds/$key_name" "$TMP/issue.err" ||
	{ show_output issue; fail "-v does not say which credential was used"; }
assert_no_challenge_records
ok "issue as nobody with the key from a credentials directory: $name and *.$name, files nobody's (privkey.pem 0600), zone clean"

before=$(sha256sum "$TMP/out/svc/cert.pem")
as_nobody renew renew -c "$CONF" --json
[ "$RC" = 3 ] || { show_output renew; fail "renew as nobody exited $RC, want 3 (nothing due)"; }
[ "$(sha256sum "$TMP/out/svc/cert.pem")" = "$before" ] || fail "renew changed cert.pem"
ok "renew as nobody: nothing due (exit 3), cert.pem unchanged"

# A root run (an admin's `acmeup renew --force` in a shell) meets files of
# the service user: refused unless it is the configured service-user.
sed 's/^state-dir/service-user no-such-user-'"$RUN_TAG"'\nstate-dir/' "$CONF" >"$CONF.other"
run_acmeup rootother renew -c "$CONF.other" --force --json svc
[ "$RC" = 2 ] || { show_output rootother; fail "root with nobody's files and another service-user exited $RC, want 2"; }
grep -q "owned by neither" "$TMP/rootother.err" || { show_output rootother; fail "the refusal does not say whose files"; }
sed 's/^state-dir/service-user nobody\nstate-dir/' "$CONF" >"$CONF.root"
run_acmeup root renew -c "$CONF.root" --force --json svc
[ "$RC" = 0 ] || { show_output root; fail "root renew with service-user nobody exited $RC"; }
[ "$(sha256sum "$TMP/out/svc/cert.pem")" != "$before" ] || fail "root renew --force: cert.pem unchanged"
ok "as root: nobody's files refused (exit 2) unless service-user nobody; then renewed"

# What acmeup.service's ExecStartPre= does before the unprivileged run.
chown -R --from=root nobody "$TMP/state" "$TMP/out"
before=$(sha256sum "$TMP/out/svc/cert.pem")
as_nobody again renew -c "$CONF" --force --json svc
[ "$RC" = 0 ] || { show_output again; fail "nobody's renew after the root run exited $RC"; }
[ "$(sha256sum "$TMP/out/svc/cert.pem")" != "$before" ] || fail "nobody's renew --force: cert.pem unchanged"
[ -z "$(find "$TMP/state" "$TMP/out" ! -user nobody)" ] ||
	fail "files not nobody's: $(find "$TMP/state" "$TMP/out" ! -user nobody | head -3)"
assert_no_challenge_records
ok "after chown -R --from=root nobody: the service user renews again; every file nobody's, zone clean"
