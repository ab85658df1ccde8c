"""Starting a forecast from the replayed books (``ledger.read_books``).

The books give the standing bagan and their ages, the harvest savings fund,
the policy in force and the members; the recorded harvests calibrate the
yield and price distributions when there are enough of them.
"""

from __future__ import annotations

import datetime as dt
import math

import attrs
import numpy as np

from ledger.i18n import msg
from simulation.model import Start, grid
from simulation.scenario import PARAM_BY_KEY, service_life_months

MIN_HARVESTS = 8  # fewer recorded harvests than this: keep the scenario's figures


@attrs.frozen
class Calibration:
    """What the recorded harvests said, and what was taken from them."""

    harvests: int  # recorded harvests as of the start
    with_kg: int  # of which with kg and a price per kg
    yield_used: int  # harvests with kg that calibrated the yield (0: scenario kept)
    price_used: int  # harvests with a price that calibrated the price (0: kept)
    yield_kg: float
    yield_cv: float
    price_median: int
    price_volatility: float

    def notes(self) -> list[str]:
        out = []
        if self.yield_used:
            out.append(
                msg(
                    "yield calibrated from {used} recorded harvests: mean {kg:,.0f} kg, "
                    "spread {cv:.2f}",
                    used=self.yield_used,
                    kg=self.yield_kg,
                    cv=self.yield_cv,
                )
            )
        else:
            out.append(
                msg(
                    "yield from the scenario: {with_kg} of {harvests} recorded harvests have "
                    "kg, at least {needed} are needed",
                    with_kg=self.with_kg,
                    harvests=self.harvests,
                    needed=MIN_HARVESTS,
                )
            )
        if self.price_used:
            out.append(
                msg(
                    "price calibrated from {used} recorded harvests: median Rp {median:,}/kg, "
                    "spread {volatility:.2f}",
                    used=self.price_used,
                    median=self.price_median,
                    volatility=self.price_volatility,
                )
            )
        else:
            out.append(
                msg(
                    "price from the scenario: {with_kg} recorded harvests have a price per kg, "
                    "at least {needed} are needed",
                    with_kg=self.with_kg,
                    needed=MIN_HARVESTS,
                )
            )
        return out


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 if later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(0, months)


def renewed(grown: int, cycle: int, life: int) -> int:
    """The age within its current service life of a bagan the books show still
    harvesting: the ledger records repairs and replaced bamboo, not rebuilds, so
    a producing bagan is taken to be renewed each life. Whole cycles are taken
    off, so its harvest timing stays as the books say."""
    if life <= 0 or grown < life:
        return grown
    target = grown % life
    candidates = [grown - k * cycle for k in range(grown // cycle + 1)]
    return min(
        (c for c in candidates if c < life), key=lambda c: (abs(c - target), c), default=grown
    )


def start_from_books(books, scenario) -> tuple[Start, object, Calibration]:
    """The start state and the calibrated scenario from ``books``.

    A bagan's age is its months since it was added to the books (taken as the
    start of its first grow-out) plus the build delay, moved by at most half a
    cycle so that its next harvest falls where its last recorded harvest says;
    a bagan still harvesting counts from its latest renewal (see ``renewed``).
    """
    g = grid(scenario, 1)
    last: dict[str, dt.date] = {}
    for h in books.harvests:
        if h.date <= books.as_of and (h.bagan not in last or h.date > last[h.bagan]):
            last[h.bagan] = h.date
    ages = []
    for b in books.bagan:
        if b.added > books.as_of:
            continue
        grown = months_between(b.added, books.as_of)
        if b.id in last:
            since = months_between(last[b.id], books.as_of)
            shift = (grown - since) % g.cycle
            grown = grown - shift if shift <= g.cycle // 2 else grown + g.cycle - shift
            if grown < 0:
                grown += g.cycle
        if b.id in last and months_between(last[b.id], books.as_of) <= 2 * g.cycle:
            grown = renewed(grown, g.cycle, service_life_months(scenario) - g.build)
        ages.append(g.build + grown)
    partners = sorted({p for b in books.bagan for p in b.partners})
    active = [m for m in books.members if m.active_on(books.as_of)]
    members = len(partners) or len(active) or scenario.start_members

    recent = [h for h in books.harvests if 0 <= (books.as_of - h.date).days < 365]
    income = None
    if books.harvests:
        income = sum(h.shares.members for h in recent) / members / 12

    calibration, scenario = calibrate(books.harvests, scenario)
    start = Start(
        ages=tuple(ages),
        fund=books.harvest_savings,
        members=members,
        policy=books.policy,
        month=books.as_of.month,
        income=income,
        as_of=books.as_of,
        source="ledger",
    )
    return start, scenario, calibration


def calibrate(harvests, scenario) -> tuple[Calibration, object]:
    """Method of moments: yield mean and spread (gamma); price median and
    log spread. Out-of-range results are held to the parameter's range."""
    kgs = np.array([float(h.kg) for h in harvests if h.kg is not None and h.kg > 0])
    prices = np.array([h.price for h in harvests if h.price])
    changes = {}
    yield_used = price_used = 0
    if len(kgs) >= MIN_HARVESTS:
        yield_used = len(kgs)
        mean = float(kgs.mean())
        changes["harvest_yield_kg"] = _held("harvest.yield_kg", mean)
        changes["harvest_yield_cv"] = _held("harvest.yield_cv", float(kgs.std(ddof=1)) / mean)
    if len(prices) >= MIN_HARVESTS:
        price_used = len(prices)
        logs = np.log(prices)
        changes["price_median"] = round(_held("price.median", math.exp(float(np.median(logs)))))
        changes["price_volatility"] = _held("price.volatility", float(logs.std(ddof=1)))
    scenario = attrs.evolve(scenario, **changes)
    return (
        Calibration(
            harvests=len(harvests),
            with_kg=min(len(kgs), len(prices)),
            yield_used=yield_used,
            price_used=price_used,
            yield_kg=scenario.harvest_yield_kg,
            yield_cv=scenario.harvest_yield_cv,
            price_median=scenario.price_median,
            price_volatility=scenario.price_volatility,
        ),
        scenario,
    )


def _held(key: str, value: float) -> float:
    p = PARAM_BY_KEY[key]
    return min(max(value, p.low), p.high)
