"""A kill at any moment of an import leaves whole transactions or nothing.

The test decides where the import dies, through ``KERANG_KILL_AT`` (see
``ledger.faults``): after a given line was applied to a batch that is not yet
committed, or inside the database transaction after a batch's events and chain
were inserted but before its read-model rows. The process kills itself with
SIGKILL there; no timer, no luck. Then exactly the batches committed before the
kill are in the ledger, the audit is clean, and running the same file again
records exactly the rest.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from backends import PG, new_db
from cli_helpers import kerang, kerang_command, kerang_env

import ledger
from benchmarks.workload import write
from ledger.transfer import BATCH_LINES

LINES = 5 * BATCH_LINES

# (point, n): where the kill lands, and how many lines were committed before it
KILLS = {
    "before the first commit": ("line", 700, 0),
    "mid batch": ("line", 2 * BATCH_LINES + 345, 2 * BATCH_LINES),
    "last line of a batch": ("line", 3 * BATCH_LINES, 2 * BATCH_LINES),
    "inside the first write": ("write", 1, 0),
    "inside a later write": ("write", 4, 3 * BATCH_LINES),
}
ON_THE_SERVER = ("mid batch", "inside a later write")  # a server run costs more


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("crash") / "big.jsonl", LINES, seed=3)


@pytest.fixture(scope="module")
def expected(big_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    db = new_db(tmp_path_factory.mktemp("clean"), "clean")
    ledger.import_file(db, str(big_file))
    return ledger.summary(db).as_json()


@pytest.mark.parametrize("case", ON_THE_SERVER if PG else list(KILLS))
def test_sigkill_during_import_then_resume(
    big_file: Path, expected: dict, tmp_path: Path, case: str
) -> None:
    point, n, committed = KILLS[case]
    db = new_db(tmp_path)
    killed = subprocess.run(
        [*kerang_command(), "import", str(big_file), "--db", db],
        capture_output=True,
        env=kerang_env({"KERANG_KILL_AT": f"{point}:{n}"}),
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr  # it died where we said
    if committed:
        report = ledger.audit_ledger(db)
        assert report.ok, [c.detail for c in report.checks if not c.ok]
    done = kerang("import", str(big_file), "--json", db=db, check=True)
    result = json.loads(done.stdout)
    assert result["lines"] == LINES
    # exactly the batches committed before the kill were there; the rest is recorded now
    assert (result["already_recorded"], result["recorded"]) == (committed, LINES - committed)
    assert ledger.summary(db).as_json() == expected  # nothing lost, nothing twice
    assert ledger.audit_ledger(db).ok
