#!/usr/bin/env bash
# --dry-run (issue 14 item 5): the whole flow (order, records, proof,
# validation, finalize, download) against staging-server, or the --server
# given on the command line; nothing stored under --out, no deploy hook, no
# metrics file, and the certificate in place untouched. renew --dry-run
# tries every certificate, due or not. Without a test CA it refuses (exit 2)
# rather than spend the production CA's limits.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

lab_pebble_up staging 127.53.0.9
tag=d$RANDOM$RANDOM
CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	cat <<EOF
staging-server $LAB_PEBBLE_URL
metrics-file $TMP/acmeup.prom
deploy-hook "touch $TMP/hook-ran"
ttl 1

cert web {
    domains $tag.$ZONE *.$tag.$ZONE
}
EOF
} >"$CONF"

# json_of RUN KEY...: a field of run RUN's --json output (python3 path).
json_of() {
	python3 - "$TMP/$1.out" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {}, {"r": r}))
PY
}

run_acmeup dry issue -c "$CONF" --dry-run --json -v web
[ "$RC" = 0 ] || { show_output dry; fail "issue --dry-run exited $RC"; }
grep -q "acme: web: order https://127.53.0.9:14000/" "$TMP/dry.err" ||
	{ show_output dry; fail "the order did not go to staging-server"; }
! grep -q "https://127.53.0.1:14000" "$TMP/dry.err" || fail "the dry run talked to the configured server"
grep -q "dry run: web: certificate obtained" "$TMP/dry.err" || { show_output dry; fail "no certificate obtained"; }
[ ! -e "$TMP/out/web" ] || fail "a dry run wrote $TMP/out/web: $(ls -a "$TMP/out/web")"
[ ! -e "$TMP/hook-ran" ] || fail "a dry run ran the deploy hook"
[ ! -e "$TMP/acmeup.prom" ] || fail "a dry run wrote the metrics file"
[ "$(json_of dry 'r["dry_run"]')" = True ] || fail "--json: dry_run not true"
[ "$(json_of dry 'r["certificates"][0]["action"]')" = issued ] || fail "--json: action not issued"
[ "$(json_of dry 'r["certificates"][0]["expiry"] is not None')" = True ] || fail "--json: no expiry of the test certificate"
assert_no_challenge_records
ok "issue --dry-run: ordered, validated and finalized at staging-server; nothing under --out, no hook, no metrics; zones clean"

run_acmeup real issue -c "$CONF" web
[ "$RC" = 0 ] || { show_output real; fail "issue exited $RC"; }
[ -e "$TMP/hook-ran" ] || fail "the real issue did not run the hook"
rm -f "$TMP/hook-ran"
before=$(snapshot "$TMP/out/web")
issuer=$(cert_issuer "$TMP/out/web/cert.pem")

# staging-server does not know the certificate in place: an order naming it
# in "replaces" (RFC 9773) would be refused there.
run_acmeup redry renew -c "$CONF" --dry-run --json
[ "$RC" = 0 ] || { show_output redry; fail "renew --dry-run exited $RC (the certificate is not due; a dry run tries it anyway)"; }
[ "$(json_of redry 'r["certificates"][0]["action"]')" = renewed ] || fail "renew --dry-run: action not renewed"
[ "$(snapshot "$TMP/out/web")" = "$before" ] || fail "renew --dry-run changed $TMP/out/web"
[ "$(cert_issuer "$TMP/out/web/cert.pem")" = "$issuer" ] || fail "the certificate in place changed issuer"
[ ! -e "$TMP/hook-ran" ] || fail "renew --dry-run ran the deploy hook"
assert_no_challenge_records
ok "renew --dry-run of a certificate not due: renewed at staging-server, the files in place untouched, no hook"

# No test CA: refused before anything is asked; --server on the command
# line is one.
grep -v '^staging-server' "$CONF" >"$TMP/nostaging.conf"
run_acmeup nostaging issue -c "$TMP/nostaging.conf" --dry-run web
[ "$RC" = 2 ] || { show_output nostaging; fail "--dry-run without staging-server exited $RC, want 2"; }
grep -q "dry-run needs a CA to try" "$TMP/nostaging.err" || { show_output nostaging; fail "no reason given"; }
run_acmeup explicit issue -c "$TMP/nostaging.conf" --dry-run --server "$LAB_PEBBLE_URL" -v web
[ "$RC" = 0 ] || { show_output explicit; fail "--dry-run --server exited $RC"; }
grep -q "acme: web: order https://127.53.0.9:14000/" "$TMP/explicit.err" || fail "--server not used"
[ "$(snapshot "$TMP/out/web")" = "$before" ] || fail "--dry-run --server changed $TMP/out/web"
assert_no_challenge_records
ok "--dry-run without a test CA: exit 2 before any request; with --server given: that CA, nothing stored"
