#!/usr/bin/env bash
# rejectedIdentifier (issue 5): a pebble with a domainBlocklist refuses new
# orders for those names and names under them. acmeup must show the CA's
# problem (type, detail with the name) in one clear line, exit 1, and touch
# nothing in DNS: no UPDATE, not even a lookup of the challenge names, no
# journal entry, no certificate.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

BLOCKED=blocked.$ZONE
OTHER=bad$RANDOM$RANDOM.test
lab_pebble_up blocklist 127.53.0.7 --blocklist "$BLOCKED,$OTHER"

# rejected NAME EXTRA-NAME: an order for both, NAME blocked.
rejected() {
	local run=$1 name=$2 extra=$3 last n
	run_acmeup "$run" issue --server "$LAB_PEBBLE_URL" --ca-bundle "$ACME_CA_BUNDLE" \
		--resolver "$RESOLVER" --email admin@example.test --agree-tos \
		-d "$extra" -d "$name" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state" \
		--out "$TMP/out" -v
	[ "$RC" = 1 ] || { show_output "$run"; fail "$run: exit $RC, want 1"; }
	last=$(tail -n 1 "$TMP/$run.err")
	case $last in
	*"order-plz (HTTP 400): rejectedIdentifier: "*"forbidden by policy"*"\"$name\""*) ;;
	*) show_output "$run"; fail "$run: unclear rejectedIdentifier message: $last" ;;
	esac
	! grep -q "UPDATE" "$TMP/$run.err" || { show_output "$run"; fail "$run: acmeup sent an UPDATE"; }
	for n in "$name" "$extra"; do
		# The logs first: zone_txt below is a query too.
		! grep -qiF "_acme-challenge.$n" "$ACMEUP_LAB_DIR/ns1/named.log" ||
			fail "$run: ns1 logged an UPDATE for _acme-challenge.$n"
		! grep -qiF "_acme-challenge.$n" "$PRIMARY_QUERYLOG" ||
			fail "$run: acmeup asked $PRIMARY about _acme-challenge.$n"
		[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$n")" ] || fail "$run: a TXT at _acme-challenge.$n"
		[ ! -e "$TMP/out/$n" ] || fail "$run: $TMP/out/$n exists"
	done
	[ -z "$(find "$TMP/state/journal" -type f 2>/dev/null)" ] ||
		fail "$run: journal files: $(ls "$TMP/state/journal")"
	ok "$run: exit 1, nothing in DNS: $last"
}

# A name under a blocked one, next to an allowed name; then a blocked name
# itself (the other entry of the list).
rejected under "n$RANDOM$RANDOM.$BLOCKED" "ok$RANDOM$RANDOM.$ZONE"
rejected exact "$OTHER" "ok$RANDOM$RANDOM.$ZONE"

# The same CA still issues for a name it does not block.
name=ok$RANDOM$RANDOM.$ZONE
run_acmeup allowed issue --server "$LAB_PEBBLE_URL" --ca-bundle "$ACME_CA_BUNDLE" \
	--resolver "$RESOLVER" --email admin@example.test --agree-tos \
	-d "$name" --tsig-key "$TSIG_KEY" --state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output allowed; fail "issue $name (not blocked): exit $RC"; }
[ -s "$TMP/out/$name/fullchain.pem" ] || fail "no certificate for $name"
ok "the same CA issues for $name"

assert_no_challenge_records
ok "no challenge records left in any zone"
