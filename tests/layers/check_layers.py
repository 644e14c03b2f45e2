#!/usr/bin/env python3
"""The layer rules of docs/DESIGN.md, checked on the built objects.

    check_layers.py BUILD_DIR             the layer rules
    check_layers.py --unused BUILD_DIR    dead public functions
    check_layers.py --self-test           shows that both checks can fail

Reads which global symbols each object file of src/ and tsig/ defines and
uses (nm), and fails (exit 1), naming the files and a symbol, when
- a module has no object (a renamed build tree must not pass),
- a file of one module calls into a module that is not below it:
    cli > engine > acme, dns > priv > store > crypto, tsig > support
  (acme and dns never call each other), or
- files call each other in a circle (a call cycle between files, within a
  module or across modules).

--unused lists the global functions of src/ that no other object of src/
nor the program (main.c) uses: never called (dead, perhaps kept alive by a
unit test alone), or used only in their own file without a unit test
calling them (they should be static).
"""
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "src")
RANK = {"cli": 7, "engine": 6, "acme": 5, "dns": 5, "priv": 4, "store": 3,
        "crypto": 2, "tsig": 2, "support": 1}


def objects(build, others=None):
    """(module, file) -> path of every object of src/ and tsig/; the
    program's objects (acmeup.dir) and the unit tests' go into others
    ("program" / "test") when given."""
    found = {}
    for root, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".c.o"):
                continue
            path = os.path.join(root, f)
            parts = root.split(os.sep)
            if "acmeup_main.dir" in parts or "acmeup.dir" in parts:
                if others is not None:
                    others.setdefault("program", []).append(path)
                continue
            if others is not None and any(p.startswith("test_") and
                                          p.endswith(".dir") for p in parts):
                others.setdefault("test", []).append(path)
            mod = None
            for p in parts:
                if p.startswith("acmeup_") and p.endswith(".dir"):
                    mod = p[len("acmeup_"):-len(".dir")]
                elif p == "tsig.dir":
                    mod = "tsig"
            if mod in RANK:
                found[(mod, f[:-len(".c.o")])] = path
    return found


def symbols(path, kinds="TDBRC"):
    out = subprocess.run(["nm", "-P", path], check=True,
                         capture_output=True, text=True).stdout
    defs, uses = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] == "U":
            uses.add(f[0])
        elif f[1] in kinds:
            defs.add(f[0])
    return defs, uses


def find_objects(build, min_objects, others=None):
    """objects(), or exit 1 when a module has none (or too few in all)."""
    objs = objects(build, others)
    missing = sorted(set(RANK) - {m for m, _ in objs})
    if missing:
        print("check_layers: no objects of module %s under %s: is it a "
              "built tree?" % (", ".join(missing), build))
        sys.exit(1)
    if len(objs) < min_objects:
        print("check_layers: found only %d objects under %s: is it a "
              "built tree?" % (len(objs), build))
        sys.exit(1)
    return objs


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


def all_symbols(paths, kinds="TDBRC"):
    """symbols() of every path, with one nm run: {path: (defs, uses)}."""
    out = subprocess.run(["nm", "-P", "-A"] + list(paths), check=True,
                         capture_output=True, text=True).stdout
    res = {p: (set(), set()) for p in paths}
    for line in out.splitlines():
        path, _, rest = line.partition(": ")
        f = rest.split()
        if path not in res or len(f) < 2:
            continue
        if f[1] == "U":
            res[path][1].add(f[0])
        elif f[1] in kinds:
            res[path][0].add(f[0])
    return res


def check(build, min_objects=40):
    """The layer rules; 0 or 1."""
    objs = find_objects(build, min_objects)
    syms = all_symbols(objs.values())
    owner, uses = {}, {}
    for key, path in objs.items():
        d, u = syms[path]
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


def uses_in_file(path, name):
    """1 when the C file at path names the function name more than once
    (its definition)."""
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        return 1    # no source to read: do not call it dead
    return len(re.findall(r"\b%s\b" % re.escape(name), text)) > 1


