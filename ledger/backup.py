"""Backups and moves that keep the chain.

``backup`` copies a SQLite ledger page by page with SQLite's online backup API (a
consistent copy even while clerks write), audits the copy and only then puts it in
place. ``copy`` moves a ledger between files and engines by writing the stored events
as they are (same order numbers, same bytes): the chain, the head and every head an
auditor kept hold in the destination. Its read models are projected afresh from those
events, never copied.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import attrs

from ledger.chain import GENESIS, link
from ledger.errors import InvalidInput
from ledger.files import atomic_path, connect_readonly, guard_output
from ledger.i18n import msg

PAGE = 5000  # events projected and written per round


@attrs.frozen
class Copied:
    """What a backup or copy wrote, and what the audit of the result says."""

    source: str
    to: str
    events: int
    head: str
    ok: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "db": self.source,
            "to": self.to,
            "events": self.events,
            "head": self.head,
            "ok": self.ok,
        }


class CopyNotSound(InvalidInput):
    """The copy does not audit: nothing was put in place."""

    code = "copy_not_sound"


def _audit(db: str) -> Any:
    from ledger.audit import audit

    return audit(db)


def _shown(db: str) -> str:
    from ledger.app import _shown

    return _shown(db)


def backup(db: str, out: str) -> Copied:
    """A complete, audited copy of the ledger ``db`` in the SQLite file ``out``."""
    from ledger.app import is_postgres, open_ledger

    path = guard_output(out, db=db)
    open_ledger(db)  # refuses a missing ledger or someone else's database
    if is_postgres(db):
        return copy(db, str(path))
    with atomic_path(path) as temporary:
        with (
            contextlib.closing(connect_readonly(db)) as source,
            contextlib.closing(sqlite3.connect(temporary)) as target,
        ):
            source.backup(target)  # one step: one consistent snapshot of the ledger
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        report = _audit(temporary)
        if not report.ok:
            raise CopyNotSound("db", _not_sound(db, report))
    return Copied(db, str(path), report.events, report.head, report.ok)


def _not_sound(db: str, report: Any) -> str:
    failed = next((c for c in report.checks if not c.ok), None)
    return msg(
        "the copy of {db} does not audit ({check}: {detail}); nothing was written, run 'kerang audit --db {db}'.",
        db=_shown(db),
        check=failed.name if failed else "?",
        detail=failed.detail if failed else "",
    )


# ------------------------------------------------------------------ copy between engines
def copy(db: str, to: str) -> Copied:
    """Copy the ledger ``db`` into ``to`` (a new SQLite file or an empty PostgreSQL schema)."""
    from ledger.app import is_postgres, ledger_exists, open_ledger

    source = open_ledger(db)
    if is_postgres(to):
        if _same_place(db, to):
            raise InvalidInput("to", msg("--to is the ledger itself; give another place."))
        if ledger_exists(to) and _event_count(to) > 0:
            raise InvalidInput(
                "to",
                msg(
                    "{to} already holds a ledger; copy into an empty schema.",
                    to=_shown(to),
                ),
            )
        open_ledger(to, create=True)  # schema, tables and triggers (empty)
        events, head = _write_postgres(source, to)
        report = _audit(to)
        return Copied(db, _shown(to), events, head, report.ok and report.head == head)
    path = guard_output(to, db=None if is_postgres(db) else db, field="to")
    with atomic_path(path) as temporary:
        open_ledger(temporary, create=True).close()
        events, head = _write_sqlite(source, temporary)
        _snapshot(temporary)
        report = _audit(temporary)
        if not report.ok or report.head != head:
            raise CopyNotSound("to", _not_sound(db, report))
    return Copied(db, str(path), events, head, True)


def _same_place(a: str, b: str) -> bool:
    from ledger.app import is_postgres, ledger_env

    if not (is_postgres(a) and is_postgres(b)):
        return False
    ea, eb = ledger_env(a, write=False), ledger_env(b, write=False)
    keys = ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_SCHEMA")
    return all(ea[k] == eb[k] for k in keys)


def _event_count(db: str) -> int:
    from ledger.app import open_ledger

    app = open_ledger(db)
    try:
        return app.read.head()
    finally:
        app.close()


def _snapshot(db: str) -> None:
    """The copy checkpointed (commands rebuild the cooperative from its events: no
    snapshot, which nothing would chain or audit)."""
    from ledger.app import is_postgres, open_ledger
    from ledger.store import checkpoint

    app = open_ledger(db)
    try:
        checkpoint(app.recorder)
    finally:
        app.close()
    if not is_postgres(db):  # one self-contained file (kerang turns WAL on when it writes)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")


def _rounds(source: Any) -> Iterator[tuple[list[tuple], list[tuple[int, str]], Any]]:
    """The source's stored events as they are, with their links and projected rows."""
    from ledger.store import BookRows
    from ledger.transfer import iter_stored, row_state

    aggregates: dict[Any, Any] = {}
    previous = GENESIS
    events: list[tuple] = []
    links: list[tuple[int, str]] = []
    rows = BookRows(seal=source.read.seal)
    for row, event in iter_stored(source):
        state = row_state(row)
        previous = link(previous, row["seq"], row["id"], row["version"], row["topic"], state)
        if previous != row["link"]:
            raise InvalidInput(
                "db",
                msg(
                    "the chain of this ledger breaks at event {seq}; nothing was copied, run 'kerang audit'.",
                    seq=row["seq"],
                ),
            )
        events.append((row["seq"], UUID(row["id"]), row["version"], row["topic"], state))
        links.append((row["seq"], previous))
        aggregate = event.mutate(aggregates.get(event.originator_id))
        aggregates[event.originator_id] = aggregate
        rows.add(aggregate, event)
        if len(events) >= PAGE:
            yield events, links, rows
            events, links, rows = [], [], BookRows(seal=source.read.seal)
    yield events, links, rows


