#!/usr/bin/python3
"""A fake ACME CA (RFC 8555) for the hostile-peer tests: a complete small CA
flow that a mode turns hostile. Standard library only, plus certtool
(gnutls-bin) to sign the CSR.

    fake_acme.py ADDR PORT TLS_CERT TLS_KEY STATEDIR

Serves https://ADDR:PORT/MODE/dir for any MODE (below): every URL it gives
out carries the mode, so one process serves many modes at once. Also a
plain-HTTP sink on PORT+1 and an HTTPS sink on 127.0.0.1:PORT+2 (the TLS
certificate must be valid for "localhost"), which only log: a client that
follows a redirect there shows in the log. JWS signatures are not checked;
DNS is not checked (every answered challenge is valid).

STATEDIR/requests.log: one line per request: "SECONDS METHOD MODE PATH"
(SECONDS since the epoch, with decimals; MODE "-" for the sinks).
STATEDIR/ready appears once it listens. STATEDIR/ca/ holds its own CA.

Modes (the names from newOrder are N1, N2, ...; ZONE is N1 less its first
label; the victim is "v" + N1's first label + "." + ZONE):
  baseline       pending dns-01 authorizations, a good certificate
  valid          authorizations already valid (no DNS), a good certificate
  victim         the first authorization names the victim, not N1
  extra          one more authorization, for the victim
  backslash      the first authorization's identifier is "x\\." + N1
  long           the first authorization's identifier has 5000 characters
  ip             the first authorization's identifier is of type ip
  dupauthz       20 authorizations for N1 (each its own token)
  escapeauthz    the validation fails with the problem of "escape"
  garbage        (valid authorizations) the certificate body is not DER
  otherkey       a certificate for another key
  extrasan       a certificate for the names and the victim
  missingsan     a certificate for N1 only
  expired        a certificate that expired in 2020
  future         a certificate valid from 2035 only
  badchain       the intermediate sent is not the one that signed the leaf
  hugechain      the chain repeats the intermediate up to 3.7 MB
  endless        the certificate body never ends (chunked, fast)
  slow           the certificate body comes one byte a second
  certhttp       the order's certificate URL is http://
  redirhttp      newOrder answers 307 to the http:// sink
  redirhost      newOrder answers 307 to https://localhost (the TLS sink)
  badjson        newOrder's body is cut-off JSON
  types          newOrder's body has members of the wrong types
  hugejson       newOrder's body is 3.9 MB: 300000 authorization URLs
  deepjson       newOrder's body is an array nested 1000000 deep
  retry0         after finalize the order stays "processing", Retry-After: 0
  escape         newOrder fails with a problem whose detail holds ESC
                 sequences and a newline forging an acmeup line
"""
import base64
import http.server
import json
import os
import secrets
import ssl
import subprocess
import sys
import threading
import time

ADDR, PORT, TLS_CERT, TLS_KEY, STATE = sys.argv[1:6]
PORT = int(PORT)
BASE = "https://%s:%d" % (ADDR, PORT)
SINK_HTTP = "http://%s:%d" % (ADDR, PORT + 1)
SINK_HTTPS = "https://localhost:%d" % (PORT + 2)
CA = os.path.join(STATE, "ca")
PEM_CHAIN = "application/pem-certificate-chain"
FORGED = ("\x1b[31mred alert\x1b[0m\x1b]0;title\x07\n"
          "acmeup: certificate issued for victim\r\n\x1b[2Kdone")

lock = threading.Lock()
orders = {}  # id -> dict
counter = [0]


def log(method, mode, path):
    with lock, open(os.path.join(STATE, "requests.log"), "a") as f:
        f.write("%.3f %s %s %s\n" % (time.time(), method, mode, path))


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def template(path, names, extra=""):
    with open(path, "w") as f:
        f.write('cn = "%s"\n' % names[0] if names else "")
        for n in names:
            f.write('dns_name = "%s"\n' % n)
        f.write("serial = %d\n" % secrets.randbelow(2**62))
        f.write(extra)


