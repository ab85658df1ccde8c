"""The projection of events into read-model rows: a pure function, no database.

``project(aggregate, event)`` gives the rows one event adds to the read models (refs,
reversals, postings, harvests), from the event and the aggregate it was applied to.
Storage writes them in the transaction that stores the event (``store.BookRows``);
replay and the copy between engines use the same function on their own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import orjson

from ledger import domain
from ledger.accounts import Entry, entries_of

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
    """A command as stored under its ref: compact JSON, keys sorted (orjson; the
    standard library gives the same text, and takes what orjson refuses, such as an
    integer beyond 64 bits)."""
    try:
        return orjson.dumps(command, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(command, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def harvest_row(h: domain.Harvest, day: dt.date, sign: int) -> tuple:
    """A harvest's figures, signed: +1 when recorded, -1 on the day it is reversed."""
    s = h.shares
    figures = (h.gross, h.costs, h.net, s["manager"], s["members"], s["savings"], s["cooperative"])
    return (h.ref, day.isoformat(), h.bagan, sign, *(sign * f for f in figures))


def project(aggregate: Any, event: Any) -> EventRows:
    """The rows of one event, applied to ``aggregate`` (its state after the event)."""
    entries = tuple(entries_of(aggregate, event))
    rows: list[PostingRow] = []
    for e in entries:
        day = e.date.isoformat()
        rows += [(e.ref, day, p.account, p.member, p.amount) for p in e.postings]
    postings = tuple(rows)
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
