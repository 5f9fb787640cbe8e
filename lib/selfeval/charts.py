"""House-style charts for the pages: each a ``Chart`` with a text alternative, kept or drawn.

The chart functions here are what the pages call. Each returns a ``Chart``: an SVG image and
``alt_text``, a short plain-English description of what it shows. A chart drawn once is kept
(``keep_charts_in``) under a digest of its function, data and options, selfeval's own files and
matplotlib's version, and read back when the same chart is asked for again, so a rerun on the
same extract draws nothing. Drawing is in ``selfeval.chart_drawing`` (matplotlib and seaborn),
imported only when a chart is not kept: a page whose charts are all kept never loads matplotlib.
In `selfeval run` a chart not kept is left to the run's worker process instead
(``selfeval.worker``), so no kernel loads matplotlib at all.
Anything else of the drawing module (the palette, ``house_style``, ``figure_to_svg``) is
reachable from here too.
"""

from __future__ import annotations

import base64
import functools
import html
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

log = logging.getLogger("selfeval")


@dataclass
class Chart:
    """A finished chart and the text alternative that says what it shows.

    ``figure`` is the matplotlib figure of a chart drawn in this process, None for a chart read
    back from the kept charts, which has its SVG already.
    """

    figure: Figure | None
    alt_text: str
    _svg: str | None = field(default=None, repr=False)

    def svg(self) -> str:
        """The chart as a standalone SVG document (written once)."""
        if self._svg is None:
            from selfeval.chart_drawing import figure_to_svg

            self._svg = figure_to_svg(self.figure)
        return self._svg

    def data_uri(self) -> str:
        return to_data_uri(self.svg())

    def to_html(self) -> str:
        """A self-contained ``<img>`` (works offline and in e-mail attachments)."""
        alt = html.escape(self.alt_text, quote=True)
        return f'<img class="se-chart" src="{self.data_uri()}" alt="{alt}">'

    def _repr_html_(self) -> str:
        return self.to_html()


