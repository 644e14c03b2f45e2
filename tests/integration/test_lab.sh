#!/usr/bin/env bash
# The lab itself: the resolver refuses names outside the lab zone, answers
# inside it, pebble's directory is reachable over TLS with the lab CA, an
# UPDATE signed with update.key reaches the secondary within 2 s, one signed
# with wrong.key is refused. Tells a broken lab apart from a broken acmeup.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ACMEUP_LAB_DIR=$ACMEUP_LAB_DIR "$ACMEUP_SOURCE/tests/lab/lab" check ||
	fail "lab self-check failed (see above)"
assert_no_challenge_records
ok "lab self-check passed; zone clean"
