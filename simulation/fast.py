"""The fast engine: the same model as ``reference``, stepping months over all
replications at once.

A bagan's life is a constant hazard, so bagan that harvest in the same month
of the cycle are interchangeable: each replication only counts its producing
bagan by that month (a ring of ``cycle`` slots) and its new bagan by the month
of their first harvest. Exact in distribution, not an approximation:

- the sum of n gamma(k, s) yields is gamma(n k, s): one draw per run and
  month for the whole harvests and one for the spoilt ones;
- each harvesting bagan independently spoilt, needing a repair or retiring:
  binomial counts per run, drawn by inversion of one uniform per run and
  month (``Counts``), whatever the chance, at the cost of a few array passes;
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

GUIDE = 256  # cells of the guide table: a power of 2, so that u x GUIDE is exact


@functools.lru_cache(maxsize=8)
def _tables(policy: Policy) -> np.ndarray:
    return np.ascontiguousarray(split_table(policy).T)


def uniform(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.random(shape)


def standard_gamma(rng: np.random.Generator, shape: np.ndarray, out: np.ndarray) -> np.ndarray:
    return rng.standard_gamma(shape, out=out)


def _draw(block, source: str, how, args: tuple, trace: list | None) -> np.ndarray:
    """One random draw; ``trace`` keeps it to be replayed alone."""
    if trace is not None:
        trace.append((block, source, how, tuple(np.copy(a) for a in args)))
    return how(block.rng[source], *args)


def _cdf(p: float, size: int) -> np.ndarray:
    """P(Binomial(n, p) <= k) for n, k < size, from log-factorials (no
    underflow for large n); exactly 1 from k = n on."""
    k = np.arange(size)
    logfact = np.concatenate(([0.0], np.cumsum(np.log(k[1:]))))
    n, k = k[:, None], k[None, :]
    below = k <= n
    m = np.where(below, n - k, 0)
    log_pmf = logfact[n] - logfact[k] - logfact[m] + k * math.log(p) + m * math.log1p(-p)
    cdf = np.minimum(np.cumsum(np.where(below, np.exp(log_pmf), 0.0), axis=1), 1.0)
    cdf[k >= n] = 1.0
    return cdf


class Counts:
    """Binomial(n[i], p) for every run i and every source's chance p, by
    inversion of one uniform per run: a table of the CDF for every n up to
    the largest seen and a guide table (Chen and Asau) giving each cell of
    [0, 1) its count, so that a few array passes count every run whatever
    n p; only a cell that holds a step of the CDF needs a search, from the
    count at the cell's middle. Exact up to the CDF's rounding.

    The uniforms do not depend on the state: drawn a year at a time, a
    stream per source and block, they give two scenarios run with the same
    seed common random numbers (and counts that move together with p)."""

    def __init__(self, chances: dict[str, float], parts: list, width: int, run_down: bool):
        self.chances = chances
        self.parts = parts
        self.stream = {s: s for s, p in chances.items() if 0 < p < 1}
        self.tabled = list(self.stream)
        if run_down:  # retirements for want of repairs: the retire stream's second draw
            self.stream["run down"] = "retire"
        self.u = {name: np.empty((12, width)) for name in self.stream}
        self.size = 0

    def draw_year(self, trace: list | None) -> None:
        """The uniforms of the next 12 months, by source and block."""
        for name, u in self.u.items():
            for b in self.parts:
                shape = (12, b.cols.stop - b.cols.start)
                u[:, b.cols] = _draw(b, self.stream[name], uniform, (shape,), trace)
            if name in self.tabled:
                u *= GUIDE  # exact: a power of 2

    def _grow(self, top: int) -> None:
        self.size = size = max(64, top + 1, 2 * self.size)
        edges = np.arange(2 * GUIDE + 1) / 2  # each cell's edges and middle
        self.cdf, self.guide = {}, {}
        for source in self.tabled:
            cdf = _cdf(self.chances[source], size) * GUIDE
            self.cdf[source] = cdf.ravel()
            # per cell, the count at its lower edge if the whole cell has it;
            # else ~(the count at its middle), where a search starts (a tail
            # cell holds many small steps: from an edge, a long search)
            first = np.stack([r.searchsorted(edges, side="right") for r in cdf])
            low, middle = first[:, 0:-1:2], first[:, 1::2]
            clean = low == np.minimum(first[:, 2::2], size - 1)
            self.guide[source] = np.where(clean, low, ~middle).ravel()

    def __call__(self, n: np.ndarray, month: int) -> list[np.ndarray]:
        if self.tabled and int(n.max()) >= self.size:
            self._grow(int(n.max()))
        cell = n * GUIDE
        out = []
        for source, p in self.chances.items():
            if source not in self.tabled:  # p is 0 or 1
                out.append(n.copy() if p >= 1 else np.zeros_like(n))
                continue
            u = self.u[source][month]
            k = self.guide[source].take(cell + u.astype(np.intp))
            split = np.flatnonzero(k < 0)
            if len(split):
                k[split] = self._search(source, n[split], u[split], ~k[split])
            out.append(k)
        return out

    def _search(self, source: str, n: np.ndarray, u: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The first k whose CDF exceeds u, up or down from the given ones."""
        row, cdf = n * self.size, self.cdf[source]
        up = np.flatnonzero(u >= cdf.take(row + k))
        while len(up):
            k[up] += 1
            up = up[u[up] >= cdf.take(row[up] + k[up])]
        down = np.flatnonzero((k > 0) & (u < cdf.take(row + k - 1)))
        while len(down):
            k[down] -= 1
            down = down[(k[down] > 0) & (u[down] < cdf.take(row[down] + k[down] - 1))]
        return k

    def run_down(self, n: np.ndarray, p: np.ndarray, month: int, at: np.ndarray) -> np.ndarray:
        """Binomial(n[i], p[i]) for the runs ``at``, p varying by run: a
        search up from 0 (p is small, the search short)."""
        u = self.u["run down"][month][at]
        f = (1.0 - p) ** n  # P(0); p < 1: a bagan lives more than a month
        cdf, odds, k = f.copy(), p / (1.0 - p), np.zeros_like(n)
        live = np.flatnonzero(u >= cdf)
        while len(live):
            k[live] += 1
            f[live] *= (n[live] - k[live] + 1) / k[live] * odds[live]
            cdf[live] += f[live]
            live = live[(u[live] >= cdf[live]) & (k[live] < n[live])]
        return k


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


