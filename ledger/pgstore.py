"""PostgreSQL storage: imported only for ``postgresql://`` ledgers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from ledger.i18n import msg
from ledger.store import (
    POSTGRES,
    POSTGRES_APPEND_ONLY_DDL,
    BookRows,
    LedgerChanged,
    extend_chain,
    read_model_ddl,
)


def connect(env: dict[str, str], **options: Any) -> Any:
    """A plain psycopg connection from the ledger's eventsourcing settings."""
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=10,
        **options,
    )


def schema_has_ledger(env: dict[str, str]) -> bool:
    """Whether the schema holds a ledger, asked without creating anything."""
    import psycopg

    try:
        with connect(env) as conn:
            row = conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema=%s AND table_name='stored_events'",
                (env["POSTGRES_SCHEMA"],),
            ).fetchone()
            return row is not None
    except psycopg.OperationalError as e:
        from ledger.errors import NotInitialised

        raise NotInitialised(
            "db",
            msg(
                "cannot reach the PostgreSQL server ({splitlines}).",
                splitlines=str(e).strip().splitlines()[0],
            ),
        ) from None


@contextmanager
def snapshot(datastore: Any) -> Iterator[Any]:
    with (
        datastore.get_connection() as conn,
        conn.transaction(),
        conn.cursor(row_factory=tuple_row) as c,
    ):
        c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        c.execute(SQL("SET LOCAL search_path TO {0}").format(Identifier(datastore.schema)))
        yield c


def query(datastore: Any, sql: str, params: tuple) -> list[tuple]:
    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
        c.execute(SQL("SET search_path TO {0}").format(Identifier(datastore.schema)))
        c.execute(sql, params)
        return c.fetchall()


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL event store writing the same read models in the same transaction.

    One schema per cooperative (``?schema=NAME``): every table lives in it.
    The events table keeps the name it has in SQLite, so that one set of
    queries serves both.
    """

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name="stored_events")

    def create_table(self) -> None:
        # one creator at a time per schema (two first imports may race)
        with self.datastore.get_connection() as lock:
            lock.execute("SELECT pg_advisory_lock(hashtext(%s))", (self.datastore.schema,))
            try:
                self._create_all()
            finally:
                lock.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self.datastore.schema,))

    def _create_all(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(self.datastore.schema))
            )
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("SET LOCAL search_path TO {0}").format(Identifier(self.datastore.schema))
            )
            for statement in (*read_model_ddl(POSTGRES), *POSTGRES_APPEND_ONLY_DDL):
                curs.execute(statement)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], *, books: BookRows | None = None, **kwargs: Any
    ) -> Sequence[int] | None:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as c,
        ):
            c.execute(SQL("SET LOCAL search_path TO {0}").format(Identifier(self.datastore.schema)))
            self._lock_table(c)  # EXCLUSIVE: writers queue here, so the basis check holds
            if books is not None and books.basis is not None:
                c.execute("SELECT MAX(notification_id) FROM stored_events")
                head = c.fetchone()[0] or 0
                if head != books.basis:
                    raise LedgerChanged(f"the ledger moved from event {books.basis} to {head}")
            c.execute(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
                "RETURNING notification_id",
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events],
                    [e.state for e in stored_events],
                ),
            )
            ids = [row[0] for row in c.fetchall()]
            extend_chain(c, stored_events, ids, POSTGRES)
            if books:
                books.write(c, POSTGRES.mark)
            return ids


TABLES = (
    "stored_events",
    "kerang_refs",
    "kerang_postings",
    "kerang_monthly",
    "kerang_totals",
    "kerang_harvests",
    "kerang_chain",
)


def copy_schema(db: str) -> tuple[str, Any]:
    """A scratch copy of a PostgreSQL ledger's schema, and how to drop it."""
    import uuid
    from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

    from ledger.app import ledger_env, open_ledger

    env = ledger_env(db, write=False)
    scratch_schema = f"kerang_check_{uuid.uuid4().hex[:12]}"
    url = urlparse(db)
    query = parse_qs(url.query)
    query["schema"] = [scratch_schema]
    scratch = urlunparse(url._replace(query=urlencode(query, doseq=True)))
    open_ledger(scratch, create=True)  # the tables, types and triggers
    with connect(env) as conn:
        source = env["POSTGRES_SCHEMA"]
        if not schema_has_ledger(env):  # checking a file for a ledger still to be made
            tables: tuple[str, ...] = ()
        else:
            tables = TABLES
        for table in tables:
            conn.execute(
                SQL("INSERT INTO {0}.{1} SELECT * FROM {2}.{1}").format(
                    Identifier(scratch_schema), Identifier(table), Identifier(source)
                )
            )
        for table, column in (
            ("stored_events", "notification_id"),
            ("kerang_refs", "id"),
            ("kerang_postings", "id"),
            ("kerang_harvests", "id"),
        ):
            conn.execute(
                SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), "
                    "GREATEST((SELECT MAX({0}) FROM {1}.{2}), 1))"
                ).format(Identifier(column), Identifier(scratch_schema), Identifier(table)),
                (f"{scratch_schema}.{table}", column),
            )

    def drop() -> None:
        with connect(env) as conn:
            conn.execute(SQL("DROP SCHEMA {0} CASCADE").format(Identifier(scratch_schema)))

    return scratch, drop


def grant_auditor(db: str, role: str) -> None:
    """A read-only role: every report and the audit, never a write."""

    from ledger.app import ledger_env

    env = ledger_env(db, write=False)
    schema = env["POSTGRES_SCHEMA"]
    with connect(env, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            conn.execute(SQL("CREATE ROLE {0} LOGIN").format(Identifier(role)))
        for statement in (
            "GRANT CONNECT ON DATABASE {db} TO {role}",
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        ):
            conn.execute(
                SQL(statement).format(
                    db=Identifier(env["POSTGRES_DBNAME"]),
                    schema=Identifier(schema),
                    role=Identifier(role),
                )
            )
