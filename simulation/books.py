"""Starting a forecast from the replayed books (``ledger.read_books``) and
calibrating it on them.

The books give the standing bagan and where each is in its harvest cycle, the
harvest savings fund, the policy in force and the partner households. Every
parameter the books can speak to is learnt from them, each with the period
and the count it was learnt from (``Learnt``); the others keep the scenario's
figure and its source. Recorded kilograms already include what storms and bad
spat falls took: the loss parameters are the part of that same record below
half the median, and the yield is fitted to the rest, so no loss is counted
twice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import attrs
import numpy as np

from ledger.i18n import msg
from simulation.model import Start
from simulation.scenario import PARAM_BY_KEY, PARAMS

MIN_HARVESTS = 8  # fewer recorded harvests than this: keep the scenario's figures
RECENT_DAYS = 365  # yields, costs and repairs are learnt from the last year
SPOILT = 0.5  # a harvest below this share of the median counts as spoilt


@attrs.frozen
class Learnt:
    """Where one parameter's value comes from."""

    key: str
    value: float | int
    source: str  # books, report, literature, assumed
    basis: str  # for books: the period and count; else the document or reason
    first: dt.date | None = None
    last: dt.date | None = None
    count: int | None = None
    unit: str | None = None  # for figures that are no scenario parameter

    def as_json(self) -> dict:
        out = {"value": self.value, "source": self.source, "basis": self.basis}
        if self.source == "books":
            out["period"] = [self.first.isoformat(), self.last.isoformat()]
            out["count"] = self.count
        return out


@attrs.frozen
class Calibration:
    """What the books said, parameter by parameter, and the rates the engines
    do not use but the backtest does (infaq)."""

    harvests: int  # recorded harvests as of the start
    with_kg: int  # of which with kg and a price per kg
    learnt: tuple[Learnt, ...]
    infaq_share: float  # partners' infaq as a share of their harvest income
    infaq_others_monthly: float  # Rp/month of infaq from everyone else

    @property
    def yield_used(self) -> int:
        return self.count_of("harvest.yield_kg")

    @property
    def price_used(self) -> int:
        return self.count_of("price.median")

    def count_of(self, key: str) -> int:
        for item in self.learnt:
            if item.key == key and item.source == "books":
                return item.count or 0
        return 0

    def as_json(self) -> dict:
        return {
            "harvests": self.harvests,
            "with_kg": self.with_kg,
            "yield_used": self.yield_used,
            "price_used": self.price_used,
            "learnt": [i.key for i in self.learnt if i.source == "books"],
            "infaq_share": round(self.infaq_share, 5),
            "infaq_others_monthly": round(self.infaq_others_monthly),
        }

    def notes(self) -> list[str]:
        out = []
        for item in self.learnt:
            if item.source != "books":
                continue
            out.append(
                msg(
                    "{key} = {value} from the books ({basis})",
                    key=item.key,
                    value=_shown(item.value),
                    basis=item.basis,
                )
            )
        if not self.yield_used:
            out.append(
                msg(
                    "yield from the scenario: {with_kg} of {harvests} recorded harvests have "
                    "kg, at least {needed} are needed",
                    with_kg=self.with_kg,
                    harvests=self.harvests,
                    needed=MIN_HARVESTS,
                )
            )
        return out


def _shown(value: float | int) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 if later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(0, months)


def _retired_on(b) -> dt.date | None:
    return b.retired


def _manager_member(b) -> str | None:
    return b.manager_member


def standing_bagan(books, day: dt.date) -> list:
    return [b for b in books.bagan if b.added <= day and (b.retired is None or b.retired > day)]


def household_income(books, first: dt.date, last: dt.date, households: int) -> float:
    """Mussel income per partner household per month over (first, last]: the
    ledger's one definition (``Books.household_income``), per 30.44-day month."""
    income = books.household_income(first + dt.timedelta(days=1), last)
    months = max(1.0, (last - first).days / 30.4375)
    return income.mussel / max(1, households) / months