def _yields(parts, slot, lost, g, buf: np.ndarray, kg: np.ndarray, trace) -> None:
    """The month's kg of every run before its season's scale: the sum of
    gamma yields is gamma, one draw per block for the whole harvests and the
    spoilt ones (``lost``; None if none can be)."""
    blocks = (len(parts), BLOCK)
    shapes, drawn = buf[0], buf[1]
    rows = 1 if lost is None else 2
    np.copyto(shapes[:, 0], slot.reshape(blocks))
    if lost is not None:
        shapes[:, 0] -= lost.reshape(blocks)
        np.copyto(shapes[:, 1], lost.reshape(blocks))
    shapes[:, :rows] *= g.yield_shape
    for i, p in enumerate(parts):
        _draw(p, "yield", standard_gamma, (shapes[i, :rows], drawn[i, :rows]), trace)
    whole = kg.reshape(blocks)
    if lost is None:
        np.copyto(whole, drawn[:, 0])
    else:
        drawn[:, 1] *= g.kept
        np.add(drawn[:, 0], drawn[:, 1], out=whole)


def _run_down(need, unpaid, i: int, money: np.ndarray, extra: float) -> tuple:
    """The runs whose fund left repairs undone in the last 12 months, and the
    chance that a kept-up survivor of theirs retires for want of repairs:
    ``extra`` times the share of that repair money left undone. ``money``:
    needed and undone by month (rows 0-11) and their sums (row 12)."""
    needed, undone = money
    needed[12] += need - needed[i]
    undone[12] += unpaid - undone[i]
    needed[i], undone[i] = need, unpaid
    at = np.flatnonzero(undone[12] > 0)
    return at, extra * undone[12][at] / np.maximum(needed[12][at], 1)


def _retire(gone, slot, total, to_rebuild, retired, at=slice(None)) -> None:
    """Take retired bagan (of the runs ``at``) off the ring, to be rebuilt."""
    slot[at] -= gone
    total[at] -= gone
    to_rebuild[at] += gone
    retired[at] += gone


