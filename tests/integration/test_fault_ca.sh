#!/usr/bin/env bash
# The CA fails: (1) nothing listens at the directory URL; (2) an HTTPS
# front (python3, its own self-signed certificate, 127.53.0.1:14598) answers
# the directory with 500 and an HTML page; (3) the same front serves a good
# directory and nonces but answers every POST with 500 serverInternal
# (RFC 8555 6.7). Each time: exit 1, a message naming the CA and the cause,
# no challenge record written, the certificate issued before unchanged.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FRONT=127.53.0.1:14598
DEAD=https://127.53.0.1:14599/dir # nothing listens there

# --- the HTTPS front ------------------------------------------------------------
front_selfsigned "$FRONT"
cat >"$TMP/front.py" <<'PY'
import http.server, json, ssl, sys
addr, cert, key, mode = sys.argv[1:5]
host, port = addr.rsplit(":", 1)
base = "https://" + addr
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, code, ctype, body, nonce=True):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if nonce:
            self.send_header("Replay-Nonce", "bm9uY2Vub25jZQ")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def do_GET(self):
        if mode == "dir500":
            self.send(500, "text/html", b"<html><h1>Internal Server Error</h1></html>", False)
        elif self.path == "/dir":
            d = {k: base + "/" + k for k in
                 ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange")}
            d["meta"] = {"termsOfService": "data:text/plain,ok"}
            self.send(200, "application/json", json.dumps(d).encode())
        elif self.path == "/newNonce":
            self.send(204 if self.command == "HEAD" else 200, "text/plain", b"")
        else:
            self.post500()
    do_HEAD = do_GET
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.post500()
    def post500(self):
        p = {"type": "urn:ietf:params:acme:error:serverInternal",
             "detail": "the order database is on fire", "status": 500}
        self.send(500, "application/problem+json", json.dumps(p).encode())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = http.server.ThreadingHTTPServer((host, int(port)), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
PY

name=n$RANDOM$RANDOM.$ZONE
run_acmeup first "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
before=$(snapshot "$TMP/out")

# faulty TAG URL BUNDLE WANT...: a renewal of $name against URL fails with
# exit 1 and a last line holding every WANT; nothing else changed.
faulty() {
	local tag=$1 url=$2 bundle=$3 want last
	shift 3
	run_acmeup "$tag" "${ISSUE[@]}" --server "$url" --ca-bundle "$bundle" -d "$name" \
		--tsig-key "$TSIG_KEY" --state-dir "$TMP/state-$tag" --out "$TMP/out"
	[ "$RC" = 1 ] || { show_output "$tag"; fail "$tag: exit $RC, want 1"; }
	last=$(tail -n 1 "$TMP/$tag.err")
	for want in "$@"; do
		case $last in
		*"$want"*) ;;
		*) show_output "$tag"; fail "$tag: the message lacks \"$want\": $last" ;;
		esac
	done
	[ "$(snapshot "$TMP/out")" = "$before" ] || fail "$tag: the certificate directory changed"
	ok "$tag: $last"
}

faulty unreachable "$DEAD" "$ACME_CA_BUNDLE" "127.53.0.1" "14599"
front_py_up "$FRONT" dir500
faulty dir500 "https://$FRONT/dir" "$TMP/front.pem" "https://$FRONT/dir" "500"
front_py_up "$FRONT" post500
faulty post500 "https://$FRONT/dir" "$TMP/front.pem" "500" "serverInternal" \
	"the order database is on fire"
front_py_down

[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "a TXT for $name is on $PRIMARY"
ok "nothing of $name written to DNS"
assert_no_challenge_records
ok "no challenge records left in any zone"
