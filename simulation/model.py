"""What both engines share: the start state, the monthly grid, the random
streams and the shape of the results.

The model lives on a grid of whole months. Within month t (1, 2, ...) things
happen in a fixed order, the same in both engines (SimPy's own ordering of
same-time events is too fragile to rely on):

1. the market sets the month's price;
2. harvest: bagan whose grow-out ends this month harvest (each harvest may be
   spoilt in part, and after it the bagan may need a repair); the cooperative
   sells the month's catch as one lot;
3. after its harvest a bagan retires with the chance of its cycle: the hazard
   of a maintained bagan, raised towards that of an unmaintained one by the
   share of the repair money of the last 12 months the fund could not pay;
4. the cooperative settles: the net proceeds are split by the policy; the
   savings share goes into the fund, which pays repairs first (what it cannot
   pay is left undone); a share of the partners' income, of the SHU and
   outside capital (each January) go to their own pools; then each source in
   turn - capital, SHU, partners' pool, last the savings fund above its
   reserve - rebuilds retired bagan and builds new ones.

Money figures of the scenario are those of month 0; the price and every cost
grow together at the run's price trend (``grown``), so a trend is inflation,
not a widening margin.

A bagan is memoryless apart from its place in the harvest cycle: its life is
a constant hazard (a geometric number of cycles), so the fast engine only
counts bagan by the month of the cycle in which they harvest.
"""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np

from ledger.split import WHOLE, Policy, split_net

SOURCES = ("price", "yield", "loss", "retire", "repair", "params")
FINANCE = ("capital", "cooperative", "partners", "savings")  # the order builds are paid
FAST, SIMPY = 0, 1  # first spawn-key element: the engines draw from disjoint streams
BLOCK = 1000  # replications per random-number block of the fast engine


@attrs.frozen
class Start:
    """The cooperative at month 0."""

    next_harvest: tuple[int, ...]  # months (>= 1) to each standing bagan's next harvest
    fund: int  # harvest savings fund, Rp
    members: int  # partner households sharing the members' share
    policy: Policy
    month: int  # calendar month of month 0
    income: float | None = None  # household income/month over the 12 months before, Rp
    member_income: float | None = None  # partners' share/month per household, same period
    managed_in_household: float = 1.0  # share of bagan whose manager is of a partner household
    as_of: dt.date | None = None
    source: str = "scenario"

    @property
    def bagan(self) -> int:
        return len(self.next_harvest)


