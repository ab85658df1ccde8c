"""The projection of events into read-model rows: a pure function, no database.

``project(aggregate, event)`` gives the rows one event adds to the read models (refs,
reversals, postings, harvests), from the event and the aggregate it was applied to;
``entries_of`` and ``transaction_postings`` give the double-entry postings of each fact
(in the accounts of ``ledger.accounts``). Storage writes the rows in the transaction that
stores the event (``readmodel.BookRows``); replay and the copy between engines use the
same function on their own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs

from ledger import domain
from ledger.accounts import (
    BAGAN,
    CASH,
    GRANTS,
    HARVEST_COSTS,
    INFAQ_CASH,
    INFAQ_FUND,
    LOANS,
    MANAGER_SHARE,
    OPERATING,
    OTHER_INCOME,
    PARTNER_SHARE,
    PEELING_WAGES,
    SALES,
    SAVINGS,
    SAVINGS_SHARE,
    SHU_MEMBERS,
    Entry,
    Posting,
    close_postings,
    financing_postings,
    year_end,
)

HARVEST_FIGURES = ("gross", "costs", "net", "manager", "members", "savings", "cooperative")

RefRow = tuple[str, str, str, str]  # ref, kind, date, command (canonical JSON)
ReversalRow = tuple[str, str, str]  # reversed by (ref), on (date), the reversed ref
PostingRow = tuple[str, str, str, str, int]  # ref, date, account, member, amount


@attrs.frozen
class EventRows:
    """What one event adds to the read models."""

    entries: tuple[Entry, ...] = ()
    refs: tuple[RefRow, ...] = ()
    reversals: tuple[ReversalRow, ...] = ()
    postings: tuple[PostingRow, ...] = ()
    harvests: tuple[tuple, ...] = ()


def canonical(command: dict[str, Any]) -> str:
    """A command as stored under its ref: compact JSON, keys sorted."""
    return json.dumps(command, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def harvest_row(h: domain.Harvest, day: dt.date, sign: int) -> tuple:
    """A harvest's figures, signed: +1 when recorded, -1 on the day it is reversed."""
    s = h.shares
    figures = (h.gross, h.costs, h.net, s["manager"], s["members"], s["savings"], s["cooperative"])
    return (h.ref, day.isoformat(), h.bagan, sign, *(sign * f for f in figures))


def project(aggregate: Any, event: Any) -> EventRows:
    """The rows of one event, applied to ``aggregate`` (its state after the event)."""
    entries = tuple(entries_of(aggregate, event))
    postings = tuple(
        (e.ref, e.date.isoformat(), p.account, p.member, p.amount)
        for e in entries
        for p in e.postings
    )
    if not isinstance(aggregate, domain.Transaction):
        return EventRows(entries, postings=postings)
    if isinstance(event, domain.Transaction.Reversed):
        reversal = ((event.by_ref, event.day.isoformat(), aggregate.ref),)
        harvests = (
            (harvest_row(aggregate, event.day, -1),)
            if isinstance(aggregate, domain.Harvest)
            else ()
        )
        return EventRows(entries, reversals=reversal, postings=postings, harvests=harvests)
    ref = (
        aggregate.ref,
        aggregate.kind,
        aggregate.date.isoformat(),
        canonical(aggregate.command()),
    )
    harvests = (
        (harvest_row(aggregate, aggregate.date, +1),)
        if isinstance(aggregate, domain.Harvest)
        else ()
    )
    return EventRows(entries, refs=(ref,), postings=postings, harvests=harvests)


