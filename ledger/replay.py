"""Replay: rebuild the read models from the stored events alone.

Used to show that the live read models equal a replay (tests, audit).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs

from ledger.app import LedgerApp
from ledger.export import iter_events
from ledger.readmodel import BookRows


@attrs.frozen
class ReadModelState:
    """The read models as comparable values (order-free where order is free)."""

    refs: dict[str, tuple]
    postings: tuple[tuple, ...]
    harvests: tuple[tuple, ...]
    monthly: dict[tuple, int]
    totals: dict[tuple, int]


def replayed(app: LedgerApp) -> ReadModelState:
    aggregates: dict[Any, Any] = {}
    rows = BookRows()
    for event in iter_events(app):
        aggregate = event.mutate(aggregates.get(event.originator_id))
        aggregates[event.originator_id] = aggregate
        rows.add(aggregate, event)
    refs = {ref: (kind, date, command, None, None) for ref, kind, date, command in rows.refs}
    for by, on, ref in rows.reversals:
        refs[ref] = (*refs[ref][:3], by, on)
    monthly: dict[tuple, int] = defaultdict(int)
    totals: dict[tuple, int] = defaultdict(int)
    for _, day, account, member, amount in rows.postings:
        monthly[(account, member, day[:7])] += amount
        totals[(account, member)] += amount
    return ReadModelState(
        refs,
        tuple(sorted(rows.postings)),
        tuple(sorted(rows.harvests)),
        dict(monthly),
        dict(totals),
    )


def stored(app: LedgerApp) -> ReadModelState:
    read = app.read
    refs = {r[0]: tuple(r[1:]) for r in read.table("kerang_refs")}
    postings = read.table("kerang_postings")
    harvests = read.table("kerang_harvests")
    monthly = {(a, m, mo): amount for a, m, mo, amount in read.table("kerang_monthly")}
    totals = {(a, m): amount for a, m, amount in read.table("kerang_totals")}
    return ReadModelState(refs, tuple(sorted(postings)), tuple(sorted(harvests)), monthly, totals)
