"""The fast engine: the same model as ``reference``, stepping months over all
replications at once.

A bagan's life is a constant hazard, so bagan that harvest in the same month
of the cycle are interchangeable: each replication only counts its producing
bagan by that month (a ring of ``cycle`` slots) and its new bagan by the month
of their first harvest. Exact in distribution, not an approximation:

- the sum of n gamma(k, s) yields is gamma(n k, s): one draw per run and
  month for the whole harvests and one for the spoilt ones;
- each harvesting bagan independently spoilt, needing a repair or retiring:
  binomial counts per run, drawn as the successes among all the block's
  harvesting bagan laid end to end (geometric gaps), so that rare events cost
  little and a draw whose chance is 0 costs nothing;
- one lot per month split by ``ledger.split`` (tabulated, see model.split_table).

Random numbers come in blocks of ``BLOCK`` replications with a stream per
source each, so results do not depend on how many blocks a worker gets.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

from ledger.split import WHOLE, Policy
from simulation.model import (
    BLOCK,
    FAST,
    FINANCE,
    Paths,
    Start,
    grid,
    run_parameters,
    seasonal,
    share_of,
    split_table,
    streams,
)


@functools.lru_cache(maxsize=8)
def _tables(policy: Policy) -> np.ndarray:
    return np.ascontiguousarray(split_table(policy).T)


def exponential(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.standard_exponential(size)


def _gaps(drawn: np.ndarray, p: float) -> np.ndarray:
    """floor(E/l) + 1 with E exponential and l = -log(1-p): geometric(p)
    exactly, the number of trials up to and including the next success."""
    drawn *= -1.0 / math.log1p(-p)
    np.floor(drawn, out=drawn)
    drawn += 1
    return drawn


def standard_gamma(rng: np.random.Generator, shape: np.ndarray) -> np.ndarray:
    return rng.standard_gamma(shape)


def binomial(rng: np.random.Generator, n: np.ndarray, p) -> np.ndarray:
    return rng.binomial(n, p)


def _draw(block, source: str, how, args: tuple, trace: list | None) -> np.ndarray:
    """One state-dependent draw; ``trace`` keeps it to be replayed alone."""
    if trace is not None:
        trace.append((block, source, how, tuple(np.copy(a) for a in args)))
    return how(block.rng[source], *args)


class Trials:
    """The harvesting bagan of a month laid end to end, run after run: a
    success at trial i belongs to run ``owner[i]``."""

    def __init__(self, n: np.ndarray):
        self.n = n
        self.ends = np.cumsum(n)
        self._owner = None

    @property
    def owner(self) -> np.ndarray:
        if self._owner is None:
            self._owner = np.repeat(np.arange(len(self.n)), self.n)
        return self._owner


def counts(parts: list, source: str, trials: Trials, p: float, trace: list | None) -> np.ndarray:
    """Binomial(n[i], p) for every run i, independent and exact: each success
    among the trials of a block counted to its run. Rare successes (a
    retirement, a spoilt harvest, a repair not needed) so cost far less than
    a binomial per run. Each block decides from its own trials alone, so
    results do not depend on the workers."""
    n, ends = trials.n, trials.ends
    if p <= 0:
        return np.zeros_like(n)
    if p >= 1:
        return n.copy()
    if p > 0.5:
        return n - counts(parts, source, trials, 1.0 - p, trace)
    gapped, drawn, binomials = [], [], []
    for b in parts:
        c = b.cols
        lo = int(ends[c.start - 1]) if c.start else 0
        total = int(ends[c.stop - 1]) - lo
        mean = total * p
        # a success costs a few ns, a binomial ~70 ns: past ~6 successes a run, a binomial each
        if mean > 6 * (c.stop - c.start):
            binomials.append((c, _draw(b, source, binomial, (n[c], p), trace)))
            continue
        size = int(mean + 4 * math.sqrt(mean)) + 8
        gapped.append((b, lo, total, size))
        drawn.append(_gaps(_draw(b, source, exponential, (size,), trace), p))
    if not gapped:
        out = np.empty_like(n)
    else:
        out = np.bincount(
            trials.owner[_successes(gapped, drawn, p, source, trace)], minlength=len(n)
        )
    for c, drawn_counts in binomials:
        out[c] = drawn_counts
    return out


def _successes(gapped: list, drawn: list, p: float, source: str, trace: list | None) -> np.ndarray:
    """The trials (0-based among the month's) at which the blocks' gaps end.
    A handful of blocks: their bookkeeping in plain Python is the cheaper."""
    sums = [float(d.sum()) for d in drawn]
    for k, (b, _, total, size) in enumerate(gapped):
        more = [drawn[k]]
        while sums[k] <= total:  # rare: too few drawn, draw on
            more.append(_gaps(_draw(b, source, exponential, (size,), trace), p))
            sums[k] += float(more[-1].sum())
        if len(more) > 1:
            drawn[k] = np.concatenate(more)
    # each block's first gap also steps over the trials of the blocks before:
    # one running sum then gives every success its trial among the month's
    firsts, steps, a, reached = [], [], 0, 0.0
    for (_, lo, _, _), d, s in zip(gapped, drawn, sums, strict=True):
        firsts.append(a)
        steps.append(lo - 1 - reached)
        a, reached = a + len(d), lo - 1 + s
    at = np.concatenate(drawn)
    at[firsts] += steps
    np.cumsum(at, out=at)
    keep = [
        at[a : a + int(at[a : a + len(d)].searchsorted(lo + total - 1, side="right"))]
        for a, d, (_, lo, total, _) in zip(firsts, drawn, gapped, strict=True)
    ]
    return np.concatenate(keep, dtype=np.intp, casting="unsafe")


class _Block:
    """The random numbers of one block of replications."""

    def __init__(self, seed: int, index: int, lo: int, hi: int, months: int, scenario):
        self.rng = streams(seed, FAST, index)
        self.cols = slice(lo, hi)
        n = hi - lo
        # State-independent draws come first and whole: the same seed gives
        # two scenarios the same prices and the same per-run parameters.
        self.params = run_parameters(scenario, self.rng["params"], n, months // 12)
        self.z = self.rng["price"].standard_normal((months + 1, n))


def run_fast(
    scenario,
    start: Start,
    years: int,
    seed: int,
    blocks: range,
    runs: int,
    on_month: Callable[[int], None] | None = None,
    trace: list | None = None,
    monthly: bool = False,
) -> Paths:
    """Replications of ``blocks`` (BLOCK each, the last cut at ``runs``).

    Whole blocks are always simulated, so that the first n of ``runs``
    replications are the same whatever ``runs`` is.

    ``trace`` (for the benchmark) collects the arguments of every
    state-dependent random draw, so that the draws can be replayed alone.
    ``monthly``: keep every month's money and producing bagan (the backtest
    needs them); otherwise only the standing bagan of each month."""
    s, g = scenario, grid(scenario, years)
    months, cycle = g.months, g.cycle
    offset = blocks.start * BLOCK
    parts = [
        _Block(seed, b, b * BLOCK - offset, (b + 1) * BLOCK - offset, months, s) for b in blocks
    ]
    width = parts[-1].cols.stop
    params = np.concatenate([p.params for p in parts])
    # the mean yield of each run and model year (columns: years)
    seasons = g.yield_scale * np.exp(params[:, :1] + params[:, 3:]).T.copy()

    # Prices: AR(1) deviations in logs around a seasonal, trending median.
    z = np.concatenate([p.z for p in parts], axis=1)
    innovation = s.price_volatility * np.sqrt(1 - s.price_persistence**2)
    log_price = np.empty_like(z)
    log_price[0] = x = s.price_volatility * z[0]
    for t in range(1, months + 1):
        x = s.price_persistence * x + innovation * z[t]
        log_price[t] = x
    log_price += seasonal(s, start.month, months)[:, None]
    log_price += params[:, 1] + params[:, 2] * (np.arange(months + 1)[:, None] / 12)
    price = np.maximum(1.0, np.floor(s.price_median * np.exp(log_price) + 0.5))

    ring = np.zeros((cycle, width), np.int64)  # producing bagan by harvest month mod cycle
    joining = np.zeros((months + g.first_harvest + 1, width), np.int64)  # by first harvest
    for m in start.next_harvest:
        joining[m] += 1
    total = np.full(width, start.bagan, np.int64)
    fund = np.full(width, start.fund, np.int64)
    pools = np.zeros((len(FINANCE) - 1, width), np.int64)  # capital, cooperative, partners
    to_rebuild = np.zeros(width, np.int64)
    coop_year = np.zeros(width, np.int64)
    out = {
        "bagan": np.zeros((years + 1, width), np.int64),
        "fund": np.zeros((years + 1, width), np.int64),
        "members_share": np.zeros((years + 1, width), np.int64),
        "manager_share": np.zeros((years + 1, width), np.int64),
    }
    detail = ("producing", "members", "manager", "savings", "fund")
    each_month = {
        k: np.zeros((months + 1 if k == "bagan" or monthly else 0, width), np.int64)
        for k in ("bagan", *detail)
    }
    first = np.full(width, -1, np.int64)
    built = np.zeros((len(FINANCE), width), np.int64)
    rebuilt = np.zeros(width, np.int64)
    retired = np.zeros((2, width), np.int64)
    out["bagan"][0] = each_month["bagan"][0] = total
    out["fund"][0] = fund
    if monthly:
        each_month["producing"][0] = sum(1 for m in start.next_harvest if m <= g.cycle)
        each_month["fund"][0] = fund
    year_members = np.zeros(width, np.int64)
    year_manager = np.zeros(width, np.int64)
    table = _tables(start.policy)
    points = np.asarray(start.policy.points(), np.int64)[:, None]
    split = np.empty((len(points), width), np.int64)
    kg = np.empty(width)
    p_repair, p_loss = s.bagan_repair_probability, s.harvest_loss_probability
    reinvest, shu = s.finance_reinvest_share, s.finance_shu_share
    gone_worn = np.zeros(width, np.int64)

    trend = params[:, 2]
    needed = np.zeros((12, width), np.int64)  # repair money needed, last 12 months
    unpaid = np.zeros((12, width), np.int64)  # of which left undone
    needed_sum = np.zeros(width, np.int64)
    unpaid_sum = np.zeros(width, np.int64)
    run_down = np.zeros(width)  # chance a kept-up survivor retires for want of repairs
    # sources that can hold money: the levers in use, and always the savings fund
    sources = [k for k, on in enumerate((g.capital, shu, reinvest)) if on] + [3]
    base_costs = np.array([[g.harvest_cost], [g.repair_cost], [g.cost], [g.rebuild_cost]], float)
    steady = not trend.any()
    if steady:  # no trend: the costs of month 0 throughout (scalars: cheap to divide by)
        harvest_cost, repair_cost, cost, rebuild_cost = (np.int64(c[0]) for c in base_costs)
    for t in range(1, months + 1):
        if not steady:
            grown = np.floor(base_costs * np.exp(trend * (t / 12)) + 0.5).astype(np.int64)
            harvest_cost, repair_cost, cost, rebuild_cost = grown
        yield_scale = seasons[(t - 1) // 12]
        slot = ring[t % cycle]
        slot += joining[t]
        worn = run_down.any()
        gone_worn[:] = 0
        trials = Trials(slot)
        repairs = counts(parts, "repair", trials, p_repair, trace)
        lost = counts(parts, "loss", trials, p_loss, trace)
        shapes = np.multiply((slot - lost, lost), g.yield_shape) if p_loss > 0 else None
        for p in parts:
            c = p.cols
            if p_loss > 0:  # whole and spoilt harvests in one call
                whole, spoilt = _draw(p, "yield", standard_gamma, (shapes[:, c],), trace)
                np.multiply(spoilt, g.kept, out=spoilt)
                np.add(whole, spoilt, out=kg[c])
            else:
                kg[c] = _draw(p, "yield", standard_gamma, (slot[c] * g.yield_shape,), trace)
        gone = counts(parts, "retire", trials, g.retire_kept_up, trace)
        if worn:  # only the runs whose fund left repairs undone
            for p in parts:
                c = p.cols
                idx = np.flatnonzero(run_down[c]) + c.start
                if len(idx) == 0:
                    continue
                gone_worn[idx] = _draw(
                    p, "retire", binomial, (slot[idx] - gone[idx], run_down[idx]), trace
                )
        kg *= yield_scale
        harvesting = slot.copy()
        if g.retire_kept_up > 0 or worn:
            out_now = gone + gone_worn if worn else gone
            slot -= out_now
            total -= out_now
            to_rebuild += out_now
            retired[0] += gone
            if worn:
                retired[1] += gone_worn

        # the cooperative settles the month
        gross = np.floor(kg * price[t] + 0.5).astype(np.int64)
        net = gross - harvesting * harvest_cost
        shortfall = np.maximum(-net, 0)
        np.maximum(net, 0, out=net)
        whole = net // WHOLE
        rest = net - whole * WHOLE
        # manager, members, savings, cooperative; a row at a time: a 2-d gather is slow
        np.multiply(whole, points, out=split)
        for row, tab in zip(split, table, strict=True):
            row += tab.take(rest)
        put_by = share_of(split[1], reinvest) if reinvest else 0
        members = split[1] - put_by
        pools[2] += put_by
        fund += split[2]
        coop_year += split[3]
        # the fund pays repairs first; what it cannot pay is left undone
        need = repairs * repair_cost + shortfall
        pay = np.minimum(fund, need)
        fund -= pay
        i = t % 12
        needed_sum += need - needed[i]
        unpaid_sum += (need - pay) - unpaid[i]
        needed[i], unpaid[i] = need, need - pay
        run_down = g.run_down_extra * unpaid_sum / np.maximum(needed_sum, 1)
        if t % 12 == 0 and shu:
            pools[1] += share_of(coop_year, shu)
        if t % 12 == 0:
            coop_year[:] = 0
        if t % 12 == 1 and g.capital:
            pools[0] += g.capital
        room = np.full(width, g.capacity, np.int64)
        new = np.zeros(width, np.int64)
        for k in sources:
            money = pools[k] if k < 3 else np.maximum(fund - g.reserve, 0)
            if to_rebuild.any():
                n = np.minimum(np.minimum(to_rebuild, room), money // rebuild_cost)
                spent = n * rebuild_cost
                to_rebuild -= n
                rebuilt += n
                room -= n
                more = np.minimum(room, (money - spent) // cost)
                spent += more * cost
                new += n
            else:  # nothing to rebuild: all the money can build
                more = np.minimum(room, money // cost)
                spent = more * cost
            room -= more
            built[k] += more
            if k < 3:
                pools[k] -= spent
            else:
                fund -= spent
            new += more
        joining[t + g.first_harvest] += new
        total += new
        first[(first < 0) & (new > 0)] = t

        year_members += members
        year_manager += split[0]
        each_month["bagan"][t] = total
        if monthly:
            each_month["producing"][t] = ring.sum(axis=0)
            each_month["members"][t] = members
            each_month["manager"][t] = split[0]
            each_month["savings"][t] = split[2]
            each_month["fund"][t] = fund
        if t % 12 == 0:
            y = t // 12
            out["bagan"][y], out["fund"][y] = total, fund
            out["members_share"][y], out["manager_share"][y] = year_members, year_manager
            year_members[:] = 0
            year_manager[:] = 0
        if on_month is not None:
            on_month(t)
    keep = slice(0, min(runs, blocks.stop * BLOCK) - offset)  # whole blocks run, cut here
    return Paths(
        **{k: v.T[keep].copy() for k, v in out.items()},
        **{f"monthly_{k}": v.T[keep].copy() for k, v in each_month.items()},
        first_build=first[keep],
        built=built.T[keep].copy(),
        rebuilt=rebuilt[keep],
        retired=retired.T[keep].copy(),
    )