def unused(build, min_objects=40, source=SOURCE):
    """Global functions of src/ nothing else uses; 0 or 1."""
    others = {}
    objs = find_objects(build, min_objects, others)
    defs, used, by_tests = {}, set(), set()
    for key, path in objs.items():
        d, u = symbols(path, "T")
        if key[0] != "tsig":
            for s in d:
                defs[s] = key
        used |= {(s, key) for s in u}
    for path in others.get("program", []):
        used |= {(s, None) for s in symbols(path)[1]}
    for path in others.get("test", []):
        by_tests |= symbols(path)[1]
    users = collections.defaultdict(set)
    for s, key in used:
        users[s].add(key)
    bad = []
    for s, (mod, f) in sorted(defs.items(), key=lambda i: (i[1], i[0])):
        if users[s] - {(mod, f)}:
            continue
        local = uses_in_file(os.path.join(source, mod, f + ".c"), s)
        if local and s in by_tests:
            continue    # a file's helper that its unit test calls too
        bad.append("%s/%s: %s %s" % (mod, f, s, "is used only in its file: "
                   "make it static" if local else "is never called" +
                   (" (only by unit tests)" if s in by_tests else "")))
    for line in bad:
        print("check_layers: " + line)
    if bad:
        return 1
    print("check_layers: every global function of src/ is used by another "
          "file")
    return 0


FAKE = {
    # module: {file: source}; a cycle a <-> b in support, crypto calling up
    # into store, and store/dead.c defining a function nothing calls.
    "support": {"a.c": "void b(void); void a(void) { b(); }",
                "b.c": "void a(void); void b(void) { a(); }"},
    "crypto": {"c.c": "void s(void); void c(void) { s(); }"},
    "store": {"s.c": "void s(void) {}", "dead.c": "void dead(void) {}"},
}


def fake_tree(tmp, fake):
    """A build tree of fake objects, one per file of fake, plus one empty
    object for each other module."""
    for mod in RANK:
        files = fake.get(mod, {"%s_empty.c" % mod: "int %s_x;" % mod})
        d = os.path.join(tmp, "src", "CMakeFiles", "acmeup_%s.dir" % mod,
                         mod)
        if mod == "tsig":
            d = os.path.join(tmp, "tsig", "CMakeFiles", "tsig.dir")
        os.makedirs(d, exist_ok=True)
        for name, text in files.items():
            os.makedirs(os.path.join(tmp, mod), exist_ok=True)
            src = os.path.join(tmp, mod, name)
            with open(src, "w") as fh:
                fh.write(text + "\n")
            subprocess.run([os.environ.get("CC", "cc"), "-c", "-O0", "-o",
                            os.path.join(d, name + ".o"), src], check=True)


def run_quiet(fn, *args):
    """fn(*args) -> (exit code, printed text)."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            rc = fn(*args)
        except SystemExit as e:
            rc = e.code
    return rc, buf.getvalue()


def self_test():
    tmp = tempfile.mkdtemp(prefix="check_layers.")
    try:
        fake_tree(tmp, FAKE)
        rc, out = run_quiet(check, tmp, 1)
        assert rc == 1, out
        assert "call cycle between support/a, support/b" in out, out
        assert "crypto/c calls up or across into store/s (s)" in out, out
        rc, out = run_quiet(unused, tmp, 1, tmp)
        assert rc == 1 and "store/dead: dead is never called" in out, out
        shutil.rmtree(os.path.join(tmp, "src", "CMakeFiles",
                                   "acmeup_dns.dir"))
        rc, out = run_quiet(check, tmp, 1)
        assert rc == 1 and "no objects of module dns" in out, out
        shutil.rmtree(tmp)
        tmp = tempfile.mkdtemp(prefix="check_layers.")
        fake_tree(tmp, {"store": {"s.c": "void c(void); void s(void) "
                                          "{ c(); }"},
                        "crypto": {"c.c": "void c(void) {}"}})
        rc, out = run_quiet(check, tmp, 1)
        assert rc == 0, out
    finally:
        shutil.rmtree(tmp)
    print("check_layers: self-test passed")
    return 0


def main():
    args = sys.argv[1:]
    if args == ["--self-test"]:
        return self_test()
    if len(args) == 2 and args[0] == "--unused":
        return unused(args[1])
    if len(args) != 1 or args[0].startswith("-"):
        sys.exit(__doc__)
    return check(args[0])


if __name__ == "__main__":
    sys.exit(main())
