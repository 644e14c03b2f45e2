#!/usr/bin/python3
"""A hostile DNS relay for the hostile-peer tests: listens on UDP and TCP,
passes messages on to a real server (the lab primary or resolver) and
forges, mangles or drops per mode. Standard library only.

    fake_dns.py MODEDIR LOGFILE LISTEN=UPSTREAM...     (ADDR:PORT each)

A relay per LISTEN=UPSTREAM pair, UDP and TCP. The mode of the one on port
P is read from MODEDIR/P for every message (missing: pass). LOGFILE gets
one line per message: "SECONDS PORT KIND MODE ACTION", KIND "update",
"query-signed" (carries a TSIG RR) or "query". Modes:
  pass       relay everything
  drop       answer nothing at all
  wrongid    before each real reply, a forged one with another ID
  wrongsrc   before each real reply over UDP, a forged REFUSED with the
             right ID from another address (127.0.0.1)
  noerror    answer UPDATEs with an unsigned NOERROR, never pass them on
  forgetxt   answer TXT queries (right ID, AA) with a value never published
  badkey     answer signed queries with an unsigned NOTAUTH/BADKEY (what a
             server that does not know the key says, and anyone can forge)
  loop       replies to queries: an answer owner that points at itself
  txtloop    replies to TXT queries only (the proof, after the UPDATE):
             as loop
  pastend    replies to queries: a compression pointer past the end
  trunc      replies to queries: the header promises 5 answers, none follow
  huge       replies to queries: 65000 octets, answers of random bytes
  tcpshort   replies to queries: TC=1; over TCP a length of 65535, 10
             octets, then the connection closes
  gssalg     GSS-TSIG key exchanges (TKEY) under "gss-tsig" answered with
             TKEY error BADALG (21), as a server that knows only
             "gss.microsoft.com" (Windows 2000) would; others relayed
  tkeynosig  TKEY answers relayed without their TSIG RR: the answer that
             completes the context is no longer signed by it
The garbage modes pass UPDATEs (so the records are really added and
removed): only what acmeup reads back is hostile.
"""
import os
import socket
import struct
import sys
import threading
import time

MODEDIR, LOGFILE = sys.argv[1:3]
lock = threading.Lock()


class Relay:
    def __init__(self, pair):
        listen, upstream = pair.split("=")
        self.host, port = listen.rsplit(":", 1)
        self.port = int(port)
        uhost, uport = upstream.rsplit(":", 1)
        self.up = (uhost, int(uport))

    def mode(self):
        try:
            with open(os.path.join(MODEDIR, str(self.port))) as f:
                return f.read().strip() or "pass"
        except OSError:
            return "pass"

    def log(self, kind, m, action):
        with lock, open(LOGFILE, "a") as f:
            f.write("%.3f %d %s %s %s\n" % (time.time(), self.port, kind, m,
                                            action))


def skip_name(m, i):
    while i < len(m) and m[i] != 0:
        if m[i] & 0xC0 == 0xC0:
            return i + 2
        i += m[i] + 1
    return i + 1


def question_end(m):
    """Offset after the first question (12 when there is none)."""
    if struct.unpack("!H", m[4:6])[0] == 0:
        return 12
    return skip_name(m, 12) + 4


def qtype(m):
    i = skip_name(m, 12)
    return struct.unpack("!H", m[i:i + 2])[0] if i + 2 <= len(m) else 0


def kind(m):
    if (m[2] >> 3) & 0xF == 5:
        return "update"
    return "query-signed" if struct.unpack("!H", m[10:12])[0] > 0 and \
        signed(m) else "query"


def signed(m):
    """The last additional RR is a TSIG (type 250)."""
    i = question_end(m)
    an, ns, ar = struct.unpack("!HHH", m[6:12])
    last = None
    try:
        for _ in range(an + ns + ar):
            i = skip_name(m, i)
            last = struct.unpack("!H", m[i:i + 2])[0]
            i += 10 + struct.unpack("!H", m[i + 8:i + 10])[0]
    except struct.error:
        return False
    return last == 250


