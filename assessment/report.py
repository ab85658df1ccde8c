"""The rich report of ``kerang assess``, with a pentagon chart drawn in text.

Numbers are rounded to two decimals here only; the JSON keeps them whole.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from assessment.model import CAPITALS, Assessment, LedgerAssessment, capital_label
from ledger import figures
from ledger.i18n import localise, tr
from ledger.layout import fit

BEFORE, AFTER, BOTH = "○", "●", "◉"
BEFORE_STYLE, AFTER_STYLE, GRID_STYLE = "yellow", "bold green", "dim"


def _score(value: float | None) -> str:
    return figures.score(value)


def _change(value: float | None) -> str:
    return figures.change(value)


def _capital(capital: str) -> str:
    """A capital's name in the chosen language."""
    return localise(capital_label(capital))


def _change_text(value: float | None) -> Text:
    style = "" if value is None or abs(value) < 0.005 else ("green" if value > 0 else "red")
    return Text(_change(value), style=style)


# ------------------------------------------------------------------ pentagon
def _vertex(k: int, r: float, cx: float, cy: float, rx: float, ry: float) -> tuple[float, float]:
    # axis 0 points up, then clockwise: natural, physical, human, financial, social
    angle = -math.pi / 2 + 2 * math.pi * k / len(CAPITALS)
    return cx + rx * r * math.cos(angle), cy + ry * r * math.sin(angle)


def _line(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[int, int]]:
    steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    n = int(math.ceil(steps))
    return [
        (round(a[0] + (b[0] - a[0]) * i / n), round(a[1] + (b[1] - a[1]) * i / n))
        for i in range(n + 1)
    ]


