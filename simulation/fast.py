"""The fast engine: the same model as ``reference``, stepping months over all
replications at once.

Bagan of the same age are interchangeable, so each replication only counts
its bagan by age (a ring of build + life + 1 slots; the slot of age a at month
t is (t - a) mod slots). Exact in distribution, not an approximation:

- the sum of n gamma(k, s) yields is gamma(n k, s): one draw per month;
- each bagan independently destroyed by a storm or needing a repair: binomial;
- one lot per month split by ``ledger.split`` (tabulated, see model.split_table).

Random numbers come in blocks of ``BLOCK`` replications with a stream per
source each, so results do not depend on how many blocks a worker gets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ledger.split import WHOLE, Policy
from simulation.model import (
    BLOCK,
    FAST,
    Paths,
    Start,
    clip_ages,
    grid,
    seasonal,
    split_table,
    streams,
)


@functools.lru_cache(maxsize=8)
def _tables(policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    table = split_table(policy)
    return np.ascontiguousarray(table[:, 1]), np.ascontiguousarray(table[:, 2])


class _Block:
    """The random numbers of one block of replications."""

    def __init__(self, seed: int, index: int, lo: int, hi: int, months: int, scenario):
        self.rng = streams(seed, FAST, index)
        self.cols = slice(lo, hi)
        n = hi - lo
        # State-independent draws come first and whole: the same seed gives
        # two scenarios the same prices, wipe-outs and storm months.
        self.z = self.rng["price"].standard_normal((months + 1, n))
        self.wipe = self.rng["weather"].random((months, n))
        self.storm = self.rng["storm"].random((months, n))


def run_fast(
    scenario,
    start: Start,
    years: int,
    seed: int,
    blocks: range,
    runs: int,
    on_month: Callable[[int], None] | None = None,
    trace: list | None = None,
) -> Paths:
    """Replications of ``blocks`` (BLOCK each, the last cut at ``runs``).

    Whole blocks are always simulated, so that the first n of ``runs``
    replications are the same whatever ``runs`` is.

    ``trace`` (for the benchmark) collects the arguments of every
    state-dependent random draw, so that the draws can be replayed alone."""
    s, g = scenario, grid(scenario, years)
    months, slots = g.months, g.end_age + 1
    offset = blocks.start * BLOCK
    parts = [
        _Block(seed, b, b * BLOCK - offset, (b + 1) * BLOCK - offset, months, s) for b in blocks
    ]
    width = parts[-1].cols.stop

    # Prices: AR(1) deviations in logs around a seasonal median.
    z = np.concatenate([p.z for p in parts], axis=1)
    innovation = s.price_volatility * np.sqrt(1 - s.price_persistence**2)
    log_price = np.empty_like(z)
    log_price[0] = x = s.price_volatility * z[0]
    for t in range(1, months + 1):
        x = s.price_persistence * x + innovation * z[t]
        log_price[t] = x
    log_price += seasonal(s, start.month, months)[:, None]
    price = np.maximum(1.0, np.floor(s.price_median * np.exp(log_price) + 0.5))
    kept = 1.0 - s.harvest_wipeout_loss
    factor = np.where(
        np.concatenate([p.wipe for p in parts], axis=1) < s.harvest_wipeout_probability,
        kept,
        1.0,
    )
    storm = np.concatenate([p.storm for p in parts], axis=1) < s.storms_probability
    storm_blocks = [storm[:, p.cols].any(axis=1) for p in parts]

    counts = np.zeros((slots, width), np.int64)
    for a in clip_ages(start, g):
        counts[-a % slots] += 1
    total = np.full(width, len(start.ages), np.int64)
    fund = np.full(width, start.fund, np.int64)
    share = np.zeros(width, np.int64)
    out_bagan = np.zeros((years + 1, width), np.int64)
    out_fund = np.zeros((years + 1, width), np.int64)
    out_share = np.zeros((years + 1, width), np.int64)
    monthly = np.zeros((months + 1, width), np.int64)
    first = np.full(width, -1, np.int64)
    built = np.zeros(width, np.int64)
    destroyed = np.zeros(width, np.int64)
    out_bagan[0], out_fund[0], monthly[0] = total, fund, total
    mtab, stab = _tables(start.policy)
    pm, ps = start.policy.members, start.policy.savings
    kg = np.empty(width)
    repairs = np.empty(width, np.int64)
    p_repair, p_destroy = s.bagan_repair_probability, s.storms_destroyed
    harvest_ages = np.asarray(g.harvest_ages)

    for t in range(1, months + 1):
        for p, hit in zip(parts, storm_blocks, strict=True):
            if hit[t - 1]:  # a storm somewhere in this block: thin those replications
                cols = np.flatnonzero(storm[t - 1, p.cols]) + p.cols.start
                lost = p.rng["storm"].binomial(counts[:, cols], p_destroy)
                if trace is not None:
                    trace.append((p, "storm", counts[:, cols].copy(), p_destroy))
                counts[:, cols] -= lost
                lost = lost.sum(axis=0)
                total[cols] -= lost
                destroyed[cols] += lost
        harvesting = counts[(t - harvest_ages) % slots].sum(axis=0)
        shape = harvesting * g.yield_shape
        for p in parts:
            repairs[p.cols] = p.rng["repair"].binomial(total[p.cols], p_repair)
            kg[p.cols] = p.rng["yield"].gamma(shape[p.cols], g.yield_scale)
            if trace is not None:
                trace.append((p, "repair", total[p.cols].copy(), p_repair))
                trace.append((p, "yield", shape[p.cols].copy(), g.yield_scale))
        gross = np.floor(kg * factor[t - 1] * price[t] + 0.5).astype(np.int64)
        net = gross - harvesting * g.harvest_cost
        shortfall = np.maximum(-net, 0)
        np.maximum(net, 0, out=net)
        q, r = np.divmod(net, WHOLE)
        share += q * pm + mtab[r]
        fund += q * ps + stab[r]
        fund -= np.minimum(fund, repairs * g.repair_cost + shortfall)
        old = (t + 1) % slots  # the slot at the end of its service life
        total -= counts[old]
        counts[old] = 0
        builds = np.clip((fund - g.reserve) // g.cost, 0, g.capacity)
        fund -= builds * g.cost
        counts[t % slots] = builds
        total += builds
        built += builds
        first[(first < 0) & (builds > 0)] = t
        monthly[t] = total
        if t % 12 == 0:
            y = t // 12
            out_bagan[y], out_fund[y], out_share[y] = total, fund, share
            share[:] = 0
        if on_month is not None:
            on_month(t)
    keep = slice(0, min(runs, blocks.stop * BLOCK) - offset)  # whole blocks run, cut here
    return Paths(
        bagan=out_bagan.T[keep].copy(),
        fund=out_fund.T[keep].copy(),
        members_share=out_share.T[keep].copy(),
        monthly_bagan=monthly.T[keep].copy(),
        first_build=first[keep],
        built=built[keep],
        destroyed=destroyed[keep],
    )
