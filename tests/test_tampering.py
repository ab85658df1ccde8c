"""Every value kerang stores is covered: change any one of them and the audit fails.

The schema is read from the database itself (sqlite_master / information_schema), so a
table or column added later is tampered with here without anyone remembering it. The
tamperer has full rights: the append-only triggers are dropped first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from backends import clone, drop_append_only_guards, is_pg, new_db, raw

import ledger
from ledger.audit import audit

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's year (harvests, a correction, a repair, withdrawals, infaq), a member
    who left with her deposits, and the year closed: every table has rows of each kind."""
    db = new_db(tmp_path_factory.mktemp("tamper"), "books")
    ledger.import_file(db, str(DEMO))
    first = json.loads(DEMO.read_text().splitlines()[1])
    assert first["op"] == "member.add"
    ledger.record(db, "member.add", id="LEAVER", name="Ibu Pergi", date="2015-02-01")
    ledger.record(
        db,
        "savings.deposit",
        ref="LEAVER-POKOK",
        date="2015-02-01",
        member="LEAVER",
        kind="pokok",
        amount="50000",
    )
    ledger.record(db, "member.leave", id="LEAVER", date="2015-03-01")
    ledger.record(db, "close", year=2015, date="2016-01-20")
    assert audit(db).ok
    return db


def columns(db: str, conn: Any) -> list[tuple[str, str, str]]:
    """(table, column, declared type) of every table in the ledger."""
    if is_pg(db):
        return [
            (t, c, ty)
            for t, c, ty in conn.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            ).fetchall()
        ]
    out = []
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    for (table,) in tables:
        if table == "stored_events":  # its rowid is the recording order kerang reads
            out.append((table, "rowid", "INTEGER"))
        for _, name, ty, *_ in conn.execute(f"PRAGMA table_info({table})").fetchall():
            out.append((table, name, ty.upper()))
    return out


def row_key(db: str) -> str:
    return "ctid" if is_pg(db) else "rowid"


