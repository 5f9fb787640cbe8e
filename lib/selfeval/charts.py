"""House-style charts for the pages (matplotlib): colour-blind-safe, readable in greyscale print.

Every chart function returns a ``Chart``: an SVG image and ``alt_text``, a short plain-English
description of what the chart shows. In a notebook a ``Chart`` displays itself as an ``<img>``
carrying its alt text. Figures are built with ``matplotlib.figure.Figure`` (never pyplot), so
nothing is displayed or kept in a global registry: no backend is needed and figures are freed
with the ``Chart``.

Kept charts: every chart function also takes ``keep_in``, a folder (the pages pass the one
beside the extract's store, ``PageContext.chart_folder``). A chart drawn with a folder is kept
there under a digest of its function, data and options, selfeval's own files and matplotlib's
version, and read back when the same chart is asked for again, so a rerun on the same extract
draws nothing. Without a folder the chart is drawn every time. matplotlib and seaborn are
imported on the first chart drawn (``_plotting``): a page whose charts are all kept
never loads them.

Style: seaborn's white-grid theme, the Okabe-Ito palette, and meaning never carried by colour
alone: special-cause points also differ by marker shape and legend label, RAG bars carry
hatching and a text label, and lines differ by dash pattern. Percentages use a 0-100 axis and
dates read as month names.

Cost: a pack draws about 75 charts, so each is laid out and written once, cheaply. There is no
layout engine (constrained layout measures every text artist in an extra draw): ``_fit`` sets
fixed margins from what the figure holds (tick labels, axis labels, titles, outside legends,
value labels beyond the axes), measured from the font's character advances, and places axis
labels, titles and legends itself so matplotlib does not measure them again while drawing.
Charts are written as SVG (see ``figure_to_svg``), not rasterised.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import logging
import pickle
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from selfeval.cache import content_digest, package_fingerprint, read_kept, write_kept
from selfeval.narrative import format_value, join_words, period_label, plural
from selfeval.rag import is_missing
from selfeval.spc import summarise

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import ScaledTranslation

log = logging.getLogger("selfeval")


@functools.cache
def _plotting() -> SimpleNamespace:
    """matplotlib and seaborn (and the parts of matplotlib the charts use), imported the first
    time a chart is drawn and kept by the cache.

    They cost about 0.7 s of CPU to import, in every kernel: a page whose charts are all kept
    (a rerun) never needs them. Every use goes through this function.
    """
    import matplotlib as mpl
    import matplotlib.dates as mdates
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties, findfont, get_font
    from matplotlib.ft2font import LoadFlags
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    from matplotlib.transforms import ScaledTranslation

    return SimpleNamespace(
        mpl=mpl,
        mdates=mdates,
        sns=sns,
        Figure=Figure,
        FontProperties=FontProperties,
        findfont=findfont,
        get_font=get_font,
        LoadFlags=LoadFlags,
        FuncFormatter=FuncFormatter,
        MaxNLocator=MaxNLocator,
        ScaledTranslation=ScaledTranslation,
    )


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


@functools.cache
def _drawing_versions() -> str:
    """selfeval's own files and the versions of what draws (without importing it)."""
    from importlib.metadata import version

    return (
        f"{package_fingerprint()} matplotlib {version('matplotlib')} seaborn {version('seaborn')}"
    )


def _chart_key(name: str, args: tuple, kwargs: dict) -> str | None:
    """A digest of everything a chart is drawn from, or None when the arguments do not pickle."""
    try:
        return content_digest(name, args, kwargs, _drawing_versions())
    except Exception:  # noqa: BLE001 - arguments that do not pickle: drawn every time
        return None


def kept(draw: Callable[..., Chart]) -> Callable[..., Chart]:
    """A chart function that also takes ``keep_in`` (a folder, or None): the chart kept there
    when there is one, else ``draw`` draws it and it is kept there."""
    name = draw.__name__

    @functools.wraps(draw)
    def kept_or_drawn(*args: Any, keep_in: Path | None = None, **kwargs: Any) -> Chart:
        key = _chart_key(name, args, kwargs) if keep_in is not None else None
        path = Path(keep_in) / f"{key}.pickle" if keep_in is not None and key else None
        found = read_kept(path, key)
        if found is not None:
            alt_text, svg = found
            return Chart(None, alt_text, svg)
        chart = draw(*args, **kwargs)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:  # not kept: write_kept writes nothing without its folder
                log.debug("Charts not kept in %s", path.parent, exc_info=True)
            write_kept(path, key, (chart.alt_text, chart.svg()))
        return chart

    return kept_or_drawn


# --- drawing ------------------------------------------------------------------------------------

BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
BLUISH_GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#6B6B6B"
DARK_VERMILLION = "#A33A00"  # vermillion darkened so red and green differ in greyscale
PALETTE = [BLUE, ORANGE, BLUISH_GREEN, VERMILLION, PURPLE, SKY, BLACK]

#: how each special-cause verdict is drawn: (colour, marker, legend label)
VARIATION_STYLE = {
    "improvement": (BLUE, "D", "Special cause: improvement"),
    "concern": (ORANGE, "X", "Special cause: concern"),
    "special cause": (PURPLE, "s", "Special cause"),
}
#: how RAG bars are drawn: (colour, hatch); the rating is also written beside the bar
RAG_STYLE = {
    "green": (BLUISH_GREEN, ""),
    "amber": (ORANGE, "//"),
    "red": (DARK_VERMILLION, "xx"),
    "": (BLUE, ""),
}
_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "hatch.linewidth": 0.8,
    # DejaVu Sans (shipped with matplotlib) measures every label; the fonts after it are
    # narrower, so a browser that lacks it never clips text (see ``figure_to_svg``)
    "font.family": ["sans-serif"],
    "font.sans-serif": [
        "DejaVu Sans",
        "Bitstream Vera Sans",
        "Arial",
        "Helvetica",
        "Liberation Sans",
    ],
}


