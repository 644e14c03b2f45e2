#!/usr/bin/env python3
"""The lab's lagger: makes a secondary follow its primary a set time late.

    python3 tests/lab/lagger.py PRIMARY SECONDARY ZONE LAG-FILE RNDC-CONF

Polls ZONE's SOA serial at PRIMARY every 0.1 s. When it moves, waits the
number of seconds in LAG-FILE (re-read every poll: "never" holds the change
back until the file says otherwise), then makes SECONDARY transfer the zone
(rndc retransfer). Changes made while a transfer waits go along with it.
Started and stopped (by pid) by tests/lab/lab; logs each step with a time.

One process for the lab's life: each poll is one UDP query from here (a dig
a poll cost a quarter of a CPU on a two-CPU machine, beside every test).
"""
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time


def say(msg):
    t = time.time()
    stamp = time.strftime("%H:%M:%S", time.localtime(t))
    print(f"{stamp}.{int(t * 1000) % 1000:03d} lagger: {msg}", flush=True)


def now_us():
    return time.time_ns() // 1000


def skip_name(msg, off):
    """The offset after the (possibly compressed) name at off."""
    for _ in range(128):
        if off >= len(msg):
            raise ValueError("name past the end")
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        if n & 0xC0:
            raise ValueError("bad label")
        off += 1 + n
    raise ValueError("name too long")


def soa_query(zone, qid):
    labels = [l for l in zone.rstrip(".").split(".") if l]
    qname = b"".join(bytes([len(l)]) + l.encode() for l in labels) + b"\0"
    # RD=0: the server's own copy, as dig +norec asks
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + qname + \
        struct.pack(">HH", 6, 1)


def soa_serial(msg, qid):
    """The serial of the first SOA answer in msg, or None."""
    if len(msg) < 12:
        return None
    rid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
    if rid != qid or not flags & 0x8000 or flags & 0xF or qd != 1:
        return None
    off = skip_name(msg, 12) + 4
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if rtype == 6:
            r = skip_name(msg, skip_name(msg, off))
            return struct.unpack(">I", msg[r:r + 4])[0]
        off += rdlen
    return None


def serial_at(addr, zone):
    """ZONE's serial at addr (one try, 1 s), or None."""
    qid = random.getrandbits(16)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1)
            s.connect((addr, 53))  # replies from elsewhere never arrive
            s.send(soa_query(zone, qid))
            return soa_serial(s.recv(4096), qid)
    except (OSError, ValueError, struct.error):
        return None


def read_lag(path):
    """The lag in microseconds, or None for never."""
    try:
        with open(path) as f:
            s = f.readline().strip()
    except OSError:
        s = "5"
    if s == "never":
        return None
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", s):
        s = "5"
    whole, _, frac = s.partition(".")
    return int(whole) * 1000000 + int((frac + "000000")[:6])


def stop(_sig, _frame):
    say("stopped")
    sys.exit(0)  # an rndc under way is killed and reaped by subprocess


def main():
    if len(sys.argv) != 6:
        print("usage: lagger.py PRIMARY SECONDARY ZONE LAG-FILE RNDC-CONF",
              file=sys.stderr)
        return 2
    primary, secondary, zone, lag_file, rndc_conf = sys.argv[1:]
    signal.signal(signal.SIGTERM, stop)
    last = serial_at(secondary, zone)
    pending = None  # when the first change SECONDARY lacks was seen (us)
    say(f"watching {zone}: {primary} -> {secondary}, secondary at serial "
        f"{last if last is not None else '?'}")
    while True:
        # The change was there when this query reached the primary: counting
        # the lag from just before it was sent, ns3 is never early, and late
        # by at most one poll.
        asked = now_us()
        serial = serial_at(primary, zone)
        now = now_us()
        if serial is not None and serial != last:
            say(f"primary serial {last if last is not None else '?'} -> "
                f"{serial}")
            last = serial
            if pending is None:
                pending = asked
        nap = 0.1
        lag = read_lag(lag_file) if pending is not None else None
        if lag is not None:
            due = pending + lag - now
            if due <= 0:
                say(f"lag {lag // 1000} ms over: {secondary} retransfers "
                    f"{zone} (serial {last})")
                try:
                    rc = subprocess.run(["rndc", "-c", rndc_conf,
                                         "retransfer", zone],
                                        timeout=5).returncode
                except (OSError, subprocess.TimeoutExpired):
                    rc = 1
                if rc != 0:
                    say("rndc retransfer failed")
                pending = None
            elif due < 100000:
                nap = due / 1e6
        time.sleep(nap)


if __name__ == "__main__":
    sys.exit(main())
