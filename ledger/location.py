"""Where a ledger lives and how to reach it: a SQLite file or a PostgreSQL schema.

Both the application (``ledger.app``) and the PostgreSQL storage (``ledger.pgstore``)
read a ``--db`` value through here, so neither imports the other for it.

One schema per cooperative. ``?schema=NAME`` names it; without the parameter the
schema is ``$KERANG_SCHEMA``, else ``kerang`` — never ``public`` unless asked for
explicitly (``?schema=public``). An empty ``?schema=``, PostgreSQL's own schemas
(``pg_*``, ``information_schema``) and a port that is not a port are refused.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlparse

from ledger.errors import InvalidInput, NotInitialised
from ledger.files import is_kerang_file, sqlite_uri
from ledger.i18n import msg

DEFAULT_SCHEMA = "kerang"
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def ledger_env(db: str, *, write: bool = True) -> dict[str, str]:
    """eventsourcing settings for a ``--db`` value: a SQLite path or a PostgreSQL URL."""
    env = {"APPLICATION_RECORDER_TOPIC": "ledger.store:LedgerRecorder"}
    if is_postgres(db):
        # readers (an auditor's role) may not create anything
        env = {**postgres_env(db), "CREATE_TABLE": "yes" if write else "no"}
    else:
        env.update(
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                # a quoted file: URI, so that '%', '?', '#' or ':memory:' in a name stay a name
                "SQLITE_DBNAME": sqlite_uri(db, mode="rwc"),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        )
    key = os.environ.get("KERANG_CIPHER_KEY")
    if key:
        env.update({"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key})
    return env


def postgres_env(db: str, field: str = "db") -> dict[str, str]:
    """eventsourcing's PostgreSQL settings for a ``postgresql://`` URL (one reading or a
    refusal naming ``field``: ``--db``, or ``--to`` for a copy's target)."""
    from urllib.parse import parse_qs, unquote, urlparse

    url = urlparse(db)
    given = parse_qs(url.query, keep_blank_values=True).get("schema")
    if given is None:
        schema = os.environ.get("KERANG_SCHEMA") or DEFAULT_SCHEMA
    elif len(given) > 1:
        raise InvalidInput(field, "{field} names ?schema= more than once; give it once.")
    else:
        schema = given[0]
    check_schema(schema, field)
    try:
        port = 5432 if url.port is None else url.port
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise InvalidInput(field, "the port in {field} must be a whole number from 1 to 65535.")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": "ledger.pgstore:LedgerPostgresRecorder",
    }


def check_schema(schema: str, field: str = "db") -> None:
    if not schema:
        raise InvalidInput(
            field,
            msg(
                "?schema= is empty; name the cooperative's schema, or leave it out for '{default}'.",
                default=DEFAULT_SCHEMA,
            ),
        )
    if not SCHEMA_NAME.fullmatch(schema):
        raise InvalidInput(
            field,
            msg("schema {schema!r} must be lower-case letters, digits and _.", schema=schema),
        )
    if schema.startswith("pg_") or schema == "information_schema":
        raise InvalidInput(
            field,
            msg(
                "schema {schema} belongs to PostgreSQL itself; give the cooperative's own schema.",
                schema=schema,
            ),
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
        raise NotInitialised(
            "db",
            msg(
                "cannot reach the PostgreSQL server ({splitlines}).",
                splitlines=str(e).strip().splitlines()[0],
            ),
        ) from None


def shown(db: str) -> str:
    """The --db value without a password."""
    if is_postgres(db):
        url = urlparse(db)
        if url.password:
            return db.replace(f":{url.password}@", ":***@")
    return db


def ledger_exists(db: str) -> bool:
    if not is_postgres(db):
        if not os.path.exists(db) or os.path.getsize(db) == 0:
            return False
        if not is_kerang_file(db):  # never write into someone else's database
            raise InvalidInput("db", msg("{db} is not a kerang ledger; give another --db.", db=db))
        return True
    env = ledger_env(db, write=False)
    return schema_has_ledger(env)
