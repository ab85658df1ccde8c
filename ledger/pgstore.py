"""PostgreSQL storage: imported only for ``postgresql://`` ledgers.

The event store (one schema per cooperative, see ``ledger.location``), its scratch
copies for ``import --check``, and the read-only auditor's role.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.location import connect, ledger_env, schema_has_ledger
from ledger.readmodel import (
    POSTGRES,
    POSTGRES_APPEND_ONLY_DDL,
    BookRows,
    copy_tables,
    extend_chain,
    read_model_ddl,
)
from ledger.store import LedgerChanged


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


@contextmanager
def checking_ledger(db: str) -> Iterator[Any]:
    """A throw-away copy of the ledger inside ONE transaction that is rolled back.

    ``import --check`` runs the real rules on it. DDL is transactional in PostgreSQL:
    the scratch schema, its tables and its rows exist only inside this transaction,
    so a kill (the server rolls it back) or an error leaves nothing behind. The copy
    of the books is one REPEATABLE READ moment."""
    import uuid

    import psycopg
    from eventsourcing.persistence import IntegrityError
    from psycopg.rows import dict_row

    from ledger.app import LedgerApp

    env = ledger_env(db, write=False)
    source = env["POSTGRES_SCHEMA"]
    has_ledger = schema_has_ledger(env)
    scratch = f"kerang_check_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with (
        connect(
            env,
            autocommit=True,
            row_factory=dict_row,
            application_name=f"kerang-check-{os.getpid()}",  # whose transaction this is
        ) as conn,
        conn.transaction(force_rollback=True),
    ):
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

        @contextmanager
        def held() -> Iterator[Any]:  # every statement of the scratch ledger, on this one
            try:
                yield conn
            except psycopg.IntegrityError as e:
                raise IntegrityError(str(e)) from e

        app = LedgerApp(env={**env, "POSTGRES_SCHEMA": scratch, "CREATE_TABLE": "no"})
        for recorder in (app.recorder, getattr(app.snapshots, "recorder", None)):
            if recorder is not None:
                recorder.datastore.get_connection = held
        conn.execute(SQL("CREATE SCHEMA {0}").format(Identifier(scratch)))
        app.recorder.create_table()
        if app.snapshots is not None:  # its row type is the events' one, made just now
            for statement in app.snapshots.recorder.sql_create_statements:
                with contextlib.suppress(psycopg.errors.DuplicateObject), conn.transaction():
                    conn.execute(statement)
        if has_ledger:
            copy_tables(conn, source, scratch)
        yield app


def copy_schema(db: str) -> tuple[str, Any]:
    """A scratch copy of a PostgreSQL ledger's schema, and how to drop it."""
    import uuid
    from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

    from ledger.app import open_ledger

    env = ledger_env(db, write=False)
    scratch_schema = f"kerang_check_{uuid.uuid4().hex[:12]}"
    url = urlparse(db)
    query = parse_qs(url.query)
    query["schema"] = [scratch_schema]
    scratch = urlunparse(url._replace(query=urlencode(query, doseq=True)))
    open_ledger(scratch, create=True)  # the tables, types and triggers
    with connect(env) as conn:
        if schema_has_ledger(env):  # else: checking a file for a ledger still to be made
            copy_tables(conn, env["POSTGRES_SCHEMA"], scratch_schema)
        else:
            copy_tables(conn, None, scratch_schema)

    def drop() -> None:
        with connect(env) as conn:
            conn.execute(SQL("DROP SCHEMA {0} CASCADE").format(Identifier(scratch_schema)))

    return scratch, drop


@attrs.frozen
class Granted:
    """What ``db grant-auditor`` did."""

    role: str
    url: str
    created: bool
    granted: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "db": self.url,
            "created": self.created,
            "granted": list(self.granted),
        }


WRITES = "INSERT, UPDATE, DELETE, TRUNCATE"


def grant_auditor(db: str, role: str) -> Granted:
    """A read-only role: every report and the audit, never a write.

    Refused: PUBLIC, PostgreSQL's predefined ``pg_*`` roles, superusers, roles that
    bypass row security, and any role that could still write the ledger afterwards
    (an owner, or a member of a role that writes); then nothing is changed."""
    from urllib.parse import urlparse

    if role == "public" or role.startswith("pg_"):
        raise InvalidInput(
            "role",
            msg(
                "ROLE {role} is PostgreSQL's own and reaches far beyond one auditor; name the auditor's own role.",
                role=role,
            ),
        )
    env = ledger_env(db, write=False)
    schema = env["POSTGRES_SCHEMA"]
    names = {
        "db": Identifier(env["POSTGRES_DBNAME"]),
        "schema": Identifier(schema),
        "role": Identifier(role),
    }
    with connect(env, autocommit=True) as conn, conn.transaction():
        found = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (role,)
        ).fetchone()
        if found and found[0]:
            raise InvalidInput(
                "role",
                msg(
                    "ROLE {role} is a superuser and could still write; name a role that is not.",
                    role=role,
                ),
            )
        if found and found[1]:
            raise InvalidInput(
                "role",
                msg(
                    "ROLE {role} bypasses row security (BYPASSRLS); name a role that does not.",
                    role=role,
                ),
            )
        granted = []
        if not found:
            conn.execute(SQL("CREATE ROLE {role} LOGIN").format(**names))
            granted.append(f"created role {role} (LOGIN)")
        tables = conn.execute(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchone()[0]
        for statement, said in (
            (
                "GRANT CONNECT ON DATABASE {db} TO {role}",
                f"CONNECT on database {env['POSTGRES_DBNAME']}",
            ),
            ("GRANT USAGE ON SCHEMA {schema} TO {role}", f"USAGE on schema {schema}"),
            (
                "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
                f"SELECT on the {tables} tables of {schema}",
            ),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
                f"SELECT on tables made later in {schema}",
            ),
            (f"REVOKE {WRITES} ON ALL TABLES IN SCHEMA {{schema}} FROM {{role}}", ""),
        ):
            conn.execute(SQL(statement).format(**names))
            if said:
                granted.append(said)
        writable = conn.execute(
            "SELECT string_agg(tablename, ', ' ORDER BY tablename) FROM pg_tables "
            "WHERE schemaname = %s AND has_table_privilege(%s, "
            "quote_ident(schemaname) || '.' || quote_ident(tablename), %s)",
            (schema, role, WRITES),
        ).fetchone()[0]
        if writable:  # through ownership or membership: undo everything above
            raise InvalidInput(
                "role",
                msg(
                    "ROLE {role} could still write {tables} (it owns them or belongs to a role that writes); nothing was granted.",
                    role=role,
                    tables=writable,
                ),
            )
    url = urlparse(db)
    address = url._replace(netloc=f"{role}@{url.hostname}:{env['POSTGRES_PORT']}").geturl()
    return Granted(role, address, not found, tuple(granted))