# ------------------------------------------------------------------ the postings of each fact
def transaction_postings(txn: domain.Transaction) -> list[Posting]:
    """What a recorded transaction does to the books (before any reversal)."""
    if isinstance(txn, domain.Harvest):
        kept = txn.gross - txn.costs - txn.shares["manager"] - txn.shares["members"]
        out = [
            Posting(CASH, "", kept),
            Posting(SALES, "", -txn.gross),
            Posting(HARVEST_COSTS, "", txn.costs),
            Posting(MANAGER_SHARE, "", txn.shares["manager"]),
            Posting(SAVINGS_SHARE, "", txn.shares["savings"]),
        ]
        out += [Posting(PARTNER_SHARE, m, a) for m, a in txn.income.items()]
        out += [Posting(SAVINGS["harvest"], m, -a) for m, a in txn.savings.items()]
        return out
    if isinstance(txn, domain.SavingsDeposit):
        return [
            Posting(CASH, "", txn.amount),
            Posting(SAVINGS[txn.savings_kind], txn.member, -txn.amount),
        ]
    if isinstance(txn, domain.SavingsWithdrawal):
        return [
            Posting(CASH, "", -txn.amount),
            Posting(SAVINGS[txn.savings_kind], txn.member, txn.amount),
        ]
    if isinstance(txn, domain.InfaqReceipt):
        return [
            Posting(INFAQ_CASH, "", txn.amount),
            Posting(INFAQ_FUND, txn.member or "", -txn.amount),
        ]
    if isinstance(txn, domain.InfaqDisbursement):
        return [Posting(INFAQ_CASH, "", -txn.amount), Posting(INFAQ_FUND, "", txn.amount)]
    if isinstance(txn, domain.LoanDisbursement):
        return [Posting(LOANS, txn.member, txn.amount), Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.LoanRepayment):
        return [Posting(LOANS, txn.member, -txn.amount), Posting(CASH, "", txn.amount)]
    if isinstance(txn, domain.Repair):
        out = [Posting(SAVINGS["harvest"], m, a) for m, a in txn.charges.items()]
        return [*out, Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.CooperativeIncome):
        return [Posting(CASH, "", txn.amount), Posting(OTHER_INCOME, "", -txn.amount)]
    if isinstance(txn, domain.CooperativeExpense):
        return [Posting(OPERATING, "", txn.amount), Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.PeelingPay):
        return [Posting(PEELING_WAGES, txn.member, txn.amount), Posting(CASH, "", -txn.amount)]
    if isinstance(txn, domain.ShuSettlement):
        out = [Posting(SHU_MEMBERS, m, a) for m, a in txn.amounts.items()]
        if txn.to == "sukarela":
            return out + [Posting(SAVINGS["sukarela"], m, -a) for m, a in txn.amounts.items()]
        return [*out, Posting(CASH, "", -sum(txn.amounts.values()))]
    if isinstance(txn, domain.Correction | domain.Story):
        return []  # a correction's effects are its original's Reversed event
    raise TypeError(f"no postings defined for {type(txn).__name__}")


def cooperative_postings(event: Any) -> list[Posting]:
    """The postings of a bagan's financing or rebuild event."""
    if isinstance(event, domain.Cooperative.BaganFinanced):
        return financing_postings(event.paid_by, event.cost, event.charges, True)
    if isinstance(event, domain.Cooperative.BaganRebuilt):
        return financing_postings(event.paid_by, event.cost, event.charges, False)
    return []


def entries_of(aggregate: Any, event: Any) -> list[Entry]:
    """The dated postings that one stored event adds to the books."""
    if isinstance(event, domain.Cooperative.YearClosed):
        close = aggregate.closes(event.year)[event.round - 1]
        postings = tuple(close_postings({"year": event.year, **close}))
        return [Entry(f"close:{event.year}", year_end(event.year), postings)] if postings else []
    if isinstance(event, domain.Cooperative.YearReopened):
        # undo the close it reopens, on the same date: the year is as before its close
        close = aggregate.closes(event.year)[event.round - 1]
        negated = tuple(
            Posting(p.account, p.member, -p.amount)
            for p in close_postings({"year": event.year, **close})
        )
        return [Entry(f"reopen:{event.year}", year_end(event.year), negated)] if negated else []
    if isinstance(event, domain.Transaction.Reversed):
        negated = [Posting(p.account, p.member, -p.amount) for p in transaction_postings(aggregate)]
        return [Entry(aggregate.ref, event.day, tuple(negated))]
    if isinstance(aggregate, domain.Transaction) and type(event).__name__ == "Recorded":
        postings = transaction_postings(aggregate)
        return [Entry(aggregate.ref, aggregate.date, tuple(postings))] if postings else []
    if isinstance(event, domain.Cooperative.MemberLeft):
        out = []
        for kind in ("pokok", "wajib"):
            amount = getattr(event, kind)
            if amount:
                out += [Posting(SAVINGS[kind], event.member_id, amount), Posting(CASH, "", -amount)]
        return [Entry(f"leave:{event.member_id}", event.left, tuple(out))] if out else []
    if isinstance(event, domain.Cooperative.BaganFinanced | domain.Cooperative.BaganRebuilt):
        label = "bagan" if isinstance(event, domain.Cooperative.BaganFinanced) else "rebuild"
        ref = f"{label}:{event.bagan_id}:{event.day.isoformat()}"
        return [Entry(ref, event.day, tuple(cooperative_postings(event)))]
    if isinstance(event, domain.Cooperative.BaganAdded) and event.cost:
        return [
            Entry(
                f"bagan:{event.bagan_id}",
                event.added,
                (Posting(BAGAN, "", event.cost), Posting(GRANTS, "", -event.cost)),
            )
        ]
    return []
