#!/usr/bin/env bash
# renew's choice with renewal information (RFC 9773), which the lab's
# pebble (2.4) lacks: a small HTTPS front (python3, the lab's TLS
# certificate, 127.53.0.9:16001) serves pebble's directory with
# "renewalInfo" added and answers renewalInfo/<certID> with a window in the
# past for the IDs listed in its "due" file, else one in 2031 (or 500 in
# mode "broken"); every other request goes to pebble itself.
#   - new certificates: due without asking the CA (nothing to ask about);
#   - windows in the future: nothing due (exit 3) although renew-before
#     (1900 days, longer than pebble's 5-year certificates) says due: the
#     CA's window wins;
#   - one window in the past: that certificate alone renewed, the ID asked
#     for is the one openssl computes, the old version kept;
#   - renewalInfo failing: a warning, and renew-before decides.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is needed for the fake CA front"
FRONT_ADDR=127.53.0.9
FRONT=https://$FRONT_ADDR:16001
tag=a$RANDOM$RANDOM

cat >"$TMP/front.py" <<'PY'
import datetime, json, os, ssl, sys, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

addr, port, acme_dir, bundle, cert, key, state = sys.argv[1:8]
front = "https://%s:%s" % (addr, port)
ctx = ssl.create_default_context(cafile=bundle)

def read(name):
    try:
        with open(os.path.join(state, name)) as f:
            return f.read().split()
    except OSError:
        return []

def rfc3339(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/dir":
            with urllib.request.urlopen(acme_dir, context=ctx) as r:
                d = json.load(r)
            d["renewalInfo"] = front + "/ari/"
            self.send(200, json.dumps(d))
            return
        if not self.path.startswith("/ari/"):
            self.send(404, "{}")
            return
        cid = self.path[5:]
        with open(os.path.join(state, "ari-requests"), "a") as f:
            f.write(cid + "\n")
        if "broken" in read("mode"):
            self.send(500, json.dumps({"type": "urn:ietf:params:acme:error:serverInternal",
                                       "detail": "renewal information is down"}))
        elif cid in read("due"):
            self.send(200, json.dumps({"suggestedWindow": {
                "start": rfc3339(-2), "end": rfc3339(-1)}}))
        else:
            self.send(200, json.dumps({"suggestedWindow": {
                "start": "2031-01-02T04:00:00Z", "end": "2031-01-03T04:00:00Z"}}))

srv = HTTPServer((addr, int(port)), H)
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(cert, key)
srv.socket = sctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(state, "ready"), "w").close()
srv.serve_forever()
PY
start_front "$TMP/front.py" "$FRONT_ADDR" 16001


CONF=$TMP/acmeup.conf
cat >"$CONF" <<EOF
server        $FRONT/dir
ca-bundle     $ACME_CA_BUNDLE
resolver      $RESOLVER
email         admin@example.test
agree-tos     yes
tsig-key      $TSIG_KEY
ttl           1
state-dir     $TMP/state
out           $TMP/out
renew-before  1900d

cert a {
    domains $tag-a.$ZONE
}
cert b {
    domains $tag-b.$ZONE *.$tag-b.$ZONE
}
EOF

# --- new certificates: due, nothing to ask the CA about ----------------------------
run_acmeup first renew -c "$CONF"
[ "$RC" = 0 ] || { show_output first; fail "first renew exited $RC"; }
[ ! -s "$TMP/front/ari-requests" ] || fail "renewalInfo asked for certificates that do not exist"
ida=$(cert_id "$TMP/out/a/cert.pem")
idb=$(cert_id "$TMP/out/b/cert.pem")
ok "first renew: a and b issued (missing, so due), no renewalInfo asked"

# --- windows in 2031: nothing due, whatever renew-before says ----------------------
sleep 2 # the TTL of the first run's records
run_acmeup later renew -c "$CONF" -v
[ "$RC" = 3 ] || { show_output later; fail "renew with windows in 2031 exited $RC, want 3"; }
[ "$(sort "$TMP/front/ari-requests")" = "$(printf '%s\n%s\n' "$ida" "$idb" | sort)" ] ||
	fail "renewalInfo asked for '$(tr '\n' ' ' <"$TMP/front/ari-requests")', want $ida and $idb"
grep -q "renew: a is not due: before the CA's renewal window; renewal from 2031-01-0" "$TMP/later.err" ||
	{ show_output later; fail "a: no 'before the CA's renewal window'"; }
ok "windows in 2031: nothing due (exit 3) although renew-before 1900d says due; IDs as openssl's"

# --- a's window has begun -----------------------------------------------------------
: >"$TMP/front/ari-requests"
echo "$ida" >"$TMP/front/due"
old=$(sha256sum <"$TMP/out/a/cert.pem")
oldb=$(sha256sum <"$TMP/out/b/cert.pem")
run_acmeup due renew -c "$CONF" --json
[ "$RC" = 0 ] || { show_output due; fail "renew with a's window open exited $RC"; }
grep -q "renew: a is due: inside the CA's renewal window" "$TMP/due.err" ||
	{ show_output due; fail "a: not 'inside the CA's renewal window'"; }
[ "$(sha256sum <"$TMP/out/a/cert.pem")" != "$old" ] || fail "a was not renewed"
[ "$(sha256sum <"$TMP/out/a/previous/cert.pem")" = "$old" ] || fail "a's previous version was not kept"
[ "$(sha256sum <"$TMP/out/b/cert.pem")" = "$oldb" ] || fail "b was renewed although not due"
python3 - "$TMP/due.out" <<'PY' || fail "--json: $(cat "$TMP/due.out")"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in r["certificates"]}
assert c["a"]["action"] == "renewed", c["a"]
assert c["b"]["action"] == "skipped", c["b"]
assert r["summary"]["renewed"] == 1 and r["summary"]["skipped"] == 1, r["summary"]
PY
ok "a's window open: a alone renewed (previous kept), b skipped; --json agrees"

# --- renewalInfo failing: renew-before decides ---------------------------------------
sleep 2
echo broken >"$TMP/front/mode"
run_acmeup broken renew -c "$CONF" --json
[ "$RC" = 0 ] || { show_output broken; fail "renew with renewalInfo failing exited $RC"; }
grep -q "warning: ari: .*deciding by the expiry date instead" "$TMP/broken.err" ||
	{ show_output broken; fail "no warning about the failing renewalInfo"; }
grep -q "renew: b is due: close to expiry" "$TMP/broken.err" ||
	{ show_output broken; fail "b not due by renew-before 1900d"; }
[ "$(json_summary "$TMP/broken.out")" = "0 2 0 0" ] ||
	{ show_output broken; fail "want both renewed: $(json_summary "$TMP/broken.out")"; }
ok "renewalInfo failing: warned, renew-before 1900d decided, both renewed"

assert_no_challenge_records
ok "no challenge records left"
