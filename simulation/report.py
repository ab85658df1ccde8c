"""Rich rendering of forecasts: fan charts drawn with characters, one row a year."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ledger import figures
from ledger.i18n import localise, tr
from ledger.layout import fit
from simulation.forecast import Bands, Comparison, Forecast, Progress, Tornado

FAN = 24  # characters of a fan row
FAN_COLUMN = [7]  # the drawn fan: left out when the figures need its room


def _jt(rupiah: float) -> str:
    """Rupiah in juta (millions), as Indonesians write it (0,2 in Indonesian)."""
    return figures.juta(rupiah)


def _count(value: float) -> str:
    return figures.count(value)


def _pct(p: float) -> str:
    return figures.percent(p)


def _share(key: str) -> str:
    """A share of the harvest split, as the policy line names it."""
    labels = {
        "manager": tr("manager"),
        "members": tr("members"),
        "savings": tr("savings"),
        "cooperative": tr("cooperative"),
    }
    return labels.get(key, key)


def _fan_row(b: Bands, i: int, lo: float, hi: float) -> Text:
    """p5..p95 light, p25..p75 dark, the median a bar."""
    span = (hi - lo) or 1.0

    def pos(v: float) -> int:
        return min(FAN - 1, max(0, round((v - lo) / span * (FAN - 1))))

    row = [" "] * FAN
    for c in range(pos(b.p5[i]), pos(b.p95[i]) + 1):
        row[c] = "░"
    for c in range(pos(b.p25[i]), pos(b.p75[i]) + 1):
        row[c] = "▓"
    row[pos(b.p50[i])] = "┃"
    return Text("".join(row))


def fan_table(title: str, b: Bands, fmt, extra: dict[str, list[str]] | None = None) -> Table:
    lo, hi = min(b.p5), max(b.p95)
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column(tr("year"), justify="right", no_wrap=True)
    for name in ("p5", "p25", tr("med"), "p75", "p95", tr("mean")):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column(f"{fmt(lo)} … {fmt(hi)}", no_wrap=True)
    for name in extra or {}:
        table.add_column(name, justify="right", no_wrap=True)
    for i in range(len(b.p50)):
        cells = [fmt(getattr(b, k)[i]) for k in ("p5", "p25", "p50", "p75", "p95", "mean")]
        more = [column[i] for column in (extra or {}).values()]
        table.add_row(tr("start") if i == 0 else str(i), *cells, _fan_row(b, i, lo, hi), *more)
    return table


def render_forecast(f: Forecast, console: Console) -> None:
    start = f.start
    policy = ", ".join(
        f"{_share(k)} {figures.points(v)}%" for k, v in start.policy.as_dict().items()
    )
    where = (
        tr("the books as of {as_of}", as_of=start.as_of)
        if start.source == "ledger"
        else tr("the scenario")
    )
    lines = [
        tr(
            "{runs:,} runs × {years} years, {engine} engine, seed {seed}",
            runs=f.runs,
            years=f.years,
            engine=f.engine,
            seed=f.seed,
        ),
        tr(
            "start from {where}: {bagan} bagan, savings fund Rp {fund} jt, {members} households",
            where=where,
            bagan=start.bagan,
            fund=_jt(start.fund),
            members=start.members,
        ),
        tr("policy: {policy}", policy=policy),
    ]
    if f.calibration:
        lines += [localise(note) for note in f.calibration.notes()]
    console.print(Panel("\n".join(lines), title=tr("kerang forecast"), expand=False))

    extra = {}
    if f.p_target is not None:
        extra[f"≥{f.target}"] = [_pct(p) for p in f.p_target]
    extra[tr("loss")] = ["" if i == 0 else _pct(p) for i, p in enumerate(f.p_loss_year)]
    console.print(
        fit(fan_table(tr("Standing bagan at year end"), f.bagan, _count, extra), FAN_COLUMN)
    )
    console.print()
    console.print(
        fit(fan_table(tr("Harvest savings fund at year end (Rp juta)"), f.fund, _jt), FAN_COLUMN)
    )
    console.print()
    console.print(
        fit(
            fan_table(
                tr("Mussel income per partner household per month over the year (Rp juta)"),
                f.household_income_monthly,
                _jt,
            ),
            FAN_COLUMN,
        )
    )
    console.print()
    notes = []
    if f.target is not None:
        notes.append(
            tr(
                "Target of {target} bagan reached by year {years}: {share} of runs "
                "(column ≥{target}: by that year).",
                target=f.target,
                years=f.years,
                share=_pct(f.p_target[-1]),
            )
        )
    if f.first_build_months:
        p5, _, p50, _, p95 = f.first_build_months
        notes.append(
            tr(
                "First self-funded bagan: {share} of runs within {years} years; when it comes, "
                "month {median} (median), months {low}–{high} (90 % of runs).",
                share=_pct(f.first_build_by_year[-1]),
                years=f.years,
                median=_count(p50),
                low=_count(p5),
                high=_count(p95),
            )
        )
        notes.append(
            tr(
                "  by year: {shares}",
                shares="  ".join(
                    f"{y}: {_pct(p)}" for y, p in enumerate(f.first_build_by_year) if y
                ),
            )
        )
    else:
        notes.append(tr("No self-funded bagan within {years} years in any run.", years=f.years))
    notes.append(
        tr(
            "A year that ends with fewer bagan than it began: {share} of runs have one "
            "(column loss: that year).",
            share=_pct(f.p_any_loss_year),
        )
    )
    console.print(Group(*(Text(n) for n in notes)))
    console.print()
    render_parameters(f, console)
    console.print()
    render_drivers(f, console)


def render_parameters(f: Forecast, console: Console) -> None:
    """Every parameter with its value, unit and source."""
    from simulation.scenario import PARAM_BY_KEY

    table = Table(
        title=tr("Parameters and where they come from"),
        title_justify="left",
        box=None,
        pad_edge=False,
    )
    for name, justify in (
        (tr("parameter"), "left"),
        (tr("value"), "right"),
        (tr("unit"), "left"),
        (tr("source"), "left"),
        (tr("basis"), "left"),
    ):
        whole = name in (tr("parameter"), tr("value"))
        table.add_column(name, justify=justify, overflow="fold", no_wrap=whole)
    for p in f.parameters:
        value = p.value
        shown = figures.localised_number(
            f"{value:,}"
            if isinstance(value, int)
            else (f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}")
        )
        labels = {
            "books": "books",
            "report": "report",
            "literature": "literature",
            "assumed": "assumed",
        }
        unit = p.unit or PARAM_BY_KEY[p.key].unit
        table.add_row(p.key, shown, unit, tr(labels[p.source]), p.basis)
    console.print(fit(table))


def render_drivers(f: Forecast, console: Console) -> None:
    """Why the forecast says what it says: the fleet change and the parameters
    that move the headline most."""
    d = f.drivers
    labels = {
        "capital": "outside capital",
        "cooperative": "cooperative's SHU",
        "partners": "partners' income",
        "savings": "savings fund",
    }
    built = ", ".join(f"{tr(labels[k])} {_count(round(v, 1))}" for k, v in d.built.items())
    lines = [
        tr(
            "Fleet: {start} bagan at the start, {end} at year {years} (mean of runs); "
            "more than today in {share} of runs.",
            start=d.start,
            end=_count(round(d.end, 1)),
            years=f.years,
            share=_pct(f.p_more_bagan),
        ),
        tr("  new bagan built, by who paid: {built}", built=built),
        tr("  retired bagan rebuilt: {rebuilt}", rebuilt=_count(round(d.rebuilt, 1))),
        tr(
            "  retired: {kept_up} though kept up (worn or lost), {run_down} for want of "
            "repairs the fund could not pay",
            kept_up=_count(round(d.retired["kept_up"], 1)),
            run_down=_count(round(d.retired["run_down"], 1)),
        ),
    ]
    if d.top:
        lines.append(tr("Moves the forecast most (each 20 % down and up):"))
        for b in d.top:
            lines.append(
                tr(
                    "  {key} {low} … {high}: bagan {bagan_low} … {bagan_high}, "
                    "household income Rp {income_low} … {income_high} jt/month",
                    key=b.key,
                    low=_count(b.low),
                    high=_count(b.high),
                    bagan_low=_count(round(b.bagan[0], 1)),
                    bagan_high=_count(round(b.bagan[1], 1)),
                    income_low=_jt(b.income[0]),
                    income_high=_jt(b.income[1]),
                )
            )
    console.print(Panel("\n".join(lines), title=tr("Drivers"), expand=False))


def render_comparison(c: Comparison, console: Console) -> None:
    console.print(
        Panel(
            tr(
                "B − A, {runs:,} runs × {years} years on common random numbers "
                "(seed {seed}, {engine} engine)\nA: {a}\nB: {b}",
                runs=c.a.runs,
                years=c.a.years,
                seed=c.a.seed,
                engine=c.a.engine,
                a=c.names[0],
                b=c.names[1],
            ),
            title=tr("kerang forecast compare"),
            expand=False,
        )
    )
    for title, d, fmt in (
        (tr("Standing bagan at year end (mean)"), c.bagan, _count),
        (tr("Harvest savings fund at year end (mean, Rp juta)"), c.fund, _jt),
        (
            tr("Mussel income per partner household per month (mean, Rp juta)"),
            c.household_income_monthly,
            _jt,
        ),
    ):
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for name in (tr("year"), "A", "B", "B − A", tr("± 2 s.e."), tr("± without CRN")):
            table.add_column(name, justify="right", no_wrap=True)
        for i in range(len(d.a)):
            table.add_row(
                tr("start") if i == 0 else str(i),
                fmt(d.a[i]),
                fmt(d.b[i]),
                fmt(d.diff[i]),
                fmt(2 * d.se[i]),
                fmt(2 * d.se_independent[i]),
            )
        console.print(fit(table))
        console.print()


def render_tornado(t: Tornado, console: Console) -> None:
    console.print(
        Panel(
            tr(
                "Each parameter 20 % down and up; {runs:,} runs × {years} years, seed {seed}."
                "\nBase: {bagan:,.1f} bagan at year {years}, household income Rp {income} "
                "jt/month in the last year",
                runs=t.runs,
                years=t.years,
                seed=t.seed,
                bagan=t.base_bagan,
                income=_jt(t.base_income),
            ),
            title=tr("kerang forecast sensitivity"),
            expand=False,
        )
    )
    widest = max((b.swing for b in t.bars), default=0.0) or 1.0
    half = FAN // 2
    table = Table(
        title=tr("Mean standing bagan at year {years}", years=t.years),
        title_justify="left",
        box=None,
        pad_edge=False,
    )
    for name, justify in (
        (tr("parameter"), "left"),
        (tr("low"), "right"),
        (tr("high"), "right"),
        (tr("bagan low"), "right"),
        (tr("bagan high"), "right"),
        ("", "left"),
        (tr("income low"), "right"),
        (tr("income high"), "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=name != tr("parameter"))
    for b in t.bars:
        left = round(max(0.0, t.base_bagan - min(b.bagan)) / widest * half)
        right = round(max(0.0, max(b.bagan) - t.base_bagan) / widest * half)
        bar = " " * (half - left) + "█" * left + "│" + "█" * right
        table.add_row(
            b.key,
            _count(b.low),
            _count(b.high),
            _count(round(b.bagan[0], 1)),
            _count(round(b.bagan[1], 1)),
            bar,
            _jt(b.income[0]),
            _jt(b.income[1]),
        )
    console.print(fit(table, [5]))


def render_backtest(b, console: Console) -> None:
    """Recorded against forecast, value by value."""
    console.print(
        Panel(
            tr(
                "From the books as they stood on {first} to {last} ({months} months); "
                "{runs:,} runs, seed {seed}.",
                first=b.first,
                last=b.last,
                months=b.months,
                runs=b.runs,
                seed=b.seed,
            ),
            title=tr("kerang forecast backtest"),
            expand=False,
        )
    )
    table = Table(box=None, pad_edge=False)
    for name, justify in (
        (tr("value"), "left"),
        (tr("recorded"), "right"),
        (tr("median"), "right"),
        (tr("80 % band"), "right"),
        (tr("inside"), "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=name != tr("value"))
    labels = {
        "bagan producing": "bagan producing",
        "harvest savings credited": "harvest savings credited",
        "infaq received": "infaq received",
        "household income/month": "household income/month",
        "harvest savings balance": "harvest savings balance",
    }
    for v in b.values:
        fmt = _count if v.unit == "bagan" else (lambda rupiah: figures.juta(rupiah, 2))
        table.add_row(
            tr(labels[v.name]),
            fmt(v.recorded),
            fmt(v.median),
            f"{fmt(v.low)} … {fmt(v.high)}",
            tr("yes") if v.inside else tr("NO"),
        )
    console.print(fit(table))
    console.print(
        Text(
            tr(
                "Money in Rp juta; credited and received: over the period; household "
                "income: partners' and linked managers' shares per household per month "
                "over the last 12 months; 80 % band: 10th to 90th percentile of the runs."
            )
        )
    )
    if b.overrides:
        changed = ", ".join(f"{k} = {_count(v)}" for k, v in b.overrides.items())
        console.print(Text(tr("Parameters set by hand: {changed}", changed=changed)))
    console.print(
        Text(
            tr("Every recorded value is inside its band.")
            if b.all_inside
            else tr("Some recorded values fall outside their band: the model misses them.")
        )
    )


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """A progress bar on stderr; None when disabled (e.g. with --json)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    with Progress(
        tr("forecast"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("forecast", total=1.0)
        yield lambda fraction: bar.update(task, completed=fraction)
