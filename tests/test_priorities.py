"""The priority areas are the files in params/priorities/: settings, notebooks and pages.yaml
follow them."""

from __future__ import annotations

from pathlib import Path

import yaml

from selfeval.config import Priority, load_settings, priorities_in

ROOT = Path(__file__).resolve().parents[1]


def test_priorities_are_the_files_in_number_order(tmp_path) -> None:
    (tmp_path / "02_contact.yaml").write_text("title: Direct contact\n", encoding="utf-8")
    (tmp_path / "10_systems.yaml").write_text("title: Systems\n", encoding="utf-8")
    (tmp_path / "01_assessment.yaml").write_text("objectives: [\n", encoding="utf-8")  # bad YAML
    (tmp_path / "notes.yaml").write_text("title: not a priority\n", encoding="utf-8")
    assert priorities_in(tmp_path) == (
        Priority(1, "assessment", "assessment"),  # no readable title: its id (load_plan says why)
        Priority(2, "contact", "Direct contact"),
        Priority(10, "systems", "Systems"),
    )


def test_settings_pages_and_notebooks_follow_the_files() -> None:
    settings = load_settings(ROOT / "params" / "settings.yaml")
    assert settings.priorities == priorities_in(ROOT / "params" / "priorities")
    assert len(settings.priorities) == 10
    assert "priorities" not in yaml.safe_load((ROOT / "params" / "settings.yaml").read_text())
    pages = yaml.safe_load((ROOT / "params" / "pages.yaml").read_text(encoding="utf-8"))
    assert set(pages.get("priorities") or {}) <= {p.id for p in settings.priorities}
    notebooks = {p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert notebooks == {"00_summary.ipynb"} | {f"{p.slug}.ipynb" for p in settings.priorities}
