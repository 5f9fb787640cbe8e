"""The repository carries its own contracts (issue 18): nothing in it points to a document it does
not contain (the design brief is docs/design.md; no DESIGN.md, no shared folder outside)."""

import json
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


#: a path inside the repository, as the documents write one (placeholders such as `<date>` and
#: globs end the match and are not checked)
REPO_PATH = re.compile(
    r"(?<![\w/.$-])(?:docs|params|notebooks|tests|benchmarks|lib|data/sample)/[\w./-]*"
)
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
#: folders a run or the user creates (not in the repository)
MADE_LATER = ("data/store", "data/history", "data/extracts", "rendered")
#: files published beside the pages, which the pages' wording (params/pages.yaml) may link to
PACK_FILES = ("data_quality.csv",)


def _documents() -> list[tuple[Path, str]]:
    """README, docs/*.md, the params files and the notebooks' markdown cells, with their text."""
    out = []
    for path in _tracked_text_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "README.md" or rel.startswith(("docs/", "params/")):
            out.append((path, path.read_text(encoding="utf-8")))
        elif rel.startswith("notebooks/") and path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
            out.append((path, text))
    return out


def missing_paths(path: Path, text: str) -> list[str]:
    """Repository paths and relative Markdown links in `text` that do not exist."""
    found = []
    for match in REPO_PATH.finditer(text):
        if text[match.end() : match.end() + 1] in ("<", "*", "{"):
            continue  # a pattern such as params/commentary/<period_end>/signoff.yaml
        name = match.group().rstrip(".-")
        if not name.startswith(MADE_LATER) and not (ROOT / name).exists():
            found.append(name)
    for target in MD_LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith(("/", "<")):
            continue
        if path.name == "pages.yaml" and target in PACK_FILES:
            continue
        if not (path.parent / target).exists():
            found.append(target)
    return list(dict.fromkeys(found))


def test_documents_name_only_files_the_repository_has():
    """README, docs/, params/ and the notebooks' markdown: every path into the repository and
    every relative link resolves (a renamed or removed file is found)."""
    documents = _documents()
    assert {p.relative_to(ROOT).as_posix() for p, _ in documents} >= {
        "README.md",
        "docs/architecture.md",
        "params/measures.yaml",
        "notebooks/00_summary.ipynb",
    }
    broken = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, text in documents
        for name in missing_paths(path, text)
    ]
    assert broken == [], "\n".join(broken)


def test_the_path_check_finds_a_missing_file():
    text = (
        "See docs/architecture.md, lib/selfeval/runner.py and [the guide](docs/nowhere.md); "
        "params/commentary/<period_end>/signoff.yaml is a pattern, data/store/ is made later."
    )
    assert missing_paths(ROOT / "README.md", text) == [
        "lib/selfeval/runner.py",
        "docs/nowhere.md",
    ]