def header(m, flags2, an, ns=0, ar=0, qd=1, tc=False, aa=True):
    """A reply header for request m: same ID, QR, opcode, RD."""
    f1 = 0x80 | (m[2] & 0x79) | (0x04 if aa else 0) | (0x02 if tc else 0)
    return m[0:2] + bytes([f1, flags2]) + struct.pack("!HHHH", qd, an, ns, ar)


def question(m):
    return m[12:question_end(m)]


def forged_txt(m):
    txt = b"forged-never-published"
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, len(txt) + 1) + \
        bytes([len(txt)]) + txt
    return header(m, 0, 1) + question(m) + rr


def badkey(m):
    """NOTAUTH with a TSIG RR naming the query's key, error BADKEY (17),
    no MAC: RFC 8945 5.3.2, unsigned, so anyone can send it."""
    i = question_end(m)
    an, ns, ar = struct.unpack("!HHH", m[6:12])
    for _ in range(an + ns + ar - 1):
        i = skip_name(m, i)
        i += 10 + struct.unpack("!H", m[i + 8:i + 10])[0]
    kstart = i
    i = skip_name(m, i)
    keyname = m[kstart:i]
    rd = m[i + 10:]
    alg_end = skip_name(rd, 0)
    alg = rd[:alg_end]
    times = rd[alg_end:alg_end + 8]  # time signed (6) + fudge (2)
    orig_id = m[0:2]
    rdata = alg + times + b"\x00\x00" + orig_id + struct.pack("!HH", 17, 0)
    tsig = keyname + struct.pack("!HHIH", 250, 255, 0, len(rdata)) + rdata
    return header(m, 9, 0, ar=1) + question(m) + tsig


def name_text(m, i):
    """The uncompressed name at m[i:] as lower-case text."""
    labels = []
    while i < len(m) and m[i] != 0:
        labels.append(m[i + 1:i + 1 + m[i]].decode("ascii", "replace"))
        i += m[i] + 1
    return ".".join(labels).lower()


def rrs(m):
    """(start, type, rdata start, end) of every RR after the question."""
    i = question_end(m)
    an, ns, ar = struct.unpack("!HHH", m[6:12])
    out = []
    for _ in range(an + ns + ar):
        start = i
        i = skip_name(m, i)
        t, _, _, rdlen = struct.unpack("!HHIH", m[i:i + 10])
        out.append((start, t, i + 10, i + 10 + rdlen))
        i += 10 + rdlen
    return out


def tkey_alg(m):
    """The algorithm of a TKEY query's TKEY RR ("" when none)."""
    for _, t, rd, _ in rrs(m):
        if t == 249:
            return name_text(m, rd)
    return ""


def tkey_badalg(m):
    """A TKEY answer for the query's key name: algorithm gss-tsig, mode 3,
    error BADALG (21), no key data; unsigned."""
    now = int(time.time())
    rdata = b"\x08gss-tsig\x00" + struct.pack("!IIHHHH", now, now, 3, 21, 0, 0)
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 249, 255, 0, len(rdata)) + rdata
    return header(m, 0, 1, aa=False) + question(m) + rr


def strip_tsig(r):
    """r without its last RR when that is a TSIG RR."""
    found = rrs(r)
    if not found or found[-1][1] != 250:
        return r
    ar = struct.unpack("!H", r[10:12])[0]
    return r[:10] + struct.pack("!H", ar - 1) + r[12:found[-1][0]]


