"""docs/data-dictionary.md and reference/local_datasets.yaml agree."""

from __future__ import annotations

from pathlib import Path

from selfeval.extract.dictionary import render_data_dictionary
from selfeval.extract.specs import local_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


def test_dictionary_is_generated_from_the_yaml():
    assert DOC.read_text(encoding="utf-8") == render_data_dictionary(), (
        "Regenerate: python -m selfeval.extract.dictionary docs/data-dictionary.md"
    )


def test_every_local_column_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for dataset, body in local_schema().items():
        assert f"`local/{dataset}.csv`" in text
        for column in body["columns"]:
            assert f"| `{column}` |" in text, (dataset, column)
