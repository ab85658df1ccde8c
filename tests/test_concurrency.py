"""Several processes record for the same members at the same moment.

Real processes, a real SQLite file or PostgreSQL schema: no lost update, no
duplicated ref, every conflict retried inside kerang or refused (exit 2) so
that the caller can repeat the same ref, and the audit is ok afterwards.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import Counter
from pathlib import Path

from backends import new_db

import ledger
from ledger.audit import audit
from ledger.errors import Busy, InsufficientFunds

WORKERS = 4
ATTEMPTS = 15  # withdrawals of Rp 1,000 each per worker
HELD = 40_000  # so exactly 40 of the 60 withdrawals can succeed


def worker(db: str, number: int, start: float) -> Counter:
    time.sleep(max(0.0, start - time.time()))  # all begin together
    seen: Counter = Counter()
    for i in range(ATTEMPTS):
        try:
            ledger.record(
                db,
                "savings.withdraw",
                ref=f"W{number}-{i}",
                date="2020-02-01",
                member="M1",
                kind="sukarela",
                amount=1000,
            )
            seen["withdrawn"] += 1
        except InsufficientFunds:
            seen["refused"] += 1
        except Busy:
            seen["busy"] += 1
        # every worker also records the same shared refs: exactly one may land
        outcome = ledger.record(
            db,
            "savings.deposit",
            ref=f"SHARED-{i}",
            date="2020-02-02",
            member="M2",
            kind="wajib",
            amount=500,
        )
        seen["shared recorded" if outcome.recorded else "shared already"] += 1
    return seen


def test_concurrent_writers_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    ledger.record(db, "init", name="K", date="2020-01-01")
    for m in ("M1", "M2"):
        ledger.record(db, "member.add", id=m, name=m, date="2020-01-01")
    ledger.record(
        db,
        "savings.deposit",
        ref="D0",
        date="2020-01-15",
        member="M1",
        kind="sukarela",
        amount=HELD,
    )
    start = time.time() + 1.0
    with mp.get_context("spawn").Pool(WORKERS) as pool:
        results = pool.starmap(worker, [(db, n, start) for n in range(WORKERS)])
    seen = sum(results, Counter())
    assert seen["busy"] == 0  # the retries absorbed every conflict at this load
    assert (
        seen["withdrawn"] == HELD // 1000 and seen["refused"] == WORKERS * ATTEMPTS - HELD // 1000
    )
    assert (
        seen["shared recorded"] == ATTEMPTS and seen["shared already"] == (WORKERS - 1) * ATTEMPTS
    )
    m1, m2 = ledger.statement(db, "M1").statement, ledger.statement(db, "M2").statement
    assert m1.savings["sukarela"] == 0  # every accepted withdrawal, none lost, none below zero
    assert m2.savings["wajib"] == 500 * ATTEMPTS  # each shared ref counted once
    report = audit(db)
    assert report.ok, [c.detail for c in report.checks if not c.ok]
