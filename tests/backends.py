"""Where the tests keep their ledgers: SQLite files, or PostgreSQL schemas.

With ``KERANG_TEST_PG=postgresql://user@host:port/db`` every ledger a test
makes is a fresh schema on that real server (dropped at the end of the run);
otherwise it is a SQLite file. ``make test`` runs the suite both ways.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

PG = os.environ.get("KERANG_TEST_PG", "")
_schemas: list[str] = []


def new_db(directory: Path | str, name: str = "k") -> str:
    """A location for a new, empty ledger."""
    if PG:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        _schemas.append(schema)
        return f"{PG}?schema={schema}"
    return str(Path(directory) / f"{name}.db")


def is_pg(db: str) -> bool:
    return db.startswith("postgresql://")


def _schema(db: str) -> str:
    return parse_qs(urlparse(db).query)["schema"][0]


def _connect_pg(db: str) -> Any:
    import psycopg

    url = urlparse(db)
    return psycopg.connect(
        dbname=url.path.lstrip("/"),
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        autocommit=True,
    )


@contextmanager
def raw(db: str) -> Iterator[Any]:
    """A plain DB-API connection to the ledger's tables (for tampering and peeking)."""
    if is_pg(db):
        conn = _connect_pg(db)
        conn.execute(f'SET search_path TO "{_schema(db)}"')
        try:
            yield conn
        finally:
            conn.close()
    else:
        conn = sqlite3.connect(db)
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()


def sql(db: str, text: str) -> str:
    """Adapt a test's SQLite statement: placeholders and the event order column."""
    if is_pg(db):
        return text.replace("?", "%s").replace("rowid", "notification_id")
    return text


def exists(db: str) -> bool:
    if is_pg(db):
        conn = _connect_pg(db)
        try:
            return (
                conn.execute(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema=%s AND table_name='stored_events'",
                    (_schema(db),),
                ).fetchone()
                is not None
            )
        finally:
            conn.close()
    return Path(db).exists()


def clone(source: str, directory: Path | str, name: str = "copy") -> str:
    """A copy of a ledger, tables and all."""
    if is_pg(source):
        from ledger.pgstore import copy_schema

        target, _ = copy_schema(source)
        _schemas.append(_schema(target))
        return target
    target = str(Path(directory) / f"{name}.db")
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        a.backup(b)
    return target


def guard_refusal(db: str) -> type[Exception]:
    """The exception the database raises when its append-only guard refuses a change."""
    if is_pg(db):
        import psycopg.errors

        return psycopg.errors.RaiseException  # the guard trigger's RAISE EXCEPTION
    return sqlite3.IntegrityError  # the guard trigger's RAISE(ABORT, ...)


def drop_append_only_guards(db: str, conn: Any) -> None:
    """What a tamperer with full rights would do first."""
    if is_pg(db):
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        return
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


@atexit.register
def _drop_schemas() -> None:
    if not (PG and _schemas):
        return
    conn = _connect_pg(PG + "?schema=public")
    try:
        for schema in _schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        conn.close()
