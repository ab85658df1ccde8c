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
from ledger.files import atomic_path, connect_readonly, guard_output, sqlite_uri
from ledger.i18n import msg
from ledger.location import postgres_env
from ledger.location import shown as _shown

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
        postgres_env(to, "to")  # a target that can be read one way, or a refusal naming --to
        if _same_place(db, to):
            raise InvalidInput("to", "{field} is the ledger itself; give another place.")
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


@attrs.frozen
class Basis:
    """Where the destination's chain stands: its last event and link (empty: 0, GENESIS)."""

    seq: int = 0
    link: str = GENESIS


def _rounds(
    source: Iterator[tuple[dict[str, Any], Any]],
    seal: Any,
    basis: Basis = Basis(),
    load: Any = None,
    field: str = "db",
) -> Iterator[tuple[list[tuple], list[tuple[int, str]], Any]]:
    """Stored events as they are (after ``basis``), with their links and projected rows.

    Every link is recomputed from the bytes; a link that does not hold stops everything.
    ``load(originator_id, version)`` gives an aggregate already stored in the destination."""
    from ledger.export import row_state
    from ledger.readmodel import BookRows

    aggregates: dict[Any, Any] = {}
    previous = basis.link
    events: list[tuple] = []
    links: list[tuple[int, str]] = []
    rows = BookRows(seal=seal)
    for row, event in source:
        if row["seq"] <= basis.seq:
            continue
        state = row_state(row)
        previous = link(previous, row["seq"], row["id"], row["version"], row["topic"], state)
        if row["link"] is not None and previous != row["link"]:
            raise InvalidInput(
                field,
                msg(
                    "the chain breaks at event {seq}; nothing was written, run 'kerang audit' or 'kerang verify'.",
                    seq=row["seq"],
                ),
            )
        events.append((row["seq"], UUID(row["id"]), row["version"], row["topic"], state))
        links.append((row["seq"], previous))
        before = aggregates.get(event.originator_id)
        if before is None and event.originator_version > 1 and load is not None:
            before = load(event.originator_id, event.originator_version - 1)
        aggregate = event.mutate(before)
        aggregates[event.originator_id] = aggregate
        rows.add(aggregate, event)
        if len(events) >= PAGE:
            yield events, links, rows
            events, links, rows = [], [], BookRows(seal=seal)
    yield events, links, rows


