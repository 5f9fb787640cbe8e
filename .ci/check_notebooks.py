"""Fail when a committed notebook carries outputs or execution counts (they can hold child data)."""

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


if __name__ == "__main__":
    found = notebooks_with_outputs(Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks"))
    if found:
        print("Notebooks must be committed without outputs; clear them in:", *found, sep="\n  ")
        sys.exit(1)
    print("notebooks: no outputs committed")