def start_from_books(books, scenario) -> tuple[Start, object, Calibration]:
    """The start state and the calibrated scenario from ``books``."""
    calibration, scenario = calibrate(books, scenario)
    cycle, build = scenario.harvest_cycle_months, scenario.bagan_build_months
    last: dict[str, dt.date] = {}
    for h in books.harvests:
        if h.date <= books.as_of and (h.bagan not in last or h.date > last[h.bagan]):
            last[h.bagan] = h.date
    standing = standing_bagan(books, books.as_of)
    nexts = []
    for b in standing:
        if b.id in last:
            since = months_between(last[b.id], books.as_of)
            nexts.append(max(1, cycle - since))
        else:
            nexts.append(max(1, build + cycle - months_between(b.added, books.as_of)))
    partners = sorted({p for b in standing for p in b.partners})
    active = [m for m in books.members if m.active_on(books.as_of)]
    households = len(partners) or len(active) or scenario.start_members
    linked = sum(1 for b in standing if _manager_member(b)) / len(standing) if standing else 0.0
    income = member_income = None
    if books.harvests:
        year_ago = books.as_of - dt.timedelta(days=RECENT_DAYS)
        income = household_income(books, year_ago, books.as_of, households)
        recent = [h for h in books.harvests if year_ago <= h.date <= books.as_of]
        member_income = sum(h.shares.members for h in recent) / households / 12
    counted = {
        "start.bagan": (len(standing), f"standing bagan at {books.as_of}"),
        "start.fund": (books.harvest_savings, f"harvest savings at {books.as_of}"),
        "start.members": (households, f"partner households at {books.as_of}"),
        "start.managed_in_household": (
            round(linked, 4),
            f"bagan whose manager is recorded as of a partner's household at {books.as_of}",
        ),
        "start.month": (books.as_of.month, f"the month of {books.as_of}"),
    }
    calibration = attrs.evolve(
        calibration,
        learnt=tuple(
            Learnt(
                i.key,
                counted[i.key][0],
                "books",
                counted[i.key][1],
                books.started,
                books.as_of,
                len(standing),
            )  # fmt: skip
            if i.key in counted
            else i
            for i in calibration.learnt
        ),
    )
    start = Start(
        next_harvest=tuple(nexts),
        fund=books.harvest_savings,
        members=households,
        policy=books.policy,
        month=books.as_of.month,
        income=income,
        member_income=member_income,
        managed_in_household=linked,
        as_of=books.as_of,
        source="ledger",
    )
    return start, scenario, calibration


def _held(key: str, value: float) -> float:
    p = PARAM_BY_KEY[key]
    value = min(max(value, p.low), p.high)
    return round(value) if p.integer else float(value)


class _Learning:
    def __init__(self, scenario):
        self.scenario = scenario
        self.changes: dict[str, float | int] = {}
        self.items: dict[str, Learnt] = {}

    def learn(self, key, value, basis, first, last, count) -> None:
        value = _held(key, value)
        self.changes[PARAM_BY_KEY[key].field] = value
        self.items[key] = Learnt(key, value, "books", basis, first, last, count)

    def result(self) -> tuple[tuple[Learnt, ...], object]:
        scenario = attrs.evolve(self.scenario, **self.changes)
        out = []
        for p in PARAMS:
            if p.key in self.items:
                out.append(self.items[p.key])
            else:
                out.append(Learnt(p.key, getattr(scenario, p.field), p.source, p.basis))
        return tuple(out), scenario


