"""Forecast engines: fast (numpy cohorts) against SimPy, against its own
random draws, and against a plain numpy baseline of the same size: one
binomial and one gamma per replication and month, in blocks, which is what
the previous engine drew (its repairs and its yields) and about what it cost.
Everything runs on the same scenario in the same process.

The scenario is the prototype's setting of notes/forecast.md (about 90 bagan
kept up for 10 years: the default scenario with a 14 % savings share); the
default scenario (90 bagan kept up by the repair fund) is reported too.
"""

from __future__ import annotations

import time

import attrs
import numpy as np

from benchmarks import engine
from ledger.split import Policy
from simulation.fast import run_fast
from simulation.forecast import simulate
from simulation.model import BLOCK, FAST, grid, start_from_scenario, streams
from simulation.reference import run_simpy
from simulation.scenario import Scenario

YEARS = 10
SEED = 7


def bench_scenario() -> Scenario:
    return attrs.evolve(Scenario(), policy=Policy(3000, 5400, 1400, 200))


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def replay_draws(trace: list) -> None:
    """The state-dependent draws of a traced run, from fresh streams."""
    for block, source, how, args in trace:
        how(block.rng[source], *args)


def draws_alone(scenario, start, runs: int) -> float:
    """Seconds to draw the fast engine's random numbers and nothing else."""
    from simulation.fast import _Block

    trace: list = []
    run_fast(scenario, start, YEARS, SEED, range(-(-runs // BLOCK)), runs, trace=trace)
    blocks = {id(b): b for b, *_ in trace}

    def go() -> None:
        fresh = {
            key: _Block(SEED, i, 0, BLOCK, 12 * YEARS, scenario) for i, key in enumerate(blocks)
        }  # the state-independent draws, made up front like the engine does
        replay_draws([(fresh[id(b)], k, a, p) for b, k, a, p in trace])

    return _best(go)


def baseline(scenario, start, runs: int) -> float:
    """Seconds for a binomial (repairs) and a gamma (yields) per replication
    and month, a block at a time, of the scenario's harvesting bagan."""
    g = grid(scenario, YEARS)
    harvesting = np.full(BLOCK, max(1, start.bagan // g.cycle), np.int64)
    blocks = [streams(SEED, FAST, i) for i in range(-(-runs // BLOCK))]

    def go() -> None:
        for _ in range(g.months):
            for rng in blocks:
                rng["repair"].binomial(harvesting, scenario.bagan_repair_probability)
                rng["yield"].gamma(harvesting * g.yield_shape, g.yield_scale)

    return _best(go)


def measure(scenario, runs_fast: int = 10_000, runs_simpy: int = 40) -> dict:
    start = start_from_scenario(scenario)
    blocks = range(-(-runs_fast // BLOCK))
    run_fast(scenario, start, YEARS, SEED, blocks, runs_fast)  # warm (split table)
    fast = _best(lambda: run_fast(scenario, start, YEARS, SEED, blocks, runs_fast))
    simpy = _best(lambda: run_simpy(scenario, start, YEARS, SEED, 0, runs_simpy), 1)
    draws = draws_alone(scenario, start, runs_fast)
    plain = baseline(scenario, start, runs_fast)
    return {
        "fast_reps_s": runs_fast / fast,
        "simpy_reps_s": runs_simpy / simpy,
        "draws_reps_s": runs_fast / draws,
        "baseline_reps_s": runs_fast / plain,
    }


def main() -> None:
    print(f"forecast engines, {YEARS} years, one process each (reps/s = replications/s)")
    for name, scenario in (
        ("bench (steady ~80 bagan)", bench_scenario()),
        ("default (90 bagan kept up)", Scenario()),
    ):
        m = measure(scenario)
        print(f"  {name}:")
        print(f"    fast   {m['fast_reps_s']:10,.0f} reps/s")
        print(f"    simpy  {m['simpy_reps_s']:10,.1f} reps/s")
        print(
            f"    numpy baseline (a binomial + a gamma a run-month) {m['baseline_reps_s']:,.0f} reps/s"
        )
        vs_simpy = m["fast_reps_s"] / m["simpy_reps_s"]
        vs_draws = m["fast_reps_s"] / m["draws_reps_s"]
        vs_plain = m["fast_reps_s"] / m["baseline_reps_s"]
        print(f"    fast / simpy           {vs_simpy:8.0f}x  (target >= 400x)")
        print(f"    fast / draws alone     {vs_draws:8.2f}   (target >= 0.6)")
        print(f"    fast / numpy baseline  {vs_plain:8.2f}   (the previous engine: ~0.37)")
    scenario = bench_scenario()
    start = start_from_scenario(scenario)
    for workers in (1, 2):
        seconds = _best(lambda w=workers: simulate(scenario, start, YEARS, 10_000, SEED, "fast", w))
        print(
            f"  10,000 runs x {YEARS} years, fast engine, {workers} worker(s): "
            f"{seconds:.3f} s  (target < 1 s on 2 cores)"
        )
    engine.main()


if __name__ == "__main__":
    main()
