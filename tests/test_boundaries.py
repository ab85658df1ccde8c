"""Package boundaries: what an import may pull in.

The arithmetic and message modules are leaves, so that the forecast and the
assessment (and the demo generator) use them without loading eventsourcing,
the audit or the ledger's storage. Each check runs in a fresh interpreter:
``sys.modules`` there holds exactly what the import loaded.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# loading any of these means the import reached the event store, the audit or the SQL
HEAVY = (
    "eventsourcing",
    "ledger.app",
    "ledger.audit",
    "ledger.domain",
    "ledger.pgstore",
    "ledger.queries",
    "ledger.readmodel",
    "ledger.replay",
    "ledger.store",
    "ledger.transfer",
)


def loaded_by(statement: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after ``statement``."""
    probe = (
        f"import json, sys\n{statement}\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout)


def test_money_split_errors_and_i18n_are_leaves() -> None:
    assert loaded_by("import ledger.money, ledger.split, ledger.errors, ledger.i18n") == []


def test_the_light_public_api_loads_no_storage() -> None:
    # the package itself and its value types; the rest loads on first use
    assert loaded_by("import ledger; ledger.Books, ledger.Policy, ledger.split_net") == []


def test_the_heavy_public_api_still_loads_on_first_use() -> None:
    # the probe itself: a name of the storage side does reach the store
    assert "eventsourcing" in loaded_by("import ledger; ledger.open_ledger")


@pytest.mark.parametrize("module", ["simulation.fast", "simulation", "assessment"])
def test_forecast_and_assessment_import_without_the_ledgers_storage(module: str) -> None:
    assert loaded_by(f"import {module}") == []


def test_the_demo_generator_is_pure() -> None:
    assert loaded_by("import ledger.demo; ledger.demo.demo_lines") == []


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "ledger":  # `from ledger import queries` names a module
                names |= {f"ledger.{alias.name}" for alias in node.names}
    return names


def test_the_demo_uses_the_ledger_only_through_its_public_api() -> None:
    allowed = {"ledger", "ledger.errors", "ledger.i18n", "ledger.money", "ledger.split"}
    for path in sorted((ROOT / "ledger" / "demo").glob("*.py")):
        ours = {m for m in imported_modules(path) if m.split(".")[0] == "ledger"}
        inside = {m for m in ours if m.startswith("ledger.demo")}
        assert ours - inside <= allowed, (path.name, sorted(ours - inside - allowed))


def test_the_tests_run_kerang_through_one_helper() -> None:
    """``tests/cli_helpers.py`` is the only place that knows how to start ``kerang``."""
    copies = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("def kerang(", 'with_name("kerang")', 'cli.py")]'):
            if needle in text and path.name != Path(__file__).name:
                copies.append(f"{path.name}: {needle}")
    assert copies == []