def _stored(source: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    from ledger.export import iter_stored

    return iter_stored(source)


def _write_sqlite(
    source: Any, path: str, rounds: Iterator | None = None, basis: Basis = Basis()
) -> tuple[int, str]:
    from ledger.readmodel import SQLITE, append_stored, locked_head

    count, head = 0, basis.link
    rounds = rounds if rounds is not None else _rounds(_stored(source), source.read.seal)
    with contextlib.closing(
        sqlite3.connect(sqlite_uri(path, mode="rw"), uri=True, isolation_level=None)
    ) as conn:
        c = conn.cursor()
        c.execute("BEGIN IMMEDIATE")
        try:
            if locked_head(c, SQLITE) != basis.seq:
                raise InvalidInput(
                    "db",
                    msg("another clerk wrote meanwhile; nothing was written, repeat the command."),
                )
            for events, links, rows in rounds:
                append_stored(
                    c, SQLITE, [(seq, oid.hex, *rest) for seq, oid, *rest in events], links
                )
                rows.write(c, SQLITE.mark)
                count += len(events)
                head = links[-1][1] if links else head
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
    return count, head


def _write_postgres(
    source: Any, to: str, rounds: Iterator | None = None, basis: Basis = Basis()
) -> tuple[int, str]:
    """Everything in one transaction: a kill or a refusal leaves the schema as it was."""
    from psycopg.sql import SQL, Identifier

    from ledger.location import connect, ledger_env
    from ledger.readmodel import POSTGRES, append_stored, follow_stored, locked_head

    env = ledger_env(to, write=False)
    count, head = 0, basis.link
    rounds = rounds if rounds is not None else _rounds(_stored(source), source.read.seal)
    with connect(env) as conn, conn.transaction(), conn.cursor() as c:
        c.execute(SQL("SET LOCAL search_path TO {0}").format(Identifier(env["POSTGRES_SCHEMA"])))
        if locked_head(c, POSTGRES) != basis.seq:
            if not basis.seq:
                raise InvalidInput(
                    "to",
                    msg("{to} already holds a ledger; copy into an empty schema.", to=_shown(to)),
                )
            raise InvalidInput(
                "db", msg("another clerk wrote meanwhile; nothing was written, repeat the command.")
            )
        for events, links, rows in rounds:
            append_stored(c, POSTGRES, events, links)
            rows.write(c, POSTGRES.mark)
            count += len(events)
            head = links[-1][1] if links else head
        follow_stored(c, POSTGRES)
    _snapshot(to)
    return count, head


# ------------------------------------------------------------------ restore of an export
def export_events(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, stored event row) of every event an export's lines carry."""
    import json

    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            chain = json.loads(line)["chain"]
            rows = chain["events"]
            for i, row in enumerate(rows):
                # the line's link follows its last event; the ones before it are checked by it
                yield number, {**row, "link": chain["link"] if i == len(rows) - 1 else None}


def is_export(path: str) -> bool:
    """Whether the file's first line carries stored events (an export of a ledger)."""
    import json

    try:
        with open(path, encoding="utf-8-sig") as f:
            first = next((line for line in f if line.strip()), "")
        chain = json.loads(first).get("chain") if first else None
    except (OSError, ValueError, AttributeError, RecursionError):
        return False  # not an export: the import reads it line by line and says why
    return isinstance(chain, dict) and bool(chain.get("events"))


def restore(db: str, path: str) -> tuple[int, int] | None:
    """Write an export's stored events as they are into the ledger ``db``, which must be
    empty or a beginning of the exported books; (lines, lines written).

    None when the file is not an export that extends ``db`` (then it is imported line by
    line, as new transactions)."""
    from eventsourcing.persistence import StoredEvent

    from ledger.app import is_postgres, open_ledger

    if not is_export(path):
        return None
    from ledger.verify import verify_export

    checked = verify_export(path)  # every link, and every line's command its events
    if not checked.ok:
        raise InvalidInput(
            "file",
            msg(
                "{path} is an export that does not hold ({problem}); nothing was recorded. "
                "To record its lines as new transactions, remove their 'chain' fields.",
                path=path,
                problem=checked.problems[0],
            ),
        )
    app = open_ledger(db, create=True)
    basis = _basis(app)
    lines: set[int] = set()
    new: set[int] = set()
    extends = basis.seq == 0
    try:
        for number, row in export_events(path):
            lines.add(number)
            if row["seq"] > basis.seq:
                new.add(number)
            elif row["seq"] == basis.seq:
                extends = row["link"] == basis.link
        if not extends:
            return None

        def source() -> Iterator[tuple[dict[str, Any], Any]]:
            from ledger.export import row_state

            for _, row in export_events(path):
                if row["seq"] <= basis.seq:
                    continue
                stored = StoredEvent(UUID(row["id"]), row["version"], row["topic"], row_state(row))
                yield row, app.mapper.to_domain_event(stored)

        def load(originator_id: Any, version: int) -> Any:
            return app.repository.get(originator_id, version=version)

        rounds = _rounds(source(), app.read.seal, basis, load, field="file")
        writer = _write_postgres if is_postgres(db) else _write_sqlite
        writer(app, db, rounds, basis)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InvalidInput(
            "file",
            msg(
                "line {line}: its chain is not an export's ({e}); nothing was written.",
                line=max(lines, default=0) + 1,
                e=e,
            ),
        ) from None
    return len(lines), len(new)


def _basis(app: Any) -> Basis:
    seq, last = app.read.chain_tail()
    return Basis(seq, last or GENESIS)
