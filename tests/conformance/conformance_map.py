#!/usr/bin/env python3
"""The conformance map: which test checks each normative statement of MQTT 3.1.1 and 5.0.

Inputs, all read from the work tree (nothing is hand-copied into the output):
- docs/normative-statements.tsv   every statement id (columns version, id, section, area, summary);
- tests/**/*.py                   pytest tests; a test covers the ids in its function name
                                  (`test_MQTT_3_3_2_13_...` -> MQTT-3.3.2-13) and the ids written
                                  `MQTT-x.y.z-n` in its docstring;
- src/**/*_test.cpp               GoogleTest tests whose suite or test name carries `MQTT_x_y_z_n`;
- docs/conformance-notes.tsv      (version, id, reason) for statements that no broker test can check.

The version of a pytest test comes from its folder: tests/conformance/v5 is 5.0; everything else
(tests/conformance/v311, tests/integration) is 3.1.1 unless the test name contains `v5`. A unit
test counts for both versions, unless its name says `V311`/`V3` or `V5`.

Usage:
  conformance_map.py --write   regenerate docs/conformance.md
  conformance_map.py --check   exit 1, listing statements with neither a test nor a reason, notes
                               and tests that name an id not in the list, and a stale
                               docs/conformance.md
"""
import argparse
import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATEMENTS = Path("docs/normative-statements.tsv")
NOTES = Path("docs/conformance-notes.tsv")
OUTPUT = Path("docs/conformance.md")
VERSIONS = ("5.0", "3.1.1")

# `MQTT_3_3_2_13` in a function name: four numbers, or three for the one two-level section id
# (MQTT-4.2-1). Greedy, so a fourth number is taken whenever present.
_NAME_ID = re.compile(r"MQTT_(\d+)_(\d+)_(\d+)(?:_(\d+))?(?!\d)")
_TEXT_ID = re.compile(r"MQTT-\d+(?:\.\d+)+-\d+")
_GTEST = re.compile(r"\b(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\s*\(\s*(\w+)\s*,\s*(\w+)\s*\)")
_SAYS_V5 = re.compile(r"V5(?!\d)|(?<![A-Za-z])v5(?!\d)")
_SAYS_V311 = re.compile(r"V3(?:11)?(?!\d)|(?<![A-Za-z])v3(?:11)?(?!\d)")


def ids_in_name(name):
    out = []
    for m in _NAME_ID.finditer(name):
        a, b, c, d = m.groups()
        out.append(f"MQTT-{a}.{b}.{c}-{d}" if d is not None else f"MQTT-{a}.{b}-{c}")
    return out


def ids_in_text(text):
    return _TEXT_ID.findall(text or "")


def load_statements(root):
    """{version: [(id, summary), ...]} in file order."""
    out = {v: [] for v in VERSIONS}
    for line in (root / STATEMENTS).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("version\t"):
            continue
        cols = line.split("\t")
        version, sid, summary = cols[0], cols[1], cols[4]
        out.setdefault(version, []).append((sid, summary))
    return out


def load_notes(root):
    """[(line number, version, id, reason)] from docs/conformance-notes.tsv."""
    path = root / NOTES
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("version\t"):
            continue
        cols = line.split("\t")
        if len(cols) != 3 or not cols[2].strip():
            out.append((n, None, line, "malformed line: want version<TAB>id<TAB>reason"))
            continue
        out.append((n, cols[0].strip(), cols[1].strip(), cols[2].strip()))
    return out


def pytest_version(rel_path, test_name):
    parts = rel_path.parts
    if parts[:3] == ("tests", "conformance", "v5"):
        return "5.0"
    return "5.0" if "v5" in test_name.lower() else "3.1.1"


def scan_pytest(root):
    """[(version, id, reference)] for every id named by a pytest test, plus parse errors."""
    found, errors = [], []
    for path in sorted((root / "tests").rglob("*.py")):
        rel = path.relative_to(root)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
        except SyntaxError as e:
            errors.append(f"{rel}: cannot parse: {e}")
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not node.name.startswith("test"):
                continue
            ids = ids_in_name(node.name) + ids_in_text(ast.get_docstring(node))
            version = pytest_version(rel, node.name)
            ref = f"{rel.as_posix()}::{node.name}"
            for sid in dict.fromkeys(ids):
                found.append((version, sid, ref))
    return found, errors


def scan_gtest(root):
    """[(version, id, reference)] for every id named by a GoogleTest test."""
    found = []
    src = root / "src"
    if not src.exists():
        return found
    for path in sorted(src.rglob("*_test.cpp")):
        rel = path.relative_to(root).as_posix()
        for m in _GTEST.finditer(path.read_text(encoding="utf-8", errors="replace")):
            suite, name = m.groups()
            full = f"{suite}.{name}"
            if _SAYS_V5.search(full):
                versions = ("5.0",)
            elif _SAYS_V311.search(full):
                versions = ("3.1.1",)
            else:
                versions = VERSIONS
            for sid in dict.fromkeys(ids_in_name(suite) + ids_in_name(name)):
                for v in versions:
                    found.append((v, sid, f"{rel}: {full}", len(versions) > 1))
    return found


