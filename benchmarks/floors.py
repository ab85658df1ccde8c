"""What an import cannot go below, measured in the same run as the import itself.

Two floors bound the import's ratio to raw sqlite3 inserts of the same lines:

- ``database_floor``: only the database work of an import — the rows a finished
  import wrote (events, chain, refs, postings, harvests; month and running totals as
  the same upserts), written again into an empty ledger schema (same indexes and
  triggers) by ``executemany``, 1,000 lines a transaction as the import commits. No
  parsing, no rules, no hashing, no library.
- ``library_floor``: the eventsourcing library's own append path, which the ledger is
  built on — one aggregate with one event per line, 1,000 aggregates a save, on
  SQLite. No rules, no read models, no chain.

Run: ``python -m benchmarks floors``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

PER_TXN = 1000  # lines a transaction, as the import commits
COPIED = ("stored_events", "kerang_chain", "kerang_refs", "kerang_postings", "kerang_harvests")
MONTHLY = (
    "INSERT INTO kerang_monthly (account, member, month, amount) VALUES (?,?,?,?) "
    "ON CONFLICT (account, member, month) "
    "DO UPDATE SET amount = kerang_monthly.amount + excluded.amount"
)
TOTALS = (
    "INSERT INTO kerang_totals (account, member, amount) VALUES (?,?,?) "
    "ON CONFLICT (account, member) DO UPDATE SET amount = kerang_totals.amount + excluded.amount"
)


def database_floor(source: Path, target: Path, lines: int) -> float:
    """Lines/s of writing only the rows a finished import of ``lines`` lines wrote."""
    src = sqlite3.connect(source)
    schema = [
        sql
        for kind, sql in src.execute("SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL")
        if kind in ("table", "index", "trigger")
    ]
    rows = {t: src.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in COPIED}
    src.close()
    batches = max(1, -(-lines // PER_TXN))
    c = sqlite3.connect(target, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")  # the ledger's journal mode
    for sql in sorted(schema, key=lambda s: not s.startswith("CREATE TABLE")):
        c.execute(sql)
    started = time.perf_counter()
    for b in range(batches):
        c.execute("BEGIN")
        for table, all_rows in rows.items():
            chunk = _chunk(all_rows, b, batches)
            if chunk:
                marks = ",".join("?" * len(chunk[0]))
                c.executemany(f"INSERT INTO {table} VALUES ({marks})", chunk)
            if table == "kerang_postings":
                months: dict[tuple[Any, ...], int] = defaultdict(int)
                totals: dict[tuple[Any, ...], int] = defaultdict(int)
                for p in chunk:  # (id, ref, date, account, member, amount)
                    months[(p[3], p[4], p[2][:7])] += p[5]
                    totals[(p[3], p[4])] += p[5]
                c.executemany(MONTHLY, [(*k, v) for k, v in months.items()])
                c.executemany(TOTALS, [(*k, v) for k, v in totals.items()])
        c.execute("COMMIT")
    elapsed = time.perf_counter() - started
    c.close()
    return lines / elapsed


def _chunk(rows: list, b: int, batches: int) -> list:
    size = -(-len(rows) // batches)
    return rows[b * size : (b + 1) * size]


def library_floor(path: Path, db: Path) -> float:
    """Lines/s of the eventsourcing library appending one event per line, no rules."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Line(Aggregate):
        @event("Recorded")
        def __init__(self, line: dict) -> None:
            self.line = line

    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    app = Application(env=env)
    lines = [json.loads(text) for text in path.open()]
    started = time.perf_counter()
    for i in range(0, len(lines), PER_TXN):
        app.save(*(Line(line) for line in lines[i : i + PER_TXN]))
    elapsed = time.perf_counter() - started
    return len(lines) / elapsed


def main() -> dict[str, float]:
    import ledger
    from benchmarks.ledger import raw_insert
    from benchmarks.workload import write

    lines = int(os.environ.get("KERANG_BENCH_FLOOR_LINES", "50000"))
    print(f"== ledger: the floors under an import of {lines:,} lines (lines/s, same run)")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        path = write(t / "import.jsonl", lines)
        figures = {"raw": raw_insert(path, t / "raw.db")}
        started = time.perf_counter()
        ledger.import_file(str(t / "kerang.db"), str(path))
        figures["import"] = lines / (time.perf_counter() - started)
        figures["database"] = database_floor(t / "kerang.db", t / "rows.db", lines)
        figures["library"] = library_floor(path, t / "library.db")
    raw = figures["raw"]
    for name, label in (
        ("raw", "raw sqlite3, one row a line, 100 a transaction"),
        ("database", "the import's own rows only, no Python work"),
        ("library", "eventsourcing append, one event a line, no rules"),
        ("import", "kerang import (every rule, read models, chain)"),
    ):
        print(f"  {label:50} {figures[name]:10,.0f}   ratio to raw {figures[name] / raw:.3f}")
    return figures


if __name__ == "__main__":
    main()