def calibrate(books, scenario) -> tuple[Calibration, object]:
    """Every parameter the books can speak to, held to its range."""
    as_of = books.as_of
    harvests = [h for h in books.harvests if h.date <= as_of]
    learning = _Learning(scenario)
    year_ago = as_of - dt.timedelta(days=RECENT_DAYS)
    recent = [h for h in harvests if h.date >= year_ago]
    window = recent if len(recent) >= MIN_HARVESTS else harvests
    with_kg = [h for h in harvests if h.kg is not None and h.kg > 0 and h.price]

    def span(items) -> tuple[dt.date, dt.date]:
        days = [i.date for i in items]
        return min(days), max(days)

    # yield, its spread and spoilt harvests: the record, split in two
    kgs_of = [h for h in window if h.kg is not None and h.kg > 0]
    if len(kgs_of) >= MIN_HARVESTS:
        kgs = np.array([float(h.kg) for h in kgs_of])
        first, last = span(kgs_of)
        spoilt = kgs < SPOILT * np.median(kgs)
        whole = kgs[~spoilt]
        n = len(kgs)
        period = f"{first}..{last}, {n} harvests"
        mean = float(whole.mean())
        cv = float(whole.std(ddof=1)) / mean
        learning.learn("harvest.yield_kg", mean, f"{period}; {spoilt.sum()} spoilt left out",
                       first, last, int(len(whole)))  # fmt: skip
        learning.learn("harvest.yield_cv", cv, period, first, last, int(len(whole)))
        learning.learn("harvest.yield_uncertainty", cv / math.sqrt(len(whole)),
                       f"{period}: standard error of the mean", first, last, int(len(whole)))  # fmt: skip
        learning.learn("harvest.loss_probability", float(spoilt.mean()),
                       f"{period}: below {SPOILT:.0%} of the median", first, last, n)  # fmt: skip
        if spoilt.any():
            kept = float(kgs[spoilt].mean()) / mean
            learning.learn("harvest.loss_fraction", 1 - kept, f"{period}: their mean against the rest",
                           first, last, int(spoilt.sum()))  # fmt: skip

    # good and bad seasons: the spread of the yearly mean yields of whole harvests
    whole_of = [h for h in harvests if h.kg is not None and h.kg > 0]
    if whole_of:
        cut = SPOILT * float(np.median([float(h.kg) for h in whole_of]))
        years_kg: dict[int, list[float]] = {}
        for h in whole_of:
            if float(h.kg) >= cut:
                years_kg.setdefault(h.date.year, []).append(float(h.kg))
        means = [np.mean(v) for _, v in sorted(years_kg.items()) if len(v) >= MIN_HARVESTS]
        if len(means) >= 2:
            first, last = span(whole_of)
            learning.learn("harvest.season_sd", float(np.log(means).std(ddof=1)),
                           f"{first}..{last}: {len(means)} years' mean yields", first, last,
                           len(means))  # fmt: skip

    # price: a log-linear trend over the whole record, its spread and errors
    priced = [h for h in harvests if h.price]
    if len(priced) >= MIN_HARVESTS:
        first, last = span(priced)
        years = np.array([(h.date - as_of).days / 365.25 for h in priced])
        logs = np.log(np.array([h.price for h in priced], float))
        period = f"{first}..{last}, {len(priced)} harvests"
        if (last - first).days >= 300:
            slope, level = np.polyfit(years, logs, 1)
            resid = logs - (level + slope * years)
            sd = float(resid.std(ddof=2))
            sxx = float(((years - years.mean()) ** 2).sum())
            se_slope = sd / math.sqrt(sxx)
            se_level = sd * math.sqrt(1 / len(years) + years.mean() ** 2 / sxx)
            learning.learn("price.trend", float(slope), f"{period}: log-linear fit",
                           first, last, len(priced))  # fmt: skip
            learning.learn("price.trend_uncertainty", se_slope, f"{period}: its standard error",
                           first, last, len(priced))  # fmt: skip
        else:
            level, sd = float(np.median(logs)), float(logs.std(ddof=1))
            se_level = sd / math.sqrt(len(logs))
        learning.learn("price.median", math.exp(level), f"{period}: at {as_of}",
                       first, last, len(priced))  # fmt: skip
        learning.learn("price.volatility", sd, period, first, last, len(priced))
        learning.learn("price.uncertainty", se_level, f"{period}: standard error at {as_of}",
                       first, last, len(priced))  # fmt: skip

    # harvest interval: months between a bagan's consecutive harvests
    by_bagan: dict[str, list[dt.date]] = {}
    for h in sorted(harvests, key=lambda h: h.date):
        by_bagan.setdefault(h.bagan, []).append(h.date)
    gaps = [
        (b - a).days / 30.4375
        for days in by_bagan.values()
        for a, b in zip(days, days[1:], strict=False)
    ]
    if len(gaps) >= MIN_HARVESTS:
        first, last = span(harvests)
        learning.learn("harvest.cycle_months", round(float(np.median(gaps))),
                       f"{first}..{last}, {len(gaps)} intervals: median", first, last, len(gaps))  # fmt: skip

    # harvest costs
    if len(window) >= MIN_HARVESTS:
        first, last = span(window)
        learning.learn("harvest.costs", float(np.mean([h.costs for h in window])),
                       f"{first}..{last}, {len(window)} harvests: mean", first, last, len(window))  # fmt: skip

    # repairs: how often a harvest is followed by one, and its cost
    repairs = [m for m in books.movements if m.kind == "repair" and year_ago <= m.date <= as_of]
    if len(repairs) >= MIN_HARVESTS and len(recent) >= MIN_HARVESTS:
        first, last = year_ago, as_of
        basis = f"{first}..{last}, {len(repairs)} repairs after {len(recent)} harvests"
        # more repairs than harvests (storm damage): one a harvest, costing the
        # spending per harvest, so that the money spent is kept exactly
        chance = min(1.0, len(repairs) / len(recent))
        spent = sum(m.amount for m in repairs) / len(recent)
        learning.learn("bagan.repair_probability", chance, basis, first, last, len(repairs))
        learning.learn("bagan.repair_cost", spent / chance, basis + ": Rp spent per repair",
                       first, last, len(repairs))  # fmt: skip

    # retirement: events over the whole exposure (Jeffreys' half an event when none)
    if books.bagan:
        first = min(b.added for b in books.bagan)
        total = sum(_months_standing(b, first, as_of) for b in books.bagan) / 12
        retired = [b for b in books.bagan if _retired_on(b) and _retired_on(b) <= as_of]
        if total >= 12:
            learning.learn("bagan.life_years", total / (len(retired) + 0.5),
                           f"{first}..{as_of}, {len(retired)} retired in {total:,.0f} bagan-years",
                           first, as_of, len(retired))  # fmt: skip
        costs = [b.cost for b in books.bagan if b.cost]
        if costs:
            learning.learn("bagan.cost", float(np.mean(costs)),
                           f"{first}..{as_of}, {len(costs)} bagan: mean", first, as_of, len(costs))  # fmt: skip
        rebuilt = [m for m in books.movements if m.kind == "bagan.rebuild" and m.date <= as_of]
        if rebuilt:
            learning.learn("bagan.rebuild_cost", float(np.mean([r.amount for r in rebuilt])),
                           f"{len(rebuilt)} rebuilds: mean", first, as_of, len(rebuilt))  # fmt: skip
        # no bagan financed from savings although the fund reached its peak
        peak = _fund_peak(books)
        if peak is not None and not any(b.paid_by == "savings" for b in books.bagan):
            value = max(scenario.bagan_reserve, peak - learning.scenario.bagan_cost)
            learning.learn("bagan.reserve", value,
                           f"{first}..{as_of}: no bagan paid from savings though the fund "
                           f"reached Rp {peak:,}", first, as_of, 0)  # fmt: skip

    infaq_share, others = _infaq_rates(books, year_ago, as_of)
    learnt, scenario = learning.result()
    # rates the books set outright: the savings share in force, and infaq
    policy_day = f"the policy in force on {as_of}"
    rates = [
        Learnt(
            "policy.savings",
            books.policy.savings / 100,
            "books",
            policy_day,
            books.started,
            as_of,
            1,
            "% of net",
        ),  # fmt: skip
        Learnt(
            "infaq.share",
            round(infaq_share, 5),
            "books",
            f"{year_ago}..{as_of}: partners' infaq over their harvest income",
            year_ago,
            as_of,
            len(recent),
            "share of income",
        ),  # fmt: skip
        Learnt(
            "infaq.others_monthly",
            round(others),
            "books",
            f"{year_ago}..{as_of}: everyone else's infaq a month",
            year_ago,
            as_of,
            len(recent),
            "Rp/month",
        ),  # fmt: skip
    ]
    if harvests:
        learnt = (*learnt, *rates)
    return (
        Calibration(
            harvests=len(harvests),
            with_kg=len(with_kg),
            learnt=learnt,
            infaq_share=infaq_share,
            infaq_others_monthly=others,
        ),
        scenario,
    )


