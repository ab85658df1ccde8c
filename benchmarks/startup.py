"""How quickly ``kerang --help`` and a bare ``kerang`` answer: medians of whole
processes, against a bare Python start measured in the same run (the target: under
0.15 s on an idle machine; the ratio shows what kerang itself adds)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

KERANG = [str(Path(sys.executable).with_name("kerang"))]
RUNS = int(os.environ.get("KERANG_BENCH_STARTUP_RUNS", "15"))


def median_seconds(command: list[str], runs: int = RUNS) -> float:
    subprocess.run(command, capture_output=True, check=False)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> dict[str, float]:
    python = median_seconds([sys.executable, "-c", "pass"])
    figures = {"python -c pass": python}
    for args in (["--help"], [], ["harvest", "--help"], ["forecast", "--help"]):
        shown = " ".join(["kerang", *args])
        figures[shown] = median_seconds([*KERANG, *args])
    print(f"startup (median of {RUNS} runs; ratio against 'python -c pass' in this run)")
    for name, seconds in figures.items():
        print(f"  {name:<24} {seconds * 1000:7.1f} ms   {seconds / python:5.2f}x")
    return figures


if __name__ == "__main__":
    main()
