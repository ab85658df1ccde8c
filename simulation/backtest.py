"""Backtest: forecast from the books as they stood at one date and compare
with what the books recorded at a later one.

Each compared value is something the model forecasts and the books record:

- bagan producing at the end (standing, harvested at least once; in the books:
  not retired and harvested in the 12 months before the end);
- harvest savings credited over the period (the 8 % share: the fund's income)
  and the fund's balance at the end (after the repairs it paid);
- infaq received over the period (partners' infaq at the rate the books show
  before the start, plus everyone else's per month);
- mussel income per partner household per month over the last 12 months
  (the one definition of ``books.household_income``).

The forecast knows nothing after the start date: it is calibrated on the books
as they stood then. A value is inside when it lies in the forecast's 80 % band
(10th to 90th percentile of the runs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
import numpy as np

from ledger.errors import InvalidInput
from ledger.i18n import FieldName, msg
from simulation.books import RECENT_DAYS, household_income, standing_bagan, start_from_books
from simulation.forecast import DEFAULT_RUNS, DEFAULT_SEED, _check_run, _scenario, simulate
from simulation.scenario import PARAM_BY_KEY, _check_value

BAND = (10, 90)


@attrs.frozen
class Compared:
    name: str
    unit: str
    recorded: float
    median: float
    low: float  # 10th percentile
    high: float  # 90th percentile
    compared: bool = True  # False: shown for information only

    @property
    def inside(self) -> bool:
        return self.low <= self.recorded <= self.high

    def as_json(self) -> dict:
        out = {
            "name": self.name,
            "unit": self.unit,
            "recorded": self.recorded,
            "median": self.median,
            "band": [self.low, self.high],
            "inside": self.inside,
        }
        if not self.compared:
            out["compared"] = False
        return out


@attrs.frozen
class Backtest:
    first: dt.date
    last: dt.date
    months: int
    runs: int
    seed: int
    overrides: dict[str, float]
    values: tuple[Compared, ...]
    calibration: object

    @property
    def all_inside(self) -> bool:
        return all(v.inside for v in self.values if v.compared)

    def as_json(self) -> dict:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "months": self.months,
            "runs": self.runs,
            "seed": self.seed,
            "band": list(BAND),
            "overrides": self.overrides,
            "all_inside": self.all_inside,
            "values": [v.as_json() for v in self.values],
            "calibration": self.calibration.as_json(),
        }


def backtest(
    books_first,
    books_last,
    scenario=None,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int | None = DEFAULT_SEED,
    overrides: Mapping[str, float] | None = None,
) -> Backtest:
    """Forecast from ``books_first`` (as of the start) to the date of
    ``books_last`` and compare. ``overrides`` replace calibrated parameters
    (``{"bagan.life_years": 1}``), e.g. to see that a wrong one is caught."""
    first, last = books_first.as_of, books_last.as_of
    if last <= first:
        raise InvalidInput(
            "to",
            "{field} {last} must come after {start} {first}.",
            last=last,
            start=FieldName("from"),
            first=first,
        )
    months = round((last - first).days / 30.4375)
    if months < 1:
        raise InvalidInput(
            "to", "{field} must be at least a month after {start}.", start=FieldName("from")
        )
    seed = _check_run(1, runs, seed, "fast", 1, None)
    start, scenario, calibration = start_from_books(books_first, _scenario(scenario))
    changes = {}
    for key, value in (overrides or {}).items():
        if key not in PARAM_BY_KEY:
            raise InvalidInput("set", msg("unknown scenario key {key}.", key=key))
        p = PARAM_BY_KEY[key]
        value = _check_value(p, value)
        changes[p.field] = value if p.integer else float(value)
    scenario = attrs.evolve(scenario, **changes)
    years = -(-months // 12)
    paths = simulate(scenario, start, years, runs, seed, monthly=True)
    h = months

    # the books at the end
    end_standing = standing_bagan(books_last, last)
    year_ago = last - dt.timedelta(days=RECENT_DAYS)
    harvested = {x.bagan for x in books_last.harvests if year_ago < x.date <= last}
    producing = sum(1 for b in end_standing if b.id in harvested)
    period = [x for x in books_last.harvests if first < x.date <= last]
    savings = sum(x.shares.savings for x in period)
    infaq = sum(
        m.amount
        for m in books_last.movements
        if m.kind == "infaq.receive" and first < m.date <= last
    )
    partners = {p for b in end_standing for p in b.partners}
    income = household_income(books_last, year_ago, last, len(partners) or start.members)

    # the forecast
    members = paths.monthly_members[:, 1 : h + 1].sum(axis=1)
    model_infaq = calibration.infaq_share * members + calibration.infaq_others_monthly * months
    last12 = slice(max(1, h - 11), h + 1)
    model_income = (
        (
            paths.monthly_members[:, last12].sum(axis=1)
            + start.managed_in_household * paths.monthly_manager[:, last12].sum(axis=1)
        )
        / start.members
        / (last12.stop - last12.start)
    )

    def row(name, unit, recorded, values, compared=True) -> Compared:
        lo, mid, hi = np.percentile(values, (BAND[0], 50, BAND[1]))
        return Compared(name, unit, _n(recorded), _n(mid), _n(lo), _n(hi), compared)

    values = (
        row("bagan producing", "bagan", producing, paths.monthly_producing[:, h]),
        row(
            "harvest savings credited",
            "Rp",
            savings,
            paths.monthly_savings[:, 1 : h + 1].sum(axis=1),
        ),
        row("infaq received", "Rp", infaq, model_infaq),
        row("household income/month", "Rp/month", income, model_income),
        row(
            "harvest savings balance",
            "Rp",
            books_last.harvest_savings,
            paths.monthly_fund[:, h],
        ),
    )
    return Backtest(
        first=first,
        last=last,
        months=months,
        runs=paths.runs,
        seed=seed,
        overrides=dict(overrides or {}),
        values=values,
        calibration=calibration,
    )


def _n(value: float) -> float | int:
    value = float(value)
    return int(round(value)) if abs(value) >= 100 or value.is_integer() else round(value, 2)
