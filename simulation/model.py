"""What both engines share: the start state, the monthly grid, the random
streams and the shape of the results.

The model lives on a grid of whole months. Within month t (1, 2, ...) things
happen in a fixed order, the same in both engines (SimPy's own ordering of
same-time events is too fragile to rely on):

1. the market sets the month's price;
2. weather: a storm may destroy standing bagan; a wipe-out may ruin the month's catch;
3. repairs: each standing bagan needs one with a monthly probability;
4. harvest: bagan whose grow-out ends this month harvest; the cooperative sells
   the month's catch as one lot and splits the net proceeds by the policy;
5. bagan at the end of their service life retire (after their last harvest);
6. the savings share goes into the fund, repairs are paid from it, and while
   the fund exceeds a bagan's cost plus the reserve, new bagan are built.

A bagan's age is counted in months from the decision to build it: it is built
for ``build_months``, then harvests every ``cycle_months`` until its service
life is over, at age build_months + service_life.
"""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np

from ledger.split import WHOLE, Policy, split_net
from simulation.scenario import service_life_months

SOURCES = ("price", "yield", "weather", "storm", "repair")
FAST, SIMPY = 0, 1  # first spawn-key element: the engines draw from disjoint streams
BLOCK = 1000  # replications per random-number block of the fast engine


@attrs.frozen
class Start:
    """The cooperative at month 0."""

    ages: tuple[int, ...]  # age in months of each standing bagan
    fund: int  # harvest savings fund, Rp
    members: int  # partners sharing the members' share
    policy: Policy
    month: int  # calendar month of month 0
    income: float | None = None  # member income/month over the 12 months before, Rp
    as_of: dt.date | None = None
    source: str = "scenario"


def start_from_scenario(scenario) -> Start:
    """The scenario's bagan, spread evenly over their service life so that
    they do not all harvest and wear out in the same month."""
    n, build = scenario.start_bagan, scenario.bagan_build_months
    life = service_life_months(scenario)
    ages = tuple(build + (i * life) // n for i in range(n)) if n else ()
    return Start(
        ages=ages,
        fund=scenario.start_fund,
        members=scenario.start_members,
        policy=scenario.policy,
        month=scenario.start_month,
    )


@attrs.frozen
class Grid:
    """The scenario turned into whole months and integer rupiah."""

    months: int
    build: int  # months being built
    cycle: int
    life: int  # months of service after being built
    harvest_ages: tuple[int, ...]  # ages at which a bagan harvests
    harvest_cost: int  # Rp per bagan-harvest, deducted before the split
    repair_cost: int  # Rp per repair, from the fund
    cost: int
    reserve: int
    capacity: int
    yield_shape: float
    yield_scale: float

    @property
    def end_age(self) -> int:
        return self.build + self.life


def grid(scenario, years: int) -> Grid:
    build, cycle = scenario.bagan_build_months, scenario.harvest_cycle_months
    life = service_life_months(scenario)
    shape = 1.0 / scenario.harvest_yield_cv**2
    return Grid(
        months=12 * years,
        build=build,
        cycle=cycle,
        life=life,
        harvest_ages=tuple(range(build + cycle, build + life + 1, cycle)),
        harvest_cost=round(scenario.harvest_costs * scenario.bagan_cost),
        repair_cost=round(scenario.bagan_repair_cost * scenario.bagan_cost),
        cost=scenario.bagan_cost,
        reserve=scenario.bagan_reserve,
        capacity=scenario.bagan_build_capacity,
        yield_shape=shape,
        yield_scale=scenario.harvest_yield_kg / shape,
    )


def clip_ages(start: Start, g: Grid) -> tuple[int, ...]:
    """Bagan past their service life retire in month 1."""
    return tuple(min(a, g.end_age - 1) for a in start.ages)


def seasonal(scenario, start_month: int, months: int) -> np.ndarray:
    """Seasonal log-price offset of months 0..months."""
    calendar = (start_month - 1 + np.arange(months + 1)) % 12 + 1
    phase = 2 * np.pi * (calendar - scenario.price_peak_month) / 12
    return scenario.price_seasonal_amplitude * np.cos(phase)


def price_of(median: int, log_offset) -> np.ndarray | int:
    """Whole rupiah per kg, at least 1."""
    return np.maximum(1, np.floor(median * np.exp(log_offset) + 0.5)).astype(np.int64)


def gross_of(kg, price):
    """kg x price rounded half-up to the rupiah, as the ledger's rule 1."""
    return np.floor(kg * price + 0.5).astype(np.int64)


def streams(seed: int, engine: int, index: int) -> dict[str, np.random.Generator]:
    """One generator per random source, for one block (fast) or replication
    (SimPy). Keyed by index, never by worker, so results do not depend on how
    the work is shared out; a stream per source keeps scenarios run with the
    same seed on common random numbers."""
    return {
        name: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(engine, index, i)))
        )
        for i, name in enumerate(SOURCES)
    }


def split_table(policy: Policy) -> np.ndarray:
    """split_net over one whole-percent period, for vectorised splitting.

    With basis points adding to WHOLE, split_net(q*WHOLE + r) equals
    q*points + split_net(r) share by share (the floors grow by q*points and the
    remainders are those of r), so ``split_vector`` reproduces ledger.split
    exactly without a second implementation of the rule.
    """
    table = np.empty((WHOLE, 4), dtype=np.int64)
    for r in range(WHOLE):
        table[r] = (
            (s := split_net(r, policy)).manager,
            s.members,
            s.savings,
            s.cooperative,
        )
    return table


def split_vector(net: np.ndarray, policy: Policy, table: np.ndarray) -> np.ndarray:
    """split_net applied to each element of ``net``; columns manager, members,
    savings, cooperative."""
    q, r = np.divmod(net, WHOLE)
    return q[..., None] * np.asarray(policy.points(), dtype=np.int64) + table[r]


@attrs.frozen
class Paths:
    """Per replication results of one engine (numpy arrays, replications first).

    Year columns run 0..years, column 0 being the start."""

    bagan: np.ndarray  # standing bagan at each year end
    fund: np.ndarray  # harvest savings fund at each year end, Rp
    members_share: np.ndarray  # members' share earned in each year, Rp (col 0: 0)
    monthly_bagan: np.ndarray  # standing bagan at each month end, 0..months
    first_build: np.ndarray  # month of the first self-funded bagan, -1 if none
    built: np.ndarray  # bagan built over the horizon
    destroyed: np.ndarray  # bagan lost to storms over the horizon

    @classmethod
    def concat(cls, parts: list[Paths]) -> Paths:
        return cls(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(cls))
        )

    @property
    def runs(self) -> int:
        return len(self.first_build)
