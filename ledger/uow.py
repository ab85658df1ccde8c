"""The unit of work: what one command (or one import batch) reads and records.

Commands run against the books as they stand plus what this unit has recorded so far
(a pending overlay, so an import batch sees its own earlier lines); ``commit`` appends
every event and its read-model rows in one database transaction, on the condition that
nobody wrote since the unit began (its basis). ``run`` starts again from the new books
when a concurrent writer won, so refusals are decided afresh.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.persistence import IntegrityError, OperationalError

from ledger import accounts
from ledger.accounts import GUARDED, Posting
from ledger.domain import Cooperative, Harvest, Repair, Transaction
from ledger.errors import Busy, NotInitialised, ReadOnly, RefConflict, UnknownRef
from ledger.i18n import FieldName, msg
from ledger.readmodel import BookRows, canonical

if TYPE_CHECKING:
    from ledger.app import LedgerApp

RETRIES = 25
T = TypeVar("T")


class UnitOfWork:
    """One unit of work over the ledger (see the module docstring)."""

    def __init__(self, app: LedgerApp) -> None:
        self.app = app
        self.read = app.read
        self.basis = app.read.head()  # before reading anything else
        self.coop = app.cooperative()
        self.txns: dict[str, Transaction] = {}
        self.events: list[Any] = []
        self.rows = BookRows(seal=self.read.seal)
        self._pending: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        self._pending_refs: dict[str, str] = {}
        self._known_refs: dict[str, str | None] = {}
        self.last_harvest: dt.date | None = None

    # ------------------------------------------------------------ recording
    def collect(self, *aggregates: Any) -> None:
        """Take the aggregates' new events and their read-model rows into this unit."""
        for agg in aggregates:
            for ev in agg.collect_events():
                self.events.append(ev)
                rows = self.rows.add(agg, ev)
                for _, day, account, member, amount in rows.postings:
                    self._pending[(account, member)].append((day, amount))
                for ref, _, _, command in rows.refs:  # as stored, for a repeated ref
                    self._pending_refs[ref] = command
            if isinstance(agg, Transaction):
                self.txns[agg.ref] = agg
            if isinstance(agg, Harvest):  # a later policy must not reach back over it
                self.last_harvest = max(agg.date, self.last_harvest or agg.date)

    def commit(self) -> int:
        """Append everything recorded in this unit in one transaction."""
        if not self.events:
            return 0
        count = len(self.events)
        self.rows.basis = self.basis
        # the event store directly: Application.save checks each event against a
        # runtime Protocol (slow) for snapshots and followers this ledger has not
        self.app.events.put(self.events, books=self.rows)
        self.basis = self.app.read.head()
        self.events, self.rows = [], BookRows(seal=self.read.seal)
        self._pending.clear()
        self._pending_refs.clear()
        return count

    # ------------------------------------------------------------ loading
    def cooperative(self) -> Cooperative:
        if self.coop is None:
            raise NotInitialised(
                "db", msg("this ledger has not been started; run 'kerang init --name NAME' first.")
            )
        return self.coop

    def transaction(self, ref: str, field: str = "reverses") -> Transaction:
        txn = self.txns.get(ref) or self.app.transaction(ref)
        if txn is None:
            raise UnknownRef(field, "{field} {ref!r} names no recorded transaction.", ref=ref)
        self.txns[ref] = txn
        return txn

    def preload_refs(self, refs: list[str]) -> None:
        """Look up many refs at once (an import batch) instead of one by one."""
        known = self.read.known_refs(refs)
        self._known_refs.update({r: known.get(r) for r in refs})

    def seen(self, ref: str, line: dict[str, Any]) -> bool:
        """True if exactly this line was recorded under ``ref``; refuse if it differs."""
        stored = self._pending_refs.get(ref)
        if stored is None:
            if ref in self._known_refs:
                stored = self._known_refs[ref]
            else:
                found = self.read.ref(ref)
                stored = found[1] if found else None
        if stored is None:
            return False
        if stored == canonical(line):
            return True
        before = json.loads(stored)
        if before.get("op") != line["op"]:
            raise RefConflict(
                "ref",
                msg(
                    "ref {ref} was already recorded as {get}, not {op}.",
                    ref=ref,
                    get=before.get("op"),
                    op=line["op"],
                ),
            )
        for key in sorted(set(before) | set(line)):
            if before.get(key) != line.get(key):
                raise RefConflict(
                    "ref",
                    msg(
                        "ref {ref} was already recorded with {key} {get!r}, not {get2!r}; use a new ref.",
                        ref=ref,
                        key=key,
                        get=before.get(key),
                        get2=line.get(key),
                    ),
                )
        raise RefConflict(
            "ref", msg("ref {ref} was already recorded with different content.", ref=ref)
        )

    # ------------------------------------------------------------ balances
    def available(self, account: str, member: str | None, day: dt.date) -> int:
        """The lowest natural balance from ``day`` on: what may still be taken."""
        sign = GUARDED[account]
        iso = day.isoformat()
        base = self.read.balance(account, member, day)
        later: dict[str, int] = defaultdict(int)
        for d, a in self.read.later_movements(account, member, day):
            later[d] += a
        for (acc, mem), moves in self._pending.items():
            if acc == account and (member is None or mem == member):
                for d, a in moves:
                    if d <= iso:
                        base += a
                    else:
                        later[d] += a
        lowest = running = sign * base
        for d in sorted(later):
            running += sign * later[d]
            lowest = min(lowest, running)
        return lowest

    def total(self, account: str, member: str) -> int:
        """The balance after everything recorded, whatever its date."""
        pending = sum(a for _, a in self._pending.get((account, member), []))
        return self.read.balance(account, member, dt.date.max) + pending

    def last_member_date(self, member: str) -> dt.date | None:
        """The date of the member's latest recorded movement (this unit's included)."""
        days = [self.read.last_member_date(member)] + [
            dt.date.fromisoformat(d)
            for (_, m), moves in self._pending.items()
            if m == member
            for d, _ in moves
        ]
        return max(filter(None, days), default=None)

    def last_harvest_date(self) -> dt.date | None:
        return max(filter(None, (self.read.last_harvest_date(), self.last_harvest)), default=None)

    def last_bagan_use(self, bagan_id: str) -> dt.date | None:
        """The latest harvest of the bagan, or repair of any bagan, recorded so far (this
        unit's included): a partner change must come after it."""
        days = [
            d
            for d in (self.read.last_bagan_harvest(bagan_id), self.read.last_repair_date())
            if d is not None
        ]
        days += [
            t.date
            for t in self.txns.values()
            if isinstance(t, Harvest | Repair) and (t.bagan == bagan_id or isinstance(t, Repair))
        ]
        return max(days, default=None)

    def month_sums(
        self, first: str | None, last: str, accounts_: tuple[str, ...], prefixes: tuple[str, ...]
    ) -> dict[tuple[str, str], int]:
        """``ReadModel.month_sums`` plus what this unit has recorded so far."""
        sums: dict[tuple[str, str], int] = defaultdict(
            int, self.read.month_sums(first, last, accounts_, prefixes)
        )
        for (account, member), moves in self._pending.items():
            if account in accounts_ or account.startswith(prefixes):
                for d, a in moves:
                    if d[:7] <= last and (first is None or d[:7] >= first):
                        sums[(account, member)] += a
        return dict(sums)

    def shu_bases(self, y: int) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """Year ``y`` as the books stand: the Income and Expenses balances, each member's
        harvest income (jasa usaha base) and pokok + wajib savings at the year's end
        (jasa modal base)."""
        months = (f"{y:04d}-01", f"{y:04d}-12")
        nominal = self.month_sums(*months, (), accounts.NOMINAL)
        closing: dict[str, int] = defaultdict(int)
        for (account, _), amount in nominal.items():
            closing[account] += amount
        # a net reversal below zero counts as no base (ledger.shu)
        usaha = {
            m: a for (account, m), a in nominal.items() if account == accounts.PARTNER_SHARE and m
        }
        held = self.month_sums(
            None, months[1], (accounts.SAVINGS["pokok"], accounts.SAVINGS["wajib"]), ()
        )
        modal: dict[str, int] = defaultdict(int)
        for (_, m), a in held.items():
            if m:
                modal[m] -= a  # savings are credits
        return dict(closing), usaha, dict(modal)

    def check_funds(self, postings: list[Posting], day: dt.date) -> None:
        """Refuse if any guarded balance would fall below zero on or after ``day``."""
        from ledger.domain import check_funds

        check_funds(postings, day, self.available)


def run(app: LedgerApp, work: Callable[[UnitOfWork], T]) -> T:
    """Run ``work`` on a fresh unit and commit it; if another writer got there
    first, start again from the new books (refusals are decided afresh)."""
    for attempt in range(RETRIES):
        uow = UnitOfWork(app)
        result = work(uow)
        try:
            uow.commit()
        except Exception as error:
            if "permission denied" in str(error).lower():
                raise ReadOnly(
                    "db",
                    msg("this role may only read the ledger (the database refused the write)."),
                ) from None
            if not is_conflict(error):
                raise
            time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 7)))  # jittered back-off
            continue
        return result
    raise Busy(
        "db",
        "other clerks kept the ledger busy and nothing was written; repeat the same command (same {ref}).",
        ref=FieldName("ref"),
    )


def is_conflict(error: BaseException) -> bool:
    """A concurrent writer got there first: the whole unit may be retried."""
    if isinstance(error, IntegrityError):
        return True
    text = str(error).lower()
    return isinstance(error, OperationalError) and ("locked" in text or "busy" in text)
