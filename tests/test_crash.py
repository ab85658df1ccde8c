"""A kill at any moment of an import leaves whole transactions or nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from backends import PG, exists, new_db, raw
from cli_helpers import kerang_command

import ledger
from benchmarks.workload import write
from ledger.audit import audit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("crash") / "big.jsonl", 12_000, seed=3)


@pytest.fixture(scope="module")
def expected(big_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    db = new_db(tmp_path_factory.mktemp("clean"), "clean")
    ledger.import_file(db, str(big_file))
    return ledger.summary(db).as_json()


def committed(db: str) -> int:
    """Refs recorded so far (0 before the tables exist)."""
    try:
        with raw(db) as c:
            return c.execute("SELECT COUNT(*) FROM kerang_refs").fetchone()[0]
    except Exception:  # noqa: BLE001 - no tables yet
        return 0


@pytest.mark.parametrize("seed", range(2 if PG else 4))  # a server run costs more
def test_sigkill_during_import_then_resume(
    big_file: Path, expected: dict, tmp_path: Path, seed: int
) -> None:
    db = new_db(tmp_path)
    process = subprocess.Popen(
        [*kerang_command(), "import", str(big_file), "--db", db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while committed(db) == 0:  # wait for the first batch, then kill at a random moment
        assert process.poll() is None, "the import ended before the test could kill it"
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, 0.6))
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if exists(db):
        report = audit(db)
        assert report.ok, [c.detail for c in report.checks if not c.ok]
    done = subprocess.run(
        [*kerang_command(), "import", str(big_file), "--db", db, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["recorded"] + result["already_recorded"] == result["lines"] == 12_000
    assert 0 < result["already_recorded"] < 12_000  # the kill did land mid-import
    assert ledger.summary(db).as_json() == expected  # nothing lost, nothing twice
    assert audit(db).ok