def start_from_scenario(scenario) -> Start:
    """The scenario's bagan, spread evenly over the harvest cycle so that they
    do not all harvest in the same month."""
    n, cycle = scenario.start_bagan, scenario.harvest_cycle_months
    return Start(
        next_harvest=tuple(1 + (i * cycle) // n for i in range(n)) if n else (),
        fund=scenario.start_fund,
        members=scenario.start_members,
        policy=scenario.policy,
        month=scenario.start_month,
        managed_in_household=scenario.start_managed_in_household,
    )


def cycle_hazard(life_years: float, cycle: int) -> float:
    """Chance of retiring after a harvest, for a monthly hazard of 1/(12 life)."""
    return 1.0 - (1.0 - 1.0 / (12.0 * life_years)) ** cycle


@attrs.frozen
class Grid:
    """The scenario turned into whole months and integer rupiah."""

    months: int
    build: int  # months being built
    cycle: int
    harvest_cost: int  # Rp per bagan-harvest, deducted before the split
    repair_cost: int  # Rp per repair, from the fund
    cost: int
    rebuild_cost: int
    reserve: int
    capacity: int
    yield_shape: float
    yield_scale: float
    kept: float  # share of a spoilt harvest that is kept
    retire_kept_up: float  # chance of retiring after a harvest, maintained
    run_down_extra: float  # chance a survivor of that retires if no repair was paid
    capital: int  # Rp each January

    @property
    def first_harvest(self) -> int:
        """Months from the decision to build to the first harvest."""
        return self.build + self.cycle


def grid(scenario, years: int) -> Grid:
    cycle = scenario.harvest_cycle_months
    shape = 1.0 / scenario.harvest_yield_cv**2
    return Grid(
        months=12 * years,
        build=scenario.bagan_build_months,
        cycle=cycle,
        harvest_cost=scenario.harvest_costs,
        repair_cost=scenario.bagan_repair_cost,
        cost=scenario.bagan_cost,
        rebuild_cost=scenario.bagan_rebuild_cost,
        reserve=scenario.bagan_reserve,
        capacity=scenario.bagan_build_capacity,
        yield_shape=shape,
        yield_scale=scenario.harvest_yield_kg / shape,
        kept=1.0 - scenario.harvest_loss_fraction,
        retire_kept_up=cycle_hazard(scenario.bagan_life_years, cycle),
        run_down_extra=_extra(
            cycle_hazard(scenario.bagan_life_years, cycle),
            cycle_hazard(scenario.bagan_unmaintained_life_years, cycle),
        ),
        capital=scenario.finance_capital_per_year,
    )


def _extra(kept_up: float, run_down: float) -> float:
    """The chance that tops ``kept_up`` up to ``run_down`` among its survivors."""
    return max(0.0, (run_down - kept_up) / (1.0 - kept_up)) if kept_up < 1 else 0.0


def seasonal(scenario, start_month: int, months: int) -> np.ndarray:
    """Seasonal log-price offset of months 0..months."""
    calendar = (start_month - 1 + np.arange(months + 1)) % 12 + 1
    phase = 2 * np.pi * (calendar - scenario.price_peak_month) / 12
    return scenario.price_seasonal_amplitude * np.cos(phase)


def run_parameters(scenario, rng: np.random.Generator, n: int, years: int) -> np.ndarray:
    """Per run: log offsets of the mean yield and median price, the price
    trend (log/year), drawn once per run from their uncertainty, then the log
    offset of each model year's yield (a good or bad season). Columns in that
    order; the draws are made even when a spread is 0, so that the streams do
    not depend on it."""
    z = rng.standard_normal((n, 3 + years))
    return np.column_stack(
        (
            scenario.harvest_yield_uncertainty * z[:, 0],
            scenario.price_uncertainty * z[:, 1],
            scenario.price_trend + scenario.price_trend_uncertainty * z[:, 2],
            scenario.harvest_season_sd * z[:, 3:],
        )
    )


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


def grown(amount: int, trend, t: int):
    """A money figure of month 0 at month t: costs follow the price trend."""
    return np.floor(amount * np.exp(trend * (t / 12)) + 0.5).astype(np.int64)


def share_of(amount, share: float):
    """floor(amount x share), the same in both engines (one float product)."""
    return np.floor(amount * share).astype(np.int64)


@attrs.frozen
class Paths:
    """Per replication results of one engine (numpy arrays, replications first).

    Year columns run 0..years, column 0 being the start; month columns 0..months."""

    bagan: np.ndarray  # standing bagan at each year end
    fund: np.ndarray  # harvest savings fund at each year end, Rp
    members_share: np.ndarray  # partners' share paid out in each year, Rp (col 0: 0)
    manager_share: np.ndarray  # managers' share in each year, Rp (col 0: 0)
    monthly_bagan: np.ndarray  # standing bagan at each month end
    monthly_producing: np.ndarray  # of which harvested at least once
    monthly_members: np.ndarray  # partners' share paid out in each month, Rp
    monthly_manager: np.ndarray  # managers' share in each month, Rp
    monthly_savings: np.ndarray  # savings share credited in each month, Rp
    monthly_fund: np.ndarray  # harvest savings fund at each month end, Rp
    first_build: np.ndarray  # month of the first new bagan, -1 if none
    built: np.ndarray  # new bagan over the horizon, one column per FINANCE source
    rebuilt: np.ndarray  # retired bagan rebuilt over the horizon
    retired: np.ndarray  # retired over the horizon: columns kept up, run down

    @classmethod
    def concat(cls, parts: list[Paths]) -> Paths:
        return cls(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(cls))
        )

    @property
    def runs(self) -> int:
        return len(self.first_build)


def empty_paths(runs: int, years: int) -> dict[str, np.ndarray]:
    months = 12 * years
    return {
        "bagan": np.zeros((runs, years + 1), np.int64),
        "fund": np.zeros((runs, years + 1), np.int64),
        "members_share": np.zeros((runs, years + 1), np.int64),
        "manager_share": np.zeros((runs, years + 1), np.int64),
        "monthly_bagan": np.zeros((runs, months + 1), np.int64),
        "monthly_producing": np.zeros((runs, months + 1), np.int64),
        "monthly_members": np.zeros((runs, months + 1), np.int64),
        "monthly_manager": np.zeros((runs, months + 1), np.int64),
        "monthly_savings": np.zeros((runs, months + 1), np.int64),
        "monthly_fund": np.zeros((runs, months + 1), np.int64),
        "first_build": np.full(runs, -1, np.int64),
        "built": np.zeros((runs, len(FINANCE)), np.int64),
        "rebuilt": np.zeros(runs, np.int64),
        "retired": np.zeros((runs, 2), np.int64),
    }
