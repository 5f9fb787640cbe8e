"""The definitions page states each measure's official source and any difference from it
(issue 16: "The definitions page shows, for each measure, its official source and any difference
from it in one sentence")."""

from __future__ import annotations

from hand_built import CATALOGUE_FILE
from selfeval.measures import Catalogue, catalogue_html, catalogue_markdown, load_catalogue
from selfeval.measures.catalogue import NO_OFFICIAL, MeasureDef


def entry(md: str, measure_id: str) -> str:
    start = md.index(f'<a id="{measure_id}"></a>')
    end = md.find("<a id=", start + 1)
    return md[start : end if end > 0 else None]


def test_official_and_differs_shown_per_measure():
    cat = Catalogue(
        {
            "a": MeasureDef(
                id="a",
                unit="pct",
                polarity="up",
                source="A3",
                priority="p",
                official="DfE Children in need census guide: re-referrals",
                differs="Uses the extract's 12 months only.",
            ),
            "b": MeasureDef(
                id="b",
                unit="count",
                polarity="neutral",
                source="A1",
                priority="p",
                official="DfE guide X",
            ),  # fmt: skip
            "c": MeasureDef(id="c", unit="count", polarity="neutral", source="local", priority="p"),
        }
    )
    md = catalogue_markdown(cat)
    a, b, c = entry(md, "a"), entry(md, "b"), entry(md, "c")
    assert "**Official definition:** DfE Children in need census guide: re-referrals" in a
    assert "**How this differs from it:** Uses the extract's 12 months only." in a
    assert "**Official definition:** DfE guide X" in b and "differs" not in b
    assert f"**Official definition:** {NO_OFFICIAL}" in c
    assert NO_OFFICIAL == "No published definition: a local measure."
    html = catalogue_html(cat)
    assert "<strong>How this differs from it:</strong> Uses the extract" in html


def test_workforce_measures_state_their_dfe_source():
    md = catalogue_markdown(load_catalogue(CATALOGUE_FILE))
    for measure_id in ("agency_rate_pct", "sw_turnover_pct", "sw_vacancy_pct"):
        assert "Children's social work workforce statistics" in entry(md, measure_id)


def test_every_computable_measure_names_its_official_definition():
    missing = [
        m.id
        for m in load_catalogue(CATALOGUE_FILE)
        if m.computable and not (m.official or "").strip()
    ]
    assert missing == [], f"no `official:` in params/measures.yaml for {missing}"
