"""docs/architecture.md matches the code (issue 18): its module table names every module of
lib/selfeval and nothing else, its layer diagram is the import-linter contract, and every
`selfeval.…` name it mentions exists."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lib" / "selfeval"
DOC = ROOT / "docs" / "architecture.md"
FILE_NAME = re.compile(r"\.(py|csv|yaml|yml|md|json|html|pickle|parquet|docx|pdf)$")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = re.search(r"^## ", text[start + len(heading) :], re.M)
    return text[start : start + len(heading) + following.start()] if following else text[start:]


def module_table(text: str) -> list[str]:
    """The first cell of each row of the Modules table (backticks removed)."""
    rows = re.findall(r"^\| `([^`]+)` \|", _section(text, "## Modules (lib/selfeval/)"), re.M)
    return rows


def diagram_layers(text: str) -> list[str]:
    """The layers of the diagram in the Layers section, top to bottom."""
    block = re.search(r"```\n(.*?)```", _section(text, "## Layers"), re.S)
    assert block, "no diagram in the Layers section"
    return [re.split(r"\s{2,}", line.strip())[0] for line in block.group(1).splitlines()]


def contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return [
        " | ".join(part.strip().removeprefix("selfeval.") for part in layer.split("|"))
        for layer in contract["layers"]
    ]


def module_files() -> set[str]:
    return {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    }


def test_every_module_is_in_the_table_and_every_entry_exists() -> None:
    rows = module_table(DOC.read_text(encoding="utf-8"))
    missing = sorted(module_files() - set(rows))
    assert missing == [], f"modules missing from the table in docs/architecture.md: {missing}"
    absent = [row for row in rows if not (PACKAGE / row).exists()]
    assert absent == [], f"docs/architecture.md names modules that do not exist: {absent}"
    assert len(rows) == len(set(rows)), "a module is listed twice"


def test_the_layer_diagram_is_the_import_linter_contract() -> None:
    assert diagram_layers(DOC.read_text(encoding="utf-8")) == contract_layers()


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def named_in(text: str) -> set[str]:
    """`selfeval.a.b` names, and backticked `a.b` names whose `a` is a module of selfeval."""
    top = {p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()}
    names = set(re.findall(r"\bselfeval(?:\.[A-Za-z_]\w*)+", text))
    for name in re.findall(r"`([a-z_]+(?:\.[A-Za-z_]\w*)+)", text):
        if name.split(".")[0] in top - {"__init__"} and not FILE_NAME.search(name):
            names.add(f"selfeval.{name}")
    return names


def test_every_selfeval_name_in_the_architecture_exists() -> None:
    names = named_in(DOC.read_text(encoding="utf-8"))
    missing = sorted(n for n in names if not _resolves(n))
    assert missing == [], f"docs/architecture.md names what the code does not have: {missing}"


def test_the_checks_fail_on_a_stale_document() -> None:
    """A table without a module, an entry for a removed one and a reordered diagram are found."""
    text = DOC.read_text(encoding="utf-8")
    stale = text.replace("| `extract/load.py` |", "| `chart_drawing.py` |")
    rows = set(module_table(stale))
    assert "extract/load.py" in module_files() - rows and "chart_drawing.py" in rows
    swapped = text.replace("\nrag    ", "\nTEMP   ").replace("\nnarrative ", "\nrag       ")
    assert diagram_layers(swapped) != contract_layers()
    assert not _resolves("selfeval.runner") and not _resolves("selfeval.pages.context.StoreTables")
    assert _resolves("selfeval.extract.store.StoredTables")
