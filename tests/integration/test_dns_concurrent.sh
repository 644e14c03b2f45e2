#!/usr/bin/env bash
# Two issuances at once in one zone, with one state directory: each adds
# and removes only its own records (by value), neither's start-up cleanup
# touches the other's live journal, both succeed, nothing is left.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

STATE=$TMP/state
# One account for both (created once, so the two do not race for it).
run_acmeup first "${ISSUE[@]}" -d "n$RANDOM$RANDOM.$ZONE" --tsig-key "$TSIG_KEY" \
	--state-dir "$STATE" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output first; fail "the first issuance exited $RC"; }

A=a$RANDOM$RANDOM.$ZONE
B=b$RANDOM$RANDOM.$ZONE
pids=()
for n in "$A" "$B"; do
	timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" "${ISSUE[@]}" -d "$n" \
		-d "*.$n" --tsig-key "$TSIG_KEY" --state-dir "$STATE" \
		--out "$TMP/out" -v >"$TMP/$n.out" 2>"$TMP/$n.err" </dev/null &
	pids+=($!)
done
rc=0
for i in 0 1; do
	wait "${pids[$i]}" || rc=$?
done
for n in "$A" "$B"; do
	sans=$(cert_dns_sans "$TMP/out/$n/cert.pem" 2>/dev/null | tr '\n' ' ')
	[ "$sans" = "*.$n $n " ] || { show_output "$n"; fail "$n: SANs '$sans' (exit $rc)"; }
	grep -q "dns: $ZONE: UPDATE deleting 2 TXT accepted" "$TMP/$n.err" ||
		{ show_output "$n"; fail "$n: no removal of its 2 records"; }
done
[ "$rc" = 0 ] || fail "one of the two exited $rc"
ok "both issued at once: $A, $B (each with its wildcard)"
at() { grep -m 1 "$2" "$TMP/$1.err" | sed 's/^\[ *\([0-9.]*\)s\].*/\1/'; }
ok "A: UPDATE at $(at "$A" "UPDATE adding") s, removed at $(at "$A" "UPDATE deleting") s; B: UPDATE at $(at "$B" "UPDATE adding") s, removed at $(at "$B" "UPDATE deleting") s"
[ -z "$(find "$STATE/journal" -type f)" ] || fail "journal files left: $(ls "$STATE/journal")"

assert_no_challenge_records
ok "no challenge records left in any zone"
