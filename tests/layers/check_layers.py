#!/usr/bin/env python3
"""The layer rules of docs/DESIGN.md, checked on the built objects.

    check_layers.py BUILD_DIR

Reads which global symbols each object file of src/ and tsig/ defines and
uses (nm), and fails (exit 1), naming the files and a symbol, when
- a file of one module calls into a module that is not below it:
    cli > engine > acme, dns > store > crypto, tsig > support
  (acme and dns never call each other), or
- files call each other in a circle (a call cycle between files, within a
  module or across modules).
"""
import collections
import os
import subprocess
import sys

RANK = {"cli": 6, "engine": 5, "acme": 4, "dns": 4, "store": 3,
        "crypto": 2, "tsig": 2, "support": 1}


def objects(build):
    """(module, file) -> path of every object of src/ and tsig/."""
    found = {}
    for root, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            path = os.path.join(root, f)
            parts = root.split(os.sep)
            if "acmeup_main.dir" in parts or "acmeup.dir" in parts:
                continue
            mod = None
            for p in parts:
                if p.startswith("acmeup_") and p.endswith(".dir"):
                    mod = p[len("acmeup_"):-len(".dir")]
                elif p == "tsig.dir":
                    mod = "tsig"
            if mod in RANK:
                found[(mod, f[:-len(".c.o")])] = path
    return found


def symbols(path):
    out = subprocess.run(["nm", "-P", path], check=True,
                         capture_output=True, text=True).stdout
    defs, uses = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] == "U":
            uses.add(f[0])
        elif f[1] in "TDBRC":
            defs.add(f[0])
    return defs, uses


def cycles(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    objs = objects(sys.argv[1])
    if len(objs) < 40:
        sys.exit("check_layers: found only %d objects under %s: is it a "
                 "built tree?" % (len(objs), sys.argv[1]))
    owner, uses = {}, {}
    for key, path in objs.items():
        d, u = symbols(path)
        for s in d:
            owner[s] = key
        uses[key] = u
    edges = collections.defaultdict(set)
    why = {}
    for a, used in uses.items():
        edges[a]
        for s in sorted(used):
            b = owner.get(s)
            if b is not None and b != a:
                edges[a].add(b)
                why.setdefault((a, b), s)
    bad = []
    for a in sorted(edges):
        for b in sorted(edges[a]):
            if a[0] != b[0] and RANK[a[0]] <= RANK[b[0]]:
                bad.append("%s/%s calls up or across into %s/%s (%s)" %
                           (a + b + (why[(a, b)],)))
    for comp in cycles(edges):
        names = ["%s/%s" % c for c in comp]
        links = ["%s/%s -> %s/%s (%s)" % (a + b + (why[(a, b)],))
                 for a in comp for b in comp if b in edges[a]]
        bad.append("call cycle between %s: %s" %
                   (", ".join(names), "; ".join(links)))
    for line in bad:
        print("check_layers: " + line)
    if bad:
        return 1
    print("check_layers: %d files in %d modules, %d calls between files, "
          "all one way" % (len(objs), len({m for m, _ in objs}),
                            sum(len(v) for v in edges.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
