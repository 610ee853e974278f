#!/usr/bin/env python3
"""Every public or open declaration has a `///` doc comment whose first line is a summary.

Usage: lint-docs.py DIR...   Prints `file:line: <declaration>: no doc comment` (or `empty summary`) per
finding and exits 1 if there is any. Attributes (`@inlinable`, `@discardableResult`, ...) may stand
between the doc comment and the declaration, plain `//` comments may not (swift-format then no longer sees
the doc comment); members of `extension` blocks count like any other declaration.
"""
import pathlib
import re
import sys

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


def main(roots):
    count = 0
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*.swift")):
            for number, declaration, problem in findings(path):
                print(f"{path}:{number}: {declaration[:80]}: {problem}")
                count += 1
    if count:
        print(f"lint-docs: {count} public declarations without a doc summary", file=sys.stderr)
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["Sources"]))
