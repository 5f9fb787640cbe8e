"""House-style charts: colour-blind-safe, readable in greyscale print, each with a text alternative.

Every function returns a ``Chart``: the matplotlib ``Figure`` and ``alt_text``, a short
plain-English description of what the chart shows. Figures are built with
``matplotlib.figure.Figure`` (never pyplot), so nothing is displayed or kept in a global
registry: no backend is needed and figures are freed with the ``Chart``. In a notebook a
``Chart`` displays itself as an ``<img>`` carrying its alt text.

Style: seaborn's white-grid theme, the Okabe-Ito palette, and meaning never carried by colour
alone: special-cause points also differ by marker shape and legend label, RAG bars carry
hatching and a text label, and lines differ by dash pattern. Percentages use a 0-100 axis and
dates read as month names.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from selfeval.narrative import format_value, join_words, period_label, plural
from selfeval.rag import is_missing
from selfeval.spc import summarise

# Okabe-Ito colour-blind-safe palette
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
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "hatch.linewidth": 0.8,
}


@dataclass
class Chart:
    """A finished chart and the text alternative that says what it shows."""

    figure: Figure
    alt_text: str

    def png_bytes(self, dpi: int = 150) -> bytes:
        return figure_to_png_bytes(self.figure, dpi=dpi)

    def data_uri(self) -> str:
        return to_data_uri(self.png_bytes())

    def to_html(self) -> str:
        """A self-contained ``<img>`` (works offline and in e-mail attachments)."""
        alt = html.escape(self.alt_text, quote=True)
        return f'<img class="se-chart" src="{self.data_uri()}" alt="{alt}">'

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_png_(self) -> bytes:
        return self.png_bytes()


def figure_to_png_bytes(figure: Figure, dpi: int = 150) -> bytes:
    """The figure rendered as PNG in one draw.

    House figures use constrained layout, which already fits titles, labels and outside legends
    into the figure, so they skip ``bbox_inches="tight"`` (a second full draw per chart); other
    figures keep it.
    """
    buffer = io.BytesIO()
    tight = None if figure.get_layout_engine() is not None else "tight"
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches=tight, facecolor="white")
    return buffer.getvalue()


def to_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for embedding a PNG in HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@contextmanager
def house_style() -> Iterator[None]:
    """seaborn white grid plus the house palette and fonts, for figures created inside."""
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.85):
        with mpl.rc_context(_RC):
            yield


def _new_figure(width: float = 8, height: float = 4, **subplots: Any) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots(**subplots)


def _value_axis(ax: Axes, unit: str | None, axis: str = "y") -> None:
    """0-100 for percentages; thousands separators otherwise."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit == "pct":
        (ax.set_ylim if axis == "y" else ax.set_xlim)(0, 100)
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    else:
        target.set_major_formatter(FuncFormatter(_plain_tick))
        target.set_major_locator(MaxNLocator(nbins=6))


def _plain_tick(value: float, _position: int) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _unit_label(unit: str | None) -> str:
    return {"pct": "Percentage", "rate_10k": "Rate per 10,000", "days": "Days"}.get(unit or "", "")


def _x_positions(index: pd.Index) -> tuple[Any, bool]:
    """Dates stay dates (month-name ticks); other labels become positions 0..n-1."""
    if isinstance(index, pd.DatetimeIndex):
        return index, True
    return np.arange(len(index)), False


def _date_axis(ax: Axes, index: pd.Index) -> None:
    months = max(1, int(np.ceil(len(index) / 8)))
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=months, bymonthday=-1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def _target_line(ax: Axes, target: float | None, unit: str | None, horizontal: bool) -> None:
    if is_missing(target):
        return
    label = f"Target {format_value(target, unit, trim=True)}"
    draw = ax.axhline if horizontal else ax.axvline
    draw(float(target), color=BLACK, linestyle="-.", linewidth=1.4, label=label, zorder=2)


