"""Storage: the event store plus read models written in the same transaction.

The read models (``kerang_refs``, ``kerang_postings``, ``kerang_harvests``) are
a pure function of the stored events (see ``BookRows.add``); they are written
by the same database transaction that appends the events, so a crash leaves
both or neither. ``kerang audit`` re-derives them from the events alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger import domain
from ledger.accounts import Entry, entries_of

READ_MODEL_DDL = (
    """CREATE TABLE IF NOT EXISTS kerang_refs (
        ref TEXT PRIMARY KEY, kind TEXT NOT NULL, date TEXT NOT NULL,
        command TEXT NOT NULL, reversed_by TEXT, reversed_on TEXT)""",
    """CREATE TABLE IF NOT EXISTS kerang_postings (
        id INTEGER PRIMARY KEY, ref TEXT NOT NULL, date TEXT NOT NULL,
        account TEXT NOT NULL, member TEXT NOT NULL, amount INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS kerang_postings_member ON kerang_postings (member, account, date, amount)",
    "CREATE INDEX IF NOT EXISTS kerang_postings_account ON kerang_postings (account, date, amount)",
    """CREATE TABLE IF NOT EXISTS kerang_harvests (
        id INTEGER PRIMARY KEY, ref TEXT NOT NULL, date TEXT NOT NULL, bagan TEXT NOT NULL,
        sign INTEGER NOT NULL, gross INTEGER NOT NULL, costs INTEGER NOT NULL, net INTEGER NOT NULL,
        manager INTEGER NOT NULL, members INTEGER NOT NULL, savings INTEGER NOT NULL,
        cooperative INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS kerang_harvests_date ON kerang_harvests (date)",
)

HARVEST_FIGURES = ("gross", "costs", "net", "manager", "members", "savings", "cooperative")


def canonical(command: dict[str, Any]) -> str:
    return json.dumps(command, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@attrs.define
class BookRows:
    """Read-model rows derived from new events, written with them."""

    refs: list[tuple[str, str, str, str]] = attrs.Factory(list)
    reversals: list[tuple[str, str, str]] = attrs.Factory(list)
    postings: list[tuple[str, str, str, str, int]] = attrs.Factory(list)
    harvests: list[tuple] = attrs.Factory(list)

    def add(self, aggregate: Any, event: Any) -> list[Entry]:
        """Derive the rows of one event (applied to ``aggregate``)."""
        entries = entries_of(aggregate, event)
        for e in entries:
            day = e.date.isoformat()
            self.postings.extend((e.ref, day, p.account, p.member, p.amount) for p in e.postings)
        if isinstance(aggregate, domain.Transaction):
            if isinstance(event, domain.Transaction.Reversed):
                self.reversals.append((event.by_ref, event.day.isoformat(), aggregate.ref))
                if isinstance(aggregate, domain.Harvest):
                    self.harvests.append(_harvest_row(aggregate, event.day, -1))
            else:
                self.refs.append(
                    (
                        aggregate.ref,
                        aggregate.kind,
                        aggregate.date.isoformat(),
                        canonical(aggregate.command()),
                    )
                )
                if isinstance(aggregate, domain.Harvest):
                    self.harvests.append(_harvest_row(aggregate, aggregate.date, +1))
        return entries

    def __bool__(self) -> bool:
        return bool(self.refs or self.reversals or self.postings or self.harvests)

    def write(self, c: Any, mark: str = "?") -> None:
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
        if self.harvests:
            c.executemany(
                sql(
                    "INSERT INTO kerang_harvests (ref, date, bagan, sign, gross, costs, net, manager, "
                    "members, savings, cooperative) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                ),
                self.harvests,
            )


def _harvest_row(h: domain.Harvest, day: dt.date, sign: int) -> tuple:
    s = h.shares
    figures = (h.gross, h.costs, h.net, s["manager"], s["members"], s["savings"], s["cooperative"])
    return (h.ref, day.isoformat(), h.bagan, sign, *(sign * f for f in figures))


class LedgerRecorder(SQLiteApplicationRecorder):
    """SQLite event store that writes the read models in the same transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *READ_MODEL_DDL]

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        books: BookRows | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if books:
            books.write(c)
        return ids


@attrs.frozen
class ReadModel:
    """Queries over the read models (through the event store's own connection)."""

    datastore: Any
    mark: str = "?"

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql.replace("?", self.mark), tuple(params))
            return [tuple(r) for r in c.fetchall()]

    def ref(self, ref: str) -> tuple[str, str, str | None, str | None] | None:
        found = self.rows(
            "SELECT kind, command, reversed_by, reversed_on FROM kerang_refs WHERE ref=?", (ref,)
        )
        return found[0] if found else None

    def balance(self, account: str, member: str | None, day: dt.date) -> int:
        """Sum of postings up to and including ``day`` (debit positive)."""
        where, params = _where(account, member)
        [(total,)] = self.rows(
            f"SELECT COALESCE(SUM(amount), 0) FROM kerang_postings WHERE {where} AND date <= ?",
            (*params, day.isoformat()),
        )
        return int(total)

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

    def last_date(self) -> dt.date | None:
        [(last,)] = self.rows("SELECT MAX(date) FROM kerang_postings")
        return dt.date.fromisoformat(last) if last else None

    def member_totals(self, member: str, day: dt.date) -> dict[str, int]:
        return {
            account: int(total)
            for account, total in self.rows(
                "SELECT account, SUM(amount) FROM kerang_postings WHERE member=? AND date <= ? GROUP BY account",
                (member, day.isoformat()),
            )
        }

    def account_totals(self, day: dt.date) -> dict[str, int]:
        return {
            account: int(total)
            for account, total in self.rows(
                "SELECT account, SUM(amount) FROM kerang_postings WHERE date <= ? GROUP BY account",
                (day.isoformat(),),
            )
        }

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


def _where(account: str, member: str | None) -> tuple[str, tuple]:
    if member is None:
        return "account=?", (account,)
    return "account=? AND member=?", (account, member)