def changed(value: Any, kind: str) -> Any:
    """Another value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, bytes | memoryview):
        data = bytes(value)
        return data.replace(b'"', b"'", 1) if b'"' in data else data + b" "
    if hasattr(value, "hex") and not isinstance(value, str):  # a UUID
        import uuid

        return uuid.UUID(int=value.int ^ 1)
    if isinstance(value, str):
        if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
            return value[:-1] + ("0" if value[-1] != "0" else "1")
        if value[:4].isdigit() and value[4:5] == "-":  # a date or a month: one day/month on
            return value[:-1] + ("1" if value[-1] != "1" else "2")
        return value + "x"
    if value is None:
        return 1 if "INT" in kind.upper() else "x"
    raise AssertionError(f"no change for {value!r}")


def tamper(db: str, table: str, column: str, kind: str) -> str:
    """Change one value of ``column`` in one row (a middle row, not NULL when one is);
    returns what was done."""
    key = row_key(db)
    with raw(db) as c:
        drop_append_only_guards(db, c)
        mark = "%s" if is_pg(db) else "?"
        order = "notification_id" if is_pg(db) and table == "stored_events" else key
        if column == "rowid" and is_pg(db):
            pytest.skip("PostgreSQL has no rowid")
        rows = c.execute(
            f"SELECT {key}, {column} FROM {table} ORDER BY ({column} IS NULL), {order}"
        ).fetchall()
        assert rows, f"{table} is empty: the fixture must fill every table"
        nonnull = [r for r in rows if r[1] is not None] or rows
        target, value = nonnull[len(nonnull) // 2]
        new = changed(value, kind)
        if column in ("id", "rowid", "notification_id"):
            # an id moved: the row goes last (its old place is left empty)
            (top,) = c.execute(f"SELECT MAX({column}) FROM {table}").fetchone()
            new = top + 1
        where = f"{key} = {mark}::tid" if is_pg(db) else f"{key} = {mark}"
        update = f"UPDATE {table} SET {column} = {mark} WHERE {where}"
        try:
            c.execute(update, (new, target))
        except Exception as e:  # a key that now collides: make it new instead
            assert "unique" in str(e).lower() or "duplicate" in str(e).lower(), e
            new = value + "x" if isinstance(value, str) else new
            c.execute(update, (new, target))
    return f"{table}.{column}: {value!r} -> {new!r}"


def table_names(db: str) -> list[str]:
    with raw(db) as c:
        return sorted({t for t, _, _ in columns(db, c)})


def all_columns(db: str) -> list[tuple[str, str, str]]:
    with raw(db) as c:
        return columns(db, c)


def test_the_fixture_fills_every_table(books: str) -> None:
    with raw(books) as c:
        for table in table_names(books):
            (n,) = c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            assert n > 0, table


def _cases() -> list[str]:
    """Parametrised lazily: the columns come from a real ledger of the backend in use."""
    return ["update", "delete", "insert"]


@pytest.mark.parametrize("kind", _cases())
def test_any_value_changed_in_any_table_fails_the_audit(
    books: str, tmp_path: Path, kind: str
) -> None:
    """Each (table, column) is tampered with on its own copy of the books; each must fail."""
    missed: list[str] = []
    done = 0
    if kind == "update":
        for n, (table, column, ty) in enumerate(all_columns(books)):
            if is_pg(books) and column == "rowid":
                continue
            copy = clone(books, tmp_path, f"u{n}")
            what = tamper(copy, table, column, ty)
            done += 1
            if audit(copy).ok:
                missed.append(what)
    else:
        for n, table in enumerate(table_names(books)):
            copy = clone(books, tmp_path, f"{kind[0]}{n}")
            what = (delete_one if kind == "delete" else insert_one)(copy, table)
            done += 1
            if audit(copy).ok:
                missed.append(what)
    assert done >= (30 if kind == "update" else 7)
    assert not missed, f"the audit passed after {len(missed)} of {done} tamperings:\n" + "\n".join(
        missed
    )


def delete_one(db: str, table: str) -> str:
    key = row_key(db)
    mark = "%s" if is_pg(db) else "?"
    with raw(db) as c:
        drop_append_only_guards(db, c)
        rows = c.execute(f"SELECT {key} FROM {table} ORDER BY {key}").fetchall()
        target = rows[len(rows) // 2][0]
        where = f"{key} = {mark}::tid" if is_pg(db) else f"{key} = {mark}"
        c.execute(f"DELETE FROM {table} WHERE {where}", (target,))
    return f"{table}: row {target} deleted"


def insert_one(db: str, table: str) -> str:
    """A copy of a middle row, with its unique columns made new (ids, refs, keys)."""
    mark = "%s" if is_pg(db) else "?"
    with raw(db) as c:
        drop_append_only_guards(db, c)
        cols = [col for t, col, _ in columns(db, c) if t == table and col != "rowid"]
        rows = c.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
        row = list(rows[len(rows) // 2])
        for i, col in enumerate(cols):
            if col in ("id", "notification_id"):
                (top,) = c.execute(f"SELECT MAX({col}) FROM {table}").fetchone()
                row[i] = top + 1
            elif table == "stored_events" and col == "originator_id":
                row[i] = changed(row[i], "TEXT")
            elif col in ("ref", "month") or (table == "kerang_totals" and col == "member"):
                row[i] = row[i] + "-copy"
        marks = ", ".join([mark] * len(cols))
        c.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", row)
    return f"{table}: a copied row inserted"


def test_a_tampered_snapshot_cannot_let_a_command_record_what_the_events_forbid(
    tmp_path: Path,
) -> None:
    """A snapshot is neither chained nor audited: commands must not decide by one."""
    from ledger.app import LedgerApp, ledger_env
    from ledger.domain import Cooperative
    from ledger.errors import Refused

    db = new_db(tmp_path)
    ledger.record(db, "init", name="K", date="2020-01-01")
    ledger.record(db, "member.add", id="M1", name="Ani", date="2020-01-01")

    class Snapshotting(LedgerApp):  # as an older kerang did, or a forger with write access
        is_snapshotting_enabled = True

    Snapshotting(env=ledger_env(db, write=True)).take_snapshot(Cooperative.create_id())
    with raw(db) as c:
        if is_pg(db):
            [(table,)] = c.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename LIKE '%snapshots'"
            ).fetchall()
        else:
            table = "stored_snapshots"
        mark = "%s" if is_pg(db) else "?"
        [(state,)] = c.execute(f"SELECT state FROM {table}").fetchall()
        ghost = b'"members":{"GHOST":{"name":"Hantu","joined":{"_type_":"date","_data_":"2020-01-01"},"left":null},'
        forged = bytes(state).replace(b'"members":{', ghost, 1)
        assert forged != bytes(state)
        c.execute(f"UPDATE {table} SET state = {mark}", (forged,))
    # an application that trusts snapshots now believes in the ghost ...
    assert "GHOST" in Snapshotting(env=ledger_env(db, write=False)).cooperative().members
    # ... kerang's commands do not: the events never added her
    for op, kind in (("savings.deposit", "sukarela"), ("savings.deposit", "pokok")):
        with pytest.raises(Refused, match="GHOST"):
            ledger.record(
                db, op, ref=f"G-{kind}", date="2020-02-01", member="GHOST", kind=kind, amount="1000"
            )
    with pytest.raises(Refused, match="GHOST"):
        ledger.record(db, "loan.disburse", ref="G-L", date="2020-02-01", member="GHOST", amount="1")
    assert audit(db).ok and audit(db).events == 2


def test_a_value_of_the_wrong_type_fails_the_audit_without_a_traceback(
    books: str, tmp_path: Path
) -> None:
    """SQLite keeps whatever type it is given: text where a number belongs (or a number
    where text belongs) is tampering the audit reports as a finding, never a crash."""
    if is_pg(books):
        pytest.skip("PostgreSQL keeps each column's declared type")
    missed: list[str] = []
    done = 0
    for n, (table, column, ty) in enumerate(all_columns(books)):
        if column in ("rowid", "id"):
            continue
        copy = clone(books, tmp_path, f"t{n}")
        with raw(copy) as c:
            drop_append_only_guards(copy, c)
            (target,) = c.execute(
                f"SELECT MIN(rowid) FROM {table} WHERE {column} IS NOT NULL"
            ).fetchone()
            if target is None:
                continue
            wrong = "x" if ("INT" in ty or ty == "") else 7
            c.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (wrong, target))
        done += 1
        report = audit(copy)  # must not raise
        if report.ok:
            missed.append(f"{table}.{column} = {wrong!r}")
    assert done >= 30
    assert not missed, "the audit passed after:\n" + "\n".join(missed)
