#!/usr/bin/env bash
# The HTTP client bounds what a CA can send (src/acme/http.c). A small HTTPS
# front (python3, its own self-signed certificate, 127.53.0.1:14597) answers
# the directory GET hostilely, one mode at a time: a 3.7 MB body announced
# by Content-Length; an endless JSON body without one; 2000 header lines; a
# redirect (to a URL with an escape sequence in it). (A body dripping slowly
# is tests/hostile/test_hostile_http.sh's "slow": one 30 s wait is enough.)
# Each time: exit 1 within a bounded time and memory, a
# last line naming the URL and the limit, and the certificate directory
# unchanged.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is needed for the HTTPS front"
FRONT=127.53.0.1:14597

front_selfsigned "$FRONT"
cat >"$TMP/front.py" <<'PY'
import http.server, ssl, sys
addr, cert, key, mode = sys.argv[1:5]
host, port = addr.rsplit(":", 1)
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        if mode == "bigbody":
            body = b"x" * (3700 * 1000)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif mode == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"newNonce": "')
            while True:
                self.wfile.write(b"a" * 65536)
        elif mode == "bighead":
            self.send_response(200)
            for i in range(2000):
                self.send_header("X-Pad-%d" % i, "p" * 90)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        elif mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "https://%s/elsewhere\x1b[31mred" % addr)
            self.send_header("Content-Length", "0")
            self.end_headers()
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = http.server.ThreadingHTTPServer((host, int(port)), H)
srv.daemon_threads = True
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
PY

name=n$RANDOM$RANDOM.$ZONE
run_acmeup first "${ISSUE[@]}" -d "$name" --tsig-key "$TSIG_KEY" \
	--state-dir "$TMP/state" --out "$TMP/out"
[ "$RC" = 0 ] || { show_output first; fail "first issue exited $RC"; }
before=$(snapshot "$TMP/out")

# hostile MODE SECONDS MAX_KB WANT...: against the front in MODE, a renewal
# of $name exits 1 within SECONDS, its peak RSS under MAX_KB, with a last
# line holding every WANT and nothing but printable characters.
hostile() {
	local mode=$1 secs=$2 max_kb=$3 want last start took rss
	shift 3
	front_py_up "$FRONT" "$mode"
	start=$(date +%s)
	RC=0
	/usr/bin/time -f %M -o "$TMP/$mode.rss" \
		timeout --kill-after=5 "$ACMEUP_TIMEOUT" "$ACMEUP" "${ISSUE[@]}" \
		--server "https://$FRONT/dir" --ca-bundle "$TMP/front.pem" -d "$name" \
		--tsig-key "$TSIG_KEY" --state-dir "$TMP/state-$mode" --out "$TMP/out" \
		>"$TMP/$mode.out" 2>"$TMP/$mode.err" </dev/null || RC=$?
	took=$(($(date +%s) - start))
	rss=$(tail -n 1 "$TMP/$mode.rss")
	front_py_down
	[ "$RC" = 1 ] || { show_output "$mode"; fail "$mode: exit $RC, want 1"; }
	[ "$took" -le "$secs" ] || fail "$mode: took $took s, want at most $secs"
	[ "$rss" -le "$max_kb" ] || fail "$mode: peak RSS $rss KiB, want at most $max_kb"
	last=$(tail -n 1 "$TMP/$mode.err")
	for want in "$@"; do
		case $last in
		*"$want"*) ;;
		*) show_output "$mode"; fail "$mode: the message lacks \"$want\": $last" ;;
		esac
	done
	! LC_ALL=C grep -q '[^[:print:]]' <<<"$last" || fail "$mode: unprintable bytes in: $last"
	[ "$(snapshot "$TMP/out")" = "$before" ] || fail "$mode: the certificate directory changed"
	ok "$mode: ${took}s, ${rss} KiB: $last"
}

# The sanitized binary's floor is far above a plain build's: measure it on a
# small answer, then allow 8 MiB more than it.
hostile redirect 10 1000000 "GET https://$FRONT/dir" "redirects (HTTP 302) to https://$FRONT/elsewhere?[31mred" \
	"follows no redirects"
floor=$(tail -n 1 "$TMP/redirect.rss")
limit=$((floor + 8192))
hostile bigbody 10 "$limit" "GET https://$FRONT/dir" "larger than 1048576 bytes"
hostile endless 10 "$limit" "GET https://$FRONT/dir" "body is larger than 131072 bytes"
hostile bighead 10 "$limit" "GET https://$FRONT/dir" "headers are larger than 65536 bytes"

[ -z "$(zone_txt "$PRIMARY" "_acme-challenge.$name")" ] || fail "a TXT for $name is on $PRIMARY"
ok "nothing of $name written to DNS"
