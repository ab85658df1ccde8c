"""The database itself keeps every table append-only, except the documented updates.

The tables and columns are read from the database, so a table or column added later is
covered (or this test names it) without anyone remembering it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from backends import guard_refusal, is_pg, new_db, raw

import ledger
from ledger.readmodel import APPEND_ONLY, UPDATABLE

# eventsourcing's snapshot cache: not a read model, and no report shows it
NOT_READ_MODELS = {"stored_snapshots", "kerang_snapshots"}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = new_db(tmp_path_factory.mktemp("append-only"), "books")
    ledger.record(db, "init", name="Koperasi", date="2015-01-01")
    ledger.record(db, "member.add", id="M01", name="Ibu Siti", date="2015-01-01")
    ledger.record(db, "bagan.add", id="B01", partners="M01", manager="Pak Budi", date="2015-01-01")
    ledger.record(db, "harvest", ref="H1", date="2015-03-01", bagan="B01", revenue="1000000")
    for ref in ("S1", "S2"):
        ledger.record(
            db, "savings.deposit", ref=ref, date="2015-03-02", member="M01",
            kind="sukarela", amount="5000",
        )  # fmt: skip
    ledger.record(db, "correct", ref="C1", date="2015-03-03", reverses="S1", reason="twice")
    return db


def tables_and_columns(db: str, c: Any) -> dict[str, list[str]]:
    if is_pg(db):
        rows = c.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ).fetchall()
    else:
        rows = [
            (table, column)
            for (table,) in c.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            for _, column, *_ in c.execute(f"PRAGMA table_info({table})").fetchall()
        ]
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def mark(db: str) -> str:
    return "%s" if is_pg(db) else "?"


def refused(db: str, statement: str, params: tuple = ()) -> bool:
    """Whether the database refuses the statement (nothing is kept either way)."""
    with raw(db) as c:
        try:
            if is_pg(db):
                with c.transaction(force_rollback=True):
                    c.execute(statement, params)
            else:
                c.execute("BEGIN")
                try:
                    c.execute(statement, params)
                finally:
                    c.execute("ROLLBACK")
        except guard_refusal(db):
            return True
    return False


def test_every_table_is_classified(books: str) -> None:
    with raw(books) as c:
        tables = set(tables_and_columns(books, c)) - NOT_READ_MODELS
    assert tables == set(APPEND_ONLY) | set(UPDATABLE)


def test_no_row_of_any_table_can_be_deleted(books: str) -> None:
    with raw(books) as c:
        tables = set(tables_and_columns(books, c)) - NOT_READ_MODELS
    for table in sorted(tables):
        assert refused(books, f"DELETE FROM {table}"), table
        if is_pg(books):
            assert refused(books, f"TRUNCATE {table}"), table


def test_every_column_is_fixed_except_the_documented_updates(books: str) -> None:
    with raw(books) as c:
        layout = tables_and_columns(books, c)
    checked = 0
    for table, columns in sorted(layout.items()):
        if table in NOT_READ_MODELS:
            continue
        for column in columns:
            # set the column to its own value on a row whose reversal is still open,
            # changed by one step: any write of a fixed column is refused
            where = " WHERE reversed_by IS NULL" if table == "kerang_refs" else ""
            with raw(books) as c:
                row = c.execute(f"SELECT {column} FROM {table}{where} LIMIT 1").fetchone()
            assert row is not None, f"{table} is empty: the fixture must fill it"
            value = row[0]
            new = _other(value)
            statement = f"UPDATE {table} SET {column} = {mark(books)}{where}"
            allowed = column in UPDATABLE.get(table, ())
            if table == "kerang_refs" and allowed:
                continue  # one of the pair alone is refused; the pair is tested below
            assert refused(books, statement, (new,)) != allowed, (table, column)
            checked += 1
    assert checked >= 30


def test_a_reversal_is_written_once_and_only_as_a_pair(books: str) -> None:
    m = mark(books)
    open_ref = f"UPDATE kerang_refs SET reversed_by={m}, reversed_on={m} WHERE ref='S2'"
    assert not refused(books, open_ref, ("C9", "2015-04-01"))
    assert refused(books, f"UPDATE kerang_refs SET reversed_by={m} WHERE ref='S2'", ("C9",))
    again = f"UPDATE kerang_refs SET reversed_by={m}, reversed_on={m} WHERE ref='S1'"
    assert refused(books, again, ("C9", "2015-04-01"))  # S1 is reversed already
    undo = "UPDATE kerang_refs SET reversed_by=NULL, reversed_on=NULL WHERE ref='S1'"
    assert refused(books, undo)


def test_the_books_still_hold(books: str, tmp_path: Path) -> None:
    assert ledger.audit_ledger(books).ok  # every attempt above was refused or rolled back


def _other(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, bytes | memoryview):
        return bytes(value) + b" "
    if hasattr(value, "int") and not isinstance(value, str):  # a UUID
        import uuid

        return uuid.UUID(int=value.int ^ 1)
    return "x" if value is None else str(value) + "x"