def _write_sqlite(source: Any, path: str) -> tuple[int, str]:
    count, head = 0, GENESIS
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        c = conn.cursor()
        c.execute("BEGIN IMMEDIATE")
        try:
            for events, links, rows in _rounds(source):
                c.executemany(
                    "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                    "VALUES (?,?,?,?,?)",
                    [(seq, oid.hex, v, topic, state) for seq, oid, v, topic, state in events],
                )
                c.executemany("INSERT INTO kerang_chain (id, link) VALUES (?,?)", links)
                rows.write(c)
                count += len(events)
                head = links[-1][1] if links else head
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
    return count, head


def _write_postgres(source: Any, to: str) -> tuple[int, str]:
    """Everything in one transaction: a kill or a refusal leaves the schema empty."""
    from psycopg.sql import SQL, Identifier

    from ledger.app import ledger_env
    from ledger.pgstore import connect

    env = ledger_env(to, write=False)
    count, head = 0, GENESIS
    with connect(env) as conn, conn.transaction(), conn.cursor() as c:
        c.execute(SQL("SET LOCAL search_path TO {0}").format(Identifier(env["POSTGRES_SCHEMA"])))
        c.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")
        c.execute("SELECT COUNT(*) FROM stored_events")
        if c.fetchone()[0]:
            raise InvalidInput(
                "to", msg("{to} already holds a ledger; copy into an empty schema.", to=_shown(to))
            )
        for events, links, rows in _rounds(source):
            c.executemany(
                "INSERT INTO stored_events (notification_id, originator_id, originator_version, topic, state) "
                "VALUES (%s,%s,%s,%s,%s)",
                events,
            )
            c.executemany("INSERT INTO kerang_chain (id, link) VALUES (%s,%s)", links)
            rows.write(c, "%s")
            count += len(events)
            head = links[-1][1] if links else head
        c.execute(
            "SELECT setval(pg_get_serial_sequence('stored_events', 'notification_id'), "
            "GREATEST((SELECT MAX(notification_id) FROM stored_events), 1))"
        )
    _snapshot(to)
    return count, head
