#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The include rule of src/, enforced (meson test "layers").

Layers, top to bottom: api > vmm > virtio > fs, net > abi (fs and net side by
side: neither includes the other); the guest init (src/init)
sits beside them and may include only itself and abi. A file may include
headers of its own layer or of a lower one, never of a higher one or of a
layer beside it. The public headers (include/) count as the api layer. There
must be no include cycle among files.

  layers.py SRCDIR INCLUDEDIR   check the tree; exit 1 listing each violation
  layers.py --self-test         prove the checker fails on a bad tree
"""
import os
import re
import sys
import tempfile

RANK = {"abi": 0, "fs": 1, "net": 1, "virtio": 2, "vmm": 3, "api": 4}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def layer_of(rel):
    """The layer of a path relative to src/ (or "public" for include/)."""
    return rel.split("/", 1)[0]


def may_include(frm, to):
    if to == "public":
        to = "api"
    if frm == "init":
        return to in ("init", "abi")
    if to == "init" or frm not in RANK or to not in RANK:
        return False
    return to == frm or RANK[to] < RANK[frm]


def scan(srcdir, incdir):
    """Every file's resolved quoted includes: {file: [(line, target)]}."""
    files = {}
    for root, _, names in os.walk(srcdir):
        for n in names:
            if n.endswith((".c", ".h")):
                files[os.path.relpath(os.path.join(root, n), srcdir)] = os.path.join(root, n)
    public = set(os.listdir(incdir)) if os.path.isdir(incdir) else set()
    graph, errors = {}, []
    for rel, path in sorted(files.items()):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        edges = []
        for m in INCLUDE.finditer(text):
            name = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            here = os.path.normpath(os.path.join(os.path.dirname(rel), name))
            if here in files:
                target = here                 # "config.h" next to the includer
            elif name in files:
                target = name                 # "layer/file.h" from src/
            elif name in public:
                target = "public/" + name
            elif name.endswith("/features.h"):
                target = name                 # generated in the build directory
            else:
                errors.append(f"{rel}:{line}: includes \"{name}\", which is not in the tree")
                continue
            edges.append((line, target))
        graph[rel] = edges
    return graph, errors


def check(srcdir, incdir):
    graph, errors = scan(srcdir, incdir)
    for rel, edges in graph.items():
        for line, target in edges:
            if not may_include(layer_of(rel), layer_of(target)):
                errors.append(f"{rel}:{line}: {layer_of(rel)} includes {target} "
                              f"({layer_of(target)}): not a lower layer")
    # Cycles among files: depth-first search, reporting each back edge once.
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for _, nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cyc = stack[stack.index(nxt):] + [nxt]
                errors.append("include cycle: " + " -> ".join(cyc))
            elif nxt in graph and not state.get(nxt):
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if not state.get(node):
            visit(node)
    return errors


def self_test():
    """A clean tree passes; an upward, a sideways include and a cycle fail."""
    def tree(files):
        d = tempfile.mkdtemp(prefix="ckrun-layers-")
        for rel, text in files.items():
            p = os.path.join(d, "src", rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
        os.makedirs(os.path.join(d, "include"), exist_ok=True)
        return os.path.join(d, "src"), os.path.join(d, "include")

    good = {"abi/a.h": "", "fs/f.h": '#include "abi/a.h"\n', "vmm/v.c": '#include "fs/f.h"\n',
            "init/i.c": '#include "abi/a.h"\n#include "j.h"\n', "init/j.h": ""}
    cases = {
        "upward": dict(good, **{"fs/f.h": '#include "vmm/v.h"\n', "vmm/v.h": ""}),
        "init sideways": dict(good, **{"init/i.c": '#include "vmm/v.h"\n', "vmm/v.h": ""}),
        "host to init": dict(good, **{"vmm/v.c": '#include "init/j.h"\n'}),
        "abi upward": dict(good, **{"abi/a.h": '#include "fs/f.h"\n'}),
        "cycle": dict(good, **{"fs/x.h": '#include "fs/y.h"\n', "fs/y.h": '#include "fs/x.h"\n'}),
        "missing": dict(good, **{"fs/f.h": '#include "fs/nothere.h"\n'}),
    }
    ok = True
    if check(*tree(good)):
        print("self-test: a clean tree was rejected:", check(*tree(good)))
        ok = False
    for name, files in cases.items():
        errs = check(*tree(files))
        print(f"self-test {name}: {errs}")
        if not errs:
            print(f"self-test: the {name} tree passed")
            ok = False
    return 0 if ok else 1


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    errors = check(argv[1], argv[2])
    for e in errors:
        print(e)
    print(f"{len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
