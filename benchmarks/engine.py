"""The fast engine against the engine of commit b877752 (before the richer
model of issue 12), in the same run: same scenarios, same number of bagan,
replications and years. Target: new/old >= 1.0.

Each engine runs in a child process of its own (the old one from its own
source tree, taken with ``git archive``), warmed up, and times one run when
asked. The parent asks the two in turn, so both see the same load from the
rest of the machine; times are CPU seconds (time.process_time) and the ratio
is of the medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

OLD = "b877752"
ROOT = Path(__file__).resolve().parents[1]
YEARS = 10
RUNS = 10_000
SEED = 7
ROUNDS = 7

# Runs inside each child; its working directory and PYTHONPATH are the tree
# of the engine to time, so ``simulation`` and ``ledger`` come from there.
CHILD = """
import json, sys, time
import attrs
from ledger.split import Policy
from simulation.fast import run_fast
from simulation.model import BLOCK, start_from_scenario
from simulation.scenario import Scenario

years, runs, seed = (int(a) for a in sys.argv[1:4])
scenarios = {
    "bench": attrs.evolve(Scenario(), policy=Policy(3000, 5400, 1400, 200)),
    "default": Scenario(),
}
blocks = range(-(-runs // BLOCK))
for s in scenarios.values():  # warm: split tables, first-touch memory
    run_fast(s, start_from_scenario(s), years, seed, blocks, runs)
print(json.dumps({k: s.start_bagan for k, s in scenarios.items()}), flush=True)
for line in sys.stdin:
    s = scenarios[line.strip()]
    start = start_from_scenario(s)
    began = time.process_time()
    run_fast(s, start, years, seed, blocks, runs)
    print(time.process_time() - began, flush=True)
"""


def _old_tree(into: Path) -> Path:
    """The simulation and ledger packages as they were at OLD."""
    archive = into / "old.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", OLD, "simulation", "ledger"],
            stdout=out,
            check=True,
        )
    tree = into / "old"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


class Child:
    """One engine in its own process, timing a run on request."""

    def __init__(self, tree: Path):
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(YEARS), str(RUNS), str(SEED)],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.bagan = json.loads(self._line())

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the engine in {self.proc.args} stopped")
        return line

    def time(self, scenario: str) -> float:
        self.proc.stdin.write(scenario + "\n")
        self.proc.stdin.flush()
        return float(self._line())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def measure(rounds: int = ROUNDS) -> dict:
    """CPU seconds of every timed run, by scenario and engine."""
    with tempfile.TemporaryDirectory() as tmp:
        engines = {"old": Child(_old_tree(Path(tmp))), "new": Child(ROOT)}
        try:
            if engines["old"].bagan != engines["new"].bagan:
                raise RuntimeError(f"not the same start: {engines['old'].bagan}")
            times = {s: {"old": [], "new": []} for s in engines["new"].bagan}
            for r in range(rounds):
                order = ("old", "new") if r % 2 == 0 else ("new", "old")
                for s in times:
                    for e in order:
                        times[s][e].append(engines[e].time(s))
        finally:
            for child in engines.values():
                child.close()
    return times


def main() -> None:
    print(
        f"fast engine against the engine of {OLD}, same run: {RUNS:,} runs x {YEARS} years, "
        f"CPU time, median of {ROUNDS} interleaved runs"
    )
    for scenario, t in measure().items():
        old = RUNS / statistics.median(t["old"])
        new = RUNS / statistics.median(t["new"])
        print(f"  {scenario}:")
        print(f"    {OLD} {old:10,.0f} reps/s")
        print(f"    now     {new:10,.0f} reps/s")
        print(f"    new / old  {new / old:6.2f}   (target >= 1.0)")


if __name__ == "__main__":
    main()