def to_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` for embedding an SVG in HTML as an ``<img>``.

    As an image (not inline ``<svg>``) each chart keeps its own element ids, runs nothing and
    carries its alt text like any other image.
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# --- kept charts --------------------------------------------------------------------------------

_kept_in: Path | None = None


def kept_folder(extract_folder: Path) -> Path | None:
    """Where the charts drawn from an extract are kept: beside its store (None without one)."""
    from selfeval.config import default_store_root, store_path

    root = default_store_root()
    store = store_path(extract_folder, root) if root is not None else None
    return store / "charts" if store is not None and store.is_dir() else None


def any_kept(extract_folder: Path) -> bool:
    """Whether an earlier run kept charts drawn from this extract."""
    folder = kept_folder(extract_folder)
    return folder is not None and folder.is_dir() and any(folder.glob("*.pickle"))


def keep_charts_in(folder: Path | None) -> None:
    """Keep every chart drawn from now on in ``folder`` and reuse it when the same chart (same
    function, same data and options, same selfeval and matplotlib) is asked for again; None
    stops. A rerun on the same extract, with only the commentary changed, draws nothing again.
    """
    global _kept_in
    _kept_in = Path(folder) if folder is not None else None


@functools.cache
def _drawing_versions() -> str:
    """selfeval's own files and the versions of what draws (without importing it)."""
    from importlib.metadata import version

    from selfeval.cache import package_fingerprint

    return (
        f"{package_fingerprint()} matplotlib {version('matplotlib')} seaborn {version('seaborn')}"
    )


def _chart_key(name: str, args: tuple, kwargs: dict) -> str | None:
    """A digest of everything a chart is drawn from, or None when the arguments do not pickle."""
    from selfeval.cache import content_digest

    try:
        return content_digest(name, args, kwargs, _drawing_versions())
    except Exception:  # noqa: BLE001 - arguments that do not pickle: drawn every time
        return None


def _drawn(stub: Callable[..., Chart]) -> Callable[..., Chart]:
    """A chart function: the kept chart when there is one, else ``chart_drawing``'s function of
    the same name draws it (and it is kept). ``stub`` gives the signature and documentation."""
    name = stub.__name__

    @functools.wraps(stub)
    def kept_or_drawn(*args: Any, **kwargs: Any) -> Chart:
        from selfeval.cache import read_kept, write_kept
        from selfeval.worker import request, requests_folder

        folder, requests = _kept_in, requests_folder()
        wanted = folder is not None or requests is not None
        key = _chart_key(name, args, kwargs) if wanted else None
        path = folder / f"{key}.pickle" if folder is not None and key is not None else None
        kept = read_kept(path, key)
        if kept is not None:
            alt_text, svg = kept
            return Chart(None, alt_text, svg)
        if requests is not None and key is not None:  # a pack run: its worker draws it
            placeholder = request(requests, key, name, args, kwargs, path)
            if placeholder is not None:
                return placeholder
        from selfeval import chart_drawing

        chart = getattr(chart_drawing, name)(*args, **kwargs)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:  # not kept: write_kept writes nothing without its folder
                log.debug("Charts not kept in %s", path.parent, exc_info=True)
            write_kept(path, key, (chart.alt_text, chart.svg()))
        return chart

    return kept_or_drawn


@_drawn
def spc_chart(
    xmr_frame: pd.DataFrame, *, title: str, unit: str | None, target: float | None = None
) -> Chart:
    """An XmR run chart: points, average, process limits, target and special-cause points."""


@_drawn
def bar_breakdown(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    unit: str | None,
    target: float | None = None,
    rag: str | None = None,
) -> Chart:
    """Horizontal bars of ``value`` by ``category`` (team, theme), in the frame's order.

    Bars are labelled with their figure (and RAG rating when a ``rag`` column is named, also
    shown by colour and hatching); a missing value is labelled "no data".
    """


@_drawn
def overview_heatmap(frame: pd.DataFrame) -> Chart:
    """The priorities at a glance: counts of measures and overdue actions, one row per priority
    (numbers printed in every cell, so the shade only repeats what the number says)."""


@_drawn
def back_to_back(
    table: pd.DataFrame,
    *,
    title: str,
    left: str = "Female",
    right: str = "Male",
    unit: str = "count",
) -> Chart:
    """Age band by gender as back-to-back bars (a population pyramid, youngest at the bottom).

    ``table``: rows are age bands (youngest first), columns include ``left`` and ``right``;
    any other columns (e.g. "Other or not recorded") are totalled in the text alternative.
    """


@_drawn
def small_multiples(
    frame: pd.DataFrame,
    *,
    facet: str,
    x: str,
    y: str,
    title: str,
    unit: str | None,
    target: float | None = None,
    columns: int = 3,
) -> Chart:
    """One small line chart per ``facet`` value (e.g. team), sharing the value axis."""


@_drawn
def distribution_bands(
    frame: pd.DataFrame,
    *,
    title: str,
    count: str = "Count",
    band: str | None = None,
    unit_label: str = "",
    beyond: Iterable[str] = (),
    unrecorded: Iterable[str] = ("Not recorded", "Unknown"),
) -> Chart:
    """Counts by timeliness band (e.g. working days taken), bands in the frame's order.

    ``band`` names the column of band labels (default: the index). Bands listed in ``beyond``
    (outside timescale) are drawn orange and hatched, ``unrecorded`` bands light grey with
    dots, and the legend names them.
    """


@_drawn
def compare_strips(strips: Iterable[Any], *, title: str, la_name: str) -> Chart:
    """How we compare: every council's published figure as a strip per measure
    (``selfeval.compare_chart.Strip``), ours and our neighbours marked, England and the
    neighbours' average as lines; the alt text says where we sit."""


def __getattr__(name: str) -> Any:
    """The drawing module's other names (palette, styles, ``house_style``, ``figure_to_svg``)."""
    if name.startswith("__"):
        raise AttributeError(name)
    from selfeval import chart_drawing

    try:
        return getattr(chart_drawing, name)
    except AttributeError:
        raise AttributeError(f"module 'selfeval.charts' has no attribute {name!r}") from None