def _months_standing(b, first: dt.date, last: dt.date) -> float:
    start = max(b.added, first)
    end = min(_retired_on(b) or last, last)
    return max(0.0, (end - start).days / 30.4375)


def _fund_peak(books) -> int | None:
    """The highest harvest savings balance at a month end in the books."""
    savings = Counter()
    for h in books.harvests:
        savings[(h.date.year, h.date.month)] += h.shares.savings
    for m in books.movements:
        if m.kind == "repair":
            savings[(m.date.year, m.date.month)] -= m.amount
        elif m.kind.startswith("savings.") and m.detail == "harvest":
            sign = 1 if m.kind == "savings.deposit" else -1
            savings[(m.date.year, m.date.month)] += sign * m.amount
    if not savings:
        return None
    balance, peak = 0, 0
    for month in sorted(savings):
        balance += savings[month]
        peak = max(peak, balance)
    return peak


def _infaq_rates(books, first: dt.date, last: dt.date) -> tuple[float, float]:
    """Partners' infaq as a share of their harvest income, and everyone
    else's infaq per month, over [first, last]."""
    partners = {p for b in books.bagan for p in b.partners}
    income = sum(h.shares.members for h in books.harvests if first <= h.date <= last)
    theirs = others = 0
    for m in books.movements:
        if m.kind == "infaq.receive" and first <= m.date <= last:
            if m.member in partners:
                theirs += m.amount
            else:
                others += m.amount
    months = max(1.0, (last - first).days / 30.4375)
    return (theirs / income if income else 0.0), others / months
