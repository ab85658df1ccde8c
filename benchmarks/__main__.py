"""Run the benchmarks: ``python -m benchmarks [NAME ...]`` (default: ledger, floors
and forecast, which runs engine too). ``audit`` alone measures only the audit; ``startup`` how quickly
``kerang --help`` answers; ``engine`` the fast engine against that of b877752;
``floors`` what an import cannot go below (its database rows alone, the library's bare
append)."""

from __future__ import annotations

import sys

from benchmarks import engine, floors, forecast, ledger, startup

SUITES = {"ledger": ledger.main, "floors": floors.main, "forecast": forecast.main}
# forecast also runs engine
EXTRA = {"audit": ledger.audit_main, "startup": startup.main, "engine": engine.main}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(SUITES):
        {**SUITES, **EXTRA}[name]()
