"""Storage: the event store plus read models written in the same transaction.

The read models (``kerang_refs``, ``kerang_postings``, ``kerang_harvests``,
``kerang_monthly``, ``kerang_totals``) are a pure function of the stored events (see
``BookRows.add``); they are written by the same database transaction that appends the
events, so a crash leaves both or neither. ``kerang audit`` re-derives them from the
events alone. Triggers keep every table append-only except the few documented updates
(``UPDATABLE`` below, with the reason for each).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger import faults
from ledger.chain import GENESIS, link
from ledger.i18n import msg
from ledger.projection import HARVEST_FIGURES, EventRows, project
from ledger.projection import canonical as canonical  # where callers found it before


@attrs.frozen
class Dialect:
    """What differs between the SQL of SQLite and of PostgreSQL here."""

    name: str
    mark: str  # parameter placeholder
    seq: str  # the stored events' recording-order column
    serial: str  # an auto-numbered primary key column type

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)


SQLITE = Dialect("sqlite", "?", "rowid", "INTEGER PRIMARY KEY")
POSTGRES = Dialect("postgres", "%s", "notification_id", "BIGSERIAL PRIMARY KEY")

# Amounts are BIGINT: whole rupiah of a cooperative's lifetime outgrow 32 bits.
READ_MODEL_DDL = (
    """CREATE TABLE IF NOT EXISTS kerang_refs (
        id {serial}, ref TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, date TEXT NOT NULL,
        command TEXT NOT NULL, reversed_by TEXT, reversed_on TEXT)""",
    """CREATE TABLE IF NOT EXISTS kerang_postings (
        id {serial}, ref TEXT NOT NULL, date TEXT NOT NULL,
        account TEXT NOT NULL, member TEXT NOT NULL, amount BIGINT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS kerang_postings_member ON kerang_postings (member, account, date, amount)",
    "CREATE INDEX IF NOT EXISTS kerang_postings_account ON kerang_postings (account, date, amount)",
    "CREATE INDEX IF NOT EXISTS kerang_postings_lines ON kerang_postings (member, date)",
    "CREATE INDEX IF NOT EXISTS kerang_postings_date ON kerang_postings (date)",
    "CREATE INDEX IF NOT EXISTS kerang_postings_ref ON kerang_postings (ref)",
    # month totals keep balances "as of" a date cheap however long the history
    """CREATE TABLE IF NOT EXISTS kerang_monthly (
        account TEXT NOT NULL, member TEXT NOT NULL, month TEXT NOT NULL, amount BIGINT NOT NULL,
        PRIMARY KEY (account, member, month))""",
    "CREATE INDEX IF NOT EXISTS kerang_monthly_member ON kerang_monthly (member, month)",
    # running totals: the current balances in one row each
    """CREATE TABLE IF NOT EXISTS kerang_totals (
        account TEXT NOT NULL, member TEXT NOT NULL, amount BIGINT NOT NULL,
        PRIMARY KEY (account, member))""",
    """CREATE TABLE IF NOT EXISTS kerang_harvests (
        id {serial}, ref TEXT NOT NULL, date TEXT NOT NULL, bagan TEXT NOT NULL,
        sign INTEGER NOT NULL, gross BIGINT NOT NULL, costs BIGINT NOT NULL, net BIGINT NOT NULL,
        manager BIGINT NOT NULL, members BIGINT NOT NULL, savings BIGINT NOT NULL,
        cooperative BIGINT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS kerang_harvests_date ON kerang_harvests (date)",
    "CREATE TABLE IF NOT EXISTS kerang_chain (id BIGINT PRIMARY KEY, link TEXT NOT NULL)",
)

# What the database itself lets change once a row is written. No row of any table is
# ever deleted (or truncated), and every table not named in UPDATABLE is append-only.
# The documented updates, each part of the design:
#   kerang_refs     reversed_by and reversed_on are filled in once, when a correction
#                   reverses the transaction; every other column stays as written.
#   kerang_monthly, kerang_totals
#                   running sums: a write adds to the ``amount`` of its key's row
#                   (ON CONFLICT DO UPDATE); the key columns never change.
# The audit compares every row and column of all of them with its own replay.
APPEND_ONLY = ("stored_events", "kerang_chain", "kerang_postings", "kerang_harvests")
UPDATABLE = {
    "kerang_refs": ("reversed_by", "reversed_on"),
    "kerang_monthly": ("amount",),
    "kerang_totals": ("amount",),
}
_FIXED = {  # the columns of an updatable table that never change
    "kerang_refs": ("id", "ref", "kind", "date", "command"),
    "kerang_monthly": ("account", "member", "month"),
    "kerang_totals": ("account", "member"),
}
_ONCE = "OLD.reversed_by IS NOT NULL OR OLD.reversed_on IS NOT NULL OR NEW.reversed_by IS NULL OR NEW.reversed_on IS NULL"


def _sqlite_update_rule(table: str) -> str:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FIXED[table])
    if table == "kerang_refs":
        changed += " OR " + _ONCE
    return (
        f"CREATE TRIGGER IF NOT EXISTS kerang_{table}_update_rule BEFORE UPDATE ON {table} "
        f"WHEN {changed} BEGIN SELECT RAISE(ABORT, '{table} may only change "
        f"{' and '.join(UPDATABLE[table])}'); END"
    )


SQLITE_APPEND_ONLY_DDL = (
    *(
        f"CREATE TRIGGER IF NOT EXISTS kerang_{table}_no_{verb} BEFORE {verb.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in APPEND_ONLY
        for verb in ("update", "delete")
    ),
    *(
        f"CREATE TRIGGER IF NOT EXISTS kerang_{table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in UPDATABLE
    ),
    *(_sqlite_update_rule(table) for table in UPDATABLE),
)
POSTGRES_APPEND_ONLY_DDL = (
    "CREATE OR REPLACE FUNCTION kerang_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
    # kerang_refs: a reversal is filled in once; nothing else changes
    "CREATE OR REPLACE FUNCTION kerang_reversal_once() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN IF (to_jsonb(NEW) - 'reversed_by' - 'reversed_on') IS DISTINCT FROM "
    "(to_jsonb(OLD) - 'reversed_by' - 'reversed_on') OR " + _ONCE + " THEN "
    "RAISE EXCEPTION '% may only change reversed_by and reversed_on, once', TG_TABLE_NAME; "
    "END IF; RETURN NEW; END $$",
    # running sums: only the amount changes
    "CREATE OR REPLACE FUNCTION kerang_amount_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN IF (to_jsonb(NEW) - 'amount') IS DISTINCT FROM (to_jsonb(OLD) - 'amount') THEN "
    "RAISE EXCEPTION '% may only change amount', TG_TABLE_NAME; END IF; RETURN NEW; END $$",
    *(
        f"CREATE OR REPLACE TRIGGER kerang_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION kerang_append_only()"
        for table in APPEND_ONLY
    ),
    *(
        f"CREATE OR REPLACE TRIGGER kerang_{table}_no_delete BEFORE DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION kerang_append_only()"
        for table in UPDATABLE
    ),
    "CREATE OR REPLACE TRIGGER kerang_kerang_refs_update_rule BEFORE UPDATE ON kerang_refs "
    "FOR EACH ROW EXECUTE FUNCTION kerang_reversal_once()",
    *(
        f"CREATE OR REPLACE TRIGGER kerang_{table}_update_rule BEFORE UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION kerang_amount_only()"
        for table in ("kerang_monthly", "kerang_totals")
    ),
    *(
        f"CREATE OR REPLACE TRIGGER kerang_{table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION kerang_append_only()"
        for table in (*APPEND_ONLY, *UPDATABLE)
    ),
)


def read_model_ddl(dialect: Dialect) -> list[str]:
    return [statement.replace("{serial}", dialect.serial) for statement in READ_MODEL_DDL]


SEALED = "sealed:"


@attrs.frozen
class Seal:
    """Encrypts the commands kept in the refs read model when the store is encrypted
    (they hold names, purposes and stories); amounts stay queryable."""

    cipher: Any = None

    def close(self, text: str) -> str:
        if self.cipher is None:
            return text
        return SEALED + base64.b64encode(self.cipher.encrypt(text.encode("utf-8"))).decode("ascii")

    def open(self, text: str) -> str:
        if not text.startswith(SEALED):
            return text
        if self.cipher is None:
            from ledger.errors import InvalidInput

            raise InvalidInput(
                "KERANG_CIPHER_KEY",
                msg("this ledger is encrypted; set KERANG_CIPHER_KEY to its key."),
            )
        return self.cipher.decrypt(base64.b64decode(text[len(SEALED) :])).decode("utf-8")


class LedgerChanged(IntegrityError):
    """Another writer recorded events after this batch read the books."""


@attrs.define
class BookRows:
    """Read-model rows derived from new events, written with them.

    ``basis`` is the last event the batch's checks saw; the write is refused
    (and retried by the caller) if the log has moved on since.
    """

    basis: int | None = None
    seal: Seal = Seal()
    refs: list[tuple[str, str, str, str]] = attrs.Factory(list)
    reversals: list[tuple[str, str, str]] = attrs.Factory(list)
    postings: list[tuple[str, str, str, str, int]] = attrs.Factory(list)
    harvests: list[tuple] = attrs.Factory(list)

    def add(self, aggregate: Any, event: Any) -> EventRows:
        """Take the rows of one event (applied to ``aggregate``); see ``projection``."""
        rows = project(aggregate, event)
        self.postings.extend(rows.postings)
        self.reversals.extend(rows.reversals)
        self.harvests.extend(rows.harvests)
        self.refs.extend((*ref[:3], self.seal.close(ref[3])) for ref in rows.refs)
        return rows

    def __bool__(self) -> bool:
        return bool(self.refs or self.reversals or self.postings or self.harvests)

    def write(self, c: Any, mark: str = SQLITE.mark) -> None:
        def sql(text: str) -> str:
            return text.replace("?", mark)

        if self.refs:
            c.executemany(
                sql("INSERT INTO kerang_refs (ref, kind, date, command) VALUES (?,?,?,?)"),
                self.refs,
            )
        if self.reversals:
            c.executemany(
                sql("UPDATE kerang_refs SET reversed_by=?, reversed_on=? WHERE ref=?"),
                self.reversals,
            )
        if self.postings:
            c.executemany(
                sql(
                    "INSERT INTO kerang_postings (ref, date, account, member, amount) VALUES (?,?,?,?,?)"
                ),
                self.postings,
            )
            months: dict[tuple[str, str, str], int] = defaultdict(int)
            for _, day, account, member, amount in self.postings:
                months[(account, member, day[:7])] += amount
            c.executemany(
                sql(
                    "INSERT INTO kerang_monthly (account, member, month, amount) VALUES (?,?,?,?) "
                    "ON CONFLICT (account, member, month) "
                    "DO UPDATE SET amount = kerang_monthly.amount + excluded.amount"
                ),
                [(*key, amount) for key, amount in months.items()],
            )
            totals: dict[tuple[str, str], int] = defaultdict(int)
            for (account, member, _), amount in months.items():
                totals[(account, member)] += amount
            c.executemany(
                sql(
                    "INSERT INTO kerang_totals (account, member, amount) VALUES (?,?,?) "
                    "ON CONFLICT (account, member) DO UPDATE SET amount = kerang_totals.amount + excluded.amount"
                ),
                [(*key, amount) for key, amount in totals.items()],
            )
        if self.harvests:
            c.executemany(
                sql(
                    "INSERT INTO kerang_harvests (ref, date, bagan, sign, gross, costs, net, manager, "
                    "members, savings, cooperative) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                ),
                self.harvests,
            )


class LedgerRecorder(SQLiteApplicationRecorder):
    """SQLite event store that writes the read models in the same transaction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _OPEN.add(self)
        _PATHS.add(self.datastore.pool.db_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *read_model_ddl(SQLITE),
            *SQLITE_APPEND_ONLY_DDL,
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # BEGIN IMMEDIATE takes the write lock before the basis is checked, so a
        # check-then-write can never interleave with another writer.
        with self.datastore.get_connection(commit=True) as conn:
            c = conn.cursor()
            c.execute("BEGIN IMMEDIATE")
            try:
                ids = self._insert_events(c, stored_events, **kwargs)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return ids

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        books: BookRows | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if books is not None and books.basis is not None:
            c.execute(self.select_max_notification_id_statement)
            head = c.fetchone()[0] or 0
            if head != books.basis:
                raise LedgerChanged(f"the ledger moved from event {books.basis} to {head}")
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._extend_chain(c, stored_events, ids or [])
        if books:
            books.write(c)
        return ids

    def _extend_chain(
        self, c: Any, stored_events: Sequence[StoredEvent], ids: Sequence[int]
    ) -> None:
        extend_chain(c, stored_events, ids, SQLITE)


# Every SQLite ledger opened by this process is checkpointed when the process ends, so
# that the main file holds every committed transaction whenever no command runs (a
# copy of the .db alone is then complete; ``kerang backup`` is complete at any time).
_OPEN: weakref.WeakSet[LedgerRecorder] = weakref.WeakSet()
_PATHS: set[str] = set()  # their file: URIs, for ledgers whose objects are gone already


def checkpoint(recorder: Any) -> bool:
    """Copy the WAL into the main file; True when all of it went in.

    PASSIVE never waits: frames a running reader still needs stay in the WAL, and the
    last command to end copies them."""
    if not isinstance(recorder, LedgerRecorder):
        return True
    try:
        with recorder.datastore.get_connection(commit=True) as conn:
            busy, frames, copied = (
                conn.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            )
    except Exception:  # a read-only file or a closed pool: nothing of ours to copy
        return False
    return not busy and frames == copied


def close_ledgers() -> None:
    """Checkpoint and close every SQLite ledger this process opened."""
    for recorder in list(_OPEN):
        checkpoint(recorder)
        with contextlib.suppress(Exception):
            recorder.datastore.close()  # the last connection to close removes the WAL
        _OPEN.discard(recorder)
    for uri in list(_PATHS):
        # the last connection to close copies the WAL in and removes it (a read-only
        # reader such as the audit cannot); mode=rw never creates a file that is gone
        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(uri.replace("mode=rwc", "mode=rw"), uri=True)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        _PATHS.discard(uri)


atexit.register(close_ledgers)


def extend_chain(
    c: Any, stored_events: Sequence[StoredEvent], ids: Sequence[int], dialect: Dialect
) -> None:
    """Link the new events into the chain, in the transaction that stores them."""
    c.execute("SELECT link FROM kerang_chain ORDER BY id DESC LIMIT 1")
    row = c.fetchone()
    previous = (row[0] if isinstance(row, tuple) else row["link"]) if row else GENESIS
    links = []
    for seq, s in zip(ids, stored_events, strict=True):
        oid = s.originator_id.hex if isinstance(s.originator_id, UUID) else str(s.originator_id)
        previous = link(previous, seq, oid, s.originator_version, s.topic, s.state)
        links.append((seq, previous))
    c.executemany(dialect.sql("INSERT INTO kerang_chain (id, link) VALUES (?, ?)"), links)
    faults.reach("write")  # a crash test may cut the transaction short here


@attrs.frozen
class ReadModel:
    """Queries over the read models (through the event store's own connection)."""

    datastore: Any
    dialect: Dialect = SQLITE
    seal: Seal = Seal()

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        if self.dialect is POSTGRES:
            from ledger.pgstore import query

            return query(self.datastore, self.dialect.sql(sql), tuple(params))
        with self.datastore.get_connection(commit=False) as conn:
            c = conn.cursor()  # autocommit: one statement needs no transaction
            c.execute(sql, tuple(params))
            return [tuple(r) for r in c.fetchall()]

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A cursor in one read transaction (rows as tuples), for a consistent long read."""
        if self.dialect is POSTGRES:
            from ledger.pgstore import snapshot

            with snapshot(self.datastore) as cursor:
                yield cursor
            return
        with self.datastore.transaction(commit=False) as cursor:
            yield cursor

    def head(self) -> int:
        [(head,)] = self.rows(f"SELECT MAX({self.dialect.seq}) FROM stored_events")
        return head or 0

    def known_refs(self, refs: Sequence[str]) -> dict[str, str]:
        """The stored command of each of ``refs`` that is recorded."""
        found: dict[str, str] = {}
        for i in range(0, len(refs), 500):
            chunk = refs[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                (ref, self.seal.open(command))
                for ref, command in self.rows(
                    f"SELECT ref, command FROM kerang_refs WHERE ref IN ({marks})", chunk
                )
            )
        return found

    def ref(self, ref: str) -> tuple[str, str, str | None, str | None] | None:
        found = self.rows(
            "SELECT kind, command, reversed_by, reversed_on FROM kerang_refs WHERE ref=?", (ref,)
        )
        if not found:
            return None
        kind, command, by, on = found[0]
        return kind, self.seal.open(command), by, on

    def balance(self, account: str, member: str | None, day: dt.date) -> int:
        """Sum of postings up to and including ``day`` (debit positive)."""
        where, params = _where(account, member)
        month, iso = day.isoformat()[:7], day.isoformat()
        [(before,)] = self.rows(
            f"SELECT COALESCE(SUM(amount), 0) FROM kerang_monthly WHERE {where} AND month < ?",
            (*params, month),
        )
        [(within,)] = self.rows(
            f"SELECT COALESCE(SUM(amount), 0) FROM kerang_postings WHERE {where} AND date >= ? AND date <= ?",
            (*params, month + "-01", iso),
        )
        return int(before) + int(within)

    def later_movements(
        self, account: str, member: str | None, day: dt.date
    ) -> list[tuple[str, int]]:
        where, params = _where(account, member)
        return [
            (d, int(a))
            for d, a in self.rows(
                f"SELECT date, SUM(amount) FROM kerang_postings WHERE {where} AND date > ? "
                "GROUP BY date ORDER BY date",
                (*params, day.isoformat()),
            )
        ]

    def last_harvest_date(self) -> dt.date | None:
        [(last,)] = self.rows("SELECT MAX(date) FROM kerang_harvests WHERE sign > 0")
        return dt.date.fromisoformat(last) if last else None

    def last_member_date(self, member: str) -> dt.date | None:
        [(last,)] = self.rows("SELECT MAX(date) FROM kerang_postings WHERE member=?", (member,))
        return dt.date.fromisoformat(last) if last else None

    def last_date(self) -> dt.date | None:
        [(last,)] = self.rows("SELECT MAX(date) FROM kerang_postings")
        return dt.date.fromisoformat(last) if last else None

    def member_totals(self, member: str, day: dt.date) -> dict[str, int]:
        return self._totals("member=?", (member,), day)

    def account_totals(self, day: dt.date) -> dict[str, int]:
        return self._totals("1=1", (), day)

    def _totals(self, where: str, params: tuple, day: dt.date) -> dict[str, int]:
        """Totals by account: whole months from kerang_monthly, then the last month's days
        (or the running totals when nothing is dated after ``day``)."""
        last = self.last_date()
        if last is None or last <= day:
            return {
                account: int(total)
                for account, total in self.rows(
                    f"SELECT account, SUM(amount) FROM kerang_totals WHERE {where} GROUP BY account",
                    params,
                )
            }
        month, iso = day.isoformat()[:7], day.isoformat()
        totals: dict[str, int] = defaultdict(int)
        for account, total in self.rows(
            f"SELECT account, SUM(amount) FROM kerang_monthly WHERE {where} AND month < ? GROUP BY account",
            (*params, month),
        ):
            totals[account] += int(total)
        for account, total in self.rows(
            f"SELECT account, SUM(amount) FROM kerang_postings WHERE {where} AND date >= ? AND date <= ? "
            "GROUP BY account",
            (*params, month + "-01", iso),
        ):
            totals[account] += int(total)
        return dict(totals)

    def harvest_totals(self, day: dt.date) -> dict[str, int]:
        cols = ", ".join(f"COALESCE(SUM({f}), 0)" for f in ("sign", *HARVEST_FIGURES))
        [row] = self.rows(f"SELECT {cols} FROM kerang_harvests WHERE date <= ?", (day.isoformat(),))
        return dict(zip(("harvests", *HARVEST_FIGURES), (int(v) for v in row), strict=True))

    def member_lines(
        self, member: str, day: dt.date, limit: int
    ) -> list[tuple[str, str, str, str, int]]:
        """The member's latest postings: (date, ref, kind, account, amount)."""
        rows = self.rows(
            "SELECT p.date, p.ref, COALESCE(r.kind, ''), p.account, p.amount FROM kerang_postings p "
            "LEFT JOIN kerang_refs r ON r.ref = p.ref WHERE p.member=? AND p.date <= ? "
            "ORDER BY p.date DESC, p.id DESC LIMIT ?",
            (member, day.isoformat(), limit),
        )
        return list(reversed(rows))

    # ------------------------------------------------------ year-end close, statements
    def month_sums(
        self,
        first: str | None,
        last: str,
        accounts: Sequence[str] = (),
        prefixes: Sequence[str] = (),
    ) -> dict[tuple[str, str], int]:
        """Totals by (account, member) of the months ``first``..``last`` (YYYY-MM,
        ``first`` None for everything before) of the named accounts and prefixes."""
        terms = ["account = ?"] * len(accounts) + ["account LIKE ?"] * len(prefixes)
        params: list[Any] = [*accounts, *(p + "%" for p in prefixes)]
        where = "(" + " OR ".join(terms or ["1=1"]) + ") AND month <= ?"
        params.append(last)
        if first is not None:
            where += " AND month >= ?"
            params.append(first)
        return {
            (a, m): int(x)
            for a, m, x in self.rows(
                f"SELECT account, member, SUM(amount) FROM kerang_monthly WHERE {where} "
                "GROUP BY account, member",
                params,
            )
            if int(x)
        }

    def period_postings(
        self,
        first: dt.date,
        last: dt.date,
        accounts: Sequence[str] = (),
        prefixes: Sequence[str] = (),
    ) -> list[tuple[str, str, str, str, int, str | None, str | None]]:
        """Postings dated ``first``..``last`` with their ref's kind and command:
        (ref, date, account, member, amount, kind, command); register entries
        (``close:2020``, ``bagan:B01``, ...) have no kind."""
        terms = ["p.account = ?"] * len(accounts) + ["p.account LIKE ?"] * len(prefixes)
        params: list[Any] = [*accounts, *(p + "%" for p in prefixes)]
        return [
            (ref, d, a, m, int(x), kind, None if command is None else self.seal.open(command))
            for ref, d, a, m, x, kind, command in self.rows(
                "SELECT p.ref, p.date, p.account, p.member, p.amount, r.kind, r.command "
                "FROM kerang_postings p LEFT JOIN kerang_refs r ON r.ref = p.ref "
                f"WHERE ({' OR '.join(terms or ['1=1'])}) AND p.date >= ? AND p.date <= ? "
                "ORDER BY p.date, p.id",
                (*params, first.isoformat(), last.isoformat()),
            )
        ]


def _where(account: str, member: str | None) -> tuple[str, tuple]:
    if member is None:
        return "account=?", (account,)
    return "account=? AND member=?", (account, member)


# ------------------------------------------------------------------ scratch copies
SCRATCH_PREFIX = "kerang-check-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_stale_scratch(folder: str | None = None) -> list[str]:
    """Remove scratch copies left by a killed ``import --check`` (their process is gone)."""
    folder = folder or tempfile.gettempdir()
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(SCRATCH_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            pid = entry.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.path)
    return removed


@contextmanager
def scratch_sqlite(db: str) -> Iterator[str]:
    """A throw-away copy of a SQLite ledger under a name that tells which process owns it
    (``kerang-check-PID-…``): removed at the end, or by the next run if this one is killed."""
    from ledger.files import connect_readonly

    clean_stale_scratch()
    folder = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    try:
        scratch = os.path.join(folder, "check.db")
        if os.path.exists(db) and os.path.getsize(db) > 0:
            with (
                contextlib.closing(connect_readonly(db)) as source,
                contextlib.closing(sqlite3.connect(scratch)) as target,
            ):
                source.backup(target)
        yield scratch
    finally:
        shutil.rmtree(folder, ignore_errors=True)
