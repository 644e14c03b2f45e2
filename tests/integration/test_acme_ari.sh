#!/usr/bin/env bash
# What the lab's pebble (2.4) cannot show: renewal information (RFC 9773),
# certificate profiles, and a CA that rate-limits (429) or is unavailable
# (503). A small HTTPS front (python3, the lab's TLS certificate, on
# 127.53.0.9:16000) serves pebble's own directory with "renewalInfo" and
# "profiles" added, a RenewalInfo object, and 429/503 answers on demand;
# every other request goes to pebble itself.
#   - renewal: acmeup computes the certificate ID (checked against one
#     computed with openssl), fetches and shows the window, and orders;
#   - --profile: a listed profile is accepted, an unlisted one refused with
#     the list;
#   - 429 with Retry-After: stop with the CA's detail and the time, or wait
#     it out when --wait-rate-limit allows; 503 the same.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is needed for the fake CA front"
FRONT_ADDR=127.53.0.9
FRONT=https://$FRONT_ADDR:16000
STATE=$TMP/state
OUT=$TMP/out

# --- the front ------------------------------------------------------------------
cat >"$TMP/front.py" <<'PY'
import json, os, ssl, sys, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

addr, port, acme_dir, bundle, cert, key, state = sys.argv[1:8]
front = "https://%s:%s" % (addr, port)
ctx = ssl.create_default_context(cafile=bundle)

def mode():
    try:
        with open(os.path.join(state, "mode")) as f:
            return f.read().strip()
    except OSError:
        return ""

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, ctype, extra=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        m = mode()
        if m.startswith("429:") or m.startswith("503:"):
            code, after = m.split(":")
            with open(os.path.join(state, "mode"), "w") as f:
                f.write("")  # once
            prob = {"type": "urn:ietf:params:acme:error:rateLimited",
                    "detail": "too many new orders (300) from this account "
                              "in the last 3 hours"} if code == "429" else \
                   {"type": "urn:ietf:params:acme:error:serverInternal",
                    "detail": "the CA is down for maintenance"}
            self.send(int(code), json.dumps(prob), "application/problem+json",
                      [("Retry-After", after)])
            return
        if self.path == "/dir":
            with urllib.request.urlopen(acme_dir, context=ctx) as r:
                d = json.load(r)
            d["renewalInfo"] = front + "/ari/"
            d.setdefault("meta", {})["profiles"] = {
                "classic": "the usual 90 days", "shortlived": "six days"}
            self.send(200, json.dumps(d), "application/json")
        elif self.path.startswith("/ari/"):
            with open(os.path.join(state, "ari-requests"), "a") as f:
                f.write(self.path[5:] + "\n")
            self.send(200, json.dumps({
                "suggestedWindow": {"start": "2031-01-02T04:00:00Z",
                                    "end": "2031-01-03T04:00:00.5Z"},
                "explanationURL": "https://ca.example/ari-info"}),
                "application/json", [("Retry-After", "21600")])
        else:
            self.send(404, "{}", "application/json")

srv = HTTPServer((addr, int(port)), H)
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(cert, key)
srv.socket = sctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(state, "ready"), "w").close()
srv.serve_forever()
PY
start_front "$TMP/front.py" "$FRONT_ADDR" 16000

# --- renewal information ------------------------------------------------------------

run_acmeup first "${ISSUE[@]}" --server "$FRONT/dir" -d "n$RANDOM$RANDOM.$ZONE" \
	--cert-name ari --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT"
[ "$RC" = 0 ] || { show_output first; fail "first issue through the front exited $RC"; }
[ ! -s "$TMP/front/ari-requests" ] || fail "renewal information asked for a first issuance"
want=$(cert_id "$OUT/ari/cert.pem")
[ -n "${want%.}" ] || fail "could not compute the certificate ID with openssl"

run_acmeup renew "${ISSUE[@]}" --server "$FRONT/dir" -d "n$RANDOM$RANDOM.$ZONE" \
	--cert-name ari --tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT"
[ "$RC" = 0 ] || { show_output renew; fail "renewal through the front exited $RC"; }
[ "$(cat "$TMP/front/ari-requests")" = "$want" ] ||
	fail "renewalInfo asked for '$(cat "$TMP/front/ari-requests")', openssl says '$want'"
grep -q "ari: the CA suggests renewing $want between 2031-01-02T04:00:00Z and 2031-01-03T04:00:00Z; see https://ca.example/ari-info" "$TMP/renew.err" ||
	{ show_output renew; fail "the suggested window was not shown"; }
ok "renewal: certificate ID $want (same as openssl's), window shown, order placed"

# --- profiles -----------------------------------------------------------------------------
run_acmeup profile "${ISSUE[@]}" --server "$FRONT/dir" -d "n$RANDOM$RANDOM.$ZONE" \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT" --profile shortlived
[ "$RC" = 0 ] || { show_output profile; fail "--profile shortlived exited $RC"; }
grep -q 'profile shortlived' "$TMP/profile.err" || fail "the order does not mention the profile"
run_acmeup noprofile "${ISSUE[@]}" --server "$FRONT/dir" -d "n$RANDOM$RANDOM.$ZONE" \
	--tsig-key "$TSIG_KEY" --state-dir "$STATE" --out "$OUT" --profile tlsserver
[ "$RC" = 2 ] && grep -q 'offers only: classic, shortlived' "$TMP/noprofile.err" ||
	{ show_output noprofile; fail "an unlisted profile: exit $RC"; }
ok "--profile: listed one ordered, unlisted one refused with the list"

# --- 429 and 503 ---------------------------------------------------------------------------
SHOW=(account show --server "$FRONT/dir" --ca-bundle "$ACME_CA_BUNDLE" --state-dir "$STATE")
echo 429:120 >"$TMP/front/mode"
run_acmeup limited "${SHOW[@]}" --wait-rate-limit 5
[ "$RC" = 1 ] || { show_output limited; fail "429 with Retry-After 120 > 5: exit $RC, want 1"; }
last=$(tail -n 1 "$TMP/limited.err")
case $last in
*"(HTTP 429): rateLimited: too many new orders (300) from this account in the last 3 hours"*"retry after 120 s (at 20"*) ;;
*) fail "unclear rate-limit message: $last" ;;
esac
ok "429: stopped with the CA's detail and time: $last"

echo 429:2 >"$TMP/front/mode"
run_acmeup waited "${SHOW[@]}" --wait-rate-limit 5
[ "$RC" = 0 ] || { show_output waited; fail "429 with Retry-After 2 and --wait-rate-limit 5: exit $RC"; }
grep -q 'answered HTTP 429; waiting 2 s as --wait-rate-limit allows' "$TMP/waited.err" ||
	fail "the wait was not reported"
ok "429 with a short Retry-After: waited 2 s, then went on"

echo 503:30 >"$TMP/front/mode"
run_acmeup down "${SHOW[@]}"
[ "$RC" = 1 ] || fail "503: exit $RC, want 1"
last=$(tail -n 1 "$TMP/down.err")
case $last in
*"(HTTP 503, service unavailable): serverInternal: the CA is down for maintenance"*"retry after 30 s"*) ;;
*) fail "unclear 503 message: $last" ;;
esac
ok "503: $last"

assert_no_challenge_records
ok "no _acme-challenge records left"
