"""Several processes record for the same members at the same moment.

Real processes, a real SQLite file or PostgreSQL schema: no lost update, no
duplicated ref, every conflict retried inside kerang or refused as busy (exit 2)
so that the caller can repeat the same ref, and the audit is ok afterwards.

How often kerang answers "busy" depends on the machine's load, so the test does
what a clerk would do: repeats the same ref until it gets an answer. What it
asserts is the final ledger: every intended transaction recorded exactly once.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections import Counter
from typing import Any

from backends import new_db

import ledger
from ledger.errors import Busy, InsufficientFunds

WORKERS = 4
ATTEMPTS = 15  # withdrawals of Rp 1,000 each per worker
HELD = 40_000  # so exactly 40 of the 60 withdrawals can succeed
PATIENCE = 200  # "busy" answers to one ref before the clerk gives up (a failure)


def until_answered(db: str, seen: Counter, op: str, **fields: Any) -> Any:
    """Record, repeating the same ref while kerang answers busy (nothing was written)."""
    for _ in range(PATIENCE):
        try:
            return ledger.record(db, op, **fields)
        except Busy:
            seen["busy, repeated"] += 1
    raise AssertionError(f"{fields['ref']}: still busy after {PATIENCE} tries")


def worker(db: str, number: int, start: Any, results: Any) -> None:
    seen: Counter = Counter()
    start.wait()  # all begin together
    withdrawn = []
    for i in range(ATTEMPTS):
        ref = f"W{number}-{i}"
        try:
            until_answered(
                db,
                seen,
                "savings.withdraw",
                ref=ref,
                date="2020-02-01",
                member="M1",
                kind="sukarela",
                amount=1000,
            )
            withdrawn.append(ref)
        except InsufficientFunds:
            seen["refused"] += 1
        # every worker also records the same shared refs: exactly one may land
        outcome = until_answered(
            db,
            seen,
            "savings.deposit",
            ref=f"SHARED-{i}",
            date="2020-02-02",
            member="M2",
            kind="wajib",
            amount=500,
        )
        seen["shared recorded" if outcome.recorded else "shared already"] += 1
    results.put((dict(seen), withdrawn))


def test_concurrent_writers_lose_nothing_and_duplicate_nothing(tmp_path) -> None:
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
    context = mp.get_context("spawn")
    start, results = context.Barrier(WORKERS), context.Queue()
    workers = [context.Process(target=worker, args=(db, n, start, results)) for n in range(WORKERS)]
    for w in workers:
        w.start()
    answers = [results.get() for _ in workers]  # each worker's tally, once it is done
    for w in workers:
        w.join()
        assert w.exitcode == 0
    seen = sum((Counter(tally) for tally, _ in answers), Counter())
    withdrawn = [ref for _, refs in answers for ref in refs]

    # every withdrawal got a definite answer: 40 accepted, the rest refused for funds
    assert len(withdrawn) == HELD // 1000
    assert seen["refused"] == WORKERS * ATTEMPTS - HELD // 1000
    assert (
        seen["shared recorded"] == ATTEMPTS and seen["shared already"] == (WORKERS - 1) * ATTEMPTS
    )
    # the ledger holds exactly the intended transactions, each once
    refs = Counter(json.loads(line).get("ref") for line in ledger.export_jsonl(db))
    del refs[None]  # init and member.add carry no ref
    assert refs == Counter(["D0", *withdrawn, *(f"SHARED-{i}" for i in range(ATTEMPTS))])
    m1, m2 = ledger.statement(db, "M1").statement, ledger.statement(db, "M2").statement
    assert m1.savings["sukarela"] == 0  # every accepted withdrawal, none lost, none below zero
    assert m2.savings["wajib"] == 500 * ATTEMPTS  # each shared ref counted once
    report = ledger.audit_ledger(db)
    assert report.ok, [c.detail for c in report.checks if not c.ok]
