"""Package boundaries: what an import may pull in.

The arithmetic and message modules are leaves, so that the forecast and the
assessment (and the demo generator) use them without loading eventsourcing,
the audit or the ledger's storage. Each check runs in a fresh interpreter:
``sys.modules`` there holds exactly what the import loaded.
"""

from __future__ import annotations

import ast
import json
import re
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


def ledger_imports() -> dict[str, set[str]]:
    """Each module of the ledger package and the ledger modules it imports: every import
    statement, those inside functions too. Left out: the lazy facade (``ledger/__init__``),
    a module's lazy ``__getattr__`` (old names kept for callers) and ``TYPE_CHECKING``."""
    paths = {}
    for path in (ROOT / "ledger").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def module(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name if name and name != "ledger" else None

    def walk(node: ast.AST, package: list[str], found: set[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef) and child.name == "__getattr__":
                continue
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    walk(other, package, found)
                continue
            if isinstance(child, ast.Import):
                found |= {alias.name for alias in child.names}
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the package, up level - 1
                    up = package[: len(package) - child.level + 1]
                    base = ".".join([*up, base] if base else up)
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in child.names}
            walk(child, package, found)

    graph = {}
    for name, path in paths.items():
        if name == "ledger":
            continue
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: set[str] = set()
        walk(ast.parse(path.read_text(encoding="utf-8")), package, found)
        graph[name] = {m for m in map(module, found) if m is not None and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each a path that comes back to where it started."""
    found, done = [], set()

    def visit(name: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(name, ())):
            if nxt in path:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(name)

    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    return found


def test_the_cycle_finder_finds_a_cycle_through_a_function() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_ledger_package_has_no_import_cycle() -> None:
    graph = ledger_imports()
    # the graph reads what it should: imports inside functions count
    assert "ledger.readmodel" in graph["ledger.store"]
    assert "ledger.app" in graph["ledger.pgstore"]  # inside checking_ledger
    assert cycles(graph) == []


SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.S)
# Where SQL may be written: the read models (one module for both engines), the two event
# stores, the probes of where a ledger lives, and the audit, which reads the stored rows
# on its own as an independent check.
SQL_HOMES = {
    "ledger/readmodel.py",
    "ledger/store.py",
    "ledger/pgstore.py",
    "ledger/location.py",
    "ledger/files.py",
    "ledger/boundary.py",
    "ledger/audit/source.py",
}


def test_sql_is_written_only_in_the_storage_modules() -> None:
    found = []
    for path in sorted((ROOT / "ledger").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(node, ast.JoinedStr):  # an f-string: its text around the values
                text = "{}".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if isinstance(text, str) and SQL.search(text) and name not in SQL_HOMES:
                found.append(f"{name}:{node.lineno}")
    assert found == []
