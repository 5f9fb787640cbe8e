"""The data dictionary (docs/data-dictionary.md), generated from the reference schemas.

Regenerate with `python -m selfeval.extract.dictionary docs/data-dictionary.md`; a test keeps the
file and `reference/local_datasets.yaml` in step.
"""

from __future__ import annotations

import sys
from pathlib import Path

from selfeval.extract.specs import annex_a_specs, local_schema, ssda903_specs

TYPE_WORDS = {
    "text": "text",
    "date": "date (DD/MM/YYYY or YYYY-MM-DD)",
    "integer": "whole number",
    "number": "number (decimals allowed)",
    "yesno": "Yes / No (Y/N accepted)",
    "code": "one of the codes listed",
}

INTRO = """# Data dictionary

What selfeval reads from an extract folder, and what it makes of it. Generated from
`lib/selfeval/reference/local_datasets.yaml` and `annex_a_columns.csv` by
`python -m selfeval.extract.dictionary docs/data-dictionary.md` — edit the YAML, not this file.

```
<extract>/
  annex_a.xlsx            Ofsted ILACS Annex A workbook (sheets List 1 … List 11)
  annex_a/list_<n>.csv    or one CSV per list
  ssda903/<table>.csv     DfE SSDA903 tables
  local/<dataset>.csv     the local datasets below
  extract.yaml            optional: extract_date: YYYY-MM-DD, source system, notes
```

Everything is child-level and sensitive: extracts stay on council systems and never enter git.

## How values are checked

| problem | severity | what happens |
|---|---|---|
| required column missing, file empty / unreadable / wrong sheet | error | table not used |
| required value blank, or not a valid date / number | error | the row is left out and listed |
| end date before start date | error | the row is left out and listed |
| optional value not a valid date / number / Yes-No | warning | the value is treated as blank |
| code not in the code list | warning | the row is used with the value as given |
| event before date of birth, date after the extract date | warning | the row is used |
| exact duplicate row | warning | only the first copy is used |
| extra column, optional column absent, `;` separator, Windows-1252 encoding | info | read anyway |

Blank rows are skipped. Row numbers in the data-quality report are the rows you see in Excel.
"""


def _local_section(dataset: str, body: dict) -> list[str]:
    lines = [
        f"### `local/{dataset}.csv` → `local_{dataset}`",
        "",
        body.get("description", ""),
        "",
        "| column | type | required column | blank allowed | description |",
        "|---|---|---|---|---|",
    ]
    for name, col in body["columns"].items():
        kind = TYPE_WORDS[col["type"]]
        if col.get("codes"):
            kind += ": " + ", ".join(f"`{c}`" for c in col["codes"])
        required = "yes" if col.get("required") else "no"
        blank = "yes" if col.get("blank_ok", True) else "no"
        lines.append(f"| `{name}` | {kind} | {required} | {blank} | {col.get('description', '')} |")
    return [*lines, ""]


def render_data_dictionary() -> str:
    """The data dictionary as Markdown."""
    lines = [INTRO, "## Local datasets", ""]
    lines += [
        "One CSV per dataset, UTF-8, comma-separated, one header row with the column names below "
        "(case and spaces/underscores do not matter). Columns not listed are ignored.",
        "",
    ]
    for dataset, body in local_schema().items():
        lines += _local_section(dataset, body)
    lines += ["## Annex A (Ofsted ILACS)", ""]
    lines += [
        "Headings as in Ofsted's 2019 template (case, spacing, apostrophes and the 2023-24 "
        "variants are tolerated). Codes lose their `a) ` prefix and keep only the code before "
        "`:` (`a) E11: Adopted …` → `E11`) or before ` - ` where the code list reads that way "
        "(`N1 - Abuse or neglect` → `N1`); Yes/No fields become `Yes` / `No`.",
        "",
    ]
    for number, spec in annex_a_specs().items():
        lines += [f"### List {number} ({spec.description}) → `{spec.name}`", ""]
        lines += ["| heading | column | type | required |", "|---|---|---|---|"]
        for col in spec.columns:
            required = "yes" if col.required else "no"
            lines.append(f"| {col.heading} | `{col.name}` | {TYPE_WORDS[col.kind]} | {required} |")
        lines.append("")
    lines += ["## SSDA903 (DfE children looked after return)", ""]
    lines += [
        "DfE column names and codes (upper-cased); dates DD/MM/YYYY or YYYY-MM-DD. "
        "Extra columns (e.g. `LA`, `YEAR`) are ignored.",
        "",
        "| file | table | columns (required in bold) |",
        "|---|---|---|",
    ]
    for table, spec in ssda903_specs().items():
        cols = ", ".join(f"**{c.name}**" if c.required else c.name for c in spec.columns)
        lines.append(f"| `ssda903/{table}.csv` | `{spec.name}` | {cols} |")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render_data_dictionary()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
