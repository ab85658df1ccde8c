"""Run the benchmarks: ``python -m benchmarks [ledger] [forecast]`` (default: all)."""

from __future__ import annotations

import sys

from benchmarks import forecast, ledger

SUITES = {"ledger": ledger.main, "forecast": forecast.main}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(SUITES):
        SUITES[name]()