class ConformanceMap:
    def __init__(self, root=ROOT):
        self.root = Path(root)
        self.statements = load_statements(self.root)
        self.known = {v: {sid for sid, _ in rows} for v, rows in self.statements.items()}
        self.tests = {v: defaultdict(list) for v in VERSIONS}
        self.notes = {v: {} for v in VERSIONS}
        self.problems = []

        pytests, parse_errors = scan_pytest(self.root)
        self.problems += parse_errors
        for version, sid, ref in pytests:
            if sid not in self.known[version]:
                self.problems.append(f"{ref}: names {sid}, which is not a {version} statement")
                continue
            self.tests[version][sid].append(ref)
        for version, sid, ref, both in scan_gtest(self.root):
            if sid in self.known[version]:
                self.tests[version][sid].append(ref)
            elif not both or not any(sid in self.known[v] for v in VERSIONS):
                self.problems.append(f"{ref}: names {sid}, which is not a {version} statement")

        for n, version, sid, reason in load_notes(self.root):
            where = f"{NOTES.as_posix()}:{n}"
            if version is None:
                self.problems.append(f"{where}: {reason}")
            elif version not in VERSIONS:
                self.problems.append(f"{where}: unknown version {version!r}")
            elif sid not in self.known[version]:
                self.problems.append(f"{where}: {sid} is not a {version} statement")
            elif sid in self.notes[version]:
                self.problems.append(f"{where}: second note for {version} {sid}")
            else:
                self.notes[version][sid] = reason

    def unmapped(self):
        """[(version, id, summary)] with neither a test nor a reason."""
        return [(v, sid, summary) for v in VERSIONS for sid, summary in self.statements[v]
                if not self.tests[v].get(sid) and sid not in self.notes[v]]

    def render(self):
        lines = [
            "# Conformance map",
            "",
            "Every normative statement of MQTT 5.0 and 3.1.1 (docs/normative-statements.tsv) with the",
            "tests that check it, or the reason no broker test applies (docs/conformance-notes.tsv).",
            "Generated by `tests/conformance/conformance_map.py --write`; do not edit by hand.",
            "`tests/conformance/test_conformance_map.py` fails when this file is stale or a statement",
            "has neither a test nor a reason.",
            "",
            "| version | statements | with a test | reason only | unmapped |",
            "|---|---|---|---|---|",
        ]
        for v in VERSIONS:
            rows = self.statements[v]
            tested = sum(1 for sid, _ in rows if self.tests[v].get(sid))
            noted = sum(1 for sid, _ in rows if not self.tests[v].get(sid) and sid in self.notes[v])
            lines.append(f"| {v} | {len(rows)} | {tested} | {noted} | {len(rows) - tested - noted} |")
        for v in VERSIONS:
            lines += ["", f"## MQTT {v}", "", "| id | statement | checked by |", "|---|---|---|"]
            for sid, summary in self.statements[v]:
                cells = [f"`{ref}`" for ref in sorted(set(self.tests[v].get(sid, [])))]
                if sid in self.notes[v]:
                    cells.append(("Note: " if cells else "") + self.notes[v][sid])
                if not cells:
                    cells = ["**UNMAPPED**"]
                lines.append(f"| {sid} | {_cell(summary)} | {_cell('<br>'.join(cells))} |")
        return "\n".join(lines) + "\n"


def _cell(text):
    return text.replace("|", "\\|")


def check(cmap):
    """Problems as printable lines; empty when the map is complete and docs/conformance.md fresh."""
    out = list(cmap.problems)
    out += [f"unmapped {v} {sid}: {summary}" for v, sid, summary in cmap.unmapped()]
    doc = cmap.root / OUTPUT
    if not doc.exists() or doc.read_text(encoding="utf-8") != cmap.render():
        out.append(f"{OUTPUT.as_posix()} is stale: run tests/conformance/conformance_map.py --write")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true", help="regenerate docs/conformance.md")
    g.add_argument("--check", action="store_true", help="list gaps and exit 1 if there are any")
    p.add_argument("--root", default=str(ROOT), help="work tree (default: this checkout)")
    args = p.parse_args(argv)
    cmap = ConformanceMap(args.root)
    if args.write:
        (cmap.root / OUTPUT).write_text(cmap.render(), encoding="utf-8")
        for line in cmap.problems:
            print(line, file=sys.stderr)
        gaps = cmap.unmapped()
        print(f"wrote {OUTPUT}; {len(gaps)} unmapped statement(s), {len(cmap.problems)} problem(s)")
        return 0
    problems = check(cmap)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
