"""The "How we compare" chart: every council's published figure as a strip, one row per measure,
with ours and our statistical neighbours marked and England and the neighbours' average as lines.

Drawn with the house style of ``selfeval.chart_drawing`` (colour never carries meaning alone:
ours, neighbours and others differ by marker shape and size, the two lines by dash pattern).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from selfeval.charts import Chart
from selfeval.narrative import format_value


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


def compare_strips(strips: Sequence[Strip], *, title: str, la_name: str) -> Chart:
    """Draw ``charts.compare_strips``: one strip per measure (its own scale), councils spread
    vertically so none hides another."""
    from selfeval import chart_drawing as cd

    rows = max(1, len(strips))
    with cd.house_style():
        figure, axes = cd._new_figure(8, 1.25 * rows + 1.1, nrows=rows, ncols=1, squeeze=False)  # noqa: SLF001
        for number, (ax, strip) in enumerate(zip(axes[:, 0], strips, strict=False)):
            values = np.asarray(strip.values, dtype=float)
            jitter = (np.arange(len(values)) * 0.618034) % 1.0 - 0.5  # fixed, even spread
            first = number == 0
            ax.scatter(
                values,
                jitter * 0.6,
                s=10,
                color=cd.GREY,
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
                    color=cd.ORANGE,
                    edgecolor=cd.BLACK,
                    linewidth=0.5,
                    zorder=3,
                    label="Statistical neighbours" if first else None,
                )
            if strip.neighbour_avg is not None:
                ax.axvline(
                    strip.neighbour_avg,
                    color=cd.ORANGE,
                    linestyle=":",
                    linewidth=1.8,
                    label="Neighbours' average" if first else None,
                )
            if strip.england is not None:
                ax.axvline(
                    strip.england,
                    color=cd.BLACK,
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
                    color=cd.BLUE,
                    edgecolor=cd.BLACK,
                    linewidth=0.8,
                    zorder=4,
                    label=la_name if first else None,
                )
            ax.set_ylim(-0.6, 0.6)
            ax.set_yticks([])
            band = f", quartile {strip.band}" if strip.band else ""
            ours = format_value(strip.ours, strip.unit) if strip.ours is not None else "no figure"
            ax.set_title(f"{strip.label} ({strip.year_label}): {ours}{band}", fontsize=9.5)
            cd._value_axis(ax, strip.unit, axis="x")  # noqa: SLF001
            if strip.unit == "pct" and len(values):
                low, high = float(np.nanmin(values)), float(np.nanmax(values))
                pad = max(1.0, (high - low) * 0.05)
                ax.set_xlim(low - pad, high + pad)  # every council in view, none cut off
            cd.sns.despine(ax=ax, left=True)
        if strips:
            axes[0, 0].legend(frameon=False, ncols=3, fontsize=8)
        figure.suptitle(title, weight="bold")
        cd._fit(figure, legend="below")  # noqa: SLF001
    alt = f"{title}. " + " ".join(strip_alt_text(s, la_name) for s in strips)
    return Chart(figure, alt)
