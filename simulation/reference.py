"""The reference model in SimPy: each bagan is a process.

Events of month t happen at t + a fixed fraction, so that the order within a
month is the one in ``simulation.model`` and never SimPy's tie-breaking:

    t + 0.0 market sets the price     t + 0.4 harvests
    t + 0.1 weather (storm, wipe-out) t + 0.5 retirements
    t + 0.3 repairs                   t + 0.8 the cooperative settles the month
"""

from __future__ import annotations

import attrs
import numpy as np
import simpy

from ledger.split import split_net
from simulation.model import (
    SIMPY,
    Grid,
    Paths,
    Start,
    clip_ages,
    grid,
    gross_of,
    price_of,
    seasonal,
    streams,
)

MARKET, WEATHER, REPAIR, HARVEST, RETIRE, SETTLE = 0.0, 0.1, 0.3, 0.4, 0.5, 0.8


@attrs.define(eq=False)
class Bagan:
    born: int  # month its building began (negative for bagan older than the start)
    standing: bool = True
    process: simpy.Process | None = None


class Cooperative:
    """One replication: the state the processes share."""

    def __init__(self, env: simpy.Environment, scenario, g: Grid, start: Start, rng):
        self.env, self.scenario, self.g, self.rng = env, scenario, g, rng
        self.policy = start.policy
        self.fund = start.fund
        self.start_month = start.month
        self.price = 0
        self.catch: list[float] = []  # kg harvested this month
        self.wiped = False
        self.repairs = 0
        self.standing: list[Bagan] = []  # a list, never a set: reproducible order
        self.destroyed = 0

    def add(self, age: int) -> None:
        b = Bagan(born=int(self.env.now) - age)
        self.standing.append(b)
        b.process = self.env.process(bagan(self.env, self, b))
        if self.scenario.bagan_repair_probability > 0:
            self.env.process(wear(self.env, self, b))

    def remove(self, b: Bagan) -> None:
        b.standing = False
        self.standing.remove(b)


def at(env: simpy.Environment, month: int, offset: float) -> simpy.Timeout:
    return env.timeout(month + offset - env.now)


def bagan(env, coop: Cooperative, b: Bagan):
    """Built, then a harvest every cycle until its service life is over."""
    g = coop.g
    try:
        for age in g.harvest_ages:
            if b.born + age >= 1:  # month 0 is the start, nothing happens in it
                yield at(env, b.born + age, HARVEST)
                coop.catch.append(coop.rng["yield"].gamma(g.yield_shape, g.yield_scale))
        yield at(env, b.born + g.end_age, RETIRE)
        coop.remove(b)
    except simpy.Interrupt:  # destroyed by a storm
        pass


def wear(env, coop: Cooperative, b: Bagan):
    """Repairs: a monthly hazard, i.e. geometric waits between them."""
    month = int(env.now)
    while True:
        month += int(coop.rng["repair"].geometric(coop.scenario.bagan_repair_probability))
        yield at(env, month, REPAIR)
        if not b.standing:
            return
        coop.repairs += 1


def market(env, coop: Cooperative, months: int):
    """A persistent (AR(1) in logs), seasonal farm-gate price."""
    s, rng = coop.scenario, coop.rng["price"]
    season = seasonal(s, coop.start_month, months)
    innovation = s.price_volatility * np.sqrt(1 - s.price_persistence**2)
    x = s.price_volatility * rng.standard_normal()
    for t in range(months + 1):
        if t:
            x = s.price_persistence * x + innovation * rng.standard_normal()
        coop.price = int(price_of(s.price_median, season[t] + x))
        yield at(env, t + 1, MARKET)


def weather(env, coop: Cooperative, months: int):
    s = coop.scenario
    for t in range(1, months + 1):
        yield at(env, t, WEATHER)
        coop.wiped = coop.rng["weather"].random() < s.harvest_wipeout_probability
        storm = coop.rng["storm"]
        if storm.random() < s.storms_probability:
            for b in list(coop.standing):
                if storm.random() < s.storms_destroyed:
                    coop.remove(b)
                    coop.destroyed += 1
                    b.process.interrupt("storm")


def settle(env, coop: Cooperative, months: int, out: dict, r: int):
    """Sell the month's catch as one lot, split it, pay repairs, build."""
    s, g = coop.scenario, coop.g
    year_share = 0
    for t in range(1, months + 1):
        yield at(env, t, SETTLE)
        kg = sum(coop.catch)
        if coop.wiped:
            kg *= 1 - s.harvest_wipeout_loss
        net = int(gross_of(kg, coop.price)) - len(coop.catch) * g.harvest_cost
        shortfall = max(0, -net)
        split = split_net(max(0, net), coop.policy)
        year_share += split.members
        coop.fund += split.savings
        coop.fund -= min(coop.fund, coop.repairs * g.repair_cost + shortfall)
        builds = min(g.capacity, max(0, (coop.fund - g.reserve) // g.cost))
        coop.fund -= builds * g.cost
        for _ in range(builds):
            coop.add(0)
        if builds and out["first_build"][r] < 0:
            out["first_build"][r] = t
        out["built"][r] += builds
        coop.catch.clear()
        coop.repairs = 0
        out["monthly_bagan"][r, t] = len(coop.standing)
        if t % 12 == 0:
            y = t // 12
            out["bagan"][r, y] = len(coop.standing)
            out["fund"][r, y] = coop.fund
            out["members_share"][r, y] = year_share
            year_share = 0
    out["destroyed"][r] = coop.destroyed


def run_simpy(scenario, start: Start, years: int, seed: int, first: int, count: int) -> Paths:
    """Replications first..first+count-1 of the reference model."""
    g = grid(scenario, years)
    months, ages = g.months, clip_ages(start, g)
    out = {
        "bagan": np.zeros((count, years + 1), np.int64),
        "fund": np.zeros((count, years + 1), np.int64),
        "members_share": np.zeros((count, years + 1), np.int64),
        "monthly_bagan": np.zeros((count, months + 1), np.int64),
        "first_build": np.full(count, -1, np.int64),
        "built": np.zeros(count, np.int64),
        "destroyed": np.zeros(count, np.int64),
    }
    out["bagan"][:, 0] = out["monthly_bagan"][:, 0] = len(ages)
    out["fund"][:, 0] = start.fund
    for r in range(count):
        env = simpy.Environment()
        coop = Cooperative(env, scenario, g, start, streams(seed, SIMPY, first + r))
        for age in ages:
            coop.add(age)
        env.process(market(env, coop, months))
        env.process(weather(env, coop, months))
        env.process(settle(env, coop, months, out, r))
        env.run(until=months + 1)
    return Paths(**out)
