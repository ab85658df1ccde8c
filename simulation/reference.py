"""The reference model in SimPy: each bagan is a process.

Events of month t happen at t + a fixed fraction, so that the order within a
month is the one in ``simulation.model`` and never SimPy's tie-breaking:

    t + 0.0 market sets the price     t + 0.4 harvests, repairs, retirements
                                      t + 0.8 the cooperative settles the month
"""

from __future__ import annotations

import attrs
import numpy as np
import simpy

from ledger.split import split_net
from simulation.model import (
    FINANCE,
    SIMPY,
    Grid,
    Paths,
    Start,
    empty_paths,
    grid,
    gross_of,
    grown,
    price_of,
    run_parameters,
    seasonal,
    share_of,
    streams,
)

MARKET, HARVEST, SETTLE = 0.0, 0.4, 0.8


@attrs.define(eq=False)
class Bagan:
    first: int  # month of its first harvest
    standing: bool = True


class Cooperative:
    """One replication: the state the processes share."""

    def __init__(self, env: simpy.Environment, scenario, g: Grid, start: Start, rng):
        self.env, self.scenario, self.g, self.rng = env, scenario, g, rng
        self.policy = start.policy
        self.fund = start.fund
        self.needed = [0] * 12  # repair money needed in the last 12 months
        self.paid = [0] * 12  # of which paid
        self.run_down = 0.0  # chance a kept-up survivor retires for want of repairs
        self.pools = [0, 0, 0]  # capital, cooperative, partners
        self.to_rebuild = 0
        self.start_month = start.month
        drawn = run_parameters(scenario, rng["params"], 1, g.months // 12)[0]
        self.price_level, self.trend = drawn[1], drawn[2]
        self.seasons = g.yield_scale * np.exp(drawn[0] + drawn[3:])  # by model year
        self.price = 0
        self.catch: list[float] = []  # kg harvested this month
        self.repairs = 0
        self.standing: list[Bagan] = []  # a list, never a set: reproducible order
        self.retired = [0, 0]  # kept up, run down

    def add(self, first: int) -> None:
        b = Bagan(first=first)
        self.standing.append(b)
        self.env.process(bagan(self.env, self, b))


def at(env: simpy.Environment, month: int, offset: float) -> simpy.Timeout:
    return env.timeout(month + offset - env.now)


def bagan(env, coop: Cooperative, b: Bagan):
    """A harvest every cycle; after each, it may need a repair or retire."""
    g, s, rng = coop.g, coop.scenario, coop.rng
    month = b.first
    while True:
        yield at(env, month, HARVEST)
        kg = rng["yield"].gamma(g.yield_shape, coop.seasons[(month - 1) // 12])
        if s.harvest_loss_probability > 0 and rng["loss"].random() < s.harvest_loss_probability:
            kg *= g.kept
        coop.catch.append(kg)
        if rng["repair"].random() < s.bagan_repair_probability:
            coop.repairs += 1
        u = rng["retire"].random()
        kept_up = u < g.retire_kept_up
        if kept_up or u < g.retire_kept_up + (1 - g.retire_kept_up) * coop.run_down:
            b.standing = False
            coop.standing.remove(b)
            coop.retired[0 if kept_up else 1] += 1
            coop.to_rebuild += 1
            return
        month += g.cycle


def market(env, coop: Cooperative, months: int):
    """A persistent (AR(1) in logs), seasonal, trending farm-gate price."""
    s, rng = coop.scenario, coop.rng["price"]
    season = seasonal(s, coop.start_month, months)
    innovation = s.price_volatility * np.sqrt(1 - s.price_persistence**2)
    x = s.price_volatility * rng.standard_normal()
    for t in range(months + 1):
        if t:
            x = s.price_persistence * x + innovation * rng.standard_normal()
        drift = coop.price_level + coop.trend * (t / 12)
        coop.price = int(price_of(s.price_median, season[t] + x + drift))
        yield at(env, t + 1, MARKET)


def settle(env, coop: Cooperative, months: int, out: dict, r: int):
    """Sell the month's catch as one lot, split it, pay repairs, build."""
    s, g = coop.scenario, coop.g
    year_members = year_manager = coop_year = 0
    for t in range(1, months + 1):
        yield at(env, t, SETTLE)
        harvest_cost, repair_cost = (
            grown(g.harvest_cost, coop.trend, t),
            grown(g.repair_cost, coop.trend, t),
        )
        cost, rebuild_cost = (
            int(grown(g.cost, coop.trend, t)),
            int(grown(g.rebuild_cost, coop.trend, t)),
        )
        net = int(gross_of(sum(coop.catch), coop.price)) - len(coop.catch) * int(harvest_cost)
        shortfall = max(0, -net)
        split = split_net(max(0, net), coop.policy)
        put_by = int(share_of(split.members, s.finance_reinvest_share))
        coop.pools[2] += put_by
        coop.fund += split.savings
        coop_year += split.cooperative
        need = coop.repairs * int(repair_cost) + shortfall
        pay = min(coop.fund, need)
        coop.fund -= pay
        coop.needed[t % 12], coop.paid[t % 12] = need, pay
        short = sum(coop.needed) - sum(coop.paid)
        coop.run_down = g.run_down_extra * short / max(sum(coop.needed), 1)
        if t % 12 == 0:
            coop.pools[1] += int(share_of(coop_year, s.finance_shu_share))
            coop_year = 0
        if t % 12 == 1:
            coop.pools[0] += g.capital
        room, new = g.capacity, 0
        for k, source in enumerate(FINANCE):
            money = coop.pools[k] if k < 3 else max(coop.fund - g.reserve, 0)
            n = min(coop.to_rebuild, room, money // rebuild_cost)
            coop.to_rebuild -= n
            out["rebuilt"][r] += n
            more = min(room - n, (money - n * rebuild_cost) // cost)
            room -= n + more
            out["built"][r, k] += more
            spent = n * rebuild_cost + more * cost
            if source == "savings":
                coop.fund -= spent
            else:
                coop.pools[k] -= spent
            new += n + more
        for _ in range(new):
            coop.add(t + g.first_harvest)
        if new and out["first_build"][r] < 0:
            out["first_build"][r] = t
        members = split.members - put_by
        year_members += members
        year_manager += split.manager
        coop.catch.clear()
        coop.repairs = 0
        out["monthly_bagan"][r, t] = len(coop.standing)
        out["monthly_producing"][r, t] = sum(1 for b in coop.standing if b.first <= t)
        out["monthly_members"][r, t] = members
        out["monthly_manager"][r, t] = split.manager
        out["monthly_savings"][r, t] = split.savings
        out["monthly_fund"][r, t] = coop.fund
        if t % 12 == 0:
            y = t // 12
            out["bagan"][r, y] = len(coop.standing)
            out["fund"][r, y] = coop.fund
            out["members_share"][r, y] = year_members
            out["manager_share"][r, y] = year_manager
            year_members = year_manager = 0
    out["retired"][r] = coop.retired


def run_simpy(
    scenario, start: Start, years: int, seed: int, first: int, count: int, monthly: bool = False
) -> Paths:
    """Replications first..first+count-1 of the reference model (``monthly``:
    as in ``run_fast``)."""
    g = grid(scenario, years)
    months = g.months
    out = empty_paths(count, years)
    out["bagan"][:, 0] = out["monthly_bagan"][:, 0] = start.bagan
    out["fund"][:, 0] = out["monthly_fund"][:, 0] = start.fund
    out["monthly_producing"][:, 0] = sum(1 for m in start.next_harvest if m <= g.cycle)
    for r in range(count):
        env = simpy.Environment()
        coop = Cooperative(env, scenario, g, start, streams(seed, SIMPY, first + r))
        for month in start.next_harvest:
            coop.add(month)
        env.process(market(env, coop, months))
        env.process(settle(env, coop, months, out, r))
        env.run(until=months + 1)
    if not monthly:
        for k in ("producing", "members", "manager", "savings", "fund"):
            out[f"monthly_{k}"] = out[f"monthly_{k}"][:, :0].copy()
    return Paths(**out)
