"""Test set-up: ``backends`` (SQLite files or PostgreSQL schemas) is importable.

``make test`` runs the suite twice, on SQLite and then with ``KERANG_TEST_PG``. Every
ledger that lives on PostgreSQL is made by ``tests/backends.py`` (``new_db``, ``clone``),
so the PostgreSQL run keeps exactly the test modules that import it, directly or through
a helper module here; a module that never does runs the same code on the same SQLite
files both times, and runs once, in the SQLite run (the deselected count shows how many).
"""

from __future__ import annotations

import ast
import fcntl
import functools
import json
import sqlite3
import sys
from pathlib import Path

import attrs
import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))
sys.dont_write_bytecode = False  # keep the test modules' rewritten bytecode (see below)

from backends import PG  # noqa: E402  (importable only once the path is set)
from hypothesis import HealthCheck, settings  # noqa: E402

# A test fails for a reason, never for the machine's speed: no per-example deadline and no
# "too slow" health check, in CI (Hypothesis's own "ci" profile, also derandomised) and out.
settings.register_profile("kerang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
if settings._current_profile != "ci":  # type: ignore[attr-defined]
    settings.load_profile("kerang")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the project's modules once, before the workers start.

    Where PYTHONDONTWRITEBYTECODE is set (CI's machine sets it) no process keeps what it
    compiled, so every worker and every ``kerang`` subprocess compiled the whole project
    anew (~0.2 s of CPU a process). Python still reads bytecode it finds, after checking
    each source file's time and size, so a stale one is never used.
    """
    if hasattr(config, "workerinput"):
        return  # the controller did it
    import compileall

    root = TESTS.parent
    for package in ("ledger", "simulation", "assessment"):
        compileall.compile_dir(root / package, quiet=1)
    compileall.compile_file(root / "cli.py", quiet=1)


@functools.cache
def uses_backends(module: str) -> bool:
    """Whether ``tests/MODULE.py`` imports ``backends``, directly or through a helper here."""
    tree = ast.parse((TESTS / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        for name in (n.split(".")[0] for n in names):
            if name == "backends" or (
                name != module and (TESTS / f"{name}.py").is_file() and uses_backends(name)
            ):
                return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG:
        return
    kept = [item for item in items if uses_backends(item.path.stem)]
    left = [item for item in items if not uses_backends(item.path.stem)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    if not PG:
        return None
    return (
        "PostgreSQL run: only the tests of modules that use tests/backends.py "
        "(the others reach no PostgreSQL ledger and ran in the SQLite run)"
    )


@attrs.frozen
class SerangDemo:
    """The Serang demo ledger of the default seed, built once for the whole run."""

    path: Path  # read it, never write it: take a ``copy`` to write
    recorded: int  # what ``demo.build_ledger`` said when it built it on an empty file
    lines: int

    def copy(self, directory: Path, name: str = "demo.db") -> str:
        target = directory / name
        with sqlite3.connect(self.path) as a, sqlite3.connect(target) as b:
            a.backup(b)
        return str(target)


@pytest.fixture(scope="session")
def serang_demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SerangDemo:
    """Built by the first worker that needs it (~8000 lines); the other waits and reads it."""
    from ledger import demo

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # one folder for all workers
    done, facts = shared / "serang-demo.db", shared / "serang-demo.json"
    with (shared / "serang-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not facts.exists():
            built = shared / f"serang-demo-built-by-{worker_id}.db"
            result = demo.build_ledger(str(built), demo.DEFAULT_SEED)
            with sqlite3.connect(built) as a, sqlite3.connect(done) as b:
                a.backup(b)  # one self-contained file, whatever the build left in its WAL
            facts.write_text(json.dumps({"recorded": result.recorded, "lines": result.lines}))
    return SerangDemo(done, **json.loads(facts.read_text()))
