#!/usr/bin/env python3
"""Every public or open declaration has a `///` doc comment whose first line is a summary, and every
library module is documented: at least MIN_SHARE % of its lines are `///` lines.

Usage: lint-docs.py [--min-share PCT] DIR...   Prints `file:line: <declaration>: no doc comment` (or
`empty summary`) per finding, and `<folder>: N % /// lines (M of T), below PCT %` per library module
under the share, then one line with every library module's share, and exits 1 if there is any finding
or module under the share. Attributes (`@inlinable`, `@discardableResult`, ...) may stand between the
doc comment and the declaration, plain `//` comments may not (swift-format then no longer sees the doc
comment); members of `extension` blocks count like any other declaration.

The library modules are Package.swift's `.target(name: "Backstop…", …, path: "Sources/…")` entries, the
pipeline's stages and what sits beside them, except those in SHARE_EXEMPT. A module's share is the lines
matching `^\s*///` over all lines of its `.swift` files (issue 20: 25 %, GRDB's 45 %, swift-nio's 22 %).
"""
import pathlib
import re
import sys

# Library targets not held to the share, with why: tools for the tests and benchmarks, not the product.
SHARE_EXEMPT = {
    "BackstopWorldGen": "the synthetic world generator (tests and benchmarks), not part of the product",
    "BackstopTestSupport": "helpers of the test targets",
}

TARGET = re.compile(r'\.target\(\s*name:\s*"(Backstop\w*)"[^)]*?path:\s*"([^"]+)"', re.S)

DECL = re.compile(
    r"^\s*(?:@[\w.()\", :]+\s+)*(?:(?:nonisolated|final|static|class|override|mutating|nonmutating|"
    r"convenience|required|indirect|lazy|@\w+)\s+)*(?:public|open)(?:\(set\))?\s+(?:(?:nonisolated|final|"
    r"static|class|override|mutating|nonmutating|convenience|required|indirect|lazy|private\(set\)|"
    r"internal\(set\))\s+)*(func|var|let|struct|class|enum|protocol|init|subscript|typealias|actor|case|"
    r"associatedtype|extension)\b")


def findings(path: pathlib.Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = DECL.match(line)
        if not match or match.group(1) == "extension":
            continue
        k = number - 1
        while k >= 0 and lines[k].strip().startswith("@"):
            k -= 1
        if k < 0 or not lines[k].strip().startswith("///"):
            yield number + 1, line.strip(), "no doc comment"
            continue
        first = k
        while first > 0 and lines[first - 1].strip().startswith("///"):
            first -= 1
        if not lines[first].strip()[3:].strip():
            yield number + 1, line.strip(), "empty summary line"


def library_modules(manifest: pathlib.Path):
    """(target, folder) of each library target held to the share, in manifest order."""
    text = manifest.read_text(encoding="utf-8")
    return [(name, pathlib.Path(path)) for name, path in TARGET.findall(text) if name not in SHARE_EXEMPT]


def share(folder: pathlib.Path):
    """(`///` lines, all lines) of the folder's Swift files."""
    doc = total = 0
    for path in folder.rglob("*.swift"):
        for line in path.read_text(encoding="utf-8").splitlines():
            total += 1
            if re.match(r"\s*///", line):
                doc += 1
    return doc, total


def main(arguments):
    minimum = None
    if arguments[:1] == ["--min-share"]:
        minimum = float(arguments[1])
        arguments = arguments[2:]
    roots = arguments or ["Sources"]
    count = 0
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*.swift")):
            for number, declaration, problem in findings(path):
                print(f"{path}:{number}: {declaration[:80]}: {problem}")
                count += 1
    if count:
        print(f"lint-docs: {count} public declarations without a doc summary", file=sys.stderr)
    thin = 0
    if minimum is not None:
        shares = []
        for name, folder in library_modules(pathlib.Path("Package.swift")):
            doc, total = share(folder)
            percent = 100 * doc / total if total else 100
            shares.append(f"{name.removeprefix('Backstop')} {percent:.1f}")
            if percent < minimum:
                print(f"{folder}: {percent:.1f} % /// lines ({doc} of {total}), below {minimum:g} % ({name})")
                thin += 1
        # Every module's share, so a run of `make lint` shows how much headroom each one has.
        print(f"lint-docs: /// share per library module (%): {', '.join(shares)}", file=sys.stderr)
        if thin:
            print(f"lint-docs: {thin} library modules below {minimum:g} % doc-comment lines", file=sys.stderr)
    return 1 if count or thin else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
