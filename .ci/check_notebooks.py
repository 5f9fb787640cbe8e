"""Fail when a committed notebook carries outputs or execution counts (they can hold child data),
or breaks a rule that keeps page notebooks thin (selfeval.pages.notebook_rules: no raw extract,
no file read, no wrangling, only the public notebook API; docs/architecture.md, "Editing a page").

Run with the project's Python (`.venv/bin/python`), which has selfeval installed."""

import json
import sys
from pathlib import Path


def notebooks_with_outputs(folder: Path) -> list[str]:
    bad = []
    for path in sorted(folder.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
            bad.append(str(path))
    return bad


def thin_rule_problems(folder: Path) -> list[str]:
    """Each broken notebook rule, as "<notebook>: cell N: <what it does>: <the rule>"."""
    import nbformat

    from selfeval.pages.notebook_rules import notebook_problems

    return [
        f"{path}: {problem}"
        for path in sorted(folder.glob("*.ipynb"))
        for problem in notebook_problems(nbformat.read(path, as_version=4).cells)
    ]


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks")
    with_outputs = notebooks_with_outputs(folder)
    if with_outputs:
        print("Notebooks must be committed without outputs; clear them in:", *with_outputs, sep="\n  ")
    broken = thin_rule_problems(folder)
    if broken:
        print(
            "Notebooks narrate; the work belongs in lib/selfeval (docs/architecture.md, "
            '"Editing a page"). Fix:',
            *broken,
            sep="\n  ",
        )
    if with_outputs or broken:
        sys.exit(1)
    print("notebooks: no outputs committed, every code cell within the notebook rules")