def spc_chart(
    xmr_frame: pd.DataFrame, *, title: str, unit: str | None, target: float | None = None
) -> Chart:
    """An XmR run chart: points, average, process limits, target and special-cause points."""
    df = xmr_frame
    target = df.attrs.get("target") if target is None else target
    x, dated = _x_positions(df.index)
    with house_style():
        figure, ax = _new_figure()
        ax.plot(x, df["value"], color=GREY, marker="o", markersize=4, linewidth=1.2, label="Value")
        for number, segment in enumerate(np.unique(df["segment"]) if len(df) else []):
            rows = np.asarray(df["segment"] == segment)
            labels = ("Average", "Process limits") if number == 0 else (None, None)
            ax.plot(x[rows], df["mean"][rows], color=BLACK, linewidth=1.2, label=labels[0])
            for limit in ("lcl", "ucl"):
                ax.plot(
                    x[rows],
                    df[limit][rows],
                    color=GREY,
                    linestyle="--",
                    linewidth=1,
                    label=labels[1] if limit == "lcl" else None,
                )
        for variation, (colour, marker, label) in VARIATION_STYLE.items():
            rows = np.asarray(df["variation"] == variation) if len(df) else np.array([], bool)
            if rows.any():
                ax.scatter(
                    x[rows],
                    df["value"][rows],
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
            _date_axis(ax, df.index)
        else:
            ax.set_xticks(x, [str(v) for v in df.index])
        ax.set_title(title)
        ax.set_ylabel(_unit_label(unit))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        sns.despine(ax=ax)
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
        for y, v, rating in zip(positions, values, ratings, strict=True):
            colour, hatch = RAG_STYLE.get(rating, RAG_STYLE[""])
            ax.barh(y, 0 if np.isnan(v) else v, color=colour, hatch=hatch, edgecolor=BLACK)
            label = format_value(v, unit) + (f" ({rating})" if rating else "")
            ax.annotate(
                label,
                (0 if np.isnan(v) else v, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
        ax.set_yticks(positions, categories)
        _target_line(ax, target, unit, horizontal=False)
        _value_axis(ax, unit, axis="x")
        if unit != "pct" and np.isfinite(values).any():
            ax.set_xlim(0, float(np.nanmax(values)) * 1.2 or 1)
        ax.set_title(title)
        ax.set_xlabel(_unit_label(unit))
        ax.grid(axis="y", visible=False)
        if not is_missing(target):
            ax.legend(loc="lower right", frameon=True)
        sns.despine(ax=ax, left=True)
    return Chart(figure, _bar_alt_text(categories, values, ratings, title, unit, target))


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
        ax.set_yticks(y, bands)
        ax.set_xlim(-limit, limit)
        ax.axvline(0, color=BLACK, linewidth=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=unit == "count"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
        ax.text(0.25, 1.0, left, transform=ax.transAxes, ha="center", va="bottom", weight="bold")
        ax.text(0.75, 1.0, right, transform=ax.transAxes, ha="center", va="bottom", weight="bold")
        ax.set_title(title, pad=18)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", frameon=True)
        sns.despine(ax=ax, left=True)
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
            xs = pd.to_datetime(part[x]) if _is_date(part[x]) else part[x]
            ax.plot(xs, part[y], color=BLUE, marker="o", markersize=3, linewidth=1.2)
            _target_line(ax, target, unit, horizontal=True)
            _value_axis(ax, unit)
            if _is_date(part[x]):
                ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
                ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
            ax.set_title(str(group), fontsize=10)
            with_data = part[part[y].notna()]
            if len(with_data):
                when = (
                    period_label(pd.Timestamp(with_data[x].iloc[-1]))
                    if _is_date(part[x])
                    else str(with_data[x].iloc[-1])
                )
                latest.append(f"{group} {format_value(with_data[y].iloc[-1], unit)} ({when})")
            else:
                latest.append(f"{group} no data")
            sns.despine(ax=ax)
        for ax in list(axes.flat)[len(groups) :]:
            ax.set_visible(False)
        figure.suptitle(title, x=0.01, ha="left", weight="bold")
    text = f"{title}: {plural(len(groups), 'small chart')}, one for each {facet}"
    if not is_missing(target):
        text += f", with the {format_value(target, unit, trim=True)} target"
    text += f". Latest: {join_words(latest)}." if latest else "."
    return Chart(figure, text)


def _is_date(values: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(values) or (
        len(values) > 0 and all(hasattr(v, "year") for v in values)
    )


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
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylim(0, max(1.0, counts.max() if len(counts) else 1.0) * 1.25)
        _value_axis(ax, "count")
        ax.set_xlabel(unit_label.capitalize())
        ax.set_ylabel("Number")
        ax.set_title(title)
        ax.grid(axis="x", visible=False)
        handles, names = ax.get_legend_handles_labels()
        if handles:
            unique = dict(zip(names, handles, strict=True))
            ax.legend(unique.values(), unique.keys(), frameon=True)
        sns.despine(ax=ax)
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
    rgb = [mpl.colors.to_rgb(c) for c in values]
    return [255 * (0.299 * r + 0.587 * g + 0.114 * b) for r, g, b in rgb]