#: how charts are written as SVG (see ``figure_to_svg``)
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "selfeval"}
_SVG_METADATA = {"Date": None}
#: pixels per inch of a chart's natural size on a page: that of the 150 dpi PNGs charts were
#: before, so a chart fills the reading column (``max-width: 100%``) as it did then
DISPLAY_PPI = 150
_SVG_SIZE = re.compile(r'(<svg\b[^>]*?)width="([\d.]+)pt" height="([\d.]+)pt"')


#: figures laid out by ``_fit``: they are written as they are, without a tight bounding box
_FITTED: weakref.WeakSet[Figure] = weakref.WeakSet()


def figure_to_svg(figure: Figure) -> str:
    """The figure as SVG in one draw.

    Text stays text (``svg.fonttype="none"``), not glyph outlines ("path"): drawing each label
    as outlines costs about a third of a chart's CPU time and triples the file, and real text
    stays sharp, selectable and searchable in the browser and in the printed PDF. The price is
    that the reader's browser draws it in its own copy of the font. So the house font is
    DejaVu Sans, which matplotlib always has (every margin is measured in it), and the SVG
    names after it only fonts that are narrower (Arial, Helvetica, Liberation Sans): a reader
    without DejaVu Sans sees slightly looser text, never clipped or overlapping text. Labels
    keep their anchors (right-aligned tick labels stay right-aligned) in any font.

    A fixed hash salt and no date make the same chart give the same bytes on every run.
    House figures are already laid out by ``_fit``; other figures (e.g. a seaborn heatmap built
    elsewhere) are cropped to a tight bounding box, which costs a second draw.
    """
    buffer = io.BytesIO()
    tight = None if figure in _FITTED else "tight"
    # the house fonts, as when it was measured
    with house_style(), _plotting().mpl.rc_context(SVG_RC):
        figure.savefig(
            buffer, format="svg", bbox_inches=tight, facecolor="white", metadata=_SVG_METADATA
        )
    return _SVG_SIZE.sub(_display_size, buffer.getvalue().decode("utf-8"), count=1)


def _display_size(match: re.Match) -> str:
    """The <svg> element's size in pixels at ``DISPLAY_PPI`` (its viewBox stays in points)."""
    width, height = (round(float(v) * DISPLAY_PPI / 72) for v in match.group(2, 3))
    return f'{match.group(1)}width="{width}px" height="{height}px"'


@contextmanager
def house_style() -> Iterator[None]:
    """seaborn white grid plus the house palette and fonts, for figures created inside."""
    lib = _plotting()
    with lib.sns.axes_style("whitegrid"), lib.sns.plotting_context("notebook", font_scale=0.85):
        with lib.mpl.rc_context({**_RC, "axes.prop_cycle": lib.mpl.cycler(color=PALETTE)}):
            yield


def _new_figure(width: float = 8, height: float = 4, **subplots: Any) -> tuple[Figure, Any]:
    """A figure without a layout engine: ``_fit`` sets its margins once it is drawn on.

    A figure of one plot is a copy of a blank one made once (in the house style): building
    a figure and its axes from scratch takes about 8 ms, a copy about 2 ms.
    """
    if subplots:
        figure = _plotting().Figure(figsize=(width, height))
        return figure, figure.subplots(**subplots)
    figure = pickle.loads(_blank_figure())
    figure.set_size_inches(width, height)
    return figure, figure.axes[0]


@functools.cache
def _blank_figure() -> bytes:
    """A pickled figure of one empty plot, in the house style."""
    with house_style():
        figure = _plotting().Figure()
        figure.subplots()
    return pickle.dumps(figure)


# --- layout: fixed margins from measured text --------------------------------------------------

#: blank space (points) round the edge of every chart, and between a legend and the plot
_EDGE = 6.0
_GAP = 8.0


@functools.lru_cache(maxsize=8192)
def _line_width(line: str, font_file: str) -> float:
    """Width of one line of text at size 1 (multiply by the font size in points).

    Summing character advances ignores kerning, which only narrows Latin text, so this errs a
    little wide; it costs microseconds where matplotlib's text layout costs a fifth of a ms.
    """
    lib = _plotting()
    font = lib.get_font(font_file)
    font.set_size(100, 72)  # the font object is shared with matplotlib's renderers
    flags = lib.LoadFlags.NO_HINTING
    return sum(font.load_char(ord(c), flags=flags).linearHoriAdvance for c in line) / 6553600


