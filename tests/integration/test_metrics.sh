#!/usr/bin/env bash
# --metrics-file (issue 14 item 10): after each issue or renew run, a
# Prometheus textfile for node_exporter, replaced atomically. Checked: the
# expiry sample equals the certificate's notAfter; a run's attempt and exit
# status; a renew that does not try a certificate keeps that certificate's
# last attempt from the previous file; a failed certificate says 0; the
# format's rules (one HELP/TYPE per family, samples grouped under it); a
# hostile previous file carries nothing of its own over.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

tag=m$RANDOM$RANDOM
M=$TMP/metrics/acmeup.prom
mkdir -p "$TMP/metrics"
CONF=$TMP/acmeup.conf
{
	lab_conf "$TMP/state" "$TMP/out"
	cat <<EOF
metrics-file $M

cert good {
    domains $tag-g.$ZONE
}
cert refused {
    domains $tag-r.$CONTOSO
}
EOF
} >"$CONF"

# sample FAMILY LABEL VALUE: the sample's value, or "" when there is none.
sample() {
	awk -v k="$1{$2=\"$3\"}" '$1 == k { print $2 }' "$M"
}
# The format: each family once as HELP then TYPE, then only its samples.
check_format() {
	awk '
		/^# HELP / { fam = $3; if (seen[fam]++) { print "HELP twice: " fam; bad = 1 }; next }
		/^# TYPE / { if ($3 != fam || $4 != "gauge") { print "TYPE out of place: " $0; bad = 1 }; next }
		/^#/ || /^$/ { print "stray line: " $0; bad = 1; next }
		{ name = $1; sub(/\{.*/, "", name)
		  if (name != fam) { print "sample outside its family: " $0; bad = 1 }
		  if ($2 !~ /^-?[0-9]+(\.[0-9]+)?$/ || NF != 2) { print "bad sample: " $0; bad = 1 } }
		END { exit bad }' "$M" || fail "$M breaks the text format: $(cat "$M")"
}

t0=$(date +%s)
run_acmeup issue issue -c "$CONF" good
t1=$(date +%s)
[ "$RC" = 0 ] || { show_output issue; fail "issue exited $RC"; }
[ -f "$M" ] || fail "no $M after issue"
check_format
end=$(date -d "$(openssl x509 -noout -enddate -in "$TMP/out/good/cert.pem" | cut -d= -f2)" +%s)
[ "$(sample acmeup_certificate_expiry_timestamp_seconds certificate good)" = "$end" ] ||
	fail "expiry of good: $(sample acmeup_certificate_expiry_timestamp_seconds certificate good), notAfter $end"
[ "$(sample acmeup_certificate_last_attempt_success certificate good)" = 1 ] ||
	fail "good: success not 1: $(cat "$M")"
att=$(sample acmeup_certificate_last_attempt_timestamp_seconds certificate good)
{ [ "$att" -ge "$t0" ] && [ "$att" -le "$t1" ]; } || fail "good: attempt at $att, not within the run ($t0..$t1)"
[ "$(sample acmeup_certificate_last_success_timestamp_seconds certificate good)" = "$att" ] ||
	fail "good: last success"
[ "$(sample acmeup_run_exit_code command issue)" = 0 ] || fail "issue: exit code sample"
[ "$(stat -c %a "$M")" = 644 ] || fail "$M mode $(stat -c %a "$M"), want 644 (node_exporter reads it)"
ok "issue: expiry = notAfter ($end), attempt and success at $att, exit 0, mode 644"

# renew: good is not due (its attempt stays), refused fails (REFUSED in
# contoso.test).
sleep 1
run_acmeup renew renew -c "$CONF"
[ "$RC" = 1 ] || [ "$RC" = 4 ] || { show_output renew; fail "renew exited $RC, want 1 or 4 (refused fails)"; }
check_format
[ "$(sample acmeup_certificate_last_attempt_timestamp_seconds certificate good)" = "$att" ] ||
	fail "good was not due, but its last attempt moved: $(cat "$M")"
[ "$(sample acmeup_certificate_expiry_timestamp_seconds certificate good)" = "$end" ] ||
	fail "good's expiry after renew"
[ "$(sample acmeup_certificate_last_attempt_success certificate refused)" = 0 ] ||
	fail "refused: success not 0: $(cat "$M")"
[ -z "$(sample acmeup_certificate_expiry_timestamp_seconds certificate refused)" ] ||
	fail "refused has an expiry, but no certificate"
[ -z "$(sample acmeup_certificate_last_success_timestamp_seconds certificate refused)" ] ||
	fail "refused: a last success"
[ "$(sample acmeup_run_exit_code command renew)" = "$RC" ] || fail "renew: exit code sample, want $RC"
[ "$(sample acmeup_run_exit_code command issue)" = 0 ] || fail "the issue run's samples were not kept"
[ -z "$(find "$TMP/metrics" -mindepth 1 ! -name acmeup.prom)" ] ||
	fail "left in $TMP/metrics: $(ls -a "$TMP/metrics")"
ok "renew (exit $RC): good, not tried, keeps its attempt; refused says 0 and has no expiry; the issue run's samples kept; nothing else in the directory"

# A previous file that is not ours: only what parses as our own samples
# survives.
{
	printf 'evil_metric{certificate="x"} 1\n'
	printf 'acmeup_certificate_last_attempt_success{certificate="other"} 1 extra\n'
	printf 'acmeup_certificate_last_attempt_success{certificate="oth\\q"} 1\n'
	printf 'acmeup_certificate_last_attempt_success{certificate="%s"} 1\n' "$(head -c 2000 /dev/zero | tr '\0' a)"
	printf 'acmeup_certificate_last_attempt_success{certificate="kept"} 1\n'
	printf '\033[31m\n'
} >"$M"
run_acmeup renew2 renew -c "$CONF" good
[ "$RC" = 3 ] || { show_output renew2; fail "renew good exited $RC, want 3 (not due)"; }
check_format
! grep -q 'evil\|extra\|oth\\q\|aaaaaaaa' "$M" || fail "a foreign line was carried over: $(cat "$M")"
[ "$(sample acmeup_certificate_last_attempt_success certificate kept)" = 1 ] ||
	fail "a valid line of ours was lost"
ok "a hostile previous file: only well-formed samples of our families carried over"

assert_no_challenge_records
ok "no challenge records left"