def make_ca():
    """A root, the intermediate that signs, and an impostor intermediate
    with the same name and another key; another leaf key."""
    os.makedirs(CA, exist_ok=True)
    for k in ("root", "int", "impostor", "other"):
        run("certtool", "--generate-privkey", "--key-type", "ecdsa",
            "--outfile", os.path.join(CA, k + ".key"))
    t = os.path.join(CA, "ca.tmpl")
    with open(t, "w") as f:
        f.write('cn = "Hostile Fake Root"\nca\ncert_signing_key\n'
                'expiration_days = 30\n')
    run("certtool", "--generate-self-signed", "--template", t,
        "--load-privkey", os.path.join(CA, "root.key"),
        "--outfile", os.path.join(CA, "root.pem"))
    with open(t, "w") as f:
        f.write('cn = "Hostile Fake Intermediate"\nca\ncert_signing_key\n'
                'expiration_days = 30\n')
    for k in ("int", "impostor"):
        run("certtool", "--generate-certificate", "--template", t,
            "--load-privkey", os.path.join(CA, k + ".key"),
            "--load-ca-certificate", os.path.join(CA, "root.pem"),
            "--load-ca-privkey", os.path.join(CA, "root.key"),
            "--outfile", os.path.join(CA, k + ".pem"))


def read(path):
    with open(path) as f:
        return f.read()


