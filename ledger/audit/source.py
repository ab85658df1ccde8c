"""Read-only access to a ledger's stored rows, in one consistent snapshot.

SQLite: a read-only connection in one read transaction, through APSW (it hands rows
to Python in about half the time the standard module takes, and most of what the audit
reads is rows). PostgreSQL: a REPEATABLE READ, READ ONLY transaction with server-side
cursors, so that streaming a million events keeps memory flat. Everything it hands out
is plain tuples and bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from ledger.audit.codec import decode
from ledger.audit.rules import Entry

SEALED = "sealed:"  # an encrypted command text in the refs read model


def plain_types(oid: Any, version: Any, topic: Any, state: Any) -> tuple[str, int, str, bytes]:
    """A stored row's values as the fold takes them (PostgreSQL hands out UUIDs and
    memoryviews)."""
    if type(state) is not bytes:
        state = state.encode() if isinstance(state, str) else bytes(state)
    if type(oid) is not str:
        oid = oid.hex if isinstance(oid, UUID) else str(oid)
    if type(version) is not int or type(topic) is not str:
        # SQLite keeps any type it is given: a value that is no version or topic is
        # tampering, left for the chain and version checks to report
        version = version if type(version) is int else -1
        topic = topic if type(topic) is str else repr(topic)
    return oid, version, topic, state


class Source:
    def __init__(self, db: str) -> None:
        from ledger.app import is_postgres, ledger_env

        self.postgres = is_postgres(db)
        env = ledger_env(db, write=False)
        self.cipher = None
        if env.get("CIPHER_KEY"):
            from eventsourcing.cryptography import AESCipher
            from eventsourcing.utils import Environment

            self.cipher = AESCipher(Environment(env=env))
        self.seq = "notification_id" if self.postgres else "rowid"
        if self.postgres:
            from psycopg.rows import tuple_row
            from psycopg.sql import SQL, Identifier

            from ledger.pgstore import connect

            self.conn = connect(env, row_factory=tuple_row)
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self.conn.execute(
                SQL("SET LOCAL search_path TO {0}").format(Identifier(env["POSTGRES_SCHEMA"]))
            )
        else:
            import apsw

            from ledger.files import sqlite_uri

            flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI
            self.conn = apsw.Connection(sqlite_uri(db), flags=flags)
            self.conn.execute("BEGIN")
        self.cursors = 0

    def sql(self, text: str) -> str:
        text = text.replace("{seq}", self.seq)
        return text.replace("?", "%s") if self.postgres else text

    def execute(self, text: str, params: tuple = ()) -> Any:
        return self.conn.execute(self.sql(text), params)

    def stream(self, text: str, params: tuple = ()) -> Iterator[tuple]:
        """Rows one by one, fetched in large batches."""
        if not self.postgres:
            return iter(self.conn.execute(self.sql(text), params))
        self.cursors += 1
        cursor = self.conn.cursor(name=f"kerang_audit_{self.cursors}")
        cursor.itersize = 10000  # one round trip per 10,000 rows, not per row
        cursor.execute(self.sql(text), params)
        return iter(cursor)

    def close(self) -> None:
        self.conn.rollback() if self.postgres else self.conn.execute("ROLLBACK")
        self.conn.close()

    # ------------------------------------------------------------ the events
    def count(self) -> int:
        return self.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]

    def plaintext(self, state: bytes) -> bytes | None:
        if self.cipher is None:
            return state
        try:
            return self.cipher.decrypt(state)
        except Exception:  # noqa: BLE001 - a row that does not decrypt is a finding
            return None

    def entries(
        self,
        fold: Callable[[int, str, int, str, bytes, bytes | None], Entry],
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[Entry]:
        """Every stored event, folded, in recording order."""
        total = self.count() if progress else 0
        rows = self.stream(
            "SELECT {seq}, originator_id, originator_version, topic, state FROM stored_events ORDER BY {seq}"
        )
        plaintext = self.plaintext if self.cipher is not None else None
        for n, (seq, oid, version, topic, state) in enumerate(rows, start=1):
            if (
                type(state) is not bytes
                or type(oid) is not str
                or type(version) is not int
                or type(topic) is not str
            ):
                oid, version, topic, state = plain_types(oid, version, topic, state)
            yield fold(seq, oid, version, topic, state, plaintext(state) if plaintext else state)
            if progress and n % 5000 == 0:
                progress(n, total)
        if progress:
            progress(total, total)

    def original(self, originator_id: str) -> tuple[str, dict[str, Any]] | None:
        """A transaction's first event (what a reversal negates), re-read when needed."""
        row = self.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id=? AND originator_version=1",
            (UUID(originator_id) if self.postgres else originator_id,),
        ).fetchone()
        if row is None:
            return None
        plain = self.plaintext(bytes(row[1]))
        if plain is None:
            return None
        try:
            return row[0].rpartition(":")[2], decode(plain)
        except ValueError:
            return None

    def version_breaks(self, limit: int = 20) -> list[tuple[Any, int, int]]:
        """(originator_id, version, expected) where an aggregate's versions skip or repeat."""
        if not self.versions_may_break():
            return []
        return self.execute(
            "SELECT originator_id, originator_version, rn FROM ("
            " SELECT originator_id, originator_version,"
            " ROW_NUMBER() OVER (PARTITION BY originator_id ORDER BY {seq}) AS rn FROM stored_events) AS v"
            f" WHERE originator_version != rn LIMIT {int(limit)}"
        ).fetchall()

    def versions_may_break(self) -> bool:
        """Whether the window query of ``version_breaks`` can find anything, answered
        through the (originator_id, originator_version) index instead of a sort: with no
        pair stored twice, and every version but 1 preceded in recording order by the
        version before it in its aggregate, the versions run 1..n."""
        return bool(
            self.execute(
                "SELECT EXISTS (SELECT 1 FROM stored_events AS s"
                " WHERE (s.originator_version <> 1 OR s.originator_version IS NULL) AND NOT EXISTS (SELECT 1 FROM stored_events AS p"
                " WHERE p.originator_id = s.originator_id"
                " AND p.originator_version = s.originator_version - 1 AND p.{seq} < s.{seq}))"
                " OR (SELECT COUNT(*) FROM stored_events) != (SELECT COUNT(*) FROM"
                " (SELECT DISTINCT originator_id, originator_version FROM stored_events) AS d)"
            ).fetchone()[0]
        )

    # ------------------------------------------------------------ the chain and read models
    def links(self) -> Iterator[tuple]:
        return self.stream("SELECT id, link FROM kerang_chain ORDER BY id")

    def refs(self) -> Iterator[tuple]:
        return self.stream(
            "SELECT ref, kind, date, command, reversed_by, reversed_on FROM kerang_refs ORDER BY id"
        )

    def postings(self) -> Iterator[tuple]:
        return self.stream(
            "SELECT ref, date, account, member, amount FROM kerang_postings ORDER BY id"
        )

    def harvests(self) -> Iterator[tuple]:
        return self.stream(
            "SELECT ref, date, bagan, sign, gross, costs, net, manager, members, savings, "
            "cooperative FROM kerang_harvests ORDER BY id"
        )

    def monthly(self) -> Iterator[tuple]:
        return self.stream("SELECT account, member, month, amount FROM kerang_monthly")

    def totals(self) -> Iterator[tuple]:
        return self.stream("SELECT account, member, amount FROM kerang_totals")

    def unseal(self, text: str) -> str:
        """A command text of the refs read model, decrypted when it is sealed."""
        if not text.startswith(SEALED):
            return text
        if self.cipher is None:
            raise ValueError("sealed")
        return self.cipher.decrypt(base64.b64decode(text[len(SEALED) :])).decode("utf-8")