def _build(money, room, to_rebuild, rebuilt, costs: tuple):
    """What one source spends: first rebuilding retired bagan, then new ones,
    within the ``room`` the month has left. Returns the new bagan, the money
    spent and the room left; counts the rebuilt ones. ``costs``: a new
    bagan's and a rebuild's, None if the same."""
    cost, rebuild_cost = costs
    if rebuild_cost is None:  # one count of what the money buys, rebuilds first
        n = np.minimum(room, money // cost)
        again = np.minimum(to_rebuild, n)
        to_rebuild -= again
        rebuilt += again
        return n - again, n * cost, room - n
    if not to_rebuild.any():  # nothing to rebuild: all the money can build
        more = np.minimum(room, money // cost)
        return more, more * cost, room - more
    again = np.minimum(to_rebuild, room)
    np.minimum(again, money // rebuild_cost, out=again)
    spent = again * rebuild_cost
    to_rebuild -= again
    rebuilt += again
    room = room - again
    more = np.minimum(room, (money - spent) // cost)
    spent += more * cost
    return more, spent, room - more


def _first_build(first, unbuilt, new, t: int) -> np.ndarray:
    """Set the month of the first new bagan of the runs that built one."""
    done = new[unbuilt] > 0
    first[unbuilt[done]] = t
    return unbuilt[~done]


def _whole_price(log_price: np.ndarray, median: int) -> np.ndarray:
    """max(1, floor(median exp(log_price) + 0.5)) in place: the arrays are large."""
    price = np.exp(log_price, out=log_price)
    price *= median
    price += 0.5
    np.floor(price, out=price)
    return np.maximum(price, 1.0, out=price)


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
    if params[:, 1:3].any():  # a run's own median and trend
        log_price += params[:, 1] + params[:, 2] * (np.arange(months + 1)[:, None] / 12)
    price = _whole_price(log_price, s.price_median)

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
    unbuilt = np.arange(width)
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
    reinvest, shu = s.finance_reinvest_share, s.finance_shu_share
    table = _tables(start.policy)
    points = np.asarray(start.policy.points(), np.int64)[:, None]
    split = np.empty((len(points) if shu else 3, width), np.int64)
    kg = np.empty(width)
    yields = np.empty((2, len(parts), 2, BLOCK))  # shapes and kg, whole and spoilt
    p_repair, p_loss = s.bagan_repair_probability, s.harvest_loss_probability
    chances = {"repair": p_repair, "loss": p_loss, "retire": g.retire_kept_up}
    counts = Counts(chances, parts, width, g.run_down_extra > 0)

    trend = params[:, 2]
    # repair money needed and left undone: the last 12 months, and their sums
    repair_money = np.zeros((2, 13, width), np.int64)
    # the runs whose kept-up survivors may retire for want of repairs, and that chance
    worn, chance = np.zeros(0, np.intp), np.zeros(0)
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
        if t % 12 == 1:
            counts.draw_year(trace)
        repairs, lost, gone = counts(slot, (t - 1) % 12)
        _yields(parts, slot, lost if p_loss > 0 else None, g, yields, kg, trace)
        kg *= yield_scale
        cost_of_harvests = slot * harvest_cost  # before retirements take bagan off
        if g.retire_kept_up > 0:
            _retire(gone, slot, total, to_rebuild, retired[0])
        if len(worn):  # only the runs whose fund left repairs undone
            gone = counts.run_down(slot[worn], chance, (t - 1) % 12, worn)
            _retire(gone, slot, total, to_rebuild, retired[1], worn)

        # the cooperative settles the month
        kg *= price[t]
        kg += 0.5
        net = kg.astype(np.int64)  # the gross, to the rupiah: truncation floors (kg >= 0)
        net -= cost_of_harvests
        short = net.min() < 0  # harvest costs the fund pays
        if short:
            shortfall = np.minimum(net, 0)
            net -= shortfall
        whole, rest = np.divmod(net, WHOLE)
        # manager, members, savings (and cooperative for the SHU); a row at a
        # time: a 2-d gather is slow
        np.multiply(whole, points[: len(split)], out=split)
        for row, tab in zip(split, table, strict=False):
            row += tab.take(rest)
        members = split[1]
        if reinvest:
            put_by = share_of(members, reinvest)
            members = members - put_by
            pools[2] += put_by
        fund += split[2]
        if shu:
            coop_year += split[3]
            if t % 12 == 0:
                pools[1] += share_of(coop_year, shu)
                coop_year[:] = 0
        # the fund pays repairs first; what it cannot pay is left undone
        need = repairs * repair_cost
        if short:
            need -= shortfall
        pay = np.minimum(fund, need)
        fund -= pay
        if g.run_down_extra > 0:
            worn, chance = _run_down(need, need - pay, t % 12, repair_money, g.run_down_extra)
        if t % 12 == 1 and g.capital:
            pools[0] += g.capital
        room = g.capacity  # what the month can still build (or rebuild)
        for k in sources:
            money = pools[k] if k < 3 else np.maximum(fund - g.reserve, 0)
            costs = (cost, None if g.cost == g.rebuild_cost else rebuild_cost)
            more, spent, room = _build(money, room, to_rebuild, rebuilt, costs)
            built[k] += more
            if k < 3:
                pools[k] -= spent
            else:
                fund -= spent
        new = g.capacity - room
        joining[t + g.first_harvest] += new
        total += new
        if len(unbuilt):  # the runs yet to build their first bagan
            unbuilt = _first_build(first, unbuilt, new, t)

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
