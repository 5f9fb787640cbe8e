"""The repository carries its own contracts (issue 18): nothing in it points to a document it does
not contain (the design brief is docs/design.md; no DESIGN.md, no shared folder outside)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"DESIGN\.md|\.\./shared|/work/|(?<![\w./-])shared/")
DOC = re.compile(r"(?<![\w/.-])docs/[\w.-]+\.md")
SUFFIXES = {".md", ".py", ".yaml", ".yml", ".toml", ".ipynb", ".cfg", ".txt"}


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        ROOT / n
        for n in names
        if Path(n).suffix in SUFFIXES and not n.startswith(("data/sample/", "tests/fixtures/"))
    ]


def test_no_reference_to_a_document_outside_the_repository():
    found = []
    for path in _tracked_text_files():
        if path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            found += [
                f"{path.relative_to(ROOT)}:{number}: {m} does not exist"
                for m in DOC.findall(line)
                if not (ROOT / m).is_file()
            ]
    assert found == [], "\n".join(found)
