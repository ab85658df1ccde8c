"""The forecast API: run an engine, summarise the replications.

run_forecast(scenario, years=10, runs=2000, seed=...) -> Forecast
compare(a, b, ...) -> Comparison      (common random numbers)
sensitivity(scenario, ...) -> Tornado
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np

from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.split import WHOLE, Policy
from simulation.books import Calibration, Learnt, start_from_books
from simulation.fast import run_fast
from simulation.model import BLOCK, FINANCE, Paths, Start, grid, start_from_scenario
from simulation.reference import run_simpy
from simulation.scenario import PARAM_BY_KEY, PARAMS, Scenario, check, load_scenario

ENGINES = ("fast", "simpy")
DEFAULT_SEED = 2019
DEFAULT_RUNS = 2000
PERCENTILES = (5, 25, 50, 75, 95)
Progress = Callable[[float], None]


@attrs.frozen
class Bands:
    """Percentiles and mean of a quantity at each year end (index 0: the start)."""

    p5: tuple[float, ...]
    p25: tuple[float, ...]
    p50: tuple[float, ...]
    p75: tuple[float, ...]
    p95: tuple[float, ...]
    mean: tuple[float, ...]

    @classmethod
    def of(cls, values: np.ndarray, digits: int = 2) -> Bands:
        # "nearest": every percentile is an outcome that occurred (whole bagan, rupiah)
        q = np.percentile(values, PERCENTILES, axis=0, method="nearest")
        mean = np.round(values.mean(axis=0), digits)
        return cls(*(tuple(_num(v) for v in row) for row in (*q, mean)))

    def as_json(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in attrs.asdict(self).items()}


def _num(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)


@attrs.frozen
class Forecast:
    years: int
    runs: int
    seed: int
    engine: str
    workers: int
    scenario: Scenario
    start: Start
    calibration: Calibration | None
    paths: Paths
    bagan: Bands
    fund: Bands
    member_income_monthly: Bands
    household_income_monthly: Bands
    target: int | None
    p_target: tuple[float, ...] | None  # P(target reached by each year end)
    first_build_by_year: tuple[float, ...]  # P(first self-funded bagan by each year end)
    first_build_months: tuple[float, ...] | None  # its p5..p95 in months, among those built
    p_loss_year: tuple[float, ...]  # P(the year ends with fewer bagan than it began)
    p_any_loss_year: float
    p_more_bagan: float  # P(more bagan at the horizon than at the start)
    drivers: Drivers
    parameters: tuple[Learnt, ...]
    seconds: float

    def as_json(self) -> dict:
        return {
            "years": self.years,
            "runs": self.runs,
            "seed": self.seed,
            "engine": self.engine,
            "bagan": self.bagan.as_json(),
            "fund": self.fund.as_json(),
            "member_income_monthly": self.member_income_monthly.as_json(),
            "household_income_monthly": self.household_income_monthly.as_json(),
            "p_more_bagan": self.p_more_bagan,
            "drivers": self.drivers.as_json(),
            "parameters": {
                p.key: {"unit": p.unit or PARAM_BY_KEY[p.key].unit, **p.as_json()}
                for p in self.parameters
            },
            "p_target": list(self.p_target) if self.p_target is not None else None,
            "target_bagan": self.target,
            "first_bagan": {
                "p_by_year": list(self.first_build_by_year),
                "months": dict(
                    zip(
                        ("p5", "p25", "p50", "p75", "p95"),
                        self.first_build_months,
                        strict=True,
                    )
                )
                if self.first_build_months
                else None,
            },
            "p_loss_year": list(self.p_loss_year),
            "p_any_loss_year": self.p_any_loss_year,
            "start": {
                "source": self.start.source,
                "as_of": self.start.as_of.isoformat() if self.start.as_of else None,
                "bagan": self.start.bagan,
                "fund": self.start.fund,
                "members": self.start.members,
                "households": self.start.members,
                "managed_in_household": round(self.start.managed_in_household, 4),
                "policy": self.start.policy.as_dict(),
            },
            "calibration": self.calibration.as_json() if self.calibration else None,
            "workers": self.workers,
        }


def run_forecast(
    scenario: Scenario | str | Path | None = None,
    *,
    years: int = 10,
    runs: int = DEFAULT_RUNS,
    seed: int | None = DEFAULT_SEED,
    engine: str = "fast",
    workers: int = 1,
    target: int | None = None,
    books=None,
    progress: Progress | None = None,
    drivers: int = 3,
) -> Forecast:
    """Forecast ``years`` ahead over ``runs`` replications.

    ``books`` (``ledger.read_books``: the ledger's read API) gives the start
    and calibrates every parameter the books speak to; otherwise the
    scenario's start is used."""
    scenario = _scenario(scenario)
    seed = _check_run(years, runs, seed, engine, workers, target)
    start, scenario, calibration = _start(scenario, books)
    return _run(
        scenario,
        start,
        calibration,
        years,
        runs,
        seed,
        engine,
        workers,
        target,
        progress,
        drivers,
    )


def _run(scenario, start, calibration, years, runs, seed, engine, workers, target, progress, top=0):
    began = time.perf_counter()
    main = progress if progress is None or not top else (lambda f: progress(0.8 * f))
    paths = simulate(scenario, start, years, runs, seed, engine, workers, main)
    forecast = summarise(
        paths,
        scenario,
        start,
        calibration,
        years,
        seed,
        engine,
        workers,
        target,
        time.perf_counter() - began,
    )
    if top:
        rest = None if progress is None else (lambda f: progress(0.8 + 0.2 * f))
        runs = min(runs, DRIVER_RUNS)
        tornado = _tornado(scenario, start, calibration, years, runs, seed, "fast", 1, rest)
        drivers = attrs.evolve(forecast.drivers, top=tornado.bars[:top])
        forecast = attrs.evolve(forecast, drivers=drivers, seconds=time.perf_counter() - began)
    return forecast


def _scenario(scenario) -> Scenario:
    if scenario is None or isinstance(scenario, str | Path):
        return load_scenario(scenario)
    check(scenario)
    return scenario


def _check_run(years, runs, seed, engine, workers, target) -> int:
    if not 1 <= years <= 50:
        raise InvalidInput("years", msg("--years must be 1..50, not {years}.", years=years))
    if not 1 <= runs <= 1_000_000:
        raise InvalidInput("runs", msg("--runs must be 1..1000000, not {runs}.", runs=runs))
    if engine not in ENGINES:
        raise InvalidInput(
            "engine", msg("--engine must be fast or simpy, not {engine!r}.", engine=engine)
        )
    if not 1 <= workers <= 64:
        raise InvalidInput(
            "workers", msg("--workers must be 1..64, not {workers}.", workers=workers)
        )
    if target is not None and target < 0:
        raise InvalidInput(
            "target-bagan", msg("--target-bagan must not be negative ({target}).", target=target)
        )
    if seed is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    if seed < 0:
        raise InvalidInput("seed", msg("--seed must not be negative ({seed}).", seed=seed))
    return seed


def _start(scenario, books):
    if books is None:
        return start_from_scenario(scenario), scenario, None
    return start_from_books(books, scenario)


# ------------------------------------------------------------------ running
def simulate(
    scenario,
    start: Start,
    years: int,
    runs: int,
    seed: int,
    engine: str = "fast",
    workers: int = 1,
    progress: Progress | None = None,
    monthly: bool = False,
) -> Paths:
    """Per replication results; the same whatever ``workers`` is (``monthly``:
    keep every month's money and producing bagan)."""
    if engine == "fast":
        blocks = -(-runs // BLOCK)
        chunks = [range(b.start, b.stop) for b in _share(blocks, workers)]
        jobs = [(run_fast, (scenario, start, years, seed, c, runs)) for c in chunks]
    else:
        size = 20  # replications per job: frequent progress, results independent of it
        jobs = [
            (run_simpy, (scenario, start, years, seed, lo, min(size, runs - lo), monthly))
            for lo in range(0, runs, size)
        ]
    if workers == 1 or len(jobs) == 1:
        parts = []
        months = 12 * years
        for i, (fn, job) in enumerate(jobs):
            tick = None
            if progress and fn is run_fast:

                def tick(t, i=i):
                    progress((i + t / months) / len(jobs))

            parts.append(fn(*job, on_month=tick, monthly=monthly) if fn is run_fast else fn(*job))
            if progress:
                progress((i + 1) / len(jobs))
        return Paths.concat(parts)
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [
            pool.submit(fn, *job, **({"monthly": monthly} if fn is run_fast else {}))
            for fn, job in jobs
        ]
        for done, _ in enumerate(concurrent.futures.as_completed(futures), 1):
            if progress:
                progress(done / len(futures))
        return Paths.concat([f.result() for f in futures])


def _share(n: int, workers: int) -> list[range]:
    """n items in at most ``workers`` contiguous ranges."""
    k = min(n, workers)
    edges = [n * i // k for i in range(k + 1)]
    return [range(edges[i], edges[i + 1]) for i in range(k)]


@attrs.frozen
class Drivers:
    """Why the fleet changes: the mean over runs of bagan built from each
    financing source, rebuilt and retired by cause over the horizon, and the
    parameters that move the headline most (from a tornado)."""

    start: int
    end: float  # mean standing bagan at the horizon
    built: dict[str, float]  # by FINANCE source
    rebuilt: float
    retired: dict[str, float]  # kept up (worn or lost despite repairs), run down
    top: tuple[Bar, ...] = ()

    def as_json(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "built": self.built,
            "rebuilt": self.rebuilt,
            "retired": self.retired,
            "top_parameters": [
                {
                    "key": b.key,
                    "low": b.low,
                    "high": b.high,
                    "bagan": {"low": b.bagan[0], "high": b.bagan[1]},
                    "household_income_monthly": {"low": b.income[0], "high": b.income[1]},
                }
                for b in self.top
            ],
        }


def drivers_of(paths: Paths, start: Start) -> Drivers:
    def mean(values) -> float:
        return round(float(np.mean(values)), 2)

    return Drivers(
        start=start.bagan,
        end=mean(paths.bagan[:, -1]),
        built={k: mean(paths.built[:, i]) for i, k in enumerate(FINANCE)},
        rebuilt=mean(paths.rebuilt),
        retired={"kept_up": mean(paths.retired[:, 0]), "run_down": mean(paths.retired[:, 1])},
    )


def household_income(paths: Paths, start: Start) -> np.ndarray:
    """Rp per partner household per month in each year: the partners' share
    and the managers' share of the bagan managed from a partner household."""
    return (
        (paths.members_share + start.managed_in_household * paths.manager_share)
        / start.members
        / 12
    )


def parameters_of(scenario, calibration: Calibration | None) -> tuple[Learnt, ...]:
    if calibration is not None:
        return calibration.learnt
    return tuple(Learnt(p.key, getattr(scenario, p.field), p.source, p.basis) for p in PARAMS)


def summarise(
    paths,
    scenario,
    start,
    calibration,
    years,
    seed,
    engine,
    workers,
    target,
    seconds=0.0,
) -> Forecast:
    income = paths.members_share / start.members / 12
    household = household_income(paths, start)
    if start.income is not None:
        income[:, 0] = start.member_income
        household[:, 0] = start.income
    else:
        income[:, 0], household[:, 0] = expected_income(scenario, start)
    p_target = None
    if target is not None:
        reached = np.maximum.accumulate(paths.monthly_bagan >= target, axis=1)
        p_target = tuple(_p(reached[:, 12 * y]) for y in range(years + 1))
    built = paths.first_build
    by_year = tuple(_p((built >= 0) & (built <= 12 * y)) for y in range(years + 1))
    months = None
    if (built >= 0).any():
        months = tuple(_num(v) for v in np.percentile(built[built >= 0], PERCENTILES))
    loss = paths.bagan[:, 1:] < paths.bagan[:, :-1]
    return Forecast(
        years=years,
        runs=paths.runs,
        seed=seed,
        engine=engine,
        workers=workers,
        scenario=scenario,
        start=start,
        calibration=calibration,
        paths=paths,
        bagan=Bands.of(paths.bagan),
        fund=Bands.of(paths.fund, 0),
        member_income_monthly=Bands.of(np.round(income), 0),
        household_income_monthly=Bands.of(np.round(household), 0),
        target=target,
        p_target=p_target,
        first_build_by_year=by_year,
        first_build_months=months,
        p_loss_year=(0.0, *(_p(loss[:, y]) for y in range(years))),
        p_any_loss_year=_p(loss.any(axis=1)),
        p_more_bagan=_p(paths.bagan[:, -1] > start.bagan),
        drivers=drivers_of(paths, start),
        parameters=parameters_of(scenario, calibration),
        seconds=seconds,
    )


def _p(flags: np.ndarray) -> float:
    return round(float(np.mean(flags)), 4)


def expected_income(scenario, start: Start) -> tuple[float, float]:
    """Partners' share and household income per household per month that
    the starting bagan earn on average (no ledger)."""
    g = grid(scenario, 1)
    kg = scenario.harvest_yield_kg * (
        1 - scenario.harvest_loss_probability * scenario.harvest_loss_fraction
    )
    net = max(0.0, kg * scenario.price_median - g.harvest_cost)
    per_month = start.bagan * net / g.cycle / start.members
    members = per_month * start.policy.members / WHOLE
    manager = per_month * start.policy.manager / WHOLE
    return members, members + start.managed_in_household * manager


# ------------------------------------------------------------------ compare
@attrs.frozen
class Difference:
    """B - A of a quantity's mean at each year end, with its Monte Carlo error."""

    a: tuple[float, ...]
    b: tuple[float, ...]
    diff: tuple[float, ...]
    se: tuple[float, ...]  # standard error of diff (paired: common random numbers)
    se_independent: tuple[float, ...]  # what it would be without common random numbers

    @classmethod
    def of(cls, a: np.ndarray, b: np.ndarray) -> Difference:
        n = len(a)
        d = b - a
        return cls(
            a=tuple(_num(v) for v in a.mean(0)),
            b=tuple(_num(v) for v in b.mean(0)),
            diff=tuple(_num(v) for v in d.mean(0)),
            se=tuple(_num(v) for v in d.std(0, ddof=1) / np.sqrt(n)),
            se_independent=tuple(
                _num(v) for v in np.sqrt((a.var(0, ddof=1) + b.var(0, ddof=1)) / n)
            ),
        )

    def as_json(self) -> dict:
        return {k: list(v) for k, v in attrs.asdict(self).items()}


@attrs.frozen
class Comparison:
    a: Forecast
    b: Forecast
    names: tuple[str, str]
    bagan: Difference
    fund: Difference
    household_income_monthly: Difference

    def as_json(self) -> dict:
        return {
            "years": self.a.years,
            "runs": self.a.runs,
            "seed": self.a.seed,
            "engine": self.a.engine,
            "a": self.names[0],
            "b": self.names[1],
            "bagan": self.bagan.as_json(),
            "fund": self.fund.as_json(),
            "household_income_monthly": self.household_income_monthly.as_json(),
        }


def compare(
    a,
    b,
    *,
    years: int = 10,
    runs: int = DEFAULT_RUNS,
    seed: int | None = DEFAULT_SEED,
    engine: str = "fast",
    workers: int = 1,
    books=None,
    progress: Progress | None = None,
) -> Comparison:
    """Scenario B against A on common random numbers (same seed, same streams)."""
    names = (str(a), str(b))
    seed = _check_run(years, runs, seed, engine, workers, None)
    runs_of = []
    for i, sc in enumerate((a, b)):
        part = None if progress is None else (lambda f, i=i: progress((i + f) / 2))
        runs_of.append(
            run_forecast(
                sc,
                years=years,
                runs=runs,
                seed=seed,
                engine=engine,
                workers=workers,
                books=books,
                progress=part,
            )
        )
    fa, fb = runs_of
    ia = household_income(fa.paths, fa.start)
    ib = household_income(fb.paths, fb.start)
    ia[:, 0] = fa.household_income_monthly.mean[0]
    ib[:, 0] = fb.household_income_monthly.mean[0]
    return Comparison(
        a=fa,
        b=fb,
        names=names,
        bagan=Difference.of(fa.paths.bagan.astype(float), fb.paths.bagan.astype(float)),
        fund=Difference.of(fa.paths.fund.astype(float), fb.paths.fund.astype(float)),
        household_income_monthly=Difference.of(ia, ib),
    )


# -------------------------------------------------------------- sensitivity
SENSITIVE = (
    "harvest.yield_kg",
    "price.median",
    "harvest.cycle_months",
    "harvest.costs",
    "harvest.loss_probability",
    "bagan.cost",
    "bagan.life_years",
    "bagan.repair_probability",
    "bagan.repair_cost",
    "policy.savings",
)
DRIVER_RUNS = 400  # runs of the small tornado behind a forecast's drivers
SWING = 0.2  # each parameter moved 20 % down and up, held to its range


@attrs.frozen
class Bar:
    key: str
    low: float
    high: float
    bagan: tuple[float, float]  # mean bagan at the horizon, parameter low / high
    income: tuple[float, float]  # mean household income/month in the last year

    @property
    def swing(self) -> float:
        return abs(self.bagan[1] - self.bagan[0])

    def weight(self, base_bagan: float, base_income: float) -> float:
        """The larger relative swing of the two headlines."""
        return max(
            abs(self.bagan[1] - self.bagan[0]) / max(base_bagan, 1.0),
            abs(self.income[1] - self.income[0]) / max(base_income, 1.0),
        )


@attrs.frozen
class Tornado:
    years: int
    runs: int
    seed: int
    engine: str
    base_bagan: float
    base_income: float
    bars: tuple[Bar, ...]  # widest swing of bagan first

    def as_json(self) -> dict:
        return {
            "years": self.years,
            "runs": self.runs,
            "seed": self.seed,
            "engine": self.engine,
            "swing": SWING,
            "base": {
                "bagan": self.base_bagan,
                "household_income_monthly": self.base_income,
            },
            "parameters": [
                {
                    "key": b.key,
                    "low": b.low,
                    "high": b.high,
                    "bagan": {"low": b.bagan[0], "high": b.bagan[1]},
                    "household_income_monthly": {"low": b.income[0], "high": b.income[1]},
                }
                for b in self.bars
            ],
        }


def moved(scenario: Scenario, start: Start, key: str, factor: float):
    """``scenario`` and ``start`` with ``key`` times ``factor``, held to its
    range; the savings share moves against the members' share."""
    if key == "policy.savings":
        p = start.policy
        savings = min(p.savings + p.members, max(0, round(p.savings * factor)))
        policy = Policy(p.manager, p.members + p.savings - savings, savings, p.cooperative)
        return scenario, attrs.evolve(start, policy=policy), savings / 100
    param = PARAM_BY_KEY[key]
    value = min(max(getattr(scenario, param.field) * factor, param.low), param.high)
    value = round(value) if param.integer else value
    return attrs.evolve(scenario, **{param.field: value}), start, value


def sensitivity(
    scenario=None,
    *,
    years: int = 10,
    runs: int = DEFAULT_RUNS,
    seed: int | None = DEFAULT_SEED,
    engine: str = "fast",
    workers: int = 1,
    books=None,
    progress: Progress | None = None,
) -> Tornado:
    """A tornado: each main parameter 20 % down and up, on common random numbers."""
    scenario = _scenario(scenario)
    seed = _check_run(years, runs, seed, engine, workers, None)
    start, scenario, calibration = _start(scenario, books)  # calibrated once
    return _tornado(scenario, start, calibration, years, runs, seed, engine, workers, progress)


def _tornado(scenario, start, calibration, years, runs, seed, engine, workers, progress):
    total = 1 + 2 * len(SENSITIVE)
    done = [0]

    def one(sc, st):
        part = None if progress is None else (lambda f: progress((done[0] + f) / total))
        paths = simulate(sc, st, years, runs, seed, engine, workers, part)
        done[0] += 1
        income = household_income(paths, st)[:, -1]
        return round(float(paths.bagan[:, -1].mean()), 2), round(float(income.mean()), 0)

    base = one(scenario, start)
    bars = []
    for key in SENSITIVE:
        lo_sc, lo_st, lo = moved(scenario, start, key, 1 - SWING)
        hi_sc, hi_st, hi = moved(scenario, start, key, 1 + SWING)
        (bl, il), (bh, ih) = one(lo_sc, lo_st), one(hi_sc, hi_st)
        bars.append(Bar(key=key, low=_num(lo), high=_num(hi), bagan=(bl, bh), income=(il, ih)))
    bars.sort(key=lambda b: (-b.weight(*base), b.key))
    return Tornado(
        years=years,
        runs=runs,
        seed=seed,
        engine=engine,
        base_bagan=base[0],
        base_income=base[1],
        bars=tuple(bars),
    )