def garbage(m, how):
    q = question(m)
    if how == "loop":  # the answer's owner is a pointer to itself
        at = 12 + len(q)
        ptr = struct.pack("!H", 0xC000 | at)
        return header(m, 0, 1) + q + ptr + struct.pack("!HHIH", 6, 1, 60, 0)
    if how == "pastend":
        return header(m, 0, 1) + q + b"\xc3\xff" + struct.pack("!HHIH", 6, 1,
                                                             60, 0)
    if how == "trunc":
        return header(m, 0, 5) + q + b"\xc0"
    if how == "huge":
        body = b""
        while len(body) < 65000 - 12 - len(q) - 1100:
            body += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, 1000) + \
                os.urandom(1000)
        return header(m, 0, len(body) // 1012) + q + body
    return None


def relay_udp(m, rl):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.bind((rl.host, 0))
        u.sendto(m, rl.up)
        return u.recv(65535)
    except OSError:
        return None
    finally:
        u.close()


def relay_tcp(m, rl):
    try:
        with socket.create_connection(rl.up, timeout=3,
                                      source_address=(rl.host, 0)) as c:
            c.sendall(struct.pack("!H", len(m)) + m)
            n = struct.unpack("!H", recv_all(c, 2))[0]
            return recv_all(c, n)
    except (OSError, struct.error):
        return None


def recv_all(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise OSError("closed")
        b += d
    return b


def answer(rl, m, tcp):
    """The list of replies to send for m (may be empty), by the mode."""
    md = rl.mode()
    k = kind(m)
    log = rl.log
    if md == "drop":
        log(k, md, "dropped")
        return []
    if md == "noerror" and k == "update":
        log(k, md, "forged unsigned NOERROR")
        return [header(m, 0, 0, qd=struct.unpack("!H", m[4:6])[0]) +
                question(m)]
    if md == "badkey" and k == "query-signed":
        log(k, md, "forged BADKEY")
        return [badkey(m)]
    if md == "forgetxt" and k != "update" and qtype(m) == 16:
        log(k, md, "forged TXT")
        return [forged_txt(m)]
    if md == "txtloop" and k != "update" and qtype(m) == 16:
        log(k, md, "garbage loop")
        return [garbage(m, "loop")]
    if k != "update" and md in ("loop", "pastend", "trunc", "huge"):
        log(k, md, "garbage " + md)
        return [garbage(m, md)]
    if k != "update" and md == "tcpshort":
        log(k, md, "tcpshort " + ("tcp" if tcp else "udp"))
        if tcp:
            return [b"TCPSHORT"]
        return [header(m, 0, 0, tc=True) + question(m)]
    if md == "gssalg" and qtype(m) == 249 and tkey_alg(m) == "gss-tsig":
        log(k, md, "TKEY gss-tsig: BADALG")
        return [tkey_badalg(m)]
    real = relay_tcp(m, rl) if tcp else relay_udp(m, rl)
    if md == "tkeynosig" and qtype(m) == 249 and real is not None:
        log(k, md, "TKEY answer without its TSIG")
        return [strip_tsig(real)]
    out = []
    if md == "wrongid":
        f = bytearray(header(m, 0, 0) + question(m))
        f[0] ^= 0x55
        f[1] ^= 0xAA
        out.append(bytes(f))
    log(k, md, "relayed" if real is not None else "upstream silent")
    if real is not None:
        out.append(real)
    return out


def serve_udp(rl, s):
    while True:
        m, peer = s.recvfrom(65535)
        threading.Thread(target=udp_one, args=(rl, s, m, peer),
                         daemon=True).start()


def udp_one(rl, s, m, peer):
    if len(m) < 12:
        return
    if rl.mode() == "wrongsrc":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as f:
            f.bind(("127.0.0.1", 0))
            f.sendto(header(m, 5, 0) + question(m), peer)
        rl.log(kind(m), "wrongsrc", "forged from 127.0.0.1")
    for r in answer(rl, m, False):
        s.sendto(r, peer)


def tcp_one(rl, c):
    with c:
        try:
            c.settimeout(10)
            n = struct.unpack("!H", recv_all(c, 2))[0]
            m = recv_all(c, n)
            for r in answer(rl, m, True):
                if r == b"TCPSHORT":
                    c.sendall(b"\xff\xff" + m[0:2] + b"\x80" + b"\x00" * 7)
                    return
                c.sendall(struct.pack("!H", len(r)) + r)
        except (OSError, struct.error):
            pass


def serve_tcp(rl, s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_one, args=(rl, c), daemon=True).start()


def main():
    for pair in sys.argv[3:]:
        rl = Relay(pair)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((rl.host, rl.port))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((rl.host, rl.port))
        tcp.listen(16)
        threading.Thread(target=serve_tcp, args=(rl, tcp), daemon=True).start()
        threading.Thread(target=serve_udp, args=(rl, udp), daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


main()