def issue(oid, mode, names, csr_der):
    """The PEM chain for the order, as the mode wants it."""
    d = os.path.join(STATE, "order-%d" % oid)
    os.makedirs(d, exist_ok=True)
    csr = os.path.join(d, "csr.pem")
    with open(csr, "w") as f:
        f.write("-----BEGIN NEW CERTIFICATE REQUEST-----\n")
        b = base64.b64encode(csr_der).decode()
        f.write("\n".join(b[i:i + 64] for i in range(0, len(b), 64)))
        f.write("\n-----END NEW CERTIFICATE REQUEST-----\n")
    if mode == "garbage":
        return ("-----BEGIN CERTIFICATE-----\nthis is not a certificate\n"
                "-----END CERTIFICATE-----\n")
    victim = victim_of(names)
    sans = list(names)
    extra = "tls_www_server\nsigning_key\nexpiration_days = 7\n"
    if mode == "extrasan":
        sans.append(victim)
    elif mode == "missingsan":
        sans = sans[:1]
    elif mode == "expired" or mode == "future":
        y = 2020 if mode == "expired" else 2035
        extra = ('tls_www_server\nsigning_key\n'
                 'activation_date = "%d-01-01 00:00:00 UTC"\n'
                 'expiration_date = "%d-04-01 00:00:00 UTC"\n' % (y, y))
    t = os.path.join(d, "leaf.tmpl")
    template(t, sans, extra)
    key = ["--load-privkey", os.path.join(CA, "other.key")] \
        if mode == "otherkey" else ["--load-request", csr]
    leaf = os.path.join(d, "leaf.pem")
    run("certtool", "--generate-certificate", "--template", t, *key,
        "--load-ca-certificate", os.path.join(CA, "int.pem"),
        "--load-ca-privkey", os.path.join(CA, "int.key"), "--outfile", leaf)
    inter = read(os.path.join(CA, "impostor.pem" if mode == "badchain"
                              else "int.pem"))
    pem = read(leaf) + inter
    if mode == "hugechain":
        pem = read(leaf) + inter * (3_700_000 // len(inter))
    return pem


def victim_of(names):
    first = names[0][2:] if names[0].startswith("*.") else names[0]
    label, _, zone = first.partition(".")
    return "v%s.%s" % (label, zone)


def b64url_json(s):
    s += "=" * (-len(s) % 4)
    raw = base64.urlsafe_b64decode(s)
    return json.loads(raw) if raw else None


def authz_for(oid, mode, names):
    """Authorizations: one per name (a wildcard's base name, wildcard
    true), then what the mode changes."""
    out = []
    for n in names:
        wild = n.startswith("*.")
        out.append({"identifier": {"type": "dns",
                                   "value": n[2:] if wild else n},
                    "wildcard": wild})
    first = out[0]["identifier"]
    if mode == "victim":
        first["value"] = victim_of(names)
    elif mode == "extra":
        out.append({"identifier": {"type": "dns", "value": victim_of(names)},
                    "wildcard": False})
    elif mode == "backslash":
        first["value"] = "x\\." + first["value"]
    elif mode == "long":
        zone = names[0].partition(".")[2]
        label = "a" * 60 + "."
        first["value"] = label * ((5000 - len(zone)) // len(label)) + zone
        first["value"] = "b" * (5000 - len(first["value"])) + first["value"]
    elif mode == "ip":
        out[0]["identifier"] = {"type": "ip", "value": "127.0.0.1"}
    elif mode == "dupauthz":
        out += [dict(out[0]) for _ in range(19)]
    pre_valid = mode not in ("baseline", "victim", "extra", "backslash",
                             "long", "ip", "dupauthz", "escapeauthz")
    for i, a in enumerate(out):
        a["status"] = "valid" if pre_valid else "pending"
        a["token"] = secrets.token_urlsafe(32)
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Replay-Nonce", secrets.token_urlsafe(16))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def parts(self):
        p = self.path.strip("/").split("/")
        return p[0], p[1:]

    def do_HEAD(self):
        mode, rest = self.parts()
        log("HEAD", mode, self.path)
        self.send(200, b"")

    def do_GET(self):
        mode, rest = self.parts()
        log("GET", mode, self.path)
        if rest == ["dir"]:
            u = "%s/%s/" % (BASE, mode)
            self.send(200, json.dumps({
                "newNonce": u + "nonce", "newAccount": u + "acct",
                "newOrder": u + "order-new", "revokeCert": u + "revoke",
                "keyChange": u + "key-change"}))
        elif rest == ["nonce"]:
            self.send(204, b"")
        else:
            self.send(404, "{}")

    def payload(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n))
        return b64url_json(body.get("payload", ""))

    def do_POST(self):
        mode, rest = self.parts()
        log("POST", mode, self.path)
        try:
            pl = self.payload()
        except Exception:
            pl = None
        kind = rest[0] if rest else ""
        f = getattr(self, "post_" + kind.replace("-", "_"), None)
        if f is None:
            self.send(404, "{}")
            return
        f(mode, rest[1:], pl)

    def post_acct(self, mode, rest, pl):
        self.send(200, json.dumps({"status": "valid", "contact": []}),
                  headers=[("Location", "%s/%s/acct/1" % (BASE, mode))])

    def post_order_new(self, mode, rest, pl):
        if mode == "redirhttp" or mode == "redirhost":
            to = SINK_HTTP if mode == "redirhttp" else SINK_HTTPS
            self.send(307, "{}", headers=[("Location", to + self.path)])
            return
        if mode == "escape":
            self.send(403, json.dumps({
                "type": "urn:ietf:params:acme:error:unauthorized",
                "detail": FORGED,
                "subproblems": [{"type": "urn:ietf:params:acme:error:caa",
                                 "detail": FORGED,
                                 "identifier": {"type": "dns",
                                                "value": FORGED}}]}),
                "application/problem+json")
            return
        names = [i["value"] for i in pl["identifiers"]]
        with lock:
            counter[0] += 1
            oid = counter[0]
            orders[oid] = {"mode": mode, "names": names, "finalized": False,
                           "authz": authz_for(oid, mode, names), "pem": None}
        loc = [("Location", "%s/%s/order/%d" % (BASE, mode, oid))]
        if mode == "badjson":
            self.send(201, '{"status": "pending", "finalize": "', headers=loc)
        elif mode == "types":
            self.send(201, json.dumps({
                "status": ["pending"], "finalize": 7,
                "authorizations": [1, None, {"url": "x"}, True],
                "identifiers": "n", "expires": {}}), headers=loc)
        elif mode == "hugejson":
            self.send(201, json.dumps({
                "status": "pending", "finalize": "%s/%s/finalize/%d" %
                (BASE, mode, oid), "authorizations":
                ["%s/%s/authz/%d/%d" % (BASE, mode, oid, i)
                 for i in range(300000)]})[:3_900_000] + "]}", headers=loc)
        elif mode == "deepjson":
            self.send(201, "[" * 1_000_000 + "]" * 1_000_000, headers=loc)
        else:
            self.send(201, self.order_json(mode, oid), headers=loc)

    def order_json(self, mode, oid):
        o = orders[oid]
        u = "%s/%s/" % (BASE, mode)
        if o["finalized"]:
            status = "processing" if mode == "retry0" else "valid"
        elif any(a["status"] == "invalid" for a in o["authz"]):
            status = "invalid"
        elif all(a["status"] == "valid" for a in o["authz"]):
            status = "ready"
        else:
            status = "pending"
        j = {"status": status,
             "identifiers": [{"type": "dns", "value": n} for n in o["names"]],
             "authorizations": ["%sauthz/%d/%d" % (u, oid, i)
                                for i in range(len(o["authz"]))],
             "finalize": "%sfinalize/%d" % (u, oid)}
        if status == "valid":
            j["certificate"] = ("%s/%s/cert/%d" % (SINK_HTTP, mode, oid)
                                if mode == "certhttp" else
                                "%scert/%d" % (u, oid))
        return json.dumps(j)

    def order_of(self, rest):
        try:
            return int(rest[0]), orders[int(rest[0])]
        except (IndexError, ValueError, KeyError):
            return None, None

    def post_order(self, mode, rest, pl):
        oid, o = self.order_of(rest)
        if o is None:
            self.send(404, "{}")
            return
        hdrs = [("Retry-After", "0")] if mode == "retry0" else []
        self.send(200, self.order_json(mode, oid), headers=hdrs)

    def post_authz(self, mode, rest, pl):
        oid, o = self.order_of(rest)
        a = o["authz"][int(rest[1])]
        u = "%s/%s/chall/%d/%s" % (BASE, mode, oid, rest[1])
        dns01 = {"type": "dns-01", "url": u, "token": a["token"],
                 "status": a["status"]}
        if a["status"] == "invalid":
            dns01["error"] = {"type": "urn:ietf:params:acme:error:dns",
                              "detail": FORGED}
        self.send(200, json.dumps({
            "identifier": a["identifier"], "status": a["status"],
            "wildcard": a["wildcard"], "expires": "2031-01-01T00:00:00Z",
            "challenges": [
                {"type": "http-01", "url": u + "/http", "status": "pending",
                 "token": a["token"]}, dns01]}))

    def post_chall(self, mode, rest, pl):
        oid, o = self.order_of(rest)
        a = o["authz"][int(rest[1])]
        # No DNS check: the CA is not what is tested.
        a["status"] = "invalid" if mode == "escapeauthz" else "valid"
        self.send(200, json.dumps({
            "type": "dns-01", "status": "processing", "token": a["token"],
            "url": "%s/%s/chall/%d/%s" % (BASE, mode, oid, rest[1])}))

    def post_finalize(self, mode, rest, pl):
        oid, o = self.order_of(rest)
        s = pl["csr"]
        der = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        o["pem"] = issue(oid, mode, o["names"], der)
        o["finalized"] = True
        hdrs = [("Retry-After", "0")] if mode == "retry0" else []
        self.send(200, self.order_json(mode, oid), headers=hdrs)

    def post_cert(self, mode, rest, pl):
        oid, o = self.order_of(rest)
        pem = o["pem"].encode()
        if mode == "endless":
            self.endless(pem)
        elif mode == "slow":
            self.slow(pem)
        else:
            self.send(200, pem, PEM_CHAIN)

    def endless(self, pem):
        self.send_response(200)
        self.send_header("Content-Type", PEM_CHAIN)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Replay-Nonce", secrets.token_urlsafe(16))
        self.end_headers()
        chunk = b"A" * 65536
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(pem), pem))
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            self.close_connection = True

    def slow(self, pem):
        self.send_response(200)
        self.send_header("Content-Type", PEM_CHAIN)
        self.send_header("Content-Length", str(len(pem)))
        self.send_header("Replay-Nonce", secrets.token_urlsafe(16))
        self.end_headers()
        try:
            for i in range(len(pem)):
                self.wfile.write(pem[i:i + 1])
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            self.close_connection = True


class Sink(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self):
        log(self.command, "-", "sink:%d%s" % (self.server.server_port,
                                             self.path))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_HEAD = answer


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def tls(srv):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(TLS_CERT, TLS_KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    return srv


def main():
    make_ca()
    servers = [tls(Server((ADDR, PORT), Handler)),
               Server((ADDR, PORT + 1), Sink),
               tls(Server(("127.0.0.1", PORT + 2), Sink))]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    open(os.path.join(STATE, "ready"), "w").close()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