def _text_size(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """(width, height) in points of ``text`` as matplotlib lays it out, from the font's advances.

    The height follows ``matplotlib.text.Text`` (``linespacing="normal"``, the default). The 3%
    allows for renderers that round each glyph's advance to whole pixels (hinting in Agg and
    in some browsers), which widens long lines.
    """
    lines = str(text).split("\n")
    rc = _plotting().mpl.rcParams
    font_file = _font_file(weight, tuple(rc["font.family"]), tuple(rc["font.sans-serif"]))
    width = max(_line_width(line, font_file) for line in lines) * size
    lines_tall = _line_height(font_file) if len(lines) == 1 else _line_height(font_file, gap=True)
    return width * 1.03 + 1.0, len(lines) * lines_tall * size + 1.0


@functools.lru_cache(maxsize=64)
def _font_file(weight: str, family: tuple[str, ...], sans: tuple[str, ...]) -> str:
    """The font matplotlib uses for ``weight`` under the current family settings."""
    lib = _plotting()
    return lib.findfont(lib.FontProperties(family=list(family), weight=weight))


@functools.cache
def _line_height(font_file: str, gap: bool = False) -> float:
    """Height of a line of text at size 1, from the font's typographic ascender and descender
    as ``matplotlib.text.Text`` takes them; lines of multi-line text add the line gap.
    """
    font = _plotting().get_font(font_file)
    table = font.get_sfnt_table("OS/2") or {}
    if "sTypoAscender" in table:
        units = font.get_sfnt_table("head")["unitsPerEm"]
        extra = table["sTypoLineGap"] if gap else 0
        return (table["sTypoAscender"] - table["sTypoDescender"] + extra) / units
    return 1.2 if gap else 1.0


def _size_of(artist: Any) -> float:
    return float(artist.get_fontsize())


def _weight_of(artist: Any) -> str:
    weight = artist.get_fontweight()
    return (
        "bold"
        if weight in ("bold", "heavy", "black", "semibold", "demibold")
        or (isinstance(weight, int | float) and weight >= 600)
        else "normal"
    )


def _measure(artist: Any) -> tuple[float, float]:
    text = artist.get_text()
    return _text_size(text, _size_of(artist), _weight_of(artist)) if text else (0.0, 0.0)


def wrap_label(text: str, width: float, size: float, weight: str = "normal", lines: int = 0) -> str:
    """``text`` broken at spaces into lines no wider than ``width`` points (a word that is
    longer stays whole). With ``lines``, the width grows until the text takes at most that many.
    """
    words = str(text).split()
    if not words or _text_size(text, size, weight)[0] <= width:
        return str(text)
    for _ in range(20):
        out = [words[0]]
        for word in words[1:]:
            candidate = f"{out[-1]} {word}"
            if _text_size(candidate, size, weight)[0] <= width:
                out[-1] = candidate
            else:
                out.append(word)
        if not lines or len(out) <= lines:
            return "\n".join(out)
        width *= 1.1
    return "\n".join(out)


def _tick_labels(axis: Any, which: str) -> list[tuple[float, str]]:
    """(position as a fraction of the axis, label) of the tick labels ``axis`` will draw."""
    params = axis.get_tick_params()
    if not axis.get_visible() or not params.get(which, _plotting().mpl.rcParams[_TICK_RC[which]]):
        return []
    low, high = axis.get_view_interval()
    span = (high - low) or 1.0
    locs = [
        v
        for v in axis.get_majorticklocs()
        if min(low, high) - 1e-9 * abs(span) <= v <= max(low, high) + 1e-9 * abs(span)
    ]
    labels = axis.get_major_formatter().format_ticks(locs)
    return [((v - low) / span, label) for v, label in zip(locs, labels, strict=True) if label]


_TICK_RC = {"labelleft": "ytick.labelleft", "labelbottom": "xtick.labelbottom"}


def _tick_offset(axis_name: str) -> float:
    """Distance (points) from the axis line to its tick labels."""
    rc = _plotting().mpl.rcParams
    size = rc[f"{axis_name}tick.major.size"] if rc[f"{axis_name}tick.direction"] != "in" else 0
    return float(rc[f"{axis_name}tick.major.pad"] + size)


def _decorations(ax: Axes, width: float, height: float) -> list[float]:
    """[left, right, bottom, top]: room (points) ``ax`` needs outside its box of ``width`` x
    ``height`` points for tick labels, axis labels, title and text placed beyond the axes.

    Also moves the axis labels beside the tick labels (matplotlib would otherwise measure the
    tick labels again while drawing, to place them).
    """
    need = [0.0, 0.0, 0.0, 0.0]
    # y tick labels, right-aligned left of the axis, centred on their tick
    ysize = _axis_label_size(ax.yaxis)
    ylabels = [(f, _text_size(t, ysize)) for f, t in _tick_labels(ax.yaxis, "labelleft")]
    yticks = _tick_offset("y") + max((w for _, (w, _) in ylabels), default=0.0)
    for f, (_, h) in ylabels:
        need[3] = max(need[3], f * height + h / 2 - height)
        need[2] = max(need[2], h / 2 - f * height)
    need[0] = yticks if ylabels else 0.0
    # x tick labels, top-aligned below the axis, centred on their tick
    xsize = _axis_label_size(ax.xaxis)
    xlabels = [(f, _text_size(t, xsize)) for f, t in _tick_labels(ax.xaxis, "labelbottom")]
    xticks = _tick_offset("x") + max((h for _, (_, h) in xlabels), default=0.0)
    for f, (w, _) in xlabels:
        need[0] = max(need[0], w / 2 - f * width)
        need[1] = max(need[1], f * width + w / 2 - width)
    need[2] = max(need[2], xticks if xlabels else 0.0)
    # axis labels beside the tick labels, placed here even when empty: an axis label left to
    # matplotlib makes it measure every tick label while drawing
    pad = float(_plotting().mpl.rcParams["axes.labelpad"])
    offset = (yticks if ylabels else 0.0) + pad
    ax.yaxis.set_label_coords(0, 0.5, ax.transAxes + _points(ax, -offset, 0))
    if ax.yaxis.label.get_text() and ax.yaxis.label.get_visible():
        need[0] = max(need[0], offset + _measure(ax.yaxis.label)[1])
    offset = (xticks if xlabels else 0.0) + pad
    ax.xaxis.set_label_coords(0.5, 0, ax.transAxes + _points(ax, 0, -offset))
    if ax.xaxis.label.get_text() and ax.xaxis.label.get_visible():
        need[2] = max(need[2], offset + _measure(ax.xaxis.label)[1])
    for title in (ax.title, ax._left_title, ax._right_title):  # noqa: SLF001
        if title.get_text():
            need[3] = max(need[3], _title_pad(ax) + _measure(title)[1])
    for text in ax.texts:
        _text_overflow(ax, text, width, height, need)
    return need


def _axis_label_size(axis: Any) -> float:
    size = axis.get_tick_params().get(
        "labelsize", _plotting().mpl.rcParams[f"{axis.axis_name}tick.labelsize"]
    )
    return float(_plotting().FontProperties(size=size).get_size_in_points())


def _points(ax: Axes, dx: float, dy: float) -> ScaledTranslation:
    return _plotting().ScaledTranslation(dx / 72, dy / 72, ax.get_figure(root=True).dpi_scale_trans)


def _title_pad(ax: Axes) -> float:
    """The title's distance (points) above the axes, as set by ``set_title(pad=...)``."""
    return float(ax.titleOffsetTrans.get_matrix()[1, 2] * 72 / ax.get_figure(root=True).dpi)


def _text_overflow(ax: Axes, text: Any, width: float, height: float, need: list[float]) -> None:
    """Widen ``need`` by how far a text or annotation reaches beyond the axes box."""
    if not text.get_visible() or not text.get_text():
        return
    w, h = _measure(text)
    if text.get_bbox_patch() is not None:
        w, h = w + 4, h + 4
    if hasattr(text, "xyann") and text.xycoords == "data":  # an annotation in data coordinates
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        x = (text.xy[0] - x0) / ((x1 - x0) or 1) * width
        y = (text.xy[1] - y0) / ((y1 - y0) or 1) * height
        if text.anncoords == "offset points":
            x, y = x + text.xyann[0], y + text.xyann[1]
    elif text.get_transform() == ax.transAxes:
        x, y = text.get_position()[0] * width, text.get_position()[1] * height
    else:
        return
    ha, va = text.get_horizontalalignment(), text.get_verticalalignment()
    left = x - {"left": 0, "center": w / 2, "right": w}[ha]
    bottom = y - {"bottom": 0, "baseline": 0.2 * h, "top": h}.get(va, h / 2)
    need[0] = max(need[0], -left)
    need[1] = max(need[1], left + w - width)
    need[2] = max(need[2], -bottom)
    need[3] = max(need[3], bottom + h - height)


def _pin_title(title: Any, text: str) -> None:
    """Set a title's text at a fixed place (its bottom ``pad`` above the axes) and style.

    A title at a fixed place is not moved above the tick labels while drawing, which would
    measure them all again.
    """
    ax = title.axes
    loc = {id(ax._left_title): "left", id(ax._right_title): "right"}.get(id(title), "center")  # noqa: SLF001
    ax.set_title(
        text,
        loc=loc,
        y=1.0,
        pad=_title_pad(ax),
        fontsize=title.get_fontsize(),
        fontweight=title.get_fontweight(),
        color=title.get_color(),
        verticalalignment="bottom",
    )


def _legend_size(legend: Any) -> tuple[float, float]:
    """(width, height) in points of a legend box, from its texts and spacing."""
    fs = float(legend._fontsize)  # noqa: SLF001
    sizes = [_measure(t) for t in legend.get_texts()]
    if not sizes:
        return 0.0, 0.0
    columns = [c for c in np.array_split(np.arange(len(sizes)), legend._ncols) if len(c)]  # noqa: SLF001
    handle = (legend.handlelength + legend.handletextpad) * fs
    row = max(max(h for _, h in sizes), legend.handleheight * fs)
    width = sum(handle + max(sizes[i][0] for i in c) for c in columns)
    width += (len(columns) - 1) * legend.columnspacing * fs + 2 * legend.borderpad * fs
    rows = max(len(c) for c in columns)
    height = rows * row + rows * legend.labelspacing * fs + 2 * legend.borderpad * fs
    return width + 2, height + 2


def _between(
    needs: Mapping[Axes, list[float]],
    place: Mapping[Axes, tuple[int, int]],
    step: tuple[int, int],
    side: int,
    facing: int,
) -> float:
    """Room needed between neighbouring axes of a grid (``step`` from one to the next): what
    the first needs on its ``side`` plus what the next needs on the ``facing`` side (indexes
    into [left, right, bottom, top])."""
    at = {where: ax for ax, where in place.items()}
    pairs = [
        (ax, at[(r + step[0], c + step[1])])
        for ax, (r, c) in place.items()
        if (r + step[0], c + step[1]) in at
    ]
    return max((needs[a][side] + needs[b][facing] for a, b in pairs), default=0.0)


def _fit(figure: Figure, *, legend: str | None = None) -> None:
    """Fixed margins for ``figure``'s grid of axes so that nothing is clipped or overlaps.

    ``legend``: where the (only) axes legend goes: "right" of the plot, top-aligned, or "below"
    everything, centred under the plot; None leaves it inside the axes where it was put.
    Titles wider than the room they have are wrapped onto more lines. Call it last, inside
    ``house_style()``, once everything is drawn on the figure.
    """
    width, height = (float(v) * 72 for v in figure.get_size_inches())
    axes = [ax for ax in figure.axes if ax.get_visible()]
    grid = figure.axes[0].get_subplotspec().get_gridspec()
    nrows, ncols = grid.get_geometry()
    spans = {ax: ax.get_subplotspec().get_topmost_subplotspec() for ax in axes}
    place = {ax: (spans[ax].rowspan.start, spans[ax].colspan.start) for ax in axes}
    titles = {
        t: t.get_text().replace("\n", " ")
        for ax in axes
        for t in (ax.title, ax._left_title, ax._right_title)  # noqa: SLF001
        if t.get_text()
    }
    found = next((ax.get_legend() for ax in axes if ax.get_legend() is not None), None)
    box = _legend_size(found) if found is not None and legend else (0.0, 0.0)
    suptitle = figure._suptitle  # noqa: SLF001
    if suptitle is not None and suptitle.get_text():
        text = suptitle.get_text().replace("\n", " ")
        room = width - 2 * _EDGE
        suptitle.set_text(wrap_label(text, room, _size_of(suptitle), _weight_of(suptitle)))
    margins = [_EDGE] * 4
    wgap = hgap = 0.0
    for _ in range(2):  # the second pass sees the axes sizes the first pass settled on
        cell_w = (width - margins[0] - margins[1] - (ncols - 1) * wgap) / ncols
        cell_h = (height - margins[2] - margins[3] - (nrows - 1) * hgap) / nrows
        for title, text in titles.items():
            room = cell_w if ncols > 1 else width - margins[0] - _EDGE
            _pin_title(title, wrap_label(text, room, _size_of(title), _weight_of(title)))
        needs = {ax: _decorations(ax, cell_w, cell_h) for ax in axes}
        left = [n[0] for ax, n in needs.items() if place[ax][1] == 0]
        right = [n[1] for ax, n in needs.items() if place[ax][1] == ncols - 1]
        top = [n[3] for ax, n in needs.items() if place[ax][0] == 0]
        bottom = [n[2] for ax, n in needs.items() if place[ax][0] == nrows - 1]
        margins = [_EDGE + max(side, default=0.0) for side in (left, right, bottom, top)]
        wgap = _GAP + _between(needs, place, (0, 1), side=1, facing=0)
        hgap = _GAP + _between(needs, place, (1, 0), side=2, facing=3)
        if legend == "right":
            margins[1] = max(margins[1], _EDGE + box[0] + _GAP)
        elif legend == "below":
            margins[2] += box[1] + _GAP / 2
        if suptitle is not None and suptitle.get_text():
            margins[3] += _measure(suptitle)[1] + _GAP
    cell_w = (width - margins[0] - margins[1] - (ncols - 1) * wgap) / ncols
    cell_h = (height - margins[2] - margins[3] - (nrows - 1) * hgap) / nrows
    figure.subplots_adjust(
        left=margins[0] / width,
        right=1 - margins[1] / width,
        bottom=margins[2] / height,
        top=1 - margins[3] / height,
        wspace=wgap / cell_w if ncols > 1 else 0.0,
        hspace=hgap / cell_h if nrows > 1 else 0.0,
    )
    if suptitle is not None:
        suptitle.set_position((_EDGE / width, 1 - _EDGE / height))
        suptitle.set_horizontalalignment("left")
        suptitle.set_verticalalignment("top")
    if found is not None and legend == "right":
        found.set_loc("upper left")
        found.set_bbox_to_anchor((1, 1), transform=found.axes.transAxes)
        found.borderaxespad = _GAP / float(found._fontsize)  # noqa: SLF001
    elif found is not None and legend == "below":
        ax = found.axes
        centre = (margins[0] + cell_w * (place[ax][1] + 0.5) + wgap * place[ax][1]) / width
        found.set_loc("lower center")
        found.set_bbox_to_anchor((centre, _EDGE / height), transform=figure.transFigure)
        found.borderaxespad = 0.0
    _FITTED.add(figure)


def _value_axis(ax: Axes, unit: str | None, axis: str = "y") -> None:
    """0-100 for percentages; thousands separators otherwise."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit == "pct":
        (ax.set_ylim if axis == "y" else ax.set_xlim)(0, 100)
        target.set_major_formatter(_plotting().FuncFormatter(lambda v, _: f"{v:.0f}%"))
    else:
        target.set_major_formatter(_plotting().FuncFormatter(_plain_tick))
        target.set_major_locator(_plotting().MaxNLocator(nbins=6))


def _plain_tick(value: float, _position: int) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _unit_label(unit: str | None) -> str:
    return {"pct": "Percentage", "rate_10k": "Rate per 10,000", "days": "Days"}.get(unit or "", "")


def _x_positions(index: pd.Index) -> tuple[np.ndarray, bool]:
    """Dates become matplotlib date numbers (month-name ticks from ``_date_axis``); other labels
    become positions 0..n-1. Plain numbers spare a units conversion on every ``plot`` call.
    """
    if isinstance(index, pd.DatetimeIndex):
        return np.asarray(_plotting().mdates.date2num(index)), True
    return np.arange(len(index)), False


def _date_axis(ax: Axes, index: pd.Index, x: np.ndarray, most: int = 8) -> None:
    """At most ``most`` month-name ticks at the data's own dates (``x``: their date numbers),
    the latest always labelled.

    Fixed ticks cost less to draw than a date locator, which searches the calendar each time.
    """
    dates = pd.DatetimeIndex(index)
    step = max(1, int(np.ceil(len(dates) / most)))
    first = (len(dates) - 1) % step if len(dates) else 0
    ax.set_xticks(x[first::step], [f"{d:%b}\n{d:%Y}" for d in dates[first::step]])


def _target_line(ax: Axes, target: float | None, unit: str | None, horizontal: bool) -> None:
    if is_missing(target):
        return
    label = f"Target {format_value(target, unit, trim=True)}"
    draw = ax.axhline if horizontal else ax.axvline
    draw(float(target), color=BLACK, linestyle="-.", linewidth=1.4, label=label, zorder=2)


@kept
def spc_chart(
    xmr_frame: pd.DataFrame, *, title: str, unit: str | None, target: float | None = None
) -> Chart:
    """An XmR run chart: points, average, process limits, target and special-cause points."""
    df = xmr_frame
    target = df.attrs.get("target") if target is None else target
    x, dated = _x_positions(df.index)
    # plain arrays: each pandas column access would deep-copy the frame's attrs
    value, segments, variations = (df[c].to_numpy() for c in ("value", "segment", "variation"))
    with house_style():
        figure, ax = _new_figure()
        ax.plot(x, value, color=GREY, marker="o", markersize=4, linewidth=1.2, label="Value")
        for number, segment in enumerate(pd.unique(segments) if len(df) else []):
            rows = segments == segment
            labels = ("Average", "Process limits") if number == 0 else (None, None)
            ax.plot(
                x[rows], df["mean"].to_numpy()[rows], color=BLACK, linewidth=1.2, label=labels[0]
            )
            for limit in ("lcl", "ucl"):
                ax.plot(
                    x[rows],
                    df[limit].to_numpy()[rows],
                    color=GREY,
                    linestyle="--",
                    linewidth=1,
                    label=labels[1] if limit == "lcl" else None,
                )
        for variation, (colour, marker, label) in VARIATION_STYLE.items():
            rows = variations == variation
            if rows.any():
                ax.scatter(
                    x[rows],
                    value[rows],
                    s=55,
                    color=colour,
                    marker=marker,
                    edgecolor=BLACK,
                    linewidth=0.6,
                    zorder=4,
                    label=label,
                )
        _target_line(ax, target, unit, horizontal=True)
        _value_axis(ax, unit)
        if unit != "pct":
            lowest = df["value"].min() if df["value"].notna().any() else 0.0
            ax.set_ylim(bottom=min(0.0, float(lowest)))  # limits below zero are clipped
        if dated:
            _date_axis(ax, df.index, x)
        else:
            step = 1 if len(x) <= 12 else int(np.ceil(len(x) / 8))
            ax.set_xticks(x[::step], [str(v) for v in df.index[::step]])
        ax.set_title(title)
        ax.set_ylabel(_unit_label(unit))
        ax.legend(frameon=False)
        _plotting().sns.despine(ax=ax)
        _fit(figure, legend="right")
    return Chart(figure, _spc_alt_text(df, title, unit, target))


def _spc_alt_text(df: pd.DataFrame, title: str, unit: str | None, target: float | None) -> str:
    with_data = df[df["value"].notna()]
    if with_data.empty:
        return f"{title}: no data to chart."
    first, last = period_label(with_data.index[0]), period_label(with_data.index[-1])
    shown = "its average and process limits" if with_data["mean"].notna().any() else "no limits"
    target_text = "" if is_missing(target) else " and the target"
    flagged = int(df["special_cause"].sum())
    flags = f" {plural(flagged, 'point')} flagged as special cause." if flagged else ""
    latest = format_value(with_data["value"].iloc[-1], unit)
    summary = summarise(df, unit) if "n_points" in df.attrs else ""
    return (
        f"{title}: line chart from {first} to {last} with {shown}{target_text}. "
        f"Latest value {latest} in {last}.{flags} {summary}"
    ).strip()


def _rag_of(frame: pd.DataFrame, rag: str | None) -> list[str]:
    if rag is None or rag not in frame:
        return [""] * len(frame)
    return ["" if is_missing(v) and not isinstance(v, str) else str(v) for v in frame[rag]]


@kept
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
    categories = [str(c) for c in frame[category]]
    values = pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float)
    ratings = _rag_of(frame, rag)
    positions = np.arange(len(categories))[::-1]
    with house_style():
        figure, ax = _new_figure(8, max(2.0, 0.45 * len(categories) + 1.2))
        names = [_category_label(c, ax.yaxis) for c in categories]
        styles = [RAG_STYLE.get(rating, RAG_STYLE[""]) for rating in ratings]
        widths = np.nan_to_num(values, nan=0.0)
        if len(categories):  # one call: each bar's colour and hatch from its rating
            ax.barh(
                positions,
                widths,
                color=[colour for colour, _ in styles],
                hatch=[hatch for _, hatch in styles],
                edgecolor=BLACK,
            )
        for y, v, width, rating in zip(positions, values, widths, ratings, strict=True):
            label = format_value(v, unit) + (f" ({rating})" if rating else "")
            ax.annotate(
                label,
                (width, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        ax.set_yticks(positions, names)
        _target_line(ax, target, unit, horizontal=False)
        _value_axis(ax, unit, axis="x")
        if unit != "pct" and np.isfinite(values).any():
            ax.set_xlim(0, float(np.nanmax(values)) * 1.2 or 1)
        ax.set_title(title)
        ax.set_xlabel(_unit_label(unit))
        ax.grid(axis="y", visible=False)
        if not is_missing(target):
            ax.legend(frameon=False)
        _plotting().sns.despine(ax=ax, left=True)
        _fit(figure, legend="below")
    return Chart(figure, _bar_alt_text(categories, values, ratings, title, unit, target))


@kept
def overview_heatmap(frame: pd.DataFrame) -> Chart:
    """The priorities at a glance: counts of measures and overdue actions, one row per priority
    (numbers printed in every cell, so the shade only repeats what the number says)."""
    with house_style():
        figure, ax = _new_figure(8, 0.45 * len(frame) + 1.8)
        _plotting().sns.heatmap(
            frame,
            annot=True,
            fmt="d",
            cmap="Blues",
            cbar=False,
            linewidths=0.5,
            linecolor="white",
            ax=ax,
        )
        ax.set_yticks(
            np.arange(len(frame)) + 0.5, [_category_label(str(i), ax.yaxis) for i in frame.index]
        )
        slot = figure.get_figwidth() * 72 * 0.6 / max(1, frame.shape[1])  # a column's width
        size = _axis_label_size(ax.xaxis)
        ax.set_xticks(
            np.arange(frame.shape[1]) + 0.5, [wrap_label(str(c), slot, size) for c in frame.columns]
        )
        ax.set_title("Priorities at a glance: counts of measures and overdue actions")
        ax.set_ylabel("")
        ax.tick_params(axis="both", length=0)
        _fit(figure)
    alt = "Heatmap of the priorities at a glance. " + " ".join(
        f"{idx}: {row['Green']} green, {row['Amber']} amber, {row['Red']} red, "
        f"{row['Improving']} improving, {row['Getting worse']} getting worse, "
        f"{row['Actions overdue']} actions overdue."
        for idx, row in frame.iterrows()
    )
    return Chart(figure, alt)


def _category_label(name: str, axis: Any) -> str:
    """A category name wrapped onto at most two lines, each at most a third of the figure wide."""
    room = axis.axes.get_figure(root=True).get_figwidth() * 72 / 3
    return wrap_label(name, room, _axis_label_size(axis), lines=2)


def _bar_alt_text(
    categories: Sequence[str],
    values: np.ndarray,
    ratings: Sequence[str],
    title: str,
    unit: str | None,
    target: float | None,
) -> str:
    items = [
        f"{c} {format_value(v, unit)}" + (f" ({r})" if r else "")
        for c, v, r in zip(categories, values, ratings, strict=True)
    ]
    text = f"{title}: bar chart of {plural(len(categories), 'group')}: {join_words(items)}."
    if not is_missing(target):
        text += f" The target of {format_value(target, unit, trim=True)} is marked."
    return text


@kept
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
    bands = [str(b) for b in table.index]
    left_values = table[left].to_numpy(dtype=float)
    right_values = table[right].to_numpy(dtype=float)
    y = np.arange(len(bands))
    limit = max(float(np.nanmax(np.r_[left_values, right_values, 1])), 1.0) * 1.25
    with house_style():
        figure, ax = _new_figure(8, max(2.5, 0.45 * len(bands) + 1.4))
        ax.barh(y, -left_values, color=ORANGE, hatch="//", edgecolor=BLACK, label=left)
        ax.barh(y, right_values, color=BLUE, edgecolor=BLACK, label=right)
        for yy, lv, rv in zip(y, left_values, right_values, strict=True):
            ax.annotate(
                format_value(lv, unit),
                (-lv, yy),
                xytext=(-4, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=9,
            )
            ax.annotate(
                format_value(rv, unit),
                (rv, yy),
                xytext=(4, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=9,
            )
        ax.set_yticks(y, [_category_label(b, ax.yaxis) for b in bands])
        ax.set_xlim(-limit, limit)
        ax.axvline(0, color=BLACK, linewidth=0.8)
        ax.xaxis.set_major_locator(_plotting().MaxNLocator(nbins=6, integer=unit == "count"))
        ax.xaxis.set_major_formatter(_plotting().FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
        ax.text(0.25, 1.0, left, transform=ax.transAxes, ha="center", va="bottom", weight="bold")
        ax.text(0.75, 1.0, right, transform=ax.transAxes, ha="center", va="bottom", weight="bold")
        ax.set_title(title, pad=18)
        ax.grid(axis="y", visible=False)
        ax.legend(ncols=2, frameon=False)
        _plotting().sns.despine(ax=ax, left=True)
        _fit(figure, legend="below")
    return Chart(figure, _back_to_back_alt_text(table, bands, title, left, right, unit))


def _back_to_back_alt_text(
    table: pd.DataFrame, bands: Sequence[str], title: str, left: str, right: str, unit: str
) -> str:
    totals = {c: float(table[c].sum()) for c in table.columns}
    by_band = table[[left, right]].sum(axis=1).to_numpy(dtype=float)
    text = (
        f"{title}: back-to-back bar chart by age band, {left.lower()} on the left "
        f"({format_value(totals[left], unit)}), {right.lower()} on the right "
        f"({format_value(totals[right], unit)})."
    )
    if len(bands) and by_band.max() > 0:
        text += f" The largest age band is {bands[int(np.argmax(by_band))]}."
    others = [
        f"{format_value(v, unit)} {c.lower()}"
        for c, v in totals.items()
        if c not in (left, right) and v
    ]
    if others:
        text += f" Not shown: {join_words(others)}."
    return text


@kept
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
    groups = list(dict.fromkeys(frame[facet]))
    rows = max(1, int(np.ceil(len(groups) / columns)))
    cols = min(columns, max(1, len(groups)))
    latest: list[str] = []
    with house_style():
        figure, axes = _new_figure(
            3.2 * cols, 2.4 * rows + 0.6, nrows=rows, ncols=cols, sharey=True, squeeze=False
        )
        for ax, group in zip(axes.flat, groups, strict=False):
            part = frame[frame[facet] == group].sort_values(x)
            dated = _is_date(part[x])
            dates = pd.DatetimeIndex(pd.to_datetime(part[x])) if dated else None
            xs = np.asarray(_plotting().mdates.date2num(dates)) if dated else part[x].to_numpy()
            ax.plot(xs, part[y].to_numpy(), color=BLUE, marker="o", markersize=3, linewidth=1.2)
            _target_line(ax, target, unit, horizontal=True)
            _value_axis(ax, unit)
            if dated and len(part):
                _date_axis(ax, dates, xs, most=3)
            ax.set_title(str(group), fontsize=10)
            with_data = part[part[y].notna()]
            if len(with_data):
                when = (
                    period_label(pd.Timestamp(with_data[x].iloc[-1]))
                    if dated
                    else str(with_data[x].iloc[-1])
                )
                latest.append(f"{group} {format_value(with_data[y].iloc[-1], unit)} ({when})")
            else:
                latest.append(f"{group} no data")
            _plotting().sns.despine(ax=ax)
        for ax in list(axes.flat)[len(groups) :]:
            ax.set_visible(False)
        figure.suptitle(title, weight="bold")
        _fit(figure)
    text = f"{title}: {plural(len(groups), 'small chart')}, one for each {facet}"
    if not is_missing(target):
        text += f", with the {format_value(target, unit, trim=True)} target"
    text += f". Latest: {join_words(latest)}." if latest else "."
    return Chart(figure, text)


def _is_date(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values) or (
        len(values) > 0 and all(hasattr(v, "year") for v in values)
    )


@kept
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
    labels = [str(b) for b in (frame[band] if band else frame.index)]
    counts = pd.to_numeric(frame[count], errors="coerce").fillna(0).to_numpy(dtype=float)
    late, unknown = set(beyond), set(unrecorded)
    total = counts.sum()
    with house_style():
        figure, ax = _new_figure(8, 3.6)
        for i, (label, n) in enumerate(zip(labels, counts, strict=True)):
            colour, hatch, name = _band_style(label, late, unknown)
            ax.bar(i, n, color=colour, hatch=hatch, edgecolor=BLACK, label=name)
            share = f"\n{100 * n / total:.0f}%" if total else ""
            ax.annotate(
                f"{n:,.0f}{share}",
                (i, n),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        slot = figure.get_figwidth() * 72 * 0.8 / max(1, len(labels))
        size = _axis_label_size(ax.xaxis)
        ax.set_xticks(range(len(labels)), [wrap_label(b, slot, size) for b in labels])
        ax.set_ylim(0, max(1.0, counts.max() if len(counts) else 1.0) * 1.25)
        _value_axis(ax, "count")
        ax.set_xlabel(unit_label.capitalize())
        ax.set_ylabel("Number")
        ax.set_title(title)
        ax.grid(axis="x", visible=False)
        handles, names = ax.get_legend_handles_labels()
        if handles:
            unique = dict(zip(names, handles, strict=True))
            ax.legend(unique.values(), unique.keys(), ncols=len(unique), frameon=False)
        _plotting().sns.despine(ax=ax)
        _fit(figure, legend="below")
    return Chart(figure, _bands_alt_text(labels, counts, late, title, unit_label))


def _band_style(label: str, late: set[str], unknown: set[str]) -> tuple[str, str, str | None]:
    """(colour, hatch, legend label) of one timeliness band."""
    if label in unknown:
        return "#DDDDDD", "..", "Not recorded"
    if label in late:
        return ORANGE, "//", "Outside timescale"
    return BLUE, "", "Within timescale" if late else None


def _bands_alt_text(
    labels: Sequence[str], counts: np.ndarray, late: set[str], title: str, unit_label: str
) -> str:
    total = counts.sum()
    items = [f"{label} {n:,.0f}" for label, n in zip(labels, counts, strict=True)]
    unit = f" ({unit_label})" if unit_label else ""
    text = f"{title}: bar chart of {plural(total, 'case')} by band{unit}: {join_words(items)}."
    if late and total:
        outside = sum(n for label, n in zip(labels, counts, strict=True) if label in late)
        share = format_value(100 * outside / total, "pct")
        text += f" {outside:,.0f} of {total:,.0f} ({share}) were outside timescale."
    return text


def palette_luminance(colours: Mapping[str, str] | Sequence[str]) -> list[float]:
    """Greyscale luminance (0-255) of colours, to check they stay apart when printed."""
    values = colours.values() if isinstance(colours, Mapping) else colours
    rgb = [_plotting().mpl.colors.to_rgb(c) for c in values]
    return [255 * (0.299 * r + 0.587 * g + 0.114 * b) for r, g, b in rgb]


# --- how we compare (issue 20) ------------------------------------------------------------------


@dataclass(frozen=True)
class Strip:
    """One measure's row: every council's value, ours, our neighbours', England, the average."""

    label: str
    unit: str
    year_label: str
    values: tuple[float, ...]  # every council with a published figure
    ours: float | None
    neighbours: tuple[float, ...]
    england: float | None
    neighbour_avg: float | None
    rank_text: str
    band: str | None


def strip_alt_text(strip: Strip, la_name: str) -> str:
    """Where we sit, in words."""
    fmt = lambda v: format_value(v, strip.unit)  # noqa: E731
    if strip.ours is None:
        return f"{strip.label} ({strip.year_label}): no published figure for {la_name}."
    band = f", quartile {strip.band}" if strip.band else ""
    parts = [
        f"{strip.label} ({strip.year_label}): {la_name} {fmt(strip.ours)}, {strip.rank_text}{band}"
    ]
    if strip.neighbour_avg is not None:
        parts.append(f"statistical neighbours' average {fmt(strip.neighbour_avg)}")
    if strip.england is not None:
        parts.append(f"England {fmt(strip.england)}")
    return "; ".join(parts) + "."


@kept
def compare_strips(strips: Sequence[Strip], *, title: str, la_name: str) -> Chart:
    """How we compare: every council's published figure as a strip, one row per measure (its
    own scale, councils spread vertically so none hides another), ours and our statistical
    neighbours marked (by shape and size as well as colour), England and the neighbours'
    average as lines (by dash pattern); the alt text says where we sit."""
    rows = max(1, len(strips))
    with house_style():
        figure, axes = _new_figure(8, 1.25 * rows + 1.1, nrows=rows, ncols=1, squeeze=False)
        for number, (ax, strip) in enumerate(zip(axes[:, 0], strips, strict=False)):
            values = np.asarray(strip.values, dtype=float)
            jitter = (np.arange(len(values)) * 0.618034) % 1.0 - 0.5  # fixed, even spread
            first = number == 0
            ax.scatter(
                values,
                jitter * 0.6,
                s=10,
                color=GREY,
                alpha=0.45,
                linewidth=0,
                label="Every council" if first else None,
            )
            if strip.neighbours:
                near = np.asarray(strip.neighbours, dtype=float)
                ax.scatter(
                    near,
                    np.zeros(len(near)),
                    s=38,
                    marker="D",
                    color=ORANGE,
                    edgecolor=BLACK,
                    linewidth=0.5,
                    zorder=3,
                    label="Statistical neighbours" if first else None,
                )
            if strip.neighbour_avg is not None:
                ax.axvline(
                    strip.neighbour_avg,
                    color=ORANGE,
                    linestyle=":",
                    linewidth=1.8,
                    label="Neighbours' average" if first else None,
                )
            if strip.england is not None:
                ax.axvline(
                    strip.england,
                    color=BLACK,
                    linestyle="--",
                    linewidth=1.2,
                    label="England" if first else None,
                )
            if strip.ours is not None:
                ax.scatter(
                    [strip.ours],
                    [0],
                    s=110,
                    marker="o",
                    color=BLUE,
                    edgecolor=BLACK,
                    linewidth=0.8,
                    zorder=4,
                    label=la_name if first else None,
                )
            ax.set_ylim(-0.6, 0.6)
            ax.set_yticks([])
            band = f", quartile {strip.band}" if strip.band else ""
            ours = format_value(strip.ours, strip.unit) if strip.ours is not None else "no figure"
            ax.set_title(f"{strip.label} ({strip.year_label}): {ours}{band}", fontsize=9.5)
            _value_axis(ax, strip.unit, axis="x")
            if strip.unit == "pct" and len(values):
                low, high = float(np.nanmin(values)), float(np.nanmax(values))
                pad = max(1.0, (high - low) * 0.05)
                ax.set_xlim(low - pad, high + pad)  # every council in view, none cut off
            _plotting().sns.despine(ax=ax, left=True)
        if strips:
            axes[0, 0].legend(frameon=False, ncols=3, fontsize=8)
        figure.suptitle(title, weight="bold")
        _fit(figure, legend="below")
    alt = f"{title}. " + " ".join(strip_alt_text(s, la_name) for s in strips)
    return Chart(figure, alt)