def pentagon(
    before: dict[str, float | None],
    after: dict[str, float | None],
    scale_max: float,
    *,
    radius: int = 9,
) -> Text:
    """A text pentagon (radar) chart: ○ before, ● after, ◉ where they meet.

    Terminal cells are about twice as tall as wide, so the x radius is doubled.
    """
    rx, ry = 2 * radius, radius
    margin = 11  # room for the labels left and right
    width, height = 2 * rx + 1 + 2 * margin, 2 * ry + 3
    cx, cy = margin + rx, ry + 1
    cells: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(height)]

    def put(x: int, y: int, char: str, style: str) -> None:
        if 0 <= y < height and 0 <= x < width:
            cells[y][x] = (char, style)

    def polygon(radii: list[float]) -> set[tuple[int, int]]:
        points = [_vertex(k, r, cx, cy, rx, ry) for k, r in enumerate(radii)]
        cells_on: set[tuple[int, int]] = set()
        for k, point in enumerate(points):
            cells_on.update(_line(point, points[(k + 1) % len(points)]))
        return cells_on

    # grid: the axes and the outer pentagon at scale-max
    for k in range(len(CAPITALS)):
        for x, y in _line((cx, cy), _vertex(k, 1.0, cx, cy, rx, ry)):
            put(x, y, "·", GRID_STYLE)
    for x, y in polygon([1.0] * len(CAPITALS)):
        put(x, y, "·", GRID_STYLE)
    put(cx, cy, "+", GRID_STYLE)

    def radii(scores: dict[str, float | None]) -> list[float]:
        return [max(0.0, min(1.0, (scores.get(c) or 0.0) / scale_max)) for c in CAPITALS]

    drawn_before = polygon(radii(before))
    drawn_after = polygon(radii(after))
    for x, y in drawn_before - drawn_after:
        put(x, y, BEFORE, BEFORE_STYLE)
    for x, y in drawn_after - drawn_before:
        put(x, y, AFTER, AFTER_STYLE)
    for x, y in drawn_before & drawn_after:
        put(x, y, BOTH, AFTER_STYLE)

    # labels just outside the outer pentagon's corners
    for k, capital in enumerate(_capital(c) for c in CAPITALS):
        x, y = _vertex(k, 1.0, cx, cy, rx, ry)
        xi, yi = round(x), round(y)
        if k == 0:
            start, yi = xi - len(capital) // 2, yi - 1
        elif x > cx:
            start = xi + 2
        else:
            start = xi - 1 - len(capital)
        if k in (2, 3):  # the lower corners: below the corner
            start, yi = (xi - len(capital) // 2 + (2 if k == 2 else -2)), yi + 1
        for i, char in enumerate(capital):
            put(start + i, yi, char, "bold")

    lines = []
    for row in cells:
        line = Text()
        for char, style in row[: len("".join(c for c, _ in row).rstrip())]:
            line.append(char, style=style or None)
        lines.append(line)
    while lines and not lines[-1].plain:
        lines.pop()
    return Text("\n").join(lines)


def _legend(scale_max: float) -> Text:
    text = Text()
    text.append(BEFORE, style=BEFORE_STYLE)
    text.append(tr(" before   "))
    text.append(AFTER, style=AFTER_STYLE)
    text.append(tr(" after   "))
    text.append(BOTH, style=AFTER_STYLE)
    text.append(tr(" both   · 0..{scale_max:g} per axis", scale_max=scale_max))
    return text


# ------------------------------------------------------------------ tables
def _capitals_table(assessment: Assessment) -> Table:
    ledger = assessment.ledger
    table = Table(
        title=tr("Capitals (mean of their indicators)"),
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column(tr("Capital"))
    for name in (tr("Indicators"), tr("Before"), tr("After"), tr("Change")):
        table.add_column(name, justify="right", no_wrap=True)
    if ledger is not None:
        table.add_column(tr("From the ledger"), no_wrap=True)
    for capital in CAPITALS:
        score = assessment.capitals[capital]
        cells: list[str | Text] = [
            _capital(capital),
            str(len(score.indicators)),
            _score(score.before),
            _score(score.after),
            _change_text(score.change),
        ]
        if ledger is not None:
            cells.append(
                Text.assemble(
                    f"{_score(ledger.before)} → {_score(ledger.after)} (",
                    _change_text(ledger.change),
                    ")",
                )
                if capital == "financial"
                else ""
            )
        table.add_row(*cells)
    table.add_section()
    overall: list[str | Text] = [
        tr("overall change"),
        "",
        "",
        "",
        _change_text(assessment.overall_change),
    ]
    if ledger is not None:
        overall.append("")
    table.add_row(*overall, style="bold")
    return table


def _indicators_table(assessment: Assessment) -> Table:
    table = Table(title=tr("Indicators"), box=box.SIMPLE_HEAD, title_justify="left")
    with_respondents = any(
        i.respondents is not None for c in assessment.capitals.values() for i in c.indicators
    )
    table.add_column(tr("Capital"))
    table.add_column(tr("Indicator"))
    if with_respondents:
        table.add_column(tr("Resp."), justify="right", no_wrap=True)
    for name in (tr("Before"), tr("After"), tr("Change")):
        table.add_column(name, justify="right", no_wrap=True)
    for capital in CAPITALS:
        indicators = assessment.capitals[capital].indicators
        for n, indicator in enumerate(indicators):
            cells: list[str | Text] = [_capital(capital) if n == 0 else "", indicator.name]
            if with_respondents:
                cells.append("" if indicator.respondents is None else str(indicator.respondents))
            cells += [
                _score(indicator.before),
                _score(indicator.after),
                _change_text(indicator.change),
            ]
            table.add_row(*cells, end_section=n == len(indicators) - 1)
        if not indicators:
            table.add_row(
                _capital(capital), Text(tr("no indicators"), style="italic"), end_section=True
            )
    return table


def _ledger_table(assessment: Assessment, ledger: LedgerAssessment) -> Table:
    survey = {i.name: i for i in assessment.capitals["financial"].indicators}
    if ledger.programme_year:
        title = tr(
            "Financial capital from the ledger: programme year {year} {before} (the books "
            "begin with the programme: no pre-programme baseline), after {after} (rubric: {rubric})",
            year=ledger.programme_year,
            before=ledger.before_period.text(),
            after=ledger.after_period.text(),
            rubric=ledger.rubric,
        )
        first = tr("year {year}", year=ledger.programme_year)
    else:
        title = tr(
            "Financial capital from the ledger: before {before}, after {after} (rubric: {rubric})",
            before=ledger.before_period.text(),
            after=ledger.after_period.text(),
            rubric=ledger.rubric,
        )
        first = tr("before")
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column(tr("Indicator"), max_width=26)
    table.add_column("", no_wrap=True)
    table.add_column(tr("Survey"), justify="right", no_wrap=True)
    table.add_column(tr("Ledger"), justify="right", no_wrap=True)
    table.add_column(tr("Figure behind the ledger score"))
    for indicator in ledger.indicators:
        match = survey.get(indicator.survey_indicator or "")
        rows = (
            (first, indicator.before, match.before if match else None),
            (tr("after"), indicator.after, match.after if match else None),
        )
        for n, (label, measure, survey_score) in enumerate(rows):
            table.add_row(
                indicator.name if n == 0 else "",
                label,
                _score(survey_score) if match else "",
                _score(measure.score),
                localise(measure.detail),
                end_section=n == 1,
            )
    return table


def _stories(assessment: Assessment) -> Group | Text:
    stories = assessment.stories or ()
    if not stories:
        return Text(tr("Most Significant Change stories: none recorded."), style="italic")
    parts: list = [Text(tr("Most Significant Change stories"), style="bold")]
    for story in stories:
        head = Text()
        head.append(f"{story.date.isoformat()}  {story.member}  ", style="dim")
        head.append(story.title, style="bold")
        parts.append(head)
        parts.append(Padding(Text(story.text), (0, 0, 0, 4), expand=False))
    return Group(*parts)


def _issues(title: str, issues, style: str) -> Group:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for issue in issues:  # a grid, so a long message wraps under itself
        grid.add_row(" !", Text(localise(issue.message), style=style))
    return Group(Text(f"{title} ({len(issues)})", style=f"bold {style}"), grid)


def render(assessment: Assessment, console: Console) -> None:
    """Print the whole report."""
    title = Text(tr("SLIA impact assessment"), style="bold")
    if assessment.source:
        title.append(f" — {assessment.source}", style="")
    title.append(tr("  (scores 0..{scale_max:g})", scale_max=assessment.scale_max), style="dim")
    console.print(title)
    console.print()
    console.print(fit(_capitals_table(assessment)))
    console.print(Text(tr("Pentagon: the five capitals before and after"), style="bold"))
    console.print()
    console.print(
        Padding(
            pentagon(
                {c: s.before for c, s in assessment.capitals.items()},
                {c: s.after for c, s in assessment.capitals.items()},
                assessment.scale_max,
                radius=9 if console.width >= 64 else 7,
            ),
            (0, 0, 0, 2),
            expand=False,
        )
    )
    console.print(Padding(_legend(assessment.scale_max), (1, 0, 1, 2), expand=False))
    console.print(fit(_indicators_table(assessment)))
    if assessment.ledger is not None:
        console.print(fit(_ledger_table(assessment, assessment.ledger)))
    if assessment.stories is not None:
        console.print(_stories(assessment))
        console.print()
    if assessment.warnings:
        console.print(_issues(tr("Warnings"), assessment.warnings, "yellow"))
    if assessment.errors:
        console.print(_issues(tr("Errors"), assessment.errors, "red"))
