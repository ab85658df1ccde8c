"""The read models: their schema, the SQL that writes projected rows, and every query
of them (and of the stored events and chain, for reports and export), for both engines.

The read models (``kerang_refs``, ``kerang_postings``, ``kerang_harvests``,
``kerang_monthly``, ``kerang_totals``) and the chain (``kerang_chain``) are written by
the transaction that appends the events (see the recorders in ``ledger.store`` and
``ledger.pgstore``); their rows come from ``ledger.projection``, a pure function of the
events. ``ReadModel`` is the one repository that reports, statements, export, beancount
and replay read through; what differs between SQLite and PostgreSQL is in ``Dialect``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from ledger import faults
from ledger.accounts import Entry
from ledger.chain import GENESIS, link
from ledger.i18n import msg
from ledger.projection import HARVEST_FIGURES, project
from ledger.projection import canonical as canonical  # where callers found it before

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent


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

# The columns of each read-model table as the replay and the audit compare them.
COLUMNS = {
    "kerang_refs": ("ref", "kind", "date", "command", "reversed_by", "reversed_on"),
    "kerang_postings": ("ref", "date", "account", "member", "amount"),
    "kerang_harvests": ("ref", "date", "bagan", "sign", *HARVEST_FIGURES),
    "kerang_monthly": ("account", "member", "month", "amount"),
    "kerang_totals": ("account", "member", "amount"),
}

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

    def add(self, aggregate: Any, event: Any) -> list[Entry]:
        """Take the rows of one event (applied to ``aggregate``); see ``projection``."""
        rows = project(aggregate, event)
        self.postings.extend(rows.postings)
        self.reversals.extend(rows.reversals)
        self.harvests.extend(rows.harvests)
        self.refs.extend((*ref[:3], self.seal.close(ref[3])) for ref in rows.refs)
        return list(rows.entries)

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


# ------------------------------------------------------------------ copies of a schema
TABLES = (
    "stored_events",
    "kerang_refs",
    "kerang_postings",
    "kerang_monthly",
    "kerang_totals",
    "kerang_harvests",
    "kerang_chain",
)
SERIALS = (  # the auto-numbered columns, which go on after the copied rows
    ("stored_events", "notification_id"),
    ("kerang_refs", "id"),
    ("kerang_postings", "id"),
    ("kerang_harvests", "id"),
)


def copy_tables(conn: Any, source: str | None, target: str) -> None:
    """Copy every table of the PostgreSQL schema ``source`` (None: nothing to copy)
    into ``target``, made just now, whose numbering then goes on after the copy."""
    from psycopg.sql import SQL, Identifier

    for table in TABLES if source is not None else ():
        conn.execute(
            SQL("INSERT INTO {0}.{1} SELECT * FROM {2}.{1}").format(
                Identifier(target), Identifier(table), Identifier(source)
            )
        )
    for table, column in SERIALS:
        conn.execute(
            SQL(
                "SELECT setval(pg_get_serial_sequence(%s, %s), "
                "GREATEST((SELECT MAX({0}) FROM {1}.{2}), 1))"
            ).format(Identifier(column), Identifier(target), Identifier(table)),
            (f"{target}.{table}", column),
        )


# ------------------------------------------------------------------ restore of stored events
def locked_head(c: Any, dialect: Dialect) -> int:
    """The last stored event's number, the writers held off until the transaction ends
    (SQLite's BEGIN IMMEDIATE holds them already)."""
    if dialect is POSTGRES:
        c.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")
    c.execute(f"SELECT COALESCE(MAX({dialect.seq}), 0) FROM stored_events")
    return int(c.fetchone()[0])


def append_stored(
    c: Any, dialect: Dialect, events: Sequence[tuple], links: Sequence[tuple[int, str]]
) -> None:
    """Stored events copied as they are, their numbers kept, with their chain links:
    (seq, originator_id, originator_version, topic, state) and (seq, link)."""
    c.executemany(
        dialect.sql(
            f"INSERT INTO stored_events ({dialect.seq}, originator_id, originator_version, "
            "topic, state) VALUES (?,?,?,?,?)"
        ),
        events,
    )
    c.executemany(dialect.sql("INSERT INTO kerang_chain (id, link) VALUES (?,?)"), links)


def follow_stored(c: Any, dialect: Dialect) -> None:
    """New events are numbered after the copied ones (PostgreSQL's sequence)."""
    if dialect is POSTGRES:
        c.execute(
            "SELECT setval(pg_get_serial_sequence('stored_events', 'notification_id'), "
            "GREATEST((SELECT MAX(notification_id) FROM stored_events), 1))"
        )


@attrs.frozen
class ReadModel:
    """Queries over the read models (through the event store's own connection)."""

    datastore: Any
    dialect: Dialect = SQLITE
    seal: Seal = Seal()

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        if self.dialect is POSTGRES:
            return _pg_query(self.datastore, self.dialect.sql(sql), tuple(params))
        with self.datastore.get_connection(commit=False) as conn:
            c = conn.cursor()  # autocommit: one statement needs no transaction
            c.execute(sql, tuple(params))
            return [tuple(r) for r in c.fetchall()]

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A cursor in one read transaction (rows as tuples), for a consistent long read."""
        if self.dialect is POSTGRES:
            with _pg_snapshot(self.datastore) as cursor:
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

    # ------------------------------------------------------------ write-side checks
    def last_bagan_harvest(self, bagan: str) -> dt.date | None:
        [(last,)] = self.rows(
            "SELECT MAX(date) FROM kerang_harvests WHERE bagan = ? AND sign > 0", (bagan,)
        )
        return dt.date.fromisoformat(last) if last else None

    def last_repair_date(self) -> dt.date | None:
        [(last,)] = self.rows("SELECT MAX(date) FROM kerang_refs WHERE kind = 'repair'")
        return dt.date.fromisoformat(last) if last else None

    # ------------------------------------------------------------ the books (queries)
    def standing_harvests(self, day: dt.date) -> list[tuple]:
        """Harvests recorded by ``day`` and not reversed by then, in date order:
        (ref, date, bagan, gross, costs, net, manager, members, savings, cooperative,
        command)."""
        iso = day.isoformat()
        return [
            (*row[:-1], self.seal.open(row[-1]))
            for row in self.rows(
                "SELECT h.ref, h.date, h.bagan, h.gross, h.costs, h.net, h.manager, h.members, "
                "h.savings, h.cooperative, r.command FROM kerang_harvests h "
                "JOIN kerang_refs r ON r.ref = h.ref WHERE h.sign > 0 AND h.date <= ? "
                "AND (r.reversed_on IS NULL OR r.reversed_on > ?) ORDER BY h.date, h.id",
                (iso, iso),
            )
        ]

    def standing_commands(self, day: dt.date, leaving: Sequence[str]) -> list[tuple[str, str]]:
        """(kind, command) of every ref recorded by ``day`` and not reversed by then,
        except the kinds ``leaving``, in date order."""
        iso = day.isoformat()
        marks = ", ".join("?" * len(leaving))
        return [
            (kind, self.seal.open(command))
            for kind, command in self.rows(
                f"SELECT kind, command FROM kerang_refs WHERE kind NOT IN ({marks}) AND date <= ? "
                "AND (reversed_on IS NULL OR reversed_on > ?) ORDER BY date, id",
                (*leaving, iso, iso),
            )
        ]

    # ------------------------------------------------------------ statements
    def period_sums(
        self, first: dt.date, last: dt.date, prefixes: Sequence[str], unrecorded: Sequence[str]
    ) -> dict[str, int]:
        """Totals by account of the accounts starting with ``prefixes``, dated
        ``first``..``last``, leaving out postings under a ref starting with one of
        ``unrecorded`` that has no recorded command (register entries such as a close)."""
        likes = " OR ".join(["p.account LIKE ?"] * len(prefixes))
        skips = " OR ".join(["p.ref LIKE ?"] * len(unrecorded)) or "1=0"
        return {
            account: int(total)
            for account, total in self.rows(
                "SELECT p.account, SUM(p.amount) FROM kerang_postings p "
                "LEFT JOIN kerang_refs r ON r.ref = p.ref "
                f"WHERE ({likes}) AND p.date >= ? AND p.date <= ? "
                f"AND NOT (r.ref IS NULL AND ({skips})) GROUP BY p.account",
                (
                    *(p + "%" for p in prefixes),
                    first.isoformat(),
                    last.isoformat(),
                    *(p + "%" for p in unrecorded),
                ),
            )
        }

    def member_postings(
        self, member: str, accounts: Sequence[str], last: dt.date
    ) -> list[tuple[str, str, str, int, str, str | None, str | None]]:
        """The member's postings on ``accounts`` up to ``last``, in recording order:
        (date, ref, account, amount, kind, reversed_by, command)."""
        return [
            (d, ref, a, int(x), kind, by, None if command is None else self.seal.open(command))
            for d, ref, a, x, kind, by, command in self.rows(
                "SELECT p.date, p.ref, p.account, p.amount, COALESCE(r.kind, ''), r.reversed_by, "
                "r.command FROM kerang_postings p LEFT JOIN kerang_refs r ON r.ref = p.ref "
                f"WHERE p.member = ? AND p.account IN ({', '.join('?' * len(accounts))}) "
                "AND p.date <= ? ORDER BY p.date, p.id",
                (member, *accounts, last.isoformat()),
            )
        ]

    # ------------------------------------------------------------ beancount
    @contextmanager
    def ledger_stream(self) -> Iterator[LedgerStream]:
        """Every sub-ledger, the first date and every posting with its ref, streamed
        from one read transaction (one snapshot however long the books)."""
        with self.snapshot() as cursor:
            cursor.execute(
                "SELECT DISTINCT account, member FROM kerang_postings ORDER BY account, member"
            )
            ledgers = [(str(a), str(m)) for a, m in cursor.fetchall()]
            cursor.execute("SELECT MIN(date) FROM kerang_postings")
            (first,) = cursor.fetchone()
            yield LedgerStream(ledgers, first, self._posting_rows(cursor))

    def _posting_rows(self, cursor: Any) -> Iterator[tuple]:
        cursor.execute(
            "SELECT p.ref, p.date, p.account, p.member, p.amount, "
            "r.date, r.kind, r.command, r.reversed_by, r.reversed_on, c.command "
            "FROM kerang_postings p LEFT JOIN kerang_refs r ON r.ref = p.ref "
            "LEFT JOIN kerang_refs c ON c.ref = r.reversed_by ORDER BY p.date, p.id"
        )
        opened = self.seal.open
        for row in iter(cursor.fetchone, None):
            row = tuple(row)
            yield (
                *row[:7],
                None if row[7] is None else opened(row[7]),
                *row[8:10],
                None if row[10] is None else opened(row[10]),
            )

    # ------------------------------------------------------------ the whole tables (replay)
    def table(self, name: str) -> list[tuple]:
        """Every row of a read-model table, its columns as ``COLUMNS`` names them."""
        return self.rows(f"SELECT {', '.join(COLUMNS[name])} FROM {name}")

    # ------------------------------------------------------------ stored events and chain
    def stored_page(self, after: int, page: int) -> list[tuple]:
        """Up to ``page`` stored events recorded after ``after``, with their chain link:
        (seq, originator_id, originator_version, topic, state, link)."""
        seq = self.dialect.seq
        return self.rows(
            f"SELECT e.{seq}, e.originator_id, e.originator_version, e.topic, e.state, c.link "
            f"FROM stored_events e LEFT JOIN kerang_chain c ON c.id = e.{seq} WHERE e.{seq} > ? "
            f"ORDER BY e.{seq} LIMIT ?",
            (after, page),
        )

    def stored_head(self) -> tuple[int, int, str | None]:
        """(how many events are stored, the last one's number, its chain link)."""
        [(count, last)] = self.rows(f"SELECT COUNT(*), MAX({self.dialect.seq}) FROM stored_events")
        if not last:
            return int(count), 0, None
        found = self.rows("SELECT link FROM kerang_chain WHERE id = ?", (last,))
        return int(count), int(last), found[0][0] if found else None

    def chain_tail(self) -> tuple[int, str | None]:
        """The chain's last link: (its event number, 0 when empty; the link)."""
        [(seq, last)] = self.rows(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM kerang_chain), "
            "(SELECT link FROM kerang_chain ORDER BY id DESC LIMIT 1)"
        )
        return int(seq), last


@attrs.frozen
class LedgerStream:
    """What beancount writes, read in one snapshot: the sub-ledgers (account, member),
    the first posting's date, and the postings streamed in (date, id) order."""

    ledgers: list[tuple[str, str]]
    first: str | None
    rows: Iterator[tuple]


@contextmanager
def _pg_snapshot(datastore: Any) -> Iterator[Any]:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    with (
        datastore.get_connection() as conn,
        conn.transaction(),
        conn.cursor(row_factory=tuple_row) as c,
    ):
        c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        c.execute(SQL("SET LOCAL search_path TO {0}").format(Identifier(datastore.schema)))
        yield c


def _pg_query(datastore: Any, sql: str, params: tuple) -> list[tuple]:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
        c.execute(SQL("SET search_path TO {0}").format(Identifier(datastore.schema)))
        c.execute(sql, params)
        return c.fetchall()


def _where(account: str, member: str | None) -> tuple[str, tuple]:
    if member is None:
        return "account=?", (account,)
    return "account=? AND member=?", (account, member)
