"""The pentagon (radar) chart as PNG or SVG, with matplotlib (``kerang[plot]``).

matplotlib is imported only here, and only when a chart is asked for.
"""

from __future__ import annotations

import math
from pathlib import Path

from assessment.model import CAPITALS, Assessment, capital_label
from ledger import figures
from ledger.charts import chart_target
from ledger.errors import InvalidInput
from ledger.i18n import localise, msg, tr


def save_pentagon(assessment: Assessment, path: str | Path) -> Path:
    """Draw the five capitals before and after on a pentagon; write ``path``."""
    path = chart_target(path)
    fmt = path.suffix.lower().lstrip(".")
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.hashsalt"] = "kerang"  # the same SVG for the same scores

    top = assessment.scale_max
    n = len(CAPITALS)
    angles = [math.pi / 2 - 2 * math.pi * k / n for k in range(n)]  # clockwise from the top

    def xy(radii: list[float]) -> tuple[list[float], list[float]]:
        xs = [r * math.cos(a) for r, a in zip(radii, angles, strict=True)]
        ys = [r * math.sin(a) for r, a in zip(radii, angles, strict=True)]
        return xs + xs[:1], ys + ys[:1]

    figure = Figure(figsize=(6, 6))
    ax = figure.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")
    # the pentagon grid: one ring per whole score, and the axes
    for level in range(1, math.floor(top) + 1):
        ax.plot(*xy([level] * n), color="0.85", linewidth=0.8)
        ax.text(0.08 * top / 5, level, f"{level}", color="0.5", fontsize=7, va="bottom")
    if top != math.floor(top):
        ax.plot(*xy([top] * n), color="0.85", linewidth=0.8)
    for angle in angles:
        ax.plot(
            [0, top * math.cos(angle)],
            [0, top * math.sin(angle)],
            color="0.85",
            linewidth=0.8,
        )
    series = (
        (tr("before"), [assessment.capitals[c].before for c in CAPITALS], "#d08c00"),
        (tr("after"), [assessment.capitals[c].after for c in CAPITALS], "#1b7f3b"),
    )
    for label, scores, colour in series:
        radii = [s or 0.0 for s in scores]
        xs, ys = xy(radii)
        ax.fill(xs, ys, color=colour, alpha=0.15)
        ax.plot(xs, ys, color=colour, linewidth=2, marker="o", label=label)
    for capital, angle in zip(CAPITALS, angles, strict=True):
        score = assessment.capitals[capital]
        ax.text(
            1.18 * top * math.cos(angle),
            1.12 * top * math.sin(angle),
            f"{localise(capital_label(capital))}\n"
            f"{figures.score(score.before)} → {figures.score(score.after)}",
            ha="center",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(-1.45 * top, 1.45 * top)
    ax.set_ylim(-1.3 * top, 1.3 * top)
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(tr("SLIA: five capitals before and after (0..{top})", top=figures.count(top)))
    metadata = {"Date": None} if fmt == "svg" else {}
    try:
        figure.savefig(path, format=fmt, metadata=metadata)
    except OSError as error:
        raise InvalidInput(
            "plot",
            msg(
                "--plot {path!r} cannot be written: {strerror}.",
                path=str(path),
                strerror=error.strerror,
            ),
        ) from None
    return path
